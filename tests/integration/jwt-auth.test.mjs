// The "jwt" auth provider: HS256 tokens made here with node:crypto, the way
// a Laravel app (tymon/jwt-auth, firebase/php-jwt) would sign them.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, createSign, generateKeyPairSync } from "node:crypto";
import { createHash } from "node:crypto";
import { startServer, connect, request, next, waitFor } from "./lib/harness.mjs";
import { startRedis } from "./lib/redis.mjs";

const SECRET = "jwt-secret-for-tests-0123456789abcdef0123456789";
const b64url = (data) => Buffer.from(data).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

function sign(payload, { alg = "HS256", secret = SECRET, header = {} } = {}) {
  const h = b64url(JSON.stringify({ alg, typ: "JWT", ...header }));
  const p = b64url(JSON.stringify(payload));
  const input = `${h}.${p}`;
  let sig = "";
  if (alg === "HS256") sig = createHmac("sha256", secret).update(input).digest("base64url");
  else if (alg === "HS512") sig = createHmac("sha512", secret).update(input).digest("base64url");
  else if (alg === "RS256") {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    sig = createSign("RSA-SHA256").update(input).sign(privateKey, "base64url");
  }
  return `${input}.${sig}`;
}

const claims = (extra = {}) => ({
  sub: "42", name: "Jay", email: "jay@example.com", role: "admin",
  iat: now(), exp: now() + 600, ...extra,
});

describe("jwt auth", () => {
  let server;
  const tokens = [];
  const token = (...args) => { const t = sign(...args); tokens.push(t); return t; };
  before(async () => {
    server = await startServer({
      args: [],
      env: { AUTH_PROVIDER: "jwt", JWT_SECRET: SECRET, JWT_TRUST_ROLE: "true", LARAVEL_API_URL: "", REDIS_HOST: "" },
    });
  });
  after(async () => {
    const logs = server.logs();
    await server.stop();
    for (const t of tokens) assert.ok(!logs.includes(t), "a token reached the log");
    assert.ok(!logs.includes(SECRET), "the secret reached the log");
  });

  const refused = (t, why) => assert.rejects(connect(server, t), (err) => {
    assert.equal(err.message, "unauthenticated", why);
    return true;
  }, why);

  test("a valid HS256 token connects with its claims", async () => {
    const s = await connect(server, token(claims()));
    const who = await request(s, "whoami");
    s.close();
    assert.deepEqual(who.user, { id: "42", name: "Jay", role: "admin", email: "jay@example.com" });
  });

  test("an integer sub is the user id; name defaults to it; role to user", async () => {
    const s = await connect(server, token({ sub: 7, exp: now() + 60 }));
    const who = await request(s, "whoami");
    s.close();
    assert.deepEqual(who.user, { id: "7", name: "7", role: "user" });
  });

  test("exp and nbf are enforced, with 30 s of leeway", async () => {
    await refused(token(claims({ exp: now() - 60 })), "expired");
    await refused(token(claims({ nbf: now() + 120 })), "not yet valid");
    (await connect(server, token(claims({ exp: now() - 10 })))).close(); // within the leeway
    (await connect(server, token(claims({ nbf: now() + 10 })))).close();
    const noExp = claims();
    delete noExp.exp;
    await refused(token(noExp), "exp is required");
    await refused(token(claims({ exp: "tomorrow" })), "exp must be a number");
    await server.waitForLog(/auth refused: jwt: token expired/);
  });

  test("a wrong signature is refused", async () => {
    await refused(token(claims(), { secret: "another-secret-0123456789abcdef0123" }), "wrong secret");
    const good = token(claims());
    const [h, p] = good.split(".");
    const tampered = `${h}.${b64url(JSON.stringify(claims({ sub: "1", role: "admin" })))}.${good.split(".")[2]}`;
    tokens.push(tampered);
    await refused(tampered, "payload changed");
    await refused(`${h}.${p}.${"A".repeat(43)}`, "made-up signature");
  });

  test("alg none, HS512 and RS256 are refused", async () => {
    await refused(token(claims(), { alg: "none" }), "none, empty signature");
    const none = token(claims(), { alg: "none" }) + b64url("x");
    tokens.push(none);
    await refused(none, "none with a signature");
    await refused(token(claims(), { alg: "HS512" }), "HS512");
    await refused(token(claims(), { alg: "RS256" }), "RS256");
    await refused(token(claims(), { header: { crit: ["exp"] } }), "crit");
    await server.waitForLog(/auth refused: jwt: alg must be HS256/);
  });

  test("malformed tokens are refused", async () => {
    const good = token(claims());
    const [h, p, sig] = good.split(".");
    for (const bad of [
      "", "a.b", `${h}.${p}`, `${good}.x`, `${h}.${p}.${sig}=`, `${h}==.${p}.${sig}`,
      `${h}.${p}.${sig.slice(0, -1)}`, `${b64url("not json")}.${p}.${sig}`,
      `${b64url("[1]")}.${p}.${sig}`, "dev:1:Alice", "x".repeat(5000),
    ]) {
      if (bad === "") continue; // the harness treats "" as "no token"
      if (bad.length > 20) tokens.push(bad); // short ones could match log text by chance
      await refused(bad, `malformed: ${bad.slice(0, 40)}`);
    }
  });
});

