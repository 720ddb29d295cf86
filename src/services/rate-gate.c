/* roomcast: rate limits in Redis or in process; see rate-gate.h. */
#include "services/rate-gate.h"

#include "core/metrics.h"
#include "rooms/rate-limit.h"

/* The in-process limiter of one bucket, rebuilt when its limit changes
 * (a SIGHUP reload). */
typedef struct {
  RcRateLimiter *limiter;
  guint limit;
  gint64 window_ms;
} Bucket;

struct _RcRateGate {
  GObject parent_instance;
  RcStore *store;     /* nullable */
  RcStoreClock clock; /* of the in-process counting */
  gpointer clock_data;
  GHashTable *buckets; /* name -> Bucket* */
  gboolean store_failing;
};

typedef struct {
  char *bucket;
  char *subject;
  guint limit;
  gint64 window_ms;
  gint64 retry_after_ms;
} Hit;

G_DEFINE_FINAL_TYPE (RcRateGate, rc_rate_gate, G_TYPE_OBJECT)

static void
bucket_free (gpointer data)
{
  Bucket *bucket = data;

  rc_rate_limiter_free (bucket->limiter);
  g_free (bucket);
}

static void
hit_free (gpointer data)
{
  Hit *hit = data;

  g_free (hit->bucket);
  g_free (hit->subject);
  g_free (hit);
}

static gint64
wall_clock_ms (gpointer clock_data)
{
  return g_get_real_time () / 1000;
}

static void
count (const char *bucket, gboolean allowed)
{
  g_autofree char *labels = g_strdup_printf ("bucket=\"%s\",result=\"%s\"", bucket,
                                             allowed ? "allowed" : "limited");
  rc_metrics_counter_inc ("roomcast_rate_limit_total", "Rate-limited actions, by outcome",
                          labels);
}

/* The sliding-window answer of this process. */
static gboolean
local_hit (RcRateGate *self, Hit *hit)
{
  Bucket *bucket = g_hash_table_lookup (self->buckets, hit->bucket);

  if (bucket == NULL || bucket->limit != hit->limit || bucket->window_ms != hit->window_ms) {
    bucket = g_new0 (Bucket, 1);
    bucket->limiter = rc_rate_limiter_new (hit->limit, hit->window_ms);
    bucket->limit = hit->limit;
    bucket->window_ms = hit->window_ms;
    g_hash_table_replace (self->buckets, g_strdup (hit->bucket), bucket);
  }
  return rc_rate_limiter_hit (bucket->limiter, hit->subject, self->clock (self->clock_data),
                              &hit->retry_after_ms);
}

static void
return_answer (GTask *task, Hit *hit, gboolean allowed)
{
  count (hit->bucket, allowed);
  g_task_return_int (task, allowed ? 1 : 0);
}

static void
on_store_hit (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  RcRateGate *self = g_task_get_source_object (task);
  Hit *hit = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  gint64 n = 0, reset_in_ms = 0;

  if (!rc_store_rate_limit_hit_finish (RC_STORE (source), result, &n, &reset_in_ms, &error)) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    if (!self->store_failing)
      g_warning ("rate limits: the store failed (%s); counting in this process until it "
                 "answers again",
                 error->message);
    self->store_failing = TRUE;
    rc_metrics_counter_inc ("roomcast_rate_limit_fallbacks_total",
                            "Rate-limit hits counted in process because the store failed",
                            NULL);
    return_answer (task, hit, local_hit (self, hit));
    return;
  }
  if (self->store_failing)
    g_info ("rate limits: the store answers again");
  self->store_failing = FALSE;
  hit->retry_after_ms = MAX (reset_in_ms, 1);
  return_answer (task, hit, n <= (gint64) hit->limit);
}

void
rc_rate_gate_hit_async (RcRateGate *self, const char *bucket, const char *subject, guint limit,
                        gint64 window_ms, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Hit *hit;

  g_return_if_fail (RC_IS_RATE_GATE (self));
  g_return_if_fail (bucket != NULL && subject != NULL && window_ms > 0);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rc_rate_gate_hit_async);
  hit = g_new0 (Hit, 1);
  hit->bucket = g_strdup (bucket);
  hit->subject = g_strdup (subject);
  hit->limit = limit;
  hit->window_ms = window_ms;
  g_task_set_task_data (task, hit, hit_free);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (limit == 0)
    return_answer (task, hit, TRUE);
  else if (self->store == NULL)
    return_answer (task, hit, local_hit (self, hit));
  else {
    g_autofree char *key = g_strdup_printf ("%s:%s", bucket, subject);
    rc_store_rate_limit_hit_async (self->store, key, window_ms, cancellable, on_store_hit,
                                   g_steal_pointer (&task));
  }
}

gboolean
rc_rate_gate_hit_finish (RcRateGate *self, GAsyncResult *result, gint64 *retry_after_ms,
                         GError **error)
{
  gssize allowed;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  allowed = g_task_propagate_int (G_TASK (result), error);
  if (allowed == 0 && retry_after_ms != NULL)
    *retry_after_ms = MAX (((Hit *) g_task_get_task_data (G_TASK (result)))->retry_after_ms, 1);
  return allowed == 1;
}

const char *
rc_rate_gate_get_backend (RcRateGate *self)
{
  g_return_val_if_fail (RC_IS_RATE_GATE (self), NULL);
  return self->store ? rc_store_get_name (self->store) : "memory";
}

static void
rc_rate_gate_finalize (GObject *object)
{
  RcRateGate *self = RC_RATE_GATE (object);

  g_clear_object (&self->store);
  g_hash_table_unref (self->buckets);
  G_OBJECT_CLASS (rc_rate_gate_parent_class)->finalize (object);
}

static void
rc_rate_gate_class_init (RcRateGateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_rate_gate_finalize;
}

static void
rc_rate_gate_init (RcRateGate *self)
{
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, bucket_free);
}

RcRateGate *
rc_rate_gate_new_with_clock (RcStore *store, RcStoreClock clock, gpointer clock_data)
{
  RcRateGate *self;

  g_return_val_if_fail (store == NULL || RC_IS_STORE (store), NULL);
  g_return_val_if_fail (clock != NULL, NULL);
  self = g_object_new (RC_TYPE_RATE_GATE, NULL);
  self->store = store ? g_object_ref (store) : NULL;
  self->clock = clock;
  self->clock_data = clock_data;
  return self;
}

RcRateGate *
rc_rate_gate_new (RcStore *store)
{
  return rc_rate_gate_new_with_clock (store, wall_clock_ms, NULL);
}
