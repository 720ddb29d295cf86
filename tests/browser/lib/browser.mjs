// Browser test helpers: headless Debian Chromium driven by playwright-core,
// the roomcastd web root, artifacts.
//
// Chromium runs with fake media devices (a beeping microphone, no prompts)
// and loopback ICE allowed; meson runs these tests inside a network
// namespace that has only `lo` (tests/browser/netns.sh), so WebRTC can only
// ever use 127.0.0.1.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { SOURCE_ROOT } from "../../integration/lib/harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// The web root meson assembles: data/web + vendor/socket.io.esm.min.js.
export const WEB_ROOT = process.env.ROOMCAST_WEB_ROOT || path.join(SOURCE_ROOT, "build/data/web");
// Screenshots and page logs land here (the build dir under meson).
export const ARTIFACTS = process.env.ROOMCAST_ARTIFACTS || path.join(here, "..", "..", "..", "build", "tests", "browser", "artifacts");
// Set by netns.sh when it could not make a loopback-only namespace.
export const IN_NETNS = process.env.ROOMCAST_NETNS === "1";

export const CHROMIUM_ARGS = [
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  "--allow-loopback-in-peer-connection",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // The remote room audio must play (and feed WebAudio) without a click.
  "--autoplay-policy=no-user-gesture-required",
  // A listener never calls getUserMedia: without this its host candidates
  // would be hidden behind mDNS names, which the server ignores.
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

// Why the browser tests cannot run here, or null.
export function missingPrerequisite() {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is not installed (apt-get install chromium)`;
  if (!fs.existsSync(path.join(WEB_ROOT, "index.html"))) return `no web root at ${WEB_ROOT} (build the project first)`;
  if (!fs.existsSync(path.join(WEB_ROOT, "vendor/socket.io.esm.min.js")))
    return `${WEB_ROOT}/vendor/socket.io.esm.min.js is missing (npm ci, then reconfigure meson)`;
  return null;
}

// playwright's launch() gives every browser a fresh temporary
// --user-data-dir and removes it on close.
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
}

// A page in its own context (own storage, own fake microphone) that keeps
// its console and errors for failure messages.
export async function newPage(browser, { viewport = { width: 1280, height: 800 }, name = "page", ...contextOptions } = {}) {
  const context = await browser.newContext({ viewport, ...contextOptions });
  const page = await context.newPage();
  const log = [];
  page.on("console", (m) => log.push(`[${name} console.${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => log.push(`[${name} pageerror] ${e.stack ?? e.message}`));
  page.on("requestfailed", (r) => log.push(`[${name} requestfailed] ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.roomcastLog = log;
  return page;
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

// Writes every page's log next to the screenshots (useful when a test failed).
export function saveLogs(name, pages) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const text = pages.flatMap((p) => p?.roomcastLog ?? []).join("\n");
  fs.writeFileSync(path.join(ARTIFACTS, `${name}.log`), text + "\n");
}

// In the page: keeps window.__roomcastPeak = the largest sample seen on the
// client's remote stream, measured with a WebAudio AnalyserNode. The stream
// is also attached to a muted <audio> element: Chrome only pulls remote
// WebRTC audio into WebAudio for a stream that a media element plays.
// `which`: "app" for the demo page's client, else the name of a global.
export function measureRemotePeak(page, which = "app") {
  return page.evaluate((which) => {
    const client = which === "app" ? window.roomcastApp.client : window[which];
    const stream = client.remoteStream;
    if (!stream) throw new Error("no remote stream");
    const sink = new Audio();
    sink.muted = true;
    sink.srcObject = stream;
    sink.play().catch(() => {});
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    window.__roomcastPeak = 0;
    window.__roomcastAudio = { sink, ctx };
    setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let peak = 0;
      for (const v of buf) peak = Math.max(peak, Math.abs(v));
      window.__roomcastPeak = Math.max(window.__roomcastPeak, peak);
    }, 20);
    return ctx.resume();
  }, which);
}
