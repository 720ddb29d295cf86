/* roomcast: the one rate-limit interface the event handlers use.
 *
 * "May @subject do one more @bucket action?" (chat, typing, gift), asked
 * asynchronously because the answer may live in Redis. Every deployment
 * counts through it (the room service for chat:send and typing, the gift
 * service for gift:send); only the counting behind it differs:
 *
 *   - with a store (REDIS_HOST set): the store's ratelimit:{bucket}:{subject}
 *     counter (INCR + PEXPIRE in one script), a fixed window that starts
 *     with the first hit and is shared by every worker on that Redis;
 *   - without: the pure sliding-window limiter of rate-limit.h, in process.
 *
 * If Redis fails, the gate answers from the in-process limiter for that hit
 * (logged once per outage): rate limiting protects the service, it is not a
 * reason to refuse chat while Redis restarts.
 *
 * Counting differs slightly between the two: in Redis every hit that reaches
 * the gate counts (INCR cannot be taken back), refused ones included, but a
 * refused hit never moves the window's end; in process only accepted hits
 * count. Callers ask the gate after their cheap validation (payload, room),
 * so malformed events cost nothing either way.
 */
#pragma once

#include "store/store-memory.h"

G_BEGIN_DECLS

#define RC_TYPE_RATE_GATE (rc_rate_gate_get_type ())
G_DECLARE_FINAL_TYPE (RcRateGate, rc_rate_gate, RC, RATE_GATE, GObject)

/* @store nullable: in-process counting only. */
RcRateGate *rc_rate_gate_new (RcStore *store);
/* The same with the in-process counting on @clock (called with
 * @clock_data), e.g. a test's fake clock; rc_rate_gate_new() uses the wall
 * clock. A store keeps its own time. */
RcRateGate *rc_rate_gate_new_with_clock (RcStore *store, RcStoreClock clock,
                                         gpointer clock_data);
/* "redis" (store-backed) or "memory", for logs. */
const char *rc_rate_gate_get_backend (RcRateGate *self);

/* One @bucket hit by @subject, at most @limit per @window_ms (@limit 0 =
 * unlimited). The callback always runs later, from the main loop. */
void rc_rate_gate_hit_async (RcRateGate *self, const char *bucket, const char *subject,
                             guint limit, gint64 window_ms, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
/* TRUE if allowed; FALSE if refused, with *@retry_after_ms (nullable, >= 1)
 * until the next hit would be allowed, or with @error set only when
 * @cancellable was cancelled. */
gboolean rc_rate_gate_hit_finish (RcRateGate *self, GAsyncResult *result,
                                  gint64 *retry_after_ms, GError **error);

G_END_DECLS
