/* roomcast: the batching policy and Laravel's batch answer (pure).
 *
 * The answer to POST gifts/batch (docs/laravel.md#the-gift-controller) is
 * checked field by field: {"processed": integer >= 0, "failed":
 * [{"transaction_id": string, "error": string, "sender_id": integer|string},
 * ...]}. Extra members are ignored; anything else (not an object, a missing
 * or mistyped member) is a malformed answer, which the batcher treats like a
 * failed request and retries: a 200 we cannot read is no proof the batch
 * was applied.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Up to this many transactions per POST, every RC_GIFT_BATCH_INTERVAL_MS
 * or as soon as that many are pending. */
#define RC_GIFT_BATCH_MAX 200
#define RC_GIFT_BATCH_INTERVAL_MS 500
/* Retry backoff after a failed POST: 500 ms doubling, capped. */
#define RC_GIFT_RETRY_MIN_MS 500
#define RC_GIFT_RETRY_MAX_MS 30000

/* The contract's error codes (failed[].error). */
#define RC_GIFT_ERROR_DUPLICATE "duplicate_transaction"
#define RC_GIFT_ERROR_PROCESSING "processing_error"
#define RC_GIFT_ERROR_INSUFFICIENT_BALANCE "insufficient_balance"
#define RC_GIFT_ERROR_INVALID_GIFT "invalid_gift"
#define RC_GIFT_ERROR_INVALID_RECIPIENT "invalid_recipient"

typedef struct {
  char *transaction_id;
  char *error; /* sanitised: [a-z0-9_]{1,64}, else processing_error */
} RcGiftFailure;

typedef struct {
  gint64 processed;
  GPtrArray *failed; /* RcGiftFailure* */
} RcGiftBatchAnswer;

/* A plain error code: 1-64 of [a-z0-9_] (they reach clients and metric
 * labels; the answer's others become processing_error). */
gboolean rc_gift_error_code_is_valid (const char *code);

RcGiftBatchAnswer *rc_gift_batch_answer_new (void);
void rc_gift_batch_answer_add_failure (RcGiftBatchAnswer *answer, const char *transaction_id,
                                       const char *error);
void rc_gift_batch_answer_free (RcGiftBatchAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcGiftBatchAnswer, rc_gift_batch_answer_free)

/* Check @node against the answer schema; NULL with an error saying what is
 * wrong. */
RcGiftBatchAnswer *rc_gift_batch_answer_parse (JsonNode *node, GError **error);

/* The transactions a Laravel 422 body names ("errors": {"transactions.3.
 * sender_id": [...]}), as a sorted set of indices < @n_transactions, or
 * NULL if it names none (then the whole batch was refused). */
GArray *rc_gift_batch_rejected_indices (JsonNode *body, guint n_transactions);

G_END_DECLS
