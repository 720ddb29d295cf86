/* roomcast: the gift batcher over the memory queue and a scripted
 * processor: retries keep the batch and turn duplicates into "applied",
 * a duplicate in a batch never sent before is a failure, a 422 drops the
 * refused transactions and resends the rest, a full queue is taken at
 * once, and one batch is in flight at a time. Every transaction gets
 * exactly one outcome, and only after the processor answered for it. */
#include <string.h>

#include "gifts/gift-batcher.h"
#include "gifts/gift-outcome.h"
#include "gifts/gift-queue-memory.h"
#include "gifts/gift-transaction.h"
#include "json/json-text.h"

#define ROOM "550e8400-e29b-41d4-a716-446655440000"

/* --- a processor that answers from a script ------------------------------ */

typedef enum { ANSWER, RETRY, REJECT } Kind;

typedef struct {
  Kind kind;
  const char *failed_code; /* ANSWER: every transaction fails with it (NULL: none) */
  guint reject_index;      /* REJECT: this index is refused */
} Step;

#define TEST_TYPE_PROCESSOR (test_processor_get_type ())
G_DECLARE_FINAL_TYPE (TestProcessor, test_processor, TEST, PROCESSOR, GObject)

struct _TestProcessor {
  GObject parent_instance;
  GQueue script;        /* Step* (the default: ANSWER without failures) */
  GPtrArray *steps;     /* owns the Steps */
  GPtrArray *batches;   /* sizes (GUINT_TO_POINTER) */
  guint in_flight, max_in_flight;
  guint answered;       /* answers given so far */
};

static void test_processor_iface_init (RcGiftProcessorInterface *iface);
G_DEFINE_FINAL_TYPE_WITH_CODE (TestProcessor, test_processor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_GIFT_PROCESSOR,
                                                      test_processor_iface_init))

static const char *
tp_get_name (RcGiftProcessor *p)
{
  return "test";
}

typedef struct {
  GTask *task;
  TestProcessor *self;
} Reply;

static gboolean
answer_later (gpointer data)
{
  Reply *reply = data;

  reply->self->in_flight--;
  reply->self->answered++;
  g_task_return_pointer (reply->task, NULL, NULL); /* the outcome is in the task's data */
  g_object_unref (reply->task);
  g_free (reply);
  return G_SOURCE_REMOVE;
}

static void
tp_process_async (RcGiftProcessor *p, JsonNode *transactions, GAsyncReadyCallback callback,
                  gpointer user_data)
{
  TestProcessor *self = TEST_PROCESSOR (p);
  GTask *task = g_task_new (self, NULL, callback, user_data);
  JsonArray *array = json_node_get_array (transactions);
  Step *step = g_queue_pop_head (&self->script);
  Reply *reply = g_new0 (Reply, 1);

  g_ptr_array_add (self->batches, GUINT_TO_POINTER (json_array_get_length (array)));
  self->in_flight++;
  self->max_in_flight = MAX (self->max_in_flight, self->in_flight);
  if (step != NULL && step->kind == RETRY)
    g_task_set_task_data (task, g_error_new_literal (RC_GIFT_ERROR, RC_GIFT_ERROR_RETRY, "down"),
                          (GDestroyNotify) g_error_free);
  else if (step != NULL && step->kind == REJECT)
    {
      GArray *rejected = g_array_new (FALSE, FALSE, sizeof (guint));
      g_array_append_val (rejected, step->reject_index);
      g_object_set_data_full (G_OBJECT (task), "rejected", rejected, (GDestroyNotify) g_array_unref);
      g_task_set_task_data (task, g_error_new_literal (RC_GIFT_ERROR, RC_GIFT_ERROR_REJECTED, "422"),
                            (GDestroyNotify) g_error_free);
    }
  else
    {
      RcGiftBatchAnswer *answer = rc_gift_batch_answer_new ();
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *tx = json_array_get_object_element (array, i);
          if (step != NULL && step->failed_code != NULL)
            rc_gift_batch_answer_add_failure (answer, json_object_get_string_member (tx, "transaction_id"),
                                              step->failed_code);
          else
            answer->processed++;
        }
      g_object_set_data_full (G_OBJECT (task), "answer", answer,
                              (GDestroyNotify) rc_gift_batch_answer_free);
    }
  reply->task = task;
  reply->self = self;
  g_idle_add (answer_later, reply);
}

static RcGiftBatchAnswer *
tp_process_finish (RcGiftProcessor *p, GAsyncResult *result, GArray **rejected, GError **error)
{
  GError *scripted = g_task_get_task_data (G_TASK (result));
  GArray *indices = g_object_get_data (G_OBJECT (result), "rejected");

  g_task_propagate_pointer (G_TASK (result), NULL);
  if (scripted != NULL)
    {
      if (rejected != NULL && indices != NULL)
        *rejected = g_array_ref (indices);
      g_propagate_error (error, g_error_copy (scripted));
      return NULL;
    }
  return g_object_steal_data (G_OBJECT (result), "answer");
}

