/* roomcast: batch policy and answer parsing; see gift-batch.h. */
#include "gifts/gift-batch.h"

#include <string.h>

#include "json/json-text.h"

#define MAX_ERROR_CODE_LEN 64

static void
failure_free (gpointer data)
{
  RcGiftFailure *failure = data;

  g_free (failure->transaction_id);
  g_free (failure->error);
  g_free (failure);
}

RcGiftBatchAnswer *
rc_gift_batch_answer_new (void)
{
  RcGiftBatchAnswer *answer = g_new0 (RcGiftBatchAnswer, 1);

  answer->failed = g_ptr_array_new_with_free_func (failure_free);
  return answer;
}

static char *sanitize_code (const char *code);

void
rc_gift_batch_answer_add_failure (RcGiftBatchAnswer *answer, const char *transaction_id,
                                  const char *error)
{
  RcGiftFailure *failure = g_new0 (RcGiftFailure, 1);

  failure->transaction_id = g_strdup (transaction_id);
  failure->error = sanitize_code (error);
  g_ptr_array_add (answer->failed, failure);
}

void
rc_gift_batch_answer_free (RcGiftBatchAnswer *answer)
{
  if (answer == NULL)
    return;
  g_ptr_array_unref (answer->failed);
  g_free (answer);
}

static gboolean
holds (JsonNode *node, GType type)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == type;
}

gboolean
rc_gift_error_code_is_valid (const char *code)
{
  gsize n = code ? strlen (code) : 0;

  return n > 0 && n <= MAX_ERROR_CODE_LEN &&
         strspn (code, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Error codes go to clients and into metric labels: only plain tokens pass. */
static char *
sanitize_code (const char *code)
{
  return g_strdup (rc_gift_error_code_is_valid (code) ? code : RC_GIFT_ERROR_PROCESSING);
}

static gpointer
malformed (GError **error, const char *what)
{
  g_set_error (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID,
               "the gifts/batch answer is not {processed, failed[]}: %s", what);
  return NULL;
}

RcGiftBatchAnswer *
rc_gift_batch_answer_parse (JsonNode *node, GError **error)
{
  g_autoptr (RcGiftBatchAnswer) answer = rc_gift_batch_answer_new ();
  JsonObject *object;
  JsonNode *member;
  JsonArray *failed;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return malformed (error, "not a JSON object");
  object = json_node_get_object (node);
  member = json_object_get_member (object, "processed");
  if (!holds (member, G_TYPE_INT64) || json_node_get_int (member) < 0)
    return malformed (error, "'processed' is not a non-negative integer");
  answer->processed = json_node_get_int (member);
  member = json_object_get_member (object, "failed");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    return malformed (error, "'failed' is not an array");
  failed = json_node_get_array (member);
  for (guint i = 0; i < json_array_get_length (failed); i++) {
    JsonNode *entry = json_array_get_element (failed, i);
    JsonObject *f;
    JsonNode *id, *code, *sender;

    if (!JSON_NODE_HOLDS_OBJECT (entry))
      return malformed (error, "a 'failed' entry is not an object");
    f = json_node_get_object (entry);
    id = json_object_get_member (f, "transaction_id");
    code = json_object_get_member (f, "error");
    sender = json_object_get_member (f, "sender_id");
    if (!holds (id, G_TYPE_STRING) || !holds (code, G_TYPE_STRING))
      return malformed (error, "a 'failed' entry lacks a string transaction_id or error");
    /* The contract says sender_id is a number; we never rely on it (the
       * sender comes from our own copy of the transaction), but a member of
       * another type means we are not reading the answer we think we are. */
    if (sender != NULL && !holds (sender, G_TYPE_INT64) && !holds (sender, G_TYPE_STRING))
      return malformed (error, "a 'failed' entry has a sender_id that is not a number");
    rc_gift_batch_answer_add_failure (answer, json_node_get_string (id),
                                      json_node_get_string (code));
  }
  return g_steal_pointer (&answer);
}

static gint
compare_uint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

GArray *
rc_gift_batch_rejected_indices (JsonNode *body, guint n_transactions)
{
  g_autoptr (GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  JsonNode *errors;
  JsonObjectIter iter;
  const char *key;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return NULL;
  errors = json_object_get_member (json_node_get_object (body), "errors");
  if (errors == NULL || !JSON_NODE_HOLDS_OBJECT (errors))
    return NULL;
  /* Laravel names each failing attribute "transactions.<i>.<field>". */
  json_object_iter_init (&iter, json_node_get_object (errors));
  while (json_object_iter_next (&iter, &key, NULL)) {
    guint64 index;
    const char *p;
    gsize digits;
    g_autofree char *number = NULL;

    if (!g_str_has_prefix (key, "transactions."))
      return NULL; /* an error about the batch itself: all of it is refused */
    p = key + strlen ("transactions.");
    digits = strspn (p, "0123456789");
    number = g_strndup (p, digits);
    if (digits == 0 || digits > 9 || (p[digits] != '.' && p[digits] != '\0') ||
        !g_ascii_string_to_unsigned (number, 10, 0, G_MAXUINT, &index, NULL) ||
        index >= n_transactions)
      return NULL;
    if (g_hash_table_add (seen, GUINT_TO_POINTER ((guint) index + 1))) {
      guint i = (guint) index;
      g_array_append_val (indices, i);
    }
  }
  if (indices->len == 0)
    return NULL;
  g_array_sort (indices, compare_uint);
  return g_steal_pointer (&indices);
}
