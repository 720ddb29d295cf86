// Gifts with --dev alone: the in-process queue and the dev ledger
// (data/gifts.json prices, 1000 coins per user), the gift:send checks, the
// ack then gift:sent once the ledger applied the gift (never for one it
// refused), gift:failed, gift:balance and the pending queue's cap.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startServer, connect, request, next, waitFor } from "./lib/harness.mjs";

const ROOM = "0b7c3e52-8d0a-4c6e-9a43-0f3e8a1d2c55";

describe("gifts in dev mode", () => {
  let server, alice, bob, carol;
  before(async () => {
    server = await startServer({ args: ["--dev"] });
    [alice, bob, carol] = await Promise.all([
      connect(server, "dev:501:Alice"), connect(server, "dev:502:Bob"), connect(server, "dev:503:Carol"),
    ]);
    for (const s of [alice, bob]) assert.equal((await request(s, "room:join", { roomId: ROOM })).ok, true);
  });
  after(async () => {
    for (const s of [alice, bob, carol]) s?.close();
    await server?.stop();
  });

  test("a gift is acknowledged, charged by the dev ledger and then broadcast to the room", async () => {
    const seenByBob = next(bob, "gift:sent");
    const seenByAlice = next(alice, "gift:sent");
    const balance = next(alice, "gift:balance");
    const ack = await request(alice, "gift:send", { recipientId: 502, giftId: "heart", quantity: 3 });
    assert.equal(ack.ok, true);
    assert.match(ack.transactionId, /^g_\d{13}_[a-z0-9]{6}_[a-z0-9]{5}$/);
    for (const [event] of await Promise.all([seenByBob, seenByAlice])) {
      assert.deepEqual(Object.keys(event).sort(), ["from", "giftId", "quantity", "to", "transactionId", "ts"]);
      assert.equal(event.transactionId, ack.transactionId);
      assert.equal(event.from, "501");
      assert.equal(event.to, "502");
      assert.equal(event.giftId, "heart");
      assert.equal(event.quantity, 3);
      assert.equal(typeof event.ts, "number");
    }
    // 1000 - 3 x 10, pushed after the batch and readable on request.
    assert.deepEqual((await balance)[0], { balance: 970 });
    assert.deepEqual(await request(alice, "gift:balance"), { ok: true, balance: 970 });
    assert.deepEqual(await request(bob, "gift:balance"), { ok: true, balance: 1000 });
  });

  test("insufficient balance and unknown gifts come back as gift:failed, never to the room", async () => {
    const failed = [];
    const onFailed = (e) => failed.push(e);
    const seen = [];
    const onSent = (e) => seen.push(e.transactionId);
    bob.on("gift:failed", onFailed);
    alice.on("gift:sent", onSent);
    const tooMuch = await request(bob, "gift:send", { recipientId: "501", giftId: "rocket", quantity: 3 });
    const unknown = await request(bob, "gift:send", { recipientId: "501", giftId: "unicorn" });
    assert.equal(tooMuch.ok, true); // queued: the ledger decides later
    assert.equal(unknown.ok, true);
    await waitFor(() => failed.length === 2, 5000, "two gift:failed");
    bob.off("gift:failed", onFailed);
    assert.deepEqual(failed.find((f) => f.transactionId === tooMuch.transactionId),
      { transactionId: tooMuch.transactionId, error: "insufficient_balance" });
    assert.deepEqual(failed.find((f) => f.transactionId === unknown.transactionId),
      { transactionId: unknown.transactionId, error: "invalid_gift" });
    // Nothing was charged; two rockets still fit.
    assert.deepEqual(await request(bob, "gift:balance"), { ok: true, balance: 1000 });
    const two = await request(bob, "gift:send", { recipientId: "501", giftId: "rocket", quantity: 2 });
    assert.equal(two.ok, true);
    await waitFor(async () => (await request(bob, "gift:balance")).balance === 0, 5000, "balance 0");
    await waitFor(() => seen.includes(two.transactionId), 5000, "the paid gift announced");
    alice.off("gift:sent", onSent);
    assert.deepEqual(seen, [two.transactionId], "the room saw only the gift the ledger applied");
  });

  test("gift:send is validated before anything is queued", async () => {
    const cases = [
      [alice, { recipientId: 501, giftId: "rose" }, "invalid_payload", /yourself/],
      [alice, { recipientId: 503, giftId: "rose" }, "not_found", /not in this room/],
      [alice, { recipientId: 502, giftId: "" }, "invalid_payload", /giftId/],
      [alice, { recipientId: 502, giftId: "ro se" }, "invalid_payload", /giftId/],
      [alice, { recipientId: 502, giftId: "x".repeat(65) }, "invalid_payload", /giftId/],
      [alice, { recipientId: 502, giftId: 7 }, "invalid_payload", /giftId/],
      [alice, { recipientId: 502, giftId: "rose", quantity: 0 }, "invalid_payload", /quantity/],
      [alice, { recipientId: 502, giftId: "rose", quantity: 10000 }, "invalid_payload", /quantity/],
      [alice, { recipientId: 502, giftId: "rose", quantity: 1.5 }, "invalid_payload", /quantity/],
      [alice, { recipientId: 502, giftId: "rose", quantity: "2" }, "invalid_payload", /quantity/],
      [alice, { giftId: "rose" }, "invalid_payload", /recipientId/],
      [carol, { recipientId: 502, giftId: "rose" }, "not_in_room", /./],
    ];
    for (const [socket, payload, code, message] of cases) {
      const ack = await request(socket, "gift:send", payload);
      assert.equal(ack.ok, false, JSON.stringify(payload));
      assert.equal(ack.error.code, code, JSON.stringify(payload));
      assert.match(ack.error.message, message);
    }
    assert.deepEqual(await request(alice, "gift:balance"), { ok: true, balance: 970 });
  });

  test("/health and /metrics show the gift pipeline", async () => {
    const health = await (await fetch(`${server.url}/health`)).json();
    assert.equal(health.gifts.queue, "memory");
    assert.equal(health.gifts.to, "dev-ledger");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /roomcast_gift_requests_total\{result="queued"\} \d+/);
    assert.match(metrics, /roomcast_gift_failures_total\{code="insufficient_balance"\} 1/);
    assert.match(metrics, /roomcast_gift_queue_pending \d+/);
    assert.match(server.logs(), /gift queue is NOT durable/);
  });
});