// What an app's tokens promise, checked when configured (issue [hardening]
// item 7), and revocation through the same Redis marker as Sanctum tokens.
describe("jwt auth: audience, issuer, prv, lifetime, role, revocation", () => {
  let server, redis;
  const PRV = createHash("sha1").update("App\\Models\\User").digest("hex");
  const strict = (extra = {}) => ({
    sub: "42", name: "Jay", role: "admin", aud: "roomcast", iss: "https://app.example", prv: PRV,
    iat: now(), exp: now() + 600, ...extra,
  });
  before(async () => {
    redis = await startRedis();
    server = await startServer({
      args: [],
      env: {
        AUTH_PROVIDER: "jwt", JWT_SECRET: SECRET, LARAVEL_API_URL: "", REDIS_HOST: "127.0.0.1",
        REDIS_PORT: String(redis.port), JWT_AUDIENCE: "roomcast", JWT_ISSUER: "https://app.example",
        JWT_USER_MODEL: "App\\Models\\User", JWT_MAX_LIFETIME_S: "3600",
      },
    });
    // Logins fail closed until Redis answers (revocations cannot be read).
    await waitFor(async () => (await (await fetch(`${server.url}/health`)).json()).redis === "connected",
                  5000, "redis connected");
  });
  after(async () => {
    await server.stop();
    await redis.stop();
  });
  const refused = (t, why) => assert.rejects(connect(server, t), (err) => {
    assert.equal(err.message, "unauthenticated", why);
    return true;
  }, why);

  test("a token that keeps every promise connects; its role claim is ignored", async () => {
    const s = await connect(server, sign(strict()));
    const who = await request(s, "whoami");
    s.close();
    assert.deepEqual(who.user, { id: "42", name: "Jay", role: "user" });
    await server.waitForLog(/role claim ignored/);
  });

  test("a wrong or missing aud, iss or prv, or a too long lifetime, is refused", async () => {
    await refused(sign(strict({ aud: "another-app" })), "wrong aud");
    await refused(sign(strict({ aud: undefined })), "no aud");
    await refused(sign(strict({ iss: "https://evil.example" })), "wrong iss");
    await refused(sign(strict({ prv: createHash("sha1").update("App\\Models\\Admin").digest("hex") })), "another model");
    await refused(sign(strict({ exp: now() + 86400 * 365 })), "a year-long token");
    (await connect(server, sign(strict({ aud: ["x", "roomcast"] })))).close();
    await server.waitForLog(/auth refused: jwt: token lifetime is over JWT_MAX_LIFETIME_S/);
  });

  test("a revoked JWT is refused, and a live socket with it is dropped", async () => {
    const live = sign(strict({ sub: "7" }));
    const s = await connect(server, live);
    const revokedEvent = next(s, "auth:revoked", 6000);
    const hash = createHash("sha256").update(live).digest("hex");
    await redis.command("SETEX", `auth:revoked:${hash}`, "86400", "1");
    assert.deepEqual(await revokedEvent, [{ reason: "token revoked" }]);
    await refused(live, "revoked token reconnecting");
    await server.waitForLog(/auth refused: jwt: token revoked/);
  });

  test("a JWT revoked through Laravel's Redis facade (prefixed key) is refused too", async () => {
    const t = sign(strict({ sub: "8" }));
    (await connect(server, t)).close();
    const hash = createHash("sha256").update(t).digest("hex");
    await redis.command("SETEX", `laravel_database_auth:revoked:${hash}`, "86400", "1");
    await refused(t, "revoked under LARAVEL_REDIS_PREFIX");
  });
});
