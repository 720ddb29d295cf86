/* roomcast-loadgen: the run's state, shared by the driver (loadgen.c) and
 * the figures (loadgen-report.c). */
#pragma once

#include <glib.h>

#include "load-peer.h"

G_BEGIN_DECLS

#define LOADGEN_MAX_TONES 6
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
  double tones[LOADGEN_MAX_TONES + 1]; /* speakers' tones, then the noise floor */
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
