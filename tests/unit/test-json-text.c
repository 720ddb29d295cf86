/* roomcast: unit tests of strict JSON text in and out (src/json/json-text.c).
 *
 * The parser must accept exactly RFC 8259 JSON texts and refuse everything
 * json-glib alone would accept or mangle, at the right byte offset. The
 * writer must produce compact JSON that the parser reads back unchanged:
 * checked case by case and then as a property over random JSON trees
 * (write, strict parse, write again: the same text).
 */
#include "json/json-text.h"
#include "sio-test-util.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Parses @len bytes of @text from an exact-size copy (so that ASan catches
 * reads past the end), which must succeed. */
static JsonNode *
parse_strict_len (const char *text, gsize len)
{
  g_autofree char *copy = g_memdup2 (text, len);
  g_autofree char *shown = show (text, len);
  g_autoptr(GError) error = NULL;
  gsize offset = G_MAXSIZE;
  JsonNode *node = rc_json_parse_strict (copy, len, &offset, &error);

  if (node == NULL)
    g_test_fail_printf ("%s refused at byte %" G_GSIZE_FORMAT ": %s", shown,
                        offset, error != NULL ? error->message : "(no error)");
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static JsonNode *
parse_strict (const char *text)
{
  return parse_strict_len (text, strlen (text));
}

/* ---- Strict parsing: valid texts ---------------------------------------- */

typedef struct {
  const char *in;
  const char *out; /* as rc_json_write() writes it back; NULL: = in */
} ValidText;

static const ValidText valid_texts[] = {
  /* any value may be the whole text */
  { "null", NULL }, { "true", NULL }, { "false", NULL },
  { "0", NULL }, { "-0", "0" }, { "123", NULL }, { "-123", NULL },
  { "9223372036854775807", NULL }, { "-9223372036854775808", NULL },
  { "1.5", NULL }, { "-1.5e+3", "-1500.0" }, { "1E2", "100.0" },
  { "1e-400", "0.0" }, { "0.1", NULL }, { "1e22", "1e+22" }, { "-0.0", NULL },
  { "2.5E-3", "0.0025" }, { "1.7976931348623157e308", "1.7976931348623157e+308" },
  { "\"\"", NULL }, { "\"a\\\"b\"", NULL }, { "\"\\/\"", "\"/\"" },
  { "\"\\u00e9\\ud83d\\ude00\"", "\"é😀\"" }, { "\"\\u001F\"", "\"\\u001f\"" },
  { "\"\\b\\f\\n\\r\\t\\\\\"", NULL }, { "\"é😀\x7f\"", NULL },
  { "\"\\uFFFD\\u0041\"", "\"\xef\xbf\xbd" "A\"" },
  { "\"\\udbff\\udfff\"", "\"\xf4\x8f\xbf\xbf\"" }, /* U+10FFFF */
  /* containers, whitespace, duplicate member names (the last one wins) */
  { "[]", NULL }, { "{}", NULL },
  { " [ 1 , \"a\" , [ ] , { } ] ", "[1,\"a\",[],{}]" },
  { "\t\r\n 7 \n", "7" },
  { "{\"a\":{\"b\":[null]},\"\":0}", NULL },
  { "{ \"a\" : 1 , \"a\" : 2 }", "{\"a\":2}" },
  { "[[[[{\"x\":[0,-1.25,true]}]]]]", NULL },
};

static void
test_parse_valid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid_texts); i++)
    {
      const ValidText *c = &valid_texts[i];
      g_autofree char *shown = show (c->in, strlen (c->in));
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *out = NULL;

      g_test_message ("valid: %s", shown);
      node = parse_strict (c->in);
      out = rc_json_to_string (node);
      g_assert_cmpstr (out, ==, c->out != NULL ? c->out : c->in);
    }
}

/* Only @len bytes are read: what follows them is not part of the text. */
static void
test_parse_length (void)
{
  g_autoptr(JsonNode) node = parse_strict_len ("[1]garbage", 3);
  g_autoptr(JsonNode) number = parse_strict_len ("12345", 2);
  g_autofree char *out = rc_json_to_string (node);

  g_assert_cmpstr (out, ==, "[1]");
  g_assert_cmpint (json_node_get_int (number), ==, 12);
}

