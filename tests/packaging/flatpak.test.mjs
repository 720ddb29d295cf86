// The flatpak manifest cannot be built here (runtimes unreachable); check
// that it parses and has the structure flatpak-builder needs.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { SOURCE_ROOT } from "../integration/lib/harness.mjs";

const file = path.join(SOURCE_ROOT, "flatpak/io.github.roomcast.Roomcastd.json");
const manifest = JSON.parse(fs.readFileSync(file, "utf8"));

test("the manifest names the app, runtime, sdk and command", () => {
  assert.match(manifest.id, /^[A-Za-z][\w-]*(\.[A-Za-z][\w-]*){2,}$/);
  assert.equal(manifest.runtime, "org.freedesktop.Platform");
  assert.equal(manifest.sdk, "org.freedesktop.Sdk");
  assert.match(manifest["runtime-version"], /^\d+\.\d+$/);
  assert.equal(manifest.command, "roomcastd");
  assert.ok(manifest["finish-args"].includes("--share=network"));
});

test("every module is well-formed and sources are pinned", () => {
  const buildsystems = new Set(["meson", "cmake", "cmake-ninja", "autotools", "simple", "qmake"]);
  for (const m of manifest.modules) {
    assert.equal(typeof m.name, "string", "module name");
    assert.ok(buildsystems.has(m.buildsystem ?? "autotools"), `${m.name}: buildsystem`);
    if (m.buildsystem === "simple") assert.ok(m["build-commands"]?.length, `${m.name}: build-commands`);
    assert.ok(Array.isArray(m.sources) && m.sources.length, `${m.name}: sources`);
    for (const s of m.sources) {
      if (s.type === "git") {
        assert.match(s.url, /^https:\/\//, `${m.name}: https url`);
        assert.ok(s.tag || s.commit, `${m.name}: pinned to a tag or commit`);
      } else {
        assert.equal(s.type, "dir", `${m.name}: source type`);
      }
    }
  }
});

test("roomcast itself is the last module, built with meson from this tree", () => {
  const last = manifest.modules.at(-1);
  assert.equal(last.name, "roomcast");
  assert.equal(last.buildsystem, "meson");
  assert.deepEqual(last.sources, [{ type: "dir", path: ".." }]);
  assert.ok(last["config-opts"].includes("-Dtests=false"));
  assert.ok(fs.existsSync(path.join(SOURCE_ROOT, "meson.build")));
  const opts = fs.readFileSync(path.join(SOURCE_ROOT, "meson_options.txt"), "utf8");
  assert.match(opts, /option\('tests'/, "the -Dtests option the manifest uses exists");
});
