/* roomcast: gift batches to Laravel; see gift-processor-laravel.h. */
#include "gifts/gift-processor-laravel.h"

struct _RcGiftProcessorLaravel {
  GObject parent_instance;
  RcLaravelClient *laravel;
};

static void rc_gift_processor_laravel_iface_init (RcGiftProcessorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcGiftProcessorLaravel, rc_gift_processor_laravel, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_GIFT_PROCESSOR,
                                                      rc_gift_processor_laravel_iface_init))

typedef struct {
  GArray *rejected;
  guint n_transactions;
} Call;

static void
call_free (Call *call)
{
  g_clear_pointer (&call->rejected, g_array_unref);
  g_free (call);
}

static const char *
laravel_get_name (RcGiftProcessor *processor)
{
  return "laravel";
}

static void
on_answer (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  Call *call = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) error_body = NULL;
  g_autoptr (JsonNode)
    answer = rc_laravel_client_gift_batch_finish (RC_LARAVEL_CLIENT (source), result,
                                                  &error_body, &error);
  RcGiftBatchAnswer *parsed;

  if (answer == NULL) {
    if (g_error_matches (error, RC_LARAVEL_ERROR, RC_LARAVEL_ERROR_VALIDATION)) {
      call->rejected = rc_gift_batch_rejected_indices (error_body, call->n_transactions);
      g_task_return_new_error (task, RC_GIFT_ERROR, RC_GIFT_ERROR_REJECTED, "%s",
                               error->message);
    } else
      g_task_return_new_error (task, RC_GIFT_ERROR, RC_GIFT_ERROR_RETRY, "%s", error->message);
    return;
  }
  parsed = rc_gift_batch_answer_parse (answer, &error);
  if (parsed == NULL)
    g_task_return_new_error (task, RC_GIFT_ERROR, RC_GIFT_ERROR_RETRY,
                             "Laravel answered 2xx, but %s", error->message);
  else
    g_task_return_pointer (task, parsed, (GDestroyNotify) rc_gift_batch_answer_free);
}

static void
laravel_process_async (RcGiftProcessor *processor, JsonNode *transactions,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  RcGiftProcessorLaravel *self = RC_GIFT_PROCESSOR_LARAVEL (processor);
  GTask *task = g_task_new (self, NULL, callback, user_data);
  Call *call = g_new0 (Call, 1);

  call->n_transactions = json_array_get_length (json_node_get_array (transactions));
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  rc_laravel_client_gift_batch_async (self->laravel, transactions, NULL, on_answer, task);
}

static RcGiftBatchAnswer *
laravel_process_finish (RcGiftProcessor *processor, GAsyncResult *result, GArray **rejected,
                        GError **error)
{
  Call *call = g_task_get_task_data (G_TASK (result));
  RcGiftBatchAnswer *answer = g_task_propagate_pointer (G_TASK (result), error);

  if (answer == NULL && rejected != NULL && call->rejected != NULL)
    *rejected = g_array_ref (call->rejected);
  return answer;
}

static void
rc_gift_processor_laravel_dispose (GObject *object)
{
  g_clear_object (&RC_GIFT_PROCESSOR_LARAVEL (object)->laravel);
  G_OBJECT_CLASS (rc_gift_processor_laravel_parent_class)->dispose (object);
}

static void
rc_gift_processor_laravel_class_init (RcGiftProcessorLaravelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_gift_processor_laravel_dispose;
}

static void
rc_gift_processor_laravel_init (RcGiftProcessorLaravel *self)
{
}

static void
rc_gift_processor_laravel_iface_init (RcGiftProcessorInterface *iface)
{
  iface->get_name = laravel_get_name;
  iface->process_async = laravel_process_async;
  iface->process_finish = laravel_process_finish;
}

RcGiftProcessor *
rc_gift_processor_laravel_new (RcLaravelClient *laravel)
{
  RcGiftProcessorLaravel *self;

  g_return_val_if_fail (RC_IS_LARAVEL_CLIENT (laravel), NULL);
  self = g_object_new (RC_TYPE_GIFT_PROCESSOR_LARAVEL, NULL);
  self->laravel = g_object_ref (laravel);
  return RC_GIFT_PROCESSOR (self);
}