/* @error_offset and @error are nullable. */
static void
test_parse_nullable_out (void)
{
  g_autoptr(JsonNode) node = rc_json_parse_strict ("[1]", 3, NULL, NULL);
  g_autoptr(GError) error = NULL;
  gsize offset = 99;

  g_assert_nonnull (node);
  g_assert_null (rc_json_parse_strict ("[1,]", 4, NULL, NULL));
  g_assert_null (rc_json_parse_strict ("[1,]", 4, &offset, NULL));
  g_assert_cmpuint (offset, ==, 3);
  g_assert_null (rc_json_parse_strict ("[1,]", 4, NULL, &error));
  g_assert_error (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID);
}

/* ---- Strict parsing: refused texts -------------------------------------- */

#define ANY_OFFSET G_MAXSIZE

typedef struct {
  const char *in;
  gssize len;        /* -1: strlen (in); set for embedded NULs */
  gsize offset;      /* expected *error_offset, or ANY_OFFSET */
  const char *words; /* expected in the error message */
} InvalidText;

static const InvalidText invalid_texts[] = {
  /* nothing */
  { "", -1, 0, "value expected" },
  { " \t\r\n", -1, 4, "value expected" },
  /* comments */
  { "/*c*/1", -1, 0, "value expected" },
  { "// c\n1", -1, 0, "value expected" },
  { "[1]//c", -1, 3, "after the JSON value" },
  { "[1,/*c*/2]", -1, 3, "value expected" },
  /* single quotes */
  { "'a'", -1, 0, "value expected" },
  { "{'a':1}", -1, 1, "member name expected" },
  { "[\"a\",'b']", -1, 5, "value expected" },
  /* hex */
  { "0x10", -1, 1, "after the JSON value" },
  { "[0x10]", -1, 2, "',' or ']' expected" },
  { "-0x1", -1, 2, "after the JSON value" },
  /* leading zeros */
  { "01", -1, 1, "after the JSON value" },
  { "[01]", -1, 2, "',' or ']' expected" },
  { "-01", -1, 2, "after the JSON value" },
  { "00.5", -1, 1, "after the JSON value" },
  /* other number syntax */
  { ".5", -1, 0, "value expected" },
  { "[.5]", -1, 1, "value expected" },
  { "-.5", -1, 1, "invalid number" },
  { "1.", -1, 2, "digit expected after '.'" },
  { "1.e5", -1, 2, "digit expected after '.'" },
  { "1e", -1, 2, "exponent" },
  { "1e+", -1, 3, "exponent" },
  { "+1", -1, 0, "value expected" },
  { "-", -1, 1, "invalid number" },
  /* literals */
  { "NaN", -1, 0, "value expected" },
  { "Infinity", -1, 0, "value expected" },
  { "-Infinity", -1, 1, "invalid number" },
  { "TRUE", -1, 0, "value expected" },
  { "undefined", -1, 0, "value expected" },
  { "tru", -1, 0, "invalid literal" },
  { "[nul]", -1, 1, "invalid literal" },
  /* trailing values */
  { "1 2", -1, 2, "after the JSON value" },
  { "{}{}", -1, 2, "after the JSON value" },
  { "[] x", -1, 3, "after the JSON value" },
  { "\"a\"\"b\"", -1, 3, "after the JSON value" },
  { "[1]]", -1, 3, "after the JSON value" },
  { "null,", -1, 4, "after the JSON value" },
  { "true false", -1, 5, "after the JSON value" },
  /* structure */
  { "[1,]", -1, 3, "value expected" },
  { "[,1]", -1, 1, "value expected" },
  { "[1 2]", -1, 3, "',' or ']' expected" },
  { "[1", -1, 2, "',' or ']' expected" },
  { "[\"ev\" \"x\"]", -1, 6, "',' or ']' expected" },
  { "{", -1, 1, "member name expected" },
  { "{1:2}", -1, 1, "member name expected" },
  { "{a:1}", -1, 1, "member name expected" },
  { "{\"a\":1,}", -1, 7, "member name expected" },
  { "{\"a\"}", -1, 4, "':' expected" },
  { "{\"a\" 1}", -1, 5, "':' expected" },
  { "{\"a\":}", -1, 5, "value expected" },
  { "{\"a\":1 \"b\":2}", -1, 7, "',' or '}' expected" },
  /* numbers json-glib would wrap or turn into inf */
  { "9223372036854775808", -1, 0, "64 bits" },
  { "[1,-9223372036854775809]", -1, 3, "64 bits" },
  { "99999999999999999999", -1, 0, "64 bits" },
  { "1e999", -1, 0, "too large for a double" },
  { "[-1e999]", -1, 1, "too large for a double" },
  { "1.8e308", -1, 0, "too large for a double" },
  { "{\"a\":2e308}", -1, 5, "too large for a double" },
  /* strings: \u0000, surrogates, escapes, control characters */
  { "\"\\u0000\"", -1, 7, "\\u0000" },
  { "[\"a\\u0000b\"]", -1, 9, "\\u0000" },
  { "\"\\ud800\"", -1, 7, "unpaired high surrogate" },
  { "\"\\ud800x\"", -1, 7, "unpaired high surrogate" },
  { "\"\\ud800\\u0041\"", -1, 13, "unpaired high surrogate" },
  { "\"\\ud800\\ud800\"", -1, 13, "unpaired high surrogate" },
  { "\"\\udc00\"", -1, 7, "unpaired low surrogate" },
  { "\"\\ude00\\ud83d\"", -1, 7, "unpaired low surrogate" },
  { "\"\\x41\"", -1, 2, "invalid escape" },
  { "\"\\'\"", -1, 2, "invalid escape" },
  { "\"\\u12x4\"", -1, 3, "hex digit" },
  { "\"\\u12\"", -1, 3, "truncated" },
  { "\"\\u12", -1, 3, "truncated" },
  { "\"a\tb\"", -1, 2, "control character in string" },
  { "\"a\nb\"", -1, 2, "control character in string" },
  { "\"\x1f\"", -1, 1, "control character in string" },
  { "\"abc", -1, 4, "unterminated string" },
  { "\"abc\\", -1, 5, "unterminated string" },
  /* invalid UTF-8: stray byte, truncated, overlong, surrogate, too large.
   * The offset is not checked: rc_json_parse_strict() reports 0 for these
   * (callers such as the Socket.IO decoder check UTF-8 themselves). */
  { "\"\xff\"", -1, ANY_OFFSET, "UTF-8" },
  { "[\"\xc3\"]", -1, ANY_OFFSET, "UTF-8" },
  { "\"\xc0\xaf\"", -1, ANY_OFFSET, "UTF-8" },
  { "\"\xed\xa0\x80\"", -1, ANY_OFFSET, "UTF-8" },
  { "\"\xf4\x90\x80\x80\"", -1, ANY_OFFSET, "UTF-8" },
  { "1\xff", -1, ANY_OFFSET, "UTF-8" },
  /* embedded NUL (json-glib would stop reading there) */
  { "\0", 1, ANY_OFFSET, "NUL" },
  { "1\0", 2, ANY_OFFSET, "NUL" },
  { "[1]\0", 4, ANY_OFFSET, "NUL" },
  { "\"a\0b\"", 5, ANY_OFFSET, "NUL" },
};

