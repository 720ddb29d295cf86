/* roomcast: room lifecycle, participants, roles and effect helpers; see room.h. */
#include "rooms/room-private.h"

#include <string.h>

const char *
rc_room_status_name (RcRoomStatus status)
{
  switch (status) {
  case RC_ROOM_STATUS_CREATED:
    return "CREATED";
  case RC_ROOM_STATUS_ACTIVE:
    return "ACTIVE";
  case RC_ROOM_STATUS_CLOSING:
    return "CLOSING";
  case RC_ROOM_STATUS_CLOSED:
    return "CLOSED";
  default:
    return "CLOSED";
  }
}

const char *
rc_seat_mode_name (RcSeatMode mode)
{
  return mode == RC_SEAT_MODE_REQUEST ? "request" : "free";
}

gboolean
rc_seat_mode_from_name (const char *name, RcSeatMode *mode)
{
  if (g_strcmp0 (name, "free") == 0)
    *mode = RC_SEAT_MODE_FREE;
  else if (g_strcmp0 (name, "request") == 0)
    *mode = RC_SEAT_MODE_REQUEST;
  else
    return FALSE;
  return TRUE;
}

/* --- construction --- */

static void
participant_free (gpointer data)
{
  RcParticipant *participant = data;

  rc_room_user_free (participant->user);
  g_free (participant);
}

static void
request_free (gpointer data)
{
  RcSeatRequest *request = data;

  g_free (request->user_id);
  g_free (request);
}

void
rc_room_chat_record_free (gpointer data)
{
  RcChatRecord *record = data;

  g_free (record->id);
  g_free (record->author_id);
  g_free (record);
}

RcRoom *
rc_room_new (const char *id, const char *host_id, const RcRoomSettings *settings, gint64 now)
{
  RcRoom *room;

  g_return_val_if_fail (id != NULL && settings != NULL, NULL);
  g_return_val_if_fail (settings->n_seats >= 1 && settings->n_seats <= RC_ROOM_MAX_SEATS, NULL);

  room = g_new0 (RcRoom, 1);
  room->id = g_strdup (id);
  room->status = RC_ROOM_STATUS_CREATED;
  room->seat_mode = RC_SEAT_MODE_FREE;
  room->host_id = g_strdup (host_id);
  room->settings = *settings;
  room->seats = g_new0 (RcSeat, settings->n_seats);
  room->participants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              participant_free);
  room->moderators = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  room->bans = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  room->requests = g_ptr_array_new_with_free_func (request_free);
  room->invitations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&room->chat_history);
  room->created_at = now;
  room->last_activity_at = now;
  room->empty_since = now;
  return room;
}

static void
clear_seats (RcRoom *room)
{
  for (guint i = 0; i < room->settings.n_seats; i++)
    g_clear_pointer (&room->seats[i].user_id, g_free);
}

void
rc_room_free (RcRoom *room)
{
  if (room == NULL)
    return;
  clear_seats (room);
  g_free (room->seats);
  g_hash_table_unref (room->participants);
  g_hash_table_unref (room->moderators);
  g_hash_table_unref (room->bans);
  g_ptr_array_unref (room->requests);
  g_hash_table_unref (room->invitations);
  g_queue_clear_full (&room->chat_history, rc_room_chat_record_free);
  g_free (room->cinema.url);
  g_free (room->title);
  g_free (room->host_id);
  g_free (room->id);
  g_free (room);
}

void
rc_room_set_max_participants (RcRoom *room, guint max_participants)
{
  room->settings.max_participants = max_participants;
}

/* --- accessors --- */

const char *
rc_room_get_id (const RcRoom *room)
{
  return room->id;
}
RcRoomStatus
rc_room_get_status (const RcRoom *room)
{
  return room->status;
}
const char *
rc_room_get_host_id (const RcRoom *room)
{
  return room->host_id;
}
RcSeatMode
rc_room_get_seat_mode (const RcRoom *room)
{
  return room->seat_mode;
}
const char *
rc_room_get_title (const RcRoom *room)
{
  return room->title;
}
guint
rc_room_get_n_seats (const RcRoom *room)
{
  return room->settings.n_seats;
}

