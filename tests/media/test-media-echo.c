/* roomcast: media tests against media-echo-server, over loopback only.
 *
 * The server runs as a child process (it holds the server webrtcbins; this
 * process holds the clients', as a real deployment would); real WebSockets,
 * real Socket.IO, real ICE/DTLS/SRTP on 127.0.0.1. What is checked is what
 * a listener would notice: the 440 Hz tone is heard (Goertzel, ≥ 30 dB
 * above 1000 Hz), the server pushed packets to every peer, a client that
 * never answers is dropped with media:failed without disturbing the
 * others, connect/disconnect cycles (also before and during negotiation)
 * leave no threads or fds behind, RTC_ANNOUNCED_IP rewrites the signalled
 * candidates, bad answers and candidates are refused with their code, and
 * an answer whose a=fingerprint is not the client's certificate fails.
 * `measure` prints the server's threads, RSS and CPU per listener.
 *
 * Knobs: RC_MEDIA_TEST_STRICT=1 (no packet may go missing: a quiet machine),
 * RC_MEDIA_TEST_MANY=N (an extra test with N clients in this process),
 * RC_MEDIA_TEST_CONNECT_TIMEOUT_MS, RC_MEDIA_TEST_NO_NETNS=1 (check the
 * add-local-ip-address path, e.g. in a namespace that also has a veth).
 *
 * When the process may (root), it first moves into a network namespace that
 * has only `lo`; otherwise the ICE agents are told to gather 127.0.0.1 only.
 * Either way every candidate exchanged is asserted to be 127.0.0.1.
 */
#include <string.h>

#include <gio/gio.h>
#include <gst/gst.h>

#include "echo-fixture.h"
#include "media/media-sdp.h"
#include "rc-test-util.h"

/* --- tests ----------------------------------------------------------------- */

typedef struct {
  RcTestClientCounters rtp;
  RcTestTransportStats wire;
  gint64 offered, out, sent; /* the server's peer, summed over all peers */
} Snapshot;

static gboolean
transport_stats_ready (gpointer data)
{
  Group *g = data;
  RcTestTransportStats t;

  for (guint i = 0; i < g->n; i++)
    if (!rc_test_client_get_transport_stats (g->clients[i], &t))
      return FALSE;
  return TRUE;
}

/* Both sides' counters at one moment: the server's per-peer counters, and
 * each client's webrtcbin (what arrived) and RTP probe (what left the
 * jitterbuffer). */
static void
snapshot (RcTestClient **clients, guint n, Snapshot *snap)
{
  Group g = { clients, n };
  g_autoptr (JsonObject) s = server_stats (clients[0]);
  JsonArray *peers = json_object_get_array_member (s, "peers");

  for (guint i = 0; i < n; i++)
    rc_test_client_fetch_transport_stats (clients[i]);
  g_assert_true (rc_test_wait_until (20000, transport_stats_ready, &g));
  for (guint i = 0; i < n; i++) {
    rc_test_client_get_counters (clients[i], &snap[i].rtp);
    rc_test_client_get_transport_stats (clients[i], &snap[i].wire);
  }
  snap[0].offered = snap[0].out = snap[0].sent = 0;
  for (guint i = 0; i < json_array_get_length (peers); i++) {
    JsonObject *p = json_array_get_object_element (peers, i);
    snap[0].offered += json_object_get_int_member (p, "packetsOffered");
    snap[0].out += json_object_get_int_member (p, "packetsOut");
    snap[0].sent += json_object_get_int_member (p, "packetsSent");
  }
}

/* Over two more seconds every client keeps receiving packets (at least half
 * the nominal 50/s: a stalled branch would give none) and hears the tone.
 * Any sequence gap is reported with both sides' counters so that it is
 * clear where the packets went: dropped by the server's send queue (its
 * offered - taken grows, read in one server snapshot), or missing at the
 * client: never arrived (its jitterbuffer's "lost") or arrived too late
 * ("late": this process was not scheduled in time). Gaps and queue drops
 * fail the test only with RC_MEDIA_TEST_STRICT=1 (a quiet machine): on a
 * loaded 2-core CI machine either process can be starved for 100 ms. */
