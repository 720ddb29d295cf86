/* roomcast: the dev ledger; see gift-ledger.h. Batches are processed at
 * once, in order, and answered through a GTask like a remote call. */
#include "gifts/gift-ledger.h"

#include <string.h>

#include "gifts/gift-transaction.h"
#include "json/json-text.h"

#define MAX_PRICE G_GINT64_CONSTANT (1000000000)
#define MAX_FILE_SIZE (1024 * 1024)

struct _RcGiftLedger {
  GObject parent_instance;
  gint64 starting_balance;
  GHashTable *prices;   /* gift id -> gint64* */
  GHashTable *balances; /* user id -> gint64* (coins) */
  GHashTable *diamonds; /* user id -> gint64* */
  GHashTable *done;     /* transaction ids applied */
};

static void rc_gift_ledger_iface_init (RcGiftProcessorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcGiftLedger, rc_gift_ledger, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_GIFT_PROCESSOR,
                                                      rc_gift_ledger_iface_init))

static gint64 *
new_amount (gint64 value)
{
  gint64 *p = g_new (gint64, 1);

  *p = value;
  return p;
}

static gint64 *
account (RcGiftLedger *self, GHashTable *table, const char *user_id, gint64 initial)
{
  gint64 *amount = g_hash_table_lookup (table, user_id);

  if (amount == NULL) {
    amount = new_amount (initial);
    g_hash_table_insert (table, g_strdup (user_id), amount);
  }
  return amount;
}

gint64
rc_gift_ledger_get_balance (RcGiftLedger *self, const char *user_id)
{
  gint64 *amount;

  g_return_val_if_fail (RC_IS_GIFT_LEDGER (self) && user_id != NULL, 0);
  amount = g_hash_table_lookup (self->balances, user_id);
  return amount ? *amount : self->starting_balance;
}

guint
rc_gift_ledger_get_n_gifts (RcGiftLedger *self)
{
  g_return_val_if_fail (RC_IS_GIFT_LEDGER (self), 0);
  return g_hash_table_size (self->prices);
}

/* One transaction, as the contract's processTransaction(): NULL when
 * applied, else the error code. */
static const char *
apply (RcGiftLedger *self, const RcGiftTransaction *tx)
{
  gint64 *price, *balance, cost;

  if (g_hash_table_contains (self->done, tx->transaction_id))
    return "duplicate_transaction";
  price = g_hash_table_lookup (self->prices, tx->gift_id);
  if (price == NULL)
    return "invalid_gift";
  cost = *price * tx->quantity; /* <= 1e9 * 9999: no overflow */
  balance = account (self, self->balances, tx->sender_id, self->starting_balance);
  if (*balance < cost)
    return "insufficient_balance";
  *balance -= cost;
  *account (self, self->diamonds, tx->recipient_id, 0) += cost;
  g_hash_table_add (self->done, g_strdup (tx->transaction_id));
  return NULL;
}

static const char *
ledger_get_name (RcGiftProcessor *processor)
{
  return "dev-ledger";
}

static void
ledger_process_async (RcGiftProcessor *processor, JsonNode *transactions,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  RcGiftLedger *self = RC_GIFT_LEDGER (processor);
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  JsonArray *array = json_node_get_array (transactions);
  RcGiftBatchAnswer *answer = rc_gift_batch_answer_new ();

  for (guint i = 0; i < json_array_get_length (array); i++) {
    g_autofree char *text = rc_json_to_string (json_array_get_element (array, i));
    g_autoptr (RcGiftTransaction) tx = rc_gift_transaction_parse (text, strlen (text), NULL);
    const char *error = tx ? apply (self, tx) : "processing_error";

    if (error == NULL)
      answer->processed++;
    else
      rc_gift_batch_answer_add_failure (answer, tx ? tx->transaction_id : "", error);
  }
  g_task_return_pointer (task, answer, (GDestroyNotify) rc_gift_batch_answer_free);
}

