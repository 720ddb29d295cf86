/* roomcast: the gift queue contract (gift-queue.h) on the memory queue and
 * on the Redis queue against a real redis-server (skipped without one):
 * atomic takes, the in-flight batch first and flagged as sent before,
 * complete and replace with the outcomes they publish, the pending cap;
 * for Redis also idempotent pushes (even when full), recovery of a dead
 * worker's batch by its successor, per-worker lists, outcomes reaching
 * every worker once (and not again from a step retried after it ran),
 * and refusal while Redis is down. */
#include <string.h>

#include "gifts/gift-queue-memory.h"
#include "gifts/gift-queue-redis.h"
#include "redis-test-server.h"

#define NO_CAP 100000

static RcTestRedis *server;
static guint worker_seq;

/* Every outcome a queue emitted, as "a,b,c". */
static void
on_outcome (RcGiftQueue *queue, const char *message, gpointer data)
{
  GString *told = data;

  if (told->len > 0)
    g_string_append_c (told, ',');
  g_string_append (told, message);
}

static GString *
listen_outcomes (RcGiftQueue *queue)
{
  GString *told = g_string_new (NULL);

  g_signal_connect (queue, "outcome", G_CALLBACK (on_outcome), told);
  return told;
}

/* A NULL-terminated list as a GPtrArray (strings, transfer none). */
static GPtrArray *
strings_va (const char *first, va_list ap)
{
  GPtrArray *array = g_ptr_array_new ();

  for (const char *s = first; s != NULL; s = va_arg (ap, const char *))
    g_ptr_array_add (array, (gpointer) s);
  return array;
}

typedef struct {
  GAsyncResult *result;
} Waiter;

static void
on_result (GObject *source, GAsyncResult *result, gpointer data)
{
  Waiter *w = data;

  g_assert_null (w->result);
  w->result = g_object_ref (result);
}

static GAsyncResult *
wait_result (Waiter *w)
{
  while (w->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (&w->result);
}

/* The push's pending count, or -3 when the queue was full. */
static gint64
push_capped (RcGiftQueue *queue, const char *id, const char *item, guint max_pending)
{
  Waiter w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 n = -2;

  rc_gift_queue_push_async (queue, id, item, max_pending, on_result, &w);
  g_assert_null (w.result);
  result = wait_result (&w);
  if (!rc_gift_queue_push_finish (queue, result, &n, &error))
    {
      g_assert_error (error, RC_GIFT_QUEUE_ERROR, RC_GIFT_QUEUE_ERROR_FULL);
      return -3;
    }
  g_assert_no_error (error);
  return n;
}

static gint64
push (RcGiftQueue *queue, const char *id, const char *item)
{
  gint64 n = push_capped (queue, id, item, NO_CAP);

  g_assert_cmpint (n, !=, -3);
  return n;
}

/* The batch as "a,b,c". */
static char *
take (RcGiftQueue *queue, guint max, gboolean *resent, gint64 *n_pending)
{
  Waiter w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;

  rc_gift_queue_take_async (queue, max, on_result, &w);
  result = wait_result (&w);
  items = rc_gift_queue_take_finish (queue, result, resent, n_pending, &error);
  g_assert_no_error (error);
  g_ptr_array_add (items, NULL);
  return g_strjoinv (",", (char **) items->pdata);
}

/* Complete, publishing the NULL-terminated outcomes. */
static void
complete (RcGiftQueue *queue, ...)
{
  Waiter w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) outcomes = NULL;
  va_list ap;

  va_start (ap, queue);
  outcomes = strings_va (va_arg (ap, const char *), ap);
  va_end (ap);
  rc_gift_queue_complete_async (queue, outcomes, on_result, &w);
  result = wait_result (&w);
  g_assert_true (rc_gift_queue_complete_finish (queue, result, NULL));
}

/* Keep the NULL-terminated items, publishing @outcome (nullable). */
static void
replace (RcGiftQueue *queue, const char *outcome, const char *first, ...)
{
  Waiter w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) outcomes = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  items = strings_va (first, ap);
  va_end (ap);
  if (outcome != NULL)
    g_ptr_array_add (outcomes, (gpointer) outcome);
  rc_gift_queue_replace_async (queue, items, outcomes, on_result, &w);
  result = wait_result (&w);
  g_assert_true (rc_gift_queue_replace_finish (queue, result, NULL));
}

