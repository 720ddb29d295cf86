/* roomcast: the RcStore on Redis; see store-redis.h.
 *
 * Each operation is a GTask carried through one Redis command as its
 * user_data; the reply callback (always once, on the main loop, see
 * redis-client.h) turns the reply into the task's result. GTask delivers
 * the result from an idle when needed, so a callback never runs inside the
 * *_async call, and it reports G_IO_ERROR_CANCELLED for a cancelled
 * cancellable whatever Redis answered.
 */
#include "store/store-redis.h"
#include "store/store-task.h"

#include <string.h>

#include "core/metrics.h"

/* DEL + HSET in one step: readers never see a half-replaced hash. */
static const char SAVE_SEATS_LUA[] =
  "redis.call('DEL', KEYS[1])\n"
  "if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end\n"
  "return 1\n";

/* One hit in a fixed window that starts with its first hit. The TTL repair
 * covers a counter left without expiry (e.g. written by hand), which would
 * otherwise block its user forever. */
static const char RATE_LIMIT_LUA[] = "local n = redis.call('INCR', KEYS[1])\n"
                                     "local ttl = redis.call('PTTL', KEYS[1])\n"
                                     "if n == 1 or ttl < 0 then\n"
                                     "  redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
                                     "  ttl = tonumber(ARGV[1])\n"
                                     "end\n"
                                     "return {n, ttl}\n";

typedef enum {
  REPLY_OK,     /* any non-error reply is success */
  REPLY_STRING, /* bulk string or nil */
  REPLY_HASH,   /* HGETALL array */
  REPLY_RATE,   /* {count, ttl} */
} ReplyKind;

struct _RcStoreRedis {
  GObject parent_instance;
  RcRedisClient *redis;
};

typedef struct {
  GTask *task;
  ReplyKind kind;
  gboolean forget;  /* no callback: log failures here */
  const char *what; /* for that log */
} Op;

static void rc_store_redis_iface_init (RcStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcStoreRedis, rc_store_redis, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_STORE, rc_store_redis_iface_init))

static GError *
store_error_from (const GError *error)
{
  return g_error_new (RC_STORE_ERROR, RC_STORE_ERROR_UNAVAILABLE, "%s", error->message);
}

static void
op_fail (Op *op, GError *error)
{
  if (op->forget) {
    rc_metrics_counter_inc ("roomcast_store_errors_total", "Failed store writes", NULL);
    g_warning ("store: %s failed: %s", op->what, error->message);
  }
  g_task_return_error (op->task, error);
}

static GHashTable *
hash_from_reply (redisReply *reply, GError **error)
{
  g_autoptr (GHashTable) hash = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 0)
    goto bad;
  for (size_t i = 0; i < reply->elements; i += 2) {
    redisReply *field = reply->element[i], *value = reply->element[i + 1];
    if (field->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
      goto bad;
    g_hash_table_insert (hash, g_strndup (field->str, field->len),
                         g_strndup (value->str, value->len));
  }
  return g_steal_pointer (&hash);
bad:
  g_set_error_literal (error, RC_STORE_ERROR, RC_STORE_ERROR_INVALID,
                       "Redis: unexpected reply to HGETALL");
  return NULL;
}

static RateLimitResult *
rate_from_reply (redisReply *reply, GError **error)
{
  RateLimitResult *hit;

  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[0]->type != REDIS_REPLY_INTEGER ||
      reply->element[1]->type != REDIS_REPLY_INTEGER) {
    g_set_error_literal (error, RC_STORE_ERROR, RC_STORE_ERROR_INVALID,
                         "Redis: unexpected reply to the rate-limit script");
    return NULL;
  }
  hit = g_new0 (RateLimitResult, 1);
  hit->count = reply->element[0]->integer;
  hit->reset_in_ms = MAX (reply->element[1]->integer, 0);
  return hit;
}