static void
check_invalid_text (const InvalidText *c)
{
  gsize len = c->len < 0 ? strlen (c->in) : (gsize) c->len;
  g_autofree char *shown = show (c->in, len);
  g_autofree char *copy = g_memdup2 (c->in, len);
  g_autoptr(GError) error = NULL;
  gsize offset = G_MAXSIZE;
  g_autoptr(JsonNode) node = rc_json_parse_strict (copy, len, &offset, &error);

  g_test_message ("invalid: %s -> %s at byte %" G_GSIZE_FORMAT, shown,
                  error != NULL ? error->message : "(accepted!)", offset);
  g_assert_null (node);
  /* Valid JSON that json-glib cannot hold is told apart from garbage. */
  gboolean unsupported = strstr (c->words, "64 bits") || strstr (c->words, "double") ||
                         strstr (c->words, "\\u0000") || strstr (c->words, "surrogate");
  g_assert_error (error, RC_JSON_ERROR,
                  unsupported ? RC_JSON_ERROR_UNSUPPORTED : RC_JSON_ERROR_INVALID);
  if (strstr (error->message, c->words) == NULL)
    g_test_fail_printf ("error for %s is \"%s\", expected to mention \"%s\"",
                        shown, error->message, c->words);
  if (c->offset == ANY_OFFSET)
    g_assert_cmpuint (offset, <=, len);
  else if (offset != c->offset)
    g_test_fail_printf ("error for %s is at byte %" G_GSIZE_FORMAT
                        ", expected %" G_GSIZE_FORMAT, shown, offset,
                        c->offset);
}

