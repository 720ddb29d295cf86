/* roomcast: the Engine.IO long-polling transport; see eio-polling.h.
 *
 * State: the packets queued for the next poll (one GString, joined with
 * \x1e as they will be sent), the GET being held, and, during an upgrade,
 * the WebSocket being probed. Ending a session: the held poll, or the next
 * one within the close timeout, carries the close packet, and "closed" is
 * reported once libsoup wrote that answer (so that a draining daemon does
 * not exit before the client read it). Everything on the main loop.
 */
#include "sio/eio-polling.h"

#include "http/send-backlog.h"
#include <string.h>

#define SEPARATOR '\x1e'

struct _RcEioPolling {
  RcEioTransport parent_instance;
  guint max_payload;
  gsize max_queued;
  guint close_timeout_ms;

  GString *queue;          /* packets for the next poll, joined with \x1e */
  SoupServerMessage *poll; /* the GET being held (paused), or NULL */
  guint flush_id;          /* answers the held poll with what was queued */

  gboolean closing;                /* the close packet goes out with the next answer */
  gboolean client_closed;          /* the client sent "1": it will not poll again */
  char *reason;                    /* what the client did wrong, if it did */
  SoupServerMessage *final_answer; /* the answer with the close packet, being written */
  guint close_timeout_id;          /* bounds the wait for the last poll and its writing */
  guint closed_id;                 /* reports "closed" */

  RcEioTransport *probe; /* the WebSocket being upgraded to, or NULL */
  gboolean probed;       /* "3probe" sent: polls are answered at once */
  guint upgrade_timeout_id;
};

G_DEFINE_FINAL_TYPE (RcEioPolling, rc_eio_polling, RC_TYPE_EIO_TRANSPORT)

static const char *const http_error_messages[] = {
  "Transport unknown", "Session ID unknown", "Bad handshake method",
  "Bad request",       "Forbidden",          "Unsupported protocol version",
};

void
rc_eio_reply_error (SoupServerMessage *msg, RcEioHttpError error)
{
  g_return_if_fail (error < G_N_ELEMENTS (http_error_messages));
  char *body = g_strdup_printf ("{\"code\":%d,\"message\":\"%s\"}", error,
                                http_error_messages[error]);
  soup_server_message_set_status (msg,
                                  error == RC_EIO_HTTP_FORBIDDEN ? SOUP_STATUS_FORBIDDEN
                                                                 : SOUP_STATUS_BAD_REQUEST,
                                  NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body,
                                    strlen (body));
}

/* --- answering polls ---------------------------------------------------- */

static void
append_packet (GString *out, const char *packet)
{
  if (out->len)
    g_string_append_c (out, SEPARATOR);
  g_string_append (out, packet);
}

/* Answers @msg with everything queued (a noop when nothing is, which
 * releases the client's poll), then the close packet if @with_close.
 * @held: @msg was paused by hold_poll(). */
static void
answer_poll (RcEioPolling *self, SoupServerMessage *msg, gboolean held, gboolean with_close)
{
  GString *body = g_steal_pointer (&self->queue);
  if (!body)
    body = g_string_new (NULL);
  if (with_close)
    append_packet (body, "1");
  if (!body->len)
    g_string_append_c (body, '6');
  gsize len = body->len;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  soup_server_message_set_response (msg, "text/plain; charset=UTF-8", SOUP_MEMORY_TAKE,
                                    g_string_free (body, FALSE), len);
  if (held)
    soup_server_message_unpause (msg);
}

static void
on_poll_gone (SoupServerMessage *msg, gpointer data)
{
  RcEioPolling *self = data;
  /* Its connection went (a client that left, the server stopping). The
   * session stays: it ends by ping timeout unless the client polls again. */
  g_signal_handlers_disconnect_by_data (msg, self);
  g_clear_object (&self->poll);
  g_clear_handle_id (&self->flush_id, g_source_remove);
}

static void
hold_poll (RcEioPolling *self, SoupServerMessage *msg)
{
  self->poll = g_object_ref (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (on_poll_gone), self);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_poll_gone), self);
  /* A status now: a message left without one after the handler goes on to
   * libsoup's WebSocket handshake (and its 400). */
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_pause (msg);
}

/* The held poll (transfer full), or NULL. */
static SoupServerMessage *
take_poll (RcEioPolling *self)
{
  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->poll)
    g_signal_handlers_disconnect_by_data (self->poll, self);
  return g_steal_pointer (&self->poll);
}

/* Answers the held poll, if any. */
static void
release_poll (RcEioPolling *self)
{
  g_autoptr (SoupServerMessage) msg = take_poll (self);
  if (msg)
    answer_poll (self, msg, TRUE, FALSE);
}

static gboolean
on_flush (gpointer data)
{
  RcEioPolling *self = data;
  self->flush_id = 0;
  release_poll (self);
  return G_SOURCE_REMOVE;
}

