/* roomcast: exactness tests of the mix-minus kernel (no GStreamer)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The inputs are dyadic rationals with few significant bits, so every float
 * sum and difference below is exact and results can be compared with ==.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "mixminus-kernel.h"

/* Seat s's sample at frame f: k / 512 with |k| <= 20, so any sum of up to
 * 64 of them is an exact float. */
static float
sample (unsigned seat, size_t f)
{
  return (float) ((int) ((f * 7 + seat * 13) % 41) - 20) / 512.0f;
}

static void
test_load_f32 (void)
{
  const float mono[] = { 0.5f, -0.25f, 1.5f, NAN, INFINITY, -1e9f, 0.0f };
  const float expect[] = { 0.5f, -0.25f, 1.5f, 0.0f, MIXMINUS_INPUT_CLAMP,
    -MIXMINUS_INPUT_CLAMP, 0.0f
  };
  const float stereo[] = { 0.5f, 0.25f, -1.0f, 1.0f, 0.75f, -0.25f };
  float out[G_N_ELEMENTS (mono)];

  mixminus_load_f32 (out, mono, G_N_ELEMENTS (mono), 1);
  for (size_t i = 0; i < G_N_ELEMENTS (mono); i++)
    g_assert_cmpfloat (out[i], ==, expect[i]);

  /* clean input is copied bit for bit, including beyond full scale */
  mixminus_load_f32 (out, mono, 3, 1);
  g_assert_cmpmem (out, 3 * sizeof (float), mono, 3 * sizeof (float));

  mixminus_load_f32 (out, stereo, 3, 2);
  g_assert_cmpfloat (out[0], ==, 0.375f);
  g_assert_cmpfloat (out[1], ==, 0.0f);
  g_assert_cmpfloat (out[2], ==, 0.25f);
}

static void
test_load_s16 (void)
{
  int16_t in[65536];
  float *out = g_new (float, 65536);
  const int16_t stereo[] = { 32767, 32767, -32768, -32768, 100, -300 };

  for (int k = 0; k < 65536; k++)
    in[k] = (int16_t) (k - 32768);
  mixminus_load_s16 (out, in, 65536, 1);
  for (int k = 0; k < 65536; k++)
    g_assert_cmpfloat (out[k], ==, (float) ((double) (k - 32768) / 32768.0));

  mixminus_load_s16 (out, stereo, 3, 2);
  g_assert_cmpfloat (out[0], ==, 32767.0f / 32768.0f);
  g_assert_cmpfloat (out[1], ==, -1.0f);
  g_assert_cmpfloat (out[2], ==, -100.0f / 32768.0f);
  g_free (out);
}

static void
test_accumulate (void)
{
  const float x[] = { 0.5f, -0.25f, 0.125f };
  float total[3] = { 1.0f, 1.0f, 1.0f };

  mixminus_accumulate (total, x, 3);
  mixminus_accumulate (total, x, 3);
  for (size_t f = 0; f < 3; f++)
    g_assert_cmpfloat (total[f], ==, 1.0f + 2.0f * x[f]);
}

