/* roomcast: the in-process gift queue; see gift-queue-memory.h. Every
 * operation completes at once and reports through a GTask (so on a later
 * main-loop iteration, like the Redis queue); outcomes are emitted during
 * the complete or replace call, before its callback. */
#include "gifts/gift-queue-memory.h"

struct _RcGiftQueueMemory {
  GObject parent_instance;
  GQueue pending;      /* char* */
  GPtrArray *inflight; /* char*; empty = none */
};

static void rc_gift_queue_memory_iface_init (RcGiftQueueInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcGiftQueueMemory, rc_gift_queue_memory, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_GIFT_QUEUE,
                                                      rc_gift_queue_memory_iface_init))

static const char *
memory_get_name (RcGiftQueue *queue)
{
  return "memory";
}

static gboolean
memory_is_durable (RcGiftQueue *queue)
{
  return FALSE;
}

static void
memory_push_async (RcGiftQueue *queue, const char *transaction_id, const char *item,
                   guint max_pending, GAsyncReadyCallback callback, gpointer user_data)
{
  RcGiftQueueMemory *self = RC_GIFT_QUEUE_MEMORY (queue);
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, memory_push_async);
  if (self->pending.length >= max_pending) {
    g_task_return_new_error (task, RC_GIFT_QUEUE_ERROR, RC_GIFT_QUEUE_ERROR_FULL,
                             "%u gifts are waiting already", self->pending.length);
    return;
  }
  g_queue_push_tail (&self->pending, g_strdup (item));
  g_task_return_pointer (task, rc_gift_count_new (self->pending.length), g_free);
}

static gboolean
memory_push_finish (RcGiftQueue *queue, GAsyncResult *result, gint64 *n_pending, GError **error)
{
  g_autofree gint64 *count = g_task_propagate_pointer (G_TASK (result), error);

  if (count == NULL)
    return FALSE;
  if (n_pending != NULL)
    *n_pending = *count;
  return TRUE;
}

static void
memory_take_async (RcGiftQueue *queue, guint max, GAsyncReadyCallback callback,
                   gpointer user_data)
{
  RcGiftQueueMemory *self = RC_GIFT_QUEUE_MEMORY (queue);
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  RcGiftTake *take = g_new0 (RcGiftTake, 1);

  g_task_set_source_tag (task, memory_take_async);
  take->items = g_ptr_array_new_with_free_func (g_free);
  if (self->inflight->len > 0)
    take->resent = TRUE;
  else
    while (self->inflight->len < max && !g_queue_is_empty (&self->pending))
      g_ptr_array_add (self->inflight, g_queue_pop_head (&self->pending));
  for (guint i = 0; i < self->inflight->len; i++)
    g_ptr_array_add (take->items, g_strdup (g_ptr_array_index (self->inflight, i)));
  take->n_pending = self->pending.length;
  g_task_return_pointer (task, take, (GDestroyNotify) rc_gift_take_free);
}

static GPtrArray *
memory_take_finish (RcGiftQueue *queue, GAsyncResult *result, gboolean *resent,
                    gint64 *n_pending, GError **error)
{
  return rc_gift_take_propagate (G_TASK (result), resent, n_pending, error);
}

static void
emit_outcomes (RcGiftQueueMemory *self, GPtrArray *outcomes)
{
  for (guint i = 0; i < outcomes->len; i++)
    rc_gift_queue_emit_outcome (RC_GIFT_QUEUE (self), g_ptr_array_index (outcomes, i));
}

static void
memory_complete_async (RcGiftQueue *queue, GPtrArray *outcomes, GAsyncReadyCallback callback,
                       gpointer user_data)
{
  RcGiftQueueMemory *self = RC_GIFT_QUEUE_MEMORY (queue);
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);

  g_ptr_array_set_size (self->inflight, 0);
  emit_outcomes (self, outcomes);
  g_task_return_boolean (task, TRUE);
}

static gboolean
memory_boolean_finish (RcGiftQueue *queue, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
memory_replace_async (RcGiftQueue *queue, GPtrArray *items, GPtrArray *outcomes,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  RcGiftQueueMemory *self = RC_GIFT_QUEUE_MEMORY (queue);
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);

  g_ptr_array_set_size (self->inflight, 0);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (self->inflight, g_strdup (g_ptr_array_index (items, i)));
  emit_outcomes (self, outcomes);
  g_task_return_boolean (task, TRUE);
}

guint
rc_gift_queue_memory_get_length (RcGiftQueueMemory *self)
{
  g_return_val_if_fail (RC_IS_GIFT_QUEUE_MEMORY (self), 0);
  return self->pending.length + self->inflight->len;
}

static void
rc_gift_queue_memory_finalize (GObject *object)
{
  RcGiftQueueMemory *self = RC_GIFT_QUEUE_MEMORY (object);

  g_queue_clear_full (&self->pending, g_free);
  g_ptr_array_unref (self->inflight);
  G_OBJECT_CLASS (rc_gift_queue_memory_parent_class)->finalize (object);
}

static void
rc_gift_queue_memory_class_init (RcGiftQueueMemoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_gift_queue_memory_finalize;
}

static void
rc_gift_queue_memory_init (RcGiftQueueMemory *self)
{
  g_queue_init (&self->pending);
  self->inflight = g_ptr_array_new_with_free_func (g_free);
}

static void
rc_gift_queue_memory_iface_init (RcGiftQueueInterface *iface)
{
  iface->get_name = memory_get_name;
  iface->is_durable = memory_is_durable;
  iface->push_async = memory_push_async;
  iface->push_finish = memory_push_finish;
  iface->take_async = memory_take_async;
  iface->take_finish = memory_take_finish;
  iface->complete_async = memory_complete_async;
  iface->complete_finish = memory_boolean_finish;
  iface->replace_async = memory_replace_async;
  iface->replace_finish = memory_boolean_finish;
}

RcGiftQueue *
rc_gift_queue_memory_new (void)
{
  return g_object_new (RC_TYPE_GIFT_QUEUE_MEMORY, NULL);
}
