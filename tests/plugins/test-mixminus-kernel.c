/* roomcast: exactness tests of the mix-minus kernel (no GStreamer)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The inputs are dyadic rationals with few significant bits, so every float
 * sum and difference below is exact and results can be compared with ==.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "goertzel-amplitude.h"
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

  for (unsigned c = 0; c <= seats; c++) {
    const float *own = c < seats ? in + c * frames : NULL;

    mixminus_render_f32 (out, total, own, frames);
    mixminus_render_s16 (out16, total, own, frames);
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
test_s16_saturation (void)
{
  float total[4] = { 0.99999f, -1.0f, 0.4999f / 32768.0f, 2.0f };
  int16_t out[4];

  /* Rendering without a limiter still saturates instead of wrapping. */
  mixminus_render_s16 (out, total, NULL, 4);
  g_assert_cmpint (out[0], ==, 32767);
  g_assert_cmpint (out[1], ==, -32768);
  g_assert_cmpint (out[2], ==, 0);
  g_assert_cmpint (out[3], ==, 32767);
}

static void
test_peak (void)
{
  float x[37];

  for (size_t i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = (i % 3 ? -1.0f : 1.0f) * (float) i / 64.0f;
  g_assert_cmpfloat (mixminus_peak (x, G_N_ELEMENTS (x)), ==, 36.0f / 64.0f);
  g_assert_cmpfloat (mixminus_peak (x, 0), ==, 0.0f);
}

/* ------------------------------------------------------------ limiter */

#define LIMIT_RATE 48000
#define THRESHOLD 0.89125093813374556f  /* -1 dBFS */
#define SINE_SLOPE (2.0 * G_PI * 200.0 / LIMIT_RATE)    /* full scale, 200 Hz */

static void
test_limiter_configure (void)
{
  MixMinusLimiterConfig c;

  mixminus_limiter_configure (&c, LIMIT_RATE, THRESHOLD);
  g_assert_cmpfloat (c.threshold, ==, THRESHOLD);
  g_assert_cmpuint (c.lookahead, ==, 48);       /* 1 ms */
  g_assert_cmpuint (c.hold, ==, 480);   /* 10 ms */
  /* the envelope falls to 1/e in 100 ms */
  g_assert_cmpfloat (fabs (pow (c.release, 4800.0) - exp (-1.0)), <, 1e-3);
  g_assert_cmpfloat (fabs (c.release_block - pow (c.release, 48.0)), <, 1e-6);

  mixminus_limiter_configure (&c, 44100, 2.0f);
  g_assert_cmpuint (c.lookahead, ==, 44);       /* rounded down: <= 1 ms */
  g_assert_cmpfloat (c.threshold, ==, 1.0f);
  mixminus_limiter_configure (&c, 384000, THRESHOLD);
  g_assert_cmpuint (c.lookahead, ==, MIXMINUS_LIMITER_MAX_LOOKAHEAD);
  mixminus_limiter_configure (&c, 100, THRESHOLD);
  g_assert_cmpuint (c.lookahead, ==, 1);
}

/* Period sizes to render with: whole blocks, parts of blocks, one sample. */
static const size_t limiter_periods[] = { 480, 37, 1, 47, 48, 49, 700, 5,
  480
};

/* Below the threshold the limiter is a pure delay. Every output (each
 * seat's mix-minus and the mix), rendered period by period through its own
 * limiter, is bit for bit the sum over the other seats `lookahead` samples
 * earlier, in F32 and in S16, for any period sizes, whether the caller's
 * peak bound lets the kernel skip the gain or not (INFINITY). */
static void
check_limiter_exact (unsigned seats, bool tight_bound)
{
  MixMinusLimiterConfig config;
  size_t frames = 0;

  mixminus_limiter_configure (&config, LIMIT_RATE, THRESHOLD);
  for (size_t p = 0; p < G_N_ELEMENTS (limiter_periods); p++)
    frames += limiter_periods[p];

  float *in = g_new (float, frames * seats);
  float *total = g_new0 (float, frames);
  float *out = g_new (float, frames);
  int16_t *out16 = g_new (int16_t, frames);

  for (unsigned s = 0; s < seats; s++) {
    for (size_t f = 0; f < frames; f++)
      in[s * frames + f] = sample (s, f);
    mixminus_accumulate (total, in + s * frames, frames);
  }
  for (unsigned c = 0; c <= seats; c++) {
    const float *own = c < seats ? in + c * frames : NULL;
    MixMinusLimiter lim, lim16;
    size_t at = 0;

    mixminus_limiter_reset (&lim);
    mixminus_limiter_reset (&lim16);
    for (size_t p = 0; p < G_N_ELEMENTS (limiter_periods); p++) {
      const size_t n = limiter_periods[p];
      const float *o = own ? own + at : NULL;
      float bound = tight_bound ? mixminus_peak (total + at, n) +
          (o ? mixminus_peak (o, n) : 0.0f) : INFINITY;

      mixminus_render_limited_f32 (out + at, total + at, o, n, bound,
          &config, &lim);
      mixminus_render_limited_s16 (out16 + at, total + at, o, n, bound,
          &config, &lim16);
      at += n;
    }
    for (size_t f = 0; f < frames; f++) {
      double expect = 0.0;

      for (unsigned s = 0; f >= config.lookahead && s < seats; s++)
        if (s != c)
          expect += sample (s, f - config.lookahead);
      g_assert_cmpfloat (out[f], ==, (float) expect);
      g_assert_cmpint (out16[f], ==, (int) lround (expect * 32768.0));
    }
    g_assert_cmpfloat (lim.gain, ==, 1.0f);
  }
  g_free (in);
  g_free (total);
  g_free (out);
  g_free (out16);
}

static void
test_limiter_exact (void)
{
  const unsigned counts[] = { 1, 2, 3, 16 };

  for (size_t i = 0; i < G_N_ELEMENTS (counts); i++) {
    check_limiter_exact (counts[i], true);
    check_limiter_exact (counts[i], false);
  }
}

/* Renders `periods` periods of `period` frames of one output through a
 * fresh limiter; total and own repeat every period. */
static float *
render_repeated (const float *total, const float *own, size_t period,
    size_t periods, const MixMinusLimiterConfig * config)
{
  float *y = g_new (float, period * periods);
  float bound = mixminus_peak (total, period) +
      (own ? mixminus_peak (own, period) : 0.0f);
  MixMinusLimiter lim;

  mixminus_limiter_reset (&lim);
  for (size_t p = 0; p < periods; p++)
    mixminus_render_limited_f32 (y + p * period, total, own, period, bound,
        config, &lim);
  return y;
}

/* The loudest harmonic (2nd to 10th) of 200 Hz in x[0..n), in dB relative
 * to the fundamental; *fundamental gets the fundamental's amplitude. */
static double
worst_harmonic_db (const float *x, size_t n, double *fundamental)
{
  double worst = 0.0;

  *fundamental = goertzel_amplitude (x, n, 200.0, LIMIT_RATE);
  for (int k = 2; k <= 10; k++)
    worst = MAX (worst, goertzel_amplitude (x, n, 200.0 * k, LIMIT_RATE));
  return 20.0 * log10 (MAX (worst, 1e-12) / *fundamental);
}

/* The overload a clipper turns into a near-square wave: ten
 * full-scale 200 Hz sines in phase. The mix (10x full scale) and a seat's
 * mix-minus (9x) come out as a clean sine at the threshold: harmonics
 * >= 40 dB down, never beyond the threshold, and no step between samples
 * steeper than a full-scale 200 Hz sine's, onset included. */
static void
test_limiter_overload (void)
{
  enum { SEATS = 10, PERIOD = 480, PERIODS = 100 };
  MixMinusLimiterConfig config;
  float x[PERIOD], total[PERIOD] = { 0 };

  mixminus_limiter_configure (&config, LIMIT_RATE, THRESHOLD);
  for (size_t f = 0; f < PERIOD; f++)   /* two whole cycles a period */
    x[f] = sinf (2.0f * (float) G_PI * 200.0f * (float) f / LIMIT_RATE);
  for (unsigned s = 0; s < SEATS; s++)
    mixminus_accumulate (total, x, PERIOD);

  for (int k = 0; k < 2; k++) {
    float *y = render_repeated (total, k ? x : NULL, PERIOD, PERIODS,
        &config);
    const size_t n = PERIOD * PERIODS, settled = LIMIT_RATE / 10;
    double peak = 0.0, step = 0.0, fundamental, harmonics;

    for (size_t i = 0; i < n; i++) {
      peak = MAX (peak, fabsf (y[i]));
      if (i > 0)
        step = MAX (step, fabsf (y[i] - y[i - 1]));
    }
    harmonics = worst_harmonic_db (y + settled, n - settled, &fundamental);
    g_test_message ("%s: peak %.5f, largest step %.5f (%.2f x a full-scale "
        "sine's), fundamental %.4f, worst harmonic %.1f dB",
        k ? "mix-minus (9 seats)" : "mix (10 seats)", peak, step,
        step / SINE_SLOPE, fundamental, harmonics);
    g_assert_cmpfloat (peak, <=, THRESHOLD * (1.0 + 1e-6));
    g_assert_cmpfloat (step, <=, 1.1 * SINE_SLOPE);
    g_assert_cmpfloat (harmonics, <=, -40.0);
    g_assert_cmpfloat (fabs (fundamental - THRESHOLD), <, 0.01);
    g_free (y);
  }
}

/* Each output has its own gain. Seat 0 is a full-scale 200 Hz sine, seats
 * 1 and 2 quieter tones: the output without seat 0 stays below the
 * threshold and bit-exact while the others are limited, and an output
 * comes out the same whether or not the others are rendered between its
 * periods. */
static void
test_limiter_per_output (void)
{
  enum { SEATS = 3, PERIOD = 480, PERIODS = 20 };
  const float amp[SEATS] = { 1.0f, 0.5f, 0.25f };
  const float freq[SEATS] = { 200.0f, 300.0f, 500.0f };
  MixMinusLimiterConfig config;
  MixMinusLimiter lim[SEATS + 1];
  float *in = g_new (float, SEATS * PERIOD * PERIODS);
  float *total = g_new0 (float, PERIOD * PERIODS);
  float *out = g_new (float, (SEATS + 1) * PERIOD * PERIODS);
  const size_t n = PERIOD * PERIODS, ahead = 48;

  mixminus_limiter_configure (&config, LIMIT_RATE, THRESHOLD);
  for (unsigned s = 0; s < SEATS; s++) {
    for (size_t f = 0; f < n; f++)
      in[s * n + f] = amp[s] * sinf (2.0f * (float) G_PI * freq[s] *
          (float) f / LIMIT_RATE);
    mixminus_accumulate (total, in + s * n, n);
    mixminus_limiter_reset (&lim[s]);
  }
  mixminus_limiter_reset (&lim[SEATS]);

  /* As the element does: each period, every output in turn. */
  for (size_t p = 0; p < PERIODS; p++)
    for (unsigned c = 0; c <= SEATS; c++)
      mixminus_render_limited_f32 (out + c * n + p * PERIOD,
          total + p * PERIOD, c < SEATS ? in + c * n + p * PERIOD : NULL,
          PERIOD, INFINITY, &config, &lim[c]);

  for (unsigned c = 0; c <= SEATS; c++) {
    const float *y = out + c * n;
    MixMinusLimiter alone;
    float *again = g_new (float, n);
    bool limited = false;

    for (size_t f = 0; f < n; f++) {
      float raw = f < ahead ? 0.0f : total[f - ahead] -
          (c < SEATS ? in[c * n + f - ahead] : 0.0f);

      g_assert_cmpfloat (fabsf (y[f]), <=, THRESHOLD * (1.0f + 1e-6f));
      if (c == 0)
        g_assert_cmpfloat (y[f], ==, raw);
      else
        limited |= fabsf (y[f]) < fabsf (raw) * 0.9f;
    }
    g_assert_true (c == 0 || limited);
    if (c == 0)
      g_assert_cmpfloat (lim[c].gain, ==, 1.0f);
    else
      g_assert_cmpfloat (lim[c].gain, <, 1.0f);

    mixminus_limiter_reset (&alone);
    for (size_t p = 0; p < PERIODS; p++)
      mixminus_render_limited_f32 (again + p * PERIOD, total + p * PERIOD,
          c < SEATS ? in + c * n + p * PERIOD : NULL, PERIOD, INFINITY,
          &config, &alone);
    g_assert_cmpmem (again, n * sizeof (float), y, n * sizeof (float));
    g_free (again);
  }
  g_free (in);
  g_free (total);
  g_free (out);
}

/* Attack ahead of the peak, hold, then release: a 20 ms burst at 4x full
 * scale in a 0.5 sine. The gain starts falling one lookahead before the
 * burst comes out, the burst never leaves above the threshold, the gain
 * rises steadily afterwards (no pumping) and is exactly 1 again after the
 * hold and about ln (4 / threshold) = 1.5 release time constants, from when
 * on the output is bit-exact again. */
static void
test_limiter_attack_release (void)
{
  enum { PERIOD = 480, PERIODS = 60 };
  const size_t n = PERIOD * PERIODS, ahead = 48;
  const size_t burst = 4800, burst_end = 4800 + 960;
  MixMinusLimiterConfig config;
  MixMinusLimiter lim;
  float *x = g_new (float, n), *y = g_new (float, n);
  size_t last_limited = 0;
  double gain_before = 0.0;

  mixminus_limiter_configure (&config, LIMIT_RATE, THRESHOLD);
  mixminus_limiter_reset (&lim);
  for (size_t f = 0; f < n; f++)
    x[f] = (f >= burst && f < burst_end ? 4.0f : 0.5f) *
        sinf (2.0f * (float) G_PI * 300.0f * (float) f / LIMIT_RATE);
  for (size_t p = 0; p < PERIODS; p++) {
    const float *t = x + p * PERIOD;

    mixminus_render_limited_f32 (y + p * PERIOD, t, NULL, PERIOD,
        mixminus_peak (t, PERIOD), &config, &lim);
  }

  for (size_t f = ahead; f < n; f++) {
    const float raw = x[f - ahead];

    g_assert_cmpfloat (fabsf (y[f]), <=, THRESHOLD * (1.0f + 1e-6f));
    if (y[f] != raw)
      last_limited = f;
    if (f < burst)              /* until the lookahead sees the burst */
      g_assert_cmpfloat (y[f], ==, raw);
    /* after the burst, the gain only rises */
    if (f >= burst_end + ahead && fabsf (raw) > 0.1f) {
      double gain = y[f] / raw;

      g_assert_cmpfloat (gain, >=, gain_before - 1e-6);
      gain_before = gain;
    }
  }
  /* attenuated before the burst comes out at burst + ahead */
  g_assert_cmpfloat (fabsf (y[burst + ahead - 4]), <,
      0.5f * fabsf (x[burst - 4]));
  {
    double release_ms = (double) (last_limited - (burst_end + ahead)) *
        1000.0 / LIMIT_RATE;
    double expect_ms = 10.0 + 100.0 * log (4.0 / THRESHOLD);

    g_test_message ("gain back to 1 %.1f ms after the burst (hold + "
        "release: %.1f ms expected)", release_ms, expect_ms);
    g_assert_cmpfloat (fabs (release_ms - expect_ms), <, 5.0);
  }
  g_free (x);
  g_free (y);
}

/* Whatever comes in, nothing leaves above the threshold: random bursts up
 * to +60 dBFS and random period sizes, F32 and S16. */
static void
test_limiter_never_beyond (void)
{
  GRand *rand = g_rand_new_with_seed (18);
  MixMinusLimiterConfig config;
  MixMinusLimiter lim, lim16;
  float total[1024], out[1024];
  int16_t out16[1024];
  const int16_t max16 = (int16_t) lround (THRESHOLD * 32768.0) + 1;

  mixminus_limiter_configure (&config, LIMIT_RATE, THRESHOLD);
  mixminus_limiter_reset (&lim);
  mixminus_limiter_reset (&lim16);
  for (int p = 0; p < 3000; p++) {
    size_t n = (size_t) g_rand_int_range (rand, 1, 1025);
    float level = powf (10.0f, (float) g_rand_double_range (rand, -2, 3));

    for (size_t i = 0; i < n; i++)
      total[i] = level * (float) g_rand_double_range (rand, -1, 1);
    mixminus_render_limited_f32 (out, total, NULL, n, INFINITY, &config, &lim);
    mixminus_render_limited_s16 (out16, total, NULL, n,
        mixminus_peak (total, n), &config, &lim16);
    for (size_t i = 0; i < n; i++) {
      g_assert_cmpfloat (fabsf (out[i]), <=, THRESHOLD * (1.0f + 1e-6f));
      g_assert_cmpint (ABS (out16[i]), <=, max16);
    }
  }
  g_rand_free (rand);
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
  g_test_add_func ("/mixminus-kernel/s16-saturation", test_s16_saturation);
  g_test_add_func ("/mixminus-kernel/peak", test_peak);
  g_test_add_func ("/mixminus-kernel/limiter/configure",
      test_limiter_configure);
  g_test_add_func ("/mixminus-kernel/limiter/exact-below-threshold",
      test_limiter_exact);
  g_test_add_func ("/mixminus-kernel/limiter/overload-harmonics",
      test_limiter_overload);
  g_test_add_func ("/mixminus-kernel/limiter/per-output",
      test_limiter_per_output);
  g_test_add_func ("/mixminus-kernel/limiter/attack-release",
      test_limiter_attack_release);
  g_test_add_func ("/mixminus-kernel/limiter/never-beyond",
      test_limiter_never_beyond);
  g_test_add_func ("/mixminus-kernel/to-db", test_to_db);
  return g_test_run ();
}
