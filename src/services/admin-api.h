/* roomcast: the admin HTTP API, on the daemon's single port.
 *
 *   GET  /admin/rooms                 open rooms: id, status, participants,
 *                                     seated, seatMode, createdAt
 *   POST /admin/rooms                 body {id, ownerId}: pin the owner of
 *                                     room id (room:owner:{id}; ownerId null
 *                                     unpins): with ROOM_OWNERSHIP=pinned the
 *                                     room may then be opened, and whoever
 *                                     opens it, ownerId hosts it
 *   GET  /admin/rooms/{id}            one room: room, seats, participants
 *                                     (roles, seats) and what the detail
 *                                     contributors add (media: encoders, stats)
 *   POST /admin/rooms/{id}/close      room:closed {reason:"closed_by_admin"}
 *   GET  /admin/rooms/{id}/{resource} what a resource module serves, e.g.
 *                                     pipeline.dot (src/media/media-debug.h)
 *   GET  /admin/nodes                 the live nodes on this node's Redis
 *                                     (services/cluster-api.h)
 *   GET  /admin/metrics               /metrics, then the series per room
 *                                     (core/metrics.h: room ids are for
 *                                     the admin key only)
 *   POST /admin/users/{id}/kick       body (optional) {roomId?, ban?, reason?}:
 *                                     `kicked` to each connection of the user,
 *                                     then they are disconnected
 *
 * Every request needs the header X-Internal-Key equal to ADMIN_API_KEY or
 * LARAVEL_INTERNAL_KEY (compared in constant time): 403 forbidden without it
 * or with a wrong one. With neither key configured the API answers 403
 * admin_disabled, except with --dev, where it is open to loopback clients
 * (127.0.0.1, ::1) only. Unknown rooms give 404 not_found, other methods 405,
 * bodies are strict JSON objects (400 invalid_payload). Keys are never logged.
 */
#pragma once

#include "config.h"
#include <libsoup/soup.h>
#include "core/health.h"
#include "services/room-service.h"
#include "sio/sio-server.h"

G_BEGIN_DECLS

#define RC_TYPE_ADMIN_API (rc_admin_api_get_type ())
G_DECLARE_FINAL_TYPE (RcAdminApi, rc_admin_api, RC, ADMIN_API, GObject)

/* @config must outlive the API (keys are re-read: SIGHUP). */
RcAdminApi *rc_admin_api_new (const RcConfig *config, RcSioServer *sio, RcRoomService *rooms);
/* Register /admin on @soup and log how the API is guarded. */
void rc_admin_api_attach (RcAdminApi *self, SoupServer *soup);

/* A module adds members to GET /admin/rooms/{id} (e.g. "media": encoders and
 * stats), like /health's contributors. @builder is inside the room's object. */
typedef void (*RcAdminRoomContributor) (JsonBuilder *builder, const char *room_id,
                                        gpointer user_data);
void rc_admin_api_add_room_detail (RcAdminApi *self, RcAdminRoomContributor contributor,
                                   gpointer user_data);

/* A module serves GET /admin/rooms/{id}/@name (e.g. "pipeline.dot": the
 * room's media graph) behind the same key, without the API depending on it.
 * @handler runs only for an open room; it replies (any status, e.g. 404 when
 * it has nothing for that room) and returns the status it sent. @name is
 * copied and is also the request metrics' endpoint label. */
typedef guint (*RcAdminRoomResource) (SoupServerMessage *msg, const char *room_id,
                                      gpointer user_data);
void rc_admin_api_add_room_resource (RcAdminApi *self, const char *name,
                                     RcAdminRoomResource handler, gpointer user_data);

/* A module serves GET /admin/@name (e.g. "nodes": the cluster's nodes)
 * behind the same key; @handler gets a NULL room id. A handler that answers
 * later returns 0 and counts its request with rc_admin_api_count_request(). */
void rc_admin_api_add_resource (RcAdminApi *self, const char *name, RcAdminRoomResource handler,
                                gpointer user_data);
void rc_admin_api_count_request (const char *endpoint, guint status);

/* TRUE if @given equals @expected. The time taken does not depend on where
 * they differ nor on @expected's length (both are hashed first). Either may
 * be NULL (never equal). */
gboolean rc_admin_key_equal (const char *given, const char *expected);

G_END_DECLS
