/* roomcast tests: the RcStore contract; see store-suite.h. */
#include "store-suite.h"

#include <json-glib/json-glib.h>

typedef struct {
  const RcStoreTestFactory *factory;
  RcStore *store;
  gint64 clock_ms;
  GAsyncResult *result;
} StoreFixture;

typedef struct {
  char *path;
  const RcStoreTestFactory *factory;
  void (*func) (StoreFixture *fx);
} SuiteTest;

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StoreFixture *fx = user_data;

  g_assert_null (fx->result);
  fx->result = g_object_ref (result);
}

/* The result of the call just started. Checks the contract that callbacks
 * never run inside the *_async call itself. */
static GAsyncResult *
wait_result (StoreFixture *fx)
{
  g_assert_null (fx->result); /* not re-entrant */
  while (fx->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (&fx->result);
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Let @ms pass: on the fake clock, or for real (running the main loop). */
static void
advance (StoreFixture *fx, gint64 ms)
{
  gboolean done = FALSE;

  fx->clock_ms += ms;
  if (fx->factory->fake_clock)
    return;
  g_timeout_add ((guint) ms, on_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static char *
new_room_id (void)
{
  return g_uuid_string_random ();
}

/* --- synchronous helpers over the async API --- */

static void
save_state (StoreFixture *fx, const char *room_id, const char *json, gint64 ttl_ms)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  rc_store_save_room_state_async (fx->store, room_id, json, ttl_ms, NULL, on_done, fx);
  result = wait_result (fx);
  g_assert_true (rc_store_save_room_state_finish (fx->store, result, &error));
  g_assert_no_error (error);
}

static char *
get_state (StoreFixture *fx, const char *room_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *value;

  rc_store_get_room_state_async (fx->store, room_id, NULL, on_done, fx);
  result = wait_result (fx);
  value = rc_store_get_room_state_finish (fx->store, result, &error);
  g_assert_no_error (error);
  return value;
}

static void
save_seats (StoreFixture *fx, const char *room_id, const char * const *seats, guint n)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  rc_store_save_seats_async (fx->store, room_id, seats, n, NULL, on_done, fx);
  result = wait_result (fx);
  g_assert_true (rc_store_save_seats_finish (fx->store, result, &error));
  g_assert_no_error (error);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* The seats hash as "0=a,2=b" (sorted by field). */
static char *
get_seats (StoreFixture *fx, const char *room_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seats = NULL;
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer field, value;

  rc_store_get_seats_async (fx->store, room_id, NULL, on_done, fx);
  result = wait_result (fx);
  seats = rc_store_get_seats_finish (fx->store, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (seats);
  g_hash_table_iter_init (&iter, seats);
  while (g_hash_table_iter_next (&iter, &field, &value))
    g_ptr_array_add (pairs, g_strdup_printf ("%s=%s", (char *) field, (char *) value));
  g_ptr_array_sort (pairs, compare_strings);
  g_ptr_array_add (pairs, NULL);
  return g_strjoinv (",", (char **) pairs->pdata);
}

static gint64
hit (StoreFixture *fx, const char *key, gint64 window_ms, gint64 *reset_in_ms)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 count = -1;

  rc_store_rate_limit_hit_async (fx->store, key, window_ms, NULL, on_done, fx);
  result = wait_result (fx);
  g_assert_true (rc_store_rate_limit_hit_finish (fx->store, result, &count, reset_in_ms, &error));
  g_assert_no_error (error);
  return count;
}

static char *
get_owner (StoreFixture *fx, const char *room_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *owner;

  rc_store_get_room_owner_async (fx->store, room_id, NULL, on_done, fx);
  result = wait_result (fx);
  owner = rc_store_get_room_owner_finish (fx->store, result, &error);
  g_assert_no_error (error);
  return owner;
}

static void
set_owner (StoreFixture *fx, const char *room_id, const char *user_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  rc_store_set_room_owner_async (fx->store, room_id, user_id, NULL, on_done, fx);
  result = wait_result (fx);
  g_assert_true (rc_store_set_room_owner_finish (fx->store, result, &error));
  g_assert_no_error (error);
}

/* --- the tests --- */

static void
test_room_state_roundtrip (StoreFixture *fx)
{
  g_autofree char *room_id = new_room_id ();
  g_autofree char *json = g_strdup_printf (
    "{\"id\":\"%s\",\"status\":\"ACTIVE\",\"participantCount\":15,"
    "\"createdAt\":1700000000000,\"lastActivityAt\":1700001234567,"
    "\"speakers\":[\"user123\",\"user456\"]}", room_id);
  g_autofree char *missing = get_state (fx, room_id);
  g_autofree char *stored = NULL;
  g_autofree char *replaced = NULL;

  g_assert_null (missing);
  save_state (fx, room_id, json, RC_STORE_ROOM_STATE_TTL_MS);
  stored = get_state (fx, room_id);
  g_assert_cmpstr (stored, ==, json);
  save_state (fx, room_id, "{\"status\":\"CLOSED\"}", RC_STORE_ROOM_STATE_TTL_MS);
  replaced = get_state (fx, room_id);
  g_assert_cmpstr (replaced, ==, "{\"status\":\"CLOSED\"}");
  g_assert_cmpstr (rc_store_get_name (fx->store), !=, NULL);
}

static void
test_room_state_ttl (StoreFixture *fx)
{
  g_autofree char *room_id = new_room_id ();
  char *value;

  save_state (fx, room_id, "{}", 300);
  advance (fx, 100);
  value = get_state (fx, room_id);
  g_assert_cmpstr (value, ==, "{}");
  g_free (value);
  /* Every write starts the TTL again. */
  save_state (fx, room_id, "{\"v\":2}", 300);
  advance (fx, 200);
  value = get_state (fx, room_id);
  g_assert_cmpstr (value, ==, "{\"v\":2}");
  g_free (value);
  advance (fx, 250);
  value = get_state (fx, room_id);
  g_assert_null (value);
}

static void
test_seats (StoreFixture *fx)
{
  g_autofree char *room_id = new_room_id ();
  const char *first[] = { "a", NULL, "b", NULL };
  const char *second[] = { NULL, "c" };
  g_autofree char *v1 = NULL, *v2 = NULL, *v3 = NULL, *v4 = NULL, *v5 = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  v1 = get_seats (fx, room_id);
  g_assert_cmpstr (v1, ==, "");
  save_seats (fx, room_id, first, G_N_ELEMENTS (first));
  v2 = get_seats (fx, room_id);
  g_assert_cmpstr (v2, ==, "0=a,2=b");
  /* A write replaces the whole hash. */
  save_seats (fx, room_id, second, G_N_ELEMENTS (second));
  v3 = get_seats (fx, room_id);
  g_assert_cmpstr (v3, ==, "1=c");
  /* Seats have no TTL. */
  if (fx->factory->fake_clock)
    advance (fx, 2 * RC_STORE_ROOM_STATE_TTL_MS);
  v4 = get_seats (fx, room_id);
  g_assert_cmpstr (v4, ==, "1=c");

  rc_store_clear_seats_async (fx->store, room_id, NULL, on_done, fx);
  result = wait_result (fx);
  g_assert_true (rc_store_save_seats_finish (fx->store, result, NULL));
  v5 = get_seats (fx, room_id);
  g_assert_cmpstr (v5, ==, "");
}

static void
test_delete_room (StoreFixture *fx)
{
  g_autofree char *room_id = new_room_id ();
  g_autofree char *other_id = new_room_id ();
  const char *seats[] = { "u1" };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL, *other = NULL, *left = NULL, *owner = NULL;

  save_state (fx, room_id, "{}", RC_STORE_ROOM_STATE_TTL_MS);
  save_state (fx, other_id, "{\"other\":true}", RC_STORE_ROOM_STATE_TTL_MS);
  save_seats (fx, room_id, seats, 1);
  set_owner (fx, room_id, "u1");

  rc_store_delete_room_async (fx->store, room_id, NULL, on_done, fx);
  result = wait_result (fx);
  g_assert_true (rc_store_delete_room_finish (fx->store, result, &error));
  g_assert_no_error (error);
  state = get_state (fx, room_id);
  g_assert_null (state);
  left = get_seats (fx, room_id);
  g_assert_cmpstr (left, ==, "");
  other = get_state (fx, other_id);
  g_assert_cmpstr (other, ==, "{\"other\":true}");
  /* The pinned owner is Laravel's: deleting the room keeps it. */
  owner = get_owner (fx, room_id);
  g_assert_cmpstr (owner, ==, "u1");
}

static void
test_rate_limit (StoreFixture *fx)
{
  g_autofree char *id = new_room_id ();
  g_autofree char *key = g_strdup_printf ("chat:%s", id);
  g_autofree char *other = new_room_id ();
  gint64 reset = -1, previous_reset;

  g_assert_cmpint (hit (fx, key, 400, &reset), ==, 1);
  g_assert_cmpint (reset, >, 0);
  g_assert_cmpint (reset, <=, 400);
  previous_reset = reset;
  advance (fx, 100);
  g_assert_cmpint (hit (fx, key, 400, &reset), ==, 2);
  /* Hits inside a window do not extend it. */
  g_assert_cmpint (reset, <=, previous_reset - 100 + 20);
  g_assert_cmpint (hit (fx, key, 400, NULL), ==, 3);
  g_assert_cmpint (hit (fx, other, 400, NULL), ==, 1);
  /* The counter expires with its window. */
  advance (fx, 400);
  g_assert_cmpint (hit (fx, key, 400, &reset), ==, 1);
  g_assert_cmpint (reset, >, 300);
}

static void
test_room_owner (StoreFixture *fx)
{
  g_autofree char *room_id = new_room_id ();
  g_autofree char *none = NULL, *pinned = NULL, *unpinned = NULL;

  none = get_owner (fx, room_id);
  g_assert_null (none);
  set_owner (fx, room_id, "12345");
  pinned = get_owner (fx, room_id);
  g_assert_cmpstr (pinned, ==, "12345");
  set_owner (fx, room_id, NULL);
  unpinned = get_owner (fx, room_id);
  g_assert_null (unpinned);
}

static void
test_fire_and_forget (StoreFixture *fx)
{
  g_autofree char *room_id = new_room_id ();
  g_autofree char *value = NULL;

  /* No callback: the write still happens, before later calls. */
  rc_store_save_room_state_async (fx->store, room_id, "{\"ff\":1}", RC_STORE_ROOM_STATE_TTL_MS,
                                  NULL, NULL, NULL);
  value = get_state (fx, room_id);
  g_assert_cmpstr (value, ==, "{\"ff\":1}");
}

static void
test_cancelled (StoreFixture *fx)
{
  g_autofree char *room_id = new_room_id ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  g_cancellable_cancel (cancellable);
  rc_store_get_room_state_async (fx->store, room_id, cancellable, on_done, fx);
  result = wait_result (fx);
  value = rc_store_get_room_state_finish (fx->store, result, &error);
  g_assert_null (value);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* --- registration --- */

static void
run_test (gconstpointer data)
{
  const SuiteTest *test = data;
  StoreFixture fx = { .factory = test->factory, .clock_ms = G_GINT64_CONSTANT (1700000000000) };

  fx.store = test->factory->create (&fx.clock_ms, test->factory->user_data);
  if (fx.store == NULL)
    {
      g_test_skip ("store back-end not available");
      return;
    }
  test->func (&fx);
  if (test->factory->cleanup != NULL)
    test->factory->cleanup (fx.store, test->factory->user_data);
  /* Let idle sources of fire-and-forget calls finish before the unref. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&fx.store);
}

static void
suite_test_free (gpointer data)
{
  SuiteTest *test = data;

  g_free (test->path);
  g_free (test);
}

void
rc_store_test_suite (const char *prefix, const RcStoreTestFactory *factory)
{
  static const struct {
    const char *name;
    void (*func) (StoreFixture *fx);
  } tests[] = {
    { "room-state", test_room_state_roundtrip },
    { "room-state-ttl", test_room_state_ttl },
    { "seats", test_seats },
    { "delete-room", test_delete_room },
    { "rate-limit", test_rate_limit },
    { "room-owner", test_room_owner },
    { "fire-and-forget", test_fire_and_forget },
    { "cancelled", test_cancelled },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      SuiteTest *test = g_new0 (SuiteTest, 1);
      test->path = g_strdup_printf ("%s/%s", prefix, tests[i].name);
      test->factory = factory;
      test->func = tests[i].func;
      g_test_add_data_func_full (test->path, test, run_test, suite_test_free);
    }
}
