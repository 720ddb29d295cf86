/* roomcast: what the rooms' operations produce, made real: frames encoded
 * once per broadcast, store writes coalesced per main-loop iteration,
 * socket bindings, signals, and the one grace-period timer. */
#include "services/room-service-private.h"

#include "core/metrics.h"
#include "json/json-text.h"
#include "sio/sio-codec.h"

#define signals rc_room_service_signals

gint64
rc_room_service_now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void on_state_saved (GObject *source, GAsyncResult *result, gpointer user_data);
static void on_seats_saved (GObject *source, GAsyncResult *result, gpointer user_data);

/* Write every room changed since the last flush, once each. */
gboolean
rc_room_service_flush_saves (gpointer data)
{
  RcRoomService *self = data;
  GHashTableIter iter;
  gpointer key, value;

  self->flush_source = 0;
  g_hash_table_iter_init (&iter, self->pending_saves);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    const char *room_id = key;
    JsonObject *persist = json_node_get_object (value);
    JsonNode *state = json_object_get_member (persist, "state");
    JsonArray *seats = json_object_get_array_member (persist, "seats");
    guint n_seats = json_array_get_length (seats);
    g_autofree const char **seat_users = g_new0 (const char *, n_seats + 1);
    g_autofree char *text = rc_json_to_string (state);

    for (guint i = 0; i < n_seats; i++)
      if (!JSON_NODE_HOLDS_NULL (json_array_get_element (seats, i)))
        seat_users[i] = json_array_get_string_element (seats, i);
    rc_store_save_room_state_async (self->store, room_id, text, RC_STORE_ROOM_STATE_TTL_MS,
                                    NULL, on_state_saved, NULL);
    rc_store_save_seats_async (self->store, room_id, seat_users, n_seats, NULL, on_seats_saved,
                               NULL);
    g_debug ("store: saving room %s", room_id);
    g_signal_emit (self, signals[SIGNAL_ROOM_STATE_CHANGED], 0, room_id, state);
    rc_room_service_publish_room (self, room_id, persist);
  }
  g_hash_table_remove_all (self->pending_saves);
  return G_SOURCE_REMOVE;
}

/* Store failures never affect the room: they are logged and counted. */
static void
on_state_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!rc_store_save_room_state_finish (RC_STORE (source), result, &error)) {
    rc_metrics_counter_inc ("roomcast_store_errors_total", "Failed store writes", NULL);
    g_warning ("store: saving a room state failed: %s", error->message);
  }
}

static void
on_seats_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!rc_store_save_seats_finish (RC_STORE (source), result, &error)) {
    rc_metrics_counter_inc ("roomcast_store_errors_total", "Failed store writes", NULL);
    g_warning ("store: saving room seats failed: %s", error->message);
  }
}

static gboolean on_timer (gpointer data);

/* One timer for the registry's earliest deadline. */
static void
rearm_timer (RcRoomService *self)
{
  gint64 deadline = rc_room_registry_next_deadline (self->registry);

  if (deadline == self->timer_deadline && (deadline < 0 || self->timer_source != 0))
    return;
  g_clear_handle_id (&self->timer_source, g_source_remove);
  self->timer_deadline = deadline;
  if (deadline >= 0)
    self->timer_source = g_timeout_add ((guint) CLAMP (deadline - rc_room_service_now_ms (), 0,
                                                       G_MAXINT),
                                        on_timer, self);
}

/* Encode once, send to every recipient still bound to the room. */
static void
deliver_event (RcRoomService *self, const RcEffect *effect)
{
  g_autoptr (JsonArray) args = json_array_new ();
  g_autofree char *frame = NULL;
  guint sent = 0;

  json_array_add_element (args, json_node_copy (effect->payload));
  frame = rc_sio_encode_event ("/", -1, effect->event, args);
  for (char **user_id = effect->recipients; *user_id != NULL; user_id++) {
    Binding *binding = g_hash_table_lookup (self->bindings, *user_id);
    if (binding != NULL && g_str_equal (binding->room_id, effect->room_id)) {
      rc_sio_socket_send_frame (binding->socket, frame);
      sent++;
    }
  }
  rc_metrics_counter_add ("roomcast_room_messages_out_total",
                          "Room events sent to clients (one per recipient)", NULL, sent);
}

/* Apply, in order, what the last operation produced; then re-arm the timer. */
void
rc_room_service_apply_effects (RcRoomService *self)
{
  g_autoptr (GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < rc_effects_get_length (self->effects); i++) {
    const RcEffect *effect = rc_effects_get (self->effects, i);
    Binding *binding;

    if (effect->room_id != NULL &&
        !g_ptr_array_find_with_equal_func (changed, effect->room_id, g_str_equal, NULL))
      g_ptr_array_add (changed, g_strdup (effect->room_id));

    switch (effect->kind) {
    case RC_EFFECT_EVENT:
      deliver_event (self, effect);
      break;
    case RC_EFFECT_DETACH:
      binding = g_hash_table_lookup (self->bindings, effect->user_id);
      if (binding != NULL && g_str_equal (binding->room_id, effect->room_id))
        g_hash_table_remove (self->bindings, effect->user_id);
      break;
    case RC_EFFECT_PERSIST:
      if (g_str_equal (json_object_get_string_member (
                         json_object_get_object_member (json_node_get_object (effect->payload),
                                                        "state"),
                         "status"),
                       "CLOSED"))
        g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "ROOMCAST_EVENT", "room-closed",
                          "ROOMCAST_ROOM_ID", effect->room_id, "MESSAGE", "room closed: %s",
                          effect->room_id);
      g_hash_table_replace (self->pending_saves, g_strdup (effect->room_id),
                            json_node_ref (effect->payload));
      /* Default priority, not idle: dispatched in the next main-loop
           * iteration even while sockets keep the loop busy (an idle
           * source would wait until they are all quiet, and a burst could
           * then coalesce a room's opening into its close). */
      if (self->flush_source == 0)
        self->flush_source = g_idle_add_full (G_PRIORITY_DEFAULT, rc_room_service_flush_saves,
                                              self, NULL);
      break;
    default:
      break;
    }
  }
  rc_effects_clear (self->effects);
  rearm_timer (self);
  /* After the bindings changed, so listeners see who is still bound. */
  for (guint i = 0; i < changed->len; i++)
    g_signal_emit (self, signals[SIGNAL_ROOM_CHANGED], 0, g_ptr_array_index (changed, i));
}

static gboolean
on_timer (gpointer data)
{
  RcRoomService *self = data;

  self->timer_source = 0;
  self->timer_deadline = -1;
  rc_room_registry_tick (self->registry, rc_room_service_now_ms (), self->effects);
  rc_room_service_apply_effects (self);
  return G_SOURCE_REMOVE;
}
