/* roomcast: room media end to end: roomcastd, real webrtcbin clients.
 *
 * Starts the real daemon (--dev, loopback only) and drives rooms with the C
 * test client (tests/lib): room:join, seat:take/leave, mic:mute, then
 * media:connect. Every client sends a sine of its own frequency and measures
 * all the test frequencies in what it receives (Goertzel), so "hears X" and
 * "does not hear itself" are levels, not guesses.
 *
 * Like test-media-echo.c, the process first enters a network namespace with
 * only `lo` when it can, and every ICE agent gathers 127.0.0.1 only.
 * Server-side figures come from /metrics and /proc of the daemon.
 */
#include <stdlib.h>

#include <gio/gio.h>
#include <gst/gst.h>

#include "room-media-fixture.h"

/* --- tests --------------------------------------------------------------------- */

static RcTestClient *spk[3], *lis, *spk_b, *lis_b;

/* `speaking` events the room A listener got: user id -> count of
 * speaking:true, and all events. */
static GHashTable *speaking_on;
static guint speaking_events;

static void
on_speaking (RcTestClient *c, JsonArray *args, gpointer data)
{
  JsonObject *o = json_array_get_object_element (args, 0);
  const char *user = json_object_get_string_member (o, "userId");

  speaking_events++;
  if (json_object_get_boolean_member (o, "speaking"))
    g_hash_table_replace (speaking_on, g_strdup (user),
                          GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (speaking_on, user)) + 1));
}

static gboolean
three_speaking (gpointer data)
{
  return g_hash_table_size (speaking_on) >= 3;
}

/* @f is at least 30 dB below @ref_db (a tone that must not be there). */
static gboolean
absent (RcTestClient *c, guint f, double ref_db)
{
  return level (c, f) <= ref_db - 30.0;
}

static gboolean
mix_minus_ok (gpointer data)
{
  /* Room A: each speaker hears the two others, not itself (30 dB down from
   * the quietest tone it hears); the listener hears all three; room B's
   * tone does not leak into A and A's do not leak into B. */
  for (guint i = 0; i < 3; i++) {
    double quietest = 0;
    for (guint j = 0; j < 3; j++)
      if (j != i) {
        if (!hears (spk[i], j))
          return FALSE;
        quietest = MIN (quietest, level (spk[i], j));
      }
    if (!absent (spk[i], i, quietest) || !absent (spk[i], F1320, quietest))
      return FALSE;
  }
  for (guint j = 0; j < 3; j++)
    if (!hears (lis, j) || !absent (lis, F1320, level (lis, j)) ||
        !absent (lis_b, j, level (lis_b, F1320)))
      return FALSE;
  return hears (lis_b, F1320) && level (spk_b, F1320) < HEARD_DB - 30;
}

static void
test_mix_minus (void)
{
  const double tones[] = { 440.0, 660.0, 880.0 };
  RcTestClient *all[6];
  Group g = { all, 6 };
  gboolean ok;

  for (guint i = 0; i < 3; i++)
    all[i] = spk[i] = client_in (ROOM_A, tones[i], (gint) i, FALSE, NULL);
  all[3] = lis = client_in (ROOM_A, 0, -1, FALSE, NULL);
  speaking_on = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  rc_test_client_on (lis, "speaking", on_speaking, NULL);
  all[4] = spk_b = client_in (ROOM_B, ROOM_B_HZ, 0, FALSE, NULL);
  all[5] = lis_b = client_in (ROOM_B, 0, -1, FALSE, NULL);
  g_assert_true (rc_test_wait_until (30000, all_connected, &g));
  ok = rc_test_wait_until (20000, mix_minus_ok, NULL);
  for (guint i = 0; i < 6; i++)
    describe (all[i], i < 3 ? "room A speaker" : i == 3 ? "room A listener" :
                      i == 4 ? "room B speaker" : "room B listener");
  g_test_message ("room A: %.0f peers, %.0f speakers, %.0f encoders; packets in %.0f out %.0f "
                  "offered %.0f",
                  room_metric ("roomcast_media_room_peers", ROOM_A),
                  room_metric ("roomcast_media_room_speakers", ROOM_A),
                  room_metric ("roomcast_media_room_encoders", ROOM_A),
                  metric ("roomcast_media_packets_in_total"),
                  metric ("roomcast_media_packets_out_total"),
                  metric ("roomcast_media_packets_offered_total"));
  g_assert_true (ok);
  /* Steady tones: each speaker turns speaking on once (the listener joined
   * after they sat, so it saw every start), and nothing flaps. */
  g_assert_true (rc_test_wait_until (5000, three_speaking, NULL));
  g_test_message ("speaking events at the listener: %u, from %u speakers", speaking_events,
                  g_hash_table_size (speaking_on));
  g_assert_cmpuint (speaking_events, <=, 6);
  g_assert_cmpfloat (room_metric ("roomcast_media_room_encoders", ROOM_A), ==, 4);
  g_assert_cmpfloat (room_metric ("roomcast_media_room_encoders", ROOM_B), ==, 2);
}

