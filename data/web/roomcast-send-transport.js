// roomcast-send-transport.js: a seated client's send transport on a server
// with two transports (MEDIA_RECV_TRANSPORT=lite, docs/media.md#two-transports).
//
// One send-only RTCPeerConnection for the microphone: media:publish gives
// the server's receive-only offer, the client answers sendonly with the
// track; its signalling carries `transport: "send"`. RoomcastClient owns at
// most one at a time and closes it when the seat is left.

export class SendTransport {
  // request(event, payload) → the ack's fields (or a rejection with .code);
  // emit(event, payload) sends without an ack; onFailed(reason, cause) is
  // called once if the transport fails after open() (not after close()).
  constructor({ rtcConfiguration, request, emit, onFailed }) {
    this.#request = request;
    this.#emit = emit;
    this.#onFailed = onFailed;
    this.pc = new RTCPeerConnection(rtcConfiguration);
    this.pc.onicecandidate = (e) => {
      if (this.#closed) return;
      const c = e.candidate;
      this.#emit("media:ice", c && c.candidate
        ? { candidate: c.candidate, sdpMLineIndex: c.sdpMLineIndex, sdpMid: c.sdpMid, transport: "send" }
        : { candidate: null, sdpMLineIndex: c?.sdpMLineIndex ?? 0, transport: "send" });
    };
    this.pc.onconnectionstatechange = () => {
      if (!this.#closed && this.pc.connectionState === "failed") this.#fail("connection_failed");
    };
  }

  #request;
  #emit;
  #onFailed;
  #closed = false;
  #remoteSet = false;
  #pending = [];

  get connected() { return this.pc.connectionState === "connected"; }
  get sender() { return this.pc.getTransceivers()[0]?.sender ?? null; }

  // media:publish, then the answer with @track on the one transceiver.
  async open(track) {
    try {
      const ack = await this.#request("media:publish", {});
      if (this.#closed) return;
      await this.pc.setRemoteDescription({ type: "offer", sdp: ack.offer.sdp });
      if (this.#closed) return;
      this.#remoteSet = true;
      for (const c of this.#pending.splice(0)) await this.addCandidate(c);
      const t = this.pc.getTransceivers()[0];
      t.direction = "sendonly";
      if (track) await t.sender.replaceTrack(track);
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      if (this.#closed) return;
      await this.#request("media:answer", { type: "answer", sdp: this.pc.localDescription.sdp, transport: "send" });
    } catch (e) {
      this.#fail(e.code ?? "negotiation_failed", e);
    }
  }

  // A server candidate (media:ice with transport: "send"), held until the
  // offer is applied.
  async addCandidate(c) {
    if (this.#closed) return;
    if (!this.#remoteSet) { this.#pending.push(c); return; }
    try {
      if (c.candidate) await this.pc.addIceCandidate({ candidate: c.candidate, sdpMLineIndex: c.sdpMLineIndex ?? 0, sdpMid: c.sdpMid ?? undefined });
      else await this.pc.addIceCandidate();
    } catch {
      // Not fatal: ICE goes on with the others.
    }
  }

  // Idempotent; with tellServer, media:unpublish first.
  close(tellServer = false) {
    if (this.#closed) return;
    this.#closed = true;
    if (tellServer) this.#emit("media:unpublish", {});
    this.pc.onicecandidate = this.pc.onconnectionstatechange = null;
    this.pc.close();
  }

  #fail(reason, cause) {
    if (this.#closed) return;
    this.close(false);
    this.#onFailed?.(reason, cause);
  }
}
