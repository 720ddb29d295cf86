/* roomcast: gifts on the wire; see gift-service.h.
 *
 * A gift:send travels: handler (cheap checks) -> rate gate (async) ->
 * re-check (the sender may have left meanwhile) -> queue push (async) ->
 * ack + gift:sent. Each async hop holds a SendRequest with references to
 * everything it needs; a request whose socket is gone before the push is
 * dropped unqueued (nobody could be told about it).
 */
#include "gifts/gift-service.h"

#include "gifts/gift-queue-memory.h"
#include "gifts/gift-transaction.h"
#include "core/metrics.h"
#include "protocol/errors.h"
#include "protocol/payload.h"

#define MINUTE_MS G_GINT64_CONSTANT (60000)

struct _RcGiftService {
  GObject parent_instance;
  RcSioServer *sio;
  RcRoomService *rooms;
  RcRateGate *gate;
  RcGiftQueue *queue;
  RcGiftBatcher *batcher; /* NULL: gifts off */
  RcGiftLedger *ledger;   /* nullable */
  const RcConfig *config;
  GCancellable *cancellable;
  gulong failed_id, processed_id;
  gboolean gone; /* disposed: late callbacks do nothing */
};

typedef struct {
  RcGiftService *self; /* ref */
  RcSioSocket *socket; /* ref */
  RcSioAck *ack;       /* ref, nullable */
  RcGiftTransaction *tx;
} SendRequest;

G_DEFINE_FINAL_TYPE (RcGiftService, rc_gift_service, G_TYPE_OBJECT)

static void
count_request (const char *result)
{
  g_autofree char *labels = g_strdup_printf ("result=\"%s\"", result);
  rc_metrics_counter_inc ("roomcast_gift_requests_total", "gift:send requests, by outcome",
                          labels);
}

static void
refuse (RcSioAck *ack, const GError *error, JsonObject *fields)
{
  count_request (rc_error_wire_code (error));
  if (ack != NULL)
    rc_sio_ack_error_full (ack, rc_error_wire_code (error), rc_error_wire_message (error),
                           fields);
}

static void
send_request_free (SendRequest *request)
{
  g_object_unref (request->self);
  g_object_unref (request->socket);
  g_clear_pointer (&request->ack, rc_sio_ack_unref);
  rc_gift_transaction_free (request->tx);
  g_free (request);
}

/* Emit @event with @payload to every connection of @user_id. */
static void
emit_to_user (RcGiftService *self, const char *user_id, const char *event, JsonNode *payload)
{
  rc_sio_server_emit_to_user (self->sio, user_id, event, payload);
}

/* --- validation ---------------------------------------------------------- */

/* giftId exactly as sent: no trimming, no case folding. */
static gboolean
get_gift_id (JsonObject *payload, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (payload, "giftId");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      !rc_gift_id_is_valid (json_node_get_string (node))) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD,
                         "field 'giftId' must be 1-%d characters of A-Z a-z 0-9 _ . -",
                         RC_GIFT_ID_MAX_LEN);
    return FALSE;
  }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* The room checks, run when the gift arrives and again before it is
 * queued: the sender is in @room_id with @socket, the recipient too. */
static gboolean
check_room (RcGiftService *self, RcSioSocket *socket, const char *sender, const char *recipient,
            const char **room_id, GError **error)
{
  RcRoom *room;

  room = rc_room_service_lookup_socket_room (self->rooms, socket, room_id);
  if (room == NULL) {
    rc_error_set (error, RC_ERROR_NOT_IN_ROOM);
    return FALSE;
  }
  if (g_str_equal (sender, recipient)) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "You cannot send a gift to yourself");
    return FALSE;
  }
  if (!rc_room_has_participant (room, recipient)) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "User %s is not in this room", recipient);
    return FALSE;
  }
  return TRUE;
}

/* Laravel's users.id is an integer: a gift between other ids cannot be
 * recorded there, so it is refused up front rather than failing later. */
static gboolean
check_numeric_ids (RcGiftService *self, const char *sender, const char *recipient,
                   GError **error)
{
  if (self->ledger != NULL)
    return TRUE;
  if (!rc_gift_user_id_is_numeric (sender, NULL)) {
    rc_error_set_printf (error, RC_ERROR_FORBIDDEN,
                         "Gifts need a numeric user id (Laravel's users.id); yours is '%s'",
                         sender);
    return FALSE;
  }
  if (!rc_gift_user_id_is_numeric (recipient, NULL)) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD,
                         "field 'recipientId': user '%s' has no numeric id and cannot "
                         "receive gifts",
                         recipient);
    return FALSE;
  }
  return TRUE;
}

