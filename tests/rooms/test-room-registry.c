/* roomcast: the registry: limits, one room per user, which events have a
 * rate budget, deadlines, and malformed payloads that must neither crash nor
 * corrupt a room. */
#include "room-test-util.h"

#include "rooms/room-commands.h"

#define ROOM_C "00000000-0000-4000-8000-000000000003"

static void
init_with (RoomFixture *fx, guint max_rooms, guint max_clients, guint seats)
{
  RcRoomRegistrySettings settings;

  rc_room_registry_settings_init_default (&settings);
  settings.max_rooms = max_rooms;
  settings.room.max_participants = max_clients;
  settings.room.n_seats = seats;
  fixture_init (fx, &settings);
}

static void
test_server_full (void)
{
  RoomFixture fx;
  g_autoptr(GError) error = NULL;

  init_with (&fx, 2, 10, 4);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_B, "2");
  g_assert_null (fx_join (&fx, ROOM_C, "3", &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_SERVER_FULL);
  g_clear_error (&error);
  /* The same answer before anyone is asked who owns ROOM_C. */
  g_assert_false (rc_room_registry_check_create (fx.registry, ROOM_C, fx_user (&fx, "3", NULL),
                                                 fx.now, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_SERVER_FULL);
  g_clear_error (&error);
  /* Joining an open room is still fine. */
  fx_join_ok (&fx, ROOM_A, "3");
  /* A failed join leaves the user where they were. */
  g_assert_null (fx_join (&fx, ROOM_C, "3", &error));
  g_clear_error (&error);
  g_assert_cmpstr (rc_room_registry_room_of (fx.registry, "3"), ==, ROOM_A);
  g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 0);

  g_assert_true (rc_room_registry_close (fx.registry, fx_user (&fx, "2", NULL), NULL, fx.now,
                                         fx.effects, NULL));
  fx_join_ok (&fx, ROOM_C, "3");
  g_assert_cmpuint (rc_room_registry_get_n_rooms (fx.registry), ==, 2);
  fixture_clear (&fx);
}

static void
test_room_full (void)
{
  RoomFixture fx;
  g_autoptr(GError) error = NULL;

  init_with (&fx, 0, 3, 4);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  g_assert_null (fx_join (&fx, ROOM_A, "4", &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_ROOM_FULL);
  g_clear_error (&error);

  /* A held seat keeps its place in the room... */
  fx_send_ok (&fx, "3", "seat:take", NULL);
  rc_room_registry_disconnect (fx.registry, "3", fx.now, fx.effects);
  g_assert_null (fx_join (&fx, ROOM_A, "4", &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_ROOM_FULL);
  g_clear_error (&error);
  /* ...and its owner is let back into a full room. */
  fx_join_ok (&fx, ROOM_A, "3");
  fx_leave (&fx, "2");
  fx_join_ok (&fx, ROOM_A, "4");
  fixture_clear (&fx);
}

static void
test_seat_count (void)
{
  RoomFixture fx;

  init_with (&fx, 0, 0, RC_ROOM_MAX_SEATS);
  fx_join_ok (&fx, ROOM_A, "1");
  g_assert_cmpuint (rc_room_get_n_seats (fx_room (&fx, ROOM_A)), ==, 64);
  fx_send_ok (&fx, "1", "seat:take", "{\"seat\":63}");
  fx_send_fails (&fx, "1", "seat:take", "{\"seat\":64}", RC_ERROR_INVALID_SEAT);
  fixture_clear (&fx);

  init_with (&fx, 0, 0, 1);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_send_ok (&fx, "1", "seat:take", NULL);
  fx_send_fails (&fx, "2", "seat:take", NULL, RC_ERROR_SEAT_TAKEN);
  fixture_clear (&fx);
}

static void
test_switch_rooms (void)
{
  RoomFixture fx;
  const RcEffect *left;
  gint detach;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_B, "3");
  fx_send_ok (&fx, "2", "seat:take", NULL);

  fx_join_ok (&fx, ROOM_B, "2");
  /* Leaving A (told to A), then joining B (told to B). */
  assert_events (&fx, "seat:updated participant:left participant:joined");
  left = find_event (fx.effects, "participant:left");
  g_assert_cmpstr (left->room_id, ==, ROOM_A);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (left->payload), "reason"),
                   ==, "switched");
  assert_recipients (&fx, "participant:left", "1");
  g_assert_cmpstr (find_event (fx.effects, "participant:joined")->room_id, ==, ROOM_B);
  assert_recipients (&fx, "participant:joined", "3");
  detach = rc_effects_find (fx.effects, 0, RC_EFFECT_DETACH, NULL);
  g_assert_cmpint (detach, >=, 0);
  g_assert_cmpstr (rc_effects_get (fx.effects, detach)->room_id, ==, ROOM_A);
  /* One PERSIST per room touched. */
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_PERSIST), ==, 2);
  g_assert_cmpstr (rc_room_registry_room_of (fx.registry, "2"), ==, ROOM_B);
  g_assert_false (rc_room_has_participant (fx_room (&fx, ROOM_A), "2"));
  fixture_clear (&fx);
}

