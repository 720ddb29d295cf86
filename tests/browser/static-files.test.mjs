// roomcastd's web root (src/http/static-files.c) over real HTTP: types and
// caching headers, index.html, GET/HEAD only, and every way out of the root
// refused (.., encoded separators, dotfiles, symlinks pointing outside).
// Raw request paths go through node:http, which sends them as written
// (fetch would normalise "..").
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { startServer, ROOMCASTD } from "../integration/lib/harness.mjs";

function get(server, rawPath, { method = "GET", headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: server.port, method, path: rawPath, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

function assertNotFound(res, what) {
  assert.equal(res.status, 404, `${what}: ${res.status} ${res.body}`);
  assert.match(res.headers["content-type"], /^application\/json/);
  assert.equal(JSON.parse(res.body).error.code, "not_found");
}

describe("web root", () => {
  let server, dir, root;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "roomcast-web-"));
    root = path.join(dir, "root");
    fs.mkdirSync(path.join(root, "sub"), { recursive: true });
    fs.mkdirSync(path.join(root, ".git"));
    fs.writeFileSync(path.join(dir, "secret.txt"), "outside the root");
    fs.writeFileSync(path.join(root, "index.html"), "<!doctype html><title>root</title>");
    fs.writeFileSync(path.join(root, "app.js"), "export const x = 1;\n");
    fs.writeFileSync(path.join(root, "style.css"), "body{}");
    fs.writeFileSync(path.join(root, "hello world.txt"), "hi");
    fs.writeFileSync(path.join(root, "data.bin"), Buffer.from([0, 1, 2]));
    fs.writeFileSync(path.join(root, "empty.js"), "");
    fs.writeFileSync(path.join(root, "sub", "index.html"), "<p>sub</p>");
    fs.writeFileSync(path.join(root, "sub", ".hidden"), "no");
    fs.writeFileSync(path.join(root, ".env"), "SECRET=1");
    fs.writeFileSync(path.join(root, ".git", "config"), "[core]");
    fs.symlinkSync(path.join(dir, "secret.txt"), path.join(root, "link-out.txt"));
    fs.symlinkSync(dir, path.join(root, "dir-out"));
    fs.symlinkSync("app.js", path.join(root, "link-in.js"));
    fs.writeFileSync(path.join(root, "sub", "sub2.txt"), "x");
    server = await startServer({ env: { WEB_ROOT: root } });
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("/ is index.html, with type, caching and security headers", async () => {
    const res = await get(server, "/");
    assert.equal(res.status, 200);
    assert.equal(res.body, "<!doctype html><title>root</title>");
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.match(res.headers["content-security-policy"], /default-src 'self'/);
    assert.match(res.headers.etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(res.headers["last-modified"]);
    assert.equal((await get(server, "/index.html")).body, res.body);
  });

  test("Content-Type by extension", async () => {
    const types = {
      "/app.js": "text/javascript; charset=utf-8",
      "/style.css": "text/css; charset=utf-8",
      "/hello%20world.txt": "text/plain; charset=utf-8",
      "/data.bin": "application/octet-stream",
      "/link-in.js": "text/javascript; charset=utf-8",
    };
    for (const [p, type] of Object.entries(types)) {
      const res = await get(server, p);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers["content-type"], type, p);
    }
    const empty = await get(server, "/empty.js");
    assert.equal(empty.status, 200);
    assert.equal(empty.body, "");
  });

  test("HEAD has the headers and no body; a matching ETag gives 304", async () => {
    const head = await get(server, "/app.js", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers["content-length"], "20");
    const again = await get(server, "/app.js", { headers: { "If-None-Match": head.headers.etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body, "");
    const changed = await get(server, "/app.js", { headers: { "If-None-Match": '"0-0"' } });
    assert.equal(changed.status, 200);
  });

  test("only GET and HEAD", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const res = await get(server, "/app.js", { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.allow, "GET, HEAD");
      assert.equal(JSON.parse(res.body).error.code, "method_not_allowed");
    }
  });

  test("directories: index.html with a trailing slash, a redirect without", async () => {
    const res = await get(server, "/sub/");
    assert.equal(res.status, 200);
    assert.equal(res.body, "<p>sub</p>");
    for (const p of ["/sub", "//sub"]) {
      const r = await get(server, p);
      assert.equal(r.status, 301, p);
      assert.equal(r.headers.location, "/sub/", `${p} never redirects off-site`);
    }
  });

  test("nothing outside the root, no dotfiles, no tricks", async () => {
    const refused = [
      "/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
      "/sub/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/sub%2f..%2f..%2fsecret.txt", "/..%5csecret.txt",
      "/.env", "/.git/config", "/sub/.hidden", "/%2eenv", "/link-out.txt", "/dir-out/secret.txt", "/dir-out/",
      "/app.js%00.html", "/missing.js", "/sub/missing",
    ];
    for (const p of refused) {
      const res = await get(server, p);
      if (res.status === 400) continue; // libsoup refused the request line itself
      assertNotFound(res, p);
    }
    // Literal dot segments are resolved by URL rules first (RFC 3986), so
    // they can only name files inside the root.
    assert.equal((await get(server, "/sub/../app.js")).body, "export const x = 1;\n");
    const bad = await get(server, "/%zz");
    assert.ok(bad.status === 400 || bad.status === 404, `invalid escape: ${bad.status}`);
  });

  test("the server's own endpoints keep priority", async () => {
    const health = await get(server, "/health");
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).status, "ok");
    const polling = await get(server, "/socket.io/?EIO=4&transport=polling");
    assert.equal(polling.status, 200);
    assert.match(polling.body, /^0\{"sid":/, "the Engine.IO open packet");
  });
});

describe("WEB_ROOT settings", () => {
  test("empty (the default) serves no files", async () => {
    const server = await startServer({ env: { WEB_ROOT: "" } });
    try {
      assertNotFound(await get(server, "/"), "/");
      assertNotFound(await get(server, "/index.html"), "/index.html");
    } finally {
      await server.stop();
    }
  });

  test("a missing directory stops the start with a clear message", async () => {
    const proc = spawn(ROOMCASTD, ["--dev", "--listen", "127.0.0.1", "--port", "0"], {
      env: { ...process.env, WEB_ROOT: "/nonexistent/roomcast-web" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    proc.stderr.on("data", (c) => { output += c; });
    proc.stdout.on("data", (c) => { output += c; });
    const [code] = await once(proc, "exit");
    assert.equal(code, 2, output);
    assert.match(output, /WEB_ROOT '\/nonexistent\/roomcast-web'/);
  });
});
