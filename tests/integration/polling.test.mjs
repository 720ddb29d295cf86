// Engine.IO long-polling and the upgrade to WebSocket: stock clients with
// their default options (socket.io-client starts on polling and upgrades;
// python-socketio does the same), a client kept on polling for its whole
// life, CORS for cross-origin XHR, and raw requests for what a good client
// never sends (unknown sid, oversized or binary POSTs, overlapping polls).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { io } from "socket.io-client";
import WebSocket from "ws";
import { startServer, connect, request, next, waitFor, SOURCE_ROOT } from "./lib/harness.mjs";

// Collects every event a socket receives, to check "once, in order".
function recorder(socket) {
  const events = [];
  socket.onAny((name, payload) => events.push({ name, payload }));
  return { events, of: (name) => events.filter((e) => e.name === name).map((e) => e.payload) };
}

// A socket.io client with the options a stock app passes: the token and
// forceNew (several clients in one test process). Everything else default.
function stockClient(server, token, opts = {}) {
  return io(server.url, { auth: { token }, forceNew: true, ...opts });
}

async function connected(socket) {
  if (!socket.connected) await next(socket, "connect", 10000);
  return socket;
}

// Raw Engine.IO over polling, for what a good client never sends.
const base = (server) => `${server.url}/socket.io/?EIO=4&transport=polling`;