/* chat:send and typing draw on a rate budget each; the room service counts
 * them through the rate gate (tests/store/test-rate-gate.c) once their
 * payload passes the checks that need no room, so invalid ones cost
 * nothing. The registry itself counts nothing. */
static void
test_rate_buckets (void)
{
  RoomFixture fx;
  static const char * const invalid_chat[] = {
    "{\"text\":\"   \"}", "{}", "{\"text\":42}", NULL,
  };

  g_assert_cmpstr (rc_room_command_rate_bucket ("chat:send"), ==, "chat");
  g_assert_cmpstr (rc_room_command_rate_bucket ("typing"), ==, "typing");
  g_assert_null (rc_room_command_rate_bucket ("seat:take"));
  g_assert_null (rc_room_command_rate_bucket ("chat:delete"));
  g_assert_null (rc_room_command_rate_bucket ("no:such"));

  for (guint i = 0; invalid_chat[i] != NULL; i++)
    {
      g_autoptr(JsonObject) payload = parse_object (invalid_chat[i]);
      g_autoptr(GError) error = NULL;

      g_assert_false (rc_room_command_check_payload ("chat:send", payload, &error));
      g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
    }
  {
    g_autofree char *long_text = g_strdup_printf ("{\"text\":\"%0*d\"}", RC_CHAT_MAX_CHARS + 1, 0);
    g_autoptr(JsonObject) too_long = parse_object (long_text);
    g_autoptr(JsonObject) chat = parse_object ("{\"text\":\"  hello  \"}");
    g_autoptr(JsonObject) no_flag = parse_object ("{}");
    g_autoptr(JsonObject) typing = parse_object ("{\"isTyping\":false}");
    g_autoptr(GError) error = NULL;

    g_assert_false (rc_room_command_check_payload ("chat:send", too_long, NULL));
    g_assert_true (rc_room_command_check_payload ("chat:send", chat, &error));
    g_assert_false (rc_room_command_check_payload ("typing", no_flag, &error));
    g_assert_error (error, RC_ERROR, RC_ERROR_INVALID_PAYLOAD);
    g_clear_error (&error);
    g_assert_true (rc_room_command_check_payload ("typing", typing, &error));
    g_assert_no_error (error);
  }

  /* Past RATE_LIMIT_MESSAGES_PER_MINUTE's default: the registry sends them all. */
  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  for (int i = 0; i < 100; i++)
    fx_send_ok (&fx, "1", "chat:send", "{\"text\":\"spam\"}");
  fixture_clear (&fx);
}

static void
test_update_settings (void)
{
  RoomFixture fx;
  RcRoomRegistrySettings settings;
  g_autoptr(GError) error = NULL;

  init_with (&fx, 1, 2, 4);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");

  /* A reload raises every limit; open rooms follow. */
  settings = *rc_room_registry_get_settings (fx.registry);
  settings.max_rooms = 2;
  settings.room.max_participants = 3;
  rc_room_registry_update_settings (fx.registry, &settings);
  fx_join_ok (&fx, ROOM_A, "3");
  fx_join_ok (&fx, ROOM_B, "4");
  g_assert_null (fx_join (&fx, ROOM_A, "5", &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_ROOM_FULL);
  fixture_clear (&fx);
}

static void
test_close_all (void)
{
  RoomFixture fx;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_B, "3");
  rc_effects_clear (fx.effects);
  rc_room_registry_close_all (fx.registry, "server_shutdown", fx.now, fx.effects);
  assert_events (&fx, "room:closed room:closed");
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_DETACH), ==, 3);
  g_assert_cmpuint (count_kind (fx.effects, RC_EFFECT_PERSIST), ==, 2);
  g_assert_cmpuint (rc_room_registry_get_n_rooms (fx.registry), ==, 0);
  g_assert_null (rc_room_registry_room_of (fx.registry, "2"));
  /* A shutdown is not the host's decision: anyone may reopen. */
  fx_join_ok (&fx, ROOM_A, "2");
  fixture_clear (&fx);
}

static void
test_dispatch_errors (void)
{
  RoomFixture fx;

  fixture_init (&fx, NULL);
  fx_send_fails (&fx, "1", "seat:take", NULL, RC_ERROR_NOT_IN_ROOM);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_send_fails (&fx, "1", "seat:explode", NULL, RC_ERROR_UNKNOWN_EVENT);
  fx_send_fails (&fx, "1", "room:join", NULL, RC_ERROR_UNKNOWN_EVENT);
  g_assert_true (rc_room_command_exists ("cinema:sync"));
  g_assert_false (rc_room_command_exists ("room:join"));
  for (const char * const *name = rc_room_command_names (); *name; name++)
    g_assert_true (rc_room_command_exists (*name));
  fixture_clear (&fx);
}

