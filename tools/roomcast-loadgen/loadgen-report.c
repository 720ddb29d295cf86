/* roomcast-loadgen: the figures: /proc, the per-second line, the final JSON
 * and the audio check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "loadgen.h"
#include "loadgen-latency.h"
#include "rc-test-util.h"

/* "Hears" a tone: above HEARD_DB and HEARD_OVER_FLOOR_DB over the noise
 * floor; does not hear one: ABSENT_UNDER_DB under the quietest tone it hears
 * (or under NOT_HEARD_DB when it should hear none). 20 dB, not the 30 of
 * tests/media/test-room-media.c (three tones): Opus at 32 kbit/s coding five
 * loud tones leaves coding noise about 25 dB under them within the same
 * band, while a real leak of one's own voice is at the others' level. */
#define HEARD_DB (-30.0)
#define HEARD_OVER_FLOOR_DB 20.0
#define ABSENT_UNDER_DB 20.0
#define NOT_HEARD_DB (-45.0)
/* One's own tone counts as heard only if it also stands this far above the
 * coding noise beside it (its side probes). Opus in voice mode (the
 * servers' encoders) coding four loud tones fills the gaps between them
 * with noise 10-25 dB under them, at the absent fifth tone's frequency as
 * much as 35 Hz either side of it (measured offline: the four tones mixed,
 * encoded with the server's settings and decoded, no server at all), so a
 * speaker "heard itself" 14-20 dB under the others on both servers. A real
 * leak is a tone at the others' level, far above the noise beside it.
 * Every level here is the mean power of the last 2 s (get_level_db): in
 * about 1 % of single 100 ms windows the same encoder puts a narrow burst
 * at the absent tone's frequency, 10-18 dB above the noise beside it and
 * up to the others' level (tests/media/test-coding-noise.c), which the
 * check read as "hears its own" when it looked at one window; averaged
 * over 20 windows it is noise again. */
#define LEAK_OVER_SIDES_DB 10.0

void
loadgen_proc_read (int pid, LoadgenProc *proc)
{
  if (pid < 0) {
    *proc = (LoadgenProc) { 0 };
    return;
  }
  proc->cpu_ms = rc_test_cpu_ms (pid);
  proc->rss_kib = rc_test_rss_kib (pid);
  proc->threads = rc_test_count_threads (pid);
}

