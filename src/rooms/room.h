/* roomcast: one audio room: seats, participants, roles, chat, cinema.
 *
 * Pure logic: no I/O, no sockets, no GStreamer; the time is always passed in
 * (@now, milliseconds since the epoch, or a fake clock in tests). Every
 * operation checks the caller's rights and the rules, then either fails with
 * an RC_ERROR (see errors.h) and changes nothing, or changes the room and
 * appends to @effects what the world must be told, in order (room-effects.h).
 *
 * Lifecycle: CREATED (rc_room_new) -> ACTIVE (first join) -> CLOSING -> CLOSED
 * (rc_room_close: room:closed is broadcast, everyone detached). A room with no
 * connected participant closes after the grace period (rc_room_tick), or at
 * once if nobody ever sat on one of its seats: nobody's seat is held, and an
 * abandoned room must not take a place under MAX_ROOMS_PER_WORKER.
 *
 * Roles (decision, see also room-registry.h):
 *  - The room has one host id, fixed at creation: the owner the app named
 *    (Laravel, or the store key room:owner:{roomId}); without one, the first
 *    user to join, or nobody when settings.owner_hosts_only (ROOM_OWNERSHIP
 *    laravel or pinned: only the app makes hosts). Nobody
 *    else ever becomes host: a listener joining an existing room is a member.
 *    If the host leaves, the room keeps the host id and the host has their
 *    powers back when they rejoin.
 *  - The host may name room moderators (rc_room_set_moderator).
 *  - Users whose auth role is "admin" or "moderator" may moderate any room;
 *    "admin" may also do everything the host can, including closing the room.
 *  - "manage" actions (host, admin): seat:invite, seat:approve, room:update,
 *    room:moderator, cinema:*, room:close.
 *  - "moderate" actions (host, admin, staff moderator, room moderator):
 *    seat:lock, seat:mute, seat:kick, user:kick, user:ban, user:unban,
 *    chat:delete (authors may delete their own messages too).
 *  - Moderation only works downwards: rank admin > host > moderator > member,
 *    and a moderator cannot kick, ban, mute or unseat someone of equal or
 *    higher rank.
 *
 * Seats and disconnects: a participant whose connection drops while seated
 * keeps the seat for the grace period (participant:away); rejoining within it
 * (rc_room_join with the same user id) resumes the seat. An unseated
 * participant who disconnects leaves at once.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "rooms/room-effects.h"

G_BEGIN_DECLS

#define RC_ROOM_MAX_SEATS 64
#define RC_CHAT_MAX_CHARS 500
#define RC_TITLE_MAX_CHARS 100
#define RC_CINEMA_URL_MAX_CHARS 2048
#define RC_CHAT_HISTORY_SIZE 200

typedef enum {
  RC_ROOM_STATUS_CREATED,
  RC_ROOM_STATUS_ACTIVE,
  RC_ROOM_STATUS_CLOSING,
  RC_ROOM_STATUS_CLOSED,
} RcRoomStatus;

typedef enum {
  RC_SEAT_MODE_FREE,    /* anyone may take a free seat */
  RC_SEAT_MODE_REQUEST, /* members ask (seat:request) or are invited */
} RcSeatMode;

typedef enum {
  RC_ROOM_ROLE_MEMBER,
  RC_ROOM_ROLE_MODERATOR,
  RC_ROOM_ROLE_HOST,
} RcRoomRole;

/* "CREATED", "ACTIVE", ...: the status values of room:state
 * (docs/protocol.md#lifecycle-and-the-grace-period). */
const char *rc_room_status_name (RcRoomStatus status);
/* "free" / "request". */
const char *rc_seat_mode_name (RcSeatMode mode);
gboolean rc_seat_mode_from_name (const char *name, RcSeatMode *mode);
/* "member" / "moderator" / "host". */
const char *rc_room_role_name (RcRoomRole role);

/* The public identity of a user, copied from the authenticated RcUser so
 * the room logic needs nothing from the auth layer. */
typedef struct {
  char *id;
  char *name;
  char *avatar_url; /* nullable */
  char *role;       /* auth role: "user", "moderator", "admin", ... */
} RcRoomUser;

