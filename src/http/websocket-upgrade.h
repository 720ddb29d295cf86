/* roomcast: the checks every WebSocket endpoint makes before the upgrade.
 *
 * /socket.io/ (sio-server) and the Pusher endpoint /app/{key} (hub-pusher)
 * both call rc_websocket_upgrade_check() from the SoupServer handler that
 * libsoup runs before it completes a WebSocket handshake: an answer set
 * there refuses the upgrade. Each endpoint checks its own path and query
 * first; what they share is here, so both refuse, count and log alike.
 */
#pragma once

#include <libsoup/soup.h>

#include "config.h"

G_BEGIN_DECLS

/* Refuses, with a JSON error answer, in this order:
 *  - an Origin outside CORS_ORIGINS: 403 origin_not_allowed, counted in the
 *    counter @refused_metric (help @refused_help) with reason="origin" and
 *    logged with the client's address;
 *  - while @draining: 503 shutting_down (an endpoint whose protocol says
 *    "reconnect" over the open socket passes FALSE and says it there);
 *  - a request that is not a WebSocket upgrade: 400 not_websocket.
 * Returns TRUE when libsoup may go on with the handshake. */
gboolean rc_websocket_upgrade_check (SoupServerMessage *msg, const RcConfig *config,
                                     const char *refused_metric, const char *refused_help,
                                     gboolean draining);

/* The first two checks alone, for a session that opens over plain HTTP
 * (an Engine.IO long-polling handshake) and must be refused alike. */
gboolean rc_websocket_upgrade_check_client (SoupServerMessage *msg, const RcConfig *config,
                                            const char *refused_metric,
                                            const char *refused_help, gboolean draining);

/* The client's address as "ip:port" ("?" if not an IP address), for logs. */
char *rc_websocket_upgrade_peer (SoupServerMessage *msg);

G_END_DECLS
