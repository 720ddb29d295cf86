/* roomcast: Socket.IO events -> room registry -> effects; see room-service.h. */
#include "services/room-service-private.h"

#include "core/metrics.h"
#include "json/json-text.h"
#include "protocol/errors.h"
#include "protocol/payload.h"
#include "rooms/room-commands.h"
#include "sio/sio-codec.h"

/* user_data of one registered event handler. */
typedef struct {
  RcRoomService *self;
  char *event;
} EventHandler;

guint rc_room_service_signals[N_SIGNALS];
#define signals rc_room_service_signals

G_DEFINE_FINAL_TYPE (RcRoomService, rc_room_service, G_TYPE_OBJECT)

static RcRoomUser *
room_user_from (RcUser *user)
{
  return rc_room_user_new (user->id, user->name, user->avatar_url, user->role);
}

static void
binding_free (gpointer data)
{
  Binding *binding = data;

  g_object_unref (binding->socket);
  g_free (binding->room_id);
  g_free (binding);
}

static void
bind_socket (RcRoomService *self, const char *user_id, RcSioSocket *socket, const char *room_id)
{
  Binding *binding = g_new0 (Binding, 1);

  binding->socket = g_object_ref (socket);
  binding->room_id = g_strdup (room_id);
  g_hash_table_replace (self->bindings, g_strdup (user_id), binding);
}

/* TRUE if @socket is the one its user takes part in a room with. */
static gboolean
is_bound (RcRoomService *self, RcSioSocket *socket)
{
  RcUser *user = rc_sio_socket_get_user (socket);
  Binding *binding = user ? g_hash_table_lookup (self->bindings, user->id) : NULL;

  return binding != NULL && binding->socket == socket;
}

/* The limits that a SIGHUP may change are re-read before each operation. */
static void
sync_settings (RcRoomService *self)
{
  RcRoomRegistrySettings settings = *rc_room_registry_get_settings (self->registry);

  settings.max_rooms = self->config->max_rooms_per_worker;
  settings.room.max_participants = self->config->max_clients_per_room;
  rc_room_registry_update_settings (self->registry, &settings);
}

/* --- acknowledgements --- */

static void
ack_error (RcSioAck *ack, const GError *error, JsonObject *fields)
{
  g_autofree char *labels = g_strdup_printf ("code=\"%s\"", rc_error_wire_code (error));

  rc_metrics_counter_inc ("roomcast_room_errors_total", "Room events refused, by error code",
                          labels);
  if (error->domain != RC_ERROR)
    g_warning ("room event failed: %s", error->message);
  if (ack != NULL)
    rc_sio_ack_error_full (ack, rc_error_wire_code (error), rc_error_wire_message (error),
                           fields);
}

void
rc_room_service_refuse (RcSioAck *ack, const GError *error, JsonObject *fields)
{
  ack_error (ack, error, fields);
}

static void
ack_ok (RcSioAck *ack, JsonObject *fields)
{
  if (ack != NULL)
    rc_sio_ack_ok (ack, fields);
}

/* --- room:join --- */

/* @old, another connection of the same user, was the one taking part in
 * @old_room until a join of theirs to @room_id took the presence over: it
 * stays connected, out of any room, and is told so. In the same room nothing
 * changed for the registry (no effects), so "room-changed" says that the
 * bound socket did: the media service then closes @old's session. */
static void
take_over (RcRoomService *self, RcSioSocket *old, const char *old_room, const char *room_id)
{
  gboolean same_room = g_str_equal (old_room, room_id);
  g_autoptr (JsonObject) payload = json_object_new ();
  g_autoptr (JsonNode) arg = NULL;

  json_object_set_string_member (payload, "roomId", old_room);
  json_object_set_string_member (payload, "reason", same_room ? "taken_over" : "switched");
  arg = json_node_init_object (json_node_alloc (), payload);
  rc_sio_socket_emit (old, "replaced", arg);
  g_info ("room %s: user %s joined from another connection; connection %s is out of room %s",
          room_id, rc_sio_socket_get_user (old)->id, rc_sio_socket_get_id (old), old_room);
  if (same_room)
    g_signal_emit (self, signals[SIGNAL_ROOM_CHANGED], 0, room_id);
}

