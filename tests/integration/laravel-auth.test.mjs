// The "laravel" auth provider against a strict fake Laravel and a real
// redis-server: validation and its headers, the Redis cache, revocation at
// connect and of live sockets in every form a Laravel app writes it (the
// contract's TokenRevocationService as written included), fail-closed
// behaviour (Laravel down, slow, 5xx, wrong internal key, bad answers, Redis
// down), coalescing of concurrent logins, and Redis restarts.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import net from "node:net";
import { startServer, connect, request, next, waitFor } from "./lib/harness.mjs";
import { startFakeLaravel, VALIDATE_PATH } from "./lib/fake-laravel.mjs";
import { startRedis } from "./lib/redis.mjs";

const KEY = "internal-key-for-tests-0123456789abcdef";
const sha256 = (s) => createHash("sha256").update(s).digest("hex");
// What Sanctum stores for "id|secret" ($token->token), and the seed's
// TokenRevocationService's hash of it.
const storedHash = (token) => sha256(token.slice(token.indexOf("|") + 1));
// Every form of a token's key (src/auth/token-keys.h): the hash of the token
// or of Sanctum's stored hash, without or with Laravel's Redis prefix.
function keyForms(kind, token, prefix = "laravel_database_") {
  return {
    "token hash, unprefixed": `${kind}${sha256(token)}`,
    "stored hash, unprefixed": `${kind}${sha256(storedHash(token))}`,
    "token hash, prefixed": `${prefix}${kind}${sha256(token)}`,
    "stored hash, prefixed": `${prefix}${kind}${sha256(storedHash(token))}`,
  };
}
const usedTokens = [];
let nextUser = 100;

// A Laravel user with a fresh Sanctum-style token.
async function newUser(laravel, fields = {}) {
  const id = nextUser++;
  const token = `${id}|tok${Math.random().toString(36).slice(2)}${"x".repeat(30)}`;
  await laravel.addUser({ id, name: `User ${id}`, email: `u${id}@example.com`, ...fields });
  await laravel.addToken(token, id);
  usedTokens.push(token);
  return { id, token };
}

async function health(server) {
  return (await fetch(`${server.url}/health`)).json();
}

function refusedWith(message) {
  return (err) => { assert.equal(err.message, message); return true; };
}

async function validateCalls(laravel, token) {
  const calls = await laravel.calls(VALIDATE_PATH);
  return token ? calls.filter((c) => c.headers.authorization === `Bearer ${token}`) : calls;
}

function laravelEnv(laravel, redis, extra = {}) {
  return {
    AUTH_PROVIDER: "laravel",
    LARAVEL_API_URL: laravel.url,
    LARAVEL_INTERNAL_KEY: KEY,
    LARAVEL_CONNECT_TIMEOUT_MS: "1000",
    LARAVEL_TIMEOUT_MS: "1500",
    ...(redis ? { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port) } : { REDIS_HOST: "" }),
    ...extra,
  };
}

