// Leaks and descriptor exhaustion ("[leaks]"): plain HTTP connections give
// back their descriptors, a low RLIMIT_NOFILE is met with 503s and the
// server accepts again once connections close, room changes and
// pusher:signin do not grow the daemon's memory, long-polling sessions
// (upgraded, kept on polling, abandoned) give back what they held, and an
// event holding a JSON value the daemon cannot represent is refused, not
// fatal.
//
// Descriptors and memory are read from /proc/<pid> of the daemon. Under
// AddressSanitizer (scripts/test --sanitize) RSS says nothing about leaks
// (quarantine, shadow memory): the memory bounds are then only printed and
// LeakSanitizer reports the leaks at the daemon's exit instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import WebSocket from "ws";
import { io } from "socket.io-client";
import { startServer, waitFor, connect, request, next, TIME_SCALE, UNLIMITED_EVENTS } from "./lib/harness.mjs";
import { DEV, hmacHex, makeEcho, echoConnected } from "./lib/pusher.mjs";

const MB = 1024 * 1024;
const LIBRARY_WARNINGS = /CRITICAL|GLib-|GLib-GObject-|GLib-GIO-|libsoup-|Json-/;

const fdCount = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;

// VmRSS of the process, in bytes.
function rss(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(m, "VmRSS in /proc/<pid>/status");
  return Number(m[1]) * 1024;
}

const asan = (pid) => fs.readFileSync(`/proc/${pid}/maps`, "utf8").includes("libasan");
const mb = (bytes) => (bytes / MB).toFixed(1);

// Stop the daemon; SIGKILL if SIGTERM does not end it in time (the code
// before the fixes may be wedged), so a failing test never hangs.
// Resolves with how it ended.
async function stop(server) {
  const { proc } = server;
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10000 * TIME_SCALE);
    await server.exited;
    clearTimeout(timer);
  }
  return { code: proc.exitCode, signal: proc.signalCode };
}

// Run fn(i) for i in [0, n) with at most `concurrency` at a time.
async function pool(n, concurrency, fn) {
  let i = 0;
  const worker = async () => {
    while (i < n) await fn(i++);
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
}

// Parses one HTTP/1.1 response with a Content-Length from `buf`, or null
// while it is incomplete.
function parseResponse(buf) {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [statusLine, ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? 0);
  if (buf.length < end + 4 + length) return null;
  return {
    status: Number(statusLine.split(" ")[1]),
    headers,
    body: buf.subarray(end + 4, end + 4 + length).toString("utf8"),
  };
}

// One request on a new connection. The CLIENT closes it as soon as the
// response is complete (an idle keep-alive connection, from the server's
// side) unless `waitForServerClose`, which resolves once the server closed.
function rawRequest(port, path, { headers = "", waitForServerClose = false, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`GET ${path}: ${response ? "the server did not close" : "no whole response"} ` +
                       `within ${timeoutMs} ms: ${JSON.stringify(buf.toString())}`));
    }, timeoutMs * TIME_SCALE);
    let buf = Buffer.alloc(0);
    let response = null;
    s.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (response) return;
      response = parseResponse(buf);
      if (response && !waitForServerClose) {
        clearTimeout(timer);
        s.destroy();
        resolve(response);
      }
    });
    s.on("end", () => s.end());
    s.on("error", (err) => { clearTimeout(timer); reject(err); });
    s.on("close", () => {
      clearTimeout(timer);
      if (response) resolve(response);
      else reject(new Error(`connection closed before a whole response to ${path}: ${JSON.stringify(buf.toString())}`));
    });
    s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`);
  });
}

test("plain HTTP connections give back their descriptors", async (t) => {
  const server = await startServer({ env: UNLIMITED_EVENTS });
  t.after(() => stop(server));
  const pid = server.proc.pid;

  for (let i = 0; i < 3; i++) assert.equal((await rawRequest(server.port, "/health")).status, 200);
  const fd0 = fdCount(pid);
  const rss0 = rss(pid);

  // Keep-alive requests whose connection the client closes while idle.
  await pool(2000, 20, async () => {
    const r = await rawRequest(server.port, "/health");
    assert.equal(r.status, 200);
  });
  // The same through node's keep-alive agent, which keeps idle connections
  // open until it is destroyed.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  await pool(200, 20, () => new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port: server.port, path: "/health", agent }, (res) => {
      assert.equal(res.statusCode, 200);
      res.resume();
      res.on("end", resolve);
    }).on("error", reject);
  }));
  agent.destroy();
  await pool(2000, 20, async () => {
    const r = await rawRequest(server.port, "/health", { headers: "Connection: close\r\n" });
    assert.equal(r.status, 200);
  });
  await pool(200, 20, async () => {
    const r = await rawRequest(server.port, "/nope");
    assert.equal(r.status, 404);
  });
  await pool(200, 20, async () => {
    const r = await rawRequest(server.port, "/socket.io/?EIO=4&transport=websocket");
    assert.equal(r.status, 400);
  });

  let fds = 0;
  try {
    await waitFor(() => (fds = fdCount(pid)) <= fd0 + 2, 5000, "descriptors back to the baseline");
  } finally {
    console.log(`# plain HTTP: descriptors ${fd0} before, ${fdCount(pid)} after 4,600 connections`);
  }
  const rss1 = rss(pid);
  console.log(`# plain HTTP: RSS ${mb(rss0)} MB before, ${mb(rss1)} MB after (+${mb(rss1 - rss0)} MB)`);
  if (!asan(pid)) assert.ok(rss1 - rss0 < 8 * MB, `RSS grew by ${mb(rss1 - rss0)} MB`);
  assert.ok(fds <= fd0 + 2);

  // The server says it closes a plain HTTP connection after the response,
  // and does.
  const last = await rawRequest(server.port, "/health", { waitForServerClose: true });
  assert.equal(last.status, 200);
  assert.equal(last.headers.connection, "close");
  assert.equal(JSON.parse(last.body).http.accepting, true);
  assert.doesNotMatch(server.logs(), LIBRARY_WARNINGS);
});

