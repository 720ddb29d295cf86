/* roomcast: seat rules (take, leave, request, invite, approve, lock, mute,
 * kick, mic). See room.h for the roles; summary of the rules:
 *
 *  - free mode: any participant takes any free, unlocked seat;
 *  - request mode: members need an invitation (seat:invite) or an approved
 *    request (seat:request + seat:approve, which seats them directly);
 *    the host, admins and moderators take seats directly;
 *  - a locked seat can only be taken by the host or an admin; locking an
 *    occupied seat does not unseat its occupant (seat:kick does);
 *  - seat mute (by moderators) belongs to the seat and outlives occupants;
 *    mic mute (by the occupant) is cleared when they leave the seat.
 */
#include "rooms/room-private.h"

/* The first free seat, preferring unlocked ones; locked seats only count
 * when @may_use_locked. -1 if none. */
static gint
first_free_seat (const RcRoom *room, gboolean may_use_locked)
{
  for (guint i = 0; i < room->settings.n_seats; i++)
    if (room->seats[i].user_id == NULL && !room->seats[i].locked)
      return i;
  if (may_use_locked)
    for (guint i = 0; i < room->settings.n_seats; i++)
      if (room->seats[i].user_id == NULL)
        return i;
  return -1;
}

static gboolean
seat_is_free (const RcRoom *room, gint seat, gboolean may_use_locked)
{
  return seat >= 0 && (guint) seat < room->settings.n_seats &&
         room->seats[seat].user_id == NULL && (may_use_locked || !room->seats[seat].locked);
}

static RcSeatRequest *
find_request (const RcRoom *room, const char *user_id)
{
  for (guint i = 0; i < room->requests->len; i++) {
    RcSeatRequest *request = g_ptr_array_index (room->requests, i);
    if (g_str_equal (request->user_id, user_id))
      return request;
  }
  return NULL;
}

/* Members in request mode need an invitation; everyone else may sit. */
static gboolean
may_sit_directly (const RcRoom *room, const RcParticipant *participant)
{
  return room->seat_mode == RC_SEAT_MODE_FREE || participant->seat >= 0 ||
         rc_room_can_moderate (room, participant->user) ||
         g_hash_table_contains (room->invitations, participant->user->id);
}

gint
rc_room_take_seat (RcRoom *room, const char *user_id, gint seat, gint64 now, RcEffects *effects,
                   GError **error)
{
  RcParticipant *participant = rc_room_require_actor (room, user_id, error);
  gboolean may_use_locked;

  if (participant == NULL)
    return -1;
  if (seat != -1 && !rc_room_check_seat_index (room, seat, error))
    return -1;
  if (!may_sit_directly (room, participant)) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN,
                         "Seats in this room are given by the host: use seat:request");
    return -1;
  }
  may_use_locked = rc_room_can_manage (room, participant->user);

  if (seat == -1) {
    gpointer invited;
    if (g_hash_table_lookup_extended (room->invitations, user_id, NULL, &invited) &&
        seat_is_free (room, GPOINTER_TO_INT (invited), may_use_locked))
      seat = GPOINTER_TO_INT (invited);
    else if (participant->seat >= 0) {
      rc_error_set_printf (error, RC_ERROR_ALREADY_SEATED, "You are already on seat %d",
                           participant->seat);
      return -1;
    } else
      seat = first_free_seat (room, may_use_locked);
    if (seat < 0) {
      rc_error_set_printf (error, RC_ERROR_SEAT_TAKEN, "No seat is free");
      return -1;
    }
  } else if (participant->seat == seat) {
    rc_error_set (error, RC_ERROR_ALREADY_SEATED);
    return -1;
  } else if (room->seats[seat].user_id != NULL) {
    rc_error_set_printf (error, RC_ERROR_SEAT_TAKEN, "Seat %d is taken", seat);
    return -1;
  } else if (room->seats[seat].locked && !may_use_locked) {
    rc_error_set_printf (error, RC_ERROR_SEAT_LOCKED, "Seat %d is locked", seat);
    return -1;
  }

  rc_room_place_on_seat (room, participant, seat, effects);
  rc_room_changed (room, now, effects);
  return seat;
}

