// The hub's Socket.IO side: laravel-echo's socket.io connector on the same
// channels as pusher-js clients, private channels authorised by a fake
// Laravel /broadcasting/auth, and POST /api/broadcast + GET /api/users/online.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { io } from "socket.io-client";
import Echo from "laravel-echo";
import { startServer, waitFor, connect } from "./lib/harness.mjs";
import { startRedis } from "./lib/redis.mjs";
import { DEV, makeEcho, echoConnected, signChannel } from "./lib/pusher.mjs";

const API_KEY = "test-broadcast-api-key-0123456789";
let server;
let redis;
let laravel;
const authCalls = [];
const closers = [];

before(async () => {
  // Fake Laravel: Bearer good is user 21; anything else is refused.
  laravel = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const { channel_name: channel, socket_id: socketId } = JSON.parse(body);
      authCalls.push({ channel, socketId, authorization: req.headers.authorization });
      if (req.url !== "/broadcasting/auth" || req.headers.authorization !== "Bearer good") {
        res.writeHead(403, { "Content-Type": "application/json" });
        res.end("{}");
        return;
      }
      const answer = channel.startsWith("presence-")
        ? { channel_data: JSON.stringify({ user_id: 21, user_info: { name: "Carol" } }) }
        : {};
      answer.auth = signChannel(socketId, channel, answer.channel_data);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  laravel.listen(0, "127.0.0.1");
  await once(laravel, "listening");
  redis = await startRedis();
  server = await startServer({
    env: {
      REDIS_HOST: "127.0.0.1",
      REDIS_PORT: String(redis.port),
      BROADCAST_AUTH_URL: `http://127.0.0.1:${laravel.address().port}/broadcasting/auth`,
      BROADCAST_API_KEY: API_KEY,
    },
  });
  await server.waitForLog(/Redis subscriber .* subscribed to laravel_database_\*/);
});

after(async () => {
  for (const c of closers) { try { c(); } catch { /* already closed */ } }
  if (server) await server.stop();
  if (redis) await redis.destroy();
  if (laravel) laravel.close();
});

async function sioEcho(token, authorization = "Bearer good") {
  const echo = new Echo({
    broadcaster: "socket.io",
    host: server.url,
    client: io,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    query: { token },
    auth: { headers: { Authorization: authorization } },
  });
  closers.push(() => echo.disconnect());
  const socket = echo.connector.socket;
  if (!socket.connected) await once(socket, "connect");
  return echo;
}

function pusherEcho(opts) {
  const echo = makeEcho(server, opts);
  closers.push(() => echo.disconnect());
  return echo;
}

const publish = (channel, payload) => redis.command("PUBLISH", `laravel_database_${channel}`, JSON.stringify(payload));

test("Socket.IO Echo gets Redis broadcasts on public and Laravel-authorised private channels", async () => {
  const carol = await sioEcho("dev:21:Carol");
  const got = { pub: [], priv: [] };
  carol.channel("news").listen(".posted", (e) => got.pub.push(e));
  carol.private("user.21").listen("MessageSent", (e) => got.priv.push(e));
  await waitFor(() => authCalls.some((c) => c.channel === "private-user.21"), 5000, "auth call");
  // Subscriptions are asynchronous: publish until delivered.
  await waitFor(async () => {
    await publish("news", { event: "posted", data: { id: 1 }, socket: null });
    await publish("private-user.21", { event: "App\\Events\\MessageSent", data: { id: 2 }, socket: null });
    return got.pub.length > 0 && got.priv.length > 0;
  }, 5000, "deliveries");
  assert.deepEqual(got.pub[0], { id: 1 });
  assert.deepEqual(got.priv[0], { id: 2 });
  assert.equal(authCalls.find((c) => c.channel === "private-user.21").authorization, "Bearer good");
});

test("a private channel Laravel refuses gets subscription_error and no events", async () => {
  const mallory = await sioEcho("dev:66:Mallory", "Bearer bad");
  const errors = [];
  mallory.connector.socket.on("subscription_error", (channel, e) => errors.push({ channel, e }));
  const got = [];
  mallory.private("user.21").listen("MessageSent", (e) => got.push(e));
  await waitFor(() => errors.length === 1, 5000, "subscription_error");
  assert.equal(errors[0].channel, "private-user.21");
  assert.equal(errors[0].e.status, 403);
  // A public event published after the private one proves the private one
  // would have arrived by then (one Redis connection keeps the order).
  const marker = [];
  mallory.channel("marker").listen(".m", (e) => marker.push(e));
  await waitFor(async () => {
    await publish("private-user.21", { event: "App\\Events\\MessageSent", data: { id: 3 }, socket: null });
    await publish("marker", { event: "m", data: {}, socket: null });
    return marker.length > 0;
  }, 5000, "marker");
  assert.equal(got.length, 0);
});