test("at a low descriptor limit new connections get 503 and the server accepts again after", async (t) => {
  const server = await startServer({ nofile: 256 });
  const pid = server.proc.pid;
  const fd0 = fdCount(pid);
  const sockets = [];
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await stop(server);
  });

  // 400 idle connections that send nothing: past the descriptor reserve
  // the server answers 503 at once and closes.
  const states = [];
  for (let i = 0; i < 400; i++) {
    const st = { data: Buffer.alloc(0), connected: false, closed: false };
    const s = net.connect(server.port, "127.0.0.1");
    s.on("connect", () => { st.connected = true; });
    s.on("data", (chunk) => { st.data = Buffer.concat([st.data, chunk]); });
    s.on("end", () => s.end());
    s.on("error", () => {});
    s.on("close", () => { st.closed = true; });
    sockets.push(s);
    states.push(st);
  }
  const refused = () => states.filter((st) => st.closed && st.data.toString().startsWith("HTTP/1.1 503 "));
  await waitFor(() => refused().length > 0, 5000, "a 503 and a closed connection");
  const answer = parseResponse(refused()[0].data);
  assert.equal(answer.status, 503);
  assert.equal(answer.headers.connection, "close");
  assert.equal(JSON.parse(answer.body).error.code, "overloaded");
  // The first ones were accepted and hold a descriptor each, waiting for a
  // request; every other one was refused.
  await waitFor(() => refused().length + fdCount(pid) - fd0 >= 400, 5000, "every connection accepted or refused");
  const open = fdCount(pid) - fd0;
  assert.ok(open >= 100, `${open} connections were accepted`);
  assert.ok(states.every((st) => st.data.length === 0 || st.closed));
  // A request arriving meanwhile is refused, not left hanging.
  const meanwhile = await rawRequest(server.port, "/health", { waitForServerClose: true });
  assert.equal(meanwhile.status, 503);

  for (const s of sockets) s.destroy();
  await waitFor(async () => {
    try {
      return (await fetch(`${server.url}/health`)).status === 200;
    } catch {
      return false;
    }
  }, 5000, "/health answering 200 again");
  const health = await (await fetch(`${server.url}/health`)).json();
  assert.equal(health.http.accepting, true);

  const socket = await connect(server, "dev:1:Ann");
  t.after(() => socket.close());
  const ack = await request(socket, "room:join", { roomId: randomUUID() });
  assert.equal(ack.ok, true, JSON.stringify(ack));

  assert.match(server.logs(), /refusing new connections/);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const m = /^roomcast_http_connections_refused_total\{reason="fd_reserve"\} (\d+)/m.exec(metrics);
  assert.ok(m, "roomcast_http_connections_refused_total{reason=\"fd_reserve\"} in /metrics");
  assert.ok(Number(m[1]) > 0);
  console.log(`# fd limit 256: ${refused().length} of 400 idle connections refused, ${open} accepted ` +
              `(descriptors ${fd0} before); ` +
              `${m[1]} refusals counted`);
});

