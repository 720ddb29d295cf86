/* roomcast: seat rules in free and request mode. */
#include "room-test-util.h"

static gint
reply_seat (JsonObject *reply)
{
  g_assert_true (json_object_has_member (reply, "seat"));
  return json_object_get_null_member (reply, "seat") ? -1
                                                    : (gint) json_object_get_int_member (reply, "seat");
}

static const char *
seat_user (RoomFixture *fx, guint index)
{
  return rc_room_get_seat (fx_room (fx, ROOM_A), index)->user_id;
}

static gint
take_seat (RoomFixture *fx, const char *user, const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;

  if (!fx_send (fx, user, "seat:take", json, &reply, &error))
    g_error ("seat:take %s by %s: %s", json, user, error->message);
  return reply_seat (reply);
}

static void
test_free_mode (void)
{
  RoomFixture fx;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");

  /* Any free seat: the first. Everyone hears it once, and it is persisted. */
  g_assert_cmpint (take_seat (&fx, "2", NULL), ==, 0);
  assert_events (&fx, "seat:updated");
  assert_recipients (&fx, "seat:updated", "1,2,3");
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_PERSIST), ==, 1);
  g_assert_cmpstr (seat_user (&fx, 0), ==, "2");

  fx_send_fails (&fx, "3", "seat:take", "{\"seat\":0}", RC_ERROR_SEAT_TAKEN);
  fx_send_fails (&fx, "3", "seat:take", "{\"seat\":4}", RC_ERROR_INVALID_SEAT);
  fx_send_fails (&fx, "3", "seat:take", "{\"seat\":-1}", RC_ERROR_INVALID_SEAT);
  fx_send_fails (&fx, "3", "seat:take", "{\"seat\":\"1\"}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "3", "seat:take", "{\"seat\":1.5}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "3", "seat:take", "{\"seat\":99999999999}", RC_ERROR_INVALID_PAYLOAD);

  g_assert_cmpint (take_seat (&fx, "3", "{\"seat\":2, \"unknown\":[1]}"), ==, 2);
  fx_send_fails (&fx, "3", "seat:take", "{\"seat\":2}", RC_ERROR_ALREADY_SEATED);
  fx_send_fails (&fx, "3", "seat:take", NULL, RC_ERROR_ALREADY_SEATED);

  /* Moving: the old seat is freed first, then the new one taken. */
  g_assert_cmpint (take_seat (&fx, "3", "{\"seat\":3}"), ==, 3);
  assert_events (&fx, "seat:updated seat:updated");
  g_assert_cmpint (json_object_get_int_member (
                     json_node_get_object (rc_effects_get (fx.effects, 0)->payload), "index"), ==, 2);
  g_assert_null (seat_user (&fx, 2));
  g_assert_cmpstr (seat_user (&fx, 3), ==, "3");
  g_assert_cmpint (rc_room_get_user_seat (fx_room (&fx, ROOM_A), "3"), ==, 3);

  fx_send_ok (&fx, "3", "seat:leave", NULL);
  assert_events (&fx, "seat:updated");
  g_assert_null (seat_user (&fx, 3));
  fx_send_fails (&fx, "3", "seat:leave", NULL, RC_ERROR_NOT_SEATED);

  /* Full house. */
  g_assert_cmpint (take_seat (&fx, "1", NULL), ==, 1);
  g_assert_cmpint (take_seat (&fx, "3", NULL), ==, 2);
  fx_join_ok (&fx, ROOM_A, "4");
  g_assert_cmpint (take_seat (&fx, "4", NULL), ==, 3);
  fx_join_ok (&fx, ROOM_A, "5");
  fx_send_fails (&fx, "5", "seat:take", NULL, RC_ERROR_SEAT_TAKEN);
  fixture_clear (&fx);
}

static void
test_lock (void)
{
  RoomFixture fx;
  JsonObject *seat;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");

  fx_send_ok (&fx, "1", "seat:lock", "{\"seat\":1, \"locked\":true}");
  assert_events (&fx, "seat:updated");
  seat = json_node_get_object (find_event (fx.effects, "seat:updated")->payload);
  g_assert_true (json_object_get_boolean_member (seat, "locked"));
  g_assert_cmpint (json_object_get_int_member (seat, "index"), ==, 1);
  /* Same state again: nothing to tell. */
  fx_send_ok (&fx, "1", "seat:lock", "{\"seat\":1, \"locked\":true}");
  g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 0);

  fx_send_fails (&fx, "2", "seat:take", "{\"seat\":1}", RC_ERROR_SEAT_LOCKED);
  g_assert_cmpint (take_seat (&fx, "2", NULL), ==, 0);
  g_assert_cmpint (take_seat (&fx, "3", NULL), ==, 2); /* skips the locked seat */
  /* The host may sit on a locked seat. */
  g_assert_cmpint (take_seat (&fx, "1", "{\"seat\":1}"), ==, 1);

  /* Locking an occupied seat keeps its occupant. */
  fx_send_ok (&fx, "1", "seat:lock", "{\"seat\":0, \"locked\":true}");
  g_assert_cmpstr (seat_user (&fx, 0), ==, "2");
  fx_send_fails (&fx, "1", "seat:lock", "{\"seat\":0}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "1", "seat:lock", "{\"locked\":true}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "1", "seat:lock", "{\"seat\":7, \"locked\":true}", RC_ERROR_INVALID_SEAT);
  fixture_clear (&fx);
}

static void
test_mute_and_mic (void)
{
  RoomFixture fx;
  const RcSeat *seat;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  g_assert_cmpint (take_seat (&fx, "2", NULL), ==, 0);

  fx_send_ok (&fx, "2", "mic:mute", "{\"muted\":true}");
  assert_events (&fx, "seat:updated");
  seat = rc_room_get_seat (fx_room (&fx, ROOM_A), 0);
  g_assert_true (seat->mic_muted);
  fx_send_ok (&fx, "2", "mic:mute", "{\"muted\":true}");
  g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 0);
  fx_send_fails (&fx, "3", "mic:mute", "{\"muted\":true}", RC_ERROR_NOT_SEATED);
  fx_send_fails (&fx, "2", "mic:mute", "{\"muted\":\"yes\"}", RC_ERROR_INVALID_PAYLOAD);
  fx_send_fails (&fx, "2", "mic:mute", NULL, RC_ERROR_INVALID_PAYLOAD);

  /* The host mutes the seat; that belongs to the seat, the mic mute to its
   * occupant. */
  fx_send_ok (&fx, "1", "seat:mute", "{\"seat\":0, \"muted\":true}");
  assert_events (&fx, "seat:updated");
  g_assert_true (seat->muted);
  fx_send_ok (&fx, "2", "seat:leave", NULL);
  g_assert_true (seat->muted);
  g_assert_false (seat->mic_muted);
  g_assert_cmpint (take_seat (&fx, "3", NULL), ==, 0);
  g_assert_true (seat->muted);
  fx_send_ok (&fx, "1", "seat:mute", "{\"seat\":0, \"muted\":false}");
  g_assert_false (seat->muted);
  fx_send_fails (&fx, "1", "seat:mute", "{\"seat\":0}", RC_ERROR_INVALID_PAYLOAD);
  fixture_clear (&fx);
}

static void
test_kick_from_seat (void)
{
  RoomFixture fx;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  g_assert_cmpint (take_seat (&fx, "2", "{\"seat\":3}"), ==, 3);

  fx_send_ok (&fx, "1", "seat:kick", "{\"seat\":3}");
  assert_events (&fx, "seat:updated");
  g_assert_null (seat_user (&fx, 3));
  /* Off the seat, still in the room. */
  g_assert_true (rc_room_is_connected (fx_room (&fx, ROOM_A), "2"));
  g_assert_cmpint (rc_room_get_user_seat (fx_room (&fx, ROOM_A), "2"), ==, -1);
  fx_send_fails (&fx, "1", "seat:kick", "{\"seat\":3}", RC_ERROR_NOT_FOUND);
  fx_send_fails (&fx, "1", "seat:kick", "{}", RC_ERROR_INVALID_PAYLOAD);
  fixture_clear (&fx);
}

static void
test_request_mode (void)
{
  RoomFixture fx;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) host_view = NULL;
  g_autoptr(JsonObject) member_view = NULL;
  const RcEffect *effect;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  fx_join_ok (&fx, ROOM_A, "4");

  fx_send_ok (&fx, "1", "room:update", "{\"seatMode\":\"request\"}");
  assert_events (&fx, "room:updated");
  assert_recipients (&fx, "room:updated", "1,2,3,4");
  g_assert_cmpint (rc_room_get_seat_mode (fx_room (&fx, ROOM_A)), ==, RC_SEAT_MODE_REQUEST);

  fx_send_fails (&fx, "2", "seat:take", NULL, RC_ERROR_FORBIDDEN);

  /* A request reaches the host only. */
  g_assert_true (fx_send (&fx, "2", "seat:request", "{\"seat\":2}", &reply, NULL));
  g_assert_true (json_object_get_boolean_member (reply, "queued"));
  g_assert_true (json_object_get_null_member (reply, "seat"));
  g_clear_pointer (&reply, json_object_unref);
  assert_events (&fx, "seat:requested");
  assert_recipients (&fx, "seat:requested", "1");
  effect = find_event (fx.effects, "seat:requested");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (effect->payload), "seat"), ==, 2);
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_PERSIST), ==, 0);
  /* Asking twice changes nothing. */
  fx_send_ok (&fx, "2", "seat:request", NULL);
  g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 0);
  fx_send_ok (&fx, "3", "seat:request", NULL);

  /* The host sees the queue in the snapshot; members do not. */
  host_view = fx_join (&fx, ROOM_A, "1", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (host_view, "requests")), ==, 2);
  member_view = fx_join (&fx, ROOM_A, "4", NULL);
  g_assert_false (json_object_has_member (member_view, "requests"));

  /* Approving seats the requester on the seat they asked for. */
  g_assert_true (fx_send (&fx, "1", "seat:approve", "{\"userId\":2}", &reply, NULL));
  g_assert_cmpint (reply_seat (reply), ==, 2);
  g_clear_pointer (&reply, json_object_unref);
  assert_events (&fx, "seat:request_cancelled seat:updated");
  assert_recipients (&fx, "seat:request_cancelled", "1");
  assert_recipients (&fx, "seat:updated", "1,2,3,4");
  g_assert_cmpstr (seat_user (&fx, 2), ==, "2");
  fx_send_fails (&fx, "1", "seat:approve", "{\"userId\":\"4\"}", RC_ERROR_NOT_FOUND);
  fx_send_fails (&fx, "1", "seat:approve", "{\"userId\":\"2\"}", RC_ERROR_ALREADY_SEATED);
  fx_send_fails (&fx, "1", "seat:approve", "{}", RC_ERROR_INVALID_PAYLOAD);

  /* seat:leave without a seat withdraws the request. */
  fx_send_ok (&fx, "3", "seat:leave", NULL);
  assert_events (&fx, "seat:request_cancelled");
  fx_send_fails (&fx, "1", "seat:approve", "{\"userId\":\"3\"}", RC_ERROR_NOT_FOUND);

  /* An invitation goes to the invitee alone and lets them sit. */
  fx_send_ok (&fx, "1", "seat:invite", "{\"userId\":\"3\", \"seat\":1}");
  assert_events (&fx, "seat:invited");
  assert_recipients (&fx, "seat:invited", "3");
  fx_send_fails (&fx, "1", "seat:invite", "{\"userId\":\"4\", \"seat\":2}", RC_ERROR_SEAT_TAKEN);
  fx_send_fails (&fx, "1", "seat:invite", "{\"userId\":\"2\"}", RC_ERROR_ALREADY_SEATED);
  fx_send_fails (&fx, "1", "seat:invite", "{\"userId\":\"77\"}", RC_ERROR_NOT_FOUND);
  g_assert_cmpint (take_seat (&fx, "3", NULL), ==, 1);

  /* The host sits directly. */
  g_assert_cmpint (take_seat (&fx, "1", NULL), ==, 0);

  /* Back to free mode: pending requests are dropped, the host is told. */
  fx_send_ok (&fx, "4", "seat:request", NULL);
  fx_send_ok (&fx, "1", "room:update", "{\"seatMode\":\"free\"}");
  assert_events (&fx, "room:updated seat:request_cancelled");
  g_assert_false (rc_room_has_seat_request (fx_room (&fx, ROOM_A), "4"));
  /* In free mode a request simply takes the seat. */
  g_assert_true (fx_send (&fx, "4", "seat:request", NULL, &reply, NULL));
  g_assert_cmpint (reply_seat (reply), ==, 3);
  g_assert_false (json_object_get_boolean_member (reply, "queued"));
  fx_send_fails (&fx, "1", "room:update", "{\"seatMode\":\"open\"}", RC_ERROR_INVALID_PAYLOAD);
  fixture_clear (&fx);
}

