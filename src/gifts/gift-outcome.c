/* roomcast: gift outcomes; see gift-outcome.h. */
#include "gifts/gift-outcome.h"

#include "gifts/gift-batch.h"
#include "json/json-text.h"

void
rc_gift_outcome_free (RcGiftOutcome *outcome)
{
  if (outcome == NULL)
    return;
  rc_gift_transaction_free (outcome->tx);
  g_free (outcome->error);
  g_free (outcome);
}

char *
rc_gift_outcome_to_json (const RcGiftTransaction *tx, const char *error)
{
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (JsonNode) node = NULL;

  g_return_val_if_fail (tx != NULL, NULL);
  g_return_val_if_fail (error == NULL || rc_gift_error_code_is_valid (error), NULL);
  json_object_set_member (object, "transaction", rc_gift_transaction_to_node (tx));
  if (error != NULL)
    json_object_set_string_member (object, "error", error);
  node = json_node_init_object (json_node_alloc (), object);
  return rc_json_to_string (node);
}

static gpointer
malformed (GError **error, const char *what)
{
  g_set_error (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID, "not a gift outcome: %s", what);
  return NULL;
}

RcGiftOutcome *
rc_gift_outcome_parse (const char *text, gsize len, GError **error)
{
  g_autoptr (JsonNode) node = rc_json_parse_strict (text, len, NULL, error);
  g_autoptr (RcGiftOutcome) outcome = g_new0 (RcGiftOutcome, 1);
  JsonObject *object;
  JsonNode *member;

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return malformed (error, "not an object");
  object = json_node_get_object (node);
  member = json_object_get_member (object, "transaction");
  if (member == NULL)
    return malformed (error, "'transaction' is missing");
  outcome->tx = rc_gift_transaction_from_node (member, error);
  if (outcome->tx == NULL)
    return NULL;
  member = json_object_get_member (object, "error");
  if (member != NULL) {
    if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING ||
        !rc_gift_error_code_is_valid (json_node_get_string (member)))
      return malformed (error, "'error' is not an error code");
    outcome->error = g_strdup (json_node_get_string (member));
  }
  return g_steal_pointer (&outcome);
}
