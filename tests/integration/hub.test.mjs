// The realtime hub against the real pusher-js and laravel-echo, and a real
// redis-server as Laravel's Redis broadcaster.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, waitFor } from "./lib/harness.mjs";
import { startRedis } from "./lib/redis.mjs";
import { DEV, makeEcho, echoConnected, rawClient, signChannel, pusherApi } from "./lib/pusher.mjs";

let server;
let redis;
const closers = [];

before(async () => {
  redis = await startRedis();
  server = await startServer({ env: { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port) } });
  await server.waitForLog(/Redis subscriber .* subscribed to laravel_database_\*/);
});

after(async () => {
  for (const c of closers) { try { c(); } catch { /* already closed */ } }
  if (server) await server.stop();
  if (redis) await redis.destroy();
});

function echoFor(opts) {
  const echo = makeEcho(server, opts);
  closers.push(() => echo.disconnect());
  return echo;
}

async function rawFor(...args) {
  const c = await rawClient(server, ...args);
  closers.push(() => c.ws.close());
  return c;
}

const publish = (channel, payload) => redis.command("PUBLISH", `laravel_database_${channel}`, JSON.stringify(payload));

test("connection_established carries a socket id and the activity timeout; ping gets pong", async () => {
  const c = await rawFor();
  const est = await c.next((m) => m.event === "pusher:connection_established");
  assert.match(est.data.socket_id, /^\d+\.\d+$/);
  assert.equal(est.data.activity_timeout, 120);
  c.send("pusher:ping", {});
  await c.next((m) => m.event === "pusher:pong");
});

test("an unknown app key gets 4001 and is closed", async () => {
  const c = await rawFor("nope");
  const err = await c.next((m) => m.event === "pusher:error");
  assert.equal(err.data.code, 4001);
  await waitFor(() => c.closed !== null, 5000, "close");
  assert.equal(c.closed.code, 4001);
});

test("an unsupported protocol version gets 4007", async () => {
  const c = await rawFor(DEV.key, "?protocol=3");
  const err = await c.next((m) => m.event === "pusher:error");
  assert.equal(err.data.code, 4007);
  await waitFor(() => c.closed !== null, 5000, "close");
  assert.equal(c.closed.code, 4007);
});

test("a bad signature and a bad channel name are refused", async () => {
  const c = await rawFor();
  const est = await c.next((m) => m.event === "pusher:connection_established");
  const good = signChannel(est.data.socket_id, "private-orders.1");
  c.send("pusher:subscribe", { channel: "private-orders.1", auth: good.slice(0, -2) + "00" });
  const err = await c.next((m) => m.event === "pusher:error");
  assert.equal(err.data.code, 4009);
  await c.next((m) => m.event === "pusher:subscription_error" && m.channel === "private-orders.1");
  c.send("pusher:subscribe", { channel: "private-orders.1", auth: signChannel("1.2", "private-orders.1") });
  c.send("pusher:subscribe", { channel: "bad channel!" });
  await waitFor(() => c.messages.filter((m) => m.event === "pusher:error").length >= 3, 5000, "3 errors");
  assert.equal(c.messages.some((m) => m.event === "pusher_internal:subscription_succeeded"), false);
  c.send("pusher:subscribe", { channel: "private-orders.1", auth: good });
  await c.next((m) => m.event === "pusher_internal:subscription_succeeded" && m.channel === "private-orders.1");
});

