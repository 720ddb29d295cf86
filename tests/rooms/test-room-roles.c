/* roomcast: who may do what: the owner decision and a permission matrix of
 * every privileged action against every kind of actor. */
#include "room-test-util.h"

/* Actors (auth role in parentheses): 1 host (user), 2 member (user),
 * 3 room moderator named by the host (user), 8 staff moderator (moderator),
 * 9 admin (admin). Targets: 5 member on seat 1 with a chat message,
 * 6 member with a pending seat request, 7 member without a seat. */
typedef enum { MANAGE, MODERATE } Level;

typedef struct {
  const char *event;
  const char *payload; /* "$MSG" is replaced by the id of 5's chat message */
  Level level;
} Action;

static const Action actions[] = {
  { "seat:invite", "{\"userId\":\"7\"}", MANAGE },
  { "seat:approve", "{\"userId\":\"6\"}", MANAGE },
  { "room:update", "{\"title\":\"Friday night\"}", MANAGE },
  { "room:moderator", "{\"userId\":\"7\", \"moderator\":true}", MANAGE },
  { "cinema:start", "{\"url\":\"https://videos.example.com/a.mp4\"}", MANAGE },
  { "cinema:sync", "{\"positionMs\":1000, \"playing\":false}", MANAGE },
  { "cinema:stop", NULL, MANAGE },
  { "room:close", NULL, MANAGE },
  { "seat:lock", "{\"seat\":0, \"locked\":true}", MODERATE },
  { "seat:mute", "{\"seat\":1, \"muted\":true}", MODERATE },
  { "seat:kick", "{\"seat\":1}", MODERATE },
  { "user:kick", "{\"userId\":\"5\"}", MODERATE },
  { "user:ban", "{\"userId\":\"5\"}", MODERATE },
  { "user:unban", "{\"userId\":\"5\"}", MODERATE },
  { "chat:delete", "{\"messageId\":\"$MSG\"}", MODERATE },
};

typedef struct {
  const char *id;
  const char *role;
  gboolean may_manage;
  gboolean may_moderate;
} Actor;

static const Actor actors[] = {
  { "1", "user", TRUE, TRUE },        /* host */
  { "2", "user", FALSE, FALSE },      /* member */
  { "3", "user", FALSE, TRUE },       /* room moderator */
  { "8", "moderator", FALSE, TRUE },  /* staff moderator */
  { "9", "admin", TRUE, TRUE },       /* admin */
};

static char *
setup_room (RoomFixture *fx)
{
  RcRoomRegistrySettings settings;
  g_autoptr(JsonObject) reply = NULL;

  rc_room_registry_settings_init_default (&settings);
  settings.room.n_seats = 4;
  fixture_init (fx, &settings);
  fx_user (fx, "8", "moderator");
  fx_user (fx, "9", "admin");
  for (const char *const *id = (const char *[]) { "1", "2", "3", "5", "6", "7", "8", "9", NULL };
       *id; id++)
    fx_join_ok (fx, ROOM_A, *id);
  fx_send_ok (fx, "1", "room:moderator", "{\"userId\":\"3\", \"moderator\":true}");
  fx_send_ok (fx, "5", "seat:take", "{\"seat\":1}");
  g_assert_true (fx_send (fx, "5", "chat:send", "{\"text\":\"hello\"}", &reply, NULL));
  fx_send_ok (fx, "1", "cinema:start", "{\"url\":\"https://videos.example.com/b.mp4\"}");
  fx_send_ok (fx, "1", "room:update", "{\"seatMode\":\"request\"}");
  fx_send_ok (fx, "6", "seat:request", NULL);
  fx_send_ok (fx, "9", "user:ban", "{\"userId\":\"404\"}"); /* something to unban */
  return g_strdup (json_object_get_string_member (reply, "id"));
}

