/* roomcast: GstHarness tests of the mixminus element's limiter
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the kernel tests show for one output (test-mixminus-kernel.c), here
 * through the element: every output limited on its own, the threshold
 * property, the lookahead in the latency, and GAP on the delayed outputs.
 * (That the last lookahead comes out at EOS is checked by the tones test
 * of test-mixminus-pipeline.c, which counts every sample.)
 */
#include "mixminus-harness-util.h"

/* Pushes `periods` periods of fn on every seat and returns, per output
 * (src_N, then mix), everything it made of them, checked continuous:
 * [0, periods * PERIOD_FRAMES - AHEAD). */
static float **
run_room (Room * r, guint periods, gboolean s16, SampleFunc fn)
{
  float **all = g_new0 (float *, r->seats + 1);

  for (guint c = 0; c <= r->seats; c++)
    all[c] = g_new (float, periods * PERIOD_FRAMES);
  for (guint p = 0; p < periods; p++) {
    guint64 first = (guint64) p * PERIOD_FRAMES;

    for (guint s = 0; s < r->seats; s++)
      g_assert_cmpint (gst_harness_push (r->in[s], s16 ?
              make_s16_buffer (s, first, PERIOD_FRAMES, fn) :
              make_f32_buffer (s, first, PERIOD_FRAMES, fn)), ==,
          GST_FLOW_OK);
    for (guint c = 0; c <= r->seats; c++) {
      guint64 from;
      float *y = pull_period (c < r->seats ? r->out[c] : r->mix, p, AHEAD,
          p == 0, &from);

      memcpy (all[c] + from, y, (first + PERIOD_FRAMES - AHEAD - from) *
          sizeof (float));
      g_free (y);
    }
  }
  return all;
}

static void
free_outputs (float **all, guint n)
{
  for (guint c = 0; c < n; c++)
    g_free (all[c]);
  g_free (all);
}

static float
full_scale_200 (guint seat, guint64 f)
{
  return sinf (2.0f * (float) G_PI * 200.0f * (float) f / RATE);
}

/* Ten full-scale 200 Hz seats in phase: each seat's mix-minus (9x full
 * scale) and the mix (10x) come out as a clean sine at the threshold, not
 * the near-square wave a clipper makes: harmonics >= 40 dB down, never
 * beyond the threshold, no step steeper than a full-scale sine's. */
static void
check_limiter (gboolean s16)
{
  const gchar *caps = s16 ? CAPS_S16 : CAPS_F32;
  const double slope = 2.0 * G_PI * 200.0 / RATE;
  const float quantum = s16 ? 1.0f / 32768.0f : 0.0f;
  /* from 100 ms on (the attack is over), 19 whole cycles */
  const gsize from = RATE / 10, n = 19 * 240;
  Room r;
  float **all;

  room_open (&r, 10, caps, caps);
  all = run_room (&r, 20, s16, full_scale_200);
  for (guint c = 0; c <= 10; c++) {
    const float *y = all[c];
    double fundamental = goertzel_amplitude (y + from, n, 200.0, RATE);
    double worst = 0.0, step = 0.0;

    for (gsize i = 0; i < 20 * PERIOD_FRAMES - AHEAD; i++) {
      g_assert_cmpfloat (fabsf (y[i]), <=, THRESHOLD * (1.0f + 1e-6f) +
          quantum);
      if (i > 0)
        step = MAX (step, fabsf (y[i] - y[i - 1]));
    }
    for (guint k = 2; k <= 10; k++)
      worst = MAX (worst, goertzel_amplitude (y + from, n, 200.0 * k, RATE));
    if (c == 0 || c == 10)
      g_test_message ("%s: fundamental %.4f, worst harmonic %.1f dB, "
          "largest step %.2f x a full-scale sine's", c ? "mix" : "src_0",
          fundamental, 20.0 * log10 (worst / fundamental), step / slope);
    g_assert_cmpfloat (fabs (fundamental - THRESHOLD), <, 0.01);
    g_assert_cmpfloat (20.0 * log10 (worst / fundamental), <=, -40.0);
    g_assert_cmpfloat (step, <=, 1.1 * slope + 2 * quantum);
  }
  free_outputs (all, 11);
  room_close (&r);
}

static void
test_limiter_f32 (void)
{
  check_limiter (FALSE);
}

static void
test_limiter_s16 (void)
{
  check_limiter (TRUE);
}

/* Seat 0 loud, seats 1 and 2 quieter tones. */
static float
one_loud_seat (guint seat, guint64 f)
{
  static const float amp[] = { 1.0f, 0.5f, 0.25f };
  static const float freq[] = { 200.0f, 300.0f, 500.0f };

  return amp[seat] * sinf (2.0f * (float) G_PI * freq[seat] * (float) f /
      RATE);
}

/* Every output has its own limiter: with seat 0 loud, src_0 (seats 1 and
 * 2, at most 0.75) is exactly total - own, one lookahead late, while src_1,
 * src_2 and the mix, which have seat 0, are limited. */
