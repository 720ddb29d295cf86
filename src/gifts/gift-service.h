/* roomcast: gifts on the wire (Socket.IO).
 *
 *   gift:send {recipientId, giftId, quantity?}   -> ack {ok, transactionId}
 *   gift:balance                                 -> ack {ok, balance} (dev ledger)
 *   gift:sent {transactionId, from, to, giftId, quantity, ts}   to the room
 *   gift:failed {transactionId, error}                          to the sender
 *   gift:balance {balance}                 to senders after each dev-ledger batch
 *
 * gift:send checks, in order: the sender is in a room with this connection
 * (not_in_room); recipientId is another participant of that room (not_found,
 * invalid_payload for oneself); giftId is 1-64 of [A-Za-z0-9_.-] and
 * quantity an integer 1-9999, default 1 (invalid_payload); with Laravel both
 * user ids are numeric (Laravel's users.id); the per-user budget
 * GIFT_RATE_LIMIT_PER_MINUTE (rate_limited, through the rate gate). Then the
 * transaction is built and pushed to the queue, and ONLY when the queue says
 * it is durably stored is the gift acknowledged: the ack is the sender's
 * "pending". A queue that cannot take it (Redis down, or
 * GIFT_QUEUE_MAX_PENDING gifts waiting) gives gift_unavailable: nothing is
 * charged for a gift that was not acknowledged (see gift-queue-redis.h for
 * the one narrow exception, logged).
 *
 * gift:sent and gift:failed come from the outcomes the queue emits
 * (gift-queue.h), published by the batcher of whichever worker sent the
 * gift, once Laravel (or the dev ledger) has answered: a gift is shown to
 * its room only once it was applied, and a refused one never. Every
 * roomcastd announces to its own connections: gift:sent to the room named
 * by the transaction, gift:failed to the sender's connections.
 */
#pragma once

#include "config.h"
#include "gifts/gift-batcher.h"
#include "gifts/gift-ledger.h"
#include "gifts/gift-queue.h"
#include "core/health.h"
#include "services/rate-gate.h"
#include "services/room-service.h"
#include "sio/sio-server.h"

G_BEGIN_DECLS

#define RC_TYPE_GIFT_SERVICE (rc_gift_service_get_type ())
G_DECLARE_FINAL_TYPE (RcGiftService, rc_gift_service, RC, GIFT_SERVICE, GObject)

/* @batcher NULL: gifts are switched off (no Laravel and no dev ledger) and
 * gift:send answers gift_unavailable. @ledger (nullable) is the dev ledger
 * the batcher sends to; without it user ids must be numeric. @config must
 * outlive the service (the rate limit is re-read: SIGHUP). */
RcGiftService *rc_gift_service_new (RcSioServer *sio, RcRoomService *rooms, RcRateGate *gate,
                                    RcGiftQueue *queue, RcGiftBatcher *batcher,
                                    RcGiftLedger *ledger, const RcConfig *config);
/* "gifts": {"queue": "redis"|"memory", "outcomes": "subscribed"|"connecting"|
 * "in-process", "to": "laravel"|"dev-ledger"|"disabled", "pending": n,
 * "inflight": n, "failedAttempts": n} in /health (never degrades it:
 * Laravel and Redis report their own state). */
void rc_gift_service_add_health (RcGiftService *self, RcHealth *health);
/* TRUE when nothing acknowledged is left to send: no batcher, or no batch
 * in flight and an empty queue at the batcher's last look (the SIGTERM
 * drain waits for this, bounded, before rc_gift_service_shutdown()).
 * *@n_left (nullable): pending + in flight, -1 if unknown. */
gboolean rc_gift_service_is_flushed (RcGiftService *self, gint64 *n_left);
/* Stop batching (shutdown); logs what a non-durable queue loses. */
void rc_gift_service_shutdown (RcGiftService *self);

G_END_DECLS