gboolean
rc_room_leave_seat (RcRoom *room, const char *user_id, gint64 now, RcEffects *effects,
                    GError **error)
{
  RcParticipant *participant = rc_room_require_actor (room, user_id, error);

  if (participant == NULL)
    return FALSE;
  if (participant->seat < 0) {
    if (find_request (room, user_id) != NULL) {
      rc_room_drop_seat_request (room, user_id, "cancelled", effects);
      return TRUE;
    }
    rc_error_set (error, RC_ERROR_NOT_SEATED);
    return FALSE;
  }
  rc_room_vacate_seat (room, participant->seat, effects);
  rc_room_changed (room, now, effects);
  return TRUE;
}

gboolean
rc_room_request_seat (RcRoom *room, const char *user_id, gint seat, gint64 now,
                      RcEffects *effects, gint *taken, GError **error)
{
  RcParticipant *participant = rc_room_require_actor (room, user_id, error);
  RcSeatRequest *request;
  JsonObject *payload;

  *taken = -1;
  if (participant == NULL)
    return FALSE;
  if (seat != -1 && !rc_room_check_seat_index (room, seat, error))
    return FALSE;
  if (participant->seat >= 0) {
    rc_error_set_printf (error, RC_ERROR_ALREADY_SEATED, "You are already on seat %d",
                         participant->seat);
    return FALSE;
  }
  /* Whoever may sit directly does not have to wait for the host. */
  if (may_sit_directly (room, participant)) {
    *taken = rc_room_take_seat (room, user_id, seat, now, effects, error);
    return *taken >= 0;
  }
  if (find_request (room, user_id) != NULL)
    return TRUE; /* already queued: nothing changes, nobody is told twice */

  request = g_new0 (RcSeatRequest, 1);
  request->user_id = g_strdup (user_id);
  request->seat = seat;
  request->requested_at = now;
  g_ptr_array_add (room->requests, request);

  payload = json_object_new ();
  json_object_set_string_member (payload, "userId", user_id);
  json_object_set_member (payload, "user", rc_room_user_to_json (participant->user));
  if (seat >= 0)
    json_object_set_int_member (payload, "seat", seat);
  else
    json_object_set_null_member (payload, "seat");
  json_object_set_int_member (payload, "requestedAt", now);
  rc_room_send_to_managers (room, effects, "seat:requested",
                            rc_json_node_take_object (payload));
  return TRUE;
}

/* The actor and target of a host action on a connected, unseated user. */
static gboolean
check_manager_and_target (RcRoom *room, const char *actor_id, const char *target_id,
                          RcParticipant **actor, RcParticipant **target, GError **error)
{
  *actor = rc_room_require_actor (room, actor_id, error);
  if (*actor == NULL)
    return FALSE;
  if (!rc_room_can_manage (room, (*actor)->user)) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN, "Only the host may give seats");
    return FALSE;
  }
  *target = rc_room_participant (room, target_id);
  if (*target == NULL || !(*target)->connected) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "User %s is not in this room", target_id);
    return FALSE;
  }
  if ((*target)->seat >= 0) {
    rc_error_set_printf (error, RC_ERROR_ALREADY_SEATED, "User %s is already on seat %d",
                         target_id, (*target)->seat);
    return FALSE;
  }
  return TRUE;
}

gboolean
rc_room_invite_to_seat (RcRoom *room, const char *actor_id, const char *target_id, gint seat,
                        gint64 now, RcEffects *effects, GError **error)
{
  RcParticipant *actor, *target;
  JsonObject *payload;

  if (!check_manager_and_target (room, actor_id, target_id, &actor, &target, error))
    return FALSE;
  if (seat != -1) {
    if (!rc_room_check_seat_index (room, seat, error))
      return FALSE;
    if (room->seats[seat].user_id != NULL) {
      rc_error_set_printf (error, RC_ERROR_SEAT_TAKEN, "Seat %d is taken", seat);
      return FALSE;
    }
    if (room->seats[seat].locked) {
      rc_error_set_printf (error, RC_ERROR_SEAT_LOCKED, "Seat %d is locked", seat);
      return FALSE;
    }
  }
  g_hash_table_insert (room->invitations, g_strdup (target_id), GINT_TO_POINTER (seat));

  payload = json_object_new ();
  if (seat >= 0)
    json_object_set_int_member (payload, "seat", seat);
  else
    json_object_set_null_member (payload, "seat");
  json_object_set_string_member (payload, "by", actor->user->id);
  json_object_set_member (payload, "byUser", rc_room_user_to_json (actor->user));
  rc_room_send_to_user (room, effects, target_id, "seat:invited",
                        rc_json_node_take_object (payload));
  return TRUE;
}

