/* roomcast: which node runs a room.
 *
 * A room lives on exactly one node. Its claim is one Redis key,
 *
 *   room:node:{roomId}  string, the id of the node that runs the room,
 *                       PX CLUSTER_NODE_TTL_MS, renewed by that node's
 *                       heartbeat while the room is open
 *
 * taken atomically by a Lua script that also decides where a new room goes:
 * a claim whose node is alive (cluster:node:{id} exists) stands; otherwise
 * (no claim, or its node is dead) the room is placed on this node, or, when
 * this node has CLUSTER_MAX_ROOMS_PER_NODE rooms or more, on the least
 * loaded live node of the last heartbeat. A node releases its claim when
 * the room closes, with a compare-and-delete script: never another node's.
 *
 *   room:restore:{roomId}  string, JSON: what another node needs to open the
 *                       room again (rooms/room-restore.c), written by the
 *                       room's node with each change, PX ROOM_GRACE_PERIOD_S
 *                       + CLUSTER_NODE_TTL_MS renewed with the claim, deleted
 *                       with it; handed to the node that claims the room
 *                       after its node died
 *
 *
 *   cluster:node-rooms:{nodeId}  set of the rooms the node claimed, made
 *                       again at each heartbeat from its open rooms; no TTL
 *
 * When this node reaps a dead node (node-registry.h), one script makes the
 * dead node's rooms that left a room:restore this node's, and "taken-over"
 * (const char *room_id, const char *restore) is emitted for each: the room
 * service opens them at once, seats held, so that a room nobody comes back
 * to closes after the grace period and Laravel hears so from its new node.
 *
 * A claim that no open room renews (a placement nobody followed, a room
 * whose opening was refused) expires on its own.
 */
#pragma once

#include <gio/gio.h>

#include "cluster/node-registry.h"

G_BEGIN_DECLS

#define RC_ROOM_NODE_KEY_PREFIX "room:node:"
#define RC_ROOM_RESTORE_KEY_PREFIX "room:restore:"
#define RC_NODE_ROOMS_KEY_PREFIX "cluster:node-rooms:"

/* Where a room runs. */
typedef struct {
  gboolean mine; /* this node */
  char *node_id;
  char *url;
  char *restore; /* mine: the room's room:restore JSON, or NULL */
} RcRoomPlace;

void rc_room_place_free (RcRoomPlace *place);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcRoomPlace, rc_room_place_free)

#define RC_TYPE_ROOM_CLAIMS (rc_room_claims_get_type ())
G_DECLARE_FINAL_TYPE (RcRoomClaims, rc_room_claims, RC, ROOM_CLAIMS, GObject)

/* @config (CLUSTER_MAX_ROOMS_PER_NODE) must outlive the claims. */
RcRoomClaims *rc_room_claims_new (RcNodeRegistry *nodes, const RcConfig *config);
RcNodeRegistry *rc_room_claims_get_nodes (RcRoomClaims *self);

/* Find or place @room_id (see above). Fails only when Redis does. */
void rc_room_claims_claim_async (RcRoomClaims *self, const char *room_id,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
RcRoomPlace *rc_room_claims_claim_finish (RcRoomClaims *self, GAsyncResult *result,
                                          GError **error);

/* Renew the claims of the rooms this node runs (@room_ids, @n of them).
 * A room whose claim another live node holds now is lost: "lost"
 * (const char *room_id) is emitted for it. */
void rc_room_claims_renew (RcRoomClaims *self, const char *const *room_ids, guint n);

/* The room changed here: what another node would open it again from
 * (rc_room_restore_json), if its claim is still ours. */
void rc_room_claims_save_restore (RcRoomClaims *self, const char *room_id, const char *json);
/* The room closed here: delete its claim (and restore) if still ours. */
void rc_room_claims_release (RcRoomClaims *self, const char *room_id);

G_END_DECLS
