/* roomcast: event name -> validated room operation; see room-commands.h. */
#include "rooms/room-commands.h"

#include "protocol/errors.h"
#include "protocol/payload.h"

/* Positions up to ~115 days: any video, without overflow in extrapolation. */
#define CINEMA_MAX_POSITION_MS G_GINT64_CONSTANT (10000000000)

typedef gboolean (*CommandFunc) (RcRoom *room, const char *actor, JsonObject *payload,
                                 gint64 now, RcEffects *effects, JsonObject *reply,
                                 GError **error);

/* A seat index field. Absent optional -> -1 ("any"); a non-integer is
 * invalid_payload; a negative or too large integer is invalid_seat. */
static gboolean
get_seat (JsonObject *payload, RcFieldFlags flags, gint *seat, GError **error)
{
  gint64 value;

  if (!rc_payload_get_int (payload, "seat", flags, G_MININT32, G_MAXINT32, G_MININT64, &value,
                           error))
    return FALSE;
  if (value == G_MININT64)
    *seat = -1;
  else if (value < 0) {
    rc_error_set_printf (error, RC_ERROR_INVALID_SEAT,
                         "Seat %" G_GINT64_FORMAT " does not exist", value);
    return FALSE;
  } else
    *seat = (gint) value;
  return TRUE;
}

static void
set_seat_member (JsonObject *reply, gint seat)
{
  if (seat >= 0)
    json_object_set_int_member (reply, "seat", seat);
  else
    json_object_set_null_member (reply, "seat");
}

static gboolean
cmd_seat_take (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
               RcEffects *effects, JsonObject *reply, GError **error)
{
  gint seat = -1;

  if (!get_seat (payload, RC_FIELD_OPTIONAL, &seat, error))
    return FALSE;
  seat = rc_room_take_seat (room, actor, seat, now, effects, error);
  if (seat < 0)
    return FALSE;
  set_seat_member (reply, seat);
  return TRUE;
}

static gboolean
cmd_seat_leave (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                RcEffects *effects, JsonObject *reply, GError **error)
{
  return rc_room_leave_seat (room, actor, now, effects, error);
}

static gboolean
cmd_seat_request (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                  RcEffects *effects, JsonObject *reply, GError **error)
{
  gint seat = -1, taken = -1;

  if (!get_seat (payload, RC_FIELD_OPTIONAL, &seat, error) ||
      !rc_room_request_seat (room, actor, seat, now, effects, &taken, error))
    return FALSE;
  set_seat_member (reply, taken);
  json_object_set_boolean_member (reply, "queued", taken < 0);
  return TRUE;
}

static gboolean
cmd_seat_invite (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                 RcEffects *effects, JsonObject *reply, GError **error)
{
  g_autofree char *user_id = NULL;
  gint seat = -1;

  return rc_payload_get_user_id (payload, "userId", RC_FIELD_REQUIRED, &user_id, error) &&
         get_seat (payload, RC_FIELD_OPTIONAL, &seat, error) &&
         rc_room_invite_to_seat (room, actor, user_id, seat, now, effects, error);
}

static gboolean
cmd_seat_approve (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                  RcEffects *effects, JsonObject *reply, GError **error)
{
  g_autofree char *user_id = NULL;
  gint seat = -1;

  if (!rc_payload_get_user_id (payload, "userId", RC_FIELD_REQUIRED, &user_id, error) ||
      !get_seat (payload, RC_FIELD_OPTIONAL, &seat, error))
    return FALSE;
  seat = rc_room_approve_seat (room, actor, user_id, seat, now, effects, error);
  if (seat < 0)
    return FALSE;
  set_seat_member (reply, seat);
  return TRUE;
}

