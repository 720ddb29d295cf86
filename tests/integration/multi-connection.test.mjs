// Several connections per user (docs/protocol.md, "Several connections per
// user"): a user may hold any number of Socket.IO connections (tabs,
// devices, laravel-echo's socket.io connector); the room presence is what
// stays unique. A connection joining the room another connection of the
// same user is in takes the participant over, and the older one gets
// `replaced` and stays connected, in no room. Events addressed to the user
// (/api/broadcast to:user, sendToUser, the admin API's kick, a revoked
// token) reach every connection of that user.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createHash, randomUUID } from "node:crypto";
import { io } from "socket.io-client";
import Echo from "laravel-echo";
import { startServer, connect, request, next, waitFor } from "./lib/harness.mjs";
import { DEV, hmacHex, makeEcho, echoConnected, rawClient, pusherApi } from "./lib/pusher.mjs";
import { startFakeLaravel } from "./lib/fake-laravel.mjs";
import { startRedis } from "./lib/redis.mjs";

const API_KEY = "broadcast-key-for-multi-connection-0123456789";
const ADMIN_KEY = "admin-key-for-multi-connection-0123456789";
const closers = [];
let server;

before(async () => {
  server = await startServer({ env: { BROADCAST_API_KEY: API_KEY, ADMIN_API_KEY: ADMIN_KEY } });
});

after(async () => {
  for (const c of closers) { try { c(); } catch { /* already closed */ } }
  if (server) await server.stop();
});

async function open(token) {
  const s = await connect(server, token);
  closers.push(() => s.close());
  return s;
}

// Every event a socket receives, in order: [name, payload].
// Every event but user_online/user_offline, which go to every connection
// by design (docs/protocol.md) whenever any user comes or goes.
function record(socket) {
  const got = [];
  socket.onAny((event, payload) => {
    if (event !== "user_online" && event !== "user_offline") got.push([event, payload]);
  });
  return got;
}

async function sioEcho(token) {
  const echo = new Echo({
    broadcaster: "socket.io",
    host: server.url,
    client: io,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    query: { token },
  });
  closers.push(() => echo.disconnect());
  const socket = echo.connector.socket;
  if (!socket.connected) await once(socket, "connect");
  return echo;
}

const broadcast = (body) => fetch(`${server.url}/api/broadcast`, {
  method: "POST",
  headers: { "Content-Type": "application/json", "X-WebSocket-API-Key": API_KEY },
  body: JSON.stringify(body),
});

// A chat message from `from` seen by `by`: everything `by` was sent before
// it has arrived (one connection keeps the order).
async function chatMarker(from, by, text) {
  const seen = new Promise((resolve) => {
    const handler = (m) => { if (m.text === text) { by.off("chat:message", handler); resolve(m); } };
    by.on("chat:message", handler);
  });
  assert.equal((await request(from, "chat:send", { text })).ok, true);
  return seen;
}

test("two connections of one user both stay up", async () => {
  const first = await open("dev:61:Ann");
  const firstEvents = record(first);
  const second = await open("dev:61:Ann");
  const [a, b] = await Promise.all([request(first, "whoami"), request(second, "whoami")]);
  assert.equal(a.user.id, "61");
  assert.equal(b.user.id, "61");
  assert.notEqual(a.sid, b.sid);
  // After a round trip on each, nothing told the first one to go.
  assert.equal(first.connected, true);
  assert.equal(second.connected, true);
  assert.deepEqual(firstEvents, []);
  const health = await (await fetch(`${server.url}/health`)).json();
  assert.ok(health.connections >= 2, JSON.stringify(health));
});