/* A listener who sends a tone is not heard until seated; once seated the
 * others hear it and it does not hear itself; muting and leaving the seat
 * switch back. Its received stream never changes SSRC, never renegotiates. */
typedef struct {
  RcTestClient *c;
  guint f;
  gboolean want;
} HearWait;

static gboolean
hear_state (gpointer data)
{
  HearWait *w = data;

  /* Gone: 30 dB under the room's 440 Hz, which it keeps hearing. */
  return w->want ? hears (w->c, w->f) : absent (w->c, w->f, level (w->c, F440));
}

/* The most a switch may take to be observed, from the configured latencies:
 * the server's (src/media/room-media-encoders.c: the mixer forces a period
 * out at its running time + JITTER_LATENCY_MS 20 + UPSTREAM_SLACK_MS 20 +
 * one 20 ms period + its 20 ms latency, then one Opus frame, at most 20 ms:
 * OPUS_MIX_FRAME_MS, OPUS_SPEAKER_FRAME_MS 10; placed by
 * arrival, a seat runs at most that upstream latency late), the
 * client's (RcTestClient's 60 ms jitterbuffer and up to two 100 ms analysis
 * windows of its meter), and SWITCH_SLACK_MS for the request, its ack and
 * the main loops on a shared machine; all scaled by the test time scale. */
#define SERVER_LATENCY_MS (20 + 20 + 20 + 20 + 20)
#define CLIENT_LATENCY_MS (60 + 2 * 100)
#define SWITCH_BOUND_MS (SERVER_LATENCY_MS + CLIENT_LATENCY_MS + 500)

static void
wait_hear (RcTestClient *c, guint f, gboolean want, gint64 since_us, const char *what)
{
  HearWait w = { c, f, want };
  gboolean ok = rc_test_wait_until (10000, hear_state, &w);

  gint64 ms = (g_get_monotonic_time () - since_us) / 1000;

  /* What a client observes: the server's switch (one main-loop iteration
   * after the ack) plus the mixer's and the client's latency. */
  g_test_message ("%s: %s after %" G_GINT64_FORMAT " ms (bound %u ms x time scale)", what,
                  ok ? "done" : "NOT done", ms, SWITCH_BOUND_MS);
  if (!ok) {
    describe (c, "observer");
    g_assert_true (ok);
  }
  g_assert_cmpint (ms, <, SWITCH_BOUND_MS * rc_test_time_scale ());
}

/* @data hears room A's three speakers (waited for: one analysis window can
 * be a decoder glitch on a loaded machine). */
static gboolean
hears_room_a (gpointer data)
{
  return hears (data, F440) && hears (data, F660) && hears (data, F880);
}

/* The switcher's own tone is 30 dB under the others it hears. */
static gboolean
own_tone_absent (gpointer data)
{
  RcTestClient *sw = data;

  return level (sw, F1000) < MIN (level (sw, F440), level (sw, F880)) - 30.0;
}

static gboolean
send_closed (gpointer data)
{
  return rc_test_client_get_send_state (data) == RC_TEST_MEDIA_IDLE;
}

