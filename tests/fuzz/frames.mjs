#!/usr/bin/env node
// Fuzz the daemon through its real interface: mutated Engine.IO/Socket.IO
// frames (before and after authentication), hostile event payloads, and
// mutated Pusher frames, over many WebSocket connections, against one
// roomcastd. The daemon must stay up and answer /health throughout; at the
// end a normal Socket.IO client joins a room and chats, a Pusher client
// subscribes, and SIGTERM ends the daemon cleanly.
//
//   FUZZ_FRAMES=100000 ROOMCASTD=build-fuzz/src/roomcastd node tests/fuzz/frames.mjs
//
// scripts/test runs it against a build with AddressSanitizer and UBSan
// (ASAN_OPTIONS/UBSAN_OPTIONS with a log_path: any report fails the run
// there); meson runs a shorter one against the normal build. FUZZ_SEED
// makes a run repeatable (it is printed). Prints the figures: frames sent,
// connections, answers seen, the daemon's RSS before and after.
import assert from "node:assert/strict";
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { startServer, connect, request, waitFor, TIME_SCALE } from "../integration/lib/harness.mjs";

const FRAMES = Number(process.env.FUZZ_FRAMES || 20000);
const SEED = Number(process.env.FUZZ_SEED || Date.now() % 2 ** 31);
const CONNECTIONS = 8;

// A small seeded PRNG (mulberry32), so a failing run can be replayed.
let state = SEED >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(rand() * list.length)];
const int = (n) => Math.floor(rand() * n);

const ROOM = randomUUID();
const EVENTS = [
  "room:join", "room:leave", "room:close", "room:update", "seat:take", "seat:leave", "seat:lock",
  "seat:mute", "seat:invite", "mic:mute", "chat:send", "chat:delete", "typing", "role:set",
  "user:kick", "user:ban", "cinema:start", "cinema:sync", "cinema:stop", "gift:send",
  "gift:balance", "media:connect", "media:answer", "media:ice", "room:record", "whoami",
  "subscribe", "unsubscribe", "client event", "no:such:event",
];

// Values a hostile client would try where a field is expected.
function hostileValue(depth = 0) {
  switch (int(depth > 3 ? 12 : 16)) {
  case 0: return null;
  case 1: return pick([true, false]);
  case 2: return pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), 4294967296, 65]);
  case 3: return "";
  case 4: return "x".repeat(pick([1, 64, 1000, 70000]));
  case 5: return pick(["\u0000", "\ud800", "\uffff", "💥".repeat(50), "<script>", "../../etc/passwd", "%s%n"]);
  case 6: return ROOM;
  case 7: return randomUUID();
  case 8: return pick(["1", "2", "dev:1:A", "-1", "999999999999999999999"]);
  case 9: return int(64) - 8;
  case 10: return pick(["a", "b", "host", "admin", "moderator", "listener"]);
  case 11: return [];
  case 12: return Array.from({ length: int(5) }, () => hostileValue(depth + 1));
  default: {
    const o = {};
    for (let i = int(6); i > 0; i--)
      o[pick(["roomId", "seat", "muted", "text", "title", "userId", "role", "giftId", "count",
              "transactionId", "sdp", "candidate", "sdpMid", "sdpMLineIndex", "on", "locked",
              "mode", "reason", "ban", "channel", "event", "data", "auth", "__proto__", "constructor"])] =
        hostileValue(depth + 1);
    return o;
  }
  }
}

function deepNesting() {
  const n = pick([100, 1000, 5000]);
  return "[".repeat(n) + "]".repeat(n);
}

// Engine.IO/Socket.IO frames that are well formed enough to reach handlers.
function eventFrame() {
  const ack = rand() < 0.7 ? String(int(100000)) : "";
  const args = [pick(EVENTS), ...Array.from({ length: int(3) }, () => hostileValue())];
  return `42${ack}${JSON.stringify(args)}`;
}

const SIO_SEEDS = [
  "2", "3", "40", '40{"token":"dev:7:Fuzz"}', "41", "42[]", '42["whoami"]', '421["room:join",{}]',
  '451-["x",{"_placeholder":true,"num":0}]', "6", "5", "1", "4", "43[]", "44{}", "40/admin,",
  '42/other,["x"]', "2probe", "3probe",
];

function mutate(text) {
  let out = Array.from(Buffer.from(text));
  for (let i = 1 + int(4); i > 0; i--) {
    const at = out.length ? int(out.length) : 0;
    switch (int(7)) {
    case 0: if (out.length) out[at] ^= 1 << int(8); break;
    case 1: out.splice(at, 0, int(256)); break;
    case 2: out.splice(at, 1 + int(4)); break;
    case 3: out = out.slice(0, at).concat(Array.from(Buffer.from(pick(['"', "{", "}", "[", "]", ",", ":", "\\", "\\u", "1e999", "-", "null"]))), out.slice(at)); break;
    case 4: out.length = at; break;
    case 5: out = out.slice(0, at).concat(out.slice(0, int(out.length + 1)), out.slice(at)); break;
    default: out = out.slice(0, at).concat(Array.from(Buffer.from(pick(SIO_SEEDS))), out.slice(at)); break;
    }
  }
  return Buffer.from(out.slice(0, 200000));
}

// Mostly well-formed frames with hostile payloads (they reach the handlers
// and keep the connection); one in ten is mutated (it usually ends it).
function sioFrame() {
  const r = rand();
  if (r < 0.85) return eventFrame();
  if (r < 0.87) return `42${deepNesting()}`;
  if (r < 0.9) return pick(SIO_SEEDS);
  return mutate(rand() < 0.5 ? eventFrame() : pick(SIO_SEEDS));
}

