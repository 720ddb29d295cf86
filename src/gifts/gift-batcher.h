/* roomcast: moves queued gifts to Laravel, one batch at a time, and tells
 * how each ended.
 *
 * Every RC_GIFT_BATCH_INTERVAL_MS (at once when RC_GIFT_BATCH_MAX or more
 * are pending) it takes a batch from the queue (gift-queue.h: this worker's
 * in-flight batch first, so a batch left by a crash is sent again before
 * anything new) and sends it to the processor. Only one batch is ever in
 * flight; gifts keep queueing meanwhile. Then:
 *
 *   answer       every transaction of the batch gets an outcome
 *                (gift-outcome.h): failed with its failed[] error, or
 *                applied. duplicate_transaction in a batch that was sent
 *                before (a retry, or a batch recovered after a restart)
 *                counts as applied: the earlier attempt may have been
 *                applied without us hearing the answer, and Laravel's
 *                idempotency turned this one into a duplicate. In a batch
 *                never sent before, a duplicate is a real failure (a
 *                transaction id used twice). Then the queue's complete step
 *                publishes the outcomes and deletes the in-flight batch in
 *                one go, so an outcome is told once even if this process
 *                dies on the way (see gift-queue.h).
 *   RETRY        keep the batch, send it again after 500 ms, 1 s, 2 s, ...
 *                up to 30 s (forever: the gifts were acknowledged and must
 *                not be lost; an operator sees the warning and the metrics)
 *   REJECTED     (422) the refused transactions fail with processing_error
 *                and are dropped, loudly logged with Laravel's message; the
 *                rest of the batch, if the answer named which were refused,
 *                is sent again at once (the replace step that shrinks the
 *                in-flight list publishes the refused ones' outcomes). A
 *                refusal cannot repeat forever: every round drops at least
 *                one transaction.
 *
 * Nothing is told before the processor has answered: a gift is announced
 * to its room only once it is real.
 *
 * Transactions in the queue that are not valid JSON transactions (edited by
 * hand, say) are logged as critical and dropped with their batch.
 *
 * Signals:
 *   "batch-processed"    (gpointer GPtrArray of RcGiftTransaction*) after an
 *                         answer: every transaction of the batch
 */
#pragma once

#include "gifts/gift-processor.h"
#include "gifts/gift-queue.h"

G_BEGIN_DECLS

#define RC_TYPE_GIFT_BATCHER (rc_gift_batcher_get_type ())
G_DECLARE_FINAL_TYPE (RcGiftBatcher, rc_gift_batcher, RC, GIFT_BATCHER, GObject)

/* Starts at once (the first take recovers any in-flight batch). */
RcGiftBatcher *rc_gift_batcher_new (RcGiftQueue *queue, RcGiftProcessor *processor);
/* A push left @n_pending transactions in the queue: at RC_GIFT_BATCH_MAX or
 * more, take a batch now instead of at the next tick. */
void rc_gift_batcher_notify_pending (RcGiftBatcher *self, gint64 n_pending);
/* Stop taking and sending (shutdown); a batch in flight stays in the queue. */
void rc_gift_batcher_stop (RcGiftBatcher *self);

/* For /health and tests: transactions in the current batch (0 = none),
 * consecutive failed sends of it, last known pending count (-1 unknown). */
guint rc_gift_batcher_get_n_inflight (RcGiftBatcher *self);
guint rc_gift_batcher_get_n_failures (RcGiftBatcher *self);
gint64 rc_gift_batcher_get_n_pending (RcGiftBatcher *self);

G_END_DECLS
