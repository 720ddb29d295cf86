// Pusher user authentication: pusher-js signin() against a fake Laravel
// user-authentication endpoint, server-to-user events through the Pusher
// HTTP API (#server-to-user-{id}, as pusher-http-php's sendToUser()), and
// terminate_connections of a signed-in user.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import Pusher from "pusher-js";
import { startServer, waitFor } from "./lib/harness.mjs";
import { DEV, hmacHex, rawClient, pusherApi } from "./lib/pusher.mjs";

let server;
let laravel;
const closers = [];

// What Laravel's Broadcast::resolveAuthenticatedUser + Pusher::authenticateUser answer.
function signUser(socketId, userData) {
  return `${DEV.key}:${hmacHex(DEV.secret, `${socketId}::user::${userData}`)}`;
}

before(async () => {
  // Fake Laravel /broadcasting/user-auth: "Bearer user-<id>" is that user.
  laravel = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const socketId = new URLSearchParams(body).get("socket_id");
      const m = /^Bearer user-(\d+)$/.exec(req.headers.authorization ?? "");
      if (!m) {
        res.writeHead(403, { "Content-Type": "application/json" });
        res.end("{}");
        return;
      }
      const userData = JSON.stringify({ id: m[1], name: `user ${m[1]}` });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ auth: signUser(socketId, userData), user_data: userData }));
    });
  });
  laravel.listen(0, "127.0.0.1");
  await once(laravel, "listening");
  server = await startServer();
});

after(async () => {
  for (const c of closers) { try { c(); } catch { /* already closed */ } }
  if (server) await server.stop();
  if (laravel) { laravel.closeAllConnections(); laravel.close(); }
});

function pusherFor(userId) {
  const pusher = new Pusher(DEV.key, {
    cluster: "mt1",
    wsHost: "127.0.0.1",
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ["ws"],
    disableStats: true,
    userAuthentication: {
      endpoint: `http://127.0.0.1:${laravel.address().port}/broadcasting/user-auth`,
      transport: "ajax",
      headers: { Authorization: `Bearer user-${userId}` },
    },
  });
  closers.push(() => pusher.disconnect());
  return pusher;
}

const sendToUser = (userId, name, data) => pusherApi(server, "POST", "/apps/dev/events", {
  name, channel: `#server-to-user-${userId}`, data: JSON.stringify(data),
});

test("pusher-js signin(): server-to-user events reach every connection of that user only", async () => {
  const a1 = pusherFor(7);
  const a2 = pusherFor(7);
  const b = pusherFor(8);
  const got = { a1: [], a2: [], b: [] };
  for (const [k, p] of Object.entries({ a1, a2, b })) {
    p.user.bind("invoice.paid", (d) => got[k].push(d));
    p.signin();
  }
  await waitFor(() => [a1, a2, b].every((p) => p.user.user_data !== null), 5000, "signed in");
  assert.deepEqual(a1.user.user_data, { id: "7", name: "user 7" });
  // The user channel is joined at signin; pusher-js's own subscribe of it is
  // answered too.
  await waitFor(() => a1.user.serverToUserChannel?.subscribed === true, 5000, "user channel subscribed");

  const res = await sendToUser(7, "invoice.paid", { amount: 12 });
  assert.equal(res.status, 200);
  await waitFor(() => got.a1.length === 1 && got.a2.length === 1, 5000, "both of user 7's connections");
  assert.deepEqual(got.a1[0], { amount: 12 });
  await sendToUser(8, "invoice.paid", { amount: 1 });
  await waitFor(() => got.b.length === 1, 5000, "user 8");
  assert.equal(got.a1.length, 1);
  // The server-to-user channels are not listed as channels.
  const channels = await pusherApi(server, "GET", "/apps/dev/channels");
  assert.deepEqual(Object.keys(channels.body.channels).filter((c) => c.startsWith("#")), []);

  // terminate_connections closes the signed-in user's connections only.
  const states = { a1: [], b: [] };
  a1.connection.bind("state_change", ({ current }) => states.a1.push(current));
  b.connection.bind("state_change", ({ current }) => states.b.push(current));
  const term = await pusherApi(server, "POST", "/apps/dev/users/7/terminate_connections", {});
  assert.equal(term.status, 200);
  await waitFor(() => states.a1.length > 0, 5000, "user 7 disconnected");
  assert.notEqual(states.a1[0], "connected");
  assert.equal(b.connection.state, "connected");
  assert.deepEqual(states.b, []);
});

test("a bad signin signature gets pusher:error 4009 and the connection is closed", async () => {
  const c = await rawClient(server);
  closers.push(() => c.ws.close());
  const est = await c.next((m) => m.event === "pusher:connection_established");
  const userData = JSON.stringify({ id: "9" });
  c.send("pusher:signin", { auth: signUser("1.2", userData), user_data: userData });
  const err = await c.next((m) => m.event === "pusher:error");
  assert.equal(err.data.code, 4009);
  await waitFor(() => c.closed !== null, 5000, "close");
  assert.equal(c.closed.code, 4009);
  assert.equal(c.messages.some((m) => m.event === "pusher:signin_success"), false);

  // A valid one on another connection succeeds; another user's channel is refused.
  const ok = await rawClient(server);
  closers.push(() => ok.ws.close());
  const est2 = await ok.next((m) => m.event === "pusher:connection_established");
  ok.send("pusher:signin", { auth: signUser(est2.data.socket_id, userData), user_data: userData });
  const success = await ok.next((m) => m.event === "pusher:signin_success");
  assert.equal(success.data.user_data, userData);
  ok.send("pusher:subscribe", { channel: "#server-to-user-10", auth: "" });
  await ok.next((m) => m.event === "pusher:subscription_error" && m.channel === "#server-to-user-10");
  assert.ok(est.data.socket_id);
});

test("the daemon logged no GLib criticals or warnings from libraries", () => {
  assert.doesNotMatch(server.logs(), /CRITICAL|GLib-|GLib-GObject-|GLib-GIO-|libsoup-|Json-/);
});
