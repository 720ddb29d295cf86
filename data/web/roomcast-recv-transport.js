// roomcast-recv-transport.js: a client's receive transport, the
// RTCPeerConnection opened with media:connect (docs/media.md).
//
// The server offers; the client answers. One transport (the ack's
// publish: false): the one audio transceiver is sendrecv, and RoomcastClient
// attaches its microphone to `transceiver.sender` while seated. Two
// transports (publish: true): this peer only receives; the microphone goes
// on a SendTransport (roomcast-send-transport.js). Its signalling carries no
// `transport` field. RoomcastClient owns at most one at a time, keeps the
// media state and retries, and opens a new one after a failure.

export class RecvTransport {
  // request(event, payload) → the ack's fields (or a rejection with .code);
  // emit(event, payload) sends without an ack. Called until close():
  // onTransports(two) once the media:connect ack says which mode the server
  // runs; onTrack(stream) with the room's audio; onState(connectionState)
  // on every change but "failed"; onAnswered() after each media:answer;
  // onUnsupported() if the server has no media:connect; onFailed(reason,
  // cause) once if the transport fails (a refused request, a negotiation
  // error, the connection failing).
  constructor({ rtcConfiguration, request, emit, onTransports, onTrack, onState, onAnswered, onUnsupported, onFailed }) {
    this.#rtcConfiguration = rtcConfiguration;
    this.#request = request;
    this.#emit = emit;
    this.#onTransports = onTransports;
    this.#onAnswered = onAnswered;
    this.#onUnsupported = onUnsupported;
    this.#onFailed = onFailed;
    this.pc = new RTCPeerConnection(rtcConfiguration);
    this.pc.ontrack = (e) => {
      if (this.#closed) return;
      onTrack(e.streams[0] ?? new MediaStream([e.track]));
    };
    this.pc.onicecandidate = (e) => {
      if (this.#closed) return;
      const c = e.candidate;
      // An empty candidate string is Chrome's end-of-candidates marker.
      this.#emit("media:ice", c && c.candidate
        ? { candidate: c.candidate, sdpMLineIndex: c.sdpMLineIndex, sdpMid: c.sdpMid }
        : { candidate: null, sdpMLineIndex: c?.sdpMLineIndex ?? 0 });
    };
    this.pc.onconnectionstatechange = () => {
      if (this.#closed) return;
      const s = this.pc.connectionState;
      if (s === "failed") this.#fail("connection_failed");
      else onState(s);
    };
  }

  #rtcConfiguration;
  #request;
  #emit;
  #onTransports;
  #onAnswered;
  #onUnsupported;
  #onFailed;
  #closed = false;
  #twoTransports = false;
  #transceiver = null;
  #remoteSet = false;
  #pending = [];
  #offerWaiter = null;

  // One transport: the negotiated audio transceiver (the microphone's
  // sender); null before the answer and with two transports.
  get transceiver() { return this.#transceiver; }

  // media:connect, then the answer to the server's offer (in the ack, or a
  // media:offer event after it).
  async open() {
    let ack;
    try {
      ack = await this.#request("media:connect", {});
    } catch (e) {
      if (this.#closed) return;
      if (e.code === "unknown_event") { this.#onUnsupported(); return; }
      this.#fail(e.code, e);
      return;
    }
    if (this.#closed) return;
    this.#twoTransports = ack.publish === true;
    this.#onTransports(this.#twoTransports);
    if (Array.isArray(ack.iceServers) && ack.iceServers.length) {
      try { this.pc.setConfiguration({ ...this.#rtcConfiguration, iceServers: ack.iceServers }); } catch { /* keep ours */ }
    }
    let offer = ack.offer;
    if (!offer) {
      // The server may send the offer as a media:offer event instead.
      offer = await new Promise((resolve) => { this.#offerWaiter = resolve; });
      if (this.#closed) return;
    }
    await this.#answer(offer);
  }

  // A media:offer (without transport: "send"): the one open() waits for,
  // or the server renegotiating, answered on the same peer.
  async offer(offer) {
    const w = this.#offerWaiter;
    if (w) { this.#offerWaiter = null; w(offer); return; }
    if (!this.#closed && this.pc.signalingState === "stable") await this.#answer(offer);
  }

  // A server candidate (media:ice without transport: "send"), held until
  // the offer is applied.
  async addCandidate(c) {
    if (this.#closed || !c) return;
    if (!this.#remoteSet) { this.#pending.push(c); return; }
    await this.#addCandidate(c);
  }

  // Idempotent; with tellServer, media:disconnect first.
  close(tellServer = false) {
    if (this.#closed) return;
    this.#closed = true;
    this.#offerWaiter?.(null);
    this.#offerWaiter = null;
    if (tellServer) this.#emit("media:disconnect", {});
    this.pc.ontrack = this.pc.onicecandidate = this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.#transceiver = null;
    this.#pending = [];
    this.#remoteSet = false;
  }

  async #answer(offer) {
    const pc = this.pc;
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
      if (this.#closed) return;
      this.#remoteSet = true;
      for (const c of this.#pending.splice(0)) await this.#addCandidate(c);
      // One transport: one audio transceiver, offered sendrecv; transceivers
      // created by an offer start as recvonly, so say we will send (silence
      // until a microphone is attached with replaceTrack). Two transports:
      // this one only receives; the microphone goes on the send transport.
      const t = pc.getTransceivers().find((x) => x.receiver.track?.kind === "audio") ?? null;
      if (!this.#twoTransports) {
        if (t && t.direction !== "stopped") t.direction = "sendrecv";
        this.#transceiver = t;
      }
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      if (this.#closed) return;
      await this.#request("media:answer", { type: "answer", sdp: pc.localDescription.sdp });
      this.#onAnswered();
    } catch (e) {
      this.#fail(e.code ?? "negotiation_failed", e);
    }
  }

  async #addCandidate(c) {
    try {
      if (c.candidate) await this.pc.addIceCandidate({ candidate: c.candidate, sdpMLineIndex: c.sdpMLineIndex ?? 0, sdpMid: c.sdpMid ?? undefined });
      else await this.pc.addIceCandidate();
    } catch {
      // A candidate the browser cannot use (or end-of-candidates on a
      // browser that does not take it) is not fatal: ICE goes on.
    }
  }

  #fail(reason, cause) {
    if (this.#closed) return;
    this.close(false);
    this.#onFailed(reason, cause);
  }
}
