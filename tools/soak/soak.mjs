// Soak benchmark for roomcastd: a busy daemon with churn for N minutes, its
// file descriptors, RSS and threads sampled every minute. Not a test; see
// tools/soak/README.md.
//
//   tools/soak/run [--minutes 60] [--build build] [--rooms 2] [--media]
//
// Starts its own roomcastd (--dev, 127.0.0.1, port 0, the Pusher hub on) and
// drives, per room, ~10 Socket.IO participants that join, take and leave
// seats, toggle their microphone, chat, (--media) send media:connect and
// media:disconnect without ever answering, and leave or drop their connection;
// ~3 Pusher clients per room subscribing to the room's presence channel and
// signing in (pusher:signin); and ~20 HTTP requests a second to /health and
// /metrics. Everything is on 127.0.0.1. Exits 1 only if the daemon died.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import WebSocket from "ws";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const APP = { id: "soak", key: "soak-key", secret: "soak-secret-0123456789" };
const PARTICIPANTS_PER_ROOM = 10;
const SUBSCRIBERS_PER_ROOM = 3;
const HTTP_PER_SECOND = 20;
const SAMPLE_MS = 60_000;
const ACK_TIMEOUT_MS = 10_000;
// Refusals a busy room produces by itself (two users racing for a seat, a
// chat rate limit): counted, not errors.
const EXPECTED_REFUSALS = new Set(["seat_taken", "not_seated", "already_seated", "rate_limited", "seat_locked"]);

function usage(code) {
  (code ? process.stderr : process.stdout).write(
    "usage: tools/soak/run [--minutes 60] [--build build] [--rooms 2] [--media] [--drain-seconds 50]\n" +
    "  --minutes N        how long to drive the load (fractions allowed; default 60)\n" +
    "  --build DIR        the meson build directory (relative: to the current directory,\n" +
    "                     else to the source root; default build)\n" +
    "  --rooms N          busy rooms (default 2), ~10 participants and 3 Pusher clients each\n" +
    "  --media            also media:connect / media:disconnect cycles (offers only)\n" +
    "  --drain-seconds N  after the load, wait this long and sample the idle daemon again\n" +
    "                     (default 50: rooms close after the 30 s grace period, GStreamer's\n" +
    "                     idle pool threads exit 15 s after their last task)\n");
  process.exit(code);
}

function parseArgs(argv) {
  const a = { minutes: 60, build: "build", rooms: 2, media: false, drainSeconds: 50 };
  for (let i = 0; i < argv.length; i++) {
    const next = () => { if (i + 1 >= argv.length) usage(2); return argv[++i]; };
    switch (argv[i]) {
      case "--minutes": a.minutes = Number(next()); break;
      case "--build": a.build = next(); break;
      case "--rooms": a.rooms = Number(next()); break;
      case "--media": a.media = true; break;
      case "--drain-seconds": a.drainSeconds = Number(next()); break;
      case "-h": case "--help": usage(0); break;
      default: process.stderr.write(`soak: unknown argument ${argv[i]}\n`); usage(2);
    }
  }
  if (!(a.minutes > 0) || !(Number.isInteger(a.rooms) && a.rooms >= 1 && a.rooms <= 50) || !(a.drainSeconds >= 0))
    usage(2);
  if (!path.isAbsolute(a.build))
    a.build = fs.existsSync(a.build) ? path.resolve(a.build) : path.join(ROOT, a.build);
  return a;
}

