// When a room hears of a gift: gift:sent only once Laravel applied it (the
// strict fake Laravel's ledger is the witness), never for a gift Laravel
// refused (its sender alone gets gift:failed), exactly once for a batch
// re-sent after roomcastd was killed, and whichever roomcastd on the same
// Redis sent the batch. Past GIFT_QUEUE_MAX_PENDING waiting gifts, gift:send
// answers gift_unavailable.
//
// Users log in with dev tokens (--dev) while LARAVEL_API_URL makes gifts go
// to the fake Laravel, as in gifts-laravel.test.mjs.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, connect, request, waitFor } from "./lib/harness.mjs";
import { startFakeLaravel } from "./lib/fake-laravel.mjs";
import { startRedis } from "./lib/redis.mjs";

const KEY = "internal-key-for-gift-tests-0123456789abcdef";
const BATCH_PATH = "/api/v1/internal/gifts/batch";

const SCALE = Number(process.env.ROOMCAST_TEST_TIME_SCALE) || 1;
const ms = (n) => n * SCALE;

const roomId = (n) => `a11ce000-7b3f-4c8e-9d6a-${String(n).padStart(12, "0")}`;

function serverEnv(laravel, redis, extra = {}) {
  return {
    LARAVEL_API_URL: laravel.url,
    LARAVEL_INTERNAL_KEY: KEY,
    LARAVEL_TIMEOUT_MS: "10000",
    REDIS_HOST: "127.0.0.1",
    REDIS_PORT: String(redis.port),
    GIFT_RATE_LIMIT_PER_MINUTE: "1000000",
    LOG_LEVEL: "info",
    ...extra,
  };
}

// Gifts flow once Redis is connected and this server hears every worker's
// outcomes.
async function startGiftServer(env) {
  const server = await startServer({ env });
  await waitFor(async () => {
    const health = await (await fetch(`${server.url}/health`)).json();
    return health.redis === "connected" && health.gifts?.outcomes === "subscribed";
  }, ms(5000), "redis connected and the outcomes subscribed");
  return server;
}

async function addUsers(laravel, users) {
  for (const [id, coins] of Object.entries(users))
    await laravel.addUser({ id: Number(id), name: `U${id}`, email: `u${id}@example.com`, coin_balance: coins });
}

// Connect and join @ids to @room; every member records what it hears:
// sent = [{transactionId, at}], failed = [{transactionId, error}].
async function joinAll(server, ids, room) {
  const members = {};
  for (const id of ids) {
    const socket = await connect(server, `dev:${id}:U${id}`);
    const member = { id, socket, sent: [], failed: [] };
    socket.on("gift:sent", (e) => member.sent.push({ ...e, at: Date.now() }));
    socket.on("gift:failed", (e) => member.failed.push(e));
    assert.equal((await request(socket, "room:join", { roomId: room })).ok, true);
    members[id] = member;
  }
  return members;
}

function closeAll(members) {
  for (const m of Object.values(members ?? {})) m.socket.close();
}

async function sendGift(member, recipientId, giftId) {
  const ack = await request(member.socket, "gift:send", { recipientId, giftId });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  return ack.transactionId;
}

const timesSeen = (member, id) => member.sent.filter((e) => e.transactionId === id).length;
const failureOf = (member, id) => member.failed.find((e) => e.transactionId === id);

async function queueDrained(redis, worker = "0") {
  const [pending, inflight] = await Promise.all([
    redis.command("LLEN", "gifts:pending"), redis.command("EXISTS", `gifts:inflight:${worker}`),
  ]);
  return pending === 0 && inflight === 0;
}

