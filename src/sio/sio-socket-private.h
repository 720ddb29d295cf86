/* roomcast: what RcSioServer needs of RcSioSocket beyond the public API. */
#pragma once

#include "sio/sio-socket.h"
#include "core/token-bucket.h"
#include "sio/eio-transport.h"

G_BEGIN_DECLS

typedef struct _RcSioServer RcSioServer;

/* The server side of one Engine.IO session on @transport (transfer none:
 * the socket takes a reference and installs its handlers). The socket keeps
 * a weak pointer to @server and reports back through the functions below. */
RcSioSocket *rc_sio_socket_new (RcSioServer *server, RcEioTransport *transport,
                                const char *peer, const char *query_token,
                                const char *header_token);
const char *rc_sio_socket_get_eio_sid (RcSioSocket *self);
/* What carries the session now (transfer none). */
RcEioTransport *rc_sio_socket_get_transport (RcSioSocket *self);
/* The client's address (X-Forwarded-For from a trusted proxy), for the
 * per-address authentication budget; nullable. */
void rc_sio_socket_set_client_address (RcSioSocket *self, const char *address);
const char *rc_sio_socket_get_client_address (RcSioSocket *self);
/* The socket's event budget (sio-server.c spends it). */
RcTokenBucket *rc_sio_socket_get_event_budget (RcSioSocket *self);
/* Start moving the session to @probe, a transport the client opened for it
 * (see rc_eio_transport_upgrade()). FALSE: not possible (closing, not on
 * polling, already upgrading); the caller closes @probe. */
gboolean rc_sio_socket_upgrade (RcSioSocket *self, RcEioTransport *probe);
/* Sends the Engine.IO open packet and starts the ping and connect timers. */
void rc_sio_socket_start (RcSioSocket *self);

/* Implemented by sio-server.c. */
void rc_sio_server_socket_authenticate (RcSioServer *server, RcSioSocket *socket,
                                        const char *token);
void rc_sio_server_socket_connected (RcSioServer *server, RcSioSocket *socket);
void rc_sio_server_socket_event (RcSioServer *server, RcSioSocket *socket, const char *event,
                                 JsonArray *args, RcSioAck *ack);
void rc_sio_server_socket_closed (RcSioServer *server, RcSioSocket *socket, const char *reason);
/* Completes authentication started by rc_sio_server_socket_authenticate(). */
void rc_sio_socket_auth_done (RcSioSocket *self, RcUser *user, const GError *error);

G_END_DECLS
