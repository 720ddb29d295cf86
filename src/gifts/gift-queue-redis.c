/* roomcast: the gift queue in Redis; see gift-queue-redis.h.
 *
 * Each operation's GTask travels through its Redis command as user_data
 * (the Redis client calls back exactly once). Pushes interrupted by a lost
 * connection become Uncertain entries, resolved on the next connect.
 * Outcomes arrive on a subscribe-mode connection of the queue's own.
 */
#include "gifts/gift-queue-redis.h"

#include <string.h>

#include "core/metrics.h"

/* KEYS: pending, marker. ARGV: item, marker TTL, max pending.
 * -> {1 pushed | 0 queued before | -1 full, LLEN pending} */
static const char PUSH_LUA[] = "if redis.call('EXISTS', KEYS[2]) == 1 then\n"
                               "  return {0, redis.call('LLEN', KEYS[1])}\n"
                               "end\n"
                               "local n = redis.call('LLEN', KEYS[1])\n"
                               "if n >= tonumber(ARGV[3]) then return {-1, n} end\n"
                               "redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])\n"
                               "return {1, redis.call('RPUSH', KEYS[1], ARGV[1])}\n";

/* KEYS: pending, inflight. ARGV: max. -> {resent 0|1, items, LLEN pending} */
static const char TAKE_LUA[] =
  "local cur = redis.call('LRANGE', KEYS[2], 0, -1)\n"
  "if #cur > 0 then return {1, cur, redis.call('LLEN', KEYS[1])} end\n"
  "local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)\n"
  "if #items > 0 then\n"
  "  redis.call('LTRIM', KEYS[1], #items, -1)\n"
  "  redis.call('RPUSH', KEYS[2], unpack(items))\n"
  "end\n"
  "return {0, items, redis.call('LLEN', KEYS[1])}\n";

/* An in-flight list of another length than the one this worker left
 * there means that the step already ran (its reply was lost): the list
 * was deleted or shrunk (a replace always drops at least one item).
 *
 * KEYS: inflight. ARGV: channel, expected length, outcomes.
 * -> 1 done now, 0 done before */
static const char COMPLETE_LUA[] =
  "local n = redis.call('LLEN', KEYS[1])\n"
  "if n == 0 or n ~= tonumber(ARGV[2]) then return 0 end\n"
  "for i = 3, #ARGV do redis.call('PUBLISH', ARGV[1], ARGV[i]) end\n"
  "redis.call('DEL', KEYS[1])\n"
  "return 1\n";

/* KEYS: inflight. ARGV: channel, expected length, number of items to keep,
 * the items, outcomes. -> 1 done now, 0 done before */
static const char REPLACE_LUA[] =
  "local n = redis.call('LLEN', KEYS[1])\n"
  "if n == 0 or n ~= tonumber(ARGV[2]) then return 0 end\n"
  "local keep = tonumber(ARGV[3])\n"
  "redis.call('DEL', KEYS[1])\n"
  "redis.call('RPUSH', KEYS[1], unpack(ARGV, 4, 3 + keep))\n"
  "for i = 4 + keep, #ARGV do redis.call('PUBLISH', ARGV[1], ARGV[i]) end\n"
  "return 1\n";

/* KEYS: pending, inflight, marker. ARGV: item.
 * -> 1 removed, 2 already taken by a worker, 0 never queued */
static const char REMOVE_LUA[] = "if redis.call('LREM', KEYS[1], 1, ARGV[1]) > 0 or\n"
                                 "   redis.call('LREM', KEYS[2], 1, ARGV[1]) > 0 then\n"
                                 "  redis.call('DEL', KEYS[3])\n"
                                 "  return 1\n"
                                 "end\n"
                                 "if redis.call('EXISTS', KEYS[3]) == 1 then return 2 end\n"
                                 "return 0\n";