async function handshake(server, headers = {}) {
  const res = await fetch(base(server), { headers });
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.match(body, /^0\{/);
  return JSON.parse(body.slice(1)).sid;
}

function poll(server, sid) {
  return fetch(`${base(server)}&sid=${sid}`);
}

function post(server, sid, body, headers = {}) {
  return fetch(`${base(server)}&sid=${sid}`, {
    method: "POST", body, headers: { "Content-Type": "text/plain;charset=UTF-8", ...headers },
  });
}

// A raw session through CONNECT: resolves { sid, connectAnswer }.
async function rawSession(server, token) {
  const sid = await handshake(server);
  assert.equal(await (await post(server, sid, `40${JSON.stringify({ token })}`)).text(), "ok");
  const answer = await (await poll(server, sid)).text();
  assert.match(answer, /^40\{"sid":/);
  return sid;
}

async function metric(server, name, labels) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = new RegExp(`^${name}\\{${labels.replace(/[{}"]/g, "\\$&")}\\} (\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

describe("stock clients", () => {
  let server;
  const sockets = [];
  const track = (s) => { sockets.push(s); return s; };
  before(async () => { server = await startServer(); });
  after(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  test("socket.io-client with no options connects, upgrades to WebSocket and works", async () => {
    const roomId = randomUUID();
    const a = track(stockClient(server, "dev:1:Ann"));
    const upgraded = next(a.io.engine, "upgrade", 10000);
    const seen = recorder(a);
    await connected(a);
    await upgraded;
    assert.equal(a.io.engine.transport.name, "websocket");

    const join = await request(a, "room:join", { roomId });
    assert.equal(join.ok, true, JSON.stringify(join));
    assert.equal(join.you.role, "host");
    const b = track(await connect(server, "dev:2:Bob"));
    const arrived = next(a, "participant:joined");
    assert.equal((await request(b, "room:join", { roomId })).ok, true);
    assert.equal((await arrived)[0].userId, "2");

    const heard = next(b, "chat:message");
    const ack = await request(a, "chat:send", { text: "hello over an upgraded session" });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    assert.equal((await heard)[0].text, "hello over an upgraded session");
    const echoed = next(a, "chat:message");
    assert.equal((await request(b, "chat:send", { text: "hi Ann" })).ok, true);
    assert.equal((await echoed)[0].text, "hi Ann");
    assert.equal(seen.of("chat:message").length, 2, "each message once");
    assert.equal((await request(a, "whoami")).user.id, "1");
  });

  test("a client kept on polling works end to end and never upgrades", async () => {
    const roomId = randomUUID();
    const p = track(stockClient(server, "dev:3:Pia", { transports: ["polling"] }));
    let upgrading = false;
    p.io.engine.on("upgrading", () => { upgrading = true; });
    const seen = recorder(p);
    await connected(p);
    assert.equal(p.io.engine.transport.name, "polling");

    const join = await request(p, "room:join", { roomId });
    assert.equal(join.ok, true, JSON.stringify(join));
    const w = track(await connect(server, "dev:4:Wes"));
    const arrived = next(p, "participant:joined");
    assert.equal((await request(w, "room:join", { roomId })).ok, true);
    assert.equal((await arrived)[0].userId, "4");

    // Events from the other client reach the polling one, once each and in
    // order, also when several are queued between two polls.
    for (let i = 0; i < 5; i++) assert.equal((await request(w, "chat:send", { text: `m${i}` })).ok, true);
    await waitFor(() => seen.of("chat:message").length === 5, 5000, "five messages by polling");
    assert.deepEqual(seen.of("chat:message").map((m) => m.text), ["m0", "m1", "m2", "m3", "m4"]);
    const heard = next(w, "chat:message");
    const ack = await request(p, "chat:send", { text: "from polling" });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    assert.equal((await heard)[0].text, "from polling");
    assert.equal((await request(p, "seat:take", {})).ok, true);

    // Seated: its seat is held when its connection goes.
    const away = next(w, "participant:away");
    p.close();
    assert.equal((await away)[0].userId, "3");
    assert.equal(upgrading, false);
    await server.waitForLog(/connection close: sid=\S+ user=3 reason=client namespace disconnect/);
  });

  test("python-socketio with its defaults connects, joins a room and gets its acks", async () => {
    const roomId = randomUUID();
    const python = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    const script = path.join(SOURCE_ROOT, "tests/integration/lib/python-socketio-client.py");
    const proc = spawn(python, [script, server.url, "dev:5:Py", roomId], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d) => { out += d; });
    proc.stderr.on("data", (d) => { err += d; });
    const [code] = await new Promise((resolve) => proc.on("exit", (...a) => resolve(a)));
    assert.equal(code, 0, `python client failed:\n${err}`);
    const result = JSON.parse(out);
    assert.equal(result.transport, "websocket", "python-socketio upgrades by default");
    assert.equal(result.whoami.user.id, "5");
    assert.equal(result.join.ok, true, JSON.stringify(result.join));
    assert.equal(result.join.room.id, roomId);
    assert.equal(result.chat.ok, true, JSON.stringify(result.chat));
    assert.equal(result.message.text, "from python");
  });

  test("SIGTERM reaches a polling client as a server disconnect", async () => {
    const own = await startServer();
    const p = stockClient(own, "dev:6:Pat", { transports: ["polling"] });
    await connected(p);
    const notice = next(p, "server:shutdown");
    const gone = next(p, "disconnect");
    assert.equal(await own.stop("SIGTERM"), 0);
    assert.equal((await notice)[0].reason, "server_shutdown");
    assert.equal((await gone)[0], "io server disconnect");
    p.close();
  });
});

describe("the polling transport", () => {
  let server;
  before(async () => {
    server = await startServer({
      env: { SIO_PING_INTERVAL_MS: "300", SIO_PING_TIMEOUT_MS: "600", SIO_MAX_PAYLOAD: "10000" },
    });
  });
  after(async () => { await server.stop(); });

  test("an unknown sid gets Engine.IO's 400 Session ID unknown", async () => {
    for (const res of [await poll(server, "nope"), await post(server, "nope", "2")]) {
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { code: 1, message: "Session ID unknown" });
    }
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=nope`);
    const [res] = await new Promise((resolve) => ws.on("unexpected-response", (...a) => resolve([a[1]])));
    assert.equal(res.statusCode, 400);
  });

  test("a handshake must be a GET", async () => {
    const res = await fetch(base(server), { method: "POST", body: "40" });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { code: 2, message: "Bad handshake method" });
  });

  test("a POST over maxPayload is refused with 413 before its body is read, and ends the session", async () => {
    const sid = await rawSession(server, "dev:10:Big");
    const res = await post(server, sid, `42["whoami","${"x".repeat(20000)}"]`);
    assert.equal(res.status, 413);
    await server.waitForLog(/user=10 reason=protocol error: POST of \d+ bytes exceeds maxPayload \(10000\)/);
    assert.equal((await poll(server, sid)).status, 400);

    // Without a Content-Length (chunked): 411, nothing read into memory.
    const other = await rawSession(server, "dev:11:Chunky");
    const status = await new Promise((resolve, reject) => {
      const req = http.request(`${base(server)}&sid=${other}`, { method: "POST" }, (r) => { r.resume(); resolve(r.statusCode); });
      req.on("error", reject);
      req.write('42["whoami"]');
      req.end();
    });
    assert.equal(status, 411);
  });

  test("a stock polling client that sends too much is disconnected; the others stay", async () => {
    const big = stockClient(server, "dev:12:Huge", { transports: ["polling"], reconnection: false });
    await connected(big);
    const bystander = await connect(server, "dev:13:Calm");
    const gone = next(big, "disconnect");
    big.emit("whoami", "x".repeat(20000));
    assert.match((await gone)[0], /^transport (close|error)$/);
    big.close();
    assert.equal((await request(bystander, "whoami")).user.id, "13");
    bystander.close();
  });

  test("binary and malformed payloads are refused cleanly and end the session", async () => {
    for (const [body, headers] of [["bAQID", {}], ["\u0001", { "Content-Type": "application/octet-stream" }],
                                   ["42garbage", {}], ["", {}]]) {
      const sid = await rawSession(server, "dev:14:Bin");
      const res = await post(server, sid, body, headers);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(await res.json(), { code: 3, message: "Bad request" });
      await waitFor(async () => (await poll(server, sid)).status === 400, 5000, "the session to end");
    }
    await server.waitForLog(/user=14 reason=parse error: binary payloads are not supported/);
    const health = await (await fetch(`${server.url}/health`)).json();
    assert.equal(health.status, "ok");
  });

  test("a second poll while one is held is an error that ends the session", async () => {
    const sid = await rawSession(server, "dev:15:Twice");
    const first = poll(server, sid);
    await new Promise((r) => setTimeout(r, 50));
    const second = await poll(server, sid);
    assert.equal(second.status, 400);
    assert.deepEqual(await second.json(), { code: 3, message: "Bad request" });
    const answer = await (await first).text();
    assert.equal(answer.split("\x1e").at(-1), "1", "the held poll gets the close packet");
    await server.waitForLog(/user=15 reason=protocol error: a second poll while one is held/);
  });

  test("pings travel in poll answers; a client that stops polling is dropped after pingTimeout", async () => {
    const sid = await rawSession(server, "dev:16:Ping");
    assert.equal(await (await poll(server, sid)).text(), "2");
    assert.equal(await (await post(server, sid, "3")).text(), "ok");
    assert.equal(await (await poll(server, sid)).text(), "2");
    // No pong, no poll: gone after pingTimeout.
    await server.waitForLog(/user=16 reason=ping timeout/);
    assert.equal((await poll(server, sid)).status, 400);
  });

  test("the upgrade moves a session to a WebSocket with nothing lost or sent twice", async () => {
    const roomId = randomUUID();
    const sid = await rawSession(server, "dev:17:Up");
    assert.equal(await (await post(server, sid, `420["room:join",{"roomId":"${roomId}"}]`)).text(), "ok");
    assert.match(await (await poll(server, sid)).text(), /^430\[\{"ok":true/);
    const other = await connect(server, "dev:18:Other");
    assert.equal((await request(other, "room:join", { roomId })).ok, true);
    // The participant:joined (and maybe a ping) for the polling client.
    const before = await (await poll(server, sid)).text();
    assert.match(before, /participant:joined/);

    const held = poll(server, sid);
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
    const frames = [];
    ws.on("message", (d) => frames.push(d.toString()));
    await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
    ws.send("2probe");
    await waitFor(() => frames.includes("3probe"), 5000, "3probe");
    // The held poll is released (a noop, or whatever was queued).
    const released = await (await held).text();
    assert.ok(released.length > 0);
    // Paused: nothing by polling any more. What happens now is queued.
    for (let i = 0; i < 5; i++) assert.equal((await request(other, "chat:send", { text: `q${i}` })).ok, true);
    ws.send("5");
    await waitFor(() => frames.filter((f) => f.includes("chat:message")).length === 5, 5000, "the queued messages");
    assert.equal((await request(other, "chat:send", { text: "after" })).ok, true);
    await waitFor(() => frames.some((f) => f.includes('"text":"after"')), 5000, "a message after the upgrade");
    const texts = frames.filter((f) => f.startsWith('42["chat:message"'))
      .map((f) => JSON.parse(f.slice(2))[1].text);
    assert.deepEqual(texts, ["q0", "q1", "q2", "q3", "q4", "after"]);
    // The session answers on the WebSocket; polling it now is refused.
    ws.send('421["whoami"]');
    await waitFor(() => frames.some((f) => f.startsWith("431[")), 5000, "the whoami ack");
    assert.equal(JSON.parse(frames.find((f) => f.startsWith("431[")).slice(3))[0].user.id, "17");
    const stale = await poll(server, sid);
    assert.equal(stale.status, 400);
    assert.deepEqual(await stale.json(), { code: 3, message: "Bad request" });
    assert.ok(await metric(server, "roomcast_sio_transports_opened_total", 'transport="polling"') > 0);
    ws.close();
    other.close();
  });
});

