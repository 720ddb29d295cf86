// Bounded memory and time before authentication ("[hardening]" item 1): a
// request body over its route's limit is never stored, whether it declares
// its length or streams chunks for ever, and a client that is slow to send
// its headers or its body is cut off.
//
// Memory is read from /proc/<pid>/status of the daemon. Under
// AddressSanitizer RSS says little (quarantine, shadow memory): the bound is
// then only printed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { rawClient } from "./lib/pusher.mjs";
import { randomUUID } from "node:crypto";
import { startServer, waitFor, connect, request, TIME_SCALE } from "./lib/harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const MB = 1024 * 1024;
const GB = 1024 * MB;
const API_KEY = "broadcast-key-0123456789";
const ADMIN_KEY = "admin-key-0123456789";

const rss = (pid) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const asan = (pid) => fs.readFileSync(`/proc/${pid}/maps`, "utf8").includes("libasan");
const mb = (bytes) => (bytes / MB).toFixed(1);

let server;
before(async () => {
  server = await startServer({
    env: { BROADCAST_API_KEY: API_KEY, ADMIN_API_KEY: ADMIN_KEY, HTTP_BODY_TIMEOUT_MS: String(15000 * TIME_SCALE) },
  });
});
after(async () => { await server.stop(); });

// Sends `head` and then up to `total` bytes of body (raw chunked framing
// when `chunked`), as fast as the server takes them, until the server
// answers or closes. Resolves { status, sent, answer }.
function stream(port, head, total, chunked) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const block = Buffer.alloc(MB, 0x61);
    const frame = chunked ? Buffer.concat([Buffer.from(`${block.length.toString(16)}\r\n`), block, Buffer.from("\r\n")]) : block;
    let sent = 0, answer = "", done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      const m = /^HTTP\/1\.1 (\d+)/.exec(answer);
      resolve({ status: m ? Number(m[1]) : null, sent, answer });
    };
    const pump = () => {
      while (!done && sent < total) {
        sent += block.length;
        if (!socket.write(frame)) return socket.once("drain", pump);
      }
      if (!done && chunked) socket.write("0\r\n\r\n");
    };
    socket.on("connect", () => { socket.write(head); pump(); });
    socket.on("data", (d) => { answer += d.toString("latin1"); if (/\r\n\r\n[\s\S]*\}/.test(answer)) finish(); });
    socket.on("error", finish);
    socket.on("close", finish);
  });
}

function post(path, extra) {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
         `X-WebSocket-API-Key: ${API_KEY}\r\nX-Internal-Key: ${ADMIN_KEY}\r\n${extra}\r\n`;
}

// Streams `total` bytes to each "mode:path" at once with lib/stream-body.py.
async function streamAll(port, total, specs) {
  const headers = `Content-Type: application/json\r\nX-WebSocket-API-Key: ${API_KEY}\r\nX-Internal-Key: ${ADMIN_KEY}\r\n`;
  const proc = spawn("python3", [path.join(here, "lib/stream-body.py"), String(port), String(total), ...specs],
                     { env: { ...process.env, HEADERS: headers }, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (c) => { out += c; });
  const [code] = await once(proc, "exit");
  assert.equal(code, 0);
  return out.trim().split("\n").map((l) => JSON.parse(l));
}

test("2 GB streamed to every POST route leaves memory flat and the server serving", async () => {
  const pid = server.proc.pid;
  const rss0 = rss(pid);
  let peak = rss0;
  const sampler = setInterval(() => { peak = Math.max(peak, rss(pid)); }, 50);
  const routes = ["/api/broadcast", "/apps/dev/events", `/admin/rooms/${randomUUID()}/close`,
                  "/socket.io/?EIO=4&transport=polling", "/no/such/route"];
  const started = Date.now();
  const results = await streamAll(server.port, 2 * GB,
    [...routes.map((r) => `chunked:${r}`), ...routes.slice(0, 3).map((r) => `length:${r}`)]);
  clearInterval(sampler);
  peak = Math.max(peak, rss(pid));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  for (const r of results)
    console.log(`# ${r.mode} ${r.path}: ${mb(r.sent)} MB sent, answer ${r.status ?? "none (cut off)"}`);
  console.log(`# RSS ${mb(rss0)} MB before, peak ${mb(peak)} MB (+${mb(peak - rss0)} MB) over ${seconds} s`);
  assert.equal(results.length, 8);
  for (const r of results) {
    // Refused (413) once past the limit, or cut off at the body deadline.
    assert.ok(r.status === 413 || r.status === null, `${r.path}: answer ${r.status}: ${r.answer}`);
    if (r.status === 413) assert.match(r.answer, /"code":"too_large"/);
  }
  if (!asan(pid)) assert.ok(peak - rss0 < 32 * MB, `RSS grew by ${mb(peak - rss0)} MB`);

  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200);
  const s = await connect(server, "dev:1:Ada");
  const join = await request(s, "room:join", { roomId: randomUUID() });
  assert.equal(join.ok, true, JSON.stringify(join));
  s.close();
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /roomcast_http_requests_refused_total\{reason="body_too_large"\} 8\b/);
});

