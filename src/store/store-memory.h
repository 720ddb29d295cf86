/* roomcast: the in-memory RcStore (no REDIS_HOST, tests, --dev).
 *
 * Keeps the same keys and semantics as Redis (store.h), TTLs included,
 * measured with a clock that tests can fake. State is lost on exit and not
 * shared between workers. Callbacks are dispatched from the caller's main
 * context on a later iteration (GTask), never re-entrantly.
 */
#pragma once

#include "store/store.h"

G_BEGIN_DECLS

/* Milliseconds on any fixed scale (wall clock in production). */
typedef gint64 (*RcStoreClock) (gpointer user_data);

#define RC_TYPE_STORE_MEMORY (rc_store_memory_get_type ())
G_DECLARE_FINAL_TYPE (RcStoreMemory, rc_store_memory, RC, STORE_MEMORY, GObject)

/* A memory store on the wall clock. */
RcStore *rc_store_memory_new (void);
/* A memory store on @clock (called with @clock_data whenever a TTL matters). */
RcStore *rc_store_memory_new_with_clock (RcStoreClock clock, gpointer clock_data);
/* Keys that exist and have not expired (for tests). */
guint rc_store_memory_get_n_keys (RcStoreMemory *self);

G_END_DECLS
