/* roomcast: in-memory store; see store-memory.h.
 *
 * A tiny key space in the shape of Redis: string and hash values with an
 * optional expiry, expired lazily when touched. Each operation runs at once
 * on the data and returns through a GTask, which delivers the result on a
 * later main-loop iteration.
 */
#include "store/store-memory.h"
#include "store/store-task.h"

typedef struct {
  char *string;      /* string value, or NULL */
  GHashTable *hash;  /* hash value (field -> value), or NULL */
  gint64 expires_at; /* clock ms, 0 = never */
} Entry;

struct _RcStoreMemory {
  GObject parent_instance;
  GHashTable *keys; /* key -> Entry* */
  RcStoreClock clock;
  gpointer clock_data;
};

static void rc_store_memory_iface_init (RcStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcStoreMemory, rc_store_memory, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_STORE,
                                                      rc_store_memory_iface_init))

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->string);
  if (entry->hash != NULL)
    g_hash_table_unref (entry->hash);
  g_free (entry);
}

static gint64
wall_clock_ms (gpointer user_data)
{
  return g_get_real_time () / 1000;
}

static gint64
now_ms (RcStoreMemory *self)
{
  return self->clock (self->clock_data);
}

/* The live entry at @key; an expired one is deleted and NULL returned. */
static Entry *
lookup_live (RcStoreMemory *self, const char *key)
{
  Entry *entry = g_hash_table_lookup (self->keys, key);

  if (entry != NULL && entry->expires_at != 0 && entry->expires_at <= now_ms (self)) {
    g_hash_table_remove (self->keys, key);
    return NULL;
  }
  return entry;
}

/* Replace @key with a fresh entry (SET semantics: old value and TTL go). */
static Entry *
replace_entry (RcStoreMemory *self, const char *key)
{
  Entry *entry = g_new0 (Entry, 1);

  g_hash_table_replace (self->keys, g_strdup (key), entry);
  return entry;
}

/* A GTask for @source_tag, or NULL if @cancellable is already cancelled (the
 * task then reports G_IO_ERROR_CANCELLED). */
static GTask *
start_task (RcStoreMemory *self, gpointer source_tag, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return NULL;
  }
  return task;
}

static const char *
memory_get_name (RcStore *store)
{
  return "memory";
}

static void
memory_save_room_state_async (RcStore *store, const char *room_id, const char *state_json,
                              gint64 ttl_ms, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  RcStoreMemory *self = RC_STORE_MEMORY (store);
  g_autofree char *key = rc_store_key_room_state (room_id);
  GTask *task = start_task (self, memory_save_room_state_async, cancellable, callback,
                            user_data);
  Entry *entry;

  if (task == NULL)
    return;
  entry = replace_entry (self, key);
  entry->string = g_strdup (state_json);
  entry->expires_at = now_ms (self) + ttl_ms;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
memory_save_room_state_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_boolean (store, result, memory_save_room_state_async, error);
}

/* GET of a string key: the value (transfer full) or NULL. */
static char *
get_string (RcStoreMemory *self, const char *key)
{
  Entry *entry = lookup_live (self, key);

  return entry != NULL ? g_strdup (entry->string) : NULL;
}

static void
memory_get_room_state_async (RcStore *store, const char *room_id, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  RcStoreMemory *self = RC_STORE_MEMORY (store);
  g_autofree char *key = rc_store_key_room_state (room_id);
  GTask *task = start_task (self, memory_get_room_state_async, cancellable, callback,
                            user_data);

  if (task == NULL)
    return;
  g_task_return_pointer (task, get_string (self, key), g_free);
  g_object_unref (task);
}

static char *
memory_get_room_state_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_pointer (store, result, memory_get_room_state_async, error);
}

static void
memory_save_seats_async (RcStore *store, const char *room_id, const char *const *seats,
                         guint n_seats, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  RcStoreMemory *self = RC_STORE_MEMORY (store);
  g_autofree char *key = rc_store_key_room_seats (room_id);
  GTask *task = start_task (self, memory_save_seats_async, cancellable, callback, user_data);
  g_autoptr (GHashTable) hash = NULL;

  if (task == NULL)
    return;
  hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < n_seats; i++)
    if (seats[i] != NULL)
      g_hash_table_insert (hash, g_strdup_printf ("%u", i), g_strdup (seats[i]));
  /* Like Redis: an empty hash does not exist. */
  if (g_hash_table_size (hash) == 0)
    g_hash_table_remove (self->keys, key);
  else
    replace_entry (self, key)->hash = g_steal_pointer (&hash);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
memory_save_seats_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_boolean (store, result, memory_save_seats_async, error);
}

static void
memory_get_seats_async (RcStore *store, const char *room_id, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  RcStoreMemory *self = RC_STORE_MEMORY (store);
  g_autofree char *key = rc_store_key_room_seats (room_id);
  GTask *task = start_task (self, memory_get_seats_async, cancellable, callback, user_data);
  GHashTable *copy;
  Entry *entry;

  if (task == NULL)
    return;
  copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  entry = lookup_live (self, key);
  if (entry != NULL && entry->hash != NULL) {
    GHashTableIter iter;
    gpointer field, value;
    g_hash_table_iter_init (&iter, entry->hash);
    while (g_hash_table_iter_next (&iter, &field, &value))
      g_hash_table_insert (copy, g_strdup (field), g_strdup (value));
  }
  g_task_return_pointer (task, copy, (GDestroyNotify) g_hash_table_unref);
  g_object_unref (task);
}

static GHashTable *
memory_get_seats_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_pointer (store, result, memory_get_seats_async, error);
}