static gboolean
cmd_seat_lock (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
               RcEffects *effects, JsonObject *reply, GError **error)
{
  gint seat = -1;
  gboolean locked = FALSE;

  return get_seat (payload, RC_FIELD_REQUIRED, &seat, error) &&
         rc_payload_get_bool (payload, "locked", RC_FIELD_REQUIRED, FALSE, &locked, error) &&
         rc_room_lock_seat (room, actor, seat, locked, now, effects, error);
}

static gboolean
cmd_seat_mute (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
               RcEffects *effects, JsonObject *reply, GError **error)
{
  gint seat = -1;
  gboolean muted = FALSE;

  return get_seat (payload, RC_FIELD_REQUIRED, &seat, error) &&
         rc_payload_get_bool (payload, "muted", RC_FIELD_REQUIRED, FALSE, &muted, error) &&
         rc_room_mute_seat (room, actor, seat, muted, now, effects, error);
}

static gboolean
cmd_seat_kick (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
               RcEffects *effects, JsonObject *reply, GError **error)
{
  gint seat = -1;

  return get_seat (payload, RC_FIELD_REQUIRED, &seat, error) &&
         rc_room_kick_from_seat (room, actor, seat, now, effects, error);
}

static gboolean
cmd_mic_mute (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
              RcEffects *effects, JsonObject *reply, GError **error)
{
  gboolean muted = FALSE;

  return rc_payload_get_bool (payload, "muted", RC_FIELD_REQUIRED, FALSE, &muted, error) &&
         rc_room_set_mic_muted (room, actor, muted, now, effects, error);
}

static gboolean
cmd_room_update (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                 RcEffects *effects, JsonObject *reply, GError **error)
{
  g_autofree char *mode_name = NULL;
  g_autofree char *title = NULL;
  RcSeatMode mode;
  gboolean has_title;

  if (!rc_payload_get_string (payload, "seatMode", RC_FIELD_OPTIONAL, 1, 16, &mode_name, error))
    return FALSE;
  if (mode_name != NULL && !rc_seat_mode_from_name (mode_name, &mode)) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD,
                         "field 'seatMode' must be \"free\" or \"request\"");
    return FALSE;
  }
  if (!rc_payload_get_string (payload, "title", RC_FIELD_OPTIONAL, 0, RC_TITLE_MAX_CHARS,
                              &title, error))
    return FALSE;
  has_title = title != NULL;
  if (!rc_room_update (room, actor, mode_name ? &mode : NULL, has_title, title, now, effects,
                       error))
    return FALSE;
  json_object_set_member (reply, "room", rc_room_info_json (room));
  return TRUE;
}

static gboolean
cmd_room_moderator (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                    RcEffects *effects, JsonObject *reply, GError **error)
{
  g_autofree char *user_id = NULL;
  gboolean moderator;

  return rc_payload_get_user_id (payload, "userId", RC_FIELD_REQUIRED, &user_id, error) &&
         rc_payload_get_bool (payload, "moderator", RC_FIELD_REQUIRED, FALSE, &moderator,
                              error) &&
         rc_room_set_moderator (room, actor, user_id, moderator, now, effects, error);
}

static gboolean
get_chat_text (JsonObject *payload, char **text, GError **error)
{
  return rc_payload_get_string (payload, "text", RC_FIELD_REQUIRED, 1, RC_CHAT_MAX_CHARS, text,
                                error);
}

static gboolean
check_chat_send (JsonObject *payload, GError **error)
{
  g_autofree char *text = NULL;

  return get_chat_text (payload, &text, error);
}

static gboolean
cmd_chat_send (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
               RcEffects *effects, JsonObject *reply, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;

  if (!get_chat_text (payload, &text, error))
    return FALSE;
  id = rc_room_send_chat (room, actor, text, now, effects, error);
  if (id == NULL)
    return FALSE;
  json_object_set_string_member (reply, "id", id);
  json_object_set_int_member (reply, "ts", now);
  return TRUE;
}

