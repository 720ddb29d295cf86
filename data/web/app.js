// The roomcast demo page: sign in with a token, join a room, sit, talk,
// chat, send gifts, moderate. All state comes from RoomcastClient; this
// file only renders it. User-provided text only ever reaches the page
// through text nodes (h() below), never as markup.
import { RoomcastClient } from "./roomcast-client.js";

const client = new RoomcastClient();
// For the browser tests and the curious: the live client and its model.
window.roomcastApp = { client };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN_KEY = "roomcast.token";

export const GIFTS = [
  { id: "rose", name: "Rose", icon: "rose" },
  { id: "heart", name: "Heart", icon: "heart" },
  { id: "star", name: "Star", icon: "star" },
  { id: "crown", name: "Crown", icon: "crown" },
];

// One sentence per error code (docs/protocol.md, the gift codes of the
// Laravel contract, and the client's own codes).
const ERROR_TEXT = {
  unauthenticated: "The server refused this token. Check it and sign in again.",
  auth_unavailable: "Sign-in is unavailable right now (the backend did not answer). Try again in a moment.",
  forbidden: "Your role in this room does not allow that.",
  invalid_payload: "The server refused the request",
  not_in_room: "Join a room first.",
  room_full: "This room is full.",
  server_full: "This server cannot open another room right now. Try again later.",
  room_closed: "This room has just been closed. Only its host can reopen it.",
  seat_taken: "That seat is taken (or no seat is free).",
  seat_locked: "This seat is locked by the host.",
  invalid_seat: "There is no such seat.",
  not_seated: "Take a seat first.",
  already_seated: "Already on that seat.",
  rate_limited: "You are sending too fast.",
  banned: "You are banned from this room.",
  not_found: "That person or message is no longer here.",
  unknown_event: "This server does not support that yet.",
  internal: "Something went wrong on the server. Try again.",
  invalid_state: "Audio negotiation got out of step. Reconnecting the audio…",
  // gifts (the Laravel contract's codes)
  insufficient_balance: "Not enough coins for this gift.",
  invalid_gift: "This gift does not exist.",
  invalid_recipient: "That person cannot receive gifts.",
  processing_error: "The gift could not be processed. You were not charged.",
  // the client's own
  disconnected: "Not connected to the server. Reconnecting…",
  timeout: "The server did not answer in time. Try again.",
  connect_failed: "Cannot reach the server. Is roomcastd running?",
  replaced: "You joined from another tab or device, which is in the room now. Join again here to come back.",
  mic_denied: "The microphone is not available (permission denied, or no device). Others cannot hear you.",
  media_failed: "The audio connection failed. Retrying…",
};

const CLOSE_TEXT = {
  closed_by_host: "The host closed the room.",
  closed_by_admin: "An admin closed the room.",
  empty: "The room closed because everyone left.",
  server_shutdown: "The server is restarting. Join again in a moment.",
  kicked: "You were removed from the room.",
  banned: "You were removed from the room and banned from it.",
};

export function describeError(err) {
  const code = err?.code ?? "internal";
  let text = ERROR_TEXT[code];
  if (code === "rate_limited" && err.retryAfterMs) text += ` Try again in ${Math.ceil(err.retryAfterMs / 1000)} s.`;
  else if (code === "invalid_payload" && err.message) text += `: ${err.message}`;
  else if (code === "unknown_event" && err.event === "gift:send") text = "Gifts are not available on this server yet.";
  else if (code === "media_failed" && err.reason) text = `The audio connection failed (${err.reason}). Retrying…`;
  return text ?? (err?.message ? `${err.message} (${code})` : `Error: ${code}`);
}

// --- DOM helpers ----------------------------------------------------------

const $ = (id) => document.getElementById(id);

// h("li", {className, dataset, ...attributes}, ...children): strings become text nodes.
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "className") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "onclick") el.addEventListener("click", v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";
function icon(name, className = "") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("aria-hidden", "true");
  if (className) svg.setAttribute("class", className);
  const use = document.createElementNS(SVG_NS, "use");
  use.setAttribute("href", `#i-${name}`);
  svg.append(use);
  return svg;
}

function setIcon(button, name) {
  button.querySelector("use")?.setAttribute("href", `#i-${name}`);
}