const RcSeat *
rc_room_get_seat (const RcRoom *room, guint index)
{
  g_return_val_if_fail (index < room->settings.n_seats, NULL);
  return &room->seats[index];
}

guint
rc_room_get_n_participants (const RcRoom *room)
{
  return g_hash_table_size (room->participants);
}

guint
rc_room_get_n_connected (const RcRoom *room)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, room->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((RcParticipant *) value)->connected)
      n++;
  return n;
}

RcParticipant *
rc_room_participant (const RcRoom *room, const char *user_id)
{
  return user_id ? g_hash_table_lookup (room->participants, user_id) : NULL;
}

gboolean
rc_room_has_participant (const RcRoom *room, const char *user_id)
{
  return rc_room_participant (room, user_id) != NULL;
}

gboolean
rc_room_is_connected (const RcRoom *room, const char *user_id)
{
  RcParticipant *participant = rc_room_participant (room, user_id);

  return participant != NULL && participant->connected;
}

gint
rc_room_get_user_seat (const RcRoom *room, const char *user_id)
{
  RcParticipant *participant = rc_room_participant (room, user_id);

  return participant ? participant->seat : -1;
}

gboolean
rc_room_is_banned (const RcRoom *room, const char *user_id)
{
  return g_hash_table_contains (room->bans, user_id);
}

gboolean
rc_room_has_seat_request (const RcRoom *room, const char *user_id)
{
  for (guint i = 0; i < room->requests->len; i++)
    if (g_str_equal (((RcSeatRequest *) g_ptr_array_index (room->requests, i))->user_id,
                     user_id))
      return TRUE;
  return FALSE;
}

static gint
compare_by_join (gconstpointer a, gconstpointer b)
{
  const RcParticipant *pa = *(RcParticipant *const *) a;
  const RcParticipant *pb = *(RcParticipant *const *) b;

  if (pa->joined_at != pb->joined_at)
    return pa->joined_at < pb->joined_at ? -1 : 1;
  return strcmp (pa->user->id, pb->user->id);
}

GPtrArray *
rc_room_sorted_participants (const RcRoom *room, gboolean connected_only)
{
  GPtrArray *list = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, room->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!connected_only || ((RcParticipant *) value)->connected)
      g_ptr_array_add (list, value);
  g_ptr_array_sort (list, compare_by_join);
  return list;
}

GPtrArray *
rc_room_list_connected (const RcRoom *room)
{
  g_autoptr (GPtrArray) participants = rc_room_sorted_participants (room, TRUE);
  GPtrArray *ids = g_ptr_array_sized_new (participants->len);

  for (guint i = 0; i < participants->len; i++)
    g_ptr_array_add (ids, ((RcParticipant *) g_ptr_array_index (participants, i))->user->id);
  return ids;
}

void
rc_room_foreach_participant (const RcRoom *room, RcRoomParticipantFunc func, gpointer user_data)
{
  g_autoptr (GPtrArray) participants = rc_room_sorted_participants (room, FALSE);

  for (guint i = 0; i < participants->len; i++) {
    const RcParticipant *participant = g_ptr_array_index (participants, i);
    const RcSeat *seat = participant->seat >= 0 ? &room->seats[participant->seat] : NULL;
    RcRoomParticipantView view = {
      .user_id = participant->user->id,
      .name = participant->user->name,
      .avatar_url = participant->user->avatar_url,
      .role = rc_room_get_role (room, participant->user->id),
      .seat = participant->seat,
      .seat_muted = seat != NULL && seat->muted,
      .mic_muted = seat != NULL && seat->mic_muted,
      .connected = participant->connected,
    };

    func (&view, user_data);
  }
}

