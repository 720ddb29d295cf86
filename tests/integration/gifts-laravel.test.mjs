// Gifts to Laravel through Redis: the fake Laravel's SQLite ledger must end
// with exactly the acknowledged gifts, each applied once, whatever fails on
// the way: 30 % of batch requests failing (500, connections dropped before
// and after processing), roomcastd killed with SIGKILL mid-flood and
// restarted on the same Redis, Redis restarted mid-run.
//
// Users log in with dev tokens (--dev) while LARAVEL_API_URL makes gifts go
// to the fake Laravel: auth is covered by laravel-auth.test.mjs.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, connect, request, waitFor, UNLIMITED_EVENTS } from "./lib/harness.mjs";
import { startFakeLaravel } from "./lib/fake-laravel.mjs";
import { startRedis } from "./lib/redis.mjs";

const KEY = "internal-key-for-gift-tests-0123456789abcdef";
const BATCH_PATH = "/api/v1/internal/gifts/batch";

function serverEnv(laravel, redis, extra = {}) {
  return { ...UNLIMITED_EVENTS,
    LARAVEL_API_URL: laravel.url,
    LARAVEL_INTERNAL_KEY: KEY,
    LARAVEL_TIMEOUT_MS: "3000",
    REDIS_HOST: "127.0.0.1",
    REDIS_PORT: String(redis.port),
    GIFT_RATE_LIMIT_PER_MINUTE: "1000000",
    MAX_CLIENTS_PER_ROOM: "100",
    LOG_LEVEL: "info",
    ...extra,
  };
}

// Time budgets are for the plain build; scripts/test --sanitize stretches
// them (ROOMCAST_TEST_TIME_SCALE) for roomcastd built with the sanitizers.
const SCALE = Number(process.env.ROOMCAST_TEST_TIME_SCALE) || 1;
const ms = (n) => n * SCALE;

const roomId = (n) => `5e1d0c2a-7b3f-4c8e-9d6a-${String(n).padStart(12, "0")}`;

// gift:send with a long ack timeout: a flood queues thousands at once, and
// the last of 10,000 is acknowledged only once the server has worked through
// the others (about 20 s of CPU for roomcastd built with AddressSanitizer).
// What these tests check is that every ack is right, not how fast it comes.
function sendGift(socket, payload) {
  return socket.timeout(120000).emitWithAck("gift:send", payload);
}

// Join @ids (dev users) to @room; returns the sockets.
async function joinAll(server, ids, room) {
  const sockets = await Promise.all(ids.map((id) => connect(server, `dev:${id}:U${id}`)));
  for (const s of sockets) assert.equal((await request(s, "room:join", { roomId: room })).ok, true);
  return sockets;
}

// The queue is empty and nothing is in flight.
async function queueDrained(redis, worker = "0") {
  const [pending, inflight] = await Promise.all([
    redis.command("LLEN", "gifts:pending"), redis.command("EXISTS", `gifts:inflight:${worker}`),
  ]);
  return pending === 0 && inflight === 0;
}

function assertUnique(ids, what) {
  assert.equal(new Set(ids).size, ids.length, `${what}: a transaction appears twice`);
}

