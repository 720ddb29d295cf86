// Each audio room is also the presence channel presence-room.{roomId}: the
// room's participants are its members for Echo clients on both protocols,
// and a broadcast to the channel reaches the room's own connections.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { io } from "socket.io-client";
import Echo from "laravel-echo";
import { startServer, waitFor, connect, request } from "./lib/harness.mjs";
import { makeEcho, echoConnected, signChannel, pusherApi } from "./lib/pusher.mjs";
import { startRedis } from "./lib/redis.mjs";

const API_KEY = "test-broadcast-api-key-rooms-0123";
let server;
let laravel;
let redis; // HUB_TEST_REDIS=1: the same tests with Redis (presence kept there, hub-cluster.c)
const closers = [];

before(async () => {
  // Fake Laravel /broadcasting/auth: "Bearer user-<id>" is that user.
  laravel = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const { channel_name: channel, socket_id: socketId } = JSON.parse(body);
      const m = /^Bearer user-(\d+)$/.exec(req.headers.authorization ?? "");
      if (!m) {
        res.writeHead(403, { "Content-Type": "application/json" });
        res.end("{}");
        return;
      }
      const channelData = JSON.stringify({ user_id: Number(m[1]), user_info: { name: `laravel ${m[1]}` } });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ auth: signChannel(socketId, channel, channelData), channel_data: channelData }));
    });
  });
  laravel.listen(0, "127.0.0.1");
  await once(laravel, "listening");
  if (process.env.HUB_TEST_REDIS === "1") redis = await startRedis();
  server = await startServer({
    env: {
      BROADCAST_AUTH_URL: `http://127.0.0.1:${laravel.address().port}/broadcasting/auth`,
      BROADCAST_API_KEY: API_KEY,
      ...(redis ? { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port) } : {}),
    },
  });
});

after(async () => {
  for (const c of closers) { try { c(); } catch { /* already closed */ } }
  if (server) await server.stop();
  if (laravel) laravel.close();
  if (redis) await redis.stop();
});

// An audio-room participant: a roomcast Socket.IO connection that joined.
async function participant(id, name, roomId) {
  const socket = await connect(server, `dev:${id}:${name}`);
  closers.push(() => socket.close());
  const ack = await request(socket, "room:join", { roomId });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  return socket;
}

function pusherEcho(user) {
  const echo = makeEcho(server, { user });
  closers.push(() => echo.disconnect());
  return echo;
}

async function sioEcho(id) {
  const echo = new Echo({
    broadcaster: "socket.io",
    host: server.url,
    client: io,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: { headers: { Authorization: `Bearer user-${id}` } },
    query: { token: `dev:${id}:Echo${id}` },
  });
  closers.push(() => echo.disconnect());
  const socket = echo.connector.socket;
  if (!socket.connected) await once(socket, "connect");
  return echo;
}

// Room ids are UUIDs.
const R1 = randomUUID(), R2 = randomUUID(), R3 = randomUUID(), R4 = randomUUID();

const byId = (users) => Object.fromEntries(users.map((u) => [String(u.id ?? u.name), u]));

test("Pusher Echo: here = the audio room's participants; joining/leaving follow the room", async () => {
  const alice = await participant(101, "Alice", R1);
  await participant(102, "Bob", R1);
  assert.deepEqual(await request(alice, "seat:take", { seat: 0 }), { ok: true, seat: 0 });

  const watcher = pusherEcho({ id: 199, info: { name: "Watcher" } });
  await echoConnected(watcher);
  let here = null;
  const joining = [];
  const leaving = [];
  watcher.join(`room.${R1}`).here((u) => { here = u; }).joining((u) => joining.push(u)).leaving((u) => leaving.push(u));
  await waitFor(() => here !== null, 5000, "here");
  const members = byId(here);
  assert.deepEqual(Object.keys(members).sort(), ["101", "102", "Watcher"]);
  // Alice was the first to join: the room's host, on seat 0.
  assert.deepEqual(members["101"], { id: "101", name: "Alice", avatarUrl: null, role: "host", seat: 0 });
  assert.deepEqual(members["102"], { id: "102", name: "Bob", avatarUrl: null, role: "member", seat: null });
  // The members' order on the wire too (the info is compared as text).
  assert.deepEqual(Object.keys(members["101"]), ["id", "name", "avatarUrl", "role", "seat"]);

  const carol = await participant(103, "Carol", R1);
  await waitFor(() => joining.length === 1, 5000, "joining");
  assert.equal(joining[0].name, "Carol");
  assert.equal(joining[0].role, "member");
  assert.deepEqual(await request(carol, "room:leave", {}), { ok: true });
  await waitFor(() => leaving.length === 1, 5000, "leaving");
  assert.equal(leaving[0].name, "Carol");

  // A user who is subscribed and then joins the audio room is one member
  // (first/last connection semantics): no joining, no leaving.
  const dave = pusherEcho({ id: 104, info: { name: "Dave (Laravel)" } });
  await echoConnected(dave);
  let daveHere = null;
  dave.join(`room.${R1}`).here((u) => { daveHere = u; });
  await waitFor(() => daveHere !== null && joining.length === 2, 5000, "dave subscribed");
  const daveAudio = await participant(104, "Dave", R1);
  assert.deepEqual(await request(daveAudio, "room:leave", {}), { ok: true });
  // A marker published after proves the order: nothing came before it.
  let marker = 0;
  watcher.join(`room.${R1}`).listen(".marker", () => marker++);
  const res = await pusherApi(server, "POST", "/apps/dev/events", { name: "marker", channel: `presence-room.${R1}`, data: "{}" });
  assert.equal(res.status, 200);
  await waitFor(() => marker === 1, 5000, "marker");
  assert.equal(joining.length, 2);
  assert.equal(leaving.length, 1);

  // The Pusher HTTP API lists the room's members as the channel's users.
  const users = await pusherApi(server, "GET", `/apps/dev/channels/presence-room.${R1}/users`);
  assert.deepEqual(users.body.users.map((u) => u.id).sort(), ["101", "102", "104", "199"]);
});

