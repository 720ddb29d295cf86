/* roomcast: a token bucket (pure, clock passed in).
 *
 * @rate tokens per second refill the bucket up to @burst; each event takes
 * one. O(1) state, so every connection can have its own (the per-socket
 * event budget of sio-server.c). A refused event takes nothing.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double tokens;
  gint64 last_us; /* 0: never used, full */
} RcTokenBucket;

/* Takes one token at @now_us. FALSE when none is left, with
 * *@retry_after_ms (nullable) the milliseconds until one is (>= 1). */
gboolean rc_token_bucket_take (RcTokenBucket *bucket, double rate, double burst, gint64 now_us,
                               gint64 *retry_after_ms);

G_END_DECLS
