/* roomcast tests: RcTestClient, the Socket.IO half; see rc-test-client.h.
 *
 * Engine.IO 4 over a libsoup 3 WebSocket: the server's open packet is
 * answered with the namespace CONNECT carrying {token}, pings with pongs;
 * Socket.IO packets are decoded and encoded with src/sio/sio-codec.
 */
#include "rc-test-client-private.h"

#include "json/json-text.h"
#include "rc-test-util.h"
#include "sio/sio-codec.h"

typedef struct {
  RcTestAckFunc func;
  gpointer user_data;
} PendingAck;

typedef struct {
  RcTestEventFunc func;
  gpointer user_data;
} Handler;

G_DEFINE_FINAL_TYPE (RcTestClient, rc_test_client, G_TYPE_OBJECT)

RcTestClient *
rc_test_client_new (const RcTestClientOptions *options)
{
  RcTestClient *self = g_object_new (RC_TYPE_TEST_CLIENT, NULL);

  self->url = g_strdup (options->url);
  self->token = g_strdup (options->token);
  self->log_label = g_strdup_printf ("test client %s", self->token);
  self->local_ip = g_strdup (options->local_ip ? options->local_ip : "127.0.0.1");
  self->tone_hz = options->tone_hz;
  self->n_probe_hz = options->n_probe_hz;
  self->probe_hz = g_memdup2 (options->probe_hz, sizeof (double) * options->n_probe_hz);
  self->no_decode = options->no_decode;
  self->no_answer = options->no_answer;
  self->latency_ms = options->latency_ms ? options->latency_ms : 60;
  self->answer_fingerprint = g_strdup (options->answer_fingerprint);
  return self;
}

static void
send_frame (RcTestClient *self, const char *frame)
{
  if (frame && self->ws && soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (self->ws, frame);
}

static void
set_error (RcTestClient *self, const char *error)
{
  if (self->error == NULL)
    self->error = g_strdup (error);
}

/* --- incoming ------------------------------------------------------------- */

static void
on_event (RcTestClient *self, RcSioPacket *packet)
{
  JsonArray *data = json_node_get_array (packet->data);
  const char *name = json_array_get_string_element (data, 0);
  g_autoptr (JsonArray) args = json_array_new ();
  Handler *h;

  for (guint i = 1; i < json_array_get_length (data); i++)
    json_array_add_element (args, json_node_copy (json_array_get_element (data, i)));
  h = g_hash_table_lookup (self->handlers, name);
  if (h)
    h->func (self, args, h->user_data);
  if (packet->id >= 0) {
    /* The server asked for an ack: answer with no arguments. */
    g_autoptr (JsonArray) none = json_array_new ();
    g_autofree char *frame = rc_sio_encode_ack (NULL, packet->id, none);
    send_frame (self, frame);
  }
}

static void
on_ack (RcTestClient *self, RcSioPacket *packet)
{
  PendingAck *p = g_hash_table_lookup (self->acks, &packet->id);
  PendingAck copy;

  if (p == NULL)
    return;
  copy = *p;
  g_hash_table_remove (self->acks, &packet->id);
  if (copy.func)
    copy.func (self, json_node_get_array (packet->data), copy.user_data);
}

static void
on_packet (RcTestClient *self, const char *payload, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RcSioPacket) packet = rc_sio_decode (payload, len, &error);

  if (packet == NULL) {
    set_error (self, error->message);
    return;
  }
  switch (packet->type) {
  case RC_SIO_CONNECT:
    self->connected = TRUE;
    break;
  case RC_SIO_CONNECT_ERROR: {
    JsonObject *o = json_node_get_object (packet->data);
    set_error (self, json_object_get_string_member_with_default (o, "message", "refused"));
    break;
  }
  case RC_SIO_DISCONNECT:
    self->connected = FALSE;
    set_error (self, "disconnected by the server");
    break;
  case RC_SIO_EVENT:
    on_event (self, packet);
    break;
  case RC_SIO_ACK:
    on_ack (self, packet);
    break;
  default:
    break;
  }
}

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
  RcTestClient *self = data;
  gsize len = 0;
  const char *text = g_bytes_get_data (message, &len);
  const char *payload = NULL;
  gsize payload_len = 0;
  RcEioType eio;

  if (type != SOUP_WEBSOCKET_DATA_TEXT || !rc_eio_decode (text, len, &eio, &payload, &payload_len, NULL))
    return;
  switch (eio) {
  case RC_EIO_OPEN: {
    g_autoptr (JsonObject) auth = json_object_new ();
    g_autoptr (RcSioPacket) connect = NULL;
    g_autofree char *frame = NULL;
    JsonNode *node = json_node_new (JSON_NODE_OBJECT);

    json_object_set_string_member (auth, "token", self->token);
    json_node_set_object (node, auth);
    connect = rc_sio_packet_new (RC_SIO_CONNECT, NULL, -1, node);
    frame = rc_sio_encode_frame (connect);
    send_frame (self, frame);
    break;
  }
  case RC_EIO_PING:
    send_frame (self, "3");
    break;
  case RC_EIO_MESSAGE:
    on_packet (self, payload, payload_len);
    break;
  case RC_EIO_CLOSE:
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    break;
  default:
    break;
  }
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer data)
{
  RcTestClient *self = data;

  self->connected = FALSE;
  set_error (self, "connection closed");
}

