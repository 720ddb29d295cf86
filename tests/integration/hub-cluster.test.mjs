// The hub across nodes: three roomcastd on one real redis-server (distinct
// WORKER_IDs and ports). Whatever is published on one node reaches the
// subscribers of every node exactly once, whichever way it was published.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { startServer, waitFor, connect as sioConnect, TIME_SCALE } from "./lib/harness.mjs";
import { startRedis } from "./lib/redis.mjs";
import { DEV, hmacHex, rawClient, signChannel, pusherApi } from "./lib/pusher.mjs";

const API_KEY = "cluster-api-key-0123456789";
let redis;
let hooks; // the fake webhook receiver
const hookEvents = []; // every webhook event received, verified
let nodes = []; // [A, B, C]
const clients = [];

function nodeEnv(id) {
  return {
    REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), WORKER_ID: id,
    BROADCAST_API_KEY: API_KEY,
    WEBHOOK_URL: `http://127.0.0.1:${hooks.address().port}/pusher/webhook`,
  };
}

before(async () => {
  hooks = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      if (req.headers["x-pusher-signature"] === hmacHex(DEV.secret, body))
        hookEvents.push(...JSON.parse(body).events);
      res.writeHead(200);
      res.end();
    });
  });
  hooks.listen(0, "127.0.0.1");
  await once(hooks, "listening");
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
  if (hooks) { hooks.closeAllConnections(); hooks.close(); }
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
  return c.next((m) => m.event === "pusher_internal:subscription_succeeded" && m.channel === channel);
}

// Join presence `channel` as user `id`: resolves with the members it was given.
async function join(c, channel, id) {
  const ok = await subscribe(c, channel, JSON.stringify({ user_id: id, user_info: { name: `user ${id}` } }));
  return ok.data.presence;
}

const memberEvents = (c, channel, kind, id) => c.messages.filter((m) => m.event === `pusher_internal:member_${kind}` &&
  m.channel === channel && (id === undefined || m.data.user_id === id));

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

test("presence is cluster-wide: member_added once per user across nodes and tabs, member_removed with the last connection anywhere", async () => {
  const [A, B, C] = nodes;
  const ch = "presence-lobby";
  const observer = await connect(C);
  assert.deepEqual((await join(observer, ch, "9")).ids, ["9"]);

  const tab1 = await connect(A);
  const first = await join(tab1, ch, "1");
  assert.deepEqual([...first.ids].sort(), ["1", "9"]);
  assert.deepEqual(first.hash["9"], { name: "user 9" });
  await waitFor(() => memberEvents(observer, ch, "added", "1").length === 1, 5000, "member_added on C");

  const tab2 = await connect(B); // user 1's second tab, on another node
  assert.deepEqual([...(await join(tab2, ch, "1")).ids].sort(), ["1", "9"]);
  const two = await connect(B);
  await join(two, ch, "2");
  for (const c of [observer, tab1, tab2])
    await waitFor(() => memberEvents(c, ch, "added", "2").length === 1, 5000, "user 2 added everywhere");
  assert.equal(memberEvents(observer, ch, "added", "1").length, 1, "one member_added for two tabs");
  assert.equal(memberEvents(tab1, ch, "added", "1").length, 0, "nobody is told about themselves");

  // The cluster's view, asked of a node that holds only the observer.
  const info = await pusherApi(C, "GET", `/apps/dev/channels/${ch}`, undefined, { query: { info: "user_count,subscription_count" } });
  assert.deepEqual(info.body, { occupied: true, user_count: 3, subscription_count: 4 });
  const users = await pusherApi(C, "GET", `/apps/dev/channels/${ch}/users`);
  assert.deepEqual(users.body.users.map((u) => u.id), ["1", "2", "9"]);
  const list = await pusherApi(A, "GET", "/apps/dev/channels", undefined, { query: { filter_by_prefix: "presence-", info: "user_count" } });
  assert.deepEqual(list.body.channels[ch], { user_count: 3 });
  const online = await (await fetch(`${A.url}/api/users/online`, { headers: { "X-WebSocket-API-Key": API_KEY } })).json();
  for (const id of ["1", "2", "9"]) assert.ok(online.users.includes(id), `user ${id} online`);

  // One of user 1's tabs goes: still a member.
  tab1.ws.close();
  await waitFor(async () => (await pusherApi(C, "GET", `/apps/dev/channels/${ch}`, undefined,
    { query: { info: "subscription_count" } })).body.subscription_count === 3, 5000, "tab 1 gone");
  await pusherApi(A, "POST", "/apps/dev/events", { name: "marker", channel: ch, data: "{}" });
  await waitFor(() => count(observer, "marker") === 1, 5000, "marker");
  assert.equal(memberEvents(observer, ch, "removed", "1").length, 0, "user 1 still has a tab");

  // The last one goes: member_removed once, everywhere.
  tab2.ws.close();
  for (const c of [observer, two])
    await waitFor(() => memberEvents(c, ch, "removed", "1").length === 1, 5000, "user 1 removed");
  const after = await pusherApi(B, "GET", `/apps/dev/channels/${ch}/users`);
  assert.deepEqual(after.body.users.map((u) => u.id), ["2", "9"]);
});