const args = parseArgs(process.argv.slice(2));
const log = (...m) => process.stderr.write(`soak: ${m.join(" ")}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (lo, hi) => lo + Math.random() * (hi - lo);
const pick = (items) => items[Math.floor(Math.random() * items.length)];
const hmac = (text) => crypto.createHmac("sha256", APP.secret).update(text).digest("hex");

// ---- counters -------------------------------------------------------------
const stats = { ops: 0, errors: 0, refused: 0, mediaOffers: 0, mediaFailed: 0, httpMaxMs: 0 };
const errorKinds = new Map(); // kind -> count; the first few of each kind are logged
const opKinds = new Map();    // "event answer" -> count
function op(kind, refused = false) {
  stats.ops++;
  if (refused) stats.refused++;
  opKinds.set(kind, (opKinds.get(kind) ?? 0) + 1);
}
function error(kind, detail) {
  stats.errors++;
  const n = (errorKinds.get(kind) ?? 0) + 1;
  errorKinds.set(kind, n);
  if (n <= 5) log(`error (${kind}): ${detail}`);
  else if (n === 6) log(`error (${kind}): more of these are counted, not logged`);
}

// ---- the daemon -----------------------------------------------------------
const roomcastd = path.join(args.build, "src", "roomcastd");
if (!fs.existsSync(roomcastd)) {
  log(`${roomcastd} is not built (meson compile -C ${args.build})`);
  process.exit(2);
}
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "roomcast-soak-"));
const logFile = path.join(workDir, "roomcastd.log");
const logStream = fs.createWriteStream(logFile);
const env = {
  ...process.env,
  LOG_LEVEL: "info",
  // The soak's load comes from one address and as fast as acks return: the
  // per-address and per-connection budgets are not what it measures.
  HTTP_MAX_CONNECTIONS_PER_IP: "0",
  SIO_EVENTS_PER_SECOND: "1000000",
  SIO_EVENTS_BURST: "1000000",
  PUSHER_APP_ID: APP.id,
  PUSHER_APP_KEY: APP.key,
  PUSHER_APP_SECRET: APP.secret,
  GIFTS_FILE: path.join(ROOT, "data/gifts.json"),
};
if (args.media) {
  env.GST_PLUGIN_PATH = path.join(args.build, "plugins");
  env.RTC_LISTEN_IP = "127.0.0.1";
}
// Its own process group: a Ctrl-C in the terminal reaches this script, which
// then stops the load and the daemon itself.
const daemon = spawn(roomcastd, ["--dev", "--listen", "127.0.0.1", "--port", "0"], {
  env, stdio: ["ignore", "pipe", "pipe"], detached: true,
});
process.on("exit", () => { if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill("SIGKILL"); });
let stopping = false;     // the load is winding down
let wake = null;          // ends the wait for the next sample
let stoppingDaemon = false;
let died = null;          // how the daemon ended before we stopped it
let logTail = "";
const onOutput = (chunk) => {
  logStream.write(chunk);
  logTail = (logTail + chunk.toString()).slice(-16384);
};
daemon.stdout.on("data", onOutput);
daemon.stderr.on("data", onOutput);
const exited = new Promise((resolve) => daemon.on("exit", (code, signal) => resolve({ code, signal })));
exited.then(({ code, signal }) => {
  if (!stoppingDaemon) {
    died = signal ? `killed by ${signal}` : `exited with ${code}`;
    log(`roomcastd ${died}; last log lines:\n${logTail.split("\n").slice(-40).join("\n")}`);
    stopping = true;
    wake?.();
  }
});

const port = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`roomcastd did not start within 15 s:\n${logTail}`)), 15_000);
  const check = () => {
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(logTail);
    if (m) { clearTimeout(timer); resolve(Number(m[1])); }
  };
  daemon.stderr.on("data", check);
  daemon.stdout.on("data", check);
  exited.then(() => { clearTimeout(timer); reject(new Error(`roomcastd exited at start:\n${logTail}`)); });
}).catch((e) => { log(e.message); process.exit(1); });
const url = `http://127.0.0.1:${port}`;
log(`roomcastd pid ${daemon.pid} on ${url}, log ${logFile}`);

// ---- sampling -------------------------------------------------------------
const CLK_TCK = 100; // USER_HZ on Linux
function sample(label) {
  try {
    const status = fs.readFileSync(`/proc/${daemon.pid}/status`, "utf8");
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1]);
    const stat = fs.readFileSync(`/proc/${daemon.pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      minute: label,
      fds: fs.readdirSync(`/proc/${daemon.pid}/fd`).length,
      rss_kib: field("VmRSS"),
      threads: field("Threads"),
      cpu_s: ((Number(f[11]) + Number(f[12])) / CLK_TCK).toFixed(1), // utime + stime
      ops: stats.ops,
      errors: stats.errors,
      refused: stats.refused,
      http_max_ms: stats.httpMaxMs.toFixed(0),
    };
  } catch (e) {
    return null; // the daemon is gone
  }
}
const COLUMNS = ["minute", "fds", "rss_kib", "threads", "cpu_s", "ops", "errors", "refused", "http_max_ms"];
const formatRow = (r) => COLUMNS.map((c) => String(r[c]).padStart(c === "minute" ? 7 : Math.max(7, c.length))).join(" ");
const printRow = (r) => process.stdout.write(formatRow(r) + "\n");
const rows = [];
function record(label) {
  const r = sample(label);
  if (r) { rows.push(r); printRow(r); }
  stats.httpMaxMs = 0;
  return r;
}

// ---- Socket.IO participants ------------------------------------------------
function sioConnect(token) {
  const socket = io(url, { transports: ["websocket"], auth: { token }, reconnection: false, forceNew: true, timeout: 10_000 });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (e) => { socket.close(); reject(e); });
  });
}

// An acked request; returns the ack, or null after counting an error.
async function ack(socket, event, payload, refusals = EXPECTED_REFUSALS) {
  let answer;
  try {
    answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
  } catch (e) {
    if (!socket.connected && stopping) return null;
    error(`${event} no ack`, e.message);
    return null;
  }
  if (answer?.ok === true) op(`${event} ok`);
  else if (refusals.has(answer?.error?.code)) op(`${event} ${answer.error.code}`, true);
  else error(`${event} ${answer?.error?.code ?? "bad answer"}`, JSON.stringify(answer).slice(0, 300));
  return answer;
}

const CHAT = ["hello", "anyone here?", "nice set", "brb", "🎶 la la la", "can you hear me?", "mic check"];

async function participant(room, slot) {
  const userId = 1000 + room.index * 100 + slot;
  await sleep(rand(0, 5000)); // staggered start
  while (!stopping) {
    let socket = null;
    try {
      socket = await sioConnect(`dev:${userId}:Soak ${userId}`);
      op("socket.io connect");
      const s = socket;
      s.on("disconnect", (reason) => {
        if (reason !== "io client disconnect" && !stopping) error(`disconnected (${reason})`, `user ${userId}`);
      });
      s.on("media:failed", () => { stats.mediaFailed++; });
      const joined = await ack(s, "room:join", { roomId: room.id });
      if (!joined?.ok) throw new Error("room:join failed");
      let seat = joined.you?.seat ?? null;
      let muted = seat === null ? false : Boolean(joined.seats?.[seat]?.micMuted);
      let media = false;
      const leaveAt = Date.now() + rand(15_000, 60_000);
      while (!stopping && Date.now() < leaveAt && s.connected) {
        await sleep(rand(1000, 3000));
        if (stopping || !s.connected) break;
        const actions = ["chat", seat === null ? "take" : "leave"];
        if (seat !== null) actions.push("mute", "mute");
        if (args.media) actions.push("media");
        switch (pick(actions)) {
          case "chat":
            await ack(s, "chat:send", { text: pick(CHAT) });
            break;
          case "take": {
            const a = await ack(s, "seat:take", { seat: Math.floor(Math.random() * 10) });
            if (a?.ok) { seat = a.seat; muted = false; }
            break;
          }
          case "leave": {
            const a = await ack(s, "seat:leave", {});
            if (a?.ok || a?.error?.code === "not_seated") seat = null;
            break;
          }
          case "mute": {
            const a = await ack(s, "mic:mute", { muted: !muted });
            if (a?.ok) muted = !muted;
            else if (a?.error?.code === "not_seated") seat = null;
            break;
          }
          case "media":
            if (!media) {
              const a = await ack(s, "media:connect", {});
              if (a?.ok) {
                if (a.offer?.type === "offer" && /^v=0/.test(a.offer.sdp ?? "")) stats.mediaOffers++;
                else error("media:connect no offer", JSON.stringify(a).slice(0, 200));
                media = true;
              }
            } else {
              await ack(s, "media:disconnect", {});
              media = false;
            }
            break;
        }
      }
      // Leave politely (room:leave, a seat is freed at once) or just drop the
      // connection (a seated user's seat is held for the grace period).
      if (!stopping && s.connected && Math.random() < 0.5) await ack(s, "room:leave", {});
    } catch (e) {
      if (!stopping) error("participant", `user ${userId}: ${e.message}`);
    } finally {
      socket?.close();
    }
    await sleep(rand(1000, 5000));
  }
}

// ---- Pusher presence subscribers ------------------------------------------
class PusherClient {
  constructor() {
    this.messages = [];
    this.waiters = [];
    this.closed = false;
  }
  async open() {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7&client=js&version=8.6.0&flash=false`);
    this.ws.on("message", (data) => {
      let msg;
      try { msg = JSON.parse(data.toString()); } catch { error("pusher bad frame", data.toString().slice(0, 200)); return; }
      if (typeof msg.data === "string") { try { msg.data = JSON.parse(msg.data); } catch { /* a plain string */ } }
      if (msg.event === "pusher:ping") { this.send("pusher:pong", {}); return; }
      if (msg.event === "pusher:error") error("pusher:error", JSON.stringify(msg.data));
      for (const w of [...this.waiters]) if (w.pred(msg)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(msg); }
    });
    this.ws.on("close", (code) => {
      this.closed = true;
      if (!this.closing && !stopping) error("pusher closed", `code ${code}`);
      for (const w of this.waiters.splice(0)) w.reject(new Error(`closed (${code})`));
    });
    this.ws.on("error", () => { /* close follows */ });
    const est = this.next((m) => m.event === "pusher:connection_established");
    await new Promise((resolve, reject) => { this.ws.once("open", resolve); this.ws.once("error", reject); });
    this.socketId = (await est).data.socket_id;
  }
  send(event, data) { if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ event, data })); }
  next(pred, ms = ACK_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (m) => { clearTimeout(timer); resolve(m); }, reject: (e) => { clearTimeout(timer); reject(e); } };
      const timer = setTimeout(() => { this.waiters.splice(this.waiters.indexOf(w), 1); reject(new Error("timed out")); }, ms);
      this.waiters.push(w);
    });
  }
  close() { this.closing = true; this.ws?.close(); }
}