void
rc_room_service_finish_join (RcRoomService *self, RcSioSocket *socket, RcSioAck *ack,
                             const char *room_id, const char *owner)
{
  RcUser *user = rc_sio_socket_get_user (socket);
  g_autoptr (RcRoomUser) member = room_user_from (user);
  g_autoptr (JsonObject) snapshot = NULL;
  g_autoptr (GError) error = NULL;
  gboolean creates = rc_room_registry_needs_owner (self->registry, room_id);
  Binding *previous;
  g_autoptr (RcSioSocket) replaced = NULL;
  g_autofree char *replaced_room = NULL;

  sync_settings (self);
  snapshot = rc_room_registry_join (self->registry, room_id, member, owner,
                                    rc_room_service_now_ms (), self->effects, &error);
  if (snapshot == NULL) {
    ack_error (ack, error, NULL);
    rc_room_service_apply_effects (self);
    return;
  }
  if (creates) {
    const char *host = rc_room_get_host_id (rc_room_registry_lookup (self->registry, room_id));
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "ROOMCAST_EVENT", "room-created",
                      "ROOMCAST_ROOM_ID", room_id, "ROOMCAST_USER_ID", user->id, "MESSAGE",
                      "room open: %s (host %s%s)", room_id, host ? host : "nobody",
                      owner  ? ", named by the app"
                      : host ? ", first joiner"
                             : "");
  }
  /* One connection per user takes part in a room: this one from now on. */
  previous = g_hash_table_lookup (self->bindings, user->id);
  if (previous != NULL && previous->socket != socket) {
    replaced = g_object_ref (previous->socket);
    replaced_room = g_strdup (previous->room_id);
  }
  bind_socket (self, user->id, socket, room_id);
  /* The snapshot first: everything broadcast afterwards is news to the joiner. */
  ack_ok (ack, snapshot);
  rc_room_service_apply_effects (self);
  if (replaced != NULL)
    take_over (self, replaced, replaced_room, room_id);
  g_signal_emit (self, signals[SIGNAL_SOCKET_JOINED], 0, room_id, socket);
}

static void
handle_join (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcRoomService *self = ((EventHandler *) data)->self;
  g_autoptr (JsonObject) payload = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *room_id = NULL;

  payload = rc_payload_object (args, &error);
  if (payload == NULL ||
      !rc_payload_get_uuid (payload, "roomId", RC_FIELD_REQUIRED, &room_id, &error)) {
    ack_error (ack, error, NULL);
    return;
  }
  if (rc_room_registry_needs_owner (self->registry, room_id) && self->claims != NULL)
    rc_room_service_place_and_join (self, socket, ack, room_id);
  else if (rc_room_registry_needs_owner (self->registry, room_id))
    rc_room_service_open_and_join (self, socket, ack, room_id);
  else
    rc_room_service_finish_join (self, socket, ack, room_id, NULL);
}

/* --- room:leave, room:close, everything else --- */

static void
handle_leave (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcRoomService *self = ((EventHandler *) data)->self;
  g_autoptr (GError) error = NULL;

  if (!is_bound (self, socket))
    rc_error_set (&error, RC_ERROR_NOT_IN_ROOM);
  else
    rc_room_registry_leave (self->registry, rc_sio_socket_get_user (socket)->id,
                            rc_room_service_now_ms (), self->effects, &error);
  if (error != NULL)
    ack_error (ack, error, NULL);
  else
    ack_ok (ack, NULL);
  rc_room_service_apply_effects (self);
}

static void
handle_close (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcRoomService *self = ((EventHandler *) data)->self;
  g_autoptr (RcRoomUser) actor = room_user_from (rc_sio_socket_get_user (socket));
  g_autoptr (JsonObject) payload = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *room_id = NULL;

  /* {roomId} lets an admin close a room they are not in. */
  payload = rc_payload_object (args, &error);
  if (payload != NULL &&
      rc_payload_get_uuid (payload, "roomId", RC_FIELD_OPTIONAL, &room_id, &error)) {
    if (room_id == NULL && !is_bound (self, socket))
      rc_error_set (&error, RC_ERROR_NOT_IN_ROOM);
    else
      rc_room_registry_close (self->registry, actor, room_id, rc_room_service_now_ms (),
                              self->effects, &error);
  }
  if (error != NULL)
    ack_error (ack, error, NULL);
  else
    ack_ok (ack, NULL);
  rc_room_service_apply_effects (self);
}

