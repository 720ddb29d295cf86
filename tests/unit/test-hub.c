/* The hub without sockets: Laravel broadcaster payloads parsed strictly
 * (malformed ones counted and dropped), Pusher frames encoded as pusher-js
 * expects, presence bookkeeping through a fake client. */
#include <string.h>

#include "hub/hub-private.h"
#include "core/metrics.h"

/* Dropped broadcaster messages are logged as warnings: count them here
 * (fatal-warnings would abort otherwise); anything else goes on. */
static guint dropped_logged;

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        strstr (fields[i].value, " dropped: ")) {
      dropped_logged++;
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

static guint64
counter (const char *line_prefix)
{
  g_autofree char *text = rc_metrics_render ();
  const char *p = strstr (text, line_prefix);
  return p ? g_ascii_strtoull (p + strlen (line_prefix), NULL, 10) : 0;
}

static RcConfig *
dev_config (void)
{
  RcConfig *config = rc_config_new ();
  config->pusher_app_id = g_strdup ("dev");
  config->pusher_app_key = g_strdup ("dev-key");
  config->pusher_app_secret = g_strdup ("dev-secret");
  return config;
}

typedef struct {
  RcHubClient client;
  GPtrArray *frames;
} Fake;

static void
fake_send (RcHubClient *client, const char *channel, const char *event, JsonNode *data,
           const char *frame)
{
  g_ptr_array_add (((Fake *) client)->frames, g_strdup (frame));
}

static void
test_broadcast_parsing (void)
{
  g_autoptr (RcConfig) config = dev_config ();
  g_autoptr (RcHub) hub = rc_hub_new (config);
  const char *malformed[] = {
    "not json", "[]", "{\"event\":1,\"data\":{}}", "{\"data\":{}}", "{\"event\":\"\",\"data\":{}}",
    "{\"event\":\"e\"}", "{\"event\":\"e\",\"data\":{},\"socket\":5}",
    "{\"event\":\"e\",\"data\":{}} trailing", "{\"event\":\"e\",\"data\":{},}",
  };
  Fake a = { .client.protocol = "pusher", .client.send = fake_send,
             .frames = g_ptr_array_new_with_free_func (g_free) };
  Fake b = { .client.protocol = "pusher", .client.send = fake_send,
             .frames = g_ptr_array_new_with_free_func (g_free) };

  rc_metrics_reset ();
  rc_hub_client_register (hub, &a.client);
  rc_hub_client_register (hub, &b.client);
  g_assert_true (rc_hub_join (hub, &a.client, "private-user.1", NULL, NULL));
  g_assert_true (rc_hub_join (hub, &b.client, "private-user.1", NULL, NULL));
  g_assert_false (rc_hub_join (hub, &b.client, "private-user.1", NULL, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++) {
    g_assert_cmpuint (rc_hub_broadcast_deliver (hub, "laravel_database_",
                                                "laravel_database_private-user.1", malformed[i],
                                                strlen (malformed[i])), ==, 0);
  }
  g_assert_cmpuint (counter ("\nroomcast_hub_redis_malformed_total "), ==, G_N_ELEMENTS (malformed));
  g_assert_cmpuint (a.frames->len, ==, 0);

  const char *ok = "{\"event\":\"App\\\\Events\\\\Sent\",\"data\":{\"n\":1},\"socket\":null}";
  g_assert_cmpuint (rc_hub_broadcast_deliver (hub, "laravel_database_",
                                              "laravel_database_private-user.1", ok, strlen (ok)),
                    ==, 2);
  g_assert_cmpstr (g_ptr_array_index (a.frames, 0), ==,
                   "{\"event\":\"App\\\\Events\\\\Sent\",\"channel\":\"private-user.1\","
                   "\"data\":\"{\\\"n\\\":1}\"}");
  g_autofree char *others = g_strdup_printf ("{\"event\":\"e\",\"data\":[],\"socket\":\"%s\"}",
                                             a.client.socket_id);
  g_assert_cmpuint (rc_hub_broadcast_deliver (hub, "laravel_database_",
                                              "laravel_database_private-user.1", others,
                                              strlen (others)), ==, 1);
  g_assert_cmpuint (a.frames->len, ==, 1);
  g_assert_cmpuint (b.frames->len, ==, 2);
  /* another prefix, an invalid channel name */
  g_assert_cmpuint (rc_hub_broadcast_deliver (hub, "laravel_database_", "other_x", ok, strlen (ok)),
                    ==, 0);
  g_assert_cmpuint (rc_hub_broadcast_deliver (hub, "laravel_database_", "laravel_database_a b",
                                              ok, strlen (ok)), ==, 0);
  g_assert_cmpuint (dropped_logged, ==, G_N_ELEMENTS (malformed) + 2);

  rc_hub_client_unregister (hub, &a.client);
  rc_hub_client_unregister (hub, &b.client);
  g_assert_cmpuint (g_hash_table_size (rc_hub_get_channels (hub)), ==, 0);
  g_ptr_array_unref (a.frames);
  g_ptr_array_unref (b.frames);
  g_free (a.client.socket_id);
  g_free (b.client.socket_id);
  g_hash_table_unref (a.client.channels);
  g_hash_table_unref (b.client.channels);
}

static void
test_presence (void)
{
  g_autoptr (RcConfig) config = dev_config ();
  g_autoptr (RcHub) hub = rc_hub_new (config);
  Fake c[3];
  for (guint i = 0; i < 3; i++) {
    c[i] = (Fake) { .client.protocol = "pusher", .client.send = fake_send,
                    .frames = g_ptr_array_new_with_free_func (g_free) };
    rc_hub_client_register (hub, &c[i].client);
  }
  rc_hub_join (hub, &c[0].client, "presence-r", "1", NULL);
  rc_hub_join (hub, &c[1].client, "presence-r", "2", NULL);
  rc_hub_join (hub, &c[2].client, "presence-r", "2", NULL); /* second connection of user 2 */
  g_assert_cmpuint (c[0].frames->len, ==, 1);                /* one member_added */
  g_assert_nonnull (strstr (g_ptr_array_index (c[0].frames, 0), "member_added"));
  g_assert_cmpuint (rc_hub_presence_count (hub, "presence-r"), ==, 2);
  g_autoptr (JsonNode) data = rc_hub_presence_data (hub, "presence-r");
  g_autofree char *text = json_to_string (data, FALSE);
  g_assert_nonnull (strstr (text, "\"count\":2"));
  rc_hub_leave (hub, &c[1].client, "presence-r");
  g_assert_cmpuint (c[0].frames->len, ==, 1); /* user 2 still there */
  rc_hub_client_unregister (hub, &c[2].client);
  g_assert_cmpuint (c[0].frames->len, ==, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (c[0].frames, 1), "member_removed"));
  g_assert_cmpuint (rc_hub_terminate_user (hub, "1"), ==, 1);
  for (guint i = 0; i < 3; i++) {
    rc_hub_client_unregister (hub, &c[i].client);
    g_ptr_array_unref (c[i].frames);
    g_free (c[i].client.socket_id);
    g_hash_table_unref (c[i].client.channels);
  }
}

/* An event for a user reaches the connections on their #server-to-user-
 * channel (signed in as them), and only those; without Socket.IO nothing
 * else. */
static void
test_user_events (void)
{
  g_autoptr (RcConfig) config = dev_config ();
  g_autoptr (RcHub) hub = rc_hub_new (config);
  Fake c[3];
  for (guint i = 0; i < 3; i++) {
    c[i] = (Fake) { .client.protocol = "pusher", .client.send = fake_send,
                    .frames = g_ptr_array_new_with_free_func (g_free) };
    rc_hub_client_register (hub, &c[i].client);
  }
  rc_hub_join (hub, &c[0].client, RC_HUB_USER_CHANNEL_PREFIX "7", NULL, NULL);
  rc_hub_join (hub, &c[1].client, RC_HUB_USER_CHANNEL_PREFIX "7", NULL, NULL);
  rc_hub_join (hub, &c[2].client, RC_HUB_USER_CHANNEL_PREFIX "8", NULL, NULL);
  g_autoptr (JsonNode) data = json_from_string ("{\"n\":1}", NULL);
  g_assert_cmpuint (rc_hub_publish (hub, RC_HUB_USER_CHANNEL_PREFIX "7", "notice", data, NULL,
                                    "test"),
                    ==, 2);
  g_assert_cmpuint (c[0].frames->len, ==, 1);
  g_assert_cmpuint (c[1].frames->len, ==, 1);
  g_assert_cmpuint (c[2].frames->len, ==, 0);
  /* toOthers() */
  g_assert_cmpuint (rc_hub_publish (hub, RC_HUB_USER_CHANNEL_PREFIX "7", "notice", data,
                                    c[0].client.socket_id, "test"),
                    ==, 1);
  g_assert_cmpuint (c[0].frames->len, ==, 1);
  g_assert_cmpuint (rc_hub_sio_deliver_to_user (hub, "7", "notice", data, NULL), ==, 0);
  for (guint i = 0; i < 3; i++) {
    rc_hub_client_unregister (hub, &c[i].client);
    g_ptr_array_unref (c[i].frames);
    g_free (c[i].client.socket_id);
    g_hash_table_unref (c[i].client.channels);
  }
}

/* What a plain emit(event, data) carries: Pusher API data strings parsed. */
static void
test_emit_data (void)
{
  const struct {
    const char *in, *out;
  } cases[] = {
    { "\"{\\\"a\\\":1}\"", "{\"a\":1}" }, /* a JSON string holding an object */
    { "\"hello\"", "\"hello\"" },               /* not JSON inside: as is */
    { "{\"a\":[1,2]}", "{\"a\":[1,2]}" },
    { "3", "3" },
    { NULL, "{}" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (JsonNode) in = cases[i].in ? json_from_string (cases[i].in, NULL) : NULL;
    g_autoptr (JsonNode) out = rc_hub_emit_data (in);
    g_autofree char *text = json_to_string (out, FALSE);
    g_assert_cmpstr (text, ==, cases[i].out);
  }
}

static void
test_off_without_key (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  g_assert_null (rc_hub_new (config));
}

/* /api/broadcast's key alone, or Laravel's /broadcasting/auth alone, turns
 * the hub on without any Pusher setting. */
static void
test_on_without_pusher (void)
{
  g_autoptr (RcConfig) api = rc_config_new ();
  api->broadcast_api_key = g_strdup ("a-broadcast-api-key-0123456789");
  g_autoptr (RcHub) hub = rc_hub_new (api);
  g_assert_nonnull (hub);
  g_assert_null (hub->webhook);
  g_autoptr (RcConfig) auth = rc_config_new ();
  auth->broadcast_auth_url = g_strdup ("http://127.0.0.1:9/broadcasting/auth");
  g_autoptr (RcHub) hub2 = rc_hub_new (auth);
  g_assert_nonnull (hub2);
}

static void
test_presence_cap (void)
{
  g_autoptr (RcConfig) config = dev_config ();
  config->presence_max_members = 2;
  g_autoptr (RcHub) hub = rc_hub_new (config);
  Fake c[2];
  for (guint i = 0; i < 2; i++) {
    c[i] = (Fake) { .client.protocol = "pusher", .client.send = fake_send,
                    .frames = g_ptr_array_new_with_free_func (g_free) };
    rc_hub_client_register (hub, &c[i].client);
  }
  g_assert_true (rc_hub_presence_has_room (hub, "presence-online-users", "1"));
  rc_hub_join (hub, &c[0].client, "presence-online-users", "1", NULL);
  rc_hub_join (hub, &c[1].client, "presence-online-users", "2", NULL);
  g_assert_false (rc_hub_presence_has_room (hub, "presence-online-users", "3"));
  /* A member's further connection is not a new member. */
  g_assert_true (rc_hub_presence_has_room (hub, "presence-online-users", "2"));
  g_assert_true (rc_hub_channel_has_member (hub, "presence-online-users", "1"));
  g_assert_true (rc_hub_user_is_online (hub, "1"));
  g_assert_false (rc_hub_user_is_online (hub, "3"));
  g_assert_cmpint (rc_hub_user_last_seen (hub, "2"), ==, 0);
  rc_hub_client_unregister (hub, &c[1].client);
  g_assert_false (rc_hub_user_is_online (hub, "2"));
  g_assert_cmpint (rc_hub_user_last_seen (hub, "2"), >, 0);
  g_assert_true (rc_hub_presence_has_room (hub, "presence-online-users", "3"));
  for (guint i = 0; i < 2; i++) {
    rc_hub_client_unregister (hub, &c[i].client);
    g_ptr_array_unref (c[i].frames);
    g_free (c[i].client.socket_id);
    g_hash_table_unref (c[i].client.channels);
  }
}

static void
test_user_names (void)
{
  g_autoptr (RcConfig) config = dev_config ();
  g_autoptr (RcHub) hub = rc_hub_new (config);
  g_autofree char *laravel = rc_hub_user_channel (hub, "5");
  g_assert_cmpstr (laravel, ==, "private-App.Models.User.5");
  g_free (config->broadcast_user_channel);
  config->broadcast_user_channel = g_strdup ("user.{id}.inbox");
  g_autofree char *custom = rc_hub_user_channel (hub, "5");
  g_assert_cmpstr (custom, ==, "private-user.5.inbox");

  const struct {
    const char *id;
    gboolean number;
  } ids[] = { { "42", TRUE }, { "042", FALSE }, { "abc", FALSE }, { "-1", FALSE },
              { "9007199254740993", FALSE }, { "7a", FALSE } };
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++) {
    g_autoptr (JsonNode) n = rc_hub_user_id_node (ids[i].id);
    g_assert_cmpint (json_node_get_value_type (n) == G_TYPE_INT64, ==, ids[i].number);
  }
  g_autofree char *iso = rc_hub_iso8601 (G_GINT64_CONSTANT (1705312800123456));
  g_assert_cmpstr (iso, ==, "2024-01-15T10:00:00.123456Z");
}

/* Last seen is kept for the RC_HUB_LAST_SEEN_MAX users seen last. */
static void
test_last_seen_bounded (void)
{
  g_autoptr (RcConfig) config = dev_config ();
  g_autoptr (RcHub) hub = rc_hub_new (config);
  char id[16];
  for (guint i = 0; i <= RC_HUB_LAST_SEEN_MAX; i++) {
    g_snprintf (id, sizeof id, "%u", i);
    rc_hub_user_seen (hub, id);
    if (i == 1)
      rc_hub_user_seen (hub, "0"); /* seen again: the youngest now */
  }
  g_assert_cmpint (rc_hub_user_last_seen (hub, "0"), >, 0);
  g_assert_cmpint (rc_hub_user_last_seen (hub, "1"), ==, 0); /* the oldest, forgotten */
  g_snprintf (id, sizeof id, "%u", RC_HUB_LAST_SEEN_MAX);
  g_assert_cmpint (rc_hub_user_last_seen (hub, id), >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (writer, NULL, NULL);
  g_test_add_func ("/hub/broadcast-parsing", test_broadcast_parsing);
  g_test_add_func ("/hub/presence", test_presence);
  g_test_add_func ("/hub/user-events", test_user_events);
  g_test_add_func ("/hub/emit-data", test_emit_data);
  g_test_add_func ("/hub/off-without-key", test_off_without_key);
  g_test_add_func ("/hub/on-without-pusher", test_on_without_pusher);
  g_test_add_func ("/hub/presence-cap", test_presence_cap);
  g_test_add_func ("/hub/user-names", test_user_names);
  g_test_add_func ("/hub/last-seen-bounded", test_last_seen_bounded);
  return g_test_run ();
}
