/* roomcast: JSON views of a room (client snapshot, events, store state).
 *
 * Field names are the wire contract with clients (camelCase, ids as strings)
 * and, for rc_room_state_json(), with Laravel (docs/protocol.md#redis-keys-written).
 */
#include "rooms/room-private.h"

JsonNode *
rc_room_user_to_json (const RcRoomUser *user)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", user->id);
  json_object_set_string_member (object, "name", user->name);
  if (user->avatar_url != NULL)
    json_object_set_string_member (object, "avatarUrl", user->avatar_url);
  else
    json_object_set_null_member (object, "avatarUrl");
  json_object_set_string_member (object, "role", user->role);
  return rc_json_node_take_object (object);
}

static void
set_optional_int (JsonObject *object, const char *member, gint value)
{
  if (value >= 0)
    json_object_set_int_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

JsonNode *
rc_room_seat_json (const RcRoom *room, guint index)
{
  const RcSeat *seat = &room->seats[index];
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "index", index);
  if (seat->user_id != NULL)
    json_object_set_string_member (object, "userId", seat->user_id);
  else
    json_object_set_null_member (object, "userId");
  json_object_set_boolean_member (object, "locked", seat->locked);
  json_object_set_boolean_member (object, "muted", seat->muted);
  json_object_set_boolean_member (object, "micMuted", seat->mic_muted);
  return rc_json_node_take_object (object);
}

JsonNode *
rc_room_participant_json (const RcRoom *room, const RcParticipant *participant)
{
  JsonObject *object = json_object_new ();
  const char *id = participant->user->id;

  json_object_set_string_member (object, "userId", id);
  json_object_set_member (object, "user", rc_room_user_to_json (participant->user));
  json_object_set_string_member (object, "role",
                                 rc_room_role_name (rc_room_get_role (room, id)));
  set_optional_int (object, "seat", participant->seat);
  json_object_set_int_member (object, "joinedAt", participant->joined_at);
  json_object_set_boolean_member (object, "connected", participant->connected);
  return rc_json_node_take_object (object);
}

JsonNode *
rc_room_info_json (const RcRoom *room)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", room->id);
  json_object_set_string_member (object, "status", rc_room_status_name (room->status));
  json_object_set_string_member (object, "seatMode", rc_seat_mode_name (room->seat_mode));
  json_object_set_int_member (object, "seats", room->settings.n_seats);
  if (room->title != NULL)
    json_object_set_string_member (object, "title", room->title);
  if (room->host_id != NULL)
    json_object_set_string_member (object, "hostId", room->host_id);
  else
    json_object_set_null_member (object, "hostId");
  return rc_json_node_take_object (object);
}

gint64
rc_room_cinema_position (const RcRoom *room, gint64 now)
{
  gint64 position;

  if (!room->cinema.active)
    return -1;
  position = room->cinema.position_ms;
  if (room->cinema.playing && now > room->cinema.updated_at)
    position += now - room->cinema.updated_at;
  return position;
}

/* The cinema state as of @now: a late joiner gets the extrapolated position
 * and updatedAt = now, so it can seek straight to positionMs. */
JsonNode *
rc_room_cinema_state_json (const RcRoom *room, gint64 now)
{
  JsonObject *object = json_object_new ();

  json_object_set_boolean_member (object, "active", room->cinema.active);
  if (room->cinema.active) {
    json_object_set_string_member (object, "url", room->cinema.url);
    json_object_set_int_member (object, "positionMs", rc_room_cinema_position (room, now));
    json_object_set_boolean_member (object, "playing", room->cinema.playing);
    json_object_set_int_member (object, "updatedAt", now);
  }
  return rc_json_node_take_object (object);
}

JsonNode *
rc_room_requests_json (const RcRoom *room)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < room->requests->len; i++) {
    RcSeatRequest *request = g_ptr_array_index (room->requests, i);
    RcParticipant *participant = rc_room_participant (room, request->user_id);
    JsonObject *object = json_object_new ();

    json_object_set_string_member (object, "userId", request->user_id);
    if (participant != NULL)
      json_object_set_member (object, "user", rc_room_user_to_json (participant->user));
    set_optional_int (object, "seat", request->seat);
    json_object_set_int_member (object, "requestedAt", request->requested_at);
    json_array_add_object_element (array, object);
  }
  json_node_take_array (node, array);
  return node;
}

JsonObject *
rc_room_snapshot (const RcRoom *room, const char *user_id, gint64 now)
{
  JsonObject *snapshot = json_object_new ();
  JsonArray *seats = json_array_new ();
  JsonArray *participants = json_array_new ();
  JsonObject *you = json_object_new ();
  g_autoptr (GPtrArray) all = rc_room_sorted_participants (room, FALSE);
  RcParticipant *self = rc_room_participant (room, user_id);

  json_object_set_member (snapshot, "room", rc_room_info_json (room));
  for (guint i = 0; i < room->settings.n_seats; i++)
    json_array_add_element (seats, rc_room_seat_json (room, i));
  json_object_set_array_member (snapshot, "seats", seats);

  /* Everyone, held seats included (connected: false), oldest first. */
  for (guint i = 0; i < all->len; i++)
    json_array_add_element (participants,
                            rc_room_participant_json (room, g_ptr_array_index (all, i)));
  json_object_set_array_member (snapshot, "participants", participants);

  json_object_set_string_member (you, "userId", user_id);
  json_object_set_string_member (you, "role",
                                 rc_room_role_name (rc_room_get_role (room, user_id)));
  set_optional_int (you, "seat", self ? self->seat : -1);
  json_object_set_boolean_member (you, "canManage",
                                  self && rc_room_can_manage (room, self->user));
  json_object_set_boolean_member (you, "canModerate",
                                  self && rc_room_can_moderate (room, self->user));
  json_object_set_object_member (snapshot, "you", you);

  if (room->cinema.active)
    json_object_set_member (snapshot, "cinema", rc_room_cinema_state_json (room, now));
  if (self != NULL && rc_room_can_manage (room, self->user))
    json_object_set_member (snapshot, "requests", rc_room_requests_json (room));
  json_object_set_int_member (snapshot, "serverTime", now);
  return snapshot;
}

JsonNode *
rc_room_state_json (const RcRoom *room)
{
  JsonObject *object = json_object_new ();
  JsonArray *speakers = json_array_new ();

  json_object_set_string_member (object, "id", room->id);
  json_object_set_string_member (object, "status", rc_room_status_name (room->status));
  json_object_set_int_member (object, "participantCount", rc_room_get_n_participants (room));
  json_object_set_int_member (object, "createdAt", room->created_at);
  json_object_set_int_member (object, "lastActivityAt", room->last_activity_at);
  for (guint i = 0; i < room->settings.n_seats; i++)
    if (room->seats[i].user_id != NULL)
      json_array_add_string_element (speakers, room->seats[i].user_id);
  json_object_set_array_member (object, "speakers", speakers);
  return rc_json_node_take_object (object);
}

JsonNode *
rc_room_persist_json (const RcRoom *room)
{
  JsonObject *object = json_object_new ();
  JsonArray *seats = json_array_new ();

  json_object_set_member (object, "state", rc_room_state_json (room));
  for (guint i = 0; i < room->settings.n_seats; i++)
    if (room->seats[i].user_id != NULL)
      json_array_add_string_element (seats, room->seats[i].user_id);
    else
      json_array_add_null_element (seats);
  json_object_set_array_member (object, "seats", seats);
  json_object_set_member (object, "restore", rc_room_restore_json (room));
  return rc_json_node_take_object (object);
}