test("a second connection joining the room takes the seat over; the first gets replaced and stays connected", async () => {
  const roomId = randomUUID();
  const host = await open("dev:70:Hank");
  await request(host, "room:join", { roomId });
  const first = await open("dev:71:Ann");
  await request(first, "room:join", { roomId });
  assert.deepEqual(await request(first, "seat:take", { seat: 3 }), { ok: true, seat: 3 });
  assert.equal((await request(host, "seat:mute", { seat: 3, muted: true })).ok, true);
  assert.equal((await request(host, "room:moderator", { userId: "71", moderator: true })).ok, true);
  const hostEvents = record(host);
  const firstEvents = record(first);

  const second = await open("dev:71:Ann");
  const replaced = next(first, "replaced");
  const snapshot = await request(second, "room:join", { roomId });
  assert.equal(snapshot.ok, true);
  // The participant as it was: seat, role and mute kept.
  assert.equal(snapshot.you.seat, 3);
  assert.equal(snapshot.you.role, "moderator");
  assert.equal(snapshot.seats[3].userId, "71");
  assert.equal(snapshot.seats[3].muted, true);
  assert.deepEqual((await replaced)[0], { roomId, reason: "taken_over" });

  // The first connection stays up, in no room.
  assert.equal(first.connected, true);
  assert.equal((await request(first, "whoami")).user.id, "71");
  for (const [event, payload] of [["chat:send", { text: "still here?" }], ["seat:leave", {}],
                                  ["room:leave", {}], ["seat:take", { seat: 4 }]])
    assert.equal((await request(first, event, payload)).error?.code, "not_in_room", event);

  // Room events go to the new connection only; the others saw no change.
  const msg = await chatMarker(second, host, "from the new tab");
  assert.equal(msg.user.id, "71");
  const presence = ["participant:joined", "participant:left", "participant:away", "seat:updated"];
  assert.deepEqual(hostEvents.filter(([e]) => presence.includes(e)), []);
  const sinceReplaced = firstEvents.slice(firstEvents.findIndex(([e]) => e === "replaced"));
  assert.deepEqual(sinceReplaced.map(([e]) => e), ["replaced"]);

  // The old connection closing changes nothing in the room.
  first.close();
  await chatMarker(second, host, "after the old tab closed");
  assert.deepEqual(hostEvents.filter(([e]) => presence.includes(e)), []);
  const detail = (await request(second, "room:join", { roomId }));
  assert.equal(detail.you.seat, 3);
  assert.equal(detail.participants.find((p) => p.userId === "71").connected, true);
});

test("the older connection joining again takes the presence back", async () => {
  const roomId = randomUUID();
  const a = await open("dev:72:Ann");
  await request(a, "room:join", { roomId });
  assert.equal((await request(a, "seat:take", { seat: 1 })).ok, true);
  const b = await open("dev:72:Ann");
  const aReplaced = next(a, "replaced");
  await request(b, "room:join", { roomId });
  await aReplaced;
  const bReplaced = next(b, "replaced");
  const back = await request(a, "room:join", { roomId });
  assert.equal(back.you.seat, 1);
  assert.deepEqual((await bReplaced)[0], { roomId, reason: "taken_over" });
  assert.equal((await request(b, "chat:send", { text: "x" })).error.code, "not_in_room");
  assert.equal((await request(a, "chat:send", { text: "mine again" })).ok, true);
  assert.equal(b.connected, true);
});

test("the second connection joining another room switches rooms: replaced {reason: switched}", async () => {
  const r1 = randomUUID(), r2 = randomUUID();
  const host = await open("dev:73:Hank");
  await request(host, "room:join", { roomId: r1 });
  const first = await open("dev:74:Ann");
  await request(first, "room:join", { roomId: r1 });
  const second = await open("dev:74:Ann");
  const replaced = next(first, "replaced");
  const left = next(host, "participant:left");
  assert.equal((await request(second, "room:join", { roomId: r2 })).ok, true);
  assert.deepEqual((await replaced)[0], { roomId: r1, reason: "switched" });
  assert.deepEqual((await left)[0], { userId: "74", reason: "switched" });
  assert.equal(first.connected, true);
  assert.equal((await request(first, "chat:send", { text: "x" })).error.code, "not_in_room");
});

test("the room connection dropping holds the seat; the user's other connection resumes it", async () => {
  const roomId = randomUUID();
  const host = await open("dev:75:Hank");
  await request(host, "room:join", { roomId });
  const inRoom = await open("dev:76:Ann");
  const other = await open("dev:76:Ann");
  const otherEvents = record(other);
  await request(inRoom, "room:join", { roomId });
  assert.equal((await request(inRoom, "seat:take", { seat: 2 })).ok, true);
  const away = next(host, "participant:away");
  inRoom.close();
  assert.equal((await away)[0].userId, "76");
  const back = next(host, "participant:joined");
  const rejoined = await request(other, "room:join", { roomId });
  assert.equal(rejoined.you.seat, 2);
  assert.equal((await back)[0].userId, "76");
  // Nobody was replaced: the connection in the room had gone.
  assert.equal(otherEvents.some(([e]) => e === "replaced"), false);
});