static void
test_parse_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid_texts); i++)
    check_invalid_text (&invalid_texts[i]);
}

/* @depth nested arrays, or objects {"a":…} around null. */
static char *
nested (guint depth, gboolean objects)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (s, objects ? "{\"a\":" : "[");
  g_string_append (s, "null");
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, objects ? '}' : ']');
  return g_string_free (s, FALSE);
}

static void
test_parse_depth_limit (void)
{
  gsize huge_len = 1000000;
  g_autofree char *huge = g_malloc (huge_len);
  gsize offset = 0;
  g_autoptr(GError) error = NULL;

  for (int objects = 0; objects <= 1; objects++)
    {
      g_autofree char *deepest = nested (RC_JSON_MAX_DEPTH, objects);
      g_autofree char *too_deep = nested (RC_JSON_MAX_DEPTH + 1, objects);
      g_autoptr(JsonNode) node = parse_strict (deepest);
      g_autofree char *out = rc_json_to_string (node);

      g_assert_cmpstr (out, ==, deepest);
      g_assert_null (rc_json_parse_strict (too_deep, strlen (too_deep), &offset,
                                           &error));
      g_assert_error (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "nested deeper than 32 levels"));
      /* at the opening bracket of the level too many */
      g_assert_cmpuint (offset, ==, (objects ? 5 : 1) * RC_JSON_MAX_DEPTH);
      g_clear_error (&error);
    }

  /* A megabyte of '[' must not exhaust the stack. */
  memset (huge, '[', huge_len);
  g_assert_null (rc_json_parse_strict (huge, huge_len, &offset, &error));
  g_assert_error (error, RC_JSON_ERROR, RC_JSON_ERROR_INVALID);
  g_assert_cmpuint (offset, ==, RC_JSON_MAX_DEPTH);
}

/* ---- Writer ------------------------------------------------------------- */

static char *
write_string (const char *s)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, s);
  return rc_json_to_string (node);
}

static char *
write_double (double v)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_double (node, v);
  return rc_json_to_string (node);
}

static void
test_write_strings (void)
{
  g_autofree char *special = write_string ("\"\\\b\f\n\r\t\x01\x1f\x7f/é😀");
  g_autofree char *empty = write_string ("");
  g_autoptr(JsonNode) back = parse_strict (special);

  g_assert_cmpstr (special, ==,
                   "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/é😀\"");
  g_assert_cmpstr (empty, ==, "\"\"");
  g_assert_cmpstr (json_node_get_string (back), ==,
                   "\"\\\b\f\n\r\t\x01\x1f\x7f/é😀");
}

/* Every ASCII character alone: the short escapes, \u00XX for the other
 * control characters, everything else (DEL and '/' too) as itself. */
static void
test_write_ascii (void)
{
  static const char short_escapes[] = "\"\"\\\\\bb\ff\nn\rr\tt";

  for (int c = 1; c < 0x80; c++)
    {
      char s[2] = { (char) c, '\0' };
      g_autofree char *out = write_string (s);
      g_autofree char *want = NULL;
      const char *esc = strchr (short_escapes, c);
      g_autoptr(JsonNode) back = NULL;

      if (esc != NULL && (esc - short_escapes) % 2 == 0)
        want = g_strdup_printf ("\"\\%c\"", esc[1]);
      else if (c < 0x20)
        want = g_strdup_printf ("\"\\u%04x\"", (guint) c);
      else
        want = g_strdup_printf ("\"%c\"", c);
      g_assert_cmpstr (out, ==, want);
      back = parse_strict (out);
      g_assert_cmpstr (json_node_get_string (back), ==, s);
    }
}

/* Doubles print as JavaScript would (shortest form that reads back the
 * same), always parse back to the same double, and never as json-glib 1.6's
 * invalid "1e+22.0". */
