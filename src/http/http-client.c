/* roomcast: outbound HTTP with libcurl's multi interface; see http-client.h.
 *
 * The "socket action" style of curl multi, on GLib: one custom GSource
 * holds every socket curl asked us to watch (g_source_add_unix_fd, with
 * the tag kept by curl_multi_assign) and curl's timer as the source's
 * ready time. Its dispatch hands the ready sockets, then an expired timer,
 * to curl_multi_socket_action() and completes the finished transfers.
 * Curl's callbacks only record what to watch; user code (task callbacks)
 * never runs inside a curl call, so it may start new requests freely.
 */
#include "http/http-client.h"

#include <string.h>

#include <curl/curl.h>

#include "roomcast-build-config.h"
#include "core/metrics.h"

GQuark
rc_http_client_error_quark (void)
{
  return g_quark_from_static_string ("rc-http-client-error-quark");
}

/* Idle connections kept for reuse. */
#define MAX_CACHED_CONNECTIONS 16
/* Parallel connections to one host (php-fpm has few workers); curl queues
 * the other requests until a connection is free. */
#define MAX_HOST_CONNECTIONS 8

typedef struct {
  GSource source;
  RcHttpClient *client; /* weak: the client destroys the source first */
} CurlSource;

typedef struct {
  RcHttpClient *self;
  CURL *easy;
  GTask *task;
  struct curl_slist *headers;
  GBytes *request_body;
  GByteArray *response_body;
  gboolean too_large;
  GCancellable *cancellable;
  gulong cancel_id;
  char errbuf[CURL_ERROR_SIZE];
} Request;

struct _RcHttpClient {
  GObject parent_instance;
  CURLM *multi;
  CurlSource *source;
  GHashTable *sockets;  /* fd -> GSource unix fd tag */
  GHashTable *requests; /* CURL * -> Request */
  guint connect_timeout_ms;
  guint timeout_ms;
};

G_DEFINE_FINAL_TYPE (RcHttpClient, rc_http_client, G_TYPE_OBJECT)

void
rc_http_response_free (RcHttpResponse *response)
{
  if (!response)
    return;
  g_bytes_unref (response->body);
  g_free (response->content_type);
  g_free (response);
}

/* --- curl callbacks: record only ------------------------------------------ */

static int
on_curl_socket (CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
  RcHttpClient *self = userp;
  GSource *source = (GSource *) self->source;
  gpointer tag = socketp;

  if (what == CURL_POLL_REMOVE) {
    if (tag && !g_source_is_destroyed (source))
      g_source_remove_unix_fd (source, tag);
    g_hash_table_remove (self->sockets, GINT_TO_POINTER (fd));
    return 0;
  }
  GIOCondition cond = ((what & CURL_POLL_IN) ? G_IO_IN : 0) |
                      ((what & CURL_POLL_OUT) ? G_IO_OUT : 0);
  if (tag) {
    g_source_modify_unix_fd (source, tag, cond);
  } else {
    tag = g_source_add_unix_fd (source, fd, cond);
    curl_multi_assign (self->multi, fd, tag);
    g_hash_table_insert (self->sockets, GINT_TO_POINTER (fd), tag);
  }
  return 0;
}

/* Curl's single timer is the source's ready time (-1: none, 0: now). */
static int
on_curl_timer (CURLM *multi, long timeout_ms, void *userp)
{
  RcHttpClient *self = userp;
  GSource *source = (GSource *) self->source;
  if (g_source_is_destroyed (source))
    return 0;
  g_source_set_ready_time (source, timeout_ms < 0
                                     ? -1
                                     : g_get_monotonic_time () + (gint64) timeout_ms * 1000);
  return 0;
}

static size_t
on_curl_write (char *data, size_t size, size_t nmemb, void *userp)
{
  Request *req = userp;
  size_t n = size * nmemb;
  if (req->response_body->len + n > RC_HTTP_CLIENT_MAX_BODY) {
    req->too_large = TRUE;
    return 0; /* curl aborts with CURLE_WRITE_ERROR */
  }
  g_byte_array_append (req->response_body, (const guint8 *) data, (guint) n);
  return n;
}

/* --- completion ----------------------------------------------------------- */