async function subscriber(room, k) {
  const channel = `presence-room.${room.id}`;
  await sleep(rand(0, 5000));
  while (!stopping) {
    // Now and then a user who is also a participant of the audio room.
    const userId = Math.random() < 0.3 ? 1000 + room.index * 100 + Math.floor(Math.random() * PARTICIPANTS_PER_ROOM)
                                        : 5000 + room.index * 100 + k;
    const c = new PusherClient();
    try {
      await c.open();
      op("pusher connect");
      const channelData = JSON.stringify({ user_id: userId, user_info: { name: `Watcher ${userId}` } });
      const subscribed = c.next((m) => m.channel === channel && m.event === "pusher_internal:subscription_succeeded");
      c.send("pusher:subscribe", { channel, auth: `${APP.key}:${hmac(`${c.socketId}:${channel}:${channelData}`)}`, channel_data: channelData });
      await subscribed;
      op("pusher:subscribe presence");
      if (Math.random() < 0.6) {
        const userData = JSON.stringify({ id: String(userId), name: `Watcher ${userId}` });
        const signedIn = c.next((m) => m.event === "pusher:signin_success");
        c.send("pusher:signin", { auth: `${APP.key}:${hmac(`${c.socketId}::user::${userData}`)}`, user_data: userData });
        await signedIn;
        op("pusher:signin");
      }
      const until = Date.now() + rand(5_000, 30_000);
      while (!stopping && !c.closed && Date.now() < until) await sleep(Math.min(1000, until - Date.now()));
      if (!stopping && !c.closed && Math.random() < 0.5) {
        c.send("pusher:unsubscribe", { channel });
        op("pusher:unsubscribe");
        await sleep(100);
      }
    } catch (e) {
      if (!stopping) error("pusher", `user ${userId}: ${e.message}`);
    } finally {
      c.close();
    }
    await sleep(rand(1000, 5000));
  }
}