static void
test_write_doubles (void)
{
  static const struct {
    double v;
    const char *text;
  } cases[] = {
    { 0.1, "0.1" },
    { 1.0, "1.0" },
    { -0.0, "-0.0" },
    { 1.5, "1.5" },
    { 1e22, "1e+22" },
    { 1e-7, "1e-07" },
    { 0.30000000000000004, "0.30000000000000004" },
    { 123456789.125, "123456789.125" },
  };
  static const double round_trips[] = {
    G_MAXDOUBLE, -G_MAXDOUBLE, G_MINDOUBLE, 4.9406564584124654e-324, 1e300,
    1e-300, 2.0 / 3.0, 9007199254740993.0, -1e17, 3.14159265358979,
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = write_double (cases[i].v);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (round_trips); i++)
    {
      g_autofree char *text = write_double (round_trips[i]);
      g_autoptr(JsonNode) value = parse_strict (text);

      g_assert_cmpint (json_node_get_value_type (value), ==, G_TYPE_DOUBLE);
      g_assert_true (json_node_get_double (value) == round_trips[i]);
    }
  {
    g_autofree char *inf = write_double (INFINITY);
    g_autofree char *nan = write_double (NAN);

    g_assert_cmpstr (inf, ==, "null");
    g_assert_cmpstr (nan, ==, "null");
  }
}

/* A double that looks whole gets ".0", so that it parses back as a double;
 * -0.0 keeps its sign. */
static void
test_write_whole_doubles (void)
{
  static const struct {
    double v;
    const char *text;
  } cases[] = {
    { 0.0, "0.0" }, { -2.0, "-2.0" }, { 100.0, "100.0" },
    { 123456789012345.0, "123456789012345.0" },
    { 9007199254740992.0, "9007199254740992.0" },
    { 1e15, "1e+15" }, { -1e21, "-1e+21" },
  };
  g_autoptr(JsonNode) negative_zero = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = write_double (cases[i].v);
      g_autoptr(JsonNode) back = parse_strict (text);

      g_assert_cmpstr (text, ==, cases[i].text);
      g_assert_cmpint (json_node_get_value_type (back), ==, G_TYPE_DOUBLE);
      g_assert_true (json_node_get_double (back) == cases[i].v);
    }
  negative_zero = parse_strict ("-0.0");
  g_assert_true (signbit (json_node_get_double (negative_zero)));
}

/* Infinities and NaN become null, as with JSON.stringify(), wherever they
 * are. */
static void
test_write_non_finite (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *minus_inf = write_double (-INFINITY);

  json_builder_begin_array (builder);
  json_builder_add_double_value (builder, INFINITY);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "nan");
  json_builder_add_double_value (builder, NAN);
  json_builder_end_object (builder);
  json_builder_add_double_value (builder, 1.0);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  text = rc_json_to_string (root);

  g_assert_cmpstr (minus_inf, ==, "null");
  g_assert_cmpstr (text, ==, "[null,{\"nan\":null},1.0]");
}

static void
test_write_scalars (void)
{
  static const gint64 ints[] = { 0, 1, -1, G_MAXINT64, G_MININT64 };
  g_autoptr(JsonNode) null_node = json_node_new (JSON_NODE_NULL);
  g_autoptr(JsonNode) yes = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonNode) no = json_node_new (JSON_NODE_VALUE);
  g_autofree char *null_text = rc_json_to_string (null_node);
  g_autofree char *no_node = rc_json_to_string (NULL);
  g_autofree char *yes_text = NULL;
  g_autofree char *no_text = NULL;

  json_node_set_boolean (yes, TRUE);
  json_node_set_boolean (no, FALSE);
  yes_text = rc_json_to_string (yes);
  no_text = rc_json_to_string (no);
  g_assert_cmpstr (null_text, ==, "null");
  g_assert_cmpstr (no_node, ==, "null");
  g_assert_cmpstr (yes_text, ==, "true");
  g_assert_cmpstr (no_text, ==, "false");
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
      g_autofree char *text = NULL;
      g_autofree char *want = g_strdup_printf ("%" G_GINT64_FORMAT, ints[i]);

      json_node_set_int (node, ints[i]);
      text = rc_json_to_string (node);
      g_assert_cmpstr (text, ==, want);
    }
}

