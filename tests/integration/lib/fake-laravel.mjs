// Start tests/fake-laravel/fake_laravel.py (a strict fake of the Laravel
// internal API roomcast calls, docs/laravel.md) and talk to its control API.
//
//   const laravel = await startFakeLaravel({ internalKey });
//   await laravel.addUser({ id: 1, name: "Ann", email: "ann@example.com" });
//   await laravel.addToken("1|secret", 1);
//   ... (await laravel.calls("/api/v1/internal/auth/validate")).length ...
//   await laravel.fault({ status: 500, count: 3 });
//   await laravel.stop();
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { SOURCE_ROOT } from "./harness.mjs";

const SCRIPT = path.join(SOURCE_ROOT, "tests/fake-laravel/fake_laravel.py");
export const VALIDATE_PATH = "/api/v1/internal/auth/validate";

// `port` (default 0: any free one) lets a test bring Laravel up on an
// address the server already points at.
export async function startFakeLaravel({ internalKey, autoCreateRooms = false, port = 0, timeoutMs = 10000 } = {}) {
  if (!internalKey) throw new Error("startFakeLaravel: internalKey is required");
  const args = [SCRIPT, "--internal-key", internalKey, "--port", String(port)];
  if (autoCreateRooms) args.push("--auto-create-rooms");
  const proc = spawn(process.env.PYTHON || "python3", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout.on("data", (c) => { output += c.toString(); });
  proc.stderr.on("data", (c) => { output += c.toString(); });
  const exited = once(proc, "exit");

  const boundPort = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fake Laravel did not start:\n${output}`)), timeoutMs);
    const check = () => {
      const m = output.match(/fake-laravel listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    proc.stdout.on("data", check);
    exited.then(([code]) => { clearTimeout(timer); reject(new Error(`fake Laravel exited (${code}):\n${output}`)); });
  });
  const url = `http://127.0.0.1:${boundPort}`;

  async function control(method, endpoint, body) {
    const res = await fetch(`${url}/_control${endpoint}`, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json();
    if (!res.ok) throw new Error(`control ${method} ${endpoint}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  }

  return {
    url,
    port: boundPort,
    proc,
    logs: () => output,
    addUser: (user) => control("POST", "/users", user),
    getUser: (id) => control("GET", `/users/${id}`),
    addToken: (token, userId) => control("POST", "/tokens", { token, user_id: userId }),
    deleteToken: (token) => control("POST", "/tokens/delete", { token }),
    addGift: (gift) => control("POST", "/gifts", gift),
    // ownerId (optional): the room's owner, named as owner_id in status answers.
    addRoom: (id, ownerId) => control("POST", "/rooms", ownerId === undefined ? { id } : { id, owner_id: ownerId }),
    getRoom: (id) => control("GET", `/rooms/${encodeURIComponent(id)}`),
    ledger: () => control("GET", "/ledger"),
    calls: (prefix = "") => control("GET", `/calls?path=${encodeURIComponent(prefix)}`),
    clearCalls: () => control("POST", "/calls/clear"),
    // { path?, count? (default 1, null = forever), status?, body?, delay_ms?, drop?: "before"|"after",
    //   probability? (0-1: applies to that share of matching calls), seed? }
    fault: (fault) => control("POST", "/faults", fault),
    clearFaults: () => control("POST", "/faults/clear"),
    configure: (config) => control("POST", "/config", config),
    reset: () => control("POST", "/reset"),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      await exited;
    },
  };
}