describe("CORS", () => {
  const allowed = "https://app.example.com";
  let server;
  before(async () => { server = await startServer({ env: { CORS_ORIGINS: `${allowed}, http://localhost:8080` } }); });
  after(async () => { await server.stop(); });

  test("a preflight from an allowed Origin is answered for credentialed XHR", async () => {
    const res = await fetch(`${base(server)}&sid=x`, {
      method: "OPTIONS",
      headers: { Origin: allowed, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type" },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), allowed);
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.match(res.headers.get("access-control-allow-methods"), /POST/);
    assert.equal(res.headers.get("access-control-allow-headers"), "content-type");
    assert.match(res.headers.get("vary"), /Origin/);
  });

  test("polling answers carry the allowed Origin; a stock client with withCredentials works", async () => {
    const res = await fetch(base(server), { headers: { Origin: allowed } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), allowed);
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    const s = stockClient(server, "dev:20:Cross", {
      transports: ["polling"], withCredentials: true, extraHeaders: { Origin: allowed },
    });
    await connected(s);
    assert.equal((await request(s, "whoami")).user.id, "20");
    s.close();
  });

  test("another Origin is refused with 403 and counted", async () => {
    const before = await metric(server, "roomcast_sio_refused_total", 'reason="origin"');
    for (const method of ["GET", "OPTIONS"]) {
      const res = await fetch(base(server), { method, headers: { Origin: "https://evil.example.com" } });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
      assert.equal((await res.json()).error.code, "origin_not_allowed");
    }
    const s = stockClient(server, "dev:21:Evil", {
      transports: ["polling"], reconnection: false, extraHeaders: { Origin: "https://evil.example.com" },
    });
    await next(s, "connect_error", 10000);
    s.close();
    assert.ok(await metric(server, "roomcast_sio_refused_total", 'reason="origin"') >= before + 3);
  });
});
