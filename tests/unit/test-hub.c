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
  return g_test_run ();
}
