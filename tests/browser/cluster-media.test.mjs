// Room audio in Chromium across a cluster (docs/operations.md#several-nodes):
// 3 roomcastd nodes on one real redis-server, each page opening the web demo
// on its own node. The room runs on one node; roomcast-client.js follows
// room_elsewhere to it, and there speakers hear each other and not
// themselves, a listener hears both (tone levels, lib/tones.mjs). Then the
// room's node is killed with -9: the pages' clients go back to their entry
// node by themselves, which leads them to the room's new node, and the
// speakers hear each other again there (how long that took is printed).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { waitFor } from "../integration/lib/harness.mjs";
import { startCluster, joinFollowing, adminRooms } from "../integration/lib/cluster.mjs";
import { WEB_ROOT, IN_NETNS, launchChromium, newPage, saveLogs, missingPrerequisite } from "./lib/browser.mjs";
import { ALICE_HZ, BOB_HZ, toneMicrophone, startMeter, joinRoom, waitHearing } from "./lib/tones.mjs";

const skip = missingPrerequisite()
  ?? (!IN_NETNS ? "not inside a loopback-only network namespace (tests/browser/netns.sh)" : null);

// Where a page's client is: the URL its socket is connected to, the nodes
// it was sent to, its media and seat.
const whereIs = (page) => page.evaluate(() => {
  const c = window.roomcastApp.client;
  return {
    url: c.socket?.io?.uri ?? null,
    connected: !!c.socket?.connected,
    moves: window.__nodeMoves.map((n) => n.nodeId),
    media: c.media.state,
    seated: !!c.seated,
    micLive: !!c.micLive,
  };
});