static void
test_processor_iface_init (RcGiftProcessorInterface *iface)
{
  iface->get_name = tp_get_name;
  iface->process_async = tp_process_async;
  iface->process_finish = tp_process_finish;
}

static void
test_processor_finalize (GObject *object)
{
  TestProcessor *self = TEST_PROCESSOR (object);

  g_queue_clear (&self->script);
  g_ptr_array_unref (self->steps);
  g_ptr_array_unref (self->batches);
  G_OBJECT_CLASS (test_processor_parent_class)->finalize (object);
}

static void
test_processor_class_init (TestProcessorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_processor_finalize;
}

static void
test_processor_init (TestProcessor *self)
{
  g_queue_init (&self->script);
  self->steps = g_ptr_array_new_with_free_func (g_free);
  self->batches = g_ptr_array_new ();
}

/* --- fixture ------------------------------------------------------------- */

typedef struct {
  RcGiftQueue *queue;
  TestProcessor *processor;
  RcGiftBatcher *batcher;
  GPtrArray *failures;  /* "txid:code" */
  GHashTable *applied;  /* txid -> the processor's answers when it was told */
  GHashTable *told;     /* txid of every outcome, to catch one told twice */
  guint processed;      /* transactions in batch-processed */
} Fixture;

static void
on_outcome (RcGiftQueue *queue, const char *message, gpointer data)
{
  Fixture *fx = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RcGiftOutcome) outcome = rc_gift_outcome_parse (message, strlen (message), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (outcome->tx->room_id, ==, ROOM);
  /* Told once, and never before the processor has answered. */
  g_assert_true (g_hash_table_add (fx->told, g_strdup (outcome->tx->transaction_id)));
  g_assert_cmpuint (fx->processor->answered, >, 0);
  if (outcome->error != NULL)
    g_ptr_array_add (fx->failures, g_strdup_printf ("%s:%s", outcome->tx->transaction_id,
                                                    outcome->error));
  else
    g_hash_table_insert (fx->applied, g_strdup (outcome->tx->transaction_id),
                         GUINT_TO_POINTER (fx->processor->answered));
}

static void
on_processed (RcGiftBatcher *b, GPtrArray *txs, gpointer data)
{
  ((Fixture *) data)->processed += txs->len;
}

static void
setup (Fixture *fx, gconstpointer data)
{
  fx->queue = rc_gift_queue_memory_new ();
  fx->processor = g_object_new (TEST_TYPE_PROCESSOR, NULL);
  fx->failures = g_ptr_array_new_with_free_func (g_free);
  fx->applied = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fx->told = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (fx->queue, "outcome", G_CALLBACK (on_outcome), fx);
}

static void
start (Fixture *fx)
{
  fx->batcher = rc_gift_batcher_new (fx->queue, RC_GIFT_PROCESSOR (fx->processor));
  g_signal_connect (fx->batcher, "batch-processed", G_CALLBACK (on_processed), fx);
}

static void
teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->batcher);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&fx->processor);
  g_clear_object (&fx->queue);
  g_ptr_array_unref (fx->failures);
  g_hash_table_unref (fx->applied);
  g_hash_table_unref (fx->told);
}

static void
on_pushed (GObject *source, GAsyncResult *result, gpointer data)
{
  Fixture *fx = data;
  gint64 n = -1;

  g_assert_true (rc_gift_queue_push_finish (RC_GIFT_QUEUE (source), result, &n, NULL));
  if (fx->batcher != NULL)
    rc_gift_batcher_notify_pending (fx->batcher, n);
}

static void
queue_gifts (Fixture *fx, guint n)
{
  static guint seq;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", ++seq);
      RcGiftTransaction tx = { .transaction_id = id, .room_id = (char *) ROOM,
                               .sender_id = (char *) "1", .recipient_id = (char *) "2",
                               .gift_id = (char *) "rose", .quantity = 1, .timestamp_ms = 1 };
      g_autofree char *item = rc_gift_transaction_to_json (&tx);
      rc_gift_queue_push_async (fx->queue, id, item, 100000, on_pushed, fx);
    }
}

static void
script (Fixture *fx, Kind kind, const char *failed_code, guint reject_index)
{
  Step *step = g_new0 (Step, 1);

  step->kind = kind;
  step->failed_code = failed_code;
  step->reject_index = reject_index;
  g_ptr_array_add (fx->processor->steps, step);
  g_queue_push_tail (&fx->processor->script, step);
}

