// kill -9 of the node that runs a busy room (docs/operations.md#failover):
// its claims expire, its clients come back through other nodes and follow
// room_elsewhere to the room's new node, where the room is open again with
// its seats, roles, locks, mutes, bans and settings; the in-flight gift batch
// of the dead node is taken over by a live node and every acknowledged gift
// is applied exactly once (the strict fake Laravel's ledger); Laravel never
// hears that the room closed. Prints how long the room was away.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { TIME_SCALE, request, waitFor } from "./lib/harness.mjs";
import { startFakeLaravel } from "./lib/fake-laravel.mjs";
import { startCluster, joinFollowing, loadRoomcastClient } from "./lib/cluster.mjs";

const KEY = "internal-key-for-cluster-tests-0123456789abcdef";
const BATCH_PATH = "/api/v1/internal/gifts/batch";
const ms = (n) => n * TIME_SCALE;
const roomId = "c1a57e00-fa11-4000-8000-000000000001";
const statusPath = `/api/v1/internal/rooms/${roomId}/status`;

// Join through @entry until the room answers (its node may be dead for a
// while: connections refused, redirects to it). Resolves with the join.
async function rejoin(entry, token) {
  for (;;) {
    try {
      return await joinFollowing(entry, token, roomId, { timeout: ms(2000) });
    } catch (err) {
      if (err.ack) throw err; // a refusal other than room_elsewhere
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe("failover of a busy room", () => {
  let laravel, cluster, client, cleanupClient;
  const sockets = [];
  before(async () => {
    laravel = await startFakeLaravel({ internalKey: KEY, autoCreateRooms: true });
    await laravel.addGift({ id: "heart", price: 10 });
    for (const [id, coins] of [[700, 0], [701, 0], [702, 0], [703, 1000000], [704, 0], [705, 0], [706, 0]])
      await laravel.addUser({ id, name: `U${id}`, email: `u${id}@example.com`, coin_balance: coins });
    await laravel.addRoom(roomId, 700);
    cluster = await startCluster(3, {
      env: {
        LARAVEL_API_URL: laravel.url, LARAVEL_INTERNAL_KEY: KEY, LARAVEL_TIMEOUT_MS: "10000",
        GIFT_RATE_LIMIT_PER_MINUTE: "1000000", ROOM_GRACE_PERIOD_S: "60", LOG_LEVEL: "info",
        SIO_EVENTS_PER_SECOND: "1000000", SIO_EVENTS_BURST: "1000000",
      },
    });
  });
  after(async () => {
    client?.disconnect();
    cleanupClient?.();
    for (const s of sockets) s.close();
    await cluster?.stop();
    await laravel?.stop();
  });

  test("the room is back on another node with its state; every acknowledged gift applied once", async (t) => {
    const [n1, n2, n3] = cluster.nodes;
    // The host opens the room on n1; the others come in through n2 and n3.
    const entries = { 700: n1.url, 701: n2.url, 702: n3.url, 703: n2.url, 704: n3.url };
    const joined = {};
    for (const [id, entry] of Object.entries(entries)) {
      joined[id] = await joinFollowing(entry, `dev:${id}:U${id}`, roomId);
      sockets.push(joined[id].socket);
      assert.equal(joined[id].url, n1.url, `user ${id} on the room's node`);
    }
    const s = (id) => joined[id].socket;
    assert.equal(joined[700].ack.you.role, "host");
    for (const [id, seat] of [[700, 0], [701, 1], [702, 2]])
      assert.equal((await request(s(id), "seat:take", { seat })).ok, true);
    // User 706 is roomcast-client.js, come in through n3: it follows the
    // redirect to n1, and after n1 dies finds the room again by itself.
    let RoomcastClient;
    ({ RoomcastClient, cleanup: cleanupClient } = await loadRoomcastClient());
    client = new RoomcastClient();
    const moves = [];
    client.on("node", (n) => moves.push(n.nodeId));
    const clientLog = [];
    client.on("connection", (c) => clientLog.push(`${Date.now()} connection ${c.state} ${c.reason}`));
    client.on("closed", (c) => clientLog.push(`${Date.now()} closed ${JSON.stringify(c)}`));
    client.on("error", (e) => clientLog.push(`${Date.now()} error ${e.code} ${e.message}`));
    await client.connect({ url: n3.url, token: "dev:706:U706" });
    await client.join(roomId);
    assert.equal((await client.request("seat:take", { seat: 4 })).ok, true);
    assert.deepEqual(moves, ["n1"]);
    assert.equal((await request(s(700), "room:moderator", { userId: "701", moderator: true })).ok, true);
    assert.equal((await request(s(700), "seat:lock", { seat: 5, locked: true })).ok, true);
    assert.equal((await request(s(701), "seat:mute", { seat: 2, muted: true })).ok, true);
    assert.equal((await request(s(700), "user:ban", { userId: "705" })).ok, true);
    assert.equal((await request(s(700), "room:update", { seatMode: "request", title: "Failover" })).ok, true);
    assert.equal((await request(s(702), "mic:mute", { muted: true })).ok, true);

    // A gift flood; Laravel holds one batch for 3 s (then applies it), so n1
    // dies with it in flight: the live node that takes it over sends it again.
    await laravel.fault({ path: BATCH_PATH, count: 1, delay_ms: 3000 });
    const acked = [];
    const giftFailures = [];
    s(703).on("gift:failed", (e) => giftFailures.push(e));
    let flooding = true;
    const flood = (async () => {
      while (flooding) {
        const ack = await request(s(703), "gift:send", { recipientId: 700, giftId: "heart" });
        assert.equal(ack.ok, true, JSON.stringify(ack));
        acked.push(ack.transactionId);
      }
    })();
    await waitFor(async () => (await cluster.redis.command("EXISTS", "gifts:inflight:n1")) === 1 &&
                              (await laravel.calls(BATCH_PATH)).length >= 1 && acked.length >= 50,
    ms(10000), "a batch of n1 in flight at Laravel");
    flooding = false;
    await flood;
    assert.equal(await cluster.redis.command("GET", `room:node:${roomId}`), "n1");

    const killedAt = Date.now();
    n1.proc.kill("SIGKILL");
    await n1.exited;
    for (const id of Object.keys(joined)) joined[id].socket.close();

    // Everyone comes back through their entry node (the host through n2).
    entries[700] = n2.url;
    const back = {};
    back[701] = await rejoin(entries[701], "dev:701:U701");
    const awayMs = Date.now() - killedAt;
    t.diagnostic(`failover: room ${roomId} open again on ${back[701].url} ${awayMs} ms after kill -9 ` +
                 `(CLUSTER_HEARTBEAT_MS=2000, CLUSTER_NODE_TTL_MS=6000)`);
    console.log(`# failover bound measured: ${awayMs} ms`);
    const owner = back[701].url;
    assert.ok(owner === n2.url || owner === n3.url);
    const snap = back[701].ack;
    // Seats, their occupants (the others still away, their seats held), locks, mutes.
    const seat = (i) => snap.seats[i];
    assert.equal(seat(0).userId, "700");
    assert.equal(seat(1).userId, "701");
    assert.equal(seat(2).userId, "702");
    assert.equal(seat(2).muted, true);
    assert.equal(seat(2).micMuted, true);
    assert.equal(seat(5).locked, true);
    assert.equal(snap.room.seatMode, "request");
    assert.equal(snap.room.title, "Failover");
    assert.equal(snap.room.hostId, "700");
    assert.equal(snap.you.role, "moderator");
    assert.equal(snap.you.seat, 1);
    // The other seated users are away (roomcast-client.js's 706 may be back already).
    const away = snap.participants.filter((p) => !p.connected).map((p) => p.userId).filter((id) => id !== "706");
    assert.deepEqual(away.sort(), ["700", "702"]);
    assert.deepEqual(snap.participants.map((p) => p.userId).sort(), ["700", "701", "702", "706"]);
    sockets.push(back[701].socket);
    for (const id of [700, 702, 703, 704]) {
      back[id] = await rejoin(entries[id], `dev:${id}:U${id}`);
      sockets.push(back[id].socket);
      back[id].socket.on("gift:failed", (e) => giftFailures.push(e));
      assert.equal(back[id].url, owner);
    }
    assert.equal(back[700].ack.you.role, "host");
    assert.equal(back[700].ack.you.seat, 0);
    assert.equal(back[702].ack.you.seat, 2);
    assert.equal(back[704].ack.you.seat, null);
    // roomcast-client.js is back in the room on its seat, on the node that
    // runs the room (redirected there, unless that is its entry node n3).
    await waitFor(async () => {
      const nodeId = await cluster.redis.command("GET", `room:node:${roomId}`);
      const url = cluster.nodes.find((n) => n.id === nodeId)?.url;
      return client.connectionState === "connected" && client.room?.id === roomId &&
             client.you?.seat === 4 && client.socket?.io.uri === url;
    }, ms(20000), "roomcast-client.js back in the room, on its node")
      .catch((err) => {
        t.diagnostic(`client: ${client.connectionState} room=${client.room?.id} you=${JSON.stringify(client.you)} ` +
                     `uri=${client.socket?.io.uri} moves=${moves} owner=${owner}\n${clientLog.join("\n")}`);
        throw err;
      });
    // The ban holds on the new node.
    await assert.rejects(rejoin(n3.url, "dev:705:U705"), (err) => err.ack.error.code === "banned");

    // The dead node's in-flight batch was taken over (and none is left
    // anywhere); every acknowledged gift is in Laravel's ledger exactly once.
    const inflight = (await laravel.calls(BATCH_PATH))[0].body;
    const heldAtDeath = acked.filter((id) => inflight.includes(id));
    assert.ok(heldAtDeath.length > 0);
    await waitFor(async () => {
      const [pending, a, b, c] = await Promise.all([
        cluster.redis.command("LLEN", "gifts:pending"),
        ...["n1", "n2", "n3"].map((n) => cluster.redis.command("EXISTS", `gifts:inflight:${n}`)),
      ]);
      const ids = (await laravel.ledger()).map((r) => r.transaction_id);
      return pending === 0 && a + b + c === 0 && acked.every((id) => ids.includes(id));
    }, ms(30000), "every acknowledged gift applied, no batch left");
    t.diagnostic(`${acked.length} gifts acknowledged, ${heldAtDeath.length} of them in n1's batch at its death`);
    const counts = new Map();
    for (const r of await laravel.ledger()) counts.set(r.transaction_id, (counts.get(r.transaction_id) ?? 0) + 1);
    for (const id of acked) assert.equal(counts.get(id), 1, `${id} applied ${counts.get(id)} times`);
    assert.equal(await cluster.redis.command("EXISTS", "gifts:inflight:n1"), 0);
    assert.equal(await cluster.redis.command("SISMEMBER", "cluster:nodes", "n1"), 0);
    const reaper = [n2, n3].find((n) => /cluster: node n1 is gone.*item\(s\) of its gifts:inflight: list moved to gifts:inflight:n[23]/.test(n.logs()));
    assert.ok(reaper, "a live node reaped n1 and took its in-flight list");
    // Sent again as a re-sent batch: Laravel's duplicates of it count as applied.
    const metrics = await (await fetch(`${reaper.url}/metrics`)).text();
    assert.match(metrics, /roomcast_gift_transactions_total\{result="duplicate_after_retry"\} [1-9]/);
    assert.deepEqual(giftFailures, []);

    // Laravel heard the room live throughout: never closed.
    const updates = (await laravel.getRoom(roomId)).updates.map((u) => u.body);
    assert.ok(updates.length >= 2);
    assert.ok(updates.every((u) => u.is_live === true), JSON.stringify(updates));
    assert.equal(await cluster.redis.command("GET", `room:node:${roomId}`), cluster.byUrl(owner).id);

    // Speakers can bring their audio back on the new node.
    const media = await request(back[701].socket, "media:connect", {});
    assert.equal(media.ok, true, JSON.stringify(media));
    assert.equal(media.offer.type, "offer");
  });
});

describe("a dead node's room that nobody comes back to", () => {
  let laravel, cluster;
  const orphan = "c1a57e00-fa11-4000-8000-000000000002";
  before(async () => {
    laravel = await startFakeLaravel({ internalKey: KEY, autoCreateRooms: true });
    await laravel.addUser({ id: 720, name: "U720", email: "u720@example.com", coin_balance: 0 });
    await laravel.addRoom(orphan, 720);
    // Short claims and grace: the takeover is the same, only faster.
    cluster = await startCluster(2, {
      env: {
        LARAVEL_API_URL: laravel.url, LARAVEL_INTERNAL_KEY: KEY, ROOM_GRACE_PERIOD_S: "2",
        CLUSTER_HEARTBEAT_MS: "500", CLUSTER_NODE_TTL_MS: "1500", MEDIA_ENABLED: "false",
      },
    });
  });
  after(async () => {
    await cluster?.stop();
    await laravel?.stop();
  });

  test("is opened by the node that reaped its node, and closes after the grace period: Laravel hears it closed", async () => {
    const [n1, n2] = cluster.nodes;
    const host = await joinFollowing(n1.url, "dev:720:U720", orphan);
    assert.equal((await request(host.socket, "seat:take", { seat: 0 })).ok, true);
    await waitFor(async () => (await cluster.redis.command("SMEMBERS", "cluster:node-rooms:n1")).includes(orphan),
      ms(3000), "n1's rooms set");
    n1.proc.kill("SIGKILL");
    await n1.exited;
    host.socket.close();
    // n2 reaps n1 and opens its room, the host's seat held.
    await n2.waitForLog(new RegExp(`room open: ${orphan}, restored from the node that ran it \\(host 720, 1 seated`), ms(8000));
    assert.equal(await cluster.redis.command("GET", `room:node:${orphan}`), "n2");
    assert.equal(await cluster.redis.command("EXISTS", "cluster:node-rooms:n1"), 0);
    // Nobody comes: the room closes after the grace period, from n2.
    await waitFor(async () => (await laravel.getRoom(orphan)).updates.some((u) => u.body.is_live === false),
      ms(10000), "Laravel told the room closed");
    const updates = (await laravel.getRoom(orphan)).updates.map((u) => u.body);
    assert.equal(updates.at(-1).is_live, false);
    assert.equal(updates.filter((u) => u.is_live === false).length, 1);
    await waitFor(async () => (await cluster.redis.command("EXISTS", `room:node:${orphan}`)) === 0, ms(3000),
      "the claim released");
    assert.equal(await cluster.redis.command("EXISTS", `room:restore:${orphan}`), 0);
  });
});