static void
on_ws_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RcTestClient) self = data;
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source),
                                                                        result, &error);

  if (ws == NULL) {
    set_error (self, error->message);
    return;
  }
  self->ws = ws;
  /* libsoup's default (128 KiB) is less than a room:join answer of a room
   * of ~800 (its member list): accept what the server may send, its
   * advertised maxPayload (SIO_MAX_PAYLOAD's default). */
  soup_websocket_connection_set_max_incoming_payload_size (ws, 1000000);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), self);
}

void
rc_test_client_connect (RcTestClient *self)
{
  g_autofree char *uri = g_strdup_printf ("%s/socket.io/?EIO=4&transport=websocket", self->url);
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, uri);

  g_return_if_fail (self->ws == NULL && msg != NULL);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, on_ws_connected, g_object_ref (self));
}

gboolean
rc_test_client_is_connected (RcTestClient *self)
{
  return self->connected;
}

const char *
rc_test_client_get_error (RcTestClient *self)
{
  return self->error;
}

/* --- outgoing ------------------------------------------------------------- */

void
rc_test_client_emit (RcTestClient *self, const char *event, JsonNode *arg, RcTestAckFunc ack,
                     gpointer user_data)
{
  g_autoptr (JsonArray) args = json_array_new ();
  g_autofree char *frame = NULL;
  gint64 id = -1;

  if (arg)
    json_array_add_element (args, json_node_copy (arg));
  if (ack) {
    PendingAck *p = g_new0 (PendingAck, 1);
    id = self->next_ack_id++;
    p->func = ack;
    p->user_data = user_data;
    g_hash_table_insert (self->acks, g_memdup2 (&id, sizeof id), p);
  }
  frame = rc_sio_encode_event (NULL, id, event, args);
  send_frame (self, frame);
}

void
rc_test_client_on (RcTestClient *self, const char *event, RcTestEventFunc func, gpointer user_data)
{
  Handler *h = g_new0 (Handler, 1);

  h->func = func;
  h->user_data = user_data;
  g_hash_table_replace (self->handlers, g_strdup (event), h);
}

static void
on_counted_ack (RcTestClient *self, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;

  self->n_acks++;
  if (o && !json_object_get_boolean_member_with_default (o, "ok", FALSE)) {
    JsonObject *err = json_object_get_object_member (o, "error");
    self->n_ack_errors++;
    g_free (self->last_ack_error);
    self->last_ack_error = g_strdup (err ? json_object_get_string_member_with_default (err, "code", "?")
                                         : "?");
  }
}

void
rc_test_client_request (RcTestClient *self, const char *event, const char *json)
{
  g_autoptr (JsonNode) arg = json ? rc_json_parse_strict (json, strlen (json), NULL, NULL) : NULL;

  g_return_if_fail (json == NULL || arg != NULL);
  rc_test_client_emit (self, event, arg, on_counted_ack, NULL);
}