static gboolean
run_action (RoomFixture *fx, const Actor *actor, const Action *action, const char *message_id,
            GError **error)
{
  g_autoptr(GString) payload = NULL;

  if (g_str_equal (action->event, "room:close"))
    {
      rc_effects_clear (fx->effects);
      return rc_room_registry_close (fx->registry, fx_user (fx, actor->id, NULL), NULL,
                                     fx->now, fx->effects, error);
    }
  if (action->payload == NULL)
    return fx_send (fx, actor->id, action->event, NULL, NULL, error);
  payload = g_string_new (action->payload);
  g_string_replace (payload, "$MSG", message_id, 0);
  return fx_send (fx, actor->id, action->event, payload->str, NULL, error);
}

static void
test_permission_matrix (void)
{
  for (gsize a = 0; a < G_N_ELEMENTS (actions); a++)
    for (gsize b = 0; b < G_N_ELEMENTS (actors); b++)
      {
        RoomFixture fx;
        g_autofree char *message_id = setup_room (&fx);
        g_autoptr(GError) error = NULL;
        const Action *action = &actions[a];
        const Actor *actor = &actors[b];
        gboolean allowed = action->level == MANAGE ? actor->may_manage : actor->may_moderate;
        gboolean ok;

        g_test_message ("%s by %s (%s)", action->event, actor->id, actor->role);
        ok = run_action (&fx, actor, action, message_id, &error);
        if (allowed)
          {
            g_assert_no_error (error);
            g_assert_true (ok);
          }
        else
          {
            g_assert_false (ok);
            g_assert_error (error, RC_ERROR, RC_ERROR_FORBIDDEN);
            g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 0);
          }
        fixture_clear (&fx);
      }
}

static void
test_rank (void)
{
  RoomFixture fx;
  g_autofree char *message_id = setup_room (&fx);

  /* Moderation only works downwards. */
  fx_send_fails (&fx, "3", "user:kick", "{\"userId\":\"1\"}", RC_ERROR_FORBIDDEN);
  fx_send_fails (&fx, "3", "user:kick", "{\"userId\":\"8\"}", RC_ERROR_FORBIDDEN);
  fx_send_fails (&fx, "8", "user:kick", "{\"userId\":\"3\"}", RC_ERROR_FORBIDDEN);
  fx_send_fails (&fx, "8", "user:ban", "{\"userId\":\"9\"}", RC_ERROR_FORBIDDEN);
  fx_send_fails (&fx, "1", "user:kick", "{\"userId\":\"9\"}", RC_ERROR_FORBIDDEN);
  fx_send_fails (&fx, "1", "user:kick", "{\"userId\":\"1\"}", RC_ERROR_FORBIDDEN);
  /* The host is protected even when absent. */
  fx_leave (&fx, "1");
  fx_send_fails (&fx, "3", "user:ban", "{\"userId\":\"1\"}", RC_ERROR_FORBIDDEN);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_send_ok (&fx, "1", "seat:take", "{\"seat\":0}");
  fx_send_fails (&fx, "3", "seat:mute", "{\"seat\":0, \"muted\":true}", RC_ERROR_FORBIDDEN);
  fx_send_fails (&fx, "3", "seat:kick", "{\"seat\":0}", RC_ERROR_FORBIDDEN);
  /* Downwards works: host over moderator, admin over host. */
  fx_send_ok (&fx, "1", "user:kick", "{\"userId\":\"3\"}");
  fx_send_ok (&fx, "9", "seat:mute", "{\"seat\":0, \"muted\":true}");
  fx_send_ok (&fx, "9", "user:kick", "{\"userId\":\"1\"}");
  /* Unknown targets. */
  fx_send_fails (&fx, "9", "user:kick", "{\"userId\":\"4040\"}", RC_ERROR_NOT_FOUND);
  fx_send_fails (&fx, "9", "user:kick", "{\"userId\":true}", RC_ERROR_INVALID_PAYLOAD);
  fixture_clear (&fx);
}

