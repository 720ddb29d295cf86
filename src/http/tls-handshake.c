/* roomcast: one accepted connection's TLS handshake; see tls-handshake.h. */
#include "http/tls-handshake.h"
#include "http/fair-io-stream.h"
#include "core/metrics.h"

#include <errno.h>
#include <sys/socket.h>

/* Every TLS client starts with a record of this content type (handshake),
 * its ClientHello. */
#define TLS_RECORD_HANDSHAKE 0x16

#define PLAIN_BODY \
  "{\"error\":{\"code\":\"tls_required\",\"message\":\"this port serves HTTPS: use https:// " \
  "or " \
  "wss://\"}}"
#define PLAIN_REPLY \
  "HTTP/1.1 400 Bad Request\r\n" \
  "Content-Type: application/json\r\n" \
  "Connection: close\r\n" \
  "Content-Length: %u\r\n\r\n" PLAIN_BODY

struct _RcTlsHandshake {
  GSocketConnection *connection;
  GSocket *socket; /* the connection's */
  GTlsCertificate *certificate;
  GTlsConnection *tls; /* once the first bytes are in */
  GCancellable *cancellable;
  GSource *readable; /* waiting for the first bytes */
  guint deadline_id;
  guint timeout_ms;
  gboolean in_flight; /* the worker thread has the handshake */
  gboolean timed_out;
  RcTlsHandshakeDone done; /* NULL once cancelled */
  gpointer data;
};

static void
stop_waiting (RcTlsHandshake *hs)
{
  if (hs->readable) {
    g_source_destroy (hs->readable);
    g_clear_pointer (&hs->readable, g_source_unref);
  }
}

static void
handshake_free (RcTlsHandshake *hs)
{
  stop_waiting (hs);
  g_clear_handle_id (&hs->deadline_id, g_source_remove);
  g_clear_object (&hs->tls);
  g_clear_object (&hs->cancellable);
  g_clear_object (&hs->certificate);
  g_object_unref (hs->connection);
  g_free (hs);
}

/* Close the socket (never the TLS connection: that would write close_notify,
 * blocking), free everything, and tell the listener. */
static void
finish (RcTlsHandshake *hs, GIOStream *tls)
{
  RcTlsHandshakeDone done = hs->done;
  gpointer data = hs->data;

  if (tls == NULL)
    g_io_stream_close (G_IO_STREAM (hs->connection), NULL, NULL);
  if (done)
    done (tls, data);
  handshake_free (hs);
}

/* Count and log a failure, then close the connection: reset it (@reset)
 * when there is nothing left to say. */
static void
fail (RcTlsHandshake *hs, const char *reason, gboolean reset, const char *why)
{
  g_autofree char *labels = g_strdup_printf ("reason=\"%s\"", reason);
  g_autoptr (GSocketAddress) remote = g_socket_get_remote_address (hs->socket, NULL);
  g_autofree char *peer = remote
                            ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote))
                            : g_strdup ("a client");

  rc_metrics_counter_inc ("roomcast_http_tls_handshake_failures_total",
                          "Connections closed before their TLS handshake completed, by reason",
                          labels);
  g_debug ("http: TLS handshake with %s failed (%s): %s", peer, reason, why);
  if (reset)
    rc_http_socket_abort (hs->socket);
  finish (hs, NULL);
}

static void
on_handshake_done (GObject *source, GAsyncResult *result, gpointer data)
{
  RcTlsHandshake *hs = data;
  g_autoptr (GError) error = NULL;
  gboolean ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);

  hs->in_flight = FALSE;
  if (hs->done == NULL) {
    /* Cancelled by the listener, which reset the connection. */
    g_io_stream_close (G_IO_STREAM (hs->connection), NULL, NULL);
    handshake_free (hs);
  } else if (hs->timed_out) {
    g_autofree char *why = g_strdup_printf ("not done within %u ms", hs->timeout_ms);
    fail (hs, "timeout", TRUE, why);
  } else if (!ok) {
    fail (hs, "error", TRUE, error->message);
  } else {
    finish (hs, G_IO_STREAM (hs->tls));
  }
}

