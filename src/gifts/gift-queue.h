/* roomcast: where accepted gifts wait for Laravel, and how the outcome of
 * each reaches every roomcastd.
 *
 * Two lists per deployment, in Redis (gift-queue-redis.c) or, without
 * REDIS_HOST, in this process (gift-queue-memory.c, lost on exit):
 *
 *   gifts:pending              every accepted transaction (wire JSON, see
 *                              gift-transaction.h), oldest first; RPUSH
 *   gifts:inflight:{workerId}  the batch this worker is sending; it stays
 *                              until Laravel's answer is handled
 *
 * push      queue one transaction, unless @max_pending transactions are
 *           already waiting (RC_GIFT_QUEUE_ERROR_FULL); success means
 *           durably queued (only then is the gift acknowledged to its
 *           sender)
 * take      this worker's in-flight batch if there is one (resent = TRUE:
 *           it was sent before, maybe by a process that crashed), else move
 *           up to @max pending transactions into a new in-flight batch in one
 *           atomic step (resent = FALSE)
 * complete  the in-flight batch is handled: publish @outcomes (gift-outcome.h)
 *           and forget the batch, in one atomic step
 * replace   keep only @items of the in-flight batch (after Laravel refused
 *           some of its transactions) and publish @outcomes (those of the
 *           refused ones), in one atomic step
 *
 * Publishing with the step that forgets (or shrinks) the in-flight list is
 * what makes every outcome told exactly once: a process that dies before
 * the step told nothing and its successor sends the batch again (Laravel
 * answers duplicate_transaction for what it applied, which the batcher
 * counts as applied), and one that dies after it left nothing to send
 * again. A complete or replace retried after a lost reply does nothing if
 * the first attempt ran.
 *
 * Every outcome published by any worker of the deployment (every process
 * on the same Redis and REDIS_DB; without Redis, this process) is emitted
 * once by each process's queue as the "outcome" signal (const char
 * *message). An outcome published while a process's subscription is down
 * (Redis unreachable from it) does not reach that process.
 *
 * GIO-style async pairs; callbacks run later from the main loop. Failures
 * are RC_GIFT_QUEUE_ERROR_UNAVAILABLE (Redis down: refuse new gifts, retry
 * the batch steps later) and RC_GIFT_QUEUE_ERROR_FULL (push only).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RC_GIFT_QUEUE_ERROR (rc_gift_queue_error_quark ())
GQuark rc_gift_queue_error_quark (void);

typedef enum {
  RC_GIFT_QUEUE_ERROR_UNAVAILABLE,
  RC_GIFT_QUEUE_ERROR_FULL, /* @max_pending transactions are waiting */
} RcGiftQueueError;

#define RC_GIFT_PENDING_KEY "gifts:pending"
#define RC_GIFT_INFLIGHT_PREFIX "gifts:inflight:"

#define RC_TYPE_GIFT_QUEUE (rc_gift_queue_get_type ())
G_DECLARE_INTERFACE (RcGiftQueue, rc_gift_queue, RC, GIFT_QUEUE, GObject)

struct _RcGiftQueueInterface {
  GTypeInterface parent_iface;

  const char *(*get_name) (RcGiftQueue *self);
  gboolean (*is_durable) (RcGiftQueue *self);

  void (*push_async) (RcGiftQueue *self, const char *transaction_id, const char *item,
                      guint max_pending, GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*push_finish) (RcGiftQueue *self, GAsyncResult *result, gint64 *n_pending,
                           GError **error);

  void (*take_async) (RcGiftQueue *self, guint max, GAsyncReadyCallback callback,
                      gpointer user_data);
  GPtrArray *(*take_finish) (RcGiftQueue *self, GAsyncResult *result, gboolean *resent,
                             gint64 *n_pending, GError **error);

  void (*complete_async) (RcGiftQueue *self, GPtrArray *outcomes, GAsyncReadyCallback callback,
                          gpointer user_data);
  gboolean (*complete_finish) (RcGiftQueue *self, GAsyncResult *result, GError **error);

  void (*replace_async) (RcGiftQueue *self, GPtrArray *items, GPtrArray *outcomes,
                         GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*replace_finish) (RcGiftQueue *self, GAsyncResult *result, GError **error);
};

/* "redis" or "memory". */
const char *rc_gift_queue_get_name (RcGiftQueue *self);
/* TRUE if queued gifts survive this process (Redis). */
gboolean rc_gift_queue_is_durable (RcGiftQueue *self);

/* Queue @item (the wire JSON of transaction @transaction_id) if fewer
 * than @max_pending (> 0) are pending. *@n_pending (nullable) is the
 * length of gifts:pending afterwards, when known (-1 if not). */
void rc_gift_queue_push_async (RcGiftQueue *self, const char *transaction_id, const char *item,
                               guint max_pending, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean rc_gift_queue_push_finish (RcGiftQueue *self, GAsyncResult *result, gint64 *n_pending,
                                    GError **error);

/* The batch to send (transfer full, strings; empty when there is nothing),
 * *@resent as above, *@n_pending the pending transactions left behind. */
void rc_gift_queue_take_async (RcGiftQueue *self, guint max, GAsyncReadyCallback callback,
                               gpointer user_data);
GPtrArray *rc_gift_queue_take_finish (RcGiftQueue *self, GAsyncResult *result, gboolean *resent,
                                      gint64 *n_pending, GError **error);

/* @outcomes: strings (transfer none), maybe empty. */
void rc_gift_queue_complete_async (RcGiftQueue *self, GPtrArray *outcomes,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean rc_gift_queue_complete_finish (RcGiftQueue *self, GAsyncResult *result,
                                        GError **error);

/* @items, @outcomes: strings (transfer none); @items not empty. */
void rc_gift_queue_replace_async (RcGiftQueue *self, GPtrArray *items, GPtrArray *outcomes,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean rc_gift_queue_replace_finish (RcGiftQueue *self, GAsyncResult *result, GError **error);

/* --- for implementations --- */

/* The result of a take, carried by its GTask. */
typedef struct {
  GPtrArray *items;
  gboolean resent;
  gint64 n_pending;
} RcGiftTake;

void rc_gift_take_free (RcGiftTake *take);
/* take_finish for a GTask that returned an RcGiftTake. */
GPtrArray *rc_gift_take_propagate (GTask *task, gboolean *resent, gint64 *n_pending,
                                   GError **error);
/* A g_free()-able copy of @n (push results). */
gint64 *rc_gift_count_new (gint64 n);
/* Emit "outcome" for @message (an outcome received or published). */
void rc_gift_queue_emit_outcome (RcGiftQueue *self, const char *message);

G_END_DECLS