struct _RcGiftQueueRedis {
  GObject parent_instance;
  RcRedisClient *redis;
  RcRedisClient *outcomes; /* subscribe mode, on outcomes_channel */
  char *inflight_key;
  char *outcomes_channel;
  guint inflight_len; /* the in-flight list's length as this worker left it */
  GQueue uncertain;   /* Uncertain* */
  gulong connected_id;
  guint retry_id; /* settle again after a failed attempt */
};

typedef struct {
  RcGiftQueueRedis *self; /* weak: entries die with the queue */
  char *transaction_id;
  char *marker_key;
  char *item;
  guint max_pending;
  GTask *task; /* the sender still waits; NULL once refused */
  guint deadline_id;
  gboolean resolving; /* a script for it is running */
  GList link;
} Uncertain;

static void rc_gift_queue_redis_iface_init (RcGiftQueueInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcGiftQueueRedis, rc_gift_queue_redis, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_GIFT_QUEUE,
                                                      rc_gift_queue_redis_iface_init))

static void resolve_all (RcGiftQueueRedis *self);
static void schedule_retry (RcGiftQueueRedis *self);

static GError *
unavailable (const char *why)
{
  return g_error_new (RC_GIFT_QUEUE_ERROR, RC_GIFT_QUEUE_ERROR_UNAVAILABLE,
                      "the gift queue (Redis) is unavailable: %s", why);
}

static GError *
full (gint64 n_pending)
{
  return g_error_new (RC_GIFT_QUEUE_ERROR, RC_GIFT_QUEUE_ERROR_FULL,
                      "%" G_GINT64_FORMAT " gifts are waiting in " RC_GIFT_PENDING_KEY
                      " already",
                      n_pending);
}

static void
count_uncertain (const char *outcome)
{
  g_autofree char *labels = g_strdup_printf ("outcome=\"%s\"", outcome);
  rc_metrics_counter_inc ("roomcast_gift_push_uncertain_total",
                          "Gift pushes whose Redis connection dropped before the reply, "
                          "by how they were resolved",
                          labels);
}

static const char *
redis_get_name (RcGiftQueue *queue)
{
  return "redis";
}

static gboolean
redis_is_durable (RcGiftQueue *queue)
{
  return TRUE;
}

/* {status, length} -> length, or -1 if the reply has another shape. */
static gint64
push_reply_length (redisReply *reply)
{
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[1]->type != REDIS_REPLY_INTEGER)
    return -1;
  return reply->element[1]->integer;
}

/* The push script said the queue is full. */
static gboolean
push_reply_full (redisReply *reply)
{
  return reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
         reply->element[0]->type == REDIS_REPLY_INTEGER && reply->element[0]->integer == -1;
}

/* Answer @task from the push script's @reply. */
static void
return_push (GTask *task, redisReply *reply)
{
  if (push_reply_full (reply))
    g_task_return_error (task, full (push_reply_length (reply)));
  else
    g_task_return_pointer (task, rc_gift_count_new (push_reply_length (reply)), g_free);
}

static void
run_push (RcGiftQueueRedis *self, const char *marker_key, const char *item, guint max_pending,
          RcRedisReplyFunc callback, gpointer data)
{
  g_autofree char *ttl = g_strdup_printf ("%u", RC_GIFT_MARKER_TTL_S);
  g_autofree char *max = g_strdup_printf ("%u", max_pending);
  const char *argv[] = {
    "EVAL", PUSH_LUA, "2", RC_GIFT_PENDING_KEY, marker_key, item, ttl, max
  };

  rc_redis_client_commandv (self->redis, G_N_ELEMENTS (argv), argv, NULL, callback, data);
}

/* --- uncertain pushes ---------------------------------------------------- */

static void
uncertain_free (Uncertain *u)
{
  g_clear_handle_id (&u->deadline_id, g_source_remove);
  if (u->task != NULL) {
    g_task_return_error (u->task, unavailable ("the queue was closed"));
    g_clear_object (&u->task);
  }
  g_free (u->transaction_id);
  g_free (u->marker_key);
  g_free (u->item);
  g_free (u);
}

