/* roomcast: the gift batcher; see gift-batcher.h.
 *
 * A small state machine driven by one timer and the callbacks of its own
 * steps; `busy` is set while a step (take, send, complete, replace) is in
 * flight, so steps never overlap. Each step holds a reference on the
 * batcher until its callback ran.
 */
#include "gifts/gift-batcher.h"

#include <string.h>

#include "gifts/gift-outcome.h"
#include "gifts/gift-transaction.h"
#include "core/backoff.h"
#include "core/metrics.h"
#include "json/json-text.h"

/* Failed takes in a row before the outage is logged (about 2 s). */
#define QUEUE_FAILURES_LOGGED 4

typedef struct {
  GPtrArray *items;    /* raw queue items of the valid transactions */
  GPtrArray *txs;      /* RcGiftTransaction*, parallel to items */
  GHashTable *by_id;   /* transaction id -> RcGiftTransaction* (in txs) */
  GPtrArray *outcomes; /* decided, not yet published (gift-outcome.h JSON) */
  gboolean resent;     /* sent before: duplicates mean "applied" */
} Batch;

struct _RcGiftBatcher {
  GObject parent_instance;
  RcGiftQueue *queue;
  RcGiftProcessor *processor;
  Batch *batch;      /* NULL: none in flight */
  gboolean answered; /* the batch's answer is handled; delete it next */
  gboolean shrink;   /* the in-flight list still has refused ones: replace it */
  gboolean busy;
  gboolean stopped;
  guint queue_failures; /* consecutive failed takes, to log an outage once */
  guint timer;
  RcBackoff retry; /* consecutive failed sends of this batch */
  gint64 n_pending;
};

enum { SIGNAL_BATCH_PROCESSED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RcGiftBatcher, rc_gift_batcher, G_TYPE_OBJECT)

static void step (RcGiftBatcher *self);

static void
batch_free (Batch *batch)
{
  if (batch == NULL)
    return;
  g_hash_table_unref (batch->by_id);
  g_ptr_array_unref (batch->items);
  g_ptr_array_unref (batch->txs);
  g_ptr_array_unref (batch->outcomes);
  g_free (batch);
}

static Batch *
batch_new (gboolean resent)
{
  Batch *batch = g_new0 (Batch, 1);

  batch->items = g_ptr_array_new_with_free_func (g_free);
  batch->txs = g_ptr_array_new_with_free_func ((GDestroyNotify) rc_gift_transaction_free);
  batch->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  batch->outcomes = g_ptr_array_new_with_free_func (g_free);
  batch->resent = resent;
  return batch;
}

static void
batch_add (Batch *batch, char *item, RcGiftTransaction *tx)
{
  g_ptr_array_add (batch->items, item);
  g_ptr_array_add (batch->txs, tx);
  g_hash_table_insert (batch->by_id, tx->transaction_id, tx);
}

static void
count (const char *name, const char *help, const char *label, const char *value, guint64 n)
{
  g_autofree char *labels = label ? g_strdup_printf ("%s=\"%s\"", label, value) : NULL;

  rc_metrics_counter_add (name, help, labels, n);
}

static void
count_transactions (const char *result, guint64 n)
{
  count ("roomcast_gift_transactions_total",
         "Gift transactions handled by Laravel (or the "
         "dev ledger), by result",
         "result", result, n);
}

/* --- timing -------------------------------------------------------------- */

static gboolean
on_timer (gpointer data)
{
  RcGiftBatcher *self = data;

  self->timer = 0;
  step (self);
  return G_SOURCE_REMOVE;
}

static void
arm (RcGiftBatcher *self, guint ms)
{
  g_clear_handle_id (&self->timer, g_source_remove);
  if (!self->stopped)
    self->timer = ms ? g_timeout_add (ms, on_timer, self) : g_idle_add (on_timer, self);
}

/* Nothing in flight: the next batch right away when one is waiting, else at
 * the next tick. */
