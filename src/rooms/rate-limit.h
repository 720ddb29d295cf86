/* roomcast: per-key sliding-window rate limiter (pure, clock passed in).
 *
 * Allows at most @limit hits per key in any window of @window_ms. It keeps
 * the timestamps of the last @limit accepted hits per key, so the answer is
 * exact (no burst of 2x at a fixed-window boundary) and retryAfterMs is the
 * moment the oldest hit leaves the window. Refused hits are not counted:
 * a client that keeps retrying too early does not push its own deadline out.
 *
 * The rate gate (services/rate-gate.h) counts chat, typing and gifts with it
 * when there is no Redis (and while Redis fails); the store's rate_limit_hit
 * (Redis INCR with expiry) is the cross-worker variant. The media signals
 * and room:record starts, limited per connection or room in this process
 * only, use it directly.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RcRateLimiter RcRateLimiter;

/* @limit 0 means unlimited. */
RcRateLimiter *rc_rate_limiter_new (guint limit, gint64 window_ms);
void rc_rate_limiter_free (RcRateLimiter *limiter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcRateLimiter, rc_rate_limiter_free)

/* Record a hit for @key at @now_ms. Returns TRUE if allowed; FALSE if the
 * limit is reached, with *@retry_after_ms (nullable) set to the milliseconds
 * until a hit would be allowed (always >= 1). */
gboolean rc_rate_limiter_hit (RcRateLimiter *limiter, const char *key, gint64 now_ms,
                              gint64 *retry_after_ms);
/* The two halves of rc_rate_limiter_hit(), to count only what succeeds:
 * check (records nothing), run the action, then record it. */
gboolean rc_rate_limiter_check (RcRateLimiter *limiter, const char *key, gint64 now_ms,
                                gint64 *retry_after_ms);
void rc_rate_limiter_record (RcRateLimiter *limiter, const char *key, gint64 now_ms);

/* Forget keys with no hit inside the window ending at @now_ms. Called
 * periodically by rc_rate_limiter_hit() itself; exposed for tests. */
void rc_rate_limiter_prune (RcRateLimiter *limiter, gint64 now_ms);
guint rc_rate_limiter_get_n_keys (RcRateLimiter *limiter);

G_END_DECLS
