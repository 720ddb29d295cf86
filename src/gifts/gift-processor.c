/* roomcast: the gift processor interface's dispatch wrappers. */
#include "gifts/gift-processor.h"

GQuark
rc_gift_error_quark (void)
{
  return g_quark_from_static_string ("rc-gift-error-quark");
}

G_DEFINE_INTERFACE (RcGiftProcessor, rc_gift_processor, G_TYPE_OBJECT)

static void
rc_gift_processor_default_init (RcGiftProcessorInterface *iface)
{
}

const char *
rc_gift_processor_get_name (RcGiftProcessor *self)
{
  g_return_val_if_fail (RC_IS_GIFT_PROCESSOR (self), NULL);
  return RC_GIFT_PROCESSOR_GET_IFACE (self)->get_name (self);
}

void
rc_gift_processor_process_async (RcGiftProcessor *self, JsonNode *transactions,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_GIFT_PROCESSOR (self));
  g_return_if_fail (transactions != NULL && JSON_NODE_HOLDS_ARRAY (transactions));
  RC_GIFT_PROCESSOR_GET_IFACE (self)->process_async (self, transactions, callback, user_data);
}

RcGiftBatchAnswer *
rc_gift_processor_process_finish (RcGiftProcessor *self, GAsyncResult *result,
                                  GArray **rejected, GError **error)
{
  g_return_val_if_fail (RC_IS_GIFT_PROCESSOR (self), NULL);
  if (rejected != NULL)
    *rejected = NULL;
  return RC_GIFT_PROCESSOR_GET_IFACE (self)->process_finish (self, result, rejected, error);
}