static void
test_seat_switch (void)
{
  RcTestClient *sw = client_in (ROOM_A, SWITCHER_HZ, -1, FALSE, NULL);
  RcTestClient *one[] = { sw };
  Group g = { one, 1 };
  g_autofree char *offer = NULL;
  RcTestClientCounters before, after;
  gint64 t;

  g_assert_true (rc_test_wait_until (30000, all_connected, &g));
  offer = g_strdup (rc_test_client_get_offer (sw));
  wait_hear (sw, F440, TRUE, g_get_monotonic_time (), "switcher hears the room");
  rc_test_run_for (1000);
  describe (lis, "listener, switcher not seated");
  /* Not seated: not mixed. One 40 ms window can be a decoder glitch under
   * load, so this waits for a clean one; were it mixed there would be none. */
  wait_hear (lis, F1000, FALSE, g_get_monotonic_time (), "not seated: the listener does not hear it");
  rc_test_client_get_counters (sw, &before);

  t = request (sw, "seat:take", "{\"seat\":3}");
  if (lite_mode ()) {
    /* Two transports: heard once its send transport is up. */
    rc_test_client_publish (sw);
    g_assert_true (rc_test_wait_until (30000, all_connected, &g));
    g_assert_cmpint (rc_test_client_get_send_state (sw), ==, RC_TEST_MEDIA_CONNECTED);
    t = g_get_monotonic_time ();
  }
  wait_hear (lis, F1000, TRUE, t, "seated: the listener hears the switcher");
  g_assert_true (rc_test_wait_until (3000, hears_room_a, sw));
  rc_test_run_for (1000);
  describe (sw, "switcher, seated");
  g_assert_true (rc_test_wait_until (3000, own_tone_absent, sw));
  g_assert_cmpfloat (room_metric ("roomcast_media_room_encoders", ROOM_A), ==, 5);

  t = request (sw, "mic:mute", "{\"muted\":true}");
  wait_hear (lis, F1000, FALSE, t, "mic muted: the listener no longer hears it");
  g_assert_cmpfloat (room_metric ("roomcast_media_room_encoders", ROOM_A), ==, 4);
  t = request (sw, "mic:mute", "{\"muted\":false}");
  wait_hear (lis, F1000, TRUE, t, "mic unmuted: heard again");
  /* Mute and unmute in quick succession: each time the room unlinks the
   * speaker while webrtcbin may be pushing its audio. Whatever the timing,
   * the speaker is heard after the last unmute (a refused push once paused
   * webrtcbin's jitterbuffer for good). */
  for (guint i = 0; i < 30; i++) {
    request (sw, "mic:mute", "{\"muted\":true}");
    t = request (sw, "mic:mute", "{\"muted\":false}");
  }
  wait_hear (lis, F1000, TRUE, t, "after 30 quick mutes and unmutes: heard again");

  t = request (sw, "seat:leave", "{}");
  wait_hear (lis, F1000, FALSE, t, "seat left: not heard any more");
  if (lite_mode ()) /* media:unpublished: the server closed the send transport */
    g_assert_true (rc_test_wait_until (5000, send_closed, sw));
  rc_test_run_for (500);
  g_assert_true (rc_test_wait_until (3000, hears_room_a, sw));
  rc_test_client_get_counters (sw, &after);
  describe (sw, "switcher, after");
  g_assert_cmpstr (rc_test_client_get_offer (sw), ==, offer); /* no renegotiation */
  g_assert_cmpuint (after.ssrc, ==, before.ssrc);
  g_assert_cmpuint (after.ssrc_changes, ==, before.ssrc_changes);
  /* A switch may lose the frame in flight, never a run of numbers. */
  g_assert_cmpuint (after.seq_gaps - before.seq_gaps, <=, 8);
  g_assert_cmpuint (after.packets, >, before.packets + 100);
  rc_test_client_close (sw);
  g_object_unref (sw);
}

static gboolean
failed_or_gone (gpointer data)
{
  RcTestClient *c = data;

  return rc_test_client_get_media_state (c) == RC_TEST_MEDIA_FAILED;
}

/* One client never answers, one answers but has no usable ICE candidate
 * (it gathers on an address this namespace does not have, so no packet is
 * ever sent); both get media:failed and are removed, while the room plays on. */
