/* roomcast-loadgen --baseline: the direct client-to-client latency; see
 * loadgen-baseline.c. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Runs one direct pair per tone (latency taps enabled first) for @warmup +
 * @seconds on the thread-default main context; adds "pairs", "connected"
 * and "latency" to @b (an open object). TRUE when a pair connected. */
gboolean loadgen_baseline_run (const double *tones, guint n_tones, const char *local_ip,
                               double warmup, double seconds, JsonBuilder *b);

G_END_DECLS