describe("10,000 gifts while Laravel fails 30 % of batch requests", () => {
  let laravel, redis, server;
  const sockets = [];
  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY, autoCreateRooms: true }), startRedis()]);
    server = await startServer({ env: serverEnv(laravel, redis) });
    await waitFor(async () => (await (await fetch(`${server.url}/health`)).json()).redis === "connected",
      ms(5000), "redis connected");
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    await laravel?.stop();
    await redis?.destroy();
  });

  test("the ledger holds exactly the acknowledged gifts, each once; the poor hear insufficient_balance", async () => {
    const ROOMS = 5, PER_ROOM = 10, GIFTS_EACH = 200;
    await laravel.addGift({ id: "rose", price: 1 });
    const senders = []; // { id, socket, rich }
    for (let r = 0; r < ROOMS; r++) {
      const recipient = 1000 + r;
      const ids = Array.from({ length: PER_ROOM }, (_, i) => 1100 + r * PER_ROOM + i);
      await laravel.addUser({ id: recipient, name: `R${recipient}`, email: `r${recipient}@example.com` });
      for (const id of ids) {
        // Two senders per room can pay for 50 roses only.
        const rich = ids.indexOf(id) >= 2;
        await laravel.addUser({ id, name: `S${id}`, email: `s${id}@example.com`, coin_balance: rich ? 1000 : 50 });
      }
      const joined = await joinAll(server, [recipient, ...ids], roomId(r));
      sockets.push(...joined);
      ids.forEach((id, i) => senders.push({ id, socket: joined[i + 1], rich: i >= 2, recipient }));
    }
    const failed = new Map(); // transactionId -> { error, sender }
    for (const s of senders)
      s.socket.on("gift:failed", (e) => failed.set(e.transactionId, { error: e.error, sender: s.id }));

    // 30 % of batch requests fail: 500s, connections dropped before Laravel
    // looks at the batch, and dropped after it applied it.
    for (const fault of [{ status: 500 }, { drop: "before" }, { drop: "after" }])
      await laravel.fault({ path: BATCH_PATH, count: null, probability: 0.115, seed: 7, ...fault });

    const acked = new Map(); // transactionId -> sender id
    await Promise.all(senders.map(async (s) => {
      const acks = await Promise.all(Array.from({ length: GIFTS_EACH },
        () => sendGift(s.socket, { recipientId: s.recipient, giftId: "rose", quantity: 1 })));
      for (const ack of acks) {
        assert.equal(ack.ok, true, JSON.stringify(ack));
        acked.set(ack.transactionId, s.id);
      }
    }));
    assert.equal(acked.size, ROOMS * PER_ROOM * GIFTS_EACH);

    const poor = senders.filter((s) => !s.rich).length;
    const expectedFailures = poor * (GIFTS_EACH - 50);
    await waitFor(async () => failed.size >= expectedFailures && await queueDrained(redis), ms(100000),
      "the queue to drain");
    await laravel.clearFaults();
    const ledger = await laravel.ledger();
    const applied = ledger.map((row) => row.transaction_id);
    assertUnique(applied, "ledger");

    // Ledger + failures = acknowledged, with nothing in both and nothing else.
    for (const id of applied) assert.ok(acked.has(id), `${id} was applied but never acknowledged`);
    for (const id of applied) assert.ok(!failed.has(id), `${id} was applied and reported failed`);
    assert.equal(applied.length + failed.size, acked.size);
    for (const [id, { error, sender }] of failed) {
      assert.equal(error, "insufficient_balance", `${id}: ${error}`);
      assert.ok(!senders.find((s) => s.id === sender).rich, `${sender} can pay but got ${error}`);
    }
    for (const s of senders) {
      const user = await laravel.getUser(s.id);
      assert.equal(user.coin_balance, s.rich ? 800 : 0, `balance of ${s.id}`);
      assert.equal(applied.filter((id) => acked.get(id) === s.id).length, s.rich ? 200 : 50);
    }
    // The faults really happened, and their retries were counted.
    const calls = await laravel.calls(BATCH_PATH);
    const statuses = calls.map((c) => c.status);
    for (const kind of [500, "dropped", "dropped_after_processing"])
      assert.ok(statuses.includes(kind), `no ${kind} among ${calls.length} batch calls`);
    for (const call of calls) assert.ok(JSON.parse(call.body).transactions.length <= 200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /roomcast_gift_retries_total \d+/);
    assert.match(metrics, /roomcast_gift_transactions_total\{result="duplicate_after_retry"\} [1-9]/);
    assert.match(metrics, /roomcast_laravel_requests_total\{endpoint="gifts_batch",status="200"\} \d+/);
  });
});

