/* roomcast: room internals shared by room*.c (not for other modules).
 * The rc_room_* helpers declared here are private to src/rooms/room*.c. */
#pragma once

#include "rooms/room.h"
#include "protocol/errors.h"

G_BEGIN_DECLS

typedef struct {
  RcRoomUser *user;
  gint seat; /* -1 when not seated */
  gint64 joined_at;
  gboolean connected;
  gint64 hold_until; /* !connected: when the held seat is released */
} RcParticipant;

typedef struct {
  char *user_id;
  gint seat; /* the seat asked for, or -1 */
  gint64 requested_at;
} RcSeatRequest;

typedef struct {
  char *id;
  char *author_id;
} RcChatRecord;

typedef struct {
  gboolean active;
  char *url;
  gint64 position_ms; /* at updated_at */
  gboolean playing;
  gint64 updated_at;
} RcCinema;

struct _RcRoom {
  char *id;
  RcRoomStatus status;
  RcSeatMode seat_mode;
  char *title;   /* nullable */
  char *host_id; /* NULL: no owner; the first joiner's unless owner_hosts_only */
  RcRoomSettings settings;
  RcSeat *seats;            /* settings.n_seats */
  GHashTable *participants; /* user id -> RcParticipant* */
  GHashTable *moderators;   /* set of user ids named by the host */
  GHashTable *bans;         /* set of user ids */
  GPtrArray *requests;      /* RcSeatRequest*, oldest first */
  GHashTable *invitations;  /* user id -> GINT_TO_POINTER (seat or -1) */
  GQueue chat_history;      /* RcChatRecord*, oldest first, bounded */
  RcCinema cinema;
  gint64 created_at;
  gint64 last_activity_at;
  gint64 empty_since;   /* -1 while someone is connected */
  gboolean ever_seated; /* someone sat on a seat: an empty room waits for the grace period */
};

/* A node owning @object (transfer full): payloads are built as objects. */
static inline JsonNode *
rc_json_node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

/* Lookup and checks (room.c). */
RcParticipant *rc_room_participant (const RcRoom *room, const char *user_id);
/* RcParticipant* sorted by join time (then id), so that recipient lists and
 * snapshots are deterministic. Transfer container. */
GPtrArray *rc_room_sorted_participants (const RcRoom *room, gboolean connected_only);
/* The connected participant @user_id, or NULL with not_in_room/room_closed. */
RcParticipant *rc_room_require_actor (const RcRoom *room, const char *user_id, GError **error);
gboolean rc_room_can_manage (const RcRoom *room, const RcRoomUser *user);
gboolean rc_room_can_moderate (const RcRoom *room, const RcRoomUser *user);
/* admin 4 > host 3 > moderator 2 > member 1; @user nullable (absent user). */
int rc_room_rank (const RcRoom *room, const char *user_id, const RcRoomUser *user);
/* forbidden unless @actor outranks the target. */
gboolean rc_room_check_outranks (const RcRoom *room, const RcParticipant *actor,
                                 const char *target_id, GError **error);
gboolean rc_room_check_seat_index (const RcRoom *room, gint seat, GError **error);

/* Effects (room.c). */
void rc_room_broadcast (const RcRoom *room, RcEffects *effects, const char *except_user,
                        const char *event, JsonNode *payload);
void rc_room_send_to_user (const RcRoom *room, RcEffects *effects, const char *user_id,
                           const char *event, JsonNode *payload);
/* To the connected host and admins (those who can answer seat requests). */
void rc_room_send_to_managers (const RcRoom *room, RcEffects *effects, const char *event,
                               JsonNode *payload);
void rc_room_emit_seat (const RcRoom *room, RcEffects *effects, guint index);
/* Record activity and append the PERSIST effect. */
void rc_room_changed (RcRoom *room, gint64 now, RcEffects *effects);

/* State helpers shared between files. */
void rc_room_chat_record_free (gpointer record);
void rc_room_vacate_seat (RcRoom *room, guint index, RcEffects *effects);
void rc_room_place_on_seat (RcRoom *room, RcParticipant *participant, guint index,
                            RcEffects *effects);
/* Remove the request of @user_id, if any, telling managers why. */
void rc_room_drop_seat_request (RcRoom *room, const char *user_id, const char *reason,
                                RcEffects *effects);
/* Remove a participant entirely: seat, requests, invitation, then
 * participant:left with @reason and DETACH. */
void rc_room_remove_participant (RcRoom *room, const char *user_id, const char *reason,
                                 gint64 now, RcEffects *effects);

/* JSON builders (room-json.c). */
JsonNode *rc_room_seat_json (const RcRoom *room, guint index);
JsonNode *rc_room_participant_json (const RcRoom *room, const RcParticipant *participant);
JsonNode *rc_room_requests_json (const RcRoom *room);
JsonNode *rc_room_persist_json (const RcRoom *room);

G_END_DECLS
