// Room audio in Chromium through the web demo, on both media transports
// (docs/media.md#two-transports): MEDIA_RECV_TRANSPORT=lite (everyone
// listens through the room's icelitesink, seated speakers publish through a
// send-only RTCPeerConnection) and webrtcbin (one sendrecv peer each).
//
// Each speaker's page gets a microphone that is a sine of its own frequency
// and every page measures the frequencies in what it receives
// (lib/tones.mjs): so "hears Alice" and "does not hear herself" are levels.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startServer, waitFor } from "../integration/lib/harness.mjs";
import { WEB_ROOT, IN_NETNS, launchChromium, newPage, saveLogs, missingPrerequisite } from "./lib/browser.mjs";
import { ALICE_HZ, BOB_HZ, toneMicrophone, startMeter, joinRoom, waitHearing } from "./lib/tones.mjs";

const skip = missingPrerequisite()
  ?? (!IN_NETNS ? "not inside a loopback-only network namespace (tests/browser/netns.sh)" : null);

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
        await joinRoom(alice, server.url, "dev:1:Alice", roomId);
        await joinRoom(bob, server.url, "dev:2:Bob", roomId);
        await joinRoom(lis, server.url, "dev:3:Lis", roomId);
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
