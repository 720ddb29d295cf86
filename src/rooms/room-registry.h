/* roomcast: all rooms of this worker, and who is in which.
 *
 * Pure like room.h (time passed in, effects out). On top of one room it adds:
 *  - creation on first join, MAX_ROOMS_PER_WORKER (server_full) and the
 *    per-room limits (room_full, seats per room);
 *  - one room per user: joining another room leaves the first ("switched");
 *  - the grace period: the caller arms one timer for
 *    rc_room_registry_next_deadline() and calls rc_room_registry_tick()
 *    when it fires; seat holds expire and rooms empty for the whole grace
 *    period close (reason "empty");
 *  - closed rooms are forgotten; a room closed by its host or an admin
 *    refuses joins with room_closed for closed_room_ttl_ms, except from its
 *    host and admins (who reopen it). This stops clients that auto-rejoin
 *    from re-creating the room a host just ended, with themselves as host.
 *
 * Owner decision (see room.h): the owner of a new room is the one the caller
 * passes (named by the app: Laravel, or the store's room:owner:{roomId});
 * without one, its first joiner, or nobody with room.owner_hosts_only.
 * Whether a room may be created at all (ROOM_OWNERSHIP) is the caller's
 * decision: it asks only when rc_room_registry_needs_owner() says the join
 * would create the room, after rc_room_registry_check_create().
 */
#pragma once

#include "rooms/room.h"

G_BEGIN_DECLS

typedef struct {
  guint max_rooms;           /* MAX_ROOMS_PER_WORKER; 0 = unlimited */
  gint64 closed_room_ttl_ms; /* see above */
  RcRoomSettings room;       /* what each new room gets (room.h) */
} RcRoomRegistrySettings;

/* 100 rooms, closed rooms refused for 10 min; rooms of 10 seats, 50
 * participants, 30 s grace, hosted by their first joiner without an owner. */
void rc_room_registry_settings_init_default (RcRoomRegistrySettings *settings);

typedef struct _RcRoomRegistry RcRoomRegistry;

RcRoomRegistry *rc_room_registry_new (const RcRoomRegistrySettings *settings);
void rc_room_registry_free (RcRoomRegistry *registry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcRoomRegistry, rc_room_registry_free)

const RcRoomRegistrySettings *rc_room_registry_get_settings (RcRoomRegistry *registry);
/* Apply new settings (a configuration reload): max_rooms, closed_room_ttl_ms
 * and room.max_participants (open rooms included; nobody is removed, only
 * new joins are refused). Seats and the grace period stay as the rooms were
 * created. */
void rc_room_registry_update_settings (RcRoomRegistry *registry,
                                       const RcRoomRegistrySettings *settings);
guint rc_room_registry_get_n_rooms (RcRoomRegistry *registry);
RcRoom *rc_room_registry_lookup (RcRoomRegistry *registry, const char *room_id);
/* The room @user_id is in (held seat included), or NULL. */
const char *rc_room_registry_room_of (RcRoomRegistry *registry, const char *user_id);
/* Open room ids (transfer container, sorted). */
GPtrArray *rc_room_registry_list_rooms (RcRoomRegistry *registry);
/* TRUE if a join to @room_id would create the room. */
gboolean rc_room_registry_needs_owner (RcRoomRegistry *registry, const char *room_id);
/* What would refuse @user's join creating @room_id whoever owns it:
 * room_closed (closed by its host or an admin a moment ago) and server_full.
 * The caller checks this before looking the owner up, so that a refused
 * join costs no lookup; rc_room_registry_join() checks it again. */
gboolean rc_room_registry_check_create (RcRoomRegistry *registry, const char *room_id,
                                        const RcRoomUser *user, gint64 now, GError **error);

/* room:join. Creates the room if needed (@owner nullable, used only then:
 * see the owner decision above), leaves the user's previous room, joins or
 * rejoins. Returns the join snapshot (see rc_room_snapshot()) or NULL with
 * server_full, room_full, banned, room_closed. */
JsonObject *rc_room_registry_join (RcRoomRegistry *registry, const char *room_id,
                                   const RcRoomUser *user, const char *owner, gint64 now,
                                   RcEffects *effects, GError **error);
/* room:leave. not_in_room if the user is in no room. */
gboolean rc_room_registry_leave (RcRoomRegistry *registry, const char *user_id, gint64 now,
                                 RcEffects *effects, GError **error);
/* The user's connection dropped (seat held for the grace period). */
void rc_room_registry_disconnect (RcRoomRegistry *registry, const char *user_id, gint64 now,
                                  RcEffects *effects);
/* room:close by @actor: their room, or @room_id (nullable) for an admin
 * closing a room they are not in. */
gboolean rc_room_registry_close (RcRoomRegistry *registry, const RcRoomUser *actor,
                                 const char *room_id, gint64 now, RcEffects *effects,
                                 GError **error);
/* Close every room with @reason (e.g. "server_shutdown"): room:closed to
 * everyone, all detached, every room persisted as CLOSED. No tombstones. */
void rc_room_registry_close_all (RcRoomRegistry *registry, const char *reason, gint64 now,
                                 RcEffects *effects);
/* Close @room_id (if open) for a reason of the server's own, e.g.
 * "media_error": room:closed to everyone, all detached. No tombstone. */
void rc_room_registry_close_room (RcRoomRegistry *registry, const char *room_id,
                                  const char *reason, gint64 now, RcEffects *effects);
/* The admin API removes @user_id from @room_id (banned with @ban): see
 * rc_room_remove_by_server(). not_found if the room is not open. */
gboolean rc_room_registry_remove_user (RcRoomRegistry *registry, const char *room_id,
                                       const char *user_id, gboolean ban, gint64 now,
                                       RcEffects *effects, GError **error);
/* Any other room event (room-commands.h) in the actor's room. On success
 * *@reply holds the ack fields; on failure it is NULL. Failed events leave
 * no effects. The rate limits of chat:send and typing are not the
 * registry's: the room service asks the rate gate before dispatching. */
gboolean rc_room_registry_dispatch (RcRoomRegistry *registry, const char *user_id,
                                    const char *event, JsonObject *payload, gint64 now,
                                    RcEffects *effects, JsonObject **reply, GError **error);

/* Open @room_id again from what the node that ran it last wrote
 * (rc_room_restore_json), before the join that asked for it: its seated
 * users are away, seats held for the grace period. FALSE if it is open
 * here already or @restore is invalid (nothing changed). */
gboolean rc_room_registry_restore (RcRoomRegistry *registry, const char *room_id,
                                   JsonObject *restore, gint64 now, RcEffects *effects,
                                   GError **error);
/* Drop @room_id without closing it (no effects, nothing written): another
 * node runs it now. Its users are in no room here any more. */
void rc_room_registry_forget (RcRoomRegistry *registry, const char *room_id);
/* The earliest time rc_room_registry_tick() has work, or -1. */
gint64 rc_room_registry_next_deadline (RcRoomRegistry *registry);
void rc_room_registry_tick (RcRoomRegistry *registry, gint64 now, RcEffects *effects);

G_END_DECLS
