/* roomcast-loadgen: N speakers (distinct tones) and M listeners against one
 * or more rooms of roomcast or Janus AudioBridge, in this one process.
 *
 *   roomcast-loadgen --target roomcast --url http://127.0.0.1:3030 \
 *     --speakers 5 --listeners 100 --seconds 20 --server-pid PID
 *
 * Phases: peers start at --ramp-per-s (speakers first); once every peer is
 * connected (or failed) and every connected peer got its first packet, or
 * --connect-timeout passed, a --warmup, then the measurement window of
 * --seconds: packets, sequence gaps, jitter, the CPU of the server
 * (--server-pid) and of this process, then the audio check of the decoding
 * peers (every speaker and --decode-listeners listeners per room). A line a
 * second on stderr; the final figures as JSON on stdout (or --json FILE).
 * Exit 0 when every peer connected and received audio and the check passed.
 *
 * --light-listeners L adds L roomcast listeners without GStreamer
 * (load-peer-light.c: libnice, DTLS, SRTP, counters), so an audience of a
 * thousand fits beside the server; every --decode-every'th of them decodes
 * for the audio check. The JSON's "by_kind" gives the receive figures of
 * speakers, webrtcbin listeners and light listeners apart: run both kinds
 * in one room to check the light ones against webrtcbin.
 */
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>
#include <gst/gst.h>

#include "loadgen.h"
#include "loadgen-baseline.h"
#include "loadgen-latency.h"
#include "rc-test-util.h"

/* Speakers' tones: no odd-order intermodulation product up to the fifth
 * (what a soft limiter or a wrapping 16-bit mix makes of the others; e.g.
 * 2b - a + 2c - d) falls within 15 Hz of another tone, so distortion cannot
 * fake "hears X" or "hears itself". The floor is a frequency nobody sends,
 * also off those products. */
static const double all_tones[] = { 768, 1101, 1419, 1611, 1689, 1914 };
#define FLOOR_HZ 5694.0
#define LAG_TICK_MS 100

static LoadPeerState
peer_state (LoadgenPeer *p)
{
  if (p->peer)
    p->state = p->klass->get_state (p->peer);
  return p->state;
}

/* Every peer started and settled: connected with a first packet, or failed. */
static gboolean
all_settled (Loadgen *lg)
{
  for (guint i = 0; i < lg->peers->len; i++) {
    LoadgenPeer *p = g_ptr_array_index (lg->peers, i);
    LoadPeerCounters c;

    if (p->peer == NULL)
      return FALSE;
    switch (peer_state (p)) {
    case LOAD_PEER_FAILED:
    case LOAD_PEER_CLOSED:
      continue;
    case LOAD_PEER_CONNECTED:
      p->klass->get_counters (p->peer, &c);
      if (c.first_packet_us == 0)
        return FALSE;
      continue;
    default:
      return FALSE;
    }
  }
  return TRUE;
}

static void
open_window (Loadgen *lg)
{
  for (guint i = 0; i < lg->peers->len; i++) {
    LoadgenPeer *p = g_ptr_array_index (lg->peers, i);
    if (p->peer)
      p->klass->get_counters (p->peer, &p->at_measure);
  }
  loadgen_proc_read (lg->server_pid, &lg->server_at_measure);
  loadgen_proc_read (0, &lg->self_at_measure);
  lg->machine_at_measure_ms = loadgen_machine_busy_ms ();
  lg->measure_start_us = g_get_monotonic_time ();
  lg->lag_max_us = lg->lag_sum_us = lg->lag_ticks = 0;
  lg->measuring = TRUE;
  loadgen_latency_window (TRUE);
  g_printerr ("roomcast-loadgen: measuring for %.0f s\n", lg->seconds);
}

static void
close_window (Loadgen *lg)
{
  lg->measure_end_us = g_get_monotonic_time ();
  loadgen_latency_window (FALSE);
  loadgen_proc_read (lg->server_pid, &lg->server_after);
  loadgen_proc_read (0, &lg->self_after);
  lg->machine_after_ms = loadgen_machine_busy_ms ();
  lg->measuring = FALSE;
  g_main_loop_quit (lg->loop);
}

