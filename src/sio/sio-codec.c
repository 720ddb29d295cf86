/* roomcast: Engine.IO v4 / Socket.IO v5 packet codec; see sio-codec.h.
 *
 * Decoding is a short pipeline over the payload: text checks (non-empty,
 * no NUL, UTF-8), type digit, optional namespace, optional ack id, optional
 * JSON, then the shape rules of the packet type. The same shape rules guard
 * the encoder, so whatever we decode we can encode and vice versa.
 */
#include "sio/sio-codec.h"
#include "json/json-text.h"

#include <errno.h>
#include <math.h>
#include <string.h>

GQuark
rc_sio_error_quark (void)
{
  return g_quark_from_static_string ("rc-sio-error-quark");
}

static const char *const sio_type_names[] = {
  "CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK",
};

/* Event names the Socket.IO libraries use for themselves: a client emitting
 * one would confuse the listeners on the other side. */
static const char *const reserved_events[] = {
  "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

RcSioPacket *
rc_sio_packet_new (RcSioType type, const char *nsp, gint64 id, JsonNode *data)
{
  RcSioPacket *packet = g_new0 (RcSioPacket, 1);

  packet->type = type;
  packet->nsp = g_strdup (nsp != NULL ? nsp : "/");
  packet->id = id;
  packet->data = data;
  return packet;
}

void
rc_sio_packet_free (RcSioPacket *packet)
{
  if (packet == NULL)
    return;
  g_free (packet->nsp);
  g_clear_pointer (&packet->data, json_node_unref);
  g_free (packet);
}

/* ---- Engine.IO ---------------------------------------------------------- */

gboolean
rc_eio_decode (const char *frame, gsize len, RcEioType *type, const char **payload,
               gsize *payload_len, GError **error)
{
  g_return_val_if_fail (frame != NULL || len == 0, FALSE);
  g_return_val_if_fail (type != NULL && payload != NULL && payload_len != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len == 0) {
    g_set_error_literal (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED, "empty Engine.IO frame");
    return FALSE;
  }
  if (frame[0] < '0' || frame[0] > '6') {
    g_set_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED,
                 "unknown Engine.IO packet type (first byte 0x%02x)", (guchar) frame[0]);
    return FALSE;
  }
  *type = (RcEioType) (frame[0] - '0');
  *payload = frame + 1;
  *payload_len = len - 1;
  return TRUE;
}

/* Parses [p, end) as one JSON text. @packet is the start of the Socket.IO
 * packet, so that error offsets count from there. */
static JsonNode *
parse_json (const char *packet, const char *p, const char *end, GError **error)
{
  g_autoptr (GError) json_error = NULL;
  gsize offset = 0;
  JsonNode *node = rc_json_parse_strict (p, end - p, &offset, &json_error);

  if (node == NULL && g_error_matches (json_error, RC_JSON_ERROR, RC_JSON_ERROR_UNSUPPORTED))
    g_set_error (error, RC_SIO_ERROR, RC_SIO_ERROR_UNSUPPORTED_VALUE,
                 "unsupported JSON value at byte %" G_GSIZE_FORMAT " of the packet: %s",
                 (gsize) (p - packet) + offset, json_error->message);
  else if (node == NULL)
    g_set_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED,
                 "invalid JSON at byte %" G_GSIZE_FORMAT " of the packet: %s",
                 (gsize) (p - packet) + offset, json_error->message);
  return node;
}

/* ---- Shape rules, shared by the decoder and the encoder ----------------- */

static gboolean
malformed (GError **error, const char *problem)
{
  g_set_error_literal (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED, problem);
  return FALSE;
}

