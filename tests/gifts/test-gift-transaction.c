/* roomcast: the pure gift code: transaction ids and wire form, strict
 * parsing of queued items and of outcomes, Laravel's batch answer and 422
 * bodies, the retry delays, and the dev ledger's batch semantics. */
#include <string.h>

#include "gifts/gift-batch.h"
#include "gifts/gift-ledger.h"
#include "gifts/gift-outcome.h"
#include "gifts/gift-transaction.h"
#include "json/json-text.h"

#define ROOM "550e8400-e29b-41d4-a716-446655440000"

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = rc_json_parse_strict (text, strlen (text), NULL, &error);

  g_assert_no_error (error);
  return node;
}

static void
test_ids (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (int i = 0; i < 1000; i++)
    {
      char *id = rc_gift_transaction_id_new (G_GINT64_CONSTANT (1700000000000));
      g_assert_true (g_str_has_prefix (id, "g_1700000000000_"));
      g_assert_cmpuint (strlen (id), ==, strlen ("g_1700000000000_abc123_xyz99"));
      g_assert_true (rc_gift_transaction_id_is_valid (id));
      g_assert_true (g_hash_table_add (seen, id));
    }
  g_assert_true (rc_gift_transaction_id_is_valid ("g_1700000000000_abc123_xyz99"));
  {
    static const char *bad[] = {
      "", "g_", "g_1_abc123_xyz9", "g_1_ABC123_xyz99", "g__abc123_xyz99",
      "g_1_abc123_xyz99_", "x_1_abc123_xyz99", "g_1_abc12_xyz99",
    };
    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      g_assert_false (rc_gift_transaction_id_is_valid (bad[i]));
  }

  g_assert_true (rc_gift_id_is_valid ("heart_bomb"));
  g_assert_true (rc_gift_id_is_valid ("A.b-9_"));
  g_assert_false (rc_gift_id_is_valid (""));
  g_assert_false (rc_gift_id_is_valid ("rose "));
  g_assert_false (rc_gift_id_is_valid ("ros/e"));
  g_assert_false (rc_gift_id_is_valid ("\xc3\xa9"));
  {
    g_autofree char *long_id = g_strnfill (RC_GIFT_ID_MAX_LEN + 1, 'a');
    g_assert_false (rc_gift_id_is_valid (long_id));
    long_id[RC_GIFT_ID_MAX_LEN] = '\0';
    g_assert_true (rc_gift_id_is_valid (long_id));
  }

  gint64 n = 0;
  g_assert_true (rc_gift_user_id_is_numeric ("45", &n));
  g_assert_cmpint (n, ==, 45);
  g_assert_true (rc_gift_user_id_is_numeric ("9007199254740991", NULL));
  g_assert_false (rc_gift_user_id_is_numeric ("9007199254740992", NULL));
  g_assert_false (rc_gift_user_id_is_numeric ("0", NULL));
  g_assert_false (rc_gift_user_id_is_numeric ("045", NULL));
  g_assert_false (rc_gift_user_id_is_numeric ("-4", NULL));
  g_assert_false (rc_gift_user_id_is_numeric ("4a", NULL));
  g_assert_false (rc_gift_user_id_is_numeric ("", NULL));
}

static void
test_wire_form (void)
{
  RcGiftTransaction tx = {
    .transaction_id = (char *) "g_1700000000000_abc123_xyz99", .room_id = (char *) ROOM,
    .sender_id = (char *) "45", .recipient_id = (char *) "99", .gift_id = (char *) "heart_bomb",
    .quantity = 10, .timestamp_ms = G_GINT64_CONSTANT (1700000000000),
  };
  g_autofree char *json = rc_gift_transaction_to_json (&tx);
  g_autoptr(RcGiftTransaction) back = NULL;
  g_autoptr(GError) error = NULL;

  /* The contract's example, byte for byte. */
  g_assert_cmpstr (json, ==, "{\"transaction_id\":\"g_1700000000000_abc123_xyz99\","
                   "\"room_id\":\"" ROOM "\",\"sender_id\":45,\"recipient_id\":99,"
                   "\"gift_id\":\"heart_bomb\",\"quantity\":10,\"timestamp\":1700000000000}");
  back = rc_gift_transaction_parse (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->transaction_id, ==, tx.transaction_id);
  g_assert_cmpstr (back->sender_id, ==, "45");
  g_assert_cmpstr (back->recipient_id, ==, "99");
  g_assert_cmpint (back->quantity, ==, 10);
  g_assert_cmpint (back->timestamp_ms, ==, tx.timestamp_ms);

  /* Dev ids that are not numbers travel as strings. */
  tx.sender_id = (char *) "alice";
  {
    g_autofree char *dev = rc_gift_transaction_to_json (&tx);
    g_autoptr(RcGiftTransaction) dev_back = rc_gift_transaction_parse (dev, strlen (dev), NULL);
    g_assert_nonnull (strstr (dev, "\"sender_id\":\"alice\""));
    g_assert_cmpstr (dev_back->sender_id, ==, "alice");
  }
}

