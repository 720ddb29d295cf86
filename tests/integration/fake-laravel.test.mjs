// The fake Laravel itself: it must refuse what the real app would refuse,
// or tests against it prove nothing. Plain fetch(), as curl would send.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFakeLaravel } from "./lib/fake-laravel.mjs";

const KEY = "fake-laravel-self-test-key-0123456789abcdef";
const ROOM = "550e8400-e29b-41d4-a716-446655440000";
const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };

describe("fake Laravel", () => {
  let laravel;
  const post = (path, body, headers = {}) => fetch(`${laravel.url}/api/v1/internal${path}`, {
    method: "POST",
    headers: { ...JSON_HEADERS, "X-Internal-Key": KEY, ...headers },
    body: typeof body === "string" ? body : body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
  const tx = (id, fields = {}) => ({
    transaction_id: id, room_id: ROOM, sender_id: 1, recipient_id: 2, gift_id: "rose",
    quantity: 1, timestamp: 1700000000000, ...fields,
  });

  before(async () => {
    laravel = await startFakeLaravel({ internalKey: KEY });
    await laravel.addUser({ id: 1, name: "Sender", email: "s@example.com", coin_balance: 1000 });
    await laravel.addUser({ id: 2, name: "Recipient", email: "r@example.com" });
    await laravel.addToken("1|good", 1);
    await laravel.addGift({ id: "rose", price: 100, value: 80 });
  });
  after(async () => { await laravel.stop(); });

  test("internal.auth: 403 without the key or with a wrong one", async () => {
    for (const headers of [{ "X-Internal-Key": "" }, { "X-Internal-Key": KEY.slice(0, -1) }, { "X-Internal-Key": `${KEY}x` }]) {
      const res = await post("/auth/validate", undefined, { Authorization: "Bearer 1|good", ...headers });
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { message: "Invalid internal key." });
    }
  });

  test("auth:sanctum: 200 with the user, 401 for an unknown token; HTML for non-JSON clients", async () => {
    let res = await post("/auth/validate", undefined, { Authorization: "Bearer 1|good" });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: 1, name: "Sender", email: "s@example.com", avatar_url: null, role: null });
    res = await post("/auth/validate", undefined, { Authorization: "Bearer 1|bad" });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { message: "Unauthenticated." });
    res = await post("/auth/validate", undefined, { Authorization: "Bearer 1|bad", Accept: "text/html" });
    assert.equal(res.status, 500, "Laravel redirects to a login route an API does not have");
  });

  test("routes: 405 for a wrong method, 404 JSON for an unknown path", async () => {
    let res = await fetch(`${laravel.url}/api/v1/internal/auth/validate`, { headers: JSON_HEADERS });
    assert.equal(res.status, 405);
    res = await post("/nope", {});
    assert.equal(res.status, 404);
    assert.match((await res.json()).message, /could not be found/);
  });

  test("gift batch: 422 with Laravel's messages for schema violations", async () => {
    let res = await post("/gifts/batch", { transactions: [tx(5, { room_id: "nope", quantity: 0, sender_id: "x" })] });
    assert.equal(res.status, 422);
    const body = await res.json();
    assert.deepEqual(body.errors, {
      "transactions.0.transaction_id": ["The transactions.0.transaction id field must be a string."],
      "transactions.0.room_id": ["The transactions.0.room id field must be a valid UUID."],
      "transactions.0.sender_id": ["The transactions.0.sender id field must be an integer."],
      "transactions.0.quantity": ["The transactions.0.quantity field must be at least 1."],
    });
    assert.equal(body.message, "The transactions.0.transaction id field must be a string. (and 3 more errors)");
    // a body that is not JSON (or not declared as JSON) is an empty input
    for (const [raw, headers] of [["{not json", {}], [JSON.stringify({ transactions: [tx("a")] }), { "Content-Type": "text/plain" }]]) {
      res = await post("/gifts/batch", raw, headers);
      assert.equal(res.status, 422);
      assert.deepEqual((await res.json()).errors, { transactions: ["The transactions field is required."] });
    }
    res = await post("/gifts/batch", { transactions: [] }, { Accept: "text/html" });
    assert.equal(res.status, 302, "non-JSON clients are redirected back");
  });

  test("gift batch: balances, every failure code, and idempotency by transaction_id", async () => {
    await laravel.addGift({ id: "broken", price: 1, processing_error: true });
    const res = await post("/gifts/batch", {
      transactions: [
        tx("t1", { quantity: 2 }), tx("t1", { quantity: 2 }), tx("t2", { gift_id: "nope" }),
        tx("t3", { quantity: 100 }), tx("t4", { recipient_id: 99 }), tx("t5", { gift_id: "broken" }),
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      processed: 1,
      failed: [
        { transaction_id: "t1", error: "duplicate_transaction", sender_id: 1 },
        { transaction_id: "t2", error: "invalid_gift", sender_id: 1 },
        { transaction_id: "t3", error: "insufficient_balance", sender_id: 1 },
        { transaction_id: "t4", error: "invalid_recipient", sender_id: 1 },
        { transaction_id: "t5", error: "processing_error", sender_id: 1 },
      ],
    });
    assert.equal((await laravel.getUser(1)).coin_balance, 800);
    assert.equal((await laravel.getUser(2)).diamond_balance, 160);
    const again = await (await post("/gifts/batch", { transactions: [tx("t1", { quantity: 2 })] })).json();
    assert.deepEqual(again.failed, [{ transaction_id: "t1", error: "duplicate_transaction", sender_id: 1 }]);
    assert.equal((await laravel.getUser(1)).coin_balance, 800, "a re-sent transaction is not charged twice");
    assert.equal((await laravel.ledger()).length, 1);
  });

  test("room status: validation, 404 for unknown rooms, history", async () => {
    let res = await post(`/rooms/${ROOM}/status`, { is_live: "yes", participant_count: -1 });
    assert.equal(res.status, 422);
    assert.deepEqual(Object.keys((await res.json()).errors), ["is_live", "participant_count"]);
    res = await post(`/rooms/${ROOM}/status`, { is_live: true, participant_count: 3 });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { message: "Room not found." });
    await laravel.addRoom(ROOM);
    res = await post(`/rooms/${ROOM}/status`, { is_live: false, participant_count: 0, closed_at: "2024-01-15T12:30:45.000Z" });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { success: true });
    const room = await laravel.getRoom(ROOM);
    assert.equal(room.room.is_live, 0);
    assert.equal(room.updates.length, 1);
    // The optional extension: a room with an owner names it.
    const owned = "7d0c5a1e-2b3c-4d5e-8f90-a1b2c3d4e5f6";
    await laravel.addRoom(owned, 1);
    res = await post(`/rooms/${owned}/status`, { is_live: true, participant_count: 0 });
    assert.deepEqual(await res.json(), { success: true, owner_id: 1 });
  });

  test("faults: 500 for the next N calls, canned bodies, dropped connections; calls are recorded", async () => {
    await laravel.clearCalls();
    await laravel.fault({ status: 500, count: 2 });
    assert.equal((await post("/auth/validate", undefined, { Authorization: "Bearer 1|good" })).status, 500);
    assert.equal((await post("/auth/validate", undefined, { Authorization: "Bearer 1|good" })).status, 500);
    assert.equal((await post("/auth/validate", undefined, { Authorization: "Bearer 1|good" })).status, 200);
    await laravel.fault({ drop: "before" });
    await assert.rejects(post("/auth/validate", undefined, { Authorization: "Bearer 1|good" }));
    const calls = await laravel.calls("/api/v1/internal/auth/validate");
    assert.deepEqual(calls.map((c) => c.status), [500, 500, 200, "dropped"]);
    assert.equal(calls[0].headers["x-internal-key"], KEY);
  });
});
