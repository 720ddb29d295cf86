// roomcast-client.js: a browser client for roomcastd (docs/protocol.md).
//
//   import { RoomcastClient } from "./roomcast-client.js";
//   const client = new RoomcastClient();
//   client.on("seats", (seats) => render(seats));
//   await client.connect({ url: location.origin, token: "dev:1:Alice" });
//   await client.join(roomId);          // the join snapshot becomes client.room/seats/participants
//   await client.takeSeat();            // the microphone goes live (replaceTrack, no renegotiation)
//
// It wraps socket.io-client (served by roomcastd under /vendor, never a CDN)
// and follows the server's media mode (the media:connect ack, docs/media.md):
//  - one transport (publish: false): one RTCPeerConnection per room; the
//    server offers one sendrecv Opus transceiver, the client hears the room
//    on it and attaches its microphone with replaceTrack only while seated;
//  - two transports (publish: true): a receive-only RTCPeerConnection for
//    the room's audio, and, only while seated, a send-only one opened with
//    media:publish that carries the microphone (closed when the seat is
//    left). The receive transport never renegotiates.
// The receive transport is roomcast-recv-transport.js, the send one
// roomcast-send-transport.js, the "stats" figures roomcast-media-stats.js;
// this file keeps the connection, the room model, the media state and its
// retries, and the microphone.
//
// Every request returns a promise: the server's ack fields, or a rejection
// with a RoomcastError whose `code` is the server's error code (or one of
// the client's own: disconnected, timeout, connect_failed, mic_denied,
// media_failed, media_unsupported). Errors that belong to no request (media
// failure, a refused gift) arrive as the "error" event.
//
// Events (client.on(name, fn) returns an unsubscribe function; fn gets the
// payload): connection {state, reason?}, room {room, you} (null when out of a
// room), participants [participant], seats [seat], requests [request],
// speaking {userId, seat, speaking, level}, chat {type: "message", message} |
// {type: "deleted", messageId, by}, typing {userId, isTyping}, gift {…},
// invited {seat, by, byUser}, cinema {…}, closed {roomId, reason, by?}
// (reason "replaced": this user joined a room from another tab or device,
// which is in the room now; this client stays connected, in no room),
// media {state, reason?, stream?}, mic {live, muted}, stats {…}, error RoomcastError,
// node {url, nodeId} (the room runs on another node of a cluster: the client
// moved its connection there; docs/operations.md#several-nodes).
//
// Several nodes: a room:join answered room_elsewhere {url, nodeId} is
// followed transparently (connect to that node with the same token, join
// there). When that node stops answering, the client goes back to the URL
// given to connect() (a load balancer, or any node) and joins again, which
// leads it to the room's new node; a seat held for the grace period comes
// back with that join.
import { io } from "./vendor/socket.io.esm.min.js";
import { RecvTransport } from "./roomcast-recv-transport.js";
import { SendTransport } from "./roomcast-send-transport.js";
import { MediaStats } from "./roomcast-media-stats.js";

export class RoomcastError extends Error {
  constructor(code, message, extra = {}) {
    super(message || code);
    this.name = "RoomcastError";
    this.code = code;
    Object.assign(this, extra);
  }
}

const ACK_TIMEOUT_MS = 10000;
const STATS_INTERVAL_MS = 2000;
const MEDIA_RETRY_DELAYS_MS = [1000, 3000, 10000];
const SERVER_RECONNECT_DELAYS_MS = [1000, 2000, 5000, 10000];
const MAX_MESSAGES = 200;
// room_elsewhere redirects followed for one join (a room moving meanwhile).
const MAX_REDIRECTS = 3;
// Failures of a rejoin that a later try may not have (a dead node, Redis busy).
const REJOIN_RETRYABLE = new Set(["connect_failed", "timeout", "disconnected", "internal"]);

const MIC_CONSTRAINTS = { audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } };

// User ids may come as numbers; the server sends them back as strings.
const idOf = (v) => (v === null || v === undefined ? null : String(v));

// The speaking level as 0..1, whatever scale the server uses: 0..1 as is,
// dBov (negative) over a 60 dB range, RFC 6464 style 0..127 (-dBov).
export function normalizeLevel(level) {
  const n = Number(level);
  if (!Number.isFinite(n)) return 0;
  let v = n;
  if (n < 0) v = (n + 60) / 60;
  else if (n > 1) v = 1 - n / 60;
  return Math.min(1, Math.max(0, v));
}

