/* roomcast: who may do what in a room (the roles decision of room.h).
 *
 *   rank   who                                        may
 *   4      auth role "admin"                          manage + moderate, any room
 *   3      the host (pinned owner or first joiner)    manage + moderate
 *   2      auth role "moderator", room moderators      moderate
 *   1      everyone else                              their own seat, mic, chat
 *
 * "manage": seat:invite/approve, room:update, room:moderator, cinema:*,
 * room:close. "moderate": seat:lock/mute/kick, user:kick/ban/unban,
 * chat:delete. Moderation acts only on users of a lower rank.
 */
#include "rooms/room-private.h"

const char *
rc_room_role_name (RcRoomRole role)
{
  switch (role) {
  case RC_ROOM_ROLE_HOST:
    return "host";
  case RC_ROOM_ROLE_MODERATOR:
    return "moderator";
  case RC_ROOM_ROLE_MEMBER:
  default:
    return "member";
  }
}

/* --- users --- */

RcRoomUser *
rc_room_user_new (const char *id, const char *name, const char *avatar_url, const char *role)
{
  RcRoomUser *user;

  g_return_val_if_fail (id != NULL, NULL);
  user = g_new0 (RcRoomUser, 1);
  user->id = g_strdup (id);
  user->name = g_strdup (name ? name : id);
  user->avatar_url = g_strdup (avatar_url);
  user->role = g_strdup (role ? role : "user");
  return user;
}

RcRoomUser *
rc_room_user_copy (const RcRoomUser *user)
{
  return rc_room_user_new (user->id, user->name, user->avatar_url, user->role);
}

void
rc_room_user_free (RcRoomUser *user)
{
  if (user == NULL)
    return;
  g_free (user->id);
  g_free (user->name);
  g_free (user->avatar_url);
  g_free (user->role);
  g_free (user);
}

gboolean
rc_room_user_is_admin (const RcRoomUser *user)
{
  return user != NULL && g_strcmp0 (user->role, "admin") == 0;
}

gboolean
rc_room_user_is_staff (const RcRoomUser *user)
{
  return user != NULL &&
         (g_strcmp0 (user->role, "admin") == 0 || g_strcmp0 (user->role, "moderator") == 0);
}

RcRoomRole
rc_room_get_role (const RcRoom *room, const char *user_id)
{
  RcParticipant *participant = rc_room_participant (room, user_id);

  if (room->host_id != NULL && g_strcmp0 (room->host_id, user_id) == 0)
    return RC_ROOM_ROLE_HOST;
  if (g_hash_table_contains (room->moderators, user_id) ||
      (participant != NULL && rc_room_user_is_staff (participant->user)))
    return RC_ROOM_ROLE_MODERATOR;
  return RC_ROOM_ROLE_MEMBER;
}

gboolean
rc_room_can_manage (const RcRoom *room, const RcRoomUser *user)
{
  return rc_room_user_is_admin (user) ||
         (room->host_id != NULL && g_strcmp0 (room->host_id, user->id) == 0);
}

gboolean
rc_room_can_moderate (const RcRoom *room, const RcRoomUser *user)
{
  return rc_room_can_manage (room, user) || rc_room_user_is_staff (user) ||
         g_hash_table_contains (room->moderators, user->id);
}

int
rc_room_rank (const RcRoom *room, const char *user_id, const RcRoomUser *user)
{
  if (rc_room_user_is_admin (user))
    return 4;
  if (room->host_id != NULL && g_strcmp0 (room->host_id, user_id) == 0)
    return 3;
  if (rc_room_user_is_staff (user) || g_hash_table_contains (room->moderators, user_id))
    return 2;
  return 1;
}

gboolean
rc_room_check_outranks (const RcRoom *room, const RcParticipant *actor, const char *target_id,
                        GError **error)
{
  RcParticipant *target = rc_room_participant (room, target_id);
  int actor_rank = rc_room_rank (room, actor->user->id, actor->user);
  int target_rank = rc_room_rank (room, target_id, target ? target->user : NULL);

  if (actor_rank <= target_rank) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN,
                         "You cannot moderate a user of equal or higher rank");
    return FALSE;
  }
  return TRUE;
}
