/* roomcast: token bucket; see token-bucket.h. */
#include "core/token-bucket.h"

#include <math.h>

gboolean
rc_token_bucket_take (RcTokenBucket *bucket, double rate, double burst, gint64 now_us,
                      gint64 *retry_after_ms)
{
  g_return_val_if_fail (bucket != NULL && rate > 0 && burst >= 1, FALSE);

  if (bucket->last_us == 0)
    bucket->tokens = burst;
  else if (now_us > bucket->last_us)
    bucket->tokens = MIN (burst,
                          bucket->tokens + (double) (now_us - bucket->last_us) * rate / 1e6);
  bucket->last_us = MAX (bucket->last_us, now_us);
  if (bucket->tokens >= 1.0) {
    bucket->tokens -= 1.0;
    return TRUE;
  }
  if (retry_after_ms)
    *retry_after_ms = MAX (1, (gint64) ceil ((1.0 - bucket->tokens) * 1000.0 / rate - 1e-6));
  return FALSE;
}
