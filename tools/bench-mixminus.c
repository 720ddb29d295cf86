/* roomcast: benchmark of mixminus against the stock-element graph
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For each room size it measures the process CPU time (user + system, all
 * threads) needed to push S seconds of 48 kHz mono audio in 10 ms buffers
 * through three non-live graphs, run back to back in this process:
 *
 *   baseline  N x audiotestsrc ! fakesink               (the sources alone)
 *   mixminus  N x audiotestsrc ! mixminus ! N+1 fakesinks
 *   stock     N x audiotestsrc ! tee, one audiomixer per seat fed by the
 *             other seats' tees, one audiomixer for the full mix,
 *             N+1 fakesinks
 *
 * and prints each mixer's own cost (graph - baseline) in milliseconds of CPU
 * per second of audio (10 ms/s = 1 % of one core) and the ratio. It also
 * times the bare kernel (sum, minus-own, limiter, levels) for reference.
 * Each figure is the best of --repeat runs. (L) marks kernel figures where
 * the peaks made the limiter run. --kernel times only the kernel, for a
 * quiet room (the graphs' sources) and a loud one (every seat a full-scale
 * 200 Hz sine, in phase: every output is limited), in microseconds per
 * period and nanoseconds per output sample. Kernel figures are the timing
 * thread's CPU time, so other jobs that preempt it do not count. Not a
 * test: it prints numbers.
 */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>
#include <unistd.h>

#include "mixminus-kernel.h"

#define CAPS "audio/x-raw,format=F32LE,rate=48000,channels=1"
#define FRAMES 480              /* 10 ms at 48 kHz */

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static gboolean live_sources = FALSE;

static void
append_sources (GString * s, guint seats, guint buffers, gboolean to_sink)
{
  for (guint i = 0; i < seats; i++) {
    g_string_append_printf (s, "audiotestsrc is-live=%s num-buffers=%u "
        "samplesperbuffer=%u freq=%u volume=0.05 ! " CAPS " ! ",
        live_sources ? "true" : "false", buffers, FRAMES, 200 + 50 * i);
    if (to_sink)
      g_string_append (s, "fakesink sync=false async=false ");
    else
      g_string_append_printf (s, "tee name=t%u ", i);
  }
}

static gchar *
describe_baseline (guint seats, guint buffers)
{
  GString *s = g_string_new (NULL);

  append_sources (s, seats, buffers, TRUE);
  return g_string_free (s, FALSE);
}

static gchar *
describe_mixminus (guint seats, guint buffers)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "mixminus name=m seats=%u ", seats);
  append_sources (s, seats, buffers, FALSE);
  for (guint i = 0; i < seats; i++)
    g_string_append_printf (s, "t%u. ! m.sink_%u "
        "m.src_%u ! fakesink sync=false async=false ", i, i, i);
  g_string_append (s, "m.mix ! fakesink sync=false async=false");
  return g_string_free (s, FALSE);
}

static gchar *
describe_stock (guint seats, guint buffers)
{
  GString *s = g_string_new (NULL);

  append_sources (s, seats, buffers, FALSE);
  for (guint j = 0; j <= seats; j++) {
    g_string_append_printf (s, "audiomixer name=a%u ! " CAPS
        " ! fakesink sync=false async=false ", j);
    for (guint i = 0; i < seats; i++)
      if (i != j)
        g_string_append_printf (s, "t%u.src_%%u ! a%u.sink_%%u ", i, j);
  }
  return g_string_free (s, FALSE);
}

/* Runs a graph to EOS; returns the CPU seconds it took. */
static double
run_graph (const gchar * description)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstBus *bus;
  GstMessage *msg;
  double start, cpu;

  if (pipeline == NULL) {
    g_printerr ("cannot build graph: %s\n", error->message);
    exit (1);
  }
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_READY);
  start = cpu_seconds ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  cpu = cpu_seconds () - start;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    g_printerr ("graph failed: %s\n%s\n", err->message, description);
    exit (1);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return cpu;
}

/* CPU milliseconds per second of audio: the best of `repeat` runs (load
 * from other processes on the machine only ever adds time). */
static double
measure (gchar * (*describe) (guint, guint), guint seats, double seconds,
    guint repeat)
{
  guint buffers = (guint) (seconds * 100.0 + 0.5);
  gchar *desc = describe (seats, buffers);
  double best = G_MAXDOUBLE;

  for (guint r = 0; r < MAX (repeat, 1); r++)
    best = MIN (best, run_graph (desc) * 1000.0 / seconds);
  g_free (desc);
  return best;
}

