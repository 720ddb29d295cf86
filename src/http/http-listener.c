/* roomcast: accepting HTTP connections ourselves; see http-listener.h. */
#include "http/http-listener.h"
#include "http/fair-io-stream.h"
#include "core/backoff.h"
#include "core/metrics.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* Connections accepted per main-loop iteration, so a connection storm
 * cannot starve everything else on the loop. */
#define ACCEPT_BATCH 32
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 1000
/* Refusals and accept failures are logged at most this often. */
#define LOG_INTERVAL_US (10 * G_USEC_PER_SEC)

#define REFUSAL_BODY \
  "{\"error\":{\"code\":\"overloaded\",\"message\":\"the server is at its connection limit; " \
  "retry later\"}}"
#define REFUSAL \
  "HTTP/1.1 503 Service Unavailable\r\n" \
  "Content-Type: application/json\r\n" \
  "Retry-After: 5\r\n" \
  "Connection: close\r\n" \
  "Content-Length: %u\r\n\r\n" REFUSAL_BODY

/* Open-connection count, shared with the sockets' weak references so a
 * socket that outlives the listener (a WebSocket at shutdown) finds it. */
typedef struct {
  gatomicrefcount ref;
  gint open; /* atomic: a socket may be finalised on any thread */
} Counter;

static Counter *
counter_ref (Counter *c)
{
  g_atomic_ref_count_inc (&c->ref);
  return c;
}

static void
counter_unref (Counter *c)
{
  if (g_atomic_ref_count_dec (&c->ref))
    g_free (c);
}

struct _RcHttpListener {
  GObject parent_instance;
  SoupServer *soup;
  GSocket *socket;
  GSource *source; /* accept watch, NULL while backing off */
  guint backoff_id;
  RcBackoff backoff; /* accept failures of this episode */
  gint64 backoff_since_us;
  Counter *counter;
  guint max_connections;
  guint fd_limit;
  guint fd_reserve;
  gint64 last_refusal_log_us;
  guint refused_since_log;
  /* The self-connection of check_alive(): its local address, as the
   * listener will see it as remote. */
  gboolean probing; /* a self-connection was attempted since the last check */
  GSocket *probe;
  GInetSocketAddress *probe_addr;
  gboolean probe_accepted;
};

G_DEFINE_FINAL_TYPE (RcHttpListener, rc_http_listener, G_TYPE_OBJECT)

/* On the remote address object handed to libsoup: a weak reference to the
 * accepted socket, for rc_http_listener_shutdown_connection(). */
static GQuark
socket_of_remote_quark (void)
{
  return g_quark_from_static_string ("rc-http-listener-socket");
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static gboolean on_incoming (GSocket *socket, GIOCondition condition, gpointer data);

static void
watch (RcHttpListener *self)
{
  self->source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->source, G_SOURCE_FUNC (on_incoming), self, NULL);
  g_source_set_static_name (self->source, "rc-http-accept");
  g_source_attach (self->source, NULL);
}

static void
unwatch (RcHttpListener *self)
{
  if (self->source) {
    g_source_destroy (self->source);
    g_clear_pointer (&self->source, g_source_unref);
  }
}

static gboolean
on_backoff_over (gpointer data)
{
  RcHttpListener *self = data;

  self->backoff_id = 0;
  watch (self);
  return G_SOURCE_REMOVE;
}

/* Stop polling for a moment: the listening socket stays readable while
 * accept() fails, and polling it would spin. The backlog keeps the
 * connections that arrive meanwhile. */
static void
back_off (RcHttpListener *self, const GError *error)
{
  rc_metrics_counter_inc ("roomcast_http_accept_errors_total",
                          "accept() failures on the HTTP port (the listener backs off and "
                          "retries)",
                          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES)
                            ? "reason=\"fd_limit\""
                            : "reason=\"other\"");
  guint delay = rc_backoff_next (&self->backoff);
  if (rc_backoff_is_first (&self->backoff)) {
    self->backoff_since_us = g_get_monotonic_time ();
    g_warning ("http: cannot accept connections: %s (%u descriptors allowed, %u open "
               "connections); retrying",
               error->message, self->fd_limit, (guint) g_atomic_int_get (&self->counter->open));
  }
  unwatch (self);
  self->backoff_id = g_timeout_add (delay, on_backoff_over, self);
}

