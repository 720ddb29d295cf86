/* roomcast tests: the RcStore contract, run against every back-end.
 *
 * A back-end's test program builds a factory and calls rc_store_test_suite()
 * before g_test_run():
 *
 *   static RcStore *new_memory (gint64 *clock_ms, gpointer data) { ... }
 *   static const RcStoreTestFactory factory = { new_memory, NULL, TRUE, NULL };
 *   rc_store_test_suite ("/store/memory", &factory);
 *
 * Every test uses fresh random room ids and keys, so a shared Redis database
 * needs no flushing between tests.
 */
#pragma once

#include "store/store.h"

G_BEGIN_DECLS

typedef struct {
  /* A store for one test. @clock_ms points at the suite's fake clock in ms
   * (it only moves when the suite advances it); back-ends on real time
   * ignore it. Return NULL to skip the test (e.g. no Redis running). */
  RcStore *(*create) (gint64 *clock_ms, gpointer user_data);
  /* Nullable: called after each test with the store (before its unref). */
  void (*cleanup) (RcStore *store, gpointer user_data);
  /* TRUE if the store reads *clock_ms; FALSE makes TTL tests wait in real
   * time (they use TTLs of a few hundred ms). */
  gboolean fake_clock;
  gpointer user_data;
} RcStoreTestFactory;

/* Register the contract's tests under @prefix ("/store/memory"). @factory
 * must stay valid until g_test_run() returns. */
void rc_store_test_suite (const char *prefix, const RcStoreTestFactory *factory);

G_END_DECLS
