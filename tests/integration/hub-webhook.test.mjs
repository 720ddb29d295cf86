// Hub webhooks: batched, signed (X-Pusher-Key / X-Pusher-Signature) and
// retried after a failure, received by a test server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { startServer, waitFor } from "./lib/harness.mjs";
import { DEV, hmacHex, makeEcho, echoConnected } from "./lib/pusher.mjs";

let server;
let hooks;
const received = []; // verified bodies
let attempts = 0;
const closers = [];

before(async () => {
  hooks = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      attempts++;
      // The first delivery fails: the same batch must come again.
      if (attempts === 1) { res.writeHead(500); res.end(); return; }
      const ok = req.headers["x-pusher-key"] === DEV.key &&
        req.headers["x-pusher-signature"] === hmacHex(DEV.secret, body);
      assert.ok(ok, "webhook signature");
      received.push(JSON.parse(body));
      res.writeHead(200);
      res.end();
    });
  });
  hooks.listen(0, "127.0.0.1");
  await once(hooks, "listening");
  server = await startServer({ env: { WEBHOOK_URL: `http://127.0.0.1:${hooks.address().port}/pusher/webhook` } });
});

after(async () => {
  for (const c of closers) { try { c(); } catch { /* closed */ } }
  if (server) await server.stop();
  if (hooks) hooks.close();
});

const events = () => received.flatMap((b) => b.events);

test("occupied, member_added, client_event, member_removed, vacated arrive signed, after a retry", async () => {
  const a = makeEcho(server, { user: { id: 1 } });
  const b = makeEcho(server, { user: { id: 2 } });
  closers.push(() => a.disconnect(), () => b.disconnect());
  await Promise.all([echoConnected(a), echoConnected(b)]);
  let here = 0;
  a.join("hooks.1").here(() => here++);
  b.join("hooks.1").here(() => here++);
  await waitFor(() => here === 2, 5000, "joined");
  a.join("hooks.1").whisper("typing", { x: 1 });
  await waitFor(() => events().some((e) => e.name === "client_event"), 10000, "client_event");
  b.leave("hooks.1");
  a.leave("hooks.1");
  await waitFor(() => events().some((e) => e.name === "channel_vacated"), 10000, "vacated");

  assert.ok(attempts >= 2, "the failed batch was retried");
  const names = events().map((e) => e.name);
  assert.equal(names[0], "channel_occupied");
  assert.deepEqual(names.filter((n) => n === "member_added").length, 2);
  assert.deepEqual(names.filter((n) => n === "member_removed").length, 2);
  const ce = events().find((e) => e.name === "client_event");
  assert.equal(ce.channel, "presence-hooks.1");
  assert.equal(ce.event, "client-typing");
  assert.equal(ce.user_id, "1");
  assert.deepEqual(JSON.parse(ce.data), { x: 1 });
  assert.match(ce.socket_id, /^\d+\.\d+$/);
  assert.ok(received.every((b) => typeof b.time_ms === "number"));
});

test("the daemon logged no GLib criticals or warnings from libraries", () => {
  assert.doesNotMatch(server.logs(), /CRITICAL|GLib-|GLib-GObject-|GLib-GIO-|libsoup-|Json-/);
});