static void
start_handshake (RcTlsHandshake *hs)
{
  static const char *const protocols[] = { "http/1.1", NULL };
  g_autoptr (GError) error = NULL;
  GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (hs->connection), hs->certificate,
                                                &error);

  if (tls == NULL) {
    fail (hs, "error", TRUE, error->message);
    return;
  }
  hs->tls = G_TLS_CONNECTION (tls);
  /* Clients often just close: an end without close_notify is an end. HTTP
   * and WebSocket frame their own messages, so nothing can be cut short
   * unnoticed. */
  g_tls_connection_set_require_close_notify (hs->tls, FALSE);
  /* Said in ALPN so that a client offering h2 knows to speak HTTP/1.1. */
  g_tls_connection_set_advertised_protocols (hs->tls, protocols);
  hs->in_flight = TRUE;
  g_tls_connection_handshake_async (hs->tls, G_PRIORITY_LOW, hs->cancellable, on_handshake_done,
                                    hs);
}

/* A plain HTTP request on the HTTPS port: say so in plain HTTP. What it sent
 * is read first, so that closing does not reset the connection over our
 * answer. Best effort: the socket is new, its buffer has room. */
static void
answer_plain_http (RcTlsHandshake *hs)
{
  g_autofree char *text = g_strdup_printf (PLAIN_REPLY, (guint) strlen (PLAIN_BODY));
  int fd = g_socket_get_fd (hs->socket);
  char scratch[4096];

  for (guint i = 0; i < 4 && recv (fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0; i++)
    ;
  if (send (fd, text, strlen (text), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    g_debug ("http: cannot answer a plain HTTP request on the HTTPS port: %s",
             g_strerror (errno));
  g_socket_shutdown (hs->socket, FALSE, TRUE, NULL);
  fail (hs, "plain_http", FALSE, "a plain HTTP request on the HTTPS port (answered 400)");
}

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer data)
{
  RcTlsHandshake *hs = data;
  guint8 first;
  gssize n = recv (g_socket_get_fd (socket), &first, 1, MSG_PEEK | MSG_DONTWAIT);

  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&hs->readable, g_source_unref); /* removed by returning so */
  if (n <= 0)
    fail (hs, "closed", FALSE,
          n == 0 ? "the client closed the connection before a handshake" : g_strerror (errno));
  else if (first != TLS_RECORD_HANDSHAKE)
    answer_plain_http (hs);
  else
    start_handshake (hs);
  return G_SOURCE_REMOVE;
}

static gboolean
on_deadline (gpointer data)
{
  RcTlsHandshake *hs = data;

  hs->deadline_id = 0;
  hs->timed_out = TRUE;
  if (hs->in_flight) {
    /* The worker thread returns at once; on_handshake_done() counts it. */
    g_cancellable_cancel (hs->cancellable);
    rc_http_socket_abort (hs->socket);
  } else {
    g_autofree char *why = g_strdup_printf ("nothing received within %u ms", hs->timeout_ms);
    fail (hs, "timeout", TRUE, why);
  }
  return G_SOURCE_REMOVE;
}

RcTlsHandshake *
rc_tls_handshake_start (GSocketConnection *connection, GTlsCertificate *certificate,
                        guint timeout_ms, RcTlsHandshakeDone done, gpointer data)
{
  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (connection), NULL);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate) && done != NULL, NULL);
  RcTlsHandshake *hs = g_new0 (RcTlsHandshake, 1);

  hs->connection = g_object_ref (connection);
  hs->socket = g_socket_connection_get_socket (connection);
  hs->certificate = g_object_ref (certificate);
  hs->cancellable = g_cancellable_new ();
  hs->timeout_ms = timeout_ms;
  hs->done = done;
  hs->data = data;
  hs->readable = g_socket_create_source (hs->socket, G_IO_IN, NULL);
  g_source_set_callback (hs->readable, G_SOURCE_FUNC (on_readable), hs, NULL);
  g_source_set_static_name (hs->readable, "rc-tls-first-bytes");
  g_source_attach (hs->readable, NULL);
  hs->deadline_id = g_timeout_add (timeout_ms, on_deadline, hs);
  return hs;
}

void
rc_tls_handshake_cancel (RcTlsHandshake *hs)
{
  g_return_if_fail (hs != NULL);
  hs->done = NULL;
  rc_http_socket_abort (hs->socket);
  if (hs->in_flight) {
    /* Freed by on_handshake_done(), when the worker thread gives it back. */
    stop_waiting (hs);
    g_clear_handle_id (&hs->deadline_id, g_source_remove);
    g_cancellable_cancel (hs->cancellable);
    return;
  }
  finish (hs, NULL);
}
