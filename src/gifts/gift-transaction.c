/* roomcast: gift transactions; see gift-transaction.h. */
#include "gifts/gift-transaction.h"

#include <string.h>

#include "json/json-text.h"
#include "protocol/payload.h"

#define MAX_SAFE_INTEGER G_GINT64_CONSTANT (9007199254740991) /* 2^53 - 1 */
#define MAX_TRANSACTION_ID_LEN 128

void
rc_gift_transaction_free (RcGiftTransaction *tx)
{
  if (tx == NULL)
    return;
  g_free (tx->transaction_id);
  g_free (tx->room_id);
  g_free (tx->sender_id);
  g_free (tx->recipient_id);
  g_free (tx->gift_id);
  g_free (tx);
}

gboolean
rc_gift_id_is_valid (const char *gift_id)
{
  gsize n;

  if (gift_id == NULL)
    return FALSE;
  n = strlen (gift_id);
  return n >= 1 && n <= RC_GIFT_ID_MAX_LEN &&
         strspn (gift_id,
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

gboolean
rc_gift_user_id_is_numeric (const char *user_id, gint64 *out)
{
  guint64 value = 0;
  gsize n;

  if (user_id == NULL)
    return FALSE;
  n = strlen (user_id);
  if (n == 0 || n > 16 || user_id[0] == '0' || strspn (user_id, "0123456789") != n)
    return FALSE;
  if (!g_ascii_string_to_unsigned (user_id, 10, 1, MAX_SAFE_INTEGER, &value, NULL))
    return FALSE;
  if (out != NULL)
    *out = (gint64) value;
  return TRUE;
}

static void
append_random (GString *out, guint n)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

  for (guint i = 0; i < n; i++)
    g_string_append_c (out, alphabet[g_random_int_range (0, sizeof alphabet - 1)]);
}

char *
rc_gift_transaction_id_new (gint64 now_ms)
{
  GString *id = g_string_new (NULL);

  /* 36^11 (~1.3e17) ids per millisecond: collisions between workers are not
   * a practical concern, and Laravel would report one as a duplicate. */
  g_string_append_printf (id, "g_%" G_GINT64_FORMAT "_", now_ms);
  append_random (id, 6);
  g_string_append_c (id, '_');
  append_random (id, 5);
  return g_string_free (id, FALSE);
}

/* @n characters of [a-z0-9] at *@p, which moves past them. */
static gboolean
skip_random (const char **p, gsize n)
{
  for (gsize i = 0; i < n; i++, (*p)++)
    if (!g_ascii_islower (**p) && !g_ascii_isdigit (**p))
      return FALSE;
  return TRUE;
}

gboolean
rc_gift_transaction_id_is_valid (const char *id)
{
  const char *p;
  gsize digits;

  if (id == NULL || !g_str_has_prefix (id, "g_"))
    return FALSE;
  p = id + 2;
  digits = strspn (p, "0123456789");
  if (digits < 1 || digits > 16 || p[digits] != '_')
    return FALSE;
  p += digits + 1;
  if (!skip_random (&p, 6) || *p++ != '_' || !skip_random (&p, 5))
    return FALSE;
  return *p == '\0';
}

static void
add_user_id (JsonBuilder *b, const char *name, const char *id)
{
  gint64 number;

  json_builder_set_member_name (b, name);
  if (rc_gift_user_id_is_numeric (id, &number))
    json_builder_add_int_value (b, number);
  else
    json_builder_add_string_value (b, id);
}

JsonNode *
rc_gift_transaction_to_node (const RcGiftTransaction *tx)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "transaction_id");
  json_builder_add_string_value (b, tx->transaction_id);
  json_builder_set_member_name (b, "room_id");
  json_builder_add_string_value (b, tx->room_id);
  add_user_id (b, "sender_id", tx->sender_id);
  add_user_id (b, "recipient_id", tx->recipient_id);
  json_builder_set_member_name (b, "gift_id");
  json_builder_add_string_value (b, tx->gift_id);
  json_builder_set_member_name (b, "quantity");
  json_builder_add_int_value (b, tx->quantity);
  json_builder_set_member_name (b, "timestamp");
  json_builder_add_int_value (b, tx->timestamp_ms);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
rc_gift_transaction_to_json (const RcGiftTransaction *tx)
{
  g_autoptr (JsonNode) node = rc_gift_transaction_to_node (tx);

  return rc_json_to_string (node);
}

/* --- parsing ------------------------------------------------------------- */

static gboolean
int_member (JsonObject *o, const char *name, gint64 min, gint64 max, gint64 *out)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return *out >= min && *out <= max;
}

/* A user id: a positive safe integer, or a string id (dev ledger). */
static char *
user_member (JsonObject *o, const char *name)
{
  gint64 number;
  const char *s = rc_json_object_get_string (o, name);

  if (s != NULL)
    return *s != '\0' && strlen (s) <= 64 ? g_strdup (s) : NULL;
  if (int_member (o, name, 1, MAX_SAFE_INTEGER, &number))
    return g_strdup_printf ("%" G_GINT64_FORMAT, number);
  return NULL;
}

static gpointer
fail (GError **error, const char *field)
{
  g_set_error (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID,
               "not a gift transaction: '%s' is missing or invalid", field);
  return NULL;
}

RcGiftTransaction *
rc_gift_transaction_parse (const char *text, gsize len, GError **error)
{
  g_autoptr (JsonNode) node = rc_json_parse_strict (text, len, NULL, error);

  return node ? rc_gift_transaction_from_node (node, error) : NULL;
}

RcGiftTransaction *
rc_gift_transaction_from_node (JsonNode *node, GError **error)
{
  g_autoptr (RcGiftTransaction) tx = g_new0 (RcGiftTransaction, 1);
  JsonObject *o;
  const char *s;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, "(object)");
  o = json_node_get_object (node);
  s = rc_json_object_get_string (o, "transaction_id");
  if (s == NULL || *s == '\0' || strlen (s) > MAX_TRANSACTION_ID_LEN)
    return fail (error, "transaction_id");
  tx->transaction_id = g_strdup (s);
  s = rc_json_object_get_string (o, "room_id");
  if (s == NULL || !rc_is_uuid (s))
    return fail (error, "room_id");
  tx->room_id = g_strdup (s);
  if ((tx->sender_id = user_member (o, "sender_id")) == NULL)
    return fail (error, "sender_id");
  if ((tx->recipient_id = user_member (o, "recipient_id")) == NULL)
    return fail (error, "recipient_id");
  s = rc_json_object_get_string (o, "gift_id");
  if (!rc_gift_id_is_valid (s))
    return fail (error, "gift_id");
  tx->gift_id = g_strdup (s);
  if (!int_member (o, "quantity", 1, RC_GIFT_QUANTITY_MAX, &tx->quantity))
    return fail (error, "quantity");
  if (!int_member (o, "timestamp", 1, MAX_SAFE_INTEGER, &tx->timestamp_ms))
    return fail (error, "timestamp");
  return g_steal_pointer (&tx);
}