describe("laravel auth with Redis", () => {
  let laravel, redis, server;
  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY }), startRedis()]);
    server = await startServer({ args: [], env: laravelEnv(laravel, redis) });
    await waitFor(async () => (await health(server)).redis === "connected", 5000, "redis connected");
  });
  after(async () => {
    const logs = server ? server.logs() : "";
    await server?.stop();
    await laravel?.stop();
    await redis?.destroy();
    for (const token of usedTokens) assert.ok(!logs.includes(token), "a token reached the log");
    assert.ok(!logs.includes(KEY), "the internal key reached the log");
  });

  test("a valid token is validated once with the contract's headers, then served from Redis", async () => {
    const { id, token } = await newUser(laravel, { avatar_url: "https://cdn.example.com/a.jpg", role: "moderator" });
    const s1 = await connect(server, token);
    const who = await request(s1, "whoami");
    s1.close();
    assert.deepEqual(who.user, {
      id: String(id), name: `User ${id}`, role: "moderator",
      avatarUrl: "https://cdn.example.com/a.jpg", email: `u${id}@example.com`,
    });

    const calls = await validateCalls(laravel, token);
    assert.equal(calls.length, 1);
    const h = calls[0].headers;
    assert.equal(calls[0].method, "POST");
    assert.equal(h["content-type"], "application/json");
    assert.equal(h.accept, "application/json");
    assert.equal(h["x-internal-key"], KEY);
    assert.equal(calls[0].body, "");

    const key = `auth:token:${sha256(token)}`;
    const cached = JSON.parse(await redis.command("GET", key));
    assert.equal(cached.id, id);
    const ttl = await redis.command("TTL", key);
    assert.ok(ttl > 250 && ttl <= 300, `TTL ${ttl}`);

    const s2 = await connect(server, token);
    assert.deepEqual((await request(s2, "whoami")).user, who.user);
    s2.close();
    assert.equal((await validateCalls(laravel, token)).length, 1, "second connect must use the cache");
  });

  test("optional fields may be null or absent; role defaults to user", async () => {
    const { id, token } = await newUser(laravel, { avatar_url: null, role: null, extra: { is_vip: true } });
    const s = await connect(server, token);
    const who = await request(s, "whoami");
    s.close();
    assert.deepEqual(who.user, { id: String(id), name: `User ${id}`, role: "user", email: `u${id}@example.com` });
    const cached = JSON.parse(await redis.command("GET", `auth:token:${sha256(token)}`));
    assert.equal(cached.is_vip, true, "extra fields are kept");
  });

  test("an unknown token gets unauthenticated and is not cached", async () => {
    const token = "999|not-a-token-laravel-knows-about-000000000";
    usedTokens.push(token);
    await assert.rejects(connect(server, token), refusedWith("unauthenticated"));
    assert.equal(await redis.command("EXISTS", `auth:token:${sha256(token)}`), 0);
  });

  test("a token Laravel refused is refused again without asking it, for a while", async () => {
    await laravel.clearCalls();
    const token = "998|junk-token-for-the-negative-cache-0000000000";
    usedTokens.push(token);
    for (let i = 0; i < 20; i++)
      await assert.rejects(connect(server, token), refusedWith("unauthenticated"));
    assert.equal((await validateCalls(laravel, token)).length, 1, "one Laravel call for 20 attempts");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /roomcast_auth_laravel_total\{result="refused_cached"\} 19\b/);
  });

  test("a malformed token is refused without asking Laravel", async () => {
    await laravel.clearCalls();
    await assert.rejects(connect(server, "has spaces\r\nX-Evil: 1"), refusedWith("unauthenticated"));
    assert.equal((await validateCalls(laravel)).length, 0);
  });

  test("answers that break the contract fail closed", async () => {
    for (const extra of [{ id: "123" }, { id: 1.5 }, { email: null }, { name: 42 }, { role: 7 }]) {
      const { token } = await newUser(laravel, { extra });
      await assert.rejects(connect(server, token), refusedWith("auth_unavailable"), JSON.stringify(extra));
    }
    const { token } = await newUser(laravel);
    await laravel.fault({ path: VALIDATE_PATH, body: "<html>not json</html>" });
    await assert.rejects(connect(server, token), refusedWith("auth_unavailable"));
    await server.waitForLog(/auth\/validate answer is unusable|not JSON/);
  });

  test("a revoked token is refused even while its user is cached", async () => {
    const { token } = await newUser(laravel);
    (await connect(server, token)).close();
    // The cache write follows the accepted connection asynchronously.
    await waitFor(async () => (await redis.command("EXISTS", `auth:token:${sha256(token)}`)) === 1,
                  5000, "the validated user cached in Redis");
    await redis.command("SETEX", `auth:revoked:${sha256(token)}`, "86400", "1");
    await assert.rejects(connect(server, token), refusedWith("unauthenticated"));
    assert.equal((await validateCalls(laravel, token)).length, 1, "no Laravel call for a revoked token");
  });

  const FORMS = Object.keys(keyForms("auth:revoked:", "1|x"));

  for (const form of FORMS) {
    test(`a revocation marker keyed by the ${form} refuses the token even while cached`, async () => {
      const { token } = await newUser(laravel);
      (await connect(server, token)).close();
      const keys = keyForms("auth:revoked:", token);
      await redis.command("SETEX", keys[form], "86400", "1");
      await assert.rejects(connect(server, token), refusedWith("unauthenticated"));
      assert.equal((await validateCalls(laravel, token)).length, 1, "no Laravel call for a revoked token");
    });
  }

  test("the contract's TokenRevocationService as written (hash of $token->token, through the Redis facade) revokes", async () => {
    const { token } = await newUser(laravel);
    const live = await connect(server, token);
    const revokedEvent = next(live, "auth:revoked", 6000);
    // TokenRevocationService::revoke($token->token), Redis facade prefix laravel_database_:
    const hash = sha256(storedHash(token));
    await redis.command("SETEX", `laravel_database_auth:revoked:${hash}`, "86400", "1");
    await redis.command("DEL", `laravel_database_auth:token:${hash}`);
    assert.deepEqual(await revokedEvent, [{ reason: "token revoked" }]);
    await assert.rejects(connect(server, token), refusedWith("unauthenticated"));
    await server.waitForLog(/token revoked \(LARAVEL_REDIS_PREFIX key, hash of the token Sanctum stores\)/);
  });

  for (const form of FORMS) {
    test(`a live socket is dropped when its token is revoked by the ${form}`, async () => {
      const { token } = await newUser(laravel);
      const s = await connect(server, token);
      const disconnected = next(s, "disconnect", 6000);
      await redis.command("SETEX", keyForms("auth:revoked:", token)[form], "86400", "1");
      const [reason] = await disconnected;
      assert.equal(reason, "io server disconnect");
    });
  }

  test("the validated user is cached under every form; deleting any one makes the next connect ask Laravel", async () => {
    for (const form of FORMS) {
      const { token } = await newUser(laravel);
      (await connect(server, token)).close();
      const keys = keyForms("auth:token:", token);
      await waitFor(async () => (await Promise.all(Object.values(keys).map((k) => redis.command("EXISTS", k))))
        .every((n) => n === 1), 5000, "every cache key written");
      for (const k of Object.values(keys)) {
        const ttl = await redis.command("TTL", k);
        assert.ok(ttl > 250 && ttl <= 300, `${k}: TTL ${ttl}`);
      }
      (await connect(server, token)).close();
      assert.equal((await validateCalls(laravel, token)).length, 1, "served from the cache");
      await redis.command("DEL", keys[form]);
      (await connect(server, token)).close();
      assert.equal((await validateCalls(laravel, token)).length, 2, `${form} deleted: validated again`);
    }
  });

  test("a live socket is told and dropped within 5 s once its token is revoked", async () => {
    const { token } = await newUser(laravel);
    const other = await newUser(laravel);
    const s = await connect(server, token);
    const bystander = await connect(server, other.token);
    const revokedEvent = next(s, "auth:revoked", 6000);
    const disconnected = next(s, "disconnect", 6000);
    const t0 = Date.now();
    await redis.command("SETEX", `auth:revoked:${sha256(token)}`, "86400", "1");
    const [payload] = await revokedEvent;
    const [reason] = await disconnected;
    const elapsed = Date.now() - t0;
    assert.deepEqual(payload, { reason: "token revoked" });
    assert.equal(reason, "io server disconnect");
    assert.ok(elapsed < 5000, `dropped after ${elapsed} ms`);
    await server.waitForLog(/reason=token revoked/);
    assert.ok(bystander.connected, "other tokens stay connected");
    assert.equal((await request(bystander, "whoami")).ok, true);
    bystander.close();
  });

  test("10 concurrent connects with one token make exactly one Laravel call", async () => {
    const { id, token } = await newUser(laravel);
    await laravel.fault({ path: VALIDATE_PATH, delay_ms: 300 });
    // All ten are accepted (one connection per user then keeps the newest).
    const sockets = await Promise.all(Array.from({ length: 10 }, () => connect(server, token)));
    sockets.forEach((s) => s.close());
    assert.equal(sockets.length, 10);
    assert.equal((await validateCalls(laravel, token)).length, 1);
    const s = await connect(server, token);
    assert.equal((await request(s, "whoami")).user.id, String(id));
    s.close();
  });

  test("Laravel failing (500, dropped connection, timeout) gives auth_unavailable, then recovers", async () => {
    const { token } = await newUser(laravel);
    await laravel.fault({ path: VALIDATE_PATH, status: 500 });
    await assert.rejects(connect(server, token), refusedWith("auth_unavailable"));
    assert.equal((await health(server)).laravel, "server_error");
    assert.equal((await health(server)).status, "degraded");

    // Twice: curl retries once, on a fresh connection, when a reused
    // keep-alive connection dies before the answer.
    await laravel.fault({ path: VALIDATE_PATH, drop: "before", count: 2 });
    await assert.rejects(connect(server, token), refusedWith("auth_unavailable"));
    await laravel.clearFaults();

    await laravel.fault({ path: VALIDATE_PATH, delay_ms: 2500 }); // LARAVEL_TIMEOUT_MS is 1500
    const t0 = Date.now();
    await assert.rejects(connect(server, token), refusedWith("auth_unavailable"));
    assert.ok(Date.now() - t0 < 2400, "the total timeout applies");
    assert.equal((await health(server)).laravel, "timeout");

    const s = await connect(server, token);
    s.close();
    const h = await health(server);
    assert.equal(h.laravel, "ok");
    assert.equal(h.status, "ok");
  });

  test("a wrong internal key gives auth_unavailable and a log naming LARAVEL_INTERNAL_KEY", async () => {
    const { token } = await newUser(laravel);
    await laravel.configure({ internal_key: "the-key-laravel-really-expects-0123456789" });
    try {
      await assert.rejects(connect(server, token), refusedWith("auth_unavailable"));
      await server.waitForLog(/CRIT.*LARAVEL_INTERNAL_KEY does not match/);
      assert.equal((await health(server)).laravel, "invalid_internal_key");
      // once a minute, not once per login
      await assert.rejects(connect(server, token), refusedWith("auth_unavailable"));
      assert.equal(server.logs().match(/LARAVEL_INTERNAL_KEY does not match/g).length, 1);
    } finally {
      await laravel.configure({ internal_key: KEY });
    }
    (await connect(server, token)).close();
  });

  test("Redis down: logins fail closed; Redis back: the server reconnects by itself", async () => {
    const { token } = await newUser(laravel);
    const live = await connect(server, token);
    await redis.stop();
    await waitFor(async () => (await health(server)).redis === "connecting", 5000, "redis connecting");
    assert.equal((await health(server)).status, "degraded");
    const other = await newUser(laravel);
    await assert.rejects(connect(server, other.token), refusedWith("auth_unavailable"));

    await redis.restart();
    await waitFor(async () => (await health(server)).redis === "connected", 8000, "redis reconnected");
    await server.waitForLog(/Redis 127\.0\.0\.1:\d+ db 3: connected again/);
    const s = await connect(server, other.token);
    s.close();
    assert.ok(live.connected, "sockets survive a Redis outage");
    assert.equal((await request(live, "whoami")).ok, true);
    live.close();
    assert.equal(server.proc.exitCode, null);
  });

  test("a Redis restart under load does not crash the server", async () => {
    const { token } = await newUser(laravel);
    const restarts = (async () => { for (let i = 0; i < 3; i++) await redis.restart(); })();
    const attempts = [];
    for (let i = 0; i < 30; i++) attempts.push(connect(server, token).then((s) => s.close(), () => {}));
    await Promise.all([restarts, ...attempts]);
    await waitFor(async () => (await health(server)).redis === "connected", 8000, "redis reconnected");
    (await connect(server, token)).close();
    assert.equal(server.proc.exitCode, null);
  });
});

