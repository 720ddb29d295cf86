/* roomcast: the hub across nodes (several roomcastd on one Redis).
 *
 * Every node subscribes to one Redis pub/sub channel of our own,
 * roomcast:hub:{REDIS_DB}, which carries what a node's local fan-out cannot
 * reach: events published through this node's Pusher HTTP API,
 * /api/broadcast, client events, events to a signed-in user, and
 * terminate_connections. A message is
 *   {"origin":node,"app":id,"kind":k,"channels":[…],"event":…,"data":…,
 *    "socket_id":except|null,"user_id":…}
 * The origin node delivers to its own connections directly and ignores its
 * own message when it comes back; every other node delivers it to its own
 * connections, exactly once. Laravel's Redis broadcaster is not relayed:
 * every node is subscribed to it already (hub-broadcast.c) and delivers
 * each of its messages locally.
 *
 * The node id is WORKER_ID plus a random suffix drawn at start, so that a
 * restarted node never takes its previous life's messages for its own.
 * Nothing here blocks: PUBLISH goes through the daemon's asynchronous Redis
 * client; when Redis is away the event still reaches this node's
 * connections and the others miss it (counted in
 * roomcast_hub_cluster_publish_failures_total).
 */
#include "hub/hub-cluster.h"

#include <stdarg.h>
#include <string.h>

#include "core/metrics.h"
#include "json/json-text.h"

RcHubClusterLink *
rc_hub_cluster_link_ref (RcHubClusterLink *link)
{
  link->refs++;
  return link;
}

void
rc_hub_cluster_link_unref (RcHubClusterLink *link)
{
  if (--link->refs == 0)
    g_free (link);
}

void
rc_hub_cluster_failed (const GError *error)
{
  rc_metrics_counter_inc ("roomcast_hub_cluster_redis_failures_total",
                          "Hub cluster scripts Redis did not run (state written again on "
                          "reconnection)",
                          NULL);
  g_info ("hub: cluster state not updated in Redis: %s", error->message);
}

void
rc_hub_cluster_script (RcHubCluster *cl, const char *script, GPtrArray *args,
                       RcRedisReplyFunc callback, gpointer user_data)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) "EVAL");
  g_ptr_array_add (argv, (gpointer) script);
  g_ptr_array_add (argv, (gpointer) "0");
  g_ptr_array_add (argv, cl->keys);
  for (guint i = 0; args && i < args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (args, i));
  rc_redis_client_commandv (cl->redis, (int) argv->len, (const char *const *) argv->pdata, NULL,
                            callback, user_data);
}

GPtrArray *
rc_hub_cluster_args (const char *first, ...)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  va_list ap;
  va_start (ap, first);
  for (const char *s = first; s; s = va_arg (ap, const char *))
    g_ptr_array_add (a, g_strdup (s));
  va_end (ap);
  return a;
}

gboolean
rc_hub_cluster_is_string (redisReply *r)
{
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

void
rc_hub_cluster_free (RcHubCluster *cl)
{
  rc_hub_cluster_presence_stop (cl);
  cl->link->cl = NULL;
  g_clear_pointer (&cl->link, rc_hub_cluster_link_unref);
  g_free (cl->keys);
  g_clear_object (&cl->subscriber);
  g_clear_object (&cl->redis);
  g_free (cl->node);
  g_free (cl->app);
  g_free (cl->channel);
  g_free (cl);
}

const char *
rc_hub_cluster_node (RcHub *hub)
{
  return hub->cluster ? hub->cluster->node : NULL;
}

static void
on_published (RcRedisClient *client, redisReply *reply, const GError *error, gpointer data)
{
  if (!error)
    return;
  rc_metrics_counter_inc ("roomcast_hub_cluster_publish_failures_total",
                          "Hub events the other nodes missed: Redis did not take the PUBLISH",
                          NULL);
  g_info ("hub: an event did not reach the other nodes: %s", error->message);
}

void
rc_hub_cluster_send (RcHub *hub, const char *kind, const char *channel, const char *event,
                     JsonNode *data, const char *except, const char *user_id)
{
  RcHubCluster *cl = hub->cluster;
  if (!cl)
    return;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "origin");
  json_builder_add_string_value (b, cl->node);
  json_builder_set_member_name (b, "app");
  json_builder_add_string_value (b, cl->app);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kind);
  json_builder_set_member_name (b, "channels");
  json_builder_begin_array (b);
  if (channel)
    json_builder_add_string_value (b, channel);
  json_builder_end_array (b);
  if (event) {
    json_builder_set_member_name (b, "event");
    json_builder_add_string_value (b, event);
  }
  json_builder_set_member_name (b, "data");
  if (data)
    json_builder_add_value (b, json_node_copy (data));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "socket_id");
  if (except)
    json_builder_add_string_value (b, except);
  else
    json_builder_add_null_value (b);
  if (user_id) {
    json_builder_set_member_name (b, "user_id");
    json_builder_add_string_value (b, user_id);
  }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = rc_json_to_string (root);
  rc_redis_client_call (cl->redis, on_published, NULL, "PUBLISH", cl->channel, text, NULL);
}