static void
memory_delete_room_async (RcStore *store, const char *room_id, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  RcStoreMemory *self = RC_STORE_MEMORY (store);
  g_autofree char *state_key = rc_store_key_room_state (room_id);
  g_autofree char *seats_key = rc_store_key_room_seats (room_id);
  GTask *task = start_task (self, memory_delete_room_async, cancellable, callback, user_data);

  if (task == NULL)
    return;
  g_hash_table_remove (self->keys, state_key);
  g_hash_table_remove (self->keys, seats_key);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
memory_delete_room_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_boolean (store, result, memory_delete_room_async, error);
}

static void
memory_rate_limit_hit_async (RcStore *store, const char *key, gint64 window_ms,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  RcStoreMemory *self = RC_STORE_MEMORY (store);
  g_autofree char *full_key = rc_store_key_rate_limit (key);
  GTask *task = start_task (self, memory_rate_limit_hit_async, cancellable, callback,
                            user_data);
  RateLimitResult *hit;
  Entry *entry;
  gint64 now, count;

  if (task == NULL)
    return;
  now = now_ms (self);
  entry = lookup_live (self, full_key);
  if (entry == NULL) {
    /* First hit of a window: the counter expires when the window ends. */
    entry = replace_entry (self, full_key);
    entry->expires_at = now + window_ms;
    count = 1;
  } else
    count = g_ascii_strtoll (entry->string ? entry->string : "0", NULL, 10) + 1;
  g_free (entry->string);
  entry->string = g_strdup_printf ("%" G_GINT64_FORMAT, count);

  hit = g_new0 (RateLimitResult, 1);
  hit->count = count;
  hit->reset_in_ms = entry->expires_at - now;
  g_task_return_pointer (task, hit, g_free);
  g_object_unref (task);
}

static gboolean
memory_rate_limit_hit_finish (RcStore *store, GAsyncResult *result, gint64 *count,
                              gint64 *reset_in_ms, GError **error)
{
  return rc_store_task_finish_rate_limit (store, result, memory_rate_limit_hit_async, count,
                                          reset_in_ms, error);
}

static void
memory_get_room_owner_async (RcStore *store, const char *room_id, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  RcStoreMemory *self = RC_STORE_MEMORY (store);
  g_autofree char *key = rc_store_key_room_owner (room_id);
  GTask *task = start_task (self, memory_get_room_owner_async, cancellable, callback,
                            user_data);

  if (task == NULL)
    return;
  g_task_return_pointer (task, get_string (self, key), g_free);
  g_object_unref (task);
}

static char *
memory_get_room_owner_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_pointer (store, result, memory_get_room_owner_async, error);
}

static void
memory_set_room_owner_async (RcStore *store, const char *room_id, const char *user_id,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  RcStoreMemory *self = RC_STORE_MEMORY (store);
  g_autofree char *key = rc_store_key_room_owner (room_id);
  GTask *task = start_task (self, memory_set_room_owner_async, cancellable, callback,
                            user_data);

  if (task == NULL)
    return;
  if (user_id != NULL)
    replace_entry (self, key)->string = g_strdup (user_id);
  else
    g_hash_table_remove (self->keys, key);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
memory_set_room_owner_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_boolean (store, result, memory_set_room_owner_async, error);
}

guint
rc_store_memory_get_n_keys (RcStoreMemory *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 now = now_ms (self);

  g_hash_table_iter_init (&iter, self->keys);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Entry *entry = value;
    if (entry->expires_at != 0 && entry->expires_at <= now)
      g_hash_table_iter_remove (&iter);
  }
  return g_hash_table_size (self->keys);
}

static void
rc_store_memory_finalize (GObject *object)
{
  RcStoreMemory *self = RC_STORE_MEMORY (object);

  g_hash_table_unref (self->keys);
  G_OBJECT_CLASS (rc_store_memory_parent_class)->finalize (object);
}

static void
rc_store_memory_class_init (RcStoreMemoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_store_memory_finalize;
}

static void
rc_store_memory_init (RcStoreMemory *self)
{
  self->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  self->clock = wall_clock_ms;
}

static void
rc_store_memory_iface_init (RcStoreInterface *iface)
{
  iface->get_name = memory_get_name;
  iface->save_room_state_async = memory_save_room_state_async;
  iface->save_room_state_finish = memory_save_room_state_finish;
  iface->get_room_state_async = memory_get_room_state_async;
  iface->get_room_state_finish = memory_get_room_state_finish;
  iface->save_seats_async = memory_save_seats_async;
  iface->save_seats_finish = memory_save_seats_finish;
  iface->get_seats_async = memory_get_seats_async;
  iface->get_seats_finish = memory_get_seats_finish;
  iface->delete_room_async = memory_delete_room_async;
  iface->delete_room_finish = memory_delete_room_finish;
  iface->rate_limit_hit_async = memory_rate_limit_hit_async;
  iface->rate_limit_hit_finish = memory_rate_limit_hit_finish;
  iface->get_room_owner_async = memory_get_room_owner_async;
  iface->get_room_owner_finish = memory_get_room_owner_finish;
  iface->set_room_owner_async = memory_set_room_owner_async;
  iface->set_room_owner_finish = memory_set_room_owner_finish;
}

RcStore *
rc_store_memory_new (void)
{
  return g_object_new (RC_TYPE_STORE_MEMORY, NULL);
}

RcStore *
rc_store_memory_new_with_clock (RcStoreClock clock, gpointer clock_data)
{
  RcStoreMemory *self;

  g_return_val_if_fail (clock != NULL, NULL);
  self = g_object_new (RC_TYPE_STORE_MEMORY, NULL);
  self->clock = clock;
  self->clock_data = clock_data;
  return RC_STORE (self);
}
