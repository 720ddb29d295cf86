/* roomcast: one Engine.IO session and its Socket.IO namespace "/".
 *
 * Owns the session's transport (eio-transport.h: a WebSocket, or
 * long-polling until the client upgrades), the ping/pong and connect
 * timers, decodes packets with sio-codec and hands CONNECT and EVENT packets
 * to the server. Nothing here depends on the transport. Acks go one way: the
 * server answers the client's, and never asks for one. All on the main
 * loop.
 */
#include "sio/sio-socket-private.h"
#include "sio/sio-server-private.h"
#include "sio/sio-codec.h"
#include "core/metrics.h"

typedef enum {
  STATE_OPEN,           /* Engine.IO open sent; waiting for namespace CONNECT */
  STATE_AUTHENTICATING, /* CONNECT received; auth provider working */
  STATE_CONNECTED,      /* namespace "/" connected: events flow */
  STATE_CLOSED,
} SocketState;

struct _RcSioSocket {
  GObject parent_instance;
  RcTokenBucket event_budget;
  char *client_address;

  RcSioServer *server; /* weak: the server outlives its sockets */
  RcEioTransport *transport;
  char *eio_sid;
  char *sid;
  char *peer;
  char *query_token;
  char *header_token;
  SocketState state;
  RcUser *user;

  guint ping_id;         /* next server ping */
  guint pong_timeout_id; /* waiting for the client's pong */
  guint connect_timeout_id;
  char *close_reason; /* why we closed, when we did */
};

G_DEFINE_FINAL_TYPE (RcSioSocket, rc_sio_socket, G_TYPE_OBJECT)

/* Socket.IO's default connectTimeout: a client that opens the transport but
 * never connects a namespace is dropped. */
#define CONNECT_TIMEOUT_MS 45000

static void socket_close (RcSioSocket *self, const char *reason);
static void socket_abort (RcSioSocket *self, const char *reason);
static const RcEioTransportHandlers transport_handlers;

static char *
new_sid (void)
{
  guint8 raw[15];
  for (guint i = 0; i < sizeof raw; i++)
    raw[i] = g_random_int_range (0, 256);
  char *b64 = g_base64_encode (raw, sizeof raw);
  /* URL-safe, as engine.io does. */
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  return b64;
}

static void
send_text (RcSioSocket *self, const char *frame)
{
  if (self->state == STATE_CLOSED)
    return;
  rc_eio_transport_send (self->transport, frame);
  rc_metrics_counter_inc ("roomcast_sio_frames_out_total", "Engine.IO frames sent to clients",
                          NULL);
}

/* --- timers ------------------------------------------------------------ */

static gboolean
on_pong_timeout (gpointer data)
{
  RcSioSocket *self = data;
  self->pong_timeout_id = 0;
  socket_abort (self, "ping timeout");
  return G_SOURCE_REMOVE;
}

static gboolean
on_ping (gpointer data)
{
  RcSioSocket *self = data;
  const RcConfig *config = rc_sio_server_get_config (self->server);

  send_text (self, "2");
  if (!self->pong_timeout_id)
    self->pong_timeout_id = g_timeout_add (config->ping_timeout_ms, on_pong_timeout, self);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_connect_timeout (gpointer data)
{
  RcSioSocket *self = data;
  self->connect_timeout_id = 0;
  socket_close (self, "no namespace connect within the connect timeout");
  return G_SOURCE_REMOVE;
}

static void
stop_timers (RcSioSocket *self)
{
  g_clear_handle_id (&self->ping_id, g_source_remove);
  g_clear_handle_id (&self->pong_timeout_id, g_source_remove);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
}

/* --- acks -------------------------------------------------------------- */

struct _RcSioAck {
  gatomicrefcount ref_count;
  RcSioSocket *socket;
  gint64 id;
  gboolean replied;
};

static RcSioAck *
ack_new (RcSioSocket *socket, gint64 id)
{
  RcSioAck *ack = g_new0 (RcSioAck, 1);
  g_atomic_ref_count_init (&ack->ref_count);
  ack->socket = g_object_ref (socket);
  ack->id = id;
  return ack;
}

RcSioAck *
rc_sio_ack_ref (RcSioAck *ack)
{
  g_atomic_ref_count_inc (&ack->ref_count);
  return ack;
}

void
rc_sio_ack_unref (RcSioAck *ack)
{
  if (!ack || !g_atomic_ref_count_dec (&ack->ref_count))
    return;
  g_object_unref (ack->socket);
  g_free (ack);
}

void
rc_sio_ack_reply (RcSioAck *ack, JsonNode *arg)
{
  g_return_if_fail (ack != NULL);
  if (ack->replied)
    return;
  ack->replied = TRUE;
  if (ack->socket->state != STATE_CONNECTED)
    return;
  g_autoptr (JsonArray) args = json_array_new ();
  if (arg)
    json_array_add_element (args, json_node_copy (arg));
  g_autofree char *frame = rc_sio_encode_ack ("/", ack->id, args);
  send_text (ack->socket, frame);
}

void
rc_sio_ack_ok (RcSioAck *ack, JsonObject *fields)
{
  g_autoptr (JsonObject) obj = json_object_new ();
  json_object_set_boolean_member (obj, "ok", TRUE);
  if (fields) {
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;
    json_object_iter_init (&iter, fields);
    while (json_object_iter_next (&iter, &name, &value))
      if (!g_str_equal (name, "ok"))
        json_object_set_member (obj, name, json_node_copy (value));
  }
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), obj);
  rc_sio_ack_reply (ack, node);
}

