/* roomcast: disconnect sockets whose token was revoked; see auth-revocation.h.
 *
 * Cost: one MGET per 500 distinct tokens every interval (each token with
 * its 1 to 4 keys, auth/token-keys.h), whatever the number of sockets, and
 * nothing at all while nobody is connected. A check is skipped while the
 * previous one is still in flight or Redis is down (the sockets stay: new
 * logins fail closed meanwhile, and the next check after the reconnect
 * catches up).
 */
#include "services/auth-revocation.h"

#include "auth/token-keys.h"
#include "core/metrics.h"

#define TOKENS_PER_MGET 500

/* The live sockets of one token, and the keys that revoke it. */
typedef struct {
  GPtrArray *sockets; /* RcSioSocket (ref) */
  char **keys;        /* its auth:revoked: keys */
} Tracked;

struct _RcRevocationWatcher {
  GObject parent_instance;
  RcSioServer *sio; /* not owned; outlives us */
  RcRedisClient *redis;
  char *laravel_prefix; /* nullable */
  GHashTable *tracked;  /* token hash (token_hashes[0]) -> Tracked */
  guint timer_id;
  guint outstanding; /* MGETs in flight */
};

/* One MGET: the tokens it asks about, each with how many keys it has. */
typedef struct {
  GWeakRef watcher;
  GPtrArray *hashes; /* char *, in MGET order */
  GArray *n_keys;    /* guint per hash */
} Chunk;

G_DEFINE_FINAL_TYPE (RcRevocationWatcher, rc_revocation_watcher, G_TYPE_OBJECT)

static void
tracked_free (gpointer data)
{
  Tracked *t = data;
  g_ptr_array_unref (t->sockets);
  g_strfreev (t->keys);
  g_free (t);
}

static void
on_socket_connected (RcSioServer *sio, RcSioSocket *socket, gpointer data)
{
  RcRevocationWatcher *self = data;
  RcUser *user = rc_sio_socket_get_user (socket);
  if (!user || !user->token_hashes)
    return;
  Tracked *t = g_hash_table_lookup (self->tracked, user->token_hashes[0]);
  if (!t) {
    t = g_new0 (Tracked, 1);
    t->sockets = g_ptr_array_new_with_free_func (g_object_unref);
    t->keys = rc_token_keys ((const char *const *) user->token_hashes,
                             RC_AUTH_REVOKED_KEY_PREFIX, self->laravel_prefix);
    g_hash_table_insert (self->tracked, g_strdup (user->token_hashes[0]), t);
  }
  g_ptr_array_add (t->sockets, g_object_ref (socket));
}

static void
on_socket_disconnected (RcSioServer *sio, RcSioSocket *socket, const char *reason,
                        gpointer data)
{
  RcRevocationWatcher *self = data;
  RcUser *user = rc_sio_socket_get_user (socket);
  if (!user || !user->token_hashes)
    return;
  Tracked *t = g_hash_table_lookup (self->tracked, user->token_hashes[0]);
  if (!t)
    return;
  g_ptr_array_remove_fast (t->sockets, socket);
  if (t->sockets->len == 0)
    g_hash_table_remove (self->tracked, user->token_hashes[0]);
}

/* Tell each socket of @hash why, then disconnect it. Works on a copy: a
 * disconnect can emit "disconnected" (and shrink the table) right away. */
static void
disconnect_revoked (RcRevocationWatcher *self, const char *hash)
{
  Tracked *t = g_hash_table_lookup (self->tracked, hash);
  if (!t)
    return;
  g_autoptr (GPtrArray) victims = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < t->sockets->len; i++)
    if (rc_sio_socket_is_connected (g_ptr_array_index (t->sockets, i)))
      g_ptr_array_add (victims, g_object_ref (g_ptr_array_index (t->sockets, i)));
  if (victims->len == 0)
    return;
  g_info ("token sha256 %.12s... revoked: disconnecting %u socket(s) of user %s", hash,
          victims->len, rc_sio_socket_get_user (g_ptr_array_index (victims, 0))->id);
  g_autoptr (JsonObject) obj = json_object_new ();
  json_object_set_string_member (obj, "reason", "token revoked");
  g_autoptr (JsonNode) arg = json_node_init_object (json_node_alloc (), obj);
  for (guint i = 0; i < victims->len; i++) {
    RcSioSocket *socket = g_ptr_array_index (victims, i);
    rc_sio_socket_emit (socket, RC_REVOCATION_EVENT, arg);
    rc_sio_socket_disconnect (socket, "token revoked");
    rc_metrics_counter_inc ("roomcast_auth_revoked_disconnects_total",
                            "Sockets disconnected because their token was revoked", NULL);
  }
}

static void
chunk_free (Chunk *chunk)
{
  g_weak_ref_clear (&chunk->watcher);
  g_ptr_array_unref (chunk->hashes);
  g_array_unref (chunk->n_keys);
  g_free (chunk);
}