/* The contract, on a fresh queue of either kind. */
static void
check_contract (RcGiftQueue *queue)
{
  gboolean resent = TRUE;
  gint64 n = -1;
  g_autofree char *b1 = NULL, *b1_again = NULL, *b2 = NULL, *b3 = NULL, *empty = NULL;

  empty = take (queue, 3, &resent, &n);
  g_assert_cmpstr (empty, ==, "");
  g_assert_false (resent);
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpint (push (queue, "t1", "a"), ==, 1);
  push (queue, "t2", "b");
  push (queue, "t3", "c");
  push (queue, "t4", "d");
  g_assert_cmpint (push (queue, "t5", "e"), ==, 5);

  b1 = take (queue, 3, &resent, &n);
  g_assert_cmpstr (b1, ==, "a,b,c");
  g_assert_false (resent);
  g_assert_cmpint (n, ==, 2);
  /* Not completed: the same batch again, now "sent before", nothing new. */
  push (queue, "t6", "f");
  b1_again = take (queue, 3, &resent, &n);
  g_assert_cmpstr (b1_again, ==, "a,b,c");
  g_assert_true (resent);
  g_assert_cmpint (n, ==, 3);

  /* Laravel refused "b": the in-flight batch shrinks, still sent before. */
  replace (queue, NULL, "a", "c", NULL);
  g_clear_pointer (&b1_again, g_free);
  b1_again = take (queue, 3, &resent, NULL);
  g_assert_cmpstr (b1_again, ==, "a,c");
  g_assert_true (resent);

  complete (queue, NULL);
  b2 = take (queue, 2, &resent, &n);
  g_assert_cmpstr (b2, ==, "d,e");
  g_assert_false (resent);
  g_assert_cmpint (n, ==, 1);
  complete (queue, NULL);
  b3 = take (queue, 200, &resent, &n);
  g_assert_cmpstr (b3, ==, "f");
  g_assert_cmpint (n, ==, 0);
  complete (queue, NULL);
}

/* Outcomes go out with the step that publishes them, in order. */
static void
check_outcomes (RcGiftQueue *queue, GString *told, gboolean wait)
{
  g_autofree char *batch = NULL;

  push (queue, "o1", "a");
  push (queue, "o2", "b");
  push (queue, "o3", "c");
  batch = take (queue, 10, NULL, NULL);
  g_assert_cmpstr (batch, ==, "a,b,c");
  replace (queue, "refused-b", "a", "c", NULL);
  complete (queue, "applied-a", "failed-c", NULL);
  if (wait)
    while (strlen (told->str) < strlen ("refused-b,applied-a,failed-c"))
      g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (told->str, ==, "refused-b,applied-a,failed-c");
}

/* At @max pending a push is refused; taking a batch makes room again. */
static void
check_cap (RcGiftQueue *queue)
{
  g_autofree char *batch = NULL;

  g_assert_cmpint (push_capped (queue, "c1", "a", 2), ==, 1);
  g_assert_cmpint (push_capped (queue, "c2", "b", 2), ==, 2);
  g_assert_cmpint (push_capped (queue, "c3", "c", 2), ==, -3);
  batch = take (queue, 1, NULL, NULL);
  g_assert_cmpstr (batch, ==, "a");
  g_assert_cmpint (push_capped (queue, "c3", "c", 2), ==, 2);
  g_assert_cmpint (push_capped (queue, "c4", "d", 2), ==, -3);
  complete (queue, NULL);
  g_clear_pointer (&batch, g_free);
  batch = take (queue, 10, NULL, NULL);
  g_assert_cmpstr (batch, ==, "b,c");
  complete (queue, NULL);
}

static void
test_memory (void)
{
  g_autoptr(RcGiftQueue) queue = rc_gift_queue_memory_new ();
  GString *told = listen_outcomes (queue);

  g_assert_false (rc_gift_queue_is_durable (queue));
  check_contract (queue);
  g_assert_cmpstr (told->str, ==, "");
  check_outcomes (queue, told, FALSE);
  check_cap (queue);
  push (queue, "t7", "g");
  g_assert_cmpuint (rc_gift_queue_memory_get_length (RC_GIFT_QUEUE_MEMORY (queue)), ==, 1);
  g_string_free (told, TRUE);
}

/* Commands on one connection run in order: whatever this client sends
 * next sees an empty database. */
static void
flush_redis (RcRedisClient *client)
{
  rc_redis_client_call (client, NULL, NULL, "FLUSHDB", NULL);
}