/* When a room empty since empty_since closes: after the grace period, or at
 * once if nobody ever sat on a seat (nobody can come back to one). */
static gint64
empty_deadline (const RcRoom *room)
{
  return room->empty_since + (room->ever_seated ? room->settings.grace_ms : 0);
}

gint64
rc_room_get_next_deadline (const RcRoom *room)
{
  GHashTableIter iter;
  gpointer value;
  gint64 deadline = -1;

  if (room->status >= RC_ROOM_STATUS_CLOSING)
    return -1;
  if (room->empty_since >= 0)
    deadline = empty_deadline (room);
  g_hash_table_iter_init (&iter, room->participants);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    RcParticipant *participant = value;
    if (!participant->connected && (deadline < 0 || participant->hold_until < deadline))
      deadline = participant->hold_until;
  }
  return deadline;
}

gboolean
rc_room_check_seat_index (const RcRoom *room, gint seat, GError **error)
{
  if (seat < 0 || (guint) seat >= room->settings.n_seats) {
    rc_error_set_printf (error, RC_ERROR_INVALID_SEAT, "Seat %d does not exist (0-%u)", seat,
                         room->settings.n_seats - 1);
    return FALSE;
  }
  return TRUE;
}

RcParticipant *
rc_room_require_actor (const RcRoom *room, const char *user_id, GError **error)
{
  RcParticipant *participant;

  if (room->status >= RC_ROOM_STATUS_CLOSING) {
    rc_error_set (error, RC_ERROR_ROOM_CLOSED);
    return NULL;
  }
  participant = rc_room_participant (room, user_id);
  if (participant == NULL || !participant->connected) {
    rc_error_set (error, RC_ERROR_NOT_IN_ROOM);
    return NULL;
  }
  return participant;
}

/* --- effects --- */

static void
add_event_for (const RcRoom *room, RcEffects *effects, RcEffectTarget target,
               const char *user_id, GPtrArray *recipients, const char *event, JsonNode *payload)
{
  /* An event nobody would receive is not worth an effect. */
  if (recipients->len == 0) {
    json_node_unref (payload);
    return;
  }
  g_ptr_array_add (recipients, NULL);
  rc_effects_add_event (effects, target, room->id, user_id,
                        (const char *const *) recipients->pdata, event, payload);
}

void
rc_room_broadcast (const RcRoom *room, RcEffects *effects, const char *except_user,
                   const char *event, JsonNode *payload)
{
  g_autoptr (GPtrArray) ids = rc_room_list_connected (room);

  if (except_user != NULL)
    for (guint i = 0; i < ids->len; i++)
      if (g_str_equal (g_ptr_array_index (ids, i), except_user)) {
        g_ptr_array_remove_index (ids, i);
        break;
      }
  add_event_for (room, effects, except_user ? RC_TARGET_ROOM_EXCEPT : RC_TARGET_ROOM,
                 except_user, ids, event, payload);
}

void
rc_room_send_to_user (const RcRoom *room, RcEffects *effects, const char *user_id,
                      const char *event, JsonNode *payload)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();

  g_ptr_array_add (ids, (gpointer) user_id);
  add_event_for (room, effects, RC_TARGET_USER, user_id, ids, event, payload);
}

void
rc_room_send_to_managers (const RcRoom *room, RcEffects *effects, const char *event,
                          JsonNode *payload)
{
  g_autoptr (GPtrArray) participants = rc_room_sorted_participants (room, TRUE);
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; i < participants->len; i++) {
    RcParticipant *participant = g_ptr_array_index (participants, i);
    if (rc_room_can_manage (room, participant->user))
      g_ptr_array_add (ids, participant->user->id);
  }
  add_event_for (room, effects, RC_TARGET_MANAGERS, NULL, ids, event, payload);
}

void
rc_room_emit_seat (const RcRoom *room, RcEffects *effects, guint index)
{
  rc_room_broadcast (room, effects, NULL, "seat:updated", rc_room_seat_json (room, index));
}