static void
refuse (Uncertain *u)
{
  count_uncertain ("refused");
  g_task_return_error (u->task, unavailable ("the connection was lost while queueing"));
  g_clear_object (&u->task);
}

static void
uncertain_done (Uncertain *u)
{
  g_queue_unlink (&u->self->uncertain, &u->link);
  uncertain_free (u);
}

/* The idempotent push ran again after a reconnect. */
static void
on_repushed (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  Uncertain *u = data;
  g_autoptr (RcGiftQueueRedis) self = u->self;

  u->resolving = FALSE;
  if (error != NULL) {
    g_debug ("gifts: re-pushing %s failed (%s); trying again", u->transaction_id,
             error->message);
    /* Past its deadline the sender is refused now; from then on the
       * transaction must go rather than stay. */
    if (u->task != NULL && u->deadline_id == 0)
      refuse (u);
    schedule_retry (self);
    return;
  }
  if (push_reply_full (reply)) {
    count_uncertain ("refused");
    g_info ("gifts: %s was not queued: the queue filled up while Redis was away",
            u->transaction_id);
  } else {
    count_uncertain ("queued");
    g_info ("gifts: %s was queued after the Redis connection came back", u->transaction_id);
  }
  if (u->task != NULL) {
    return_push (u->task, reply);
    g_clear_object (&u->task);
  }
  uncertain_done (u);
}

static void
on_removed (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  Uncertain *u = data;
  g_autoptr (RcGiftQueueRedis) self = u->self;

  u->resolving = FALSE;
  if (error != NULL) {
    g_debug ("gifts: removing %s failed (%s); trying again", u->transaction_id, error->message);
    schedule_retry (self);
    return;
  }
  if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 2) {
    count_uncertain ("taken");
    g_warning ("gifts: %s was refused to its sender (Redis unreachable for %u ms), but it "
               "had reached the queue and a worker has already taken it: it will be "
               "charged",
               u->transaction_id, RC_GIFT_PUSH_DEADLINE_MS);
  } else
    count_uncertain (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1 ? "removed"
                                                                               : "absent");
  uncertain_done (u);
}

/* Settle every unresolved push: re-push those whose sender still waits,
 * remove those already refused. */
static void
resolve_all (RcGiftQueueRedis *self)
{
  if (!rc_redis_client_is_connected (self->redis))
    return;
  for (GList *l = self->uncertain.head; l != NULL; l = l->next) {
    Uncertain *u = l->data;

    if (u->resolving)
      continue;
    u->resolving = TRUE;
    g_object_ref (self); /* dropped by the reply callback */
    if (u->task != NULL)
      run_push (self, u->marker_key, u->item, u->max_pending, on_repushed, u);
    else {
      const char *argv[] = {
        "EVAL", REMOVE_LUA, "3", RC_GIFT_PENDING_KEY, self->inflight_key, u->marker_key, u->item
      };
      rc_redis_client_commandv (self->redis, G_N_ELEMENTS (argv), argv, NULL, on_removed, u);
    }
  }
}

static gboolean
on_retry (gpointer data)
{
  RcGiftQueueRedis *self = data;

  self->retry_id = 0;
  resolve_all (self);
  return G_SOURCE_REMOVE;
}

/* A settling step failed while connected (a script error, say): try again
 * in a second rather than in a tight loop. Disconnected, the next connect
 * settles everything anyway. */
static void
schedule_retry (RcGiftQueueRedis *self)
{
  if (self->retry_id == 0 && self->uncertain.length > 0)
    self->retry_id = g_timeout_add (1000, on_retry, self);
}

static gboolean
on_deadline (gpointer data)
{
  Uncertain *u = data;

  u->deadline_id = 0;
  /* A re-push running now decides (its reply comes within the Redis
   * command timeout); otherwise the sender is refused now, and the
   * transaction removed as soon as Redis answers. */
  if (u->resolving || u->task == NULL)
    return G_SOURCE_REMOVE;
  refuse (u);
  resolve_all (u->self);
  return G_SOURCE_REMOVE;
}