static void
test_measure (void)
{
  float x[13];
  MixMinusLevel level = { 0.0, 0.0f };

  for (size_t i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = (i % 2 ? -1.0f : 1.0f) * (float) i / 16.0f;
  mixminus_measure (x, G_N_ELEMENTS (x), &level);
  /* sum of (i/16)^2 for i < 13 = 650/256 */
  g_assert_cmpfloat (level.sumsq, ==, 650.0 / 256.0);
  g_assert_cmpfloat (level.peak, ==, 12.0f / 16.0f);

  /* accumulates across calls; a smaller peak does not lower it */
  mixminus_measure (x, 3, &level);
  g_assert_cmpfloat (level.sumsq, ==, 655.0 / 256.0);
  g_assert_cmpfloat (level.peak, ==, 12.0f / 16.0f);
}

/* Mixes seats x frames of sample() the way the element does and checks
 * every output against the sum over the other seats, computed
 * independently in double. */
static void
check_render_exact (unsigned seats)
{
  const size_t frames = 480;
  float *total = g_new0 (float, frames);
  float *in = g_new (float, frames * seats);
  float *out = g_new (float, frames);
  int16_t *out16 = g_new (int16_t, frames);
  float max_peak = 0.0f;

  for (unsigned s = 0; s < seats; s++) {
    MixMinusLevel level = { 0.0, 0.0f };
    float *x = in + s * frames;

    for (size_t f = 0; f < frames; f++)
      x[f] = sample (s, f);
    mixminus_measure (x, frames, &level);
    mixminus_accumulate (total, x, frames);
    max_peak = MAX (max_peak, level.peak);
  }
  g_assert_cmpfloat (max_peak, ==, 20.0f / 512.0f);
  if (seats <= 16)
    g_assert_false (mixminus_needs_limit (mixminus_peak (total, frames),
            max_peak));

  for (unsigned c = 0; c <= seats; c++) {
    const float *own = c < seats ? in + c * frames : NULL;

    mixminus_render_f32 (out, total, own, frames, false);
    mixminus_render_s16 (out16, total, own, frames, false);
    for (size_t f = 0; f < frames; f++) {
      double expect = 0.0;

      for (unsigned s = 0; s < seats; s++)
        if (s != c)
          expect += sample (s, f);
      g_assert_cmpfloat (out[f], ==, (float) expect);
      /* k/512 is a multiple of 1/32768: S16 output is exact too (and
       * saturated where 64 seats exceed full scale) */
      g_assert_cmpint (out16[f], ==,
          (int) CLAMP (lround (expect * 32768.0), -32768, 32767));
    }
    /* Below the knee the limiter is the identity: same result with it on. */
    if (seats <= 16) {
      float limited[480];

      mixminus_render_f32 (limited, total, own, frames, true);
      g_assert_cmpmem (limited, sizeof (limited), out,
          frames * sizeof (float));
    }
  }
  g_free (total);
  g_free (in);
  g_free (out);
  g_free (out16);
}

static void
test_render_exact (void)
{
  const unsigned counts[] = { 1, 2, 3, 16, 64 };

  for (size_t i = 0; i < G_N_ELEMENTS (counts); i++)
    check_render_exact (counts[i]);
}

static void
test_limiter_curve (void)
{
  const float knee = MIXMINUS_LIMIT_KNEE;
  float prev = 0.0f;

  /* Exact identity up to the knee. */
  for (int i = 0; i <= 1000; i++) {
    float x = knee * (float) i / 1000.0f;

    g_assert_cmpfloat (mixminus_limit_sample (x), ==, x);
    g_assert_cmpfloat (mixminus_limit_sample (-x), ==, -x);
  }
  /* Monotonic, odd, within full scale, far beyond full scale. */
  for (int i = 0; i <= 200000; i++) {
    float x = (float) i / 1000.0f;
    float y = mixminus_limit_sample (x);

    g_assert_cmpfloat (y, >=, prev);
    g_assert_cmpfloat (y, <=, 1.0f);
    g_assert_cmpfloat (mixminus_limit_sample (-x), ==, -y);
    prev = y;
  }
  g_assert_cmpfloat (mixminus_limit_sample (64000.0f), <=, 1.0f);
  g_assert_cmpfloat (mixminus_limit_sample (-64000.0f), >=, -1.0f);
  /* Smooth at the knee: slope 1 on both sides. */
  {
    float e = 1e-3f;
    float below = (mixminus_limit_sample (knee) -
        mixminus_limit_sample (knee - e)) / e;
    float above = (mixminus_limit_sample (knee + e) -
        mixminus_limit_sample (knee)) / e;

    g_assert_cmpfloat (fabsf (below - 1.0f), <, 1e-3f);
    g_assert_cmpfloat (fabsf (above - 1.0f), <, 1e-2f);
  }
  /* Ten full-scale seats in phase stay loud but below full scale. */
  g_assert_cmpfloat (mixminus_limit_sample (10.0f), >, 0.98f);
  g_assert_cmpfloat (mixminus_limit_sample (10.0f), <, 1.0f);

  /* The in-place array version matches the scalar one. */
  {
    float x[37];

    for (size_t i = 0; i < G_N_ELEMENTS (x); i++)
      x[i] = ((float) i - 18.0f) / 4.0f;
    mixminus_limit (x, G_N_ELEMENTS (x));
    for (size_t i = 0; i < G_N_ELEMENTS (x); i++)
      g_assert_cmpfloat (x[i], ==,
          mixminus_limit_sample (((float) i - 18.0f) / 4.0f));
  }
}

static void
test_render_limited (void)
{
  enum { SEATS = 10, FRAMES = 96 };
  float total[FRAMES] = { 0 }, x[FRAMES];
  float out[FRAMES], mix[FRAMES];
  int16_t out16[FRAMES];
  MixMinusLevel level = { 0.0, 0.0f };

  /* Ten full-scale sines in phase. */
  for (size_t f = 0; f < FRAMES; f++)
    x[f] = sinf (2.0f * (float) G_PI * (float) f / 48.0f);
  for (unsigned s = 0; s < SEATS; s++) {
    mixminus_measure (x, FRAMES, &level);
    mixminus_accumulate (total, x, FRAMES);
  }
  g_assert_true (mixminus_needs_limit (mixminus_peak (total, FRAMES),
          level.peak));

  mixminus_render_f32 (out, total, x, FRAMES, true);
  mixminus_render_f32 (mix, total, NULL, FRAMES, true);
  mixminus_render_s16 (out16, total, x, FRAMES, true);
  for (size_t f = 0; f < FRAMES; f++) {
    float raw = total[f] - x[f];

    g_assert_cmpfloat (out[f], ==, mixminus_limit_sample (raw));
    g_assert_cmpfloat (mix[f], ==, mixminus_limit_sample (total[f]));
    for (int k = 0; k < 2; k++) {
      float y = k ? mix[f] : out[f];
      float r = k ? total[f] : raw;

      g_assert_cmpfloat (fabsf (y), <=, 1.0f);
      /* no sign flip, no fold-back: same sign, never quieter than the
       * knee when the raw sum is above it */
      g_assert_true ((y > 0) == (r > 0) && (y < 0) == (r < 0));
      if (fabsf (r) > MIXMINUS_LIMIT_KNEE)
        g_assert_cmpfloat (fabsf (y), >=, MIXMINUS_LIMIT_KNEE);
    }
    g_assert_true ((out16[f] > 0) == (raw > 0.0001f)
        || fabsf (raw) <= 0.0001f);
  }
}

static void
test_s16_saturation (void)
{
  float total[4] = { 0.99999f, -1.0f, 0.4999f / 32768.0f, 2.0f };
  int16_t out[4];

  /* Unlimited rendering still saturates instead of wrapping. */
  mixminus_render_s16 (out, total, NULL, 4, false);
  g_assert_cmpint (out[0], ==, 32767);
  g_assert_cmpint (out[1], ==, -32768);
  g_assert_cmpint (out[2], ==, 0);
  g_assert_cmpint (out[3], ==, 32767);
}

static void
test_peak_and_needs_limit (void)
{
  float x[37];

  for (size_t i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = (i % 3 ? -1.0f : 1.0f) * (float) i / 64.0f;
  g_assert_cmpfloat (mixminus_peak (x, G_N_ELEMENTS (x)), ==, 36.0f / 64.0f);
  g_assert_cmpfloat (mixminus_peak (x, 0), ==, 0.0f);

  g_assert_false (mixminus_needs_limit (0.5f, 0.2f));
  g_assert_true (mixminus_needs_limit (0.5f, 0.25f));
  g_assert_true (mixminus_needs_limit (0.1f, 0.7f));
}

static void
test_to_db (void)
{
  g_assert_cmpfloat (mixminus_to_db (1.0), ==, 0.0);
  g_assert_cmpfloat (fabs (mixminus_to_db (0.5) + 6.0206), <, 1e-4);
  g_assert_cmpfloat (mixminus_to_db (0.0), ==, MIXMINUS_LEVEL_FLOOR_DB);
  g_assert_cmpfloat (mixminus_to_db (1e-30), ==, MIXMINUS_LEVEL_FLOOR_DB);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mixminus-kernel/load-f32", test_load_f32);
  g_test_add_func ("/mixminus-kernel/load-s16", test_load_s16);
  g_test_add_func ("/mixminus-kernel/accumulate", test_accumulate);
  g_test_add_func ("/mixminus-kernel/measure", test_measure);
  g_test_add_func ("/mixminus-kernel/render-exact", test_render_exact);
  g_test_add_func ("/mixminus-kernel/limiter-curve", test_limiter_curve);
  g_test_add_func ("/mixminus-kernel/render-limited", test_render_limited);
  g_test_add_func ("/mixminus-kernel/s16-saturation", test_s16_saturation);
  g_test_add_func ("/mixminus-kernel/peak-needs-limit",
      test_peak_and_needs_limit);
  g_test_add_func ("/mixminus-kernel/to-db", test_to_db);
  return g_test_run ();
}