static void
test_parse_refuses (void)
{
  static const char *bad[] = {
    "", "[]", "{}", "{\"transaction_id\":\"t\"}",
    "{\"transaction_id\":\"t\",\"room_id\":\"nope\",\"sender_id\":1,\"recipient_id\":2,"
      "\"gift_id\":\"rose\",\"quantity\":1,\"timestamp\":1}",
    "{\"transaction_id\":\"t\",\"room_id\":\"" ROOM "\",\"sender_id\":0,\"recipient_id\":2,"
      "\"gift_id\":\"rose\",\"quantity\":1,\"timestamp\":1}",
    "{\"transaction_id\":\"t\",\"room_id\":\"" ROOM "\",\"sender_id\":1.5,\"recipient_id\":2,"
      "\"gift_id\":\"rose\",\"quantity\":1,\"timestamp\":1}",
    "{\"transaction_id\":\"t\",\"room_id\":\"" ROOM "\",\"sender_id\":1,\"recipient_id\":2,"
      "\"gift_id\":\"ro se\",\"quantity\":1,\"timestamp\":1}",
    "{\"transaction_id\":\"t\",\"room_id\":\"" ROOM "\",\"sender_id\":1,\"recipient_id\":2,"
      "\"gift_id\":\"rose\",\"quantity\":0,\"timestamp\":1}",
    "{\"transaction_id\":\"t\",\"room_id\":\"" ROOM "\",\"sender_id\":1,\"recipient_id\":2,"
      "\"gift_id\":\"rose\",\"quantity\":10000,\"timestamp\":1}",
    "{\"transaction_id\":\"t\",\"room_id\":\"" ROOM "\",\"sender_id\":1,\"recipient_id\":2,"
      "\"gift_id\":\"rose\",\"quantity\":\"1\",\"timestamp\":1}",
    "{\"transaction_id\":\"t\",\"room_id\":\"" ROOM "\",\"sender_id\":1,\"recipient_id\":2,"
      "\"gift_id\":\"rose\",\"quantity\":1}",
    "{\"transaction_id\":\"t\",\"room_id\":\"" ROOM "\",\"sender_id\":1,\"recipient_id\":2,"
      "\"gift_id\":\"rose\",\"quantity\":1,\"timestamp\":1} x",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RcGiftTransaction) tx = rc_gift_transaction_parse (bad[i], strlen (bad[i]), &error);
      g_assert_null (tx);
      g_assert_nonnull (error);
    }
}

static void
test_answer (void)
{
  g_autoptr(JsonNode) good = parse (
    "{\"processed\":48,\"failed\":[{\"transaction_id\":\"a\",\"error\":\"insufficient_balance\","
    "\"sender_id\":45},{\"transaction_id\":\"b\",\"error\":\"Weird Code!\",\"sender_id\":67}],"
    "\"extra\":true}");
  g_autoptr(RcGiftBatchAnswer) answer = rc_gift_batch_answer_parse (good, NULL);
  static const char *bad[] = {
    "[]", "{}", "{\"processed\":1}", "{\"failed\":[]}", "{\"processed\":-1,\"failed\":[]}",
    "{\"processed\":1.5,\"failed\":[]}", "{\"processed\":\"1\",\"failed\":[]}",
    "{\"processed\":1,\"failed\":{}}", "{\"processed\":1,\"failed\":[1]}",
    "{\"processed\":1,\"failed\":[{\"error\":\"x\"}]}",
    "{\"processed\":1,\"failed\":[{\"transaction_id\":\"a\"}]}",
    "{\"processed\":1,\"failed\":[{\"transaction_id\":\"a\",\"error\":\"x\",\"sender_id\":[]}]}",
    "{\"success\":true}", "null",
  };

  g_assert_nonnull (answer);
  g_assert_cmpint (answer->processed, ==, 48);
  g_assert_cmpuint (answer->failed->len, ==, 2);
  g_assert_cmpstr (((RcGiftFailure *) answer->failed->pdata[0])->error, ==, "insufficient_balance");
  /* Codes reach clients and metric labels: odd ones become processing_error. */
  g_assert_cmpstr (((RcGiftFailure *) answer->failed->pdata[1])->error, ==, "processing_error");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) node = parse (bad[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(RcGiftBatchAnswer) none = rc_gift_batch_answer_parse (node, &error);
      g_assert_null (none);
      g_assert_nonnull (error);
    }
  g_assert_null (rc_gift_batch_answer_parse (NULL, NULL));
}