static void
on_reply (RcRedisClient *client, redisReply *reply, const GError *error, gpointer user_data)
{
  g_autofree Op *op = user_data;
  g_autoptr (GTask) task = op->task;
  GError *local = NULL;

  if (error != NULL) {
    op_fail (op, store_error_from (error));
    return;
  }
  switch (op->kind) {
  case REPLY_OK:
    g_task_return_boolean (task, TRUE);
    return;
  case REPLY_STRING:
    if (reply->type == REDIS_REPLY_NIL)
      g_task_return_pointer (task, NULL, NULL);
    else if (reply->type == REDIS_REPLY_STRING)
      g_task_return_pointer (task, g_strndup (reply->str, reply->len), g_free);
    else
      op_fail (op, g_error_new_literal (RC_STORE_ERROR, RC_STORE_ERROR_INVALID,
                                        "Redis: the key does not hold a string"));
    return;
  case REPLY_HASH: {
    GHashTable *hash = hash_from_reply (reply, &local);
    if (hash != NULL)
      g_task_return_pointer (task, hash, (GDestroyNotify) g_hash_table_unref);
    else
      op_fail (op, local);
    return;
  }
  case REPLY_RATE: {
    RateLimitResult *hit = rate_from_reply (reply, &local);
    if (hit != NULL)
      g_task_return_pointer (task, hit, g_free);
    else
      op_fail (op, local);
    return;
  }
  default:
    g_assert_not_reached ();
  }
}

/* Start @argv for a task tagged @source_tag; the reply becomes its result. */
static void
run (RcStoreRedis *self, gpointer source_tag, ReplyKind kind, const char *what, int argc,
     const char *const *argv, GCancellable *cancellable, GAsyncReadyCallback callback,
     gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Op *op;

  g_task_set_source_tag (task, source_tag);
  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return;
  }
  op = g_new0 (Op, 1);
  op->task = task;
  op->kind = kind;
  op->forget = callback == NULL;
  op->what = what;
  rc_redis_client_commandv (self->redis, argc, argv, NULL, on_reply, op);
}

static const char *
redis_get_name (RcStore *store)
{
  return "redis";
}

static void
redis_save_room_state_async (RcStore *store, const char *room_id, const char *state_json,
                             gint64 ttl_ms, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *key = rc_store_key_room_state (room_id);
  g_autofree char *ttl = g_strdup_printf ("%" G_GINT64_FORMAT, ttl_ms);
  const char *argv[] = { "SET", key, state_json, "PX", ttl };

  run (RC_STORE_REDIS (store), redis_save_room_state_async, REPLY_OK, "saving a room state",
       G_N_ELEMENTS (argv), argv, cancellable, callback, user_data);
}

static gboolean
redis_save_room_state_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_boolean (store, result, redis_save_room_state_async, error);
}

static void
redis_get_room_state_async (RcStore *store, const char *room_id, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *key = rc_store_key_room_state (room_id);
  const char *argv[] = { "GET", key };

  run (RC_STORE_REDIS (store), redis_get_room_state_async, REPLY_STRING, "reading a room state",
       G_N_ELEMENTS (argv), argv, cancellable, callback, user_data);
}

static char *
redis_get_room_state_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_pointer (store, result, redis_get_room_state_async, error);
}

static void
redis_save_seats_async (RcStore *store, const char *room_id, const char *const *seats,
                        guint n_seats, GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  g_autofree char *key = rc_store_key_room_seats (room_id);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup ("EVAL"));
  g_ptr_array_add (argv, g_strdup (SAVE_SEATS_LUA));
  g_ptr_array_add (argv, g_strdup ("1"));
  g_ptr_array_add (argv, g_strdup (key));
  for (guint i = 0; i < n_seats; i++)
    if (seats[i] != NULL) {
      g_ptr_array_add (argv, g_strdup_printf ("%u", i));
      g_ptr_array_add (argv, g_strdup (seats[i]));
    }
  run (RC_STORE_REDIS (store), redis_save_seats_async, REPLY_OK, "saving room seats",
       (int) argv->len, (const char *const *) argv->pdata, cancellable, callback, user_data);
}

static gboolean
redis_save_seats_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_boolean (store, result, redis_save_seats_async, error);
}

static void
redis_get_seats_async (RcStore *store, const char *room_id, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *key = rc_store_key_room_seats (room_id);
  const char *argv[] = { "HGETALL", key };

  run (RC_STORE_REDIS (store), redis_get_seats_async, REPLY_HASH, "reading room seats",
       G_N_ELEMENTS (argv), argv, cancellable, callback, user_data);
}

static GHashTable *
redis_get_seats_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_pointer (store, result, redis_get_seats_async, error);
}

static void
redis_delete_room_async (RcStore *store, const char *room_id, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *state_key = rc_store_key_room_state (room_id);
  g_autofree char *seats_key = rc_store_key_room_seats (room_id);
  const char *argv[] = { "DEL", state_key, seats_key };

  run (RC_STORE_REDIS (store), redis_delete_room_async, REPLY_OK, "deleting a room",
       G_N_ELEMENTS (argv), argv, cancellable, callback, user_data);
}

