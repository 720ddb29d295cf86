// --dev stays a development mode: it listens on loopback unless told
// otherwise, and its Pusher app is drawn at random per start (printed on
// stderr as a plain line, never through the logger) instead of a published
// key and secret.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import WebSocket from "ws";
import { startServer, ROOMCASTD } from "./lib/harness.mjs";

// A --dev server with no Pusher settings at all (the harness would add its
// test app): { server, app: {id, key, secret} }.
async function startDev() {
  const env = { PUSHER_APP_ID: "", PUSHER_APP_KEY: "", PUSHER_APP_SECRET: "", LOG_LEVEL: "debug" };
  const server = await startServer({ env });
  await server.waitForLog(/dev Pusher app for this run: /);
  const m = server.logs().match(/dev Pusher app for this run: id=(\S+) key=(\S+) secret=(\S+)/);
  return { server, app: { id: m[1], key: m[2], secret: m[3] } };
}

// Resolves with the first Pusher protocol message of a connection to /app/{key}.
async function pusherHello(server, key) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/app/${key}?protocol=7&client=js&version=8.4.0`);
  const [data] = await once(ws, "message");
  ws.close();
  return JSON.parse(data.toString());
}

test("--dev draws its Pusher app per start and never logs the secret", async () => {
  const a = await startDev();
  const b = await startDev();
  try {
    assert.equal(a.app.id, "dev");
    assert.match(a.app.key, /^dev-[0-9a-f]{16}$/);
    assert.match(a.app.secret, /^[0-9a-f]{32}$/);
    assert.notEqual(a.app.key, b.app.key);
    assert.notEqual(a.app.secret, b.app.secret);
    assert.equal((await pusherHello(a.server, a.app.key)).event, "pusher:connection_established");
    const old = await pusherHello(a.server, "dev-key");
    assert.equal(old.event, "pusher:error", "the old published key is refused");
    // The secret is printed once, as a plain line, not as a log message.
    const logLines = a.server.logs().split("\n").filter((l) => l.includes(a.app.secret));
    assert.equal(logLines.length, 1);
    assert.match(logLines[0], /^dev Pusher app for this run: /);
  } finally {
    await a.server.stop();
    await b.server.stop();
  }
});

test("--dev refuses a non-loopback listen address unless --dev-remote is given", async () => {
  const run = async (args) => {
    const proc = spawn(ROOMCASTD, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.on("data", (c) => { out += c; });
    proc.stderr.on("data", (c) => { out += c; });
    const [code] = await once(proc, "exit");
    return { code, out };
  };
  const refused = await run(["--dev", "--listen", "0.0.0.0", "--port", "0"]);
  assert.equal(refused.code, 2, refused.out);
  assert.match(refused.out, /LISTEN_ADDR: '0\.0\.0\.0' is not a loopback address/);
  assert.match(refused.out, /--dev-remote/);
  // Checked without listening: all test traffic stays on loopback.
  const allowed = await run(["--dev", "--dev-remote", "--listen", "0.0.0.0", "--check-config"]);
  assert.equal(allowed.code, 0, allowed.out);
  assert.match(allowed.out, /^LISTEN_ADDR=0\.0\.0\.0$/m);
  const v6 = await run(["--dev", "--listen", "::1", "--check-config"]);
  assert.equal(v6.code, 0, v6.out);
});
