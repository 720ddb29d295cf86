/* roomcast: room lifecycle, grace period, seat holds, kick/ban, chat, cinema,
 * and the order of effects. All on the fixture's fake clock. */
#include "room-test-util.h"

#include <string.h>

static JsonObject *
persisted_state (RoomFixture *fx)
{
  gint index = rc_effects_find (fx->effects, 0, RC_EFFECT_PERSIST, NULL);

  g_assert_cmpint (index, >=, 0);
  return json_object_get_object_member (
    json_node_get_object (rc_effects_get (fx->effects, index)->payload), "state");
}

static void
test_join_snapshot (void)
{
  RoomFixture fx;
  g_autoptr(JsonObject) snapshot = NULL;
  JsonObject *room, *you, *state, *participant;
  JsonArray *seats, *participants;
  const RcEffect *joined;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  /* The first join creates the room: CREATED -> ACTIVE, persisted. */
  state = persisted_state (&fx);
  g_assert_cmpstr (json_object_get_string_member (state, "status"), ==, "ACTIVE");
  g_assert_cmpint (json_object_get_int_member (state, "participantCount"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (state, "createdAt"), ==, T0);
  g_assert_cmpuint (json_object_get_size (state), ==, 6);
  g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 1); /* nobody else to tell */
  fx_send_ok (&fx, "1", "seat:take", NULL);

  fx.now += 1000;
  snapshot = fx_join (&fx, ROOM_A, "2", NULL);
  assert_events (&fx, "participant:joined");
  assert_recipients (&fx, "participant:joined", "1");
  joined = find_event (fx.effects, "participant:joined");
  participant = json_node_get_object (joined->payload);
  g_assert_cmpstr (json_object_get_string_member (participant, "userId"), ==, "2");
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (participant, "user"), "name"), ==, "User 2");
  g_assert_true (json_object_get_null_member (participant, "seat"));
  state = persisted_state (&fx);
  g_assert_cmpint (json_object_get_int_member (state, "lastActivityAt"), ==, T0 + 1000);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (state, "speakers"), 0),
                   ==, "1");

  room = json_object_get_object_member (snapshot, "room");
  g_assert_cmpstr (json_object_get_string_member (room, "id"), ==, ROOM_A);
  g_assert_cmpstr (json_object_get_string_member (room, "status"), ==, "ACTIVE");
  g_assert_cmpstr (json_object_get_string_member (room, "seatMode"), ==, "free");
  g_assert_cmpint (json_object_get_int_member (room, "seats"), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (room, "hostId"), ==, "1");
  g_assert_false (json_object_has_member (room, "title"));
  seats = json_object_get_array_member (snapshot, "seats");
  g_assert_cmpuint (json_array_get_length (seats), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (seats, 0), "userId"),
                   ==, "1");
  g_assert_true (json_object_get_null_member (json_array_get_object_element (seats, 1), "userId"));
  participants = json_object_get_array_member (snapshot, "participants");
  g_assert_cmpuint (json_array_get_length (participants), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (participants, 0),
                                                  "role"), ==, "host");
  you = json_object_get_object_member (snapshot, "you");
  g_assert_cmpstr (json_object_get_string_member (you, "userId"), ==, "2");
  g_assert_false (json_object_has_member (snapshot, "cinema"));
  g_assert_cmpint (json_object_get_int_member (snapshot, "serverTime"), ==, T0 + 1000);

  /* The same user again (a replacement connection): nothing to tell. */
  g_clear_pointer (&snapshot, json_object_unref);
  snapshot = fx_join (&fx, ROOM_A, "2", NULL);
  g_assert_nonnull (snapshot);
  g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 0);
  g_assert_cmpuint (rc_room_get_n_participants (fx_room (&fx, ROOM_A)), ==, 2);
  fixture_clear (&fx);
}

static void
test_leave_order (void)
{
  RoomFixture fx;
  const RcEffect *left;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  fx_send_ok (&fx, "2", "seat:take", "{\"seat\":2}");

  fx_leave (&fx, "2");
  /* Seat first, then the departure, to the others only; once each. */
  assert_events (&fx, "seat:updated participant:left");
  assert_recipients (&fx, "seat:updated", "1,3");
  assert_recipients (&fx, "participant:left", "1,3");
  left = find_event (fx.effects, "participant:left");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (left->payload), "reason"),
                   ==, "left");
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_DETACH), ==, 1);
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_PERSIST), ==, 1);
  g_assert_cmpint (rc_effects_find (fx.effects, 0, RC_EFFECT_DETACH, NULL), >,
                   rc_effects_find (fx.effects, 0, RC_EFFECT_EVENT, "participant:left"));
  g_assert_null (rc_room_registry_room_of (fx.registry, "2"));
  g_assert_null (rc_room_get_seat (fx_room (&fx, ROOM_A), 2)->user_id);

  fx_send_fails (&fx, "2", "chat:send", "{\"text\":\"hi\"}", RC_ERROR_NOT_IN_ROOM);
  g_assert_false (rc_room_registry_leave (fx.registry, "2", fx.now, fx.effects, NULL));
  fixture_clear (&fx);
}