guint64
loadgen_machine_busy_ms (void)
{
  g_autofree char *stat = NULL;
  guint64 v[8] = { 0 };

  /* cpu  user nice system idle iowait irq softirq steal */
  if (!g_file_get_contents ("/proc/stat", &stat, NULL, NULL) ||
      sscanf (stat, "cpu %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %"
              G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
              &v[6], &v[7]) != 8)
    return 0;
  return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1000 / sysconf (_SC_CLK_TCK);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of @v (sorted in place); 0 when empty. */
static double
percentile (GArray *v, double pct)
{
  guint rank;

  if (v->len == 0)
    return 0;
  qsort (v->data, v->len, sizeof (double), cmp_double);
  rank = (guint) ceil (pct / 100.0 * v->len);
  return g_array_index (v, double, CLAMP (rank, 1, v->len) - 1);
}

static double
cpu_pct (const LoadgenProc *a, const LoadgenProc *b, gint64 us)
{
  return us > 0 ? 100.0 * (double) (b->cpu_ms - a->cpu_ms) / (us / 1000.0) : 0;
}

void
loadgen_report_second (Loadgen *lg)
{
  gint64 now = g_get_monotonic_time ();
  guint n_conn = 0, n_failed = 0, n_started = 0;
  guint64 packets = 0, gaps = 0;
  g_autoptr (GArray) jitter = g_array_new (FALSE, FALSE, sizeof (double));
  LoadgenProc server, self;

  for (guint i = 0; i < lg->peers->len; i++) {
    LoadgenPeer *p = g_ptr_array_index (lg->peers, i);
    LoadPeerCounters c;

    if (p->peer == NULL)
      continue;
    n_started++;
    p->state = p->klass->get_state (p->peer);
    n_conn += p->state == LOAD_PEER_CONNECTED;
    n_failed += p->state == LOAD_PEER_FAILED;
    p->klass->get_counters (p->peer, &c);
    packets += c.packets - p->last.packets;
    gaps += c.seq_gaps - p->last.seq_gaps;
    if (c.packets > 1)
      g_array_append_val (jitter, c.jitter_ms);
    p->last = c;
  }
  loadgen_proc_read (lg->server_pid, &server);
  loadgen_proc_read (0, &self);
  g_printerr ("[%6.1fs] %s peers %u/%u connected, %u failed | rx %" G_GUINT64_FORMAT
              " pkt/s of %.0f, seq gaps %.2f %%, jitter p50 %.2f p95 %.2f ms | CPU server %.1f %%, "
              "loadgen %.1f %%\n",
              (now - lg->t0_us) / 1e6,
              lg->measuring ? "measure" : lg->all_connected_us ? "warmup " : "connect",
              n_conn, lg->peers->len, n_failed, packets,
              lg->sec_us ? n_conn * LOADGEN_PACKETS_PER_S * (now - lg->sec_us) / 1e6 : 0.0,
              packets + gaps ? 100.0 * gaps / (packets + gaps) : 0.0, percentile (jitter, 50),
              percentile (jitter, 95),
              lg->sec_us && lg->server_pid > 0 ? cpu_pct (&lg->server_sec, &server, now - lg->sec_us) : 0,
              lg->sec_us ? cpu_pct (&lg->self_sec, &self, now - lg->sec_us) : 0);
  lg->server_sec = server;
  lg->self_sec = self;
  lg->sec_us = now;
}

static void
add_percentiles (JsonBuilder *b, const char *name, GArray *v)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, v->len);
  json_builder_set_member_name (b, "p50");
  json_builder_add_double_value (b, percentile (v, 50));
  json_builder_set_member_name (b, "p95");
  json_builder_add_double_value (b, percentile (v, 95));
  json_builder_set_member_name (b, "max");
  json_builder_add_double_value (b, percentile (v, 100));
  json_builder_end_object (b);
}

static void
add_proc (JsonBuilder *b, const char *name, int pid, const LoadgenProc *before,
          const LoadgenProc *start, const LoadgenProc *end, gint64 us)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "pid");
  json_builder_add_int_value (b, pid);
  json_builder_set_member_name (b, "cpu_pct");
  json_builder_add_double_value (b, cpu_pct (start, end, us));
  json_builder_set_member_name (b, "rss_kib");
  json_builder_add_int_value (b, end->rss_kib);
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, end->threads);
  if (before) {
    json_builder_set_member_name (b, "rss_kib_before");
    json_builder_add_int_value (b, before->rss_kib);
    json_builder_set_member_name (b, "threads_before");
    json_builder_add_int_value (b, before->threads);
  }
  json_builder_end_object (b);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
add_double (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, round (v * 1000) / 1000);
}

/* The louder of the coding noise either side of tone @tone at @p. */
static double
side_noise_db (Loadgen *lg, LoadgenPeer *p, guint tone)
{
  return MAX (p->klass->get_level_db (p->peer, LOADGEN_SIDE_INDEX (lg->n_tones, tone, 0)),
              p->klass->get_level_db (p->peer, LOADGEN_SIDE_INDEX (lg->n_tones, tone, 1)));
}

/* One decoding peer: hears every other connected speaker of its room, not
 * itself, not other rooms. Adds a line to @failures (an open array) if not. */