void
rc_sio_ack_error_full (RcSioAck *ack, const char *code, const char *message,
                       JsonObject *error_fields)
{
  g_autoptr (JsonObject) err = error_fields ? json_object_ref (error_fields)
                                            : json_object_new ();
  json_object_set_string_member (err, "code", code);
  json_object_set_string_member (err, "message", message);
  g_autoptr (JsonObject) obj = json_object_new ();
  json_object_set_boolean_member (obj, "ok", FALSE);
  json_object_set_object_member (obj, "error", g_steal_pointer (&err));
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), obj);
  g_autofree char *labels = g_strdup_printf ("code=\"%s\"", code);
  rc_metrics_counter_inc ("roomcast_errors_total", "Error acks sent, by code", labels);
  rc_sio_ack_reply (ack, node);
}

void
rc_sio_ack_rate_limited (RcSioAck *ack, const char *message, gint64 retry_after_ms)
{
  g_autoptr (JsonObject) fields = json_object_new ();
  json_object_set_int_member (fields, "retryAfterMs", retry_after_ms);
  rc_sio_ack_error_full (ack, "rate_limited", message, fields);
}

void
rc_sio_ack_error (RcSioAck *ack, const char *code, const char *message)
{
  rc_sio_ack_error_full (ack, code, message, NULL);
}

/* --- incoming ---------------------------------------------------------- */

static const char *
connect_token (RcSioSocket *self, JsonNode *data)
{
  if (data && JSON_NODE_HOLDS_OBJECT (data)) {
    JsonObject *auth = json_node_get_object (data);
    JsonNode *t = json_object_get_member (auth, "token");
    if (t && JSON_NODE_HOLDS_VALUE (t) && json_node_get_value_type (t) == G_TYPE_STRING)
      return json_node_get_string (t);
  }
  /* Clients that cannot send an auth object (some mobile SDKs) may use the
   * query string or an Authorization header on the upgrade request. */
  return self->query_token ? self->query_token : self->header_token;
}

static void
send_connect_error (RcSioSocket *self, const char *nsp, const char *message)
{
  g_autoptr (JsonObject) obj = json_object_new ();
  json_object_set_string_member (obj, "message", message);
  g_autoptr (RcSioPacket)
    p = rc_sio_packet_new (RC_SIO_CONNECT_ERROR, nsp, -1,
                           json_node_init_object (json_node_alloc (), obj));
  g_autofree char *frame = rc_sio_encode_frame (p);
  send_text (self, frame);
}

static void
handle_packet (RcSioSocket *self, RcSioPacket *packet)
{
  if (!g_str_equal (packet->nsp, "/")) {
    /* Only the main namespace exists; tell the client as Socket.IO does. */
    if (packet->type == RC_SIO_CONNECT)
      send_connect_error (self, packet->nsp, "Invalid namespace");
    return;
  }

  switch (packet->type) {
  case RC_SIO_CONNECT:
    if (self->state != STATE_OPEN)
      return; /* a second CONNECT is ignored, as the reference server does */
    g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
    self->state = STATE_AUTHENTICATING;
    rc_sio_server_socket_authenticate (self->server, self, connect_token (self, packet->data));
    return;

  case RC_SIO_DISCONNECT:
    socket_close (self, "client namespace disconnect");
    return;

  case RC_SIO_EVENT: {
    if (self->state != STATE_CONNECTED)
      return;
    JsonArray *array = json_node_get_array (packet->data);
    const char *name = json_array_get_string_element (array, 0);
    g_autoptr (JsonArray) args = json_array_new ();
    for (guint i = 1; i < json_array_get_length (array); i++)
      json_array_add_element (args, json_node_copy (json_array_get_element (array, i)));
    g_autoptr (RcSioAck) ack = packet->id >= 0 ? ack_new (self, packet->id) : NULL;
    rc_sio_server_socket_event (self->server, self, name, args, ack);
    return;
  }

  case RC_SIO_ACK:
    return; /* the server never asks for acks: nothing to match one to */

  default:
    socket_abort (self, "parse error: unexpected packet type from client");
    return;
  }
}