static void
next_tick (RcGiftBatcher *self)
{
  arm (self, self->n_pending >= RC_GIFT_BATCH_MAX ? 0 : RC_GIFT_BATCH_INTERVAL_MS);
}

/* --- answers ------------------------------------------------------------- */

/* @tx ended: applied (@error NULL) or failed with @error. Told to its room
 * or sender when the batch's next queue step publishes it. */
static void
decide (Batch *batch, const RcGiftTransaction *tx, const char *error)
{
  if (error != NULL)
    count ("roomcast_gift_failures_total", "Gift transactions that failed, by error code",
           "code", error, 1);
  g_ptr_array_add (batch->outcomes, rc_gift_outcome_to_json (tx, error));
}

static void
handle_answer (RcGiftBatcher *self, RcGiftBatchAnswer *answer)
{
  Batch *batch = self->batch;
  g_autoptr (GHashTable) errors = g_hash_table_new (g_str_hash, g_str_equal);
  guint failed = 0, duplicates = 0;

  for (guint i = 0; i < answer->failed->len; i++) {
    RcGiftFailure *failure = g_ptr_array_index (answer->failed, i);

    if (!g_hash_table_contains (batch->by_id, failure->transaction_id))
      g_warning ("gifts: Laravel reported a failure for %s, which is not in the batch",
                 failure->transaction_id);
    else
      g_hash_table_insert (errors, failure->transaction_id, failure->error);
  }
  /* Not in failed[]: applied (the answer's "processed"). */
  for (guint i = 0; i < batch->txs->len; i++) {
    RcGiftTransaction *tx = g_ptr_array_index (batch->txs, i);
    const char *error = g_hash_table_lookup (errors, tx->transaction_id);

    if (error != NULL && batch->resent && g_str_equal (error, RC_GIFT_ERROR_DUPLICATE)) {
      duplicates++; /* an earlier attempt was applied */
      error = NULL;
    } else if (error != NULL)
      failed++;
    decide (batch, tx, error);
  }
  if (answer->processed + answer->failed->len != batch->txs->len)
    g_warning ("gifts: Laravel answered processed=%" G_GINT64_FORMAT " and %u failed for a "
               "batch of %u",
               answer->processed, answer->failed->len, batch->txs->len);
  count_transactions ("applied", batch->txs->len - failed - duplicates);
  count_transactions ("failed", failed);
  count_transactions ("duplicate_after_retry", duplicates);
  g_debug ("gifts: batch of %u handled (%u failed, %u already applied earlier)",
           batch->txs->len, failed, duplicates);
  g_signal_emit (self, signals[SIGNAL_BATCH_PROCESSED], 0, batch->txs);
}

static void on_replaced (GObject *source, GAsyncResult *result, gpointer data);

/* A 422: fail what was refused; keep the rest (if we know which) for a new
 * round. TRUE if a replace step was started. */
static gboolean
handle_rejection (RcGiftBatcher *self, GArray *rejected, const GError *error)
{
  Batch *batch = self->batch;
  g_autoptr (GHashTable) refused = g_hash_table_new (NULL, NULL);
  Batch *rest;

  g_critical ("gifts: Laravel refused a batch of %u (%s); %u transaction(s) fail with "
              "processing_error and are dropped",
              batch->txs->len, error->message, rejected ? rejected->len : batch->txs->len);
  count ("roomcast_gift_batches_total", "Gift batches sent, by outcome", "result", "rejected",
         1);
  for (guint i = 0; rejected != NULL && i < rejected->len; i++)
    g_hash_table_add (refused, GUINT_TO_POINTER (g_array_index (rejected, guint, i) + 1));
  rest = batch_new (batch->resent);
  for (guint i = 0; i < batch->txs->len; i++) {
    if (rejected == NULL || g_hash_table_contains (refused, GUINT_TO_POINTER (i + 1)))
      decide (batch, g_ptr_array_index (batch->txs, i), RC_GIFT_ERROR_PROCESSING);
    else
      batch_add (rest, g_strdup (g_ptr_array_index (batch->items, i)),
                 g_steal_pointer (&g_ptr_array_index (batch->txs, i)));
  }
  count_transactions ("failed", batch->txs->len - rest->txs->len);
  if (rest->txs->len == 0) {
    batch_free (rest);
    return FALSE;
  }
  /* The in-flight list must hold exactly what is sent next; the refused
   * ones are told with that step. */
  {
    GPtrArray *empty = rest->outcomes;
    rest->outcomes = batch->outcomes;
    batch->outcomes = empty;
  }
  batch_free (g_steal_pointer (&self->batch));
  self->batch = rest;
  self->shrink = TRUE;
  self->busy = TRUE;
  rc_gift_queue_replace_async (self->queue, rest->items, rest->outcomes, on_replaced,
                               g_object_ref (self));
  return TRUE;
}