/* --- closing ------------------------------------------------------------ */

static gboolean
on_report_closed (gpointer data)
{
  RcEioPolling *self = data;
  g_autofree char *reason = g_steal_pointer (&self->reason);
  self->closed_id = 0;
  /* May drop the last reference to self: nothing after it. */
  rc_eio_transport_report_closed (RC_EIO_TRANSPORT (self), reason);
  return G_SOURCE_REMOVE;
}

/* The owner hears of it from the main loop, never inside one of its own
 * calls (see eio-polling.h). */
static void
report_closed_later (RcEioPolling *self)
{
  g_clear_handle_id (&self->close_timeout_id, g_source_remove);
  if (self->closed_id || rc_eio_transport_is_closed (RC_EIO_TRANSPORT (self)))
    return;
  self->closed_id = g_idle_add_full (G_PRIORITY_DEFAULT, on_report_closed, self, NULL);
}

static gboolean
on_close_timeout (gpointer data)
{
  RcEioPolling *self = data;
  self->close_timeout_id = 0;
  report_closed_later (self);
  return G_SOURCE_REMOVE;
}

static void
on_final_answer_done (SoupServerMessage *msg, gpointer data)
{
  RcEioPolling *self = data;
  g_signal_handlers_disconnect_by_data (msg, self);
  g_clear_object (&self->final_answer);
  report_closed_later (self);
}

/* Answers @msg with what is queued and the close packet, and reports
 * "closed" once that is written (or the close timeout passed). */
static void
answer_final (RcEioPolling *self, SoupServerMessage *msg, gboolean held)
{
  answer_poll (self, msg, held, TRUE);
  self->final_answer = g_object_ref (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (on_final_answer_done), self);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_final_answer_done), self);
  if (!self->close_timeout_id)
    self->close_timeout_id = g_timeout_add (self->close_timeout_ms, on_close_timeout, self);
}

static void
drop_probe (RcEioPolling *self)
{
  g_clear_handle_id (&self->upgrade_timeout_id, g_source_remove);
  self->probed = FALSE;
  if (!self->probe)
    return;
  g_autoptr (RcEioTransport) probe = g_steal_pointer (&self->probe);
  rc_eio_transport_set_handlers (probe, NULL, NULL);
  rc_eio_transport_close (probe);
}

/* Ends the session. @orderly: the client is fine and reads what is still
 * queued first; the close packet comes alone in the poll after that (as
 * engine.io sends it): socket.io-client handles the packets of an answer
 * after the close packet in it, on a later tick, and a closed client drops
 * them ("41" and the events before it would be lost). Otherwise the close
 * goes with the held poll, if any, and "closed" follows at once. */
static void
end_session (RcEioPolling *self, const char *reason, gboolean orderly)
{
  if (self->closing || rc_eio_transport_is_closed (RC_EIO_TRANSPORT (self)))
    return;
  self->closing = TRUE;
  self->reason = g_strdup (reason);
  drop_probe (self);
  g_autoptr (SoupServerMessage) msg = take_poll (self);
  if (self->client_closed) {
    if (msg)
      answer_poll (self, msg, TRUE, TRUE);
    report_closed_later (self);
  } else if (!orderly) {
    if (msg)
      answer_final (self, msg, TRUE);
    else
      report_closed_later (self);
  } else {
    if (msg && !self->queue)
      answer_final (self, msg, TRUE);
    else if (msg)
      answer_poll (self, msg, TRUE, FALSE);
    if (!self->close_timeout_id)
      self->close_timeout_id = g_timeout_add (self->close_timeout_ms, on_close_timeout, self);
  }
}

void
rc_eio_polling_abort (RcEioPolling *self, const char *reason)
{
  g_return_if_fail (RC_IS_EIO_POLLING (self));
  end_session (self, reason, FALSE);
}

/* --- upgrade ------------------------------------------------------------ */

/* The client's "5": what is still queued goes out on the WebSocket, in
 * order, and the owner is handed the WebSocket. */
static void
complete_upgrade (RcEioPolling *self)
{
  g_autoptr (RcEioPolling) keep = g_object_ref (self);
  g_autoptr (RcEioTransport) to = g_steal_pointer (&self->probe);

  g_clear_handle_id (&self->upgrade_timeout_id, g_source_remove);
  rc_eio_transport_set_handlers (to, NULL, NULL);
  if (self->queue) {
    /* Packets never hold \x1e: our JSON escapes control characters. */
    g_autoptr (GString) queued = g_steal_pointer (&self->queue);
    for (char *p = queued->str, *end = queued->str + queued->len; p < end;) {
      char *sep = memchr (p, SEPARATOR, end - p);
      if (sep)
        *sep = '\0';
      rc_eio_transport_send (to, p);
      p = sep ? sep + 1 : end;
    }
  }
  release_poll (self); /* a noop, if the client still polls */
  rc_eio_transport_report_upgraded (RC_EIO_TRANSPORT (self), to);
}

