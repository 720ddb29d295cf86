// Several roomcastd nodes on one real redis-server (docs/operations.md#several-nodes):
// node ids are unique, GET /admin/nodes lists the live nodes, a room lives on
// exactly one node, clients that reach another node are redirected there
// (room_elsewhere), GET /api/rooms/{id}/node says where to go first, and
// data/web/roomcast-client.js follows the redirect itself.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { TIME_SCALE, request, waitFor } from "./lib/harness.mjs";
import { startCluster, joinFollowing, adminNodes, adminRooms, loadRoomcastClient } from "./lib/cluster.mjs";

const API_KEY = "cluster-test-api-key-0123456789";
const ms = (n) => n * TIME_SCALE;
let roomSeq = 0;
const newRoom = () => `c1a57e00-0000-4000-8000-${String(++roomSeq).padStart(12, "0")}`;

describe("a cluster of 3 nodes on one Redis", () => {
  let cluster;
  const sockets = [];
  before(async () => {
    cluster = await startCluster(3, { env: { BROADCAST_API_KEY: API_KEY, MEDIA_ENABLED: "false" } });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await cluster?.stop();
  });

  test("a second process with a live node's WORKER_ID refuses to start, naming that node", async () => {
    const [n1] = cluster.nodes;
    await assert.rejects(cluster.start("n1"), (err) => {
      assert.match(err.message, /roomcastd exited \(1\)/);
      assert.match(err.message, new RegExp(`WORKER_ID=n1 is held by the live node at ${n1.url} \\(last heartbeat \\d+ ms ago`));
      return true;
    });
    // The live node kept its claim.
    const record = JSON.parse(await cluster.redis.command("GET", "cluster:node:n1"));
    assert.equal(record.url, n1.url);
  });

  test("GET /admin/nodes lists the live nodes with their URL and load", async () => {
    const { clustered, nodes } = await adminNodes(cluster.nodes[1].url);
    assert.equal(clustered, true);
    assert.deepEqual(nodes.map((n) => n.id), ["n1", "n2", "n3"]);
    for (const n of nodes) {
      assert.equal(n.url, cluster.nodes.find((s) => s.id === n.id).url);
      assert.equal(n.self, n.id === "n2");
      for (const k of ["rooms", "participants", "mediaPeers", "startedAt", "heartbeatAgeMs"])
        assert.equal(typeof n[k], "number", k);
      assert.ok(n.heartbeatAgeMs < ms(6000), `${n.id}'s heartbeat is ${n.heartbeatAgeMs} ms old`);
    }
    const metrics = await (await fetch(`${cluster.nodes[0].url}/metrics`)).text();
    assert.match(metrics, /roomcast_cluster_nodes\{node="n1"\} 3\b/);
    assert.match(metrics, /roomcast_cluster_node_claim_renewals_total\{node="n1"\} [1-9]/);
  });

  test("clients connecting to random nodes end up together in their room", async () => {
    const roomId = newRoom();
    const joined = [];
    for (let i = 0; i < 8; i++) {
      const j = await joinFollowing(cluster.urls()[(i + 1) % 3], `dev:${100 + i}:User${i}`, roomId);
      sockets.push(j.socket);
      joined.push(j);
    }
    const owner = joined[0].url;
    assert.ok(joined.every((j) => j.url === owner), "every client on the room's node");
    assert.ok(joined.some((j) => j.hops > 0), "some were redirected");
    const last = joined.at(-1).ack;
    assert.equal(last.participants.length, 8);
    assert.equal(await cluster.redis.command("GET", `room:node:${roomId}`), cluster.byUrl(owner).id);
    for (const url of cluster.urls())
      assert.equal((await adminRooms(url)).includes(roomId), url === owner, `room on ${url}`);
    // The others hear a chat message from the last one.
    const heard = joined.slice(0, -1).map((j) => new Promise((resolve) => j.socket.once("chat:message", resolve)));
    await request(joined.at(-1).socket, "chat:send", { text: "hello cluster" });
    for (const m of await Promise.all(heard)) assert.equal(m.text, "hello cluster");
  });

  test("room_elsewhere carries the owner's url and nodeId", async () => {
    const roomId = newRoom();
    const [n1, n2] = cluster.nodes;
    const first = await joinFollowing(n1.url, "dev:200:Ann", roomId);
    sockets.push(first.socket);
    const { connect } = await import("./lib/harness.mjs");
    const other = await connect(n2, "dev:201:Bob");
    sockets.push(other);
    const ack = await request(other, "room:join", { roomId });
    assert.equal(ack.ok, false);
    assert.equal(ack.error.code, "room_elsewhere");
    assert.equal(ack.error.url, n1.url);
    assert.equal(ack.error.nodeId, "n1");
  });

  test("two nodes racing to create the same room produce one room", async () => {
    for (let round = 0; round < 5; round++) {
      const roomId = newRoom();
      const { connect } = await import("./lib/harness.mjs");
      const clients = await Promise.all(cluster.nodes.map((s, i) => connect(s, `dev:${300 + 10 * round + i}:R${i}`)));
      sockets.push(...clients);
      const acks = await Promise.all(clients.map((c) => request(c, "room:join", { roomId })));
      const ok = acks.filter((a) => a.ok);
      assert.equal(ok.length, 1, `round ${round}: ${JSON.stringify(acks.map((a) => a.ok || a.error.code))}`);
      const winner = cluster.nodes[acks.findIndex((a) => a.ok)];
      for (const a of acks.filter((x) => !x.ok)) {
        assert.equal(a.error.code, "room_elsewhere");
        assert.equal(a.error.nodeId, winner.id);
      }
      let open = 0;
      for (const url of cluster.urls()) open += (await adminRooms(url)).includes(roomId) ? 1 : 0;
      assert.equal(open, 1);
    }
  });

  test("GET /api/rooms/{id}/node places a room and names its node; joining there needs no redirect", async () => {
    const roomId = newRoom();
    const ask = (url, key = API_KEY) => fetch(`${url}/api/rooms/${roomId}/node`, { headers: { "X-WebSocket-API-Key": key } });
    assert.equal((await ask(cluster.nodes[2].url, "wrong-key-wrong-key")).status, 403);
    assert.equal((await fetch(`${cluster.nodes[2].url}/api/rooms/not-a-uuid/node`,
      { headers: { "X-WebSocket-API-Key": API_KEY } })).status, 404);
    const res = await ask(cluster.nodes[2].url);
    assert.equal(res.status, 200);
    const place = await res.json();
    assert.deepEqual(place, { roomId, nodeId: "n3", url: cluster.nodes[2].url });
    // Asked through another node: the same answer.
    assert.deepEqual(await (await ask(cluster.nodes[0].url)).json(), place);
    const j = await joinFollowing(place.url, "dev:400:Cy", roomId);
    sockets.push(j.socket);
    assert.equal(j.hops, 0);
  });

  test("a closed room's claim is released: the room may open anywhere next", async () => {
    const roomId = newRoom();
    const j = await joinFollowing(cluster.nodes[0].url, "dev:500:Dee", roomId);
    assert.equal(await cluster.redis.command("GET", `room:node:${roomId}`), "n1");
    const ack = await request(j.socket, "room:close", {});
    assert.equal(ack.ok, true);
    j.socket.close();
    await waitFor(async () => (await cluster.redis.command("EXISTS", `room:node:${roomId}`)) === 0, ms(5000),
      "the claim released");
  });

  test("/metrics counts the rooms each node owns", async () => {
    const roomId = newRoom();
    const j = await joinFollowing(cluster.nodes[2].url, "dev:550:Gus", roomId);
    sockets.push(j.socket);
    await waitFor(async () => /roomcast_cluster_rooms_owned\{node="n3"\} [1-9]/.test(
      await (await fetch(`${cluster.nodes[2].url}/metrics`)).text()), ms(6000), "n3's rooms renewed");
    const metrics = await (await fetch(`${cluster.nodes[2].url}/metrics`)).text();
    assert.match(metrics, /roomcast_cluster_room_claim_renewals_total\{node="n3"\} [1-9]/);
    assert.match(metrics, /roomcast_cluster_room_claims_lost_total\{node="n3"\} 0\b/);
  });

  test("roomcast-client.js follows room_elsewhere to the room's node", async () => {
    const { RoomcastClient, cleanup } = await loadRoomcastClient();
    try {

      const roomId = newRoom();
      const host = await joinFollowing(cluster.nodes[1].url, "dev:600:Host", roomId);
      sockets.push(host.socket);
      const client = new RoomcastClient();
      const moves = [];
      client.on("node", (n) => moves.push(n));
      try {
        await client.connect({ url: cluster.nodes[0].url, token: "dev:601:Eve" });
        const ack = await client.join(roomId);
        assert.equal(ack.ok, true);
        assert.deepEqual(moves, [{ url: cluster.nodes[1].url, nodeId: "n2" }]);
        assert.equal(client.connectionState, "connected");
        assert.deepEqual(client.participantList.map((p) => p.userId).sort(), ["600", "601"]);
        const seat = await client.request("seat:take", {});
        assert.equal(seat.ok, true);
      } finally {
        client.disconnect();
      }
    } finally {
      cleanup();
    }
  });
});

