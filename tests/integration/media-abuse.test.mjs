// A client that floods media:ice must not stall the daemon. It joins a room,
// sends media:connect (gets an offer), never answers, and sends 100,000
// media:ice candidates as fast as it can, then media:disconnect. Each
// accepted candidate is an operation queued on webrtcbin's thread (54da8bb
// reports closing such a peer holding the main loop ~75 s); a session takes
// at most 50 (RC_MEDIA_MAX_REMOTE_CANDIDATES, invalid_payload after that)
// and media:ice is limited to 100 per 10 s per connection (rate_limited,
// checked first), so the server answers the flood cheaply. Against the
// daemon before 54da8bb the first two tests fail (100,000 ok:true, no
// refusal metric).
//
// Meanwhile a worker thread (its own event loop: the flood does not delay
// its timers) polls GET /health back to back, one request at a time on a new
// connection each, from before the flood until 2 s after the disconnect:
// every request must be answered, the slowest within 100 ms (× TIME_SCALE).
// That last check is its own test: what stalls the main loop during such a
// flood need not be ICE. libsoup 3.2's SoupWebsocketConnection reads and
// parses a connection's input until the socket would block, in one main-loop
// dispatch; without the per-iteration read budget of RcFairIOStream
// (src/http/fair-io-stream.c) this flood (13 MB of frames) held the main loop
// 1.2-4 s, and the same flood of an unknown event did the same. The printed
// figures say when the slow requests were sent.
//
// Run by meson through tests/browser/netns.sh (a network namespace with only
// lo), with the mixminus plugin of this build; RTC_LISTEN_IP=127.0.0.1 keeps
// ICE on loopback anyway.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { SOURCE_ROOT, TIME_SCALE, startServer, connect, request, waitFor, UNLIMITED_EVENTS } from "./lib/harness.mjs";

const ROOM = "ab05e000-0000-4000-8000-000000000001";
// A sanitizer build handles a media:ice in tens of milliseconds while the
// poller keeps it busy (5,803 of 10,000 in 270 s): it gets a hundredth of
// the flood, which reaches both limits all the same.
let FLOOD = 100_000;
const MAX_CANDIDATES = 50;   // RC_MEDIA_MAX_REMOTE_CANDIDATES (src/media/media-session.h)
const ICE_PER_WINDOW = 100;  // MEDIA_ICE_PER_10S (src/media/media-service.c)
const ICE_WINDOW_MS = 10_000;
const HEALTH_BUDGET_MS = 100 * TIME_SCALE;
const BATCH = 1000;          // emits per macrotask: lets acks in between batches
const FLOOD_DEADLINE_MS = 90_000 * TIME_SCALE;
const DISCONNECT_DEADLINE_MS = 30_000 * TIME_SCALE;

