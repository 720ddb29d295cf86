/* roomcast: one gift transaction, as queued and as sent to Laravel (pure).
 *
 * The wire form is the transaction object of docs/laravel.md#gifts,
 * written once when the gift is accepted and stored as is in the queue:
 *
 *   {"transaction_id":"g_1700000000000_abc123_xyz99",
 *    "room_id":"550e8400-e29b-41d4-a716-446655440000",
 *    "sender_id":45,"recipient_id":99,"gift_id":"heart_bomb",
 *    "quantity":10,"timestamp":1700000000000}
 *
 * User ids are strings inside roomcast and NUMBERS here, as Laravel's
 * validator wants (integer|min:1). Only the dev ledger, which never talks to
 * Laravel, accepts transactions whose ids are not numeric (written as
 * strings). Everything read back from the queue is parsed strictly and
 * checked against this schema: Redis is outside input too.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RC_GIFT_ID_MAX_LEN 64
#define RC_GIFT_QUANTITY_MAX 9999

typedef struct {
  char *transaction_id;
  char *room_id;
  char *sender_id; /* decimal for Laravel, any id for the dev ledger */
  char *recipient_id;
  char *gift_id;
  gint64 quantity;     /* 1..RC_GIFT_QUANTITY_MAX */
  gint64 timestamp_ms; /* Unix ms */
} RcGiftTransaction;

void rc_gift_transaction_free (RcGiftTransaction *tx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcGiftTransaction, rc_gift_transaction_free)

/* 1-64 characters of [A-Za-z0-9_.-]. */
gboolean rc_gift_id_is_valid (const char *gift_id);
/* A Laravel user id: decimal, no sign or leading zero, 1 .. 2^53-1 (exact in
 * any JSON reader). *@out (nullable) gets the value. */
gboolean rc_gift_user_id_is_numeric (const char *user_id, gint64 *out);

/* "g_<ms>_<6 of [a-z0-9]>_<5 of [a-z0-9]>" (docs/laravel.md#gifts). */
char *rc_gift_transaction_id_new (gint64 now_ms);
gboolean rc_gift_transaction_id_is_valid (const char *id);

/* The wire form (compact JSON). Numeric ids are written as numbers, others
 * as strings (dev ledger only; the caller refuses them for Laravel). */
char *rc_gift_transaction_to_json (const RcGiftTransaction *tx);
JsonNode *rc_gift_transaction_to_node (const RcGiftTransaction *tx);
/* Parse a queued item; NULL with an error naming the problem. */
RcGiftTransaction *rc_gift_transaction_parse (const char *text, gsize len, GError **error);
/* The same checks on an already parsed @node (transfer none). */
RcGiftTransaction *rc_gift_transaction_from_node (JsonNode *node, GError **error);

G_END_DECLS
