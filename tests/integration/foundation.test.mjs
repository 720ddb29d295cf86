// Foundation: roomcastd's HTTP endpoints and Socket.IO v4 server, driven by
// the real socket.io-client from npm and raw WebSockets for what a good
// client never sends.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import WebSocket from "ws";
import { spawnSync } from "node:child_process";
import { startServer, connect, request, next, waitFor, ROOMCASTD, UNLIMITED_EVENTS } from "./lib/harness.mjs";

describe("command line", () => {
  const run = (args, env = {}) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PORT|LARAVEL_|REDIS_|AUTH_|JWT_)/.test(k)));
    return spawnSync(ROOMCASTD, args, { env: { ...clean, ...env }, encoding: "utf8" });
  };
  const key = "k".repeat(40);

  test("--check-config prints the effective configuration with secrets redacted", () => {
    const r = run(["--check-config", "--port", "4001"], {
      PORT: "4000", LARAVEL_API_URL: "https://api.example.com/", LARAVEL_INTERNAL_KEY: key,
      MEDIASOUP_ANNOUNCED_IP: "203.0.113.7",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^PORT=4001$/m, "flag beats environment");
    assert.match(r.stdout, /^LARAVEL_API_URL=https:\/\/api\.example\.com$/m);
    assert.match(r.stdout, /^LARAVEL_INTERNAL_KEY=<redacted>$/m);
    assert.match(r.stdout, /^RTC_ANNOUNCED_IP=203\.0\.113\.7$/m, "MEDIASOUP_* alias");
    assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key));
  });

  test("--check-config names every invalid value and exits 2", () => {
    const r = run(["--check-config"], {
      PORT: "abc", LARAVEL_API_URL: "not a url", LARAVEL_INTERNAL_KEY: "short-secret",
      RTC_MIN_PORT: "5000", RTC_MAX_PORT: "4000",
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /PORT: 'abc' is not a port number/);
    assert.match(r.stderr, /LARAVEL_API_URL: 'not a url' is not an absolute http\(s\) URL/);
    assert.match(r.stderr, /LARAVEL_INTERNAL_KEY: <redacted> is shorter than 32 characters/);
    assert.match(r.stderr, /RTC_MIN_PORT: '5000' is greater than RTC_MAX_PORT \(4000\)/);
    assert.ok(!r.stderr.includes("short-secret"));
  });

  test("without --dev and without LARAVEL_API_URL the daemon refuses to start", () => {
    const r = run(["--port", "0"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /LARAVEL_API_URL: required/);
  });

  test("--version and --help", () => {
    assert.match(run(["--version"]).stdout, /^roomcastd \d+\.\d+\.\d+/);
    const help = run(["--help"]).stdout;
    for (const flag of ["--port", "--listen", "--dev", "--config", "--log-level", "--check-config", "--version"])
      assert.ok(help.includes(flag), flag);
  });
});