static void
dispatch_room_event (RcRoomService *self, const char *event, RcSioSocket *socket,
                     JsonObject *payload, RcSioAck *ack)
{
  g_autoptr (JsonObject) reply = NULL;
  g_autoptr (GError) error = NULL;

  if (!is_bound (self, socket))
    rc_error_set (&error, RC_ERROR_NOT_IN_ROOM);
  else {
    sync_settings (self);
    rc_room_registry_dispatch (self->registry, rc_sio_socket_get_user (socket)->id, event,
                               payload, rc_room_service_now_ms (), self->effects, &reply,
                               &error);
  }
  if (error != NULL)
    ack_error (ack, error, reply);
  else
    ack_ok (ack, reply);
  rc_room_service_apply_effects (self);
}

/* A chat:send or typing waiting for the rate gate. */
typedef struct {
  RcRoomService *self; /* ref */
  const char *event;   /* EventHandler's, lives as long as the service */
  RcSioSocket *socket; /* ref */
  JsonObject *payload; /* ref */
  RcSioAck *ack;       /* ref, nullable */
} GatedEvent;

static void
gated_event_free (GatedEvent *gated)
{
  g_object_unref (gated->self);
  g_object_unref (gated->socket);
  json_object_unref (gated->payload);
  g_clear_pointer (&gated->ack, rc_sio_ack_unref);
  g_free (gated);
}

static void
on_gate_answer (GObject *source, GAsyncResult *result, gpointer data)
{
  GatedEvent *gated = data;
  RcRoomService *self = gated->self;
  gint64 retry_after_ms = 0;
  g_autoptr (GError) error = NULL;
  gboolean allowed = rc_rate_gate_hit_finish (RC_RATE_GATE (source), result, &retry_after_ms,
                                              &error);

  if (self->registry == NULL || error != NULL)
    ; /* the service is gone */
  else if (!allowed) {
    g_autoptr (JsonObject) fields = json_object_new ();
    json_object_set_int_member (fields, "retryAfterMs", retry_after_ms);
    rc_error_set_printf (&error, RC_ERROR_RATE_LIMITED,
                         "Too many messages; retry in %" G_GINT64_FORMAT " ms", retry_after_ms);
    ack_error (gated->ack, error, fields);
  } else if (rc_sio_socket_is_connected (gated->socket))
    dispatch_room_event (self, gated->event, gated->socket, gated->payload, gated->ack);
  gated_event_free (gated);
}

static void
handle_room_event (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  EventHandler *handler = data;
  RcRoomService *self = handler->self;
  g_autoptr (JsonObject) payload = NULL;
  g_autoptr (GError) error = NULL;
  const char *bucket = rc_room_command_rate_bucket (handler->event);

  payload = rc_payload_object (args, &error);
  if (payload == NULL) {
    ack_error (ack, error, NULL);
    return;
  }
  /* Only an event that can go out draws on the budget: the room and the
   * payload are checked first. */
  if (bucket != NULL && is_bound (self, socket) &&
      rc_room_command_check_payload (handler->event, payload, NULL)) {
    /* Counted by the gate first (one budget per user and bucket; in Redis
       * shared by every worker), dispatched when the gate allows it. */
    GatedEvent *pending = g_new0 (GatedEvent, 1);
    pending->self = g_object_ref (self);
    pending->event = handler->event;
    pending->socket = g_object_ref (socket);
    pending->payload = json_object_ref (payload);
    pending->ack = ack ? rc_sio_ack_ref (ack) : NULL;
    rc_rate_gate_hit_async (self->rate_gate, bucket, rc_sio_socket_get_user (socket)->id,
                            self->config->rate_limit_per_minute, 60000, self->cancellable,
                            on_gate_answer, pending);
    return;
  }
  dispatch_room_event (self, handler->event, socket, payload, ack);
}