void
rc_room_changed (RcRoom *room, gint64 now, RcEffects *effects)
{
  room->last_activity_at = MAX (room->last_activity_at, now);
  rc_effects_add_persist (effects, room->id, rc_room_persist_json (room));
}

/* Keep empty_since in step with the number of connected participants. */
static void
update_empty_since (RcRoom *room, gint64 now)
{
  if (rc_room_get_n_connected (room) == 0) {
    if (room->empty_since < 0)
      room->empty_since = now;
  } else
    room->empty_since = -1;
}

/* --- shared state helpers --- */

void
rc_room_vacate_seat (RcRoom *room, guint index, RcEffects *effects)
{
  RcSeat *seat = &room->seats[index];
  RcParticipant *occupant = rc_room_participant (room, seat->user_id);

  if (occupant != NULL)
    occupant->seat = -1;
  g_clear_pointer (&seat->user_id, g_free);
  seat->mic_muted = FALSE;
  rc_room_emit_seat (room, effects, index);
}

void
rc_room_place_on_seat (RcRoom *room, RcParticipant *participant, guint index,
                       RcEffects *effects)
{
  if (participant->seat >= 0)
    rc_room_vacate_seat (room, participant->seat, effects);
  room->seats[index].user_id = g_strdup (participant->user->id);
  room->seats[index].mic_muted = FALSE;
  participant->seat = index;
  room->ever_seated = TRUE;
  g_hash_table_remove (room->invitations, participant->user->id);
  rc_room_drop_seat_request (room, participant->user->id, "seated", effects);
  rc_room_emit_seat (room, effects, index);
}

void
rc_room_drop_seat_request (RcRoom *room, const char *user_id, const char *reason,
                           RcEffects *effects)
{
  for (guint i = 0; i < room->requests->len; i++) {
    RcSeatRequest *request = g_ptr_array_index (room->requests, i);
    if (g_str_equal (request->user_id, user_id)) {
      JsonObject *payload = json_object_new ();
      json_object_set_string_member (payload, "userId", user_id);
      json_object_set_string_member (payload, "reason", reason);
      g_ptr_array_remove_index (room->requests, i);
      rc_room_send_to_managers (room, effects, "seat:request_cancelled",
                                rc_json_node_take_object (payload));
      return;
    }
  }
}

void
rc_room_remove_participant (RcRoom *room, const char *user_id, const char *reason, gint64 now,
                            RcEffects *effects)
{
  g_autofree char *id = NULL;
  gpointer stolen_key, stolen_value;
  RcParticipant *participant;
  JsonObject *payload;

  /* Take the participant out first, so the events below go to the others. */
  if (!g_hash_table_steal_extended (room->participants, user_id, &stolen_key, &stolen_value))
    return;
  id = stolen_key;
  participant = stolen_value;
  if (participant->seat >= 0)
    rc_room_vacate_seat (room, participant->seat, effects);
  participant_free (participant);

  rc_room_drop_seat_request (room, id, "left", effects);
  g_hash_table_remove (room->invitations, id);

  payload = json_object_new ();
  json_object_set_string_member (payload, "userId", id);
  json_object_set_string_member (payload, "reason", reason);
  rc_room_broadcast (room, effects, NULL, "participant:left",
                     rc_json_node_take_object (payload));
  rc_effects_add_detach (effects, room->id, id);
  update_empty_since (room, now);
}

/* --- lifecycle --- */

gboolean
rc_room_check_can_join (const RcRoom *room, const char *user_id, GError **error)
{
  if (room->status >= RC_ROOM_STATUS_CLOSING) {
    rc_error_set (error, RC_ERROR_ROOM_CLOSED);
    return FALSE;
  }
  if (rc_room_is_banned (room, user_id)) {
    rc_error_set (error, RC_ERROR_BANNED);
    return FALSE;
  }
  if (!rc_room_has_participant (room, user_id) && room->settings.max_participants > 0 &&
      rc_room_get_n_participants (room) >= room->settings.max_participants) {
    rc_error_set (error, RC_ERROR_ROOM_FULL);
    return FALSE;
  }
  return TRUE;
}