gint
rc_room_approve_seat (RcRoom *room, const char *actor_id, const char *target_id, gint seat,
                      gint64 now, RcEffects *effects, GError **error)
{
  RcParticipant *actor, *target;
  RcSeatRequest *request;

  if (!check_manager_and_target (room, actor_id, target_id, &actor, &target, error))
    return -1;
  request = find_request (room, target_id);
  if (request == NULL) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "User %s has not asked for a seat",
                         target_id);
    return -1;
  }
  if (seat != -1) {
    /* The host chose the seat explicitly: a locked one is fine. */
    if (!rc_room_check_seat_index (room, seat, error))
      return -1;
    if (room->seats[seat].user_id != NULL) {
      rc_error_set_printf (error, RC_ERROR_SEAT_TAKEN, "Seat %d is taken", seat);
      return -1;
    }
  } else if (seat_is_free (room, request->seat, FALSE))
    seat = request->seat;
  else if ((seat = first_free_seat (room, FALSE)) < 0) {
    rc_error_set_printf (error, RC_ERROR_SEAT_TAKEN, "No seat is free");
    return -1;
  }

  rc_room_place_on_seat (room, target, seat, effects);
  rc_room_changed (room, now, effects);
  return seat;
}

/* The moderator acting on @seat, after the index and rights checks. */
static RcParticipant *
require_seat_moderator (RcRoom *room, const char *actor_id, gint seat, GError **error)
{
  RcParticipant *actor = rc_room_require_actor (room, actor_id, error);

  if (actor == NULL)
    return NULL;
  if (!rc_room_can_moderate (room, actor->user)) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN, "Only the host or a moderator may do that");
    return NULL;
  }
  if (!rc_room_check_seat_index (room, seat, error))
    return NULL;
  return actor;
}

gboolean
rc_room_lock_seat (RcRoom *room, const char *actor_id, gint seat, gboolean locked, gint64 now,
                   RcEffects *effects, GError **error)
{
  if (require_seat_moderator (room, actor_id, seat, error) == NULL)
    return FALSE;
  if (room->seats[seat].locked == locked)
    return TRUE;
  room->seats[seat].locked = locked;
  rc_room_emit_seat (room, effects, seat);
  rc_room_changed (room, now, effects);
  return TRUE;
}

gboolean
rc_room_mute_seat (RcRoom *room, const char *actor_id, gint seat, gboolean muted, gint64 now,
                   RcEffects *effects, GError **error)
{
  RcParticipant *actor = require_seat_moderator (room, actor_id, seat, error);
  const char *occupant;

  if (actor == NULL)
    return FALSE;
  occupant = room->seats[seat].user_id;
  if (occupant != NULL && !g_str_equal (occupant, actor_id) &&
      !rc_room_check_outranks (room, actor, occupant, error))
    return FALSE;
  if (room->seats[seat].muted == muted)
    return TRUE;
  room->seats[seat].muted = muted;
  rc_room_emit_seat (room, effects, seat);
  rc_room_changed (room, now, effects);
  return TRUE;
}

gboolean
rc_room_kick_from_seat (RcRoom *room, const char *actor_id, gint seat, gint64 now,
                        RcEffects *effects, GError **error)
{
  RcParticipant *actor = require_seat_moderator (room, actor_id, seat, error);
  const char *occupant;

  if (actor == NULL)
    return FALSE;
  occupant = room->seats[seat].user_id;
  if (occupant == NULL) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "Seat %d is empty", seat);
    return FALSE;
  }
  if (!g_str_equal (occupant, actor_id) &&
      !rc_room_check_outranks (room, actor, occupant, error))
    return FALSE;
  rc_room_vacate_seat (room, seat, effects);
  rc_room_changed (room, now, effects);
  return TRUE;
}

gboolean
rc_room_set_mic_muted (RcRoom *room, const char *user_id, gboolean muted, gint64 now,
                       RcEffects *effects, GError **error)
{
  RcParticipant *participant = rc_room_require_actor (room, user_id, error);

  if (participant == NULL)
    return FALSE;
  if (participant->seat < 0) {
    rc_error_set (error, RC_ERROR_NOT_SEATED);
    return FALSE;
  }
  if (room->seats[participant->seat].mic_muted == muted)
    return TRUE;
  room->seats[participant->seat].mic_muted = muted;
  rc_room_emit_seat (room, effects, participant->seat);
  rc_room_changed (room, now, effects);
  return TRUE;
}
