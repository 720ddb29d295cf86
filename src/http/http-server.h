/* roomcast: the HTTP side of the daemon's single port.
 *
 * One SoupServer on the main loop serves /health, /metrics, the Socket.IO
 * endpoint (registered by RcSioServer) and later the web root and admin API.
 * Anything unknown gets a 404 JSON body. With TLS_CERT_FILE and TLS_KEY_FILE
 * it is HTTPS (and WSS), through its RcHttpListener.
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include "config.h"
#include "core/health.h"
#include "http/http-listener.h"

G_BEGIN_DECLS

#define RC_TYPE_HTTP_SERVER (rc_http_server_get_type ())
G_DECLARE_FINAL_TYPE (RcHttpServer, rc_http_server, RC, HTTP_SERVER, GObject)

RcHttpServer *rc_http_server_new (const RcConfig *config);
SoupServer *rc_http_server_get_soup (RcHttpServer *self);
/* Listen on config->listen_addr:config->port (port 0 picks a free one). */
gboolean rc_http_server_listen (RcHttpServer *self, GError **error);
/* What accepts the connections (NULL before listen()). */
RcHttpListener *rc_http_server_get_listener (RcHttpServer *self);
/* The port actually bound (useful with port 0). */
guint rc_http_server_get_port (RcHttpServer *self);
/* Whether the port serves HTTPS (TLS_CERT_FILE, TLS_KEY_FILE); FALSE
 * before listen(). */
gboolean rc_http_server_is_tls (RcHttpServer *self);
/* SIGHUP: read TLS_CERT_FILE and TLS_KEY_FILE again (a renewed certificate
 * at the same paths). Connections accepted from now on get the new
 * certificate, those open keep theirs. A file that cannot be used keeps
 * the running certificate and says why in the log. FALSE if nothing
 * changed (or without TLS). */
gboolean rc_http_server_reload_tls (RcHttpServer *self);
/* Stop accepting connections and drop plain HTTP ones (WebSockets stay). */
void rc_http_server_stop_listening (RcHttpServer *self);

/* What /health renders: modules add to it (core/health.h). */
RcHealth *rc_http_server_get_health (RcHttpServer *self);

/* Reply helpers used by every handler. */
void rc_http_reply_json (SoupServerMessage *msg, guint status, JsonNode *body);
void rc_http_reply_error (SoupServerMessage *msg, guint status, const char *code,
                          const char *message);

G_END_DECLS