function pusherFrame() {
  const frames = [
    { event: "pusher:subscribe", data: { channel: pick(["news", "private-a", "presence-room", "private-encrypted-x", "", "x".repeat(300)]), auth: hostileValue(), channel_data: pick([hostileValue(), JSON.stringify({ user_id: hostileValue() })]) } },
    { event: "pusher:unsubscribe", data: { channel: hostileValue() } },
    { event: "pusher:ping", data: hostileValue() },
    { event: "pusher:signin", data: { auth: hostileValue(), user_data: pick([hostileValue(), JSON.stringify({ id: hostileValue() })]) } },
    { event: `client-${int(10)}`, channel: pick(["private-a", "presence-room", "news"]), data: hostileValue() },
    { event: hostileValue(), data: hostileValue(), channel: hostileValue() },
  ];
  const f = JSON.stringify(pick(frames));
  return rand() < 0.6 ? f : mutate(f);
}

// One connection kept busy: a new one replaces it whenever the server
// closes it (which it does for malformed frames).
async function runConnection(server, kind, budget, stats) {
  while (budget.left > 0) {
    const url = kind === "sio"
      ? `ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`
      : `ws://127.0.0.1:${server.port}/app/dev-key?protocol=7&client=js&version=8.4.0`;
    const ws = new WebSocket(url);
    stats.connections++;
    let closed = false, connected = false;
    ws.on("message", (m) => {
      stats.answers++;
      if (String(m).startsWith("40{") || String(m).includes("connection_established")) connected = true;
    });
    ws.on("error", () => {});
    ws.on("close", () => { closed = true; });
    try {
      await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
    } catch {
      continue;
    }
    // Most sessions authenticate first, so their frames reach the handlers.
    if (kind === "sio" && rand() < 0.9) {
      ws.send(`40${JSON.stringify({ token: `dev:${1 + int(50)}:Fuzz` })}`);
      try {
        await waitFor(() => connected || closed, 5000, "CONNECT");
      } catch { /* fuzz on regardless */ }
      if (rand() < 0.5) ws.send(`420${JSON.stringify(["room:join", { roomId: ROOM }])}`);
    }
    while (!closed && ws.readyState === WebSocket.OPEN && budget.left > 0) {
      const frame = kind === "sio" ? sioFrame() : pusherFrame();
      const binary = rand() < 0.02;
      budget.left--;
      stats.frames++;
      ws.send(frame, { binary });
      // A frame that may well end the connection: let the close arrive
      // before sending more into it.
      const fatal = binary || typeof frame !== "string" || !frame.startsWith("42");
      if (fatal || ws.bufferedAmount > 256 * 1024 || stats.frames % 50 === 0)
        await new Promise((r) => setTimeout(r, fatal ? 2 : 1));
    }
    ws.terminate();
  }
}

const rss = (pid) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

async function main() {
  const server = await startServer({
    env: {
      MEDIA_ENABLED: "false", LOG_LEVEL: "info", RATE_LIMIT_MESSAGES_PER_MINUTE: "1000000",
      PUSHER_APP_ID: "dev", PUSHER_APP_KEY: "dev-key", PUSHER_APP_SECRET: "dev-secret",
    },
    timeoutMs: 30000,
  });
  const pid = server.proc.pid;
  const rss0 = rss(pid);
  const stats = { frames: 0, connections: 0, answers: 0 };
  const budget = { left: FRAMES };
  const started = Date.now();
  let healthChecks = 0, slowestHealthMs = 0;
  const health = setInterval(async () => {
    const t = Date.now();
    try {
      const r = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(10000 * TIME_SCALE) });
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      healthChecks++;
      slowestHealthMs = Math.max(slowestHealthMs, Date.now() - t);
    } catch (err) {
      console.error(`# /health failed during fuzzing: ${err.message}`);
      process.exitCode = 1;
    }
  }, 1000);
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) =>
    runConnection(server, i < CONNECTIONS * 3 / 4 ? "sio" : "pusher", budget, stats)));
  clearInterval(health);
  const seconds = (Date.now() - started) / 1000;
  assert.notEqual(server.proc.exitCode, 0, "the daemon is still running");
  assert.equal(server.proc.exitCode, null, `the daemon exited (${server.proc.exitCode}, ${server.proc.signalCode}):\n${server.logs().slice(-3000)}`);

  // A normal client still works.
  const s = await connect(server, "dev:900:Normal");
  const join = await request(s, "room:join", { roomId: randomUUID() });
  assert.equal(join.ok, true, JSON.stringify(join));
  assert.equal((await request(s, "chat:send", { text: "still here" })).ok, true);
  s.close();
  const p = new WebSocket(`ws://127.0.0.1:${server.port}/app/dev-key?protocol=7&client=js&version=8.4.0`);
  const got = [];
  p.on("message", (m) => got.push(JSON.parse(m.toString()).event));
  await waitFor(() => got.includes("pusher:connection_established"), 5000, "Pusher connection");
  p.send(JSON.stringify({ event: "pusher:subscribe", data: { channel: "news" } }));
  await waitFor(() => got.includes("pusher_internal:subscription_succeeded"), 5000, "Pusher subscription");
  p.close();
  const rss1 = rss(pid);
  const code = await server.stop();
  console.log(`# seed ${SEED}: ${stats.frames} frames over ${stats.connections} connections in ` +
              `${seconds.toFixed(1)} s, ${stats.answers} answers; /health ${healthChecks} times ` +
              `(slowest ${slowestHealthMs} ms); RSS ${rss0.toFixed(1)} -> ${rss1.toFixed(1)} MB; exit ${code}`);
  assert.equal(code, 0, "SIGTERM ends the daemon cleanly");
  assert.ok(stats.frames >= FRAMES, `${stats.frames} frames sent`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
