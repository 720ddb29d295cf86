/* roomcast: what one HTTP request may cost before a handler sees it.
 *
 * libsoup 3.2 reads a request's whole body into memory before it calls
 * the handler, and waits as long as a client likes for its headers and
 * body: 300 MB streamed to an unauthenticated POST grew the daemon by
 * 300 MB, and a client sending a header byte a minute held a connection
 * for ever. An RcRequestGuard watches every request of its SoupServer:
 *
 * - Body size, per route: the longest path prefix registered with
 *   rc_request_guard_limit_body(), else RC_REQUEST_BODY_MAX_DEFAULT. A
 *   Content-Length over it is refused as soon as the headers are in; a
 *   chunked body is counted as it arrives and refused when it passes the
 *   limit. A refused body is never stored: libsoup reads the rest and
 *   drops it (it cannot answer before), then answers 413
 *   {"error":{"code":"too_large"}} and closes. With "Expect: 100-continue"
 *   the 413 goes out at once and nothing is read.
 * - Time: the request headers must be in within HTTP_HEADER_TIMEOUT_MS of
 *   the request's start (for a new connection, of its accept), and the
 *   body within HTTP_BODY_TIMEOUT_MS of the headers; past either the
 *   connection is shut down.
 *
 * - Connections per client address (client-ip.h): past
 *   HTTP_MAX_CONNECTIONS_PER_IP, a connection's first request is answered
 *   503 {"error":{"code":"too_many_connections"}} and the connection closed.
 *
 * Every refusal is counted in roomcast_http_requests_refused_total{reason}
 * (body_too_large, header_timeout, body_timeout, ip_connections). WebSocket messages are
 * bounded elsewhere (fair-io-stream.h).
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define RC_REQUEST_BODY_MAX_DEFAULT (16 * 1024)
#define RC_REQUEST_HEADER_TIMEOUT_MS 10000
#define RC_REQUEST_BODY_TIMEOUT_MS 30000

/* Guards every request @soup starts from now on, for its lifetime
 * (rc_http_server_new() does it for the daemon's server). */
void rc_request_guard_install (SoupServer *soup);
/* Sets the deadlines (HTTP_HEADER_TIMEOUT_MS, HTTP_BODY_TIMEOUT_MS). */
void rc_request_guard_set_timeouts (SoupServer *soup, guint header_ms, guint body_ms);

/* Count connections per client (X-Forwarded-For from @trusted_proxies),
 * at most @max_per_ip each (0: counted, not limited). FALSE (error set)
 * for a bad @trusted_proxies entry. */
gboolean rc_request_guard_limit_clients (SoupServer *soup, const char *trusted_proxies,
                                         guint max_per_ip, GError **error);

/* Requests whose path starts with @prefix may carry up to @max_bytes of
 * body. Call it next to soup_server_add_handler() for the same path, on a
 * @soup that has a guard (rc_http_server_new() installs one). */
void rc_request_guard_limit_body (SoupServer *soup, const char *prefix, gsize max_bytes);

G_END_DECLS
