/* roomcast: bounds on a request before its handler; see request-guard.h. */
#include "http/request-guard.h"
#include "http/http-listener.h"
#include "core/metrics.h"

#include <string.h>

/* Lives as long as its SoupServer (qdata). */
typedef struct {
  GHashTable *limits; /* path prefix -> max body bytes (GSIZE_TO_POINTER) */
  guint header_ms, body_ms;
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

/* Nothing more of the body is stored, and the answer is a 413. */
static void
refuse (Watch *w)
{
  SoupMessageBody *body = soup_server_message_get_request_body (w->msg);
  g_autofree char *text = g_strdup_printf ("{\"error\":{\"code\":\"too_large\",\"message\":"
                                           "\"the request body is over %" G_GSIZE_FORMAT
                                           " bytes\"}}",
                                           w->max);
  gsize len = strlen (text);

  w->refused = TRUE;
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);
  soup_server_message_set_status (w->msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (w->msg), "Connection",
                                "close");
  soup_server_message_set_response (w->msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), len);
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
