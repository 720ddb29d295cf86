/* roomcast: the rooms of this node among several nodes on one Redis.
 *
 * With room claims (cluster/room-claims.h) a room:join of a room that is
 * not open here first asks Redis which node runs it, placing it when no
 * live node does. Here: the join goes on as on a single node
 * (room-service-open.c). Elsewhere: the ack is room_elsewhere with the
 * node's url and nodeId, and the client joins there. Each heartbeat renews
 * the claims of the rooms open here; a room's claim is released once its
 * CLOSED state is written.
 *
 * A room whose claim another live node holds now (this node was taken for
 * dead: Redis out of reach longer than CLUSTER_NODE_TTL_MS) is let go
 * without closing it: nothing is written or posted for it (the other node
 * owns its keys and its status now), its connections here are
 * disconnected, and their reconnect and join leads them to that node.
 */
#include "services/room-service-private.h"

#include <string.h>

#include "core/metrics.h"
#include "json/json-text.h"
#include "protocol/errors.h"

/* A room:join waiting for its room's place. */
typedef struct {
  RcRoomService *self; /* ref */
  RcSioSocket *socket; /* ref */
  RcSioAck *ack;       /* ref, nullable */
  char *room_id;
} Placing;

static void
placing_free (Placing *placing)
{
  g_object_unref (placing->self);
  g_object_unref (placing->socket);
  g_clear_pointer (&placing->ack, rc_sio_ack_unref);
  g_free (placing->room_id);
  g_free (placing);
}

/* This node claimed a room that was open on a node that died: open it again
 * from that node's room:restore before the join that asked. */
static void
restore_room (RcRoomService *self, const char *room_id, const char *restore)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = rc_json_parse_strict (restore, strlen (restore), NULL, &error);
  RcRoom *room;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !rc_room_registry_restore (self->registry, room_id, json_node_get_object (root),
                                 rc_room_service_now_ms (), self->effects, &error)) {
    g_warning ("cluster: room %s cannot be restored (%s); it opens empty", room_id,
               error ? error->message : "not a JSON object");
    return;
  }
  room = rc_room_registry_lookup (self->registry, room_id);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "ROOMCAST_EVENT", "room-restored",
                    "ROOMCAST_ROOM_ID", room_id, "MESSAGE",
                    "room open: %s, restored from the node that ran it (host %s, %u seated "
                    "user(s) held for %u s)",
                    room_id, rc_room_get_host_id (room) ? rc_room_get_host_id (room) : "nobody",
                    rc_room_get_n_participants (room), self->config->room_grace_s);
  rc_metrics_counter_inc ("roomcast_cluster_rooms_restored_total",
                          "Rooms opened again from room:restore after their node died", NULL);
  rc_room_service_apply_effects (self); /* stored, and the held seats' timer */
}

static void
on_placed (GObject *source, GAsyncResult *result, gpointer data)
{
  Placing *placing = data;
  RcRoomService *self = placing->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (RcRoomPlace)
    place = rc_room_claims_claim_finish (RC_ROOM_CLAIMS (source), result, &error);

  if (self->registry == NULL || !rc_sio_socket_is_connected (placing->socket)) {
    placing_free (placing);
    return;
  }
  if (place == NULL) {
    g_warning ("cluster: finding the node of room %s failed (%s); the join is refused",
               placing->room_id, error->message);
    g_clear_error (&error);
    rc_error_set_printf (&error, RC_ERROR_INTERNAL,
                         "The room cannot be opened right now; retry later");
    rc_room_service_refuse (placing->ack, error, NULL);
  } else if (!place->mine) {
    g_autoptr (JsonObject) fields = json_object_new ();
    json_object_set_string_member (fields, "url", place->url);
    json_object_set_string_member (fields, "nodeId", place->node_id);
    rc_error_set_printf (&error, RC_ERROR_ROOM_ELSEWHERE, "Room %s runs on node %s at %s",
                         placing->room_id, place->node_id, place->url);
    g_debug ("cluster: room %s is on node %s (%s): join redirected", placing->room_id,
             place->node_id, place->url);
    rc_room_service_refuse (placing->ack, error, fields);
  } else if (place->restore != NULL &&
             rc_room_registry_needs_owner (self->registry, placing->room_id)) {
    restore_room (self, placing->room_id, place->restore);
    if (rc_room_registry_needs_owner (self->registry, placing->room_id))
      rc_room_service_open_and_join (self, placing->socket, placing->ack, placing->room_id);
    else
      rc_room_service_finish_join (self, placing->socket, placing->ack, placing->room_id, NULL);
  } else if (rc_room_registry_needs_owner (self->registry, placing->room_id)) {
    rc_room_service_open_and_join (self, placing->socket, placing->ack, placing->room_id);
  } else { /* another join opened it meanwhile */
    rc_room_service_finish_join (self, placing->socket, placing->ack, placing->room_id, NULL);
  }
  placing_free (placing);
}

