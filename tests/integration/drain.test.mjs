// The graceful drain on SIGTERM, against a real Redis and the fake Laravel:
// clients get server:shutdown before they are disconnected, new connections
// are refused meanwhile, every acknowledged gift and the room's closed
// status (is_live false) reach Laravel before the process exits 0, even
// with a slow gift endpoint; a second SIGTERM exits at once.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, connect, request, waitFor } from "./lib/harness.mjs";
import { startFakeLaravel } from "./lib/fake-laravel.mjs";
import { startRedis } from "./lib/redis.mjs";
import { rawClient } from "./lib/pusher.mjs";

const KEY = "internal-key-for-drain-tests-0123456789abcdef";
const BATCH_PATH = "/api/v1/internal/gifts/batch";
const roomId = (n) => `d7a10000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function serverEnv(laravel, redis, extra = {}) {
  return {
    LARAVEL_API_URL: laravel.url,
    LARAVEL_INTERNAL_KEY: KEY,
    LARAVEL_TIMEOUT_MS: "5000",
    REDIS_HOST: "127.0.0.1",
    REDIS_PORT: String(redis.port),
    GIFT_RATE_LIMIT_PER_MINUTE: "1000000",
    LOG_LEVEL: "info",
    ...extra,
  };
}

// Users in a room, each socket recording the order of what it saw.
async function joinRoom(server, ids, room) {
  const clients = [];
  for (const id of ids) {
    const socket = await connect(server, `dev:${id}:U${id}`);
    const seen = [];
    socket.on("server:shutdown", (p) => seen.push(["server:shutdown", p]));
    socket.on("room:closed", (p) => seen.push(["room:closed", p]));
    socket.on("disconnect", (reason) => seen.push(["disconnect", reason]));
    assert.equal((await request(socket, "room:join", { roomId: room })).ok, true);
    clients.push({ id, socket, seen });
  }
  return clients;
}

describe("drain on SIGTERM", () => {
  let laravel, redis;
  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY, autoCreateRooms: true }), startRedis()]);
    await laravel.addGift({ id: "rose", price: 1 });
    for (const id of [501, 502, 503, 511, 512])
      await laravel.addUser({ id, name: `U${id}`, email: `u${id}@example.com`, coin_balance: 1000 });
  });
  after(async () => {
    await laravel?.stop();
    await redis?.destroy();
  });

  test("server:shutdown first, then every acknowledged gift and the closed status reach Laravel, exit 0", async () => {
    const server = await startServer({ env: serverEnv(laravel, redis) });
    await waitFor(async () => (await (await fetch(`${server.url}/health`)).json()).redis === "connected",
      5000, "redis connected");
    const room = roomId(1);
    const clients = await joinRoom(server, [501, 502, 503], room);
    await waitFor(async () => (await laravel.getRoom(room)).room?.is_live === 1, 5000, "the room live");

    // The gift endpoint is slow: the batches are still on their way when
    // SIGTERM arrives, and the drain must wait for them.
    await laravel.fault({ path: BATCH_PATH, count: null, delay_ms: 1500 });
    const acked = [];
    for (let i = 0; i < 30; i++) {
      const from = clients[i % 2], to = clients[2];
      const ack = await request(from.socket, "gift:send", { recipientId: to.id, giftId: "rose", quantity: 1 });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      acked.push(ack.transactionId);
    }
    // An Echo (Pusher protocol) client already connected.
    const echoBefore = await rawClient(server);
    await echoBefore.next((m) => m.event === "pusher:connection_established");
    // Not there yet: the drain has real work to wait for.
    assert.ok((await laravel.ledger()).length < acked.length, "the gifts reached Laravel before SIGTERM");
    server.proc.kill("SIGTERM");
    // A connection attempt during the drain is refused: the Pusher protocol
    // with 4200 (reconnect) before it is established, while the Echo client
    // already there is still served; Socket.IO with 503. server:shutdown
    // marks the drain's start; the slow gift batches keep it going.
    await waitFor(() => clients.every((c) => c.seen.some(([e]) => e === "server:shutdown")), 5000, "server:shutdown");
    const echoLate = await rawClient(server);
    await waitFor(() => echoLate.closed !== null, 5000, "the late Pusher connection closed");
    assert.equal(echoLate.closed.code, 4200);
    assert.ok(!echoLate.messages.some((m) => m.event === "pusher:connection_established"));
    assert.equal(echoBefore.closed, null, "the open Pusher connection is kept while draining");
    await waitFor(() => clients.every((c) => c.seen.some(([e]) => e === "disconnect")), 5000, "disconnects");
    await assert.rejects(connect(server, "dev:599:Late"));
    const [code] = await server.exited;
    assert.equal(code, 0, server.logs());

    for (const c of clients) {
      const order = c.seen.map(([e]) => e);
      assert.deepEqual(order, ["server:shutdown", "room:closed", "disconnect"], `client ${c.id}: ${order}`);
      const notice = c.seen[0][1];
      assert.equal(notice.reason, "server_shutdown");
      assert.equal(typeof notice.reconnectInMs, "number");
      assert.equal(c.seen[1][1].reason, "server_shutdown");
    }
    await laravel.clearFaults();
    const applied = new Set((await laravel.ledger()).map((row) => row.transaction_id));
    for (const id of acked) assert.ok(applied.has(id), `acknowledged gift ${id} never reached Laravel`);
    assert.equal(await redis.command("LLEN", "gifts:pending"), 0);
    assert.equal(await redis.command("EXISTS", "gifts:inflight:0"), 0);
    const state = await laravel.getRoom(room);
    assert.equal(state.room.is_live, 0);
    const last = state.updates.at(-1).body;
    assert.equal(last.is_live, false);
    assert.equal(last.participant_count, 0);
    // Each step was logged.
    const logs = server.logs();
    for (const step of [/drain: started/, /server:shutdown sent to 3 client\(s\)/, /1 room\(s\) closed/,
                        /gift queue flushed after \d+ ms/, /room status posted/, /drain: done in \d+ ms/])
      assert.match(logs, step);
    for (const c of clients) c.socket.close();
  });

  test("SHUTDOWN_TIMEOUT_MS bounds the drain; what Laravel did not answer stays in Redis", async () => {
    const server = await startServer({ env: serverEnv(laravel, redis, { SHUTDOWN_TIMEOUT_MS: "1000" }) });
    await waitFor(async () => (await (await fetch(`${server.url}/health`)).json()).redis === "connected",
      5000, "redis connected");
    const clients = await joinRoom(server, [511, 512], roomId(3));
    await laravel.fault({ path: BATCH_PATH, count: null, delay_ms: 20000 });
    const ack = await request(clients[0].socket, "gift:send", { recipientId: 512, giftId: "rose" });
    assert.equal(ack.ok, true);
    // The batch is on its way (and stuck) before the signal.
    await waitFor(async () => (await laravel.calls(BATCH_PATH)).length > 0, 5000, "the batch sent");
    const t0 = Date.now();
    server.proc.kill("SIGTERM");
    const [code] = await server.exited;
    assert.equal(code, 0);
    const took = Date.now() - t0;
    assert.ok(took >= 900 && took < 5000, `the drain took ${took} ms`);
    assert.match(server.logs(), /SHUTDOWN_TIMEOUT_MS reached with 1 gift\(s\) not yet processed/);
    assert.equal(await redis.command("LLEN", "gifts:inflight:0"), 1);
    await laravel.clearFaults();
    await redis.command("DEL", "gifts:inflight:0", "gifts:pending");
    for (const c of clients) c.socket.close();
  });

  test("a second SIGTERM exits at once; unsent gifts stay in Redis", async () => {
    const server = await startServer({ env: serverEnv(laravel, redis) });
    await waitFor(async () => (await (await fetch(`${server.url}/health`)).json()).redis === "connected",
      5000, "redis connected");
    const clients = await joinRoom(server, [511, 512], roomId(2));
    await laravel.fault({ path: BATCH_PATH, count: null, delay_ms: 20000 });
    const ack = await request(clients[0].socket, "gift:send", { recipientId: 512, giftId: "rose" });
    assert.equal(ack.ok, true);
    server.proc.kill("SIGTERM");
    await server.waitForLog(/drain: shutting down: disconnecting/);
    const t0 = Date.now();
    server.proc.kill("SIGTERM");
    const [code] = await server.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 3000, `exit took ${Date.now() - t0} ms`);
    assert.match(server.logs(), /second stop signal: exiting now/);
    // The acknowledged gift is still durable: in flight or pending.
    const left = (await redis.command("LLEN", "gifts:pending")) + (await redis.command("LLEN", "gifts:inflight:0"));
    assert.equal(left, 1);
    await laravel.clearFaults();
    for (const c of clients) c.socket.close();
  });
});
