/* roomcast: payload validation helpers; see payload.h. */
#include "protocol/payload.h"

#include <math.h>
#include <string.h>

#include "protocol/errors.h"

JsonObject *
rc_payload_object (JsonArray *args, GError **error)
{
  JsonNode *first;

  if (args == NULL || json_array_get_length (args) == 0)
    return json_object_new ();
  first = json_array_get_element (args, 0);
  if (JSON_NODE_HOLDS_NULL (first))
    return json_object_new ();
  if (!JSON_NODE_HOLDS_OBJECT (first)) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "payload must be an object");
    return NULL;
  }
  return json_object_ref (json_node_get_object (first));
}

/* The field's node, or NULL when absent or null. Fails only when a required
 * field is missing, so callers can treat NULL + TRUE as "use the default". */
static gboolean
lookup_field (JsonObject *object, const char *field, RcFieldFlags flags, JsonNode **node,
              GError **error)
{
  JsonNode *found = object ? json_object_get_member (object, field) : NULL;

  if (found != NULL && JSON_NODE_HOLDS_NULL (found))
    found = NULL;
  if (found == NULL && (flags & RC_FIELD_REQUIRED)) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "field '%s' is required", field);
    return FALSE;
  }
  *node = found;
  return TRUE;
}

char *
rc_utf8_trim (const char *text)
{
  const char *start = text;
  const char *end = text + strlen (text);

  while (*start && g_unichar_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  while (end > start) {
    const char *prev = g_utf8_find_prev_char (start, end);
    if (prev == NULL || !g_unichar_isspace (g_utf8_get_char (prev)))
      break;
    end = prev;
  }
  return g_strndup (start, end - start);
}

gboolean
rc_payload_get_string (JsonObject *object, const char *field, RcFieldFlags flags,
                       guint min_chars, guint max_chars, char **out, GError **error)
{
  JsonNode *node;
  const char *raw;
  g_autofree char *trimmed = NULL;
  glong n_chars;

  g_return_val_if_fail (out != NULL, FALSE);
  *out = NULL;
  if (!lookup_field (object, field, flags, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_STRING) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "field '%s' must be a string", field);
    return FALSE;
  }
  raw = json_node_get_string (node);
  if (raw == NULL || !g_utf8_validate (raw, -1, NULL)) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "field '%s' is not valid UTF-8",
                         field);
    return FALSE;
  }
  trimmed = rc_utf8_trim (raw);
  n_chars = g_utf8_strlen (trimmed, -1);
  if (n_chars < (glong) min_chars || n_chars > (glong) max_chars) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD,
                         "field '%s' must be %u-%u characters long", field, min_chars,
                         max_chars);
    return FALSE;
  }
  *out = g_steal_pointer (&trimmed);
  return TRUE;
}

gboolean
rc_payload_get_int (JsonObject *object, const char *field, RcFieldFlags flags, gint64 min,
                    gint64 max, gint64 default_value, gint64 *out, GError **error)
{
  JsonNode *node;
  gint64 value;
  GType type;

  g_return_val_if_fail (out != NULL, FALSE);
  if (!lookup_field (object, field, flags, &node, error))
    return FALSE;
  if (node == NULL) {
    *out = default_value;
    return TRUE;
  }
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_INT64)
    value = json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE) {
    double d = json_node_get_double (node);
    /* Only exactly integral doubles inside the safe 53-bit range. */
    if (!isfinite (d) || d != floor (d) || fabs (d) > 9007199254740991.0)
      goto not_integer;
    value = (gint64) d;
  } else
    goto not_integer;

  if (value < min || value > max) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD,
                         "field '%s' must be between %" G_GINT64_FORMAT
                         " and %" G_GINT64_FORMAT,
                         field, min, max);
    return FALSE;
  }
  *out = value;
  return TRUE;

not_integer:
  rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "field '%s' must be an integer", field);
  return FALSE;
}

gboolean
rc_payload_get_bool (JsonObject *object, const char *field, RcFieldFlags flags,
                     gboolean default_value, gboolean *out, GError **error)
{
  JsonNode *node;

  g_return_val_if_fail (out != NULL, FALSE);
  if (!lookup_field (object, field, flags, &node, error))
    return FALSE;
  if (node == NULL) {
    *out = default_value;
    return TRUE;
  }
  if (json_node_get_value_type (node) != G_TYPE_BOOLEAN) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "field '%s' must be a boolean",
                         field);
    return FALSE;
  }
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
rc_is_uuid (const char *text)
{
  static const int dashes[] = { 8, 13, 18, 23 };
  gsize i;

  if (text == NULL || strlen (text) != 36)
    return FALSE;
  for (i = 0; i < 36; i++) {
    gboolean dash_here = (i == (gsize) dashes[0] || i == (gsize) dashes[1] ||
                          i == (gsize) dashes[2] || i == (gsize) dashes[3]);
    if (dash_here ? text[i] != '-' : !g_ascii_isxdigit (text[i]))
      return FALSE;
  }
  return TRUE;
}

gboolean
rc_payload_get_uuid (JsonObject *object, const char *field, RcFieldFlags flags, char **out,
                     GError **error)
{
  JsonNode *node;

  g_return_val_if_fail (out != NULL, FALSE);
  *out = NULL;
  if (!lookup_field (object, field, flags, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_STRING ||
      !rc_is_uuid (json_node_get_string (node))) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "field '%s' must be a UUID", field);
    return FALSE;
  }
  *out = g_ascii_strdown (json_node_get_string (node), -1);
  return TRUE;
}

static gboolean
is_valid_id_string (const char *text)
{
  gsize len = strlen (text);

  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isgraph (text[i]))
      return FALSE;
  return TRUE;
}

gboolean
rc_payload_get_user_id (JsonObject *object, const char *field, RcFieldFlags flags, char **out,
                        GError **error)
{
  JsonNode *node;
  gint64 number;

  g_return_val_if_fail (out != NULL, FALSE);
  *out = NULL;
  if (!lookup_field (object, field, flags, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING) {
    const char *text = json_node_get_string (node);
    if (text != NULL && is_valid_id_string (text)) {
      *out = g_strdup (text);
      return TRUE;
    }
  } else if (JSON_NODE_HOLDS_VALUE (node) &&
             (json_node_get_value_type (node) == G_TYPE_INT64 ||
              json_node_get_value_type (node) == G_TYPE_DOUBLE)) {
    g_autoptr (GError) ignored = NULL;
    if (rc_payload_get_int (object, field, flags, 0, G_MAXINT64, 0, &number, &ignored)) {
      *out = g_strdup_printf ("%" G_GINT64_FORMAT, number);
      return TRUE;
    }
  }
  rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "field '%s' must be a user id", field);
  return FALSE;
}
