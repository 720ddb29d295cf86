/* roomcast: sliding-window rate limiter tests (fake clock). */
#include <glib.h>

#include "rooms/rate-limit.h"

#define T0 G_GINT64_CONSTANT (1700000000000)

static void
test_limit_and_retry_after (void)
{
  g_autoptr(RcRateLimiter) limiter = rc_rate_limiter_new (3, 60000);
  gint64 retry = 0;

  g_assert_true (rc_rate_limiter_hit (limiter, "u1", T0, &retry));
  g_assert_true (rc_rate_limiter_hit (limiter, "u1", T0 + 10000, &retry));
  g_assert_true (rc_rate_limiter_hit (limiter, "u1", T0 + 20000, &retry));
  /* Fourth within the minute: refused until the first hit is a minute old. */
  g_assert_false (rc_rate_limiter_hit (limiter, "u1", T0 + 30000, &retry));
  g_assert_cmpint (retry, ==, 30000);
  g_assert_false (rc_rate_limiter_hit (limiter, "u1", T0 + 59999, &retry));
  g_assert_cmpint (retry, ==, 1);
  /* Exactly when retryAfterMs said. */
  g_assert_true (rc_rate_limiter_hit (limiter, "u1", T0 + 60000, &retry));
  /* Sliding: the next slot frees when the second hit ages out. */
  g_assert_false (rc_rate_limiter_hit (limiter, "u1", T0 + 60001, &retry));
  g_assert_cmpint (retry, ==, 9999);
  g_assert_true (rc_rate_limiter_hit (limiter, "u1", T0 + 70000, NULL));

  /* Keys are independent. */
  g_assert_true (rc_rate_limiter_hit (limiter, "u2", T0 + 70000, NULL));
}

static void
test_refused_hits_not_counted (void)
{
  g_autoptr(RcRateLimiter) limiter = rc_rate_limiter_new (1, 1000);
  gint64 retry = 0;

  g_assert_true (rc_rate_limiter_hit (limiter, "k", T0, NULL));
  for (int i = 1; i < 10; i++)
    {
      g_assert_false (rc_rate_limiter_hit (limiter, "k", T0 + i * 100, &retry));
      g_assert_cmpint (retry, ==, 1000 - i * 100);
    }
  g_assert_true (rc_rate_limiter_hit (limiter, "k", T0 + 1000, NULL));
}

static void
test_no_burst_at_window_edge (void)
{
  g_autoptr(RcRateLimiter) limiter = rc_rate_limiter_new (60, 60000);
  int allowed = 0;

  /* 60 at the end of one minute and 60 at the start of the next would pass a
   * fixed window; a sliding window lets only 60 through in any minute. */
  for (int i = 0; i < 60; i++)
    allowed += rc_rate_limiter_hit (limiter, "k", T0 + 59000 + i, NULL);
  for (int i = 0; i < 60; i++)
    allowed += rc_rate_limiter_hit (limiter, "k", T0 + 61000 + i, NULL);
  g_assert_cmpint (allowed, ==, 60);
}

static void
test_prune_and_unlimited (void)
{
  g_autoptr(RcRateLimiter) limiter = rc_rate_limiter_new (2, 1000);
  g_autoptr(RcRateLimiter) unlimited = rc_rate_limiter_new (0, 1000);

  for (int i = 0; i < 50; i++)
    {
      g_autofree char *key = g_strdup_printf ("user%d", i);
      g_assert_true (rc_rate_limiter_hit (limiter, key, T0, NULL));
    }
  g_assert_cmpuint (rc_rate_limiter_get_n_keys (limiter), ==, 50);
  rc_rate_limiter_prune (limiter, T0 + 999);
  g_assert_cmpuint (rc_rate_limiter_get_n_keys (limiter), ==, 50);
  /* A later hit prunes idle keys by itself. */
  g_assert_true (rc_rate_limiter_hit (limiter, "fresh", T0 + 5000, NULL));
  g_assert_cmpuint (rc_rate_limiter_get_n_keys (limiter), ==, 1);

  for (int i = 0; i < 1000; i++)
    g_assert_true (rc_rate_limiter_hit (unlimited, "k", T0, NULL));
}

static void
test_check_then_record (void)
{
  g_autoptr(RcRateLimiter) limiter = rc_rate_limiter_new (2, 1000);
  gint64 retry = 0;

  /* Checking alone never uses the budget. */
  for (int i = 0; i < 10; i++)
    g_assert_true (rc_rate_limiter_check (limiter, "k", T0, NULL));
  rc_rate_limiter_record (limiter, "k", T0);
  g_assert_true (rc_rate_limiter_check (limiter, "k", T0 + 100, NULL));
  rc_rate_limiter_record (limiter, "k", T0 + 100);
  g_assert_false (rc_rate_limiter_check (limiter, "k", T0 + 200, &retry));
  g_assert_cmpint (retry, ==, 800);
  /* A record past the limit pushes the oldest hit out. */
  rc_rate_limiter_record (limiter, "k", T0 + 300);
  g_assert_false (rc_rate_limiter_check (limiter, "k", T0 + 400, &retry));
  g_assert_cmpint (retry, ==, 700);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rooms/rate-limit/retry-after", test_limit_and_retry_after);
  g_test_add_func ("/rooms/rate-limit/refused-not-counted", test_refused_hits_not_counted);
  g_test_add_func ("/rooms/rate-limit/no-edge-burst", test_no_burst_at_window_edge);
  g_test_add_func ("/rooms/rate-limit/prune-unlimited", test_prune_and_unlimited);
  g_test_add_func ("/rooms/rate-limit/check-then-record", test_check_then_record);
  return g_test_run ();
}