describe("laravel auth with another LARAVEL_REDIS_PREFIX", () => {
  let laravel, redis, server;
  before(async () => {
    [laravel, redis] = await Promise.all([startFakeLaravel({ internalKey: KEY }), startRedis()]);
    server = await startServer({ args: [], env: laravelEnv(laravel, redis, { LARAVEL_REDIS_PREFIX: "talent_database_" }) });
    await waitFor(async () => (await health(server)).redis === "connected", 5000, "redis connected");
  });
  after(async () => {
    await server?.stop();
    await laravel?.stop();
    await redis?.destroy();
  });

  test("markers under that prefix revoke; under the default prefix they do not", async () => {
    const { token } = await newUser(laravel);
    await redis.command("SETEX", keyForms("auth:revoked:", token)["stored hash, prefixed"], "86400", "1");
    const s = await connect(server, token);
    s.close();
    await redis.command("SETEX", keyForms("auth:revoked:", token, "talent_database_")["stored hash, prefixed"], "86400", "1");
    await assert.rejects(connect(server, token), refusedWith("unauthenticated"));
  });
});

// JWT_SECRET next to the Laravel settings: both kinds of token, each checked
// by its own provider (AUTH_PROVIDER defaults to laravel,jwt).
describe("laravel and jwt together", () => {
  const JWT_SECRET = "jwt-secret-next-to-laravel-0123456789abcdef";
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const jwt = (claims, secret = JWT_SECRET) => {
    const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`;
    return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
  };
  let laravel, server;
  before(async () => {
    laravel = await startFakeLaravel({ internalKey: KEY });
    // AUTH_PROVIDER unset: its default with JWT_SECRET and Laravel's settings.
    server = await startServer({ args: [], env: laravelEnv(laravel, null, { AUTH_PROVIDER: "", JWT_SECRET }) });
  });
  after(async () => {
    await server?.stop();
    await laravel?.stop();
  });

  test("JWT_SECRET does not turn Sanctum off: Sanctum tokens go to Laravel, JWTs are checked here", async () => {
    assert.match(server.logs(), /listening on .*\(auth laravel,jwt,/);
    const { id, token } = await newUser(laravel);
    const s1 = await connect(server, token);
    assert.equal((await request(s1, "whoami")).user.id, String(id));
    s1.close();
    assert.equal((await validateCalls(laravel, token)).length, 1);

    await laravel.clearCalls();
    const exp = Math.floor(Date.now() / 1000) + 600;
    const s2 = await connect(server, jwt({ sub: "77", name: "Jo", exp }));
    assert.equal((await request(s2, "whoami")).user.id, "77");
    s2.close();
    // A JWT with a bad signature is refused by the jwt provider, never sent to Laravel.
    await assert.rejects(connect(server, jwt({ sub: "77", exp }, "another-secret-0123456789abcdef")),
                         refusedWith("unauthenticated"));
    assert.equal((await validateCalls(laravel)).length, 0, "no JWT reached Laravel");
  });
});

describe("laravel auth without Redis", () => {
  let laravel, server;
  before(async () => {
    laravel = await startFakeLaravel({ internalKey: KEY });
    server = await startServer({ args: [], env: laravelEnv(laravel, null) });
  });
  after(async () => {
    await server?.stop();
    await laravel?.stop();
  });

  test("says at start that revocation is not checked, and caches in process", async () => {
    assert.match(server.logs(), /WARN.*laravel WITHOUT Redis.*revocation \(auth:revoked:\*\) is NOT checked/);
    assert.equal((await health(server)).redis, "disabled");
    const { token } = await newUser(laravel);
    (await connect(server, token)).close();
    (await connect(server, token)).close();
    assert.equal((await validateCalls(laravel, token)).length, 1);
  });
});

describe("Laravel unreachable", () => {
  let server, port, laravel;
  before(async () => {
    // A port nobody listens on (yet).
    port = await new Promise((resolve) => {
      const srv = net.createServer().listen(0, "127.0.0.1", () => {
        const p = srv.address().port;
        srv.close(() => resolve(p));
      });
    });
    server = await startServer({
      args: [],
      env: laravelEnv({ url: `http://127.0.0.1:${port}` }, null),
    });
  });
  after(async () => {
    await server?.stop();
    await laravel?.stop();
  });

  test("auth_unavailable while nothing listens, then logins work once Laravel is up", async () => {
    await assert.rejects(connect(server, "1|whatever-token-000000000000000000000"),
                         refusedWith("auth_unavailable"));
    assert.equal((await health(server)).laravel, "unreachable");
    await server.waitForLog(/Laravel API failing \(unreachable/);

    laravel = await startFakeLaravel({ internalKey: KEY, port });
    const { id, token } = await newUser(laravel);
    const s = await connect(server, token);
    assert.equal((await request(s, "whoami")).user.id, String(id));
    s.close();
    assert.equal((await health(server)).laravel, "ok");
  });
});
