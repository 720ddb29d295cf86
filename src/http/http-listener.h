/* roomcast: the daemon's listening socket, accepted by us, served by libsoup.
 *
 * libsoup 3.2 (Debian 12) has its own listener, and it fails a server that
 * runs for months: after one accept() error (EMFILE at the fd limit) it
 * removes its accept source and never accepts again, silently; it also
 * leaks each accepted GSocket (fixed in 3.4.0), and it never notices a
 * client closing an idle keep-alive connection (fixed in 3.3.0), so every
 * plain HTTP connection left a descriptor in CLOSE-WAIT behind.
 *
 * RcHttpListener accepts on a socket of its own and hands each connection
 * to soup_server_accept_iostream(). With no libsoup listener, libsoup 3.2
 * closes a plain HTTP connection after its response (request_finished()
 * keeps a connection alive only for its own listeners), and rc-http-server
 * says so with "Connection: close": nothing waits idle, nothing leaks.
 * WebSocket upgrades are stolen by their handler, as with libsoup's own
 * listener.
 *
 * - Accept errors never stop the listener: after EMFILE/ENFILE (or any
 *   other failure but "try again") it stops polling for a moment, backing
 *   off from 50 ms to 1 s, logs once per episode and counts each failure
 *   in roomcast_http_accept_errors_total.
 * - A reserve of descriptors below RLIMIT_NOFILE is kept for what is not a
 *   client (media peers, Redis, Laravel, recordings): a connection whose
 *   descriptor falls in the reserve, or past HTTP_MAX_CONNECTIONS, is
 *   answered 503 and closed at once (roomcast_http_connections_refused_total).
 * - Accepted sockets get TCP_USER_TIMEOUT: data (or zero-window probes)
 *   unacknowledged for RC_HTTP_TCP_USER_TIMEOUT_MS ends the connection.
 * - Each connection reads at most a budget per main-loop iteration
 *   (fair-io-stream.h), so no client holds the loop.
 * - rc_http_listener_check_alive() proves the listener accepts: it
 *   connects to itself and reports whether the previous such connection
 *   was accepted. The systemd watchdog is pinged only while it is.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define RC_HTTP_TCP_USER_TIMEOUT_MS 30000

#define RC_TYPE_HTTP_LISTENER (rc_http_listener_get_type ())
G_DECLARE_FINAL_TYPE (RcHttpListener, rc_http_listener, RC, HTTP_LISTENER, GObject)

/* Accept on @socket (bound and listening) for @soup. At most
 * @max_connections accepted connections (plain HTTP and WebSocket) are open
 * at once; 0 means no cap but the descriptor reserve. */
RcHttpListener *rc_http_listener_new (SoupServer *soup, GSocket *socket, guint max_connections);
/* Close the listening socket (connections already accepted are not
 * affected). Idempotent. */
void rc_http_listener_close (RcHttpListener *self);
/* Accepted connections whose socket is still open. */
guint rc_http_listener_get_n_connections (RcHttpListener *self);
/* TRUE unless accepting is backing off after an error right now. */
gboolean rc_http_listener_is_accepting (RcHttpListener *self);
/* Reports whether the self-connection started by the previous call was
 * accepted (TRUE on the first call) and starts a new one. Call it at a
 * steady interval longer than a main-loop iteration (the watchdog's). */
gboolean rc_http_listener_check_alive (RcHttpListener *self);
/* Abort (shut down both ways, then reset) the connection accepted from @remote, the address
 * object libsoup reports for its messages
 * (soup_server_message_get_remote_address()): libsoup then sees it end and
 * frees it as for any client that left. FALSE if @remote is not a
 * connection of an RcHttpListener or it is closed already. */
gboolean rc_http_listener_shutdown_connection (GSocketAddress *remote);
/* The socket of the connection accepted from @remote (as above), a new
 * reference, or NULL. */
GSocket *rc_http_listener_get_socket (GSocketAddress *remote);
/* The descriptors kept free for what is not a client connection. */
guint rc_http_listener_get_fd_reserve (RcHttpListener *self);

G_END_DECLS
