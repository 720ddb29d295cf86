// The seed realtime server's Laravel side (its RealtimeNotificationService,
// .env and config/websocket.php), run against roomcast unchanged: every
// request the service sends, made here with curl exactly as it sends them,
// succeeds and reaches who it names; user_online / user_offline and
// GET /api/users/{id}/online-status as its config and the seed's routes name
// them. No Pusher setting anywhere: the API key alone turns it on.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import http from "node:http";
import { once } from "node:events";
import Echo from "laravel-echo";
import { io } from "socket.io-client";
import { startServer, connect, next, waitFor } from "./lib/harness.mjs";

// The seed's own values (its Realtime Server .env).
const LARAVEL_API_KEY = "mechamap_ws_kCTy45s4obktB6IJJH6DpKHzoveEJLgrnmbST8fxwufexn0u80RnqMSO51ubWVQ3";
const JWT_SECRET = "cc779c53b425a9c6efab2e9def898a025bc077dec144726be95bd50916345e02d2535935490f7c047506c7ae494d5d4372d38189a5c4d8922a326d79090ae744";

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
function jwt(sub, name) {
  const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, name, exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${input}.${createHmac("sha256", JWT_SECRET).update(input).digest("base64url")}`;
}

// curl as Laravel's Http::withHeaders([...])->post($url, $array) sends it:
// the two headers the service sets and the array as a JSON body.
function curl(url, { method = "POST", key = LARAVEL_API_KEY, body } = {}) {
  const args = ["-sS", "-X", method, url, "-w", "\n%{http_code}", "--max-time", "10"];
  if (key) args.push("-H", `X-WebSocket-API-Key: ${key}`);
  if (body !== undefined) args.push("-H", "Content-Type: application/json", "--data-binary", JSON.stringify(body));
  return new Promise((resolve, reject) => {
    execFile("curl", args, (err, stdout) => {
      if (err) return reject(err);
      const at = stdout.lastIndexOf("\n");
      resolve({ status: Number(stdout.slice(at + 1)), body: JSON.parse(stdout.slice(0, at)) });
    });
  });
}

// The seed's realtime server, as its .env sets it (JWTs signed with its
// JWT_SECRET; AUTH_PROVIDER=jwt because it gives no LARAVEL_INTERNAL_KEY).
const seedEnv = (extra = {}) => ({
  AUTH_PROVIDER: "jwt", JWT_SECRET, LARAVEL_API_KEY, LARAVEL_API_URL: "", REDIS_HOST: "", ...extra,
});

describe("the seed's RealtimeNotificationService against roomcast", () => {
  let server;
  const sockets = [];
  before(async () => {
    server = await startServer({ args: [], env: seedEnv() });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
  });
  const open = async (id, name) => { const s = await connect(server, jwt(String(id), name)); sockets.push(s); return s; };

  test("on without any Pusher setting, by the seed's key name alone", async () => {
    assert.match(server.logs(), /hub: Pusher protocol off \(no PUSHER_APP_\*\), \/api\/broadcast on/);
    assert.ok(!server.logs().includes(LARAVEL_API_KEY), "the key reached the log");
  });

  test("testConnection(): GET /health succeeds and has a status", async () => {
    const r = await curl(`${server.url}/health`, { method: "GET", key: null });
    assert.equal(r.status, 200);
    assert.equal(typeof r.body.status, "string");
  });

  test("sendNotificationToUser(): to the user's Socket.IO connection, as the seed's NotificationController sends it", async () => {
    const user = await open(5, "Receiver");
    const other = await open(6, "Bystander");
    const got = next(user, "notification");
    let strayed = false;
    other.on("notification", () => { strayed = true; });
    const notification = {
      id: "notif_65a4f0c1d2e3f", type: "thread_reply", title: "New reply to your thread",
      message: "Someone replied to your thread",
      data: { thread_id: 12, reply_id: 99, user: { id: 6, name: "Bystander", avatar: null } },
      timestamp: "2024-01-15T10:00:00.000000Z", read: false,
    };
    const r = await curl(`${server.url}/api/broadcast`, {
      body: { event: "notification", to: "user", user_id: 5, data: notification },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.ok, true);
    assert.equal(r.body.delivered, 1);
    assert.deepEqual(await got, [notification]);
    assert.equal(strayed, false);
  });

  test("sendThreadUpdate() and sendNewReply(): to: \"thread\" with thread_id succeeds", async () => {
    for (const body of [
      { event: "thread_updated", to: "thread", thread_id: 12, data: { title: "Renamed", status: "open" } },
      { event: "new_reply", to: "thread", thread_id: 12, data: { reply_id: 100, thread_id: 12, content: "Hi" } },
    ]) {
      const r = await curl(`${server.url}/api/broadcast`, { body });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.ok, true);
    }
  });

  test("a wrong or missing key is refused with 403, an unknown target with 400", async () => {
    assert.equal((await curl(`${server.url}/api/broadcast`, { key: "wrong-key-0123456789", body: { event: "e", to: "user", user_id: 1 } })).status, 403);
    assert.equal((await curl(`${server.url}/api/broadcast`, { key: null, body: { event: "e", to: "user", user_id: 1 } })).status, 403);
    const bad = await curl(`${server.url}/api/broadcast`, { body: { event: "e", to: "forum", forum_id: 1 } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /"user", "channel", "thread" or "room"/);
  });

  test("user_online / user_offline reach the other clients; online-status follows", async () => {
    const watcher = await open(7, "Watcher");
    const seen = { user_online: [], user_offline: [] };
    for (const e of Object.keys(seen)) watcher.on(e, (d) => seen[e].push(d));
    const about = (e, id) => seen[e].find((d) => d.user_id === id);
    const jo = await open(8, "Jo");
    await waitFor(() => about("user_online", 8), 5000, "user_online of 8");
    const came = about("user_online", 8);
    assert.equal(came.user_id, 8);
    assert.equal(came.user_name, "Jo");
    assert.equal(came.is_online, true);
    assert.equal(came.avatar, null);
    assert.match(came.last_seen, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    let status = await curl(`${server.url}/api/users/8/online-status`, { method: "GET" });
    assert.equal(status.status, 200);
    assert.equal(status.body.user_id, 8);
    assert.equal(status.body.online, true);

    jo.close();
    await waitFor(() => about("user_offline", 8), 5000, "user_offline of 8");
    const went = about("user_offline", 8);
    assert.equal(went.user_id, 8);
    assert.equal(went.is_online, false);
    status = await curl(`${server.url}/api/users/8/online-status`, { method: "GET" });
    assert.equal(status.body.online, false);
    assert.ok(Date.parse(status.body.last_seen) <= Date.now() && Date.parse(status.body.last_seen) > Date.now() - 60000,
              status.body.last_seen);

    const never = await curl(`${server.url}/api/users/424242/online-status`, { method: "GET" });
    assert.deepEqual(never.body, { user_id: 424242, online: false, last_seen: null });
    assert.equal((await curl(`${server.url}/api/users/8/online-status`, { method: "GET", key: null })).status, 403);
    assert.equal((await curl(`${server.url}/api/users/8/nothing`, { method: "GET" })).status, 404);
    const list = await curl(`${server.url}/api/users/online`, { method: "GET" });
    assert.ok(list.body.users.includes("7") && !list.body.users.includes("8"), JSON.stringify(list.body));
  });
});

// The thread's channel: private-thread.{thread_id}, authorised like any
// private channel by Laravel's /broadcasting/auth (here a fake that lets
// user 5's bearer in).
describe("to: \"thread\" reaches private-thread.{id}", () => {
  let server, auth;
  const closers = [];
  before(async () => {
    auth = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => { body += c; });
      req.on("end", () => {
        const ok = req.headers.authorization === "Bearer reader" && JSON.parse(body).channel_name === "private-thread.12";
        res.writeHead(ok ? 200 : 403, { "Content-Type": "application/json" });
        res.end(ok ? "true" : "{}");
      });
    });
    auth.listen(0, "127.0.0.1");
    await once(auth, "listening");
    server = await startServer({
      args: [],
      env: seedEnv({ BROADCAST_AUTH_URL: `http://127.0.0.1:${auth.address().port}/broadcasting/auth` }),
    });
  });
  after(async () => {
    for (const c of closers) c();
    await server?.stop();
    auth?.close();
  });

  test("an Echo socket.io client on Echo.private('thread.12') gets thread_updated and new_reply", async () => {
    const echo = new Echo({
      broadcaster: "socket.io", host: server.url, client: io, transports: ["websocket"],
      reconnection: false, forceNew: true, query: { token: jwt("5", "Reader") },
      auth: { headers: { Authorization: "Bearer reader" } },
    });
    closers.push(() => echo.disconnect());
    const got = [];
    echo.private("thread.12")
      .listen(".thread_updated", (e) => got.push(["thread_updated", e]))
      .listen(".new_reply", (e) => got.push(["new_reply", e]));
    await waitFor(async () => {
      const r = await curl(`${server.url}/api/broadcast`, {
        body: { event: "thread_updated", to: "thread", thread_id: 12, data: { title: "T" } },
      });
      return r.body.delivered > 0;
    }, 5000, "subscribed to private-thread.12");
    await curl(`${server.url}/api/broadcast`, {
      body: { event: "new_reply", to: "thread", thread_id: "12", data: { reply_id: 1 } },
    });
    await waitFor(() => got.some(([e]) => e === "new_reply"), 5000, "new_reply");
    assert.deepEqual(got.find(([e]) => e === "thread_updated")[1], { title: "T" });
    assert.deepEqual(got.find(([e]) => e === "new_reply")[1], { reply_id: 1 });
  });
});
