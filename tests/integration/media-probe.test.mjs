// roomcastd refuses to start when rooms could not have audio, names the fix,
// and runs without audio only when told to (MEDIA_ENABLED=false).
//
// The daemon under test is a copy of the build's roomcastd in a temporary
// directory: for GStreamer and for roomcastd it is then an installed binary
// whose plugin directory has no mixminus, which is what an operator who
// forgot `meson install` runs. GST_REGISTRY points at a fresh file so no
// earlier run's registry cache can supply the plugin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startServer, connect, request, ROOMCASTD } from "./lib/harness.mjs";

let dir, copy, env;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "roomcast-probe-"));
  copy = path.join(dir, "roomcastd");
  fs.copyFileSync(ROOMCASTD, copy);
  fs.chmodSync(copy, 0o755);
  env = { ...process.env, GST_REGISTRY: path.join(dir, "registry.bin"), LOG_LEVEL: "info" };
  delete env.GST_PLUGIN_PATH;
  delete env.GST_PLUGIN_PATH_1_0;
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

// Runs the copy to its exit: { code, output }.
async function run(args, extraEnv = {}) {
  const proc = spawn(copy, args, { env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout.on("data", (c) => { output += c; });
  proc.stderr.on("data", (c) => { output += c; });
  const [code] = await once(proc, "exit");
  return { code, output };
}

test("without the mixminus plugin roomcastd refuses to start and names the fix", async () => {
  const { code, output } = await run(["--dev", "--listen", "127.0.0.1", "--port", "0"]);
  assert.equal(code, 2, output);
  assert.match(output, /cannot start: rooms cannot have audio/);
  assert.match(output, /mixminus: roomcast's own plugin is neither in \S+ nor in GST_PLUGIN_PATH/);
  assert.match(output, /meson install -C build/);
  assert.match(output, /MEDIA_ENABLED=false/);
  assert.doesNotMatch(output, /listening on/);
});

test("with the plugin on GST_PLUGIN_PATH the same binary starts", async () => {
  const plugins = path.resolve(path.dirname(ROOMCASTD), "../plugins");
  const server = await startServer({ binary: copy, env: { ...env, GST_PLUGIN_PATH: plugins } });
  try {
    const s = await connect(server, "dev:1:Ada");
    await request(s, "room:join", { roomId: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4c" });
    const ack = await request(s, "media:connect", {});
    assert.equal(ack.ok, true, JSON.stringify(ack));
    s.close();
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test("MEDIA_ENABLED=false starts without audio and media:connect says why", async () => {
  const server = await startServer({ binary: copy, env: { ...env, MEDIA_ENABLED: "false" } });
  try {
    await server.waitForLog(/media: disabled \(MEDIA_ENABLED=false\)/);
    const s = await connect(server, "dev:1:Ada");
    const join = await request(s, "room:join", { roomId: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4c" });
    assert.equal(join.ok, true, JSON.stringify(join));
    const ack = await request(s, "media:connect", {});
    assert.equal(ack.ok, false);
    assert.equal(ack.error.code, "media_unavailable");
    assert.match(ack.error.message, /MEDIA_ENABLED=false/);
    s.close();
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test("recording without media is a configuration error", async () => {
  const { code, output } = await run(["--dev", "--record", dir], { MEDIA_ENABLED: "false" });
  assert.equal(code, 2, output);
  assert.match(output, /RECORD_DIR: recording needs MEDIA_ENABLED=true/);
});
