/* roomcast: the rate gate (services/rate-gate.h), the one rate-limit path
 * of chat:send, typing and gift:send: counted in process on a fake clock
 * (no REDIS_HOST), in the store's fixed window (the memory store on a fake
 * clock, a real redis-server shared by two gates), and in process again
 * while the store fails. */
#include <glib.h>
#include <string.h>

#include "redis-test-server.h"
#include "services/rate-gate.h"
#include "store/store-redis.h"

#define T0 G_GINT64_CONSTANT (1700000000000)
#define MINUTE_MS G_GINT64_CONSTANT (60000)

static RcTestRedis *server;
static GString *captured;

/* Keep warnings for the tests to check (the gate warns when the store
 * fails, the Redis client when it cannot connect). */
static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_standard_streams (level, fields, n_fields, data);
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      g_string_append_printf (captured, "%s\n", (const char *) fields[i].value);
  return G_LOG_WRITER_HANDLED;
}

static gint64
read_fake_clock (gpointer data)
{
  return *(gint64 *) data;
}

typedef struct {
  gboolean done;
  gboolean allowed;
  gint64 retry_after_ms;
  GError *error;
} Answer;

static void
on_answer (GObject *source, GAsyncResult *result, gpointer data)
{
  Answer *answer = data;

  answer->allowed = rc_rate_gate_hit_finish (RC_RATE_GATE (source), result,
                                             &answer->retry_after_ms, &answer->error);
  answer->done = TRUE;
}

/* One hit, its answer waited for. *@retry_after_ms (nullable) when refused. */
static gboolean
hit (RcRateGate *gate, const char *bucket, const char *subject, guint limit, gint64 window_ms,
     gint64 *retry_after_ms)
{
  Answer answer = { 0 };

  rc_rate_gate_hit_async (gate, bucket, subject, limit, window_ms, NULL, on_answer, &answer);
  /* Never inside the call. */
  g_assert_false (answer.done);
  rc_test_wait_until (&answer.done, 5000, "the gate's answer");
  g_assert_no_error (answer.error);
  if (retry_after_ms != NULL)
    *retry_after_ms = answer.allowed ? 0 : answer.retry_after_ms;
  return answer.allowed;
}

/* The sliding window in process: retryAfterMs is when the oldest hit leaves
 * the window, to the millisecond; one budget per subject and per bucket. */
static void
assert_sliding_window (RcRateGate *gate, gint64 *clock_ms)
{
  gint64 retry = 0;

  *clock_ms = T0;
  for (int i = 0; i < 3; i++)
    {
      g_assert_true (hit (gate, "chat", "2", 3, MINUTE_MS, NULL));
      *clock_ms += 1000;
    }
  g_assert_false (hit (gate, "chat", "2", 3, MINUTE_MS, &retry));
  g_assert_cmpint (retry, ==, 57000);

  /* Budgets are per subject and per bucket. */
  g_assert_true (hit (gate, "chat", "1", 3, MINUTE_MS, NULL));
  g_assert_true (hit (gate, "typing", "2", 3, MINUTE_MS, NULL));

  *clock_ms = T0 + MINUTE_MS - 1;
  g_assert_false (hit (gate, "chat", "2", 3, MINUTE_MS, &retry));
  g_assert_cmpint (retry, ==, 1);
  *clock_ms = T0 + MINUTE_MS;
  g_assert_true (hit (gate, "chat", "2", 3, MINUTE_MS, NULL));
}

static void
test_in_process (void)
{
  gint64 clock_ms = T0;
  g_autoptr(RcRateGate) gate = rc_rate_gate_new_with_clock (NULL, read_fake_clock, &clock_ms);

  g_assert_cmpstr (rc_rate_gate_get_backend (gate), ==, "memory");
  assert_sliding_window (gate, &clock_ms);
}

/* A new limit (a SIGHUP reload) starts the in-process counting afresh;
 * a limit of 0 is unlimited. */
static void
test_limit_changes (void)
{
  gint64 clock_ms = T0;
  g_autoptr(RcRateGate) gate = rc_rate_gate_new_with_clock (NULL, read_fake_clock, &clock_ms);

  g_assert_true (hit (gate, "chat", "1", 1, MINUTE_MS, NULL));
  g_assert_false (hit (gate, "chat", "1", 1, MINUTE_MS, NULL));
  g_assert_true (hit (gate, "chat", "1", 5, MINUTE_MS, NULL));
  g_assert_true (hit (gate, "chat", "1", 5, MINUTE_MS, NULL));
  for (int i = 0; i < 100; i++)
    g_assert_true (hit (gate, "chat", "1", 0, MINUTE_MS, NULL));
}

