// The hub across nodes: three roomcastd on one real redis-server (distinct
// WORKER_IDs and ports). Whatever is published on one node reaches the
// subscribers of every node exactly once, whichever way it was published.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, waitFor } from "./lib/harness.mjs";
import { startRedis } from "./lib/redis.mjs";
import { DEV, hmacHex, rawClient, signChannel, pusherApi } from "./lib/pusher.mjs";

const API_KEY = "cluster-api-key-0123456789";
let redis;
let nodes = []; // [A, B, C]
const clients = [];

function nodeEnv(id) {
  return {
    REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), WORKER_ID: id,
    BROADCAST_API_KEY: API_KEY,
  };
}

before(async () => {
  redis = await startRedis();
  nodes = await Promise.all(["a", "b", "c"].map((id) => startServer({ env: nodeEnv(id) })));
  // Every node listens on the cluster channel before the tests publish.
  await Promise.all(nodes.map((n) => waitFor(async () => {
    const h = await (await fetch(`${n.url}/health`)).json();
    return h.hub_cluster === "subscribed";
  }, 10000, "hub_cluster subscribed")));
});

after(async () => {
  for (const c of clients) { try { c.ws.close(); } catch { /* closed */ } }
  for (const n of nodes) await n.stop();
  if (redis) await redis.stop();
});

async function connect(node) {
  const c = await rawClient(node);
  clients.push(c);
  const est = await c.next((m) => m.event === "pusher:connection_established");
  c.socketId = est.data.socket_id;
  return c;
}

async function subscribe(c, channel, channelData) {
  const auth = channel.startsWith("public") ? undefined : signChannel(c.socketId, channel, channelData);
  c.send("pusher:subscribe", { channel, auth, channel_data: channelData });
  await c.next((m) => m.event === "pusher_internal:subscription_succeeded" && m.channel === channel);
}

const count = (c, event, channel) => c.messages.filter((m) => m.event === event && (!channel || m.channel === channel)).length;

const broadcastApi = (node, body) => fetch(`${node.url}/api/broadcast`, {
  method: "POST",
  headers: { "Content-Type": "application/json", "X-WebSocket-API-Key": API_KEY },
  body: JSON.stringify(body),
});

test("an event published through any node reaches a subscriber on another node exactly once", async () => {
  const [A, B, C] = nodes;
  const sub = await connect(A);
  await subscribe(sub, "public-news");
  const other = await connect(C); // a second subscriber, on the publishing node
  await subscribe(other, "public-news");

  // Node B's Pusher HTTP API (one event, then a batch), node C's
  // /api/broadcast, and Laravel's Redis broadcaster (every node is
  // subscribed to it: each delivers to its own subscribers once).
  assert.equal((await pusherApi(B, "POST", "/apps/dev/events", { name: "via-api", channel: "public-news", data: JSON.stringify({ n: 1 }) })).status, 200);
  assert.equal((await pusherApi(B, "POST", "/apps/dev/batch_events", {
    batch: [{ name: "via-batch", channel: "public-news", data: "{}" }],
  })).status, 200);
  assert.equal((await broadcastApi(C, { event: "via-rest", to: "channel", channel: "public-news", data: { n: 2 } })).status, 200);
  await redis.command("PUBLISH", "laravel_database_public-news", JSON.stringify({ event: "via-laravel", data: { n: 3 }, socket: null }));

  const names = ["via-api", "via-batch", "via-rest", "via-laravel"];
  for (const c of [sub, other])
    await waitFor(() => names.every((e) => count(c, e) >= 1), 5000, "every event on every node");
  // Then one more event through each path; once these are in, any
  // duplicate of the first ones would have arrived too.
  await pusherApi(B, "POST", "/apps/dev/events", { name: "end-api", channel: "public-news", data: "{}" });
  await broadcastApi(C, { event: "end-rest", to: "channel", channel: "public-news", data: {} });
  await redis.command("PUBLISH", "laravel_database_public-news", JSON.stringify({ event: "end-laravel", data: {}, socket: null }));
  for (const c of [sub, other])
    await waitFor(() => ["end-api", "end-rest", "end-laravel"].every((e) => count(c, e) === 1), 5000, "the end markers");
  for (const c of [sub, other])
    for (const e of names) assert.equal(count(c, e), 1, `${e} once`);
  assert.deepEqual(sub.messages.find((m) => m.event === "via-api").data, { n: 1 });
  assert.deepEqual(sub.messages.find((m) => m.event === "via-rest").data, { n: 2 });
  assert.deepEqual(sub.messages.find((m) => m.event === "via-laravel").data, { n: 3 });
});

test("socket_id exclusion (toOthers()) holds across nodes", async () => {
  const [A, B] = nodes;
  const sender = await connect(A);
  const peer = await connect(A);
  await subscribe(sender, "public-x");
  await subscribe(peer, "public-x");
  await pusherApi(B, "POST", "/apps/dev/events", { name: "not-you", channel: "public-x", data: "{}", socket_id: sender.socketId });
  await pusherApi(B, "POST", "/apps/dev/events", { name: "end", channel: "public-x", data: "{}" });
  await waitFor(() => count(peer, "end") === 1 && count(sender, "end") === 1, 5000, "end");
  assert.equal(count(peer, "not-you"), 1);
  assert.equal(count(sender, "not-you"), 0);
});

test("client events cross nodes, once, never back to the sender", async () => {
  const [A, B, C] = nodes;
  const a = await connect(A);
  const b = await connect(B);
  const c = await connect(C);
  for (const x of [a, b, c]) await subscribe(x, "private-chat.1");
  a.send("client-typing", { who: "a" }, "private-chat.1");
  await waitFor(() => count(b, "client-typing") === 1 && count(c, "client-typing") === 1, 5000, "whisper on B and C");
  b.send("client-typing", { who: "b" }, "private-chat.1");
  await waitFor(() => count(a, "client-typing") === 1 && count(c, "client-typing") === 2, 5000, "B's whisper");
  assert.equal(count(b, "client-typing"), 1, "B did not get its own");
  assert.deepEqual(b.messages.find((m) => m.event === "client-typing").data, { who: "a" });
});

function signUser(socketId, userData) {
  return `${DEV.key}:${hmacHex(DEV.secret, `${socketId}::user::${userData}`)}`;
}

async function signin(c, id) {
  const userData = JSON.stringify({ id: String(id) });
  c.send("pusher:signin", { auth: signUser(c.socketId, userData), user_data: userData });
  await c.next((m) => m.event === "pusher:signin_success");
}

test("user-targeted events and terminate_connections reach the user on another node", async () => {
  const [A, B, C] = nodes;
  const u1 = await connect(A);
  const u2 = await connect(C);
  const stranger = await connect(A);
  await signin(u1, 42);
  await signin(u2, 42);
  await signin(stranger, 43);
  await pusherApi(B, "POST", "/apps/dev/events", { name: "invoice.paid", channel: "#server-to-user-42", data: JSON.stringify({ amount: 5 }) });
  await broadcastApi(B, { event: "notice", to: "user", user_id: "42", data: { x: 1 } });
  await waitFor(() => [u1, u2].every((c) => count(c, "invoice.paid") === 1 && count(c, "notice") === 1), 5000, "both connections of user 42");
  assert.equal(count(stranger, "invoice.paid") + count(stranger, "notice"), 0);

  assert.equal((await pusherApi(B, "POST", "/apps/dev/users/42/terminate_connections", {})).status, 200);
  await waitFor(() => u1.closed && u2.closed, 5000, "user 42's connections closed on A and C");
  assert.equal(stranger.closed, null);
});