test("a member on a node killed with SIGKILL is removed by the cluster", async () => {
  const [A] = nodes;
  const ch = "presence-doomed";
  const D = await startServer({ env: nodeEnv("d") });
  try {
    await waitFor(async () => (await (await fetch(`${D.url}/health`)).json()).hub_cluster === "subscribed", 10000, "D subscribed");
    const observer = await connect(A);
    await join(observer, ch, "9");
    const victim = await connect(D);
    await join(victim, ch, "5");
    await waitFor(() => memberEvents(observer, ch, "added", "5").length === 1, 5000, "user 5 added");
    const killedAt = Date.now();
    D.proc.kill("SIGKILL");
    await D.exited;
    // Documented bound: NODE_TTL_MS + SWEEP_MS = 8 s.
    await waitFor(() => memberEvents(observer, ch, "removed", "5").length === 1, 15000, "user 5 removed after the kill");
    console.log(`member_removed ${Date.now() - killedAt} ms after kill -9 (bound 8000 ms, time scale ${TIME_SCALE})`);
    const users = await pusherApi(A, "GET", `/apps/dev/channels/${ch}/users`);
    assert.deepEqual(users.body.users.map((u) => u.id), ["9"]);
    await waitFor(() => hookEvents.some((e) => e.name === "member_removed" && e.channel === ch && e.user_id === "5"),
      5000, "member_removed webhook");
  } finally {
    await D.stop("SIGKILL");
  }
});

test("webhooks are sent once for the cluster: occupied, member_added, vacated", async () => {
  const [A, B] = nodes;
  const ch = "presence-hooked";
  const a = await connect(A);
  const b = await connect(B);
  await join(a, ch, "1");
  await join(b, ch, "2");
  const b2 = await connect(B);
  await join(b2, ch, "2"); // a second tab
  for (const c of [a, b, b2]) c.ws.close();
  const of = (name) => hookEvents.filter((e) => e.name === name && e.channel === ch);
  await waitFor(() => of("channel_vacated").length >= 1 && of("member_removed").length >= 2, 5000, "vacated");
  // Let any duplicate arrive: a marker channel occupied and vacated later, by A then B.
  const m = await connect(A);
  await subscribe(m, "public-hook-marker");
  m.ws.close();
  await waitFor(() => hookEvents.some((e) => e.name === "channel_vacated" && e.channel === "public-hook-marker"), 5000, "marker");
  assert.equal(of("channel_occupied").length, 1);
  assert.equal(of("channel_vacated").length, 1);
  assert.deepEqual(of("member_added").map((e) => e.user_id).sort(), ["1", "2"]);
  assert.deepEqual(of("member_removed").map((e) => e.user_id).sort(), ["1", "2"]);
  // No order between the two: they may come from different nodes, each
  // posting its own batches (docs/laravel.md, several nodes).
});

test("a client event webhook is sent once, by the sender's node", async () => {
  const [A, B] = nodes;
  const a = await connect(A);
  const b = await connect(B);
  await subscribe(a, "private-hook-chat");
  await subscribe(b, "private-hook-chat");
  a.send("client-hello", { x: 1 }, "private-hook-chat");
  await waitFor(() => count(b, "client-hello") === 1, 5000, "delivered");
  a.ws.close();
  b.ws.close();
  await waitFor(() => hookEvents.some((e) => e.name === "channel_vacated" && e.channel === "private-hook-chat"), 5000, "vacated");
  assert.equal(hookEvents.filter((e) => e.name === "client_event" && e.channel === "private-hook-chat").length, 1);
});