gboolean
rc_room_join (RcRoom *room, const RcRoomUser *user, gint64 now, RcEffects *effects,
              GError **error)
{
  RcParticipant *participant;

  g_return_val_if_fail (user != NULL && user->id != NULL, FALSE);

  if (!rc_room_check_can_join (room, user->id, error))
    return FALSE;
  participant = rc_room_participant (room, user->id);
  if (participant != NULL) {
    /* The same user again: refresh their profile, resume a held seat. */
    rc_room_user_free (participant->user);
    participant->user = rc_room_user_copy (user);
    if (participant->connected)
      return TRUE; /* a replacement connection: nothing changed for others */
    participant->connected = TRUE;
    participant->hold_until = 0;
    update_empty_since (room, now);
    rc_room_broadcast (room, effects, user->id, "participant:joined",
                       rc_room_participant_json (room, participant));
    rc_room_changed (room, now, effects);
    return TRUE;
  }

  /* Roles decision: without an owner the first joiner hosts the room, unless
   * only the app makes hosts. */
  if (room->host_id == NULL && !room->settings.owner_hosts_only)
    room->host_id = g_strdup (user->id);

  participant = g_new0 (RcParticipant, 1);
  participant->user = rc_room_user_copy (user);
  participant->seat = -1;
  participant->joined_at = now;
  participant->connected = TRUE;
  g_hash_table_insert (room->participants, g_strdup (user->id), participant);
  if (room->status == RC_ROOM_STATUS_CREATED)
    room->status = RC_ROOM_STATUS_ACTIVE;
  update_empty_since (room, now);

  rc_room_broadcast (room, effects, user->id, "participant:joined",
                     rc_room_participant_json (room, participant));
  rc_room_changed (room, now, effects);
  return TRUE;
}

gboolean
rc_room_leave (RcRoom *room, const char *user_id, const char *reason, gint64 now,
               RcEffects *effects, GError **error)
{
  if (!rc_room_has_participant (room, user_id)) {
    rc_error_set (error, RC_ERROR_NOT_IN_ROOM);
    return FALSE;
  }
  rc_room_remove_participant (room, user_id, reason ? reason : "left", now, effects);
  rc_room_changed (room, now, effects);
  return TRUE;
}

void
rc_room_disconnect (RcRoom *room, const char *user_id, gint64 now, RcEffects *effects)
{
  RcParticipant *participant = rc_room_participant (room, user_id);
  JsonObject *payload;

  if (participant == NULL || !participant->connected || room->status >= RC_ROOM_STATUS_CLOSING)
    return;
  if (participant->seat < 0 || room->settings.grace_ms <= 0) {
    rc_room_remove_participant (room, user_id, "disconnected", now, effects);
    rc_room_changed (room, now, effects);
    return;
  }

  /* Hold the seat: the user may be back within the grace period. */
  participant->connected = FALSE;
  participant->hold_until = now + room->settings.grace_ms;
  update_empty_since (room, now);
  payload = json_object_new ();
  json_object_set_string_member (payload, "userId", user_id);
  json_object_set_int_member (payload, "seat", participant->seat);
  json_object_set_int_member (payload, "holdUntil", participant->hold_until);
  rc_room_broadcast (room, effects, NULL, "participant:away",
                     rc_json_node_take_object (payload));
  rc_room_changed (room, now, effects);
}

void
rc_room_tick (RcRoom *room, gint64 now, RcEffects *effects)
{
  g_autoptr (GPtrArray) participants = NULL;
  gboolean changed = FALSE;

  if (room->status >= RC_ROOM_STATUS_CLOSING)
    return;
  if (room->empty_since >= 0 && now >= empty_deadline (room)) {
    rc_room_close (room, "empty", now, effects);
    return;
  }
  participants = rc_room_sorted_participants (room, FALSE);
  for (guint i = 0; i < participants->len; i++) {
    RcParticipant *participant = g_ptr_array_index (participants, i);
    if (!participant->connected && participant->hold_until <= now) {
      rc_room_remove_participant (room, participant->user->id, "timeout", now, effects);
      changed = TRUE;
    }
  }
  if (changed)
    rc_room_changed (room, now, effects);
}