test("/api/broadcast to:user and sendToUser reach every connection of the user, Pusher sign-ins too", async () => {
  const roomId = randomUUID();
  const a = await open("dev:77:Ann");
  await request(a, "room:join", { roomId });
  const b = await open("dev:77:Ann");
  // A Pusher connection signed in as user 77 (what Laravel's
  // /broadcasting/user-auth answers, signed here).
  const pusher = await rawClient(server);
  closers.push(() => pusher.ws.close());
  const established = await pusher.next((m) => m.event === "pusher:connection_established");
  const userData = JSON.stringify({ id: "77", name: "Ann" });
  pusher.send("pusher:signin", {
    auth: `${DEV.key}:${hmacHex(DEV.secret, `${established.data.socket_id}::user::${userData}`)}`,
    user_data: userData,
  });
  await pusher.next((m) => m.event === "pusher:signin_success");
  const bystander = await open("dev:78:Bea");
  const bystanderEvents = record(bystander);

  const got = { a: next(a, "notice"), b: next(b, "notice") };
  const res = await broadcast({ event: "notice", to: "user", user_id: 77, data: { n: 1 } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true, delivered: 3 });
  assert.deepEqual((await got.a)[0], { n: 1 });
  assert.deepEqual((await got.b)[0], { n: 1 });
  const onPusher = await pusher.next((m) => m.event === "notice");
  assert.equal(onPusher.channel, "#server-to-user-77");
  assert.deepEqual(onPusher.data, { n: 1 });

  // sendToUser() of the Pusher server libraries: the same connections.
  const got2 = { a: next(a, "invoice.paid"), b: next(b, "invoice.paid") };
  const api = await pusherApi(server, "POST", "/apps/dev/events", {
    name: "invoice.paid", channel: "#server-to-user-77", data: JSON.stringify({ amount: 12 }),
  });
  assert.equal(api.status, 200);
  assert.deepEqual((await got2.a)[0], { amount: 12 });
  assert.deepEqual((await got2.b)[0], { amount: 12 });
  assert.deepEqual((await pusher.next((m) => m.event === "invoice.paid")).data, { amount: 12 });
  assert.equal((await request(bystander, "whoami")).ok, true);
  assert.deepEqual(bystanderEvents, []);
});