static void
on_connected (GObject *redis, GParamSpec *pspec, gpointer data)
{
  RcGiftQueueRedis *self = data;

  if (rc_redis_client_is_connected (RC_REDIS_CLIENT (redis)) && self->uncertain.length > 0) {
    g_info ("gifts: Redis is back; settling %u interrupted push(es)", self->uncertain.length);
    resolve_all (self);
  }
}

/* --- push ---------------------------------------------------------------- */

typedef struct {
  GTask *task;
  char *transaction_id;
  char *marker_key;
  char *item;
  guint max_pending;
} Push;

static void
push_free (Push *push)
{
  g_clear_object (&push->task);
  g_free (push->transaction_id);
  g_free (push->marker_key);
  g_free (push->item);
  g_free (push);
}

static void
on_pushed (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  Push *push = data;
  RcGiftQueueRedis *self = g_task_get_source_object (push->task);
  Uncertain *u;

  if (error == NULL) {
    return_push (push->task, reply);
    push_free (push);
    return;
  }
  if (!g_error_matches (error, RC_REDIS_ERROR, RC_REDIS_ERROR_CONNECTION_LOST)) {
    /* Never sent, or refused by Redis: it did not land. */
    g_task_return_error (push->task, unavailable (error->message));
    push_free (push);
    return;
  }
  u = g_new0 (Uncertain, 1);
  u->self = self;
  u->link.data = u;
  u->transaction_id = g_steal_pointer (&push->transaction_id);
  u->marker_key = g_steal_pointer (&push->marker_key);
  u->item = g_steal_pointer (&push->item);
  u->max_pending = push->max_pending;
  u->task = g_steal_pointer (&push->task);
  u->deadline_id = g_timeout_add (RC_GIFT_PUSH_DEADLINE_MS, on_deadline, u);
  g_queue_push_tail_link (&self->uncertain, &u->link);
  push_free (push);
  resolve_all (self);
}

static void
redis_push_async (RcGiftQueue *queue, const char *transaction_id, const char *item,
                  guint max_pending, GAsyncReadyCallback callback, gpointer user_data)
{
  RcGiftQueueRedis *self = RC_GIFT_QUEUE_REDIS (queue);
  Push *push = g_new0 (Push, 1);

  push->task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (push->task, redis_push_async);
  push->transaction_id = g_strdup (transaction_id);
  push->marker_key = g_strconcat (RC_GIFT_MARKER_PREFIX, transaction_id, NULL);
  push->item = g_strdup (item);
  push->max_pending = max_pending;
  run_push (self, push->marker_key, push->item, max_pending, on_pushed, push);
}

static gboolean
redis_push_finish (RcGiftQueue *queue, GAsyncResult *result, gint64 *n_pending, GError **error)
{
  g_autofree gint64 *count = g_task_propagate_pointer (G_TASK (result), error);

  if (count == NULL)
    return FALSE;
  if (n_pending != NULL)
    *n_pending = *count;
  return TRUE;
}

/* --- take, complete, replace --------------------------------------------- */

static void
on_taken (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  g_autoptr (GTask) task = data;
  RcGiftQueueRedis *self = g_task_get_source_object (task);
  RcGiftTake *take;
  redisReply *items;

  if (error != NULL) {
    g_task_return_error (task, unavailable (error->message));
    return;
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      reply->element[0]->type != REDIS_REPLY_INTEGER ||
      reply->element[1]->type != REDIS_REPLY_ARRAY ||
      reply->element[2]->type != REDIS_REPLY_INTEGER) {
    g_task_return_error (task, unavailable ("unexpected reply to the take script"));
    return;
  }
  items = reply->element[1];
  self->inflight_len = items->elements;
  take = g_new0 (RcGiftTake, 1);
  take->items = g_ptr_array_new_full (items->elements, g_free);
  take->resent = reply->element[0]->integer == 1;
  take->n_pending = reply->element[2]->integer;
  for (size_t i = 0; i < items->elements; i++)
    if (items->element[i]->type == REDIS_REPLY_STRING)
      g_ptr_array_add (take->items, g_strndup (items->element[i]->str, items->element[i]->len));
  g_task_return_pointer (task, take, (GDestroyNotify) rc_gift_take_free);
}

