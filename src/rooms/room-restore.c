/* roomcast: a room's lasting state as JSON, and a room rebuilt from it.
 *
 * When the node that runs a room dies, another node opens it again from
 * what the dead one last wrote (room:restore:{roomId}, cluster/room-claims.h):
 * host, seat mode, title, seats (occupant, locked, muted, mic muted), the
 * host's moderators and the bans. Seated users come back as participants
 * away from the room whose seat is held for the grace period, as if their
 * connection had dropped: their room:join on the new node resumes the seat.
 * Unseated listeners simply join again. Chat history, seat requests and
 * invitations are not kept.
 *
 *   {"v": 1, "hostId": "1" | null, "seatMode": "free", "title"?: "…",
 *    "createdAt": ms, "seats": [{"userId": "2" | null, "locked": false,
 *    "muted": false, "micMuted": false}, …],
 *    "held": [{"user": {"id", "name", "avatarUrl", "role"}, "seat": 0}, …],
 *    "moderators": ["3"], "bans": ["4"]}
 */
#include "rooms/room-private.h"

#include <string.h>

#define RESTORE_VERSION 1
/* Ids and names as the rest of the room code accepts them. */
#define MAX_ID 128
#define MAX_NAME 256

static JsonArray *
id_array (GHashTable *set)
{
  JsonArray *array = json_array_new ();
  g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (set), (GCompareFunc) g_strcmp0);

  for (GList *l = keys; l != NULL; l = l->next)
    json_array_add_string_element (array, l->data);
  return array;
}

JsonNode *
rc_room_restore_json (const RcRoom *room)
{
  JsonObject *object = json_object_new ();
  JsonArray *seats = json_array_new ();
  JsonArray *held = json_array_new ();

  json_object_set_int_member (object, "v", RESTORE_VERSION);
  if (room->host_id != NULL)
    json_object_set_string_member (object, "hostId", room->host_id);
  else
    json_object_set_null_member (object, "hostId");
  json_object_set_string_member (object, "seatMode", rc_seat_mode_name (room->seat_mode));
  if (room->title != NULL)
    json_object_set_string_member (object, "title", room->title);
  json_object_set_int_member (object, "createdAt", room->created_at);
  for (guint i = 0; i < room->settings.n_seats; i++) {
    const RcSeat *seat = &room->seats[i];
    JsonObject *s = json_object_new ();
    if (seat->user_id != NULL)
      json_object_set_string_member (s, "userId", seat->user_id);
    else
      json_object_set_null_member (s, "userId");
    json_object_set_boolean_member (s, "locked", seat->locked);
    json_object_set_boolean_member (s, "muted", seat->muted);
    json_object_set_boolean_member (s, "micMuted", seat->mic_muted);
    json_array_add_object_element (seats, s);
    if (seat->user_id != NULL) {
      RcParticipant *p = rc_room_participant (room, seat->user_id);
      JsonObject *h = json_object_new ();
      if (p == NULL)
        continue;
      json_object_set_member (h, "user", rc_room_user_to_json (p->user));
      json_object_set_int_member (h, "seat", i);
      json_array_add_object_element (held, h);
    }
  }
  json_object_set_array_member (object, "seats", seats);
  json_object_set_array_member (object, "held", held);
  json_object_set_array_member (object, "moderators", id_array (room->moderators));
  json_object_set_array_member (object, "bans", id_array (room->bans));
  return rc_json_node_take_object (object);
}

/* A string member of at most @max bytes, or NULL. */
static const char *
get_string (JsonObject *o, const char *name, gsize max)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  const char *s;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  s = json_node_get_string (n);
  return *s && strlen (s) <= max ? s : NULL;
}

static gboolean
get_bool (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
         json_node_get_value_type (n) == G_TYPE_BOOLEAN && json_node_get_boolean (n);
}

static JsonArray *
get_array (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static void
restore_ids (GHashTable *set, JsonArray *array)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++) {
    JsonNode *n = json_array_get_element (array, i);
    if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING &&
        *json_node_get_string (n) && strlen (json_node_get_string (n)) <= MAX_ID)
      g_hash_table_add (set, g_strdup (json_node_get_string (n)));
  }
}