/* Compact, members in insertion order, names escaped like strings; and
 * rc_json_write() appends to what the GString already holds. */
static void
test_write_nested (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GString) out = g_string_new ("x=");
  const char *want =
    "{\"z\":1,\"a\":[2.0,null,true,{},[[]],{\"\":\"\"}],\"s\\\"q\\n\":\"x\"}";

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "z");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "a");
  json_builder_begin_array (builder);
  json_builder_add_double_value (builder, 2.0);
  json_builder_add_null_value (builder);
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  json_builder_begin_array (builder);
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  json_builder_end_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "");
  json_builder_add_string_value (builder, "");
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "s\"q\n");
  json_builder_add_string_value (builder, "x");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  rc_json_write (out, root);
  g_assert_cmpstr (out->str + 2, ==, want);
  g_assert_true (g_str_has_prefix (out->str, "x="));
  rc_json_write (out, NULL);
  g_assert_true (g_str_has_suffix (out->str, "}null"));
  {
    g_autoptr(JsonNode) back = parse_strict (want);

    g_assert_true (json_node_equal (back, root));
  }
}

/* ---- Round trip over random trees --------------------------------------- */

#define TREE_SEED 0x7e57a11u
#define TREE_ROUNDS 3000

typedef struct {
  GRand *rand;
  guint budget;    /* nodes left for this tree */
  guint max_depth; /* containers may nest this deep (<= RC_JSON_MAX_DEPTH) */
  gboolean dense;  /* every node that may be a container is one */
  guint deepest;   /* deepest nesting generated so far */
} TreeGen;

static gint64
random_int (GRand *rand)
{
  switch (g_rand_int_range (rand, 0, 4))
    {
    case 0:
      return g_rand_int_range (rand, -1000, 1001);
    case 1:
      return g_rand_boolean (rand) ? G_MAXINT64 : G_MININT64;
    default:
      return (gint64) (((guint64) g_rand_int (rand) << 32) | g_rand_int (rand));
    }
}

static double
random_double (GRand *rand)
{
  static const double specials[] = {
    0.1, 0.0, -0.0, 1e22, 1e-7, 4.9406564584124654e-324, G_MAXDOUBLE,
    -G_MINDOUBLE, 0.30000000000000004, 2.0 / 3.0, 9007199254740993.0,
  };
  double v;

  switch (g_rand_int_range (rand, 0, 5))
    {
    case 0:
      return specials[g_rand_int_range (rand, 0, G_N_ELEMENTS (specials))];
    case 1: /* whole: written with ".0" */
      return (double) g_rand_int_range (rand, -1000000, 1000001);
    case 2:
      return g_rand_double_range (rand, -1000.0, 1000.0);
    case 3:
      return g_rand_double (rand) * pow (10.0, g_rand_int_range (rand, -300, 300));
    default: /* any finite bit pattern, subnormals included */
      do
        {
          guint64 bits = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);

          memcpy (&v, &bits, sizeof v);
        }
      while (!isfinite (v));
      return v;
    }
}

/* Up to 10 characters from all over Unicode, weighted towards those the
 * writer escapes; never U+0000 or a surrogate. */
static char *
random_string (GRand *rand)
{
  static const char specials[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f";
  GString *s = g_string_new (NULL);
  guint len = (guint) g_rand_int_range (rand, 0, 11);

  for (guint i = 0; i < len; i++)
    {
      gunichar c;

      switch (g_rand_int_range (rand, 0, 6))
        {
        case 0:
          c = (guchar) specials[g_rand_int_range (rand, 0, sizeof specials - 1)];
          break;
        case 1:
          c = (gunichar) g_rand_int_range (rand, 1, 0x20);
          break;
        case 2:
          c = (gunichar) g_rand_int_range (rand, 0x20, 0x80);
          break;
        case 3:
          c = (gunichar) g_rand_int_range (rand, 0x80, 0x800);
          break;
        case 4:
          do
            c = (gunichar) g_rand_int_range (rand, 0x800, 0x10000);
          while (c >= 0xD800 && c <= 0xDFFF);
          break;
        default:
          c = (gunichar) g_rand_int_range (rand, 0x10000, 0x110000);
          break;
        }
      g_string_append_unichar (s, c);
    }
  return g_string_free (s, FALSE);
}

static JsonNode *
random_scalar (GRand *rand)
{
  JsonNode *node;

  switch (g_rand_int_range (rand, 0, 5))
    {
    case 0:
      return json_node_new (JSON_NODE_NULL);
    case 1:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, g_rand_boolean (rand));
      return node;
    case 2:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (node, random_int (rand));
      return node;
    case 3:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_double (node, random_double (rand));
      return node;
    default:
      {
        g_autofree char *s = random_string (rand);

        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_string (node, s);
        return node;
      }
    }
}