/* The reply holds each token's keys in turn: a token is revoked if any of
 * its keys exists. */
static void
on_mget_reply (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  Chunk *chunk = data;
  g_autoptr (RcRevocationWatcher) self = g_weak_ref_get (&chunk->watcher);
  guint expected = 0;
  for (guint i = 0; i < chunk->n_keys->len; i++)
    expected += g_array_index (chunk->n_keys, guint, i);

  if (self) {
    self->outstanding--;
    if (error)
      g_debug ("revocation check skipped: %s", error->message);
    else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == expected) {
      size_t at = 0;
      for (guint i = 0; i < chunk->hashes->len; i++) {
        gboolean revoked = FALSE;
        for (guint k = 0; k < g_array_index (chunk->n_keys, guint, i); k++, at++)
          revoked |= reply->element[at]->type != REDIS_REPLY_NIL;
        if (revoked)
          disconnect_revoked (self, g_ptr_array_index (chunk->hashes, i));
      }
    }
  }
  chunk_free (chunk);
}

static void
send_chunk (RcRevocationWatcher *self, GPtrArray *hashes)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  Chunk *chunk = g_new0 (Chunk, 1);
  g_weak_ref_init (&chunk->watcher, self);
  chunk->hashes = g_ptr_array_ref (hashes);
  chunk->n_keys = g_array_sized_new (FALSE, FALSE, sizeof (guint), hashes->len);
  g_ptr_array_add (argv, "MGET");
  for (guint i = 0; i < hashes->len; i++) {
    Tracked *t = g_hash_table_lookup (self->tracked, g_ptr_array_index (hashes, i));
    guint n = g_strv_length (t->keys);
    for (guint k = 0; k < n; k++)
      g_ptr_array_add (argv, t->keys[k]);
    g_array_append_val (chunk->n_keys, n);
  }
  self->outstanding++;
  /* The keys are copied by hiredis before this returns. */
  rc_redis_client_commandv (self->redis, (int) argv->len, (const char *const *) argv->pdata,
                            NULL, on_mget_reply, chunk);
}

static gboolean
on_tick (gpointer data)
{
  RcRevocationWatcher *self = data;
  if (self->outstanding > 0 || g_hash_table_size (self->tracked) == 0 ||
      !rc_redis_client_is_connected (self->redis))
    return G_SOURCE_CONTINUE;

  g_autoptr (GPtrArray) hashes = NULL;
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    if (!hashes)
      hashes = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (hashes, g_strdup (key));
    if (hashes->len == TOKENS_PER_MGET) {
      send_chunk (self, hashes);
      g_clear_pointer (&hashes, g_ptr_array_unref);
    }
  }
  if (hashes)
    send_chunk (self, hashes);
  return G_SOURCE_CONTINUE;
}

RcRevocationWatcher *
rc_revocation_watcher_new (RcSioServer *sio, RcRedisClient *redis, const char *laravel_prefix,
                           guint interval_ms)
{
  g_return_val_if_fail (RC_IS_SIO_SERVER (sio) && RC_IS_REDIS_CLIENT (redis), NULL);
  RcRevocationWatcher *self = g_object_new (RC_TYPE_REVOCATION_WATCHER, NULL);
  self->sio = sio;
  self->redis = g_object_ref (redis);
  self->laravel_prefix = laravel_prefix && *laravel_prefix ? g_strdup (laravel_prefix) : NULL;
  g_signal_connect (sio, "connected", G_CALLBACK (on_socket_connected), self);
  g_signal_connect (sio, "disconnected", G_CALLBACK (on_socket_disconnected), self);
  self->timer_id = g_timeout_add (interval_ms, on_tick, self);
  return self;
}

static void
rc_revocation_watcher_dispose (GObject *object)
{
  RcRevocationWatcher *self = RC_REVOCATION_WATCHER (object);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->sio) {
    g_signal_handlers_disconnect_by_data (self->sio, self);
    self->sio = NULL;
  }
  g_hash_table_remove_all (self->tracked);
  g_clear_object (&self->redis);
  G_OBJECT_CLASS (rc_revocation_watcher_parent_class)->dispose (object);
}

static void
rc_revocation_watcher_finalize (GObject *object)
{
  RcRevocationWatcher *self = RC_REVOCATION_WATCHER (object);
  g_hash_table_unref (self->tracked);
  g_free (self->laravel_prefix);
  G_OBJECT_CLASS (rc_revocation_watcher_parent_class)->finalize (object);
}

static void
rc_revocation_watcher_class_init (RcRevocationWatcherClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_revocation_watcher_dispose;
  G_OBJECT_CLASS (klass)->finalize = rc_revocation_watcher_finalize;
}

static void
rc_revocation_watcher_init (RcRevocationWatcher *self)
{
  self->tracked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, tracked_free);
}
