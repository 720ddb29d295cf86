/* roomcast: the one retry backoff.
 *
 * Exponential: the first failure waits @min_ms, each further one twice the
 * last, up to @max_ms, each delay spread by ±@jitter_pct % so that several
 * servers do not come back at the same instant. Success resets it. It
 * also counts the failures since the last success, so that a caller logs
 * the first of an outage loudly and the rest quietly
 * (rc_backoff_is_first()). Used by the Redis client (commands and
 * subscriptions), the HTTP listener, the gift batcher, webhooks and room status.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint min_ms, max_ms, jitter_pct;
  guint next_ms;  /* the next delay before jitter */
  guint failures; /* since the last reset */
} RcBackoff;

void rc_backoff_init (RcBackoff *backoff, guint min_ms, guint max_ms, guint jitter_pct);
/* A failure: the milliseconds to wait before the next attempt (at least 1). */
guint rc_backoff_next (RcBackoff *backoff);
/* A success: the next failure waits min_ms again and counts as the first. */
void rc_backoff_reset (RcBackoff *backoff);
/* TRUE when the last rc_backoff_next() was the first failure since a reset. */
gboolean rc_backoff_is_first (const RcBackoff *backoff);
/* Failures since the last reset. */
guint rc_backoff_get_failures (const RcBackoff *backoff);

G_END_DECLS
