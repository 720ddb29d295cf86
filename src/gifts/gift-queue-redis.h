/* roomcast: the gift queue in Redis (REDIS_HOST set); see gift-queue.h.
 *
 * Every step is one Lua script, atomic on the server:
 *
 *   push      if the marker gifts:queued:{transactionId} exists, nothing
 *             (pushing the same transaction twice queues it once); else if
 *             gifts:pending holds max_pending items, refuse (full); else
 *             SET the marker (EX 600) and RPUSH gifts:pending
 *   take      LRANGE gifts:inflight:{worker}; if empty, LRANGE gifts:pending
 *             0..max-1, LTRIM them away and RPUSH them to the in-flight list
 *             (a crash between those steps cannot happen: one script)
 *   complete  PUBLISH each outcome on gifts:outcomes:{REDIS_DB}, then DEL
 *             gifts:inflight:{worker}
 *   replace   DEL + RPUSH gifts:inflight:{worker}, PUBLISH the outcomes
 *
 * complete and replace run only if the in-flight list still has the length
 * this worker left it with (from its take or its last replace): otherwise
 * they ran already and their reply was lost, and running them again would
 * tell the outcomes twice. Every queue subscribes to gifts:outcomes:{db}
 * on a connection of its own (Redis's pub/sub channels are shared by all
 * databases, hence the db in the name) and emits what it receives.
 *
 * A push whose connection dropped before the reply ("did it land?") is not
 * answered at once: when Redis is back, the same idempotent push runs
 * again and the sender gets its acknowledgement. If Redis is not back
 * within RC_GIFT_PUSH_DEADLINE_MS the sender is refused, and once Redis is
 * back the transaction is removed again (LREM from gifts:pending and the
 * in-flight list); the marker tells whether it had already been taken by a
 * worker, which is logged, since the refusal then was wrong. While such
 * pushes are unresolved this worker takes no batch, so it cannot send one
 * of them behind the resolution's back.
 */
#pragma once

#include "config.h"
#include "gifts/gift-queue.h"
#include "redis/redis-client.h"

G_BEGIN_DECLS

#define RC_GIFT_PUSH_DEADLINE_MS 3000
#define RC_GIFT_MARKER_TTL_S 600
#define RC_GIFT_MARKER_PREFIX "gifts:queued:"
#define RC_GIFT_OUTCOMES_PREFIX "gifts:outcomes:"

#define RC_TYPE_GIFT_QUEUE_REDIS (rc_gift_queue_redis_get_type ())
G_DECLARE_FINAL_TYPE (RcGiftQueueRedis, rc_gift_queue_redis, RC, GIFT_QUEUE_REDIS, GObject)

/* The queue of worker config->worker_id (its in-flight list is
 * gifts:inflight:{worker_id}) on the shared @redis; it subscribes to the
 * outcomes with a connection of its own to config's REDIS_*. */
RcGiftQueue *rc_gift_queue_redis_new (RcRedisClient *redis, const RcConfig *config);
/* TRUE while the outcomes subscription is up (/health). */
gboolean rc_gift_queue_redis_is_listening (RcGiftQueueRedis *self);

G_END_DECLS