static RcGiftBatchAnswer *
ledger_process_finish (RcGiftProcessor *processor, GAsyncResult *result, GArray **rejected,
                       GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the price list ------------------------------------------------------ */

static gboolean
int_value (JsonNode *node, gint64 min, gint64 max, gint64 *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return *out >= min && *out <= max;
}

static gboolean
load (RcGiftLedger *self, const char *json, gsize len, GError **error)
{
  g_autoptr (JsonNode) root = rc_json_parse_strict (json, len, NULL, error);
  JsonObject *object;
  JsonNode *gifts;

  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    goto bad;
  object = json_node_get_object (root);
  if (!int_value (json_object_get_member (object, "startingBalance"), 0, MAX_PRICE * 1000,
                  &self->starting_balance)) {
    g_set_error_literal (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID,
                         "'startingBalance' must be an integer >= 0");
    return FALSE;
  }
  gifts = json_object_get_member (object, "gifts");
  if (gifts == NULL || !JSON_NODE_HOLDS_ARRAY (gifts))
    goto bad;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (gifts)); i++) {
    JsonNode *gift = json_array_get_element (json_node_get_array (gifts), i);
    JsonNode *id;
    gint64 price;

    if (!JSON_NODE_HOLDS_OBJECT (gift))
      goto bad;
    id = json_object_get_member (json_node_get_object (gift), "id");
    if (id == NULL || !JSON_NODE_HOLDS_VALUE (id) ||
        json_node_get_value_type (id) != G_TYPE_STRING ||
        !rc_gift_id_is_valid (json_node_get_string (id)) ||
        g_hash_table_contains (self->prices, json_node_get_string (id)) ||
        !int_value (json_object_get_member (json_node_get_object (gift), "price"), 1, MAX_PRICE,
                    &price)) {
      g_set_error (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID,
                   "gift %u: needs a unique 'id' (1-64 of [A-Za-z0-9_.-]) and a 'price' "
                   "(integer 1-%" G_GINT64_FORMAT ")",
                   i, MAX_PRICE);
      return FALSE;
    }
    g_hash_table_insert (self->prices, g_strdup (json_node_get_string (id)),
                         new_amount (price));
  }
  return TRUE;
bad:
  g_set_error_literal (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID,
                       "expected {\"startingBalance\": N, \"gifts\": [{\"id\", \"price\"}, "
                       "...]}");
  return FALSE;
}

RcGiftLedger *
rc_gift_ledger_new_from_data (const char *json, gsize len, GError **error)
{
  g_autoptr (RcGiftLedger) self = g_object_new (RC_TYPE_GIFT_LEDGER, NULL);

  if (!load (self, json, len, error))
    return NULL;
  return g_steal_pointer (&self);
}

RcGiftLedger *
rc_gift_ledger_new_from_file (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  RcGiftLedger *self;

  /* Read once at start, before the main loop serves anyone. */
  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  if (len > MAX_FILE_SIZE) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: larger than %d bytes", path,
                 MAX_FILE_SIZE);
    return NULL;
  }
  self = rc_gift_ledger_new_from_data (text, len, &local);
  if (self == NULL)
    g_set_error (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID, "%s: %s", path, local->message);
  return self;
}

static void
rc_gift_ledger_finalize (GObject *object)
{
  RcGiftLedger *self = RC_GIFT_LEDGER (object);

  g_hash_table_unref (self->prices);
  g_hash_table_unref (self->balances);
  g_hash_table_unref (self->diamonds);
  g_hash_table_unref (self->done);
  G_OBJECT_CLASS (rc_gift_ledger_parent_class)->finalize (object);
}

static void
rc_gift_ledger_class_init (RcGiftLedgerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_gift_ledger_finalize;
}

static void
rc_gift_ledger_init (RcGiftLedger *self)
{
  self->prices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->balances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->diamonds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
rc_gift_ledger_iface_init (RcGiftProcessorInterface *iface)
{
  iface->get_name = ledger_get_name;
  iface->process_async = ledger_process_async;
  iface->process_finish = ledger_process_finish;
}
