/* roomcast: each audio room is also the presence channel presence-room.{id}.
 *
 * On every "room-changed" of the room service the room's connected
 * participants are compared with the snapshot kept here: a participant who
 * appeared becomes a member of the channel (member_added / presence:joining
 * to its subscribers unless a subscription already made them one), one who
 * went (left, kicked, connection dropped with the seat held, room closed)
 * stops being one (member_removed unless they still have a subscribed
 * connection). A changed seat or role updates the member's user_info quietly
 * (the Pusher protocol has no "member updated"): later subscribers see it.
 *
 * The other way, an event published on presence-room.{id} (Redis
 * broadcaster, Pusher HTTP API, /api/broadcast to a room) is also emitted to
 * the Socket.IO connections bound to the room, as emit(event, data).
 */
#include "hub/hub-private.h"
#include "services/room-service.h"

#include <string.h>

#include "json/json-text.h"

#define ROOM_CHANNEL_PREFIX "presence-room."

struct _RcHubRooms {
  RcHub *hub;
  RcRoomService *rooms; /* weak */
  gulong changed_id;
  GHashTable *known; /* room id -> GHashTable (user id -> user_info as JSON text) */
};

/* {id, name, avatarUrl, role, seat}: what the channel's members see of a
 * participant (avatarUrl and seat null when absent). */
static JsonNode *
member_info (const RcRoomParticipantView *participant)
{
  JsonObject *info = json_object_new ();
  json_object_set_string_member (info, "id", participant->user_id);
  json_object_set_string_member (info, "name", participant->name);
  if (participant->avatar_url)
    json_object_set_string_member (info, "avatarUrl", participant->avatar_url);
  else
    json_object_set_null_member (info, "avatarUrl");
  json_object_set_string_member (info, "role", rc_room_role_name (participant->role));
  if (participant->seat >= 0)
    json_object_set_int_member (info, "seat", participant->seat);
  else
    json_object_set_null_member (info, "seat");
  return rc_json_node_take_object (info);
}

typedef struct {
  RcHubRooms *hr;
  const char *channel;
  GHashTable *before; /* nullable */
  GHashTable *now;
} RoomDiff;

/* A connected participant is a member; a new one or one whose info changed
 * is (re)set, in join order. */
static void
note_participant (const RcRoomParticipantView *participant, gpointer data)
{
  RoomDiff *diff = data;
  if (!participant->connected)
    return;
  g_autoptr (JsonNode) info = member_info (participant);
  char *text = rc_json_to_string (info);
  const char *old = diff->before ? g_hash_table_lookup (diff->before, participant->user_id)
                                 : NULL;
  if (!old || !g_str_equal (old, text))
    rc_hub_room_member_set (diff->hr->hub, diff->channel, participant->user_id, info);
  g_hash_table_insert (diff->now, g_strdup (participant->user_id), text);
}

static void
on_room_changed (RcRoomService *rooms, const char *room_id, gpointer data)
{
  RcHubRooms *hr = data;
  g_autofree char *channel = g_strconcat (ROOM_CHANNEL_PREFIX, room_id, NULL);
  if (!rc_hub_channel_name_valid (channel))
    return;
  RcRoom *room = rc_room_service_lookup (rooms, room_id);
  GHashTable *before = g_hash_table_lookup (hr->known, room_id);
  g_autoptr (GHashTable) now = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  RoomDiff diff = { .hr = hr, .channel = channel, .before = before, .now = now };

  if (room && rc_room_get_status (room) != RC_ROOM_STATUS_CLOSED &&
      rc_room_get_status (room) != RC_ROOM_STATUS_CLOSING)
    rc_room_foreach_participant (room, note_participant, &diff);
  if (before) {
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init (&it, before);
    while (g_hash_table_iter_next (&it, &k, NULL))
      if (!g_hash_table_contains (now, k))
        rc_hub_room_member_unset (hr->hub, channel, k);
  }
  if (g_hash_table_size (now) > 0)
    g_hash_table_insert (hr->known, g_strdup (room_id), g_steal_pointer (&now));
  else
    g_hash_table_remove (hr->known, room_id);
}

guint
rc_hub_rooms_deliver (RcHub *hub, const char *channel, const char *event, JsonNode *data,
                      const char *except)
{
  RcHubRooms *hr = hub->rooms;
  RcSioServer *sio = rc_hub_get_sio (hub);
  if (!hr || !hr->rooms || !sio || !g_str_has_prefix (channel, ROOM_CHANNEL_PREFIX))
    return 0;
  const char *room_id = channel + strlen (ROOM_CHANNEL_PREFIX);
  RcRoom *room = rc_room_service_lookup (hr->rooms, room_id);
  if (!room)
    return 0;
  g_autoptr (JsonNode) payload = rc_hub_emit_data (data);
  g_autoptr (GPtrArray) users = rc_room_list_connected (room);
  guint n = 0;
  for (guint i = 0; i < users->len; i++) {
    g_autoptr (GPtrArray)
      sockets = rc_sio_server_list_user_sockets (sio, g_ptr_array_index (users, i));
    for (guint j = 0; j < sockets->len; j++) {
      RcSioSocket *socket = g_ptr_array_index (sockets, j);
      const char *bound = rc_room_service_get_socket_room (hr->rooms, socket);
      if (g_strcmp0 (bound, room_id) != 0 ||
          (except && g_strcmp0 (rc_hub_sio_socket_id (hub, socket), except) == 0))
        continue;
      rc_sio_socket_emit (socket, event, payload);
      n++;
    }
  }
  return n;
}

static void
on_rooms_gone (gpointer data, GObject *where_the_object_was)
{
  RcHubRooms *hr = data;
  hr->rooms = NULL;
  hr->changed_id = 0;
}

void
rc_hub_rooms_free (RcHubRooms *hr)
{
  if (hr->rooms) {
    g_signal_handler_disconnect (hr->rooms, hr->changed_id);
    g_object_weak_unref (G_OBJECT (hr->rooms), on_rooms_gone, hr);
  }
  g_hash_table_unref (hr->known);
  g_free (hr);
}

void
rc_hub_attach_rooms (RcHub *self, RcRoomService *rooms)
{
  g_return_if_fail (RC_IS_HUB (self) && RC_IS_ROOM_SERVICE (rooms));
  g_return_if_fail (self->rooms == NULL);
  RcHubRooms *hr = g_new0 (RcHubRooms, 1);
  hr->hub = self;
  hr->rooms = rooms;
  hr->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) g_hash_table_unref);
  g_object_weak_ref (G_OBJECT (rooms), on_rooms_gone, hr);
  hr->changed_id = g_signal_connect (rooms, "room-changed", G_CALLBACK (on_room_changed), hr);
  self->rooms = hr;
}