describe("HTTP", () => {
  let server;
  before(async () => { server = await startServer({ env: UNLIMITED_EVENTS }); });
  after(async () => { await server.stop(); });

  test("/health reports status, version, uptime and counts", async () => {
    const res = await fetch(`${server.url}/health`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /application\/json/);
    const body = await res.json();
    assert.equal(body.status, "ok");
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof body.uptime_s, "number");
    for (const key of ["rooms", "connections", "redis", "laravel"]) assert.ok(key in body, key);
  });

  test("/metrics is Prometheus text and counts connections", async () => {
    const s = await connect(server, "dev:7:Metrics");
    await request(s, "whoami");
    s.close();
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^# TYPE roomcast_connections gauge$/m);
    assert.match(text, /^roomcast_connections_total [1-9]\d*$/m);
    assert.match(text, /^roomcast_messages_in_total [1-9]\d*$/m);
  });

  test("unknown paths get a 404 JSON error", async () => {
    const res = await fetch(`${server.url}/no/such/thing`);
    assert.equal(res.status, 404);
    const body = await res.json();
    assert.equal(body.error.code, "not_found");
  });

  test("a polling handshake opens a session that may upgrade to websocket", async () => {
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(body, /^0\{/);
    assert.deepEqual(JSON.parse(body.slice(1)).upgrades, ["websocket"]);
  });

  test("an unknown transport gets a 400 that names both", async () => {
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=flash`);
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error.code, "transport_unsupported");
    assert.match(body.error.message, /'polling' or 'websocket'/);
  });
});

describe("Socket.IO", () => {
  let server;
  before(async () => {
    server = await startServer({
      env: { SIO_PING_INTERVAL_MS: "150", SIO_PING_TIMEOUT_MS: "1000", SIO_MAX_PAYLOAD: "10000" },
    });
  });
  after(async () => { await server.stop(); });

  test("a dev token connects and an event gets its ack", async () => {
    const s = await connect(server, "dev:42:Alice:moderator");
    assert.ok(s.id, "the CONNECT answer carries a sid");
    const ack = await request(s, "whoami");
    assert.deepEqual(ack, { ok: true, sid: s.id, user: { id: "42", name: "Alice", role: "moderator" } });
    s.close();
  });

  test("an unknown event is answered with an error ack, not silence", async () => {
    const s = await connect(server, "dev:1:A");
    const ack = await request(s, "no:such:event", { x: 1 });
    assert.equal(ack.ok, false);
    assert.equal(ack.error.code, "unknown_event");
    s.close();
  });

  for (const [what, token] of [["a malformed token", "not-a-token"], ["a bad id", "dev:abc:Bob"],
                               ["no token", undefined], ["a bad role", "dev:1:Bob:root"]]) {
    test(`${what} gets connect_error "unauthenticated"`, async () => {
      await assert.rejects(connect(server, token), (err) => {
        assert.equal(err.message, "unauthenticated");
        return true;
      });
    });
  }

  test("tokens never appear in the log", async () => {
    const secret = "dev:secret-token-8f2a:Eve";
    await assert.rejects(connect(server, secret));
    const ok = await connect(server, "dev:77:Carol-token-visible");
    ok.close();
    await server.waitForLog(/auth refused/);
    assert.ok(!server.logs().includes("secret-token-8f2a"), "refused token logged");
    assert.ok(!server.logs().includes("dev:77:Carol-token-visible"), "accepted token logged");
  });

  test("an idle client stays connected across at least three server pings", async () => {
    const s = await connect(server, "dev:3:Idle");
    let pings = 0;
    s.io.engine.on("ping", () => pings++);
    await waitFor(() => pings >= 3, 5000, "three pings");
    assert.equal(s.connected, true);
    assert.equal((await request(s, "whoami")).ok, true);
    s.close();
  });

  test("a client that stops answering pings is dropped after pingTimeout", async () => {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    const frames = [];
    ws.on("message", (data) => frames.push(data.toString()));
    await once(ws, "open");
    ws.send('40{"token":"dev:5:Silent"}');
    const [code] = await once(ws, "close");
    assert.ok(frames[0].startsWith('0{"sid":'), "open packet first");
    const open = JSON.parse(frames[0].slice(1));
    assert.deepEqual(open.upgrades, []);
    assert.equal(open.pingInterval, 150);
    assert.equal(open.maxPayload, 10000);
    assert.ok(frames.some((f) => f.startsWith('40{"sid":')), "namespace connect answered");
    assert.ok(frames.includes("2"), "server pinged");
    assert.equal(code, 1000);
    await server.waitForLog(/user=5 reason=ping timeout/);
  });

  test("an oversized payload disconnects only that client", async () => {
    const big = await connect(server, "dev:10:Big");
    const bystander = await connect(server, "dev:11:Bystander");
    const gone = next(big, "disconnect");
    big.emit("whoami", "x".repeat(20000));
    const [reason] = await gone;
    assert.equal(reason, "transport close");
    assert.equal(bystander.connected, true);
    assert.equal((await request(bystander, "whoami")).user.id, "11");
    await server.waitForLog(/user=10 reason=protocol error/);
    bystander.close();
  });

  test("malformed packets close that connection, never the server", async () => {
    for (const bad of ["42garbage", "4", "9", "42[1]", '42["connect"]', "45-[]", "", "42/x,", "\u0000"]) {
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
      await once(ws, "open");
      ws.send('40{"token":"dev:6:Fuzz"}');
      await new Promise((resolve) => ws.on("message", (d) => { if (d.toString().startsWith("40")) resolve(); }));
      ws.send(bad);
      await once(ws, "close");
    }
    const s = await connect(server, "dev:12:After");
    assert.equal((await request(s, "whoami")).ok, true);
    s.close();
    const health = await (await fetch(`${server.url}/health`)).json();
    assert.equal(health.status, "ok");
  });

  test("200 concurrent clients each get their own ack", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => 1000 + i);
    const sockets = await Promise.all(ids.map((id) => connect(server, `dev:${id}:User${id}`)));
    const acks = await Promise.all(sockets.map((s) => request(s, "whoami")));
    acks.forEach((ack, i) => {
      assert.equal(ack.ok, true);
      assert.equal(ack.user.id, String(ids[i]));
      assert.equal(ack.sid, sockets[i].id);
    });
    const health = await (await fetch(`${server.url}/health`)).json();
    assert.ok(health.connections >= 200, `health counts ${health.connections}`);
    sockets.forEach((s) => s.close());
    await waitFor(async () => (await (await fetch(`${server.url}/health`)).json()).connections === 0,
                  5000, "all 200 to disconnect");
  });
});

describe("Origin and shutdown", () => {
  test("an Origin outside CORS_ORIGINS is refused, a listed one accepted", async () => {
    const server = await startServer({ env: { CORS_ORIGINS: "https://app.example.com, http://localhost:8080" } });
    try {
      await assert.rejects(connect(server, "dev:1:A", { extraHeaders: { Origin: "https://evil.example.com" } }));
      const refused = await rawUpgrade(server, "https://evil.example.com");
      assert.equal(refused.status, 403);
      assert.equal(JSON.parse(refused.body).error.code, "origin_not_allowed");
      const ok = await connect(server, "dev:1:A", { extraHeaders: { Origin: "https://app.example.com" } });
      assert.equal((await request(ok, "whoami")).ok, true);
      ok.close();
    } finally {
      await server.stop();
    }
  });

  test("a refused Pusher upgrade is counted in /metrics and logged like a refused Socket.IO one", async () => {
    const server = await startServer({ env: { CORS_ORIGINS: "https://app.example.com" } });
    try {
      for (const path of [SIO_PATH, "/app/dev-key?protocol=7"]) {
        const refused = await rawUpgrade(server, "https://evil.example.com", path);
        assert.equal(refused.status, 403, path);
        assert.equal(JSON.parse(refused.body).error.code, "origin_not_allowed", path);
      }
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^roomcast_sio_refused_total\{reason="origin"\} 1$/m);
      assert.match(metrics, /^roomcast_hub_refused_total\{reason="origin"\} 1$/m);
      const logged = server.logs().match(/refused WebSocket from 127\.0\.0\.1:\d+: origin https:\/\/evil\.example\.com is not in CORS_ORIGINS/g);
      assert.equal(logged?.length, 2, server.logs());
      // A listed Origin still gets its Pusher connection.
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/app/dev-key?protocol=7`, { origin: "https://app.example.com" });
      const [first] = await once(ws, "message");
      assert.equal(JSON.parse(first.toString()).event, "pusher:connection_established");
      ws.close();
    } finally {
      await server.stop();
    }
  });

  test("SIGTERM disconnects clients cleanly and exits 0", async () => {
    const server = await startServer();
    const a = await connect(server, "dev:1:A");
    const b = await connect(server, "dev:2:B");
    const gone = Promise.all([next(a, "disconnect"), next(b, "disconnect")]);
    const code = await server.stop("SIGTERM");
    const reasons = (await gone).map(([r]) => r);
    assert.deepEqual(reasons, ["io server disconnect", "io server disconnect"]);
    assert.equal(code, 0);
    assert.match(server.logs(), /shutting down: disconnecting 2 client/);
  });
});

const SIO_PATH = "/socket.io/?EIO=4&transport=websocket";

// A WebSocket upgrade request by hand, to read the refusal's status and body.
function rawUpgrade(server, origin, path = SIO_PATH) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, {
      agent: false, // a connection of its own: the server closes a refused one
      headers: { Origin: origin, Connection: "Upgrade", Upgrade: "websocket",
                 "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" },
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d) => { body += d; });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("upgrade", () => reject(new Error("upgrade accepted")));
    req.on("error", reject);
    req.end();
  });
}

function once(emitter, event) {
  return new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));
}
