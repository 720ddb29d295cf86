// roomcastd serving HTTPS and WSS itself (TLS_CERT_FILE, TLS_KEY_FILE): stock
// clients over https:// and wss:// that trust a test CA (never with
// verification off), a plain HTTP client on the TLS port, handshakes that
// fail or never finish, the certificate renewed by SIGHUP, and bad files at
// start.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import WebSocket from "ws";
import { startServer, connect, request, next, waitFor, ROOMCASTD, TIME_SCALE } from "./lib/harness.mjs";
import { makeCa, fetchTrusting, peerFingerprint } from "./lib/tls.mjs";
import { pusherApi } from "./lib/pusher.mjs";

// The handshake deadline (HTTP_HEADER_TIMEOUT_MS), short for the tests.
const DEADLINE_MS = 1500 * TIME_SCALE;

let ca, one, two, live, server, get;
const closers = [];

before(async () => {
  ca = makeCa();
  one = ca.issue("one");
  two = ca.issue("two");
  // The files the server is configured with; SIGHUP re-reads them.
  live = { cert: path.join(ca.dir, "live.crt"), key: path.join(ca.dir, "live.key") };
  fs.copyFileSync(one.cert, live.cert);
  fs.copyFileSync(one.key, live.key);
  server = await startServer({
    env: { TLS_CERT_FILE: live.cert, TLS_KEY_FILE: live.key, HTTP_HEADER_TIMEOUT_MS: String(DEADLINE_MS),
           WS_MAX_UNSENT_BYTES: String(1024 * 1024) },
  });
  get = fetchTrusting(ca.ca);
});

after(async () => {
  for (const c of closers) c();
  if (server) await server.stop();
  ca?.remove();
});

async function metric(name, labels) {
  const text = await (await get(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

// A socket.io-client trusting the test CA; `transports` unset = the
// client's default (polling, then the upgrade to a WebSocket).
async function client(token, transports) {
  const socket = await connect(server, token, { ca: ca.ca, transports });
  closers.push(() => socket.close());
  return socket;
}

// Resolves when `socket` receives chat:message `text`.
function hears(socket, text) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no chat:message "${text}"`)), 5000 * TIME_SCALE);
    socket.on("chat:message", function handler(message) {
      if (message.text !== text) return;
      clearTimeout(timer);
      socket.off("chat:message", handler);
      resolve(message);
    });
  });
}

const openConnections = async () => (await (await get(`${server.url}/health`)).json()).http.connections;

test("the port serves HTTPS: the start line says https and logs the certificate", async () => {
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(server.logs(), new RegExp(`serving HTTPS with the certificate of ${live.cert} \\(SHA-256 ${one.fingerprint},`));
  assert.equal(await peerFingerprint(server.port, ca.ca), one.fingerprint);
  const health = await (await get(`${server.url}/health`)).json();
  assert.equal(health.status, "ok");
});

test("TLS 1.0 and 1.1 are refused (RC_TLS_PRIORITY), 1.2 and 1.3 accepted", async () => {
  const handshake = (minVersion, maxVersion) => new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port: server.port, ca: ca.ca, servername: "localhost",
                            minVersion, maxVersion, ciphers: "DEFAULT@SECLEVEL=0" },
                          () => { resolve(s.getProtocol()); s.end(); });
    s.once("error", reject);
  });
  await assert.rejects(handshake("TLSv1", "TLSv1.1"));
  assert.equal(await handshake("TLSv1.2", "TLSv1.2"), "TLSv1.2");
  assert.equal(await handshake("TLSv1.3", "TLSv1.3"), "TLSv1.3");
});

test("socket.io-client over https (polling, then the upgrade) and over wss: join a room and chat", async () => {
  const roomId = randomUUID();
  const polling = await client("dev:1:Ann");
  if (polling.io.engine.transport.name !== "websocket") await next(polling.io.engine, "upgrade");
  assert.equal(polling.io.engine.transport.name, "websocket");
  const ws = await client("dev:2:Bob", ["websocket"]);
  assert.equal((await request(polling, "room:join", { roomId })).ok, true);
  assert.equal((await request(ws, "room:join", { roomId })).ok, true);
  const heard = hears(polling, "over TLS");
  assert.equal((await request(ws, "chat:send", { text: "over TLS" })).ok, true);
  await heard;
  const back = hears(ws, "and back");
  assert.equal((await request(polling, "chat:send", { text: "and back" })).ok, true);
  await back;
});

test("big messages over wss are read whole, however the read budget splits their TLS records", async () => {
  // Each connection reads at most 32 KiB per main-loop iteration; what the
  // TLS library decrypted past that must still be read when no more bytes
  // come (the last records of a message).
  const socket = await client("dev:6:Big", ["websocket"]);
  for (const size of [40000, 100001, 400000, 900000]) {
    // Answered (not_in_room) only once read whole.
    const ack = await request(socket, "chat:send", { text: "z".repeat(size) });
    assert.equal(ack.ok, false, `${size} bytes`);
    assert.equal(ack.error.code, "not_in_room", `${size} bytes: read whole, then refused for the room`);
  }
});

test("a Pusher client on wss://…/app/{key}: connection_established, subscribe, ping", async () => {
  const socket = new WebSocket(`wss://127.0.0.1:${server.port}/app/dev-key?protocol=7&client=js&version=8.6.0`,
                               { ca: ca.ca });
  closers.push(() => socket.close());
  const messages = [];
  socket.on("message", (m) => messages.push(JSON.parse(m.toString())));
  await new Promise((resolve, reject) => { socket.once("open", resolve); socket.once("error", reject); });
  await waitFor(() => messages.some((m) => m.event === "pusher:connection_established"), 5000, "established");
  socket.send(JSON.stringify({ event: "pusher:subscribe", data: { channel: "news" } }));
  await waitFor(() => messages.some((m) => m.event === "pusher_internal:subscription_succeeded"), 5000, "subscribed");
  socket.send(JSON.stringify({ event: "pusher:ping", data: {} }));
  await waitFor(() => messages.some((m) => m.event === "pusher:pong"), 5000, "pong");
});

test("a plain HTTP client on the TLS port gets 400 tls_required; the server keeps serving", async () => {
  const before = await metric("roomcast_http_tls_handshake_failures_total", 'reason="plain_http"');
  const answer = await new Promise((resolve, reject) => {
    http.get(`http://127.0.0.1:${server.port}/health`, (res) => {
      let body = "";
      res.on("data", (c) => { body += c; });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    }).on("error", reject);
  });
  assert.equal(answer.status, 400);
  assert.equal(JSON.parse(answer.body).error.code, "tls_required");
  // A plain socket.io-client fails to connect, cleanly.
  await assert.rejects(connect({ url: `http://127.0.0.1:${server.port}` }, "dev:5:Eve"));
  assert.ok(await metric("roomcast_http_tls_handshake_failures_total", 'reason="plain_http"') >= before + 1);
  assert.equal((await (await get(`${server.url}/health`)).json()).status, "ok");
});

// Resolves when the server closed `socket` (or rejects after `ms`).
function closedByServer(socket, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not close the connection")), ms);
    socket.once("close", () => { clearTimeout(timer); resolve(); });
    socket.on("error", () => {});
  });
}