/* The bound socket closed: hold the seat for the grace period. */
static void
on_disconnected (RcSioServer *sio, RcSioSocket *socket, const char *reason, gpointer data)
{
  RcRoomService *self = data;
  RcUser *user = rc_sio_socket_get_user (socket);

  if (user == NULL || !is_bound (self, socket))
    return;
  g_hash_table_remove (self->bindings, user->id);
  rc_room_registry_disconnect (self->registry, user->id, rc_room_service_now_ms (),
                               self->effects);
  rc_room_service_apply_effects (self);
}

/* --- health and metrics --- */

guint
rc_room_service_get_n_participants (RcRoomService *self)
{
  g_autoptr (GPtrArray) ids = rc_room_registry_list_rooms (self->registry);
  guint n = 0;

  for (guint i = 0; i < ids->len; i++)
    n += rc_room_get_n_participants (
      rc_room_registry_lookup (self->registry, g_ptr_array_index (ids, i)));
  return n;
}

static gboolean
health_contributor (JsonBuilder *builder, gpointer data)
{
  RcRoomService *self = data;

  json_builder_set_member_name (builder, "rooms");
  json_builder_add_int_value (builder, rc_room_registry_get_n_rooms (self->registry));
  json_builder_set_member_name (builder, "participants");
  json_builder_add_int_value (builder, rc_room_service_get_n_participants (self));
  return TRUE;
}

static void
metrics_collector (GString *out, gpointer data)
{
  RcRoomService *self = data;

  rc_metrics_append_gauge (out, "roomcast_rooms", "Open rooms",
                           rc_room_registry_get_n_rooms (self->registry));
  rc_metrics_append_gauge (out, "roomcast_room_participants",
                           "Participants in rooms, held seats included",
                           rc_room_service_get_n_participants (self));
}

void
rc_room_service_add_health (RcRoomService *self, RcHealth *health)
{
  g_return_if_fail (RC_IS_ROOM_SERVICE (self));
  rc_health_add (health, health_contributor, self);
}

RcRoomRegistry *
rc_room_service_get_registry (RcRoomService *self)
{
  g_return_val_if_fail (RC_IS_ROOM_SERVICE (self), NULL);
  return self->registry;
}

const char *
rc_room_service_get_socket_room (RcRoomService *self, RcSioSocket *socket)
{
  RcUser *user;
  Binding *binding;

  g_return_val_if_fail (RC_IS_ROOM_SERVICE (self), NULL);
  user = rc_sio_socket_get_user (socket);
  binding = user ? g_hash_table_lookup (self->bindings, user->id) : NULL;
  return binding != NULL && binding->socket == socket ? binding->room_id : NULL;
}

RcRoom *
rc_room_service_lookup (RcRoomService *self, const char *room_id)
{
  g_return_val_if_fail (RC_IS_ROOM_SERVICE (self), NULL);
  return room_id ? rc_room_registry_lookup (self->registry, room_id) : NULL;
}

RcRoom *
rc_room_service_lookup_socket_room (RcRoomService *self, RcSioSocket *socket,
                                    const char **room_id)
{
  const char *id = rc_room_service_get_socket_room (self, socket);

  if (room_id)
    *room_id = id;
  return rc_room_service_lookup (self, id);
}

static void
broadcast (RcRoomService *self, const char *room_id, const char *event, JsonNode *payload,
           gboolean is_volatile)
{
  g_autoptr (JsonArray) args = json_array_new ();
  g_autofree char *frame = NULL;
  GHashTableIter iter;
  gpointer value;
  guint sent = 0;

  g_return_if_fail (RC_IS_ROOM_SERVICE (self) && room_id != NULL && event != NULL);
  json_array_add_element (args, json_node_copy (payload));
  frame = rc_sio_encode_event ("/", -1, event, args);
  g_hash_table_iter_init (&iter, self->bindings);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Binding *binding = value;
    if (g_str_equal (binding->room_id, room_id)) {
      if (!is_volatile)
        rc_sio_socket_send_frame (binding->socket, frame);
      else if (!rc_sio_socket_send_volatile_frame (binding->socket, frame))
        continue;
      sent++;
    }
  }
  rc_metrics_counter_add ("roomcast_room_messages_out_total",
                          "Room events sent to clients (one per recipient)", NULL, sent);
}

