/* roomcast: bounds on a request before its handler; see request-guard.h. */
#include "http/request-guard.h"
#include "http/http-listener.h"
#include "http/client-ip.h"
#include "http/http-server.h"
#include "core/metrics.h"

#include <string.h>

/* Lives as long as its SoupServer (qdata). */
typedef struct {
  GHashTable *limits; /* path prefix -> max body bytes (GSIZE_TO_POINTER) */
  guint header_ms, body_ms;
  RcClientIps *ips; /* connections per client address; NULL: not counted */
  gint64 last_ip_log_us;
} RcRequestGuard;

/* One request's watch, freed with its message. */
typedef struct {
  RcRequestGuard *guard;
  SoupServerMessage *msg; /* not a reference: this lives on it */
  guint timer;
  gsize max, received;
  gboolean headers_in, refused;
} Watch;

static GQuark
guard_of_soup_quark (void)
{
  return g_quark_from_static_string ("rc-request-guard");
}

static GQuark
watch_of_message_quark (void)
{
  return g_quark_from_static_string ("rc-request-guard-watch");
}

static void
count_refusal (const char *reason)
{
  g_autofree char *labels = g_strdup_printf ("reason=\"%s\"", reason);
  rc_metrics_counter_inc ("roomcast_http_requests_refused_total",
                          "HTTP requests refused before their handler", labels);
}

static void
watch_free (gpointer data)
{
  Watch *w = data;
  g_clear_handle_id (&w->timer, g_source_remove);
  g_free (w);
}

static gsize
limit_for (RcRequestGuard *self, const char *path)
{
  gsize best_len = 0, max = RC_REQUEST_BODY_MAX_DEFAULT;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->limits);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    gsize len = strlen (key);
    if (len > best_len && g_str_has_prefix (path, key)) {
      best_len = len;
      max = GPOINTER_TO_SIZE (value);
    }
  }
  return max;
}

static gboolean
on_deadline (gpointer data)
{
  Watch *w = data;
  const char *reason = w->headers_in ? "body_timeout" : "header_timeout";

  w->timer = 0;
  count_refusal (reason);
  GSocketAddress *remote = soup_server_message_get_remote_address (w->msg);
  g_debug ("http: closing a connection: %s", reason);
  if (remote)
    rc_http_listener_shutdown_connection (remote);
  return G_SOURCE_REMOVE;
}

static void
start_timer (Watch *w, guint ms)
{
  g_clear_handle_id (&w->timer, g_source_remove);
  w->timer = g_timeout_add (ms, on_deadline, w);
}

/* The request's connection counted for its client address; FALSE (and a
 * 503 answer) past HTTP_MAX_CONNECTIONS_PER_IP. */
static gboolean
admit_client (Watch *w, SoupMessageHeaders *headers)
{
  RcRequestGuard *guard = w->guard;
  GSocketAddress *remote = soup_server_message_get_remote_address (w->msg);

  if (guard->ips == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return TRUE;
  g_autoptr (GSocket) socket = rc_http_listener_get_socket (remote);
  if (socket == NULL)
    return TRUE;
  g_autofree char *client =
    rc_client_ips_resolve (guard->ips,
                           g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)),
                           soup_message_headers_get_one (headers, "X-Forwarded-For"));
  if (rc_client_ips_admit (guard->ips, socket, client))
    return TRUE;

  gint64 now = g_get_monotonic_time ();
  if (now - guard->last_ip_log_us > 10 * G_USEC_PER_SEC) {
    guard->last_ip_log_us = now;
    g_info ("http: refusing connections from %s: HTTP_MAX_CONNECTIONS_PER_IP reached "
            "(logged at most every 10 s)",
            client);
  }
  soup_message_body_set_accumulate (soup_server_message_get_request_body (w->msg), FALSE);
  rc_http_reply_error (w->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "too_many_connections",
                       "this address holds too many connections (HTTP_MAX_CONNECTIONS_PER_IP)");
  soup_message_headers_replace (soup_server_message_get_response_headers (w->msg), "Connection",
                                "close");
  soup_message_headers_replace (soup_server_message_get_response_headers (w->msg),
                                "Retry-After", "5");
  count_refusal ("ip_connections");
  return FALSE;
}