test("Echo: public and private channels get Laravel's Redis broadcasts; toOthers() skips the sender", async () => {
  const a = echoFor({});
  const b = echoFor({});
  const aId = await echoConnected(a);
  await echoConnected(b);
  const got = { a: [], b: [], pub: [] };
  let subs = 0;
  a.private("user.1").listen("MessageSent", (e) => got.a.push(e)).subscribed(() => subs++);
  b.private("user.1").listen("MessageSent", (e) => got.b.push(e)).subscribed(() => subs++);
  a.channel("news").listen(".news.posted", (e) => got.pub.push(e)).subscribed(() => subs++);
  await waitFor(() => subs === 3, 5000, "subscriptions");

  await publish("private-user.1", { event: "App\\Events\\MessageSent", data: { text: "hi", n: 1 }, socket: null });
  await publish("news", { event: "news.posted", data: { title: "t" }, socket: null });
  await waitFor(() => got.a.length === 1 && got.b.length === 1 && got.pub.length === 1, 5000, "deliveries");
  assert.deepEqual(got.a[0], { text: "hi", n: 1 });
  assert.deepEqual(got.pub[0], { title: "t" });

  await publish("private-user.1", { event: "App\\Events\\MessageSent", data: { n: 2 }, socket: aId });
  await publish("private-user.1", "not an object");
  await publish("private-user.1", { event: "App\\Events\\MessageSent", data: { n: 3 }, socket: null });
  await waitFor(() => got.b.length === 3, 5000, "b gets n=2 and n=3");
  await waitFor(() => got.a.length === 2, 5000, "a gets n=3");
  assert.deepEqual(got.a.map((e) => e.n), [1, 3]);
  assert.match(server.logs(), /dropped: not a JSON object/);
});

test("Echo presence: here, joining, leaving (first connection and last disconnection)", async () => {
  const alice = echoFor({ user: { id: 1, info: { name: "Alice" } } });
  const bob = echoFor({ user: { id: 2, info: { name: "Bob" } } });
  const bob2 = echoFor({ user: { id: 2, info: { name: "Bob" } } });
  await Promise.all([echoConnected(alice), echoConnected(bob), echoConnected(bob2)]);
  let here = null;
  const joining = [];
  const leaving = [];
  alice.join("room.7").here((u) => { here = u; }).joining((u) => joining.push(u)).leaving((u) => leaving.push(u));
  await waitFor(() => here !== null, 5000, "here");
  assert.deepEqual(here, [{ name: "Alice" }]);

  let bobHere = null;
  bob.join("room.7").here((u) => { bobHere = u; });
  await waitFor(() => joining.length === 1 && bobHere !== null, 5000, "joining");
  assert.deepEqual(joining[0], { name: "Bob" });
  assert.equal(bobHere.length, 2);
  let bob2Here = null;
  bob2.join("room.7").here((u) => { bob2Here = u; });
  await waitFor(() => bob2Here !== null, 5000, "bob2 here");
  bob.leave("room.7");
  // Bob still has a connection: no leaving yet; a marker event proves ordering.
  let marker = 0;
  alice.join("room.7").listen(".marker", () => marker++);
  await publish("presence-room.7", { event: "marker", data: {}, socket: null });
  await waitFor(() => marker === 1, 5000, "marker");
  assert.equal(leaving.length, 0);
  assert.equal(joining.length, 1);
  bob2.disconnect();
  await waitFor(() => leaving.length === 1, 5000, "leaving");
  assert.deepEqual(leaving[0], { name: "Bob" });
});

test("Echo whisper (client-typing) reaches the other client only; public channels refuse client events", async () => {
  const a = echoFor({});
  const b = echoFor({});
  await Promise.all([echoConnected(a), echoConnected(b)]);
  const seen = { a: [], b: [] };
  let subs = 0;
  a.private("chat.9").listenForWhisper("typing", (e) => seen.a.push(e)).subscribed(() => subs++);
  b.private("chat.9").listenForWhisper("typing", (e) => seen.b.push(e)).subscribed(() => subs++);
  await waitFor(() => subs === 2, 5000, "subscribed");
  a.private("chat.9").whisper("typing", { name: "A" });
  await waitFor(() => seen.b.length === 1, 5000, "whisper");
  assert.deepEqual(seen.b[0], { name: "A" });
  assert.equal(seen.a.length, 0);

  const raw = await rawFor();
  await raw.next((m) => m.event === "pusher:connection_established");
  raw.send("pusher:subscribe", { channel: "public-x" });
  await raw.next((m) => m.event === "pusher_internal:subscription_succeeded");
  raw.send("client-x", { a: 1 }, "public-x");
  const err = await raw.next((m) => m.event === "pusher:error");
  assert.equal(err.data.code, 4009);
});