static gboolean
on_probe_packet (const char *data, gsize len, gpointer owner)
{
  RcEioPolling *self = owner;

  if (len == 6 && memcmp (data, "2probe", 6) == 0) {
    rc_eio_transport_send (self->probe, "3probe");
    /* Release the poll the client waits on, so that it can pause. */
    self->probed = TRUE;
    release_poll (self);
  } else if (len == 1 && data[0] == '5' && self->probed) {
    complete_upgrade (self);
  } else {
    g_debug ("eio: upgrade abandoned: unexpected packet on the probe");
    drop_probe (self);
  }
  return TRUE;
}

static void
on_probe_closed (const char *reason, gpointer owner)
{
  RcEioPolling *self = owner;
  g_debug ("eio: upgrade abandoned: the probe closed (%s)", reason ? reason : "by the client");
  drop_probe (self);
}

static void
on_probe_upgraded (RcEioTransport *to, gpointer owner)
{
  g_assert_not_reached (); /* a WebSocket is never upgraded */
}

static const RcEioTransportHandlers probe_handlers = {
  on_probe_packet,
  on_probe_closed,
  on_probe_upgraded,
};

static gboolean
on_upgrade_timeout (gpointer data)
{
  RcEioPolling *self = data;
  self->upgrade_timeout_id = 0;
  g_debug ("eio: upgrade abandoned: no upgrade packet within %u ms", RC_EIO_UPGRADE_TIMEOUT_MS);
  drop_probe (self);
  return G_SOURCE_REMOVE;
}

static gboolean
upgrade (RcEioTransport *transport, RcEioTransport *probe)
{
  RcEioPolling *self = RC_EIO_POLLING (transport);
  if (self->closing || self->probe)
    return FALSE;
  self->probe = g_object_ref (probe);
  rc_eio_transport_set_handlers (probe, &probe_handlers, self);
  self->upgrade_timeout_id = g_timeout_add (RC_EIO_UPGRADE_TIMEOUT_MS, on_upgrade_timeout,
                                            self);
  return TRUE;
}

/* --- RcEioTransport ----------------------------------------------------- */

static void
send_packet (RcEioTransport *transport, const char *packet)
{
  RcEioPolling *self = RC_EIO_POLLING (transport);

  if (self->closing)
    return;
  if (!self->queue)
    self->queue = g_string_new (NULL);
  append_packet (self->queue, packet);
  if (self->poll) {
    /* Everything queued in this main-loop iteration goes in one answer. */
    if (!self->flush_id)
      self->flush_id = g_idle_add_full (G_PRIORITY_DEFAULT, on_flush, self, NULL);
  } else if (self->queue->len > self->max_queued) {
    g_autofree char *reason = g_strdup_printf ("polling: more than %" G_GSIZE_FORMAT " bytes "
                                               "queued for a client that does not poll",
                                               self->max_queued);
    g_string_free (g_steal_pointer (&self->queue), TRUE);
    end_session (self, reason, FALSE);
  }
}

static void
close_transport (RcEioTransport *transport)
{
  /* The client polls again right after each answer: when no poll is held,
   * the next one carries the last packets and the close. */
  end_session (RC_EIO_POLLING (transport), NULL, TRUE);
}

/* --- requests ----------------------------------------------------------- */

