/* roomcast-loadgen: mouth-to-ear latency (--latency).
 *
 * Every speaker keys its tone on and off in a non-periodic pattern of 20 ms
 * slots (a deterministic function of the tone and the absolute clock slot:
 * in each 320 ms block one burst of 60-100 ms at a pseudo-random offset),
 * so the speakers' onsets are known by their capture time ("mouth": the
 * pipeline clock time of the first sample of the first keyed buffer). Every
 * decoding receiver runs a 20 ms Goertzel per tone it does not send and
 * stamps each rising edge with its arrival ("ear": the system clock when
 * the decoded buffer reached the appsink). All pipelines run on the same
 * system clock, so ear - mouth is the latency of that key. Each received
 * onset is matched to the sent onset nearest to (ear - the receiver's modal
 * lag for that tone), within 40 ms; the modal lag over all pairs within
 * 1.5 s is unambiguous because the pattern is not periodic.
 *
 * Speakers hear the others through their mix-minus, listeners through the
 * full mix: latencies are pooled per receiver kind, and also kept apart for
 * the keys sent in the first and in the last 10 s of the window (growth).
 *
 * Per-slot quality (the "audible and intact"): every receiver also
 * keeps 10 ms Goertzel windows every 5 ms, timed by their place in its
 * decoded stream (plus the earliest arrival of its last 50 buffers, so a
 * buffer delivered late does not move them). Each sent burst is looked for
 * within ±60 ms of the modal lag (the offset where the windows inside the
 * burst are loudest and those in the slots around it quietest), then each of
 * its slots is judged: audible when at least half of the windows inside the
 * slot carry the tone (above the onset threshold), intact when all do and
 * their levels are within 6 dB of each other (no gap, no dip). The same taps measure a
 * direct client-to-client path (loadgen-baseline.c).
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Before any peer starts; @tones as sent (n ≤ LOADGEN_MAX_TONES). */
void loadgen_latency_enable (const double *tones, guint n);
gboolean loadgen_latency_enabled (void);
/* Onsets sent or received while the window is open are counted. */
void loadgen_latency_window (gboolean open);
/* Receivers expect only the tones they heard at all (the baseline's pairs). */
void loadgen_latency_only_heard (void);
/* Adds a "latency" member to @b and prints a line per kind to stderr. */
void loadgen_latency_report (JsonBuilder *b, const char *label);

G_END_DECLS
