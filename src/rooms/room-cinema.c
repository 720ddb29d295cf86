/* roomcast: "cinema" watch-together (docs/protocol.md#client--server): the host
 * plays a video URL and the room follows.
 *
 * The server keeps {url, positionMs, playing, updatedAt} as of the host's last
 * start/sync; everyone gets cinema:state at each change and a late joiner gets
 * the position extrapolated to the moment of joining (rc_room_cinema_state_json()).
 */
#include "rooms/room-private.h"

static RcParticipant *
require_cinema_host (RcRoom *room, const char *actor_id, GError **error)
{
  RcParticipant *actor = rc_room_require_actor (room, actor_id, error);

  if (actor == NULL)
    return NULL;
  if (!rc_room_can_manage (room, actor->user)) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN, "Only the host controls the cinema");
    return NULL;
  }
  return actor;
}

static void
broadcast_state (RcRoom *room, const char *by, gint64 now, RcEffects *effects)
{
  JsonNode *node = rc_room_cinema_state_json (room, now);

  json_object_set_string_member (json_node_get_object (node), "by", by);
  rc_room_broadcast (room, effects, NULL, "cinema:state", node);
}

gboolean
rc_room_cinema_start (RcRoom *room, const char *actor_id, const char *url, gint64 position_ms,
                      gboolean playing, gint64 now, RcEffects *effects, GError **error)
{
  g_return_val_if_fail (url != NULL && position_ms >= 0, FALSE);
  if (require_cinema_host (room, actor_id, error) == NULL)
    return FALSE;
  g_free (room->cinema.url);
  room->cinema.url = g_strdup (url);
  room->cinema.active = TRUE;
  room->cinema.position_ms = position_ms;
  room->cinema.playing = playing;
  room->cinema.updated_at = now;
  broadcast_state (room, actor_id, now, effects);
  return TRUE;
}

gboolean
rc_room_cinema_sync (RcRoom *room, const char *actor_id, gint64 position_ms, gboolean playing,
                     gint64 now, RcEffects *effects, GError **error)
{
  g_return_val_if_fail (position_ms >= 0, FALSE);
  if (require_cinema_host (room, actor_id, error) == NULL)
    return FALSE;
  if (!room->cinema.active) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "No cinema session is running");
    return FALSE;
  }
  room->cinema.position_ms = position_ms;
  room->cinema.playing = playing;
  room->cinema.updated_at = now;
  broadcast_state (room, actor_id, now, effects);
  return TRUE;
}

gboolean
rc_room_cinema_stop (RcRoom *room, const char *actor_id, gint64 now, RcEffects *effects,
                     GError **error)
{
  if (require_cinema_host (room, actor_id, error) == NULL)
    return FALSE;
  if (!room->cinema.active)
    return TRUE;
  room->cinema.active = FALSE;
  g_clear_pointer (&room->cinema.url, g_free);
  broadcast_state (room, actor_id, now, effects);
  return TRUE;
}
