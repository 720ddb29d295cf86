// Room status updates to Laravel (docs/laravel.md#room-status) against the strict
// fake Laravel: first join, coalesced join bursts, close with closed_at,
// and a room Laravel does not know (404) that keeps working.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, connect, request, next, waitFor } from "./lib/harness.mjs";
import { startFakeLaravel } from "./lib/fake-laravel.mjs";

const KEY = "internal-key-for-status-tests-0123456789abcdef";
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("room status", () => {
  let laravel, server;
  const sockets = [];
  before(async () => {
    laravel = await startFakeLaravel({ internalKey: KEY });
    server = await startServer({
      env: { LARAVEL_API_URL: laravel.url, LARAVEL_INTERNAL_KEY: KEY, MAX_CLIENTS_PER_ROOM: "200",
             ROOM_GRACE_PERIOD_S: "1" },
    });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    await laravel?.stop();
  });

  async function updates(roomId) {
    return (await laravel.getRoom(roomId)).updates.map((u) => u.body);
  }

  test("a first join posts live with 0, then the count; the contract's headers", async () => {
    const roomId = "a1b2c3d4-0000-4000-8000-000000000001";
    await laravel.addRoom(roomId);
    const host = await connect(server, "dev:1:Host");
    sockets.push(host);
    assert.equal((await request(host, "room:join", { roomId })).ok, true);
    await waitFor(async () => (await updates(roomId)).length >= 2, 5000, "two updates");
    const [first, second] = await updates(roomId);
    assert.deepEqual(first, { is_live: true, participant_count: 0 });
    assert.deepEqual(second, { is_live: true, participant_count: 1 });
    const [call] = await laravel.calls(`/api/v1/internal/rooms/${roomId}/status`);
    assert.equal(call.method, "POST");
    assert.equal(call.headers["content-type"], "application/json");
    assert.equal(call.headers.accept, "application/json");
    assert.equal(call.headers["x-internal-key"], KEY);
    assert.equal(call.headers.authorization, `Bearer ${KEY}`);
  });

  test("100 joins within a second make a handful of posts whose last count is right", async () => {
    const roomId = "a1b2c3d4-0000-4000-8000-000000000002";
    await laravel.addRoom(roomId);
    const clients = await Promise.all(Array.from({ length: 100 }, (_, i) => connect(server, `dev:${200 + i}:U${i}`)));
    sockets.push(...clients);
    const started = Date.now();
    // A long ack timeout: 100 joins queue up at once (each one is broadcast
    // to the room), which takes a while on a slow or instrumented build;
    // what is checked here is the coalescing, not the latency.
    const acks = await Promise.all(clients.map((s) => s.timeout(30000).emitWithAck("room:join", { roomId })));
    const took = Date.now() - started;
    assert.ok(acks.every((a) => a.ok));
    await waitFor(async () => (await laravel.getRoom(roomId)).room.participant_count === 100, 20000,
      "Laravel to see 100 participants");
    // Let any straggler land, then count: the last one is the count.
    await waitFor(async () => (await laravel.calls(`/api/v1/internal/rooms/${roomId}/status`))
      .every((c) => c.status !== null), 20000, "no post in flight");
    const bodies = await updates(roomId);
    // One post in flight at a time, 250 ms apart at least: a burst within a
    // second is a handful (more only if this machine was too slow to make
    // the burst one).
    const allowed = 8 + Math.ceil(Math.max(0, took - 1000) / 250);
    assert.ok(bodies.length >= 2 && bodies.length <= allowed,
      `${bodies.length} posts for 100 joins in ${took} ms`);
    assert.deepEqual(bodies[0], { is_live: true, participant_count: 0 });
    assert.deepEqual(bodies.at(-1), { is_live: true, participant_count: 100 });

    // Leaving is counted the same way.
    await Promise.all(clients.slice(0, 40).map((s) => s.timeout(30000).emitWithAck("room:leave")));
    await waitFor(async () => (await laravel.getRoom(roomId)).room.participant_count === 60, 20000,
      "Laravel to see 60 participants");
  });

  test("a close posts is_live false, count 0 and closed_at, after the pending update", async () => {
    const roomId = "a1b2c3d4-0000-4000-8000-000000000003";
    await laravel.addRoom(roomId);
    const host = await connect(server, "dev:3:Host:admin");
    const guest = await connect(server, "dev:4:Guest");
    sockets.push(host, guest);
    await request(host, "room:join", { roomId });
    await request(guest, "room:join", { roomId });
    const before = Date.now();
    // The close comes right after a join: it must not be lost in coalescing.
    assert.equal((await request(host, "room:close")).ok, true);
    await waitFor(async () => (await updates(roomId)).some((u) => u.is_live === false), 5000, "the close");
    const bodies = await updates(roomId);
    const close = bodies.at(-1);
    assert.deepEqual(Object.keys(close).sort(), ["closed_at", "is_live", "participant_count"]);
    assert.equal(close.is_live, false);
    assert.equal(close.participant_count, 0);
    assert.match(close.closed_at, ISO_MS);
    const closedAt = Date.parse(close.closed_at);
    assert.ok(closedAt >= before - 1000 && closedAt <= Date.now() + 1000, close.closed_at);
    assert.deepEqual(bodies[0], { is_live: true, participant_count: 0 });
    assert.equal(bodies.filter((u) => u.is_live === false).length, 1, "one close");
    const room = (await laravel.getRoom(roomId)).room;
    assert.equal(room.is_live, 0);
    assert.equal(room.closed_at, close.closed_at);
  });

  test("a room that empties closes after the grace period and says so", async () => {
    const roomId = "a1b2c3d4-0000-4000-8000-000000000004";
    await laravel.addRoom(roomId);
    const solo = await connect(server, "dev:5:Solo");
    await request(solo, "room:join", { roomId });
    solo.close();
    await waitFor(async () => (await laravel.getRoom(roomId)).room.is_live === 0, 5000, "the close");
    const bodies = await updates(roomId);
    assert.deepEqual(bodies.at(-1).participant_count, 0);
    assert.match(bodies.at(-1).closed_at, ISO_MS);
  });

  test("a 404 from Laravel does not affect the room and is logged once", async () => {
    const roomId = "a1b2c3d4-0000-4000-8000-000000000005"; // not known to Laravel
    const a = await connect(server, "dev:6:A");
    const b = await connect(server, "dev:7:B");
    sockets.push(a, b);
    assert.equal((await request(a, "room:join", { roomId })).ok, true);
    assert.equal((await request(b, "room:join", { roomId })).ok, true);
    const message = next(a, "chat:message");
    assert.equal((await request(b, "chat:send", { text: "still here" })).ok, true);
    assert.equal((await message)[0].text, "still here");
    await waitFor(async () => (await laravel.calls(`/api/v1/internal/rooms/${roomId}/status`)).length >= 2,
      5000, "the posts");
    await server.waitForLog(new RegExp(`Laravel does not know room ${roomId}`));
    assert.equal(server.logs().split(`Laravel does not know room ${roomId}`).length - 1, 1);
    assert.equal((await request(b, "room:leave")).ok, true);
  });

  test("Laravel failing: the update is retried and the room is unaffected", async () => {
    const roomId = "a1b2c3d4-0000-4000-8000-000000000006";
    await laravel.addRoom(roomId);
    await laravel.fault({ path: `/api/v1/internal/rooms/${roomId}/status`, count: 1, status: 503 });
    const a = await connect(server, "dev:8:A");
    sockets.push(a);
    assert.equal((await request(a, "room:join", { roomId })).ok, true);
    await waitFor(async () => (await laravel.getRoom(roomId)).room.participant_count === 1, 10000,
      "the update after a failure");
    assert.deepEqual(await request(a, "whoami").then((w) => w.ok), true);
  });
});

test("without LARAVEL_API_URL nothing is posted", async () => {
  const server = await startServer({ args: ["--dev"], env: { LARAVEL_API_URL: "" } });
  try {
    await server.waitForLog(/room status is not posted anywhere/);
  } finally {
    await server.stop();
  }
});