test("failed and unfinished handshakes are counted, closed by the deadline, and leave nothing open", async () => {
  const count = (reason) => metric("roomcast_http_tls_handshake_failures_total", `reason="${reason}"`);
  const before = { error: await count("error"), timeout: await count("timeout"), closed: await count("closed"),
                   open: await openConnections() };

  // A client that does not trust the certificate aborts the handshake.
  await assert.rejects(new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port: server.port }, resolve);
    s.once("error", reject);
  }), /self-signed certificate|unable to verify|unable to get local issuer/);
  await waitFor(async () => (await count("error")) >= before.error + 1, 5000, "error counted");

  // Connects and says nothing; connects and leaves; starts a ClientHello
  // record and stalls inside the handshake (the worker thread has it).
  const silent = net.connect(server.port, "127.0.0.1");
  const stalled = net.connect(server.port, "127.0.0.1", () => stalled.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])));
  const gone = net.connect(server.port, "127.0.0.1", () => gone.end());
  await Promise.all([closedByServer(silent, DEADLINE_MS + 5000 * TIME_SCALE),
                     closedByServer(stalled, DEADLINE_MS + 5000 * TIME_SCALE)]);
  await waitFor(async () => (await count("timeout")) >= before.timeout + 2, 5000, "timeouts counted");
  await waitFor(async () => (await count("closed")) >= before.closed + 1, 5000, "closed counted");

  // Nothing of them is left open.
  await waitFor(async () => (await openConnections()) === before.open, 5000, "connections as before");
  assert.equal((await (await get(`${server.url}/health`)).json()).status, "ok");
});