static void
test_kick_and_ban (void)
{
  RoomFixture fx;
  g_autoptr(GError) error = NULL;
  const RcEffect *kicked;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  fx_send_ok (&fx, "2", "seat:take", NULL);

  fx_send_ok (&fx, "1", "user:kick", "{\"userId\":\"2\"}");
  assert_events (&fx, "kicked seat:updated participant:left");
  assert_recipients (&fx, "kicked", "2");
  assert_recipients (&fx, "participant:left", "1,3");
  kicked = find_event (fx.effects, "kicked");
  g_assert_false (json_object_get_boolean_member (json_node_get_object (kicked->payload), "banned"));
  g_assert_null (rc_room_registry_room_of (fx.registry, "2"));
  /* A kicked user may come back. */
  fx_join_ok (&fx, ROOM_A, "2");

  fx_send_ok (&fx, "1", "user:ban", "{\"userId\":2}");
  assert_events (&fx, "kicked participant:left");
  kicked = find_event (fx.effects, "kicked");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (kicked->payload), "banned"));
  g_assert_null (fx_join (&fx, ROOM_A, "2", &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_BANNED);
  g_clear_error (&error);

  /* A ban also works on someone who is not there. */
  fx_send_ok (&fx, "1", "user:ban", "{\"userId\":\"4\"}");
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_EVENT), ==, 0);
  g_assert_null (fx_join (&fx, ROOM_A, "4", &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_BANNED);
  g_clear_error (&error);

  fx_send_ok (&fx, "1", "user:unban", "{\"userId\":\"2\"}");
  fx_join_ok (&fx, ROOM_A, "2");
  g_assert_true (rc_room_is_banned (fx_room (&fx, ROOM_A), "4"));
  fixture_clear (&fx);
}

