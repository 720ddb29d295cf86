// roomcastd --check-laravel and "laravel_check" in /health, against the
// strict fake Laravel: 401 for the impossible token is "ok", 403 names the
// internal key, a route that accepts any token, a wrong URL and nobody
// listening each get their own verdict; neither secret reaches the output.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { ROOMCASTD, startServer, waitFor } from "./lib/harness.mjs";
import { startFakeLaravel, VALIDATE_PATH } from "./lib/fake-laravel.mjs";

const KEY = "internal-key-for-the-check-0123456789abcdef";
let laravel;

before(async () => {
  laravel = await startFakeLaravel({ internalKey: KEY });
});
after(async () => {
  await laravel?.stop();
});

function env(extra = {}) {
  return {
    ...process.env, AUTH_PROVIDER: "laravel", LARAVEL_API_URL: laravel.url, LARAVEL_INTERNAL_KEY: KEY,
    LARAVEL_CONNECT_TIMEOUT_MS: "1000", LARAVEL_TIMEOUT_MS: "1500", REDIS_HOST: "", ...extra,
  };
}

// roomcastd --check-laravel: { code, stdout, output (stdout + stderr) }.
async function checkLaravel(extra) {
  const proc = spawn(ROOMCASTD, ["--check-laravel"], { env: env(extra), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  proc.stdout.on("data", (c) => { stdout += c; });
  proc.stderr.on("data", (c) => { stderr += c; });
  const [code] = await once(proc, "exit");
  const output = stdout + stderr;
  assert.ok(!output.includes(KEY), "the internal key reached the output");
  assert.ok(!/roomcast-check-[0-9a-f]/.test(output), "the test token reached the output");
  return { code, stdout, output };
}

test("the right key: 401 for a token that cannot be valid is ok, exit 0", async () => {
  await laravel.clearCalls();
  const r = await checkLaravel();
  assert.equal(r.code, 0, r.output);
  assert.match(r.stdout, /^POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/internal\/auth\/validate /m);
  assert.match(r.stdout, /^ok: Laravel is reachable, accepts LARAVEL_INTERNAL_KEY/m);
  const calls = await laravel.calls(VALIDATE_PATH);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].headers["x-internal-key"], KEY);
  assert.match(calls[0].headers.authorization, /^Bearer 0\|/);
});

test("a wrong key: 403 names LARAVEL_INTERNAL_KEY, exit 1", async () => {
  const r = await checkLaravel({ LARAVEL_INTERNAL_KEY: "not-the-key-laravel-expects-0123456789" });
  assert.equal(r.code, 1, r.output);
  assert.match(r.stdout, /^invalid_internal_key: .*LARAVEL_INTERNAL_KEY is not the AUDIO_SERVER_INTERNAL_KEY/m);
});

test("a route that accepts any token, a wrong URL, nobody listening: each said as it is", async () => {
  await laravel.fault({ path: VALIDATE_PATH, status: 200,
                        body: { id: 1, name: "Anyone", email: "a@example.com" } });
  let r = await checkLaravel();
  assert.equal(r.code, 1, r.output);
  assert.match(r.stdout, /^token_accepted: .*not behind auth:sanctum/m);

  r = await checkLaravel({ LARAVEL_API_URL: `${laravel.url}/wrong-prefix` });
  assert.equal(r.code, 1, r.output);
  assert.match(r.stdout, /^unexpected: Laravel answered HTTP 404.*LARAVEL_API_URL/m);

  const port = await new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
  r = await checkLaravel({ LARAVEL_API_URL: `http://127.0.0.1:${port}` });
  assert.equal(r.code, 1, r.output);
  assert.match(r.stdout, /^unreachable: /m);
});

test("without Laravel settings there is nothing to check: exit 2", async () => {
  const r = await checkLaravel({ LARAVEL_API_URL: "", LARAVEL_INTERNAL_KEY: "", AUTH_PROVIDER: "jwt",
                                 JWT_SECRET: "a-jwt-secret-0123456789abcdef0123" });
  assert.equal(r.code, 2, r.output);
  assert.match(r.output, /LARAVEL_API_URL and LARAVEL_INTERNAL_KEY are not both set/);
});

test("/health: the first request starts the check, the answer follows in laravel_check", async () => {
  const server = await startServer({ args: [], env: env() });
  try {
    const health = async () => (await fetch(`${server.url}/health`)).json();
    const first = await health();
    assert.ok(["checking", "ok"].includes(first.laravel_check.result), JSON.stringify(first));
    await waitFor(async () => (await health()).laravel_check.result === "ok", 5000, "laravel_check ok");
    const h = await health();
    assert.match(h.laravel_check.message, /accepts LARAVEL_INTERNAL_KEY/);
    assert.match(h.laravel_check.checkedAt, /^\d{4}-\d\d-\d\dT/);
    assert.equal(h.laravel, "ok");
    assert.equal(h.status, "ok");
    assert.ok(!server.logs().includes(KEY));
  } finally {
    await server.stop();
  }

  const wrong = await startServer({ args: [], env: env({ LARAVEL_INTERNAL_KEY: "not-the-key-laravel-expects-0123456789" }) });
  try {
    const health = async () => (await fetch(`${wrong.url}/health`)).json();
    await health();
    await waitFor(async () => (await health()).laravel_check.result === "invalid_internal_key", 5000, "verdict");
    assert.equal((await health()).status, "degraded");
  } finally {
    await wrong.stop();
  }
});