static gboolean
check_nsp (const char *nsp, gsize len, GError **error)
{
  const char *problem = NULL;

  if (len == 0 || nsp[0] != '/')
    problem = "namespace must start with '/'";
  else if (len > RC_SIO_MAX_NSP_LEN)
    problem = "namespace is longer than " G_STRINGIFY (RC_SIO_MAX_NSP_LEN) " bytes";
  else if (!g_utf8_validate (nsp, len, NULL))
    problem = "namespace is not valid UTF-8";
  else
    for (gsize i = 0; i < len && problem == NULL; i++) {
      /* ',' ends the namespace on the wire; control characters would
         * only ever serve to forge log lines. */
      if (nsp[i] == ',')
        problem = "namespace contains ','";
      else if ((guchar) nsp[i] < 0x20 || nsp[i] == 0x7f)
        problem = "namespace contains a control character";
    }
  return problem == NULL || malformed (error, problem);
}

static gboolean
is_reserved_event (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (reserved_events); i++)
    if (strcmp (name, reserved_events[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_json_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* EVENT data: ["name", args...] with a usable name. */
static gboolean
check_event (JsonNode *data, GError **error)
{
  JsonArray *array;
  JsonNode *name;

  if (data == NULL || !JSON_NODE_HOLDS_ARRAY (data))
    return malformed (error, "EVENT data must be a JSON array");
  array = json_node_get_array (data);
  if (json_array_get_length (array) == 0)
    return malformed (error, "EVENT data must not be an empty array");
  name = json_array_get_element (array, 0);
  if (!is_json_string (name))
    return malformed (error, "EVENT name (first array item) must be a string");
  if (is_reserved_event (json_node_get_string (name))) {
    g_set_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED,
                 "EVENT name \"%s\" is reserved by Socket.IO", json_node_get_string (name));
    return FALSE;
  }
  return TRUE;
}

/* Why a non-EVENT packet of @type cannot carry this ack id and data, or
 * NULL. Ack ids only mean something on EVENT (asks for an answer) and ACK
 * (the answer). */
static const char *
shape_problem (RcSioType type, gint64 id, JsonNode *data)
{
  switch (type) {
  case RC_SIO_CONNECT:
    if (data != NULL && !JSON_NODE_HOLDS_OBJECT (data))
      return "CONNECT data must be a JSON object";
    return id >= 0 ? "CONNECT cannot carry an ack id" : NULL;
  case RC_SIO_DISCONNECT:
    if (data != NULL)
      return "DISCONNECT cannot carry data";
    return id >= 0 ? "DISCONNECT cannot carry an ack id" : NULL;
  case RC_SIO_ACK:
    if (data == NULL || !JSON_NODE_HOLDS_ARRAY (data))
      return "ACK data must be a JSON array";
    return id < 0 ? "ACK needs an ack id" : NULL;
  case RC_SIO_CONNECT_ERROR:
    if (data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
      return "CONNECT_ERROR data must be a JSON object";
    return id >= 0 ? "CONNECT_ERROR cannot carry an ack id" : NULL;
  case RC_SIO_EVENT:
  case RC_SIO_BINARY_EVENT:
  case RC_SIO_BINARY_ACK:
  default:
    return "not an encodable packet type";
  }
}

static gboolean
check_shape (RcSioType type, gint64 id, JsonNode *data, GError **error)
{
  const char *problem;

  if (id < -1 || id > RC_SIO_MAX_ACK_ID)
    return malformed (error, "ack id out of range");
  if (type == RC_SIO_EVENT)
    return check_event (data, error);
  problem = shape_problem (type, id, data);
  return problem == NULL || malformed (error, problem);
}

/* ---- Socket.IO decoder -------------------------------------------------- */

typedef struct {
  const char *start;
  const char *p;
  const char *end;
} Reader;

/* A text frame never legitimately holds NUL (it would cut our C strings)
 * or invalid UTF-8 (the WebSocket layer should have refused it already). */
static gboolean
check_text (const char *payload, gsize len, GError **error)
{
  const char *nul, *bad;

  if (len == 0)
    return malformed (error, "empty Socket.IO packet");
  nul = memchr (payload, '\0', len);
  if (nul != NULL) {
    g_set_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED,
                 "NUL byte at byte %" G_GSIZE_FORMAT " of the packet", (gsize) (nul - payload));
    return FALSE;
  }
  if (!g_utf8_validate (payload, len, &bad)) {
    g_set_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED,
                 "invalid UTF-8 at byte %" G_GSIZE_FORMAT " of the packet",
                 (gsize) (bad - payload));
    return FALSE;
  }
  return TRUE;
}

/* Binary packets are refused before looking further: their attachment
 * header ("51-") would not parse as the rest of our grammar anyway. */
static gboolean
read_type (Reader *r, RcSioType *type, GError **error)
{
  char c = *r->p;

  if (c < '0' || c > '6') {
    g_set_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED,
                 "unknown Socket.IO packet type (first byte 0x%02x)", (guchar) c);
    return FALSE;
  }
  *type = (RcSioType) (c - '0');
  if (*type == RC_SIO_BINARY_EVENT || *type == RC_SIO_BINARY_ACK) {
    g_set_error (error, RC_SIO_ERROR, RC_SIO_ERROR_UNSUPPORTED,
                 "%s packets (binary attachments) are not supported", sio_type_names[*type]);
    return FALSE;
  }
  r->p++;
  return TRUE;
}