static void
test_close_by_host (void)
{
  RoomFixture fx;
  g_autoptr(GError) error = NULL;
  const RcEffect *closed;
  JsonObject *state;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  fx_send_ok (&fx, "2", "seat:take", NULL);

  g_assert_false (rc_room_registry_close (fx.registry, fx_user (&fx, "2", NULL), NULL, fx.now,
                                          fx.effects, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_FORBIDDEN);
  g_clear_error (&error);

  rc_effects_clear (fx.effects);
  g_assert_true (rc_room_registry_close (fx.registry, fx_user (&fx, "1", NULL), NULL, fx.now,
                                         fx.effects, &error));
  assert_events (&fx, "room:closed");
  assert_recipients (&fx, "room:closed", "1,2,3");
  closed = find_event (fx.effects, "room:closed");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (closed->payload), "reason"),
                   ==, "closed_by_host");
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_DETACH), ==, 3);
  state = persisted_state (&fx);
  g_assert_cmpstr (json_object_get_string_member (state, "status"), ==, "CLOSED");
  g_assert_cmpint (json_object_get_int_member (state, "participantCount"), ==, 0);
  g_assert_cmpuint (rc_room_registry_get_n_rooms (fx.registry), ==, 0);
  g_assert_null (rc_room_registry_room_of (fx.registry, "2"));

  /* Members bouncing back do not reopen it; its host does. */
  g_assert_null (fx_join (&fx, ROOM_A, "2", &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_ROOM_CLOSED);
  g_clear_error (&error);
  fx_join_ok (&fx, ROOM_A, "1");
  g_assert_cmpstr (rc_room_get_host_id (fx_room (&fx, ROOM_A)), ==, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fixture_clear (&fx);
}

static void
test_close_by_admin_from_outside (void)
{
  RoomFixture fx;
  g_autoptr(GError) error = NULL;
  const RcEffect *closed;

  fixture_init (&fx, NULL);
  fx_user (&fx, "9", "admin");
  fx_user (&fx, "8", "moderator");
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");

  g_assert_false (rc_room_registry_close (fx.registry, fx_user (&fx, "8", NULL), ROOM_A, fx.now,
                                          fx.effects, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_false (rc_room_registry_close (fx.registry, fx_user (&fx, "9", NULL), ROOM_B, fx.now,
                                          fx.effects, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (rc_room_registry_close (fx.registry, fx_user (&fx, "9", NULL), NULL, fx.now,
                                          fx.effects, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_NOT_IN_ROOM);
  g_clear_error (&error);

  rc_effects_clear (fx.effects);
  g_assert_true (rc_room_registry_close (fx.registry, fx_user (&fx, "9", NULL), ROOM_A, fx.now,
                                         fx.effects, &error));
  closed = find_event (fx.effects, "room:closed");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (closed->payload), "reason"),
                   ==, "closed_by_admin");
  g_assert_cmpuint (rc_room_registry_get_n_rooms (fx.registry), ==, 0);
  fixture_clear (&fx);
}

static void
test_grace_close (void)
{
  RoomFixture fx;

  fixture_init (&fx, NULL);
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, -1);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_send_ok (&fx, "1", "seat:take", NULL);
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, -1);

  fx.now += 5000;
  fx_leave (&fx, "1");
  rc_room_registry_disconnect (fx.registry, "2", fx.now, fx.effects);
  /* Empty: the room waits for the grace period. */
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, fx.now + 30000);

  /* Someone back within it cancels the close. */
  fx.now += 20000;
  fx_join_ok (&fx, ROOM_A, "2");
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, -1);
  fx_leave (&fx, "2");
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, fx.now + 30000);

  rc_effects_clear (fx.effects);
  rc_room_registry_tick (fx.registry, fx.now + 29999, fx.effects);
  g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 0);
  g_assert_cmpuint (rc_room_registry_get_n_rooms (fx.registry), ==, 1);
  rc_room_registry_tick (fx.registry, fx.now + 30000, fx.effects);
  g_assert_cmpuint (rc_room_registry_get_n_rooms (fx.registry), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (persisted_state (&fx), "status"), ==, "CLOSED");
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, -1);
  /* Closed for emptiness: anyone may start it again. */
  fx_join_ok (&fx, ROOM_A, "2");
  g_assert_cmpstr (rc_room_get_host_id (fx_room (&fx, ROOM_A)), ==, "2");
  fixture_clear (&fx);
}

/* A room nobody ever sat in closes as soon as it is empty: nobody has a
 * seat to come back to, and it must not hold a place under max_rooms. */
static void
test_never_seated_closes_at_once (void)
{
  RoomFixture fx;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx.now += 1000;
  fx_leave (&fx, "1");
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, -1);
  rc_room_registry_disconnect (fx.registry, "2", fx.now, fx.effects);
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, fx.now);
  rc_effects_clear (fx.effects);
  rc_room_registry_tick (fx.registry, fx.now, fx.effects);
  g_assert_cmpuint (rc_room_registry_get_n_rooms (fx.registry), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (persisted_state (&fx), "status"), ==, "CLOSED");

  /* A seat taken once, even left again, gives the room its grace period. */
  fx_join_ok (&fx, ROOM_B, "3");
  fx_send_ok (&fx, "3", "seat:take", NULL);
  fx_send_ok (&fx, "3", "seat:leave", NULL);
  fx_leave (&fx, "3");
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, fx.now + 30000);
  fixture_clear (&fx);
}