static void
test_chat_delete_rights (void)
{
  RoomFixture fx;
  g_autofree char *message_id = setup_room (&fx);
  g_autofree char *payload = g_strdup_printf ("{\"messageId\":\"%s\"}", message_id);

  /* Authors may delete their own messages, others may not. */
  fx_send_fails (&fx, "2", "chat:delete", payload, RC_ERROR_FORBIDDEN);
  fx_send_ok (&fx, "5", "chat:delete", payload);
  assert_events (&fx, "chat:deleted");
  assert_recipients (&fx, "chat:deleted", "1,2,3,5,6,7,8,9");
  fx_send_fails (&fx, "3", "chat:delete", payload, RC_ERROR_NOT_FOUND);
  fx_send_fails (&fx, "2", "chat:delete", payload, RC_ERROR_FORBIDDEN);
  fixture_clear (&fx);
}

static void
test_owner_is_first_joiner (void)
{
  RoomFixture fx;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) again = NULL;
  JsonObject *you;

  fixture_init (&fx, NULL);
  first = fx_join (&fx, ROOM_A, "2", NULL);
  you = json_object_get_object_member (first, "you");
  g_assert_cmpstr (json_object_get_string_member (you, "role"), ==, "host");
  g_assert_true (json_object_get_boolean_member (you, "canManage"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first, "room"),
                                                  "hostId"), ==, "2");

  second = fx_join (&fx, ROOM_A, "1", NULL);
  you = json_object_get_object_member (second, "you");
  g_assert_cmpstr (json_object_get_string_member (you, "role"), ==, "member");
  g_assert_false (json_object_get_boolean_member (you, "canManage"));
  g_assert_false (json_object_get_boolean_member (you, "canModerate"));

  /* The host leaves: nobody inherits the room, the host id stays. */
  fx_leave (&fx, "2");
  g_assert_cmpstr (rc_room_get_host_id (fx_room (&fx, ROOM_A)), ==, "2");
  fx_send_fails (&fx, "1", "room:update", "{\"title\":\"mine\"}", RC_ERROR_FORBIDDEN);
  fx_join_ok (&fx, ROOM_A, "3");
  g_assert_cmpint (rc_room_get_role (fx_room (&fx, ROOM_A), "3"), ==, RC_ROOM_ROLE_MEMBER);
  /* The host is back with their powers. */
  again = fx_join (&fx, ROOM_A, "2", NULL);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (again, "you"),
                                                  "role"), ==, "host");
  fx_send_ok (&fx, "2", "room:update", "{\"title\":\"back\"}");
  fixture_clear (&fx);
}

static void
test_pinned_owner (void)
{
  RoomFixture fx;
  g_autoptr(JsonObject) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  fixture_init (&fx, NULL);
  g_assert_true (rc_room_registry_needs_owner (fx.registry, ROOM_A));
  /* Laravel pinned user 7: the first joiner (2) is a member. */
  snapshot = rc_room_registry_join (fx.registry, ROOM_A, fx_user (&fx, "2", NULL), "7", fx.now,
                                    fx.effects, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (snapshot, "you"),
                                                  "role"), ==, "member");
  g_assert_cmpstr (rc_room_get_host_id (fx_room (&fx, ROOM_A)), ==, "7");
  g_assert_false (rc_room_registry_needs_owner (fx.registry, ROOM_A));
  g_clear_pointer (&snapshot, json_object_unref);

  /* A pin given for an existing room is ignored. */
  snapshot = rc_room_registry_join (fx.registry, ROOM_A, fx_user (&fx, "3", NULL), "3", fx.now,
                                    fx.effects, &error);
  g_assert_cmpstr (rc_room_get_host_id (fx_room (&fx, ROOM_A)), ==, "7");
  fx_join_ok (&fx, ROOM_A, "7");
  g_assert_cmpint (rc_room_get_role (fx_room (&fx, ROOM_A), "7"), ==, RC_ROOM_ROLE_HOST);
  fx_send_ok (&fx, "7", "room:update", "{\"seatMode\":\"request\"}");
  fixture_clear (&fx);
}