test("room changes and pusher:signin do not grow the daemon's memory", async (t) => {
  const server = await startServer({ env: { ...UNLIMITED_EVENTS, LOG_LEVEL: "info" } });
  const closers = [];
  t.after(async () => {
    for (const c of closers) { try { c(); } catch { /* already closed */ } }
    await stop(server);
  });
  const pid = server.proc.pid;
  const roomId = randomUUID();
  // Under AddressSanitizer each change costs ~100 times more and RSS is no
  // measure: a few hundred of each, for LeakSanitizer to see at exit.
  const sanitized = asan(pid);
  const [warmToggles, allToggles] = sanitized ? [100, 400] : [2000, 20000];
  const [warmSignins, allSignins] = sanitized ? [100, 400] : [1000, 40000];
  const fmt = (x) => x.toLocaleString("en");

  // 10 participants: 9 who joined and one on a seat who toggles the mic.
  for (let i = 1; i <= 9; i++) {
    const s = await connect(server, `dev:${i}:Guest${i}`);
    closers.push(() => s.close());
    const ack = await request(s, "room:join", { roomId });
    assert.equal(ack.ok, true, JSON.stringify(ack));
  }
  const speaker = await connect(server, "dev:10:Speaker");
  closers.push(() => speaker.close());
  assert.equal((await request(speaker, "room:join", { roomId })).ok, true);
  assert.equal((await request(speaker, "seat:take", {})).ok, true);
  // Two Pusher presence subscribers of the room's channel.
  for (const id of [901, 902]) {
    const echo = makeEcho(server, { user: { id, info: { name: `Watcher ${id}` } } });
    closers.push(() => echo.disconnect());
    await echoConnected(echo);
    let here = null;
    echo.join(`room.${roomId}`).here((members) => { here = members; });
    await waitFor(() => here !== null, 5000, "presence subscription");
    assert.equal(here.length, 10 + (id - 900));
  }

  // Each toggle is a room change: 50 in flight, each acked.
  let toggles = 0;
  let failures = 0;
  const toggle = (n) => pool(n, 50, async () => {
    const muted = toggles++ % 2 === 0;
    const ack = await request(speaker, "mic:mute", { muted });
    if (ack.ok !== true) failures++;
  });
  const started = Date.now();
  await toggle(warmToggles);
  const rss0 = rss(pid);
  await toggle(allToggles - warmToggles);
  const rss1 = rss(pid);
  assert.equal(failures, 0);
  assert.equal(toggles, allToggles);
  console.log(`# room changes: RSS ${mb(rss0)} MB after ${fmt(warmToggles)}, ${mb(rss1)} MB after ${fmt(allToggles)} ` +
              `(+${mb(rss1 - rss0)} MB; ${Date.now() - started} ms)`);

  // pusher:signin (before the fix, 574 bytes each), 50 in flight on each
  // of two connections.
  const signer = async (userId) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/app/${DEV.key}?protocol=7&client=js&version=8.6.0`);
    closers.push(() => ws.close());
    let socketId = null;
    let ok = 0;
    let other = null;
    ws.on("message", (m) => {
      const msg = JSON.parse(m.toString());
      if (msg.event === "pusher:connection_established") socketId = JSON.parse(msg.data).socket_id;
      else if (msg.event === "pusher:signin_success") ok++;
      else if (msg.event !== "pusher_internal:subscription_succeeded") other ??= msg;
    });
    await waitFor(() => socketId !== null, 5000, "pusher:connection_established");
    const userData = JSON.stringify({ id: userId, name: `Signed-in user ${userId}` });
    const auth = `${DEV.key}:${hmacHex(DEV.secret, `${socketId}::user::${userData}`)}`;
    const frame = JSON.stringify({ event: "pusher:signin", data: { auth, user_data: userData } });
    let sent = 0;
    return async (count) => {
      const target = sent + count;
      while (sent < target) {
        const batch = Math.min(50, target - sent);
        for (let i = 0; i < batch; i++) ws.send(frame);
        sent += batch;
        await waitFor(() => ok === sent || other !== null, 5000, `pusher:signin_success ${sent}`);
        assert.equal(other, null, JSON.stringify(other));
      }
    };
  };
  const signers = [await signer("7001"), await signer("7002")];
  const signins = (n) => Promise.all(signers.map((s) => s(n / signers.length)));
  const signinStarted = Date.now();
  await signins(warmSignins);
  const rss2 = rss(pid);
  await signins(allSignins - warmSignins);
  const rss3 = rss(pid);
  console.log(`# pusher:signin: RSS ${mb(rss2)} MB after ${fmt(warmSignins)}, ${mb(rss3)} MB after ${fmt(allSignins)} ` +
              `(+${mb(rss3 - rss2)} MB; ${Date.now() - signinStarted} ms)`);

  if (!sanitized) {
    // Before the fix: ~1.1 KB per participant and change (~190 MB here),
    // 574 bytes per signin (~21 MB here).
    const grown = [];
    if (rss1 - rss0 >= 16 * MB) grown.push(`RSS grew by ${mb(rss1 - rss0)} MB over ${fmt(allToggles - warmToggles)} room changes`);
    if (rss3 - rss2 >= 8 * MB) grown.push(`RSS grew by ${mb(rss3 - rss2)} MB over ${fmt(allSignins - warmSignins)} signins`);
    assert.deepEqual(grown, []);
  } else {
    // LeakSanitizer runs at exit and aborts the daemon if anything leaked.
    for (const c of closers.splice(0)) { try { c(); } catch { /* already closed */ } }
    assert.deepEqual(await stop(server), { code: 0, signal: null }, "LeakSanitizer: see ASAN_OPTIONS log_path");
  }
  assert.doesNotMatch(server.logs(), LIBRARY_WARNINGS);
});

