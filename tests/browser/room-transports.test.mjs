// Room audio in Chromium through the web demo, on both media transports
// (docs/media.md#two-transports): MEDIA_RECV_TRANSPORT=lite (everyone
// listens through the room's icelitesink, seated speakers publish through a
// send-only RTCPeerConnection) and webrtcbin (one sendrecv peer each).
//
// Each speaker's page gets a microphone that is a sine of its own frequency
// (getUserMedia replaced by a WebAudio oscillator before the page loads),
// and every page measures the frequencies in what it receives with an
// AnalyserNode on the client's remote stream: so "hears Alice" and "does not
// hear herself" are levels, as in tests/media/test-room-media.c.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startServer, waitFor } from "../integration/lib/harness.mjs";
import { WEB_ROOT, IN_NETNS, launchChromium, newPage, saveLogs, missingPrerequisite } from "./lib/browser.mjs";

const skip = missingPrerequisite()
  ?? (!IN_NETNS ? "not inside a loopback-only network namespace (tests/browser/netns.sh)" : null);

const ALICE_HZ = 440, BOB_HZ = 660, FLOOR_HZ = 1370;
// "Hears" a tone: at least HEARD_DB (the sines are sent at -12 dBFS and
// measured around -26 dB here) and this far above the floor bin; "does not
// hear": this far under the loudest tone the page does hear.
const HEARD_DB = -45, HEARD_OVER_FLOOR_DB = 20, ABSENT_UNDER_DB = 30;

// Before any script of the page: its microphone is a sine of @hz.
function toneMicrophone(hz) {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    if (!constraints?.audio) return real(constraints);
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    const out = ctx.createMediaStreamDestination();
    osc.frequency.value = hz;
    gain.gain.value = 0.25;
    osc.connect(gain).connect(out);
    osc.start();
    await ctx.resume();
    return out.stream;
  };
}

// In the page: window.__levels(hzs) = the level (dB) of each frequency in
// the client's remote stream, from an AnalyserNode (attached through a
// muted <audio>, which Chrome needs to pull remote WebRTC audio).
function startMeter() {
  const stream = window.roomcastApp.client.remoteStream;
  if (!stream) throw new Error("no remote stream");
  const sink = new Audio();
  sink.muted = true;
  sink.srcObject = stream;
  sink.play().catch(() => {});
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 8192;
  analyser.smoothingTimeConstant = 0.5;
  ctx.createMediaStreamSource(stream).connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount);
  window.__levels = (hzs) => {
    analyser.getFloatFrequencyData(bins);
    const per = ctx.sampleRate / analyser.fftSize;
    return hzs.map((hz) => {
      const at = Math.round(hz / per);
      let best = -200;
      for (let i = Math.max(0, at - 2); i <= at + 2 && i < bins.length; i++) best = Math.max(best, bins[i]);
      return best;
    });
  };
  window.__meter = { sink, ctx };
  return ctx.resume();
}

async function joinRoom(page, server, token, roomId) {
  await page.goto(`${server.url}/?room=${roomId}`);
  await page.fill("#token", token);
  await page.click("#join-btn");
  await page.locator("#room").waitFor({ state: "visible", timeout: 10000 });
}

const levels = (page) => page.evaluate((hzs) => window.__levels(hzs), [ALICE_HZ, BOB_HZ, FLOOR_HZ]);

// What @page hears: {alice, bob} as booleans (heard / clearly absent /
// neither: undefined), and the raw levels for messages.
async function hearing(page) {
  const [a, b, floor] = await levels(page);
  const heard = (x) => x >= HEARD_DB && x - floor >= HEARD_OVER_FLOOR_DB;
  const loudest = Math.max(...[a, b].filter(heard), -Infinity);
  const state = (x) => (heard(x) ? true : loudest > -Infinity && x <= loudest - ABSENT_UNDER_DB ? false : undefined);
  return { alice: state(a), bob: state(b), raw: `440 Hz ${a.toFixed(0)} dB, 660 Hz ${b.toFixed(0)} dB, floor ${floor.toFixed(0)} dB` };
}

// Waits until @page hears as @want says; reports what it measured.
async function waitHearing(t, page, want, what) {
  let last = null;
  try {
    await waitFor(async () => {
      last = await hearing(page);
      return Object.entries(want).every(([k, v]) => last[k] === v);
    }, 20000, what);
  } catch (e) {
    throw new Error(`${what}: ${last?.raw ?? "no levels"} (${e.message})`);
  }
  t.diagnostic(`${what}: ${last.raw}`);
}

// The receive transport's inbound audio: its stats id, SSRC and packets.
const inbound = (page) => page.evaluate(async () => {
  const report = await window.roomcastApp.client.getStats();
  let found = null;
  report?.forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "audio") found = { id: s.id, ssrc: s.ssrc, packets: s.packetsReceived }; });
  return found;
});