RcRoomUser *rc_room_user_new (const char *id, const char *name, const char *avatar_url,
                              const char *role);
RcRoomUser *rc_room_user_copy (const RcRoomUser *user);
void rc_room_user_free (RcRoomUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcRoomUser, rc_room_user_free)
gboolean rc_room_user_is_admin (const RcRoomUser *user);
/* Admin or moderator by auth role: may moderate any room. */
gboolean rc_room_user_is_staff (const RcRoomUser *user);
/* {"id","name","avatarUrl","role"}: what other clients may see. */
JsonNode *rc_room_user_to_json (const RcRoomUser *user);

typedef struct {
  guint n_seats;          /* 1..RC_ROOM_MAX_SEATS */
  guint max_participants; /* MAX_CLIENTS_PER_ROOM; 0 = unlimited */
  gint64 grace_ms;        /* ROOM_GRACE_PERIOD_S in ms */
  /* TRUE: a room created without an owner has no host; FALSE: its first
   * joiner hosts it (ROOM_OWNERSHIP=open). */
  gboolean owner_hosts_only;
} RcRoomSettings;

typedef struct {
  char *user_id;      /* NULL when free */
  gboolean locked;    /* nobody but the host/admin may take it */
  gboolean muted;     /* muted by the host/a moderator; stays with the seat */
  gboolean mic_muted; /* muted by its occupant; cleared when they leave it */
} RcSeat;

typedef struct _RcRoom RcRoom;

/* @host_id: the room's owner, or NULL: its first joiner hosts it, or nobody
 * with settings->owner_hosts_only. */
RcRoom *rc_room_new (const char *id, const char *host_id, const RcRoomSettings *settings,
                     gint64 now);
void rc_room_free (RcRoom *room);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcRoom, rc_room_free)

/* MAX_CLIENTS_PER_ROOM changed (reload): applies to the next joins. */
void rc_room_set_max_participants (RcRoom *room, guint max_participants);

const char *rc_room_get_id (const RcRoom *room);
RcRoomStatus rc_room_get_status (const RcRoom *room);
const char *rc_room_get_host_id (const RcRoom *room);
RcSeatMode rc_room_get_seat_mode (const RcRoom *room);
const char *rc_room_get_title (const RcRoom *room);
guint rc_room_get_n_seats (const RcRoom *room);
const RcSeat *rc_room_get_seat (const RcRoom *room, guint index);
/* Participants, including those whose seat is held after a disconnect. */
guint rc_room_get_n_participants (const RcRoom *room);
guint rc_room_get_n_connected (const RcRoom *room);
gboolean rc_room_has_participant (const RcRoom *room, const char *user_id);
gboolean rc_room_is_connected (const RcRoom *room, const char *user_id);
/* The seat index of @user_id, or -1. */
gint rc_room_get_user_seat (const RcRoom *room, const char *user_id);
RcRoomRole rc_room_get_role (const RcRoom *room, const char *user_id);
gboolean rc_room_is_banned (const RcRoom *room, const char *user_id);
gboolean rc_room_has_seat_request (const RcRoom *room, const char *user_id);
/* Connected user ids (transfer container, sorted by join time). */
GPtrArray *rc_room_list_connected (const RcRoom *room);

/* One participant as the room sees them: a read-only view of the room's own
 * data, valid only during the call that hands it out. */
typedef struct {
  const char *user_id;
  const char *name;
  const char *avatar_url; /* nullable */
  RcRoomRole role;        /* in this room (rc_room_get_role) */
  gint seat;              /* -1 when not seated */
  gboolean seat_muted;    /* the seat muted by the host or a moderator (FALSE unseated) */
  gboolean mic_muted;     /* the occupant muted their mic (FALSE unseated) */
  gboolean connected;     /* FALSE: the connection dropped, the seat is held */
} RcRoomParticipantView;

typedef void (*RcRoomParticipantFunc) (const RcRoomParticipantView *participant,
                                       gpointer user_data);

/* Calls @func for every participant, held seats included, oldest first (join
 * time, then user id): the order of the snapshot's participants. @func must
 * not change the room. */