/* --- gift:send ----------------------------------------------------------- */

static void
on_pushed (GObject *source, GAsyncResult *result, gpointer data)
{
  SendRequest *request = data;
  RcGiftService *self = request->self;
  RcGiftTransaction *tx = request->tx;
  g_autoptr (GError) error = NULL;
  gint64 n_pending = -1;

  if (!rc_gift_queue_push_finish (RC_GIFT_QUEUE (source), result, &n_pending, &error)) {
    g_autoptr (GError) refusal = NULL;
    rc_error_set_printf (&refusal, RC_ERROR_GIFT_UNAVAILABLE,
                         "The gift could not be queued (%s); nothing was charged, try again",
                         rc_gift_queue_is_durable (self->queue) ? "Redis is unavailable"
                                                                : "queue unavailable");
    g_debug ("gifts: %s refused: %s", tx->transaction_id, error->message);
    refuse (request->ack, refusal, NULL);
    send_request_free (request);
    return;
  }
  count_request ("queued");
  if (request->ack != NULL) {
    g_autoptr (JsonObject) fields = json_object_new ();
    json_object_set_string_member (fields, "transactionId", tx->transaction_id);
    rc_sio_ack_ok (request->ack, fields);
  }
  if (!self->gone) {
    g_autoptr (JsonObject) event = json_object_new ();
    g_autoptr (JsonNode) node = NULL;

    json_object_set_string_member (event, "transactionId", tx->transaction_id);
    json_object_set_string_member (event, "from", tx->sender_id);
    json_object_set_string_member (event, "to", tx->recipient_id);
    json_object_set_string_member (event, "giftId", tx->gift_id);
    json_object_set_int_member (event, "quantity", tx->quantity);
    json_object_set_int_member (event, "ts", tx->timestamp_ms);
    node = json_node_init_object (json_node_alloc (), event);
    rc_room_service_broadcast (self->rooms, tx->room_id, "gift:sent", node);
    rc_gift_batcher_notify_pending (self->batcher, n_pending);
  }
  send_request_free (request);
}

static void
on_gate (GObject *source, GAsyncResult *result, gpointer data)
{
  SendRequest *request = data;
  RcGiftService *self = request->self;
  RcGiftTransaction *tx = request->tx;
  g_autoptr (GError) error = NULL;
  gint64 retry_after_ms = 0;
  const char *room_id = NULL;
  g_autofree char *item = NULL;

  if (!rc_rate_gate_hit_finish (RC_RATE_GATE (source), result, &retry_after_ms, &error)) {
    if (error == NULL && !self->gone) {
      g_autoptr (JsonObject) fields = json_object_new ();
      json_object_set_int_member (fields, "retryAfterMs", retry_after_ms);
      rc_error_set_printf (&error, RC_ERROR_RATE_LIMITED,
                           "Too many gifts; retry in %" G_GINT64_FORMAT " ms", retry_after_ms);
      refuse (request->ack, error, fields);
    }
    send_request_free (request);
    return;
  }
  /* Nobody could be told about a gift queued for a connection that is gone,
   * or from a room the sender has just left. */
  if (self->gone || !rc_sio_socket_is_connected (request->socket) ||
      !check_room (self, request->socket, tx->sender_id, tx->recipient_id, &room_id, &error) ||
      !g_str_equal (room_id, tx->room_id)) {
    if (error != NULL)
      refuse (request->ack, error, NULL);
    send_request_free (request);
    return;
  }
  tx->timestamp_ms = g_get_real_time () / 1000;
  tx->transaction_id = rc_gift_transaction_id_new (tx->timestamp_ms);
  item = rc_gift_transaction_to_json (tx);
  rc_gift_queue_push_async (self->queue, tx->transaction_id, item, on_pushed, request);
}