static void
assert_steady (RcTestClient **clients, guint n)
{
  g_autofree Snapshot *a = g_new0 (Snapshot, n);
  g_autofree Snapshot *b = g_new0 (Snapshot, n);
  gboolean strict = g_getenv ("RC_MEDIA_TEST_STRICT") != NULL;
  guint64 gaps_total = 0;
  gint64 t0, elapsed_ms, queue_drops;

  snapshot (clients, n, a);
  t0 = g_get_monotonic_time ();
  rc_test_run_for (2000);
  snapshot (clients, n, b);
  elapsed_ms = (g_get_monotonic_time () - t0) / 1000;
  queue_drops = (b[0].offered - a[0].offered) - (b[0].out - a[0].out);
  for (guint i = 0; i < n; i++) {
    guint64 gaps = b[i].rtp.seq_gaps - a[i].rtp.seq_gaps;

    g_assert_cmpuint (b[i].rtp.packets - a[i].rtp.packets, >=, (guint64) elapsed_ms * 50 / 1000 / 2);
    g_assert_true (hears_tone (clients[i]));
    gaps_total += gaps;
    if (gaps > 0)
      g_test_message ("client %u: %" G_GUINT64_FORMAT " packets missing; its jitterbuffer: "
                      "%" G_GINT64_FORMAT " lost, %" G_GUINT64_FORMAT " late", i, gaps,
                      b[i].wire.lost - a[i].wire.lost, b[i].wire.late - a[i].wire.late);
  }
  g_test_message ("steady %" G_GINT64_FORMAT " ms, %u clients: server offered %" G_GINT64_FORMAT
                  ", its transports took %" G_GINT64_FORMAT " (queue drops %" G_GINT64_FORMAT
                  "), sent %" G_GINT64_FORMAT "; clients missed %" G_GUINT64_FORMAT,
                  elapsed_ms, n, b[0].offered - a[0].offered, b[0].out - a[0].out,
                  queue_drops, b[0].sent - a[0].sent, gaps_total);
  if (strict) {
    g_assert_cmpint (queue_drops, <=, 5 * (gint64) n); /* in flight, at most a queue each */
    g_assert_cmpuint (gaps_total, ==, 0);
  }
}

/* N clients connect at once (the first also sends 1000 Hz, the others only
 * listen, as most of a room does); all hear 440 Hz.
 * @strict: also check the steady state with both sides' counters (not for
 * loads beyond what two cores decode and encode in time in both processes). */
static void
hear_tone (guint n, gboolean strict)
{
  g_autofree RcTestClient **clients = g_new0 (RcTestClient *, n);
  Group g = { clients, n };
  PeerCount none;
  gint64 t0 = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    clients[i] = client_new (i == 0 ? 1000.0 : 0, FALSE);
  for (guint i = 0; i < n; i++)
    rc_test_client_start_media (clients[i]);
  if (!rc_test_wait_until (30000, all_media_connected, &g))
    for (guint i = 0; i < n; i++)
      describe (clients[i], "not connected");
  g_assert_true (all_media_connected (&g));
  g_test_message ("%u clients connected in %" G_GINT64_FORMAT " ms", n,
                  (g_get_monotonic_time () - t0) / 1000);
  if (!rc_test_wait_until (20000, all_hear_tone, &g))
    for (guint i = 0; i < n; i++)
      describe (clients[i], "client");
  g_assert_true (all_hear_tone (&g));
  assert_server_sent (clients[0], n, 1);
  for (guint i = 0; i < n; i++) {
    RcTestClientCounters k;

    rc_test_client_get_counters (clients[i], &k);
    g_assert_cmpuint (k.ssrc_changes, ==, 0);
    assert_loopback_only (clients[i]);
  }
  describe (clients[0], "client 0");
  if (strict)
    assert_steady (clients, n);

  for (guint i = 0; i < n; i++)
    rc_test_client_stop_media (clients[i], TRUE);
  none.probe = clients[0];
  none.n = 0;
  g_assert_true (rc_test_wait_until (20000, server_has_peers, &none));
  for (guint i = 0; i < n; i++) {
    rc_test_client_close (clients[i]);
    g_object_unref (clients[i]);
  }
}

static gboolean
got_offer (gpointer data)
{
  return rc_test_client_get_offer (data) != NULL;
}

/* What the server offers: one bundled, rtcp-muxed sendrecv audio m-line,
 * Opus 48 kHz as payload type 111 asking for in-band FEC and DTX. */
