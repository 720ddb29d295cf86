// A real redis-server for tests: on 127.0.0.1, a free port, a temporary
// directory (AOF on, no RDB snapshots), stoppable and restartable on the
// same port. `command()` speaks RESP to it directly (no npm module needed), on
// roomcastd's default database (REDIS_DB=3); `commandOn(db, ...)` on another.
//
//   const redis = await startRedis();
//   await redis.command("SETEX", "auth:revoked:" + hash, "86400", "1");
//   await redis.restart();
//   await redis.stop();
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

// Redis has no "port 0": take one the kernel says is free, and retry if
// someone else grabs it before redis-server binds.
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function launch(port, dir, timeoutMs) {
  const proc = spawn(process.env.REDIS_SERVER || "redis-server", [
    "--port", String(port), "--bind", "127.0.0.1", "--dir", dir,
    "--save", "", "--appendonly", "yes", "--daemonize", "no", "--logfile", "",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout.on("data", (c) => { output += c.toString(); });
  proc.stderr.on("data", (c) => { output += c.toString(); });
  const exited = once(proc, "exit");
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), timeoutMs);
    const check = () => {
      if (/Ready to accept connections/.test(output)) { clearTimeout(timer); resolve(); }
    };
    proc.stdout.on("data", check);
    exited.then(([code]) => {
      clearTimeout(timer);
      const err = new Error(`redis-server exited (${code}):\n${output}`);
      err.portInUse = /Address already in use/.test(output);
      reject(err);
    });
  });
  return { proc, exited, ready, logs: () => output };
}

// roomcastd's REDIS_DB when the environment does not set it.
export const DEFAULT_DB = 3;

function encode(args) {
  let req = `*${args.length}\r\n`;
  for (const a of args) {
    const s = Buffer.from(String(a));
    req += `$${s.length}\r\n${s}\r\n`;
  }
  return req;
}

// One RESP command on database `db`, on a fresh connection (SELECT, then the
// command); resolves with the decoded reply (strings, numbers, null, arrays)
// or rejects with the Redis error.
export function redisCommand(port, db, ...args) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host: "127.0.0.1", port });
    let buf = Buffer.alloc(0);
    sock.on("error", reject);
    sock.on("connect", () => sock.write(encode(["SELECT", db]) + encode(args)));
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const selected = parse(buf, 0);
      const parsed = selected && parse(buf, selected.next);
      if (!parsed) return;
      sock.end();
      if (selected.value instanceof Error) reject(selected.value);
      else if (parsed.value instanceof Error) reject(parsed.value);
      else resolve(parsed.value);
    });
  });
}

// RESP2 parser: { value, next } or null when more bytes are needed.
function parse(buf, at) {
  const eol = buf.indexOf("\r\n", at);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString("utf8", at + 1, eol);
  const next = eol + 2;
  switch (type) {
    case "+": return { value: line, next };
    case "-": return { value: new Error(line), next };
    case ":": return { value: Number(line), next };
    case "$": {
      const n = Number(line);
      if (n < 0) return { value: null, next };
      if (buf.length < next + n + 2) return null;
      return { value: buf.toString("utf8", next, next + n), next: next + n + 2 };
    }
    case "*": {
      const n = Number(line);
      if (n < 0) return { value: null, next };
      const items = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, pos);
        if (!item) return null;
        items.push(item.value);
        pos = item.next;
      }
      return { value: items, next: pos };
    }
    default: throw new Error(`bad RESP type ${type}`);
  }
}

export async function startRedis({ timeoutMs = 10000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "roomcast-redis-"));
  let port = 0;
  let current = null;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    current = launch(port, dir, timeoutMs);
    try {
      await current.ready;
      break;
    } catch (err) {
      if (!err.portInUse || attempt >= 5) throw err;
    }
  }

  const redis = {
    host: "127.0.0.1",
    get port() { return port; },
    logs: () => current.logs(),
    command: (...args) => redisCommand(port, DEFAULT_DB, ...args),
    commandOn: (db, ...args) => redisCommand(port, db, ...args),
    get running() { return current.proc.exitCode === null && current.proc.signalCode === null; },
    async stop(signal = "SIGTERM") {
      if (!redis.running) return;
      current.proc.kill(signal);
      await current.exited;
    },
    // Same port, same data directory (the AOF brings the data back).
    async restart() {
      await redis.stop();
      for (let attempt = 0; ; attempt++) {
        current = launch(port, dir, timeoutMs);
        try {
          await current.ready;
          return;
        } catch (err) {
          // the old socket may linger a moment; anything else is fatal
          if (!err.portInUse || attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async destroy() {
      await redis.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return redis;
}