/* A seated user, away: the seat is held until @hold_until. */
static void
restore_held (RcRoom *room, JsonObject *h, gint64 now)
{
  JsonNode *user_node = json_object_get_member (h, "user");
  JsonObject *u = user_node && JSON_NODE_HOLDS_OBJECT (user_node)
                    ? json_node_get_object (user_node)
                    : NULL;
  const char *id = get_string (u, "id", MAX_ID), *name = get_string (u, "name", MAX_NAME);
  gint64 seat = json_object_get_int_member_with_default (h, "seat", -1);
  RcParticipant *participant;

  if (id == NULL || name == NULL || seat < 0 || seat >= room->settings.n_seats ||
      g_strcmp0 (room->seats[seat].user_id, id) != 0 || rc_room_participant (room, id) != NULL)
    return;
  participant = g_new0 (RcParticipant, 1);
  participant->user = rc_room_user_new (id, name, get_string (u, "avatarUrl", 2048),
                                        get_string (u, "role", MAX_NAME));
  participant->seat = (gint) seat;
  participant->joined_at = now;
  participant->connected = FALSE;
  participant->hold_until = now + room->settings.grace_ms;
  g_hash_table_insert (room->participants, g_strdup (id), participant);
}

gboolean
rc_room_restore (RcRoom *room, JsonObject *restore, gint64 now, RcEffects *effects,
                 GError **error)
{
  JsonArray *seats = get_array (restore, "seats"), *held = get_array (restore, "held");
  const char *mode = get_string (restore, "seatMode", 16);
  RcSeatMode seat_mode = RC_SEAT_MODE_FREE;

  g_return_val_if_fail (room != NULL && restore != NULL, FALSE);
  if (json_object_get_int_member_with_default (restore, "v", 0) != RESTORE_VERSION ||
      seats == NULL || held == NULL || (mode && !rc_seat_mode_from_name (mode, &seat_mode))) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "not a version %d room restore",
                         RESTORE_VERSION);
    return FALSE;
  }
  g_free (room->host_id);
  room->host_id = g_strdup (get_string (restore, "hostId", MAX_ID));
  room->seat_mode = seat_mode;
  g_free (room->title);
  room->title = g_strdup (get_string (restore, "title", RC_TITLE_MAX_CHARS * 4));
  room->created_at = json_object_get_int_member_with_default (restore, "createdAt", now);
  /* The seats this node has (SEATS_PER_ROOM may differ between nodes). */
  for (guint i = 0; i < room->settings.n_seats && i < json_array_get_length (seats); i++) {
    JsonNode *n = json_array_get_element (seats, i);
    JsonObject *s = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
    if (s == NULL)
      continue;
    room->seats[i].locked = get_bool (s, "locked");
    room->seats[i].muted = get_bool (s, "muted");
    room->seats[i].mic_muted = get_bool (s, "micMuted");
    room->seats[i].user_id = g_strdup (get_string (s, "userId", MAX_ID));
  }
  for (guint i = 0; i < json_array_get_length (held); i++) {
    JsonNode *n = json_array_get_element (held, i);
    if (JSON_NODE_HOLDS_OBJECT (n))
      restore_held (room, json_node_get_object (n), now);
  }
  /* A seat whose occupant did not come back as held is free. */
  for (guint i = 0; i < room->settings.n_seats; i++)
    if (room->seats[i].user_id != NULL &&
        rc_room_participant (room, room->seats[i].user_id) == NULL) {
      g_clear_pointer (&room->seats[i].user_id, g_free);
      room->seats[i].mic_muted = FALSE;
    }
  restore_ids (room->moderators, get_array (restore, "moderators"));
  restore_ids (room->bans, get_array (restore, "bans"));
  room->status = RC_ROOM_STATUS_ACTIVE;
  room->ever_seated = g_hash_table_size (room->participants) > 0;
  room->empty_since = now;
  room->last_activity_at = now;
  rc_room_changed (room, now, effects);
  return TRUE;
}
