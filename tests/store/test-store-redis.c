/* roomcast: the store contract (tests/store/store-suite.c) on the Redis
 * store, against a real redis-server started for this program (skipped
 * when redis-server is not installed). Redis keeps real time, so the TTL
 * tests wait for a few hundred milliseconds. */
#include <glib.h>
#include <string.h>

#include "redis-test-server.h"
#include "store-suite.h"
#include "store/store-redis.h"

static RcTestRedis *server;
static GString *captured;

/* Keep warnings for the tests to check; the Redis client warns on purpose
 * when it cannot connect. */
static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_standard_streams (level, fields, n_fields, data);
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      g_string_append_printf (captured, "%s\n", (const char *) fields[i].value);
  return G_LOG_WRITER_HANDLED;
}

static RcStore *
create_redis_store (gint64 *clock_ms, gpointer user_data)
{
  g_autoptr(RcRedisClient) client = NULL;

  if (server == NULL)
    return NULL;
  client = rc_test_redis_connect (server);
  return rc_store_redis_new (client);
}

typedef struct {
  gboolean done;
  char *text;       /* status or bulk string */
  long long integer;
} RawReply;

static void
on_raw (RcRedisClient *client, redisReply *reply, const GError *error, gpointer user_data)
{
  RawReply *raw = user_data;

  g_assert_no_error (error);
  g_clear_pointer (&raw->text, g_free);
  if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS)
    raw->text = g_strndup (reply->str, reply->len);
  raw->integer = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
  raw->done = TRUE;
}

/* One command, waited for: what an operator's redis-cli would show. */
static void
raw_command (RcRedisClient *client, RawReply *raw, const char *first, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  raw->done = FALSE;
  rc_redis_client_commandv (client, (int) args->len, (const char * const *) args->pdata, NULL,
                            on_raw, raw);
  rc_test_wait_until (&raw->done, 5000, "a Redis reply");
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

/* Redis down: operations fail with UNAVAILABLE (never inside their call),
 * and a fire-and-forget write only logs. */
static void
test_unavailable (void)
{
  g_autoptr(RcRedisClient) client = NULL;
  g_autoptr(RcStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  gint64 count = -1;

  /* A port nobody listens on: the client stays "connecting". */
  client = rc_redis_client_new_full ("127.0.0.1", 1, NULL, 0);
  store = rc_store_redis_new (client);
  rc_store_save_room_state_async (store, "r", "{}", 1000, NULL, NULL, NULL);
  rc_store_get_room_state_async (store, "r", NULL, on_result, &result);
  g_assert_null (result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  state = rc_store_get_room_state_finish (store, result, &error);
  g_assert_null (state);
  g_assert_error (error, RC_STORE_ERROR, RC_STORE_ERROR_UNAVAILABLE);
  /* The fire-and-forget write failed before the read did: logged. */
  g_assert_nonnull (strstr (captured->str, "store: saving a room state failed"));

  g_clear_object (&result);
  g_clear_error (&error);
  rc_store_rate_limit_hit_async (store, "k", 1000, NULL, on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (rc_store_rate_limit_hit_finish (store, result, &count, NULL, &error));
  g_assert_error (error, RC_STORE_ERROR, RC_STORE_ERROR_UNAVAILABLE);
  g_assert_cmpint (count, ==, -1);
}

/* The keys and shapes Laravel and operators see (docs/protocol.md#redis-keys-written). */
static void
test_wire_format (void)
{
  g_autoptr(RcRedisClient) client = NULL;
  g_autoptr(RcStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *room = g_uuid_string_random ();
  g_autofree char *state_key = g_strconcat ("room:state:", room, NULL);
  g_autofree char *seats_key = g_strconcat ("room:seats:", room, NULL);
  const char *seats[] = { NULL, "45", NULL, "99" };
  RawReply raw = { 0 };

  if (server == NULL)
    {
      g_test_skip ("redis-server is not installed");
      return;
    }
  client = rc_test_redis_connect (server);
  store = rc_store_redis_new (client);
  rc_store_save_room_state_async (store, room, "{\"status\":\"ACTIVE\"}",
                                  RC_STORE_ROOM_STATE_TTL_MS, NULL, NULL, NULL);
  rc_store_save_seats_async (store, room, seats, G_N_ELEMENTS (seats), NULL, on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (rc_store_save_seats_finish (store, result, NULL));

  raw_command (client, &raw, "TYPE", state_key, NULL);
  g_assert_cmpstr (raw.text, ==, "string");
  raw_command (client, &raw, "PTTL", state_key, NULL);
  g_assert_cmpint (raw.integer, >, RC_STORE_ROOM_STATE_TTL_MS - 60000);
  g_assert_cmpint (raw.integer, <=, RC_STORE_ROOM_STATE_TTL_MS);
  raw_command (client, &raw, "TYPE", seats_key, NULL);
  g_assert_cmpstr (raw.text, ==, "hash");
  raw_command (client, &raw, "HGET", seats_key, "1", NULL);
  g_assert_cmpstr (raw.text, ==, "45");
  raw_command (client, &raw, "HGET", seats_key, "3", NULL);
  g_assert_cmpstr (raw.text, ==, "99");
  raw_command (client, &raw, "HLEN", seats_key, NULL);
  g_assert_cmpint (raw.integer, ==, 2);
  raw_command (client, &raw, "TTL", seats_key, NULL);
  g_assert_cmpint (raw.integer, ==, -1);
  g_free (raw.text);
}

int
main (int argc, char **argv)
{
  static const RcStoreTestFactory factory = {
    .create = create_redis_store,
    .fake_clock = FALSE,
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  captured = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  server = rc_test_redis_start ();
  rc_store_test_suite ("/store/redis", &factory);
  g_test_add_func ("/store/redis/unavailable", test_unavailable);
  g_test_add_func ("/store/redis/wire-format", test_wire_format);
  status = g_test_run ();
  rc_test_redis_stop (server);
  g_string_free (captured, TRUE);
  return status;
}