static void
accepted_again (RcHttpListener *self)
{
  if (rc_backoff_get_failures (&self->backoff) == 0)
    return;
  g_message ("http: accepting connections again after %" G_GINT64_FORMAT
             " ms (%u failed attempts)",
             (g_get_monotonic_time () - self->backoff_since_us) / 1000,
             rc_backoff_get_failures (&self->backoff));
  rc_backoff_reset (&self->backoff);
}

static void
on_socket_finalized (gpointer data, GObject *where_the_object_was)
{
  Counter *c = data;

  g_atomic_int_add (&c->open, -1);
  counter_unref (c);
}

/* Answer 503 without reading the request and close. Best effort: the
 * socket is new, so its send buffer has room for these few bytes. */
static void
refuse (RcHttpListener *self, GSocket *client, const char *reason)
{
  g_autofree char *labels = g_strdup_printf ("reason=\"%s\"", reason);
  g_autofree char *text = g_strdup_printf (REFUSAL, (guint) strlen (REFUSAL_BODY));
  gint64 now = g_get_monotonic_time ();

  rc_metrics_counter_inc ("roomcast_http_connections_refused_total",
                          "Connections answered 503 and closed at once, by reason", labels);
  self->refused_since_log++;
  if (now - self->last_refusal_log_us >= LOG_INTERVAL_US) {
    g_warning ("http: refusing new connections (%s): %u open, descriptor reserve %u of %u; "
               "%u refused since the last message",
               reason, (guint) g_atomic_int_get (&self->counter->open), self->fd_reserve,
               self->fd_limit, self->refused_since_log);
    self->last_refusal_log_us = now;
    self->refused_since_log = 0;
  }
  g_socket_send (client, text, strlen (text), NULL, NULL);
  g_socket_shutdown (client, FALSE, TRUE, NULL);
  g_socket_close (client, NULL);
}

/* The self-connection of check_alive(): recognised by its address. */
static gboolean
is_probe (RcHttpListener *self, GSocket *client)
{
  if (!self->probe_addr)
    return FALSE;
  g_autoptr (GSocketAddress) remote = g_socket_get_remote_address (client, NULL);
  if (!remote || !G_IS_INET_SOCKET_ADDRESS (remote))
    return FALSE;
  GInetSocketAddress *r = G_INET_SOCKET_ADDRESS (remote);
  return g_inet_socket_address_get_port (r) ==
           g_inet_socket_address_get_port (self->probe_addr) &&
         g_inet_address_equal (g_inet_socket_address_get_address (r),
                               g_inet_socket_address_get_address (self->probe_addr));
}