static void
test_seat_hold (void)
{
  RoomFixture fx;
  g_autoptr(JsonObject) snapshot = NULL;
  const RcEffect *away;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  fx_send_ok (&fx, "2", "seat:take", "{\"seat\":1}");
  fx_send_ok (&fx, "3", "seat:take", "{\"seat\":2}");

  /* A seated user's connection drops: the seat is held. */
  rc_effects_clear (fx.effects);
  rc_room_registry_disconnect (fx.registry, "2", fx.now, fx.effects);
  assert_events (&fx, "participant:away");
  assert_recipients (&fx, "participant:away", "1,3");
  away = find_event (fx.effects, "participant:away");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (away->payload), "holdUntil"),
                   ==, fx.now + 30000);
  g_assert_cmpstr (rc_room_get_seat (fx_room (&fx, ROOM_A), 1)->user_id, ==, "2");
  g_assert_cmpuint (rc_room_get_n_participants (fx_room (&fx, ROOM_A)), ==, 3);
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, fx.now + 30000);
  /* Someone else cannot take it meanwhile. */
  fx_send_fails (&fx, "1", "seat:take", "{\"seat\":1}", RC_ERROR_SEAT_TAKEN);

  /* Back within the grace period: same seat, no seat change broadcast. */
  fx.now += 10000;
  snapshot = fx_join (&fx, ROOM_A, "2", NULL);
  assert_events (&fx, "participant:joined");
  assert_recipients (&fx, "participant:joined", "1,3");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (snapshot, "you"), "seat"),
                   ==, 1);
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, -1);

  /* Not back in time: the seat is freed and the user leaves. */
  rc_effects_clear (fx.effects);
  rc_room_registry_disconnect (fx.registry, "3", fx.now, fx.effects);
  rc_effects_clear (fx.effects);
  rc_room_registry_tick (fx.registry, fx.now + 30000, fx.effects);
  assert_events (&fx, "seat:updated participant:left");
  assert_recipients (&fx, "participant:left", "1,2");
  g_assert_cmpstr (json_object_get_string_member (
                     json_node_get_object (find_event (fx.effects, "participant:left")->payload),
                     "reason"), ==, "timeout");
  g_assert_null (rc_room_get_seat (fx_room (&fx, ROOM_A), 2)->user_id);
  g_assert_null (rc_room_registry_room_of (fx.registry, "3"));

  /* Without a seat, a dropped connection leaves at once. */
  rc_effects_clear (fx.effects);
  rc_room_registry_disconnect (fx.registry, "1", fx.now, fx.effects);
  assert_events (&fx, "participant:left");
  g_assert_null (rc_room_registry_room_of (fx.registry, "1"));
  fixture_clear (&fx);
}

static void
test_everyone_drops (void)
{
  RoomFixture fx;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_send_ok (&fx, "1", "seat:take", NULL);
  fx_send_ok (&fx, "2", "seat:take", NULL);
  rc_room_registry_disconnect (fx.registry, "1", fx.now, fx.effects);
  fx.now += 1000;
  rc_room_registry_disconnect (fx.registry, "2", fx.now, fx.effects);
  /* The first hold expires first... */
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, T0 + 30000);
  rc_effects_clear (fx.effects);
  rc_room_registry_tick (fx.registry, T0 + 30000, fx.effects);
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_EVENT), ==, 0); /* nobody listening */
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_DETACH), ==, 1);
  /* ...and the room closes when it has been empty for the grace period. */
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, T0 + 31000);
  rc_room_registry_tick (fx.registry, T0 + 31000, fx.effects);
  g_assert_cmpuint (rc_room_registry_get_n_rooms (fx.registry), ==, 0);
  g_assert_null (rc_room_registry_room_of (fx.registry, "2"));
  fixture_clear (&fx);
}

