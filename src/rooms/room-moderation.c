/* roomcast: kick, ban, room moderators, and chat (send, delete, typing). */
#include "rooms/room-private.h"

/* The connected actor, if they may moderate. */
static RcParticipant *
require_moderator (RcRoom *room, const char *actor_id, GError **error)
{
  RcParticipant *actor = rc_room_require_actor (room, actor_id, error);

  if (actor == NULL)
    return NULL;
  if (!rc_room_can_moderate (room, actor->user)) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN, "Only the host or a moderator may do that");
    return NULL;
  }
  return actor;
}

/* Tell @target_id they were removed, then remove them. */
static void
remove_by_moderator (RcRoom *room, RcParticipant *actor, const char *target_id, gboolean banned,
                     gint64 now, RcEffects *effects)
{
  RcParticipant *target = rc_room_participant (room, target_id);
  JsonObject *payload;

  if (target == NULL)
    return;
  if (target->connected) {
    payload = json_object_new ();
    json_object_set_string_member (payload, "roomId", room->id);
    json_object_set_string_member (payload, "by", actor->user->id);
    json_object_set_boolean_member (payload, "banned", banned);
    rc_room_send_to_user (room, effects, target_id, "kicked",
                          rc_json_node_take_object (payload));
  }
  rc_room_remove_participant (room, target_id, banned ? "banned" : "kicked", now, effects);
  rc_room_changed (room, now, effects);
}

gboolean
rc_room_kick_user (RcRoom *room, const char *actor_id, const char *target_id, gint64 now,
                   RcEffects *effects, GError **error)
{
  RcParticipant *actor = require_moderator (room, actor_id, error);

  if (actor == NULL)
    return FALSE;
  if (!rc_room_has_participant (room, target_id)) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "User %s is not in this room", target_id);
    return FALSE;
  }
  if (!rc_room_check_outranks (room, actor, target_id, error))
    return FALSE;
  remove_by_moderator (room, actor, target_id, FALSE, now, effects);
  return TRUE;
}

gboolean
rc_room_ban_user (RcRoom *room, const char *actor_id, const char *target_id, gint64 now,
                  RcEffects *effects, GError **error)
{
  RcParticipant *actor = require_moderator (room, actor_id, error);

  if (actor == NULL)
    return FALSE;
  /* The target need not be here: a ban also keeps someone out. */
  if (!rc_room_check_outranks (room, actor, target_id, error))
    return FALSE;
  g_hash_table_add (room->bans, g_strdup (target_id));
  remove_by_moderator (room, actor, target_id, TRUE, now, effects);
  return TRUE;
}

gboolean
rc_room_remove_by_server (RcRoom *room, const char *target_id, gboolean ban, gint64 now,
                          RcEffects *effects, GError **error)
{
  if (ban)
    g_hash_table_add (room->bans, g_strdup (target_id));
  if (!rc_room_has_participant (room, target_id)) {
    if (ban)
      return TRUE;
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "User %s is not in this room", target_id);
    return FALSE;
  }
  rc_room_remove_participant (room, target_id, ban ? "banned" : "kicked", now, effects);
  rc_room_changed (room, now, effects);
  return TRUE;
}

gboolean
rc_room_unban_user (RcRoom *room, const char *actor_id, const char *target_id, gint64 now,
                    RcEffects *effects, GError **error)
{
  if (require_moderator (room, actor_id, error) == NULL)
    return FALSE;
  if (g_hash_table_remove (room->bans, target_id))
    rc_room_changed (room, now, effects); /* bans outlive this node (room-restore.c) */
  return TRUE;
}