static void
test_failing_peers (void)
{
  guint user = ++fx.next_user;
  g_autofree char *token = g_strdup_printf ("dev:%u:tester%u", user, user);
  RcTestClientOptions opts = {
    .url = fx.url, .token = token, .probe_hz = probe_hz, .n_probe_hz = N_PROBES,
    .no_answer = TRUE,
  };
  RcTestClient *silent = rc_test_client_new (&opts);
  RcTestClient *no_ice;
  double peers_before = room_metric ("roomcast_media_room_peers", ROOM_A);
  RcTestClientCounters k0, k1;
  gint64 t0, t1;

  rc_test_client_connect (silent);
  g_assert_true (rc_test_wait_until (30000, is_connected, silent));
  request (silent, "room:join", "{\"roomId\":\"" ROOM_A "\"}");
  rc_test_client_start_media (silent);
  no_ice = client_in (ROOM_A, 0, -1, FALSE, "198.18.0.1");
  rc_test_client_get_counters (lis, &k0);
  t0 = g_get_monotonic_time ();
  g_assert_true (rc_test_wait_until (CONNECT_TIMEOUT_MS + 15000, failed_or_gone, silent));
  g_assert_true (rc_test_wait_until (15000, failed_or_gone, no_ice));
  describe (silent, "never answers");
  describe (no_ice, "no ICE");
  g_assert_cmpstr (rc_test_client_get_failed_reason (silent), ==, "timeout");
  rc_test_client_get_counters (lis, &k1);
  t1 = g_get_monotonic_time ();
  describe (lis, "listener meanwhile");
  /* 50 packets/s for the whole wait (measured from k0, which is taken once
   * the no-ICE client is in, so the wait is shorter than the connect
   * timeout): the others were not disturbed. 80 % allows for the packets
   * still in the listener's jitterbuffer at either end. */
  g_test_message ("listener: %" G_GUINT64_FORMAT " packets in %.2f s",
      (guint64) (k1.packets - k0.packets), (t1 - t0) / 1e6);
  g_assert_cmpfloat ((double) (k1.packets - k0.packets), >, 0.8 * 50 * ((t1 - t0) / 1e6) - 20);
  g_assert_true (rc_test_wait_until (3000, hears_room_a, lis));
  rc_test_run_for (300);
  g_assert_cmpfloat (room_metric ("roomcast_media_room_peers", ROOM_A), ==, peers_before);
  rc_test_client_close (silent);
  rc_test_client_close (no_ice);
  g_object_unref (silent);
  g_object_unref (no_ice);
}

/* A client whose answer names a certificate it does not have: the server's
 * DTLS refuses it (the icelitesink, or webrtcbin's check), the client gets
 * media:failed dtls_failed and its peer is removed. */
static void
test_wrong_fingerprint (void)
{
  guint user = ++fx.next_user;
  g_autofree char *token = g_strdup_printf ("dev:%u:tester%u", user, user);
  RcTestClientOptions opts = {
    .url = fx.url, .token = token, .probe_hz = probe_hz, .n_probe_hz = N_PROBES,
    .answer_fingerprint = "sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:"
                          "1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08",
  };
  RcTestClient *c = rc_test_client_new (&opts);
  /* -1: no pipeline yet (the test run alone) */
  double peers_before = MAX (room_metric ("roomcast_media_room_peers", ROOM_A), 0);
  RcTestClientCounters k;

  rc_test_client_connect (c);
  g_assert_true (rc_test_wait_until (30000, is_connected, c));
  request (c, "room:join", "{\"roomId\":\"" ROOM_A "\"}");
  rc_test_client_start_media (c);
  g_assert_true (rc_test_wait_until (CONNECT_TIMEOUT_MS + 15000, failed_or_gone, c));
  describe (c, "wrong fingerprint");
  g_assert_cmpstr (rc_test_client_get_failed_reason (c), ==, "dtls_failed");
  rc_test_client_get_counters (c, &k);
  g_assert_cmpuint (k.packets, ==, 0);
  rc_test_run_for (300);
  g_assert_cmpfloat (MAX (room_metric ("roomcast_media_room_peers", ROOM_A), 0), ==, peers_before);
  rc_test_client_close (c);
  g_object_unref (c);
}

/* Received packets of each client of @g, into @packets. */
static void
group_packets (Group *g, guint64 *packets)
{
  for (guint i = 0; i < g->n; i++) {
    RcTestClientCounters k;

    rc_test_client_get_counters (g->c[i], &k);
    packets[i] = k.packets;
  }
}

/* Every listener of @data (a Group) hears room E's 440 Hz speaker. */
static gboolean
group_hears_440 (gpointer data)
{
  Group *g = data;

  for (guint i = 0; i < g->n; i++)
    if (!hears (g->c[i], F440))
      return FALSE;
  return TRUE;
}

/* Packets per second each listener of @g received over @ms, into @rate;
 * and the server's packets out per second. */
