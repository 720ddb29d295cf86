// Rooms: seats, roles, chat, moderation, cinema, grace period and limits,
// driven through the real daemon by real socket.io clients (--dev tokens
// "dev:<id>:<name>[:<role>]").
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startServer, connect, request, next, waitFor } from "./lib/harness.mjs";

// Collects every event a socket receives, to check "once, in order".
function recorder(socket) {
  const events = [];
  socket.onAny((name, payload) => events.push({ name, payload }));
  return {
    events,
    names: () => events.map((e) => e.name),
    count: (name) => events.filter((e) => e.name === name).length,
    clear: () => { events.length = 0; },
  };
}

async function joined(server, token, roomId) {
  const socket = await connect(server, token);
  const ack = await request(socket, "room:join", { roomId });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  return { socket, ack };
}

async function health(server) {
  return (await fetch(`${server.url}/health`)).json();
}

describe("rooms", () => {
  let server;
  const sockets = [];
  const track = (s) => { sockets.push(s); return s; };
  before(async () => {
    server = await startServer({ env: { ROOM_GRACE_PERIOD_S: "2", SEATS_PER_ROOM: "4" } });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  test("join: the first joiner hosts; the snapshot has room, seats, participants, you", async () => {
    const roomId = randomUUID();
    const host = await joined(server, "dev:101:Hana", roomId);
    track(host.socket);
    assert.equal(host.ack.room.id, roomId);
    assert.equal(host.ack.room.status, "ACTIVE");
    assert.equal(host.ack.room.seatMode, "free");
    assert.equal(host.ack.room.hostId, "101");
    assert.equal(host.ack.seats.length, 4);
    assert.deepEqual(host.ack.seats[0], { index: 0, userId: null, locked: false, muted: false, micMuted: false });
    assert.equal(host.ack.you.role, "host");

    const seen = next(host.socket, "participant:joined");
    const guest = await joined(server, "dev:102:Gus", roomId);
    track(guest.socket);
    assert.equal(guest.ack.you.role, "member");
    assert.equal(guest.ack.participants.length, 2);
    const [participant] = await seen;
    assert.equal(participant.userId, "102");
    assert.equal(participant.user.name, "Gus");
    assert.ok((await health(server)).rooms >= 1);
  });

  test("seats: every state change reaches everyone once, in order; errors are acked", async () => {
    const roomId = randomUUID();
    const a = await joined(server, "dev:111:A", roomId);
    const b = await joined(server, "dev:112:B", roomId);
    track(a.socket); track(b.socket);
    const ra = recorder(a.socket), rb = recorder(b.socket);

    assert.deepEqual(await request(b.socket, "seat:take", { seat: 2 }), { ok: true, seat: 2 });
    let ack = await request(a.socket, "seat:take", { seat: 2 });
    assert.equal(ack.ok, false);
    assert.equal(ack.error.code, "seat_taken");
    ack = await request(a.socket, "seat:take", { seat: "two" });
    assert.equal(ack.error.code, "invalid_payload");
    assert.match(ack.error.message, /'seat'/);
    ack = await request(a.socket, "seat:take", { seat: 9 });
    assert.equal(ack.error.code, "invalid_seat");
    assert.deepEqual(await request(b.socket, "seat:take", { seat: 3 }), { ok: true, seat: 3 });
    await request(b.socket, "mic:mute", { muted: true });

    await waitFor(() => ra.count("seat:updated") === 4 && rb.count("seat:updated") === 4);
    const seatEvents = (r) => r.events.filter((e) => e.name === "seat:updated").map((e) => e.payload);
    const order = seatEvents(ra).map((p) => `${p.index}:${p.userId}:${p.micMuted}`);
    assert.deepEqual(order, ["2:112:false", "2:null:false", "3:112:false", "3:112:true"]);
    assert.deepEqual(seatEvents(rb), seatEvents(ra));

    ack = await request(b.socket, "seat:lock", { seat: 0, locked: true });
    assert.equal(ack.error.code, "forbidden", "B is a member");
  });

  test("request mode: the host sees seat:requested and approves", async () => {
    const roomId = randomUUID();
    const host = await joined(server, "dev:121:Host", roomId);
    const fan = await joined(server, "dev:122:Fan", roomId);
    track(host.socket); track(fan.socket);
    assert.equal((await request(host.socket, "room:update", { seatMode: "request" })).ok, true);
    assert.equal((await request(fan.socket, "seat:take", {})).error.code, "forbidden");
    const requested = next(host.socket, "seat:requested");
    assert.deepEqual(await request(fan.socket, "seat:request", {}), { ok: true, seat: null, queued: true });
    assert.equal((await requested)[0].userId, "122");
    const seated = next(fan.socket, "seat:updated");
    assert.deepEqual(await request(host.socket, "seat:approve", { userId: 122 }), { ok: true, seat: 0 });
    assert.equal((await seated)[0].userId, "122");
  });
});

describe("rooms: moderation and chat", () => {
  let server;
  const sockets = [];
  const track = (s) => { sockets.push(s); return s; };
  before(async () => {
    server = await startServer({ env: { RATE_LIMIT_MESSAGES_PER_MINUTE: "3" } });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  test("a member cannot moderate; the host kicks (may rejoin) and bans (may not)", async () => {
    const roomId = randomUUID();
    const host = await joined(server, "dev:201:Host", roomId);
    const m = await joined(server, "dev:202:Member", roomId);
    track(host.socket); track(m.socket);
    assert.equal((await request(m.socket, "user:kick", { userId: "201" })).error.code, "forbidden");
    assert.equal((await request(m.socket, "room:close")).error.code, "forbidden");

    const kicked = next(m.socket, "kicked");
    const left = next(host.socket, "participant:left");
    assert.equal((await request(host.socket, "user:kick", { userId: "202" })).ok, true);
    assert.equal((await kicked)[0].banned, false);
    assert.equal((await left)[0].reason, "kicked");
    assert.equal((await request(m.socket, "chat:send", { text: "hi" })).error.code, "not_in_room");
    assert.equal((await request(m.socket, "room:join", { roomId })).ok, true);

    assert.equal((await request(host.socket, "user:ban", { userId: "202" })).ok, true);
    assert.equal((await request(m.socket, "room:join", { roomId })).error.code, "banned");
    assert.equal((await request(host.socket, "user:unban", { userId: "202" })).ok, true);
    assert.equal((await request(m.socket, "room:join", { roomId })).ok, true);
  });

  test("a staff moderator moderates any room, an admin closes it", async () => {
    const roomId = randomUUID();
    const host = await joined(server, "dev:211:Host", roomId);
    const member = await joined(server, "dev:212:Member", roomId);
    const mod = await joined(server, "dev:213:Mod:moderator", roomId);
    const admin = track(await connect(server, "dev:214:Admin:admin"));
    track(host.socket); track(member.socket); track(mod.socket);
    assert.equal((await request(mod.socket, "seat:lock", { seat: 1, locked: true })).ok, true);
    assert.equal((await request(mod.socket, "user:kick", { userId: "211" })).error.code, "forbidden");
    assert.equal((await request(mod.socket, "room:close")).error.code, "forbidden");

    const closedForHost = next(host.socket, "room:closed");
    const closedForMember = next(member.socket, "room:closed");
    assert.equal((await request(admin, "room:close", { roomId })).ok, true);
    assert.equal((await closedForHost)[0].reason, "closed_by_admin");
    assert.equal((await closedForMember)[0].roomId, roomId);
    assert.equal((await request(member.socket, "room:join", { roomId })).error.code, "room_closed");
  });

  test("chat: trimmed, to everyone; typing to the others; rate limited with retryAfterMs", async () => {
    const roomId = randomUUID();
    const a = await joined(server, "dev:221:A", roomId);
    const b = await joined(server, "dev:222:B", roomId);
    track(a.socket); track(b.socket);
    const typing = next(b.socket, "typing");
    const ra = recorder(a.socket);
    await request(a.socket, "typing", { isTyping: true });
    assert.deepEqual((await typing)[0], { userId: "221", isTyping: true });

    const got = next(b.socket, "chat:message");
    const ack = await request(a.socket, "chat:send", { text: "  hello  " });
    assert.equal(ack.ok, true);
    const [message] = await got;
    assert.equal(message.text, "hello");
    assert.equal(message.id, ack.id);
    assert.equal(message.user.id, "221");
    assert.equal((await request(a.socket, "chat:send", { text: "   " })).error.code, "invalid_payload");
    assert.equal((await request(a.socket, "chat:send", { text: "x".repeat(501) })).error.code, "invalid_payload");
    // Refused messages did not count: two more go out (3 per minute here).
    assert.equal((await request(a.socket, "chat:send", { text: "two" })).ok, true);
    assert.equal((await request(a.socket, "chat:send", { text: "three" })).ok, true);
    const limited = await request(a.socket, "chat:send", { text: "four" });
    assert.equal(limited.error.code, "rate_limited");
    assert.ok(limited.error.retryAfterMs > 0 && limited.error.retryAfterMs <= 60000, JSON.stringify(limited));
    await waitFor(() => ra.count("chat:message") === 3);
    assert.ok(!ra.names().includes("typing"), "the typist does not hear themselves");

    const deleted = next(a.socket, "chat:deleted");
    assert.equal((await request(b.socket, "chat:delete", { messageId: ack.id })).error.code, "forbidden");
    assert.equal((await request(a.socket, "chat:delete", { messageId: ack.id })).ok, true);
    assert.equal((await deleted)[0].messageId, ack.id);
  });

  test("cinema: late joiners get the position extrapolated from the last sync", async () => {
    const roomId = randomUUID();
    const host = await joined(server, "dev:231:Host", roomId);
    track(host.socket);
    assert.equal((await request(host.socket, "cinema:start", { url: "ftp://x" })).error.code, "invalid_payload");
    const started = await request(host.socket, "cinema:start", { url: "https://v.example.com/m.mp4", positionMs: 10000 });
    assert.equal(started.ok, true);
    await new Promise((r) => setTimeout(r, 300));
    const late = await joined(server, "dev:232:Late", roomId);
    track(late.socket);
    assert.equal(late.ack.cinema.url, "https://v.example.com/m.mp4");
    assert.ok(late.ack.cinema.positionMs >= 10250 && late.ack.cinema.positionMs < 20000, JSON.stringify(late.ack.cinema));
    const state = next(late.socket, "cinema:state");
    await request(host.socket, "cinema:sync", { positionMs: 5000, playing: false });
    assert.deepEqual([(await state)[0].positionMs, (await state)[0].playing], [5000, false]);
  });

  test("malformed payloads are refused without harm", async () => {
    const roomId = randomUUID();
    const a = await joined(server, "dev:241:A", roomId);
    track(a.socket);
    assert.equal((await request(a.socket, "room:join", "not an object")).error.code, "invalid_payload");
    assert.equal((await request(a.socket, "room:join", { roomId: "nope" })).error.code, "invalid_payload");
    assert.equal((await request(a.socket, "seat:take", [1, 2])).error.code, "invalid_payload");
    assert.equal((await request(a.socket, "seat:mute", { seat: 0, muted: "yes" })).error.code, "invalid_payload");
    assert.deepEqual(await request(a.socket, "seat:take", { seat: 1, extra: { deep: [1] } }), { ok: true, seat: 1 });
  });
});

describe("rooms: shutdown", () => {
  test("SIGTERM closes every room with reason server_shutdown", async () => {
    const server = await startServer();
    const roomId = randomUUID();
    const a = await joined(server, "dev:401:A", roomId);
    const b = await joined(server, "dev:402:B", roomId);
    const closedA = next(a.socket, "room:closed");
    const closedB = next(b.socket, "room:closed");
    assert.equal(await server.stop(), 0);
    assert.deepEqual((await closedA)[0], { roomId, reason: "server_shutdown" });
    assert.equal((await closedB)[0].reason, "server_shutdown");
    a.socket.close(); b.socket.close();
  });
});

describe("rooms: grace period and limits", () => {
  let server;
  const sockets = [];
  const track = (s) => { sockets.push(s); return s; };
  before(async () => {
    server = await startServer({
      env: { ROOM_GRACE_PERIOD_S: "1", MAX_ROOMS_PER_WORKER: "2", MAX_CLIENTS_PER_ROOM: "2" },
    });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  test("a seated user who reconnects within the grace period gets the seat back", async () => {
    const roomId = randomUUID();
    const host = await joined(server, "dev:301:Host", roomId);
    const speaker = await joined(server, "dev:302:Speaker", roomId);
    track(host.socket);
    assert.equal((await request(speaker.socket, "seat:take", { seat: 1 })).ok, true);
    const away = next(host.socket, "participant:away");
    speaker.socket.close();
    assert.equal((await away)[0].seat, 1);

    const back = next(host.socket, "participant:joined");
    const again = await joined(server, "dev:302:Speaker", roomId);
    track(again.socket);
    assert.equal(again.ack.you.seat, 1);
    assert.equal((await back)[0].seat, 1);

    // Not back in time: the seat is freed.
    const freed = next(host.socket, "seat:updated", 5000);
    again.socket.close();
    const [seat] = await freed;
    assert.deepEqual([seat.index, seat.userId], [1, null]);
    host.socket.close();
  });

  test("an empty room closes after the grace period", async () => {
    const roomId = randomUUID();
    const a = await joined(server, "dev:311:A", roomId);
    assert.equal((await request(a.socket, "room:leave")).ok, true);
    assert.equal((await request(a.socket, "room:leave")).error.code, "not_in_room");
    a.socket.close();
    await waitFor(async () => (await health(server)).rooms === 0, 5000, "the room to close");
  });

  test("room_full and server_full", async () => {
    const r1 = randomUUID(), r2 = randomUUID(), r3 = randomUUID();
    const a = await joined(server, "dev:321:A", r1);
    const b = await joined(server, "dev:322:B", r1);
    track(a.socket); track(b.socket);
    const c = track(await connect(server, "dev:323:C"));
    assert.equal((await request(c, "room:join", { roomId: r1 })).error.code, "room_full");
    assert.equal((await request(c, "room:join", { roomId: r2 })).ok, true);
    const d = track(await connect(server, "dev:324:D"));
    assert.equal((await request(d, "room:join", { roomId: r3 })).error.code, "server_full");
  });
});
