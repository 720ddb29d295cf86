/* roomcast: JSON text in and out, exactly.
 *
 * json-glib 1.6 is lenient when parsing (comments, 'quotes', 0x10, a second
 * top-level value silently ignored) and lossy (integer overflow wraps,
 * "\u0000" cuts a string, 1e999 becomes inf), and its generator writes
 * 1e22 as "1e+22.0". Every JSON text from outside (Socket.IO frames, HTTP
 * bodies, Redis values) is parsed with rc_json_parse_strict() and every
 * JSON we send is written with rc_json_write().
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RC_JSON_ERROR (rc_json_error_quark ())
GQuark rc_json_error_quark (void);

typedef enum {
  RC_JSON_ERROR_INVALID,     /* not RFC 8259 JSON, or not UTF-8, or a NUL byte */
  RC_JSON_ERROR_UNSUPPORTED, /* valid JSON with a value json-glib cannot hold */
} RcJsonError;

/* Deepest nesting accepted; also bounds json-glib's recursion. */
#define RC_JSON_MAX_DEPTH 32

/* Parse @len bytes as exactly one RFC 8259 JSON text (surrounding
 * whitespace allowed). Refuses what json-glib cannot hold faithfully:
 * integers beyond 64 bits (JSON.stringify (1e20) writes one), numbers beyond
 * a double, "\u0000" and unpaired surrogates, with RC_JSON_ERROR_UNSUPPORTED
 * when the text is otherwise valid JSON (a caller can then answer the
 * message instead of treating it as garbage). On failure *@error_offset (nullable) is the byte offset of the
 * problem and @error says what it is. */
JsonNode *rc_json_parse_strict (const char *text, gsize len, gsize *error_offset,
                                GError **error);

/* Append @node as compact JSON (NULL writes null). Doubles use the shortest
 * form that reads back exactly; infinities and NaN become null, as with
 * JSON.stringify. */
void rc_json_write (GString *out, JsonNode *node);
char *rc_json_to_string (JsonNode *node);

/* A new object node that takes over the caller's reference to @object
 * (json_node_init_object() takes one of its own, which is how a
 * json_object_new() passed to it straight leaks). NULL makes an empty
 * object. */
JsonNode *rc_json_node_take_object (JsonObject *object);

/* The string member @name of @object (transfer none), or NULL when it is
 * missing or not a string (json_object_get_string_member() warns and
 * converts instead). */
const char *rc_json_object_get_string (JsonObject *object, const char *name);

G_END_DECLS