test("after Redis lost the hub's state, each node writes its own back when it reconnects", async () => {
  const [A, B] = nodes;
  const ch = "presence-resync";
  const a = await connect(A);
  const b = await connect(B);
  await join(a, ch, "1");
  await join(b, ch, "2");
  const ids = async () => {
    const res = await pusherApi(A, "GET", `/apps/dev/channels/${ch}/users`);
    return res.status === 200 ? res.body.users.map((u) => u.id) : res.body;
  };
  assert.deepEqual(await ids(), ["1", "2"]);
  await redis.command("FLUSHDB");
  assert.deepEqual(await ids(), []);
  // The nodes' command connections drop (their subscriptions stay): each
  // reconnects, beats and writes what it holds.
  await redis.command("CLIENT", "KILL", "TYPE", "normal");
  await waitFor(async () => JSON.stringify(await ids()) === JSON.stringify(["1", "2"]), 15000, "members written back");
  const info = await pusherApi(B, "GET", `/apps/dev/channels/${ch}`, undefined, { query: { info: "subscription_count" } });
  assert.equal(info.body.subscription_count, 2);
});

test("PRESENCE_MAX_MEMBERS holds for the cluster's members, not one node's", async () => {
  const capped = { PRESENCE_MAX_MEMBERS: "2" };
  const [E, F] = await Promise.all(["e", "f"].map((id) => startServer({ env: { ...nodeEnv(id), ...capped } })));
  try {
    const ch = "presence-small";
    const e1 = await connect(E);
    const f2 = await connect(F);
    await join(e1, ch, "1");
    await join(f2, ch, "2");
    // E has one member of its own; the cluster has two: a third user is refused.
    const e3 = await connect(E);
    e3.send("pusher:subscribe", { channel: ch, auth: signChannel(e3.socketId, ch, JSON.stringify({ user_id: "3" })),
      channel_data: JSON.stringify({ user_id: "3" }) });
    const refused = await e3.next((m) => m.event === "pusher:subscription_error" && m.channel === ch);
    assert.equal(refused.data.status, 403);
    // A second tab of a member is not a new member.
    const f1 = await connect(F);
    assert.deepEqual([...(await join(f1, ch, "1")).ids].sort(), ["1", "2"]);
    const users = await pusherApi(E, "GET", `/apps/dev/channels/${ch}/users`);
    assert.deepEqual(users.body.users.map((u) => u.id), ["1", "2"]);
    const info = await pusherApi(E, "GET", `/apps/dev/channels/${ch}`, undefined, { query: { info: "subscription_count" } });
    assert.equal(info.body.subscription_count, 3, "the refused subscription is not counted");
  } finally {
    await E.stop();
    await F.stop();
  }
});

test("Socket.IO hub clients on another node: channel events, events to their user, online users", async () => {
  const [A, B, C] = nodes;
  const s = await sioConnect(C, "dev:77:Sid");
  try {
    const got = { tick: [], notice: [] };
    s.on("tick", (channel, data) => got.tick.push({ channel, data }));
    s.on("notice", (data) => got.notice.push(data));
    s.emit("subscribe", { channel: "public-sio" });
    await waitFor(async () => (await pusherApi(A, "GET", "/apps/dev/channels/public-sio", undefined,
      { query: { info: "subscription_count" } })).body.subscription_count === 1, 5000, "subscribed, as the cluster sees it");
    await pusherApi(A, "POST", "/apps/dev/events", { name: "tick", channel: "public-sio", data: JSON.stringify({ n: 1 }) });
    await broadcastApi(B, { event: "notice", to: "user", user_id: 77, data: { n: 2 } });
    await waitFor(() => got.tick.length === 1 && got.notice.length === 1, 5000, "both events on C");
    assert.deepEqual(got.tick[0], { channel: "public-sio", data: { n: 1 } });
    assert.deepEqual(got.notice[0], { n: 2 });
    const online = await (await fetch(`${A.url}/api/users/online`, { headers: { "X-WebSocket-API-Key": API_KEY } })).json();
    assert.ok(online.users.includes("77"), "a Socket.IO user of node C is online for node A");
  } finally {
    s.close();
  }
  await waitFor(async () => !(await (await fetch(`${A.url}/api/users/online`, { headers: { "X-WebSocket-API-Key": API_KEY } })).json())
    .users.includes("77"), 5000, "offline everywhere once gone");
});