/* --- steps --------------------------------------------------------------- */

static void
on_completed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RcGiftBatcher) self = data;
  g_autoptr (GError) error = NULL;

  self->busy = FALSE;
  if (!rc_gift_queue_complete_finish (RC_GIFT_QUEUE (source), result, &error)) {
    /* The answer is handled; publishing it and deleting the batch (one
     * step, done once even if it ran and only its reply was lost) is left. */
    g_debug ("gifts: completing the handled batch failed (%s); trying again", error->message);
    arm (self, RC_GIFT_BATCH_INTERVAL_MS);
    return;
  }
  g_clear_pointer (&self->batch, batch_free);
  self->answered = FALSE;
  next_tick (self);
}

/* The batch is handled: publish its outcomes and forget it. */
static void
complete (RcGiftBatcher *self)
{
  self->answered = TRUE;
  self->busy = TRUE;
  rc_gift_queue_complete_async (self->queue, self->batch->outcomes, on_completed,
                                g_object_ref (self));
}

static void
on_processed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RcGiftBatcher) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rejected = NULL;
  g_autoptr (RcGiftBatchAnswer)
    answer = rc_gift_processor_process_finish (RC_GIFT_PROCESSOR (source), result, &rejected,
                                               &error);

  self->busy = FALSE;
  if (answer != NULL) {
    if (rc_backoff_get_failures (&self->retry) > 0)
      g_info ("gifts: batch of %u accepted after %u failed attempt(s)", self->batch->txs->len,
              rc_backoff_get_failures (&self->retry));
    rc_backoff_reset (&self->retry);
    count ("roomcast_gift_batches_total", "Gift batches sent, by outcome", "result", "ok", 1);
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "ROOMCAST_EVENT", "gift-batch",
                      "ROOMCAST_RESULT", "ok", "MESSAGE", "gifts: batch of %u processed by %s",
                      self->batch->txs->len, rc_gift_processor_get_name (self->processor));
    handle_answer (self, answer);
    complete (self);
    return;
  }
  if (g_error_matches (error, RC_GIFT_ERROR, RC_GIFT_ERROR_REJECTED)) {
    rc_backoff_reset (&self->retry);
    if (!handle_rejection (self, rejected, error))
      complete (self);
    return;
  }
  /* The batch may or may not have been applied: from now on it is "sent
   * before", and Laravel's duplicates of it mean done. */
  self->batch->resent = TRUE;
  guint delay = rc_backoff_next (&self->retry);
  count ("roomcast_gift_batches_total", "Gift batches sent, by outcome", "result", "retry", 1);
  rc_metrics_counter_inc ("roomcast_gift_retries_total", "Gift batch sends retried", NULL);
  if (rc_backoff_is_first (&self->retry))
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "ROOMCAST_EVENT", "gift-batch",
                      "ROOMCAST_RESULT", "retry", "MESSAGE",
                      "gifts: sending a batch of %u to %s failed (%s); keeping it and "
                      "retrying with backoff (up to %u ms) while new gifts keep queueing",
                      self->batch->txs->len, rc_gift_processor_get_name (self->processor),
                      error->message, RC_GIFT_RETRY_MAX_MS);
  else
    g_debug ("gifts: attempt %u failed: %s", rc_backoff_get_failures (&self->retry),
             error->message);
  arm (self, delay);
}

