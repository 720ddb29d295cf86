/* roomcast-loadgen: the run's state, shared by the driver (loadgen.c) and
 * the figures (loadgen-report.c). */
#pragma once

#include <glib.h>

#include "load-peer.h"

G_BEGIN_DECLS

#define LOADGEN_MAX_TONES 6
/* Each tone's side probes, this far either side of it: the coding noise
 * around a tone, which a leaked tone stands out of and coding noise at the
 * tone's frequency does not (Opus in voice mode spreads noise between loud
 * tones; see loadgen-report.c). Off the 100 ms Hann window's main lobe of the
 * tone and of its nearest neighbour (1611/1689 Hz, 78 Hz apart). */
#define LOADGEN_SIDE_HZ 35.0
/* Probe index of side @k (0: below, 1: above) of tone @i, of @n tones. */
#define LOADGEN_SIDE_INDEX(n, i, k) ((n) + 1 + 2 * (i) + (k))
#define LOADGEN_PACKETS_PER_S 50.0 /* 20 ms Opus frames */

typedef struct {
  LoadPeer *peer;
  const LoadPeerClass *klass; /* the target's, or load_peer_light_class */
  guint room;
  gint speaker;           /* index of the tone it sends, -1: listener */
  gboolean decode;
  LoadPeerState state;
  LoadPeerCounters at_measure; /* counters when the measurement window opened */
  LoadPeerCounters last;       /* counters at the previous per-second line */
} LoadgenPeer;

/* /proc figures of a process. */
typedef struct {
  guint64 cpu_ms;
  guint64 rss_kib;
  guint threads;
} LoadgenProc;

typedef struct {
  /* options */
  const LoadPeerClass *klass;
  char *url, *local_ip, *json_path;
  guint speakers, listeners, rooms, decode_listeners;
  guint light_listeners; /* roomcast: listeners of load_peer_light_class, after the others */
  guint decode_every;    /* ... of which every Nth decodes too (0: none) */
  double seconds, warmup, connect_timeout, ramp_per_s;
  int server_pid;
  char **room_ids;

  /* state */
  GMainLoop *loop;
  GPtrArray *peers; /* LoadgenPeer * */
  /* Speakers' tones, the noise floor, then two side probes per tone
   * (LOADGEN_SIDE_INDEX): what the receivers measure. */
  double tones[LOADGEN_MAX_TONES * 3 + 1];
  guint n_tones;
  gint64 t0_us, all_connected_us, measure_start_us, measure_end_us;
  LoadgenProc server_before, server_at_measure, server_after;
  LoadgenProc self_at_measure, self_after;
  LoadgenProc server_sec, self_sec; /* at the previous per-second line */
  guint64 machine_at_measure_ms, machine_after_ms;
  gint64 sec_us;
  gint64 lag_max_us, lag_sum_us, lag_ticks; /* main-loop lateness during measurement */
  gint64 lag_expected_us;
  gboolean measuring;
} Loadgen;

/* @pid 0: this process; < 0: none (all zero). */
void loadgen_proc_read (int pid, LoadgenProc *proc);
/* CPU time the whole machine spent busy (all cores, /proc/stat), in ms. */
guint64 loadgen_machine_busy_ms (void);
/* The per-second line (stderr). */
void loadgen_report_second (Loadgen *lg);
/* Final figures as JSON (stdout or --json FILE); TRUE when every peer
 * connected, everyone received audio and the audio check passed. */
gboolean loadgen_report_final (Loadgen *lg);

G_END_DECLS