// The /health poller: back-to-back GETs, a new connection each (agent: false),
// until told to stop, at most maxPolls requests or maxPollMs. Posts
// {samples: [[startEpochMs, latencyMs]], failures: [{t0, ms, status|error}]}
// at the end; a failure is an error, a timeout, a status other than 200 or
// a body without a status.
const POLLER = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const { port, maxPolls, maxPollMs, requestTimeoutMs } = workerData;
const now = () => performance.timeOrigin + performance.now();
let stop = false;
parentPort.on("message", (m) => { if (m === "stop") stop = true; });
function once() {
  return new Promise((resolve) => {
    const t0 = now();
    const req = http.get({ host: "127.0.0.1", port, path: "/health", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => { body += c; });
      res.on("end", () => {
        let healthy = false;
        try { healthy = typeof JSON.parse(body).status === "string"; } catch {}
        resolve({ t0, ms: now() - t0, status: res.statusCode, healthy });
      });
      res.on("error", (e) => resolve({ t0, ms: now() - t0, error: String(e) }));
    });
    req.setTimeout(requestTimeoutMs, () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ t0, ms: now() - t0, error: String(e) }));
  });
}
(async () => {
  const samples = [], failures = [];
  const start = now();
  parentPort.postMessage("started");
  while (!stop && samples.length + failures.length < maxPolls && now() - start < maxPollMs) {
    const r = await once();
    if (r.error || r.status !== 200 || !r.healthy) failures.push(r);
    else samples.push([r.t0, r.ms]);
  }
  parentPort.postMessage({ samples, failures });
})();
`;

function startPoller(port) {
  const worker = new Worker(POLLER, {
    eval: true,
    workerData: { port, maxPolls: 1_000_000, maxPollMs: 170_000 * TIME_SCALE, requestTimeoutMs: 30_000 * TIME_SCALE },
  });
  const result = new Promise((resolve, reject) => {
    worker.on("message", (m) => { if (m !== "started") resolve(m); });
    worker.on("error", reject);
    worker.on("exit", (code) => reject(new Error(`the /health poller exited (${code}) without a result`)));
  });
  const started = new Promise((resolve) => worker.once("message", resolve));
  return {
    started,
    async stop() {
      worker.postMessage("stop");
      const r = await result;
      await worker.terminate();
      return r;
    },
  };
}

const epoch = () => performance.timeOrigin + performance.now();
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const candidate = (i) => `candidate:1 1 UDP 2122252543 127.0.0.1 ${10000 + (i % 50000)} typ host`;

let server;
const sockets = [];
let flood = null; // what the flood test saw, for the tests after it

before(async () => {
  server = await startServer({
    env: {
      ...UNLIMITED_EVENTS, // the media limits are under test, not the generic budget
      GST_PLUGIN_PATH: process.env.GST_PLUGIN_PATH || path.join(SOURCE_ROOT, "build/plugins"),
      RTC_LISTEN_IP: "127.0.0.1",
      // The candidate filter guards the transports whose ICE agent sends
      // checks to the client's candidates: webrtcbin's (a send transport
      // is one too). The lite receive transport (ICE-lite) sends none.
      MEDIA_RECV_TRANSPORT: "webrtcbin",
      // The session must outlive the flood: no media:failed {timeout} in between.
      RTC_CONNECT_TIMEOUT_MS: "600000",
    },
  });
  if (fs.readFileSync(`/proc/${server.proc.pid}/maps`, "utf8").includes("libasan"))
    FLOOD = 1_000;
});

after(async () => {
  for (const s of sockets) s.close();
  if (server) assert.equal(await server.stop(), 0, server.logs().slice(-4000));
  if (strict) await strict.stop();
});

test("100,000 media:ice without an answer: 50 accepted, then invalid_payload or rate_limited", async () => {
  const socket = await connect(server, "dev:900:Flooder");
  sockets.push(socket);
  let disconnected = null;
  socket.on("disconnect", (reason) => { disconnected = reason; });
  const failed = [];
  socket.on("media:failed", (p) => failed.push(p));
  assert.equal((await request(socket, "room:join", { roomId: ROOM })).ok, true);

  const offerAck = await request(socket, "media:connect", {});
  assert.equal(offerAck.ok, true, JSON.stringify(offerAck));
  assert.equal(offerAck.offer.type, "offer");
  const mid = /^a=mid:(\S+)\r?$/m.exec(offerAck.offer.sdp)?.[1];
  assert.ok(mid, `no a=mid in the offer:\n${offerAck.offer.sdp}`);

  // What the tests below look at; filled in as the flood goes, so that
  // the /health figures are there even when this test fails half-way.
  const run = { socket, floodStart: null, floodSent: null, floodAnswered: null, disconnectAt: null,
                counts: null, health: null };
  flood = run;
  const poller = startPoller(server.port);
  await poller.started;
  const answers = new Array(FLOOD);
  try {
    await new Promise((r) => setTimeout(r, 200)); // a baseline before the flood

    // The flood: every candidate with an ack, BATCH emits per macrotask.
    let answered = 0;
    let allAnswered;
    const done = new Promise((resolve) => { allAnswered = resolve; });
    run.floodStart = epoch();
    for (let i = 0; i < FLOOD; i += BATCH) {
      for (let j = i; j < Math.min(FLOOD, i + BATCH); j++) {
        socket.emit("media:ice", { candidate: candidate(j), sdpMLineIndex: 0, sdpMid: mid }, (ack) => {
          answers[j] = ack;
          if (++answered === FLOOD) allAnswered();
        });
      }
      await new Promise((r) => setImmediate(r));
    }
    run.floodSent = epoch();
    let deadline;
    try {
      await Promise.race([done, new Promise((_, reject) => {
        deadline = setTimeout(() => reject(new Error(`${answered} of ${FLOOD} media:ice answered within ${FLOOD_DEADLINE_MS} ms`)),
                              FLOOD_DEADLINE_MS);
      })]);
    } finally {
      clearTimeout(deadline);
    }
    run.floodAnswered = epoch();

    // Closing the flooded session is what froze the main loop before.
    const bye = await socket.timeout(DISCONNECT_DEADLINE_MS).emitWithAck("media:disconnect");
    assert.equal(bye.ok, true, JSON.stringify(bye));
    run.disconnectAt = epoch();
    await new Promise((r) => setTimeout(r, 2000));
  } finally {
    run.health = await poller.stop();
  }

  // The answers, in the order they were sent.
  const counts = { ok: 0, invalid_payload: 0, rate_limited: 0 };
  for (let i = 0; i < FLOOD; i++) {
    const a = answers[i];
    const kind = a?.ok === true ? "ok" : a?.error?.code;
    if (!(kind in counts)) assert.fail(`candidate ${i}: unexpected answer ${JSON.stringify(a)}`);
    counts[kind]++;
    if (kind === "rate_limited") {
      assert.equal(typeof a.error.retryAfterMs, "number", JSON.stringify(a));
      assert.ok(a.error.retryAfterMs >= 1 && a.error.retryAfterMs <= ICE_WINDOW_MS, JSON.stringify(a));
    }
  }
  const spanMs = run.floodAnswered - run.floodStart;
  run.counts = counts;
  console.log(`media-abuse: ${FLOOD} media:ice: ok ${counts.ok}, invalid_payload ${counts.invalid_payload}, ` +
              `rate_limited ${counts.rate_limited}; emitted in ${(run.floodSent - run.floodStart).toFixed(0)} ms, ` +
              `all answered after ${spanMs.toFixed(0)} ms`);

  for (let i = 0; i < MAX_CANDIDATES; i++) assert.equal(answers[i].ok, true, `candidate ${i}: ${JSON.stringify(answers[i])}`);
  // The rate limit is checked first, so candidates 51-100 pass it (the first
  // window) and get the session's invalid_payload.
  for (let i = MAX_CANDIDATES; i < ICE_PER_WINDOW; i++)
    assert.equal(answers[i].error?.code, "invalid_payload", `candidate ${i}: ${JSON.stringify(answers[i])}`);
  assert.equal(counts.ok, MAX_CANDIDATES);
  // Past the limiter: at most 100 per sliding 10 s over the flood's span.
  const passed = counts.ok + counts.invalid_payload;
  assert.ok(passed >= ICE_PER_WINDOW && passed <= ICE_PER_WINDOW * (1 + Math.ceil(spanMs / ICE_WINDOW_MS)),
            `${passed} media:ice passed the rate limit in ${spanMs.toFixed(0)} ms`);
  assert.equal(counts.rate_limited, FLOOD - passed);

  assert.equal(disconnected, null, "the socket was disconnected");
  assert.equal(socket.connected, true);
  assert.deepEqual(failed, [], "media:failed during the flood");
});

test("after the flood: media:connect again gets an offer; /metrics counts the refusals", async () => {
  assert.ok(flood?.counts, "the flood did not complete");
  const { socket, counts } = flood;
  const again = await request(socket, "media:connect", {});
  assert.equal(again.ok, true, JSON.stringify(again));
  assert.equal(again.offer.type, "offer");
  assert.equal((await request(socket, "media:disconnect")).ok, true);

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const refused = /^roomcast_media_signals_refused_total\{event="media:ice"\} (\d+)$/m.exec(metrics);
  assert.ok(refused, "no roomcast_media_signals_refused_total{event=\"media:ice\"} in /metrics");
  assert.equal(Number(refused[1]), counts.rate_limited);
  assert.equal(socket.connected, true);
});

test("GET /health answered throughout the flood, each within 100 ms", () => {
  assert.ok(flood?.health, "the flood did not run");
  const { health: { samples, failures }, floodStart, floodSent, floodAnswered, disconnectAt } = flood;
  const rel = (at) => (at === null ? "never" : `${((at - floodStart) / 1000).toFixed(2)} s`);
  const lat = samples.map(([, ms]) => ms).sort((x, y) => x - y);
  const max = lat.length ? lat[lat.length - 1] : NaN, p99 = percentile(lat, 99), p50 = percentile(lat, 50);
  // Times are from the first emit; a request "at" t was sent at t.
  const slow = samples.filter(([, ms]) => ms >= 50).map(([t0, ms]) => `${ms.toFixed(1)} ms at ${rel(t0)}`);
  const summary = `/health: ${samples.length} answered, ${failures.length} failed, p50 ${p50?.toFixed(1)} ms, ` +
                  `p99 ${p99?.toFixed(1)} ms, max ${max.toFixed(1)} ms (budget ${HEALTH_BUDGET_MS} ms); ` +
                  `flood emitted by ${rel(floodSent)}, answered by ${rel(floodAnswered)}, ` +
                  `media:disconnect answered at ${rel(disconnectAt)}` +
                  (slow.length ? `; >= 50 ms: ${slow.slice(0, 20).join(", ")}${slow.length > 20 ? ", ..." : ""}` : "") +
                  (failures.length ? `; failed: ${failures.slice(0, 5).map((f) => `${f.error ?? f.status} at ${rel(f.t0)} ` +
                                                                   `after ${f.ms.toFixed(0)} ms`).join(", ")}` : "");
  console.log(`media-abuse: ${summary}`);
  assert.equal(failures.length, 0, summary);
  assert.ok(samples.length > 0, summary);
  assert.ok(max < HEALTH_BUDGET_MS, summary);
});

// --- Candidates the server must not try --------------------------------------
//
// Each remote candidate a member sends makes the server's ICE agent send STUN
// binding requests, from the server's own network, to the address and port it
// names: 10.0.0.1:6379, 192.168.1.1:53, 127.0.0.1:22, 127.0.0.53:53 or
// 224.0.0.251:5353 used to be tried. Without RTC_ALLOW_LOOPBACK_CANDIDATES /
// RTC_ALLOW_PRIVATE_CANDIDATES, such candidates, via media:ice or inside the
// SDP answer, are refused (invalid_payload naming why; an answer's are dropped
// and listed in its ack), counted in roomcast_media_candidates_refused_total
// {reason}, and never tried: a UDP socket this test owns on 127.0.0.2 stands
// for a service on the server's network and must receive nothing. The same
// candidate on the --dev server above (loopback allowed by default) does get
// the server's STUN there, which shows that the listening works. Candidates
// that would leave the machine are only sent inside the network namespace.
const SINK_IP = "127.0.0.2";
const IN_NETNS = process.env.ROOMCAST_NETNS === "1";
const QUIET_MS = 2000 * TIME_SCALE; // the control gets its first STUN within ~100 ms

let strict; // a server with the settings off (--dev would allow loopback)

async function udpSink() {
  const socket = dgram.createSocket("udp4");
  const packets = [];
  socket.on("message", (msg, from) => packets.push({ msg, from }));
  await new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, SINK_IP, resolve);
  });
  return { port: socket.address().port, packets, close: () => socket.close() };
}

const isStunBindingRequest = (msg) =>
  msg.length >= 20 && msg.readUInt16BE(0) === 0x0001 && msg.readUInt32BE(4) === 0x2112a442;

// A client that joined a room and got an offer; answer() sends a minimal
// answer of the Chrome shape with these a=candidate lines.
async function mediaSession(target, token, roomId) {
  const socket = await connect(target, token);
  sockets.push(socket);
  assert.equal((await request(socket, "room:join", { roomId })).ok, true);
  const offerAck = await request(socket, "media:connect", {});
  assert.equal(offerAck.ok, true, JSON.stringify(offerAck));
  const sdp = offerAck.offer.sdp;
  const mid = /^a=mid:(\S+)\r?$/m.exec(sdp)[1];
  const pt = /^a=rtpmap:(\d+) opus\/48000\/2\r?$/im.exec(sdp)[1];
  const answer = (candidates = []) => request(socket, "media:answer", {
    type: "answer",
    sdp: [
      "v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0", `a=group:BUNDLE ${mid}`,
      `m=audio 9 UDP/TLS/RTP/SAVPF ${pt}`, "c=IN IP4 0.0.0.0", "a=ice-ufrag:Wq3P",
      "a=ice-pwd:Qk9d1LJm3ZrZRrzcFfd1hRvB",
      "a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08",
      "a=setup:active", `a=mid:${mid}`, "a=recvonly", "a=rtcp-mux", `a=rtpmap:${pt} opus/48000/2`,
      ...candidates.map((c) => `a=${c}`), "",
    ].join("\r\n"),
  });
  const ice = (candidate) => request(socket, "media:ice", { candidate, sdpMLineIndex: 0, sdpMid: mid });
  return { socket, answer, ice };
}

const udp = (address, port, type = "host") => `candidate:1 1 udp 2122260223 ${address} ${port} typ ${type}`;

async function refusedCounts(target) {
  const metrics = await (await fetch(`${target.url}/metrics`)).text();
  const counts = {};
  for (const m of metrics.matchAll(/^roomcast_media_candidates_refused_total\{reason="([a-z_]+)"\} (\d+)$/gm))
    counts[m[1]] = Number(m[2]);
  return counts;
}

test("media:ice: hostile candidates are refused, say why, are counted and get no packet", async () => {
  strict = await startServer({
    env: {
      GST_PLUGIN_PATH: process.env.GST_PLUGIN_PATH || path.join(SOURCE_ROOT, "build/plugins"),
      RTC_LISTEN_IP: "127.0.0.1",
      MEDIA_RECV_TRANSPORT: "webrtcbin", // see above
      RTC_ALLOW_LOOPBACK_CANDIDATES: "false",
      RTC_ALLOW_PRIVATE_CANDIDATES: "false",
    },
  });
  const sink = await udpSink();
  try {
    const s = await mediaSession(strict, "dev:910:Prober", "ab05e000-0000-4000-8000-000000000002");
    assert.equal((await s.answer()).ok, true);
    const hostile = [
      [udp(SINK_IP, sink.port), "loopback", /127\.0\.0\.2 is a loopback address \(127\.0\.0\.0\/8\).*RTC_ALLOW_LOOPBACK_CANDIDATES=true/],
      [udp("127.0.0.1", 22), "loopback", /127\.0\.0\.1 is a loopback address/],
      [udp("127.0.0.53", 53), "loopback", /127\.0\.0\.53 is a loopback address/],
      [udp("::1", 50000), "loopback", /::1 is a loopback address/],
      [udp("::ffff:127.0.0.2", sink.port), "loopback", /::ffff:127\.0\.0\.2 is a loopback address/],
      [udp("0.0.0.0", sink.port), "unspecified", /not a unicast address a peer can have \(0\.0\.0\.0\/8/],
      [udp("0a1b2c3d-4e5f-4789-8bcd-ef0123456789.local", sink.port), "hostname", /is a host name \(an mDNS/],
      [udp("127.1", sink.port), "hostname", /127\.1 is a host name/],
      [`candidate:1 1 tcp 1518280447 ${SINK_IP} ${sink.port} typ host tcptype passive`, "tcp", /tcp candidates are not used/],
    ];
    if (IN_NETNS) {
      hostile.push(
        [udp("10.0.0.1", 6379), "private", /10\.0\.0\.1 is a private address \(10\.0\.0\.0\/8, RFC 1918\).*RTC_ALLOW_PRIVATE_CANDIDATES=true/],
        [udp("192.168.1.1", 53), "private", /192\.168\.1\.1 is a private address/],
        [udp("224.0.0.251", 5353), "multicast", /224\.0\.0\.251 is not a unicast address a peer can have \(224\.0\.0\.0\/4, multicast\)/],
        [udp("169.254.169.254", 50000), "link_local", /a link-local address/],
        [udp("100.64.0.1", 50000), "private", /carrier-grade NAT/],
        [udp("fd00::1", 50000), "private", /unique local/],
        [udp("198.51.100.7", 50000, "srflx"), "documentation", /documentation/],
      );
    }
    const expected = {};
    for (const [candidate, reason, message] of hostile) {
      const ack = await s.ice(candidate);
      assert.equal(ack.ok, false, `${candidate}: ${JSON.stringify(ack)}`);
      assert.equal(ack.error.code, "invalid_payload", `${candidate}: ${JSON.stringify(ack)}`);
      assert.match(ack.error.message, message, candidate);
      expected[reason] = (expected[reason] ?? 0) + 1;
    }
    // Over, and nothing of it was tried.
    assert.equal((await s.ice(null)).ok, true);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.deepEqual(sink.packets.map((p) => `${p.from.address}:${p.from.port}`), [],
                     "the server sent packets to a refused candidate");
    assert.deepEqual(await refusedCounts(strict), expected);
  } finally {
    sink.close();
  }
});

test("media:answer: its hostile candidates are dropped, listed in the ack, and get no packet", async () => {
  assert.ok(strict, "the strict server did not start");
  const sink = await udpSink();
  try {
    const before = await refusedCounts(strict);
    const s = await mediaSession(strict, "dev:911:Answerer", "ab05e000-0000-4000-8000-000000000003");
    const candidates = [
      [udp(SINK_IP, sink.port), "loopback"],
      [udp("::ffff:127.0.0.2", sink.port), "loopback"],
      [udp("abcdef01-2345-4789-8bcd-ef0123456789.local", sink.port), "hostname"],
      ...(IN_NETNS ? [[udp("10.0.0.1", 6379), "private"], [udp("224.0.0.251", 5353), "multicast"]] : []),
    ];
    const ack = await s.answer(candidates.map(([c]) => c));
    assert.equal(ack.ok, true, JSON.stringify(ack));
    assert.deepEqual(ack.refusedCandidates.map((r) => [r.candidate, r.reason]), candidates);
    for (const r of ack.refusedCandidates) assert.match(r.message, /^candidate: /);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.deepEqual(sink.packets.map((p) => `${p.from.address}:${p.from.port}`), [],
                     "the server sent packets to a refused candidate");
    const after = await refusedCounts(strict);
    for (const [, reason] of candidates) before[reason] = (before[reason] ?? 0) + 1;
    assert.deepEqual(after, before);
  } finally {
    sink.close();
    assert.equal(await strict.stop(), 0, strict.logs().slice(-4000));
  }
});

test("control: where loopback is allowed (--dev), the same candidates get the server's STUN", async () => {
  const viaIce = await udpSink();
  const viaAnswer = await udpSink();
  try {
    const s = await mediaSession(server, "dev:912:Control", "ab05e000-0000-4000-8000-000000000004");
    const ack = await s.answer([udp(SINK_IP, viaAnswer.port)]);
    assert.equal(ack.ok, true, JSON.stringify(ack));
    assert.equal(ack.refusedCandidates, undefined);
    assert.equal((await s.ice(udp(SINK_IP, viaIce.port))).ok, true);
    await waitFor(() => viaIce.packets.length > 0 && viaAnswer.packets.length > 0, 5000,
                  "STUN from the server on both sinks");
    for (const { msg, from } of [...viaIce.packets, ...viaAnswer.packets]) {
      assert.ok(isStunBindingRequest(msg), `not a STUN binding request: ${msg.toString("hex")}`);
      assert.equal(from.address, "127.0.0.1");
    }
    assert.equal((await request(s.socket, "media:disconnect")).ok, true);
  } finally {
    viaIce.close();
    viaAnswer.close();
  }
});