/* An event whose JSON is valid but holds what we cannot represent (what
 * JSON.stringify (1e20) writes, "\u0000"): a client's bad payload, not a
 * broken client. Its ack, if it asked for one, says invalid_payload; the
 * connection stays. FALSE for any other packet type (handled as malformed). */
static gboolean
answer_unsupported (RcSioSocket *self, const char *payload, gsize len, const GError *error)
{
  RcSioType type;
  g_autofree char *nsp = NULL;
  gint64 id = -1;

  if (!rc_sio_decode_header (payload, len, &type, &nsp, &id) || type != RC_SIO_EVENT)
    return FALSE;
  rc_metrics_counter_inc ("roomcast_sio_unsupported_values_total",
                          "Events refused for a JSON value that cannot be represented "
                          "(integer beyond 64 bits, \\u0000, lone surrogate)",
                          NULL);
  if (self->state != STATE_CONNECTED || !g_str_equal (nsp, "/"))
    return TRUE; /* ignored, as the same event would be */
  if (id < 0) {
    g_debug ("sio: sid=%s: dropped an event without ack: %s", self->sid, error->message);
    return TRUE;
  }
  g_autoptr (RcSioAck) ack = ack_new (self, id);
  rc_sio_ack_error (ack, "invalid_payload", error->message);
  return TRUE;
}

/* One Engine.IO packet from the transport. FALSE when it was malformed
 * (the session is closing for it). */
static gboolean
on_transport_packet (const char *text, gsize len, gpointer data)
{
  RcSioSocket *self = data;
  gboolean accepted = TRUE;
  g_object_ref (self);
  rc_metrics_counter_inc ("roomcast_sio_frames_in_total",
                          "Engine.IO frames received from clients", NULL);

  const RcConfig *config = rc_sio_server_get_config (self->server);
  /* The transports enforce the limit on the wire; a compressed frame
   * (permessage-deflate) can still inflate past it, so check again. */
  if (len > config->max_payload) {
    g_autofree char *reason = g_strdup_printf ("protocol error: frame of %" G_GSIZE_FORMAT
                                               " bytes exceeds maxPayload (%u)",
                                               len, config->max_payload);
    socket_abort (self, reason);
    g_object_unref (self);
    return FALSE;
  }
  RcEioType eio;
  const char *payload;
  gsize payload_len;
  g_autoptr (GError) error = NULL;

  if (!rc_eio_decode (text, len, &eio, &payload, &payload_len, &error)) {
    g_autofree char *reason = g_strdup_printf ("parse error: %s", error->message);
    socket_abort (self, reason);
    accepted = FALSE;
  } else {
    switch (eio) {
    case RC_EIO_PONG:
      g_clear_handle_id (&self->pong_timeout_id, g_source_remove);
      break;
    case RC_EIO_PING: /* not sent by v4 clients; answer anyway */
      send_text (self, "3");
      break;
    case RC_EIO_NOOP:
      break;
    case RC_EIO_CLOSE:
      socket_close (self, "client close");
      break;
    case RC_EIO_MESSAGE: {
      g_autoptr (RcSioPacket) packet = rc_sio_decode (payload, payload_len, &error);
      if (!packet && g_error_matches (error, RC_SIO_ERROR, RC_SIO_ERROR_UNSUPPORTED_VALUE) &&
          answer_unsupported (self, payload, payload_len, error)) {
        /* answered; the connection stays */
      } else if (!packet) {
        g_autofree char *reason = g_strdup_printf ("parse error: %s", error->message);
        rc_metrics_counter_inc ("roomcast_sio_parse_errors_total",
                                "Malformed packets received (connection closed)", NULL);
        socket_abort (self, reason);
        accepted = FALSE;
      } else {
        handle_packet (self, packet);
      }
      break;
    }
    default:
      socket_abort (self, "parse error: unexpected Engine.IO packet");
      accepted = FALSE;
      break;
    }
  }
  g_object_unref (self);
  return accepted;
}

