// Rooms are owned by the app (ROOM_OWNERSHIP, docs/security.md#rooms-and-their-owners),
// against the strict fake Laravel and a real redis-server: with laravel a
// room opens only when its first status call says Laravel knows it, hosted
// by the owner Laravel (or room:owner:{id}) names; with pinned only pinned
// rooms open (Redis or POST /admin/rooms); open (--dev) is the old rule. A
// failed lookup refuses the join; /metrics names no room; one user opens at
// most ROOM_CREATE_RATE_LIMIT_PER_MINUTE rooms a minute; an empty room
// nobody sat in closes at once.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startServer, connect, request, waitFor } from "./lib/harness.mjs";
import { startFakeLaravel } from "./lib/fake-laravel.mjs";
import { startRedis } from "./lib/redis.mjs";

const KEY = "internal-key-for-ownership-tests-0123456789";
const ADMIN_KEY = "admin-key-for-ownership-tests-0123";
const JWT_SECRET = "jwt-secret-for-ownership-tests-0123456789";
const roomId = (n) => `0e000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const statusPath = (id) => `/api/v1/internal/rooms/${id}/status`;

async function admin(server, method, path, { key = ADMIN_KEY, body } = {}) {
  const headers = {};
  if (key !== null) headers["X-Internal-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${server.url}${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : null };
}

async function openRooms(server) {
  return (await admin(server, "GET", "/admin/rooms")).body.rooms.map((r) => r.id);
}

// Nothing in this file may make the daemon log a critical (a GLib check).
function assertNoCritical(server) {
  assert.doesNotMatch(server.logs(), / CRIT /);
}

function jwt(sub) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, name: `User ${sub}`, exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${input}.${createHmac("sha256", JWT_SECRET).update(input).digest("base64url")}`;
}

