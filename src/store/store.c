/* roomcast: the store interface's dispatch wrappers; see store.h. */
#include "store/store.h"

G_DEFINE_QUARK (rc-store-error-quark, rc_store_error)
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
rc_store_save_seats_async (RcStore *self, const char *room_id, const char * const *seats,
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
  RC_STORE_GET_IFACE (self)->delete_room_async (self, room_id, cancellable, callback, user_data);
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