function nameOf(userId) {
  const p = client.participant(userId);
  return p?.user?.name || (userId ? `User ${userId}` : "someone");
}

function initials(name) {
  const words = String(name).trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : (words[0] ?? "?").slice(0, 2);
  return letters.toUpperCase();
}

// A stable hue per user for the avatar (golden-angle steps keep
// neighbouring ids apart).
function hueOf(userId) {
  let x = 0;
  for (const ch of String(userId)) x = (x * 31 + ch.codePointAt(0)) >>> 0;
  return Math.round((x * 137.508) % 360);
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// --- toasts -----------------------------------------------------------------

function toast(text, { kind = "info", code, action, ms = kind === "error" ? 8000 : 4000 } = {}) {
  const box = $("toasts");
  const el = h("div", { className: `toast ${kind}`, role: kind === "error" ? "alert" : "status", dataset: code ? { code } : undefined }, h("span", {}, text));
  if (action) el.append(h("button", { type: "button", className: "ghost small", onclick: () => { el.remove(); action.run(); } }, action.label));
  el.append(h("button", { type: "button", className: "toast-close", "aria-label": "Dismiss", onclick: () => el.remove() }, "×"));
  box.append(el);
  while (box.children.length > 4) box.firstChild.remove();
  setTimeout(() => el.remove(), ms);
  return el;
}

function showError(err) {
  console.debug("roomcast error", err?.code, err?.message);
  toast(describeError(err), { kind: "error", code: err?.code ?? "internal" });
}

// Run a client call; errors become toasts. Resolves with the result or undefined.
async function act(fn, okText) {
  try {
    const result = await fn();
    if (okText) toast(okText);
    return result;
  } catch (err) {
    showError(err);
    return undefined;
  }
}

// --- sign in / join -------------------------------------------------------

let signedInToken = null;

function initSignin() {
  const params = new URLSearchParams(location.search);
  const room = params.get("room");
  $("room-id").value = room && UUID_RE.test(room) ? room : uuid();
  $("token").value = params.get("token") ?? sessionStorage.getItem(TOKEN_KEY) ?? "";
  for (const chip of document.querySelectorAll(".chip[data-token]")) {
    chip.addEventListener("click", () => { $("token").value = chip.dataset.token; $("token").focus(); });
  }
  $("new-room").addEventListener("click", () => { $("room-id").value = uuid(); });
  $("signin-form").addEventListener("submit", (e) => { e.preventDefault(); signIn(); });
}

function signinMessage(text, kind = "error") {
  const p = $("signin-error");
  p.hidden = !text;
  p.textContent = text ?? "";
  p.dataset.kind = kind;
}

async function signIn() {
  const token = $("token").value.trim();
  const roomId = $("room-id").value.trim().toLowerCase();
  if (!token) { signinMessage("Enter a token (for a --dev server: dev:<id>:<name>)."); return; }
  if (!UUID_RE.test(roomId)) { signinMessage("The room id must be a UUID, e.g. 550e8400-e29b-41d4-a716-446655440000."); return; }
  signinMessage(null);
  const button = $("join-btn");
  button.disabled = true;
  button.textContent = "Joining…";
  try {
    if (!client.connected || signedInToken !== token) {
      await client.connect({ token });
      signedInToken = token;
      sessionStorage.setItem(TOKEN_KEY, token);
    }
    await client.join(roomId);
    const url = new URL(location.href);
    url.searchParams.set("room", roomId);
    url.searchParams.delete("token");
    history.replaceState(null, "", url);
    // The join click is the user gesture that lets the room audio play.
    $("room-audio").play().catch(() => {});
  } catch (err) {
    signinMessage(describeError(err));
    showError(err);
  } finally {
    button.disabled = false;
    button.textContent = "Join room";
  }
}

// --- connection indicator -------------------------------------------------

const CONNECTION_TEXT = {
  idle: "Offline", connecting: "Connecting…", connected: "Online",
  reconnecting: "Reconnecting…", disconnected: "Offline",
};
const MEDIA_TEXT = {
  idle: "audio: off", connecting: "audio: connecting…", connected: "audio: live",
  failed: "audio: failed", unsupported: "audio: unavailable on this server", closed: "audio: off",
};

function renderConnection() {
  const conn = $("conn");
  conn.dataset.state = client.connectionState;
  conn.dataset.media = client.media.state;
  // "two": the server's light receive transport, and a send transport while seated.
  conn.dataset.transports = client.twoTransports ? "two" : "one";
  $("conn-text").textContent = CONNECTION_TEXT[client.connectionState] ?? client.connectionState;
  const label = MEDIA_TEXT[client.media.state] ?? client.media.state;
  $("media-label").textContent = client.media.state === "connected" && client.twoTransports
    ? `${label} (${client.seated ? "listening + sending" : "listening"})` : label;
  renderStats();
}

function renderStats() {
  const s = client.stats;
  const out = $("conn-stats");
  const conn = $("conn");
  if (client.media.state !== "connected" || !s) {
    out.textContent = "";
    conn.dataset.quality = "";
    conn.title = `Connection: ${$("conn-text").textContent}`;
    return;
  }
  const parts = [];
  if (s.rttMs !== null) parts.push(`${s.rttMs} ms`);
  parts.push(`${(s.packetLoss * 100).toFixed(1)}% loss`);
  if (s.jitterMs !== null) parts.push(`${s.jitterMs} ms jitter`);
  out.textContent = parts.join(" · ");
  conn.dataset.quality = s.quality;
  conn.title = `Audio quality ${s.quality}: round trip ${s.rttMs ?? "?"} ms, packet loss ${(s.packetLoss * 100).toFixed(1)} %, jitter ${s.jitterMs ?? "?"} ms, ${s.packetsReceived} packets received`;
}

// --- room view ------------------------------------------------------------

function showRoom(inRoom) {
  $("signin").hidden = inRoom;
  $("room").hidden = !inRoom;
  document.body.dataset.view = inRoom ? "room" : "signin";
}

function renderRoom() {
  const room = client.room;
  showRoom(!!room);
  if (!room) return;
  $("room-title").textContent = room.title || `Room ${room.id.slice(0, 8)}`;
  $("seat-mode-label").textContent = room.seatMode === "request" ? "seats on request" : "free seating";
  $("host-panel").hidden = !client.canManage;
  $("seat-mode").value = room.seatMode;
  const me = $("me");
  me.hidden = !client.user;
  if (client.user) me.textContent = `${client.user.name}${client.you?.role && client.you.role !== "member" ? ` · ${client.you.role}` : ""}`;
  renderControls();
  renderSeats();
  renderAudience();
}

function renderControls() {
  const seatBtn = $("seat-btn");
  if (client.seated) seatBtn.textContent = "Leave seat";
  else if (client.room?.seatMode === "request" && !client.canManage) seatBtn.textContent = pendingRequest ? "Seat requested" : "Request a seat";
  else seatBtn.textContent = "Take a seat";
  seatBtn.dataset.action = client.seated ? "leave-seat" : "take-seat";

  const mic = $("mic-btn");
  const seat = client.mySeat;
  const muted = client.micMuted;
  const on = !!seat && !muted;
  const noAudio = client.media.state === "unsupported" || client.media.state === "failed";
  mic.disabled = !seat || !!seat.muted;
  mic.setAttribute("aria-pressed", String(on));
  // Green only while the microphone really goes out on the seat.
  mic.dataset.live = String(on && client.micLive);
  setIcon(mic, on ? "mic" : "mic-off");
  mic.querySelector("span").textContent = !seat ? "Mic" : seat.muted ? "Muted by host" : muted ? "Mic off" : noAudio ? "No audio" : "Mic on";
  mic.title = !seat ? "Take a seat to talk" : seat.muted ? "A moderator muted this seat"
    : muted ? "Turn your microphone on" : noAudio ? "Unmuted, but there is no audio connection" : "Mute your microphone";
}

// Seats are built once per seat count and updated in place, so the
// speaking ring can change many times a second without rebuilding.
function renderSeats() {
  const list = $("seats");
  const seats = client.seats;
  while (list.children.length > seats.length) list.lastChild.remove();
  while (list.children.length < seats.length) list.append(seatElement(list.children.length));
  seats.forEach((seat, i) => updateSeat(list.children[i], seat));
}

function seatElement(index) {
  const li = h("li", { className: "seat", dataset: { index: String(index) } });
  const main = h("button", { type: "button", className: "seat-btn" },
    h("span", { className: "avatar" }, h("span", { className: "initials" }), icon("plus", "seat-plus"), icon("lock", "seat-lock")),
    h("span", { className: "seat-name" }),
    h("span", { className: "seat-badges" }));
  main.addEventListener("click", () => onSeatClick(index));
  const more = h("button", { type: "button", className: "seat-more", "aria-label": `Seat ${index + 1} options` }, icon("more"));
  more.addEventListener("click", () => openSeatActions(index));
  li.append(main, more);
  return li;
}

function updateSeat(li, seat) {
  const index = seat.index;
  const p = seat.userId ? client.participant(seat.userId) : null;
  const name = seat.userId ? nameOf(seat.userId) : null;
  li.dataset.state = seat.userId ? "occupied" : seat.locked ? "locked" : "empty";
  li.dataset.userId = seat.userId ?? "";
  li.classList.toggle("mine", !!seat.userId && seat.userId === client.you?.userId);
  li.classList.toggle("locked", !!seat.locked);
  li.classList.toggle("away", p ? p.connected === false : false);
  li.classList.toggle("muted", !!(seat.muted || seat.micMuted));
  li.style.setProperty("--hue", seat.userId ? String(hueOf(seat.userId)) : "220");
  li.querySelector(".initials").textContent = name ? initials(name) : "";
  li.querySelector(".seat-name").textContent = name ?? (seat.locked ? "Locked" : `${index + 1}`);
  const badges = li.querySelector(".seat-badges");
  badges.replaceChildren(
    ...(p?.role === "host" ? [icon("crown", "badge host")] : p?.role === "moderator" ? [icon("shield", "badge mod")] : []),
    ...(seat.userId && seat.locked ? [icon("lock", "badge")] : []),
    ...(seat.muted ? [icon("speaker-off", "badge warn")] : seat.micMuted ? [icon("mic-off", "badge")] : []),
  );
  const button = li.querySelector(".seat-btn");
  button.setAttribute("aria-label", seat.userId
    ? `Seat ${index + 1}: ${name}${seat.muted ? ", muted by host" : seat.micMuted ? ", mic off" : ""}`
    : seat.locked ? `Seat ${index + 1}: locked` : `Seat ${index + 1}: free, take it`);
  li.querySelector(".seat-more").hidden = !client.canModerate;
  applySpeaking(li, seat.userId ? client.speaking.get(seat.userId) : null);
}

function applySpeaking(li, s) {
  const on = !!s?.speaking;
  li.dataset.speaking = String(on);
  li.style.setProperty("--level", on ? s.level.toFixed(2) : "0");
}

function onSpeaking(s) {
  const seatIndex = client.participant(s.userId)?.seat ?? s.seat;
  const li = Number.isInteger(seatIndex) ? $("seats").children[seatIndex] : null;
  if (li && li.dataset.userId === s.userId) applySpeaking(li, s);
  const row = document.querySelector(`#audience li[data-user-id="${CSS.escape(s.userId)}"]`);
  if (row) row.dataset.speaking = String(!!s.speaking);
}

let pendingRequest = false;

async function onSeatClick(index) {
  const seat = client.seats[index];
  if (!seat) return;
  if (seat.userId && seat.userId === client.you?.userId) { openSeatActions(index); return; }
  if (seat.userId) { openGift(seat.userId); return; }
  if (client.room?.seatMode === "request" && !client.canManage) { await requestSeat(index); return; }
  // A locked seat is tried too: the server says why not (seat_locked).
  await act(() => client.takeSeat(index));
}

async function requestSeat(index) {
  const r = await act(() => client.requestSeat(index));
  if (r?.queued) { pendingRequest = true; toast("Seat requested. The host will let you in."); renderControls(); }
}

async function onSeatButton() {
  if (client.seated) { await act(() => client.leaveSeat()); return; }
  if (client.room?.seatMode === "request" && !client.canManage) {
    if (pendingRequest) { await act(() => client.leaveSeat(), "Request withdrawn."); pendingRequest = false; renderControls(); return; }
    await requestSeat(undefined);
    return;
  }
  await act(() => client.takeSeat());
}

// --- action sheets --------------------------------------------------------

function openActions(title, subtitle, actions) {
  const dialog = $("action-dialog");
  $("action-title").textContent = title;
  $("action-sub").textContent = subtitle ?? "";
  $("action-list").replaceChildren(...actions.map((a) =>
    h("button", { type: "button", className: `action ${a.danger ? "danger-ghost" : "ghost"}`, dataset: { action: a.id },
      onclick: () => { dialog.close(); act(a.run, a.done); } }, a.label)));
  dialog.showModal();
}

function openSeatActions(index) {
  const seat = client.seats[index];
  if (!seat) return;
  const mine = !!seat.userId && seat.userId === client.you?.userId;
  const actions = [];
  if (!seat.userId && !client.seated) actions.push({ id: "take", label: "Take this seat", run: () => client.takeSeat(index) });
  if (!seat.userId && client.seated) actions.push({ id: "take", label: "Move to this seat", run: () => client.takeSeat(index) });
  if (mine) {
    actions.push({ id: "mic", label: client.micMuted ? "Turn my mic on" : "Mute my mic", run: () => client.setMuted(!client.micMuted) });
    actions.push({ id: "leave-seat", label: "Leave the seat", run: () => client.leaveSeat() });
  }
  if (seat.userId && !mine) actions.push({ id: "gift", label: `Send ${nameOf(seat.userId)} a gift`, run: async () => openGift(seat.userId) });
  if (client.canModerate) {
    actions.push({ id: seat.locked ? "unlock" : "lock", label: seat.locked ? "Unlock seat" : "Lock seat", run: () => client.lockSeat(index, !seat.locked) });
    if (seat.userId) {
      actions.push({ id: seat.muted ? "unmute" : "mute", label: seat.muted ? "Let this seat talk" : "Mute this seat", run: () => client.muteSeat(index, !seat.muted) });
      if (!mine) {
        actions.push({ id: "kick-seat", label: "Move to the audience", danger: true, run: () => client.kickSeat(index) });
        actions.push({ id: "kick-user", label: "Remove from the room", danger: true, run: () => client.kickUser(seat.userId) });
        actions.push({ id: "ban-user", label: "Ban from the room", danger: true, run: () => client.banUser(seat.userId) });
      }
    }
  }
  const who = seat.userId ? nameOf(seat.userId) : seat.locked ? "locked" : "free";
  openActions(`Seat ${index + 1}`, who, actions);
}

function openUserActions(userId) {
  const p = client.participant(userId);
  if (!p) return;
  const actions = [{ id: "gift", label: "Send a gift", run: async () => openGift(userId) }];
  if (client.canManage) {
    actions.push({ id: "invite", label: "Invite to a seat", run: () => client.inviteToSeat(userId), done: `Invited ${nameOf(userId)} to a seat.` });
    if (p.role !== "host") {
      const mod = p.role === "moderator";
      actions.push({ id: mod ? "unmod" : "mod", label: mod ? "Remove moderator" : "Make moderator", run: () => client.setModerator(userId, !mod) });
    }
  }
  if (client.canModerate) {
    actions.push({ id: "kick-user", label: "Remove from the room", danger: true, run: () => client.kickUser(userId) });
    actions.push({ id: "ban-user", label: "Ban from the room", danger: true, run: () => client.banUser(userId) });
  }
  openActions(nameOf(userId), p.role, actions);
}

// --- audience -------------------------------------------------------------

const ROLE_ORDER = { host: 0, moderator: 1, member: 2 };

function renderAudience() {
  const people = client.participantList.filter((p) => p.seat === null || p.seat === undefined)
    .sort((a, b) => (ROLE_ORDER[a.role] ?? 3) - (ROLE_ORDER[b.role] ?? 3) || nameOf(a.userId).localeCompare(nameOf(b.userId)));
  $("audience-count").textContent = String(people.length);
  $("room-count").textContent = `${client.participants.size} in the room`;
  $("audience").replaceChildren(...people.map((p) => {
    const me = p.userId === client.you?.userId;
    const row = h("li", { dataset: { userId: p.userId }, className: p.connected === false ? "away" : "" },
      h("span", { className: "mini-avatar" }, initials(nameOf(p.userId))),
      h("span", { className: "person-name" }, nameOf(p.userId), me ? " (you)" : ""),
      p.role !== "member" ? h("span", { className: `role ${p.role}` }, p.role) : null,
      p.connected === false ? h("span", { className: "role away" }, "away") : null);
    row.style.setProperty("--hue", String(hueOf(p.userId)));
    if (!me) row.append(h("button", { type: "button", className: "icon-btn small", "aria-label": `Actions for ${nameOf(p.userId)}`, onclick: () => openUserActions(p.userId) }, icon("more")));
    return row;
  }));
}

function renderRequests(requests) {
  $("requests").replaceChildren(...requests.map((r) => h("li", {},
    h("span", {}, `${r.user?.name ?? nameOf(r.userId)} asks for ${r.seat === null || r.seat === undefined ? "a seat" : `seat ${r.seat + 1}`}`),
    h("button", { type: "button", className: "primary small", onclick: () => act(() => client.approveSeat(r.userId, r.seat ?? undefined)) }, "Let in"))));
}

// --- chat -----------------------------------------------------------------

function timeOf(ts) {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function isoOf(ts) {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function appendChatLine(li) {
  const log = $("chat-log");
  const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
  log.append(li);
  while (log.children.length > 200) log.firstChild.remove();
  if (stick) log.scrollTop = log.scrollHeight;
}

function onChat(ev) {
  if (ev.type === "deleted") {
    document.querySelector(`#chat-log li[data-id="${CSS.escape(String(ev.messageId))}"]`)?.remove();
    return;
  }
  const m = ev.message;
  const authorId = m.user?.id === undefined ? null : String(m.user.id);
  const mine = authorId === client.you?.userId;
  const li = h("li", { className: `msg${mine ? " mine" : ""}`, dataset: { id: String(m.id) } },
    h("span", { className: "who" }, m.user?.name ?? nameOf(authorId)),
    h("span", { className: "text" }, m.text),
    h("time", { datetime: isoOf(m.ts) }, timeOf(m.ts)));
  if (mine || client.canModerate) {
    li.append(h("button", { type: "button", className: "msg-delete", "aria-label": "Delete message", onclick: () => act(() => client.deleteChat(m.id)) }, "×"));
  }
  appendChatLine(li);
}

let typingSentAt = 0;
let typingTimer = null;

function initChat() {
  const input = $("chat-input");
  $("chat-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    stopTyping();
    const sent = await act(() => client.sendChat(text));
    if (sent) input.value = "";
  });
  input.addEventListener("input", () => {
    if (!client.room) return;
    const now = Date.now();
    // One typing event per few seconds: it shares a rate budget.
    if (now - typingSentAt > 4000) { typingSentAt = now; client.setTyping(true).catch(() => {}); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 5000);
  });
}

function stopTyping() {
  clearTimeout(typingTimer);
  if (typingSentAt) { typingSentAt = 0; client.setTyping(false).catch(() => {}); }
}

const typists = new Map();
function onTyping({ userId, isTyping }) {
  clearTimeout(typists.get(userId));
  if (isTyping) typists.set(userId, setTimeout(() => onTyping({ userId, isTyping: false }), 8000));
  else typists.delete(userId);
  const names = [...typists.keys()].map(nameOf);
  $("typing").textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
}

// --- gifts ----------------------------------------------------------------

let giftChoice = GIFTS[0].id;

function initGifts() {
  $("gift-options").replaceChildren(...GIFTS.map((g) => {
    const input = h("input", { type: "radio", name: "gift", value: g.id, id: `gift-${g.id}` });
    input.checked = g.id === giftChoice;
    input.addEventListener("change", () => { giftChoice = g.id; });
    return h("label", { className: `gift-option gift-${g.id}`, for: `gift-${g.id}` }, input, icon(g.icon), h("span", {}, g.name));
  }));
  $("gift-btn").addEventListener("click", () => openGift(null));
  $("gift-form").addEventListener("submit", async (e) => {
    if (e.submitter?.value !== "send") return;
    const recipientId = $("gift-recipient").value;
    const quantity = Math.max(1, Math.min(99, Math.trunc(Number($("gift-quantity").value) || 1)));
    if (!recipientId) return;
    act(() => client.sendGift({ recipientId, giftId: giftChoice, quantity }));
  });
}

function openGift(recipientId) {
  const others = client.participantList.filter((p) => p.userId !== client.you?.userId)
    .sort((a, b) => (a.seat ?? 99) - (b.seat ?? 99));
  if (others.length === 0) { toast("Nobody else is here to receive a gift yet."); return; }
  $("gift-recipient").replaceChildren(...others.map((p) =>
    h("option", { value: p.userId }, `${nameOf(p.userId)}${p.seat !== null && p.seat !== undefined ? ` (seat ${p.seat + 1})` : ""}`)));
  if (recipientId) $("gift-recipient").value = recipientId;
  $("gift-dialog").showModal();
}

let giftBannerTimer = null;
function onGift(g) {
  const gift = GIFTS.find((x) => x.id === g.giftId);
  const label = gift?.name ?? String(g.giftId ?? "a gift");
  const text = `${g.sender.name} sent ${label}${g.quantity > 1 ? ` ×${g.quantity}` : ""} to ${g.recipient.name}`;
  const banner = $("gift-banner");
  banner.replaceChildren(icon(gift?.icon ?? "gift"), h("span", {}, text));
  banner.hidden = false;
  banner.classList.remove("pop");
  void banner.offsetWidth; // restart the animation
  banner.classList.add("pop");
  clearTimeout(giftBannerTimer);
  giftBannerTimer = setTimeout(() => { banner.hidden = true; }, 5000);
  appendChatLine(h("li", { className: "gift", dataset: { transactionId: String(g.transactionId ?? "") } }, icon(gift?.icon ?? "gift"), h("span", {}, text)));
}

// --- wiring ---------------------------------------------------------------

function onClosed({ reason }) {
  pendingRequest = false;
  const text = CLOSE_TEXT[reason] ?? describeError({ code: reason });
  signinMessage(text, "info");
  toast(text, { kind: "error", code: reason });
  $("chat-log").replaceChildren();
  $("seats").replaceChildren();
}

function onMedia({ state, stream }) {
  const audio = $("room-audio");
  if (stream && audio.srcObject !== stream) {
    audio.srcObject = stream;
    audio.play().catch(() => {
      toast("Tap to hear the room.", { action: { label: "Play", run: () => audio.play().catch(() => {}) }, ms: 15000 });
    });
  } else if (!stream && audio.srcObject) {
    audio.srcObject = null;
  }
  if (state === "unsupported") console.info("roomcast: this server has no room audio yet (media:connect unknown)");
  renderConnection();
  renderControls();
}

function init() {
  initSignin();
  initChat();
  initGifts();
  $("seat-btn").addEventListener("click", onSeatButton);
  $("mic-btn").addEventListener("click", () => act(() => client.setMuted(!client.micMuted)));
  $("leave-room").addEventListener("click", async () => {
    await act(() => client.leave());
    $("chat-log").replaceChildren();
    signinMessage(null);
  });
  $("close-room").addEventListener("click", () => act(() => client.closeRoom()));
  $("seat-mode").addEventListener("change", (e) => act(() => client.setSeatMode(e.target.value)).then(renderRoom));
  $("copy-link").addEventListener("click", async () => {
    const url = new URL(location.href);
    url.search = "";
    url.searchParams.set("room", client.roomId ?? "");
    try { await navigator.clipboard.writeText(url.href); toast("Room link copied."); } catch { toast(url.href, { ms: 10000 }); }
  });

  client.on("connection", renderConnection);
  client.on("room", renderRoom);
  client.on("seats", () => {
    if (client.seated) pendingRequest = false;
    renderSeats();
    renderControls();
  });
  client.on("participants", () => { renderSeats(); renderAudience(); });
  client.on("requests", renderRequests);
  client.on("speaking", onSpeaking);
  client.on("chat", onChat);
  client.on("typing", onTyping);
  client.on("gift", onGift);
  client.on("invited", ({ seat, byUser }) => toast(`${byUser?.name ?? "The host"} invites you to ${seat === null || seat === undefined ? "a seat" : `seat ${seat + 1}`}.`,
    { action: { label: "Take it", run: () => act(() => client.takeSeat(seat ?? undefined)) }, ms: 20000 }));
  client.on("closed", onClosed);
  client.on("error", showError);
  client.on("media", onMedia);
  client.on("mic", () => { renderControls(); renderConnection(); });
  client.on("stats", renderStats);
  renderConnection();
  showRoom(false);
}

init();