test("a wss subscriber that stops reading is closed: the abort reaches the socket under TLS", async () => {
  const open = await openConnections();
  const socket = new WebSocket(`wss://127.0.0.1:${server.port}/app/dev-key?protocol=7&client=js&version=8.6.0`,
                               { ca: ca.ca });
  const inbox = [];
  socket.on("message", (m) => inbox.push(JSON.parse(m.toString())));
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("open", resolve));
  socket.send(JSON.stringify({ event: "pusher:subscribe", data: { channel: "flood" } }));
  await waitFor(() => inbox.some((m) => m.event === "pusher_internal:subscription_succeeded"), 5000, "subscribed");
  socket._socket.pause(); // reads nothing from now on
  const started = Date.now();
  try {
    const data = JSON.stringify({ text: "y".repeat(9000) });
    const batch = Array.from({ length: 10 }, () => ({ name: "big", channel: "flood", data }));
    const closed = () => metric("roomcast_ws_slow_consumers_closed_total", 'endpoint="pusher"');
    while ((await closed()) === 0) {
      assert.ok(Date.now() - started < 60000 * TIME_SCALE, "the subscriber was never closed");
      const r = await pusherApi(server, "POST", "/apps/dev/batch_events", { batch }, { fetch: get });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    await server.waitForLog(/hub: closing a Pusher connection: slow consumer/);
    await waitFor(async () => (await openConnections()) === open, 5000 * TIME_SCALE, "its connection gone");
  } finally {
    socket.terminate();
  }
});

test("SIGHUP: new connections get the renewed certificate, open ones keep working; a bad file keeps it", async () => {
  const old = await client("dev:3:Cy", ["websocket"]);
  const roomId = randomUUID();
  assert.equal((await request(old, "room:join", { roomId })).ok, true);
  assert.equal(await peerFingerprint(server.port, ca.ca), one.fingerprint);

  fs.copyFileSync(two.cert, live.cert);
  fs.copyFileSync(two.key, live.key);
  server.proc.kill("SIGHUP");
  await server.waitForLog(new RegExp(`new connections get the certificate of ${live.cert} \\(SHA-256 ${two.fingerprint},`));
  assert.equal(await peerFingerprint(server.port, ca.ca), two.fingerprint);
  assert.equal((await request(old, "chat:send", { text: "still here" })).ok, true);
  const fresh = await client("dev:4:Dee", ["websocket"]);
  assert.equal((await request(fresh, "room:join", { roomId })).ok, true);

  fs.writeFileSync(live.cert, "not a certificate\n");
  server.proc.kill("SIGHUP");
  await server.waitForLog(new RegExp(`reload refused, keeping the running configuration:\\n` +
                                     `TLS_CERT_FILE: '${live.cert}' holds no usable PEM certificate`));
  assert.equal(await peerFingerprint(server.port, ca.ca), two.fingerprint);
  assert.equal((await request(old, "chat:send", { text: "and still" })).ok, true);
});

test("a bad certificate or key at start is a configuration error naming the file, without key material", () => {
  const garbage = path.join(ca.dir, "garbage.pem");
  fs.writeFileSync(garbage, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
  const keyText = fs.readFileSync(one.key, "utf8");
  const keyBody = keyText.split("\n").find((l) => l && !l.startsWith("-----"));
  const start = (env) => spawnSync(ROOMCASTD, ["--dev", "--listen", "127.0.0.1", "--port", "0"], {
    env: { ...process.env, ...env }, encoding: "utf8", timeout: 10000 * TIME_SCALE,
  });
  const cases = [
    [{ TLS_CERT_FILE: garbage, TLS_KEY_FILE: one.key }, `TLS_CERT_FILE: '${garbage}' holds no usable PEM certificate`],
    [{ TLS_CERT_FILE: one.cert, TLS_KEY_FILE: two.key },
     `TLS_KEY_FILE: '${two.key}' is not the private key of the certificate in '${one.cert}'`],
    [{ TLS_CERT_FILE: one.cert, TLS_KEY_FILE: one.cert }, `TLS_KEY_FILE: '${one.cert}' holds no usable private key`],
    [{ TLS_CERT_FILE: path.join(ca.dir, "missing.crt"), TLS_KEY_FILE: one.key },
     `TLS_CERT_FILE: '${path.join(ca.dir, "missing.crt")}' cannot be read: No such file or directory`],
    [{ TLS_CERT_FILE: one.cert }, "TLS_KEY_FILE: required with TLS_CERT_FILE"],
    [{ TLS_CERT_FILE: one.key, TLS_KEY_FILE: one.key }, `TLS_CERT_FILE: '${one.key}' holds no usable PEM certificate`],
  ];
  for (const [env, message] of cases) {
    const r = start(env);
    assert.equal(r.status, 2, `${JSON.stringify(env)}: exit status\n${r.stderr}`);
    assert.ok(r.stderr.includes("invalid configuration"), r.stderr);
    assert.ok(r.stderr.includes(message), `expected "${message}" in:\n${r.stderr}`);
    assert.ok(!r.stderr.includes(keyBody) && !r.stderr.includes("PRIVATE KEY"), "no key material");
  }
});
