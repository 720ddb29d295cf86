/* roomcast: the store interface's dispatch wrappers; see store.h. */
#include "store/store.h"
#include "store/store-task.h"

GQuark
rc_store_error_quark (void)
{
  return g_quark_from_static_string ("rc-store-error-quark");
}

G_DEFINE_INTERFACE (RcStore, rc_store, G_TYPE_OBJECT)

static void
rc_store_default_init (RcStoreInterface *iface)
{
}

char *
rc_store_key_room_state (const char *room_id)
{
  return g_strconcat ("room:state:", room_id, NULL);
}

char *
rc_store_key_room_seats (const char *room_id)
{
  return g_strconcat ("room:seats:", room_id, NULL);
}

char *
rc_store_key_room_owner (const char *room_id)
{
  return g_strconcat ("room:owner:", room_id, NULL);
}

char *
rc_store_key_rate_limit (const char *key)
{
  return g_strconcat ("ratelimit:", key, NULL);
}

const char *
rc_store_get_name (RcStore *self)
{
  g_return_val_if_fail (RC_IS_STORE (self), NULL);
  return RC_STORE_GET_IFACE (self)->get_name (self);
}

void
rc_store_save_room_state_async (RcStore *self, const char *room_id, const char *state_json,
                                gint64 ttl_ms, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_STORE (self));
  g_return_if_fail (room_id != NULL && state_json != NULL && ttl_ms > 0);
  RC_STORE_GET_IFACE (self)->save_room_state_async (self, room_id, state_json, ttl_ms,
                                                    cancellable, callback, user_data);
}

gboolean
rc_store_save_room_state_finish (RcStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_STORE (self), FALSE);
  return RC_STORE_GET_IFACE (self)->save_room_state_finish (self, result, error);
}

void
rc_store_get_room_state_async (RcStore *self, const char *room_id, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_STORE (self) && room_id != NULL);
  RC_STORE_GET_IFACE (self)->get_room_state_async (self, room_id, cancellable, callback,
                                                   user_data);
}

char *
rc_store_get_room_state_finish (RcStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_STORE (self), NULL);
  return RC_STORE_GET_IFACE (self)->get_room_state_finish (self, result, error);
}

void
rc_store_save_seats_async (RcStore *self, const char *room_id, const char *const *seats,
                           guint n_seats, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_STORE (self) && room_id != NULL);
  g_return_if_fail (seats != NULL || n_seats == 0);
  RC_STORE_GET_IFACE (self)->save_seats_async (self, room_id, seats, n_seats, cancellable,
                                               callback, user_data);
}

gboolean
rc_store_save_seats_finish (RcStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_STORE (self), FALSE);
  return RC_STORE_GET_IFACE (self)->save_seats_finish (self, result, error);
}

void
rc_store_clear_seats_async (RcStore *self, const char *room_id, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  rc_store_save_seats_async (self, room_id, NULL, 0, cancellable, callback, user_data);
}

void
rc_store_get_seats_async (RcStore *self, const char *room_id, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_STORE (self) && room_id != NULL);
  RC_STORE_GET_IFACE (self)->get_seats_async (self, room_id, cancellable, callback, user_data);
}

GHashTable *
rc_store_get_seats_finish (RcStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_STORE (self), NULL);
  return RC_STORE_GET_IFACE (self)->get_seats_finish (self, result, error);
}

void
rc_store_delete_room_async (RcStore *self, const char *room_id, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_STORE (self) && room_id != NULL);
  RC_STORE_GET_IFACE (self)->delete_room_async (self, room_id, cancellable, callback,
                                                user_data);
}

gboolean
rc_store_delete_room_finish (RcStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_STORE (self), FALSE);
  return RC_STORE_GET_IFACE (self)->delete_room_finish (self, result, error);
}

void
rc_store_rate_limit_hit_async (RcStore *self, const char *key, gint64 window_ms,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (RC_IS_STORE (self) && key != NULL && window_ms > 0);
  RC_STORE_GET_IFACE (self)->rate_limit_hit_async (self, key, window_ms, cancellable, callback,
                                                   user_data);
}

gboolean
rc_store_rate_limit_hit_finish (RcStore *self, GAsyncResult *result, gint64 *count,
                                gint64 *reset_in_ms, GError **error)
{
  g_return_val_if_fail (RC_IS_STORE (self), FALSE);
  return RC_STORE_GET_IFACE (self)->rate_limit_hit_finish (self, result, count, reset_in_ms,
                                                           error);
}

void
rc_store_get_room_owner_async (RcStore *self, const char *room_id, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_STORE (self) && room_id != NULL);
  RC_STORE_GET_IFACE (self)->get_room_owner_async (self, room_id, cancellable, callback,
                                                   user_data);
}

char *
rc_store_get_room_owner_finish (RcStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_STORE (self), NULL);
  return RC_STORE_GET_IFACE (self)->get_room_owner_finish (self, result, error);
}

void
rc_store_set_room_owner_async (RcStore *self, const char *room_id, const char *user_id,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (RC_IS_STORE (self) && room_id != NULL);
  RC_STORE_GET_IFACE (self)->set_room_owner_async (self, room_id, user_id, cancellable,
                                                   callback, user_data);
}

gboolean
rc_store_set_room_owner_finish (RcStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_STORE (self), FALSE);
  return RC_STORE_GET_IFACE (self)->set_room_owner_finish (self, result, error);
}

/* --- helpers for the implementations (store-task.h) --- */

gboolean
rc_store_task_finish_boolean (RcStore *store, GAsyncResult *result, gpointer source_tag,
                              GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gpointer
rc_store_task_finish_pointer (RcStore *store, GAsyncResult *result, gpointer source_tag,
                              GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
rc_store_task_finish_rate_limit (RcStore *store, GAsyncResult *result, gpointer source_tag,
                                 gint64 *count, gint64 *reset_in_ms, GError **error)
{
  g_autofree RateLimitResult *hit = rc_store_task_finish_pointer (store, result, source_tag,
                                                                  error);
  if (hit == NULL)
    return FALSE;
  if (count != NULL)
    *count = hit->count;
  if (reset_in_ms != NULL)
    *reset_in_ms = hit->reset_in_ms;
  return TRUE;
}