static void
request_free (Request *req)
{
  if (req->cancel_id)
    g_cancellable_disconnect (req->cancellable, req->cancel_id);
  g_clear_object (&req->cancellable);
  if (req->easy)
    curl_easy_cleanup (req->easy);
  curl_slist_free_all (req->headers);
  g_clear_pointer (&req->request_body, g_bytes_unref);
  g_clear_pointer (&req->response_body, g_byte_array_unref);
  g_clear_object (&req->task);
  g_free (req);
}

static void
count_result (const char *result)
{
  g_autofree char *labels = g_strdup_printf ("result=\"%s\"", result);
  rc_metrics_counter_inc ("roomcast_http_client_requests_total",
                          "Outbound HTTP requests, by result", labels);
}

/* Turns curl's result into the task's result. Messages name the failure
 * and the host, never headers (which carry the keys and tokens). */
static void
request_complete (Request *req, CURLcode code)
{
  RcHttpClient *self = req->self;
  GTask *task = g_steal_pointer (&req->task);
  long status = 0;
  char *content_type = NULL;

  curl_multi_remove_handle (self->multi, req->easy);
  g_hash_table_steal (self->requests, req->easy);
  curl_easy_getinfo (req->easy, CURLINFO_RESPONSE_CODE, &status);

  if (code == CURLE_OK) {
    curl_easy_getinfo (req->easy, CURLINFO_CONTENT_TYPE, &content_type);
    RcHttpResponse *response = g_new0 (RcHttpResponse, 1);
    response->status = (guint) status;
    response->body = g_byte_array_free_to_bytes (g_steal_pointer (&req->response_body));
    response->content_type = g_strdup (content_type);
    count_result ("ok");
    g_task_return_pointer (task, response, (GDestroyNotify) rc_http_response_free);
  } else {
    const char *detail = req->errbuf[0] ? req->errbuf : curl_easy_strerror (code);
    curl_off_t total_us = 0;
    curl_easy_getinfo (req->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      count_result ("timeout");
      /* Which limit struck: the connect one ends the transfer earlier
       * (connect info is no help on a reused connection). */
      if (self->connect_timeout_ms < self->timeout_ms &&
          total_us < (curl_off_t) self->timeout_ms * 1000)
        g_task_return_new_error (task, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_TIMEOUT,
                                 "could not connect within %u ms", self->connect_timeout_ms);
      else
        g_task_return_new_error (task, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_TIMEOUT,
                                 "no complete answer within %u ms", self->timeout_ms);
      break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      count_result ("unreachable");
      g_task_return_new_error (task, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_UNREACHABLE,
                               "unreachable: %s", detail);
      break;
    default:
      if (code == CURLE_WRITE_ERROR && req->too_large) {
        count_result ("too_large");
        g_task_return_new_error (task, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_TOO_LARGE,
                                 "answer body larger than %d bytes", RC_HTTP_CLIENT_MAX_BODY);
      } else {
        count_result ("failed");
        g_task_return_new_error (task, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_FAILED,
                                 "%s (%s)", curl_easy_strerror (code), detail);
      }
      break;
    }
  }
  request_free (req);
  g_object_unref (task);
}

static void
drain_finished (RcHttpClient *self)
{
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read (self->multi, &left))) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    CURL *easy = msg->easy_handle;
    CURLcode code = msg->data.result;
    Request *req = g_hash_table_lookup (self->requests, easy);
    if (req)
      request_complete (req, code);
  }
}

/* --- the GSource ---------------------------------------------------------- */

typedef struct {
  curl_socket_t fd;
  int flags;
} Ready;

