/* roomcast: helpers shared by the codec and JSON unit tests
 * (test-sio-codec.c, test-sio-codec-fuzz.c, test-json-text.c). */
#pragma once

#include "sio/sio-codec.h"

G_BEGIN_DECLS

/* Printable form of arbitrary bytes, for failure messages. */
char *show (const char *bytes, gsize len);

/* Parses @text with json-glib (lenient: for expected values only); fails
 * the test when that is impossible. */
JsonNode *json_parse (const char *text);

/* json_node_equal() that also takes NULLs (equal only to each other). */
gboolean json_equal0 (JsonNode *a, JsonNode *b);

/* Same packet: same fields, and the same encoding (json_node_equal() alone
 * would call 1 and 1.0 equal). */
gboolean packets_equal (const RcSioPacket *a, const RcSioPacket *b);

/* Decodes an Engine.IO MESSAGE frame down to its Socket.IO packet. */
RcSioPacket *decode_frame (const char *frame, GError **error);

G_END_DECLS
