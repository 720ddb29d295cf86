// The recommended production setup, for real: Debian's nginx running the
// shipped data/nginx/roomcast.conf (lib/nginx.mjs replaces its ports, upstream
// and certificate) in front of a real roomcastd, with a certificate from a
// CA the test makes (lib/tls.mjs). Stock clients connect over https:// and
// wss:// through it, trusting that CA; nginx's own limits answer before
// roomcast sees anything.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import WebSocket from "ws";
import { startServer, connect, request, next, waitFor, SOURCE_ROOT, TIME_SCALE } from "./lib/harness.mjs";
import { makeCa, fetchTrusting } from "./lib/tls.mjs";
import { startNginx, SHIPPED_CONF } from "./lib/nginx.mjs";
import { pusherApi } from "./lib/pusher.mjs";

let ca, roomcast, proxy, get;
const closers = [];

before(async () => {
  ca = makeCa("roomcast-nginx-ca-");
  const cert = ca.issue("proxy");
  roomcast = await startServer();
  proxy = await startNginx({ upstreamPort: roomcast.port, cert: cert.cert, key: cert.key });
  get = fetchTrusting(ca.ca);
});

after(async () => {
  for (const c of closers) { try { c(); } catch { /* closed already */ } }
  if (proxy) await proxy.stop();
  if (roomcast) await roomcast.stop();
  ca?.remove();
});

// Through the proxy: what connect() and pusherApi() take as "the server".
const viaProxy = () => ({ url: proxy.url, port: proxy.port });

async function client(token, transports) {
  const socket = await connect(viaProxy(), token, { ca: ca.ca, transports });
  closers.push(() => socket.close());
  return socket;
}

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

async function requestsAnswered(status) {
  const text = await (await fetch(`${roomcast.url}/metrics`)).text();
  const m = new RegExp(`^roomcast_http_requests_total\\{status="${status}"\\} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

test("/health through the proxy; plain HTTP is redirected to https", async () => {
  const health = await get(`${proxy.url}/health`);
  assert.equal(health.status, 200);
  assert.equal((await health.json()).status, "ok");
  const redirect = await new Promise((resolve, reject) => {
    http.get(`${proxy.httpUrl}/health`, (res) => { res.resume(); resolve(res); }).on("error", reject);
  });
  assert.equal(redirect.statusCode, 301);
  assert.equal(redirect.headers.location, "https://127.0.0.1/health");
});

test("socket.io-client with its default options (polling, then the upgrade) and websocket-only: join and chat", async () => {
  const roomId = randomUUID();
  const ann = await client("dev:1:Ann");
  if (ann.io.engine.transport.name !== "websocket") await next(ann.io.engine, "upgrade");
  assert.equal(ann.io.engine.transport.name, "websocket");
  const bob = await client("dev:2:Bob", ["websocket"]);
  assert.equal((await request(ann, "room:join", { roomId })).ok, true);
  const joined = next(ann, "participant:joined");
  assert.equal((await request(bob, "room:join", { roomId })).ok, true);
  await joined;
  const heard = hears(ann, "through nginx");
  assert.equal((await request(bob, "chat:send", { text: "through nginx" })).ok, true);
  await heard;
  const back = hears(bob, "and back");
  assert.equal((await request(ann, "chat:send", { text: "and back" })).ok, true);
  await back;
});

test("a socket.io-client that stays on long-polling works through the proxy", async () => {
  const roomId = randomUUID();
  const polling = await client("dev:3:Poll", ["polling"]);
  assert.equal(polling.io.engine.transport.name, "polling");
  assert.equal((await request(polling, "room:join", { roomId })).ok, true);
  const heard = hears(polling, "polled");
  assert.equal((await request(polling, "chat:send", { text: "polled" })).ok, true);
  await heard;
});

test("a Pusher client on wss://…/app/{key}: subscribe, and an event published through /apps/ arrives", async () => {
  const socket = new WebSocket(`wss://127.0.0.1:${proxy.port}/app/dev-key?protocol=7&client=js&version=8.6.0`,
                               { ca: ca.ca });
  closers.push(() => socket.close());
  const messages = [];
  socket.on("message", (m) => messages.push(JSON.parse(m.toString())));
  await new Promise((resolve, reject) => { socket.once("open", resolve); socket.once("error", reject); });
  await waitFor(() => messages.some((m) => m.event === "pusher:connection_established"), 5000, "established");
  socket.send(JSON.stringify({ event: "pusher:subscribe", data: { channel: "news" } }));
  await waitFor(() => messages.some((m) => m.event === "pusher_internal:subscription_succeeded"), 5000, "subscribed");
  const r = await pusherApi(viaProxy(), "POST", "/apps/dev/events",
                            { name: "headline", channel: "news", data: JSON.stringify({ text: "via nginx" }) },
                            { fetch: get });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await waitFor(() => messages.some((m) => m.event === "headline"), 5000, "the event");
  assert.equal(JSON.parse(messages.find((m) => m.event === "headline").data).text, "via nginx");
});

