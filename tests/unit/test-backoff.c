/* roomcast: unit tests of the one retry backoff (src/core/backoff.c). */
#include "core/backoff.h"

/* Without jitter: min, doubling, capped; success starts over. */
static void
test_sequence (void)
{
  RcBackoff b;
  static const guint expected[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000 };

  rc_backoff_init (&b, 500, 30000, 0);
  g_assert_cmpuint (rc_backoff_get_failures (&b), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++) {
    g_assert_cmpuint (rc_backoff_next (&b), ==, expected[i]);
    g_assert_cmpuint (rc_backoff_get_failures (&b), ==, i + 1);
    g_assert_true (rc_backoff_is_first (&b) == (i == 0));
  }
  rc_backoff_reset (&b);
  g_assert_cmpuint (rc_backoff_get_failures (&b), ==, 0);
  g_assert_cmpuint (rc_backoff_next (&b), ==, 500);
  g_assert_true (rc_backoff_is_first (&b));
}

/* With ±20 % jitter every delay stays within its band, and the delays are
 * spread (not all the same). */
static void
test_jitter (void)
{
  RcBackoff b;
  guint lowest = G_MAXUINT, highest = 0;

  for (guint run = 0; run < 200; run++) {
    rc_backoff_init (&b, 100, 5000, 20);
    guint first = rc_backoff_next (&b);
    g_assert_cmpuint (first, >=, 80);
    g_assert_cmpuint (first, <=, 120);
    lowest = MIN (lowest, first);
    highest = MAX (highest, first);
    for (guint i = 0; i < 10; i++) {
      guint nominal = MIN (100u << (i + 1), 5000u);
      guint d = rc_backoff_next (&b);
      g_assert_cmpuint (d, >=, nominal * 80 / 100);
      g_assert_cmpuint (d, <=, nominal * 120 / 100);
    }
  }
  g_assert_cmpuint (highest - lowest, >=, 10);
}

/* A 1 ms minimum never gives 0 (a 0 ms timeout would spin). */
static void
test_never_zero (void)
{
  RcBackoff b;

  rc_backoff_init (&b, 1, 1, 50);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpuint (rc_backoff_next (&b), >=, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backoff/sequence", test_sequence);
  g_test_add_func ("/backoff/jitter", test_jitter);
  g_test_add_func ("/backoff/never-zero", test_never_zero);
  return g_test_run ();
}