void rc_room_foreach_participant (const RcRoom *room, RcRoomParticipantFunc func,
                                  gpointer user_data);
/* The earliest time rc_room_tick() has something to do, or -1. */
gint64 rc_room_get_next_deadline (const RcRoom *room);

/* --- lifecycle (room.c) --- */

/* Would rc_room_join() accept @user_id? (banned, room_closed, room_full;
 * a participant rejoining is never refused for room_full.) */
gboolean rc_room_check_can_join (const RcRoom *room, const char *user_id, GError **error);
/* Join, or rejoin: a user already in the room (e.g. a new connection, or a
 * reconnect within the grace period) keeps their seat and role. Fails with
 * banned, room_closed or room_full. */
gboolean rc_room_join (RcRoom *room, const RcRoomUser *user, gint64 now, RcEffects *effects,
                       GError **error);
/* Leave on request (room:leave, or switching rooms). @reason goes to the
 * others in participant:left ("left", "switched"). not_in_room if absent. */
gboolean rc_room_leave (RcRoom *room, const char *user_id, const char *reason, gint64 now,
                        RcEffects *effects, GError **error);
/* The user's connection dropped: a seated participant's seat is held until
 * now + grace; others leave at once. No-op for a non-participant. */
void rc_room_disconnect (RcRoom *room, const char *user_id, gint64 now, RcEffects *effects);
/* Expire seat holds and close the room if it has been empty for the grace
 * period. */
void rc_room_tick (RcRoom *room, gint64 now, RcEffects *effects);
/* Close unconditionally (room:closed with @reason to everyone, everyone
 * detached, status CLOSED). No-op if already closed. */
void rc_room_close (RcRoom *room, const char *reason, gint64 now, RcEffects *effects);
/* room:close by @actor (host or admin; the admin need not be in the room). */
gboolean rc_room_close_by (RcRoom *room, const RcRoomUser *actor, gint64 now,
                           RcEffects *effects, GError **error);
/* room:update: @seat_mode (nullable = unchanged); @title (with @set_title,
 * NULL or "" clears it). Manage right. */
gboolean rc_room_update (RcRoom *room, const char *actor_id, const RcSeatMode *seat_mode,
                         gboolean set_title, const char *title, gint64 now, RcEffects *effects,
                         GError **error);

/* --- seats (room-seats.c); @seat -1 means "any free seat" --- */

/* Returns the seat taken, or -1 with @error. A seated user taking another
 * seat moves to it. */
gint rc_room_take_seat (RcRoom *room, const char *user_id, gint seat, gint64 now,
                        RcEffects *effects, GError **error);
/* Leave one's seat; without a seat, cancels a pending seat request. */
gboolean rc_room_leave_seat (RcRoom *room, const char *user_id, gint64 now, RcEffects *effects,
                             GError **error);
/* Request mode: queue a request the host sees (seat:requested); *@taken is
 * -1. Whoever may sit directly (free mode, moderators, invitees) takes the
 * seat instead and *@taken is its index. */
gboolean rc_room_request_seat (RcRoom *room, const char *user_id, gint seat, gint64 now,
                               RcEffects *effects, gint *taken, GError **error);
gboolean rc_room_invite_to_seat (RcRoom *room, const char *actor_id, const char *target_id,
                                 gint seat, gint64 now, RcEffects *effects, GError **error);
/* Seat a requester: the given seat, else the requested one if free, else
 * the first free unlocked seat. Returns the seat or -1 with @error. */
gint rc_room_approve_seat (RcRoom *room, const char *actor_id, const char *target_id, gint seat,
                           gint64 now, RcEffects *effects, GError **error);
gboolean rc_room_lock_seat (RcRoom *room, const char *actor_id, gint seat, gboolean locked,
                            gint64 now, RcEffects *effects, GError **error);
gboolean rc_room_mute_seat (RcRoom *room, const char *actor_id, gint seat, gboolean muted,
                            gint64 now, RcEffects *effects, GError **error);
gboolean rc_room_kick_from_seat (RcRoom *room, const char *actor_id, gint seat, gint64 now,
                                 RcEffects *effects, GError **error);