static void
serve (RcHttpListener *self, GSocket *client)
{
  g_autoptr (GError) error = NULL;
  int fd = g_socket_get_fd (client);

  if (is_probe (self, client)) {
    self->probe_accepted = TRUE;
    g_socket_close (client, NULL);
    return;
  }
  if (fd >= 0 && (guint) fd >= self->fd_limit - self->fd_reserve) {
    refuse (self, client, "fd_reserve");
    return;
  }
  if (self->max_connections &&
      (guint) g_atomic_int_get (&self->counter->open) >= self->max_connections) {
    refuse (self, client, "connection_cap");
    return;
  }
  g_socket_set_option (client, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  /* A peer that acknowledges nothing (gone, or a zero window it never
   * reopens) is dropped by the kernel instead of holding our buffers. */
  g_socket_set_option (client, IPPROTO_TCP, TCP_USER_TIMEOUT, RC_HTTP_TCP_USER_TIMEOUT_MS,
                       NULL);
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (client, &error);
  g_autoptr (GSocketAddress) remote = local ? g_socket_get_remote_address (client, &error)
                                            : NULL;
  if (!remote) {
    /* The client is gone already (ENOTCONN). */
    g_debug ("http: dropping a connection accepted after its client left: %s", error->message);
    g_socket_close (client, NULL);
    return;
  }
  g_atomic_int_inc (&self->counter->open);
  g_object_weak_ref (G_OBJECT (client), on_socket_finalized, counter_ref (self->counter));
  GWeakRef *socket_ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (socket_ref, client);
  g_object_set_qdata_full (G_OBJECT (remote), socket_of_remote_quark (), socket_ref,
                           weak_ref_free);
  g_autoptr (GSocketConnection) conn = g_socket_connection_factory_create_connection (client);
  /* Its fair share of the main loop: see fair-io-stream.h. */
  g_autoptr (GIOStream) fair = rc_fair_io_stream_new (G_IO_STREAM (conn));
  rc_metrics_counter_inc ("roomcast_http_connections_total", "Connections accepted", NULL);
  /* Cannot fail in libsoup 3.2; it owns the connection from here. */
  if (!soup_server_accept_iostream (self->soup, fair, local, remote, &error))
    g_warning ("http: libsoup refused a connection: %s", error->message);
}

static gboolean
on_incoming (GSocket *socket, GIOCondition condition, gpointer data)
{
  RcHttpListener *self = data;

  for (guint i = 0; i < ACCEPT_BATCH; i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GSocket) client = g_socket_accept (self->socket, NULL, &error);
    if (client) {
      accepted_again (self);
      serve (self, client);
      continue;
    }
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      break;
    /* A client that reset its connection before we took it: not ours. */
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
        g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
      continue;
    back_off (self, error);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

gboolean
rc_http_listener_check_alive (RcHttpListener *self)
{
  g_return_val_if_fail (RC_IS_HTTP_LISTENER (self), FALSE);
  gboolean alive = !self->probing || self->probe_accepted;

  if (self->probe) {
    g_socket_close (self->probe, NULL);
    g_clear_object (&self->probe);
  }
  g_clear_object (&self->probe_addr);
  self->probe_accepted = FALSE;
  self->probing = FALSE;
  if (!self->socket)
    return alive;
  self->probing = TRUE; /* a probe that cannot even start fails the next check */

  /* Connect to where we listen; a wildcard address means loopback. */
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (self->socket, &error);
  if (!bound) {
    g_warning ("http: self-check: %s", error->message);
    return alive;
  }
  GInetSocketAddress *isa = G_INET_SOCKET_ADDRESS (bound);
  GInetAddress *addr = g_inet_socket_address_get_address (isa);
  g_autoptr (GInetAddress)
    target_addr = g_inet_address_get_is_any (addr)
                    ? g_inet_address_new_loopback (g_inet_address_get_family (addr))
                    : g_object_ref (addr);
  g_autoptr (GSocketAddress)
    target = g_inet_socket_address_new (target_addr, g_inet_socket_address_get_port (isa));
  g_autoptr (GSocket)
    probe = g_socket_new (g_inet_address_get_family (addr), G_SOCKET_TYPE_STREAM,
                          G_SOCKET_PROTOCOL_TCP, &error);
  if (probe)
    g_socket_set_blocking (probe, FALSE);
  if (!probe || (!g_socket_connect (probe, target, NULL, &error) &&
                 !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))) {
    /* Out of descriptors, say: the next call reports it. */
    g_debug ("http: self-check cannot connect: %s", error->message);
    return alive;
  }
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (probe, NULL);
  if (local && G_IS_INET_SOCKET_ADDRESS (local)) {
    self->probe_addr = G_INET_SOCKET_ADDRESS (g_steal_pointer (&local));
    self->probe = g_steal_pointer (&probe);
  }
  return alive;
}

gboolean
rc_http_listener_is_accepting (RcHttpListener *self)
{
  g_return_val_if_fail (RC_IS_HTTP_LISTENER (self), FALSE);
  return self->source != NULL;
}

guint
rc_http_listener_get_n_connections (RcHttpListener *self)
{
  g_return_val_if_fail (RC_IS_HTTP_LISTENER (self), 0);
  return (guint) g_atomic_int_get (&self->counter->open);
}

GSocket *
rc_http_listener_get_socket (GSocketAddress *remote)
{
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (remote), NULL);
  GWeakRef *socket_ref = g_object_get_qdata (G_OBJECT (remote), socket_of_remote_quark ());
  return socket_ref ? g_weak_ref_get (socket_ref) : NULL;
}

