/* RcTokenBucket: burst, refill, retry-after, refusals take nothing. */
#include "core/token-bucket.h"

static void
test_burst_then_rate (void)
{
  RcTokenBucket b = { 0 };
  gint64 retry = 0, t = 1000000;

  for (int i = 0; i < 5; i++)
    g_assert_true (rc_token_bucket_take (&b, 2.0, 5.0, t, NULL));
  g_assert_false (rc_token_bucket_take (&b, 2.0, 5.0, t, &retry));
  g_assert_cmpint (retry, ==, 500); /* 2 per second: one in 500 ms */
  /* Refused attempts take nothing: still 500 ms at the same instant. */
  g_assert_false (rc_token_bucket_take (&b, 2.0, 5.0, t, &retry));
  g_assert_cmpint (retry, ==, 500);
  g_assert_false (rc_token_bucket_take (&b, 2.0, 5.0, t + 499000, &retry));
  g_assert_cmpint (retry, ==, 1);
  g_assert_true (rc_token_bucket_take (&b, 2.0, 5.0, t + 500000, NULL));
  /* Ten idle seconds refill up to the burst, not beyond. */
  t += 10500000;
  for (int i = 0; i < 5; i++)
    g_assert_true (rc_token_bucket_take (&b, 2.0, 5.0, t, NULL));
  g_assert_false (rc_token_bucket_take (&b, 2.0, 5.0, t, NULL));
}

static void
test_clock_going_back (void)
{
  RcTokenBucket b = { 0 };

  g_assert_true (rc_token_bucket_take (&b, 1.0, 1.0, 5000000, NULL));
  /* An earlier time (another caller's clock reading) refills nothing. */
  g_assert_false (rc_token_bucket_take (&b, 1.0, 1.0, 4000000, NULL));
  g_assert_true (rc_token_bucket_take (&b, 1.0, 1.0, 6000000, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/token-bucket/burst-then-rate", test_burst_then_rate);
  g_test_add_func ("/token-bucket/clock-going-back", test_clock_going_back);
  return g_test_run ();
}
