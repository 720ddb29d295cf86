/* roomcast: what every RcStore implementation needs to complete its GTasks:
 * the checked finish helpers and the one shape of a rate-limit answer.
 * Private to src/store/. */
#pragma once

#include "store/store.h"

G_BEGIN_DECLS

/* What rate_limit_hit_async() returns through its GTask (g_free it). */
typedef struct {
  gint64 count;
  gint64 reset_in_ms;
} RateLimitResult;

/* g_task_propagate_*() after checking @result came from @store's @source_tag. */
gboolean rc_store_task_finish_boolean (RcStore *store, GAsyncResult *result,
                                       gpointer source_tag, GError **error);
gpointer rc_store_task_finish_pointer (RcStore *store, GAsyncResult *result,
                                       gpointer source_tag, GError **error);
/* Unpacks a RateLimitResult task into the rate_limit_hit_finish() outputs. */
gboolean rc_store_task_finish_rate_limit (RcStore *store, GAsyncResult *result,
                                          gpointer source_tag, gint64 *count,
                                          gint64 *reset_in_ms, GError **error);

G_END_DECLS
