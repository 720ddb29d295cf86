/* roomcast: how a gift ended, as told to every roomcastd (pure).
 *
 * Once the processor (Laravel or the dev ledger) has answered for a batch,
 * the batcher publishes one outcome per transaction through the queue
 * (gift-queue.h: complete, replace), and every roomcastd turns the outcomes
 * it receives into events for its own clients (gift-service.c): gift:sent
 * to the gift's room when it was applied, gift:failed to its sender when it
 * was not. The outcome carries the whole transaction, so whoever receives
 * it knows the room and the sender without asking anyone. Wire form:
 *
 *   {"transaction": {<wire form, gift-transaction.h>}}          applied
 *   {"transaction": {...}, "error": "insufficient_balance"}     failed
 *
 * It crosses Redis, so it is parsed as strictly as a queued item.
 */
#pragma once

#include "gifts/gift-transaction.h"

G_BEGIN_DECLS

typedef struct {
  RcGiftTransaction *tx;
  char *error; /* NULL: applied; else 1-64 of [a-z0-9_] (gift-batch.h) */
} RcGiftOutcome;

void rc_gift_outcome_free (RcGiftOutcome *outcome);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcGiftOutcome, rc_gift_outcome_free)

/* @error NULL: @tx was applied. @error must be a valid code. */
char *rc_gift_outcome_to_json (const RcGiftTransaction *tx, const char *error);
/* NULL with an error naming the problem. */
RcGiftOutcome *rc_gift_outcome_parse (const char *text, gsize len, GError **error);

G_END_DECLS