static void
on_transport_closed (const char *transport_reason, gpointer data)
{
  RcSioSocket *self = data;
  if (self->state == STATE_CLOSED)
    return;

  const char *reason = self->close_reason ? self->close_reason
                       : transport_reason ? transport_reason
                                          : "transport close";
  g_object_ref (self);
  self->state = STATE_CLOSED;
  stop_timers (self);
  rc_sio_server_socket_closed (self->server, self, reason);
  g_object_unref (self);
}

/* The client moved the session to a new transport (polling → WebSocket). */
static void
on_transport_upgraded (RcEioTransport *to, gpointer data)
{
  RcSioSocket *self = data;
  g_autoptr (RcEioTransport) old = g_steal_pointer (&self->transport);
  self->transport = g_object_ref (to);
  rc_eio_transport_set_handlers (to, &transport_handlers, self);
  rc_metrics_counter_inc ("roomcast_sio_upgrades_total",
                          "Engine.IO sessions upgraded from polling to WebSocket", NULL);
  g_debug ("transport upgraded: eio=%s %s -> %s", self->eio_sid,
           rc_eio_transport_get_name (old), rc_eio_transport_get_name (to));
}

static const RcEioTransportHandlers transport_handlers = {
  on_transport_packet,
  on_transport_closed,
  on_transport_upgraded,
};

/* Start closing the transport; on_transport_closed finishes the job. With
 * @tell_client the namespace DISCONNECT goes first, so the client knows the
 * server meant it ("io server disconnect") and does not reconnect. */
static void
close_transport (RcSioSocket *self, const char *reason, gboolean tell_client)
{
  if (self->state == STATE_CLOSED || self->close_reason)
    return;
  self->close_reason = g_strdup (reason);
  stop_timers (self);
  if (tell_client && self->state == STATE_CONNECTED)
    send_text (self, "41");
  rc_eio_transport_close (self->transport);
}

/* A deliberate disconnect by the server. */
static void
socket_close (RcSioSocket *self, const char *reason)
{
  close_transport (self, reason, TRUE);
}

/* A broken client (parse error, oversized frame, missed pongs): drop the
 * transport as the reference server does; the client sees "transport close"
 * and may reconnect. */
static void
socket_abort (RcSioSocket *self, const char *reason)
{
  close_transport (self, reason, FALSE);
}

/* --- server-facing ----------------------------------------------------- */

RcSioSocket *
rc_sio_socket_new (RcSioServer *server, RcEioTransport *transport, const char *peer,
                   const char *query_token, const char *header_token)
{
  RcSioSocket *self = g_object_new (RC_TYPE_SIO_SOCKET, NULL);

  self->server = server;
  self->transport = g_object_ref (transport);
  self->eio_sid = new_sid ();
  self->peer = g_strdup (peer ? peer : "?");
  self->query_token = g_strdup (query_token);
  self->header_token = g_strdup (header_token);
  rc_eio_transport_set_handlers (transport, &transport_handlers, self);
  return self;
}

void
rc_sio_socket_start (RcSioSocket *self)
{
  const RcConfig *config = rc_sio_server_get_config (self->server);
  /* A session that starts on polling may move to a WebSocket. */
  gboolean polling = g_str_equal (rc_eio_transport_get_name (self->transport), "polling");
  g_autofree char *open = rc_eio_encode_open (self->eio_sid, polling, config->ping_interval_ms,
                                              config->ping_timeout_ms, config->max_payload);
  send_text (self, open);
  self->ping_id = g_timeout_add (config->ping_interval_ms, on_ping, self);
  self->connect_timeout_id = g_timeout_add (CONNECT_TIMEOUT_MS, on_connect_timeout, self);
}

const char *
rc_sio_socket_get_eio_sid (RcSioSocket *self)
{
  return self->eio_sid;
}

void
rc_sio_socket_set_client_address (RcSioSocket *self, const char *address)
{
  g_free (self->client_address);
  self->client_address = g_strdup (address);
}

const char *
rc_sio_socket_get_client_address (RcSioSocket *self)
{
  return self->client_address;
}

RcTokenBucket *
rc_sio_socket_get_event_budget (RcSioSocket *self)
{
  return &self->event_budget;
}

RcEioTransport *
rc_sio_socket_get_transport (RcSioSocket *self)
{
  return self->transport;
}

gboolean
rc_sio_socket_upgrade (RcSioSocket *self, RcEioTransport *probe)
{
  if (self->state == STATE_CLOSED || self->close_reason)
    return FALSE;
  return rc_eio_transport_upgrade (self->transport, probe);
}

