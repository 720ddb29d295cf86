/* roomcast: the dev ledger, an in-process stand-in for Laravel's gift
 * endpoint (--dev without LARAVEL_API_URL), so the demo's gifts work.
 *
 * It answers batches exactly as the contract's GiftController would:
 * idempotent by transaction_id (duplicate_transaction), invalid_gift for an
 * id not in the price list, insufficient_balance when the sender's coins do
 * not cover price x quantity. Every user starts with the file's
 * startingBalance coins; recipients collect the coins spent on them as
 * "diamonds" (not shown anywhere yet). Nothing is stored: balances start
 * over with the process.
 *
 * The price list is GIFTS_FILE (data/gifts.json, installed to the data
 * directory), strict JSON:
 *
 *   {"startingBalance": 1000,
 *    "gifts": [{"id": "rose", "name": "Rose", "price": 1}, ...]}
 *
 * ids as in gift-transaction.h, unique; prices 1..1000000000.
 */
#pragma once

#include "gifts/gift-processor.h"

G_BEGIN_DECLS

#define RC_TYPE_GIFT_LEDGER (rc_gift_ledger_get_type ())
G_DECLARE_FINAL_TYPE (RcGiftLedger, rc_gift_ledger, RC, GIFT_LEDGER, GObject)

/* Load the price list at @path; NULL with an error naming the problem. */
RcGiftLedger *rc_gift_ledger_new_from_file (const char *path, GError **error);
/* The same from JSON text (tests). */
RcGiftLedger *rc_gift_ledger_new_from_data (const char *json, gsize len, GError **error);

/* A user's coins (the starting balance for someone never seen). */
gint64 rc_gift_ledger_get_balance (RcGiftLedger *self, const char *user_id);
guint rc_gift_ledger_get_n_gifts (RcGiftLedger *self);

G_END_DECLS