test("a body over the limit gets 413 too_large; with Expect: 100-continue nothing is read", async () => {
  const big = JSON.stringify({ event: "x", to: "user", user_id: 1, data: "a".repeat(300 * 1024) });
  const r = await fetch(`${server.url}/api/broadcast`, {
    method: "POST", body: big, headers: { "Content-Type": "application/json", "X-WebSocket-API-Key": API_KEY },
  });
  assert.equal(r.status, 413);
  assert.equal((await r.json()).error.code, "too_large");
  assert.equal(r.headers.get("connection"), "close");

  const started = Date.now();
  const expect = await stream(server.port, post("/api/broadcast", `Content-Length: ${2 * GB}\r\nExpect: 100-continue\r\n`), 0, false);
  assert.equal(expect.status, 413);
  assert.ok(Date.now() - started < 5000 * TIME_SCALE, "answered before any body");

  // Under the limit, the route works as before.
  const ok = await fetch(`${server.url}/api/broadcast`, {
    method: "POST", headers: { "Content-Type": "application/json", "X-WebSocket-API-Key": API_KEY },
    body: JSON.stringify({ event: "hello", to: "user", user_id: "1", data: { a: 1 } }),
  });
  assert.equal(ok.status, 200, await ok.text());
});

test("slow headers, an idle connection and a slow body are cut off at their deadlines", async () => {
  const quick = await startServer({ env: { HTTP_HEADER_TIMEOUT_MS: "500", HTTP_BODY_TIMEOUT_MS: "800" } });
  try {
    const closedAfter = (payload) => new Promise((resolve) => {
      const socket = net.connect(quick.port, "127.0.0.1");
      const started = Date.now();
      socket.on("connect", () => { if (payload) socket.write(payload); });
      socket.on("data", () => {});
      socket.on("error", () => {});
      socket.on("close", () => resolve(Date.now() - started));
    });
    const [slowHeaders, idle, slowBody] = await Promise.all([
      closedAfter("POST /api/broadcast HTTP/1.1\r\nHost: 127.0.0.1\r\n"),
      closedAfter(null),
      closedAfter("POST /api/broadcast HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nab"),
    ]);
    console.log(`# closed after: slow headers ${slowHeaders} ms, idle ${idle} ms, slow body ${slowBody} ms`);
    assert.ok(slowHeaders >= 450 && slowHeaders < 5000 * TIME_SCALE, `slow headers: ${slowHeaders} ms`);
    assert.ok(idle >= 450 && idle < 5000 * TIME_SCALE, `idle: ${idle} ms`);
    assert.ok(slowBody >= 750 && slowBody < 5000 * TIME_SCALE, `slow body: ${slowBody} ms`);
    await waitFor(async () => {
      const m = await (await fetch(`${quick.url}/metrics`)).text();
      return /reason="header_timeout"\} 2\b/.test(m) && /reason="body_timeout"\} 1\b/.test(m);
    }, 5000, "timeouts counted");
    // A WebSocket client is not affected once upgraded.
    const s = await connect(quick, "dev:2:Bo");
    await new Promise((r) => setTimeout(r, 1200)); // longer than both deadlines: the socket must survive them
    assert.equal((await request(s, "whoami", {})).ok, true);
    s.close();
  } finally {
    await quick.stop();
  }
});