test("Socket.IO Echo (authorised by BROADCAST_AUTH_URL) sees the room members too", async () => {
  await participant(201, "Erin", R2);
  const echo = await sioEcho(299);
  let here = null;
  const joining = [];
  const leaving = [];
  echo.join(`room.${R2}`).here((u) => { here = u; }).joining((u) => joining.push(u)).leaving((u) => leaving.push(u));
  await waitFor(() => here !== null, 5000, "presence:subscribed");
  assert.deepEqual(here.map((u) => u.name).sort(), ["Erin", "laravel 299"]);
  const frank = await participant(202, "Frank", R2);
  await waitFor(() => joining.length === 1, 5000, "presence:joining");
  assert.equal(joining[0].name, "Frank");
  frank.close();
  // Frank was not seated: his dropped connection leaves the room at once.
  await waitFor(() => leaving.length === 1, 5000, "presence:leaving");
  assert.equal(leaving[0].name, "Frank");
  // A seated participant whose connection drops keeps the seat for the
  // grace period but is no longer present.
  const gil = await participant(203, "Gil", R2);
  await waitFor(() => joining.length === 2, 5000, "gil joining");
  assert.equal((await request(gil, "seat:take", {})).ok, true);
  gil.close();
  await waitFor(() => leaving.length === 2, 5000, "gil leaving");
  assert.equal(leaving[1].name, "Gil");
});

test("a broadcast to presence-room.{id} reaches the room's connections and its subscribers; toOthers() holds", async () => {
  const gina = await participant(301, "Gina", R3);
  const hank = await participant(302, "Hank", R3);
  const outsider = await participant(303, "Ivan", R4);
  const got = { gina: [], hank: [], outsider: [], echo: [] };
  gina.on("room.announcement", (d) => got.gina.push(d));
  hank.on("room.announcement", (d) => got.hank.push(d));
  outsider.on("room.announcement", (d) => got.outsider.push(d));
  const echo = pusherEcho({ id: 399, info: { name: "Judy" } });
  await echoConnected(echo);
  let subscribed = false;
  echo.join(`room.${R3}`).here(() => { subscribed = true; }).listen(".room.announcement", (d) => got.echo.push(d));
  await waitFor(() => subscribed, 5000, "subscribed");

  const res = await fetch(`${server.url}/api/broadcast`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-WebSocket-API-Key": API_KEY },
    body: JSON.stringify({ event: "room.announcement", to: "room", room_id: R3, data: { text: "hello" } }),
  });
  assert.deepEqual(await res.json(), { ok: true, delivered: 3 });
  await waitFor(() => got.gina.length === 1 && got.hank.length === 1 && got.echo.length === 1, 5000, "deliveries");
  assert.deepEqual(got.gina[0], { text: "hello" });
  assert.deepEqual(got.echo[0], { text: "hello" });

  // Pusher HTTP API with socket_id = the Echo client: the room still gets it.
  const api = await pusherApi(server, "POST", "/apps/dev/events", {
    name: "room.announcement", channel: `presence-room.${R3}`, data: JSON.stringify({ text: "again" }), socket_id: echo.socketId(),
  });
  assert.equal(api.status, 200);
  await waitFor(() => got.gina.length === 2 && got.hank.length === 2, 5000, "second delivery");
  assert.deepEqual(got.hank[1], { text: "again" });
  assert.equal(got.echo.length, 1);
  assert.equal(got.outsider.length, 0);
});

test("the daemon logged no GLib criticals or warnings from libraries", () => {
  assert.doesNotMatch(server.logs(), /CRITICAL|GLib-|GLib-GObject-|GLib-GIO-|libsoup-|Json-/);
});