// ---- plain HTTP -------------------------------------------------------------
function httpGet(pathname) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get({ host: "127.0.0.1", port, path: pathname, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
      res.on("error", (e) => resolve({ error: e.message, ms: performance.now() - t0 }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("timed out after 10 s")));
    req.on("error", (e) => resolve({ error: e.message, ms: performance.now() - t0 }));
  });
}

async function httpLoad() {
  const interval = 1000 / HTTP_PER_SECOND;
  for (let i = 0; !stopping; i++) {
    const t0 = performance.now();
    const p = i % 4 === 3 ? "/metrics" : "/health";
    const r = await httpGet(p);
    if (stopping) break;
    stats.httpMaxMs = Math.max(stats.httpMaxMs, r.ms);
    if (r.status === 200) op(`GET ${p}`);
    else error(`GET ${p}`, r.error ?? `status ${r.status}`);
    await sleep(Math.max(0, interval - (performance.now() - t0)));
  }
}

// ---- the run ------------------------------------------------------------------
const rooms = Array.from({ length: args.rooms }, (_, index) => ({ index, id: crypto.randomUUID() }));
log(`${args.minutes} min, ${args.rooms} room(s) x ${PARTICIPANTS_PER_ROOM} participants + ${SUBSCRIBERS_PER_ROOM} ` +
    `Pusher clients, ${HTTP_PER_SECOND} HTTP/s${args.media ? ", media:connect cycles" : ""}`);
process.stdout.write(COLUMNS.map((c) => c.padStart(c === "minute" ? 7 : Math.max(7, c.length))).join(" ") + "\n");
// Idle, before the load: once it has answered a request and settled (its
// GLib worker thread and the like start lazily).
await httpGet("/health");
await sleep(2000);
record(0);

