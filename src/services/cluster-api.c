/* roomcast: GET /admin/nodes and GET /api/rooms/{id}/node; see cluster-api.h. */
#include "services/cluster-api.h"

#include <string.h>

#include "core/metrics.h"
#include "http/http-server.h"
#include "protocol/payload.h"

#define ROOMS_PATH "/api/rooms/"
#define API_KEY_HEADER "X-WebSocket-API-Key"

struct _RcClusterApi {
  GObject parent_instance;
  const RcConfig *config;
  RcRoomService *rooms;
  RcRoomClaims *claims; /* nullable */
  char *url;
};

G_DEFINE_FINAL_TYPE (RcClusterApi, rc_cluster_api, G_TYPE_OBJECT)

/* A request answered when Redis has. */
typedef struct {
  RcClusterApi *self;     /* ref */
  SoupServerMessage *msg; /* ref, paused */
  char *room_id;          /* nullable */
} Pending;

static Pending *
pending_new (RcClusterApi *self, SoupServerMessage *msg, const char *room_id)
{
  Pending *p = g_new0 (Pending, 1);
  p->self = g_object_ref (self);
  p->msg = g_object_ref (msg);
  p->room_id = g_strdup (room_id);
  soup_server_message_pause (msg);
  return p;
}

static void
pending_done (Pending *p)
{
  soup_server_message_unpause (p->msg);
  g_object_unref (p->self);
  g_object_unref (p->msg);
  g_free (p->room_id);
  g_free (p);
}

static void
reply_builder (SoupServerMessage *msg, JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  rc_http_reply_json (msg, SOUP_STATUS_OK, root);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_node (JsonBuilder *b, const RcNodeInfo *n, gboolean self_node)
{
  gint64 now = g_get_real_time () / 1000;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, n->id);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, n->url);
  add_int (b, "startedAt", n->started_at);
  add_int (b, "heartbeatAt", n->heartbeat_at);
  add_int (b, "heartbeatAgeMs", n->heartbeat_at ? MAX (now - n->heartbeat_at, 0) : 0);
  add_int (b, "rooms", n->load.rooms);
  add_int (b, "participants", n->load.participants);
  add_int (b, "mediaPeers", n->load.media_peers);
  json_builder_set_member_name (b, "cpu");
  json_builder_add_double_value (b, n->cpu);
  json_builder_set_member_name (b, "self");
  json_builder_add_boolean_value (b, self_node);
  json_builder_end_object (b);
}

static void
reply_nodes (RcClusterApi *self, SoupServerMessage *msg, GPtrArray *nodes)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "clustered");
  json_builder_add_boolean_value (b, self->claims != NULL);
  json_builder_set_member_name (b, "nodes");
  json_builder_begin_array (b);
  for (guint i = 0; i < nodes->len; i++) {
    const RcNodeInfo *n = g_ptr_array_index (nodes, i);
    add_node (b, n, g_str_equal (n->id, self->config->worker_id));
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  reply_builder (msg, b);
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer data)
{
  Pending *p = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray)
    nodes = rc_node_registry_list_finish (RC_NODE_REGISTRY (source), result, &error);
  guint status = SOUP_STATUS_OK;
  if (nodes == NULL) {
    status = SOUP_STATUS_SERVICE_UNAVAILABLE;
    rc_http_reply_error (p->msg, status, "internal", "Redis did not answer; retry later");
  } else {
    reply_nodes (p->self, p->msg, nodes);
  }
  rc_admin_api_count_request ("nodes", status);
  pending_done (p);
}

/* GET /admin/nodes (the admin API checked the key). */
static guint
list_nodes (SoupServerMessage *msg, const char *room_id, gpointer data)
{
  RcClusterApi *self = data;
  if (self->claims != NULL) {
    rc_node_registry_list_async (rc_room_claims_get_nodes (self->claims), NULL, on_listed,
                                 pending_new (self, msg, NULL));
    return 0;
  }
  /* Alone: this node as it would register itself. */
  RcNodeInfo alone = { .id = self->config->worker_id, .url = self->url };
  alone.load.rooms = rc_room_registry_get_n_rooms (rc_room_service_get_registry (self->rooms));
  alone.load.participants = rc_room_service_get_n_participants (self->rooms);
  g_autoptr (GPtrArray) nodes = g_ptr_array_new ();
  g_ptr_array_add (nodes, &alone);
  reply_nodes (self, msg, nodes);
  return SOUP_STATUS_OK;
}