/* "/name," or nothing for "/". Like the reference parser we also accept a
 * namespace that runs to the end of the packet without its ','. */
static gboolean
read_namespace (Reader *r, char **nsp, GError **error)
{
  const char *comma, *nsp_end;

  if (r->p == r->end || *r->p != '/') {
    *nsp = g_strdup ("/");
    return TRUE;
  }
  comma = memchr (r->p, ',', (gsize) (r->end - r->p));
  nsp_end = comma != NULL ? comma : r->end;
  if (!check_nsp (r->p, (gsize) (nsp_end - r->p), error))
    return FALSE;
  *nsp = g_strndup (r->p, (gsize) (nsp_end - r->p));
  r->p = comma != NULL ? comma + 1 : r->end;
  return TRUE;
}

/* Decimal digits, if any; -1 when absent. Checked digit by digit so that a
 * long run of digits cannot overflow. */
static gboolean
read_ack_id (Reader *r, gint64 *id, GError **error)
{
  gint64 value = 0;

  *id = -1;
  if (r->p == r->end || !g_ascii_isdigit (*r->p))
    return TRUE;
  for (; r->p < r->end && g_ascii_isdigit (*r->p); r->p++) {
    int digit = *r->p - '0';

    if (value > (RC_SIO_MAX_ACK_ID - digit) / 10)
      return malformed (error, "ack id is larger than 2^53-1");
    value = value * 10 + digit;
  }
  *id = value;
  return TRUE;
}

static gboolean
read_data (Reader *r, JsonNode **data, GError **error)
{
  *data = NULL;
  if (r->p == r->end)
    return TRUE;
  *data = parse_json (r->start, r->p, r->end, error);
  r->p = r->end;
  return *data != NULL;
}

RcSioPacket *
rc_sio_decode (const char *payload, gsize len, GError **error)
{
  Reader r;
  RcSioType type;
  g_autofree char *nsp = NULL;
  gint64 id;
  g_autoptr (JsonNode) data = NULL;

  g_return_val_if_fail (payload != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_text (payload, len, error))
    return NULL;
  r = (Reader){ .start = payload, .p = payload, .end = payload + len };
  if (!read_type (&r, &type, error) || !read_namespace (&r, &nsp, error) ||
      !read_ack_id (&r, &id, error) || !read_data (&r, &data, error) ||
      !check_shape (type, id, data, error))
    return NULL;
  return rc_sio_packet_new (type, nsp, id, g_steal_pointer (&data));
}

gboolean
rc_sio_decode_header (const char *payload, gsize len, RcSioType *type, char **nsp, gint64 *id)
{
  Reader r;
  g_autofree char *n = NULL;

  g_return_val_if_fail (type != NULL && nsp != NULL && id != NULL, FALSE);
  if (!check_text (payload, len, NULL))
    return FALSE;
  r = (Reader){ .start = payload, .p = payload, .end = payload + len };
  if (!read_type (&r, type, NULL) || !read_namespace (&r, &n, NULL) ||
      !read_ack_id (&r, id, NULL))
    return FALSE;
  *nsp = g_steal_pointer (&n);
  return TRUE;
}

