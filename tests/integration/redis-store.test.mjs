// Room state, seats, pinned owners and rate limits in a real Redis
// (docs/protocol.md#redis-keys-written): the keys and shapes operators see,
// and rate limits that two workers on the same Redis share.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, connect, request, next, waitFor } from "./lib/harness.mjs";
import { startRedis } from "./lib/redis.mjs";

describe("Redis store", () => {
  let redis, a, b;
  const sockets = [];
  before(async () => {
    redis = await startRedis();
    const env = { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), RATE_LIMIT_MESSAGES_PER_MINUTE: "3" };
    // Two nodes of one cluster: each its own WORKER_ID.
    [a, b] = await Promise.all([startServer({ env: { ...env, WORKER_ID: "a" } }),
                                startServer({ env: { ...env, WORKER_ID: "b" } })]);
    for (const s of [a, b])
      await waitFor(async () => (await (await fetch(`${s.url}/health`)).json()).redis === "connected", 5000, "redis");
  });
  after(async () => {
    for (const s of sockets) s.close();
    await a?.stop();
    await b?.stop();
    await redis?.destroy();
  });

  test("room:state (JSON, 24 h TTL) and room:seats (position -> userId)", async () => {
    const roomId = "c0ffee00-1111-4222-8333-000000000001";
    const host = await connect(a, "dev:11:Host");
    sockets.push(host);
    await request(host, "room:join", { roomId });
    assert.deepEqual(await request(host, "seat:take", { seat: 2 }), { ok: true, seat: 2 });
    await waitFor(async () => (await redis.command("HGET", `room:seats:${roomId}`, "2")) === "11", 5000, "seats");
    const state = JSON.parse(await redis.command("GET", `room:state:${roomId}`));
    assert.equal(state.id, roomId);
    assert.equal(state.status, "ACTIVE");
    assert.equal(state.participantCount, 1);
    assert.deepEqual(state.speakers, ["11"]);
    const ttl = await redis.command("PTTL", `room:state:${roomId}`);
    assert.ok(ttl > 23 * 3600 * 1000 && ttl <= 24 * 3600 * 1000, `TTL ${ttl}`);
    assert.equal(await redis.command("TTL", `room:seats:${roomId}`), -1);
    assert.deepEqual(await request(host, "seat:leave"), { ok: true });
    await waitFor(async () => (await redis.command("EXISTS", `room:seats:${roomId}`)) === 0, 5000, "no seats");
  });

  test("room:owner pins the host", async () => {
    const roomId = "c0ffee00-1111-4222-8333-000000000002";
    await redis.command("SET", `room:owner:${roomId}`, "42");
    const first = await connect(a, "dev:12:First");
    sockets.push(first);
    const joined = await request(first, "room:join", { roomId });
    assert.equal(joined.room.hostId, "42");
    assert.equal(joined.you.role, "member");
  });

  test("chat rate limits live in ratelimit:* and are shared by the workers", async () => {
    const [r1, r2] = ["c0ffee00-1111-4222-8333-000000000003", "c0ffee00-1111-4222-8333-000000000004"];
    const onA = await connect(a, "dev:13:Chatty");
    const onB = await connect(b, "dev:13:Chatty");
    sockets.push(onA, onB);
    await request(onA, "room:join", { roomId: r1 });
    await request(onB, "room:join", { roomId: r2 });
    assert.equal((await request(onA, "chat:send", { text: "one" })).ok, true);
    assert.equal((await request(onA, "chat:send", { text: "two" })).ok, true);
    assert.equal((await request(onB, "chat:send", { text: "three" })).ok, true);
    const refused = await request(onB, "chat:send", { text: "four" });
    assert.equal(refused.error.code, "rate_limited");
    assert.ok(refused.error.retryAfterMs > 0 && refused.error.retryAfterMs <= 60000);
    assert.equal((await request(onA, "chat:send", { text: "five" })).error.code, "rate_limited");
    const pttl = await redis.command("PTTL", "ratelimit:chat:13");
    assert.ok(pttl > 0 && pttl <= 60000, `PTTL ${pttl}`);
    // typing has a budget of its own
    assert.equal((await request(onA, "typing", { isTyping: true })).ok, true);
    assert.ok(await redis.command("EXISTS", "ratelimit:typing:13"));
  });

  test("with Redis down the room keeps working (rate limits counted in process)", async () => {
    const roomId = "c0ffee00-1111-4222-8333-000000000005";
    const s1 = await connect(a, "dev:14:One");
    const s2 = await connect(a, "dev:15:Two");
    sockets.push(s1, s2);
    await request(s1, "room:join", { roomId });
    await request(s2, "room:join", { roomId });
    await redis.stop();
    await waitFor(async () => (await (await fetch(`${a.url}/health`)).json()).redis !== "connected", 5000, "redis down");
    const message = next(s2, "chat:message");
    assert.equal((await request(s1, "chat:send", { text: "redis is down" })).ok, true);
    assert.equal((await message)[0].text, "redis is down");
    await a.waitForLog(/rate limits: the store failed/);
    await redis.restart();
    await waitFor(async () => (await (await fetch(`${a.url}/health`)).json()).redis === "connected", 10000, "redis back");
  });
});