/* ROOM_OWNERSHIP laravel/pinned: only the app makes hosts. A room created
 * without an owner has none; its first joiner is a member. */
static void
test_owner_hosts_only (void)
{
  RoomFixture fx;
  RcRoomRegistrySettings settings;
  g_autoptr(JsonObject) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  rc_room_registry_settings_init_default (&settings);
  settings.room.owner_hosts_only = TRUE;
  fixture_init (&fx, &settings);
  snapshot = fx_join (&fx, ROOM_A, "2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (snapshot, "you"),
                                                  "role"), ==, "member");
  g_assert_null (rc_room_get_host_id (fx_room (&fx, ROOM_A)));
  g_assert_true (json_object_get_null_member (json_object_get_object_member (snapshot, "room"),
                                              "hostId"));
  fx_send_fails (&fx, "2", "room:update", "{\"title\":\"mine\"}", RC_ERROR_FORBIDDEN);
  /* Staff still manage it. */
  fx_user (&fx, "9", "admin");
  fx_join_ok (&fx, ROOM_A, "9");
  fx_send_ok (&fx, "9", "room:update", "{\"title\":\"theirs\"}");
  g_clear_pointer (&snapshot, json_object_unref);

  /* An owner named by the app hosts as before. */
  snapshot = rc_room_registry_join (fx.registry, ROOM_B, fx_user (&fx, "3", NULL), "3", fx.now,
                                    fx.effects, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (snapshot, "you"),
                                                  "role"), ==, "host");
  fixture_clear (&fx);
}

static void
test_room_moderator (void)
{
  RoomFixture fx;
  const RcEffect *effect;

  fixture_init (&fx, NULL);
  fx_join_ok (&fx, ROOM_A, "1");
  fx_join_ok (&fx, ROOM_A, "2");
  fx_join_ok (&fx, ROOM_A, "3");
  fx_send_fails (&fx, "2", "user:kick", "{\"userId\":\"3\"}", RC_ERROR_FORBIDDEN);
  fx_send_ok (&fx, "1", "room:moderator", "{\"userId\":\"2\", \"moderator\":true}");
  assert_events (&fx, "participant:updated");
  effect = find_event (fx.effects, "participant:updated");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (effect->payload), "role"),
                   ==, "moderator");
  /* Idempotent. */
  fx_send_ok (&fx, "1", "room:moderator", "{\"userId\":\"2\", \"moderator\":true}");
  g_assert_cmpuint (rc_effects_get_length (fx.effects), ==, 0);
  /* A moderator moderates, but does not manage. */
  fx_send_fails (&fx, "2", "room:moderator", "{\"userId\":\"3\", \"moderator\":true}", RC_ERROR_FORBIDDEN);
  fx_send_ok (&fx, "2", "user:kick", "{\"userId\":\"3\"}");
  fx_send_ok (&fx, "1", "room:moderator", "{\"userId\":\"2\", \"moderator\":false}");
  g_assert_cmpint (rc_room_get_role (fx_room (&fx, ROOM_A), "2"), ==, RC_ROOM_ROLE_MEMBER);
  fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rooms/roles/permission-matrix", test_permission_matrix);
  g_test_add_func ("/rooms/roles/rank", test_rank);
  g_test_add_func ("/rooms/roles/chat-delete", test_chat_delete_rights);
  g_test_add_func ("/rooms/roles/owner-is-first-joiner", test_owner_is_first_joiner);
  g_test_add_func ("/rooms/roles/pinned-owner", test_pinned_owner);
  g_test_add_func ("/rooms/roles/owner-hosts-only", test_owner_hosts_only);
  g_test_add_func ("/rooms/roles/room-moderator", test_room_moderator);
  return g_test_run ();
}