/* Nothing more of the body is stored, and the answer is a 413. */
static void
refuse (Watch *w)
{
  SoupMessageBody *body = soup_server_message_get_request_body (w->msg);
  g_autofree char *message = g_strdup_printf ("the request body is over %" G_GSIZE_FORMAT
                                              " bytes",
                                              w->max);

  w->refused = TRUE;
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);
  rc_http_reply_error (w->msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large", message);
  soup_message_headers_replace (soup_server_message_get_response_headers (w->msg), "Connection",
                                "close");
  count_refusal ("body_too_large");
}

static void
on_got_headers (SoupServerMessage *msg, gpointer data)
{
  Watch *w = data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);

  g_clear_handle_id (&w->timer, g_source_remove);
  w->headers_in = TRUE;
  if (!admit_client (w, headers)) {
    w->refused = TRUE;
    return;
  }
  w->max = limit_for (w->guard, g_uri_get_path (soup_server_message_get_uri (msg)));
  if (encoding == SOUP_ENCODING_NONE ||
      (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
       soup_message_headers_get_content_length (headers) == 0))
    return;
  /* An early handler may have answered already (it then reads nothing). */
  if (soup_server_message_get_status (msg) != 0)
    return;
  if (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) soup_message_headers_get_content_length (headers) > w->max)
    refuse (w);
  start_timer (w, w->guard->body_ms);
}

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer data)
{
  Watch *w = data;

  w->received += g_bytes_get_size (chunk);
  if (!w->refused && w->received > w->max)
    refuse (w);
}

static void
on_done (SoupServerMessage *msg, gpointer data)
{
  Watch *w = data;
  g_clear_handle_id (&w->timer, g_source_remove);
}

static void
on_request_started (SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
  RcRequestGuard *self = data;
  Watch *w = g_new0 (Watch, 1);

  w->guard = self;
  w->msg = msg;
  g_object_set_qdata_full (G_OBJECT (msg), watch_of_message_quark (), w, watch_free);
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), w);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), w);
  g_signal_connect (msg, "got-body", G_CALLBACK (on_done), w);
  g_signal_connect (msg, "finished", G_CALLBACK (on_done), w);
  start_timer (w, self->header_ms);
}

static void
guard_free (gpointer data)
{
  RcRequestGuard *self = data;
  g_hash_table_unref (self->limits);
  rc_client_ips_free (self->ips);
  g_free (self);
}

static RcRequestGuard *
guard_of (SoupServer *soup)
{
  return g_object_get_qdata (G_OBJECT (soup), guard_of_soup_quark ());
}

void
rc_request_guard_install (SoupServer *soup)
{
  g_return_if_fail (SOUP_IS_SERVER (soup) && guard_of (soup) == NULL);
  RcRequestGuard *self = g_new0 (RcRequestGuard, 1);

  self->limits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->header_ms = RC_REQUEST_HEADER_TIMEOUT_MS;
  self->body_ms = RC_REQUEST_BODY_TIMEOUT_MS;
  g_object_set_qdata_full (G_OBJECT (soup), guard_of_soup_quark (), self, guard_free);
  g_signal_connect (soup, "request-started", G_CALLBACK (on_request_started), self);
}

void
rc_request_guard_set_timeouts (SoupServer *soup, guint header_ms, guint body_ms)
{
  RcRequestGuard *self = guard_of (soup);
  g_return_if_fail (self != NULL && header_ms > 0 && body_ms > 0);
  self->header_ms = header_ms;
  self->body_ms = body_ms;
}

void
rc_request_guard_limit_body (SoupServer *soup, const char *prefix, gsize max_bytes)
{
  g_return_if_fail (SOUP_IS_SERVER (soup) && prefix != NULL);
  RcRequestGuard *self = guard_of (soup);
  g_return_if_fail (self != NULL);
  g_hash_table_replace (self->limits, g_strdup (prefix), GSIZE_TO_POINTER (max_bytes));
}

gboolean
rc_request_guard_limit_clients (SoupServer *soup, const char *trusted_proxies, guint max_per_ip,
                                GError **error)
{
  RcRequestGuard *self = guard_of (soup);
  g_return_val_if_fail (self != NULL, FALSE);
  RcClientIps *ips = rc_client_ips_new (trusted_proxies, max_per_ip, error);
  if (ips == NULL)
    return FALSE;
  rc_client_ips_free (self->ips);
  self->ips = ips;
  return TRUE;
}
