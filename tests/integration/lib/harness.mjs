// Test harness: start a real roomcastd and connect real socket.io clients.
//
// The daemon binary comes from $ROOMCASTD (set by meson) or build/src/roomcastd.
// Every server listens on 127.0.0.1 with --port 0; the port is read from its
// "listening on" log line, so tests never race for ports.
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";

const here = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_ROOT = path.resolve(here, "../../..");
export const ROOMCASTD = process.env.ROOMCASTD || path.join(SOURCE_ROOT, "build/src/roomcastd");

// ROOMCAST_TEST_TIME_SCALE (scripts/test --sanitize sets it): how much slower
// the daemon under test may be. Deadlines for conditions are budgets and get
// multiplied by it; what the result must be never changes.
export const TIME_SCALE = Math.max(1, Number(process.env.ROOMCAST_TEST_TIME_SCALE) || 1);

// For tests whose flood is the point (load, leaks, other limits): the
// per-socket event budget (SIO_EVENTS_PER_SECOND) out of the way.
export const UNLIMITED_EVENTS = { SIO_EVENTS_PER_SECOND: "1000000", SIO_EVENTS_BURST: "1000000" };

// The Pusher app the hub tests sign with (lib/pusher.mjs DEV). --dev draws a
// random one per start; tests configure this one as an operator would.
export const TEST_PUSHER_APP = { PUSHER_APP_ID: "dev", PUSHER_APP_KEY: "dev-key", PUSHER_APP_SECRET: "dev-secret" };

// Start roomcastd. Resolves once it listens: { url, port, proc, logs(), stop() }.
// `nofile` runs it with that RLIMIT_NOFILE (soft and hard, through util-linux's
// prlimit, which execs it: proc.pid is the daemon's). `binary` runs another
// roomcastd than $ROOMCASTD (a copy, to look like an installed one).
export async function startServer({ args = ["--dev"], env = {}, timeoutMs = 10000, nofile,
                                    binary = ROOMCASTD } = {}) {
  const argv = [...args, "--listen", "127.0.0.1", "--port", "0"];
  const [file, fileArgs] = nofile
    ? ["prlimit", [`--nofile=${nofile}:${nofile}`, "--", binary, ...argv]]
    : [binary, argv];
  const proc = spawn(file, fileArgs, {
    env: { ...process.env, LOG_LEVEL: "debug", GIFTS_FILE: path.join(SOURCE_ROOT, "data/gifts.json"),
           ...(args.includes("--dev") ? TEST_PUSHER_APP : {}), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const onData = (chunk) => { output += chunk.toString(); };
  proc.stdout.on("data", onData);
  proc.stderr.on("data", onData);
  const exited = once(proc, "exit");

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`roomcastd did not start:\n${output}`)), timeoutMs * TIME_SCALE);
    const check = () => {
      const m = output.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); proc.stderr.off("data", check); resolve(Number(m[1])); }
    };
    proc.stderr.on("data", check);
    exited.then(([code]) => { clearTimeout(timer); reject(new Error(`roomcastd exited (${code}):\n${output}`)); });
    check();
  });

  const server = {
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    exited,
    logs: () => output,
    // Resolves when a log line matching `re` has appeared.
    waitForLog: (re, ms = 5000) => waitFor(() => re.test(output), ms, `log ${re}`),
    async stop(signal = "SIGTERM") {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
  return server;
}

// Poll `predicate` until true (condition-based waiting, never a bare sleep).
export async function waitFor(predicate, timeoutMs = 5000, what = "condition") {
  const deadline = Date.now() + timeoutMs * TIME_SCALE;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// A connected socket.io client (rejects with the connect_error).
export function connect(server, token, opts = {}) {
  const socket = io(server.url, {
    transports: ["websocket"],
    auth: token === undefined ? undefined : { token },
    reconnection: false,
    forceNew: true,
    timeout: 10000,
    ...opts,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => { socket.close(); reject(err); });
  });
}

// emit with an ack, as a promise.
export function request(socket, event, ...args) {
  return socket.timeout(5000 * TIME_SCALE).emitWithAck(event, ...args);
}

// Resolves with the arguments of the next `event` on `emitter`.
export function next(emitter, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { emitter.off(event, handler); reject(new Error(`no ${event} within ${timeoutMs} ms`)); },
                             timeoutMs * TIME_SCALE);
    function handler(...args) { clearTimeout(timer); resolve(args); }
    emitter.once(event, handler);
  });
}
