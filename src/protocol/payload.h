/* roomcast: validation of client event payloads.
 *
 * Every client event carries (at most) one JSON object. These helpers read one
 * field each and fail with RC_ERROR_INVALID_PAYLOAD and a message naming the
 * field ("field 'text' must be a string"). Unknown fields are ignored; a
 * JSON null counts as absent. Nothing here trusts the input: any JSON value
 * in any field gives either a value or an error, never a crash.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  RC_FIELD_OPTIONAL = 0,
  RC_FIELD_REQUIRED = 1 << 0,
} RcFieldFlags;

/* The payload object of an event: the first argument. No argument or null
 * gives an empty object (events such as seat:leave need no fields); any other
 * non-object is invalid_payload. Returns a new reference. */
JsonObject *rc_payload_object (JsonArray *args, GError **error);

/* A string, trimmed of Unicode white space at both ends, whose length in
 * characters (not bytes) after trimming is within [@min_chars, @max_chars].
 * Absent optional field: TRUE with *@out = NULL. */
gboolean rc_payload_get_string (JsonObject *object, const char *field, RcFieldFlags flags,
                                guint min_chars, guint max_chars, char **out, GError **error);

/* An integer within [@min, @max]. Integral doubles (3.0) are accepted; other
 * numbers, strings and booleans are not. Absent optional field: *@out =
 * @default_value. */
gboolean rc_payload_get_int (JsonObject *object, const char *field, RcFieldFlags flags,
                             gint64 min, gint64 max, gint64 default_value, gint64 *out,
                             GError **error);

/* A JSON boolean. Absent optional field: *@out = @default_value. */
gboolean rc_payload_get_bool (JsonObject *object, const char *field, RcFieldFlags flags,
                              gboolean default_value, gboolean *out, GError **error);

/* A UUID in its canonical 8-4-4-4-12 hex form, returned lower-cased. */
gboolean rc_payload_get_uuid (JsonObject *object, const char *field, RcFieldFlags flags,
                              char **out, GError **error);

/* A user id: a non-negative integer (Laravel's ids arrive as numbers) or a
 * string of 1-64 printable ASCII characters without spaces. Returned as a
 * string ("12345"). */
gboolean rc_payload_get_user_id (JsonObject *object, const char *field, RcFieldFlags flags,
                                 char **out, GError **error);

/* TRUE if @text is a canonical UUID (any version, either case). */
gboolean rc_is_uuid (const char *text);

/* A newly allocated copy of @text without leading and trailing Unicode white
 * space. @text must be valid UTF-8. */
char *rc_utf8_trim (const char *text);

G_END_DECLS