static void
test_next_deadline_and_tombstones (void)
{
  RoomFixture fx;
  g_autoptr(GError) error = NULL;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_B, "2");
  /* Rooms someone sat in wait for the grace period once empty. */
  fx_send_ok (&fx, "1", "seat:take", NULL);
  fx_send_ok (&fx, "2", "seat:take", NULL);
  fx.now += 1000;
  fx_leave (&fx, "2");
  fx.now += 1000;
  fx_leave (&fx, "1");
  /* The earliest of the two rooms. */
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, T0 + 1000 + 30000);
  rc_room_registry_tick (fx.registry, T0 + 31000, fx.effects);
  g_assert_cmpuint (rc_room_registry_get_n_rooms (fx.registry), ==, 1);
  g_assert_cmpint (rc_room_registry_next_deadline (fx.registry), ==, T0 + 32000);

  /* A host-closed room refuses others until the tombstone expires. */
  fx_join_ok (&fx, ROOM_C, "3");
  fx_join_ok (&fx, ROOM_C, "4");
  g_assert_true (rc_room_registry_close (fx.registry, fx_user (&fx, "3", NULL), NULL, fx.now,
                                         fx.effects, NULL));
  g_assert_null (fx_join (&fx, ROOM_C, "4", &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_ROOM_CLOSED);
  g_clear_error (&error);
  g_assert_false (rc_room_registry_check_create (fx.registry, ROOM_C, fx_user (&fx, "4", NULL),
                                                 fx.now, &error));
  g_assert_error (error, RC_ERROR, RC_ERROR_ROOM_CLOSED);
  g_clear_error (&error);
  g_assert_true (rc_room_registry_check_create (fx.registry, ROOM_C, fx_user (&fx, "3", NULL),
                                                fx.now, NULL));
  fx.now += rc_room_registry_get_settings (fx.registry)->closed_room_ttl_ms;
  fx_join_ok (&fx, ROOM_C, "4");
  g_assert_cmpstr (rc_room_get_host_id (fx_room (&fx, ROOM_C)), ==, "4");
  fixture_clear (&fx);
}

/* Every seat's occupant is a participant sitting there, and vice versa. */
static void
assert_room_consistent (RoomFixture *fx, const char *room_id)
{
  RcRoom *room = rc_room_registry_lookup (fx->registry, room_id);
  guint seated = 0;

  if (room == NULL)
    return;
  for (guint i = 0; i < rc_room_get_n_seats (room); i++)
    {
      const char *occupant = rc_room_get_seat (room, i)->user_id;
      if (occupant == NULL)
        continue;
      seated++;
      g_assert_true (rc_room_has_participant (room, occupant));
      g_assert_cmpint (rc_room_get_user_seat (room, occupant), ==, (gint) i);
    }
  for (const char *const *id = (const char *[]) { "1", "2", "3", "4", "9", NULL }; *id; id++)
    {
      gint seat = rc_room_get_user_seat (room, *id);
      if (seat >= 0)
        {
          g_assert_cmpstr (rc_room_get_seat (room, seat)->user_id, ==, *id);
          seated--;
        }
      if (rc_room_has_participant (room, *id))
        g_assert_cmpstr (rc_room_registry_room_of (fx->registry, *id), ==, room_id);
    }
  g_assert_cmpuint (seated, ==, 0);
  g_assert_cmpuint (rc_room_get_n_participants (room), <=, 5);
}

/* Malformed and hostile payloads for every event, from every kind of user:
 * each one is accepted or refused with an RC_ERROR, and the room stays
 * consistent. */