static double
group_rates (Group *g, guint ms, double *rate)
{
  guint64 p0[8], p1[8];
  double out0 = metric ("roomcast_media_packets_out_total"), secs;
  gint64 t0 = g_get_monotonic_time ();

  g_assert_cmpuint (g->n, <=, G_N_ELEMENTS (p0));
  group_packets (g, p0);
  rc_test_run_for (ms);
  group_packets (g, p1);
  secs = (g_get_monotonic_time () - t0) / 1e6;
  for (guint i = 0; i < g->n; i++)
    rate[i] = (p1[i] - p0[i]) / secs;
  return (metric ("roomcast_media_packets_out_total") - out0) / secs;
}

/* A connected peer whose client vanishes (its webrtcbin stopped without a
 * word to the server: its UDP port is closed, the server's sends to it fail
 * and nothing answers its consent checks) shares the room's tee with the
 * others; the room's thread pushes through every peer's webrtcbin, so this
 * checks that such a peer never holds it: the other listeners keep their
 * packet rate (compared with the seconds just before, so that a loaded
 * machine does not decide; a held tee would make it 0) and keep hearing
 * the speaker. */
static gboolean
room_e_has_four (gpointer data)
{
  return room_metric ("roomcast_media_room_peers", ROOM_E) == 4;
}

static void
test_stalled_peer (void)
{
  RcTestClient *c[5];
  Group all = { c, 5 }, others = { c + 1, 3 };
  double before[3], after[3], out_before, out_after;

  c[0] = client_in (ROOM_E, 440.0, 0, FALSE, NULL);
  for (guint i = 1; i < 5; i++)
    c[i] = client_in (ROOM_E, 0, -1, FALSE, NULL);
  g_assert_true (rc_test_wait_until (30000, all_connected, &all));
  g_assert_true (rc_test_wait_until (20000, group_hears_440, &others));
  out_before = group_rates (&others, 3000, before);
  rc_test_client_stop_media (c[4], FALSE);
  out_after = group_rates (&others, 5000, after);
  describe (c[4], "vanished listener");
  g_test_message ("server packets out/s: %.0f before, %.0f after (5 peers, 50/s each)", out_before,
                  out_after);
  for (guint i = 0; i < 3; i++) {
    describe (others.c[i], "listener");
    g_test_message ("listener %u: %.1f packets/s before, %.1f after", i, before[i], after[i]);
    g_assert_cmpfloat (after[i], >, 0.6 * before[i]);
  }
  g_assert_true (rc_test_wait_until (3000, group_hears_440, &others));
  if (lite_mode ()) {
    /* The vanished listener stops answering consent checks: past the
     * element's consent timeout (30 s) the server stops sending to it and
     * removes it. */
    gint64 t0 = g_get_monotonic_time ();
    gboolean gone = rc_test_wait_until (45000, room_e_has_four, NULL);

    g_test_message ("vanished listener removed after %.1f s",
                    (g_get_monotonic_time () - t0) / 1e6);
    g_assert_true (gone);
  }
  for (guint i = 0; i < 5; i++) {
    rc_test_client_close (c[i]);
    g_object_unref (c[i]);
  }
}

static void
close_all_a_b (void)
{
  RcTestClient *all[] = { spk[0], spk[1], spk[2], lis, spk_b, lis_b };

  /* NULL when run alone (-p): the earlier tests made none. */
  for (guint i = 0; i < G_N_ELEMENTS (all); i++) {
    if (all[i] == NULL)
      continue;
    rc_test_client_close (all[i]);
    g_object_unref (all[i]);
  }
}

static gboolean
packets_everywhere (gpointer data)
{
  Group *g = data;

  for (guint i = 0; i < g->n; i++) {
    RcTestClientCounters k;
    rc_test_client_get_counters (g->c[i], &k);
    if (k.packets < 50)
      return FALSE;
  }
  return TRUE;
}

/* 5 speakers + 35 listeners: everyone receives, 6 encoders; the server's
 * CPU, threads and RSS are measured over 10 s and printed. */