static gboolean
cmd_chat_delete (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                 RcEffects *effects, JsonObject *reply, GError **error)
{
  g_autofree char *message_id = NULL;

  return rc_payload_get_string (payload, "messageId", RC_FIELD_REQUIRED, 1, 64, &message_id,
                                error) &&
         rc_room_delete_chat (room, actor, message_id, now, effects, error);
}

static gboolean
get_is_typing (JsonObject *payload, gboolean *is_typing, GError **error)
{
  return rc_payload_get_bool (payload, "isTyping", RC_FIELD_REQUIRED, FALSE, is_typing, error);
}

static gboolean
check_typing (JsonObject *payload, GError **error)
{
  gboolean is_typing;

  return get_is_typing (payload, &is_typing, error);
}

static gboolean
cmd_typing (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
            RcEffects *effects, JsonObject *reply, GError **error)
{
  gboolean is_typing;

  return get_is_typing (payload, &is_typing, error) &&
         rc_room_relay_typing (room, actor, is_typing, effects, error);
}

typedef gboolean (*UserAction) (RcRoom *, const char *, const char *, gint64, RcEffects *,
                                GError **);

static gboolean
run_user_action (UserAction action, RcRoom *room, const char *actor, JsonObject *payload,
                 gint64 now, RcEffects *effects, GError **error)
{
  g_autofree char *user_id = NULL;

  return rc_payload_get_user_id (payload, "userId", RC_FIELD_REQUIRED, &user_id, error) &&
         action (room, actor, user_id, now, effects, error);
}

static gboolean
cmd_user_kick (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
               RcEffects *effects, JsonObject *reply, GError **error)
{
  return run_user_action (rc_room_kick_user, room, actor, payload, now, effects, error);
}

static gboolean
cmd_user_ban (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
              RcEffects *effects, JsonObject *reply, GError **error)
{
  return run_user_action (rc_room_ban_user, room, actor, payload, now, effects, error);
}

static gboolean
cmd_user_unban (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                RcEffects *effects, JsonObject *reply, GError **error)
{
  return run_user_action (rc_room_unban_user, room, actor, payload, now, effects, error);
}

/* Only absolute http(s) URLs: clients hand them to a video player. */
static gboolean
get_video_url (JsonObject *payload, char **url, GError **error)
{
  g_autofree char *value = NULL;
  g_autofree char *scheme = NULL;

  if (!rc_payload_get_string (payload, "url", RC_FIELD_REQUIRED, 1, RC_CINEMA_URL_MAX_CHARS,
                              &value, error))
    return FALSE;
  scheme = g_uri_parse_scheme (value);
  if (scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      !g_uri_is_valid (value, G_URI_FLAGS_NONE, NULL)) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "field 'url' must be an http(s) URL");
    return FALSE;
  }
  *url = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
cmd_cinema_start (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                  RcEffects *effects, JsonObject *reply, GError **error)
{
  g_autofree char *url = NULL;
  gint64 position;
  gboolean playing;

  if (!get_video_url (payload, &url, error) ||
      !rc_payload_get_int (payload, "positionMs", RC_FIELD_OPTIONAL, 0, CINEMA_MAX_POSITION_MS,
                           0, &position, error) ||
      !rc_payload_get_bool (payload, "playing", RC_FIELD_OPTIONAL, TRUE, &playing, error) ||
      !rc_room_cinema_start (room, actor, url, position, playing, now, effects, error))
    return FALSE;
  json_object_set_member (reply, "cinema", rc_room_cinema_state_json (room, now));
  return TRUE;
}

static gboolean
cmd_cinema_sync (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                 RcEffects *effects, JsonObject *reply, GError **error)
{
  gint64 position;
  gboolean playing;

  if (!rc_payload_get_int (payload, "positionMs", RC_FIELD_REQUIRED, 0, CINEMA_MAX_POSITION_MS,
                           0, &position, error) ||
      !rc_payload_get_bool (payload, "playing", RC_FIELD_REQUIRED, TRUE, &playing, error) ||
      !rc_room_cinema_sync (room, actor, position, playing, now, effects, error))
    return FALSE;
  json_object_set_member (reply, "cinema", rc_room_cinema_state_json (room, now));
  return TRUE;
}