gboolean
rc_room_set_moderator (RcRoom *room, const char *actor_id, const char *target_id,
                       gboolean moderator, gint64 now, RcEffects *effects, GError **error)
{
  RcParticipant *actor = rc_room_require_actor (room, actor_id, error);
  RcParticipant *target;
  gboolean changed;

  if (actor == NULL)
    return FALSE;
  if (!rc_room_can_manage (room, actor->user)) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN, "Only the host may name moderators");
    return FALSE;
  }
  target = rc_room_participant (room, target_id);
  if (target == NULL) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "User %s is not in this room", target_id);
    return FALSE;
  }
  if (moderator)
    changed = g_hash_table_add (room->moderators, g_strdup (target_id));
  else
    changed = g_hash_table_remove (room->moderators, target_id);
  if (changed) {
    rc_room_broadcast (room, effects, NULL, "participant:updated",
                       rc_room_participant_json (room, target));
    rc_room_changed (room, now, effects); /* roles outlive this node (room-restore.c) */
  }
  return TRUE;
}

/* --- chat --- */

char *
rc_room_send_chat (RcRoom *room, const char *user_id, const char *text, gint64 now,
                   RcEffects *effects, GError **error)
{
  RcParticipant *participant = rc_room_require_actor (room, user_id, error);
  RcChatRecord *record;
  JsonObject *payload;

  if (participant == NULL)
    return NULL;
  g_return_val_if_fail (text != NULL, NULL);

  /* Remember recent ids and authors so chat:delete can be checked. */
  record = g_new0 (RcChatRecord, 1);
  record->id = g_uuid_string_random ();
  record->author_id = g_strdup (user_id);
  g_queue_push_tail (&room->chat_history, record);
  while (g_queue_get_length (&room->chat_history) > RC_CHAT_HISTORY_SIZE)
    rc_room_chat_record_free (g_queue_pop_head (&room->chat_history));
  room->last_activity_at = MAX (room->last_activity_at, now);

  payload = json_object_new ();
  json_object_set_string_member (payload, "id", record->id);
  json_object_set_string_member (payload, "roomId", room->id);
  json_object_set_member (payload, "user", rc_room_user_to_json (participant->user));
  json_object_set_string_member (payload, "text", text);
  json_object_set_int_member (payload, "ts", now);
  rc_room_broadcast (room, effects, NULL, "chat:message", rc_json_node_take_object (payload));
  return g_strdup (record->id);
}

gboolean
rc_room_delete_chat (RcRoom *room, const char *actor_id, const char *message_id, gint64 now,
                     RcEffects *effects, GError **error)
{
  RcParticipant *actor = rc_room_require_actor (room, actor_id, error);
  RcChatRecord *record = NULL;
  gboolean moderator;
  JsonObject *payload;
  GList *link;

  if (actor == NULL)
    return FALSE;
  for (link = room->chat_history.head; link != NULL; link = link->next)
    if (g_str_equal (((RcChatRecord *) link->data)->id, message_id)) {
      record = link->data;
      break;
    }
  moderator = rc_room_can_moderate (room, actor->user);
  /* Authors may delete their own messages; only moderators anyone's. */
  if (!moderator && (record == NULL || !g_str_equal (record->author_id, actor_id))) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN, "Only moderators may delete messages");
    return FALSE;
  }
  if (record == NULL) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "No recent message with id %s", message_id);
    return FALSE;
  }
  g_queue_delete_link (&room->chat_history, link);
  rc_room_chat_record_free (record);

  payload = json_object_new ();
  json_object_set_string_member (payload, "messageId", message_id);
  json_object_set_string_member (payload, "by", actor_id);
  rc_room_broadcast (room, effects, NULL, "chat:deleted", rc_json_node_take_object (payload));
  return TRUE;
}

gboolean
rc_room_relay_typing (RcRoom *room, const char *user_id, gboolean is_typing, RcEffects *effects,
                      GError **error)
{
  JsonObject *payload;

  if (rc_room_require_actor (room, user_id, error) == NULL)
    return FALSE;
  payload = json_object_new ();
  json_object_set_string_member (payload, "userId", user_id);
  json_object_set_boolean_member (payload, "isTyping", is_typing);
  rc_room_broadcast (room, effects, user_id, "typing", rc_json_node_take_object (payload));
  return TRUE;
}
