// Pusher-protocol helpers for the hub tests: sign channel auth the way
// Laravel's PusherBroadcaster does, build Echo / pusher-js clients on the
// real npm packages, and a raw WebSocket client for protocol details.
import crypto from "node:crypto";
import Pusher from "pusher-js";
import Echo from "laravel-echo";
import WebSocket from "ws";
import { waitFor } from "./harness.mjs";

// The app startServer() configures for --dev servers (harness TEST_PUSHER_APP).
export const DEV = { id: "dev", key: "dev-key", secret: "dev-secret" };

export function hmacHex(secret, text) {
  return crypto.createHmac("sha256", secret).update(text).digest("hex");
}

// Laravel: Pusher::authorizeChannel / authorizePresenceChannel.
export function signChannel(socketId, channel, channelData, app = DEV) {
  const text = channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
  return `${app.key}:${hmacHex(app.secret, text)}`;
}

// An Echo client whose private/presence auth is signed here; `user` makes
// presence channel_data {user_id, user_info}.
export function makeEcho(server, { user, app = DEV, broadcaster = "pusher", badAuth = false } = {}) {
  return new Echo({
    broadcaster,
    key: app.key,
    Pusher,
    cluster: "mt1",
    wsHost: "127.0.0.1",
    wsPort: server.port,
    wssPort: server.port,
    forceTLS: false,
    enabledTransports: ["ws"],
    disableStats: true,
    authorizer: (channel) => ({
      authorize: (socketId, callback) => {
        const name = channel.name;
        if (name.startsWith("presence-")) {
          const channelData = JSON.stringify({ user_id: user.id, user_info: user.info ?? { name: `user ${user.id}` } });
          callback(null, { auth: signChannel(socketId, name, channelData, app), channel_data: channelData });
        } else {
          const auth = signChannel(socketId, name, undefined, app);
          callback(null, { auth: badAuth ? auth.replace(/.$/, (c) => (c === "0" ? "1" : "0")) : auth });
        }
      },
    }),
  });
}

export async function echoConnected(echo, ms = 5000) {
  await waitFor(() => echo.connector.pusher.connection.state === "connected", ms, "echo connected");
  return echo.socketId();
}

// Raw protocol client: every decoded message in `messages`.
export async function rawClient(server, key = DEV.key, query = "?protocol=7&client=js&version=8.6.0") {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/app/${key}${query}`);
  const client = {
    ws,
    messages: [],
    closed: null,
    send: (event, data, channel) => ws.send(JSON.stringify(channel ? { event, data, channel } : { event, data })),
    async next(pred, ms = 5000, what = "message") {
      let found;
      await waitFor(() => (found = client.messages.find(pred)) !== undefined, ms, what);
      return found;
    },
  };
  ws.on("message", (m) => {
    const msg = JSON.parse(m.toString());
    if (typeof msg.data === "string") {
      try { msg.data = JSON.parse(msg.data); } catch { /* a plain string */ }
    }
    client.messages.push(msg);
  });
  ws.on("close", (code, reason) => { client.closed = { code, reason: reason.toString() }; });
  await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
  return client;
}

// A signed Pusher HTTP API request, as pusher-http-php / pusher-http-node
// sign it: md5 of the body, sorted query, HMAC-SHA256 of "METHOD\nPATH\nquery".
// `fetch`: another fetch (tls.mjs fetchTrusting, for a server behind a test CA).
export async function pusherApi(server, method, path, body,
                                { app = DEV, timestamp, tamper = false, query = {}, fetch: send = fetch } = {}) {
  const text = body === undefined ? "" : JSON.stringify(body);
  const params = {
    auth_key: app.key,
    auth_timestamp: String(timestamp ?? Math.floor(Date.now() / 1000)),
    auth_version: "1.0",
    ...query,
  };
  if (text) params.body_md5 = crypto.createHash("md5").update(text).digest("hex");
  const sorted = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join("&");
  let signature = hmacHex(app.secret, `${method}\n${path}\n${sorted}`);
  if (tamper) signature = signature.replace(/^./, (c) => (c === "a" ? "b" : "a"));
  const qs = new URLSearchParams({ ...params, auth_signature: signature });
  const res = await send(`${server.url}${path}?${qs}`, {
    method,
    headers: text ? { "Content-Type": "application/json" } : {},
    body: text || undefined,
  });
  return { status: res.status, body: await res.json() };
}
