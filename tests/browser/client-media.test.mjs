// roomcast-client.js's media path in Chromium against the real server-side
// signalling (RcMediaSession) of tests/media/media-echo-server: a 440 Hz
// tone every client hears, and no rooms. The room part of the client is
// fed a join snapshot by hand (the echo server has no room:join); the
// media part runs unchanged: media:connect → offer in the ack, answer,
// trickled ICE both ways over 127.0.0.1, the remote stream measured with
// WebAudio, the microphone attached with replaceTrack when "seated" (no
// renegotiation) and released when not, and a network blip recovered.
//
// roomcastd serves the client module; the page talks to the echo server,
// another origin, so this page runs with CSP bypassed.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { startServer, waitFor } from "../integration/lib/harness.mjs";
import {
  WEB_ROOT, IN_NETNS, launchChromium, newPage, saveLogs, missingPrerequisite, measureRemotePeak,
} from "./lib/browser.mjs";

const ECHO = process.env.MEDIA_ECHO_SERVER;
const skip = missingPrerequisite()
  ?? (!ECHO ? "MEDIA_ECHO_SERVER is not set (the media echo server is not built)" : null)
  ?? (!IN_NETNS ? "not inside a loopback-only network namespace (tests/browser/netns.sh)" : null);

async function startEcho() {
  const proc = spawn(ECHO, [], {
    env: { ...process.env, PORT: "0", LISTEN_ADDR: "127.0.0.1", RTC_LISTEN_IP: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout.on("data", (c) => { output += c; });
  proc.stderr.on("data", (c) => { output += c; });
  const exited = once(proc, "exit");
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`media-echo-server did not start:\n${output}`)), 10000);
    const check = () => {
      const m = output.match(/media-echo-server listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stdout.on("data", check);
    exited.then(([code]) => { clearTimeout(timer); reject(new Error(`media-echo-server exited (${code}):\n${output}`)); });
  });
  return {
    url,
    logs: () => output,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

describe("roomcast-client media against the echo server", { skip: skip ?? false }, () => {
  let web, echo, browser, page;

  before(async () => {
    web = await startServer({ env: { WEB_ROOT } });
    echo = await startEcho();
    browser = await launchChromium();
    page = await newPage(browser, { name: "client", bypassCSP: true });
    await page.goto(`${web.url}/`);
    await page.evaluate(async ({ url, roomId }) => {
      const { RoomcastClient } = await import("/roomcast-client.js");
      const c = new RoomcastClient({ statsIntervalMs: 250 });
      window.testClient = c;
      window.testEvents = { media: [], errors: [], answers: 0 };
      // The inbound/outbound audio packet counters of the client's peer.
      window.testCounters = async () => {
        const report = await c.getStats();
        const out = { inbound: 0, sent: 0 };
        report?.forEach((s) => {
          if (s.type === "inbound-rtp" && s.kind === "audio") out.inbound = s.packetsReceived;
          if (s.type === "outbound-rtp" && s.kind === "audio") out.sent = s.packetsSent;
        });
        return out;
      };
      c.on("media", (m) => window.testEvents.media.push(m.state));
      c.on("error", (e) => window.testEvents.errors.push(`${e.code}: ${e.message}`));
      await c.connect({ url, token: "dev:7:Echo" });
      // Count media:answer sends: one per negotiation.
      const real = c.request.bind(c);
      c.request = (event, payload) => {
        if (event === "media:answer") window.testEvents.answers++;
        if (event !== "room:join") return real(event, payload);
        const seat = (index) => ({ index, userId: null, locked: false, muted: false, micMuted: false });
        return Promise.resolve({
          ok: true,
          room: { id: roomId, status: "ACTIVE", seatMode: "free", seats: 2, hostId: "7" },
          seats: [seat(0), seat(1)],
          participants: [{ userId: "7", user: { id: "7", name: "Echo", role: "user" }, role: "host", seat: null, joinedAt: Date.now(), connected: true }],
          you: { userId: "7", role: "host", seat: null, canManage: true, canModerate: true },
          serverTime: Date.now(),
        });
      };
      await c.join(roomId);
    }, { url: echo.url, roomId: randomUUID() });
  });

  after(async () => {
    saveLogs("client-media", [page]);
    await browser?.close();
    await echo?.stop();
    await web?.stop();
  });

  const counters = () => page.evaluate(() => window.testCounters());
  // A server event, delivered to the client's own handlers.
  const serverEvent = (name, payload) => page.evaluate(({ name, payload }) => {
    for (const fn of window.testClient.socket.listeners(name)) fn(payload);
  }, { name, payload });

  test("media:connect, answer and ICE over 127.0.0.1: the peer connects", async () => {
    await page.waitForFunction(() => window.testClient.media.state === "connected", null, { timeout: 15000 });
    const events = await page.evaluate(() => window.testEvents);
    assert.deepEqual(events.errors, []);
    assert.equal(events.answers, 1);
  });

  test("inbound audio grows, and WebAudio hears the server's 440 Hz tone", async () => {
    const first = await counters();
    await waitFor(async () => (await counters()).inbound > first.inbound + 25, 10000, "inbound packets");
    await page.evaluate(() => { window.testClient.stats = null; });
    await page.waitForFunction(() => window.testClient.stats?.packetsReceived > 0, null, { timeout: 5000 });
    const stats = await page.evaluate(() => window.testClient.stats);
    assert.ok(stats.rttMs !== null && stats.rttMs < 500, `rtt ${stats.rttMs}`);
    assert.ok(["good", "fair", "poor"].includes(stats.quality));

    await measureRemotePeak(page, "testClient");
    await page.waitForFunction(() => window.__roomcastPeak > 0.05, null, { timeout: 10000, polling: 100 });
    // The loudest frequency is the tone's.
    const hz = await page.evaluate(() => {
      const { ctx } = window.__roomcastAudio;
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 8192;
      ctx.createMediaStreamSource(window.testClient.remoteStream).connect(analyser);
      return new Promise((resolve) => setTimeout(() => {
        const bins = new Float32Array(analyser.frequencyBinCount);
        analyser.getFloatFrequencyData(bins);
        let best = 0;
        for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
        resolve(best * ctx.sampleRate / analyser.fftSize);
      }, 500));
    });
    assert.ok(Math.abs(hz - 440) < 20, `loudest frequency ${hz} Hz`);
  });

  test("seated: the microphone goes out with replaceTrack, no renegotiation; unseated: released", async () => {
    assert.equal(await page.evaluate(() => window.testClient.micLive), false, "no microphone before a seat");
    await serverEvent("seat:updated", { index: 0, userId: "7", locked: false, muted: false, micMuted: false });
    await page.waitForFunction(() => window.testClient.micLive, null, { timeout: 10000 });
    const before = await counters();
    await waitFor(async () => (await counters()).sent > before.sent + 25, 10000, "outbound packets");
    // The server received them too.
    const peers = await page.evaluate(() => window.testClient.request("test:stats").then((r) => r.peers));
    assert.equal(peers.length, 1);
    assert.ok(peers[0].packetsIn > 0, JSON.stringify(peers));
    assert.equal(await page.evaluate(() => window.testEvents.answers), 1, "no second negotiation");

    // Muted by a moderator: the track is disabled at once.
    await serverEvent("seat:updated", { index: 0, userId: "7", locked: false, muted: true, micMuted: false });
    assert.equal(await page.evaluate(() => window.testClient.micMuted), true);

    await serverEvent("seat:updated", { index: 0, userId: null, locked: false, muted: false, micMuted: false });
    await page.waitForFunction(() => !window.testClient.micLive, null, { timeout: 5000 });
    assert.equal(await page.evaluate(() => window.testEvents.answers), 1);
    assert.deepEqual(await page.evaluate(() => window.testEvents.errors), []);
  });

  test("a network blip: the client reconnects, rejoins and renegotiates media", async () => {
    await page.evaluate(() => { window.testEvents.media.length = 0; window.testClient.socket.io.engine.close(); });
    await page.waitForFunction(() => window.testEvents.media.includes("connecting") && window.testClient.media.state === "connected",
      null, { timeout: 20000 });
    assert.equal(await page.evaluate(() => window.testClient.connectionState), "connected");
    assert.equal(await page.evaluate(() => window.testEvents.answers), 2);
    const first = await counters();
    await waitFor(async () => (await counters()).inbound > first.inbound + 10, 10000, "inbound packets after the blip");
  });
});