static void
redis_take_async (RcGiftQueue *queue, guint max, GAsyncReadyCallback callback,
                  gpointer user_data)
{
  RcGiftQueueRedis *self = RC_GIFT_QUEUE_REDIS (queue);
  GTask *task = g_task_new (self, NULL, callback, user_data);
  g_autofree char *max_text = g_strdup_printf ("%u", max);
  const char *argv[] = { "EVAL",  TAKE_LUA, "2", RC_GIFT_PENDING_KEY, self->inflight_key,
                         max_text };

  g_task_set_source_tag (task, redis_take_async);
  if (self->uncertain.length > 0) {
    g_task_return_error (task, unavailable ("settling interrupted pushes first"));
    g_object_unref (task);
    return;
  }
  rc_redis_client_commandv (self->redis, G_N_ELEMENTS (argv), argv, NULL, on_taken, task);
}

static GPtrArray *
redis_take_finish (RcGiftQueue *queue, GAsyncResult *result, gboolean *resent,
                   gint64 *n_pending, GError **error)
{
  return rc_gift_take_propagate (G_TASK (result), resent, n_pending, error);
}

/* A complete or replace step: what the list holds once it ran. */
typedef struct {
  GTask *task;
  guint len_after;
} Step;

static void
on_step_reply (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  Step *step = data;
  RcGiftQueueRedis *self = g_task_get_source_object (step->task);

  if (error != NULL)
    g_task_return_error (step->task, unavailable (error->message));
  else {
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0)
      g_debug ("gifts: %s was handled already (a reply had been lost)", self->inflight_key);
    self->inflight_len = step->len_after;
    g_task_return_boolean (step->task, TRUE);
  }
  g_object_unref (step->task);
  g_free (step);
}

/* EVAL @script on the in-flight list: channel, expected length, @extra
 * (transfer none, strings), then @outcomes. */
static void
run_step (RcGiftQueueRedis *self, const char *script, GPtrArray *extra, GPtrArray *outcomes,
          guint len_after, GTask *task)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *expected = g_strdup_printf ("%u", self->inflight_len);
  Step *step = g_new0 (Step, 1);

  step->task = task;
  step->len_after = len_after;
  g_ptr_array_add (argv, (gpointer) "EVAL");
  g_ptr_array_add (argv, (gpointer) script);
  g_ptr_array_add (argv, (gpointer) "1");
  g_ptr_array_add (argv, self->inflight_key);
  g_ptr_array_add (argv, self->outcomes_channel);
  g_ptr_array_add (argv, expected);
  for (guint i = 0; extra != NULL && i < extra->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (extra, i));
  for (guint i = 0; i < outcomes->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (outcomes, i));
  rc_redis_client_commandv (self->redis, (int) argv->len, (const char *const *) argv->pdata,
                            NULL, on_step_reply, step);
}

static void
redis_complete_async (RcGiftQueue *queue, GPtrArray *outcomes, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  RcGiftQueueRedis *self = RC_GIFT_QUEUE_REDIS (queue);

  run_step (self, COMPLETE_LUA, NULL, outcomes, 0,
            g_task_new (self, NULL, callback, user_data));
}