static void
test_forty_peers (void)
{
  RcTestClient *c[40];
  Group g = { c, 40 };
  int pid = server_pid ();
  guint threads0 = rc_test_count_threads (pid);
  guint64 rss0 = rc_test_rss_kib (pid), cpu0, cpu1;
  guint64 packets0[40], packets1[40];
  gint64 t1;
  g_autofree char *loadavg = NULL;
  const char *measure_env = g_getenv ("RC_ROOM_MEDIA_MEASURE_MS");
  guint measure_ms = measure_env ? (guint) atoi (measure_env) : MEASURE_MS;
  gint64 t0;
  double busy, busy0;

  close_all_a_b ();
  for (guint i = 0; i < 40; i++)
    c[i] = client_in (ROOM_C, i < 5 ? 300.0 + 100 * i : 0, i < 5 ? (gint) i : -1, i >= 5, NULL);
  if (!rc_test_wait_until (60000, all_connected, &g) ||
      !rc_test_wait_until (20000, packets_everywhere, &g)) {
    for (guint i = 0; i < 40; i++)
      describe (c[i], "client");
    g_assert_not_reached ();
  }
  g_assert_cmpfloat (room_metric ("roomcast_media_room_encoders", ROOM_C), ==, 6);
  g_assert_cmpfloat (room_metric ("roomcast_media_room_peers", ROOM_C), ==, 40);
  /* webrtcbin peers: 40 in groups of MEDIA_FANOUT_PEERS 4; the lite
   * transport sends to all from the encoders' threads. */
  g_assert_cmpfloat (room_metric ("roomcast_media_room_fanout_groups", ROOM_C), ==,
                     lite_mode () ? 1 : 10);
  g_test_message ("measuring 5 speakers + 35 listeners for %u ms (roomcastd pid %d)",
                  measure_ms, pid);
  group_packets (&g, packets0);
  cpu0 = rc_test_cpu_ms (pid);
  t0 = g_get_monotonic_time ();
  rc_test_run_for (measure_ms);
  cpu1 = rc_test_cpu_ms (pid);
  group_packets (&g, packets1);
  t1 = g_get_monotonic_time ();
  /* Every receiver gets every 20 ms packet, speakers (their own mixes) and
   * listeners (the shared one) alike: the encoders' queues once leaked a
   * steady share of all of them when the seats' audio came early. All 40
   * together must get 95 %; each one half (one test client stalled for a
   * moment on this shared machine, or under ASan, is not the server's
   * loss: seen at 74 % once, with the 39 others at 100 %). */
  {
    double expected = 50.0 * (t1 - t0) / 1e6;
    guint64 total = 0;

    for (guint i = 0; i < 40; i++) {
      total += packets1[i] - packets0[i];
      if (packets1[i] - packets0[i] < 0.5 * expected) {
        describe (c[i], "short of packets");
        g_error ("client %u got %" G_GUINT64_FORMAT " packets in the window, expected %.0f", i,
                 packets1[i] - packets0[i], expected);
      }
    }
    g_test_message ("40 receivers: %" G_GUINT64_FORMAT " packets in %.2f s, %.1f %% of 50/s each",
                    total, (t1 - t0) / 1e6, 100.0 * total / (40 * expected));
    g_assert_cmpfloat (total, >=, 0.95 * 40 * expected);
  }
  busy = 100.0 * (cpu1 - cpu0) / ((g_get_monotonic_time () - t0) / 1000.0);
  g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);
  g_test_message ("5 speakers + 35 listeners: server CPU %.1f %% of a core, threads %u -> %u "
                  "(+%.1f per peer), RSS %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " KiB "
                  "(+%.0f KiB per peer); load average %s", busy, threads0,
                  rc_test_count_threads (pid),
                  (rc_test_count_threads (pid) - threads0) / 40.0, rss0, rc_test_rss_kib (pid),
                  (double) (rc_test_rss_kib (pid) - rss0) / 40.0, loadavg);
  g_assert_true (packets_everywhere (&g));
  /* The same 40 peers with nobody seated: the difference is what 5
   * speakers cost (decode, mixing, their own encoders). */
  for (guint i = 0; i < 5; i++)
    request (c[i], "seat:leave", "{}");
  rc_test_run_for (1000);
  g_assert_cmpfloat (room_metric ("roomcast_media_room_encoders", ROOM_C), ==, 1);
  g_test_message ("measuring 40 listeners for %u ms (roomcastd pid %d)", measure_ms, pid);
  cpu0 = rc_test_cpu_ms (pid);
  t0 = g_get_monotonic_time ();
  rc_test_run_for (measure_ms);
  cpu1 = rc_test_cpu_ms (pid);
  busy0 = 100.0 * (cpu1 - cpu0) / ((g_get_monotonic_time () - t0) / 1000.0);
  g_test_message ("40 listeners, nobody seated: server CPU %.1f %% of a core (%.2f %% per "
                  "listener); so %.2f %% per speaker on top", busy0, busy0 / 40,
                  (busy - busy0) / 5);
  for (guint i = 0; i < 40; i++) {
    rc_test_client_close (c[i]);
    g_object_unref (c[i]);
  }
}

