/* roomcast: the gift queue interface's dispatch wrappers; see gift-queue.h. */
#include "gifts/gift-queue.h"

GQuark
rc_gift_queue_error_quark (void)
{
  return g_quark_from_static_string ("rc-gift-queue-error-quark");
}

G_DEFINE_INTERFACE (RcGiftQueue, rc_gift_queue, G_TYPE_OBJECT)

static void
rc_gift_queue_default_init (RcGiftQueueInterface *iface)
{
}

const char *
rc_gift_queue_get_name (RcGiftQueue *self)
{
  g_return_val_if_fail (RC_IS_GIFT_QUEUE (self), NULL);
  return RC_GIFT_QUEUE_GET_IFACE (self)->get_name (self);
}

gboolean
rc_gift_queue_is_durable (RcGiftQueue *self)
{
  g_return_val_if_fail (RC_IS_GIFT_QUEUE (self), FALSE);
  return RC_GIFT_QUEUE_GET_IFACE (self)->is_durable (self);
}

void
rc_gift_queue_push_async (RcGiftQueue *self, const char *transaction_id, const char *item,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_GIFT_QUEUE (self) && transaction_id != NULL && item != NULL);
  RC_GIFT_QUEUE_GET_IFACE (self)->push_async (self, transaction_id, item, callback, user_data);
}

gboolean
rc_gift_queue_push_finish (RcGiftQueue *self, GAsyncResult *result, gint64 *n_pending,
                           GError **error)
{
  g_return_val_if_fail (RC_IS_GIFT_QUEUE (self), FALSE);
  return RC_GIFT_QUEUE_GET_IFACE (self)->push_finish (self, result, n_pending, error);
}

void
rc_gift_queue_take_async (RcGiftQueue *self, guint max, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_return_if_fail (RC_IS_GIFT_QUEUE (self) && max > 0);
  RC_GIFT_QUEUE_GET_IFACE (self)->take_async (self, max, callback, user_data);
}

GPtrArray *
rc_gift_queue_take_finish (RcGiftQueue *self, GAsyncResult *result, gboolean *resent,
                           gint64 *n_pending, GError **error)
{
  g_return_val_if_fail (RC_IS_GIFT_QUEUE (self), NULL);
  return RC_GIFT_QUEUE_GET_IFACE (self)->take_finish (self, result, resent, n_pending, error);
}

void
rc_gift_queue_complete_async (RcGiftQueue *self, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (RC_IS_GIFT_QUEUE (self));
  RC_GIFT_QUEUE_GET_IFACE (self)->complete_async (self, callback, user_data);
}

gboolean
rc_gift_queue_complete_finish (RcGiftQueue *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_GIFT_QUEUE (self), FALSE);
  return RC_GIFT_QUEUE_GET_IFACE (self)->complete_finish (self, result, error);
}

void
rc_gift_queue_replace_async (RcGiftQueue *self, GPtrArray *items, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (RC_IS_GIFT_QUEUE (self) && items != NULL);
  RC_GIFT_QUEUE_GET_IFACE (self)->replace_async (self, items, callback, user_data);
}

gboolean
rc_gift_queue_replace_finish (RcGiftQueue *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_GIFT_QUEUE (self), FALSE);
  return RC_GIFT_QUEUE_GET_IFACE (self)->replace_finish (self, result, error);
}

void
rc_gift_take_free (RcGiftTake *take)
{
  if (take == NULL)
    return;
  g_clear_pointer (&take->items, g_ptr_array_unref);
  g_free (take);
}

GPtrArray *
rc_gift_take_propagate (GTask *task, gboolean *resent, gint64 *n_pending, GError **error)
{
  RcGiftTake *take = g_task_propagate_pointer (task, error);
  GPtrArray *items;

  if (take == NULL)
    return NULL;
  if (resent != NULL)
    *resent = take->resent;
  if (n_pending != NULL)
    *n_pending = take->n_pending;
  items = g_steal_pointer (&take->items);
  rc_gift_take_free (take);
  return items;
}

gint64 *
rc_gift_count_new (gint64 n)
{
  gint64 *count = g_new (gint64, 1);

  *count = n;
  return count;
}
