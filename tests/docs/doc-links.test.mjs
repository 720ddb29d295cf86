// Links between the documents stay true: every relative link of a Markdown
// file names a file that exists and, with a #fragment, a heading of that
// file; every "docs/<name>.md#<anchor>" that a comment in the code cites
// names a heading too. Anchors are GitHub's: the heading in lower case,
// without punctuation, spaces turned into hyphens, "-1", "-2", … on repeats.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = process.env.ROOMCAST_SOURCE_ROOT
  ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const SKIP_DIRS = new Set([".git", "node_modules", "subprojects"]);

function walk(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name) || entry.name.startsWith("build")) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

const anchorCache = new Map();
function anchorsOf(file) {
  if (!anchorCache.has(file)) {
    const seen = new Map();
    const anchors = new Set();
    let fenced = false;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
      const m = !fenced && line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/);
      if (!m) continue;
      const base = slug(m[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    anchorCache.set(file, anchors);
  }
  return anchorCache.get(file);
}

const files = walk(ROOT);
const rel = (p) => path.relative(ROOT, p);

test("relative links in Markdown files reach a file and a heading", () => {
  const broken = [];
  let checked = 0;
  for (const file of files.filter((f) => f.endsWith(".md"))) {
    let fenced = false;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
      if (fenced) continue;
      for (const m of line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [filepart, fragment] = target.split("#");
        const dest = filepart ? path.resolve(path.dirname(file), filepart) : file;
        checked++;
        if (!fs.existsSync(dest)) broken.push(`${rel(file)}: ${target} (no such file)`);
        else if (fragment !== undefined && dest.endsWith(".md") && !anchorsOf(dest).has(fragment))
          broken.push(`${rel(file)}: ${target} (no such heading)`);
      }
    }
  }
  assert.ok(checked > 20, `only ${checked} links found`);
  assert.deepEqual(broken, []);
});

test("docs/<name>.md#<anchor> cited in the code names a heading", () => {
  const broken = [];
  let checked = 0;
  const code = files.filter((f) => /\.(c|h|py|mjs|js|sh|build|txt|conf|in)$/.test(f) || !path.extname(f));
  for (const file of code) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    if (text.includes("\0")) continue;
    for (const m of text.matchAll(/\bdocs\/([A-Za-z0-9_-]+\.md)#([\p{L}\p{N}_-]+)/gu)) {
      checked++;
      const dest = path.join(ROOT, "docs", m[1]);
      if (!fs.existsSync(dest)) broken.push(`${rel(file)}: docs/${m[1]} (no such file)`);
      else if (!anchorsOf(dest).has(m[2])) broken.push(`${rel(file)}: docs/${m[1]}#${m[2]} (no such heading)`);
    }
  }
  assert.ok(checked > 0, "no docs/…#anchor reference found");
  assert.deepEqual(broken, []);
});
