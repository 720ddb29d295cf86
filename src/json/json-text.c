/* roomcast: strict JSON parsing and exact JSON writing; see json-text.h. */
#include "json/json-text.h"

#include <errno.h>
#include <math.h>
#include <string.h>

GQuark
rc_json_error_quark (void)
{
  return g_quark_from_static_string ("rc-json-error-quark");
}

/* ---- Strict JSON syntax check (RFC 8259) ---------------------------------
 *
 * json-glib 1.6 is lenient (comments, 'quotes', 0x10, a second top-level
 * value silently ignored) and lossy (integer overflow wraps, "\u0000" cuts
 * the string, 1e999 becomes inf). We check the exact grammar first, so that
 * json-glib only ever sees text it parses faithfully. The input has already
 * been checked for UTF-8 and NUL bytes. Recursion is bounded by
 * RC_JSON_MAX_DEPTH, which also bounds json-glib's own recursion.
 */

typedef struct {
  const char *p;
  const char *end;
  const char *problem; /* static description of the first error */
  /* The first value that is valid JSON but that json-glib cannot hold
   * (RC_JSON_ERROR_UNSUPPORTED): the check goes on, so that a syntax
   * error anywhere still wins. */
  const char *unsupported;
  const char *unsupported_at;
} JsonCheck;

static gboolean json_check_value (JsonCheck *c, guint depth);

static gboolean
json_fail (JsonCheck *c, const char *problem)
{
  c->problem = problem;
  return FALSE;
}

static gboolean
json_unsupported (JsonCheck *c, const char *at, const char *problem)
{
  if (c->unsupported == NULL) {
    c->unsupported = problem;
    c->unsupported_at = at;
  }
  return TRUE;
}

static gboolean
json_at (const JsonCheck *c, char ch)
{
  return c->p < c->end && *c->p == ch;
}

static gboolean
json_at_digit (const JsonCheck *c)
{
  return c->p < c->end && g_ascii_isdigit (*c->p);
}

static void
json_skip_ws (JsonCheck *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static void
json_skip_digits (JsonCheck *c)
{
  while (json_at_digit (c))
    c->p++;
}

static gboolean
json_check_literal (JsonCheck *c, const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (c->end - c->p) < n || memcmp (c->p, word, n) != 0)
    return json_fail (c, "invalid literal (true, false or null expected)");
  c->p += n;
  return TRUE;
}

/* Reads the XXXX of a \uXXXX escape; c->p is on the first hex digit. */
static gboolean
json_read_hex4 (JsonCheck *c, guint *unit)
{
  *unit = 0;
  if (c->end - c->p < 4)
    return json_fail (c, "truncated \\u escape");
  for (int i = 0; i < 4; i++) {
    int v = g_ascii_xdigit_value (c->p[i]);

    if (v < 0)
      return json_fail (c, "invalid hex digit in \\u escape");
    *unit = (*unit << 4) | (guint) v;
  }
  c->p += 4;
  return TRUE;
}

/* A \u escape: U+0000 would truncate json-glib's C string, and a lone
 * surrogate is not a character (json-glib fails on it with a misleading
 * "unterminated string"). */
static gboolean
json_check_unicode_escape (JsonCheck *c)
{
  guint unit, low;

  if (!json_read_hex4 (c, &unit))
    return FALSE;
  if (unit == 0)
    return json_unsupported (c, c->p, "\\u0000 in a string is not supported");
  if (unit >= 0xDC00 && unit <= 0xDFFF)
    return json_unsupported (c, c->p, "unpaired low surrogate in \\u escape");
  if (unit < 0xD800 || unit > 0xDBFF)
    return TRUE;
  if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
    return json_unsupported (c, c->p, "unpaired high surrogate in \\u escape");
  c->p += 2;
  if (!json_read_hex4 (c, &low))
    return FALSE;
  if (low == 0)
    return json_unsupported (c, c->p, "\\u0000 in a string is not supported");
  if (low < 0xDC00 || low > 0xDFFF)
    return json_unsupported (c, c->p, "unpaired high surrogate in \\u escape");
  return TRUE;
}

static gboolean
json_check_escape (JsonCheck *c)
{
  c->p++; /* the backslash */
  if (c->p == c->end)
    return json_fail (c, "unterminated string");
  switch (*c->p) {
  case '"':
  case '\\':
  case '/':
  case 'b':
  case 'f':
  case 'n':
  case 'r':
  case 't':
    c->p++;
    return TRUE;
  case 'u':
    c->p++;
    return json_check_unicode_escape (c);
  default:
    return json_fail (c, "invalid escape sequence in string");
  }
}

