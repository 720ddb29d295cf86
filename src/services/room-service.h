/* roomcast: the rooms on the wire: Socket.IO events in, effects out.
 *
 * The I/O around the pure rooms of src/rooms/. It registers one handler per
 * client event on the RcSioServer (room:join, room:leave, room:close and every
 * event of room-commands.h), runs it through the RcRoomRegistry with the wall
 * clock, acknowledges it ({ok:true,...} or {ok:false,error:{code,message}}),
 * then applies the effects in order: each event is encoded once and sent to
 * the sockets of its recipients, detached users stop hearing the room, and
 * changed rooms are written to the store (room:state, room:seats),
 * coalesced per main-loop iteration. One GLib timer is armed for the
 * registry's next deadline (seat holds, empty rooms).
 *
 * Connections: a user may hold any number of Socket.IO connections (tabs,
 * devices, an Echo connector), but takes part in at most one room through
 * exactly one of them: room:join binds that socket to the room (the "bound
 * socket"). Room events from any other connection of the user get
 * not_in_room. When a second connection of the user joins, it takes the
 * presence over: in the same room the participant stays as it was (seat,
 * role, mutes; nothing is broadcast) and only the bound socket changes; in
 * another room the user switches rooms. Either way the older connection gets
 * `replaced {roomId, reason: "taken_over"|"switched"}`, stays connected and
 * is in no room, and "room-changed" lets the media service close its
 * session. When the bound socket disconnects, the user's seat is held for
 * the grace period (ROOM_GRACE_PERIOD_S) and a room:join from any
 * connection within it resumes it; other connections closing change nothing.
 *
 * Rooms belong to the app (ROOM_OWNERSHIP): a join that would create a room
 * is admitted only once the room's owner is decided, looked up only then
 * (room-service-open.c): with laravel, Laravel's answer to the room's first
 * status call (rc_room_service_set_opener()) and its owner_id, or else the
 * store's room:owner:{roomId}; with pinned, that key (written by Laravel or
 * POST /admin/rooms); with open (--dev), that key or else the first joiner.
 * An unknown room answers room_not_found, a failed lookup internal. Each
 * user opens at most ROOM_CREATE_RATE_LIMIT_PER_MINUTE rooms a minute.
 *
 * Signals:
 *   "room-state-changed" (const char *room_id, JsonNode *state)
 *       after a room's stored state changed (coalesced): the room:state
 *       object of docs/protocol.md#redis-keys-written, for the Laravel room status client.
 *   "room-changed" (const char *room_id)
 *       at once, after any operation that changed the room (seats, mutes,
 *       participants, closing) or which connection a participant takes part
 *       through, bindings already updated; the room may be gone from the
 *       registry (closed). For the media service.
 *   "socket-joined" (const char *room_id, RcSioSocket *socket)
 *       a connection's room:join succeeded (a first join, a second
 *       connection of the same user, or a rejoin within the grace period),
 *       after its ack and the broadcasts of that join: what a module tells
 *       a connection on entering a room (a recording running).
 */
#pragma once

#include "config.h"
#include "cluster/room-claims.h"
#include "core/health.h"
#include "services/rate-gate.h"
#include "services/room-opener.h"
#include "rooms/room-registry.h"
#include "sio/sio-server.h"
#include "store/store.h"

G_BEGIN_DECLS

#define RC_TYPE_ROOM_SERVICE (rc_room_service_get_type ())
G_DECLARE_FINAL_TYPE (RcRoomService, rc_room_service, RC, ROOM_SERVICE, GObject)

/* chat:send and typing are counted through @gate (rate-gate.h: Redis
 * counters, or in process without Redis), RATE_LIMIT_MESSAGES_PER_MINUTE
 * per user and bucket (room-commands.h). @config must outlive the service
 * (limits are re-read from it, so a SIGHUP reload applies). Unref the
 * service before the server. */
RcRoomService *rc_room_service_new (RcSioServer *sio, RcStore *store, RcRateGate *gate,
                                    const RcConfig *config);
/* ROOM_OWNERSHIP=laravel: @opener (nullable, referenced) is asked whether
 * a room exists before it is created; without one such joins are refused. */
void rc_room_service_set_opener (RcRoomService *self, RcRoomOpener *opener);
/* Several nodes on one Redis: a room:join of a room that is not open here
 * first asks @claims (referenced) where it runs; room_elsewhere {url,
 * nodeId} when another node does. Each heartbeat of @claims' registry
 * renews the claims of the rooms open here; a closed room's claim is
 * released. Without (no Redis) the node is alone. */
void rc_room_service_set_claims (RcRoomService *self, RcRoomClaims *claims);
/* Drop the claims (dispose, shutdown). */
void rc_room_service_clear_claims (RcRoomService *self);
/* The admin API's POST /admin/rooms: pin @owner_id (NULL: unpin) as the
 * owner of @room_id, in the store's room:owner:{roomId} (shared by every
 * worker on a Redis, in process without). The pin decides the room's next
 * opening (with pinned: whether it may open at all); an open room keeps
 * its host. */
void rc_room_service_pin_owner_async (RcRoomService *self, const char *room_id,
                                      const char *owner_id, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean rc_room_service_pin_owner_finish (RcRoomService *self, GAsyncResult *result,
                                           GError **error);
/* Add "rooms" (open rooms) and "participants" to /health. */
void rc_room_service_add_health (RcRoomService *self, RcHealth *health);
RcRoomRegistry *rc_room_service_get_registry (RcRoomService *self);
/* Participants of the rooms open here (held seats included). */
guint rc_room_service_get_n_participants (RcRoomService *self);
/* The room @socket takes part in (it joined with this connection), or NULL. */
const char *rc_room_service_get_socket_room (RcRoomService *self, RcSioSocket *socket);
/* The open room @room_id (nullable), or NULL. */
RcRoom *rc_room_service_lookup (RcRoomService *self, const char *room_id);
/* The room @socket is bound to, or NULL; *@room_id (nullable) its id. */
RcRoom *rc_room_service_lookup_socket_room (RcRoomService *self, RcSioSocket *socket,
                                            const char **room_id);
/* Send @event with @payload (transfer none) to every connection bound to
 * @room_id, encoded once. For modules beside the rooms (gifts). */
void rc_room_service_broadcast (RcRoomService *self, const char *room_id, const char *event,
                                JsonNode *payload);
/* The same for an event that only carries current state ("speaking"): not
 * sent to a client that stopped reading (rc_sio_socket_send_volatile_frame). */
void rc_room_service_broadcast_volatile (RcRoomService *self, const char *room_id,
                                         const char *event, JsonNode *payload);
/* Close @room_id with @reason (e.g. "media_error"): room:closed to its
 * clients, everyone detached, stored as CLOSED. No-op if it is not open. */
void rc_room_service_close_room (RcRoomService *self, const char *room_id, const char *reason);
/* Admin API: remove @user_id from @room_id (participant:left to the others,
 * the user detached), and ban them from it with @ban. not_found if the room
 * is not open, or the user is not in it (without @ban). */
gboolean rc_room_service_remove_user (RcRoomService *self, const char *room_id,
                                      const char *user_id, gboolean ban, GError **error);
/* The daemon is stopping: close every room (room:closed with reason
 * "server_shutdown" to its clients) and write them to the store as CLOSED.
 * Call while the main loop still runs, before the Socket.IO server
 * disconnects everyone, so the frames and the store writes go out. */
void rc_room_service_shutdown (RcRoomService *self);

G_END_DECLS
