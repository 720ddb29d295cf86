/* roomcast: Socket.IO v4 server over libsoup.
 *
 * Serves /socket.io/ (Engine.IO v4 over a WebSocket, or HTTP long-polling
 * with the upgrade to a WebSocket, as stock clients start): open packet,
 * server ping / client pong, namespace "/" CONNECT with the auth object
 * handed to the auth provider, events and acks, maxPayload, Origin checks
 * and CORS for cross-origin polling.
 * The application registers one handler per event name and listens to
 * connection/disconnection; it never sees frames.
 */
#pragma once

#include <libsoup/soup.h>
#include "config.h"
#include "auth/auth-provider.h"
#include "sio/sio-socket.h"
#include <libsoup/soup.h>
#include "core/health.h"

G_BEGIN_DECLS

#define RC_TYPE_SIO_SERVER (rc_sio_server_get_type ())
G_DECLARE_FINAL_TYPE (RcSioServer, rc_sio_server, RC, SIO_SERVER, GObject)

/* @config must outlive the server. */
RcSioServer *rc_sio_server_new (const RcConfig *config, RcAuthProvider *auth);
/* Register the /socket.io/ handlers (WebSocket, long-polling) on @soup. */
void rc_sio_server_attach (RcSioServer *self, SoupServer *soup);

/* Called for a client event. @args are the event's arguments after the name
 * (never NULL; may be empty). @ack is NULL when the client asked for none. */
typedef void (*RcSioEventHandler) (RcSioSocket *socket, JsonArray *args, RcSioAck *ack,
                                   gpointer user_data);
void rc_sio_server_on (RcSioServer *self, const char *event, RcSioEventHandler handler,
                       gpointer user_data);
/* A service that goes away before the server: every event it registered
 * with @user_data is answered {ok:false, error:{@code, @message}} from now
 * on (static strings) instead of reaching it. */
void rc_sio_server_off_by_data (RcSioServer *self, gpointer user_data, const char *code,
                                const char *message);

/* Signals:
 *   "connected"    (RcSioSocket *socket)            after CONNECT was accepted
 *   "disconnected" (RcSioSocket *socket, const char *reason)
 */

/* Report the connection count in /health. */
void rc_sio_server_add_health (RcSioServer *self, RcHealth *health);

guint rc_sio_server_get_n_connections (RcSioServer *self);
/* A user may hold any number of connections at once (tabs, devices, an Echo
 * connector beside the room socket); what a user takes part in with one of
 * them (a room) is the application's business. */
/* Every connected socket of @user_id (transfer container; may be empty). */
GPtrArray *rc_sio_server_list_user_sockets (RcSioServer *self, const char *user_id);
/* Emit @event with @arg (transfer none, nullable), encoded once, to every
 * connected socket of @user_id; returns how many. */
guint rc_sio_server_emit_to_user (RcSioServer *self, const char *user_id, const char *event,
                                  JsonNode *arg);
/* Refuse new connections (503 shutting_down); the open ones stay. */
void rc_sio_server_stop_accepting (RcSioServer *self);
/* Emit @event with @arg (transfer none, nullable) to every connected
 * socket; returns how many. */
guint rc_sio_server_emit_all (RcSioServer *self, const char *event, JsonNode *arg);
/* Disconnect everyone with @reason and refuse new connections. */
void rc_sio_server_shutdown (RcSioServer *self, const char *reason);

G_END_DECLS
