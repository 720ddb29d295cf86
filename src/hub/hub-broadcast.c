/* roomcast: Laravel's Redis broadcaster into the hub.
 *
 * Laravel publishes PUBLISH <prefix><channel> {"event","data","socket"};
 * we PSUBSCRIBE <prefix>* on BROADCAST_REDIS_DB, strip the prefix, check
 * the message strictly and deliver it to every subscriber of the channel
 * except the connection whose socket id is "socket" (toOthers()).
 */
#include "hub/hub-private.h"
#include "hub/hub-cluster.h"
#include "redis/redis-subscriber.h"

#include <string.h>

#include "core/metrics.h"
#include "json/json-text.h"

static void
drop_message (const char *channel, const char *why)
{
  rc_metrics_counter_inc ("roomcast_hub_redis_malformed_total",
                          "Malformed broadcaster messages dropped", NULL);
  g_warning ("broadcast on Redis channel %.200s dropped: %s", channel, why);
}

/* Parse one broadcaster payload; exposed for the unit test through
 * rc_hub_broadcast_deliver. */
guint
rc_hub_broadcast_deliver (RcHub *hub, const char *prefix, const char *redis_channel,
                          const char *payload, gsize len)
{
  if (!g_str_has_prefix (redis_channel, prefix)) {
    drop_message (redis_channel, "channel without the prefix");
    return 0;
  }
  const char *channel = redis_channel + strlen (prefix);
  if (!rc_hub_channel_name_valid (channel)) {
    drop_message (redis_channel, "invalid channel name");
    return 0;
  }
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = rc_json_parse_strict (payload, len, NULL, &error);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
    drop_message (redis_channel, root ? "not a JSON object" : error->message);
    return 0;
  }
  JsonObject *o = json_node_get_object (root);
  JsonNode *event = json_object_get_member (o, "event");
  JsonNode *data = json_object_get_member (o, "data");
  JsonNode *socket = json_object_get_member (o, "socket");
  if (!event || !JSON_NODE_HOLDS_VALUE (event) ||
      json_node_get_value_type (event) != G_TYPE_STRING || !*json_node_get_string (event) ||
      strlen (json_node_get_string (event)) > 200) {
    drop_message (redis_channel, "\"event\" is not a non-empty string");
    return 0;
  }
  if (!data) {
    drop_message (redis_channel, "no \"data\"");
    return 0;
  }
  const char *except = NULL;
  if (socket && !JSON_NODE_HOLDS_NULL (socket)) {
    if (!JSON_NODE_HOLDS_VALUE (socket) || json_node_get_value_type (socket) != G_TYPE_STRING) {
      drop_message (redis_channel, "\"socket\" is neither null nor a string");
      return 0;
    }
    except = json_node_get_string (socket);
  }
  return rc_hub_deliver (hub, channel, json_node_get_string (event), data, except, "redis");
}

struct _RcHubBroadcast {
  RcHub *hub;
  char *prefix;
  RcRedisSubscriber *subscriber;
};

static void
on_message (const char *channel, const char *payload, gsize len, gpointer data)
{
  RcHubBroadcast *b = data;
  /* With an empty prefix the pattern also matches the nodes' own channel. */
  if (g_str_has_prefix (channel, RC_HUB_CLUSTER_CHANNEL_PREFIX))
    return;
  rc_hub_broadcast_deliver (b->hub, b->prefix, channel, payload, len);
}

void
rc_hub_broadcast_free (RcHubBroadcast *b)
{
  g_clear_object (&b->subscriber);
  g_free (b->prefix);
  g_free (b);
}

static gboolean
on_health (JsonBuilder *builder, gpointer data)
{
  RcHubBroadcast *b = data;
  gboolean ok = rc_redis_subscriber_is_subscribed (b->subscriber);
  json_builder_set_member_name (builder, "broadcast_redis");
  json_builder_add_string_value (builder, ok ? "subscribed" : "connecting");
  return ok;
}

void
rc_hub_start_redis (RcHub *hub, RcHealth *health)
{
  const RcConfig *config = rc_hub_get_config (hub);
  if (!config->redis_host)
    return;
  g_return_if_fail (hub->broadcast == NULL);
  RcHubBroadcast *b = g_new0 (RcHubBroadcast, 1);
  b->hub = hub;
  b->prefix = g_strdup (config->broadcast_redis_prefix ? config->broadcast_redis_prefix : "");
  g_autofree char *pattern = g_strconcat (b->prefix, "*", NULL);
  b->subscriber = rc_redis_subscriber_new (config->redis_host, config->redis_port,
                                           config->redis_password, config->broadcast_redis_db,
                                           pattern, on_message, b);
  hub->broadcast = b;
  if (health)
    rc_health_add (health, on_health, b);
}