gboolean rc_room_set_mic_muted (RcRoom *room, const char *user_id, gboolean muted, gint64 now,
                                RcEffects *effects, GError **error);

/* --- moderation and chat (room-moderation.c) --- */

gboolean rc_room_kick_user (RcRoom *room, const char *actor_id, const char *target_id,
                            gint64 now, RcEffects *effects, GError **error);
/* Ban (the target need not be present) and remove. */
gboolean rc_room_ban_user (RcRoom *room, const char *actor_id, const char *target_id,
                           gint64 now, RcEffects *effects, GError **error);
/* The server removes @target_id (the admin API: the operator was checked
 * there, so no rights apply): participant:left ("kicked", or "banned" with
 * @ban) to the others; with @ban they also stay banned. The target is not
 * sent `kicked` here: the caller tells every connection of theirs.
 * not_found if they are not in the room (a ban still applies). */
gboolean rc_room_remove_by_server (RcRoom *room, const char *target_id, gboolean ban,
                                   gint64 now, RcEffects *effects, GError **error);
gboolean rc_room_unban_user (RcRoom *room, const char *actor_id, const char *target_id,
                             gint64 now, RcEffects *effects, GError **error);
gboolean rc_room_set_moderator (RcRoom *room, const char *actor_id, const char *target_id,
                                gboolean moderator, gint64 now, RcEffects *effects,
                                GError **error);
/* @text already validated (trimmed, 1-500 characters). Returns the message
 * id (transfer full) or NULL with @error. */
char *rc_room_send_chat (RcRoom *room, const char *user_id, const char *text, gint64 now,
                         RcEffects *effects, GError **error);
gboolean rc_room_delete_chat (RcRoom *room, const char *actor_id, const char *message_id,
                              gint64 now, RcEffects *effects, GError **error);
gboolean rc_room_relay_typing (RcRoom *room, const char *user_id, gboolean is_typing,
                               RcEffects *effects, GError **error);

/* --- watch-together (room-cinema.c) --- */

gboolean rc_room_cinema_start (RcRoom *room, const char *actor_id, const char *url,
                               gint64 position_ms, gboolean playing, gint64 now,
                               RcEffects *effects, GError **error);
gboolean rc_room_cinema_sync (RcRoom *room, const char *actor_id, gint64 position_ms,
                              gboolean playing, gint64 now, RcEffects *effects, GError **error);
gboolean rc_room_cinema_stop (RcRoom *room, const char *actor_id, gint64 now,
                              RcEffects *effects, GError **error);
/* The playback position at @now, extrapolated from the last sync while
 * playing; -1 without a cinema session. */
gint64 rc_room_cinema_position (const RcRoom *room, gint64 now);

/* --- JSON views (room-json.c) --- */

/* The join acknowledgement: {room, seats, participants, you, cinema?,
 * requests? (for the host/admins)}. */
JsonObject *rc_room_snapshot (const RcRoom *room, const char *user_id, gint64 now);
/* cinema:state as of @now: {active, url, positionMs (extrapolated), playing,
 * updatedAt: @now} or {active:false}. */
JsonNode *rc_room_cinema_state_json (const RcRoom *room, gint64 now);
/* {id,status,seatMode,seats,title?,hostId} */
JsonNode *rc_room_info_json (const RcRoom *room);
/* The room:state value (docs/protocol.md#redis-keys-written):
 * {id,status,participantCount,createdAt,lastActivityAt,speakers}. */
JsonNode *rc_room_state_json (const RcRoom *room);

/* What another node needs to open this room again after this node died:
 * host, seat mode, title, seats, the seated users, moderators, bans
 * (room-restore.c). */
JsonNode *rc_room_restore_json (const RcRoom *room);
/* Rebuild a room just made by rc_room_new() from rc_room_restore_json():
 * seated users come back away, their seats held for the grace period; the
 * room is to be stored (a PERSIST effect). FALSE (invalid_payload) if
 * @restore is not such a JSON; the room is then untouched. */
gboolean rc_room_restore (RcRoom *room, JsonObject *restore, gint64 now, RcEffects *effects,
                          GError **error);

G_END_DECLS
