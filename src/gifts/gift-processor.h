/* roomcast: what a batch of gifts is sent to.
 *
 * Laravel's POST gifts/batch in production (gift-processor-laravel.c), the
 * in-process dev ledger with --dev and no LARAVEL_API_URL (gift-ledger.c).
 * Both answer with the contract's {processed, failed[]} (gift-batch.h), or
 * fail with one of:
 *
 *   RC_GIFT_ERROR_RETRY     no usable answer (network, timeout, 5xx, a 403
 *                           or 404 while Laravel is being (re)deployed, a
 *                           malformed 200): the batch may or may not have been
 *                           applied; keep it and send it again later
 *   RC_GIFT_ERROR_REJECTED  Laravel refused the request itself (422): the
 *                           same body would be refused again. *rejected names
 *                           the refused transactions when the answer says
 *                           which (NULL: all of them)
 */
#pragma once

#include "gifts/gift-batch.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define RC_GIFT_ERROR (rc_gift_error_quark ())
GQuark rc_gift_error_quark (void);

typedef enum {
  RC_GIFT_ERROR_RETRY,
  RC_GIFT_ERROR_REJECTED,
} RcGiftError;

#define RC_TYPE_GIFT_PROCESSOR (rc_gift_processor_get_type ())
G_DECLARE_INTERFACE (RcGiftProcessor, rc_gift_processor, RC, GIFT_PROCESSOR, GObject)

struct _RcGiftProcessorInterface {
  GTypeInterface parent_iface;

  const char *(*get_name) (RcGiftProcessor *self);
  void (*process_async) (RcGiftProcessor *self, JsonNode *transactions,
                         GAsyncReadyCallback callback, gpointer user_data);
  RcGiftBatchAnswer *(*process_finish) (RcGiftProcessor *self, GAsyncResult *result,
                                        GArray **rejected, GError **error);
};

/* "laravel" or "dev-ledger". */
const char *rc_gift_processor_get_name (RcGiftProcessor *self);
/* Send @transactions (a JSON array of wire transactions, transfer none). */
void rc_gift_processor_process_async (RcGiftProcessor *self, JsonNode *transactions,
                                      GAsyncReadyCallback callback, gpointer user_data);
/* @rejected (nullable) is set only with RC_GIFT_ERROR_REJECTED. */
RcGiftBatchAnswer *rc_gift_processor_process_finish (RcGiftProcessor *self,
                                                     GAsyncResult *result, GArray **rejected,
                                                     GError **error);

G_END_DECLS