static void
test_limiter_per_output (void)
{
  const guint periods = 10;
  Room r;
  float **all;

  room_open (&r, 3, CAPS_F32, CAPS_F32);
  all = run_room (&r, periods, FALSE, one_loud_seat);
  for (guint c = 0; c <= 3; c++) {
    gboolean limited = FALSE;

    for (guint64 i = 0; i < periods * PERIOD_FRAMES - AHEAD; i++) {
      float total = 0.0f, raw;

      /* as the element sums: seat by seat, then minus its own */
      for (guint s = 0; s < 3; s++)
        total += one_loud_seat (s, i);
      raw = c < 3 ? total - one_loud_seat (c, i) : total;
      g_assert_cmpfloat (fabsf (all[c][i]), <=, THRESHOLD * (1.0f + 1e-6f));
      if (c == 0)
        g_assert_cmpfloat (all[c][i], ==, raw);
      else
        limited |= fabsf (all[c][i]) < 0.9f * fabsf (raw);
    }
    g_assert_true (c == 0 || limited);
  }
  free_outputs (all, 4);
  room_close (&r);
}

/* limiter-threshold sets the level the loud outputs are kept at; it may
 * change while playing. */
static void
test_limiter_threshold (void)
{
  const float threshold = 0.5011872336272722f;  /* -6 dBFS */
  Room r;
  float **all;
  gdouble db;

  room_open (&r, 10, CAPS_F32, CAPS_F32);
  g_object_get (r.element, "limiter-threshold", &db, NULL);
  g_assert_cmpfloat (db, ==, -1.0);
  g_object_set (r.element, "limiter-threshold", -6.0, NULL);
  all = run_room (&r, 10, FALSE, full_scale_200);
  for (guint c = 0; c <= 10; c++) {
    float peak = 0.0f;

    for (gsize i = 0; i < 10 * PERIOD_FRAMES - AHEAD; i++)
      peak = MAX (peak, fabsf (all[c][i]));
    g_assert_cmpfloat (peak, <=, threshold * (1.0f + 1e-6f));
    g_assert_cmpfloat (peak, >, threshold * 0.99f);
  }
  free_outputs (all, 11);
  room_close (&r);
}

/* The limiter's lookahead is part of the latency: upstream + one period
 * (+ the latency property) + 1 ms, the nominal 1 ms before the rate is
 * known and the lookahead in samples after; without the limiter nothing is
 * delayed and nothing added. */
static void
test_limiter_latency (void)
{
  for (guint limiter = 0; limiter < 2; limiter++) {
    GstElement *e = new_mixminus (1);
    GstHarness *in, *mix;
    GstClockTime own = limiter ? GST_MSECOND : 0;

    g_object_set (e, "limiter", (gboolean) limiter, NULL);
    in = gst_harness_new_with_element (e, "sink_0", NULL);
    mix = gst_harness_new_with_element (e, NULL, "mix");
    gst_harness_set_upstream_latency (in, 30 * GST_MSECOND);
    g_assert_cmpuint (gst_harness_query_latency (mix), ==,
        40 * GST_MSECOND + own);
    gst_harness_set_src_caps_str (in, CAPS_F32);
    gst_harness_push (in, make_f32_buffer (0, 0, PERIOD_FRAMES, seat_dc));
    gst_buffer_unref (gst_harness_pull (mix));
    g_assert_cmpuint (gst_harness_query_latency (mix), ==,
        40 * GST_MSECOND + own);
    gst_harness_teardown (in);
    gst_harness_teardown (mix);
    gst_object_unref (e);
  }
}

static float
silence (guint seat, guint64 f)
{
  return 0.0f;
}

/* GAP marks only buffers that are silent: the one made of the first
 * silent period still carries the lookahead of sound before it. */
static void
test_gap_after_sound (void)
{
  SampleFunc fn[] = { seat_dc, silence, silence };
  const gboolean gap[] = { FALSE, FALSE, TRUE };
  GstElement *e = new_mixminus (1);
  GstHarness *in = gst_harness_new_with_element (e, "sink_0", NULL);
  GstHarness *mix = gst_harness_new_with_element (e, NULL, "mix");

  gst_harness_set_src_caps_str (in, CAPS_F32);
  gst_harness_set_sink_caps_str (mix, CAPS_F32);
  for (guint p = 0; p < G_N_ELEMENTS (fn); p++) {
    GstBuffer *buf;
    gsize n;
    float *y;

    gst_harness_push (in, make_f32_buffer (0, (guint64) p * PERIOD_FRAMES,
            PERIOD_FRAMES, fn[p]));
    buf = gst_harness_pull (mix);
    g_assert_cmpint (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP), ==,
        gap[p]);
    y = buffer_samples (mix, buf, p ? p * PERIOD - GST_MSECOND : 0, &n);
    if (p == 1) {               /* the end of period 0, then silence */
      g_assert_cmpfloat (y[AHEAD - 1], ==, seat_dc (0, 0));
      g_assert_cmpfloat (y[AHEAD], ==, 0.0f);
    }
    g_free (y);
  }
  gst_harness_teardown (in);
  gst_harness_teardown (mix);
  gst_object_unref (e);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mixminus/limiter/f32", test_limiter_f32);
  g_test_add_func ("/mixminus/limiter/s16", test_limiter_s16);
  g_test_add_func ("/mixminus/limiter/per-output", test_limiter_per_output);
  g_test_add_func ("/mixminus/limiter/threshold", test_limiter_threshold);
  g_test_add_func ("/mixminus/limiter/latency", test_limiter_latency);
  g_test_add_func ("/mixminus/limiter/gap-after-sound", test_gap_after_sound);
  return g_test_run ();
}
