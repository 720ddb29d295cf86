// Slow readers cannot pin memory ("[hardening]" item 2): a client that
// joined a room and stopped reading (while still answering pings) is closed
// once WS_MAX_UNSENT_BYTES wait for it; the daemon's memory stays bounded and
// the other clients of the room go on. The same on the Pusher endpoint.
//
// Memory is read from /proc/<pid>/status; under AddressSanitizer RSS says
// little, so the bound is then only printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { startServer, waitFor, connect, request, TIME_SCALE, UNLIMITED_EVENTS } from "./lib/harness.mjs";
import { pusherApi } from "./lib/pusher.mjs";

const MB = 1024 * 1024;
const rss = (pid) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const asan = (pid) => fs.readFileSync(`/proc/${pid}/maps`, "utf8").includes("libasan");
const mb = (bytes) => (bytes / MB).toFixed(1);

async function metric(server, re) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = re.exec(text);
  return m ? Number(m[1]) : 0;
}

// A raw Engine.IO/Socket.IO client that joins @roomId, then stops reading
// its socket for good, while sending a pong every second as a client that
// answers pings blindly would.
async function stalledMember(server, token, roomId) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
  const inbox = [];
  ws.on("message", (m) => inbox.push(m.toString()));
  ws.on("error", () => {});
  await once(ws, "open");
  const next = async (pred, what) => {
    await waitFor(() => inbox.some(pred), 5000, what);
    return inbox.splice(inbox.findIndex(pred), 1)[0];
  };
  await next((m) => m.startsWith("0{"), "open packet");
  ws.send(`40${JSON.stringify({ token })}`);
  await next((m) => m.startsWith("40{"), "CONNECT ack");
  ws.send(`420${JSON.stringify(["room:join", { roomId }])}`);
  const ack = await next((m) => m.startsWith("430"), "room:join ack");
  assert.match(ack, /"ok":true/);
  ws._socket.pause(); // reads nothing from now on
  const pongs = setInterval(() => ws.send("3"), 1000);
  return { ws, stop: () => { clearInterval(pongs); ws.terminate(); } };
}

test("a room member that stops reading is closed, memory stays bounded, the room goes on", async () => {
  const server = await startServer({ env: { ...UNLIMITED_EVENTS, WS_MAX_UNSENT_BYTES: String(MB), LOG_LEVEL: "info" } });
  const pid = server.proc.pid;
  const roomId = randomUUID();
  const host = await connect(server, "dev:1:Host");
  assert.equal((await request(host, "room:join", { roomId })).ok, true);
  const listener = await connect(server, "dev:3:Lis");
  assert.equal((await request(listener, "room:join", { roomId })).ok, true);
  let lastTitle = null;
  listener.onAny((event, payload) => { if (payload?.title) lastTitle = payload.title; });
  const slow = await stalledMember(server, "dev:2:Slow", roomId);
  const rss0 = rss(pid);
  let peak = rss0, changes = 0;
  const started = Date.now();
  try {
    // The host changes the title as fast as the acks come back, until the
    // stalled member is closed (or a minute, which fails the test).
    while ((await metric(server, /roomcast_ws_slow_consumers_closed_total\{endpoint="socket.io"\} (\d+)/)) === 0) {
      assert.ok(Date.now() - started < 60000 * TIME_SCALE, "the stalled member was never closed");
      for (let i = 0; i < 200; i++) {
        const ack = await request(host, "room:update", { title: `title ${changes++} ${"x".repeat(80)}` });
        assert.equal(ack.ok, true, JSON.stringify(ack));
      }
      peak = Math.max(peak, rss(pid));
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`# ${changes} title changes in ${seconds} s; RSS ${mb(rss0)} MB before, peak ${mb(peak)} MB`);
    if (!asan(pid)) assert.ok(peak - rss0 < 24 * MB, `RSS grew by ${mb(peak - rss0)} MB`);
    await server.waitForLog(/connection close: .*user=2 .*slow consumer: \d+ bytes unsent/);
    // The others were not affected: the listener heard the last change,
    // and the room goes on.
    const lastSent = `title ${changes - 1} ${"x".repeat(80)}`;
    await waitFor(() => lastTitle === lastSent, 10000, "the listener hears the last change");
    assert.equal((await request(host, "room:update", { title: "after" })).ok, true);
    const who = await request(listener, "whoami");
    assert.equal(who.ok, true);
  } finally {
    slow.stop();
    host.close();
    listener.close();
    await server.stop();
  }
});

test("a Pusher subscriber that stops reading is closed (4100, then a reset)", async () => {
  const server = await startServer({ env: { ...UNLIMITED_EVENTS, WS_MAX_UNSENT_BYTES: String(MB) } });
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/app/dev-key?protocol=7&client=js&version=8.4.0`);
  const inbox = [];
  ws.on("message", (m) => inbox.push(JSON.parse(m.toString())));
  ws.on("error", () => {});
  await once(ws, "open");
  await waitFor(() => inbox.some((m) => m.event === "pusher:connection_established"), 5000, "established");
  ws.send(JSON.stringify({ event: "pusher:subscribe", data: { channel: "news" } }));
  await waitFor(() => inbox.some((m) => m.event === "pusher_internal:subscription_succeeded"), 5000, "subscribed");
  ws._socket.pause();
  const started = Date.now();
  try {
    const data = JSON.stringify({ text: "y".repeat(9000) });
    while ((await metric(server, /roomcast_ws_slow_consumers_closed_total\{endpoint="pusher"\} (\d+)/)) === 0) {
      assert.ok(Date.now() - started < 60000 * TIME_SCALE, "the subscriber was never closed");
      const r = await pusherApi(server, "POST", "/apps/dev/events", { name: "big", channel: "news", data });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    await server.waitForLog(/hub: closing a Pusher connection: slow consumer/);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  } finally {
    ws.terminate();
    await server.stop();
  }
});

test("a member whose socket makes no progress for WS_SEND_STALL_MS is closed below the byte cap", async () => {
  const server = await startServer({ env: { ...UNLIMITED_EVENTS, WS_MAX_UNSENT_BYTES: String(512 * MB), WS_SEND_STALL_MS: "1000" } });
  const roomId = randomUUID();
  const host = await connect(server, "dev:1:Host");
  assert.equal((await request(host, "room:join", { roomId })).ok, true);
  const slow = await stalledMember(server, "dev:2:Slow", roomId);
  const started = Date.now();
  try {
    while ((await metric(server, /roomcast_ws_slow_consumers_closed_total\{endpoint="socket.io"\} (\d+)/)) === 0) {
      assert.ok(Date.now() - started < 60000 * TIME_SCALE, "the stalled member was never closed");
      for (let i = 0; i < 100; i++)
        assert.equal((await request(host, "room:update", { title: `t${i} ${"x".repeat(90)}` })).ok, true);
    }
    await server.waitForLog(/connection close: .*user=2 .*slow consumer: nothing read for \d+ ms/);
  } finally {
    slow.stop();
    host.close();
    await server.stop();
  }
});