static void
send_batch (RcGiftBatcher *self)
{
  g_autoptr (JsonArray) array = json_array_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < self->batch->txs->len; i++)
    json_array_add_element (array, rc_gift_transaction_to_node (
                                     g_ptr_array_index (self->batch->txs, i)));
  json_node_set_array (node, array);
  self->busy = TRUE;
  rc_gift_processor_process_async (self->processor, node, on_processed, g_object_ref (self));
}

static void
on_replaced (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RcGiftBatcher) self = data;
  g_autoptr (GError) error = NULL;

  self->busy = FALSE;
  if (!rc_gift_queue_replace_finish (RC_GIFT_QUEUE (source), result, &error)) {
    /* The list still holds the refused ones too (a restart now would
       * send them again and report them twice): replace it before sending. */
    g_debug ("gifts: shrinking the in-flight batch failed (%s); trying again", error->message);
    arm (self, RC_GIFT_BATCH_INTERVAL_MS);
    return;
  }
  self->shrink = FALSE;
  g_ptr_array_set_size (self->batch->outcomes, 0); /* published */
  if (!self->stopped)
    send_batch (self);
}

static void
on_taken (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RcGiftBatcher) self = data;
  g_autoptr (GError) error = NULL;
  gboolean resent = FALSE;
  gint64 n_pending = -1;
  g_autoptr (GPtrArray) items = rc_gift_queue_take_finish (RC_GIFT_QUEUE (source), result,
                                                           &resent, &n_pending, &error);

  self->busy = FALSE;
  if (items == NULL) {
    /* Quiet for the first tries: Redis is still connecting at start. */
    if (++self->queue_failures == QUEUE_FAILURES_LOGGED)
      g_warning ("gifts: cannot take a batch (%s); trying again every %u ms", error->message,
                 RC_GIFT_BATCH_INTERVAL_MS);
    arm (self, RC_GIFT_BATCH_INTERVAL_MS);
    return;
  }
  if (self->queue_failures >= QUEUE_FAILURES_LOGGED)
    g_info ("gifts: the queue answers again");
  self->queue_failures = 0;
  self->n_pending = n_pending;
  if (items->len == 0) {
    next_tick (self);
    return;
  }
  self->batch = batch_new (resent);
  for (guint i = 0; i < items->len; i++) {
    const char *item = g_ptr_array_index (items, i);
    g_autoptr (GError) parse_error = NULL;
    RcGiftTransaction *tx = rc_gift_transaction_parse (item, strlen (item), &parse_error);

    if (tx == NULL) {
      g_critical ("gifts: dropping a queued item that is not a gift transaction (%s): %.200s",
                  parse_error->message, item);
      count ("roomcast_gift_failures_total", "Gift transactions that failed, by error code",
             "code", "invalid_queue_item", 1);
      continue;
    }
    batch_add (self->batch, g_strdup (item), tx);
  }
  if (self->stopped)
    return; /* it stays in the in-flight list */
  if (resent)
    g_info ("gifts: sending the in-flight batch of %u again first (it was sent before; "
            "duplicate_transaction answers count as applied)",
            self->batch->txs->len);
  if (self->batch->txs->len == 0)
    complete (self);
  else
    send_batch (self);
}

/* One move of the state machine, when nothing is in flight. */
static void
step (RcGiftBatcher *self)
{
  if (self->busy || self->stopped)
    return;
  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->batch != NULL && self->shrink) {
    self->busy = TRUE;
    rc_gift_queue_replace_async (self->queue, self->batch->items, self->batch->outcomes,
                                 on_replaced, g_object_ref (self));
  } else if (self->batch != NULL && self->answered)
    complete (self);
  else if (self->batch != NULL)
    send_batch (self);
  else {
    self->busy = TRUE;
    rc_gift_queue_take_async (self->queue, RC_GIFT_BATCH_MAX, on_taken, g_object_ref (self));
  }
}

