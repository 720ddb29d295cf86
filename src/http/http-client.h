/* roomcast: outbound HTTP on the main loop.
 *
 * One libcurl multi handle driven by one GSource: curl tells us which
 * sockets to watch (CURLMOPT_SOCKETFUNCTION) and when its next timeout is
 * (CURLMOPT_TIMERFUNCTION); the source's poll results and ready time drive
 * curl_multi_socket_action(). Connections are kept and reused between
 * requests; names are resolved by curl's threaded resolver. Nothing blocks
 * the main loop. Everything that calls Laravel goes through one instance.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RC_HTTP_CLIENT_ERROR (rc_http_client_error_quark ())
GQuark rc_http_client_error_quark (void);

typedef enum {
  RC_HTTP_CLIENT_ERROR_TIMEOUT,     /* connect or total timeout reached */
  RC_HTTP_CLIENT_ERROR_UNREACHABLE, /* name not resolved, connection refused or unroutable */
  RC_HTTP_CLIENT_ERROR_FAILED, /* connected, then no valid answer (reset, empty reply, TLS) */
  RC_HTTP_CLIENT_ERROR_TOO_LARGE, /* answer body over RC_HTTP_CLIENT_MAX_BODY */
  RC_HTTP_CLIENT_ERROR_INVALID,   /* the request itself is unusable (bad URL or header) */
} RcHttpClientError;

/* Largest response body accepted: more is an error, not a memory problem. */
#define RC_HTTP_CLIENT_MAX_BODY (1024 * 1024)

typedef struct {
  guint status;       /* HTTP status */
  GBytes *body;       /* never NULL; may be empty */
  char *content_type; /* nullable */
} RcHttpResponse;

void rc_http_response_free (RcHttpResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcHttpResponse, rc_http_response_free)

#define RC_TYPE_HTTP_CLIENT (rc_http_client_get_type ())
G_DECLARE_FINAL_TYPE (RcHttpClient, rc_http_client, RC, HTTP_CLIENT, GObject)

/* Every request gets these connect and total timeouts (milliseconds). */
RcHttpClient *rc_http_client_new (guint connect_timeout_ms, guint timeout_ms);

typedef enum {
  RC_HTTP_REQUEST_DEFAULT = 0,
  /* Send the request at most once. libcurl silently sends a request again
   * when the reused keep-alive connection it went out on turns out to be
   * closed before any answer; for a POST that is not idempotent that hides
   * a delivery the server may have acted on. With this flag the request
   * gets a fresh connection (closed afterwards), so a lost answer is an
   * error the caller sees and handles. */
  RC_HTTP_REQUEST_ONCE = 1 << 0,
} RcHttpRequestFlags;

/* Start a request. @headers are "Name: value" strings, NULL-terminated,
 * nullable; a header containing CR or LF is refused. @body (nullable) is
 * sent as is (a POST with no @body sends an empty one). Any HTTP status is
 * a success of the request: the caller interprets it. Redirects are not
 * followed. Cancelling @cancellable ends the request with
 * G_IO_ERROR_CANCELLED. */
void rc_http_client_request_async (RcHttpClient *self, const char *method, const char *url,
                                   const char *const *headers, GBytes *body,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
/* The same, with @flags. */
void rc_http_client_request_full_async (RcHttpClient *self, const char *method, const char *url,
                                        const char *const *headers, GBytes *body,
                                        RcHttpRequestFlags flags, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
RcHttpResponse *rc_http_client_request_finish (RcHttpClient *self, GAsyncResult *result,
                                               GError **error);

/* Requests started and not finished (tests, metrics). */
guint rc_http_client_get_n_active (RcHttpClient *self);

G_END_DECLS