let interrupted = false;
const startedAt = Date.now();
const endAt = startedAt + args.minutes * 60_000;
const interrupt = (signal) => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log(`${signal}: stopping the load (again to quit at once)`);
  wake?.();
};
process.on("SIGINT", interrupt);
process.on("SIGTERM", interrupt);

const loops = [httpLoad()];
for (const room of rooms) {
  for (let s = 0; s < PARTICIPANTS_PER_ROOM; s++) loops.push(participant(room, s));
  for (let k = 0; k < SUBSCRIBERS_PER_ROOM; k++) loops.push(subscriber(room, k));
}

for (let minute = 1; ; minute++) {
  const at = Math.min(startedAt + minute * SAMPLE_MS, endAt);
  let timer;
  await new Promise((r) => { wake = r; timer = setTimeout(r, Math.max(0, at - Date.now())); });
  clearTimeout(timer);
  if (died) break;
  const whole = !interrupted && at === startedAt + minute * SAMPLE_MS;
  record(whole ? String(minute) : ((Date.now() - startedAt) / 60_000).toFixed(2));
  if (interrupted || at >= endAt) break;
}
const loaded = rows.slice(1);

stopping = true;
await Promise.race([Promise.allSettled(loops), sleep(20_000)]);

let drained = null;
if (!died && args.drainSeconds > 0) {
  log(`load stopped; sampling the idle daemon in ${args.drainSeconds} s`);
  await Promise.race([sleep(args.drainSeconds * 1000), exited]);
  if (!died) {
    drained = sample("drained");
    if (drained) printRow(drained);
  }
}

// ---- stop the daemon ---------------------------------------------------------------
let shutdown = "";
if (!died) {
  stoppingDaemon = true;
  daemon.kill("SIGTERM");
  const r = await Promise.race([exited, sleep(30_000).then(() => null)]);
  if (r === null) {
    daemon.kill("SIGKILL");
    await exited;
    shutdown = "did not exit within 30 s of SIGTERM (killed)";
    died = "hung at shutdown";
  } else if (r.signal) {
    shutdown = `killed by ${r.signal} during shutdown`;
    died = shutdown;
  } else {
    shutdown = `exited with ${r.code} after SIGTERM`;
  }
}
await new Promise((r) => logStream.end(r));

// ---- summary -------------------------------------------------------------------------------
const out = (s = "") => process.stdout.write(s + "\n");
out();
out(`summary (${((Date.now() - startedAt) / 60_000).toFixed(1)} min, ${args.rooms} room(s)${args.media ? ", media" : ""}):`);
out(`  ops ${stats.ops}, errors ${stats.errors}, refused ${stats.refused}` +
    (args.media ? `, media offers ${stats.mediaOffers}, media:failed ${stats.mediaFailed}` : ""));
out("  " + [...opKinds].sort().map(([k, n]) => `${k} ${n}`).join(", "));
for (const [kind, n] of errorKinds) out(`  error ${kind}: ${n}`);
out("  " + COLUMNS.map((c) => c.padStart(c === "minute" ? 7 : Math.max(7, c.length))).join(" "));
const first = loaded[0], last = loaded[loaded.length - 1];
if (rows[0]) out("  " + formatRow(rows[0]) + "   idle, before the load");
if (first) out("  " + formatRow(first) + "   first sample under load");
if (last && last !== first) out("  " + formatRow(last) + "   last sample under load");
if (drained) out("  " + formatRow(drained) + `   idle again, ${args.drainSeconds} s after the load`);
if (first && last && last !== first) {
  const span = Number(last.minute) - Number(first.minute);
  const d = (k) => Number(last[k]) - Number(first[k]);
  const sign = (n) => (n > 0 ? `+${n}` : String(n));
  out(`  growth from minute ${first.minute} to ${last.minute} (${span.toFixed(2)} min): fds ${sign(d("fds"))}, ` +
      `rss_kib ${sign(d("rss_kib"))} (${sign(Math.round(d("rss_kib") / span))}/min), threads ${sign(d("threads"))}`);
}
if (drained && rows[0]) {
  const d = (k) => Number(drained[k]) - Number(rows[0][k]);
  out(`  idle after vs idle before: fds ${d("fds") >= 0 ? "+" : ""}${d("fds")}, rss_kib ${d("rss_kib") >= 0 ? "+" : ""}${d("rss_kib")}, ` +
      `threads ${d("threads") >= 0 ? "+" : ""}${d("threads")}`);
}
out(`  roomcastd: ${died ? `DIED (${died})` : shutdown}; log ${logFile}`);
process.exit(died ? 1 : 0);