export class RoomcastClient extends EventTarget {
  // rtcConfiguration: RTCPeerConnection settings (iceServers...); the
  // server may add its own ICE servers in the media:connect answer.
  // microphone: getUserMedia constraints for the seat microphone.
  constructor({ rtcConfiguration = {}, microphone = MIC_CONSTRAINTS, statsIntervalMs = STATS_INTERVAL_MS } = {}) {
    super();
    this.rtcConfiguration = rtcConfiguration;
    this.microphone = microphone;
    this.statsIntervalMs = statsIntervalMs;

    this.socket = null;
    this.user = null;              // whoami: {id, name, role, avatarUrl?}
    this.connectionState = "idle"; // idle | connecting | connected | reconnecting | disconnected
    this.roomId = null;            // the room we want to be in (rejoined after a blip)
    this.#clearRoom();

    this.media = { state: "idle", reason: null }; // idle | connecting | connected | failed | unsupported | closed
    this.remoteStream = null;
    this.stats = null;

    this.#localTrack = null;
  }

  // --- public state ------------------------------------------------------

  get connected() { return this.connectionState === "connected"; }
  get participantList() { return [...this.participants.values()]; }
  get seated() { return this.you?.seat !== null && this.you?.seat !== undefined; }
  // The seat object this user sits on, or null.
  get mySeat() { return this.seated ? this.seats[this.you.seat] ?? null : null; }
  get canModerate() { return !!this.you?.canModerate; }
  get canManage() { return !!this.you?.canManage; }
  get micLive() { return !!this.#localTrack && this.#localTrack.readyState === "live"; }
  get micMuted() { const s = this.mySeat; return !s || this.#localMute || !!s.micMuted || !!s.muted; }

  participant(userId) { return this.participants.get(idOf(userId)) ?? null; }
  // The receive transport's (or the only one's) RTCStatsReport, or null
  // without one.
  async getStats() { return this.#recv ? this.#recv.pc.getStats() : null; }
  // The send transport's, while publishing (two transports), else null.
  async getSendStats() { return this.#send ? this.#send.pc.getStats() : null; }
  // Whether the server runs two transports (known after media:connect).
  get twoTransports() { return this.#publishMode; }

  on(type, fn) {
    const listener = (e) => fn(e.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  // --- connection --------------------------------------------------------

  // Resolves with the signed-in user; rejects with RoomcastError
  // (unauthenticated, auth_unavailable, connect_failed).
  async connect({ url = globalThis.location?.origin, token } = {}) {
    if (!token) throw new RoomcastError("unauthenticated", "a token is required");
    this.disconnect();
    this.#everConnected = false;
    this.#token = token;
    this.#entryUrl = url;
    this.#nodeUrl = null;
    const socket = this.#open(url);
    this.#setConnection("connecting");
    await this.#opened(socket).catch((err) => {
      if (this.socket === socket) this.disconnect();
      this.#setConnection("disconnected", err.code);
      throw err;
    });
    const who = await this.request("whoami");
    this.user = who.user;
    return who.user;
  }

  // Closes everything; the client can connect() again.
  disconnect() {
    clearTimeout(this.#serverReconnectTimer);
    clearTimeout(this.#rejoinTimer);
    this.#stopMedia();
    this.#releaseMic();
    if (this.socket) {
      const s = this.socket;
      this.socket = null;
      s.removeAllListeners();
      s.io.removeAllListeners?.();
      s.disconnect();
    }
    const hadRoom = !!this.room;
    this.roomId = null;
    this.#clearRoom();
    if (hadRoom) this.#emitRoom();
    if (this.connectionState !== "idle") this.#setConnection("disconnected");
  }

  whoami() { return this.request("whoami"); }

  // emit with an ack; resolves with the ack ({ok: true, ...}) or rejects.
  async request(event, payload = {}) {
    const socket = this.socket;
    if (!socket || !socket.connected) throw new RoomcastError("disconnected", "not connected to the server", { event });
    let ack;
    try {
      ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
    } catch {
      throw new RoomcastError(socket.connected ? "timeout" : "disconnected", `${event}: no answer from the server`, { event });
    }
    if (!ack || typeof ack !== "object") throw new RoomcastError("internal", `${event}: malformed answer`, { event });
    if (ack.ok === false) {
      const e = ack.error ?? {};
      throw new RoomcastError(e.code ?? "internal", e.message ?? "",
                              { event, retryAfterMs: e.retryAfterMs, url: e.url, nodeId: e.nodeId });
    }
    return ack;
  }

  // --- room --------------------------------------------------------------

  async join(roomId) {
    if (this.roomId && this.roomId !== roomId) this.#stopMedia();
    let ack;
    for (let hops = 0; ; hops++) {
      try {
        ack = await this.request("room:join", { roomId });
        break;
      } catch (e) {
        if (e.code !== "room_elsewhere" || !e.url || hops >= MAX_REDIRECTS) throw e;
        await this.#moveTo(e.url, e.nodeId);
      }
    }
    this.roomId = roomId;
    this.#applySnapshot(ack);
    this.#mediaRetries = 0;
    this.#startMedia();
    return ack;
  }

  async leave() {
    const roomId = this.roomId;
    this.roomId = null;
    this.#stopMedia(true);
    this.#releaseMic();
    this.#clearRoom();
    this.#emitRoom();
    if (roomId && this.socket?.connected) {
      try { await this.request("room:leave"); } catch (e) { if (e.code !== "not_in_room") throw e; }
    }
  }

  // Any free seat when `seat` is undefined; resolves with the seat index.
  async takeSeat(seat) {
    const ack = await this.request("seat:take", seat === undefined || seat === null ? {} : { seat });
    return ack.seat;
  }
  leaveSeat() { return this.request("seat:leave"); }
  // Request mode: {seat: n|null, queued}.
  requestSeat(seat) { return this.request("seat:request", seat === undefined || seat === null ? {} : { seat }); }

  // Mutes this user's own microphone (the seat's micMuted); the track is
  // disabled at once, the server confirms with seat:updated.
  async setMuted(muted) {
    const before = this.#localMute;
    this.#localMute = !!muted;
    this.#applyTrackEnabled();
    try {
      await this.request("mic:mute", { muted: !!muted });
    } catch (e) {
      this.#localMute = before;
      this.#applyTrackEnabled();
      throw e;
    }
  }

  sendChat(text) { return this.request("chat:send", { text }); }
  deleteChat(messageId) { return this.request("chat:delete", { messageId }); }
  setTyping(isTyping) { return this.request("typing", { isTyping: !!isTyping }); }

  // {transactionId}; the room hears about it with gift:sent, a later
  // failure (insufficient_balance, ...) arrives as an "error" event.
  sendGift({ recipientId, giftId, quantity = 1 }) {
    return this.request("gift:send", { recipientId: idOf(recipientId), giftId, quantity });
  }

  // Host and moderator actions.
  lockSeat(seat, locked = true) { return this.request("seat:lock", { seat, locked }); }
  muteSeat(seat, muted = true) { return this.request("seat:mute", { seat, muted }); }
  kickSeat(seat) { return this.request("seat:kick", { seat }); }
  setSeatMode(seatMode) { return this.request("room:update", { seatMode }); }
  setTitle(title) { return this.request("room:update", { title }); }
  setModerator(userId, moderator = true) { return this.request("room:moderator", { userId: idOf(userId), moderator }); }
  inviteToSeat(userId, seat) { return this.request("seat:invite", seat === undefined ? { userId: idOf(userId) } : { userId: idOf(userId), seat }); }
  approveSeat(userId, seat) { return this.request("seat:approve", seat === undefined ? { userId: idOf(userId) } : { userId: idOf(userId), seat }); }
  kickUser(userId) { return this.request("user:kick", { userId: idOf(userId) }); }
  banUser(userId) { return this.request("user:ban", { userId: idOf(userId) }); }
  unbanUser(userId) { return this.request("user:unban", { userId: idOf(userId) }); }
  closeRoom() { return this.request("room:close", {}); }

  // --- internals: socket -------------------------------------------------

  #recv = null;           // the RecvTransport, while in a room with media
  #publishMode = false;   // the media:connect ack said publish: true
  #send = null;           // the SendTransport, while publishing
  #publishRetries = 0;
  #localTrack;
  #micPromise = null;
  #micSeq = 0;
  #localMute = false;
  #mediaRetries = 0;
  #mediaRetryTimer = null;
  #mediaStats = new MediaStats({
    peer: () => this.#recv?.pc ?? null,
    onStats: (stats) => { this.stats = stats; this.#emit("stats", stats); },
  });
  #everConnected = false;
  #serverReconnects = 0;
  #serverReconnectTimer = null;
  #token = null;
  #entryUrl = null; // what connect() was given
  #nodeUrl = null;  // the node a room_elsewhere sent us to, or null
  #moving = false;
  #rejoinAttempts = 0;
  #rejoinTimer = null;
  #rejoining = false;

  // A socket.io connection to @url with our token, bound to this client.
  #open(url) {
    const socket = io(url, {
      transports: ["websocket"],
      auth: { token: this.#token },
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      timeout: 10000,
    });
    this.socket = socket;
    this.#bindSocket(socket);
    return socket;
  }

  // Resolves when @socket connects; rejects with its connect error.
  #opened(socket) {
    return new Promise((resolve, reject) => {
      const done = (err) => { socket.off("connect", ok); socket.off("connect_error", fail); err ? reject(err) : resolve(); };
      const ok = () => done();
      const fail = (err) => done(connectError(err));
      socket.once("connect", ok);
      socket.once("connect_error", fail);
    });
  }

  // Drop the current connection for one to @url (the room's node, or the
  // entry URL again), with the same token.
  #replaceSocket(url) {
    this.#stopMedia();
    const old = this.socket;
    if (old) {
      old.removeAllListeners();
      old.io.removeAllListeners?.();
      old.disconnect();
    }
    this.#nodeUrl = url === this.#entryUrl ? null : url;
    return this.#open(url);
  }

  // room_elsewhere: connect to the room's node, then the caller joins again.
  async #moveTo(url, nodeId) {
    this.#moving = true;
    try {
      const socket = this.#replaceSocket(url);
      this.#setConnection("connecting", "room_elsewhere");
      await this.#opened(socket);
    } catch (e) {
      this.#setConnection("reconnecting", e.code);
      throw e;
    } finally {
      this.#moving = false;
    }
    this.#emit("node", { url, nodeId: nodeId ?? null });
  }

  #bindSocket(socket) {
    socket.on("connect", () => this.#onConnect());
    socket.on("disconnect", (reason) => this.#onDisconnect(reason));
    socket.on("connect_error", (err) => {
      if (!this.#everConnected) return; // connect() reports the first one
      const e = connectError(err);
      if (e.code === "connect_failed" && this.#nodeUrl && !this.#moving) {
        // The room's node is gone: back to the entry URL, whose answer to
        // our join leads to the room's new node.
        this.#replaceSocket(this.#entryUrl);
        this.#setConnection("reconnecting", e.code);
        return;
      }
      if (e.code === "connect_failed") { this.#setConnection("reconnecting", e.code); return; }
      // A refusal (revoked token...): socket.io does not retry it.
      this.roomId = null;
      this.#clearRoom();
      this.#emitRoom();
      this.#setConnection("disconnected", e.code);
      this.#emitError(e);
    });
    socket.io.on("reconnect_attempt", () => this.#setConnection("reconnecting"));

    // Another connection of this user joined a room: it has our room (and
    // seat) now. We stay connected, out of the room, and do not rejoin.
    socket.on("replaced", ({ roomId } = {}) => this.#leftRoom({ roomId: roomId ?? this.roomId, reason: "replaced" }));

    socket.on("participant:joined", (p) => { this.#upsertParticipant(p); this.#emit("participants", this.participantList); });
    socket.on("participant:updated", (p) => { this.#upsertParticipant(p); this.#emit("participants", this.participantList); });
    socket.on("participant:away", ({ userId, seat, holdUntil } = {}) => {
      const p = this.participant(userId);
      if (!p) return;
      p.connected = false;
      p.holdUntil = holdUntil;
      if (seat !== undefined) p.seat = seat;
      this.#emit("participants", this.participantList);
    });
    socket.on("participant:left", ({ userId } = {}) => {
      const id = idOf(userId);
      if (!this.participants.delete(id)) return;
      this.#setSpeaking({ userId: id, speaking: false, level: 0 });
      this.requests.delete(id);
      this.#emit("participants", this.participantList);
    });
    socket.on("seat:updated", (seat) => this.#onSeat(seat));
    socket.on("seat:requested", (r) => { this.requests.set(idOf(r.userId), { ...r, userId: idOf(r.userId) }); this.#emit("requests", [...this.requests.values()]); });
    socket.on("seat:request_cancelled", ({ userId } = {}) => { if (this.requests.delete(idOf(userId))) this.#emit("requests", [...this.requests.values()]); });
    socket.on("seat:invited", (inv) => this.#emit("invited", inv));
    socket.on("room:updated", (room) => { this.room = room; this.#emitRoom(); });
    socket.on("room:closed", ({ roomId, reason } = {}) => this.#leftRoom({ roomId, reason }));
    socket.on("kicked", ({ roomId, by, banned } = {}) => this.#leftRoom({ roomId, reason: banned ? "banned" : "kicked", by }));
    socket.on("chat:message", (m) => {
      this.messages.push(m);
      if (this.messages.length > MAX_MESSAGES) this.messages.shift();
      this.#emit("chat", { type: "message", message: m });
    });
    socket.on("chat:deleted", ({ messageId, by } = {}) => {
      this.messages = this.messages.filter((m) => m.id !== messageId);
      this.#emit("chat", { type: "deleted", messageId, by });
    });
    socket.on("typing", (t) => this.#emit("typing", { ...t, userId: idOf(t?.userId) }));
    socket.on("cinema:state", (c) => { this.cinema = c; this.#emit("cinema", c); });
    socket.on("speaking", (s) => this.#setSpeaking(s));
    socket.on("gift:sent", (g) => this.#emit("gift", this.#normalizeGift(g)));
    socket.on("gift:failed", ({ transactionId, error } = {}) => {
      const code = typeof error === "string" ? error : error?.code ?? "internal";
      const message = typeof error === "object" && error ? error.message ?? "" : "";
      this.#emitError(new RoomcastError(code, message, { event: "gift:send", transactionId }));
    });

    socket.on("media:offer", (offer) => { if (offer?.transport !== "send") this.#recv?.offer(offer); });
    socket.on("media:ice", (c) => (c?.transport === "send" ? this.#send?.addCandidate(c) : this.#recv?.addCandidate(c)));
    socket.on("media:failed", ({ reason, transport } = {}) => {
      if (transport === "send") this.#publishFailed(reason ?? "failed");
      else this.#mediaFailed(reason ?? "failed");
    });
    // The server closed the send transport (the seat was left).
    socket.on("media:unpublished", () => this.#stopPublish(false));
  }

  #onConnect() {
    const reconnect = this.#everConnected;
    this.#everConnected = true;
    this.#serverReconnects = 0;
    this.#setConnection("connected");
    if (reconnect && this.roomId && !this.#moving) this.#rejoin();
  }

  // After a blip: join the same room again (a held seat comes back within
  // the grace period) and renegotiate media from scratch, since the
  // server dropped the old peer with the old connection. While the room's
  // node is dead and its claim not yet expired (a few seconds), the join is
  // sent to that node and fails to connect: the connection goes back to the
  // entry URL and this runs again; other transient failures are retried
  // with backoff.
  async #rejoin() {
    const roomId = this.roomId;
    if (this.#rejoining) return; // the one in flight will do
    clearTimeout(this.#rejoinTimer);
    this.#rejoining = true;
    try {
      await this.join(roomId);
      this.#rejoinAttempts = 0;
    } catch (e) {
      if (this.roomId !== roomId) return;
      if (REJOIN_RETRYABLE.has(e.code) && this.#rejoinAttempts < SERVER_RECONNECT_DELAYS_MS.length * 3) {
        const delay = SERVER_RECONNECT_DELAYS_MS[Math.min(this.#rejoinAttempts++, SERVER_RECONNECT_DELAYS_MS.length - 1)];
        this.#rejoinTimer = setTimeout(() => { if (this.socket?.connected && this.roomId === roomId) this.#rejoin(); }, delay);
        return;
      }
      this.#rejoinAttempts = 0;
      this.roomId = null;
      this.#clearRoom();
      this.#emitRoom();
      this.#emit("closed", { roomId, reason: e.code });
      this.#emitError(e);
    } finally {
      this.#rejoining = false;
    }
  }

  #onDisconnect(reason) {
    this.#stopMedia();
    if (reason === "io client disconnect") return;
    this.#setConnection("reconnecting", reason);
    if (reason === "io server disconnect") {
      // Shutdown or a revoked token: socket.io does not reconnect by itself.
      // Try again with backoff; a refusal ends it (connect_error above).
      const delay = SERVER_RECONNECT_DELAYS_MS[Math.min(this.#serverReconnects++, SERVER_RECONNECT_DELAYS_MS.length - 1)];
      clearTimeout(this.#serverReconnectTimer);
      this.#serverReconnectTimer = setTimeout(() => this.socket?.connect(), delay);
    }
  }

  #setConnection(state, reason = null) {
    if (this.connectionState === state && !reason) return;
    this.connectionState = state;
    this.#emit("connection", { state, reason });
  }

  // --- internals: room model ----------------------------------------------

  #clearRoom() {
    this.room = null;
    this.you = null;
    this.seats = [];
    this.participants = new Map();
    this.requests = new Map();
    this.speaking = new Map();
    this.messages = [];
    this.cinema = null;
  }

  #applySnapshot(ack) {
    this.room = ack.room;
    this.you = { ...ack.you, userId: idOf(ack.you?.userId) };
    this.seats = (ack.seats ?? []).map((s) => ({ ...s, userId: idOf(s.userId) }));
    this.participants = new Map();
    for (const p of ack.participants ?? []) this.#upsertParticipant(p);
    this.requests = new Map((ack.requests ?? []).map((r) => [idOf(r.userId), { ...r, userId: idOf(r.userId) }]));
    this.speaking = new Map();
    this.messages = [];
    this.cinema = ack.cinema ?? null;
    this.#localMute = false;
    this.#emitRoom();
    this.#emit("seats", this.seats);
    this.#emit("participants", this.participantList);
    this.#emit("requests", [...this.requests.values()]);
    this.#syncMic();
  }

  #upsertParticipant(p) {
    if (!p) return;
    const userId = idOf(p.userId);
    const next = { ...p, userId };
    if (next.connected === undefined) next.connected = true;
    this.participants.set(userId, next);
    if (this.you && userId === this.you.userId) {
      // Our own role changed (made moderator...): the powers follow it.
      const auth = next.user?.role;
      this.you.role = next.role;
      this.you.canModerate = next.role === "host" || next.role === "moderator" || auth === "moderator" || auth === "admin";
      this.you.canManage = next.role === "host" || auth === "admin";
      this.#emitRoom();
    }
  }

  #onSeat(raw) {
    if (!raw || !Number.isInteger(raw.index)) return;
    const seat = { ...raw, userId: idOf(raw.userId) };
    const prev = this.seats[seat.index];
    this.seats[seat.index] = seat;
    for (const p of this.participants.values()) {
      if (p.seat === seat.index && p.userId !== seat.userId) p.seat = null;
    }
    if (seat.userId) {
      const p = this.participants.get(seat.userId);
      if (p) p.seat = seat.index;
    }
    if (prev?.userId && prev.userId !== seat.userId) this.#setSpeaking({ userId: prev.userId, seat: seat.index, speaking: false, level: 0 });
    let youChanged = false;
    if (this.you) {
      if (seat.userId === this.you.userId && this.you.seat !== seat.index) { this.you.seat = seat.index; youChanged = true; }
      else if (seat.userId !== this.you.userId && this.you.seat === seat.index) { this.you.seat = null; youChanged = true; }
      if (youChanged && this.you.seat === null) this.#localMute = false;
    }
    this.#emit("seats", this.seats);
    this.#emit("participants", this.participantList);
    if (youChanged) this.#emitRoom();
    this.#syncMic();
  }

  #setSpeaking(s) {
    if (!s) return;
    const userId = idOf(s.userId);
    if (!userId) return;
    const entry = { userId, seat: s.seat ?? this.participant(userId)?.seat ?? null, speaking: !!s.speaking, level: normalizeLevel(s.level ?? (s.speaking ? 1 : 0)) };
    const before = this.speaking.get(userId);
    if (!entry.speaking && !before?.speaking) return;
    if (entry.speaking) this.speaking.set(userId, entry);
    else this.speaking.delete(userId);
    this.#emit("speaking", entry);
  }

  #leftRoom({ roomId, reason, by }) {
    this.roomId = null;
    this.#stopMedia();
    this.#releaseMic();
    this.#clearRoom();
    this.#emitRoom();
    this.#emit("closed", { roomId, reason, by });
  }

  #normalizeGift(g = {}) {
    // `from`/`to` are user ids (docs/protocol.md); a user object is accepted too.
    const person = (ref, id) => {
      const obj = ref !== null && typeof ref === "object" ? ref : null;
      const uid = idOf(obj ? obj.id : (ref ?? id));
      const name = obj?.name ?? this.participant(uid)?.user?.name ?? (uid ? `user ${uid}` : "someone");
      return { id: uid, name };
    };
    return {
      ...g,
      transactionId: g.transactionId ?? g.id ?? null,
      giftId: g.giftId ?? g.gift?.id ?? null,
      quantity: Number(g.quantity ?? 1),
      sender: person(g.sender ?? g.from, g.senderId ?? g.fromId),
      recipient: person(g.recipient ?? g.to, g.recipientId ?? g.toId),
    };
  }

  #emitRoom() { this.#emit("room", this.room ? { room: this.room, you: this.you } : null); }
  #emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
  #emitError(err) { this.#emit("error", err); }

  // --- internals: media --------------------------------------------------

  #setMedia(state, reason = null) {
    this.media = { state, reason };
    this.#emit("media", { state, reason, stream: this.remoteStream });
  }

  // The room's audio (roomcast-recv-transport.js).
  async #startMedia() {
    this.#stopMedia();
    if (typeof RTCPeerConnection === "undefined") { this.#setMedia("unsupported", "this browser has no WebRTC"); return; }
    const recv = new RecvTransport({
      rtcConfiguration: this.rtcConfiguration,
      request: (event, payload) => this.request(event, payload),
      emit: (event, payload) => { if (this.socket?.connected) this.socket.emit(event, payload); },
      onTransports: (two) => { this.#publishMode = two; },
      onTrack: (stream) => {
        this.remoteStream = stream;
        this.#emit("media", { ...this.media, stream: this.remoteStream });
      },
      onState: (s) => {
        if (s === "connected") {
          this.#mediaRetries = 0;
          this.#setMedia("connected");
          this.#mediaStats.start(this.statsIntervalMs);
        } else if (s === "disconnected" && this.media.state === "connected") {
          this.#setMedia("connecting", "network");
        }
      },
      onAnswered: () => this.#syncMic(),
      onUnsupported: () => {
        this.#stopMedia();
        this.#setMedia("unsupported", "this server has no room audio yet");
      },
      onFailed: (reason, cause) => { if (this.#recv === recv) this.#mediaFailed(reason, cause); },
    });
    this.#recv = recv;
    this.#setMedia("connecting");
    await recv.open();
  }

  #mediaFailed(reason, cause) {
    this.#stopMedia();
    this.#setMedia("failed", reason);
    this.#emitError(new RoomcastError("media_failed", cause?.message || reason, { reason }));
    if (!this.roomId || this.#mediaRetries >= MEDIA_RETRY_DELAYS_MS.length) return;
    const delay = MEDIA_RETRY_DELAYS_MS[this.#mediaRetries++];
    this.#mediaRetryTimer = setTimeout(() => { if (this.roomId && this.socket?.connected) this.#startMedia(); }, delay);
  }

  // Closes the peer; the microphone track is kept (a rejoin reattaches it).
  #stopMedia(tellServer = false) {
    clearTimeout(this.#mediaRetryTimer);
    this.#mediaStats.stop();
    const recv = this.#recv;
    this.#recv = null;
    recv?.close(tellServer && !!this.socket?.connected);
    this.#stopPublish(false); // media:disconnect (or a new media:connect) closed it too
    this.remoteStream = null;
    if (this.media.state !== "idle" && this.media.state !== "unsupported") this.#setMedia("closed");
  }

  // --- internals: microphone ----------------------------------------------

  // Seated with a negotiated transceiver: microphone on the sender.
  // Otherwise: nothing on the sender, and the device released when unseated.
  async #syncMic() {
    const seq = ++this.#micSeq;
    const sender = this.#recv?.transceiver?.sender ?? null;
    if (!this.seated) { this.#stopPublish(true); this.#releaseMic(); return; }
    if (!sender && !(this.#publishMode && this.#recv)) { this.#applyTrackEnabled(); return; }
    if (!this.#localTrack || this.#localTrack.readyState !== "live") {
      try {
        this.#micPromise ??= navigator.mediaDevices.getUserMedia(this.microphone);
        const stream = await this.#micPromise;
        this.#micPromise = null;
        const track = stream.getAudioTracks()[0];
        if (seq !== this.#micSeq || !this.seated) {
          if (track !== this.#localTrack) track?.stop();
          if (!this.seated) this.#releaseMic();
          return;
        }
        this.#localTrack?.stop();
        this.#localTrack = track;
      } catch (e) {
        this.#micPromise = null;
        if (seq !== this.#micSeq) return;
        this.#emitError(new RoomcastError("mic_denied", e?.message ?? "microphone unavailable"));
        this.#emit("mic", { live: false, muted: true });
        return;
      }
    }
    this.#applyTrackEnabled();
    const current = this.#recv?.transceiver?.sender ?? this.#send?.sender;
    if (current && current.track !== this.#localTrack) {
      try { await current.replaceTrack(this.#localTrack); } catch (e) { this.#emitError(new RoomcastError("media_failed", e.message)); }
    }
    if (this.#publishMode && this.#recv && !this.#send) this.#startPublish();
    this.#emit("mic", { live: this.micLive, muted: this.micMuted });
  }

  // --- internals: the send transport (two transports) ---------------------

  // The microphone's own transport (roomcast-send-transport.js).
  #startPublish() {
    const send = new SendTransport({
      rtcConfiguration: this.rtcConfiguration,
      request: (event, payload) => this.request(event, payload),
      emit: (event, payload) => { if (this.socket?.connected) this.socket.emit(event, payload); },
      onFailed: (reason, cause) => { if (this.#send === send) this.#publishFailed(reason, cause); },
    });
    this.#send = send;
    send.pc.addEventListener("connectionstatechange", () => { if (send.connected) this.#publishRetries = 0; });
    send.open(this.#localTrack);
  }

  // Closes the send transport; with tellServer, media:unpublish first.
  #stopPublish(tellServer) {
    const send = this.#send;
    this.#send = null;
    send?.close(tellServer && !!this.socket?.connected);
  }

  #publishFailed(reason, cause) {
    this.#stopPublish(false);
    if (reason === "not_seated") return;
    this.#emitError(new RoomcastError("media_failed", cause?.message || reason, { reason, transport: "send" }));
    // A transport failure (not a refused request): again while still
    // seated, a few times (a new send transport).
    if (cause || this.#publishRetries >= MEDIA_RETRY_DELAYS_MS.length) return;
    const delay = MEDIA_RETRY_DELAYS_MS[this.#publishRetries++];
    setTimeout(() => { if (this.seated && this.#publishMode && this.#recv && !this.#send) this.#syncMic(); }, delay);
  }

  #applyTrackEnabled() {
    const seat = this.mySeat;
    const muted = this.#localMute || !seat || !!seat.micMuted || !!seat.muted;
    if (this.#localTrack) this.#localTrack.enabled = !muted;
    this.#emit("mic", { live: this.micLive, muted });
  }

  #releaseMic() {
    this.#micSeq++;
    const sender = this.#recv?.transceiver?.sender;
    if (sender?.track) sender.replaceTrack(null).catch(() => {});
    if (this.#localTrack) {
      this.#localTrack.stop();
      this.#localTrack = null;
      this.#emit("mic", { live: false, muted: true });
    }
  }
}

// socket.io's connect_error: a server refusal carries the reason in
// `message` ("unauthenticated", "auth_unavailable"); anything else means the
// server could not be reached.
function connectError(err) {
  const m = err?.message ?? "";
  if (m === "unauthenticated" || m === "auth_unavailable") return new RoomcastError(m, err.data?.message ?? m);
  return new RoomcastError("connect_failed", m || "cannot reach the server");
}