describe("gift:sent only for gifts Laravel applied", () => {
  let laravel, redis, server, members;
  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY, autoCreateRooms: true }), startRedis()]);
    await laravel.addGift({ id: "heart", price: 10 });
    server = await startGiftServer(serverEnv(laravel, redis));
  });
  after(async () => {
    closeAll(members);
    await server?.stop();
    await laravel?.stop();
    await redis?.destroy();
  });

  test("a gift Laravel refuses is never seen by the room, only by its sender as gift:failed", async () => {
    await addUsers(laravel, { 5000: 0, 5001: 5, 5002: 1000, 5003: 0 });
    members = await joinAll(server, [5000, 5001, 5002, 5003], roomId(1));
    const poor = members[5001], rich = members[5002];
    // Both refusals are acknowledged: accepted and queued, Laravel decides later.
    const tooPoor = await sendGift(poor, 5000, "heart");
    const unknown = await sendGift(poor, 5000, "unicorn");
    const paid = await sendGift(rich, 5000, "heart");

    // The paid gift came after the refused ones: once the room heard of it,
    // it would have heard of them.
    await waitFor(() => Object.values(members).every((m) => timesSeen(m, paid) === 1) &&
                        poor.failed.length === 2, ms(10000), "the paid gift announced, the others failed");
    assert.deepEqual(failureOf(poor, tooPoor), { transactionId: tooPoor, error: "insufficient_balance" });
    assert.deepEqual(failureOf(poor, unknown), { transactionId: unknown, error: "invalid_gift" });
    for (const m of Object.values(members)) {
      assert.equal(timesSeen(m, tooPoor), 0, `${m.id} saw a gift Laravel refused`);
      assert.equal(timesSeen(m, unknown), 0, `${m.id} saw a gift Laravel refused`);
      if (m !== poor) assert.deepEqual(m.failed, [], `${m.id} was told of someone else's failure`);
    }
    const event = rich.sent.find((e) => e.transactionId === paid);
    assert.deepEqual({ ...event, at: undefined, ts: undefined },
      { transactionId: paid, from: "5002", to: "5000", giftId: "heart", quantity: 1, at: undefined, ts: undefined });
    const applied = (await laravel.ledger()).map((row) => row.transaction_id);
    assert.deepEqual(applied, [paid]);
  });

  test("an accepted gift reaches the room after Laravel applied it, its sender's ack before", async () => {
    await addUsers(laravel, { 5100: 0, 5101: 1000, 5102: 0 });
    const room = await joinAll(server, [5100, 5101, 5102], roomId(2));
    Object.assign(members, room);
    // Laravel takes 1.5 s before it applies the batch.
    await laravel.fault({ path: BATCH_PATH, count: 1, delay_ms: 1500 });
    const ackedAt = Date.now();
    const id = await sendGift(room[5101], 5100, "heart");
    const ackAt = Date.now();
    await waitFor(() => Object.values(room).every((m) => timesSeen(m, id) === 1), ms(10000), "gift:sent");

    const row = (await laravel.ledger()).find((r) => r.transaction_id === id);
    assert.ok(row, "the gift is in Laravel's ledger");
    const appliedAt = Date.parse(row.created_at);
    const call = (await laravel.calls(BATCH_PATH)).find((c) => c.body.includes(id));
    assert.ok(appliedAt - call.received_at * 1000 >= 1400, "the batch was held before it was applied");
    // The sender's ack is the pending state: it came before Laravel applied the gift.
    assert.ok(ackAt < appliedAt, `ack at ${ackAt - ackedAt} ms, applied at ${appliedAt - ackedAt} ms`);
    for (const m of Object.values(room)) {
      const seen = m.sent.find((e) => e.transactionId === id);
      assert.ok(seen.at >= appliedAt, `${m.id} saw gift:sent ${appliedAt - seen.at} ms before Laravel applied it`);
    }
  });
});