describe("ROOM_OWNERSHIP=laravel (the default with LARAVEL_API_URL)", () => {
  let laravel, redis, server;
  const sockets = [];
  let nextUser = 500;

  // A Laravel user with a Sanctum-style token, connected.
  async function user() {
    const id = nextUser++;
    const token = `${id}|tok${"x".repeat(36)}`;
    await laravel.addUser({ id, name: `User ${id}`, email: `u${id}@example.com` });
    await laravel.addToken(token, id);
    const socket = await connect(server, token);
    sockets.push(socket);
    return { id: String(id), socket };
  }

  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY }), startRedis()]);
    server = await startServer({
      args: [],
      env: { LARAVEL_API_URL: laravel.url, LARAVEL_INTERNAL_KEY: KEY, ADMIN_API_KEY: ADMIN_KEY,
             LARAVEL_TIMEOUT_MS: "2000", REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port),
             MEDIA_ENABLED: "false" },
    });
    await server.waitForLog(/ROOM_OWNERSHIP=laravel/);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    if (server) assertNoCritical(server);
    await laravel?.stop();
    await redis?.destroy();
  });

  test("a room Laravel does not know: room_not_found, and nothing is created", async () => {
    const id = roomId(1);
    const { socket } = await user();
    const ack = await request(socket, "room:join", { roomId: id });
    assert.equal(ack.ok, false);
    assert.equal(ack.error.code, "room_not_found");
    assert.deepEqual(await openRooms(server), []);
    assert.equal(await redis.command("EXISTS", `room:state:${id}`), 0);
    // Laravel was asked once (the first status call), and nothing else.
    const calls = await laravel.calls(statusPath(id));
    assert.equal(calls.length, 1);
    assert.deepEqual(JSON.parse(calls[0].body), { is_live: true, participant_count: 0 });
    assert.equal(calls[0].status, 404);
    // The socket is in no room.
    assert.equal((await request(socket, "chat:send", { text: "hi" })).error.code, "not_in_room");
  });

  test("owner_id in the status answer: that user hosts, the first joiner does not", async () => {
    const id = roomId(2);
    const owner = await user();
    const guest = await user();
    await laravel.addRoom(id, Number(owner.id));
    const first = await request(guest.socket, "room:join", { roomId: id });
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(first.room.hostId, owner.id);
    assert.equal(first.you.role, "member");
    assert.equal((await request(guest.socket, "room:update", { title: "mine" })).error.code, "forbidden");
    const second = await request(owner.socket, "room:join", { roomId: id });
    assert.equal(second.you.role, "host");
    assert.deepEqual(await openRooms(server), [id]);
    // The question was the room's "created" update; the counts follow it.
    await waitFor(async () => (await laravel.getRoom(id)).room.participant_count === 2, 5000, "count 2");
    const bodies = (await laravel.getRoom(id)).updates.map((u) => u.body);
    assert.deepEqual(bodies[0], { is_live: true, participant_count: 0 });
    assert.equal(bodies.filter((b) => b.is_live && b.participant_count === 0).length, 1, JSON.stringify(bodies));
  });

  test("Laravel names no owner: room:owner:{id} in Redis does, else nobody hosts", async () => {
    const pinned = roomId(3), ownerless = roomId(4);
    const owner = await user();
    const guest = await user();
    await laravel.addRoom(pinned);
    await laravel.addRoom(ownerless);
    await redis.command("SET", `room:owner:${pinned}`, owner.id);
    const a = await request(guest.socket, "room:join", { roomId: pinned });
    assert.equal(a.room.hostId, owner.id);
    assert.equal(a.you.role, "member");
    const other = await user();
    const b = await request(other.socket, "room:join", { roomId: ownerless });
    assert.equal(b.ok, true);
    assert.equal(b.room.hostId, null);
    assert.equal(b.you.role, "member");
    await server.waitForLog(/Laravel knows room .* but names no owner/);
  });

  test("Laravel failing: the join is refused, never hosted by the first joiner", async () => {
    const id = roomId(5);
    const { socket } = await user();
    await laravel.addRoom(id);
    await laravel.fault({ path: statusPath(id), count: 1, status: 503 });
    const refused = await request(socket, "room:join", { roomId: id });
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, "internal");
    assert.ok(!(await openRooms(server)).includes(id));
    await server.waitForLog(/cannot ask Laravel whether room .* exists/);
    // Once Laravel answers again, the same join works.
    const ok = await request(socket, "room:join", { roomId: id });
    assert.equal(ok.ok, true, JSON.stringify(ok));
  });

  test("/metrics names no room; /admin/metrics is behind the key", async () => {
    const id = roomId(6);
    const { socket } = await user();
    await laravel.addRoom(id);
    assert.equal((await request(socket, "room:join", { roomId: id })).ok, true);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.ok((await openRooms(server)).includes(id), "the room is open");
    assert.ok(!metrics.includes(id), "/metrics names the room");
    for (const open of await openRooms(server)) assert.ok(!metrics.includes(open), `/metrics names ${open}`);
    assert.match(metrics, /roomcast_room_errors_total\{code="room_not_found"\} 1/);
    assert.equal((await admin(server, "GET", "/admin/metrics", { key: null })).status, 403);
    const adminMetrics = await admin(server, "GET", "/admin/metrics");
    assert.equal(adminMetrics.status, 200);
    assert.ok(adminMetrics.text.startsWith("# HELP"));
  });

  test("Laravel unreachable: joins that would open a room are refused", async () => {
    const down = await startServer({
      args: [],
      env: { AUTH_PROVIDER: "jwt", JWT_SECRET, LARAVEL_API_URL: "http://127.0.0.1:9",
             LARAVEL_INTERNAL_KEY: KEY, REDIS_HOST: "", MEDIA_ENABLED: "false" },
    });
    try {
      const socket = await connect(down, jwt("41"));
      const ack = await request(socket, "room:join", { roomId: roomId(7) });
      assert.equal(ack.error.code, "internal");
      socket.close();
    } finally {
      await down.stop();
    }
  });
});