test("an admin kick reaches every connection of the user", async () => {
  const roomId = randomUUID();
  const host = await open("dev:80:Hank");
  await request(host, "room:join", { roomId });
  const a = await open("dev:81:Kim");
  await request(a, "room:join", { roomId });
  const b = await open("dev:81:Kim");
  const kicked = [next(a, "kicked"), next(b, "kicked")];
  const gone = [next(a, "disconnect"), next(b, "disconnect")];
  const res = await fetch(`${server.url}/admin/users/81/kick`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Internal-Key": ADMIN_KEY },
    body: JSON.stringify({ reason: "spam" }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.connections, 2);
  assert.equal(body.removedFromRoom, true);
  for (const k of await Promise.all(kicked))
    assert.deepEqual(k[0], { roomId, by: "admin", banned: false, reason: "spam" });
  for (const [reason] of await Promise.all(gone)) assert.equal(reason, "io server disconnect");
  assert.equal(host.connected, true);
});

test("an Echo socket.io connector beside the room socket: both stay up, the user is one member", async () => {
  const roomId = randomUUID();
  const room = await open("dev:85:Dee");
  await request(room, "room:join", { roomId });
  assert.equal((await request(room, "seat:take", { seat: 0 })).ok, true);
  const roomEvents = record(room);

  // Someone watching the room's presence channel with pusher-js Echo.
  const watcher = makeEcho(server, { user: { id: "199", info: { name: "Watcher" } } });
  closers.push(() => watcher.disconnect());
  await echoConnected(watcher);
  let here = null;
  const changes = [];
  watcher.join(`room.${roomId}`).here((u) => { here = u; })
    .joining((u) => changes.push(["joining", u.id]))
    .leaving((u) => changes.push(["leaving", u.id]))
    .listen(".marker", () => changes.push(["marker"]));
  await waitFor(() => here !== null, 5000, "here");
  assert.deepEqual(here.map((u) => String(u.id ?? u.name)).sort(), ["85", "Watcher"]);

  const echo = await sioEcho("dev:85:Dee");
  const news = [];
  echo.channel("news").listen(".posted", (e) => news.push(e));
  await waitFor(async () => {
    await broadcast({ event: "posted", to: "channel", channel: "news", data: { id: 1 } });
    return news.length > 0;
  }, 5000, "the Echo connector subscribed and served");
  assert.deepEqual(news[0], { id: 1 });

  // Both connections are up; the room socket is still the one in the room.
  assert.equal(echo.connector.socket.connected, true);
  assert.equal(room.connected, true);
  const chat = next(room, "chat:message");
  assert.equal((await request(room, "chat:send", { text: "hello" })).ok, true);
  assert.equal((await chat)[0].text, "hello");
  assert.equal(roomEvents.some(([e]) => e === "replaced"), false);

  // One member, counted once: in the channel, and online.
  const res = await pusherApi(server, "POST", "/apps/dev/events",
                              { name: "marker", channel: `presence-room.${roomId}`, data: "{}" });
  assert.equal(res.status, 200);
  await waitFor(() => changes.some(([e]) => e === "marker"), 5000, "marker");
  assert.deepEqual(changes, [["marker"]]);
  const users = await pusherApi(server, "GET", `/apps/dev/channels/presence-room.${roomId}/users`);
  assert.deepEqual(users.body.users.map((u) => u.id).sort(), ["199", "85"]);
  const online = await (await fetch(`${server.url}/api/users/online`,
                                    { headers: { "X-WebSocket-API-Key": API_KEY } })).json();
  assert.equal(online.users.filter((id) => id === "85").length, 1);

  // Another room socket of the user taking the room over: still one member,
  // no leaving or joining.
  const replaced = next(room, "replaced");
  const tab = await open("dev:85:Dee");
  assert.equal((await request(tab, "room:join", { roomId })).you.seat, 0);
  await replaced;
  await pusherApi(server, "POST", "/apps/dev/events",
                  { name: "marker", channel: `presence-room.${roomId}`, data: "{}" });
  await waitFor(() => changes.length === 2, 5000, "second marker");
  assert.deepEqual(changes, [["marker"], ["marker"]]);
  assert.equal(echo.connector.socket.connected, true);
});

test("the daemon logged no GLib criticals or warnings from libraries", () => {
  assert.doesNotMatch(server.logs(), /CRITICAL|GLib-|GLib-GObject-|GLib-GIO-|libsoup-|Json-/);
});

describe("a revoked token (Laravel auth, Redis)", () => {
  const KEY = "internal-key-for-multi-connection-0123456789";
  const sha256 = (s) => createHash("sha256").update(s).digest("hex");
  let laravel, redis, lserver;

  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY }), startRedis()]);
    lserver = await startServer({
      args: [],
      env: {
        AUTH_PROVIDER: "laravel", LARAVEL_API_URL: laravel.url, LARAVEL_INTERNAL_KEY: KEY,
        REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port),
      },
    });
    await waitFor(async () => (await (await fetch(`${lserver.url}/health`)).json()).redis === "connected",
                  5000, "redis connected");
  });

  after(async () => {
    if (lserver) await lserver.stop();
    if (redis) await redis.destroy();
    if (laravel) await laravel.stop();
  });

  test("ends every connection that authenticated with it; the user's other tokens stay", async () => {
    await laravel.addUser({ id: 90, name: "Rae", email: "rae@example.com" });
    const phone = `90|phone${"x".repeat(36)}`;
    const laptop = `90|laptop${"y".repeat(36)}`;
    await laravel.addToken(phone, 90);
    await laravel.addToken(laptop, 90);
    const tabs = [await connect(lserver, phone), await connect(lserver, phone)];
    const other = await connect(lserver, laptop);
    closers.push(...tabs.map((s) => () => s.close()), () => other.close());
    const revoked = tabs.map((s) => next(s, "auth:revoked", 6000));
    const gone = tabs.map((s) => next(s, "disconnect", 6000));
    await redis.command("SETEX", `auth:revoked:${sha256(phone)}`, "86400", "1");
    for (const [payload] of await Promise.all(revoked)) assert.deepEqual(payload, { reason: "token revoked" });
    for (const [reason] of await Promise.all(gone)) assert.equal(reason, "io server disconnect");
    assert.equal(other.connected, true);
    assert.equal((await request(other, "whoami")).user.id, "90");
  });
});