static gboolean
redis_delete_room_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_boolean (store, result, redis_delete_room_async, error);
}

static void
redis_rate_limit_hit_async (RcStore *store, const char *key, gint64 window_ms,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autofree char *full_key = rc_store_key_rate_limit (key);
  g_autofree char *window = g_strdup_printf ("%" G_GINT64_FORMAT, window_ms);
  const char *argv[] = { "EVAL", RATE_LIMIT_LUA, "1", full_key, window };

  run (RC_STORE_REDIS (store), redis_rate_limit_hit_async, REPLY_RATE,
       "counting a rate limit hit", G_N_ELEMENTS (argv), argv, cancellable, callback,
       user_data);
}

static gboolean
redis_rate_limit_hit_finish (RcStore *store, GAsyncResult *result, gint64 *count,
                             gint64 *reset_in_ms, GError **error)
{
  return rc_store_task_finish_rate_limit (store, result, redis_rate_limit_hit_async, count,
                                          reset_in_ms, error);
}

static void
redis_get_room_owner_async (RcStore *store, const char *room_id, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *key = rc_store_key_room_owner (room_id);
  const char *argv[] = { "GET", key };

  run (RC_STORE_REDIS (store), redis_get_room_owner_async, REPLY_STRING, "reading a room owner",
       G_N_ELEMENTS (argv), argv, cancellable, callback, user_data);
}

static char *
redis_get_room_owner_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_pointer (store, result, redis_get_room_owner_async, error);
}

static void
redis_set_room_owner_async (RcStore *store, const char *room_id, const char *user_id,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autofree char *key = rc_store_key_room_owner (room_id);
  const char *set_argv[] = { "SET", key, user_id };
  const char *del_argv[] = { "DEL", key };

  if (user_id != NULL)
    run (RC_STORE_REDIS (store), redis_set_room_owner_async, REPLY_OK, "pinning a room owner",
         G_N_ELEMENTS (set_argv), set_argv, cancellable, callback, user_data);
  else
    run (RC_STORE_REDIS (store), redis_set_room_owner_async, REPLY_OK, "unpinning a room owner",
         G_N_ELEMENTS (del_argv), del_argv, cancellable, callback, user_data);
}

static gboolean
redis_set_room_owner_finish (RcStore *store, GAsyncResult *result, GError **error)
{
  return rc_store_task_finish_boolean (store, result, redis_set_room_owner_async, error);
}

static void
rc_store_redis_dispose (GObject *object)
{
  RcStoreRedis *self = RC_STORE_REDIS (object);

  g_clear_object (&self->redis);
  G_OBJECT_CLASS (rc_store_redis_parent_class)->dispose (object);
}

static void
rc_store_redis_class_init (RcStoreRedisClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_store_redis_dispose;
}

static void
rc_store_redis_init (RcStoreRedis *self)
{
}

static void
rc_store_redis_iface_init (RcStoreInterface *iface)
{
  iface->get_name = redis_get_name;
  iface->save_room_state_async = redis_save_room_state_async;
  iface->save_room_state_finish = redis_save_room_state_finish;
  iface->get_room_state_async = redis_get_room_state_async;
  iface->get_room_state_finish = redis_get_room_state_finish;
  iface->save_seats_async = redis_save_seats_async;
  iface->save_seats_finish = redis_save_seats_finish;
  iface->get_seats_async = redis_get_seats_async;
  iface->get_seats_finish = redis_get_seats_finish;
  iface->delete_room_async = redis_delete_room_async;
  iface->delete_room_finish = redis_delete_room_finish;
  iface->rate_limit_hit_async = redis_rate_limit_hit_async;
  iface->rate_limit_hit_finish = redis_rate_limit_hit_finish;
  iface->get_room_owner_async = redis_get_room_owner_async;
  iface->get_room_owner_finish = redis_get_room_owner_finish;
  iface->set_room_owner_async = redis_set_room_owner_async;
  iface->set_room_owner_finish = redis_set_room_owner_finish;
}

RcStore *
rc_store_redis_new (RcRedisClient *redis)
{
  RcStoreRedis *self;

  g_return_val_if_fail (RC_IS_REDIS_CLIENT (redis), NULL);
  self = g_object_new (RC_TYPE_STORE_REDIS, NULL);
  self->redis = g_object_ref (redis);
  return RC_STORE (self);
}