static gboolean
check_audio (Loadgen *lg, LoadgenPeer *p, guint index, JsonBuilder *failures)
{
  double floor_db = p->klass->get_level_db (p->peer, lg->n_tones);
  double quietest = G_MAXDOUBLE; /* of the expected tones heard */
  g_autoptr (GString) why = g_string_new (NULL);

  for (guint pass = 0; pass < 2; pass++) {
    if (pass == 1 && quietest == G_MAXDOUBLE)
      quietest = NOT_HEARD_DB + ABSENT_UNDER_DB; /* hears nobody: silence expected */
    for (guint i = 0; i < lg->peers->len; i++) {
      LoadgenPeer *s = g_ptr_array_index (lg->peers, i);
      gboolean expect = s != p && s->room == p->room && s->state == LOAD_PEER_CONNECTED;
      gboolean forbidden = s == p || s->room != p->room;
      double db;

      if (s->speaker < 0 || (guint) s->speaker >= lg->n_tones)
        continue;
      db = p->klass->get_level_db (p->peer, s->speaker);
      if (pass == 0 && expect) {
        if (db < HEARD_DB || db - floor_db < HEARD_OVER_FLOOR_DB)
          g_string_append_printf (why, "misses %.0f Hz (%.1f dB); ", lg->tones[s->speaker], db);
        else
          quietest = MIN (quietest, db);
      } else if (pass == 1 && forbidden && db >= quietest - ABSENT_UNDER_DB &&
                 (s != p || db - side_noise_db (lg, p, s->speaker) >= LEAK_OVER_SIDES_DB)) {
        g_string_append_printf (why, "hears %s %.0f Hz (%.1f dB, quietest heard %.1f dB); ",
                                s == p ? "its own" : "another room's", lg->tones[s->speaker], db,
                                quietest);
        if (s == p)
          g_string_append_printf (why, "noise beside it %.1f dB; ",
                                  side_noise_db (lg, p, s->speaker));
      }
    }
  }
  if (why->len == 0)
    return TRUE;
  g_string_append_printf (why, "floor %.1f dB", floor_db);
  {
    g_autofree char *who = g_strdup_printf ("peer %u room %u (%s): ", index, p->room,
                                            p->speaker >= 0 ? "speaker" : "listener");
    g_string_prepend (why, who);
  }
  json_builder_add_string_value (failures, why->str);
  return FALSE;
}

typedef enum { KIND_SPEAKER, KIND_LISTENER, KIND_LIGHT, N_KINDS } Kind;
static const char *const kind_names[N_KINDS] = { "speaker", "listener", "light_listener" };

static Kind
kind_of (const LoadgenPeer *p)
{
  return p->speaker >= 0 ? KIND_SPEAKER : p->klass == &load_peer_light_class ? KIND_LIGHT
                                                                              : KIND_LISTENER;
}

/* The receive figures of one kind of peer over the window: what verifies
 * the light listeners against webrtcbin listeners of the same room. */
static const char *const stage_names[LOAD_N_STAGES + 1] = {
  "socket", "join", "offer", "answer", "ice", "dtls", "first_packet",
};

/* Join → first audio stage by stage (LoadStage), for the peers that
 * measured every stage: one set of percentiles per stage, in ms. */
static void
add_stages (JsonBuilder *b, GArray **stages)
{
  if (stages[0]->len == 0)
    return;
  json_builder_set_member_name (b, "join_stages_ms");
  json_builder_begin_object (b);
  for (guint s = 0; s <= LOAD_N_STAGES; s++)
    add_percentiles (b, stage_names[s], stages[s]);
  json_builder_end_object (b);
}

static void
note_stages (GArray **stages, const LoadPeerCounters *c)
{
  gint64 prev = c->start_us;

  for (guint s = 0; s < LOAD_N_STAGES; s++)
    if (c->stage_us[s] == 0)
      return;
  for (guint s = 0; s <= LOAD_N_STAGES; s++) {
    gint64 end = s < LOAD_N_STAGES ? c->stage_us[s] : c->first_packet_us;

    g_array_append_val (stages[s], (double) { MAX (0, end - prev) / 1000.0 });
    prev = end;
  }
}