/* The arithmetic alone, as the element does one 10 ms period for `seats`
 * seats: load and measure each input, sum, render every output (total -
 * own) and the mix, each through its own limiter at the element's default
 * threshold (-1 dBFS). Quiet: the graphs' sources (-26 dBFS); loud:
 * full-scale 200 Hz sines in phase, a period of the sine per period of
 * input, so every period is the same. Microseconds per period; *limited
 * says whether the limiters' gain was below 1. */
static double
kernel_us_per_period (guint seats, gboolean loud, gboolean * limited)
{
  const guint iterations = 20000;
  float *in = g_new (float, (gsize) FRAMES * seats);
  float *load = g_new (float, (gsize) FRAMES * seats);
  float *total = g_new (float, FRAMES);
  float *out = g_new (float, (gsize) FRAMES * (seats + 1));
  float *own_peak = g_new (float, seats);
  MixMinusLimiter *limiter = g_new (MixMinusLimiter, seats + 1);
  MixMinusLimiterConfig config;
  struct timespec a, b;

  mixminus_limiter_configure (&config, 48000, powf (10.0f, -1.0f / 20.0f));
  for (guint s = 0; s <= seats; s++)
    mixminus_limiter_reset (&limiter[s]);
  for (guint s = 0; s < seats; s++)
    for (guint i = 0; i < FRAMES; i++)
      in[(gsize) s * FRAMES + i] = loud ?
          sinf (2.0f * (float) G_PI * 200.0f * i / 48000.0f) :
          0.05f * sinf (2.0f * (float) G_PI * 440.0f * i / 48000.0f);
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &a);
  for (guint it = 0; it < iterations; it++) {
    float total_peak;

    memset (total, 0, FRAMES * sizeof (float));
    for (guint s = 0; s < seats; s++) {
      float *x = load + (gsize) s * FRAMES;
      MixMinusLevel level = { 0 };

      mixminus_load_f32 (x, in + (gsize) s * FRAMES, FRAMES, 1);
      mixminus_measure (x, FRAMES, &level);
      mixminus_accumulate (total, x, FRAMES);
      own_peak[s] = level.peak;
    }
    total_peak = mixminus_peak (total, FRAMES);
    for (guint s = 0; s <= seats; s++)
      mixminus_render_limited_f32 (out + (gsize) s * FRAMES, total,
          s < seats ? load + (gsize) s * FRAMES : NULL, FRAMES,
          total_peak + (s < seats ? own_peak[s] : 0.0f), &config,
          &limiter[s]);
  }
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &b);
  if (out[seats] == 12345.0f)   /* keep the work observable */
    printf ("?");
  *limited = limiter[seats].gain < 1.0f;
  g_free (own_peak);
  g_free (limiter);
  g_free (in);
  g_free (load);
  g_free (total);
  g_free (out);
  return ((b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3) /
      iterations;
}

/* The kernel alone for each room size: best of `repeat` timings, quiet and
 * loud, per period and per output sample (N + 1 outputs of FRAMES). */
static void
print_kernel_table (gchar ** sizes, guint repeat)
{
  printf ("# mixminus kernel: 48 kHz mono F32, %u-frame periods, best of %u "
      "runs of 20000 periods\n# quiet: sines at -26 dBFS; loud: full-scale "
      "200 Hz sines in phase\n# ns/sample: per output sample, N + 1 outputs "
      "per period\n\n", FRAMES, MAX (repeat, 1));
  printf ("| seats | quiet us/period | quiet ns/sample | loud us/period "
      "| loud ns/sample |\n");
  printf ("|------:|----------------:|----------------:|---------------:"
      "|---------------:|\n");
  for (gchar ** p = sizes; *p; p++) {
    guint n = (guint) g_ascii_strtoull (*p, NULL, 10);
    double us[2] = { G_MAXDOUBLE, G_MAXDOUBLE };
    gboolean limited[2] = { FALSE, FALSE };

    if (n < 1 || n > MIXMINUS_MAX_SEATS)
      continue;
    for (guint r = 0; r < MAX (repeat, 1); r++)
      for (guint loud = 0; loud < 2; loud++)
        us[loud] = MIN (us[loud], kernel_us_per_period (n, loud,
                &limited[loud]));
    printf ("| %5u | %11.2f%s | %15.3f | %10.2f%s | %14.3f |\n", n, us[0],
        limited[0] ? " (L)" : "    ", us[0] * 1000.0 / ((n + 1) * FRAMES),
        us[1], limited[1] ? " (L)" : "    ",
        us[1] * 1000.0 / ((n + 1) * FRAMES));
    fflush (stdout);
  }
}