void
rc_room_service_place_and_join (RcRoomService *self, RcSioSocket *socket, RcSioAck *ack,
                                const char *room_id)
{
  Placing *placing = g_new0 (Placing, 1);

  placing->self = g_object_ref (self);
  placing->socket = g_object_ref (socket);
  placing->ack = ack ? rc_sio_ack_ref (ack) : NULL;
  placing->room_id = g_strdup (room_id);
  rc_room_claims_claim_async (self->claims, room_id, self->cancellable, on_placed, placing);
}

void
rc_room_service_publish_room (RcRoomService *self, const char *room_id, JsonObject *persist)
{
  JsonObject *state = json_object_get_object_member (persist, "state");
  JsonNode *restore = json_object_get_member (persist, "restore");
  RcRoom *room;

  if (self->claims == NULL || self->registry == NULL)
    return;
  room = rc_room_registry_lookup (self->registry, room_id);
  if (room == NULL || rc_room_get_status (room) == RC_ROOM_STATUS_CLOSED ||
      g_strcmp0 (json_object_get_string_member_with_default (state, "status", NULL),
                 "CLOSED") == 0) {
    rc_room_claims_release (self->claims, room_id);
  } else if (restore != NULL) {
    g_autofree char *text = rc_json_to_string (restore);
    rc_room_claims_save_restore (self->claims, room_id, text);
  }
}

/* Each heartbeat: the claims of the rooms open here. */
static void
on_heartbeat (RcNodeRegistry *nodes, gpointer data)
{
  RcRoomService *self = data;
  g_autoptr (GPtrArray) rooms = rc_room_registry_list_rooms (self->registry);
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; i < rooms->len; i++) {
    RcRoom *room = rc_room_registry_lookup (self->registry, g_ptr_array_index (rooms, i));
    if (room != NULL && rc_room_get_status (room) != RC_ROOM_STATUS_CLOSED)
      g_ptr_array_add (ids, (gpointer) rc_room_get_id (room));
  }
  rc_room_claims_renew (self->claims, (const char *const *) ids->pdata, ids->len);
}

static void
on_lost (RcRoomClaims *claims, const char *room_id, gpointer data)
{
  RcRoomService *self = data;
  g_autoptr (GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  if (self->registry == NULL || rc_room_registry_lookup (self->registry, room_id) == NULL)
    return;
  g_hash_table_iter_init (&iter, self->bindings);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    Binding *binding = value;
    if (g_str_equal (binding->room_id, room_id)) {
      g_ptr_array_add (sockets, g_object_ref (binding->socket));
      g_hash_table_iter_remove (&iter);
    }
  }
  g_hash_table_remove (self->pending_saves, room_id);
  rc_room_registry_forget (self->registry, room_id);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "ROOMCAST_EVENT", "room-moved",
                    "ROOMCAST_ROOM_ID", room_id, "MESSAGE",
                    "cluster: room %s runs on another node now; its %u connection(s) here are "
                    "disconnected to join it there",
                    room_id, sockets->len);
  rc_metrics_counter_inc ("roomcast_cluster_rooms_let_go_total",
                          "Rooms dropped because another node claimed them", NULL);
  g_signal_emit (self, rc_room_service_signals[SIGNAL_ROOM_CHANGED], 0, room_id);
  rc_room_service_apply_effects (self); /* the timer, without the room */
  for (guint i = 0; i < sockets->len; i++)
    rc_sio_socket_disconnect (g_ptr_array_index (sockets, i), "room moved to another node");
}

/* This node reaped a dead node: its rooms open here at once, seats held,
 * so that one nobody comes back to closes after the grace period (and
 * Laravel hears so) instead of staying live in the app for ever. */
static void
on_taken_over (RcRoomClaims *claims, const char *room_id, const char *restore, gpointer data)
{
  RcRoomService *self = data;

  if (self->registry != NULL && rc_room_registry_needs_owner (self->registry, room_id))
    restore_room (self, room_id, restore);
}

void
rc_room_service_set_claims (RcRoomService *self, RcRoomClaims *claims)
{
  g_return_if_fail (RC_IS_ROOM_SERVICE (self));
  g_return_if_fail (RC_IS_ROOM_CLAIMS (claims) && self->claims == NULL);
  self->claims = g_object_ref (claims);
  self->heartbeat_id = g_signal_connect (rc_room_claims_get_nodes (claims), "heartbeat",
                                         G_CALLBACK (on_heartbeat), self);
  self->lost_id = g_signal_connect (claims, "lost", G_CALLBACK (on_lost), self);
  self->taken_over_id = g_signal_connect (claims, "taken-over", G_CALLBACK (on_taken_over),
                                          self);
}

void
rc_room_service_clear_claims (RcRoomService *self)
{
  if (self->claims == NULL)
    return;
  g_clear_signal_handler (&self->heartbeat_id, rc_room_claims_get_nodes (self->claims));
  g_clear_signal_handler (&self->lost_id, self->claims);
  g_clear_signal_handler (&self->taken_over_id, self->claims);
  g_clear_object (&self->claims);
}