gboolean
rc_http_listener_shutdown_connection (GSocketAddress *remote)
{
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (remote), FALSE);
  GWeakRef *socket_ref = g_object_get_qdata (G_OBJECT (remote), socket_of_remote_quark ());
  g_autoptr (GSocket) socket = socket_ref ? g_weak_ref_get (socket_ref) : NULL;
  if (socket == NULL || g_socket_is_closed (socket))
    return FALSE;
  /* An abort, not a goodbye: a client still sending learns at once (a
   * graceful close left it blocked on a full window until FIN-WAIT-2 timed
   * out, about a minute). libsoup reads end-of-stream and closes it. */
  return rc_http_socket_abort (socket);
}

guint
rc_http_listener_get_fd_reserve (RcHttpListener *self)
{
  g_return_val_if_fail (RC_IS_HTTP_LISTENER (self), 0);
  return self->fd_reserve;
}

void
rc_http_listener_close (RcHttpListener *self)
{
  g_return_if_fail (RC_IS_HTTP_LISTENER (self));
  unwatch (self);
  g_clear_handle_id (&self->backoff_id, g_source_remove);
  if (self->probe) {
    g_socket_close (self->probe, NULL);
    g_clear_object (&self->probe);
  }
  if (self->socket) {
    g_socket_close (self->socket, NULL);
    g_clear_object (&self->socket);
  }
}

static void
collect (GString *out, gpointer data)
{
  RcHttpListener *self = data;

  rc_metrics_append_gauge (out, "roomcast_http_connections_open",
                           "Accepted connections (plain HTTP and WebSocket) still open",
                           g_atomic_int_get (&self->counter->open));
}

RcHttpListener *
rc_http_listener_new (SoupServer *soup, GSocket *socket, guint max_connections)
{
  g_return_val_if_fail (SOUP_IS_SERVER (soup) && G_IS_SOCKET (socket), NULL);
  RcHttpListener *self = g_object_new (RC_TYPE_HTTP_LISTENER, NULL);
  struct rlimit rl = { 0 };

  self->soup = g_object_ref (soup);
  self->socket = g_object_ref (socket);
  self->max_connections = max_connections;
  /* The soft limit, as it is now (roomcastd raised it to the hard one at
   * start-up). A sixteenth is kept free, at least 32 and at most 4,096. */
  self->fd_limit = getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                     ? (guint) MIN (rl.rlim_cur, G_MAXINT)
                     : G_MAXINT;
  self->fd_reserve = CLAMP (self->fd_limit / 16, 32, 4096);
  self->fd_reserve = MIN (self->fd_reserve, self->fd_limit / 2);
  g_socket_set_blocking (socket, FALSE);
  watch (self);
  rc_metrics_register_collector (collect, self);
  return self;
}

static void
rc_http_listener_finalize (GObject *object)
{
  RcHttpListener *self = RC_HTTP_LISTENER (object);

  rc_metrics_unregister_collector (collect, self);
  rc_http_listener_close (self);
  g_clear_object (&self->probe_addr);
  counter_unref (self->counter);
  g_object_unref (self->soup);
  G_OBJECT_CLASS (rc_http_listener_parent_class)->finalize (object);
}

static void
rc_http_listener_class_init (RcHttpListenerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_http_listener_finalize;
}

static void
rc_http_listener_init (RcHttpListener *self)
{
  rc_backoff_init (&self->backoff, BACKOFF_MIN_MS, BACKOFF_MAX_MS, 0);
  self->counter = g_new0 (Counter, 1);
  g_atomic_ref_count_init (&self->counter->ref);
}