describe("ROOM_OWNERSHIP=pinned (the default without Laravel)", () => {
  let redis, server;
  const sockets = [];

  async function user(id) {
    const socket = await connect(server, jwt(id));
    sockets.push(socket);
    return socket;
  }

  before(async () => {
    redis = await startRedis();
    server = await startServer({
      args: [],
      env: { AUTH_PROVIDER: "jwt", JWT_SECRET, ADMIN_API_KEY: ADMIN_KEY, REDIS_HOST: "127.0.0.1",
             REDIS_PORT: String(redis.port), MEDIA_ENABLED: "false" },
    });
    await server.waitForLog(/ROOM_OWNERSHIP=pinned/);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    if (server) assertNoCritical(server);
    await redis?.destroy();
  });

  test("a room nobody pinned: room_not_found, nothing created", async () => {
    const socket = await user("11");
    const ack = await request(socket, "room:join", { roomId: roomId(11) });
    assert.equal(ack.error.code, "room_not_found");
    assert.deepEqual(await openRooms(server), []);
    assert.equal(await redis.command("EXISTS", `room:state:${roomId(11)}`), 0);
  });

  test("pinned through Redis: the room opens, hosted by its owner", async () => {
    const id = roomId(12);
    await redis.command("SET", `room:owner:${id}`, "7");
    const guest = await user("8");
    const first = await request(guest, "room:join", { roomId: id });
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(first.room.hostId, "7");
    assert.equal(first.you.role, "member");
    const owner = await user("7");
    assert.equal((await request(owner, "room:join", { roomId: id })).you.role, "host");
  });

  test("pinned through POST /admin/rooms, and unpinned", async () => {
    const id = roomId(13);
    assert.equal((await admin(server, "POST", "/admin/rooms", { key: null, body: { id, ownerId: "9" } })).status, 403);
    const bad = await admin(server, "POST", "/admin/rooms", { body: { id: "not-a-uuid", ownerId: "9" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "invalid_payload");
    const pin = await admin(server, "POST", "/admin/rooms", { body: { id, ownerId: 9 } });
    assert.equal(pin.status, 200);
    assert.deepEqual(pin.body, { ok: true, roomId: id, ownerId: "9", open: false });
    assert.equal(await redis.command("GET", `room:owner:${id}`), "9");
    const guest = await user("10");
    const joined = await request(guest, "room:join", { roomId: id });
    assert.equal(joined.room.hostId, "9");
    // Nobody sat down: leaving closes the room at once; unpinned, it cannot open again.
    assert.equal((await request(guest, "room:leave")).ok, true);
    await waitFor(async () => !(await openRooms(server)).includes(id), 2000, "the room to close");
    const unpin = await admin(server, "POST", "/admin/rooms", { body: { id, ownerId: null } });
    assert.deepEqual(unpin.body, { ok: true, roomId: id, ownerId: null, open: false });
    assert.equal((await request(guest, "room:join", { roomId: id })).error.code, "room_not_found");
  });

  test("Redis down: the join is refused, never hosted by the first joiner", async () => {
    const id = roomId(14);
    const socket = await user("15");
    await redis.stop();
    try {
      await waitFor(async () => (await (await fetch(`${server.url}/health`)).json()).redis !== "connected", 5000, "redis down");
      const ack = await request(socket, "room:join", { roomId: id });
      assert.equal(ack.error.code, "internal");
      assert.deepEqual((await openRooms(server)).filter((r) => r === id), []);
    } finally {
      await redis.restart();
    }
  });
});

describe("ROOM_OWNERSHIP=open (the default with --dev)", () => {
  let server;
  const sockets = [];

  async function user(token) {
    const socket = await connect(server, token);
    sockets.push(socket);
    return socket;
  }

  before(async () => {
    server = await startServer({ env: { ROOM_CREATE_RATE_LIMIT_PER_MINUTE: "3", ROOM_GRACE_PERIOD_S: "30",
                                        MEDIA_ENABLED: "false" } });
    await server.waitForLog(/ROOM_OWNERSHIP=open/);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    if (server) assertNoCritical(server);
  });

  test("the first joiner hosts, as before", async () => {
    const alice = await user("dev:21:Alice");
    const ack = await request(alice, "room:join", { roomId: roomId(21) });
    assert.equal(ack.room.hostId, "21");
    assert.equal(ack.you.role, "host");
    assert.equal((await request(alice, "room:leave")).ok, true);
  });

  test("an empty room nobody sat in closes at once; one someone sat in waits", async () => {
    const bob = await user("dev:22:Bob");
    assert.equal((await request(bob, "room:join", { roomId: roomId(22) })).ok, true);
    assert.equal((await request(bob, "room:leave")).ok, true);
    // Well within ROOM_GRACE_PERIOD_S (30 s).
    await waitFor(async () => !(await openRooms(server)).includes(roomId(22)), 2000, "the room to close");
    const carol = await user("dev:23:Carol");
    assert.equal((await request(carol, "room:join", { roomId: roomId(23) })).ok, true);
    assert.equal((await request(carol, "seat:take", {})).ok, true);
    assert.equal((await request(carol, "room:leave")).ok, true);
    assert.ok((await openRooms(server)).includes(roomId(23)), "a room someone sat in waits for the grace period");
  });

  test("one user opens at most ROOM_CREATE_RATE_LIMIT_PER_MINUTE rooms a minute", async () => {
    const dave = await user("dev:24:Dave");
    for (const n of [31, 32, 33])
      assert.equal((await request(dave, "room:join", { roomId: roomId(n) })).ok, true);
    const refused = await request(dave, "room:join", { roomId: roomId(34) });
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, "rate_limited");
    assert.ok(refused.error.retryAfterMs > 0 && refused.error.retryAfterMs <= 60000, refused.error.retryAfterMs);
    // Nobody else is affected, and joining a room that is open costs nothing.
    const erin = await user("dev:25:Erin");
    assert.equal((await request(erin, "room:join", { roomId: roomId(34) })).ok, true);
    assert.equal((await request(dave, "room:join", { roomId: roomId(34) })).ok, true);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /roomcast_rate_limit_total\{bucket="room_create",result="limited"\} 1/);
    // Dave's earlier rooms (nobody sat in them) closed as he moved on.
    assert.deepEqual((await openRooms(server)).filter((r) => [31, 32, 33].map(roomId).includes(r)), []);
  });
});
