// The Echo setups docs/connecting.md recommends, each end to end: the
// Laravel broadcast driver as Laravel runs it (pusher: signed Pusher HTTP API
// calls and signed /broadcasting/auth answers; redis: PUBLISH on
// laravel_database_<channel> and RedisBroadcaster's unsigned auth answers)
// with each Echo broadcaster (pusher-js, socket.io), on a public, a private
// and a presence channel. Also the one that only half works (redis driver +
// Echo pusher: public channels only) and the presence cap on both sides.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import Echo from "laravel-echo";
import Pusher from "pusher-js";
import { io } from "socket.io-client";
import { startServer, waitFor } from "./lib/harness.mjs";
import { startRedis } from "./lib/redis.mjs";
import { DEV, echoConnected, signChannel, pusherApi } from "./lib/pusher.mjs";

let server, redis, laravel, authUrl;
const closers = [];

// Laravel's /broadcasting/auth: "Authorization: Bearer <driver>:<user id>",
// answered as that driver's broadcaster does (Broadcast::channel callbacks
// allow everything here; user_info {name: "User <id>"}).
function authAnswer(driver, userId, socketId, channel) {
  const presence = channel.startsWith("presence-");
  const member = { user_id: Number(userId), user_info: { name: `User ${userId}` } };
  if (driver === "redis") // RedisBroadcaster::validAuthenticationResponse
    return presence ? { channel_data: member } : true;
  const channelData = presence ? JSON.stringify(member) : undefined; // PusherBroadcaster
  return { auth: signChannel(socketId, channel, channelData), ...(presence ? { channel_data: channelData } : {}) };
}

before(async () => {
  laravel = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const params = req.headers["content-type"]?.includes("json")
        ? JSON.parse(body) : Object.fromEntries(new URLSearchParams(body));
      const m = /^Bearer (pusher|redis):(\d+)$/.exec(req.headers.authorization ?? "");
      if (!m) { res.writeHead(403, { "Content-Type": "application/json" }); res.end("{}"); return; }
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(authAnswer(m[1], m[2], params.socket_id, params.channel_name)));
    });
  });
  laravel.listen(0, "127.0.0.1");
  await once(laravel, "listening");
  authUrl = `http://127.0.0.1:${laravel.address().port}/broadcasting/auth`;
  redis = await startRedis();
  server = await startServer({
    env: { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), BROADCAST_AUTH_URL: authUrl,
           PRESENCE_MAX_MEMBERS: "2" },
  });
  await server.waitForLog(/Redis subscriber .* subscribed to laravel_database_\*/);
});

after(async () => {
  for (const c of closers) { try { c(); } catch { /* already closed */ } }
  await server?.stop();
  await redis?.destroy();
  laravel?.close();
});

