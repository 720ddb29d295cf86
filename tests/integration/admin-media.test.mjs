// The room pipelines in the admin API, against a real daemon with real
// room pipelines: "media" in GET /admin/rooms/{id}, GET
// /admin/rooms/{id}/pipeline.dot (a dot graph that names the room's users,
// behind the key), and the dot files written to GST_DEBUG_DUMP_DOT_DIR as
// the room changes (src/media/media-debug.c, src/media/pipeline-dump.c).
//
// Two socket.io clients join a room and send media:connect: the server
// builds the pipeline and a webrtcbin peer for each and sends them offers.
// The clients never answer (no WebRTC stack here): the graph is complete
// without it. Run by meson through tests/browser/netns.sh (a network
// namespace with only lo); RTC_LISTEN_IP=127.0.0.1 keeps ICE on loopback
// anyway. The dot text is checked with graphviz's `dot` when installed, and
// always with a strict structural check.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SOURCE_ROOT, startServer, connect, request, next, waitFor } from "./lib/harness.mjs";

const ADMIN_KEY = "admin-key-for-media-tests-0123456789";
const TURN_PASSWORD = "turn-password-never-shown-4242";
const roomId = (n) => `ad3d1a00-0000-4000-8000-${String(n).padStart(12, "0")}`;

async function admin(server, method, pathname, key = ADMIN_KEY) {
  const headers = key === null ? {} : { "X-Internal-Key": key };
  const res = await fetch(`${server.url}${pathname}`, { method, headers });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

async function adminJson(server, pathname, key = ADMIN_KEY) {
  const res = await admin(server, "GET", pathname, key);
  assert.match(res.type ?? "", /^application\/json/, `${pathname}: ${res.type}`);
  return { status: res.status, body: JSON.parse(res.text) };
}

// Strict shape of what gst_debug_bin_to_dot_data() writes: one digraph,
// balanced braces outside quoted strings, every quote closed, and each
// statement line a subgraph/attribute/node/edge. Returns the node ids.
function checkDotStructure(text) {
  assert.match(text, /^digraph pipeline \{\n/, "starts as a digraph");
  assert.match(text, /\}\n*$/, "ends with the digraph's brace");
  let depth = 0, inString = false, maxDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") maxDepth = Math.max(maxDepth, ++depth);
    else if (c === "}") assert.ok(--depth >= 0, `unbalanced } at ${i}`);
  }
  assert.equal(inString, false, "an unterminated string");
  assert.equal(depth, 0, "unbalanced braces");
  assert.ok(maxDepth >= 3, "bins appear as nested clusters");
  const nodes = new Set([...text.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*) \[/gm)].map((m) => m[1]));
  const edges = [...text.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*) -> ([A-Za-z_][A-Za-z0-9_]*)/gm)];
  assert.ok(edges.length > 0, "no edges");
  for (const [, from, to] of edges) {
    assert.ok(nodes.has(from), `edge from an undeclared node ${from}`);
    assert.ok(nodes.has(to), `edge to an undeclared node ${to}`);
  }
  return nodes;
}

const dot = spawnSync("dot", ["-V"]).error ? null : "dot";

