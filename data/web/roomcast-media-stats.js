// roomcast-media-stats.js: the quality figures of a client's room audio
// (the "stats" event of RoomcastClient, docs/connecting.md).
//
// Every interval it reads the receive transport's RTCStatsReport: the round
// trip from the selected candidate pair (or the RTCP round trip), jitter and
// loss from the inbound audio (loss over the last interval), and grades
// them good, fair or poor.

export class MediaStats {
  // peer() → the RTCPeerConnection to read, or null (nothing this time);
  // onStats(stats) gets every sample.
  constructor({ peer, onStats }) {
    this.#peer = peer;
    this.#onStats = onStats;
  }

  #peer;
  #onStats;
  #timer = null;
  #lastInbound = null;

  // A sample now, then one every @intervalMs until stop().
  start(intervalMs) {
    this.stop();
    this.#lastInbound = null;
    const tick = () => this.#collect().catch(() => {});
    tick();
    this.#timer = setInterval(tick, intervalMs);
  }

  stop() {
    clearInterval(this.#timer);
    this.#timer = null;
  }

  // RTT from the selected candidate pair (or the RTCP round trip), jitter
  // and loss from inbound audio, loss over the last interval.
  async #collect() {
    const pc = this.#peer();
    if (!pc) return;
    const report = await pc.getStats();
    let pairId = null, pair = null, inbound = null, remoteInbound = null, outbound = null;
    report.forEach((s) => {
      if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
      else if (s.type === "inbound-rtp" && s.kind === "audio") inbound = s;
      else if (s.type === "remote-inbound-rtp" && s.kind === "audio") remoteInbound = s;
      else if (s.type === "outbound-rtp" && s.kind === "audio") outbound = s;
    });
    if (pairId) pair = report.get(pairId);
    if (!pair) report.forEach((s) => { if (!pair && s.type === "candidate-pair" && s.nominated && s.state === "succeeded") pair = s; });
    const rttS = pair?.currentRoundTripTime ?? remoteInbound?.roundTripTime;
    const received = inbound?.packetsReceived ?? 0;
    const lost = Math.max(0, inbound?.packetsLost ?? 0);
    let intervalLoss = null;
    if (this.#lastInbound) {
      const dr = received - this.#lastInbound.received, dl = lost - this.#lastInbound.lost;
      intervalLoss = dr + dl > 0 ? Math.max(0, dl) / (dr + dl) : 0;
    }
    this.#lastInbound = { received, lost };
    const stats = {
      at: Date.now(),
      rttMs: rttS === undefined ? null : Math.round(rttS * 1000),
      jitterMs: inbound?.jitter === undefined ? null : Math.round(inbound.jitter * 1000),
      packetLoss: intervalLoss ?? (received + lost > 0 ? lost / (received + lost) : 0),
      packetsReceived: received,
      packetsLost: lost,
      bytesReceived: inbound?.bytesReceived ?? 0,
      packetsSent: outbound?.packetsSent ?? 0,
    };
    stats.quality = quality(stats);
    this.#onStats(stats);
  }
}

// "good", "fair" or "poor" for a sample's round trip, jitter and loss.
export function quality({ rttMs, jitterMs, packetLoss }) {
  const rtt = rttMs ?? 0, jitter = jitterMs ?? 0;
  if (rtt < 250 && packetLoss < 0.02 && jitter < 30) return "good";
  if (rtt < 500 && packetLoss < 0.08 && jitter < 60) return "fair";
  return "poor";
}