/* --- public -------------------------------------------------------------- */

void
rc_gift_batcher_notify_pending (RcGiftBatcher *self, gint64 n_pending)
{
  g_return_if_fail (RC_IS_GIFT_BATCHER (self));
  if (n_pending < 0)
    return;
  self->n_pending = n_pending;
  /* A full batch waits: skip the rest of the tick (but never interrupt a
   * retry backoff: Laravel is struggling then). */
  if (n_pending >= RC_GIFT_BATCH_MAX && self->batch == NULL && !self->busy)
    arm (self, 0);
}

void
rc_gift_batcher_stop (RcGiftBatcher *self)
{
  g_return_if_fail (RC_IS_GIFT_BATCHER (self));
  self->stopped = TRUE;
  g_clear_handle_id (&self->timer, g_source_remove);
}

guint
rc_gift_batcher_get_n_inflight (RcGiftBatcher *self)
{
  g_return_val_if_fail (RC_IS_GIFT_BATCHER (self), 0);
  return self->batch ? self->batch->txs->len : 0;
}

guint
rc_gift_batcher_get_n_failures (RcGiftBatcher *self)
{
  g_return_val_if_fail (RC_IS_GIFT_BATCHER (self), 0);
  return rc_backoff_get_failures (&self->retry);
}

gint64
rc_gift_batcher_get_n_pending (RcGiftBatcher *self)
{
  g_return_val_if_fail (RC_IS_GIFT_BATCHER (self), -1);
  return self->n_pending;
}

static void
metrics_collector (GString *out, gpointer data)
{
  RcGiftBatcher *self = data;

  rc_metrics_append_gauge (out, "roomcast_gift_queue_pending",
                           "Gifts waiting in gifts:pending (as last seen)",
                           (double) MAX (self->n_pending, 0));
  rc_metrics_append_gauge (out, "roomcast_gift_inflight",
                           "Gifts in this worker's batch in flight",
                           rc_gift_batcher_get_n_inflight (self));
  rc_metrics_append_gauge (out, "roomcast_gift_batch_failures",
                           "Consecutive failed sends of the batch in flight",
                           rc_backoff_get_failures (&self->retry));
}

RcGiftBatcher *
rc_gift_batcher_new (RcGiftQueue *queue, RcGiftProcessor *processor)
{
  RcGiftBatcher *self;

  g_return_val_if_fail (RC_IS_GIFT_QUEUE (queue) && RC_IS_GIFT_PROCESSOR (processor), NULL);
  self = g_object_new (RC_TYPE_GIFT_BATCHER, NULL);
  self->queue = g_object_ref (queue);
  self->processor = g_object_ref (processor);
  rc_metrics_register_collector (metrics_collector, self);
  arm (self, 0);
  return self;
}

static void
rc_gift_batcher_dispose (GObject *object)
{
  RcGiftBatcher *self = RC_GIFT_BATCHER (object);

  if (self->queue != NULL)
    rc_metrics_unregister_collector (metrics_collector, self);
  self->stopped = TRUE;
  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_pointer (&self->batch, batch_free);
  g_clear_object (&self->queue);
  g_clear_object (&self->processor);
  G_OBJECT_CLASS (rc_gift_batcher_parent_class)->dispose (object);
}

static void
rc_gift_batcher_class_init (RcGiftBatcherClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_gift_batcher_dispose;
  signals[SIGNAL_BATCH_PROCESSED] = g_signal_new ("batch-processed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
rc_gift_batcher_init (RcGiftBatcher *self)
{
  self->n_pending = -1;
  rc_backoff_init (&self->retry, RC_GIFT_RETRY_MIN_MS, RC_GIFT_RETRY_MAX_MS, 0);
}
