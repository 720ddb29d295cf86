/* roomcast: the Engine.IO WebSocket transport; see eio-websocket.h. */
#include "sio/eio-websocket.h"
#include "http/fair-io-stream.h"
#include "http/send-backlog.h"
#include "core/metrics.h"

#include <string.h>

struct _RcEioWebsocket {
  RcEioTransport parent_instance;
  SoupWebsocketConnection *ws;
  char *close_reason; /* why we closed it, when the client did wrong */
  char *error_reason; /* a protocol error libsoup reported */
  RcSendBacklog backlog;
};

G_DEFINE_FINAL_TYPE (RcEioWebsocket, rc_eio_websocket, RC_TYPE_EIO_TRANSPORT)

static void
send_packet (RcEioTransport *transport, const char *packet)
{
  RcEioWebsocket *self = RC_EIO_WEBSOCKET (transport);
  g_autofree char *slow = NULL;

  if (soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  if (!rc_send_backlog_add (&self->backlog, strlen (packet), &slow)) {
    /* A client that does not read must not make us keep everything. */
    rc_metrics_counter_inc ("roomcast_ws_slow_consumers_closed_total",
                            "WebSockets closed because their client stopped reading",
                            "endpoint=\"socket.io\"");
    if (!self->close_reason)
      self->close_reason = g_steal_pointer (&slow);
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                     "slow consumer");
    rc_send_backlog_abort (&self->backlog);
    return;
  }
  soup_websocket_connection_send_text (self->ws, packet);
}

static gboolean
congested (RcEioTransport *transport)
{
  return rc_send_backlog_congested (&RC_EIO_WEBSOCKET (transport)->backlog);
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer data)
{
  RcEioWebsocket *self = data;
  g_autofree char *derived = NULL;
  const char *reason = self->close_reason;

  if (!reason &&
      (soup_websocket_connection_get_close_code (ws) == SOUP_WEBSOCKET_CLOSE_TOO_BIG ||
       self->error_reason))
    reason = derived = g_strdup_printf ("protocol error: %s", self->error_reason
                                                                ? self->error_reason
                                                                : "message too big");
  rc_eio_transport_report_closed (RC_EIO_TRANSPORT (self), reason);
}

static void
close_transport (RcEioTransport *transport)
{
  RcEioWebsocket *self = RC_EIO_WEBSOCKET (transport);
  if (rc_eio_transport_is_closed (transport))
    return;
  if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  else
    on_closed (self->ws, self); /* the client started closing: nothing to wait for */
}

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
  RcEioWebsocket *self = data;

  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    if (!self->close_reason)
      self->close_reason = g_strdup ("parse error: binary frames are not supported");
    close_transport (RC_EIO_TRANSPORT (self));
    return;
  }
  gsize len;
  const char *text = g_bytes_get_data (message, &len);
  rc_eio_transport_receive (RC_EIO_TRANSPORT (self), text, len);
}

static void
on_error (SoupWebsocketConnection *ws, GError *error, gpointer data)
{
  RcEioWebsocket *self = data;
  if (!self->error_reason)
    self->error_reason = g_strdup (error->message);
}

RcEioTransport *
rc_eio_websocket_new (SoupWebsocketConnection *ws, guint max_payload, guint64 max_unsent,
                      guint stall_ms)
{
  RcEioWebsocket *self = g_object_new (RC_TYPE_EIO_WEBSOCKET, NULL);
  self->ws = g_object_ref (ws);
  rc_send_backlog_init (&self->backlog, soup_websocket_connection_get_io_stream (ws),
                        max_unsent, stall_ms);
  /* libsoup closes with 1009 past this; the Engine.IO packet is the message. */
  soup_websocket_connection_set_max_incoming_payload_size (ws, max_payload);
  /* libsoup limits frames; a message of many fragments is ours to bound. */
  rc_fair_io_stream_limit_ws_messages (soup_websocket_connection_get_io_stream (ws),
                                       max_payload);
  /* Engine.IO pings itself. */
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), self);
  g_signal_connect (ws, "error", G_CALLBACK (on_error), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), self);
  return RC_EIO_TRANSPORT (self);
}

static void
rc_eio_websocket_dispose (GObject *object)
{
  RcEioWebsocket *self = RC_EIO_WEBSOCKET (object);
  if (self->ws) {
    g_signal_handlers_disconnect_by_data (self->ws, self);
    g_clear_object (&self->ws);
  }
  G_OBJECT_CLASS (rc_eio_websocket_parent_class)->dispose (object);
}

static void
rc_eio_websocket_finalize (GObject *object)
{
  RcEioWebsocket *self = RC_EIO_WEBSOCKET (object);
  g_free (self->close_reason);
  g_free (self->error_reason);
  G_OBJECT_CLASS (rc_eio_websocket_parent_class)->finalize (object);
}

static void
rc_eio_websocket_class_init (RcEioWebsocketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  RcEioTransportClass *transport_class = RC_EIO_TRANSPORT_CLASS (klass);

  object_class->dispose = rc_eio_websocket_dispose;
  object_class->finalize = rc_eio_websocket_finalize;
  transport_class->name = "websocket";
  transport_class->send = send_packet;
  transport_class->close = close_transport;
  transport_class->congested = congested;
}

static void
rc_eio_websocket_init (RcEioWebsocket *self)
{
}