static void
test_rejected_indices (void)
{
  g_autoptr(JsonNode) some = parse (
    "{\"message\":\"The transactions.3.sender id field must be at least 1. (and 2 more errors)\","
    "\"errors\":{\"transactions.3.sender_id\":[\"x\"],\"transactions.0.room_id\":[\"y\"],"
    "\"transactions.3.quantity\":[\"z\"]}}");
  g_autoptr(JsonNode) whole = parse ("{\"message\":\"m\",\"errors\":{\"transactions\":[\"x\"]}}");
  g_autoptr(JsonNode) out_of_range = parse ("{\"errors\":{\"transactions.9.gift_id\":[\"x\"]}}");
  g_autoptr(JsonNode) no_errors = parse ("{\"message\":\"m\"}");
  g_autoptr(GArray) indices = rc_gift_batch_rejected_indices (some, 5);

  g_assert_nonnull (indices);
  g_assert_cmpuint (indices->len, ==, 2);
  g_assert_cmpuint (g_array_index (indices, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (indices, guint, 1), ==, 3);
  g_assert_null (rc_gift_batch_rejected_indices (whole, 5));
  g_assert_null (rc_gift_batch_rejected_indices (out_of_range, 5));
  g_assert_null (rc_gift_batch_rejected_indices (no_errors, 5));
  g_assert_null (rc_gift_batch_rejected_indices (NULL, 5));
}

/* --- the dev ledger ------------------------------------------------------ */

static void
on_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static RcGiftBatchAnswer *
process (RcGiftLedger *ledger, const char *transactions)
{
  g_autoptr(JsonNode) array = parse (transactions);
  g_autoptr(GAsyncResult) result = NULL;

  rc_gift_processor_process_async (RC_GIFT_PROCESSOR (ledger), array, on_result, &result);
  g_assert_null (result); /* never inside the call */
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return rc_gift_processor_process_finish (RC_GIFT_PROCESSOR (ledger), result, NULL, NULL);
}

#define TX(id, sender, gift, qty) \
  "{\"transaction_id\":\"" id "\",\"room_id\":\"" ROOM "\",\"sender_id\":" sender \
  ",\"recipient_id\":2,\"gift_id\":\"" gift "\",\"quantity\":" qty ",\"timestamp\":1}"

static void
test_ledger (void)
{
  static const char prices[] =
    "{\"startingBalance\":100,\"gifts\":[{\"id\":\"rose\",\"price\":1},"
    "{\"id\":\"rocket\",\"name\":\"Rocket\",\"price\":60}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(RcGiftLedger) ledger = rc_gift_ledger_new_from_data (prices, strlen (prices), &error);
  g_autoptr(RcGiftBatchAnswer) first = NULL, again = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (rc_gift_ledger_get_n_gifts (ledger), ==, 2);
  g_assert_cmpint (rc_gift_ledger_get_balance (ledger, "1"), ==, 100);
  first = process (ledger, "[" TX ("a", "1", "rocket", "1") "," TX ("b", "1", "rocket", "1") ","
                   TX ("c", "1", "unicorn", "1") "," TX ("d", "1", "rose", "40") "]");
  g_assert_cmpint (first->processed, ==, 2);
  g_assert_cmpuint (first->failed->len, ==, 2);
  g_assert_cmpstr (((RcGiftFailure *) first->failed->pdata[0])->transaction_id, ==, "b");
  g_assert_cmpstr (((RcGiftFailure *) first->failed->pdata[0])->error, ==, "insufficient_balance");
  g_assert_cmpstr (((RcGiftFailure *) first->failed->pdata[1])->error, ==, "invalid_gift");
  g_assert_cmpint (rc_gift_ledger_get_balance (ledger, "1"), ==, 0);
  /* The same batch again: applied ones are duplicates, the rest re-checked. */
  again = process (ledger, "[" TX ("a", "1", "rocket", "1") "," TX ("b", "1", "rocket", "1") "]");
  g_assert_cmpint (again->processed, ==, 0);
  g_assert_cmpstr (((RcGiftFailure *) again->failed->pdata[0])->error, ==, "duplicate_transaction");
  g_assert_cmpstr (((RcGiftFailure *) again->failed->pdata[1])->error, ==, "insufficient_balance");
  g_assert_cmpint (rc_gift_ledger_get_balance (ledger, "1"), ==, 0);
}

static void
test_ledger_file_errors (void)
{
  static const char *bad[] = {
    "", "{}", "[]", "{\"startingBalance\":-1,\"gifts\":[]}", "{\"startingBalance\":1}",
    "{\"startingBalance\":1,\"gifts\":[{\"id\":\"rose\"}]}",
    "{\"startingBalance\":1,\"gifts\":[{\"id\":\"rose\",\"price\":0}]}",
    "{\"startingBalance\":1,\"gifts\":[{\"id\":\"ro se\",\"price\":1}]}",
    "{\"startingBalance\":1,\"gifts\":[{\"id\":\"rose\",\"price\":1},{\"id\":\"rose\",\"price\":2}]}",
  };
  const char *root = g_getenv ("ROOMCAST_SOURCE_ROOT");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RcGiftLedger) ledger = rc_gift_ledger_new_from_data (bad[i], strlen (bad[i]), &error);
      g_assert_null (ledger);
      g_assert_nonnull (error);
    }
  /* The shipped price list loads. */
  if (root != NULL)
    {
      g_autofree char *path = g_build_filename (root, "data", "gifts.json", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(RcGiftLedger) shipped = rc_gift_ledger_new_from_file (path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (rc_gift_ledger_get_n_gifts (shipped), >=, 4);
      g_assert_cmpint (rc_gift_ledger_get_balance (shipped, "1"), ==, 1000);
    }
}

/* An outcome carries the whole transaction and, if it failed, a plain
 * error code; anything else is refused. */
static void
test_outcome (void)
{
  RcGiftTransaction tx = { .transaction_id = (char *) "g_1700000000000_abc123_xyz99",
                           .room_id = (char *) ROOM, .sender_id = (char *) "45",
                           .recipient_id = (char *) "99", .gift_id = (char *) "heart_bomb",
                           .quantity = 10, .timestamp_ms = 1700000000000 };
  static const char *bad[] = {
    "", "[]", "{}", "{\"transaction\":1}", "{\"transaction\":{}}",
    "{\"transaction\":{\"transaction_id\":\"t\"}}",
  };
  g_autofree char *applied = rc_gift_outcome_to_json (&tx, NULL);
  g_autofree char *failed = rc_gift_outcome_to_json (&tx, "insufficient_balance");
  g_autoptr(RcGiftOutcome) a = NULL, f = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (applied, ==, "{\"transaction\":{\"transaction_id\":\"g_1700000000000_abc123_xyz99\","
                   "\"room_id\":\"" ROOM "\",\"sender_id\":45,\"recipient_id\":99,"
                   "\"gift_id\":\"heart_bomb\",\"quantity\":10,\"timestamp\":1700000000000}}");
  a = rc_gift_outcome_parse (applied, strlen (applied), &error);
  g_assert_no_error (error);
  g_assert_null (a->error);
  g_assert_cmpstr (a->tx->room_id, ==, ROOM);
  g_assert_cmpstr (a->tx->sender_id, ==, "45");
  g_assert_cmpint (a->tx->quantity, ==, 10);
  f = rc_gift_outcome_parse (failed, strlen (failed), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (f->error, ==, "insufficient_balance");
  g_assert_cmpstr (f->tx->transaction_id, ==, tx.transaction_id);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;
      g_assert_null (rc_gift_outcome_parse (bad[i], strlen (bad[i]), &e));
      g_assert_nonnull (e);
    }
  /* Error codes reach clients and metric labels: plain tokens only. */
  for (const char *const *code = (const char *const[]) { "", "Bad", "a b", "<x>", "null", NULL };
       *code != NULL; code++)
    {
      g_autoptr(GError) e = NULL;
      g_autofree char *text = NULL;
      g_autoptr(RcGiftOutcome) o = NULL;
      g_autofree char *quoted = g_strcmp0 (*code, "null") == 0 ? g_strdup ("null")
                                                               : g_strdup_printf ("\"%s\"", *code);

      text = g_strdup_printf ("{\"transaction\":%.*s,\"error\":%s}",
                              (int) (strlen (applied) - strlen ("{\"transaction\":") - 1),
                              applied + strlen ("{\"transaction\":"), quoted);
      o = rc_gift_outcome_parse (text, strlen (text), &e);
      g_assert_null (o);
      g_assert_error (e, RC_JSON_ERROR, RC_JSON_ERROR_INVALID);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gifts/transaction/ids", test_ids);
  g_test_add_func ("/gifts/transaction/wire-form", test_wire_form);
  g_test_add_func ("/gifts/transaction/parse-refuses", test_parse_refuses);
  g_test_add_func ("/gifts/transaction/outcome", test_outcome);
  g_test_add_func ("/gifts/batch/answer", test_answer);
  g_test_add_func ("/gifts/batch/rejected-indices", test_rejected_indices);
  g_test_add_func ("/gifts/ledger/batches", test_ledger);
  g_test_add_func ("/gifts/ledger/file-errors", test_ledger_file_errors);
  return g_test_run ();
}