static gboolean
redis_boolean_finish (RcGiftQueue *queue, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
redis_replace_async (RcGiftQueue *queue, GPtrArray *items, GPtrArray *outcomes,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  RcGiftQueueRedis *self = RC_GIFT_QUEUE_REDIS (queue);
  g_autoptr (GPtrArray) extra = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (extra, g_strdup_printf ("%u", items->len));
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (extra, g_strdup (g_ptr_array_index (items, i)));
  run_step (self, REPLACE_LUA, extra, outcomes, items->len,
            g_task_new (self, NULL, callback, user_data));
}

/* --- outcomes ------------------------------------------------------------ */

static void
on_outcome_message (const char *channel, const char *payload, gsize len, gpointer data)
{
  RcGiftQueueRedis *self = data;

  if (memchr (payload, '\0', len) != NULL) {
    g_warning ("gifts: ignoring a message with a NUL byte on %s", self->outcomes_channel);
    return;
  }
  rc_gift_queue_emit_outcome (RC_GIFT_QUEUE (self), payload);
}

gboolean
rc_gift_queue_redis_is_listening (RcGiftQueueRedis *self)
{
  g_return_val_if_fail (RC_IS_GIFT_QUEUE_REDIS (self), FALSE);
  return rc_redis_client_is_connected (self->outcomes);
}

/* --- object -------------------------------------------------------------- */

static void
rc_gift_queue_redis_dispose (GObject *object)
{
  RcGiftQueueRedis *self = RC_GIFT_QUEUE_REDIS (object);

  if (self->redis != NULL)
    g_clear_signal_handler (&self->connected_id, self->redis);
  g_clear_object (&self->outcomes);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  /* Entries still resolving hold a reference: none is left here. */
  g_queue_clear_full (&self->uncertain, (GDestroyNotify) uncertain_free);
  g_clear_object (&self->redis);
  G_OBJECT_CLASS (rc_gift_queue_redis_parent_class)->dispose (object);
}

static void
rc_gift_queue_redis_finalize (GObject *object)
{
  RcGiftQueueRedis *self = RC_GIFT_QUEUE_REDIS (object);

  g_free (self->inflight_key);
  g_free (self->outcomes_channel);
  G_OBJECT_CLASS (rc_gift_queue_redis_parent_class)->finalize (object);
}

static void
rc_gift_queue_redis_class_init (RcGiftQueueRedisClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rc_gift_queue_redis_dispose;
  object_class->finalize = rc_gift_queue_redis_finalize;
}

static void
rc_gift_queue_redis_init (RcGiftQueueRedis *self)
{
  g_queue_init (&self->uncertain);
}

static void
rc_gift_queue_redis_iface_init (RcGiftQueueInterface *iface)
{
  iface->get_name = redis_get_name;
  iface->is_durable = redis_is_durable;
  iface->push_async = redis_push_async;
  iface->push_finish = redis_push_finish;
  iface->take_async = redis_take_async;
  iface->take_finish = redis_take_finish;
  iface->complete_async = redis_complete_async;
  iface->complete_finish = redis_boolean_finish;
  iface->replace_async = redis_replace_async;
  iface->replace_finish = redis_boolean_finish;
}

RcGiftQueue *
rc_gift_queue_redis_new (RcRedisClient *redis, const RcConfig *config)
{
  RcGiftQueueRedis *self;
  const char *channels[2] = { NULL, NULL };

  g_return_val_if_fail (RC_IS_REDIS_CLIENT (redis) && config != NULL, NULL);
  g_return_val_if_fail (config->redis_host != NULL && config->worker_id != NULL, NULL);
  self = g_object_new (RC_TYPE_GIFT_QUEUE_REDIS, NULL);
  self->redis = g_object_ref (redis);
  self->inflight_key = g_strconcat (RC_GIFT_INFLIGHT_PREFIX, config->worker_id, NULL);
  self->outcomes_channel = g_strdup_printf (RC_GIFT_OUTCOMES_PREFIX "%u", config->redis_db);
  channels[0] = self->outcomes_channel;
  self->outcomes = rc_redis_client_new_subscriber (config->redis_host, config->redis_port,
                                                   config->redis_password, config->redis_db,
                                                   channels, NULL, on_outcome_message, self);
  self->connected_id = g_signal_connect (redis, "notify::connected", G_CALLBACK (on_connected),
                                         self);
  return RC_GIFT_QUEUE (self);
}