/* Answers @msg with @status and ends the session for @reason. */
static void
refuse (RcEioPolling *self, SoupServerMessage *msg, guint status, const char *reason)
{
  g_debug ("eio: polling request refused: %s", reason);
  if (status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
    soup_server_message_set_status (msg, status, NULL);
  else
    rc_eio_reply_error (msg, RC_EIO_HTTP_BAD_REQUEST);
  end_session (self, reason, FALSE);
}

static void
handle_get (RcEioPolling *self, SoupServerMessage *msg)
{
  if (self->poll) {
    refuse (self, msg, SOUP_STATUS_BAD_REQUEST,
            "protocol error: a second poll while one is held");
  } else if (self->closing) {
    /* The last packets, then the close; a poll past that is refused. */
    if (self->final_answer || self->closed_id)
      rc_eio_reply_error (msg, RC_EIO_HTTP_BAD_REQUEST);
    else if (self->queue)
      answer_poll (self, msg, FALSE, FALSE);
    else
      answer_final (self, msg, FALSE);
  } else if (self->queue || self->probed) {
    answer_poll (self, msg, FALSE, FALSE);
  } else {
    hold_poll (self, msg);
  }
}

static void
handle_post (RcEioPolling *self, SoupServerMessage *msg)
{
  g_autoptr (RcEioPolling) keep = g_object_ref (self);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr (GBytes)
    body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  if (len > self->max_payload) {
    /* Only without a Content-Length: the server refuses a longer one
     * before reading the body. */
    g_autofree char *reason = g_strdup_printf ("protocol error: POST of %" G_GSIZE_FORMAT
                                               " bytes exceeds maxPayload (%u)",
                                               len, self->max_payload);
    refuse (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, reason);
    return;
  }
  if (len == 0) {
    refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "parse error: empty POST");
    return;
  }
  if (g_strcmp0 (type, "application/octet-stream") == 0) {
    refuse (self, msg, SOUP_STATUS_BAD_REQUEST,
            "parse error: binary payloads are not supported");
    return;
  }
  gboolean accepted = TRUE;
  for (const char *p = data, *end = data + len; accepted;) {
    const char *sep = memchr (p, SEPARATOR, end - p);
    gsize n = (sep ? sep : end) - p;
    if (n == 1 && p[0] == '1') {
      /* The client closes: it will not poll again. */
      self->client_closed = TRUE;
      if (self->closing)
        report_closed_later (self);
    }
    /* Once closing, nothing more reaches the owner. */
    if (!self->closing)
      accepted = rc_eio_transport_receive (RC_EIO_TRANSPORT (self), p, n);
    if (!sep)
      break;
    p = sep + 1;
  }
  if (!accepted) {
    /* The owner is closing the session for it already. */
    rc_eio_reply_error (msg, RC_EIO_HTTP_BAD_REQUEST);
    return;
  }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  /* text/html, as engine.io answers: some browsers offer to download a
   * text/plain answer. */
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, "ok", 2);
}

void
rc_eio_polling_handle_request (RcEioPolling *self, SoupServerMessage *msg)
{
  g_return_if_fail (RC_IS_EIO_POLLING (self));
  const char *method = soup_server_message_get_method (msg);

  if (rc_eio_transport_is_closed (RC_EIO_TRANSPORT (self)))
    rc_eio_reply_error (msg, RC_EIO_HTTP_UNKNOWN_SID);
  else if (method == SOUP_METHOD_GET)
    handle_get (self, msg);
  else if (method == SOUP_METHOD_POST)
    handle_post (self, msg);
  else
    rc_eio_reply_error (msg, RC_EIO_HTTP_BAD_REQUEST);
}

RcEioTransport *
rc_eio_polling_new (guint max_payload, gsize max_queued, guint close_timeout_ms)
{
  RcEioPolling *self = g_object_new (RC_TYPE_EIO_POLLING, NULL);
  self->max_payload = max_payload;
  self->max_queued = max_queued;
  self->close_timeout_ms = close_timeout_ms;
  return RC_EIO_TRANSPORT (self);
}

static void
rc_eio_polling_dispose (GObject *object)
{
  RcEioPolling *self = RC_EIO_POLLING (object);

  drop_probe (self);
  /* The session is over: a poll still held learns it. */
  self->closing = TRUE;
  g_autoptr (SoupServerMessage) msg = take_poll (self);
  if (msg)
    answer_poll (self, msg, TRUE, TRUE);
  if (self->final_answer) {
    g_signal_handlers_disconnect_by_data (self->final_answer, self);
    g_clear_object (&self->final_answer);
  }
  g_clear_handle_id (&self->closed_id, g_source_remove);
  g_clear_handle_id (&self->close_timeout_id, g_source_remove);
  G_OBJECT_CLASS (rc_eio_polling_parent_class)->dispose (object);
}

static void
rc_eio_polling_finalize (GObject *object)
{
  RcEioPolling *self = RC_EIO_POLLING (object);
  if (self->queue)
    g_string_free (self->queue, TRUE);
  g_free (self->reason);
  G_OBJECT_CLASS (rc_eio_polling_parent_class)->finalize (object);
}

/* A client that does not poll for a while: packets carrying only current
 * state are dropped rather than queued (send-backlog.h's threshold). */
static gboolean
congested (RcEioTransport *transport)
{
  RcEioPolling *self = RC_EIO_POLLING (transport);
  /* queue is NULL while nothing waits (a poll just took it). */
  return self->queue != NULL && self->queue->len > RC_SEND_BACKLOG_CONGESTED_BYTES;
}

static void
rc_eio_polling_class_init (RcEioPollingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  RcEioTransportClass *transport_class = RC_EIO_TRANSPORT_CLASS (klass);

  object_class->dispose = rc_eio_polling_dispose;
  object_class->finalize = rc_eio_polling_finalize;
  transport_class->name = "polling";
  transport_class->send = send_packet;
  transport_class->close = close_transport;
  transport_class->upgrade = upgrade;
  transport_class->congested = congested;
}

static void
rc_eio_polling_init (RcEioPolling *self)
{
}