test("the gift rate limit refuses with rate_limited and retryAfterMs", async () => {
  const server = await startServer({ args: ["--dev"], env: { GIFT_RATE_LIMIT_PER_MINUTE: "3" } });
  try {
    const [a, b] = await Promise.all([connect(server, "dev:601:A"), connect(server, "dev:602:B")]);
    for (const s of [a, b]) await request(s, "room:join", { roomId: ROOM });
    for (let i = 0; i < 3; i++)
      assert.equal((await request(a, "gift:send", { recipientId: 602, giftId: "rose" })).ok, true);
    const refused = await request(a, "gift:send", { recipientId: 602, giftId: "rose" });
    assert.equal(refused.error.code, "rate_limited");
    assert.ok(refused.error.retryAfterMs > 0 && refused.error.retryAfterMs <= 60000);
    // Another user has a budget of their own.
    assert.equal((await request(b, "gift:send", { recipientId: 601, giftId: "rose" })).ok, true);
    a.close();
    b.close();
  } finally {
    await server.stop();
  }
});

test("past GIFT_QUEUE_MAX_PENDING waiting gifts, gift:send answers gift_unavailable", async () => {
  const server = await startServer({ args: ["--dev"], env: { GIFT_QUEUE_MAX_PENDING: "2" } });
  try {
    const [a, b] = await Promise.all([connect(server, "dev:801:A"), connect(server, "dev:802:B")]);
    for (const s of [a, b]) await request(s, "room:join", { roomId: ROOM });
    const seen = [];
    b.on("gift:sent", (e) => seen.push(e.transactionId));
    // Sent together, faster than a batch every 500 ms takes them.
    const acks = await Promise.all(Array.from({ length: 8 },
      () => request(a, "gift:send", { recipientId: 802, giftId: "rose" })));
    const accepted = acks.filter((ack) => ack.ok).map((ack) => ack.transactionId);
    const refused = acks.filter((ack) => !ack.ok);
    assert.ok(refused.length > 0, "no gift was refused");
    for (const ack of refused) {
      assert.equal(ack.error.code, "gift_unavailable");
      assert.match(ack.error.message, /Too many gifts are waiting/);
    }
    // What was accepted is charged and announced, nothing else.
    await waitFor(() => seen.length === accepted.length, 5000, "the accepted gifts announced");
    assert.deepEqual(seen.sort(), accepted.sort());
    assert.deepEqual(await request(a, "gift:balance"), { ok: true, balance: 1000 - accepted.length });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`roomcast_gift_queue_full_total ${refused.length}\\b`));
    a.close();
    b.close();
  } finally {
    await server.stop();
  }
});