static void
test_cancelled (void)
{
  g_autoptr(RcRateGate) gate = rc_rate_gate_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Answer answer = { 0 };

  g_cancellable_cancel (cancellable);
  rc_rate_gate_hit_async (gate, "chat", "1", 3, MINUTE_MS, cancellable, on_answer, &answer);
  rc_test_wait_until (&answer.done, 5000, "the gate's answer");
  g_assert_false (answer.allowed);
  g_assert_error (answer.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&answer.error);
}

/* With a store: its fixed window, which starts with the first hit; every
 * hit counts, refused ones included, but does not move the window's end. */
static void
test_memory_store (void)
{
  gint64 clock_ms = T0;
  g_autoptr(RcStore) store = rc_store_memory_new_with_clock (read_fake_clock, &clock_ms);
  g_autoptr(RcRateGate) gate = rc_rate_gate_new (store);
  gint64 retry = 0;

  g_assert_cmpstr (rc_rate_gate_get_backend (gate), ==, rc_store_get_name (store));
  for (int i = 0; i < 3; i++)
    {
      g_assert_true (hit (gate, "chat", "2", 3, MINUTE_MS, NULL));
      clock_ms += 1000;
    }
  g_assert_false (hit (gate, "chat", "2", 3, MINUTE_MS, &retry));
  g_assert_cmpint (retry, ==, 57000);
  g_assert_true (hit (gate, "chat", "1", 3, MINUTE_MS, NULL));
  g_assert_true (hit (gate, "typing", "2", 3, MINUTE_MS, NULL));
  clock_ms = T0 + MINUTE_MS - 1;
  g_assert_false (hit (gate, "chat", "2", 3, MINUTE_MS, &retry));
  g_assert_cmpint (retry, ==, 1);
  clock_ms = T0 + MINUTE_MS;
  g_assert_true (hit (gate, "chat", "2", 3, MINUTE_MS, NULL));
}

/* Two workers' gates on one Redis share a budget (ratelimit:{bucket}:{subject}). */
static void
test_redis_shared (void)
{
  g_autoptr(RcRedisClient) client_a = NULL;
  g_autoptr(RcRedisClient) client_b = NULL;
  g_autoptr(RcStore) store_a = NULL;
  g_autoptr(RcStore) store_b = NULL;
  g_autoptr(RcRateGate) gate_a = NULL;
  g_autoptr(RcRateGate) gate_b = NULL;
  g_autofree char *subject = g_uuid_string_random ();
  gint64 retry = 0;

  if (server == NULL)
    {
      g_test_skip ("redis-server is not installed");
      return;
    }
  client_a = rc_test_redis_connect (server);
  client_b = rc_test_redis_connect (server);
  store_a = rc_store_redis_new (client_a);
  store_b = rc_store_redis_new (client_b);
  gate_a = rc_rate_gate_new (store_a);
  gate_b = rc_rate_gate_new (store_b);
  g_assert_cmpstr (rc_rate_gate_get_backend (gate_a), ==, "redis");

  g_assert_true (hit (gate_a, "chat", subject, 3, MINUTE_MS, NULL));
  g_assert_true (hit (gate_b, "chat", subject, 3, MINUTE_MS, NULL));
  g_assert_true (hit (gate_a, "chat", subject, 3, MINUTE_MS, NULL));
  g_assert_false (hit (gate_b, "chat", subject, 3, MINUTE_MS, &retry));
  g_assert_cmpint (retry, >, 0);
  g_assert_cmpint (retry, <=, MINUTE_MS);
  g_assert_true (hit (gate_b, "typing", subject, 3, MINUTE_MS, NULL));
}

/* The store failing: the same hits are counted in process (the sliding
 * window on the gate's clock), logged once per outage. */
static void
test_store_fails (void)
{
  gint64 clock_ms = T0;
  /* A port nobody listens on: every store operation fails. */
  g_autoptr(RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", 1, NULL, 0);
  g_autoptr(RcStore) store = rc_store_redis_new (client);
  g_autoptr(RcRateGate) gate = rc_rate_gate_new_with_clock (store, read_fake_clock, &clock_ms);
  const char *first, *again;

  g_string_truncate (captured, 0);
  assert_sliding_window (gate, &clock_ms);
  first = strstr (captured->str, "rate limits: the store failed");
  g_assert_nonnull (first);
  again = strstr (first + 1, "rate limits: the store failed");
  g_assert_null (again);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  captured = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  server = rc_test_redis_start ();
  g_test_add_func ("/rate-gate/in-process", test_in_process);
  g_test_add_func ("/rate-gate/limit-changes", test_limit_changes);
  g_test_add_func ("/rate-gate/cancelled", test_cancelled);
  g_test_add_func ("/rate-gate/memory-store", test_memory_store);
  g_test_add_func ("/rate-gate/redis-shared", test_redis_shared);
  g_test_add_func ("/rate-gate/store-fails", test_store_fails);
  status = g_test_run ();
  rc_test_redis_stop (server);
  g_string_free (captured, TRUE);
  return status;
}