static gboolean
curl_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  RcHttpClient *self = ((CurlSource *) source)->client;
  int running = 0;
  g_autoptr (GArray) ready = g_array_new (FALSE, FALSE, sizeof (Ready));
  GHashTableIter iter;
  gpointer key, value;

  g_object_ref (self); /* a completion callback may drop the last reference */
  /* Collect first: socket_action changes the socket table. */
  g_hash_table_iter_init (&iter, self->sockets);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    GIOCondition rev = g_source_query_unix_fd (source, value);
    if (!rev)
      continue;
    Ready r = { GPOINTER_TO_INT (key), 0 };
    if (rev & G_IO_IN)
      r.flags |= CURL_CSELECT_IN;
    if (rev & G_IO_OUT)
      r.flags |= CURL_CSELECT_OUT;
    if (rev & (G_IO_ERR | G_IO_HUP | G_IO_NVAL))
      r.flags |= CURL_CSELECT_ERR;
    g_array_append_val (ready, r);
  }
  for (guint i = 0; i < ready->len; i++) {
    Ready *r = &g_array_index (ready, Ready, i);
    curl_multi_socket_action (self->multi, r->fd, r->flags, &running);
  }
  gint64 ready_time = g_source_get_ready_time (source);
  if (ready_time >= 0 && ready_time <= g_source_get_time (source)) {
    g_source_set_ready_time (source, -1);
    curl_multi_socket_action (self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  drain_finished (self);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs curl_source_funcs = {
  .dispatch = curl_source_dispatch,
};

/* --- requests ------------------------------------------------------------- */

typedef struct {
  RcHttpClient *self;
  CURL *easy;
} Abort;

static gboolean
abort_idle (gpointer data)
{
  Abort *a = data;
  Request *req = g_hash_table_lookup (a->self->requests, a->easy);
  if (req)
    request_complete (req, CURLE_ABORTED_BY_CALLBACK);
  g_object_unref (a->self);
  g_free (a);
  return G_SOURCE_REMOVE;
}

/* Runs in the cancelling code: finish from an idle, outside its stack. The
 * task reports G_IO_ERROR_CANCELLED (check-cancellable). */
static void
on_cancelled (GCancellable *cancellable, gpointer data)
{
  Request *req = data;
  Abort *a = g_new0 (Abort, 1);
  a->self = g_object_ref (req->self);
  a->easy = req->easy;
  g_idle_add (abort_idle, a);
}

static gboolean
header_is_safe (const char *h)
{
  return strchr (h, '\r') == NULL && strchr (h, '\n') == NULL && strchr (h, ':') != NULL;
}

void
rc_http_client_request_async (RcHttpClient *self, const char *method, const char *url,
                              const char *const *headers, GBytes *body,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  rc_http_client_request_full_async (self, method, url, headers, body, RC_HTTP_REQUEST_DEFAULT,
                                     cancellable, callback, user_data);
}

void
rc_http_client_request_full_async (RcHttpClient *self, const char *method, const char *url,
                                   const char *const *headers, GBytes *body,
                                   RcHttpRequestFlags flags, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_HTTP_CLIENT (self));
  g_return_if_fail (method != NULL && url != NULL);

  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rc_http_client_request_full_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  for (const char *const *h = headers; h && *h; h++)
    if (!header_is_safe (*h)) {
      g_task_return_new_error (task, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_INVALID,
                               "refusing a header with a line break or without a name");
      return;
    }

  Request *req = g_new0 (Request, 1);
  req->self = self;
  req->easy = curl_easy_init ();
  req->response_body = g_byte_array_new ();
  CURL *e = req->easy;
  curl_easy_setopt (e, CURLOPT_URL, url);
  curl_easy_setopt (e, CURLOPT_PRIVATE, req);
  curl_easy_setopt (e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
  curl_easy_setopt (e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt (e, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt (e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (e, CURLOPT_CONNECTTIMEOUT_MS, (long) self->connect_timeout_ms);
  curl_easy_setopt (e, CURLOPT_TIMEOUT_MS, (long) self->timeout_ms);
  curl_easy_setopt (e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (e, CURLOPT_USERAGENT, "roomcast/" ROOMCAST_VERSION);
  curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, on_curl_write);
  curl_easy_setopt (e, CURLOPT_WRITEDATA, req);
  curl_easy_setopt (e, CURLOPT_ERRORBUFFER, req->errbuf);
  /* curl re-sends only over a reused connection (see RC_HTTP_REQUEST_ONCE). */
  if (flags & RC_HTTP_REQUEST_ONCE) {
    curl_easy_setopt (e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt (e, CURLOPT_FORBID_REUSE, 1L);
  }

  /* "Expect:" stops curl from waiting for 100-continue on larger bodies. */
  req->headers = curl_slist_append (req->headers, "Expect:");
  for (const char *const *h = headers; h && *h; h++)
    req->headers = curl_slist_append (req->headers, *h);
  curl_easy_setopt (e, CURLOPT_HTTPHEADER, req->headers);

  if (g_ascii_strcasecmp (method, "GET") == 0) {
    curl_easy_setopt (e, CURLOPT_HTTPGET, 1L);
  } else {
    req->request_body = body ? g_bytes_ref (body) : g_bytes_new_static ("", 0);
    gsize len;
    const char *data = g_bytes_get_data (req->request_body, &len);
    curl_easy_setopt (e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
    curl_easy_setopt (e, CURLOPT_POSTFIELDS, len ? data : "");
    if (g_ascii_strcasecmp (method, "POST") != 0)
      curl_easy_setopt (e, CURLOPT_CUSTOMREQUEST, method);
  }

  req->task = g_steal_pointer (&task);
  g_hash_table_insert (self->requests, req->easy, req);
  if (cancellable) {
    req->cancellable = g_object_ref (cancellable);
    req->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), req, NULL);
  }
  CURLMcode mc = curl_multi_add_handle (self->multi, req->easy);
  if (mc != CURLM_OK) {
    g_hash_table_steal (self->requests, req->easy);
    g_task_return_new_error (req->task, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_INVALID,
                             "cannot start the request: %s", curl_multi_strerror (mc));
    request_free (req);
  }
}

RcHttpResponse *
rc_http_client_request_finish (RcHttpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
rc_http_client_get_n_active (RcHttpClient *self)
{
  return g_hash_table_size (self->requests);
}

static void
metrics_collector (GString *out, gpointer data)
{
  RcHttpClient *self = data;
  rc_metrics_append_gauge (out, "roomcast_http_client_active",
                           "Outbound HTTP requests in flight",
                           g_hash_table_size (self->requests));
}

RcHttpClient *
rc_http_client_new (guint connect_timeout_ms, guint timeout_ms)
{
  static gsize curl_ready;
  if (g_once_init_enter (&curl_ready)) {
    curl_global_init (CURL_GLOBAL_DEFAULT);
    g_once_init_leave (&curl_ready, 1);
  }
  RcHttpClient *self = g_object_new (RC_TYPE_HTTP_CLIENT, NULL);
  self->connect_timeout_ms = connect_timeout_ms;
  self->timeout_ms = timeout_ms;
  rc_metrics_register_collector (metrics_collector, self);
  return self;
}

static void
rc_http_client_dispose (GObject *object)
{
  RcHttpClient *self = RC_HTTP_CLIENT (object);

  /* Tasks hold a reference to the client, so this is normally empty. */
  if (self->requests) {
    g_autoptr (GList) reqs = g_hash_table_get_values (self->requests);
    for (GList *l = reqs; l; l = l->next)
      request_complete (l->data, CURLE_ABORTED_BY_CALLBACK);
  }
  if (self->multi) {
    curl_multi_cleanup (self->multi);
    self->multi = NULL;
    rc_metrics_unregister_collector (metrics_collector, self);
  }
  if (self->source) {
    g_source_destroy ((GSource *) self->source);
    g_source_unref ((GSource *) self->source);
    self->source = NULL;
  }
  G_OBJECT_CLASS (rc_http_client_parent_class)->dispose (object);
}

static void
rc_http_client_finalize (GObject *object)
{
  RcHttpClient *self = RC_HTTP_CLIENT (object);
  g_hash_table_unref (self->requests);
  g_hash_table_unref (self->sockets);
  G_OBJECT_CLASS (rc_http_client_parent_class)->finalize (object);
}

static void
rc_http_client_class_init (RcHttpClientClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_http_client_dispose;
  G_OBJECT_CLASS (klass)->finalize = rc_http_client_finalize;
}

static void
rc_http_client_init (RcHttpClient *self)
{
  self->sockets = g_hash_table_new (NULL, NULL);
  self->requests = g_hash_table_new (NULL, NULL);
  self->source = (CurlSource *) g_source_new (&curl_source_funcs, sizeof (CurlSource));
  self->source->client = self;
  g_source_set_name ((GSource *) self->source, "roomcast curl");
  g_source_attach ((GSource *) self->source, NULL);
  self->multi = curl_multi_init ();
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETDATA, self);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERDATA, self);
  curl_multi_setopt (self->multi, CURLMOPT_MAXCONNECTS, (long) MAX_CACHED_CONNECTIONS);
  curl_multi_setopt (self->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) MAX_HOST_CONNECTIONS);
}