void
rc_sio_socket_auth_done (RcSioSocket *self, RcUser *user, const GError *error)
{
  if (self->state != STATE_AUTHENTICATING)
    return; /* closed meanwhile */
  if (!user) {
    gboolean ours = error && error->domain == RC_AUTH_ERROR;
    send_connect_error (self, "/",
                        ours && error->code == RC_AUTH_ERROR_UNAVAILABLE ? "auth_unavailable"
                        : ours && error->code == RC_AUTH_ERROR_RATE_LIMITED
                          ? "rate_limited"
                          : "unauthenticated");
    self->state = STATE_OPEN;
    g_autofree char *reason = g_strdup_printf ("auth refused: %s",
                                               error ? error->message : "no user");
    socket_close (self, reason);
    return;
  }
  self->user = rc_user_ref (user);
  self->sid = new_sid ();
  self->state = STATE_CONNECTED;

  g_autoptr (JsonObject) obj = json_object_new ();
  json_object_set_string_member (obj, "sid", self->sid);
  g_autoptr (RcSioPacket)
    p = rc_sio_packet_new (RC_SIO_CONNECT, "/", -1,
                           json_node_init_object (json_node_alloc (), obj));
  g_autofree char *frame = rc_sio_encode_frame (p);
  send_text (self, frame);
  rc_sio_server_socket_connected (self->server, self);
}

/* --- public ------------------------------------------------------------ */

const char *
rc_sio_socket_get_id (RcSioSocket *self)
{
  g_return_val_if_fail (RC_IS_SIO_SOCKET (self), NULL);
  return self->sid;
}

RcUser *
rc_sio_socket_get_user (RcSioSocket *self)
{
  g_return_val_if_fail (RC_IS_SIO_SOCKET (self), NULL);
  return self->user;
}

const char *
rc_sio_socket_get_peer (RcSioSocket *self)
{
  return self->peer;
}

gboolean
rc_sio_socket_is_connected (RcSioSocket *self)
{
  return self->state == STATE_CONNECTED && !self->close_reason;
}

void
rc_sio_socket_emit (RcSioSocket *self, const char *event, JsonNode *arg)
{
  g_return_if_fail (RC_IS_SIO_SOCKET (self) && event);
  if (!rc_sio_socket_is_connected (self))
    return;
  g_autoptr (JsonArray) args = json_array_new ();
  if (arg)
    json_array_add_element (args, json_node_copy (arg));
  g_autofree char *frame = rc_sio_encode_event ("/", -1, event, args);
  send_text (self, frame);
}

void
rc_sio_socket_send_frame (RcSioSocket *self, const char *frame)
{
  g_return_if_fail (RC_IS_SIO_SOCKET (self) && frame);
  if (rc_sio_socket_is_connected (self))
    send_text (self, frame);
}

gboolean
rc_sio_socket_send_volatile_frame (RcSioSocket *self, const char *frame)
{
  g_return_val_if_fail (RC_IS_SIO_SOCKET (self) && frame, FALSE);
  if (!rc_sio_socket_is_connected (self))
    return FALSE;
  if (rc_eio_transport_is_congested (self->transport)) {
    rc_metrics_counter_inc ("roomcast_sio_volatile_dropped_total",
                            "Current-state events not sent to a congested client", NULL);
    return FALSE;
  }
  send_text (self, frame);
  return TRUE;
}

void
rc_sio_socket_disconnect (RcSioSocket *self, const char *reason)
{
  g_return_if_fail (RC_IS_SIO_SOCKET (self));
  socket_close (self, reason ? reason : "server disconnect");
}

static void
rc_sio_socket_finalize (GObject *object)
{
  RcSioSocket *self = RC_SIO_SOCKET (object);

  g_free (self->client_address);
  stop_timers (self);
  if (self->transport) {
    rc_eio_transport_set_handlers (self->transport, NULL, NULL);
    g_object_unref (self->transport);
  }
  g_clear_pointer (&self->user, rc_user_unref);
  g_free (self->eio_sid);
  g_free (self->sid);
  g_free (self->peer);
  g_free (self->query_token);
  g_free (self->header_token);
  g_free (self->close_reason);
  G_OBJECT_CLASS (rc_sio_socket_parent_class)->finalize (object);
}

static void
rc_sio_socket_class_init (RcSioSocketClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_sio_socket_finalize;
}

static void
rc_sio_socket_init (RcSioSocket *self)
{
  self->state = STATE_OPEN;
}