static gboolean
idle_batcher (Fixture *fx, guint processed)
{
  return fx->processed >= processed && rc_gift_batcher_get_n_inflight (fx->batcher) == 0;
}

static void
wait_processed (Fixture *fx, guint processed)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!idle_batcher (fx, processed))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* --- tests --------------------------------------------------------------- */

static void
test_retry_then_duplicates (Fixture *fx, gconstpointer data)
{
  /* Down twice; then Laravel says "duplicate" (the first try had landed). */
  script (fx, RETRY, NULL, 0);
  script (fx, RETRY, NULL, 0);
  script (fx, ANSWER, "duplicate_transaction", 0);
  queue_gifts (fx, 5);
  start (fx);
  wait_processed (fx, 5);
  g_assert_cmpuint (fx->failures->len, ==, 0);
  /* Applied, told once each, and only after the answer that said so. */
  g_assert_cmpuint (g_hash_table_size (fx->applied), ==, 5);
  {
    GHashTableIter iter;
    gpointer answers;
    g_hash_table_iter_init (&iter, fx->applied);
    while (g_hash_table_iter_next (&iter, NULL, &answers))
      g_assert_cmpuint (GPOINTER_TO_UINT (answers), ==, 3);
  }
  g_assert_cmpuint (fx->processor->batches->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (fx->processor->batches->pdata[i]), ==, 5);
  g_assert_cmpuint (fx->processor->max_in_flight, ==, 1);
}

static void
test_fresh_duplicate_fails (Fixture *fx, gconstpointer data)
{
  script (fx, ANSWER, "duplicate_transaction", 0);
  script (fx, ANSWER, "insufficient_balance", 0);
  queue_gifts (fx, 2);
  start (fx);
  wait_processed (fx, 2);
  g_assert_cmpuint (fx->failures->len, ==, 2);
  g_assert_true (g_str_has_suffix (fx->failures->pdata[0], ":duplicate_transaction"));
  queue_gifts (fx, 1);
  wait_processed (fx, 3);
  g_assert_cmpuint (fx->failures->len, ==, 3);
  g_assert_true (g_str_has_suffix (fx->failures->pdata[2], ":insufficient_balance"));
  g_assert_cmpuint (g_hash_table_size (fx->applied), ==, 0);
}

static void
test_rejected (Fixture *fx, gconstpointer data)
{
  /* 422 naming transaction 1 of 3: it fails, the other two go again. */
  script (fx, REJECT, NULL, 1);
  queue_gifts (fx, 3);
  start (fx);
  wait_processed (fx, 2);
  g_assert_cmpuint (fx->failures->len, ==, 1);
  g_assert_true (g_str_has_suffix (fx->failures->pdata[0], ":processing_error"));
  g_assert_cmpuint (g_hash_table_size (fx->applied), ==, 2);
  g_assert_cmpuint (fx->processor->batches->len, ==, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (fx->processor->batches->pdata[1]), ==, 2);
  g_assert_cmpuint (rc_gift_queue_memory_get_length (RC_GIFT_QUEUE_MEMORY (fx->queue)), ==, 0);
}

static void
test_full_batches (Fixture *fx, gconstpointer data)
{
  start (fx);
  queue_gifts (fx, 450);
  wait_processed (fx, 450);
  g_assert_cmpuint (fx->processor->batches->len, ==, 3);
  g_assert_cmpuint (GPOINTER_TO_UINT (fx->processor->batches->pdata[0]), ==, 200);
  g_assert_cmpuint (GPOINTER_TO_UINT (fx->processor->batches->pdata[1]), ==, 200);
  g_assert_cmpuint (GPOINTER_TO_UINT (fx->processor->batches->pdata[2]), ==, 50);
  g_assert_cmpuint (fx->processor->max_in_flight, ==, 1);
  g_assert_cmpuint (g_hash_table_size (fx->applied), ==, 450);
}

/* The batcher warns about failed sends and logs a 422 as critical, on
 * purpose; any other critical still aborts the test. */
static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && (level & G_LOG_LEVEL_CRITICAL) &&
        strstr (fields[i].value, "Laravel refused a batch") == NULL)
      return g_log_writer_default (level, fields, n_fields, data);
  return G_LOG_WRITER_HANDLED;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (writer, NULL, NULL);
  g_test_add ("/gifts/batcher/retry-then-duplicates", Fixture, NULL, setup,
              test_retry_then_duplicates, teardown);
  g_test_add ("/gifts/batcher/fresh-duplicate-fails", Fixture, NULL, setup,
              test_fresh_duplicate_fails, teardown);
  g_test_add ("/gifts/batcher/rejected", Fixture, NULL, setup, test_rejected, teardown);
  g_test_add ("/gifts/batcher/full-batches", Fixture, NULL, setup, test_full_batches, teardown);
  return g_test_run ();
}