test("long-polling sessions give back their descriptors and memory", async (t) => {
  const server = await startServer({
    // Short, so that abandoned sessions end soon; scaled for slow builds.
    env: { LOG_LEVEL: "info", SIO_PING_INTERVAL_MS: String(300 * TIME_SCALE),
           SIO_PING_TIMEOUT_MS: String(1000 * TIME_SCALE) },
  });
  t.after(() => stop(server));
  const pid = server.proc.pid;
  const sanitized = asan(pid);
  const roomId = randomUUID();
  const health = async () => (await fetch(`${server.url}/health`)).json();
  // One session of each kind: a stock client (polling, then the upgrade),
  // one kept on polling, and one that handshakes and vanishes without a
  // poll (ended by ping timeout, with its queued pings dropped).
  const session = async (i) => {
    const kind = i % 3;
    if (kind === 2) {
      const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(res.status, 200);
      await res.text();
      return;
    }
    const s = io(server.url, {
      auth: { token: `dev:${5000 + i}:P${i}` }, forceNew: true, reconnection: false,
      ...(kind === 1 ? { transports: ["polling"] } : {}),
    });
    await next(s, "connect", 10000);
    const ack = await request(s, "room:join", { roomId });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    assert.equal((await request(s, "chat:send", { text: `m${i}` })).ok, true);
    s.close();
  };
  const idle = async () => {
    await waitFor(async () => (await health()).connections === 0, 10000, "every session closed");
    await waitFor(async () => /^roomcast_transports 0$/m.test(await (await fetch(`${server.url}/metrics`)).text()),
                  10000, "every Engine.IO session freed");
  };
  const [warm, all] = sanitized ? [30, 120] : [150, 1500];
  await pool(warm, 10, session);
  await idle();
  const fd0 = fdCount(pid);
  const rss0 = rss(pid);
  await pool(all - warm, 10, session);
  await idle();
  let fds = 0;
  try {
    await waitFor(() => (fds = fdCount(pid)) <= fd0 + 2, 5000, "descriptors back to the baseline");
  } finally {
    console.log(`# polling: descriptors ${fd0} before, ${fdCount(pid)} after ${all - warm} sessions`);
  }
  const rss1 = rss(pid);
  console.log(`# polling: RSS ${mb(rss0)} MB after ${warm} sessions, ${mb(rss1)} MB after ${all} (+${mb(rss1 - rss0)} MB)`);
  if (!sanitized) assert.ok(rss1 - rss0 < 8 * MB, `RSS grew by ${mb(rss1 - rss0)} MB`);
  assert.doesNotMatch(server.logs(), LIBRARY_WARNINGS);
  if (sanitized)
    assert.deepEqual(await stop(server), { code: 0, signal: null }, "LeakSanitizer: see ASAN_OPTIONS log_path");
});