static void
add_kind (JsonBuilder *b, Loadgen *lg, Kind kind, gint64 window_us)
{
  g_autoptr (GArray) join = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *stages[LOAD_N_STAGES + 1];
  g_autoptr (GArray) jitter = g_array_new (FALSE, FALSE, sizeof (double));
  guint peers = 0, conn = 0, silent = 0;
  guint64 packets = 0, gaps = 0;
  double expected;

  for (guint s = 0; s <= LOAD_N_STAGES; s++)
    stages[s] = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < lg->peers->len; i++) {
    LoadgenPeer *p = g_ptr_array_index (lg->peers, i);
    LoadPeerCounters c;
    guint64 got;

    if (kind_of (p) != kind)
      continue;
    peers++;
    if (p->peer == NULL || p->state != LOAD_PEER_CONNECTED)
      continue;
    conn++;
    p->klass->get_counters (p->peer, &c);
    if (c.first_packet_us) {
      g_array_append_val (join, (double) { (c.first_packet_us - c.start_us) / 1000.0 });
      note_stages (stages, &c);
    }
    got = c.packets - p->at_measure.packets;
    packets += got;
    gaps += c.seq_gaps - p->at_measure.seq_gaps;
    silent += got == 0;
    g_array_append_val (jitter, c.jitter_ms);
  }
  if (peers == 0)
    goto out;
  expected = conn * LOADGEN_PACKETS_PER_S * window_us / 1e6;
  json_builder_set_member_name (b, kind_names[kind]);
  json_builder_begin_object (b);
  add_int (b, "peers", peers);
  add_int (b, "connected", conn);
  add_int (b, "packets", packets);
  add_double (b, "packets_per_receiver", conn ? (double) packets / conn : 0);
  add_double (b, "loss_pct", expected > 0 ? MAX (0.0, 100.0 * (1.0 - packets / expected)) : 0);
  add_int (b, "seq_gaps", gaps);
  add_int (b, "silent_receivers", silent);
  add_percentiles (b, "jitter_ms", jitter);
  add_percentiles (b, "join_ms", join);
  add_stages (b, stages);
  json_builder_end_object (b);
out:
  for (guint s = 0; s <= LOAD_N_STAGES; s++)
    g_array_unref (stages[s]);
}

