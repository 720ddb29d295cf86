/* janus-smoke: checks load-peer-janus.c against a running Janus AudioBridge.
 *
 *   janus-smoke --url http://127.0.0.1:8088/janus --room 1234 \
 *     --local-ip 198.18.0.1 --speakers 3 --listeners 5 --seconds 10 \
 *     [--decode-listeners 1] [--janus-pid PID] [--abandon N]
 *
 * Run it inside the benchmark's network namespace, against Janus started
 * by tools/bench/janus/start. --abandon N first starts N speakers and N
 * listeners and frees each at a different point of its negotiation (the
 * run then checks that the rest still works). Speakers send 440, 660, 880, 1100, ... Hz;
 * speaker 0 and the first --decode-listeners listeners decode and measure
 * every speaker tone. Waits until every peer is connected, then measures
 * for --seconds and prints one line per peer plus the CPU used by this
 * process and by Janus (--janus-pid); tone levels are the median of the
 * 100 ms windows of the measurement. Exit status 0 when every peer
 * connected, every receiver got >= 45 packets/s, decoding listeners hear
 * every tone and speaker 0 hears every other tone, its own at least
 * OWN_BELOW_DB lower.
 */
#include <stdio.h>
#include <stdlib.h>

#include <gst/gst.h>

#include "goertzel.h"
#include "load-peer.h"
#include "rc-test-util.h"

#define PRESENT_DB (-30.0) /* a speaker's tone in the mix: about -12 dBFS */
/* A speaker's own tone must be this far below the weakest tone it hears (not
 * absolute silence: with 440/660/880 Hz, 2 x 660 - 880 = 440 Hz is an
 * intermodulation product of the codec, about 30 dB down). */
#define OWN_BELOW_DB 20.0
#define MIN_PPS 45.0

typedef struct {
  LoadPeer *peer;
  gboolean speaker, decode;
  LoadPeerCounters before;
  GArray *levels; /* double, n_tones per sample, decoding peers only */
} Slot;

static GPtrArray *slots; /* Slot * */
static guint n_tones;

/* Every 100 ms (one Goertzel window) of the measurement: each decoding
 * peer's levels, judged by their median so that one late window under a
 * loaded machine does not decide. */
static gboolean
sample_levels (gpointer data)
{
  for (guint i = 0; i < slots->len; i++) {
    Slot *s = g_ptr_array_index (slots, i);
    for (guint k = 0; s->decode && k < n_tones; k++) {
      double db = load_peer_janus_class.get_level_db (s->peer, k);
      g_array_append_val (s->levels, db);
    }
  }
  return G_SOURCE_CONTINUE;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median_level (Slot *s, guint tone)
{
  g_autoptr (GArray) v = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint j = tone; j < s->levels->len; j += n_tones)
    g_array_append_val (v, g_array_index (s->levels, double, j));
  if (v->len == 0)
    return RC_GOERTZEL_FLOOR_DB;
  g_array_sort (v, compare_double);
  return g_array_index (v, double, v->len / 2);
}

static gboolean
all_settled (gpointer data)
{
  for (guint i = 0; i < slots->len; i++) {
    Slot *s = g_ptr_array_index (slots, i);
    if (load_peer_janus_class.get_state (s->peer) == LOAD_PEER_SIGNALLING)
      return FALSE;
  }
  return TRUE;
}

