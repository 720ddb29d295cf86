/* roomcast: HTTP routes of the daemon; see http-server.h. */
#include "http/http-server.h"
#include "http/http-listener.h"
#include "http/request-guard.h"
#include "core/metrics.h"
#include "json/json-text.h"
#include "roomcast-build-config.h"

struct _RcHttpServer {
  GObject parent_instance;
  const RcConfig *config;
  SoupServer *soup;
  RcHttpListener *listener; /* NULL until listening */
  RcHealth *health;
  gint64 started_us; /* monotonic */
  guint port;
};

G_DEFINE_FINAL_TYPE (RcHttpServer, rc_http_server, G_TYPE_OBJECT)

void
rc_http_reply_json (SoupServerMessage *msg, guint status, JsonNode *body)
{
  g_autofree char *text = rc_json_to_string (body);
  gsize len = strlen (text);
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), len);
}

void
rc_http_reply_error (SoupServerMessage *msg, guint status, const char *code,
                     const char *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) node = json_builder_get_root (b);
  rc_http_reply_json (msg, status, node);
}

static gboolean
is_get (SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);
  return method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD;
}

static void
handle_health (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer data)
{
  RcHttpServer *self = data;
  if (!is_get (msg)) {
    rc_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", "use GET");
    return;
  }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, ROOMCAST_VERSION);
  json_builder_set_member_name (b, "uptime_s");
  json_builder_add_int_value (b, (g_get_monotonic_time () - self->started_us) / G_USEC_PER_SEC);
  gboolean healthy = rc_health_build (self->health, b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, healthy ? "ok" : "degraded");
  json_builder_end_object (b);
  g_autoptr (JsonNode) node = json_builder_get_root (b);
  rc_http_reply_json (msg, SOUP_STATUS_OK, node);
}

static void
handle_metrics (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer data)
{
  if (!is_get (msg)) {
    rc_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", "use GET");
    return;
  }
  char *text = rc_metrics_render ();
  gsize len = strlen (text);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, len);
}

static void
handle_default (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer data)
{
  rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such endpoint");
}

/* Plain HTTP connections are closed after their response (see
 * http-listener.h): say so, so that clients do not send a second request
 * on them. A WebSocket handshake sets its own Connection header. */
static void
on_request_read (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  if (!soup_message_headers_get_one (request, "Upgrade"))
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                  "close");
}

static void
on_request_finished (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  guint status = soup_server_message_get_status (msg);
  if (status == SOUP_STATUS_SWITCHING_PROTOCOLS)
    return;
  g_autofree char *labels = g_strdup_printf ("status=\"%u\"", status);
  rc_metrics_counter_inc ("roomcast_http_requests_total", "HTTP requests by status", labels);
}

RcHttpServer *
rc_http_server_new (const RcConfig *config)
{
  RcHttpServer *self = g_object_new (RC_TYPE_HTTP_SERVER, NULL);
  self->config = config;
  self->soup = soup_server_new ("server-header", "roomcast/" ROOMCAST_VERSION " ", NULL);
  /* No permessage-deflate: libsoup gives every WebSocket that negotiates it
   * its own zlib deflate and inflate state (about 300 KB allocated, ~80 KB of
   * it touched), which made an idle connection cost ~100 KB instead of ~5 KB.
   * Our frames are small JSON, where compression saves little. */
  soup_server_remove_websocket_extension (self->soup, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  /* Body size and header/body deadlines, before any handler runs. */
  rc_request_guard_install (self->soup);
  rc_request_guard_set_timeouts (self->soup, config->http_header_timeout_ms,
                                 config->http_body_timeout_ms);
  /* config.c checked TRUSTED_PROXIES already. */
  if (!rc_request_guard_limit_clients (self->soup, config->trusted_proxies,
                                       config->http_max_connections_per_ip, NULL))
    g_warn_if_reached ();
  soup_server_add_handler (self->soup, NULL, handle_default, self, NULL);
  soup_server_add_handler (self->soup, "/health", handle_health, self, NULL);
  soup_server_add_handler (self->soup, "/metrics", handle_metrics, self, NULL);
  g_signal_connect (self->soup, "request-read", G_CALLBACK (on_request_read), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (on_request_finished), self);
  return self;
}

SoupServer *
rc_http_server_get_soup (RcHttpServer *self)
{
  return self->soup;
}

/* GSocket's default backlog is 10: a burst of clients (a room filling up, a
 * reconnect storm after a blip) would see SYNs dropped and retried seconds
 * later. Listen on our own socket with a backlog sized for bursts. */
#define LISTEN_BACKLOG 1024

gboolean
rc_http_server_listen (RcHttpServer *self, GError **error)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (self->config->listen_addr);
  if (!addr) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "LISTEN_ADDR '%s' is not an IP address", self->config->listen_addr);
    return FALSE;
  }
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (addr, self->config->port);
  g_autoptr (GSocket)
    socket = g_socket_new (g_inet_address_get_family (addr), G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, error);
  if (!socket)
    return FALSE;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, sa, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (socket, error);
  if (!bound)
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_clear_object (&self->listener);
  self->listener = rc_http_listener_new (self->soup, socket,
                                         self->config->http_max_connections);
  g_info ("http: %u connections at most, %u of the process's descriptors kept for the rest",
          self->config->http_max_connections, rc_http_listener_get_fd_reserve (self->listener));
  return TRUE;
}

RcHttpListener *
rc_http_server_get_listener (RcHttpServer *self)
{
  return self->listener;
}

guint
rc_http_server_get_port (RcHttpServer *self)
{
  return self->port;
}

void
rc_http_server_stop_listening (RcHttpServer *self)
{
  /* Closes the listening socket and any plain HTTP connection; WebSocket
   * connections were taken over by their RcSioSocket and are not affected. */
  if (self->listener)
    rc_http_listener_close (self->listener);
  soup_server_disconnect (self->soup);
}

RcHealth *
rc_http_server_get_health (RcHttpServer *self)
{
  return self->health;
}

static void
rc_http_server_finalize (GObject *object)
{
  RcHttpServer *self = RC_HTTP_SERVER (object);
  g_clear_object (&self->listener);
  soup_server_disconnect (self->soup);
  g_object_unref (self->soup);
  rc_health_free (self->health);
  G_OBJECT_CLASS (rc_http_server_parent_class)->finalize (object);
}

static void
rc_http_server_class_init (RcHttpServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_http_server_finalize;
}

static void
rc_http_server_init (RcHttpServer *self)
{
  self->health = rc_health_new ();
  self->started_us = g_get_monotonic_time ();
}