/* Once a second: the line, and the phase changes. */
static gboolean
on_second (gpointer data)
{
  Loadgen *lg = data;
  gint64 now = g_get_monotonic_time ();
  double since = (now - lg->t0_us) / 1e6;

  loadgen_report_second (lg);
  if (lg->measure_start_us) {
    if (now - lg->measure_start_us >= lg->seconds * 1e6 - 5e5) {
      close_window (lg);
      return G_SOURCE_REMOVE;
    }
  } else if (lg->all_connected_us) {
    if (now - lg->all_connected_us >= lg->warmup * 1e6 - 5e5)
      open_window (lg);
  } else if (all_settled (lg) || since >= lg->connect_timeout) {
    lg->all_connected_us = now;
    g_printerr ("roomcast-loadgen: %s after %.1f s\n",
                all_settled (lg) ? "all peers settled" : "connect timeout", since);
  }
  return G_SOURCE_CONTINUE;
}

/* Main-loop lateness: how starved this process is. */
static gboolean
on_lag_tick (gpointer data)
{
  Loadgen *lg = data;
  gint64 now = g_get_monotonic_time ();
  gint64 lag = lg->lag_expected_us ? MAX (0, now - lg->lag_expected_us) : 0;

  lg->lag_expected_us = now + LAG_TICK_MS * 1000;
  if (lg->measuring) {
    lg->lag_max_us = MAX (lg->lag_max_us, lag);
    lg->lag_sum_us += lag;
    lg->lag_ticks++;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
start_next (gpointer data)
{
  Loadgen *lg = data;

  for (guint i = 0; i < lg->peers->len; i++) {
    LoadgenPeer *p = g_ptr_array_index (lg->peers, i);
    if (p->peer == NULL) {
      g_autofree char *token = NULL, *display = NULL;
      LoadPeerOptions o = {
        .target_url = lg->url, .room = lg->room_ids[p->room],
        .tone_hz = p->speaker >= 0 ? lg->tones[p->speaker] : 0, .decode = p->decode,
        .probe_hz = lg->tones, .n_probe_hz = lg->n_tones * 3 + 1, .local_ip = lg->local_ip,
      };
      guint seat = 0;

      for (guint j = 0; j < i; j++) {
        LoadgenPeer *q = g_ptr_array_index (lg->peers, j);
        seat += q->room == p->room && q->speaker >= 0;
      }
      /* "r<room>/s<seat>" for speakers: load-peer-roomcast.c takes that seat. */
      display = p->speaker >= 0 ? g_strdup_printf ("r%u/s%u", p->room, seat)
                                : g_strdup_printf ("r%u/l%u", p->room, i);
      token = g_strdup_printf ("dev:%u:load%u", 100000 + i, i);
      o.token = token;
      o.display = display;
      p->peer = p->klass->create (&o);
      p->state = LOAD_PEER_SIGNALLING;
      p->klass->start (p->peer);
      return G_SOURCE_CONTINUE;
    }
  }
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer data)
{
  Loadgen *lg = data;

  g_printerr ("roomcast-loadgen: interrupted\n");
  if (lg->measuring)
    close_window (lg);
  else
    g_main_loop_quit (lg->loop);
  return G_SOURCE_REMOVE;
}

static void
build_peers (Loadgen *lg)
{
  guint lis_in_room[64] = { 0 };

  lg->n_tones = MIN (lg->speakers, LOADGEN_MAX_TONES);
  for (guint i = 0; i < lg->n_tones; i++)
    lg->tones[i] = all_tones[i];
  lg->tones[lg->n_tones] = FLOOR_HZ;
  for (guint i = 0; i < lg->n_tones; i++) {
    lg->tones[LOADGEN_SIDE_INDEX (lg->n_tones, i, 0)] = all_tones[i] - LOADGEN_SIDE_HZ;
    lg->tones[LOADGEN_SIDE_INDEX (lg->n_tones, i, 1)] = all_tones[i] + LOADGEN_SIDE_HZ;
  }
  lg->peers = g_ptr_array_new ();
  for (guint i = 0; i < lg->speakers + lg->listeners + lg->light_listeners; i++) {
    LoadgenPeer *p = g_new0 (LoadgenPeer, 1);
    gboolean speaker = i < lg->speakers;
    guint light = i >= lg->speakers + lg->listeners ? i - lg->speakers - lg->listeners + 1 : 0;

    p->room = speaker ? i % lg->rooms : (i - lg->speakers) % lg->rooms;
    p->speaker = speaker ? (gint) (i % LOADGEN_MAX_TONES) : -1;
    /* the first K listeners of each room, webrtcbin or light; then every
     * Nth light listener (from the first) */
    p->decode = speaker || lis_in_room[p->room]++ < lg->decode_listeners ||
                (light && lg->decode_every && (light - 1) % lg->decode_every == 0);
    p->klass = light ? &load_peer_light_class : lg->klass;
    g_ptr_array_add (lg->peers, p);
  }
}

static void
free_peers (Loadgen *lg)
{
  for (guint i = 0; i < lg->peers->len; i++) {
    LoadgenPeer *p = g_ptr_array_index (lg->peers, i);
    if (p->peer)
      p->klass->free (p->peer);
    g_free (p);
  }
  g_ptr_array_unref (lg->peers);
}

/* --baseline: the direct path's latency as JSON (stdout or --json). */
static int
run_baseline (Loadgen *lg)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gboolean ok;

  build_peers (lg);
  loadgen_latency_enable (lg->tones, lg->n_tones);
  json_builder_begin_object (b);
  ok = loadgen_baseline_run (lg->tones, lg->n_tones, lg->local_ip ? lg->local_ip : "127.0.0.1",
                             lg->warmup, lg->seconds, b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, ok);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  if (lg->json_path == NULL || !g_file_set_contents (lg->json_path, text, -1, NULL))
    g_print ("%s\n", text);
  free_peers (lg);
  return ok ? 0 : 1;
}

int
main (int argc, char **argv)
{
  Loadgen lg = {
    .speakers = 5, .listeners = 20, .rooms = 1, .decode_listeners = 2, .decode_every = 50,
    .seconds = 20,
    .warmup = 2, .connect_timeout = 0, .ramp_per_s = 50, .server_pid = -1, /* none */
  };
  g_autofree char *target = NULL;
  char **room_ids = NULL;
  gboolean latency = FALSE, baseline = FALSE;
  gboolean ok;
  GOptionEntry entries[] = {
    { "target", 0, 0, G_OPTION_ARG_STRING, &target, "roomcast (default) or janus", "NAME" },
    { "url", 0, 0, G_OPTION_ARG_STRING, &lg.url,
      "server: http://IP:PORT (roomcast), http://IP:PORT/janus (janus)", "URL" },
    { "speakers", 0, 0, G_OPTION_ARG_INT, &lg.speakers, "speakers (distinct tones; 5)", "N" },
    { "listeners", 0, 0, G_OPTION_ARG_INT, &lg.listeners, "listeners (20)", "M" },
    { "rooms", 0, 0, G_OPTION_ARG_INT, &lg.rooms, "rooms; peers spread round-robin (1)", "R" },
    { "room-id", 0, 0, G_OPTION_ARG_STRING_ARRAY, &room_ids,
      "room ids, one per room (default: UUIDs for roomcast, 1001, 1002, ... for janus)", "ID" },
    { "decode-listeners", 0, 0, G_OPTION_ARG_INT, &lg.decode_listeners,
      "listeners per room that decode for the audio check (2)", "K" },
    { "light-listeners", 0, 0, G_OPTION_ARG_INT, &lg.light_listeners,
      "roomcast: listeners more, without GStreamer (libnice + DTLS + SRTP; 0)", "L" },
    { "decode-every", 0, 0, G_OPTION_ARG_INT, &lg.decode_every,
      "every Nth light listener decodes for the audio check too (50; 0: none)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &lg.seconds, "measurement window (20)", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &lg.warmup, "after all connected (2)", "S" },
    { "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &lg.connect_timeout,
      "give up waiting for peers (30 + peers / 4)", "S" },
    { "ramp-per-s", 0, 0, G_OPTION_ARG_DOUBLE, &lg.ramp_per_s, "peers started per second (50)", "R" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &lg.server_pid, "server process for /proc figures", "PID" },
    { "local-ip", 0, 0, G_OPTION_ARG_STRING, &lg.local_ip, "ICE address (127.0.0.1)", "IP" },
    { "latency", 0, 0, G_OPTION_ARG_NONE, &latency,
      "key the speakers' tones and measure mouth-to-ear latency (replaces the audio check)",
      NULL },
    { "baseline", 0, 0, G_OPTION_ARG_NONE, &baseline,
      "no server: one direct client pair per tone, latency only (--url not needed)", NULL },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &lg.json_path, "final figures here (stdout)", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- roomcast / Janus AudioBridge load");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("roomcast-loadgen: %s\n", error->message);
    return 2;
  }
  if (baseline)
    return run_baseline (&lg);
  lg.klass = target == NULL || g_str_equal (target, "roomcast") ? &load_peer_roomcast_class
             : g_str_equal (target, "janus")                     ? &load_peer_janus_class
                                                                 : NULL;
  if (lg.klass == NULL || lg.url == NULL || lg.rooms < 1 || lg.rooms > 64 || lg.seconds <= 0 ||
      lg.speakers + lg.listeners + lg.light_listeners == 0 ||
      (lg.light_listeners && lg.klass != &load_peer_roomcast_class) || lg.ramp_per_s <= 0 || lg.server_pid == 0 ||
      (room_ids && g_strv_length (room_ids) != lg.rooms)) {
    g_printerr ("roomcast-loadgen: needs --url, --target roomcast|janus, 1..64 rooms, "
                "one --room-id per room, some peers (light listeners: roomcast only)\n");
    return 2;
  }
  if (lg.speakers > LOADGEN_MAX_TONES)
    g_printerr ("roomcast-loadgen: more than %d speakers: tones repeat, the audio check "
                "cannot tell them apart\n", LOADGEN_MAX_TONES);
  if (lg.connect_timeout <= 0)
    lg.connect_timeout = 30 + (lg.speakers + lg.listeners + lg.light_listeners) / 4.0;
  lg.room_ids = g_new0 (char *, lg.rooms + 1);
  for (guint r = 0; r < lg.rooms; r++)
    lg.room_ids[r] = room_ids ? g_strdup (room_ids[r])
                     : lg.klass == &load_peer_roomcast_class
                       ? g_strdup_printf ("00000000-0000-4000-8000-%012u", r + 1)
                       : g_strdup_printf ("%u", 1001 + r);
  g_strfreev (room_ids);

  build_peers (&lg);
  if (latency)
    loadgen_latency_enable (lg.tones, lg.n_tones);
  loadgen_proc_read (lg.server_pid, &lg.server_before);
  lg.loop = g_main_loop_new (NULL, FALSE);
  lg.t0_us = g_get_monotonic_time ();
  g_timeout_add (MAX (1, (guint) (1000 / lg.ramp_per_s)), start_next, &lg);
  g_timeout_add (1000, on_second, &lg);
  g_timeout_add (LAG_TICK_MS, on_lag_tick, &lg);
  g_unix_signal_add (SIGINT, on_signal, &lg);
  g_unix_signal_add (SIGTERM, on_signal, &lg);
  g_main_loop_run (lg.loop);

  ok = loadgen_report_final (&lg);
  free_peers (&lg);
  g_main_loop_unref (lg.loop);
  g_strfreev (lg.room_ids);
  g_free (lg.url);
  g_free (lg.local_ip);
  g_free (lg.json_path);
  return ok ? 0 : 1;
}
