/* roomcast: gift batches to Laravel's POST /api/v1/internal/gifts/batch.
 *
 * 200 with a valid {processed, failed[]}: the answer. 422: REJECTED (with
 * the transactions its "errors" name). Anything else, including a 200 whose
 * body breaks the schema, a 403 (wrong internal key: fixing the key must not
 * lose the gifts) and a 404 (the endpoint not deployed yet): RETRY.
 */
#pragma once

#include "gifts/gift-processor.h"
#include "laravel/laravel-client.h"

G_BEGIN_DECLS

#define RC_TYPE_GIFT_PROCESSOR_LARAVEL (rc_gift_processor_laravel_get_type ())
G_DECLARE_FINAL_TYPE (RcGiftProcessorLaravel, rc_gift_processor_laravel, RC,
                      GIFT_PROCESSOR_LARAVEL, GObject)

RcGiftProcessor *rc_gift_processor_laravel_new (RcLaravelClient *laravel);

G_END_DECLS