static void
test_hostile_payloads (void)
{
  static const char *payloads[] = {
    "{}", "{\"seat\":null}", "{\"seat\":\"0\"}", "{\"seat\":-2147483648}", "{\"seat\":2147483648}",
    "{\"seat\":1e308}", "{\"seat\":0.5}", "{\"seat\":[0]}", "{\"seat\":{\"a\":1}}", "{\"seat\":true}",
    "{\"seat\":0, \"locked\":\"true\"}", "{\"seat\":1, \"muted\":null}", "{\"seat\":3, \"locked\":true}",
    "{\"seat\":2, \"muted\":true}", "{\"seat\":1}", "{\"muted\":1}", "{\"muted\":true}",
    "{\"userId\":\"\"}", "{\"userId\":\"a b\"}", "{\"userId\":-1}", "{\"userId\":[\"2\"]}",
    "{\"userId\":\"2\"}", "{\"userId\":3, \"seat\":0}", "{\"userId\":\"1\"}",
    "{\"userId\":\"4\", \"moderator\":true}", "{\"text\":null}", "{\"text\":\"\\u0000\"}",
    "{\"text\":\"ok\"}", "{\"text\":{}}", "{\"messageId\":\"nope\"}", "{\"messageId\":5}",
    "{\"isTyping\":\"no\"}", "{\"isTyping\":false}", "{\"seatMode\":\"REQUEST\"}",
    "{\"seatMode\":\"request\"}", "{\"seatMode\":\"free\", \"title\":\"\\ud83d\\ude00\"}",
    "{\"title\":[]}", "{\"url\":\"javascript:alert(1)\"}", "{\"url\":\"https://\"}",
    "{\"url\":\"http://v.example/x\", \"positionMs\":9e18}", "{\"positionMs\":-1, \"playing\":true}",
    "{\"positionMs\":100, \"playing\":false}", "{\"url\":\"https://v.example/y\", \"playing\":\"yes\"}",
  };
  static const char *users[] = { "1", "2", "3", "4", "9" };
  RoomFixture fx;
  guint accepted = 0, refused = 0;

  fixture_init (&fx, NULL);
  fx_user (&fx, "9", "admin");
  for (gsize u = 0; u < G_N_ELEMENTS (users); u++)
    fx_join_ok (&fx, ROOM_A, users[u]);

  for (const char * const *event = rc_room_command_names (); *event; event++)
    for (gsize p = 0; p < G_N_ELEMENTS (payloads); p++)
      for (gsize u = 0; u < G_N_ELEMENTS (users); u++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(JsonObject) reply = NULL;

          /* Whoever got kicked or banned comes back, if they may. */
          if (rc_room_registry_room_of (fx.registry, users[u]) == NULL)
            {
              g_autoptr(JsonObject) snapshot = fx_join (&fx, ROOM_A, users[u], &error);
              g_clear_error (&error);
            }
          fx.now += 1000;
          if (fx_send (&fx, users[u], *event, payloads[p], &reply, &error))
            {
              g_assert_no_error (error);
              g_assert_nonnull (reply);
              accepted++;
            }
          else
            {
              g_assert_nonnull (error);
              g_assert_true (error->domain == RC_ERROR);
              g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 0);
              refused++;
            }
          assert_room_consistent (&fx, ROOM_A);
        }
  g_test_message ("%u accepted, %u refused", accepted, refused);
  g_assert_cmpuint (accepted, >, 0);
  g_assert_cmpuint (refused, >, 0);
  fixture_clear (&fx);
}

static void
test_persist_payload (void)
{
  RoomFixture fx;
  JsonObject *persist, *state;
  JsonArray *seats;
  gint index;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx.now += 500;
  fx_send_ok (&fx, "2", "seat:take", "{\"seat\":2}");
  index = rc_effects_find (fx.effects, 0, RC_EFFECT_PERSIST, NULL);
  g_assert_cmpint (index, >=, 0);
  g_assert_cmpstr (rc_effects_get (fx.effects, index)->room_id, ==, ROOM_A);
  persist = json_node_get_object (rc_effects_get (fx.effects, index)->payload);
  state = json_object_get_object_member (persist, "state");
  g_assert_cmpstr (json_object_get_string_member (state, "id"), ==, ROOM_A);
  g_assert_cmpint (json_object_get_int_member (state, "participantCount"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (state, "lastActivityAt"), ==, T0 + 500);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (state, "speakers")), ==, 1);
  seats = json_object_get_array_member (persist, "seats");
  g_assert_cmpuint (json_array_get_length (seats), ==, 4);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (seats, 0)));
  g_assert_cmpstr (json_array_get_string_element (seats, 2), ==, "2");
  fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rooms/registry/server-full", test_server_full);
  g_test_add_func ("/rooms/registry/room-full", test_room_full);
  g_test_add_func ("/rooms/registry/seat-count", test_seat_count);
  g_test_add_func ("/rooms/registry/switch-rooms", test_switch_rooms);
  g_test_add_func ("/rooms/registry/rate-buckets", test_rate_buckets);
  g_test_add_func ("/rooms/registry/update-settings", test_update_settings);
  g_test_add_func ("/rooms/registry/close-all", test_close_all);
  g_test_add_func ("/rooms/registry/dispatch-errors", test_dispatch_errors);
  g_test_add_func ("/rooms/registry/deadlines-tombstones", test_next_deadline_and_tombstones);
  g_test_add_func ("/rooms/registry/hostile-payloads", test_hostile_payloads);
  g_test_add_func ("/rooms/registry/persist-payload", test_persist_payload);
  return g_test_run ();
}