/* One message from another node: delivered to this node's connections. */
static void
on_message (const char *redis_channel, const char *payload, gsize len, gpointer data)
{
  RcHubCluster *cl = data;
  RcHub *hub = cl->hub;
  g_autoptr (JsonNode) root = rc_json_parse_strict (payload, len, NULL, NULL);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  const char *origin = o ? rc_json_object_get_string (o, "origin") : NULL;
  const char *kind = o ? rc_json_object_get_string (o, "kind") : NULL;
  const char *app = o ? rc_json_object_get_string (o, "app") : NULL;
  JsonNode *channels = o ? json_object_get_member (o, "channels") : NULL;
  if (!origin || !kind || !app || !channels || !JSON_NODE_HOLDS_ARRAY (channels)) {
    rc_metrics_counter_inc ("roomcast_hub_cluster_malformed_total",
                            "Malformed messages on the hub's cluster channel", NULL);
    g_warning ("hub: a malformed message on %s dropped", redis_channel);
    return;
  }
  if (g_str_equal (origin, cl->node) || !g_str_equal (app, cl->app))
    return; /* ours (delivered already), or another app's */
  const char *event = rc_json_object_get_string (o, "event");
  const char *except = rc_json_object_get_string (o, "socket_id");
  const char *user_id = rc_json_object_get_string (o, "user_id");
  JsonNode *payload_data = json_object_get_member (o, "data");
  if (payload_data && JSON_NODE_HOLDS_NULL (payload_data))
    payload_data = NULL;
  JsonArray *a = json_node_get_array (channels);

  if (g_str_equal (kind, "terminate")) {
    if (user_id)
      rc_hub_terminate_user_local (hub, user_id);
    return;
  }
  for (guint i = 0; i < json_array_get_length (a); i++) {
    const char *channel = json_array_get_string_element (a, i);
    if (!channel ||
        (!rc_hub_channel_name_valid (channel) && !rc_hub_user_channel_valid (channel)))
      continue;
    if (g_str_equal (kind, "publish") && event)
      rc_hub_deliver (hub, channel, event, payload_data, except, "cluster");
    else if (g_str_equal (kind, "client") && event)
      rc_hub_client_event_local (hub, channel, event, payload_data, except, user_id);
    else if (g_str_equal (kind, "member_added") && user_id)
      rc_hub_member_event_local (hub, channel, TRUE, user_id, payload_data, except);
    else if (g_str_equal (kind, "member_removed") && user_id)
      rc_hub_member_event_local (hub, channel, FALSE, user_id, payload_data, except);
  }
}

static gboolean
on_health (JsonBuilder *builder, gpointer data)
{
  RcHubCluster *cl = data;
  gboolean ok = rc_redis_client_is_connected (cl->subscriber);
  json_builder_set_member_name (builder, "hub_cluster");
  json_builder_add_string_value (builder, ok ? "subscribed" : "connecting");
  return ok;
}

void
rc_hub_start_cluster (RcHub *hub, RcRedisClient *redis, RcHealth *health)
{
  const RcConfig *config = rc_hub_get_config (hub);
  g_return_if_fail (RC_IS_HUB (hub) && RC_IS_REDIS_CLIENT (redis));
  g_return_if_fail (hub->cluster == NULL && config->redis_host);
  RcHubCluster *cl = g_new0 (RcHubCluster, 1);
  cl->hub = hub;
  cl->redis = g_object_ref (redis);
  cl->node = g_strdup_printf ("%s-%08x", config->worker_id ? config->worker_id : "0",
                              g_random_int ());
  cl->app = g_strdup (config->pusher_app_id ? config->pusher_app_id : "");
  cl->channel = g_strdup_printf (RC_HUB_CLUSTER_CHANNEL_PREFIX "%u", config->redis_db);
  cl->keys = g_strdup_printf ("hub:%s:", cl->app);
  cl->link = g_new0 (RcHubClusterLink, 1);
  cl->link->refs = 1;
  cl->link->cl = cl;
  const char *const channels[] = { cl->channel, NULL };
  cl->subscriber = rc_redis_client_new_subscriber (config->redis_host, config->redis_port,
                                                   config->redis_password, config->redis_db,
                                                   channels, NULL, on_message, cl);
  hub->cluster = cl;
  rc_hub_cluster_presence_start (cl);
  if (health)
    rc_health_add (health, on_health, cl);
  g_info ("hub: cluster node %s: events cross nodes on Redis channel %s", cl->node,
          cl->channel);
}