describe("a batch re-sent after a restart", () => {
  let laravel, redis;
  const servers = [];
  let members;
  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY, autoCreateRooms: true }), startRedis()]);
    await laravel.addGift({ id: "heart", price: 10 });
    await addUsers(laravel, { 5200: 0, 5201: 1000, 5202: 0 });
  });
  after(async () => {
    closeAll(members);
    for (const s of servers) await s.stop("SIGKILL");
    await laravel?.stop();
    await redis?.destroy();
  });

  test("is announced once, by the restarted server, after Laravel answered duplicate_transaction", async () => {
    const first = await startGiftServer(serverEnv(laravel, redis));
    servers.push(first);
    const before = await joinAll(first, [5200, 5201, 5202], roomId(3));
    // Laravel holds the batch for 3 s, then applies it: roomcastd is dead by then.
    await laravel.fault({ path: BATCH_PATH, count: 1, delay_ms: 3000 });
    const id = await sendGift(before[5201], 5200, "heart");
    await waitFor(async () => (await laravel.calls(BATCH_PATH)).some((c) => c.body.includes(id)),
      ms(5000), "the batch on its way to Laravel");
    first.proc.kill("SIGKILL");
    await first.exited;
    closeAll(before);
    await waitFor(async () => (await laravel.ledger()).some((r) => r.transaction_id === id), ms(10000),
      "Laravel to apply the batch nobody waits for");
    for (const m of Object.values(before)) assert.equal(timesSeen(m, id), 0, "announced before it was applied");
    assert.equal(await redis.command("EXISTS", "gifts:inflight:0"), 1, "the batch is still in flight");

    // The resend waits a moment at Laravel, so the room is back by then.
    await laravel.fault({ path: BATCH_PATH, count: 1, delay_ms: 1500 });
    const second = await startGiftServer(serverEnv(laravel, redis));
    servers.push(second);
    members = await joinAll(second, [5200, 5201, 5202], roomId(3));
    await waitFor(() => Object.values(members).every((m) => timesSeen(m, id) === 1), ms(10000),
      "the re-sent gift announced");
    await second.waitForLog(/sending the in-flight batch of 1 again first/);
    // A later gift is a barrier: a second announcement of the first would come before it.
    const later = await sendGift(members[5201], 5200, "heart");
    await waitFor(() => Object.values(members).every((m) => timesSeen(m, later) === 1), ms(10000), "the next gift");
    for (const m of Object.values(members)) {
      assert.equal(timesSeen(m, id), 1, `${m.id} heard of the re-sent gift ${timesSeen(m, id)} times`);
      assert.deepEqual(m.failed, []);
    }
    const applied = (await laravel.ledger()).map((r) => r.transaction_id);
    assert.deepEqual(applied.sort(), [id, later].sort());
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    assert.match(metrics, /roomcast_gift_transactions_total\{result="duplicate_after_retry"\} 1\b/);
    await waitFor(() => queueDrained(redis), ms(5000), "the queue to drain");
  });
});