void
rc_room_close (RcRoom *room, const char *reason, gint64 now, RcEffects *effects)
{
  g_autoptr (GPtrArray) participants = NULL;
  JsonObject *payload;

  if (room->status >= RC_ROOM_STATUS_CLOSING)
    return;
  room->status = RC_ROOM_STATUS_CLOSING;

  payload = json_object_new ();
  json_object_set_string_member (payload, "roomId", room->id);
  json_object_set_string_member (payload, "reason", reason);
  rc_room_broadcast (room, effects, NULL, "room:closed", rc_json_node_take_object (payload));

  participants = rc_room_sorted_participants (room, FALSE);
  for (guint i = 0; i < participants->len; i++)
    rc_effects_add_detach (effects, room->id,
                           ((RcParticipant *) g_ptr_array_index (participants, i))->user->id);
  g_clear_pointer (&participants, g_ptr_array_unref);

  clear_seats (room);
  g_hash_table_remove_all (room->participants);
  g_ptr_array_set_size (room->requests, 0);
  g_hash_table_remove_all (room->invitations);
  room->cinema.active = FALSE;
  g_clear_pointer (&room->cinema.url, g_free);
  room->empty_since = -1;
  room->status = RC_ROOM_STATUS_CLOSED;
  rc_room_changed (room, now, effects);
}

gboolean
rc_room_close_by (RcRoom *room, const RcRoomUser *actor, gint64 now, RcEffects *effects,
                  GError **error)
{
  gboolean is_host = room->host_id != NULL && g_strcmp0 (room->host_id, actor->id) == 0;

  if (room->status >= RC_ROOM_STATUS_CLOSING) {
    rc_error_set (error, RC_ERROR_ROOM_CLOSED);
    return FALSE;
  }
  if (!is_host && !rc_room_user_is_admin (actor)) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN,
                         "Only the host or an admin may close the room");
    return FALSE;
  }
  rc_room_close (room, is_host ? "closed_by_host" : "closed_by_admin", now, effects);
  return TRUE;
}

gboolean
rc_room_update (RcRoom *room, const char *actor_id, const RcSeatMode *seat_mode,
                gboolean set_title, const char *title, gint64 now, RcEffects *effects,
                GError **error)
{
  RcParticipant *actor = rc_room_require_actor (room, actor_id, error);
  gboolean changed = FALSE;

  if (actor == NULL)
    return FALSE;
  if (!rc_room_can_manage (room, actor->user)) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN, "Only the host may change the room");
    return FALSE;
  }

  if (seat_mode != NULL && *seat_mode != room->seat_mode) {
    room->seat_mode = *seat_mode;
    changed = TRUE;
  }
  if (set_title) {
    const char *new_title = (title != NULL && *title != '\0') ? title : NULL;
    if (g_strcmp0 (new_title, room->title) != 0) {
      g_free (room->title);
      room->title = g_strdup (new_title);
      changed = TRUE;
    }
  }
  if (!changed)
    return TRUE;

  rc_room_broadcast (room, effects, NULL, "room:updated", rc_room_info_json (room));
  /* Free mode needs no requests: tell the host they are gone. */
  if (room->seat_mode == RC_SEAT_MODE_FREE)
    while (room->requests->len > 0) {
      g_autofree char *user_id = g_strdup (
        ((RcSeatRequest *) g_ptr_array_index (room->requests, 0))->user_id);
      rc_room_drop_seat_request (room, user_id, "mode_changed", effects);
    }
  rc_room_changed (room, now, effects);
  return TRUE;
}