void
rc_room_service_broadcast (RcRoomService *self, const char *room_id, const char *event,
                           JsonNode *payload)
{
  broadcast (self, room_id, event, payload, FALSE);
}

void
rc_room_service_broadcast_volatile (RcRoomService *self, const char *room_id, const char *event,
                                    JsonNode *payload)
{
  broadcast (self, room_id, event, payload, TRUE);
}

void
rc_room_service_close_room (RcRoomService *self, const char *room_id, const char *reason)
{
  g_return_if_fail (RC_IS_ROOM_SERVICE (self) && room_id != NULL && reason != NULL);
  if (self->registry == NULL)
    return;
  rc_room_registry_close_room (self->registry, room_id, reason, rc_room_service_now_ms (),
                               self->effects);
  rc_room_service_apply_effects (self);
}

gboolean
rc_room_service_remove_user (RcRoomService *self, const char *room_id, const char *user_id,
                             gboolean ban, GError **error)
{
  g_return_val_if_fail (RC_IS_ROOM_SERVICE (self) && room_id != NULL && user_id != NULL, FALSE);
  if (self->registry == NULL) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "No open room %s", room_id);
    return FALSE;
  }
  if (!rc_room_registry_remove_user (self->registry, room_id, user_id, ban,
                                     rc_room_service_now_ms (), self->effects, error))
    return FALSE;
  rc_room_service_apply_effects (self);
  return TRUE;
}

void
rc_room_service_shutdown (RcRoomService *self)
{
  g_return_if_fail (RC_IS_ROOM_SERVICE (self));
  if (self->registry == NULL)
    return;
  g_info ("rooms: closing %u room(s) for shutdown",
          rc_room_registry_get_n_rooms (self->registry));
  rc_room_registry_close_all (self->registry, "server_shutdown", rc_room_service_now_ms (),
                              self->effects);
  rc_room_service_apply_effects (self);
  /* Write now rather than on the next iteration: the loop is winding down. */
  if (self->flush_source != 0) {
    g_clear_handle_id (&self->flush_source, g_source_remove);
    rc_room_service_flush_saves (self);
  }
}

/* --- construction --- */

static void
add_handler (RcRoomService *self, const char *event, RcSioEventHandler func)
{
  EventHandler *handler = g_new0 (EventHandler, 1);

  handler->self = self;
  handler->event = g_strdup (event);
  g_ptr_array_add (self->handlers, handler);
  rc_sio_server_on (self->sio, event, func, handler);
}

static void
event_handler_free (gpointer data)
{
  EventHandler *handler = data;

  g_free (handler->event);
  g_free (handler);
}

static const char *
ownership_name (RcRoomOwnership ownership)
{
  return ownership == RC_ROOM_OWNERSHIP_LARAVEL  ? "laravel"
         : ownership == RC_ROOM_OWNERSHIP_PINNED ? "pinned"
                                                 : "open";
}

static const char *
ownership_rule (RcRoomOwnership ownership)
{
  return ownership == RC_ROOM_OWNERSHIP_LARAVEL
           ? "rooms Laravel knows, hosted by the owner it names"
         : ownership == RC_ROOM_OWNERSHIP_PINNED
           ? "rooms pinned in room:owner:{id}, hosted by that user"
           : "any room id, hosted by its pinned owner or else its first joiner";
}