// Sends 1 KiB fragments of one never-ending WebSocket message until the
// server closes the connection. Resolves { fragments, code }.
async function fragmentChain(url) {
  const ws = new WebSocket(url);
  await once(ws, "open");
  let fragments = 0, closed = null;
  ws.on("close", (code) => { closed = code; });
  ws.on("error", () => {});
  const piece = Buffer.alloc(1024, 0x61);
  while (closed === null && fragments < 1000000) {
    await new Promise((r) => ws.send(piece, { binary: false, fin: false }, r));
    fragments++;
    if (ws.bufferedAmount > 1024 * 1024) await new Promise((r) => setTimeout(r, 1));
  }
  if (closed === null) await once(ws, "close");
  return { fragments, code: closed };
}

test("a never-ending fragment chain is cut off at the message limit on /socket.io/ and /app/{key}", async () => {
  const pid = server.proc.pid;
  const rss0 = rss(pid);
  const sio = await fragmentChain(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
  const pusher = await fragmentChain(`ws://127.0.0.1:${server.port}/app/dev-key?protocol=7&client=js&version=8.4.0`);
  const rss1 = rss(pid);
  console.log(`# fragments before the close: socket.io ${sio.fragments}, pusher ${pusher.fragments}; ` +
              `RSS ${mb(rss0)} -> ${mb(rss1)} MB`);
  // SIO_MAX_PAYLOAD is 1,000,000 bytes: the close comes at the 977th KiB
  // (plus what was in flight), long before a million fragments.
  assert.ok(sio.fragments >= 976 && sio.fragments < 20000, `socket.io: ${sio.fragments} fragments`);
  assert.ok(pusher.fragments < 20000, `pusher: ${pusher.fragments} fragments`);
  if (!asan(pid)) assert.ok(rss1 - rss0 < 16 * MB, `RSS grew by ${mb(rss1 - rss0)} MB`);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /roomcast_ws_messages_refused_total 2\b/);
  const s = await connect(server, "dev:3:Cy");
  assert.equal((await request(s, "whoami", {})).ok, true);
  s.close();
});