test("an event with an unrepresentable JSON value gets invalid_payload; the connection stays", async (t) => {
  const server = await startServer({ env: UNLIMITED_EVENTS });
  t.after(() => stop(server));
  const socket = await connect(server, "dev:1:Ann");
  t.after(() => socket.close());
  let disconnected = null;
  socket.on("disconnect", (reason) => { disconnected = reason; });
  assert.equal((await request(socket, "room:join", { roomId: randomUUID() })).ok, true);

  // JSON.stringify(1e20) is 100000000000000000000: beyond 64 bits.
  for (const payload of [{ text: "hi", n: 1e20 }, { text: "a\u0000b" }]) {
    const ack = await request(socket, "chat:send", payload);
    assert.equal(ack.ok, false, JSON.stringify(ack));
    assert.equal(ack.error.code, "invalid_payload", JSON.stringify(ack));
    assert.equal(socket.connected, true);
  }
  assert.equal((await request(socket, "chat:send", { text: "ok" })).ok, true);

  // Without an ack: dropped, and the connection stays.
  socket.emit("chat:send", { text: "hi", n: 1e20 });
  socket.emit("chat:send", { text: "a\u0000b" });
  const ack = await request(socket, "chat:send", { text: "still here" });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  assert.equal(socket.connected, true);
  assert.equal(disconnected, null);
  assert.doesNotMatch(server.logs(), LIBRARY_WARNINGS);
});

// Polls GET /health back to back on a thread of its own (so that a flood
// sent from this thread cannot delay the polling) until told to stop;
// resolves with every latency in ms.
function healthPoller(url) {
  const worker = new Worker(`
    const { parentPort, workerData } = require("node:worker_threads");
    const http = require("node:http");
    let stop = false;
    const latencies = [];
    parentPort.on("message", () => { stop = true; });
    (async () => {
      while (!stop) {
        const t = performance.now();
        await new Promise((resolve, reject) =>
          http.get(workerData + "/health", (r) => { r.resume(); r.on("end", resolve); }).on("error", reject));
        latencies.push(performance.now() - t);
      }
      parentPort.postMessage(latencies);
    })();`, { eval: true, workerData: url });
  let stopped = null;
  return {
    stop() {
      stopped ??= (async () => {
        const done = new Promise((resolve) => worker.once("message", resolve));
        worker.postMessage("stop");
        const latencies = await done;
        await worker.terminate();
        return latencies.sort((a, b) => a - b);
      })();
      return stopped;
    },
  };
}

// libsoup reads a WebSocket until the socket is empty, handling each frame
// as it goes: a client sending faster than the server handles its frames
// held the main loop for the whole flood (288-584 ms for 100,000 frames
// here; tens of seconds against a sanitizer build). Each connection now
// reads a budget per main-loop iteration (src/http/fair-io-stream.c).
test("a flooding client does not hold the main loop", async (t) => {
  const server = await startServer({ env: UNLIMITED_EVENTS });
  t.after(() => stop(server));
  const socket = await connect(server, "dev:1:Ann");
  t.after(() => socket.close());
  assert.equal((await request(socket, "room:join", { roomId: randomUUID() })).ok, true);
  const poller = healthPoller(server.url);
  t.after(() => poller.stop());
  const n = asan(server.proc.pid) ? 20000 : 100000;
  for (let sent = 0; sent < n; sent += 10000) {
    for (let i = 0; i < 10000; i++) socket.emit("typing", { on: i % 2 === 0 });
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Frames are handled in order: the ack of this one comes after all of them.
  const ack = await socket.timeout(60000 * TIME_SCALE).emitWithAck("whoami");
  assert.equal(ack.ok, true);
  const latencies = await poller.stop();
  const max = latencies[latencies.length - 1];
  const p99 = latencies[Math.floor(latencies.length * 0.99)];
  console.log(`/health during ${n} frames: ${latencies.length} answers, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
  assert.ok(latencies.length > 10, "the poller got answers during the flood");
  assert.ok(max < 100 * TIME_SCALE, `/health took ${max.toFixed(1)} ms during the flood`);
  assert.equal(socket.connected, true);
});
