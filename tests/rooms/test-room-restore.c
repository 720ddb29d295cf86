/* roomcast: a room's lasting state (rc_room_restore_json) and a room opened
 * again from it on another node (rc_room_registry_restore): host, settings,
 * seats with their locks and mutes, moderators, bans; seated users away
 * with their seats held for the grace period, resumed by their join. */
#include "room-test-util.h"

#include "json/json-text.h"

/* A room with a host on seat 0, a moderator on seat 1 (mic muted), seat 2
 * muted by the host, seat 3 locked, a listener, a banned user, request
 * mode and a title: then what it would leave behind. */
static JsonObject *
busy_room_restore (void)
{
  RoomFixture fx;
  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  fx_send_ok (&fx, "1", "seat:take", "{\"seat\":0}");
  fx_send_ok (&fx, "2", "seat:take", "{\"seat\":1}");
  fx_send_ok (&fx, "2", "mic:mute", "{\"muted\":true}");
  fx_send_ok (&fx, "1", "room:moderator", "{\"userId\":\"2\",\"moderator\":true}");
  fx_send_ok (&fx, "1", "seat:mute", "{\"seat\":2,\"muted\":true}");
  fx_send_ok (&fx, "1", "seat:lock", "{\"seat\":3,\"locked\":true}");
  fx_send_ok (&fx, "1", "user:ban", "{\"userId\":\"9\"}");
  fx_send_ok (&fx, "1", "room:update", "{\"seatMode\":\"request\",\"title\":\"Moved\"}");
  /* The ban and the moderator were persisted like any change. */
  g_autoptr (JsonNode) restore = rc_room_restore_json (fx_room (&fx, ROOM_A));
  g_autofree char *text = rc_json_to_string (restore);
  fixture_clear (&fx);
  return parse_object (text);
}

static void
test_restore_round_trip (void)
{
  g_autoptr (JsonObject) restore = busy_room_restore ();
  RoomFixture fx;
  g_autoptr (GError) error = NULL;
  RcRoom *room;

  fixture_init (&fx, NULL);
  g_assert_true (rc_room_registry_restore (fx.registry, ROOM_A, restore, fx.now, fx.effects, &error));
  g_assert_no_error (error);
  room = fx_room (&fx, ROOM_A);
  g_assert_cmpstr (rc_room_get_host_id (room), ==, "1");
  g_assert_cmpint (rc_room_get_seat_mode (room), ==, RC_SEAT_MODE_REQUEST);
  g_assert_cmpstr (rc_room_get_title (room), ==, "Moved");
  g_assert_cmpstr (rc_room_get_seat (room, 0)->user_id, ==, "1");
  g_assert_cmpstr (rc_room_get_seat (room, 1)->user_id, ==, "2");
  g_assert_true (rc_room_get_seat (room, 1)->mic_muted);
  g_assert_true (rc_room_get_seat (room, 2)->muted);
  g_assert_null (rc_room_get_seat (room, 2)->user_id);
  g_assert_true (rc_room_get_seat (room, 3)->locked);
  g_assert_true (rc_room_is_banned (room, "9"));
  g_assert_cmpint (rc_room_get_role (room, "2"), ==, RC_ROOM_ROLE_MODERATOR);
  /* Seated users are away, their seats held; the listener is not kept. */
  g_assert_cmpuint (rc_room_get_n_participants (room), ==, 2);
  g_assert_cmpuint (rc_room_get_n_connected (room), ==, 0);
  g_assert_false (rc_room_has_participant (room, "3"));
  g_assert_cmpstr (rc_room_registry_room_of (fx.registry, "2"), ==, ROOM_A);

  /* The moderator's join resumes the seat and the role. */
  fx.now += 1000;
  JsonObject *snapshot = fx_join (&fx, ROOM_A, "2", &error);
  g_assert_no_error (error);
  JsonObject *you = json_object_get_object_member (snapshot, "you");
  g_assert_cmpint (json_object_get_int_member (you, "seat"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (you, "role"), ==, "moderator");
  json_object_unref (snapshot);
  /* The banned user stays out. */
  g_assert_null (fx_join (&fx, ROOM_A, "9", &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_BANNED);
  g_clear_error (&error);

  /* The host does not come back: the seat is freed after the grace period. */
  fx.now += rc_room_registry_get_settings (fx.registry)->room.grace_ms;
  rc_effects_clear (fx.effects);
  rc_room_registry_tick (fx.registry, fx.now, fx.effects);
  g_assert_null (rc_room_get_seat (room, 0)->user_id);
  g_assert_false (rc_room_has_participant (room, "1"));
  g_assert_cmpuint (rc_room_get_n_connected (room), ==, 1);
  fixture_clear (&fx);
}

/* Nobody came back at all: the room closes after the grace period. */
static void
test_restored_room_nobody_returns (void)
{
  g_autoptr (JsonObject) restore = busy_room_restore ();
  RoomFixture fx;

  fixture_init (&fx, NULL);
  g_assert_true (rc_room_registry_restore (fx.registry, ROOM_A, restore, fx.now, fx.effects, NULL));
  fx.now += rc_room_registry_get_settings (fx.registry)->room.grace_ms;
  rc_room_registry_tick (fx.registry, fx.now, fx.effects);
  RcRoom *room = rc_room_registry_lookup (fx.registry, ROOM_A);
  g_assert_true (room == NULL || rc_room_get_status (room) == RC_ROOM_STATUS_CLOSED);
  fixture_clear (&fx);
}

static void
test_restore_refuses_garbage (void)
{
  static const char *bad[] = { "{}", "{\"v\":2,\"seats\":[],\"held\":[]}",
                               "{\"v\":1,\"seats\":{},\"held\":[]}",
                               "{\"v\":1,\"seats\":[],\"held\":[],\"seatMode\":\"party\"}" };
  RoomFixture fx;

  fixture_init (&fx, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (JsonObject) restore = parse_object (bad[i]);
    g_autoptr (GError) error = NULL;
    g_assert_false (rc_room_registry_restore (fx.registry, ROOM_A, restore, fx.now, fx.effects, &error));
    g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
    g_assert_null (rc_room_registry_lookup (fx.registry, ROOM_A));
  }
  /* Occupants that do not match their held user, or seats out of range,
   * are dropped rather than trusted. */
  g_autoptr (JsonObject) odd = parse_object (
    "{\"v\":1,\"hostId\":\"1\",\"seats\":[{\"userId\":\"5\"},{\"userId\":null}],"
    "\"held\":[{\"user\":{\"id\":\"6\",\"name\":\"Six\"},\"seat\":0},"
    "{\"user\":{\"id\":\"7\",\"name\":\"Seven\"},\"seat\":99}],\"moderators\":[1,\"\"],"
    "\"bans\":[]}");
  g_assert_true (rc_room_registry_restore (fx.registry, ROOM_A, odd, fx.now, fx.effects, NULL));
  RcRoom *room = fx_room (&fx, ROOM_A);
  g_assert_null (rc_room_get_seat (room, 0)->user_id);
  g_assert_cmpuint (rc_room_get_n_participants (room), ==, 0);
  fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rooms/restore/round-trip", test_restore_round_trip);
  g_test_add_func ("/rooms/restore/nobody-returns", test_restored_room_nobody_returns);
  g_test_add_func ("/rooms/restore/garbage", test_restore_refuses_garbage);
  return g_test_run ();
}