RcRoomService *
rc_room_service_new (RcSioServer *sio, RcStore *store, RcRateGate *gate, const RcConfig *config)
{
  RcRoomService *self;
  RcRoomRegistrySettings settings;

  g_return_val_if_fail (RC_IS_SIO_SERVER (sio) && RC_IS_STORE (store) &&
                          RC_IS_RATE_GATE (gate) && config != NULL,
                        NULL);
  self = g_object_new (RC_TYPE_ROOM_SERVICE, NULL);
  self->sio = g_object_ref (sio);
  self->store = g_object_ref (store);
  self->rate_gate = g_object_ref (gate);
  self->config = config;

  rc_room_registry_settings_init_default (&settings);
  settings.max_rooms = config->max_rooms_per_worker;
  settings.room.n_seats = CLAMP (config->seats_per_room, 1, RC_ROOM_MAX_SEATS);
  settings.room.max_participants = config->max_clients_per_room;
  settings.room.grace_ms = (gint64) config->room_grace_s * 1000;
  /* Only the app makes hosts, except in the demo's open rooms. */
  settings.room.owner_hosts_only = config->room_ownership != RC_ROOM_OWNERSHIP_OPEN;
  self->registry = rc_room_registry_new (&settings);

  add_handler (self, "room:join", handle_join);
  add_handler (self, "room:leave", handle_leave);
  add_handler (self, "room:close", handle_close);
  for (const char *const *event = rc_room_command_names (); *event != NULL; event++)
    add_handler (self, *event, handle_room_event);
  self->disconnected_id = g_signal_connect (sio, "disconnected", G_CALLBACK (on_disconnected),
                                            self);
  rc_metrics_register_collector (metrics_collector, self);
  g_info ("rooms: %u seats, grace %u s, at most %u rooms of %u clients, %u messages/min "
          "counted in %s",
          settings.room.n_seats, config->room_grace_s, settings.max_rooms,
          settings.room.max_participants, config->rate_limit_per_minute,
          rc_rate_gate_get_backend (gate));
  g_info ("rooms: ROOM_OWNERSHIP=%s (%s), at most %u new rooms per user and minute",
          ownership_name (config->room_ownership), ownership_rule (config->room_ownership),
          config->room_create_rate_limit);
  return self;
}

static void
rc_room_service_dispose (GObject *object)
{
  RcRoomService *self = RC_ROOM_SERVICE (object);

  if (self->sio != NULL) {
    g_clear_signal_handler (&self->disconnected_id, self->sio);
    for (guint i = 0; i < self->handlers->len; i++)
      rc_sio_server_off_by_data (self->sio, g_ptr_array_index (self->handlers, i), "internal",
                                 "rooms are not available");
    rc_metrics_unregister_collector (metrics_collector, self);
  }
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer_source, g_source_remove);
  /* Last writes go out fire-and-forget. */
  if (self->flush_source != 0) {
    g_clear_handle_id (&self->flush_source, g_source_remove);
    if (self->store != NULL)
      rc_room_service_flush_saves (self);
  }
  g_hash_table_remove_all (self->bindings);
  g_hash_table_remove_all (self->openings);
  g_clear_pointer (&self->registry, rc_room_registry_free);
  g_clear_object (&self->sio);
  g_clear_object (&self->store);
  g_clear_object (&self->rate_gate);
  g_clear_object (&self->opener);
  rc_room_service_clear_claims (self);
  G_OBJECT_CLASS (rc_room_service_parent_class)->dispose (object);
}

static void
rc_room_service_finalize (GObject *object)
{
  RcRoomService *self = RC_ROOM_SERVICE (object);

  g_ptr_array_unref (self->handlers);
  g_hash_table_unref (self->bindings);
  g_hash_table_unref (self->openings);
  g_hash_table_unref (self->pending_saves);
  rc_effects_free (self->effects);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (rc_room_service_parent_class)->finalize (object);
}

static void
rc_room_service_class_init (RcRoomServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rc_room_service_dispose;
  object_class->finalize = rc_room_service_finalize;
  signals[SIGNAL_ROOM_STATE_CHANGED] = g_signal_new ("room-state-changed",
                                                     G_TYPE_FROM_CLASS (klass),
                                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                     G_TYPE_NONE, 2, G_TYPE_STRING,
                                                     JSON_TYPE_NODE);
  signals[SIGNAL_ROOM_CHANGED] = g_signal_new ("room-changed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_SOCKET_JOINED] = g_signal_new ("socket-joined", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 2, G_TYPE_STRING,
                                                RC_TYPE_SIO_SOCKET);
}

static void
rc_room_service_init (RcRoomService *self)
{
  self->effects = rc_effects_new ();
  self->bindings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, binding_free);
  self->pending_saves = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) json_node_unref);
  self->handlers = g_ptr_array_new_with_free_func (event_handler_free);
  self->openings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          rc_room_service_opening_free);
  self->cancellable = g_cancellable_new ();
  self->timer_deadline = -1;
}
