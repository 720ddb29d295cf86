/* roomcast: the TLS handshake of one accepted connection (TLS_CERT_FILE).
 *
 * When the daemon serves HTTPS, http-listener.c hands each connection it
 * accepted here and gets back the GTlsConnection to give libsoup, or
 * nothing (the connection is closed already). Until then:
 *
 * - Nothing starts before the client's first bytes arrive: glib-networking
 *   runs each handshake blocking on a GLib worker thread, and a client that
 *   connects and says nothing must not hold one.
 * - A first byte that cannot start a TLS handshake record (a plain HTTP
 *   request on the HTTPS port) is answered "400 tls_required" in plain text
 *   and the connection closed.
 * - The handshake itself runs on that worker thread at G_PRIORITY_LOW (other
 *   GLib thread work, such as name lookups, goes first), never on the main
 *   loop; its result comes back to the main context.
 * - Everything is over within @timeout_ms of the accept
 *   (HTTP_HEADER_TIMEOUT_MS): past it the handshake is cancelled.
 *
 * A failure is counted in roomcast_http_tls_handshake_failures_total{reason}
 * (plain_http; timeout: nothing sent, or the handshake not done, in time;
 * closed: the client left before sending anything; error: the handshake
 * failed), logged at debug level, and leaves nothing behind: the socket is
 * closed (reset, unless it got an answer) and every object freed.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _RcTlsHandshake RcTlsHandshake;

/* @tls: the connection, handshake done (a new reference for the callee); NULL
 * when it failed. Called on the main context, once, unless cancelled. */
typedef void (*RcTlsHandshakeDone) (GIOStream *tls, gpointer data);

/* Start the server side of a handshake on @connection (just accepted) with
 * @certificate. The handshake owns itself until it calls @done. */
RcTlsHandshake *rc_tls_handshake_start (GSocketConnection *connection,
                                        GTlsCertificate *certificate, guint timeout_ms,
                                        RcTlsHandshakeDone done, gpointer data);
/* Give up on @handshake (the listener closes): its connection is reset and
 * @done is never called. The handshake is freed now, or when its worker
 * thread returns. */
void rc_tls_handshake_cancel (RcTlsHandshake *handshake);

G_END_DECLS
