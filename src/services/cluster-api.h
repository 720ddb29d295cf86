/* roomcast: the cluster over HTTP.
 *
 *   GET /admin/nodes            (admin key, admin-api.h) the live nodes:
 *                               {nodes: [{id, url, startedAt, heartbeatAt,
 *                               heartbeatAgeMs, rooms, participants,
 *                               mediaPeers, cpu, self}]}; without Redis this
 *                               node alone, with clustered: false
 *   GET /api/rooms/{id}/node    (X-WebSocket-API-Key = BROADCAST_API_KEY, as
 *                               the other /api endpoints) where a client
 *                               should connect for room {id} (a UUID):
 *                               {roomId, nodeId, url}, placing the room when
 *                               no live node runs it (room-claims.h); 403
 *                               forbidden without the key, 404 for an id
 *                               that is not a UUID, 503 when Redis fails
 */
#pragma once

#include "cluster/room-claims.h"
#include "services/admin-api.h"

G_BEGIN_DECLS

#define RC_TYPE_CLUSTER_API (rc_cluster_api_get_type ())
G_DECLARE_FINAL_TYPE (RcClusterApi, rc_cluster_api, RC, CLUSTER_API, GObject)

/* @claims nullable (no Redis: this node is alone). @url: this node's URL.
 * @config must outlive the API. */
RcClusterApi *rc_cluster_api_new (const RcConfig *config, RcRoomService *rooms,
                                  RcRoomClaims *claims, const char *url);
/* /api/rooms/ on @soup and "nodes" on @admin. */
void rc_cluster_api_attach (RcClusterApi *self, SoupServer *soup, RcAdminApi *admin);

G_END_DECLS