/* ---- Encoders ----------------------------------------------------------- */

/* Building a packet we would refuse to decode is a bug in the caller. */
static gboolean
packet_is_encodable (const RcSioPacket *packet)
{
  g_autoptr (GError) error = NULL;

  if (packet->nsp != NULL && check_nsp (packet->nsp, strlen (packet->nsp), &error) &&
      check_shape (packet->type, packet->id, packet->data, &error))
    return TRUE;
  g_critical ("refusing to encode an invalid Socket.IO %s packet: %s",
              (guint) packet->type < G_N_ELEMENTS (sio_type_names)
                ? sio_type_names[packet->type]
                : "(unknown type)",
              error != NULL ? error->message : "namespace is NULL");
  return FALSE;
}

char *
rc_sio_encode_frame (const RcSioPacket *packet)
{
  GString *out;

  g_return_val_if_fail (packet != NULL, NULL);
  if (!packet_is_encodable (packet))
    return NULL;

  out = g_string_new ("4");
  g_string_append_c (out, (char) ('0' + packet->type));
  if (strcmp (packet->nsp, "/") != 0) {
    g_string_append (out, packet->nsp);
    g_string_append_c (out, ',');
  }
  if (packet->id >= 0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, packet->id);
  if (packet->data != NULL)
    rc_json_write (out, packet->data);
  return g_string_free (out, FALSE);
}

/* Encodes a packet that lives only for this call, without copying @nsp. */
static char *
encode_array_packet (RcSioType type, const char *nsp, gint64 id, JsonArray *array)
{
  g_autoptr (JsonNode) data = json_node_init_array (json_node_alloc (), array);
  RcSioPacket packet = {
    .type = type,
    .nsp = (char *) (nsp != NULL ? nsp : "/"),
    .id = id,
    .data = data,
  };

  return rc_sio_encode_frame (&packet);
}

char *
rc_sio_encode_event (const char *nsp, gint64 ack_id, const char *event, JsonArray *args)
{
  guint n;
  g_autoptr (JsonArray) array = NULL;

  g_return_val_if_fail (event != NULL, NULL);

  n = args != NULL ? json_array_get_length (args) : 0;
  array = json_array_sized_new (n + 1);
  json_array_add_string_element (array, event);
  /* json_node_copy() shares containers by reference: cheap. */
  for (guint i = 0; i < n; i++)
    json_array_add_element (array, json_node_copy (json_array_get_element (args, i)));
  return encode_array_packet (RC_SIO_EVENT, nsp, ack_id, array);
}

char *
rc_sio_encode_ack (const char *nsp, gint64 ack_id, JsonArray *args)
{
  g_autoptr (JsonArray) empty = NULL;

  if (args == NULL)
    args = empty = json_array_new ();
  return encode_array_packet (RC_SIO_ACK, nsp, ack_id, args);
}

char *
rc_eio_encode_open (const char *sid, gboolean upgrade_to_websocket, guint ping_interval_ms,
                    guint ping_timeout_ms, guint64 max_payload)
{
  GString *out;

  g_return_val_if_fail (sid != NULL, NULL);

  g_autoptr (JsonNode) sid_node = json_node_init_string (json_node_alloc (), sid);

  out = g_string_new ("0{\"sid\":");
  rc_json_write (out, sid_node);
  g_string_append_printf (out,
                          ",\"upgrades\":%s,\"pingInterval\":%u"
                          ",\"pingTimeout\":%u,\"maxPayload\":%" G_GUINT64_FORMAT "}",
                          upgrade_to_websocket ? "[\"websocket\"]" : "[]", ping_interval_ms,
                          ping_timeout_ms, max_payload);
  return g_string_free (out, FALSE);
}