static void
handle_send (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcGiftService *self = data;
  RcUser *user = rc_sio_socket_get_user (socket);
  g_autoptr (JsonObject) payload = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RcGiftTransaction) tx = g_new0 (RcGiftTransaction, 1);
  const char *room_id = NULL;
  SendRequest *request;

  payload = rc_payload_object (args, &error);
  if (payload == NULL ||
      !rc_payload_get_user_id (payload, "recipientId", RC_FIELD_REQUIRED, &tx->recipient_id,
                               &error) ||
      !get_gift_id (payload, &tx->gift_id, &error) ||
      !rc_payload_get_int (payload, "quantity", RC_FIELD_OPTIONAL, 1, RC_GIFT_QUANTITY_MAX, 1,
                           &tx->quantity, &error) ||
      !check_room (self, socket, user->id, tx->recipient_id, &room_id, &error) ||
      !check_numeric_ids (self, user->id, tx->recipient_id, &error)) {
    refuse (ack, error, NULL);
    return;
  }
  if (self->batcher == NULL) {
    rc_error_set_printf (&error, RC_ERROR_GIFT_UNAVAILABLE,
                         "Gifts are not set up on this server (no Laravel API)");
    refuse (ack, error, NULL);
    return;
  }
  tx->sender_id = g_strdup (user->id);
  tx->room_id = g_strdup (room_id);
  request = g_new0 (SendRequest, 1);
  request->self = g_object_ref (self);
  request->socket = g_object_ref (socket);
  request->ack = ack ? rc_sio_ack_ref (ack) : NULL;
  request->tx = g_steal_pointer (&tx);
  rc_rate_gate_hit_async (self->gate, "gift", user->id,
                          self->config->gift_rate_limit_per_minute, MINUTE_MS,
                          self->cancellable, on_gate, request);
}

/* --- gift:balance and notifications -------------------------------------- */

static JsonNode *
balance_event (RcGiftService *self, const char *user_id)
{
  g_autoptr (JsonObject) object = json_object_new ();

  json_object_set_int_member (object, "balance",
                              rc_gift_ledger_get_balance (self->ledger, user_id));
  return json_node_init_object (json_node_alloc (), object);
}

static void
handle_balance (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcGiftService *self = data;
  g_autoptr (JsonNode) node = NULL;

  if (ack == NULL)
    return;
  if (self->ledger == NULL) {
    rc_sio_ack_error (ack, "gift_unavailable",
                      "Balances are kept by the app (Laravel), not by this server");
    return;
  }
  node = balance_event (self, rc_sio_socket_get_user (socket)->id);
  rc_sio_ack_ok (ack, json_node_get_object (node));
}

static void
on_transaction_failed (RcGiftBatcher *batcher, const char *sender_id,
                       const char *transaction_id, const char *error, const char *room_id,
                       gpointer data)
{
  RcGiftService *self = data;
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (JsonNode) node = NULL;

  json_object_set_string_member (object, "transactionId", transaction_id);
  json_object_set_string_member (object, "error", error);
  node = json_node_init_object (json_node_alloc (), object);
  emit_to_user (self, sender_id, "gift:failed", node);
}

/* Dev ledger: every sender of the batch learns their new balance. */
static void
on_batch_processed (RcGiftBatcher *batcher, GPtrArray *txs, gpointer data)
{
  RcGiftService *self = data;
  g_autoptr (GHashTable) senders = g_hash_table_new (g_str_hash, g_str_equal);

  if (self->ledger == NULL)
    return;
  for (guint i = 0; i < txs->len; i++) {
    const char *sender = ((RcGiftTransaction *) g_ptr_array_index (txs, i))->sender_id;
    if (g_hash_table_add (senders, (gpointer) sender)) {
      g_autoptr (JsonNode) node = balance_event (self, sender);
      emit_to_user (self, sender, "gift:balance", node);
    }
  }
}

/* --- health, shutdown, construction -------------------------------------- */

static gboolean
health_contributor (JsonBuilder *b, gpointer data)
{
  RcGiftService *self = data;

  json_builder_set_member_name (b, "gifts");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "queue");
  json_builder_add_string_value (b, rc_gift_queue_get_name (self->queue));
  json_builder_set_member_name (b, "to");
  json_builder_add_string_value (b, self->batcher == NULL ? "disabled"
                                    : self->ledger        ? "dev-ledger"
                                                          : "laravel");
  if (self->batcher != NULL) {
    json_builder_set_member_name (b, "pending");
    json_builder_add_int_value (b, MAX (rc_gift_batcher_get_n_pending (self->batcher), 0));
    json_builder_set_member_name (b, "inflight");
    json_builder_add_int_value (b, rc_gift_batcher_get_n_inflight (self->batcher));
    json_builder_set_member_name (b, "failedAttempts");
    json_builder_add_int_value (b, rc_gift_batcher_get_n_failures (self->batcher));
  }
  json_builder_end_object (b);
  return TRUE;
}