/* Connect, hear, disconnect, many times: the daemon's threads, fds and RSS
 * come back to their baseline. */
static void
test_cycles (void)
{
  guint n = g_getenv ("RC_ROOM_MEDIA_CYCLES") ? atoi (g_getenv ("RC_ROOM_MEDIA_CYCLES")) : 100;
  int pid = server_pid ();
  RcTestClient *host = client_in (ROOM_D, 440.0, 0, FALSE, NULL);
  RcTestClient *one[] = { host };
  Group g = { one, 1 };
  guint threads0, fds0;
  guint64 rss0;

  g_assert_true (rc_test_wait_until (30000, all_connected, &g));
  rc_test_run_for (3000); /* let closed peers of earlier tests finish */
  threads0 = rc_test_count_threads (pid);
  fds0 = rc_test_count_fds (pid);
  rss0 = rc_test_rss_kib (pid);
  server_figures ("before cycles");
  for (guint i = 0; i < n; i++) {
    RcTestClient *c = client_in (ROOM_D, 0, -1, TRUE, NULL);
    RcTestClient *cc[] = { c };
    Group gc = { cc, 1 };

    g_assert_true (rc_test_wait_until (30000, all_connected, &gc));
    if (i % 2)
      rc_test_client_stop_media (c, TRUE); /* media:disconnect, then the socket */
    rc_test_client_close (c);
    g_object_unref (c);
  }
  rc_test_run_for (3000);
  server_figures ("after cycles");
  g_test_message ("%u cycles: threads %u -> %u, fds %u -> %u, RSS %" G_GUINT64_FORMAT " -> %"
                  G_GUINT64_FORMAT " KiB", n, threads0, rc_test_count_threads (pid), fds0,
                  rc_test_count_fds (pid), rss0, rc_test_rss_kib (pid));
  g_assert_cmpuint (rc_test_count_threads (pid), <=, threads0 + 4);
  g_assert_cmpuint (rc_test_count_fds (pid), <=, fds0 + 8);
  g_assert_cmpuint (rc_test_rss_kib (pid), <=, rss0 + 16 * 1024);
  g_assert_cmpfloat (room_metric ("roomcast_media_room_peers", ROOM_D), ==, 1);
  rc_test_client_close (host);
  g_object_unref (host);
}

static gboolean
tolerate_upstream_race (const char *domain, GLogLevelFlags level, const char *message,
                        gpointer data)
{
  if (g_strcmp0 (domain, "GLib") == 0 &&
      strstr (message, "assertion 'version == hash_table->version' failed")) {
    fx.upstream_criticals++;
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

  if (!g_getenv ("RC_MEDIA_TEST_NO_NETNS"))
    netns = rc_test_enter_loopback_netns (&netns_error);
  g_test_init (&argc, &argv, NULL);
  g_test_log_set_fatal_handler (tolerate_upstream_race, NULL);
  gst_init (&argc, &argv);
  g_test_message (netns ? "running in a private network namespace with only lo"
                        : "no private network namespace: ICE agents gather 127.0.0.1 only");
  if (g_getenv ("ROOMCASTD") == NULL) {
    g_test_skip ("ROOMCASTD is not set");
    return g_test_run ();
  }
  start_server ();
  g_test_add_func ("/room-media/mix-minus-two-rooms", test_mix_minus);
  g_test_add_func ("/room-media/seat-switch", test_seat_switch);
  g_test_add_func ("/room-media/failing-peers", test_failing_peers);
  g_test_add_func ("/room-media/wrong-fingerprint", test_wrong_fingerprint);
  g_test_add_func ("/room-media/stalled-peer", test_stalled_peer);
  g_test_add_func ("/room-media/forty-peers", test_forty_peers);
  g_test_add_func ("/room-media/cycles", test_cycles);
  status = g_test_run ();
  stop_server ();
  return status;
}