describe("roomcastd killed with SIGKILL mid-flood", () => {
  let laravel, redis;
  const servers = [];
  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY, autoCreateRooms: true }), startRedis()]);
  });
  after(async () => {
    for (const s of servers) await s.stop("SIGKILL");
    await laravel?.stop();
    await redis?.destroy();
  });

  test("every acknowledged gift is applied exactly once after a restart on the same Redis", async () => {
    await laravel.addGift({ id: "heart", price: 10 });
    const ids = Array.from({ length: 10 }, (_, i) => 3001 + i);
    for (const id of [3000, ...ids])
      await laravel.addUser({ id, name: `U${id}`, email: `u${id}@example.com`, coin_balance: 10_000_000 });
    // Slow batches: one is in flight most of the time.
    await laravel.fault({ path: BATCH_PATH, count: null, delay_ms: 250 });

    const first = await startServer({ env: serverEnv(laravel, redis) });
    servers.push(first);
    const sockets = await joinAll(first, [3000, ...ids], roomId(100));
    const acked = new Set();
    let stop = false;
    const loops = sockets.slice(1).map(async (socket) => {
      while (!stop && socket.connected) {
        try {
          const ack = await sendGift(socket, { recipientId: 3000, giftId: "heart" });
          if (ack.ok) acked.add(ack.transactionId);
        } catch {
          return; // the server died under us: this one's fate is unknown
        }
      }
    });
    await waitFor(async () => acked.size >= 1500 && await redis.command("EXISTS", "gifts:inflight:0") === 1,
      ms(30000), "a flood with a batch in flight");
    first.proc.kill("SIGKILL");
    await first.exited;
    stop = true;
    await Promise.all(loops);
    for (const s of sockets) s.close();
    assert.equal(await redis.command("EXISTS", "gifts:inflight:0"), 1, "the killed server left a batch in flight");

    const second = await startServer({ env: serverEnv(laravel, redis) });
    servers.push(second);
    await waitFor(() => queueDrained(redis), ms(60000), "the queue to drain after the restart");
    await second.waitForLog(/sending the in-flight batch of \d+ again first/);
    const applied = (await laravel.ledger()).map((row) => row.transaction_id);
    assertUnique(applied, "ledger");
    const appliedSet = new Set(applied);
    for (const id of acked) assert.ok(appliedSet.has(id), `acknowledged ${id} was never applied`);
    // Beyond the acknowledged ones, only gifts whose ack the kill swallowed.
    assert.ok(applied.length - acked.size <= ids.length, `${applied.length - acked.size} unacknowledged gifts applied`);
    assert.doesNotMatch(second.logs(), /dropping a queued item|refused a batch/);
  });
});

describe("Redis restarted mid-run", () => {
  let laravel, redis, server;
  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY, autoCreateRooms: true }), startRedis()]);
    server = await startServer({ env: serverEnv(laravel, redis) });
  });
  after(async () => {
    await server?.stop();
    await laravel?.stop();
    await redis?.destroy();
  });

  test("the server reconnects, refuses gifts while Redis is away and loses no acknowledged one", async () => {
    await laravel.addGift({ id: "rose", price: 1 });
    const ids = Array.from({ length: 5 }, (_, i) => 4001 + i);
    for (const id of [4000, ...ids])
      await laravel.addUser({ id, name: `U${id}`, email: `u${id}@example.com`, coin_balance: 10_000_000 });
    const sockets = await joinAll(server, [4000, ...ids], roomId(200));
    const acked = new Set();
    const refusals = [];
    let stop = false;
    const loops = sockets.slice(1).map(async (socket) => {
      while (!stop) {
        const ack = await sendGift(socket, { recipientId: 4000, giftId: "rose" });
        if (ack.ok) acked.add(ack.transactionId);
        else {
          refusals.push(ack.error.code);
          // Refusals come back at once while Redis is away: let a turn of
          // the event loop pass so the restart can make progress.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    });
    await waitFor(() => acked.size >= 500, ms(30000), "gifts before the restart");
    // Redis stays away until the server has refused a gift: a restart as
    // quick as redis-server allows can fall entirely between two gifts of a
    // slow server (each loop waits for its ack), and then proves nothing.
    await redis.stop();
    await waitFor(() => refusals.length > 0, ms(15000), "a gift refused while Redis is down");
    await redis.restart(); // stop() was done: this starts it on the same port and data
    const atRestart = acked.size;
    await waitFor(async () => (await (await fetch(`${server.url}/health`)).json()).redis === "connected",
      ms(15000), "the server to reconnect");
    await waitFor(() => acked.size >= atRestart + 500, ms(30000), "gifts after the restart");
    stop = true;
    await Promise.all(loops);
    assert.equal(server.proc.exitCode, null, "roomcastd is still running");

    await waitFor(() => queueDrained(redis), ms(60000), "the queue to drain");
    const applied = (await laravel.ledger()).map((row) => row.transaction_id);
    assertUnique(applied, "ledger");
    assert.deepEqual(new Set(applied), acked, "the ledger is exactly the acknowledged gifts");
    assert.ok(refusals.length > 0, "no gift was refused while Redis was down");
    assert.deepEqual([...new Set(refusals)], ["gift_unavailable"]);
    for (const s of sockets) s.close();
  });
});