void
rc_gift_service_add_health (RcGiftService *self, RcHealth *health)
{
  g_return_if_fail (RC_IS_GIFT_SERVICE (self));
  rc_health_add (health, health_contributor, self);
}

gboolean
rc_gift_service_is_flushed (RcGiftService *self, gint64 *n_left)
{
  g_return_val_if_fail (RC_IS_GIFT_SERVICE (self), TRUE);
  if (self->batcher == NULL) {
    if (n_left)
      *n_left = 0;
    return TRUE;
  }
  gint64 pending = rc_gift_batcher_get_n_pending (self->batcher);
  guint inflight = rc_gift_batcher_get_n_inflight (self->batcher);
  if (n_left)
    *n_left = pending < 0 ? -1 : pending + inflight;
  return pending == 0 && inflight == 0;
}

void
rc_gift_service_shutdown (RcGiftService *self)
{
  g_return_if_fail (RC_IS_GIFT_SERVICE (self));
  if (self->batcher != NULL)
    rc_gift_batcher_stop (self->batcher);
  if (RC_IS_GIFT_QUEUE_MEMORY (self->queue) &&
      rc_gift_queue_memory_get_length (RC_GIFT_QUEUE_MEMORY (self->queue)) > 0)
    g_warning ("gifts: %u acknowledged gift(s) not yet processed are lost with this process "
               "(no REDIS_HOST: the gift queue is not durable)",
               rc_gift_queue_memory_get_length (RC_GIFT_QUEUE_MEMORY (self->queue)));
}

RcGiftService *
rc_gift_service_new (RcSioServer *sio, RcRoomService *rooms, RcRateGate *gate,
                     RcGiftQueue *queue, RcGiftBatcher *batcher, RcGiftLedger *ledger,
                     const RcConfig *config)
{
  RcGiftService *self;

  g_return_val_if_fail (RC_IS_SIO_SERVER (sio) && RC_IS_ROOM_SERVICE (rooms), NULL);
  g_return_val_if_fail (RC_IS_RATE_GATE (gate) && RC_IS_GIFT_QUEUE (queue), NULL);
  g_return_val_if_fail (config != NULL, NULL);
  self = g_object_new (RC_TYPE_GIFT_SERVICE, NULL);
  self->sio = g_object_ref (sio);
  self->rooms = g_object_ref (rooms);
  self->gate = g_object_ref (gate);
  self->queue = g_object_ref (queue);
  self->batcher = batcher ? g_object_ref (batcher) : NULL;
  self->ledger = ledger ? g_object_ref (ledger) : NULL;
  self->config = config;
  rc_sio_server_on (sio, "gift:send", handle_send, self);
  rc_sio_server_on (sio, "gift:balance", handle_balance, self);
  if (batcher != NULL) {
    self->failed_id = g_signal_connect (batcher, "transaction-failed",
                                        G_CALLBACK (on_transaction_failed), self);
    self->processed_id = g_signal_connect (batcher, "batch-processed",
                                           G_CALLBACK (on_batch_processed), self);
  }
  return self;
}

static void
rc_gift_service_dispose (GObject *object)
{
  RcGiftService *self = RC_GIFT_SERVICE (object);

  self->gone = TRUE;
  g_cancellable_cancel (self->cancellable);
  if (self->sio != NULL) {
    rc_sio_server_off_by_data (self->sio, self, "gift_unavailable", "gifts are not available");
  }
  if (self->batcher != NULL) {
    g_clear_signal_handler (&self->failed_id, self->batcher);
    g_clear_signal_handler (&self->processed_id, self->batcher);
  }
  g_clear_object (&self->sio);
  g_clear_object (&self->rooms);
  g_clear_object (&self->gate);
  g_clear_object (&self->queue);
  g_clear_object (&self->batcher);
  g_clear_object (&self->ledger);
  G_OBJECT_CLASS (rc_gift_service_parent_class)->dispose (object);
}

static void
rc_gift_service_finalize (GObject *object)
{
  g_object_unref (RC_GIFT_SERVICE (object)->cancellable);
  G_OBJECT_CLASS (rc_gift_service_parent_class)->finalize (object);
}

static void
rc_gift_service_class_init (RcGiftServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rc_gift_service_dispose;
  object_class->finalize = rc_gift_service_finalize;
}

static void
rc_gift_service_init (RcGiftService *self)
{
  self->cancellable = g_cancellable_new ();
}