static RcGiftQueue *
redis_queue_on (RcRedisClient *client, guint port, const char *worker)
{
  g_autoptr(RcConfig) config = rc_config_new ();

  g_free (config->redis_host);
  config->redis_host = g_strdup ("127.0.0.1");
  config->redis_port = port;
  g_free (config->worker_id);
  config->worker_id = g_strdup (worker);
  return rc_gift_queue_redis_new (client, config);
}

static RcGiftQueue *
redis_queue (RcRedisClient **client_out, const char *worker)
{
  RcRedisClient *client = rc_test_redis_connect (server);
  RcGiftQueue *queue = redis_queue_on (client, server->port, worker);

  *client_out = client;
  return queue;
}

static void
wait_listening (RcGiftQueue *queue)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!rc_gift_queue_redis_is_listening (RC_GIFT_QUEUE_REDIS (queue)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
test_redis_contract (void)
{
  g_autoptr(RcRedisClient) client = NULL;
  g_autoptr(RcGiftQueue) queue = NULL;
  g_autofree char *worker = NULL;

  if (server == NULL)
    {
      g_test_skip ("redis-server is not installed");
      return;
    }
  worker = g_strdup_printf ("w%u", ++worker_seq);
  queue = redis_queue (&client, worker);
  flush_redis (client);
  g_assert_true (rc_gift_queue_is_durable (queue));
  check_contract (queue);
}

/* A push whose answer was lost is pushed again: the marker makes the
 * second one a no-op. */
static void
test_redis_idempotent_push (void)
{
  g_autoptr(RcRedisClient) client = NULL;
  g_autoptr(RcGiftQueue) queue = NULL;
  g_autofree char *worker = NULL;
  g_autofree char *batch = NULL;

  if (server == NULL)
    {
      g_test_skip ("redis-server is not installed");
      return;
    }
  worker = g_strdup_printf ("w%u", ++worker_seq);
  queue = redis_queue (&client, worker);
  flush_redis (client);
  g_assert_cmpint (push (queue, "g_1_aaaaaa_bbbbb", "{\"x\":1}"), ==, 1);
  g_assert_cmpint (push (queue, "g_1_aaaaaa_bbbbb", "{\"x\":1}"), ==, 1);
  g_assert_cmpint (push (queue, "g_1_cccccc_ddddd", "{\"x\":2}"), ==, 2);
  batch = take (queue, 10, NULL, NULL);
  g_assert_cmpstr (batch, ==, "{\"x\":1},{\"x\":2}");
  complete (queue, NULL);
}

/* A worker that died with a batch in flight: its successor (same
 * WORKER_ID) sends that batch first; other workers never touch it. */
static void
test_redis_recovery (void)
{
  g_autoptr(RcRedisClient) c1 = NULL, c2 = NULL, c3 = NULL;
  g_autoptr(RcGiftQueue) dead = NULL, successor = NULL, other = NULL;
  g_autofree char *worker = NULL;
  g_autofree char *taken = NULL, *recovered = NULL, *others = NULL;
  gboolean resent = FALSE;

  if (server == NULL)
    {
      g_test_skip ("redis-server is not installed");
      return;
    }
  worker = g_strdup_printf ("w%u", ++worker_seq);
  dead = redis_queue (&c1, worker);
  flush_redis (c1);
  push (dead, "t1", "a");
  push (dead, "t2", "b");
  push (dead, "t3", "c");
  taken = take (dead, 2, &resent, NULL);
  g_assert_cmpstr (taken, ==, "a,b");
  g_clear_object (&dead); /* "kill -9": nothing completed */
  g_clear_object (&c1);

  other = redis_queue (&c3, "someone-else");
  others = take (other, 10, &resent, NULL);
  g_assert_cmpstr (others, ==, "c");
  g_assert_false (resent);

  successor = redis_queue (&c2, worker);
  recovered = take (successor, 10, &resent, NULL);
  g_assert_cmpstr (recovered, ==, "a,b");
  g_assert_true (resent);
  complete (successor, NULL);
  complete (other, NULL);
}

/* Outcomes one worker publishes reach every worker's queue once; a step
 * retried after it ran (its reply lost: the list is already gone or
 * shrunk) succeeds and publishes nothing again. */
static void
test_redis_outcomes (void)
{
  g_autoptr(RcRedisClient) c1 = NULL, c2 = NULL;
  g_autoptr(RcGiftQueue) q1 = NULL, q2 = NULL;
  g_autofree char *w1 = NULL, *w2 = NULL, *batch = NULL;
  GString *told1, *told2;
  const char *all = "refused-b,applied-a,failed-c";

  if (server == NULL)
    {
      g_test_skip ("redis-server is not installed");
      return;
    }
  w1 = g_strdup_printf ("w%u", ++worker_seq);
  w2 = g_strdup_printf ("w%u", ++worker_seq);
  q1 = redis_queue (&c1, w1);
  q2 = redis_queue (&c2, w2);
  flush_redis (c1);
  told1 = listen_outcomes (q1);
  told2 = listen_outcomes (q2);
  wait_listening (q1);
  wait_listening (q2);
  check_outcomes (q1, told1, TRUE);
  while (strlen (told2->str) < strlen (all))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (told2->str, ==, all);

  /* Lost replies: what the first attempt did is already done. */
  push (q1, "r1", "x");
  push (q1, "r2", "y");
  batch = take (q1, 10, NULL, NULL);
  g_assert_cmpstr (batch, ==, "x,y");
  g_string_truncate (told1, 0);
  g_string_truncate (told2, 0);
  {
    g_autofree char *key = g_strconcat ("gifts:inflight:", w1, NULL);
    rc_redis_client_call (c1, NULL, NULL, "LTRIM", key, "0", "0", NULL);
    replace (q1, "told-twice", "x", NULL);
    rc_redis_client_call (c1, NULL, NULL, "DEL", key, NULL);
    complete (q1, "told-twice", NULL);
  }
  /* A marker published after them arrives after them (one connection). */
  push (q1, "r3", "z");
  g_clear_pointer (&batch, g_free);
  batch = take (q1, 10, NULL, NULL);
  g_assert_cmpstr (batch, ==, "z");
  complete (q1, "last", NULL);
  while (strlen (told1->str) < strlen ("last") || strlen (told2->str) < strlen ("last"))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (told2->str, ==, "last");
  g_assert_cmpstr (told1->str, ==, "last");
  g_string_free (told1, TRUE);
  g_string_free (told2, TRUE);
}

/* The cap on Redis; a transaction queued before is no new one. */
static void
test_redis_full (void)
{
  g_autoptr(RcRedisClient) client = NULL;
  g_autoptr(RcGiftQueue) queue = NULL;
  g_autofree char *worker = NULL;

  if (server == NULL)
    {
      g_test_skip ("redis-server is not installed");
      return;
    }
  worker = g_strdup_printf ("w%u", ++worker_seq);
  queue = redis_queue (&client, worker);
  flush_redis (client);
  check_cap (queue);
  g_assert_cmpint (push_capped (queue, "d1", "a", 2), ==, 1);
  g_assert_cmpint (push_capped (queue, "d2", "b", 2), ==, 2);
  g_assert_cmpint (push_capped (queue, "d1", "a", 2), ==, 2);
}

static void
test_redis_down (void)
{
  g_autoptr(RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", 1, NULL, 0);
  g_autoptr(RcGiftQueue) queue = redis_queue_on (client, 1, "0");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Waiter w = { 0 };

  rc_gift_queue_push_async (queue, "t", "x", NO_CAP, on_result, &w);
  result = wait_result (&w);
  g_assert_false (rc_gift_queue_push_finish (queue, result, NULL, &error));
  g_assert_error (error, RC_GIFT_QUEUE_ERROR, RC_GIFT_QUEUE_ERROR_UNAVAILABLE);
}

static GLogWriterOutput
quiet_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  /* The Redis client warns on purpose about the unreachable port. */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_standard_streams (level, fields, n_fields, data);
  return G_LOG_WRITER_HANDLED;
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (quiet_writer, NULL, NULL);
  server = rc_test_redis_start ();
  g_test_add_func ("/gifts/queue/memory", test_memory);
  g_test_add_func ("/gifts/queue/redis", test_redis_contract);
  g_test_add_func ("/gifts/queue/redis-idempotent-push", test_redis_idempotent_push);
  g_test_add_func ("/gifts/queue/redis-recovery", test_redis_recovery);
  g_test_add_func ("/gifts/queue/redis-outcomes", test_redis_outcomes);
  g_test_add_func ("/gifts/queue/redis-full", test_redis_full);
  g_test_add_func ("/gifts/queue/redis-down", test_redis_down);
  status = g_test_run ();
  rc_test_redis_stop (server);
  return status;
}