// Echo with broadcaster 'pusher'; its channel authorisation asks "Laravel"
// as pusher-js does (POST socket_id, channel_name) and hands on the answer.
async function pusherEcho(driver, userId) {
  const echo = new Echo({
    broadcaster: "pusher", key: DEV.key, Pusher, cluster: "mt1", wsHost: "127.0.0.1",
    wsPort: server.port, wssPort: server.port, forceTLS: false, enabledTransports: ["ws"],
    disableStats: true,
    authorizer: (channel) => ({
      authorize: async (socketId, callback) => {
        const res = await fetch(authUrl, {
          method: "POST",
          headers: { Authorization: `Bearer ${driver}:${userId}`, "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ socket_id: socketId, channel_name: channel.name }),
        });
        callback(null, await res.json());
      },
    }),
  });
  closers.push(() => echo.disconnect());
  await echoConnected(echo);
  return echo;
}

// Echo with broadcaster 'socket.io' (the laravel-echo-server client).
async function sioEcho(driver, userId) {
  const echo = new Echo({
    broadcaster: "socket.io", host: server.url, client: io, transports: ["websocket"],
    reconnection: false, forceNew: true, query: { token: `dev:${userId}:User ${userId}` },
    auth: { headers: { Authorization: `Bearer ${driver}:${userId}` } },
  });
  closers.push(() => echo.disconnect());
  const socket = echo.connector.socket;
  if (!socket.connected) await once(socket, "connect");
  return echo;
}

// How each driver hands Laravel's broadcast(new Shipped(...)) to roomcast.
const laravelBroadcast = {
  async pusher(channel, data) { // PusherBroadcaster: trigger() through the HTTP API
    const r = await pusherApi(server, "POST", `/apps/${DEV.id}/events`,
                              { name: "App\\Events\\Shipped", channels: [channel], data: JSON.stringify(data) });
    assert.equal(r.status, 200);
  },
  async redis(channel, data) { // RedisBroadcaster: PUBLISH on the prefixed channel
    await redis.command("PUBLISH", `laravel_database_${channel}`,
                        JSON.stringify({ event: "App\\Events\\Shipped", data, socket: null }));
  },
};

// Public, private and presence: each gets Laravel's event; presence lists
// the members. Events are sent until they arrive (subscribing is async).
async function endToEnd(driver, makeEcho, tag) {
  const a = await makeEcho(driver, 101);
  const got = { pub: [], priv: [], pres: [] };
  a.channel(`news.${tag}`).listen("Shipped", (e) => got.pub.push(e));
  a.private(`orders.${tag}`).listen("Shipped", (e) => got.priv.push(e));
  let here = null;
  const joining = [];
  a.join(`lobby.${tag}`).here((u) => { here = u; }).joining((u) => joining.push(u))
    .listen("Shipped", (e) => got.pres.push(e));
  await waitFor(async () => {
    await laravelBroadcast[driver](`news.${tag}`, { n: 1 });
    await laravelBroadcast[driver](`private-orders.${tag}`, { n: 2 });
    await laravelBroadcast[driver](`presence-lobby.${tag}`, { n: 3 });
    return got.pub.length > 0 && got.priv.length > 0 && got.pres.length > 0;
  }, 5000, `${tag}: every channel delivered`);
  assert.deepEqual([got.pub[0], got.priv[0], got.pres[0]], [{ n: 1 }, { n: 2 }, { n: 3 }]);
  await waitFor(() => here !== null, 5000, `${tag}: here()`);
  const b = await makeEcho(driver, 102);
  b.join(`lobby.${tag}`);
  await waitFor(() => joining.length === 1, 5000, `${tag}: joining()`);
  assert.deepEqual(joining[0], { name: "User 102" });
  a.disconnect();
  b.disconnect();
}

test("Laravel pusher driver + Echo broadcaster 'pusher'", () => endToEnd("pusher", pusherEcho, "a"));
test("Laravel redis driver + Echo broadcaster 'socket.io'", () => endToEnd("redis", sioEcho, "b"));
test("Laravel pusher driver + Echo broadcaster 'socket.io'", () => endToEnd("pusher", sioEcho, "c"));

test("Laravel redis driver + Echo broadcaster 'pusher': public channels only", async () => {
  const a = await pusherEcho("redis", 111);
  const got = [];
  a.channel("news.d").listen("Shipped", (e) => got.push(e));
  await waitFor(async () => {
    await laravelBroadcast.redis("news.d", { n: 1 });
    return got.length > 0;
  }, 5000, "public delivered");
  // RedisBroadcaster answers /broadcasting/auth without a Pusher signature:
  // pusher-js has nothing to subscribe with, roomcast refuses.
  let error = null;
  a.private("orders.d").error((e) => { error = e; });
  await waitFor(() => error !== null, 5000, "private refused");
  a.disconnect();
});

test("PRESENCE_MAX_MEMBERS caps presence channels on the Pusher and the Socket.IO side alike", async () => {
  const [p1, p2, p3] = await Promise.all([pusherEcho("pusher", 201), pusherEcho("pusher", 202), pusherEcho("pusher", 203)]);
  let members = null;
  p1.join("full.p").here((u) => { members = u; });
  p2.join("full.p");
  await waitFor(() => members !== null, 5000, "first member");
  await waitFor(async () => (await pusherApi(server, "GET", `/apps/${DEV.id}/channels/presence-full.p/users`)).body.users?.length === 2,
                5000, "two members");
  let refused = null;
  p3.join("full.p").error((e) => { refused = e; });
  await waitFor(() => refused !== null, 5000, "third refused (pusher)");
  assert.equal(refused.status, 403);

  const s = await Promise.all([sioEcho("pusher", 211), sioEcho("pusher", 212), sioEcho("pusher", 213)]);
  const errors = [];
  s[2].connector.socket.on("subscription_error", (channel, e) => errors.push({ channel, e }));
  s[0].join("full.s");
  s[1].join("full.s");
  await waitFor(async () => (await pusherApi(server, "GET", `/apps/${DEV.id}/channels/presence-full.s/users`)).body.users?.length === 2,
                5000, "two socket.io members");
  s[2].join("full.s");
  await waitFor(() => errors.length === 1, 5000, "third refused (socket.io)");
  assert.deepEqual(errors[0], { channel: "presence-full.s", e: { status: 403, message: "presence channel is full (PRESENCE_MAX_MEMBERS)" } });
  for (const e of [p1, p2, p3, ...s]) e.disconnect();
});