static gboolean
all_receiving (gpointer data)
{
  for (guint i = 0; i < slots->len; i++) {
    Slot *s = g_ptr_array_index (slots, i);
    LoadPeerCounters c;

    load_peer_janus_class.get_counters (s->peer, &c);
    if (c.packets < 50)
      return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  const LoadPeerClass *klass = &load_peer_janus_class;
  g_autofree char *url = NULL;      /* GOption does not free defaults: set after parsing */
  g_autofree char *room = NULL;
  g_autofree char *local_ip = NULL;
  gint n_speakers = 3, n_listeners = 5, seconds = 10, decode_listeners = 1, janus_pid = 0;
  gint n_abandon = 0;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Janus API root", "URL" },
    { "room", 0, 0, G_OPTION_ARG_STRING, &room, "AudioBridge room", "ID" },
    { "local-ip", 0, 0, G_OPTION_ARG_STRING, &local_ip, "client ICE address", "IP" },
    { "speakers", 0, 0, G_OPTION_ARG_INT, &n_speakers, "speakers", "N" },
    { "listeners", 0, 0, G_OPTION_ARG_INT, &n_listeners, "listeners", "N" },
    { "decode-listeners", 0, 0, G_OPTION_ARG_INT, &decode_listeners, "decoding listeners", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "measuring time", "S" },
    { "janus-pid", 0, 0, G_OPTION_ARG_INT, &janus_pid, "Janus process, for its CPU", "PID" },
    { "abandon", 0, 0, G_OPTION_ARG_INT, &n_abandon,
      "first start and free this many speakers + listeners mid-negotiation", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- Janus AudioBridge load-peer check");
  g_autoptr (GError) error = NULL;
  g_autofree double *tones = NULL;
  guint64 my_cpu0, janus_cpu0 = 0;
  gint64 t0, t1, connect_start;
  guint sampler;
  gboolean ok = TRUE;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || n_speakers < 1 ||
      n_listeners < 0 || seconds < 1) {
    g_printerr ("janus-smoke: %s\n", error ? error->message : "bad counts");
    return 2;
  }
  if (url == NULL)
    url = g_strdup ("http://127.0.0.1:8088/janus");
  if (room == NULL)
    room = g_strdup ("1234");
  if (local_ip == NULL)
    local_ip = g_strdup ("198.18.0.1");
  gst_init (&argc, &argv);
  n_tones = n_speakers;
  tones = g_new (double, n_speakers);
  for (gint i = 0; i < n_speakers; i++)
    tones[i] = 440.0 + 220.0 * i;

  for (gint i = 0; i < 2 * n_abandon; i++) {
    LoadPeerOptions o = { .target_url = url, .room = room, .local_ip = local_ip,
                          .display = "abandoned", .tone_hz = i % 2 ? 0 : 1000.0 };
    LoadPeer *peer = klass->create (&o);

    /* freed at different points of the signalling: before the session,
     * before the offer, before the answer */
    klass->start (peer);
    rc_test_run_for (i * 3);
    klass->free (peer);
  }
  slots = g_ptr_array_new ();
  connect_start = g_get_monotonic_time ();
  for (gint i = 0; i < n_speakers + n_listeners; i++) {
    Slot *s = g_new0 (Slot, 1);
    g_autofree char *display = NULL;
    LoadPeerOptions o = { .target_url = url, .room = room, .local_ip = local_ip,
                          .probe_hz = tones, .n_probe_hz = n_speakers };

    s->levels = g_array_new (FALSE, FALSE, sizeof (double));
    s->speaker = i < n_speakers;
    s->decode = i == 0 || (!s->speaker && i - n_speakers < decode_listeners);
    display = g_strdup_printf ("%s-%d", s->speaker ? "speaker" : "listener",
                               s->speaker ? i : i - n_speakers);
    o.display = display;
    o.tone_hz = s->speaker ? tones[i] : 0;
    o.decode = s->decode;
    s->peer = klass->create (&o);
    klass->start (s->peer);
    g_ptr_array_add (slots, s);
  }
  rc_test_wait_until (60000, all_settled, NULL);
  g_print ("settled after %.1f s\n", (g_get_monotonic_time () - connect_start) / 1e6);
  rc_test_wait_until (10000, all_receiving, NULL);

  for (guint i = 0; i < slots->len; i++) {
    Slot *s = g_ptr_array_index (slots, i);
    klass->get_counters (s->peer, &s->before);
  }
  my_cpu0 = rc_test_cpu_ms (0);
  if (janus_pid > 0)
    janus_cpu0 = rc_test_cpu_ms (janus_pid);
  t0 = g_get_monotonic_time ();
  sampler = g_timeout_add (100, sample_levels, NULL);
  rc_test_run_for (seconds * 1000);
  g_source_remove (sampler);
  t1 = g_get_monotonic_time ();

  for (guint i = 0; i < slots->len; i++) {
    Slot *s = g_ptr_array_index (slots, i);
    LoadPeerState state = klass->get_state (s->peer);
    LoadPeerCounters c;
    double pps, own_db = RC_GOERTZEL_FLOOR_DB, weakest_db = 0.0;
    g_autoptr (GString) levels = g_string_new ("");

    klass->get_counters (s->peer, &c);
    pps = (c.packets - s->before.packets) * 1e6 / (t1 - t0);
    if (state != LOAD_PEER_CONNECTED || pps < MIN_PPS)
      ok = FALSE;
    for (gint k = 0; s->decode && k < n_speakers; k++) {
      double db = median_level (s, k);
      gboolean own = s->speaker && k == (gint) i;

      g_string_append_printf (levels, " %g Hz %.1f dB%s", tones[k], db, own ? " (own)" : "");
      if (own)
        own_db = db;
      else
        weakest_db = MIN (weakest_db, db);
    }
    if (s->decode && (weakest_db < PRESENT_DB || own_db > weakest_db - OWN_BELOW_DB))
      ok = FALSE;
    g_print ("%-8s %2u %-9s %s pps %.1f gaps %" G_GUINT64_FORMAT " jitter %.2f ms "
             "first %.0f ms%s%s\n",
             s->speaker ? "speaker" : "listener", i, state == LOAD_PEER_CONNECTED ? "connected"
                                                     : state == LOAD_PEER_FAILED ? "FAILED" : "?",
             klass->get_error (s->peer) ? klass->get_error (s->peer) : "", pps,
             c.seq_gaps - s->before.seq_gaps, c.jitter_ms,
             c.first_packet_us ? (c.first_packet_us - c.start_us) / 1e3 : -1.0,
             s->decode ? " |" : "", levels->str);
  }
  g_print ("cpu over %.1f s: loadgen %.1f %% of a core", (t1 - t0) / 1e6,
           (rc_test_cpu_ms (0) - my_cpu0) * 1e5 / (t1 - t0));
  if (janus_pid > 0)
    g_print (", janus %.1f %% of a core (rss %" G_GUINT64_FORMAT " KiB, %u threads)",
             (rc_test_cpu_ms (janus_pid) - janus_cpu0) * 1e5 / (t1 - t0),
             rc_test_rss_kib (janus_pid), rc_test_count_threads (janus_pid));
  g_print ("\n%s\n", ok ? "PASS" : "FAIL");

  for (guint i = 0; i < slots->len; i++) {
    Slot *s = g_ptr_array_index (slots, i);
    klass->free (s->peer);
    g_array_unref (s->levels);
    g_free (s);
  }
  g_ptr_array_unref (slots);
  rc_test_run_for (200); /* let the destroy requests go out */
  return ok ? 0 : 1;
}