static void
test_offer (void)
{
  g_autoptr (RcTestClient) c = client_new (0, TRUE);
  const char *sdp;
  static const char *const lines[] = {
    "a=group:BUNDLE audio0\r\n", "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "a=rtcp-mux\r\n",
    "a=sendrecv\r\n", "a=rtpmap:111 OPUS/48000/2\r\n",
    "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\n", "a=setup:actpass\r\n",
  };

  rc_test_client_start_media (c);
  g_assert_true (rc_test_wait_until (20000, got_offer, c));
  sdp = rc_test_client_get_offer (c);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    if (strstr (sdp, lines[i]) == NULL)
      g_error ("the offer has no \"%s\":\n%s", lines[i], sdp);
  rc_test_client_close (c);
}

static void
test_one_client (void)
{
  hear_tone (1, TRUE);
}

static void
test_ten_clients (void)
{
  hear_tone (10, TRUE);
}

typedef struct {
  RcTestClient *client;
} FailWait;

static gboolean
has_failed (gpointer data)
{
  return rc_test_client_get_media_state (data) == RC_TEST_MEDIA_FAILED;
}

/* A client that takes the offer and never answers gets media:failed
 * {reason:"timeout"} after RTC_CONNECT_TIMEOUT_MS and its peer is removed;
 * two listeners keep hearing the tone, gap-free, all along. */
static void
test_no_answer_timeout (void)
{
  RcTestClient *ok[2] = { client_new (0, FALSE), client_new (0, FALSE) };
  g_autoptr (RcTestClient) silent = client_new (0, TRUE);
  Group g = { ok, 2 };
  RcTestClientCounters before[2], after[2];
  PeerCount two = { ok[0], 2 };
  gint64 t0, waited_ms;

  rc_test_client_start_media (ok[0]);
  rc_test_client_start_media (ok[1]);
  g_assert_true (rc_test_wait_until (30000, all_media_connected, &g));
  g_assert_true (rc_test_wait_until (20000, all_hear_tone, &g));
  for (guint i = 0; i < 2; i++)
    rc_test_client_get_counters (ok[i], &before[i]);

  t0 = g_get_monotonic_time ();
  rc_test_client_start_media (silent);
  g_assert_true (rc_test_wait_until (connect_timeout_ms () + 5000, has_failed, silent));
  waited_ms = (g_get_monotonic_time () - t0) / 1000;
  g_assert_cmpstr (rc_test_client_get_failed_reason (silent), ==, "timeout");
  g_assert_cmpint (waited_ms, >=, connect_timeout_ms () - 100);
  g_assert_true (rc_test_wait_until (20000, server_has_peers, &two));

  /* The listeners were not disturbed: packets kept arriving all along (a
   * stuck branch stalling the tee would stop them) and the tone is heard. */
  for (guint i = 0; i < 2; i++) {
    rc_test_client_get_counters (ok[i], &after[i]);
    g_test_message ("listener %u during the timeout: %" G_GUINT64_FORMAT " packets in %"
                    G_GINT64_FORMAT " ms, %" G_GUINT64_FORMAT " missing", i,
                    after[i].packets - before[i].packets, waited_ms,
                    after[i].seq_gaps - before[i].seq_gaps);
    g_assert_cmpuint (after[i].packets - before[i].packets, >=, (guint64) waited_ms * 50 / 1000 / 2);
    if (g_getenv ("RC_MEDIA_TEST_STRICT"))
      g_assert_cmpuint (after[i].seq_gaps, ==, before[i].seq_gaps);
    g_assert_true (hears_tone (ok[i]));
  }
  assert_server_sent (ok[0], 2, 0);
  for (guint i = 0; i < 2; i++) {
    rc_test_client_close (ok[i]);
    g_object_unref (ok[i]);
  }
  rc_test_client_close (silent);
}

static gboolean
got_server_candidate (gpointer data)
{
  return rc_test_client_get_candidates (data, TRUE)->len > 0;
}

static gboolean
answer_accepted (gpointer data)
{
  RcTestMediaState state = rc_test_client_get_media_state (data);

  return state == RC_TEST_MEDIA_ANSWERED || state == RC_TEST_MEDIA_CONNECTED;
}

