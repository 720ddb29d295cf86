// Room audio measured in Chromium pages (room-transports, cluster-media):
// each speaker's microphone is a sine of its own frequency (getUserMedia
// replaced by a WebAudio oscillator before the page loads), and a page
// measures the frequencies in what it receives with an AnalyserNode on the
// client's remote stream, so "hears Alice" and "does not hear herself" are
// levels, as in tests/media/test-room-media.c.
import { waitFor } from "../../integration/lib/harness.mjs";

export const ALICE_HZ = 440, BOB_HZ = 660, FLOOR_HZ = 1370;
// "Hears" a tone: at least HEARD_DB (the sines are sent at -12 dBFS and
// measured around -26 dB here) and this far above the floor bin; "does not
// hear": this far under the loudest tone the page does hear.
const HEARD_DB = -45, HEARD_OVER_FLOOR_DB = 20, ABSENT_UNDER_DB = 30;

// Before any script of the page: its microphone is a sine of @hz.
export function toneMicrophone(hz) {
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
export function startMeter() {
  window.__meter?.ctx.close(); // a meter of an earlier stream (after a reconnect)
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

// Opens the demo served by the node at @url and joins @roomId as @token.
export async function joinRoom(page, url, token, roomId) {
  await page.goto(`${url}/?room=${roomId}`);
  // window.__nodeMoves: the client's "node" events (room_elsewhere followed).
  await page.evaluate(() => {
    window.__nodeMoves = [];
    window.roomcastApp.client.on("node", (n) => window.__nodeMoves.push(n));
  });
  await page.fill("#token", token);
  await page.click("#join-btn");
  await page.locator("#room").waitFor({ state: "visible", timeout: 10000 });
}

const levels = (page) => page.evaluate((hzs) => window.__levels(hzs), [ALICE_HZ, BOB_HZ, FLOOR_HZ]);

// What @page hears: {alice, bob} as booleans (heard / clearly absent /
// neither: undefined), and the raw levels for messages.
export async function hearing(page) {
  const [a, b, floor] = await levels(page);
  const heard = (x) => x >= HEARD_DB && x - floor >= HEARD_OVER_FLOOR_DB;
  const loudest = Math.max(...[a, b].filter(heard), -Infinity);
  const state = (x) => (heard(x) ? true : loudest > -Infinity && x <= loudest - ABSENT_UNDER_DB ? false : undefined);
  return { alice: state(a), bob: state(b), raw: `440 Hz ${a.toFixed(0)} dB, 660 Hz ${b.toFixed(0)} dB, floor ${floor.toFixed(0)} dB` };
}

// Waits until @page hears as @want says; reports what it measured.
export async function waitHearing(t, page, want, what, timeoutMs = 20000) {
  let last = null;
  try {
    await waitFor(async () => {
      last = await hearing(page);
      return Object.entries(want).every(([k, v]) => last[k] === v);
    }, timeoutMs, what);
  } catch (e) {
    throw new Error(`${what}: ${last?.raw ?? "no levels"} (${e.message})`);
  }
  t.diagnostic(`${what}: ${last.raw}`);
}
