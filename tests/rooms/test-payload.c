/* roomcast: error table and payload validation tests. */
#include <glib.h>
#include <string.h>

#include "protocol/errors.h"
#include "protocol/payload.h"

static JsonObject *
object_from (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_error_table (void)
{
  static const char *expected[] = {
    "unauthenticated", "forbidden", "invalid_payload", "not_in_room", "room_full",
    "server_full", "room_closed", "seat_taken", "seat_locked", "invalid_seat", "not_seated",
    "already_seated", "rate_limited", "banned", "not_found", "unknown_event", "internal",
    "gift_unavailable", "room_not_found", "room_elsewhere",
  };
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) foreign = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "socket 3 died");
  g_autoptr(GError) own = NULL;

  g_assert_cmpuint (G_N_ELEMENTS (expected), ==, RC_ERROR_N_CODES);
  for (int code = 0; code < RC_ERROR_N_CODES; code++)
    {
      g_assert_cmpstr (rc_error_code_name (code), ==, expected[code]);
      g_assert_nonnull (rc_error_default_message (code));
      g_assert_cmpuint (strlen (rc_error_default_message (code)), >, 0);
      g_assert_true (g_hash_table_add (seen, (gpointer) rc_error_code_name (code)));
    }
  g_assert_cmpstr (rc_error_code_name (999), ==, "internal");

  /* Other layers' errors never leak their details to clients. */
  g_assert_cmpstr (rc_error_wire_code (foreign), ==, "internal");
  g_assert_cmpstr (rc_error_wire_message (foreign), ==, "Internal server error");
  rc_error_set_printf (&own, RC_ERROR_SEAT_TAKEN, "Seat %d is taken", 3);
  g_assert_cmpstr (rc_error_wire_code (own), ==, "seat_taken");
  g_assert_cmpstr (rc_error_wire_message (own), ==, "Seat 3 is taken");
}

