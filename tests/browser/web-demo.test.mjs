// The web demo in a real browser against the real daemon: roomcastd serves
// the page, the client module and socket.io-client from WEB_ROOT; two
// Chromium pages (a desktop host, a phone-sized guest) use it like people
// would. Screenshots of both pages go to $ROOMCAST_ARTIFACTS.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { startServer, waitFor } from "../integration/lib/harness.mjs";
import {
  WEB_ROOT, IN_NETNS, launchChromium, newPage, screenshot, saveLogs, missingPrerequisite, measureRemotePeak,
} from "./lib/browser.mjs";

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const missing = missingPrerequisite();

// Sign in with `token` and join `roomId` through the form, as a person would.
async function joinRoom(page, server, token, roomId) {
  await page.goto(`${server.url}/?room=${roomId}`);
  await page.fill("#token", token);
  await page.click("#join-btn");
  await page.locator("#room").waitFor({ state: "visible", timeout: 10000 });
}

const seat = (page, index) => page.locator(`#seats .seat[data-index="${index}"]`);
const client = (page, fn, arg) => page.evaluate(fn, arg);

describe("web demo", { skip: missing ?? false }, () => {
  let server, browser;
  const pages = [];

  before(async () => {
    server = await startServer({
      env: { WEB_ROOT, RTC_LISTEN_IP: "127.0.0.1", SEATS_PER_ROOM: "10", ROOM_GRACE_PERIOD_S: "5" },
    });
    browser = await launchChromium();
  });
  after(async () => {
    saveLogs("web-demo", pages);
    await browser?.close();
    await server?.stop();
  });

  test("a refused token and a bad room id are explained on the sign-in form", async () => {
    const page = await newPage(browser, { viewport: PHONE, name: "refused" });
    pages.push(page);
    try {
      await page.goto(`${server.url}/`);
      assert.match(await page.inputValue("#room-id"), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, "a fresh UUID by default");
      await page.fill("#token", "not-a-token");
      await page.click("#join-btn");
      await page.locator('#toasts .toast.error[data-code="unauthenticated"]').waitFor();
      assert.match(await page.locator("#signin-error").innerText(), /refused this token/);
      assert.equal(await page.locator("#conn").getAttribute("data-state"), "disconnected");
      await page.fill("#token", "dev:3:Cleo");
      await page.fill("#room-id", "lobby");
      await page.click("#join-btn");
      await page.locator("#signin-error", { hasText: "must be a UUID" }).waitFor();
      assert.equal(await page.locator("#room").isVisible(), false);
    } finally {
      await page.context().close();
    }
  });

  describe("two people in one room", () => {
    const roomId = randomUUID();
    let alice, bob;

    before(async () => {
      alice = await newPage(browser, { viewport: DESKTOP, name: "alice" });
      bob = await newPage(browser, { viewport: PHONE, name: "bob", isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
      pages.push(alice, bob);
      await joinRoom(alice, server, "dev:1:Alice", roomId);
      await joinRoom(bob, server, "dev:2:Bob", roomId);
    });

    test("the page and its client come from roomcastd itself", async () => {
      const res = await fetch(`${server.url}/vendor/socket.io.esm.min.js`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type"), /^text\/javascript/);
      const scripts = await alice.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
      assert.ok(scripts.some((u) => u.endsWith("/vendor/socket.io.esm.min.js")), scripts.join("\n"));
      assert.ok(scripts.every((u) => u.startsWith(server.url)), `only same-origin loads: ${scripts.join("\n")}`);
    });

    test("each sees the other; Alice hosts, Bob does not get host controls", async () => {
      await alice.locator('#audience li[data-user-id="2"]').waitFor();
      await bob.locator('#audience li[data-user-id="1"]').waitFor();
      assert.equal(await alice.locator("#host-panel").isVisible(), true);
      assert.equal(await bob.locator("#host-panel").isVisible(), false);
      assert.equal(await bob.locator("#seats .seat-more").first().isVisible(), false);
      assert.equal(await alice.locator("#conn").getAttribute("data-state"), "connected");
      assert.match(await bob.locator("#audience li[data-user-id=\"1\"]").innerText(), /Alice/);
    });

    test("the host locks a seat; Bob cannot take it and is told why", async () => {
      await seat(alice, 2).locator(".seat-more").click();
      await alice.locator('#action-list button[data-action="lock"]').click();
      await bob.locator('#seats .seat[data-index="2"][data-state="locked"]').waitFor();

      await seat(bob, 2).locator(".seat-btn").click();
      const error = bob.locator('#toasts .toast.error[data-code="seat_locked"]');
      await error.waitFor();
      assert.match(await error.innerText(), /locked/i);
      assert.equal(await seat(bob, 2).getAttribute("data-state"), "locked");
      assert.equal(await client(bob, () => window.roomcastApp.client.seated), false);

      // A free seat still works, and everyone sees who sits there.
      await seat(bob, 4).locator(".seat-btn").click();
      await alice.locator('#seats .seat[data-index="4"][data-user-id="2"]').waitFor();
      assert.match(await seat(alice, 4).innerText(), /Bob/);
      await bob.locator('#seat-btn[data-action="leave-seat"]').waitFor();
      await bob.locator("#seat-btn").click();
      await alice.locator('#seats .seat[data-index="4"][data-state="empty"]').waitFor();
    });

    test("chat typed by Alice reaches Bob", async () => {
      await alice.fill("#chat-input", "Welcome, Bob! Take a seat when you want to talk.");
      await alice.press("#chat-input", "Enter");
      const line = bob.locator("#chat-log li.msg", { hasText: "Welcome, Bob!" });
      await line.waitFor();
      assert.match(await line.locator(".who").innerText(), /Alice/);
      assert.equal(await alice.locator("#chat-input").inputValue(), "", "the input is cleared once sent");
    });

    test("errors from the server are shown with their code", async () => {
      // 501 characters: the server answers invalid_payload naming the field.
      await bob.evaluate(() => { document.getElementById("chat-input").removeAttribute("maxlength"); });
      await bob.fill("#chat-input", "x".repeat(501));
      await bob.press("#chat-input", "Enter");
      const error = bob.locator('#toasts .toast.error[data-code="invalid_payload"]');
      await error.waitFor();
      assert.match(await error.innerText(), /text/);
    });

    test("a gift Bob sends shows on Alice's page", async (t) => {
      await bob.locator("#gift-btn").click();
      await bob.locator("#gift-dialog").waitFor({ state: "visible" });
      await bob.selectOption("#gift-recipient", "1");
      await bob.locator('label[for="gift-rose"]').click();
      await bob.fill("#gift-quantity", "3");
      await bob.locator("#gift-send").click();
      const unsupported = bob.locator('#toasts .toast.error[data-code="unknown_event"]');
      const shown = alice.locator("#chat-log li.gift");
      await waitFor(async () => (await unsupported.count()) + (await shown.count()) > 0, 10000, "the gift or its refusal");
      if (await unsupported.count()) {
        assert.match(await unsupported.innerText(), /not available/);
        t.skip("gift:send is not on this server yet (unknown_event): the page says so; runs once the gift work lands");
        return;
      }
      assert.match(await shown.innerText(), /Bob sent Rose ×3 to Alice/);
      assert.equal(await alice.locator("#gift-banner").isVisible(), true);
    });

    test("screenshots: desktop host, phone guest", async () => {
      // Both on seats, so the pictures show a room in use.
      await alice.locator("#seat-btn").click();
      await seat(bob, 3).locator(".seat-btn").click();
      await alice.locator('#seats .seat[data-index="3"][data-user-id="2"]').waitFor();
      await bob.locator('#seats .seat[data-index="0"][data-user-id="1"]').waitFor();
      await bob.fill("#chat-input", "Hi Alice! Can you hear me?");
      await bob.press("#chat-input", "Enter");
      await alice.locator("#chat-log li.msg", { hasText: "Can you hear me" }).waitFor();
      // The phone page must not scroll sideways.
      const overflow = await bob.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `phone layout overflows by ${overflow}px`);
      for (const page of [alice, bob]) {
        await page.evaluate(() => { document.getElementById("toasts").replaceChildren(); document.activeElement?.blur(); window.scrollTo(0, 0); });
      }
      const desktop = await screenshot(alice, "web-demo-host-desktop");
      const phone = await screenshot(bob, "web-demo-guest-phone");
      // Side by side (docs/demo.png is a copy of this one).
      const both = await newPage(browser, { viewport: { width: 1760, height: 884 }, name: "composite" });
      pages.push(both);
      const img = (file) => `data:image/png;base64,${fs.readFileSync(file).toString("base64")}`;
      await both.setContent(`<body style="margin:0;background:#080a14;display:flex;gap:40px;padding:20px;align-items:flex-start">
        <img src="${img(desktop)}" style="width:1280px;border-radius:10px;box-shadow:0 0 0 1px #2b3254">
        <img src="${img(phone)}" style="width:390px;border-radius:22px;box-shadow:0 0 0 1px #2b3254"></body>`);
      await both.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
      await screenshot(both, "web-demo");
      await both.context().close();
    });

    test("user text is shown as text, never as markup", async () => {
      const text = `<b>bold?</b> & <img src=x onerror="window.__xss=1"> ${randomUUID().slice(0, 8)}`;
      await alice.fill("#chat-input", text);
      await alice.press("#chat-input", "Enter");
      const line = bob.locator("#chat-log li.msg .text", { hasText: text.slice(-8) });
      await line.waitFor();
      assert.equal(await line.textContent(), text);
      assert.equal(await bob.locator("#chat-log b, #chat-log img").count(), 0);
      assert.equal(await bob.evaluate(() => window.__xss), undefined);
    });

    test("a network blip: Bob's page reconnects, rejoins and gets his held seat back", async () => {
      await bob.evaluate(() => {
        const c = window.roomcastApp.client;
        window.__states = [];
        c.on("connection", ({ state }) => window.__states.push(state));
        c.socket.io.engine.close(); // the WebSocket drops as on a network blip
      });
      await bob.waitForFunction(() => window.__states.includes("reconnecting") && window.__states.at(-1) === "connected", null, { timeout: 15000 });
      await bob.waitForFunction(() => window.roomcastApp.client.you?.seat === 3, null, { timeout: 10000 });
      await alice.locator('#seats .seat[data-index="3"][data-user-id="2"]:not(.away)').waitFor();
      await bob.locator('#seats .seat.mine[data-index="3"]').waitFor();
      assert.equal(await bob.locator("#conn").getAttribute("data-state"), "connected");
      // The room still works for him.
      await bob.fill("#chat-input", "back again");
      await bob.press("#chat-input", "Enter");
      await alice.locator("#chat-log li.msg", { hasText: "back again" }).waitFor();
    });

    test("Bob joining from another tab takes his seat there; the first tab says so, stays connected and out", async () => {
      const bob2 = await newPage(browser, { viewport: PHONE, name: "bob2" });
      pages.push(bob2);
      await joinRoom(bob2, server, "dev:2:Bob", roomId);
      await bob.locator('#toasts .toast.error[data-code="replaced"]').waitFor();
      await bob.locator("#signin").waitFor({ state: "visible" });
      // The new tab has his seat, and the old one does not come back.
      await bob2.locator('#seats .seat.mine[data-index="3"]').waitFor();
      await alice.locator('#seats .seat[data-index="3"][data-user-id="2"]').waitFor();
      assert.equal(await bob.evaluate(() => window.roomcastApp.client.roomId), null);
      // Still connected: several connections per user.
      assert.equal(await bob.locator("#conn").getAttribute("data-state"), "connected");
      const who = await bob.evaluate(() => window.roomcastApp.client.whoami());
      assert.equal(who.user.id, "2");
    });
  });

  // Needs the room media pipeline (media:connect in roomcastd). Until it is
  // merged the server answers unknown_event and this test skips, saying so.
  test("a seated speaker is heard: inbound packets, a measured beep, the speaking ring", async (t) => {
    if (!IN_NETNS) { t.skip("not inside a loopback-only network namespace (tests/browser/netns.sh): WebRTC media is not run"); return; }
    const roomId = randomUUID();
    const alice = await newPage(browser, { viewport: DESKTOP, name: "alice-media" });
    const bob = await newPage(browser, { viewport: PHONE, name: "bob-media" });
    pages.push(alice, bob);
    try {
      await joinRoom(alice, server, "dev:11:Alice", roomId);
      await joinRoom(bob, server, "dev:12:Bob", roomId);
      await bob.waitForFunction(() => ["connected", "unsupported", "failed"].includes(window.roomcastApp.client.media.state), null, { timeout: 20000 });
      const media = await client(bob, () => window.roomcastApp.client.media);
      if (media.state === "unsupported") {
        t.skip("the room media pipeline is not merged yet: roomcastd answers media:connect with unknown_event");
        return;
      }
      assert.equal(media.state, "connected", `Bob's media: ${JSON.stringify(media)}`);

      // Alice sits down: her fake microphone goes on the sender, no renegotiation.
      await alice.locator("#seat-btn").click();
      await alice.locator("#seats .seat.mine").waitFor();
      await alice.waitForFunction(() => window.roomcastApp.client.micLive, null, { timeout: 10000 });
      assert.equal(await alice.locator("#mic-btn").getAttribute("data-live"), "true");

      // Bob's inbound audio packets grow.
      const inbound = () => client(bob, async () => {
        const report = await window.roomcastApp.client.getStats();
        let n = 0;
        report?.forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "audio") n = s.packetsReceived; });
        return n;
      });
      const first = await inbound();
      await waitFor(async () => (await inbound()) > first + 25, 10000, "Bob's inbound audio packets");
      // ...and his connection indicator shows the quality figures.
      await bob.locator("#conn-stats", { hasText: "loss" }).waitFor();
      assert.match(await bob.locator("#conn").getAttribute("data-quality"), /^(good|fair|poor)$/);

      // WebAudio on the remote stream (through a muted <audio>, which
      // Chrome needs to pull remote audio) hears Alice's beeps.
      await measureRemotePeak(bob, "app");
      await bob.waitForFunction(() => window.__roomcastPeak > 0.05, null, { timeout: 15000, polling: 100 });

      // The server's speaking events light Alice's ring on Bob's page.
      await bob.locator('#seats .seat[data-user-id="11"][data-speaking="true"]').waitFor({ timeout: 15000 });
      await screenshot(bob, "web-demo-media-guest-phone");
      await screenshot(alice, "web-demo-media-host-desktop");

      // Leaving the seat releases the microphone.
      await alice.locator("#seat-btn").click();
      await alice.waitForFunction(() => !window.roomcastApp.client.micLive, null, { timeout: 10000 });
    } finally {
      await alice.context().close();
      await bob.context().close();
    }
  });
});