static gboolean
cmd_cinema_stop (RcRoom *room, const char *actor, JsonObject *payload, gint64 now,
                 RcEffects *effects, JsonObject *reply, GError **error)
{
  return rc_room_cinema_stop (room, actor, now, effects, error);
}

/* The checks of an event's payload that need no room. */
typedef gboolean (*CheckFunc) (JsonObject *payload, GError **error);

typedef struct {
  const char *name;
  CommandFunc func;
  const char *rate_bucket; /* the rate budget it draws from, or NULL */
  CheckFunc check;         /* with a rate bucket: its payload checks */
} Command;

static const Command commands[] = {
  { "seat:take", cmd_seat_take },
  { "seat:leave", cmd_seat_leave },
  { "seat:request", cmd_seat_request },
  { "seat:invite", cmd_seat_invite },
  { "seat:approve", cmd_seat_approve },
  { "seat:lock", cmd_seat_lock },
  { "seat:mute", cmd_seat_mute },
  { "seat:kick", cmd_seat_kick },
  { "mic:mute", cmd_mic_mute },
  { "room:update", cmd_room_update },
  { "room:moderator", cmd_room_moderator },
  { "chat:send", cmd_chat_send, "chat", check_chat_send },
  { "chat:delete", cmd_chat_delete },
  { "typing", cmd_typing, "typing", check_typing },
  { "user:kick", cmd_user_kick },
  { "user:ban", cmd_user_ban },
  { "user:unban", cmd_user_unban },
  { "cinema:start", cmd_cinema_start },
  { "cinema:sync", cmd_cinema_sync },
  { "cinema:stop", cmd_cinema_stop },
};

static const char *const command_names[] = {
  "seat:take",   "seat:leave",  "seat:request", "seat:invite", "seat:approve",   "seat:lock",
  "seat:mute",   "seat:kick",   "mic:mute",     "room:update", "room:moderator", "chat:send",
  "chat:delete", "typing",      "user:kick",    "user:ban",    "user:unban",     "cinema:start",
  "cinema:sync", "cinema:stop", NULL,
};

G_STATIC_ASSERT (G_N_ELEMENTS (commands) + 1 == G_N_ELEMENTS (command_names));

static const Command *
find_command (const char *event)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].name, event) == 0)
      return &commands[i];
  return NULL;
}

gboolean
rc_room_command_exists (const char *event)
{
  return find_command (event) != NULL;
}

const char *const *
rc_room_command_names (void)
{
  return command_names;
}

const char *
rc_room_command_rate_bucket (const char *event)
{
  const Command *command = find_command (event);

  return command ? command->rate_bucket : NULL;
}

gboolean
rc_room_command_check_payload (const char *event, JsonObject *payload, GError **error)
{
  const Command *command = find_command (event);

  g_return_val_if_fail (command != NULL && command->check != NULL, FALSE);
  return command->check (payload, error);
}

gboolean
rc_room_command_run (RcRoom *room, const char *actor_id, const char *event, JsonObject *payload,
                     gint64 now, RcEffects *effects, JsonObject **reply, GError **error)
{
  const Command *command = find_command (event);
  g_autoptr (JsonObject) fields = NULL;

  g_return_val_if_fail (reply != NULL, FALSE);
  *reply = NULL;
  if (command == NULL) {
    rc_error_set_printf (error, RC_ERROR_UNKNOWN_EVENT, "Unknown event '%s'", event);
    return FALSE;
  }
  fields = json_object_new ();
  if (!command->func (room, actor_id, payload, now, effects, fields, error))
    return FALSE;
  *reply = g_steal_pointer (&fields);
  return TRUE;
}