static void
reply_place (SoupServerMessage *msg, const char *room_id, const char *node_id, const char *url)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "roomId");
  json_builder_add_string_value (b, room_id);
  json_builder_set_member_name (b, "nodeId");
  json_builder_add_string_value (b, node_id);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, url);
  json_builder_end_object (b);
  reply_builder (msg, b);
}

static void
count_api (const char *result)
{
  g_autofree char *labels = g_strdup_printf ("result=\"%s\"", result);
  rc_metrics_counter_inc ("roomcast_cluster_room_lookups_total",
                          "GET /api/rooms/{id}/node requests, by result", labels);
}

static void
on_placed (GObject *source, GAsyncResult *result, gpointer data)
{
  Pending *p = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RcRoomPlace)
    place = rc_room_claims_claim_finish (RC_ROOM_CLAIMS (source), result, &error);
  if (place == NULL) {
    g_warning ("cluster: placing room %s failed: %s", p->room_id, error->message);
    rc_http_reply_error (p->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "internal",
                         "Redis did not answer; retry later");
    count_api ("error");
  } else {
    reply_place (p->msg, p->room_id, place->node_id, place->url);
    count_api (place->mine ? "here" : "elsewhere");
  }
  pending_done (p);
}

static void
handle_rooms (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer data)
{
  RcClusterApi *self = data;
  const char *method = soup_server_message_get_method (msg);
  const char *key = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                  API_KEY_HEADER);
  if (!rc_admin_key_equal (key, self->config->broadcast_api_key)) {
    count_api ("forbidden");
    rc_http_reply_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                         "missing or wrong " API_KEY_HEADER);
    return;
  }
  g_auto (GStrv) parts = g_strsplit (path + strlen (ROOMS_PATH), "/", -1);
  if (g_strv_length (parts) != 2 || !g_str_equal (parts[1], "node") || !rc_is_uuid (parts[0])) {
    rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found",
                         "no such endpoint (GET /api/rooms/{uuid}/node)");
    return;
  }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                  "GET");
    rc_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", "use GET");
    return;
  }
  if (self->claims == NULL) {
    reply_place (msg, parts[0], self->config->worker_id, self->url);
    count_api ("here");
    return;
  }
  rc_room_claims_claim_async (self->claims, parts[0], NULL, on_placed,
                              pending_new (self, msg, parts[0]));
}

void
rc_cluster_api_attach (RcClusterApi *self, SoupServer *soup, RcAdminApi *admin)
{
  g_return_if_fail (RC_IS_CLUSTER_API (self));
  soup_server_add_handler (soup, ROOMS_PATH, handle_rooms, self, NULL);
  rc_admin_api_add_resource (admin, "nodes", list_nodes, self);
}

RcClusterApi *
rc_cluster_api_new (const RcConfig *config, RcRoomService *rooms, RcRoomClaims *claims,
                    const char *url)
{
  g_return_val_if_fail (config != NULL && RC_IS_ROOM_SERVICE (rooms), NULL);
  RcClusterApi *self = g_object_new (RC_TYPE_CLUSTER_API, NULL);
  self->config = config;
  self->rooms = g_object_ref (rooms);
  self->claims = claims ? g_object_ref (claims) : NULL;
  self->url = g_strdup (url);
  return self;
}

static void
rc_cluster_api_finalize (GObject *object)
{
  RcClusterApi *self = RC_CLUSTER_API (object);
  g_clear_object (&self->rooms);
  g_clear_object (&self->claims);
  g_free (self->url);
  G_OBJECT_CLASS (rc_cluster_api_parent_class)->finalize (object);
}

static void
rc_cluster_api_class_init (RcClusterApiClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_cluster_api_finalize;
}

static void
rc_cluster_api_init (RcClusterApi *self)
{
}