test("a client-event flood gets 4301 beyond 10 per second", async () => {
  const c = await rawFor();
  const est = await c.next((m) => m.event === "pusher:connection_established");
  c.send("pusher:subscribe", { channel: "private-flood", auth: signChannel(est.data.socket_id, "private-flood") });
  await c.next((m) => m.event === "pusher_internal:subscription_succeeded");
  for (let i = 0; i < 15; i++) c.send("client-spam", { i }, "private-flood");
  const err = await c.next((m) => m.event === "pusher:error" && m.data.code === 4301);
  assert.match(err.data.message, /rate limit/);
  assert.equal(c.closed, null);
});

test("delivery resumes after a Redis restart", async () => {
  const a = echoFor({});
  await echoConnected(a);
  const got = [];
  let ok = false;
  a.channel("resume").listen(".ping", (e) => got.push(e)).subscribed(() => { ok = true; });
  await waitFor(() => ok, 5000, "subscribed");
  await redis.restart();
  // Publish until the resubscribed hub delivers (condition, not a sleep).
  await waitFor(async () => {
    await publish("resume", { event: "ping", data: { n: 1 }, socket: null });
    return got.length > 0;
  }, 15000, "delivery after restart");
});

// Redis drops the subscriber's connection (as on client-output-buffer-limit
// or an operator's CLIENT KILL): the daemon notices, counts it, connects and
// subscribes again, and Laravel's broadcasts reach the clients again.
test("delivery resumes after Redis kills the subscription (CLIENT KILL TYPE pubsub)", async () => {
  const metric = async (name) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const m = text.match(new RegExp(`^${name} (\\d+)$`, "m"));
    return m ? Number(m[1]) : 0;
  };
  const health = async () => (await (await fetch(`${server.url}/health`)).json()).broadcast_redis;
  const a = echoFor({});
  await echoConnected(a);
  const got = [];
  let ok = false;
  a.channel("killed").listen(".ping", (e) => got.push(e)).subscribed(() => { ok = true; });
  await waitFor(() => ok, 5000, "subscribed");
  assert.equal(await health(), "subscribed");
  const lost = await metric("roomcast_hub_redis_disconnects_total");

  // Every subscriber connection goes: the hub's, and the gift outcomes' (src/gifts).
  assert.ok(await redis.command("CLIENT", "KILL", "TYPE", "pubsub") >= 1);
  await waitFor(async () => (await metric("roomcast_hub_redis_disconnects_total")) === lost + 1,
    5000, "the lost subscription counted");
  await waitFor(async () => (await health()) === "subscribed", 5000, "subscribed again");
  assert.equal(await publish("killed", { event: "ping", data: { n: 1 }, socket: null }), 1);
  await waitFor(() => got.length === 1, 5000, "delivery after CLIENT KILL");
  assert.deepEqual(got[0], { n: 1 });
});

test("the Echo 'reverb' broadcaster works too", async () => {
  const r = echoFor({ broadcaster: "reverb" });
  await echoConnected(r);
  let ok = false;
  const got = [];
  r.private("orders.5").listen(".shipped", (e) => got.push(e)).subscribed(() => { ok = true; });
  await waitFor(() => ok, 5000, "subscribed");
  await publish("private-orders.5", { event: "shipped", data: { id: 5 }, socket: null });
  await waitFor(() => got.length === 1, 5000, "delivery");
  assert.deepEqual(got[0], { id: 5 });
  assert.equal(DEV.key, "dev-key");
});