gboolean
loadgen_report_final (Loadgen *lg)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GArray) join = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) jitter = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) rate = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GHashTable) errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *loadavg = NULL, *text = NULL;
  gint64 window_us = lg->measure_end_us - lg->measure_start_us;
  guint n_conn = 0, n_failed = 0, silent = 0, checked = 0, passed = 0;
  guint checked_lis = 0, passed_lis = 0; /* the listeners among them */
  guint64 packets = 0, gaps = 0;
  double expected;
  GHashTableIter it;
  gpointer key, value;
  gboolean ok;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "target");
  json_builder_add_string_value (b, lg->klass->name);
  add_int (b, "speakers", lg->speakers);
  add_int (b, "listeners", lg->listeners);
  add_int (b, "light_listeners", lg->light_listeners);
  add_int (b, "rooms", lg->rooms);
  add_int (b, "peers", lg->peers->len);
  for (guint i = 0; i < lg->peers->len; i++) {
    LoadgenPeer *p = g_ptr_array_index (lg->peers, i);
    LoadPeerCounters c;

    if (p->peer == NULL)
      continue;
    p->state = p->klass->get_state (p->peer);
    if (p->state == LOAD_PEER_FAILED) {
      const char *e = p->klass->get_error (p->peer);
      char *k = g_strdup (e ? e : "?");
      n_failed++;
      g_hash_table_replace (errors, k, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (errors, k)) + 1));
    }
    if (p->state != LOAD_PEER_CONNECTED)
      continue;
    n_conn++;
    p->klass->get_counters (p->peer, &c);
    if (c.first_packet_us)
      g_array_append_val (join, (double) { (c.first_packet_us - c.start_us) / 1000.0 });
    if (window_us > 0) {
      guint64 got = c.packets - p->at_measure.packets;
      packets += got;
      gaps += c.seq_gaps - p->at_measure.seq_gaps;
      silent += got == 0;
      g_array_append_val (rate, (double) { 100.0 * got / (LOADGEN_PACKETS_PER_S * window_us / 1e6) });
      g_array_append_val (jitter, c.jitter_ms);
    }
  }
  add_int (b, "connected", n_conn);
  add_int (b, "failed", n_failed);
  json_builder_set_member_name (b, "errors");
  json_builder_begin_object (b);
  g_hash_table_iter_init (&it, errors);
  while (g_hash_table_iter_next (&it, &key, &value))
    add_int (b, key, GPOINTER_TO_UINT (value));
  json_builder_end_object (b);
  add_double (b, "settle_s", lg->all_connected_us ? (lg->all_connected_us - lg->t0_us) / 1e6 : -1);
  add_percentiles (b, "join_ms", join);
  add_double (b, "measure_s", window_us / 1e6);
  add_int (b, "packets", packets);
  /* Loss against what every connected receiver should get (50 a second):
   * catches packets a server drops before its payloader (no sequence gap)
   * as well as those lost on the way; sequence gaps alone are below. */
  expected = n_conn * LOADGEN_PACKETS_PER_S * window_us / 1e6;
  add_double (b, "expected_packets", expected);
  add_double (b, "loss_pct", expected > 0 ? MAX (0.0, 100.0 * (1.0 - packets / expected)) : 0);
  add_int (b, "seq_gaps", gaps);
  add_double (b, "seq_gap_pct", packets + gaps ? 100.0 * gaps / (packets + gaps) : 0);
  add_int (b, "silent_receivers", silent);
  add_percentiles (b, "jitter_ms", jitter);
  json_builder_set_member_name (b, "by_kind");
  json_builder_begin_object (b);
  for (Kind k = 0; k < N_KINDS; k++)
    add_kind (b, lg, k, window_us);
  json_builder_end_object (b);
  /* Per peer: packets received in the window over 50 a second. */
  json_builder_set_member_name (b, "rate_pct_min");
  json_builder_add_double_value (b, rate->len ? percentile (rate, 0.0001) : 0);
  add_proc (b, "server", lg->server_pid, &lg->server_before, &lg->server_at_measure,
            &lg->server_after, window_us);
  add_proc (b, "loadgen", getpid (), NULL, &lg->self_at_measure, &lg->self_after, window_us);
  /* Everything else running on the machine meanwhile (other jobs, the
   * kernel's softirqs): a busy machine makes every figure less reliable. */
  add_double (b, "machine_cpu_pct", window_us > 0 ? 100.0 * (lg->machine_after_ms -
                                                             lg->machine_at_measure_ms) /
                                                        (window_us / 1000.0) : 0);
  add_int (b, "cores", sysconf (_SC_NPROCESSORS_ONLN));
  add_double (b, "loadgen_lag_max_ms", lg->lag_max_us / 1000.0);
  add_double (b, "loadgen_lag_mean_ms", lg->lag_ticks ? lg->lag_sum_us / 1000.0 / lg->lag_ticks : 0);
  g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);
  json_builder_set_member_name (b, "loadavg");
  json_builder_add_string_value (b, loadavg ? g_strstrip (loadavg) : "");

  json_builder_set_member_name (b, "audio_failures");
  json_builder_begin_array (b);
  for (guint i = 0; i < lg->peers->len; i++) {
    LoadgenPeer *p = g_ptr_array_index (lg->peers, i);
    if (!p->decode || p->state != LOAD_PEER_CONNECTED || loadgen_latency_enabled ())
      continue;
    checked++;
    if (check_audio (lg, p, i, b)) {
      passed++;
      passed_lis += p->speaker < 0;
    }
    checked_lis += p->speaker < 0;
  }
  json_builder_end_array (b);
  add_int (b, "audio_checked", checked);
  add_int (b, "audio_passed", passed);
  add_int (b, "audio_checked_listeners", checked_lis);
  add_int (b, "audio_passed_listeners", passed_lis);
  loadgen_latency_report (b, lg->klass->name);
  ok = n_conn == lg->peers->len && silent == 0 && window_us > 0 && checked == passed &&
       (checked > 0 || loadgen_latency_enabled ());
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, ok);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  if (lg->json_path) {
    g_autoptr (GError) error = NULL;
    if (!g_file_set_contents (lg->json_path, text, -1, &error))
      g_printerr ("roomcast-loadgen: %s\n", error->message);
  } else {
    g_print ("%s\n", text);
  }
  return ok;
}
