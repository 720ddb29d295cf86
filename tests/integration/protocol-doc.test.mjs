// docs/protocol.md matches the server: every client event it documents has
// a handler, and the worked sequence happens as written.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startServer, connect, request, next, SOURCE_ROOT } from "./lib/harness.mjs";

const doc = fs.readFileSync(path.join(SOURCE_ROOT, "docs/protocol.md"), "utf8");

// Event names from the first column of the "Client → server" table.
function documentedClientEvents() {
  const section = doc.split(/^## /m).find((s) => s.startsWith("Client → server"));
  assert.ok(section, "docs/protocol.md has a Client → server section");
  const names = [];
  for (const line of section.split("\n")) {
    const m = line.match(/^\| ([^|]+) \|/);
    if (!m || m[1].trim() === "event" || m[1].startsWith("---")) continue;
    for (const n of m[1].matchAll(/`([^`]+)`/g)) names.push(n[1]);
  }
  return names;
}

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test("every documented client event has a handler", async () => {
  const events = documentedClientEvents();
  assert.ok(events.length >= 20, `found ${events.length} documented events`);
  const s = await connect(server, "dev:900:Doc");
  await request(s, "room:join", { roomId: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b" });
  for (const event of events) {
    const ack = await request(s, event, {});
    assert.ok(ack && typeof ack.ok === "boolean", `${event}: acked with {ok}`);
    assert.notEqual(ack.error?.code, "unknown_event", `${event} is documented but has no handler`);
  }
  s.close();
});

test("the worked sequence happens as documented", async () => {
  const roomId = "550e8400-e29b-41d4-a716-446655440000";
  const alice = await connect(server, "dev:1:Alice");
  const joined = await request(alice, "room:join", { roomId });
  assert.equal(joined.ok, true);
  assert.equal(joined.room.status, "ACTIVE");
  assert.equal(joined.room.seatMode, "free");
  assert.equal(joined.room.hostId, "1");
  assert.equal(joined.you.role, "host");

  const bob = await connect(server, "dev:2:Bob");
  const aliceSeesBob = next(alice, "participant:joined");
  const bobJoined = await request(bob, "room:join", { roomId });
  assert.equal(bobJoined.you.role, "member");
  assert.equal((await aliceSeesBob)[0].userId, "2");

  const seatUpdates = [next(alice, "seat:updated"), next(bob, "seat:updated")];
  assert.deepEqual(await request(bob, "seat:take", {}), { ok: true, seat: 0 });
  for (const [seat] of await Promise.all(seatUpdates)) assert.equal(seat.userId, "2");

  const messages = [next(alice, "chat:message"), next(bob, "chat:message")];
  const sent = await request(bob, "chat:send", { text: "  hello  " });
  assert.equal(sent.ok, true);
  for (const [m] of await Promise.all(messages)) {
    assert.equal(m.text, "hello");
    assert.equal(m.user.id, "2");
    assert.equal(m.id, sent.id);
  }

  const bad = await request(bob, "seat:take", { seat: 99 });
  assert.equal(bad.error.code, "invalid_seat");

  const freed = next(alice, "seat:updated");
  const left = next(alice, "participant:left");
  assert.equal((await request(bob, "room:leave")).ok, true);
  assert.equal((await freed)[0].userId, null);
  assert.deepEqual((await left)[0], { userId: "2", reason: "left" });
  alice.close();
  bob.close();
});

test("a second connection of a user joining the room takes it over; the first stays connected", async () => {
  const roomId = "7a1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
  const first = await connect(server, "dev:5:Eve");
  await request(first, "room:join", { roomId });
  assert.deepEqual(await request(first, "seat:take", { seat: 3 }), { ok: true, seat: 3 });
  const second = await connect(server, "dev:5:Eve");
  assert.equal((await request(second, "whoami")).user.id, "5");
  assert.equal(first.connected, true, "connecting again disconnects nobody");
  const replaced = next(first, "replaced");
  const joined = await request(second, "room:join", { roomId });
  assert.equal(joined.you.seat, 3);
  assert.equal(joined.seats[3].userId, "5");
  assert.deepEqual((await replaced)[0], { roomId, reason: "taken_over" });
  assert.equal((await request(first, "whoami")).user.id, "5");
  assert.equal((await request(first, "seat:leave", {})).error.code, "not_in_room");
  first.close();
  second.close();
});