static void
test_approve_fallback_seat (void)
{
  RoomFixture fx;
  g_autoptr(JsonObject) reply = NULL;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  fx_send_ok (&fx, "1", "room:update", "{\"seatMode\":\"request\"}");
  fx_send_ok (&fx, "2", "seat:request", "{\"seat\":0}");
  g_assert_cmpint (take_seat (&fx, "1", "{\"seat\":0}"), ==, 0);
  /* The seat asked for is gone: the first free one is used. */
  g_assert_true (fx_send (&fx, "1", "seat:approve", "{\"userId\":\"2\"}", &reply, NULL));
  g_assert_cmpint (reply_seat (reply), ==, 1);
  g_clear_pointer (&reply, json_object_unref);
  /* The host may choose, a locked seat included. */
  fx_send_ok (&fx, "1", "seat:lock", "{\"seat\":3, \"locked\":true}");
  fx_send_ok (&fx, "3", "seat:request", NULL);
  fx_send_fails (&fx, "1", "seat:approve", "{\"userId\":\"3\", \"seat\":1}", RC_ERROR_SEAT_TAKEN);
  g_assert_true (fx_send (&fx, "1", "seat:approve", "{\"userId\":\"3\", \"seat\":3}", &reply, NULL));
  g_assert_cmpint (reply_seat (reply), ==, 3);
  fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rooms/seats/free-mode", test_free_mode);
  g_test_add_func ("/rooms/seats/lock", test_lock);
  g_test_add_func ("/rooms/seats/mute-and-mic", test_mute_and_mic);
  g_test_add_func ("/rooms/seats/kick-from-seat", test_kick_from_seat);
  g_test_add_func ("/rooms/seats/request-mode", test_request_mode);
  g_test_add_func ("/rooms/seats/approve-fallback", test_approve_fallback_seat);
  return g_test_run ();
}