static gboolean
json_check_string (JsonCheck *c)
{
  c->p++; /* the opening quote */
  while (c->p < c->end) {
    guchar ch = (guchar) *c->p;

    if (ch == '"') {
      c->p++;
      return TRUE;
    }
    if (ch < 0x20)
      return json_fail (c, "control character in string");
    if (ch == '\\') {
      if (!json_check_escape (c))
        return FALSE;
    } else
      c->p++;
  }
  return json_fail (c, "unterminated string");
}

/* The number must also survive json-glib: integers are read into a gint64
 * (wrapping silently on overflow) and the others into a double. */
static gboolean
json_check_number_range (JsonCheck *c, const char *start, gboolean integral)
{
  g_autofree char *text = g_strndup (start, (gsize) (c->p - start));

  errno = 0;
  if (integral) {
    g_ascii_strtoll (text, NULL, 10);
    if (errno == ERANGE)
      return json_unsupported (c, start, "integer does not fit in 64 bits");
  } else if (!isfinite (g_ascii_strtod (text, NULL)))
    return json_unsupported (c, start, "number is too large for a double");
  return TRUE;
}

static gboolean
json_check_number (JsonCheck *c)
{
  const char *start = c->p;
  gboolean integral = TRUE;

  if (json_at (c, '-'))
    c->p++;
  if (json_at (c, '0'))
    c->p++; /* no leading zeros: "01" fails on the '1' later */
  else if (json_at_digit (c))
    json_skip_digits (c);
  else
    return json_fail (c, "invalid number");
  if (json_at (c, '.')) {
    integral = FALSE;
    c->p++;
    if (!json_at_digit (c))
      return json_fail (c, "digit expected after '.' in number");
    json_skip_digits (c);
  }
  if (json_at (c, 'e') || json_at (c, 'E')) {
    integral = FALSE;
    c->p++;
    if (json_at (c, '+') || json_at (c, '-'))
      c->p++;
    if (!json_at_digit (c))
      return json_fail (c, "digit expected in number exponent");
    json_skip_digits (c);
  }
  return json_check_number_range (c, start, integral);
}

/* An array or an object, c->p on its opening bracket. */
static gboolean
json_check_container (JsonCheck *c, guint depth, gboolean is_object)
{
  char close = is_object ? '}' : ']';

  if (depth >= RC_JSON_MAX_DEPTH)
    return json_fail (c, "nested deeper than " G_STRINGIFY (RC_JSON_MAX_DEPTH) " levels");
  c->p++;
  json_skip_ws (c);
  if (json_at (c, close)) {
    c->p++;
    return TRUE;
  }
  for (;;) {
    if (is_object) {
      if (!json_at (c, '"'))
        return json_fail (c, "member name expected");
      if (!json_check_string (c))
        return FALSE;
      json_skip_ws (c);
      if (!json_at (c, ':'))
        return json_fail (c, "':' expected after member name");
      c->p++;
      json_skip_ws (c);
    }
    if (!json_check_value (c, depth + 1))
      return FALSE;
    json_skip_ws (c);
    if (json_at (c, close)) {
      c->p++;
      return TRUE;
    }
    if (!json_at (c, ','))
      return json_fail (c, is_object ? "',' or '}' expected" : "',' or ']' expected");
    c->p++;
    json_skip_ws (c);
  }
}

static gboolean
json_check_value (JsonCheck *c, guint depth)
{
  if (c->p == c->end)
    return json_fail (c, "value expected");
  switch (*c->p) {
  case '{':
    return json_check_container (c, depth, TRUE);
  case '[':
    return json_check_container (c, depth, FALSE);
  case '"':
    return json_check_string (c);
  case 't':
    return json_check_literal (c, "true");
  case 'f':
    return json_check_literal (c, "false");
  case 'n':
    return json_check_literal (c, "null");
  default:
    if (*c->p == '-' || g_ascii_isdigit (*c->p))
      return json_check_number (c);
    return json_fail (c, "value expected");
  }
}

/* See json-text.h. */
JsonNode *
rc_json_parse_strict (const char *text, gsize len, gsize *error_offset, GError **error)
{
  JsonCheck c = { .p = text, .end = text + len };
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) json_error = NULL;

  const char *bad_utf8 = NULL;
  const char *nul = len > 0 ? memchr (text, '\0', len) : NULL; /* memchr (NULL, 0) is UB */

  if (!g_utf8_validate_len (text, nul ? (gsize) (nul - text) : len, &bad_utf8) || nul) {
    /* Whichever comes first: the NUL stops the UTF-8 check. */
    if (error_offset)
      *error_offset = (gsize) ((bad_utf8 && (!nul || bad_utf8 < nul) ? bad_utf8 : nul) - text);
    g_set_error_literal (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID,
                         nul && !(bad_utf8 && bad_utf8 < nul) ? "NUL byte in the text"
                                                              : "not valid UTF-8");
    return NULL;
  }
  json_skip_ws (&c);
  if (json_check_value (&c, 0)) {
    json_skip_ws (&c);
    if (c.p != c.end)
      json_fail (&c, "unexpected data after the JSON value");
  }
  if (c.problem != NULL) {
    if (error_offset)
      *error_offset = (gsize) (c.p - text);
    g_set_error_literal (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID, c.problem);
    return NULL;
  }
  if (c.unsupported != NULL) {
    if (error_offset)
      *error_offset = (gsize) (c.unsupported_at - text);
    g_set_error_literal (error, RC_JSON_ERROR, RC_JSON_ERROR_UNSUPPORTED, c.unsupported);
    return NULL;
  }

  /* Cannot fail after the check above; kept as a safety net. */
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, len, &json_error)) {
    if (error_offset)
      *error_offset = 0;
    g_set_error_literal (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID, json_error->message);
    return NULL;
  }
  return json_parser_steal_root (parser);
}