test("without the price list gifts are refused, not lost", async () => {
  const server = await startServer({ args: ["--dev"], env: { GIFTS_FILE: "/nonexistent/gifts.json" } });
  try {
    const [a, b] = await Promise.all([connect(server, "dev:701:A"), connect(server, "dev:702:B")]);
    for (const s of [a, b]) await request(s, "room:join", { roomId: ROOM });
    const ack = await request(a, "gift:send", { recipientId: 702, giftId: "rose" });
    assert.equal(ack.error.code, "gift_unavailable");
    assert.match(server.logs(), /GIFTS_FILE=\/nonexistent\/gifts.json does not exist/);
    a.close();
    b.close();
  } finally {
    await server.stop();
  }
});

// Laravel's users.id is an integer: with gifts going to Laravel, users whose
// id is not (a JWT "sub" of "alice") can neither send nor receive gifts.
test("with Laravel, non-numeric user ids are refused with a clear error", async () => {
  const secret = "jwt-secret-for-gift-tests-0123456789abcdef";
  const jwt = (sub) => {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, name: sub, exp: Math.floor(Date.now() / 1000) + 600 })}`;
    return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
  };
  const server = await startServer({
    args: [],
    // This Laravel is unreachable, so it cannot open rooms: any room id opens here.
    env: { AUTH_PROVIDER: "jwt", JWT_SECRET: secret, REDIS_HOST: "", ROOM_OWNERSHIP: "open",
           LARAVEL_API_URL: "http://127.0.0.1:9", LARAVEL_INTERNAL_KEY: "k".repeat(40) },
  });
  try {
    const [alice, n7, n8] = await Promise.all([connect(server, jwt("alice")), connect(server, jwt("7")), connect(server, jwt("8"))]);
    for (const s of [alice, n7, n8]) await request(s, "room:join", { roomId: ROOM });
    const fromAlice = await request(alice, "gift:send", { recipientId: 7, giftId: "rose" });
    assert.equal(fromAlice.error.code, "forbidden");
    assert.match(fromAlice.error.message, /numeric user id/);
    const toAlice = await request(n7, "gift:send", { recipientId: "alice", giftId: "rose" });
    assert.equal(toAlice.error.code, "invalid_payload");
    assert.match(toAlice.error.message, /recipientId/);
    // Numeric ids are fine (queued; this Laravel is unreachable, so it waits).
    assert.equal((await request(n7, "gift:send", { recipientId: 8, giftId: "rose" })).ok, true);
    const balance = await request(n7, "gift:balance");
    assert.equal(balance.error.code, "gift_unavailable");
    for (const s of [alice, n7, n8]) s.close();
  } finally {
    await server.stop();
  }
});