test("oversized bodies and headers are refused by nginx, before roomcast reads them", async () => {
  const answered413 = await requestsAnswered(413);
  const post = (path, bytes) => get(`${proxy.url}${path}`, {
    method: "POST", headers: { "Content-Type": "application/json", "Content-Length": String(bytes) },
    body: "x".repeat(bytes),
  });
  for (const [path, bytes] of [["/api/broadcast", 300 * 1024], ["/apps/dev/events", 300 * 1024],
                               ["/socket.io/?EIO=4&transport=polling", 2 * 1024 * 1024], ["/health", 20 * 1024]]) {
    const r = await post(path, bytes);
    assert.equal(r.status, 413, `${path}: ${r.status}`);
    assert.match(r.headers.server, /^nginx/, `${path}: answered by nginx`);
  }
  const big = await get(`${proxy.url}/health`, { headers: { "X-Filler": "y".repeat(10 * 1024) } });
  assert.equal(big.status, 400);
  assert.match(big.headers.server, /^nginx/);
  assert.equal(await requestsAnswered(413), answered413, "roomcast answered none of them");
});

test("/metrics and the admin API are not served through the proxy", async () => {
  assert.equal((await get(`${proxy.url}/metrics`)).status, 404);
  assert.equal((await get(`${proxy.url}/admin/rooms`)).status, 404);
  assert.equal((await fetch(`${roomcast.url}/metrics`)).status, 200); // on roomcastd's own address
});

test("connections per client address are limited (limit_conn): the rest get 429", async () => {
  const sockets = [];
  const statuses = await Promise.all(Array.from({ length: 80 }, () => new Promise((resolve) => {
    const s = new WebSocket(`wss://127.0.0.1:${proxy.port}/app/dev-key?protocol=7&client=js&version=8.6.0`,
                            { ca: ca.ca });
    sockets.push(s);
    s.once("open", () => resolve(101));
    s.once("unexpected-response", (req, res) => resolve(res.statusCode));
    s.once("error", () => resolve("error"));
  })));
  for (const s of sockets) s.terminate();
  const open = statuses.filter((s) => s === 101).length;
  assert.ok(open <= 64, `${open} WebSockets open at once from one address`);
  assert.ok(statuses.filter((s) => s === 429).length >= 80 - 64 - 2, JSON.stringify(statuses));
});

test("the docs show the shipped file: whole in operations.md, its limits in security.md", () => {
  const shipped = fs.readFileSync(SHIPPED_CONF, "utf8");
  const blocks = (doc) => [...fs.readFileSync(path.join(SOURCE_ROOT, "docs", doc), "utf8")
    .matchAll(/^( *)```nginx\n([\s\S]*?)^\1```$/gm)].map((m) => m[2].replace(new RegExp(`^${m[1]}`, "gm"), ""));
  assert.ok(blocks("operations.md").includes(shipped), "docs/operations.md shows data/nginx/roomcast.conf as it is");
  const lines = new Set(shipped.split("\n").map((l) => l.trim()));
  const excerpt = blocks("security.md");
  assert.equal(excerpt.length, 1);
  for (const line of excerpt[0].split("\n").map((l) => l.trim()).filter(Boolean))
    assert.ok(lines.has(line), `docs/security.md: "${line}" is not in data/nginx/roomcast.conf`);
});