describe("two roomcastd on one Redis", () => {
  let laravel, stuckLaravel, redis, nodeA, nodeB, members;
  before(async () => {
    [laravel, stuckLaravel, redis] = await Promise.all([
      startFakeLaravel({ internalKey: KEY, autoCreateRooms: true }),
      startFakeLaravel({ internalKey: KEY, autoCreateRooms: true }),
      startRedis(),
    ]);
    await laravel.addGift({ id: "heart", price: 10 });
    await addUsers(laravel, { 5300: 0, 5301: 100000, 5302: 0 });
    // Node A's own Laravel never takes a batch: every gift Laravel applies
    // was sent by node B's batcher.
    await stuckLaravel.fault({ path: BATCH_PATH, count: null, status: 500 });
    nodeA = await startGiftServer(serverEnv(stuckLaravel, redis, { WORKER_ID: "a" }));
    nodeB = await startGiftServer(serverEnv(laravel, redis, { WORKER_ID: "b" }));
  });
  after(async () => {
    closeAll(members);
    await nodeA?.stop("SIGKILL");
    await nodeB?.stop();
    await laravel?.stop();
    await stuckLaravel?.stop();
    await redis?.destroy();
  });

  test("the worker that sent the batch tells the room and the sender on another worker", async () => {
    members = await joinAll(nodeA, [5300, 5301, 5302], roomId(4));
    const rich = members[5301], poor = members[5302];
    const richIds = [], poorIds = [];
    const appliedIds = async () => (await laravel.ledger()).map((r) => r.transaction_id);
    await waitFor(async () => {
      richIds.push(await sendGift(rich, 5300, "heart"));
      poorIds.push(await sendGift(poor, 5300, "heart"));
      await new Promise((resolve) => setTimeout(resolve, 200));
      return (await appliedIds()).length >= 3 && poor.failed.length >= 1;
    }, ms(20000), "node B to apply gifts sent on node A");

    const applied = await appliedIds();
    await waitFor(() => applied.every((id) => Object.values(members).every((m) => timesSeen(m, id) >= 1)),
      ms(5000), "every applied gift announced on node A");
    for (const id of applied) {
      assert.ok(richIds.includes(id), `${id} was applied but is not one of the rich sender's gifts`);
      for (const m of Object.values(members)) assert.equal(timesSeen(m, id), 1);
    }
    for (const { transactionId, error } of poor.failed) {
      assert.ok(poorIds.includes(transactionId));
      assert.equal(error, "insufficient_balance");
      for (const m of Object.values(members)) assert.equal(timesSeen(m, transactionId), 0);
    }
    // Node A never got an answer: the gifts it holds are announced by nobody.
    assert.ok((await stuckLaravel.calls(BATCH_PATH)).length >= 1, "node A took a batch too");
    assert.deepEqual(rich.failed, []);
  });
});

describe("the pending queue's cap", () => {
  let laravel, redis, server, members;
  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY, autoCreateRooms: true }), startRedis()]);
    await laravel.addGift({ id: "heart", price: 10 });
    await addUsers(laravel, { 5400: 0, 5401: 1000 });
    server = await startGiftServer(serverEnv(laravel, redis, { GIFT_QUEUE_MAX_PENDING: "3" }));
  });
  after(async () => {
    closeAll(members);
    await server?.stop();
    await laravel?.stop();
    await redis?.destroy();
  });

  test("answers gift_unavailable past GIFT_QUEUE_MAX_PENDING, counted in /metrics; nothing accepted is lost", async () => {
    members = await joinAll(server, [5400, 5401], roomId(5));
    const sender = members[5401];
    // Laravel is down: the first gift goes in flight and stays there.
    await laravel.fault({ path: BATCH_PATH, count: null, status: 500 });
    const accepted = [await sendGift(sender, 5400, "heart")];
    await waitFor(async () => (await redis.command("EXISTS", "gifts:inflight:0")) === 1, ms(5000), "a batch in flight");
    for (let i = 0; i < 3; i++) accepted.push(await sendGift(sender, 5400, "heart"));
    assert.equal(await redis.command("LLEN", "gifts:pending"), 3);
    const refused = await request(sender.socket, "gift:send", { recipientId: 5400, giftId: "heart" });
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, "gift_unavailable");
    assert.match(refused.error.message, /Too many gifts are waiting/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /roomcast_gift_queue_full_total 1\b/);
    assert.match(metrics, /roomcast_gift_requests_total\{result="gift_unavailable"\} 1\b/);

    // Laravel is back: every accepted gift is applied and announced once.
    await laravel.clearFaults();
    await waitFor(async () => (await laravel.ledger()).length === accepted.length &&
                              accepted.every((id) => timesSeen(members[5400], id) === 1),
      ms(40000), "the accepted gifts applied and announced");
    assert.deepEqual((await laravel.ledger()).map((r) => r.transaction_id).sort(), [...accepted].sort());
    assert.equal(members[5400].sent.length, accepted.length);
    assert.equal((await laravel.getUser(5401)).coin_balance, 1000 - 10 * accepted.length);
  });
});
