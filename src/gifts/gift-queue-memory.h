/* roomcast: the gift queue in this process (no REDIS_HOST).
 *
 * Same semantics as the Redis queue (gift-queue.h), never unavailable (but
 * full at max_pending), outcomes emitted in this process only, and not
 * durable: gifts not yet accepted by Laravel are lost when the process
 * stops (the daemon says so at start, and counts what is lost at exit).
 */
#pragma once

#include "gifts/gift-queue.h"

G_BEGIN_DECLS

#define RC_TYPE_GIFT_QUEUE_MEMORY (rc_gift_queue_memory_get_type ())
G_DECLARE_FINAL_TYPE (RcGiftQueueMemory, rc_gift_queue_memory, RC, GIFT_QUEUE_MEMORY, GObject)

RcGiftQueue *rc_gift_queue_memory_new (void);
/* Pending plus in-flight transactions (what would be lost now). */
guint rc_gift_queue_memory_get_length (RcGiftQueueMemory *self);

G_END_DECLS