describe("placement past CLUSTER_MAX_ROOMS_PER_NODE, and a clean stop", () => {
  let cluster;
  const sockets = [];
  before(async () => {
    cluster = await startCluster(2, { env: { CLUSTER_MAX_ROOMS_PER_NODE: "1", MEDIA_ENABLED: "false" } });
    // n1 knows of n2 (its list of nodes comes with its heartbeats).
    await waitFor(async () => (await (await fetch(`${cluster.nodes[0].url}/health`)).json()).cluster.nodes === 2,
      ms(6000), "n1 sees both nodes");
  });
  after(async () => {
    for (const s of sockets) s.close();
    await cluster?.stop();
  });

  let first, firstRoom;
  test("a node at its room limit places a new room on the least loaded node", async () => {
    const [n1, n2] = cluster.nodes;
    firstRoom = newRoom();
    first = await joinFollowing(n1.url, "dev:800:A", firstRoom);
    sockets.push(first.socket);
    assert.equal(first.url, n1.url);
    const second = await joinFollowing(n1.url, "dev:801:B", newRoom());
    sockets.push(second.socket);
    assert.equal(second.hops, 1);
    assert.equal(second.url, n2.url);
  });

  test("a node that finds its room claimed by another live node lets it go without closing it", async () => {
    const [n1, n2] = cluster.nodes;
    assert.equal((await request(first.socket, "seat:take", { seat: 1 })).ok, true);
    // As if n1 had been out of Redis's reach longer than its claims live.
    const disconnected = new Promise((resolve) => first.socket.once("disconnect", resolve));
    await cluster.redis.command("SET", `room:node:${firstRoom}`, "n2", "PX", "6000");
    assert.equal(await disconnected, "io server disconnect");
    await n1.waitForLog(/room .* runs on another node now; its 1 connection\(s\) here are disconnected/);
    assert.deepEqual(await adminRooms(n1.url), []);
    const state = JSON.parse(await cluster.redis.command("GET", `room:state:${firstRoom}`));
    assert.notEqual(state.status, "CLOSED");
    // Back through n1: sent to n2, which opens the room from n1's last
    // room:restore, the seat held.
    const again = await joinFollowing(n1.url, "dev:800:A", firstRoom);
    sockets.push(again.socket);
    assert.equal(again.url, n2.url);
    assert.equal(again.ack.you.seat, 1);
    assert.equal(await cluster.redis.command("GET", `room:node:${firstRoom}`), "n2");
  });

  test("SIGTERM removes the node at once: its id may start again without waiting", async () => {
    const [, n2] = cluster.nodes;
    assert.equal(await n2.stop("SIGTERM"), 0);
    assert.equal(await cluster.redis.command("EXISTS", "cluster:node:n2"), 0);
    assert.equal(await cluster.redis.command("SISMEMBER", "cluster:nodes", "n2"), 0);
    const nodes = (await adminNodes(cluster.nodes[0].url)).nodes.map((n) => n.id);
    assert.deepEqual(nodes, ["n1"]);
    const started = Date.now();
    const again = await cluster.start("n2");
    cluster.nodes.push(again);
    assert.ok(Date.now() - started < ms(3000), `the restart took ${Date.now() - started} ms`);
  });
});