test("every socket has an event budget: a burst past it is refused with rate_limited, others go on", async () => {
  const budgeted = await startServer({ env: { SIO_EVENTS_PER_SECOND: "10", SIO_EVENTS_BURST: "30" } });
  try {
    const flooder = await connect(budgeted, "dev:1:Flo");
    const other = await connect(budgeted, "dev:2:Oth");
    const acks = await Promise.all(Array.from({ length: 100 }, () => request(flooder, "whoami")));
    const ok = acks.filter((a) => a.ok).length;
    const limited = acks.filter((a) => a.error?.code === "rate_limited");
    console.log(`# 100 events at once: ${ok} accepted, ${limited.length} rate_limited`);
    assert.ok(ok >= 30 && ok <= 32, `${ok} accepted (burst 30)`);
    assert.equal(ok + limited.length, 100);
    assert.ok(limited.every((a) => a.error.retryAfterMs >= 1 && a.error.retryAfterMs <= 100));
    assert.equal((await request(other, "whoami")).ok, true, "another socket has its own budget");
    const retry = limited.at(-1).error.retryAfterMs;
    await new Promise((r) => setTimeout(r, retry + 20)); // the budget promises a token by then
    assert.equal((await request(flooder, "whoami")).ok, true);
    const metrics = await (await fetch(`${budgeted.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`roomcast_sio_events_limited_total ${limited.length}\\b`));
    flooder.close();
    other.close();
  } finally {
    await budgeted.stop();
  }
});

// A raw Socket.IO WebSocket with @headers: resolves "open" once the server
// sent its open packet, or the HTTP status of a refused upgrade.
function rawSocketIo(port, headers) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { headers });
    ws.on("message", () => resolve({ ws, status: "open" }));
    ws.on("unexpected-response", (req, res) => resolve({ ws, status: res.statusCode }));
    ws.on("error", () => {});
  });
}

test("connections per client address: past the limit 503; X-Forwarded-For only from trusted proxies", async () => {
  const capped = await startServer({ env: { HTTP_MAX_CONNECTIONS_PER_IP: "3", TRUSTED_PROXIES: "127.0.0.1" } });
  const direct = await startServer({ env: { HTTP_MAX_CONNECTIONS_PER_IP: "3" } });
  const open = [];
  try {
    // Behind a trusted proxy (127.0.0.1): counted per forwarded client.
    const xff = (ip) => ({ "X-Forwarded-For": `198.51.100.9, ${ip}` });
    for (let i = 0; i < 3; i++) {
      const r = await rawSocketIo(capped.port, xff("203.0.113.7"));
      assert.equal(r.status, "open");
      open.push(r.ws);
    }
    const fourth = await rawSocketIo(capped.port, xff("203.0.113.7"));
    assert.equal(fourth.status, 503, "a fourth WebSocket of the same client is refused");
    const other = await rawSocketIo(capped.port, xff("203.0.113.8"));
    assert.equal(other.status, "open", "another client is not affected");
    open.push(other.ws);
    const refused = await fetch(`${capped.url}/health`, { headers: xff("203.0.113.7") });
    assert.equal(refused.status, 503);
    assert.equal((await refused.json()).error.code, "too_many_connections");
    // A closed connection gives its place back.
    open.shift().close();
    await waitFor(async () => (await rawSocketIo(capped.port, xff("203.0.113.7"))).status === "open",
                  5000, "a place freed");
    // Direct (no trusted proxy): X-Forwarded-For is the client's claim, ignored.
    for (let i = 0; i < 3; i++) {
      const r = await rawSocketIo(direct.port, { "X-Forwarded-For": `10.0.0.${i}` });
      assert.equal(r.status, "open");
      open.push(r.ws);
    }
    const spoofed = await rawSocketIo(direct.port, { "X-Forwarded-For": "10.0.0.99" });
    assert.equal(spoofed.status, 503, "a forged X-Forwarded-For does not escape the limit");
    const metrics = await (await fetch(`${capped.url}/metrics`, { headers: xff("203.0.113.50") })).text();
    // The fourth WebSocket, the /health and the forged one: three refusals.
    assert.match(metrics, /roomcast_http_requests_refused_total\{reason="ip_connections"\} [1-9]\d*\b/);
  } finally {
    for (const ws of open) ws.terminate();
    await capped.stop();
    await direct.stop();
  }
});

test("the hub caps channels per connection (429) and its own connections (4100)", async () => {
  const hub = await startServer({ env: { HUB_MAX_CHANNELS_PER_CONNECTION: "3", HUB_MAX_CONNECTIONS: "2" } });
  const clients = [];
  try {
    const a = await rawClient(hub);
    clients.push(a);
    await a.next((m) => m.event === "pusher:connection_established");
    for (let i = 0; i < 4; i++) a.send("pusher:subscribe", { channel: `news-${i}` });
    for (let i = 0; i < 3; i++)
      await a.next((m) => m.event === "pusher_internal:subscription_succeeded" && m.channel === `news-${i}`);
    const refused = await a.next((m) => m.event === "pusher:subscription_error" && m.channel === "news-3");
    assert.equal(refused.data.status, 429);
    const b = await rawClient(hub);
    clients.push(b);
    await b.next((m) => m.event === "pusher:connection_established");
    const c = await rawClient(hub);
    clients.push(c);
    await waitFor(() => c.closed !== null, 5000, "the third connection closed");
    assert.equal(c.closed.code, 4100);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    assert.match(metrics, /roomcast_hub_subscriptions_refused_total 1\b/);
  } finally {
    for (const x of clients) x.ws.terminate();
    await hub.stop();
  }
});

test("authentications per client address: past the budget connect_error rate_limited", async () => {
  const server = await startServer({ env: { AUTH_ATTEMPTS_PER_IP_PER_MINUTE: "5", TRUSTED_PROXIES: "127.0.0.1" } });
  const sockets = [];
  const attempt = (ip, token = "dev:5:Eve") => connect(server, token, { extraHeaders: { "X-Forwarded-For": ip } })
    .then((s) => { sockets.push(s); return "ok"; }, (err) => err.message);
  try {
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await attempt("203.0.113.77"));
    console.log(`# 8 authentications from one address: ${results.join(", ")}`);
    assert.deepEqual(results.slice(0, 5), ["ok", "ok", "ok", "ok", "ok"]);
    assert.ok(results.slice(5).every((r) => r === "rate_limited"), results.join(","));
    assert.equal(await attempt("203.0.113.78"), "ok", "another address has its own budget");
    assert.equal(await attempt("127.0.0.1"), "ok", "loopback is not limited");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /roomcast_auth_attempts_limited_total 3\b/);
  } finally {
    for (const s of sockets) s.close();
    await server.stop();
  }
});
