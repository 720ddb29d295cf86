/* roomcast: unit tests of the Goertzel tone meter (tests/lib/goertzel.c),
 * which the media tests trust to say "this client hears 440 Hz". */
#include "../lib/goertzel.h"

#include <math.h>

#define RATE 48000.0
#define WINDOW 4800

/* @n samples of amplitude @amp at @hz plus, optionally, @amp2 at @hz2. */
static float *
tone (gsize n, double hz, double amp, double hz2, double amp2)
{
  float *s = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    s[i] = (float) (amp * sin (2 * G_PI * hz * i / RATE) + amp2 * sin (2 * G_PI * hz2 * i / RATE));
  return s;
}

static void
test_full_scale_and_absent (void)
{
  const double freqs[] = { 440.0, 1000.0, 445.0 };
  g_autoptr (RcGoertzel) g = rc_goertzel_new (RATE, WINDOW, freqs, 3);
  g_autofree float *s = tone (WINDOW, 440.0, 1.0, 0, 0);

  g_assert_cmpfloat (rc_goertzel_level_db (g, 0), ==, RC_GOERTZEL_FLOOR_DB);
  g_assert_cmpuint (rc_goertzel_feed (g, s, WINDOW), ==, 1);
  g_assert_cmpfloat_with_epsilon (rc_goertzel_level_db (g, 0), 0.0, 0.1);
  /* 1000 Hz is far away: leakage of a Hann window is < -100 dB there. */
  g_assert_cmpfloat (rc_goertzel_level_db (g, 1), <, -90.0);
  /* 5 Hz off (half a bin at 10 Hz resolution): still close to the tone. */
  g_assert_cmpfloat (rc_goertzel_level_db (g, 2), >, -10.0);
}

static void
test_amplitudes (void)
{
  const double freqs[] = { 440.0, 1000.0 };
  g_autoptr (RcGoertzel) g = rc_goertzel_new (RATE, WINDOW, freqs, 2);
  g_autofree float *s = tone (WINDOW, 440.0, 0.5, 1000.0, 0.01);

  rc_goertzel_feed (g, s, WINDOW);
  g_assert_cmpfloat_with_epsilon (rc_goertzel_level_db (g, 0), -6.02, 0.1);
  g_assert_cmpfloat_with_epsilon (rc_goertzel_level_db (g, 1), -40.0, 0.1);
}

/* Feeding in odd-sized chunks gives the same windows as one big feed, and
 * the level is that of the last complete window only. */
static void
test_chunks_and_windows (void)
{
  const double freqs[] = { 440.0 };
  g_autoptr (RcGoertzel) g = rc_goertzel_new (RATE, WINDOW, freqs, 1);
  g_autofree float *loud = tone (WINDOW * 2, 440.0, 0.5, 0, 0);
  g_autofree float *quiet = tone (WINDOW + 100, 440.0, 0.05, 0, 0);
  guint done = 0;

  for (gsize off = 0; off < WINDOW * 2; off += 333)
    done += rc_goertzel_feed (g, loud + off, MIN (333, WINDOW * 2 - off));
  g_assert_cmpuint (done, ==, 2);
  g_assert_cmpuint (rc_goertzel_get_windows (g), ==, 2);
  g_assert_cmpfloat_with_epsilon (rc_goertzel_level_db (g, 0), -6.02, 0.1);
  /* A partial window changes nothing yet... */
  rc_goertzel_feed (g, quiet, 100);
  g_assert_cmpfloat_with_epsilon (rc_goertzel_level_db (g, 0), -6.02, 0.1);
  /* ...until it completes (its first 100 samples were quiet too, in phase). */
  rc_goertzel_feed (g, quiet + 100, WINDOW);
  g_assert_cmpuint (rc_goertzel_get_windows (g), ==, 3);
  g_assert_cmpfloat_with_epsilon (rc_goertzel_level_db (g, 0), -26.02, 0.2);
}

static void
test_silence (void)
{
  const double freqs[] = { 440.0 };
  g_autoptr (RcGoertzel) g = rc_goertzel_new (RATE, WINDOW, freqs, 1);
  g_autofree float *zeros = g_new0 (float, WINDOW);

  rc_goertzel_feed (g, zeros, WINDOW);
  g_assert_cmpfloat (rc_goertzel_level_db (g, 0), ==, RC_GOERTZEL_FLOOR_DB);
}

/* White noise of RMS r spreads over the band: the level at any frequency is
 * far below a tone of the same RMS. */
static void
test_noise (void)
{
  const double freqs[] = { 440.0 };
  g_autoptr (RcGoertzel) g = rc_goertzel_new (RATE, WINDOW, freqs, 1);
  g_autofree float *s = g_new (float, WINDOW);
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < WINDOW; i++)
    s[i] = (float) g_rand_double_range (rand, -0.5, 0.5);
  rc_goertzel_feed (g, s, WINDOW);
  g_assert_cmpfloat (rc_goertzel_level_db (g, 0), <, -25.0);
}

/* The mean of the last RC_GOERTZEL_MEAN_WINDOWS windows: a burst of one
 * window (what a codec's artifact looks like) reads 13 dB down, a tone
 * present all along reads its level; before any window, the floor. */
static void
test_mean (void)
{
  const double freqs[] = { 1000.0 };
  g_autoptr (RcGoertzel) g = rc_goertzel_new (RATE, WINDOW, freqs, 1);
  g_autofree float *quiet = g_new0 (float, WINDOW);
  g_autofree float *burst = tone (WINDOW, 1000.0, 0.5, 0, 0);

  g_assert_cmpfloat (rc_goertzel_mean_db (g, 0), ==, RC_GOERTZEL_FLOOR_DB);
  for (guint w = 0; w < 2 * RC_GOERTZEL_MEAN_WINDOWS; w++)
    rc_goertzel_feed (g, quiet, WINDOW);
  g_assert_cmpfloat (rc_goertzel_mean_db (g, 0), ==, RC_GOERTZEL_FLOOR_DB);
  rc_goertzel_feed (g, burst, WINDOW);
  g_assert_cmpfloat (fabs (rc_goertzel_level_db (g, 0) - 20 * log10 (0.5)), <, 0.1);
  g_assert_cmpfloat (fabs (rc_goertzel_mean_db (g, 0) -
                           (20 * log10 (0.5) - 10 * log10 (RC_GOERTZEL_MEAN_WINDOWS))),
                     <, 0.1);
  for (guint w = 0; w < RC_GOERTZEL_MEAN_WINDOWS; w++)
    rc_goertzel_feed (g, burst, WINDOW);
  g_assert_cmpfloat (fabs (rc_goertzel_mean_db (g, 0) - 20 * log10 (0.5)), <, 0.1);
  for (guint w = 0; w < RC_GOERTZEL_MEAN_WINDOWS; w++)
    rc_goertzel_feed (g, quiet, WINDOW);
  g_assert_cmpfloat (rc_goertzel_mean_db (g, 0), ==, RC_GOERTZEL_FLOOR_DB);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/goertzel/full-scale-and-absent", test_full_scale_and_absent);
  g_test_add_func ("/goertzel/amplitudes", test_amplitudes);
  g_test_add_func ("/goertzel/chunks-and-windows", test_chunks_and_windows);
  g_test_add_func ("/goertzel/silence", test_silence);
  g_test_add_func ("/goertzel/noise", test_noise);
  g_test_add_func ("/goertzel/mean", test_mean);
  return g_test_run ();
}
