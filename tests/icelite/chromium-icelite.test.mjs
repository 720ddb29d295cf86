// icelitesink against a real browser: headless Chromium answers the
// element's offer (a=ice-lite, DTLS server, one host candidate on
// 127.0.0.1), connects, and hears the stream; a switch of stream
// (set-peer-source) changes the tone it hears with no renegotiation and
// no change of SSRC. The element runs in icelite-sdp-server (a line
// protocol on stdin/stdout). Runs inside netns.sh: only `lo` exists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import readline from "node:readline";
import { CHROMIUM, IN_NETNS, launchChromium, newPage } from "../browser/lib/browser.mjs";
import { waitFor } from "../integration/lib/harness.mjs";

const SERVER = process.env.ICELITE_SDP_SERVER;

function skipReason() {
  if (!SERVER) return "ICELITE_SDP_SERVER is not set";
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is not installed`;
  if (!IN_NETNS) return "no loopback-only network namespace (netns.sh)";
  return null;
}

// The helper process and its lines, by first word and peer.
function startServer() {
  const child = spawn(SERVER, [], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = [];
  const waiters = [];
  readline.createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) w();
  });
  const next = async (prefix, timeoutMs = 10000) => {
    await waitFor(() => lines.some((l) => l.startsWith(prefix)), timeoutMs, prefix);
    const i = lines.findIndex((l) => l.startsWith(prefix));
    return lines.splice(i, 1)[0];
  };
  const send = (line) => child.stdin.write(line + "\n");
  return { child, lines, next, send };
}

// In the page: the listener's RTCPeerConnection, and the dominant frequency
// of what it hears (an AnalyserNode on the remote stream, played by a muted
// <audio> element so Chrome pulls it).
async function answerInPage(page, offerSdp) {
  return page.evaluate(async (sdp) => {
    const pc = new RTCPeerConnection();
    window.pc = pc;
    window.renegotiations = 0;
    pc.onnegotiationneeded = () => window.renegotiations++;
    pc.ontrack = (e) => {
      const stream = e.streams[0] ?? new MediaStream([e.track]);
      const audio = new Audio();
      audio.muted = true;
      audio.srcObject = stream;
      audio.play().catch(() => {});
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 4096;
      ctx.createMediaStreamSource(stream).connect(analyser);
      const bins = new Float32Array(analyser.frequencyBinCount);
      window.dominantHz = () => {
        analyser.getFloatFrequencyData(bins);
        let best = 0;
        for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
        return best * ctx.sampleRate / analyser.fftSize;
      };
      window.keep = { audio, ctx };
      ctx.resume();
    };
    await pc.setRemoteDescription({ type: "offer", sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && resolve();
    });
    return pc.localDescription.sdp;
  }, offerSdp);
}

async function inboundRtp(page) {
  return page.evaluate(async () => {
    const stats = await window.pc.getStats();
    const inbound = [...stats.values()].filter((s) => s.type === "inbound-rtp" && s.kind === "audio");
    return inbound.map((s) => ({ ssrc: s.ssrc, packetsReceived: s.packetsReceived, packetsLost: s.packetsLost }));
  });
}

test("Chromium hears icelitesink and a switch of stream keeps its SSRC", { skip: skipReason() ?? false }, async () => {
  const server = startServer();
  const browser = await launchChromium();
  try {
    await server.next("ready");
    const page = await newPage(browser, { name: "listener" });
    server.send("offer p1 111");
    const offer = Buffer.from((await server.next("offer p1 ")).split(" ")[2], "base64").toString();
    const answer = await answerInPage(page, offer);
    assert.match(answer, /a=setup:active/);
    server.send(`answer p1 ${Buffer.from(answer).toString("base64")}`);
    assert.equal(await server.next("answer p1"), "answer p1 ok");
    await server.next("state p1 checking");
    await server.next("state p1 connected");

    // the full mix (440 Hz) arrives and is heard
    let first;
    await waitFor(async () => {
      const inbound = await inboundRtp(page);
      first = inbound[0];
      return inbound.length === 1 && first.packetsReceived > 50;
    }, 10000, "50 packets in Chromium");
    await waitFor(async () => Math.abs((await page.evaluate(() => window.dominantHz?.() ?? 0)) - 440) < 30,
      10000, "440 Hz heard");

    // "seat taken": the 880 Hz stream, same SSRC, no renegotiation
    server.send("switch p1 1");
    assert.equal(await server.next("switch p1"), "switch p1 ok");
    await waitFor(async () => Math.abs((await page.evaluate(() => window.dominantHz())) - 880) < 30,
      10000, "880 Hz heard after the switch");
    const after = (await inboundRtp(page));
    assert.equal(after.length, 1);
    assert.equal(after[0].ssrc, first.ssrc);
    assert.ok(after[0].packetsReceived > first.packetsReceived);
    assert.ok(after[0].packetsLost <= 2, `packets lost: ${after[0].packetsLost}`);
    assert.equal(await page.evaluate(() => window.renegotiations), 0);

    // the element's view: connected, receiver reports coming in, and (the
    // client's SRTCP proving its handshake done) the DTLS state released
    let stats = "";
    await waitFor(async () => {
      server.send("stats p1");
      stats = await server.next("stats p1");
      return /state=\(string\)connected/.test(stats) && /have-report=\(boolean\)true/.test(stats) &&
        /dtls-released=\(boolean\)true/.test(stats);
    }, 15000, "Chromium's receiver reports in get-peer-stats");
    console.log(stats);
  } finally {
    await browser.close();
    server.child.kill("SIGTERM");
  }
});