/* One connect/disconnect cycle, leaving in one of four ways: after hearing
 * the tone (media:disconnect), before answering, right after answering
 * (before or while ICE/DTLS runs), and by dropping the WebSocket. */
static void
cycle (guint kind)
{
  g_autoptr (RcTestClient) c = client_new (kind == 0 ? 1000.0 : 0, kind == 1);
  Group g = { &c, 1 };

  rc_test_client_start_media (c);
  switch (kind) {
  case 0:
    g_assert_true (rc_test_wait_until (30000, all_media_connected, &g));
    g_assert_true (rc_test_wait_until (20000, all_hear_tone, &g));
    rc_test_client_stop_media (c, TRUE);
    break;
  case 1: /* offer received (the server's candidates follow it), never answered */
    g_assert_true (rc_test_wait_until (20000, got_server_candidate, c));
    rc_test_client_stop_media (c, TRUE);
    break;
  case 2: /* answer accepted: ICE/DTLS starting, or just done */
    g_assert_true (rc_test_wait_until (20000, answer_accepted, c));
    rc_test_client_stop_media (c, TRUE);
    break;
  case 3:
    g_assert_true (rc_test_wait_until (30000, all_media_connected, &g));
    break;
  }
  rc_test_client_close (c);
}

static gboolean
no_server_peers (gpointer data)
{
  PeerCount pc = { data, 0 };

  return server_has_peers (&pc);
}

typedef struct {
  RcTestClient *probe;
  gint64 threads, fds;
  char *fd_kinds;
} Baseline;

static gboolean
back_to_baseline (gpointer data)
{
  Baseline *b = data;
  g_autoptr (JsonObject) s = server_stats (b->probe);

  return json_object_get_int_member (s, "threads") <= b->threads + 2 &&
         json_object_get_int_member (s, "fds") <= b->fds + 2;
}

static gboolean
client_back_to_baseline (gpointer data)
{
  guint *base = data;

  return rc_test_count_threads (0) <= base[0] + 2 && rc_test_count_fds (0) <= base[1] + 2;
}

static void
test_cycles (void)
{
  g_autoptr (RcTestClient) probe = client_new (0, FALSE);
  g_autoptr (JsonObject) s0 = NULL;
  g_autoptr (JsonObject) s1 = NULL;
  Baseline b = { probe };
  guint client_base[2];
  gint64 waited_us;

  /* Warm up: first use starts lazily created threads (GStreamer pools,
   * libnice, DTLS) that stay. */
  cycle (0);
  g_assert_true (rc_test_wait_until (20000, no_server_peers, probe));
  rc_test_run_for (500);
  s0 = server_stats (probe);
  b.threads = json_object_get_int_member (s0, "threads");
  b.fds = json_object_get_int_member (s0, "fds");
  b.fd_kinds = g_strdup (json_object_get_string_member (s0, "fdKinds"));
  client_base[0] = rc_test_count_threads (0);
  client_base[1] = rc_test_count_fds (0);

  for (guint i = 0; i < 20; i++)
    cycle (i % 4);
  g_assert_true (rc_test_wait_until (20000, no_server_peers, probe));
  /* Up to 60 s: a connection whose close the server missed on a loaded
   * machine (seen once in CI-like runs: fds +4, threads -1) goes at the
   * Engine.IO ping timeout (25 + 20 s by default); a leak stays. */
  waited_us = g_get_monotonic_time ();
  if (!rc_test_wait_until (60000, back_to_baseline, &b)) {
    s1 = server_stats (probe);
    g_test_message ("server: threads %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT ", fds %"
                    G_GINT64_FORMAT " -> %" G_GINT64_FORMAT " (%s -> %s)", b.threads,
                    json_object_get_int_member (s1, "threads"), b.fds,
                    json_object_get_int_member (s1, "fds"), b.fd_kinds,
                    json_object_get_string_member (s1, "fdKinds"));
  }
  g_assert_true (back_to_baseline (&b));
  if (g_get_monotonic_time () - waited_us > 20 * G_USEC_PER_SEC)
    g_test_message ("NOTE: the server came back to its baseline only after %.1f s (a connection "
                    "close it missed?)", (g_get_monotonic_time () - waited_us) / 1e6);
  if (!rc_test_wait_until (20000, client_back_to_baseline, client_base))
    g_test_message ("client: threads %u -> %u, fds %u -> %u", client_base[0],
                    rc_test_count_threads (0), client_base[1], rc_test_count_fds (0));
  g_assert_true (client_back_to_baseline (client_base));
  s1 = server_stats (probe);
  g_test_message ("after 20 cycles: server threads %" G_GINT64_FORMAT " (baseline %"
                  G_GINT64_FORMAT "), fds %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT
                  "), rss %" G_GINT64_FORMAT " KiB (%" G_GINT64_FORMAT ")",
                  json_object_get_int_member (s1, "threads"), b.threads,
                  json_object_get_int_member (s1, "fds"), b.fds,
                  json_object_get_int_member (s1, "rssKib"),
                  json_object_get_int_member (s0, "rssKib"));
  rc_test_client_close (probe);
  g_free (b.fd_kinds);
}