describe("room audio in Chromium across 3 nodes on one Redis", { skip: skip ?? false }, () => {
  let cluster, browser;
  const pages = [];
  const page = async (name, hz) => {
    const p = await newPage(browser, { name });
    if (hz) await p.context().addInitScript(toneMicrophone, hz);
    pages.push(p);
    return p;
  };
  const nodeOfRoom = (roomId) => cluster.redis.command("GET", `room:node:${roomId}`);

  before(async () => {
    cluster = await startCluster(3, {
      env: { WEB_ROOT, RTC_LISTEN_IP: "127.0.0.1", SEATS_PER_ROOM: "8", ROOM_GRACE_PERIOD_S: "60" },
    });
    browser = await launchChromium();
    // A page allows connecting to the nodes its node knew when it served the
    // page (docs/operations.md#several-nodes): nodes started together learn
    // of each other at their next heartbeat. Pages are opened once every
    // node's page names every node.
    const origins = cluster.nodes.map((n) => n.url.replace("http:", "ws:"));
    for (const n of cluster.nodes) {
      await waitFor(async () => {
        const csp = (await fetch(`${n.url}/`)).headers.get("content-security-policy") ?? "";
        return origins.every((o) => csp.includes(o));
      }, 15000, `${n.url}'s page names every node`);
    }
  });
  after(async () => {
    saveLogs("cluster-media", pages);
    await browser?.close();
    await cluster?.stop();
  });

  // Opens the demo on @entry, joins, waits for media; a speaker takes a seat.
  async function enter(p, entry, token, roomId, speaker) {
    await joinRoom(p, entry.url, token, roomId);
    await p.waitForFunction(() => window.roomcastApp.client.media.state === "connected", null, { timeout: 20000 });
    if (!speaker) return;
    await p.locator("#seat-btn").click();
    await p.locator("#seats .seat.mine").waitFor();
    await p.waitForFunction(() => window.roomcastApp.client.micLive, null, { timeout: 10000 });
  }

  test("pages entering through different nodes are sent to the room's node and hear each other", async (t) => {
    const [n1, n2, n3] = cluster.nodes;
    const roomId = randomUUID();
    const alice = await page("alice", ALICE_HZ), bob = await page("bob", BOB_HZ), lis = await page("listener", 0);
    try {
      // Alice comes first, through n1: the room is placed there.
      await enter(alice, n1, "dev:1:Alice", roomId, true);
      assert.equal(await nodeOfRoom(roomId), "n1");
      await enter(bob, n2, "dev:2:Bob", roomId, true);
      await enter(lis, n3, "dev:3:Lis", roomId, false);

      for (const [p, name, moves] of [[alice, "Alice", []], [bob, "Bob", ["n1"]], [lis, "the listener", ["n1"]]]) {
        const at = await whereIs(p);
        t.diagnostic(`${name}: connected to ${at.url}, moved to ${JSON.stringify(at.moves)}`);
        assert.deepEqual(at.moves, moves, `${name}'s room_elsewhere moves`);
        assert.equal(at.url, n1.url, `${name} ends up on the room's node`);
      }
      // What lets the page served by n3 follow the redirect at all.
      const csp = (await fetch(`${n3.url}/`)).headers.get("content-security-policy");
      assert.match(csp, new RegExp(`connect-src 'self'[^;]* ${n1.url.replace("http:", "ws:")}[ ;]`), csp);
      assert.ok((await adminRooms(n1.url)).includes(roomId), "the room is open on n1");
      for (const n of [n2, n3]) assert.ok(!(await adminRooms(n.url)).includes(roomId), `the room is not open on ${n.id}`);

      for (const p of [alice, bob, lis]) await p.evaluate(startMeter);
      await waitHearing(t, lis, { alice: true, bob: true }, "the listener (entered through n3) hears both speakers");
      await waitHearing(t, alice, { alice: false, bob: true }, "Alice (n1) hears Bob, not herself");
      await waitHearing(t, bob, { alice: true, bob: false }, "Bob (entered through n2) hears Alice, not himself");
    } finally {
      for (const p of [alice, bob, lis]) await p.context().close();
    }
  });

  test("the page's connect-src names the live nodes' origins, and nothing of a record that is not a URL", async () => {
    const [, n2] = cluster.nodes;
    const records = {
      x1: { id: "x1", url: "wss://node9.example.com:8443/ignored/path" },
      x2: { id: "x2", url: "http://evil.example; script-src *" },
      x3: { id: "x3", url: "javascript:alert(1)" },
    };
    const csp = async () => (await fetch(`${n2.url}/`)).headers.get("content-security-policy");
    try {
      for (const [id, rec] of Object.entries(records)) {
        await cluster.redis.command("SET", `cluster:node:${id}`, JSON.stringify(rec), "PX", "60000");
        await cluster.redis.command("SADD", "cluster:nodes", id);
      }
      let policy = "";
      await waitFor(async () => (policy = await csp()).includes("node9"), 10000, "the next heartbeat's node list");
      const connect = policy.split(";").map((d) => d.trim()).find((d) => d.startsWith("connect-src "));
      const sources = connect.split(" ").slice(1);
      assert.ok(sources.includes("https://node9.example.com:8443") && sources.includes("wss://node9.example.com:8443"), connect);
      for (const n of cluster.nodes)
        assert.ok(sources.includes(n.url) && sources.includes(n.url.replace("http:", "ws:")), `${n.id} in ${connect}`);
      assert.ok(!/evil|script-src \*|javascript/.test(policy.replace("script-src 'self'", "")), policy);
    } finally {
      for (const id of Object.keys(records)) {
        await cluster.redis.command("SREM", "cluster:nodes", id);
        await cluster.redis.command("DEL", `cluster:node:${id}`);
      }
    }
  });

  test("kill -9 of the room's node: the pages find the room on another node and hear each other again", async (t) => {
    const [n1, n2, n3] = cluster.nodes;
    const roomId = randomUUID();
    // The room is opened on n1 by a host that no page entered through (a
    // page's entry node is where its client goes back to when the room's
    // node dies; in production that is the load balancer).
    const host = await joinFollowing(n1.url, "dev:10:Host", roomId);
    const alice = await page("failover-alice", ALICE_HZ), bob = await page("failover-bob", BOB_HZ);
    const lis = await page("failover-listener", 0);
    try {
      assert.equal(await nodeOfRoom(roomId), "n1");
      await enter(alice, n2, "dev:11:Alice", roomId, true);
      await enter(bob, n3, "dev:12:Bob", roomId, true);
      await enter(lis, n2, "dev:13:Lis", roomId, false);
      for (const p of [alice, bob, lis]) assert.equal((await whereIs(p)).url, n1.url);
      for (const p of [alice, bob, lis]) await p.evaluate(startMeter);
      await waitHearing(t, lis, { alice: true, bob: true }, "on n1: the listener hears both speakers");
      await waitHearing(t, alice, { alice: false, bob: true }, "on n1: Alice hears Bob, not herself");

      const killedAt = Date.now();
      n1.proc.kill("SIGKILL");
      await n1.exited;
      host.socket.close();

      // Each client comes back by itself: connected to a live node, seated
      // again (the seat held through the failover), media up.
      const back = async (p, name, speaker) => {
        let at = null;
        try {
          await waitFor(async () => {
            at = await whereIs(p);
            return at.connected && at.url !== n1.url && at.media === "connected" && (!speaker || (at.seated && at.micLive));
          }, 30000, `${name} back`);
        } catch (e) {
          throw new Error(`${name} did not come back: ${JSON.stringify(at)} (${e.message})`);
        }
        await p.evaluate(startMeter); // the new receive stream
        return at.url;
      };
      const urls = [await back(alice, "Alice", true), await back(bob, "Bob", true), await back(lis, "the listener", false)];
      const owner = await nodeOfRoom(roomId);
      assert.ok(owner === "n2" || owner === "n3", `the room moved to a live node (${owner})`);
      const ownerUrl = cluster.nodes.find((n) => n.id === owner).url;
      assert.deepEqual(urls, [ownerUrl, ownerUrl, ownerUrl], "every page on the room's new node");

      await waitHearing(t, alice, { alice: false, bob: true }, `on ${owner}: Alice hears Bob, not herself`, 30000);
      await waitHearing(t, bob, { alice: true, bob: false }, `on ${owner}: Bob hears Alice, not himself`, 30000);
      const heardMs = Date.now() - killedAt;
      await waitHearing(t, lis, { alice: true, bob: true }, `on ${owner}: the listener hears both speakers`, 30000);
      t.diagnostic(`failover: speakers hear each other again on ${owner} ${heardMs} ms after kill -9 of n1 ` +
                   `(CLUSTER_NODE_TTL_MS=6000 by default)`);
      console.log(`# cluster media failover: speakers hear each other again ${heardMs} ms after kill -9`);
    } finally {
      host.socket.close();
      for (const p of [alice, bob, lis]) await p.context().close();
    }
  });
});
