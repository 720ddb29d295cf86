/* roomcast: exponential backoff with jitter; see backoff.h. */
#include "core/backoff.h"

void
rc_backoff_init (RcBackoff *backoff, guint min_ms, guint max_ms, guint jitter_pct)
{
  g_return_if_fail (backoff != NULL && min_ms > 0 && max_ms >= min_ms && jitter_pct < 100);
  *backoff = (RcBackoff){
    .min_ms = min_ms, .max_ms = max_ms, .jitter_pct = jitter_pct, .next_ms = min_ms
  };
}

guint
rc_backoff_next (RcBackoff *backoff)
{
  guint64 delay = backoff->next_ms;

  if (backoff->jitter_pct > 0)
    delay = delay *
            (guint) g_random_int_range ((gint32) (100 - backoff->jitter_pct),
                                        (gint32) (101 + backoff->jitter_pct)) /
            100;
  backoff->next_ms = (guint) MIN ((guint64) backoff->next_ms * 2, backoff->max_ms);
  backoff->failures++;
  return (guint) MAX (delay, 1);
}

void
rc_backoff_reset (RcBackoff *backoff)
{
  backoff->next_ms = backoff->min_ms;
  backoff->failures = 0;
}

gboolean
rc_backoff_is_first (const RcBackoff *backoff)
{
  return backoff->failures == 1;
}

guint
rc_backoff_get_failures (const RcBackoff *backoff)
{
  return backoff->failures;
}