const sendPackets = (page) => page.evaluate(async () => {
  const report = await window.roomcastApp.client.getSendStats();
  let n = null;
  report?.forEach((s) => { if (s.type === "outbound-rtp" && s.kind === "audio") n = s.packetsSent; });
  return n;
});

for (const transport of ["lite", "webrtcbin"]) {
  describe(`room audio in Chromium, MEDIA_RECV_TRANSPORT=${transport}`, { skip: skip ?? false }, () => {
    let server, browser;
    const pages = [];

    before(async () => {
      server = await startServer({
        env: { WEB_ROOT, RTC_LISTEN_IP: "127.0.0.1", MEDIA_RECV_TRANSPORT: transport, SEATS_PER_ROOM: "8" },
      });
      browser = await launchChromium();
    });
    after(async () => {
      saveLogs(`room-transports-${transport}`, pages);
      await browser?.close();
      await server?.stop();
    });

    test("speakers hear each other and not themselves, a listener hears both; seats switch without renegotiation", async (t) => {
      const roomId = randomUUID();
      const page = async (name, hz) => {
        const p = await newPage(browser, { name: `${transport}-${name}` });
        if (hz) await p.context().addInitScript(toneMicrophone, hz);
        pages.push(p);
        return p;
      };
      const alice = await page("alice", ALICE_HZ), bob = await page("bob", BOB_HZ), lis = await page("listener", 0);
      try {
        await joinRoom(alice, server, "dev:1:Alice", roomId);
        await joinRoom(bob, server, "dev:2:Bob", roomId);
        await joinRoom(lis, server, "dev:3:Lis", roomId);
        for (const p of [alice, bob, lis])
          await p.waitForFunction(() => window.roomcastApp.client.media.state === "connected", null, { timeout: 20000 });
        assert.equal(await lis.evaluate(() => window.roomcastApp.client.twoTransports), transport === "lite");

        for (const p of [alice, bob]) {
          await p.locator("#seat-btn").click();
          await p.locator("#seats .seat.mine").waitFor();
          await p.waitForFunction(() => window.roomcastApp.client.micLive, null, { timeout: 10000 });
        }
        if (transport === "lite") {
          // Each speaker's voice goes up its own send transport.
          for (const p of [alice, bob]) await waitFor(async () => (await sendPackets(p)) > 50, 20000, "send transport packets");
          assert.equal(await sendPackets(lis), null, "a listener has no send transport");
        }
        for (const p of [alice, bob, lis]) await p.evaluate(startMeter);

        await waitHearing(t, lis, { alice: true, bob: true }, "the listener hears both speakers");
        await waitHearing(t, alice, { alice: false, bob: true }, "Alice hears Bob, not herself");
        await waitHearing(t, bob, { alice: true, bob: false }, "Bob hears Alice, not himself");

        // Bob leaves his seat and takes it again: his receive transport
        // keeps its SSRC and its stats (no new transceiver, no new offer).
        const before = await inbound(bob);
        await bob.locator("#seat-btn").click();
        await bob.waitForFunction(() => !window.roomcastApp.client.seated && !window.roomcastApp.client.micLive, null, { timeout: 10000 });
        await waitHearing(t, lis, { alice: true, bob: false }, "Bob left: the listener no longer hears him");
        await waitHearing(t, bob, { alice: true }, "Bob, unseated, hears the room");
        if (transport === "lite") await waitFor(async () => (await sendPackets(bob)) === null, 10000, "Bob's send transport closed");
        const left = await inbound(bob);
        await bob.locator("#seat-btn").click();
        await bob.locator("#seats .seat.mine").waitFor();
        await waitHearing(t, lis, { alice: true, bob: true }, "Bob seated again: heard again");
        await waitHearing(t, bob, { alice: true, bob: false }, "Bob seated again hears Alice, not himself");
        const after = await inbound(bob);
        t.diagnostic(`Bob's inbound audio: ssrc ${before.ssrc} → ${left.ssrc} → ${after.ssrc}, packets ${before.packets} → ${left.packets} → ${after.packets}`);
        for (const [when, s] of [["after leaving", left], ["after sitting again", after]]) {
          assert.equal(s.id, before.id, `${when}: the same inbound-rtp stream`);
          assert.equal(s.ssrc, before.ssrc, `${when}: the same SSRC`);
        }
        assert.ok(after.packets > left.packets && left.packets > before.packets, `packets keep counting: ${before.packets} → ${left.packets} → ${after.packets}`);
      } finally {
        for (const p of [alice, bob, lis]) await p.context().close();
      }
    });
  });
}
