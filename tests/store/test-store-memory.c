/* roomcast: the store contract on the in-memory store, on a fake clock. */
#include <glib.h>

#include "store-suite.h"
#include "store/store-memory.h"

static gint64
read_fake_clock (gpointer user_data)
{
  return *(gint64 *) user_data;
}

static RcStore *
create_memory_store (gint64 *clock_ms, gpointer user_data)
{
  return rc_store_memory_new_with_clock (read_fake_clock, clock_ms);
}

/* The same store on the wall clock: exercises the suite's real-time path,
 * which back-ends that cannot fake time (Redis) rely on. */
static RcStore *
create_wall_clock_store (gint64 *clock_ms, gpointer user_data)
{
  return rc_store_memory_new ();
}

/* Expired keys do not linger (lazy expiry on access). */
static void
test_expired_keys_go (void)
{
  gint64 clock_ms = 1000;
  g_autoptr(RcStore) store = rc_store_memory_new_with_clock (read_fake_clock, &clock_ms);

  rc_store_save_room_state_async (store, "r1", "{}", 100, NULL, NULL, NULL);
  rc_store_rate_limit_hit_async (store, "k", 50, NULL, NULL, NULL);
  rc_store_set_room_owner_async (store, "r1", "7", NULL, NULL, NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (rc_store_memory_get_n_keys (RC_STORE_MEMORY (store)), ==, 3);
  clock_ms += 60;
  g_assert_cmpuint (rc_store_memory_get_n_keys (RC_STORE_MEMORY (store)), ==, 2);
  clock_ms += 60;
  /* The owner pin has no TTL. */
  g_assert_cmpuint (rc_store_memory_get_n_keys (RC_STORE_MEMORY (store)), ==, 1);
}

int
main (int argc, char **argv)
{
  static const RcStoreTestFactory factory = {
    .create = create_memory_store,
    .fake_clock = TRUE,
  };
  static const RcStoreTestFactory wall_clock_factory = {
    .create = create_wall_clock_store,
    .fake_clock = FALSE,
  };

  g_test_init (&argc, &argv, NULL);
  rc_store_test_suite ("/store/memory", &factory);
  rc_store_test_suite ("/store/memory-wall-clock", &wall_clock_factory);
  g_test_add_func ("/store/memory/expired-keys-go", test_expired_keys_go);
  return g_test_run ();
}