/* A value inside @depth containers. */
static JsonNode *
random_node (TreeGen *g, guint depth)
{
  gboolean may_nest = depth < g->max_depth && g->budget > 0;
  gboolean is_object = g_rand_boolean (g->rand);
  guint n = (guint) g_rand_int_range (g->rand, 0, 5);
  JsonNode *node;

  if (g->budget > 0)
    g->budget--;
  if (!may_nest || (!g->dense && g_rand_int_range (g->rand, 0, 3) != 0))
    return random_scalar (g->rand);

  g->deepest = MAX (g->deepest, depth + 1);
  node = json_node_new (is_object ? JSON_NODE_OBJECT : JSON_NODE_ARRAY);
  if (is_object)
    {
      JsonObject *object = json_object_new ();

      for (guint i = 0; i < n && g->budget > 0; i++)
        {
          g_autofree char *name = random_string (g->rand);

          json_object_set_member (object, name, random_node (g, depth + 1));
        }
      json_node_take_object (node, object);
    }
  else
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < n && g->budget > 0; i++)
        json_array_add_element (array, random_node (g, depth + 1));
      json_node_take_array (node, array);
    }
  return node;
}

static void
test_round_trip_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (TREE_SEED);
  TreeGen g = { .rand = rand };
  guint deepest_trees = 0;

  for (guint i = 0; i < TREE_ROUNDS; i++)
    {
      g_autoptr(JsonNode) tree = NULL;
      g_autoptr(JsonNode) parsed = NULL;
      g_autofree char *text = NULL;
      g_autofree char *again = NULL;

      g.budget = (guint) g_rand_int_range (rand, 1, 81);
      g.dense = g_rand_int_range (rand, 0, 8) == 0;
      g.max_depth = g.dense && g_rand_boolean (rand)
        ? RC_JSON_MAX_DEPTH
        : (guint) g_rand_int_range (rand, 0, RC_JSON_MAX_DEPTH + 1);
      g.deepest = 0;
      tree = random_node (&g, 0);
      if (g.deepest == RC_JSON_MAX_DEPTH)
        deepest_trees++;

      text = rc_json_to_string (tree);
      parsed = parse_strict (text);
      again = rc_json_to_string (parsed);
      g_assert_cmpstr (again, ==, text);
      /* and the very same values, not only the same text */
      g_assert_true (json_node_equal (parsed, tree));
    }
  g_test_message ("round trip: seed 0x%x, %u trees, %u as deep as allowed",
                  TREE_SEED, TREE_ROUNDS, deepest_trees);
  /* the limit itself must be exercised */
  g_assert_cmpuint (deepest_trees, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json-text/parse/valid", test_parse_valid);
  g_test_add_func ("/json-text/parse/length", test_parse_length);
  g_test_add_func ("/json-text/parse/nullable-out", test_parse_nullable_out);
  g_test_add_func ("/json-text/parse/invalid", test_parse_invalid);
  g_test_add_func ("/json-text/parse/depth-limit", test_parse_depth_limit);
  g_test_add_func ("/json-text/write/strings", test_write_strings);
  g_test_add_func ("/json-text/write/ascii", test_write_ascii);
  g_test_add_func ("/json-text/write/doubles", test_write_doubles);
  g_test_add_func ("/json-text/write/whole-doubles", test_write_whole_doubles);
  g_test_add_func ("/json-text/write/non-finite", test_write_non_finite);
  g_test_add_func ("/json-text/write/scalars", test_write_scalars);
  g_test_add_func ("/json-text/write/nested", test_write_nested);
  g_test_add_func ("/json-text/round-trip/random", test_round_trip_random);

  return g_test_run ();
}