static void
test_chat (void)
{
  RoomFixture fx;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GString) long_text = g_string_new (NULL);
  g_autofree char *payload = NULL;
  const RcEffect *message;
  JsonObject *object;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");

  g_assert_true (fx_send (&fx, "2", "chat:send", "{\"text\":\"  hello there \\n\"}", &reply, NULL));
  assert_events (&fx, "chat:message");
  assert_recipients (&fx, "chat:message", "1,2");
  message = find_event (fx.effects, "chat:message");
  object = json_node_get_object (message->payload);
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, "hello there");
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==,
                   json_object_get_string_member (reply, "id"));
  g_assert_cmpint (json_object_get_int_member (object, "ts"), ==, T0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "user"), "id"),
                   ==, "2");
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_PERSIST), ==, 0);

  fx_send_fails (&fx, "2", "chat:send", "{\"text\":\"\"}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "2", "chat:send", "{\"text\":\" \\t \"}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "2", "chat:send", "{\"text\":42}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "2", "chat:send", "{}", RC_ERROR_INVALID_PAYLOAD);
  /* 500 characters (here 2-byte ones) pass, 501 do not. */
  for (int i = 0; i < 500; i++)
    g_string_append (long_text, "\xc3\xa9");
  payload = g_strdup_printf ("{\"text\":\"  %s  \"}", long_text->str);
  fx_send_ok (&fx, "2", "chat:send", payload);
  g_free (payload);
  g_string_append_c (long_text, 'x');
  payload = g_strdup_printf ("{\"text\":\"%s\"}", long_text->str);
  fx_send_fails (&fx, "2", "chat:send", payload, RC_ERROR_INVALID_PAYLOAD);

  /* Typing goes to the others only. */
  fx_send_ok (&fx, "2", "typing", "{\"isTyping\":true}");
  assert_events (&fx, "typing");
  assert_recipients (&fx, "typing", "1");
  fx_send_fails (&fx, "2", "typing", "{\"isTyping\":1}", RC_ERROR_INVALID_PAYLOAD);
  fixture_clear (&fx);
}

static void
test_cinema (void)
{
  RoomFixture fx;
  g_autoptr(JsonObject) late = NULL;
  JsonObject *cinema, *state;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");

  fx_send_fails (&fx, "1", "cinema:sync", "{\"positionMs\":0, \"playing\":true}", RC_ERROR_NOT_FOUND);
  fx_send_fails (&fx, "1", "cinema:start", "{\"url\":\"ftp://x.example/a\"}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "1", "cinema:start", "{\"url\":\"not a url\"}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "1", "cinema:start", "{}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "1", "cinema:start", "{\"url\":\"https://v.example/a.mp4\", \"positionMs\":-5}",
                 RC_ERROR_INVALID_PAYLOAD);

  fx_send_ok (&fx, "1", "cinema:start", "{\"url\":\"https://v.example/a.mp4\"}");
  assert_events (&fx, "cinema:state");
  assert_recipients (&fx, "cinema:state", "1,2");
  state = json_node_get_object (find_event (fx.effects, "cinema:state")->payload);
  g_assert_true (json_object_get_boolean_member (state, "active"));
  g_assert_cmpint (json_object_get_int_member (state, "positionMs"), ==, 0);
  g_assert_true (json_object_get_boolean_member (state, "playing"));
  g_assert_cmpint (json_object_get_int_member (state, "updatedAt"), ==, T0);

  /* A late joiner sees the position extrapolated while playing. */
  fx.now = T0 + 5000;
  late = fx_join (&fx, ROOM_A, "3", NULL);
  cinema = json_object_get_object_member (late, "cinema");
  g_assert_cmpstr (json_object_get_string_member (cinema, "url"), ==, "https://v.example/a.mp4");
  g_assert_cmpint (json_object_get_int_member (cinema, "positionMs"), ==, 5000);
  g_assert_cmpint (json_object_get_int_member (cinema, "updatedAt"), ==, T0 + 5000);
  g_clear_pointer (&late, json_object_unref);

  /* Paused: the position stands still. */
  fx.now = T0 + 6000;
  fx_send_ok (&fx, "1", "cinema:sync", "{\"positionMs\":20000, \"playing\":false}");
  g_assert_cmpint (rc_room_cinema_position (fx_room (&fx, ROOM_A), T0 + 60000), ==, 20000);
  fx.now = T0 + 60000;
  late = fx_join (&fx, ROOM_A, "4", NULL);
  cinema = json_object_get_object_member (late, "cinema");
  g_assert_cmpint (json_object_get_int_member (cinema, "positionMs"), ==, 20000);
  g_assert_false (json_object_get_boolean_member (cinema, "playing"));

  fx.now = T0 + 70000;
  fx_send_ok (&fx, "1", "cinema:sync", "{\"positionMs\":20000, \"playing\":true}");
  g_assert_cmpint (rc_room_cinema_position (fx_room (&fx, ROOM_A), T0 + 73500), ==, 23500);

  fx_send_fails (&fx, "2", "cinema:sync", "{\"positionMs\":0, \"playing\":true}", RC_ERROR_FORBIDDEN);
  fx_send_fails (&fx, "1", "cinema:sync", "{\"positionMs\":\"0\", \"playing\":true}",
                 RC_ERROR_INVALID_PAYLOAD);

  fx_send_ok (&fx, "1", "cinema:stop", NULL);
  assert_events (&fx, "cinema:state");
  state = json_node_get_object (find_event (fx.effects, "cinema:state")->payload);
  g_assert_false (json_object_get_boolean_member (state, "active"));
  g_assert_cmpint (rc_room_cinema_position (fx_room (&fx, ROOM_A), fx.now), ==, -1);
  g_clear_pointer (&late, json_object_unref);
  late = fx_join (&fx, ROOM_A, "5", NULL);
  g_assert_false (json_object_has_member (late, "cinema"));
  fixture_clear (&fx);
}

static void
test_room_update (void)
{
  RoomFixture fx;
  JsonObject *room;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_send_ok (&fx, "1", "room:update", "{\"title\":\"  Friday night  \"}");
  assert_events (&fx, "room:updated");
  room = json_node_get_object (find_event (fx.effects, "room:updated")->payload);
  g_assert_cmpstr (json_object_get_string_member (room, "title"), ==, "Friday night");
  /* No change: no broadcast. */
  fx_send_ok (&fx, "1", "room:update", "{\"title\":\"Friday night\", \"seatMode\":\"free\"}");
  g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 0);
  fx_send_ok (&fx, "1", "room:update", "{\"title\":\"\"}");
  g_assert_null (rc_room_get_title (fx_room (&fx, ROOM_A)));
  fx_send_fails (&fx, "1", "room:update", "{\"title\":7}", RC_ERROR_INVALID_PAYLOAD);
  fixture_clear (&fx);
}

static void
append_view (const RcRoomParticipantView *p, gpointer data)
{
  g_string_append_printf (data, "%s|%s|%s|%s|%d|%s|%s|%s\n", p->user_id, p->name,
                          p->avatar_url ? p->avatar_url : "-", rc_room_role_name (p->role), p->seat,
                          p->seat_muted ? "seat-muted" : "-", p->mic_muted ? "mic-muted" : "-",
                          p->connected ? "connected" : "held");
}

/* The typed read API: every participant, held seats included, oldest first,
 * with what the snapshot would say about them. */
static void
test_foreach_participant (void)
{
  RoomFixture fx;
  g_autoptr(GString) seen = g_string_new (NULL);
  RcRoomUser *avatar = rc_room_user_new ("4", "Dana", "https://cdn.example.com/d.png", NULL);

  fixture_init (&fx, NULL);
  g_hash_table_insert (fx.users, avatar->id, avatar);
  fx_user (&fx, "3", "moderator");
  fx_join_ok (&fx, ROOM_A, "1");
  fx.now += 1000;
  fx_join_ok (&fx, ROOM_A, "4");
  fx.now += 1000;
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  fx_send_ok (&fx, "1", "seat:take", "{\"seat\":0}");
  fx_send_ok (&fx, "2", "seat:take", "{\"seat\":2}");
  fx_send_ok (&fx, "4", "seat:take", "{\"seat\":3}");
  fx_send_ok (&fx, "1", "mic:mute", "{\"muted\":true}");
  fx_send_ok (&fx, "1", "seat:mute", "{\"seat\":2, \"muted\":true}");
  /* A seat muted with nobody on it says nothing about a participant. */
  fx_send_ok (&fx, "1", "seat:mute", "{\"seat\":1, \"muted\":true}");
  /* Dana drops: her seat is held, she is still a participant. */
  rc_room_disconnect (fx_room (&fx, ROOM_A), "4", fx.now, fx.effects);

  rc_room_foreach_participant (fx_room (&fx, ROOM_A), append_view, seen);
  g_assert_cmpstr (seen->str, ==,
                   "1|User 1|-|host|0|-|mic-muted|connected\n"
                   "4|Dana|https://cdn.example.com/d.png|member|3|-|-|held\n"
                   "2|User 2|-|member|2|seat-muted|-|connected\n"
                   "3|User 3|-|moderator|-1|-|-|connected\n");

  /* Leaving the seat leaves its mute behind. */
  fx_send_ok (&fx, "2", "seat:leave", NULL);
  g_string_truncate (seen, 0);
  rc_room_foreach_participant (fx_room (&fx, ROOM_A), append_view, seen);
  g_assert_nonnull (strstr (seen->str, "2|User 2|-|member|-1|-|-|connected\n"));
  fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rooms/lifecycle/join-snapshot", test_join_snapshot);
  g_test_add_func ("/rooms/lifecycle/leave-order", test_leave_order);
  g_test_add_func ("/rooms/lifecycle/kick-and-ban", test_kick_and_ban);
  g_test_add_func ("/rooms/lifecycle/close-by-host", test_close_by_host);
  g_test_add_func ("/rooms/lifecycle/close-by-admin", test_close_by_admin_from_outside);
  g_test_add_func ("/rooms/lifecycle/grace-close", test_grace_close);
  g_test_add_func ("/rooms/lifecycle/never-seated-closes-at-once",
                   test_never_seated_closes_at_once);
  g_test_add_func ("/rooms/lifecycle/seat-hold", test_seat_hold);
  g_test_add_func ("/rooms/lifecycle/everyone-drops", test_everyone_drops);
  g_test_add_func ("/rooms/lifecycle/chat", test_chat);
  g_test_add_func ("/rooms/lifecycle/cinema", test_cinema);
  g_test_add_func ("/rooms/lifecycle/room-update", test_room_update);
  g_test_add_func ("/rooms/lifecycle/foreach-participant", test_foreach_participant);
  return g_test_run ();
}