int
main (int argc, char **argv)
{
  double seconds = 60.0, stock_seconds = 0.0;
  gint repeat = 3;
  gchar *seats_arg = NULL;
  gboolean no_stock = FALSE, kernel_only = FALSE;
  GOptionEntry entries[] = {
    {"seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds,
        "Seconds of audio per run (default 60)", "S"},
    {"stock-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &stock_seconds,
          "Seconds of audio for the stock graph (default: same, at most 10 "
          "above 16 seats)", "S"},
    {"repeat", 'r', 0, G_OPTION_ARG_INT, &repeat,
        "Runs per figure, the best is shown (default 3)", "N"},
    {"live", 0, 0, G_OPTION_ARG_NONE, &live_sources,
          "Live sources (real time: each run lasts the seconds of audio)",
        NULL},
    {"seats", 0, 0, G_OPTION_ARG_STRING, &seats_arg,
        "Comma-separated room sizes (default 2,4,8,16,32,64)", "LIST"},
    {"no-stock", 0, 0, G_OPTION_ARG_NONE, &no_stock,
        "Skip the stock audiomixer graph", NULL},
    {"kernel", 0, 0, G_OPTION_ARG_NONE, &kernel_only,
        "Only time the bare kernel, quiet and loud rooms", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- mixminus CPU benchmark");
  GError *error = NULL;
  gchar **sizes;

#ifdef ROOMCAST_PLUGINS_DIR
  if (g_getenv ("GST_PLUGIN_PATH") == NULL)
    g_setenv ("GST_PLUGIN_PATH", ROOMCAST_PLUGINS_DIR, TRUE);
#endif
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  g_option_context_free (ctx);
  sizes = g_strsplit (seats_arg ? seats_arg : "2,4,8,16,32,64", ",", -1);
  g_free (seats_arg);
  if (kernel_only) {
    print_kernel_table (sizes, repeat);
    g_strfreev (sizes);
    return 0;
  }
  if (gst_element_factory_find ("mixminus") == NULL) {
    g_printerr ("mixminus not found; set GST_PLUGIN_PATH to build/plugins\n");
    return 1;
  }

  printf ("# mixminus benchmark: 48 kHz mono F32, 10 ms buffers, %s, "
      "fakesink sync=false\n# %ld online CPUs, %s, %.0f s of audio "
      "per run, best of %d runs\n# CPU ms per second of audio "
      "(10 ms/s = 1 %% of one core); own = graph - baseline\n\n",
      live_sources ? "live sources" : "non-live",
      sysconf (_SC_NPROCESSORS_ONLN), gst_version_string (), seconds, repeat);
  printf ("| seats | sources | mixminus own | %% core | stock own | %% core "
      "| stock / mixminus | kernel us/period |\n");
  printf ("|------:|--------:|-------------:|-------:|----------:|-------:"
      "|-----------------:|-----------------:|\n");
  fflush (stdout);

  for (gchar ** p = sizes; *p; p++) {
    guint n = (guint) g_ascii_strtoull (*p, NULL, 10);
    double base, mm, stock = 0.0, st_sec;

    if (n < 1 || n > MIXMINUS_MAX_SEATS)
      continue;
    st_sec = stock_seconds > 0 ? stock_seconds :
        (n > 16 ? MIN (seconds, 10.0) : seconds);
    base = measure (describe_baseline, n, seconds, repeat);
    mm = measure (describe_mixminus, n, seconds, repeat) - base;
    if (!no_stock) {
      double stock_base = st_sec == seconds ? base :
          measure (describe_baseline, n, st_sec, repeat);

      stock = measure (describe_stock, n, st_sec, repeat) - stock_base;
    }
    {
      gboolean limited;
      double kernel = kernel_us_per_period (n, FALSE, &limited);

      printf ("| %5u | %7.2f | %12.2f | %6.3f | %9.2f | %6.2f | %16.1f | "
          "%12.2f%s |\n", n, base, mm, mm / 10.0, stock, stock / 10.0,
          no_stock || mm <= 0 ? 0.0 : stock / mm, kernel,
          limited ? " (L)" : "    ");
    }
    fflush (stdout);
  }
  g_strfreev (sizes);
  return 0;
}