typedef struct {
  JsonObject *reply;
  gint64 at_us;
} Ask;

static void
on_ask_reply (RcTestClient *c, JsonArray *args, gpointer data)
{
  Ask *a = data;
  JsonNode *first = json_array_get_length (args) > 0 ? json_array_get_element (args, 0) : NULL;

  a->at_us = g_get_monotonic_time ();
  /* Every roomcast ack is one object; anything else is answered as {}. */
  a->reply = first && JSON_NODE_HOLDS_OBJECT (first) ? json_object_ref (json_node_get_object (first))
                                                     : json_object_new ();
}

static gboolean
has_user_data (gpointer key, gpointer value, gpointer data)
{
  return ((PendingAck *) value)->user_data == data;
}

static gboolean
asked (gpointer data)
{
  return ((Ask *) data)->reply != NULL;
}

JsonObject *
rc_test_client_ask (RcTestClient *self, const char *event, const char *json, guint timeout_ms,
                    gint64 *at_us)
{
  g_autoptr (JsonNode) arg = json ? rc_json_parse_strict (json, strlen (json), NULL, NULL) : NULL;
  Ask a = { 0 };

  g_return_val_if_fail (json == NULL || arg != NULL, NULL);
  rc_test_client_emit (self, event, arg, on_ask_reply, &a);
  if (!rc_test_wait_until (timeout_ms, asked, &a)) {
    /* The ack may still come: it must not find @a gone. */
    g_hash_table_foreach_remove (self->acks, has_user_data, &a);
    return NULL;
  }
  if (at_us)
    *at_us = a.at_us;
  return a.reply;
}

guint
rc_test_client_get_acks (RcTestClient *self)
{
  return self->n_acks;
}

guint
rc_test_client_get_ack_errors (RcTestClient *self)
{
  return self->n_ack_errors;
}

const char *
rc_test_client_get_last_ack_error (RcTestClient *self)
{
  return self->last_ack_error;
}

void
rc_test_client_close (RcTestClient *self)
{
  rc_test_client_stop_media (self, FALSE);
  g_cancellable_cancel (self->cancellable);
  if (self->ws && soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  self->connected = FALSE;
}

/* --- GObject ---------------------------------------------------------------- */

static void
rc_test_client_dispose (GObject *object)
{
  RcTestClient *self = RC_TEST_CLIENT (object);

  rc_test_client_media_teardown (self);
  if (self->ws) {
    g_signal_handlers_disconnect_by_data (self->ws, self);
    if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_clear_object (&self->ws);
  }
  g_clear_object (&self->session);
  G_OBJECT_CLASS (rc_test_client_parent_class)->dispose (object);
}

static void
rc_test_client_finalize (GObject *object)
{
  RcTestClient *self = RC_TEST_CLIENT (object);

  g_clear_object (&self->cancellable);
  g_hash_table_unref (self->acks);
  g_hash_table_unref (self->handlers);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->url);
  g_free (self->token);
  g_free (self->local_ip);
  g_free (self->answer_fingerprint);
  g_free (self->probe_hz);
  g_free (self->error);
  g_free (self->last_ack_error);
  g_free (self->failed_reason);
  g_free (self->offer_sdp);
  g_ptr_array_unref (self->local_candidates);
  g_ptr_array_unref (self->remote_candidates);
  g_clear_pointer (&self->receiver, rc_test_receiver_free);
  g_free (self->log_label);
  G_OBJECT_CLASS (rc_test_client_parent_class)->finalize (object);
}

static void
rc_test_client_class_init (RcTestClientClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_test_client_dispose;
  G_OBJECT_CLASS (klass)->finalize = rc_test_client_finalize;
}

static void
rc_test_client_init (RcTestClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->session = soup_session_new ();
  self->cancellable = g_cancellable_new ();
  self->acks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->handlers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->local_candidates = g_ptr_array_new_with_free_func (g_free);
  self->remote_candidates = g_ptr_array_new_with_free_func (g_free);
  rc_test_client_media_init (self);
}