/* ---- Compact JSON writer -------------------------------------------------
 *
 * Ours rather than JsonGenerator: json-glib 1.6 writes doubles as "%.17g"
 * plus ".0" when there is no '.', giving "1e+22.0" (invalid JSON) and
 * "0.10000000000000001" for 0.1.
 */

static void json_write (GString *out, JsonNode *node);

static void
json_write_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++) {
    switch (*p) {
    case '"':
      g_string_append (out, "\\\"");
      break;
    case '\\':
      g_string_append (out, "\\\\");
      break;
    case '\b':
      g_string_append (out, "\\b");
      break;
    case '\f':
      g_string_append (out, "\\f");
      break;
    case '\n':
      g_string_append (out, "\\n");
      break;
    case '\r':
      g_string_append (out, "\\r");
      break;
    case '\t':
      g_string_append (out, "\\t");
      break;
    default:
      if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, (char) *p);
    }
  }
  g_string_append_c (out, '"');
}

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double,
 * as JavaScript prints numbers; ".0" keeps an integral-looking double a
 * double when we decode it again. */
static void
json_write_double (GString *out, double v)
{
  static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v)) {
    g_string_append (out, "null"); /* what JSON.stringify() does */
    return;
  }
  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++) {
    g_ascii_formatd (buf, sizeof buf, formats[i], v);
    if (g_ascii_strtod (buf, NULL) == v)
      break;
  }
  g_string_append (out, buf);
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (out, ".0");
}

static void
json_write_value (GString *out, JsonNode *node)
{
  switch (json_node_get_value_type (node)) {
  case G_TYPE_INT64:
    g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
    break;
  case G_TYPE_DOUBLE:
    json_write_double (out, json_node_get_double (node));
    break;
  case G_TYPE_BOOLEAN:
    g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
    break;
  case G_TYPE_STRING:
    json_write_string (out, json_node_get_string (node));
    break;
  default:
    g_critical ("JSON value of unexpected type %s",
                g_type_name (json_node_get_value_type (node)));
    g_string_append (out, "null");
  }
}

static void
json_write_object (GString *out, JsonObject *object)
{
  GList *names = json_object_get_members (object); /* insertion order */

  g_string_append_c (out, '{');
  for (GList *l = names; l != NULL; l = l->next) {
    if (l != names)
      g_string_append_c (out, ',');
    json_write_string (out, l->data);
    g_string_append_c (out, ':');
    json_write (out, json_object_get_member (object, l->data));
  }
  g_string_append_c (out, '}');
  g_list_free (names);
}

static void
json_write_array (GString *out, JsonArray *array)
{
  guint n = json_array_get_length (array);

  g_string_append_c (out, '[');
  for (guint i = 0; i < n; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    json_write (out, json_array_get_element (array, i));
  }
  g_string_append_c (out, ']');
}

static void
json_write (GString *out, JsonNode *node)
{
  switch (json_node_get_node_type (node)) {
  case JSON_NODE_OBJECT:
    json_write_object (out, json_node_get_object (node));
    break;
  case JSON_NODE_ARRAY:
    json_write_array (out, json_node_get_array (node));
    break;
  case JSON_NODE_VALUE:
    json_write_value (out, node);
    break;
  case JSON_NODE_NULL:
  default:
    g_string_append (out, "null");
    break;
  }
}

void
rc_json_write (GString *out, JsonNode *node)
{
  g_return_if_fail (out != NULL);
  if (node == NULL)
    g_string_append (out, "null");
  else
    json_write (out, node);
}

char *
rc_json_to_string (JsonNode *node)
{
  GString *out = g_string_new (NULL);
  rc_json_write (out, node);
  return g_string_free (out, FALSE);
}

/* See json-text.h. */
JsonNode *
rc_json_node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object ? object : json_object_new ());
  return node;
}

const char *
rc_json_object_get_string (JsonObject *object, const char *name)
{
  JsonNode *n = json_object_get_member (object, name);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}
