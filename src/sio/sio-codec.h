/* roomcast: Engine.IO v4 / Socket.IO v5 packet codec.
 *
 * Pure functions over strings: no sockets, no main loop. The session
 * (sio-socket.c) feeds every Engine.IO packet its transport received to
 * rc_eio_decode() and, for MESSAGE packets, the payload to rc_sio_decode().
 * Binary attachments are not supported (our clients never send them) and
 * are refused with RC_SIO_ERROR_UNSUPPORTED.
 *
 * The JSON in a packet is checked against RFC 8259 before json-glib sees it:
 * json-glib 1.6 alone accepts comments, single quotes, hex numbers and a
 * second value after the first, and silently wraps integers that overflow.
 * Besides strict syntax we refuse what json-glib cannot represent faithfully:
 * integers outside 64 bits, numbers that overflow a double, "\u0000" in a
 * string, and nesting deeper than RC_SIO_MAX_JSON_DEPTH. The encoders write
 * JSON themselves (compact, shortest round-trip doubles) because json-glib
 * 1.6's generator prints e.g. 1e22 as the invalid "1e+22.0".
 *
 * Wire format reminders (https://socket.io/docs/v4/socket-io-protocol/):
 *   Engine.IO frame:  <type digit>[payload]            "2" ping, "3" pong, "4..." message
 *   Socket.IO packet: <type>[<nsp>,][<ack id>][<json>]  e.g. 42["ev",1]  42/chat,7["ev"]
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "json/json-text.h"

G_BEGIN_DECLS

typedef enum {
  RC_EIO_OPEN = 0,
  RC_EIO_CLOSE = 1,
  RC_EIO_PING = 2,
  RC_EIO_PONG = 3,
  RC_EIO_MESSAGE = 4,
  RC_EIO_UPGRADE = 5,
  RC_EIO_NOOP = 6,
} RcEioType;

typedef enum {
  RC_SIO_CONNECT = 0,
  RC_SIO_DISCONNECT = 1,
  RC_SIO_EVENT = 2,
  RC_SIO_ACK = 3,
  RC_SIO_CONNECT_ERROR = 4,
  RC_SIO_BINARY_EVENT = 5,
  RC_SIO_BINARY_ACK = 6,
} RcSioType;

#define RC_SIO_ERROR (rc_sio_error_quark ())
GQuark rc_sio_error_quark (void);

/* Largest ack id: ids are JavaScript numbers on the client side. */
#define RC_SIO_MAX_ACK_ID G_GINT64_CONSTANT (9007199254740991) /* 2^53 - 1 */
/* Longest namespace in bytes, including the leading '/'. */
#define RC_SIO_MAX_NSP_LEN 256
/* Deepest accepted nesting of JSON arrays/objects in a packet's data. */
#define RC_SIO_MAX_JSON_DEPTH RC_JSON_MAX_DEPTH

typedef enum {
  RC_SIO_ERROR_MALFORMED,   /* not a valid packet */
  RC_SIO_ERROR_UNSUPPORTED, /* valid but not supported (binary attachments) */
  /* A valid packet whose JSON holds a value json-glib cannot (an integer
   * beyond 64 bits, "\u0000", a lone surrogate): rc_sio_decode_header()
   * still gives what is needed to answer it. */
  RC_SIO_ERROR_UNSUPPORTED_VALUE,
} RcSioError;

/* One decoded Socket.IO packet. */
typedef struct {
  RcSioType type;
  char *nsp;      /* namespace, "/" when absent; never NULL */
  gint64 id;      /* ack id, or -1 when absent */
  JsonNode *data; /* payload or NULL. EVENT/ACK: an array (EVENT: first item is
                     * the event name, a non-reserved string). CONNECT: an object
                     * or NULL. CONNECT_ERROR: object. DISCONNECT: NULL. */
} RcSioPacket;

/* @nsp NULL means "/". No validation here: rc_sio_encode_frame() checks. */
RcSioPacket *rc_sio_packet_new (RcSioType type, const char *nsp, gint64 id,
                                JsonNode *data /* transfer full, nullable */);
void rc_sio_packet_free (RcSioPacket *packet);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcSioPacket, rc_sio_packet_free)

/* Engine.IO: split a text frame into its type and payload (payload points
 * into @frame, @payload_len bytes). Fails on an empty frame or an unknown type
 * digit. */
gboolean rc_eio_decode (const char *frame, gsize len, RcEioType *type, const char **payload,
                        gsize *payload_len, GError **error);

/* Socket.IO: decode the payload of an Engine.IO MESSAGE frame. Validates the
 * shape rules of the protocol: an EVENT's data is a non-empty array whose first
 * item is a string that is not a reserved name ("connect", "connect_error",
 * "disconnect", "disconnecting", "newListener", "removeListener"); an ACK's data
 * is an array; CONNECT data is absent or an object; CONNECT_ERROR data is an
 * object; DISCONNECT has no data. Ack ids are decimal, fit in 53 bits, and
 * appear only on EVENT (optional) and ACK (required). Namespaces start with
 * '/', are at most RC_SIO_MAX_NSP_LEN bytes and hold no control characters;
 * like the reference parser we accept one that runs to the end of the packet
 * without its ','. The JSON must be RFC 8259 JSON (see above) and nothing may
 * follow it. Input with NUL bytes or invalid UTF-8 is refused. Binary types
 * give RC_SIO_ERROR_UNSUPPORTED, everything else RC_SIO_ERROR_MALFORMED with a
 * message naming the problem. Never crashes on any input (it is fuzzed). */
RcSioPacket *rc_sio_decode (const char *payload, gsize len, GError **error);

/* Only the type, namespace (transfer full) and ack id (-1: none) of a
 * packet, whatever its data: for answering one that rc_sio_decode() refused
 * with RC_SIO_ERROR_UNSUPPORTED_VALUE. FALSE if even those are malformed. */
gboolean rc_sio_decode_header (const char *payload, gsize len, RcSioType *type, char **nsp,
                               gint64 *id);

/* Encode a packet as the complete Engine.IO text frame ("4" + Socket.IO
 * packet), ready to send on the WebSocket. The "/" namespace is omitted.
 * A packet that rc_sio_decode() would refuse (reserved event name, ACK
 * without id, binary type, bad namespace...) is a programming error: it
 * raises a critical and returns NULL. Non-finite doubles are written as null,
 * as JSON.stringify() does. */
char *rc_sio_encode_frame (const RcSioPacket *packet);

/* Convenience encoders for the common frames; all return a complete
 * Engine.IO text frame. @nsp NULL means "/"; @ack_id -1 means none (the ACK
 * needs one); @args may be NULL (no arguments) and is not modified. */
char *rc_sio_encode_event (const char *nsp, gint64 ack_id, const char *event, JsonArray *args);
char *rc_sio_encode_ack (const char *nsp, gint64 ack_id, JsonArray *args);

/* Engine.IO open packet, exactly: 0{"sid":…,"upgrades":[],"pingInterval":…,
 * "pingTimeout":…,"maxPayload":…} (@sid is JSON-escaped); "upgrades" is
 * ["websocket"] with @upgrade_to_websocket (a session opened by polling). */
char *rc_eio_encode_open (const char *sid, gboolean upgrade_to_websocket,
                          guint ping_interval_ms, guint ping_timeout_ms, guint64 max_payload);

G_END_DECLS