test("Pusher HTTP API: signed events are delivered (socket_id excluded); bad signatures and stale timestamps are refused", async () => {
  const a = echoFor({ user: { id: 11 } });
  const b = echoFor({ user: { id: 12 } });
  const aId = await echoConnected(a);
  await echoConnected(b);
  const got = { a: [], b: [] };
  let subs = 0;
  a.join("api.1").listen(".order.shipped", (e) => got.a.push(e)).here(() => subs++);
  b.join("api.1").listen(".order.shipped", (e) => got.b.push(e)).here(() => subs++);
  await waitFor(() => subs === 2, 5000, "joined");

  const ok = await pusherApi(server, "POST", `/apps/${DEV.id}/events`,
    { name: "order.shipped", channels: ["presence-api.1"], data: JSON.stringify({ id: 1 }) });
  assert.equal(ok.status, 200);
  await waitFor(() => got.a.length === 1 && got.b.length === 1, 5000, "api delivery");
  assert.deepEqual(got.a[0], { id: 1 });

  const others = await pusherApi(server, "POST", `/apps/${DEV.id}/batch_events`,
    { batch: [{ name: "order.shipped", channel: "presence-api.1", data: "{\"id\":2}", socket_id: aId }] });
  assert.equal(others.status, 200);
  await waitFor(() => got.b.length === 2, 5000, "batch delivery");
  assert.equal(got.a.length, 1);

  const bad = await pusherApi(server, "POST", `/apps/${DEV.id}/events`,
    { name: "x", channels: ["presence-api.1"], data: "{}" }, { tamper: true });
  assert.equal(bad.status, 401);
  const stale = await pusherApi(server, "POST", `/apps/${DEV.id}/events`,
    { name: "x", channels: ["presence-api.1"], data: "{}" }, { timestamp: Math.floor(Date.now() / 1000) - 700 });
  assert.equal(stale.status, 401);
  assert.match(stale.body.error.message, /auth_timestamp/);
  const wrongSecret = await pusherApi(server, "GET", `/apps/${DEV.id}/channels`, undefined,
    { app: { ...DEV, secret: "nope" } });
  assert.equal(wrongSecret.status, 401);

  const channels = await pusherApi(server, "GET", `/apps/${DEV.id}/channels`, undefined,
    { query: { filter_by_prefix: "presence-", info: "user_count" } });
  assert.equal(channels.status, 200);
  assert.deepEqual(channels.body.channels["presence-api.1"], { user_count: 2 });
  const one = await pusherApi(server, "GET", `/apps/${DEV.id}/channels/presence-api.1`, undefined,
    { query: { info: "user_count,subscription_count" } });
  assert.deepEqual(one.body, { occupied: true, user_count: 2, subscription_count: 2 });
  const users = await pusherApi(server, "GET", `/apps/${DEV.id}/channels/presence-api.1/users`);
  assert.deepEqual(users.body, { users: [{ id: "11" }, { id: "12" }] });

  const badBody = await pusherApi(server, "POST", `/apps/${DEV.id}/events`, { name: "x", channels: ["a b"], data: "{}" });
  assert.equal(badBody.status, 400);
  const notString = await pusherApi(server, "POST", `/apps/${DEV.id}/events`, { name: "x", channel: "c", data: { a: 1 } });
  assert.equal(notString.status, 400);
  const otherApp = await pusherApi(server, "GET", "/apps/other/channels");
  assert.equal(otherApp.status, 404);

  const term = await pusherApi(server, "POST", `/apps/${DEV.id}/users/12/terminate_connections`, {});
  assert.equal(term.status, 200);
  await waitFor(() => b.connector.pusher.connection.state !== "connected", 5000, "terminated");
  assert.equal(a.connector.pusher.connection.state, "connected");
});

test("the daemon logged no GLib criticals or warnings from libraries", () => {
  assert.doesNotMatch(server.logs(), /CRITICAL|GLib-|GLib-GObject-|GLib-GIO-|libsoup-|Json-/);
});
