// The admin HTTP API (/admin/...) against a real daemon and real socket.io
// clients: the key (ADMIN_API_KEY or LARAVEL_INTERNAL_KEY, X-Internal-Key),
// list/detail/close/kick with their effects on the clients, 404/405/400, and
// the dev-mode and disabled cases. The key comparison itself is constant
// time (hashes compared with an OR of XORs: src/services/admin-api.c).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, connect, request, next, waitFor } from "./lib/harness.mjs";

const ADMIN_KEY = "admin-key-for-tests-0123456789";
const LARAVEL_KEY = "laravel-internal-key-for-admin-tests-0123456789";
const roomId = (n) => `ad000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

async function admin(server, method, path, { key = ADMIN_KEY, body } = {}) {
  const headers = {};
  if (key !== null) headers["X-Internal-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${server.url}${path}`, {
    method, headers, body: body === undefined ? undefined : (typeof body === "string" ? body : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function joined(server, token, room) {
  const socket = await connect(server, token);
  const ack = await request(socket, "room:join", { roomId: room });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  return socket;
}

describe("admin API with keys", () => {
  let server;
  const sockets = [];
  before(async () => {
    server = await startServer({ env: { ADMIN_API_KEY: ADMIN_KEY, LARAVEL_INTERNAL_KEY: LARAVEL_KEY } });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
  });

  test("no key and a wrong key: 403 forbidden; both configured keys work; keys never logged", async () => {
    for (const key of [null, "", "wrong", ADMIN_KEY + "x", ADMIN_KEY.slice(0, -1)]) {
      const res = await admin(server, "GET", "/admin/rooms", { key });
      assert.equal(res.status, 403, `key ${key}`);
      assert.equal(res.body.error.code, "forbidden");
    }
    assert.equal((await admin(server, "POST", `/admin/rooms/${roomId(9)}/close`, { key: "wrong" })).status, 403);
    assert.equal((await admin(server, "GET", "/admin/rooms")).status, 200);
    assert.equal((await admin(server, "GET", "/admin/rooms", { key: LARAVEL_KEY })).status, 200);
    assert.ok(!server.logs().includes(ADMIN_KEY), "the admin key is in the log");
    assert.ok(!server.logs().includes(LARAVEL_KEY), "the Laravel key is in the log");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /roomcast_admin_requests_total\{endpoint="other",status="403"\} \d+/);
    assert.match(metrics, /roomcast_admin_requests_total\{endpoint="rooms",status="200"\} 2/);
  });

  test("list and detail show participants, roles, seats and seat mode", async () => {
    const room = roomId(1);
    const host = await joined(server, "dev:201:Hana", room);
    const guest = await joined(server, "dev:202:Gus", room);
    sockets.push(host, guest);
    assert.equal((await request(host, "seat:take", { seat: 2 })).ok, true);

    const list = await admin(server, "GET", "/admin/rooms");
    assert.equal(list.status, 200);
    const row = list.body.rooms.find((r) => r.id === room);
    assert.ok(row, JSON.stringify(list.body));
    assert.equal(row.participants, 2);
    assert.equal(row.seated, 1);
    assert.equal(row.status, "ACTIVE");
    assert.ok(["free", "request"].includes(row.seatMode));
    assert.equal(typeof row.createdAt, "number");

    const detail = await admin(server, "GET", `/admin/rooms/${room}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.room.id, room);
    assert.equal(detail.body.seated, 1);
    const byId = Object.fromEntries(detail.body.participants.map((p) => [p.userId, p]));
    assert.equal(byId["201"].role, "host");
    assert.equal(byId["201"].seat, 2);
    assert.equal(byId["202"].role, "member");
    assert.equal(detail.body.seats[2].userId, "201");
    assert.equal(detail.body.seats.length, list.body.rooms.find((r) => r.id === room).seats);
    assert.equal(detail.body.you, undefined);
    // No media:connect yet: no pipeline (the media side: admin-media.test.mjs).
    assert.equal(detail.body.media.pipeline, null);
    assert.equal(detail.body.media.encoders, 0);
    assert.deepEqual(detail.body.media.peerList, []);
  });

  test("404 for unknown rooms and paths, 405 for wrong methods, 400 for bad bodies", async () => {
    assert.equal((await admin(server, "GET", `/admin/rooms/${roomId(404)}`)).status, 404);
    const unknownClose = await admin(server, "POST", `/admin/rooms/${roomId(404)}/close`);
    assert.equal(unknownClose.status, 404);
    assert.equal(unknownClose.body.error.code, "not_found");
    assert.equal((await admin(server, "GET", "/admin/nothing")).status, 404);
    assert.equal((await admin(server, "PUT", "/admin/rooms")).status, 405);
    // POST /admin/rooms pins an owner: it needs {id, ownerId} (room-ownership.test.mjs).
    assert.equal((await admin(server, "POST", "/admin/rooms")).status, 400);
    assert.equal((await admin(server, "DELETE", `/admin/rooms/${roomId(1)}`)).status, 405);
    assert.equal((await admin(server, "GET", `/admin/rooms/${roomId(1)}/close`)).status, 405);
    assert.equal((await admin(server, "GET", "/admin/users/201/kick")).status, 405);
    for (const body of ["{", "[]", '{"ban":"yes"}', '{"roomId":5}', '{"extra":1}', '{"ban":true} x',
                        '{"ban":true,"ban":true']) {
      const res = await admin(server, "POST", "/admin/users/201/kick", { body });
      assert.equal(res.status, 400, body);
      assert.equal(res.body.error.code, "invalid_payload");
    }
    assert.equal((await admin(server, "POST", "/admin/users/999999/kick")).status, 404);
  });

  test("close: every client gets room:closed closed_by_admin and the room is gone", async () => {
    const room = roomId(2);
    const a = await joined(server, "dev:211:A", room);
    const b = await joined(server, "dev:212:B", room);
    sockets.push(a, b);
    const closedA = next(a, "room:closed"), closedB = next(b, "room:closed");
    const res = await admin(server, "POST", `/admin/rooms/${room}/close`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { ok: true, roomId: room, reason: "closed_by_admin" });
    for (const [payload] of [await closedA, await closedB])
      assert.equal(payload.reason, "closed_by_admin");
    const list = await admin(server, "GET", "/admin/rooms");
    assert.ok(!list.body.rooms.some((r) => r.id === room));
    assert.equal((await admin(server, "GET", `/admin/rooms/${room}`)).status, 404);
    await server.waitForLog(/admin: closed room ad000000-0000-4000-8000-000000000002/);
  });

  test("kick: each connection of the user gets kicked and is disconnected; the room sees them leave", async () => {
    const room = roomId(3);
    const host = await joined(server, "dev:221:Host", room);
    const target = await joined(server, "dev:222:Tina", room);
    sockets.push(host, target);
    const kicked = next(target, "kicked");
    const gone = next(target, "disconnect");
    const left = next(host, "participant:left");
    const res = await admin(server, "POST", "/admin/users/222/kick", { body: { reason: "spam" } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.connections, 1);
    assert.equal(res.body.roomId, room);
    assert.equal(res.body.removedFromRoom, true);
    const [payload] = await kicked;
    assert.deepEqual(payload, { roomId: room, by: "admin", banned: false, reason: "spam" });
    await gone;
    const [leftPayload] = await left;
    assert.deepEqual(leftPayload, { userId: "222", reason: "kicked" });
    const detail = await admin(server, "GET", `/admin/rooms/${room}`);
    assert.ok(!detail.body.participants.some((p) => p.userId === "222"));
    // Not banned: they may come back.
    const back = await joined(server, "dev:222:Tina", room);
    sockets.push(back);
  });

  test("kick with ban: removed and refused when joining again", async () => {
    const room = roomId(4);
    const host = await joined(server, "dev:231:Host", room);
    const target = await joined(server, "dev:232:Bob", room);
    sockets.push(host, target);
    const kicked = next(target, "kicked");
    const res = await admin(server, "POST", "/admin/users/232/kick", { body: { roomId: room, ban: true } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.banned, true);
    assert.equal((await kicked)[0].banned, true);
    await waitFor(() => target.disconnected, 5000, "the banned user's disconnect");
    const again = await connect(server, "dev:232:Bob");
    sockets.push(again);
    const ack = await request(again, "room:join", { roomId: room });
    assert.equal(ack.ok, false);
    assert.equal(ack.error.code, "banned");
    // A ban without a room to apply it to is refused.
    const noRoom = await admin(server, "POST", "/admin/users/232/kick", { body: { ban: true } });
    assert.equal(noRoom.status, 400);
    const unknownRoom = await admin(server, "POST", "/admin/users/232/kick", { body: { roomId: roomId(405) } });
    assert.equal(unknownRoom.status, 404);
    await server.waitForLog(/admin: kicked user 232/);
  });
});

describe("admin API without a key", () => {
  test("not --dev: 403 admin_disabled", async () => {
    const server = await startServer({ args: [], env: { AUTH_PROVIDER: "jwt", JWT_SECRET: "jwt-secret-for-admin-tests-0123456789" } });
    try {
      const res = await admin(server, "GET", "/admin/rooms", { key: null });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, "admin_disabled");
      assert.equal((await admin(server, "GET", "/admin/rooms", { key: "anything" })).body.error.code, "admin_disabled");
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test("--dev: open to loopback clients, and the log says so", async () => {
    const server = await startServer();
    try {
      await server.waitForLog(/admin API at \/admin WITHOUT a key \(dev mode\): open to 127\.0\.0\.1 and ::1 only/);
      const res = await admin(server, "GET", "/admin/rooms", { key: null });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { rooms: [] });
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