static void
test_payload_object (void)
{
  g_autoptr(JsonArray) empty = json_array_new ();
  g_autoptr(JsonArray) with_null = json_array_new ();
  g_autoptr(JsonArray) with_string = json_array_new ();
  g_autoptr(JsonArray) with_object = json_array_new ();
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  json_array_add_null_element (with_null);
  json_array_add_string_element (with_string, "hi");
  json_array_add_object_element (with_object, object_from ("{\"a\":1}"));

  object = rc_payload_object (empty, NULL);
  g_assert_cmpuint (json_object_get_size (object), ==, 0);
  g_clear_pointer (&object, json_object_unref);
  object = rc_payload_object (with_null, NULL);
  g_assert_cmpuint (json_object_get_size (object), ==, 0);
  g_clear_pointer (&object, json_object_unref);
  object = rc_payload_object (with_object, NULL);
  g_assert_true (json_object_has_member (object, "a"));
  g_clear_pointer (&object, json_object_unref);
  object = rc_payload_object (NULL, NULL);
  g_assert_nonnull (object);

  g_assert_null (rc_payload_object (with_string, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
}

static void
test_payload_string (void)
{
  g_autoptr(JsonObject) object =
    object_from ("{\"text\":\"  \\u3000hello\\u00a0 \\n\", \"n\":5, \"blank\":\"   \","
                 "\"long\":\"\\u00e9\\u00e9\\u00e9\", \"nul\":null, \"extra\":[1,2]}");
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  /* Unicode white space (ideographic space, NBSP) is trimmed too. */
  g_assert_true (rc_payload_get_string (object, "text", RC_FIELD_REQUIRED, 1, 500, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "hello");
  g_clear_pointer (&value, g_free);

  /* Lengths count characters, not bytes: 3 x é is 6 bytes. */
  g_assert_true (rc_payload_get_string (object, "long", RC_FIELD_REQUIRED, 1, 3, &value, NULL));
  g_assert_cmpstr (value, ==, "\xc3\xa9\xc3\xa9\xc3\xa9");
  g_clear_pointer (&value, g_free);
  g_assert_false (rc_payload_get_string (object, "long", RC_FIELD_REQUIRED, 1, 2, &value, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
  g_assert_nonnull (strstr (error->message, "'long'"));
  g_clear_error (&error);

  /* Only spaces is empty after trimming. */
  g_assert_false (rc_payload_get_string (object, "blank", RC_FIELD_REQUIRED, 1, 10, &value, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
  g_clear_error (&error);

  /* Wrong type names the field. */
  g_assert_false (rc_payload_get_string (object, "n", RC_FIELD_REQUIRED, 0, 10, &value, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
  g_assert_cmpstr (error->message, ==, "field 'n' must be a string");
  g_clear_error (&error);
  g_assert_false (rc_payload_get_string (object, "extra", RC_FIELD_OPTIONAL, 0, 10, &value, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
  g_clear_error (&error);

  /* Missing: required fails, optional (or null) gives NULL. */
  g_assert_false (rc_payload_get_string (object, "missing", RC_FIELD_REQUIRED, 0, 10, &value, &error));
  g_assert_cmpstr (error->message, ==, "field 'missing' is required");
  g_clear_error (&error);
  g_assert_true (rc_payload_get_string (object, "missing", RC_FIELD_OPTIONAL, 1, 10, &value, &error));
  g_assert_null (value);
  g_assert_true (rc_payload_get_string (object, "nul", RC_FIELD_OPTIONAL, 1, 10, &value, &error));
  g_assert_null (value);
  g_assert_no_error (error);
}

static void
test_payload_int_bool (void)
{
  g_autoptr(JsonObject) object =
    object_from ("{\"i\":7, \"d\":3.0, \"f\":2.5, \"neg\":-4, \"s\":\"7\", \"b\":true,"
                 "\"big\":1e300, \"huge\":9223372036854775807}");
  g_autoptr(GError) error = NULL;
  gint64 value = 0;
  gboolean flag = FALSE;

  g_assert_true (rc_payload_get_int (object, "i", RC_FIELD_REQUIRED, 0, 10, 0, &value, NULL));
  g_assert_cmpint (value, ==, 7);
  g_assert_true (rc_payload_get_int (object, "d", RC_FIELD_REQUIRED, 0, 10, 0, &value, NULL));
  g_assert_cmpint (value, ==, 3);
  g_assert_true (rc_payload_get_int (object, "missing", RC_FIELD_OPTIONAL, 0, 10, 42, &value, NULL));
  g_assert_cmpint (value, ==, 42);

  const char *bad[] = { "f", "s", "b", "big" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (rc_payload_get_int (object, bad[i], RC_FIELD_REQUIRED, 0, 10, 0, &value, &error));
      g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
      g_assert_nonnull (strstr (error->message, "must be an integer"));
      g_clear_error (&error);
    }
  g_assert_false (rc_payload_get_int (object, "neg", RC_FIELD_REQUIRED, 0, 10, 0, &value, &error));
  g_assert_cmpstr (error->message, ==, "field 'neg' must be between 0 and 10");
  g_clear_error (&error);
  g_assert_false (rc_payload_get_int (object, "huge", RC_FIELD_REQUIRED, 0, G_MAXINT32, 0, &value, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
  g_clear_error (&error);

  g_assert_true (rc_payload_get_bool (object, "b", RC_FIELD_REQUIRED, FALSE, &flag, NULL));
  g_assert_true (flag);
  g_assert_true (rc_payload_get_bool (object, "missing", RC_FIELD_OPTIONAL, TRUE, &flag, NULL));
  g_assert_true (flag);
  g_assert_false (rc_payload_get_bool (object, "i", RC_FIELD_REQUIRED, FALSE, &flag, &error));
  g_assert_cmpstr (error->message, ==, "field 'i' must be a boolean");
}

static void
test_payload_ids (void)
{
  g_autoptr(JsonObject) object =
    object_from ("{\"room\":\"550E8400-E29B-41D4-A716-446655440000\", \"bad\":\"550e8400e29b41d4\","
                 "\"uid\":12345, \"sid\":\"user-7\", \"spaced\":\"a b\", \"negative\":-1,"
                 "\"frac\":1.5, \"obj\":{}}");
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  g_assert_true (rc_is_uuid ("550e8400-e29b-41d4-a716-446655440000"));
  g_assert_false (rc_is_uuid ("550e8400-e29b-41d4-a716-44665544000"));
  g_assert_false (rc_is_uuid ("550e8400-e29b-41d4-a716_446655440000"));
  g_assert_false (rc_is_uuid ("g50e8400-e29b-41d4-a716-446655440000"));
  g_assert_false (rc_is_uuid (NULL));

  g_assert_true (rc_payload_get_uuid (object, "room", RC_FIELD_REQUIRED, &value, NULL));
  g_assert_cmpstr (value, ==, "550e8400-e29b-41d4-a716-446655440000");
  g_clear_pointer (&value, g_free);
  g_assert_false (rc_payload_get_uuid (object, "bad", RC_FIELD_REQUIRED, &value, &error));
  g_assert_cmpstr (error->message, ==, "field 'bad' must be a UUID");
  g_clear_error (&error);

  g_assert_true (rc_payload_get_user_id (object, "uid", RC_FIELD_REQUIRED, &value, NULL));
  g_assert_cmpstr (value, ==, "12345");
  g_clear_pointer (&value, g_free);
  g_assert_true (rc_payload_get_user_id (object, "sid", RC_FIELD_REQUIRED, &value, NULL));
  g_assert_cmpstr (value, ==, "user-7");
  g_clear_pointer (&value, g_free);
  const char *bad[] = { "spaced", "negative", "frac", "obj" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (rc_payload_get_user_id (object, bad[i], RC_FIELD_REQUIRED, &value, &error));
      g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
      g_assert_null (value);
      g_clear_error (&error);
    }
}

static void
test_utf8_trim (void)
{
  const char *cases[][2] = {
    { "", "" }, { "   ", "" }, { "a", "a" }, { " a b ", "a b" },
    { "\t\n\xe3\x80\x80x\xc2\xa0", "x" }, { "\xc3\xa9 ", "\xc3\xa9" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *trimmed = rc_utf8_trim (cases[i][0]);
      g_assert_cmpstr (trimmed, ==, cases[i][1]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rooms/errors/table", test_error_table);
  g_test_add_func ("/rooms/payload/object", test_payload_object);
  g_test_add_func ("/rooms/payload/string", test_payload_string);
  g_test_add_func ("/rooms/payload/int-bool", test_payload_int_bool);
  g_test_add_func ("/rooms/payload/ids", test_payload_ids);
  g_test_add_func ("/rooms/payload/utf8-trim", test_utf8_trim);
  return g_test_run ();
}