test("whispers cross protocols on a private channel; presence mixes both", async () => {
  const carol = await sioEcho("dev:21:Carol");
  const dave = pusherEcho({ user: { id: 22, info: { name: "Dave" } } });
  await echoConnected(dave);
  const seen = { carol: [], dave: [] };
  let daveSub = false;
  dave.private("chat.3").listenForWhisper("typing", (e) => seen.dave.push(e)).subscribed(() => { daveSub = true; });
  carol.private("chat.3").listenForWhisper("typing", (e) => seen.carol.push(e));
  await waitFor(() => daveSub && authCalls.some((c) => c.channel === "private-chat.3"), 5000, "subscribed");
  // Carol's subscription has no confirmation in Echo's socket.io connector:
  // whisper every 200 ms (under the 10/s limit) until it arrives.
  for (let i = 0; seen.carol.length === 0; i++) {
    assert.ok(i < 25, "pusher -> socket.io whisper");
    dave.private("chat.3").whisper("typing", { who: "dave" });
    await new Promise((r) => setTimeout(r, 200));
  }
  carol.private("chat.3").whisper("typing", { who: "carol" });
  await waitFor(() => seen.dave.length > 0, 5000, "socket.io -> pusher whisper");
  assert.deepEqual(seen.dave[0], { who: "carol" });

  let here = null;
  const joining = [];
  dave.join("room.9").here((u) => { here = u; }).joining((u) => joining.push(u));
  await waitFor(() => here !== null, 5000, "dave here");
  let carolHere = null;
  carol.join("room.9").here((u) => { carolHere = u; });
  await waitFor(() => joining.length === 1 && carolHere !== null, 5000, "carol joins");
  assert.deepEqual(joining[0], { name: "Carol" });
  assert.deepEqual(carolHere.map((u) => u.name).sort(), ["Carol", "Dave"]);
});

test("/api/broadcast reaches a user's Socket.IO and Echo connections; a wrong key gets 403", async () => {
  const erin = await sioEcho("dev:31:Erin");
  const erinPusher = pusherEcho({});
  await echoConnected(erinPusher);
  const got = { sio: [], pusher: [] };
  erin.connector.socket.on("notification", (d) => got.sio.push(d));
  let sub = false;
  erinPusher.private("App.Models.User.31").listen(".notification", (d) => got.pusher.push(d)).subscribed(() => { sub = true; });
  await waitFor(() => sub, 5000, "subscribed");

  const post = (body, key = API_KEY) => fetch(`${server.url}/api/broadcast`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-WebSocket-API-Key": key },
    body: JSON.stringify(body),
  });
  const res = await post({ event: "notification", to: "user", user_id: 31, data: { id: 7 } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true, delivered: 2 });
  await waitFor(() => got.sio.length === 1 && got.pusher.length === 1, 5000, "both connections");
  assert.deepEqual(got.sio[0], { id: 7 });
  assert.deepEqual(got.pusher[0], { id: 7 });

  assert.equal((await post({ event: "notification", to: "user", user_id: 31, data: {} }, "wrong")).status, 403);
  assert.equal((await post({ event: "x", to: "planet", data: {} })).status, 400);

  const online = await fetch(`${server.url}/api/users/online`, { headers: { "X-WebSocket-API-Key": API_KEY } });
  assert.equal(online.status, 200);
  assert.ok((await online.json()).users.includes("31"));
  const refused = await fetch(`${server.url}/api/users/online`);
  assert.equal(refused.status, 403);
  assert.equal(DEV.key, "dev-key");
});

test("a Socket.IO client-event flood gets client_event_error (429) beyond 10 per second", async () => {
  const s = await connect(server, "dev:41:Flo");
  closers.push(() => s.close());
  const errors = [];
  s.on("client_event_error", (channel, e) => errors.push({ channel, e }));
  s.emit("subscribe", { channel: "private-flood", auth: { headers: { Authorization: "Bearer good" } } });
  await waitFor(() => authCalls.some((c) => c.channel === "private-flood"), 5000, "auth call");
  await waitFor(() => {
    for (let i = 0; i < 15; i++) s.emit("client event", { channel: "private-flood", event: "client-spam", data: { i } });
    return errors.length > 0;
  }, 5000, "client_event_error");
  assert.equal(errors[0].channel, "private-flood");
  assert.equal(errors[0].e.status, 429);
  assert.equal(s.connected, true);
});

test("the daemon logged no GLib criticals or warnings from libraries", () => {
  assert.doesNotMatch(server.logs(), /CRITICAL|GLib-|GLib-GObject-|GLib-GIO-|libsoup-|Json-/);
});
