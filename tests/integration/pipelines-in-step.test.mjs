// pipelines/*.pipeline stay in step with what roomcastd builds: the mixer,
// Opus, queue, selector and payloader settings are read from the C sources
// (src/media/room-media.c, room-media-encoders.c and friends) and compared with the gst-launch
// descriptions. pipelines/room-server.pipeline mirrors a whole room; the
// other files share the mixer and encoder settings. (That every file runs
// is the plugins suite's pipeline-* tests.)
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { SOURCE_ROOT } from "./lib/harness.mjs";

const source = (p) => fs.readFileSync(path.join(SOURCE_ROOT, p), "utf8");
const roomMedia = source("src/media/room-media.c");
const encoders = source("src/media/room-media-encoders.c");

// A #define's integer value.
function defined(text, name) {
  const m = text.match(new RegExp(`#define ${name} \\(?(-?\\d+)`));
  assert.ok(m, `#define ${name}`);
  return Number(m[1]);
}

// The C string literals (and macro names) from `start` (the first one
// after `after`) up to the first comma or closing parenthesis outside a
// literal, concatenated.
// `start` matches across any whitespace (clang-format may wrap the call).
function literalChain(text, start, macros = {}, after = "") {
  const pattern = new RegExp(start.trim().split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s*"), "g");
  pattern.lastIndex = Math.max(0, text.indexOf(after));
  const found = pattern.exec(text);
  assert.ok(found, `no ${start}`);
  let i = found.index + found[0].length;
  let out = "";
  for (;;) {
    while (/\s|\\/.test(text[i])) i++;
    if (text[i] === '"') {
      let j = i + 1;
      for (; text[j] !== '"'; j++) if (text[j] === "\\") j++;
      out += JSON.parse(text.slice(i, j + 1));
      i = j + 1;
    } else {
      const m = text.slice(i).match(/^[A-Z_][A-Z0-9_]*/);
      if (!m) return out;
      assert.ok(m[0] in macros, `unknown macro ${m[0]} in ${start}`);
      out += macros[m[0]];
      i += m[0].length;
    }
  }
}

// A gst-launch description as chains of elements: {factory, props} for
// elements, {ref} for "name." / "name.pad", {caps} for bare caps.
function parseLaunch(text) {
  const words = text.replace(/#.*$/gm, "").replace(/caps="([^"]*)"/g, "caps=$1").split(/\s+/).filter(Boolean);
  const chains = [];
  let current = null, linked = false;
  for (const w of words) {
    if (w === "!") {
      linked = true;
    } else if (current && !linked && /^[a-z-]+=/.test(w)) {
      const [k, ...v] = w.split("=");
      current.props[k] = v.join("=");
    } else {
      if (/^[a-z0-9-]+\.[a-z0-9_]*$/.test(w)) current = { ref: w };
      else if (w.includes("/")) current = { caps: w };
      else current = { factory: w, props: {} };
      if (!linked) chains.push([]);
      chains.at(-1).push(current);
      linked = false;
    }
  }
  return chains;
}

// Parse a chain description without refs (a bin description).
const elementsOf = (text) => parseLaunch(text).flat();

const settings = source("src/config-settings.c");
const opusBitrate = settings.match(/"OPUS_BITRATE", NULL, KIND_UINT, FALSE, "(\d+)"/)[1];
const jitterMs = Number(settings.match(/"JITTER_LATENCY_MS", NULL, KIND_UINT, FALSE, "(\d+)"/)[1]);
const opusComplexity = settings.match(/"OPUS_COMPLEXITY", NULL, KIND_UINT, FALSE, "(\d+)"/)[1];
const speakerAudioType = settings.match(/"OPUS_SPEAKER_AUDIO_TYPE",\s*NULL,\s*KIND_ENUM,\s*FALSE,\s*"([\w-]+)"/)[1];
const speakerFrameMs = settings.match(/"OPUS_SPEAKER_FRAME_MS",\s*NULL,\s*KIND_ENUM,\s*FALSE,\s*"(\d+)"/)[1];
// OPUSENC_DESC's four fills: bitrate, complexity, frame-size, audio-type.
const opusencFor = (frameMs, audioType) => elementsOf(literalChain(encoders, "#define OPUSENC_DESC")
  .replace("%u", opusBitrate).replace("%u", opusComplexity).replace("%u", frameMs)
  .replace("%s", audioType))[0].props;
// The shared mix: OPUS_MIX_FRAME_MS and OPUS_MIX_AUDIO_TYPE; a speaker's
// own mix-minus: OPUS_SPEAKER_FRAME_MS and OPUS_SPEAKER_AUDIO_TYPE.
const mixAudioType = settings.match(/"OPUS_MIX_AUDIO_TYPE",\s*NULL,\s*KIND_ENUM,\s*FALSE,\s*"([\w-]+)"/)[1];
const mixFrameMs = settings.match(/"OPUS_MIX_FRAME_MS",\s*NULL,\s*KIND_ENUM,\s*FALSE,\s*"(\d+)"/)[1];
const sharedOpusenc = opusencFor(mixFrameMs, mixAudioType);
const ownOpusenc = opusencFor(speakerFrameMs, speakerAudioType);
// An encoder fed from the mixer's full-mix pad encodes the shared mix, one
// fed from a seat's pad (src_N) that seat's own mix-minus.
const opusencOf = (chain) => /\.mix$/.test(chain[0].ref ?? "") ? sharedOpusenc : ownOpusenc;
const slackMs = defined(encoders, "UPSTREAM_SLACK_MS");
// The encoders' queues hold the assumed upstream latency plus a margin.
const queueNs = (jitterMs + slackMs + defined(encoders, "ENCODER_QUEUE_MARGIN_MS")) * 1e6;
const encoderQueueDesc = literalChain(encoders, "#define ENCODER_QUEUE_DESC", { G_GUINT64_FORMAT: "lu" })
  .replace("%lu", String(queueNs));
const mixerTemplate = literalChain(roomMedia, "desc = g_strdup_printf (", { G_GUINT64_FORMAT: "lu" },
  "\nrc_room_media_new (").replace("%s", `${encoderQueueDesc} ! opusmonoenc ! clocksync`);
const mixerTemplateElements = elementsOf(mixerTemplate.replace(/mixer\.mix/, "")); // mixminus, queue, opusenc, clocksync, tee
const expectedMixer = { ...mixerTemplateElements[0].props };
expectedMixer["min-upstream-latency"] = String((jitterMs + slackMs) * 1e6);
expectedMixer["level-interval"] = String(defined(roomMedia, "LEVEL_INTERVAL_MS") * 1e6);
delete expectedMixer.seats;
delete expectedMixer.name;
const mixQueue = mixerTemplateElements[1];
// The decoder chain with OPUS_DECODE_FEC at its default.
const decodeFec = source("src/config-settings.c")
  .match(/"OPUS_DECODE_FEC",\s*NULL,\s*KIND_ENUM,\s*FALSE,\s*"(\w+)"/)[1];
const decoder = literalChain(roomMedia, decodeFec === "true" ? "#define DECODER_FEC" : "#define DECODER_PLC");
const inbound = elementsOf(literalChain(roomMedia, "#define INBOUND_DESC").replace("%s", decoder));
// One function describes both encoders' chains (queue, opusenc, clocksync).
const encoderDesc = literalChain(encoders, "g_strdup_printf (", {
  ENCODER_QUEUE_DESC: "ENCODER_QUEUE_DESC", OPUSENC_DESC: "OPUSENC_DESC" }, "\nrc_room_media_encoder_desc (");
const opusPt = String(defined(source("src/media/media-sdp.h"), "RC_MEDIA_OPUS_PT"));
// A peer has no send queue: the payloader feeds webrtcbin directly.
const peerWebrtc = source("src/media/media-peer-webrtc.c");

const pipeline = (name) => parseLaunch(source(`pipelines/${name}.pipeline`));
const factories = (chains, f) => chains.flat().filter((e) => e.factory === f);

test("the server's settings are what this test reads", () => {
  for (const opusenc of [sharedOpusenc, ownOpusenc]) {
    assert.equal(opusenc.bitrate, opusBitrate);
    assert.equal(opusenc.complexity, opusComplexity);
  }
  assert.equal(sharedOpusenc["frame-size"], mixFrameMs);
  assert.equal(sharedOpusenc["audio-type"], mixAudioType);
  assert.equal(ownOpusenc["frame-size"], speakerFrameMs);
  assert.equal(ownOpusenc["audio-type"], speakerAudioType);
  assert.equal(expectedMixer["force-live"], "true");
  assert.equal(mixQueue.factory, "queue");
  assert.equal(mixQueue.props.leaky, "downstream");
  assert.equal(mixQueue.props["max-size-time"], String(queueNs));
  assert.equal(encoderDesc, "ENCODER_QUEUE_DESC ! OPUSENC_DESC ! clocksync");
  assert.match(roomMedia, /rc_room_media_encoder_desc \(media->config, TRUE\)/, "start_own_mix: own settings");
  assert.match(roomMedia, /rc_room_media_encoder_desc \(config, FALSE\)/, "rc_room_media_new: shared settings");
  assert.deepEqual(mixerTemplateElements.slice(2).map((e) => e.factory), ["opusmonoenc", "clocksync", "tee"]);
  assert.equal(elementsOf(literalChain(encoders, "#define OPUSENC_DESC"))[0].factory, "opusmonoenc",
               "the room's encoders are opusmonoenc");
  assert.deepEqual(inbound.map((e) => e.factory ?? e.caps),
                   ["rtpopusdepay", decodeFec === "true" ? "opusdec" : "opusmonodec", "audioconvert",
                    "audioresample", "capsfilter"]);
  assert.match(roomMedia, /g_object_set \(p->selector, "sync-streams", FALSE, NULL\);/);
  assert.match(roomMedia, /g_object_set \(p->pay, "pt", RC_MEDIA_OPUS_PT,/);
});

test("room-server.pipeline is the room roomcastd builds", () => {
  const chains = pipeline("room-server");
  const [mixer] = factories(chains, "mixminus");
  const { seats, name, ...mixerProps } = mixer.props;
  assert.deepEqual(mixerProps, expectedMixer, "mixminus settings");
  assert.ok(Number(seats) >= 2 && name === "mixer");

  // Every server-side encoder: the room's leaky queue before it, the room's
  // Opus settings, clocksync after it.
  let serverEncoders = 0;
  for (const chain of chains) {
    chain.forEach((e, i) => {
      if (e.factory !== "opusmonoenc" || chain[i + 1]?.factory !== "clocksync") return;
      serverEncoders++;
      assert.deepEqual(e.props, opusencOf(chain), "opusenc settings");
      assert.deepEqual(chain[i - 1], mixQueue, "the queue before an encoder");
    });
  }
  const speakers = chains.filter((c) => /^mixer\.sink_\d+$/.test(c.at(-1).ref ?? ""));
  assert.equal(serverEncoders, speakers.length + 1, "encoders = speakers + 1");
  for (const chain of speakers) {
    const i = chain.findIndex((e) => e.factory === "rtpopusdepay");
    assert.ok(i > 0, "a speaker's audio arrives as RTP");
    const got = chain.slice(i, -1).map((e) => e.caps ? { factory: "capsfilter", props: { caps: e.caps } } : e);
    assert.deepEqual(got, inbound, "the inbound decoder chain");
  }
  const [tee] = factories(chains, "tee");
  assert.equal(tee.props["allow-not-linked"], "true");
  const selectors = factories(chains, "input-selector");
  const pays = factories(chains, "rtpopuspay").filter((e) => e.props.name);
  assert.ok(selectors.length >= speakers.length + 1, "a selector per peer");
  for (const s of selectors) assert.equal(s.props["sync-streams"], "false");
  assert.equal(pays.length, selectors.length, "one payloader per peer");
  for (const p of pays) assert.equal(p.props.pt, opusPt);
  assert.doesNotMatch(peerWebrtc, /gst_element_factory_make \("queue"/, "the server's peer has no queue");
  for (const chain of chains) {
    chain.forEach((e, i) => {
      if (e.factory === "rtpopuspay" && e.props.name)
        assert.equal(chain[i + 1]?.factory, "fakesink", "a payloader feeds its peer directly");
    });
  }
});

// MEDIA_RECV_TRANSPORT=lite: no selector or payloader per peer; each
// encoded stream payloaded once into the room's icelitesink.
test("room-server-lite.pipeline is the room roomcastd builds on two transports", () => {
  const chains = pipeline("room-server-lite");
  const { seats, name, ...mixerProps } = factories(chains, "mixminus")[0].props;
  assert.deepEqual(mixerProps, expectedMixer, "mixminus settings");
  assert.equal(factories(chains, "input-selector").length, 0, "no selector: the element switches");
  const [sink] = factories(chains, "icelitesink");
  assert.ok(sink, "the room's icelitesink");
  assert.match(source("src/media/media-peer-lite.c"), /#define SINK_NAME "icelite"/);
  assert.equal(sink.props.name, "icelite");
  // The full mix: tee → mix-pay (pt) → the element; named as the server names it.
  assert.match(roomMedia, /"rtpopuspay", "mix-pay"/);
  const mixPay = factories(chains, "rtpopuspay").find((e) => e.props.name === "mix-pay");
  assert.equal(mixPay?.props.pt, opusPt);
  // Each own mix: queue ! opusenc ! clocksync ! rtpopuspay pt ! the element,
  // as start_own_mix() appends it for a transport that carries streams.
  assert.match(roomMedia, /streams \? " ! rtpopuspay pt=" G_STRINGIFY \(RC_MEDIA_OPUS_PT\)/);
  let streams = 0, encoders = 0;
  for (const chain of chains) {
    chain.forEach((e, i) => {
      if (e.factory === "opusmonoenc" && chain[i + 1]?.factory === "clocksync") {
        encoders++;
        assert.deepEqual(e.props, opusencOf(chain), "opusenc settings");
        assert.deepEqual(chain[i - 1], mixQueue, "the queue before an encoder");
      }
      if (/^icelite\.sink_\d+$/.test(e.ref ?? "")) {
        streams++;
        assert.equal(chain[i - 1].factory, "rtpopuspay");
        assert.equal(chain[i - 1].props.pt, opusPt);
      }
    });
  }
  const speakers = chains.filter((c) => /^mixer\.sink_\d+$/.test(c.at(-1).ref ?? ""));
  assert.equal(encoders, speakers.length + 1, "encoders = speakers + 1");
  assert.equal(streams, encoders, "one stream pad per encoder");
  for (const chain of speakers) {
    const i = chain.findIndex((e) => e.factory === "rtpopusdepay");
    const got = chain.slice(i, -1).map((e) => e.caps ? { factory: "capsfilter", props: { caps: e.caps } } : e);
    assert.deepEqual(got, inbound, "the inbound decoder chain");
  }
});

test("the other pipelines use the server's mixer and Opus settings", () => {
  for (const name of ["room-encoders", "room-record", "room-listen"]) {
    const chains = pipeline(name);
    let n = 0;
    for (const chain of chains)
      for (const e of chain.filter((x) => x.factory === "opusmonoenc")) {
        n++;
        assert.deepEqual(e.props, opusencOf(chain), `${name}: opusenc settings`);
      }
    assert.ok(n > 0, name);
  }
  const encodersFile = pipeline("room-encoders");
  const { seats, name, ...mixerProps } = factories(encodersFile, "mixminus")[0].props;
  assert.deepEqual(mixerProps, expectedMixer, "room-encoders: mixminus settings");
  for (const chain of encodersFile)
    chain.forEach((e, i) => {
      if (e.factory === "opusmonoenc") {
        assert.deepEqual(chain[i - 1], mixQueue, "room-encoders: the queue before an encoder");
        assert.equal(chain[i + 1].factory, "clocksync");
      }
    });
});