/* RTC_ANNOUNCED_IP=127.0.0.2 (still loopback): the server's host candidates
 * are signalled with that address instead of the one it gathered on, and
 * the connection still comes up (the client learns the server's real
 * address as a peer-reflexive candidate from its connectivity checks). */
static void
test_announced_ip (void)
{
  g_autoptr (RcTestClient) c = NULL;
  Group g;
  GPtrArray *remote;

  push_server ("127.0.0.2");
  c = client_new (0, FALSE);
  g.clients = &c;
  g.n = 1;
  rc_test_client_start_media (c);
  g_assert_true (rc_test_wait_until (30000, all_media_connected, &g));
  g_assert_true (rc_test_wait_until (20000, all_hear_tone, &g));
  remote = rc_test_client_get_candidates (c, TRUE);
  g_assert_cmpuint (remote->len, >, 0);
  for (guint i = 0; i < remote->len; i++) {
    g_auto (RcMediaCandidate) cand = { 0 };

    g_assert_true (rc_media_candidate_parse (g_ptr_array_index (remote, i), &cand, NULL));
    g_assert_cmpstr (cand.type, ==, "host");
    g_assert_cmpstr (cand.address, ==, "127.0.0.2");
  }
  rc_test_client_close (c);
  pop_server ();
}

/* What the signalling refuses, with the codes a client switches on. */
static void
test_refusals (void)
{
  g_autoptr (RcTestClient) c = client_new (0, TRUE);
  struct { const char *event, *json, *code; } cases[] = {
    { "media:answer", "{\"sdp\":\"v=0\"}", "invalid_state" },   /* before media:connect */
    { "media:ice", "{\"candidate\":null}", "invalid_state" },
    { "media:connect", NULL, NULL },
    { "media:answer", "{\"sdp\":\"v=0\\r\\nhello\\r\\n\"}", "invalid_payload" },
    { "media:answer", "{\"sdp\":5}", "invalid_payload" },
    { "media:answer", "{\"type\":\"offer\",\"sdp\":\"v=0\"}", "invalid_payload" },
    { "media:answer", "[]", "invalid_payload" },
    { "media:ice", "{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ bogus\","
                   "\"sdpMLineIndex\":0}", "invalid_payload" },
    { "media:ice", "{\"candidate\":\"x\",\"sdpMLineIndex\":0}", "invalid_payload" },
    { "media:ice", "{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ host\","
                   "\"sdpMLineIndex\":3}", "invalid_payload" },
    { "media:ice", "{\"candidate\":null}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint acks = rc_test_client_get_acks (c), errors = rc_test_client_get_ack_errors (c);

    rc_test_client_request (c, cases[i].event, cases[i].json);
    while (rc_test_client_get_acks (c) == acks)
      g_main_context_iteration (NULL, TRUE);
    if (cases[i].code) {
      g_assert_cmpuint (rc_test_client_get_ack_errors (c), ==, errors + 1);
      g_assert_cmpstr (rc_test_client_get_last_ack_error (c), ==, cases[i].code);
    } else {
      g_assert_cmpuint (rc_test_client_get_ack_errors (c), ==, errors);
    }
  }
  rc_test_client_close (c);
}

static gboolean
connected_or_failed (gpointer data)
{
  RcTestMediaState state = rc_test_client_get_media_state (data);

  return state == RC_TEST_MEDIA_CONNECTED || state == RC_TEST_MEDIA_FAILED;
}

/* A client whose answer names another certificate than the one it shows in
 * the DTLS handshake, as a man in the middle of the media path would:
 * webrtcbin 1.22 does not compare them (the server peer does), and the
 * client's own webrtcbin completes DTLS and sends its 1000 Hz. The server
 * must take none of it, send it nothing, and end the session with
 * media:failed {dtls_failed}. */
static void
test_wrong_fingerprint (void)
{
  g_autoptr (RcTestClient) c = client_new_forged (
    1000.0, FALSE,
    "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
  g_autoptr (JsonObject) stats = NULL;
  PeerCount none = { c, 0 };
  RcTestClientCounters k;
  JsonArray *peers;

  rc_test_client_start_media (c);
  g_assert_true (rc_test_wait_until (connect_timeout_ms () + 5000, connected_or_failed, c));
  /* Whichever came first: the client's DTLS may be up and sending. */
  rc_test_run_for (500);
  stats = server_stats (c);
  peers = json_object_get_array_member (stats, "peers");
  for (guint i = 0; i < json_array_get_length (peers); i++) {
    JsonObject *p = json_array_get_object_element (peers, i);
    g_test_message ("server peer %s: %s, %" G_GINT64_FORMAT " packets in",
                    json_object_get_string_member (p, "name"),
                    json_object_get_string_member (p, "state"),
                    json_object_get_int_member (p, "packetsIn"));
    g_assert_cmpstr (json_object_get_string_member (p, "state"), !=, "connected");
    g_assert_cmpint (json_object_get_int_member (p, "packetsIn"), ==, 0);
  }
  if (!rc_test_wait_until (connect_timeout_ms () + 5000, has_failed, c))
    describe (c, "wrong fingerprint");
  g_assert_cmpint (rc_test_client_get_media_state (c), ==, RC_TEST_MEDIA_FAILED);
  g_assert_cmpstr (rc_test_client_get_failed_reason (c), ==, "dtls_failed");
  rc_test_client_get_counters (c, &k);
  g_assert_cmpuint (k.packets, ==, 0);
  g_assert_true (rc_test_wait_until (20000, server_has_peers, &none));
  rc_test_client_close (c);
}

/* Server cost per connected listener: threads, RSS and CPU with 10 peers
 * versus none, over the same 3 s. Printed, not asserted (speed claims belong in
 * benchmarks). */
static void
test_measure (void)
{
  RcTestClient *clients[10];
  Group g = { clients, G_N_ELEMENTS (clients) };
  g_autoptr (JsonObject) a0 = NULL, a1 = NULL, b0 = NULL, b1 = NULL;
  RcTestClient *probe = client_new (0, FALSE);
  guint n = G_N_ELEMENTS (clients);

  a0 = server_stats (probe);
  rc_test_run_for (3000);
  a1 = server_stats (probe);
  for (guint i = 0; i < n; i++) {
    clients[i] = client_new (0, FALSE); /* listeners: the bulk of a room */
    rc_test_client_start_media (clients[i]);
  }
  g_assert_true (rc_test_wait_until (30000, all_media_connected, &g));
  rc_test_run_for (1000);
  b0 = server_stats (probe);
  rc_test_run_for (3000);
  b1 = server_stats (probe);
  g_test_message ("server, 0 peers: %" G_GINT64_FORMAT " threads, %" G_GINT64_FORMAT
                  " KiB, %.2f %% CPU", json_object_get_int_member (a1, "threads"),
                  json_object_get_int_member (a1, "rssKib"),
                  (json_object_get_int_member (a1, "cpuMs") - json_object_get_int_member (a0, "cpuMs")) / 30.0);
  g_test_message ("server, %u peers: %" G_GINT64_FORMAT " threads, %" G_GINT64_FORMAT
                  " KiB, %.2f %% CPU", n, json_object_get_int_member (b1, "threads"),
                  json_object_get_int_member (b1, "rssKib"),
                  (json_object_get_int_member (b1, "cpuMs") - json_object_get_int_member (b0, "cpuMs")) / 30.0);
  g_test_message ("per peer: %.1f threads, %.0f KiB, %.2f %% of a core",
                  (json_object_get_int_member (b1, "threads") - json_object_get_int_member (a1, "threads")) / (double) n,
                  (json_object_get_int_member (b1, "rssKib") - json_object_get_int_member (a1, "rssKib")) / (double) n,
                  ((json_object_get_int_member (b1, "cpuMs") - json_object_get_int_member (b0, "cpuMs")) -
                   (json_object_get_int_member (a1, "cpuMs") - json_object_get_int_member (a0, "cpuMs"))) / 30.0 / n);
  for (guint i = 0; i < n; i++) {
    rc_test_client_close (clients[i]);
    g_object_unref (clients[i]);
  }
  g_assert_true (rc_test_wait_until (20000, no_server_peers, probe));
  rc_test_client_close (probe);
  g_object_unref (probe);
}

/* One connection before the tests, so that neither process pays its
 * one-time costs (DTLS key generation, plugin loading) inside a test's
 * connect timeout. Retried once: on a starved machine the first attempt may
 * itself exceed the server's timeout. */
static void
warm_up (void)
{
  for (guint attempt = 0; attempt < 2; attempt++) {
    g_autoptr (RcTestClient) c = client_new (0, FALSE);
    Group g = { &c, 1 };
    gboolean ok;

    rc_test_client_start_media (c);
    ok = rc_test_wait_until (30000, all_media_connected, &g);
    rc_test_client_close (c);
    if (ok)
      return;
    describe (c, "warm-up");
  }
}

/* RC_MEDIA_TEST_MANY=N: N clients in this one process (not run by default;
 * for checking that one client process can hold many webrtcbin peers). */
static void
test_many (void)
{
  hear_tone ((guint) g_ascii_strtoull (g_getenv ("RC_MEDIA_TEST_MANY"), NULL, 10), FALSE);
}

/* See UPSTREAM_RTPSESSION_RACE in media-echo-server.c: the one critical
 * GStreamer 1.22.0 may print under load, in this process too. */
static guint upstream_criticals;

static gboolean
tolerate_upstream_race (const char *domain, GLogLevelFlags level, const char *message,
                        gpointer data)
{
  if (g_strcmp0 (domain, "GLib") == 0 &&
      strstr (message, "assertion 'version == hash_table->version' failed")) {
    g_atomic_int_inc (&upstream_criticals);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) netns_error = NULL;
  gboolean netns = FALSE;
  int status;

  /* Before any thread exists: threads started earlier stay outside.
   * RC_MEDIA_TEST_NO_NETNS=1 skips it (to check the add-local-ip-address
   * path, e.g. inside a namespace that also has a veth pair). */
  if (g_getenv ("RC_MEDIA_TEST_NO_NETNS"))
    g_set_error_literal (&netns_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         "RC_MEDIA_TEST_NO_NETNS is set");
  else
    netns = rc_test_enter_loopback_netns (&netns_error);
  g_test_init (&argc, &argv, NULL);
  g_test_log_set_fatal_handler (tolerate_upstream_race, NULL);
  gst_init (&argc, &argv);
  if (netns)
    g_test_message ("running in a private network namespace with only lo");
  else
    g_test_message ("no private network namespace (%s): ICE agents gather 127.0.0.1 only",
                    netns_error->message);

  start_server ();
  warm_up ();
  g_test_add_func ("/media/echo/offer", test_offer);
  g_test_add_func ("/media/echo/one-client", test_one_client);
  g_test_add_func ("/media/echo/ten-clients", test_ten_clients);
  g_test_add_func ("/media/echo/no-answer-timeout", test_no_answer_timeout);
  g_test_add_func ("/media/echo/refusals", test_refusals);
  g_test_add_func ("/media/echo/wrong-fingerprint", test_wrong_fingerprint);
  g_test_add_func ("/media/echo/announced-ip", test_announced_ip);
  g_test_add_func ("/media/echo/cycles", test_cycles);
  g_test_add_func ("/media/echo/measure", test_measure);
  if (g_getenv ("RC_MEDIA_TEST_MANY"))
    g_test_add_func ("/media/echo/many", test_many);
  status = g_test_run ();
  if (g_atomic_int_get (&upstream_criticals))
    g_test_message ("GStreamer 1.22.0 rtpsession race (fixed in 1.22.4) seen %u times",
                    g_atomic_int_get (&upstream_criticals));
  stop_server ();
  return status;
}