function checkWithGraphviz(text, t) {
  if (!dot) {
    t.diagnostic("graphviz `dot` is not installed: structural check only");
    return;
  }
  const run = spawnSync(dot, ["-Tsvg"], { input: text, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, `dot rejects the graph: ${run.stderr}`);
  assert.match(run.stdout.toString(), /<svg/);
}

async function joined(server, token, room) {
  const socket = await connect(server, token);
  const ack = await request(socket, "room:join", { roomId: room });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  return socket;
}

async function mediaConnect(socket) {
  const ack = await request(socket, "media:connect", {});
  assert.equal(ack.ok, true, JSON.stringify(ack));
  assert.equal(ack.offer.type, "offer");
  return ack.offer;
}

const dumpsOf = (dir, room) => fs.readdirSync(dir).filter((f) => f.startsWith(`roomcast-${room}-`)).sort();

describe("room pipelines in the admin API", () => {
  let server, dumpDir;
  const sockets = [];
  before(async () => {
    dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), "roomcast-dots-"));
    server = await startServer({
      env: {
        ADMIN_API_KEY: ADMIN_KEY,
        GST_PLUGIN_PATH: process.env.GST_PLUGIN_PATH || path.join(SOURCE_ROOT, "build/plugins"),
        GST_DEBUG_DUMP_DOT_DIR: dumpDir,
        RTC_LISTEN_IP: "127.0.0.1",
        // The graph checked below is the one-transport room (a webrtcbin,
        // selector and payloader per user; a seated user mixed without
        // publishing). The lite room's admin view is covered by
        // tests/media/test-room-media.c and room-server-lite.pipeline.
        MEDIA_RECV_TRANSPORT: "webrtcbin",
        RTC_CONNECT_TIMEOUT_MS: "120000",
        TURN_SERVERS: `turn://roomcast:${TURN_PASSWORD}@127.0.0.1:3478`,
      },
    });
  });
  after(async () => {
    for (const s of sockets) s.close();
    if (server) assert.equal(await server.stop(), 0);
    fs.rmSync(dumpDir, { recursive: true, force: true });
  });

  test("without the key or with a wrong one: 403 JSON, also for pipeline.dot", async () => {
    const room = roomId(1);
    sockets.push(await joined(server, "dev:300:Owner", room));
    for (const key of [null, "", "wrong", ADMIN_KEY.slice(0, -1), ADMIN_KEY + "x"]) {
      for (const p of [`/admin/rooms/${room}`, `/admin/rooms/${room}/pipeline.dot`,
                       `/admin/rooms/${roomId(404)}/pipeline.dot`]) {
        const res = await adminJson(server, p, key);
        assert.equal(res.status, 403, `${p} with key ${JSON.stringify(key)}`);
        assert.equal(res.body.error.code, "forbidden");
      }
    }
  });

  test("a room nobody sent media:connect in: no pipeline, pipeline.dot 404 JSON", async () => {
    const room = roomId(2);
    sockets.push(await joined(server, "dev:310:Quiet", room));
    const detail = await adminJson(server, `/admin/rooms/${room}`);
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.body.media, {
      pipeline: null, state: null, peers: 0, speakers: 0, encoders: 0, fanoutGroups: 0,
      fanoutDropped: 0, packetsIn: 0, packetsOut: 0, packetsOffered: 0, packetsDropped: 0, peerList: [],
    });
    const dotRes = await adminJson(server, `/admin/rooms/${room}/pipeline.dot`);
    assert.equal(dotRes.status, 404);
    assert.equal(dotRes.body.error.code, "not_found");
    assert.deepEqual(dumpsOf(dumpDir, room), [], "no pipeline, no dumps");
  });

  test("unknown rooms and resources: 404; other methods: 405", async () => {
    for (const p of [`/admin/rooms/${roomId(404)}/pipeline.dot`, `/admin/rooms/${roomId(404)}`,
                     `/admin/rooms/${roomId(1)}/pipeline.svg`]) {
      const res = await adminJson(server, p);
      assert.equal(res.status, 404, p);
      assert.equal(res.body.error.code, "not_found");
    }
    const post = await admin(server, "POST", `/admin/rooms/${roomId(1)}/pipeline.dot`);
    assert.equal(post.status, 405);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /roomcast_admin_requests_total\{endpoint="pipeline.dot",status="404"\} \d+/);
  });

  test("a second connection of a user taking the room over: the old peer goes, the new one connects", async () => {
    const room = roomId(5);
    const first = await joined(server, "dev:342:Mia", room);
    sockets.push(first);
    assert.equal((await request(first, "seat:take", { seat: 0 })).ok, true);
    await mediaConnect(first);
    const media = async () => (await adminJson(server, `/admin/rooms/${room}`)).body.media;
    const old = (await media()).peerList;
    assert.deepEqual(old.map((p) => [p.userId, p.seat]), [["342", 0]]);

    const replaced = next(first, "replaced");
    const second = await joined(server, "dev:342:Mia", room);
    sockets.push(second);
    assert.deepEqual((await replaced)[0], { roomId: room, reason: "taken_over" });
    await waitFor(async () => (await media()).peers === 0, 5000, "the old connection's peer removed");
    assert.equal((await request(first, "media:ice", { candidate: null })).error.code, "invalid_state");
    assert.equal((await request(first, "media:connect", {})).error.code, "not_in_room");

    await mediaConnect(second);
    const now = (await media()).peerList;
    assert.deepEqual(now.map((p) => [p.userId, p.seat, p.mixed]), [["342", 0, true]]);
    assert.notEqual(now[0].element, old[0].element, "a new peer");
    assert.equal(first.connected, true);
  });

  test("two peers: pipeline.dot is a dot graph naming both users' peers; media stats; dumps", async (t) => {
    const room = roomId(3);
    const host = await joined(server, "dev:321:Hana", room);
    const guest = await joined(server, "dev:322:Gus", room);
    sockets.push(host, guest);
    await mediaConnect(host);
    await mediaConnect(guest);

    const res = await admin(server, "GET", `/admin/rooms/${room}/pipeline.dot`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.type, "text/vnd.graphviz");
    const nodes = checkDotStructure(res.text);
    checkWithGraphviz(res.text, t);
    // The room's pipeline, its mixer, and per user a webrtcbin, a selector
    // and a payloader named after them (dot labels: "Type\nname\n...").
    const has = (re, what) => assert.ok(re.test(res.text), what);
    has(new RegExp(`label="<GstPipeline>\\\\nroom-${room}\\\\n`), "the room's pipeline");
    has(/label="GstMixMinus\\nmixer\\n/, "the mixer");
    for (const user of ["321", "322"]) {
      for (const [type, suffix] of [["GstWebRTCBin", ""], ["GstInputSelector", "-sel"], ["GstRtpOPUSPay", "-pay"]])
        has(new RegExp(`label="${type}\\\\npeer\\d+-${user}${suffix}\\\\n`), `user ${user}'s ${type}`);
      assert.ok([...nodes].some((n) => new RegExp(`^peer\\d+_${user}_0x`).test(n)), `user ${user}'s pads`);
    }
    assert.ok(!res.text.includes(TURN_PASSWORD), "the TURN password is in the graph");

    const detail = await adminJson(server, `/admin/rooms/${room}`);
    assert.equal(detail.status, 200);
    const media = detail.body.media;
    assert.equal(media.pipeline, `room-${room}`);
    assert.equal(media.peers, 2);
    assert.equal(media.encoders, 1, "nobody seated: the shared mix only");
    assert.equal(media.fanoutGroups, 1, "two peers: the encoder's thread sends to both");
    assert.equal(media.fanoutDropped, 0);
    assert.equal(media.speakers, 0);
    assert.equal(media.packetsDropped, media.packetsOffered - media.packetsOut);
    assert.deepEqual(media.peerList.map((p) => p.userId), ["321", "322"]);
    for (const p of media.peerList) {
      assert.match(p.element, new RegExp(`^peer\\d+-${p.userId}$`));
      assert.ok(res.text.includes(p.element), `${p.element} is in the graph`);
      assert.equal(p.state, "new", "no answer yet");
      assert.equal(p.iceState, "new", "no remote candidates: no checks yet");
      assert.equal(p.seat, null);
      assert.equal(p.mixed, false);
      assert.equal(p.ownMix, false);
      assert.equal(p.speaking, false);
      assert.equal(p.packetsOut, 0, "not connected: nothing sent");
      assert.equal(p.packetsDropped, p.packetsOffered);
    }
    // The shared mix is offered to both peers (and dropped: not connected).
    await waitFor(async () => {
      const m = (await adminJson(server, `/admin/rooms/${room}`)).body.media;
      return m.state === "PLAYING" && m.peerList.every((p) => p.packetsOffered > 0);
    }, 10000, "the pipeline PLAYING and the shared mix offered to both peers");

    // A seated speaker gets its own mix-minus encoder.
    assert.equal((await request(host, "seat:take", { seat: 0 })).ok, true);
    await waitFor(async () => (await adminJson(server, `/admin/rooms/${room}`)).body.media.encoders === 2,
                  5000, "two encoders once the host is seated");
    const seated = (await adminJson(server, `/admin/rooms/${room}`)).body.media;
    assert.equal(seated.speakers, 1);
    const hana = seated.peerList.find((p) => p.userId === "321");
    assert.deepEqual([hana.seat, hana.mixed, hana.ownMix], [0, true, true]);
    const seatedDot = await admin(server, "GET", `/admin/rooms/${room}/pipeline.dot`);
    checkDotStructure(seatedDot.text);
    assert.match(seatedDot.text, new RegExp(`peer\\d+-321-own`), "the host's own mix bin");
    assert.match(seatedDot.text, new RegExp(`peer\\d+-321-in`), "the host's decoder bin");

    // GST_DEBUG_DUMP_DOT_DIR: a dot file per change, named after the room.
    const named = (re) => dumpsOf(dumpDir, room).some((f) => re.test(f));
    await waitFor(() => named(/-playing[+.]|\+playing[+.]/) && named(/peer-added/) && named(/route/),
                  5000, "dumps for playing, peer-added and route");
    const files = dumpsOf(dumpDir, room);
    for (const f of files) {
      assert.match(f, new RegExp(`^roomcast-${room}-\\d{4}-[a-z-]+(\\+[a-z-]+)*\\.dot$`), f);
      const text = fs.readFileSync(path.join(dumpDir, f), "utf8");
      checkDotStructure(text);
      assert.ok(!text.includes(TURN_PASSWORD), `the TURN password is in ${f}`);
    }
    const seqs = files.map((f) => Number(f.slice(`roomcast-${room}-`.length, `roomcast-${room}-`.length + 4)));
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), "sequence numbers 1, 2, 3, ...");
    await server.waitForLog(new RegExp(`room ${room}: pipeline graph dumped to ${dumpDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/roomcast-`));

    // Closed: the pipeline goes, and so does its graph.
    const closed = await admin(server, "POST", `/admin/rooms/${room}/close`);
    assert.equal(closed.status, 200);
    assert.equal((await adminJson(server, `/admin/rooms/${room}/pipeline.dot`)).status, 404);
  });
});
