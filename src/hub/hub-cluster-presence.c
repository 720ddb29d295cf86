/* roomcast: channel occupancy and presence members across nodes.
 *
 * Redis holds, per app (prefix hub:{app}:), what every node has:
 *   subs:{node}             hash channel -> the node's subscriptions
 *   conns:{channel}:{node}  hash user id -> the node's connections of the
 *                           user on presence {channel} (an audio room
 *                           counts as one)
 *   node-presence:{node}    set of the presence channels the node has
 *   members:{channel}       hash user id -> user_info (JSON) of the members
 *   sio:{node}              set of the node's Socket.IO users online
 *   nodes, alive:{node}     the nodes, and each one's heartbeat (PX)
 * Each change is one Lua script, so Redis decides atomically what the
 * change means for the cluster: a count summed over the nodes going 0 -> 1
 * (channel_occupied, member_added) or 1 -> 0 (channel_vacated,
 * member_removed). Only the node whose script saw the transition announces
 * it: member events to its own subscribers and, through hub-cluster.c, to
 * the other nodes; webhooks once for the cluster.
 *
 * A node refreshes alive:{node} every HEARTBEAT_MS (TTL NODE_TTL_MS). Every
 * SWEEP_MS each node runs the sweep script: a node whose heartbeat expired
 * is removed with its entries, and the members and channels it alone held
 * come back as member_removed / channel_vacated to announce. The script is
 * atomic: however many nodes sweep at once, one removes the dead node and
 * the others find nothing. A dead node's members are thus gone within
 * NODE_TTL_MS + SWEEP_MS.
 *
 * When the command connection (re)connects, and when the heartbeat finds
 * that this node was swept (Redis unreachable longer than the TTL), the node
 * writes what it holds again (resync), announcing what came back.
 */
#include "hub/hub-cluster.h"

#include <string.h>

#include "core/metrics.h"
#include "json/json-text.h"

#define HEARTBEAT_MS 2000
#define NODE_TTL_MS 6000
#define SWEEP_MS 2000

/* Sum of field ARGV-named over every node's hash <prefix><node>. */
#define LUA_TOTAL \
  "local function total(P, prefix, field)\n" \
  "  local t = 0\n" \
  "  for _, n in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do\n" \
  "    t = t + (tonumber(redis.call('HGET', prefix .. n, field)) or 0)\n" \
  "  end\n" \
  "  return t\n" \
  "end\n"

/* ARGV: prefix, node, channel, delta. Returns the cluster's count after. */
static const char SUBSCRIBE_LUA[] = LUA_TOTAL
  "local P, node, ch, d = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])\n"
  "local key = P .. 'subs:' .. node\n"
  "if redis.call('HINCRBY', key, ch, d) <= 0 then redis.call('HDEL', key, ch) end\n"
  "return total(P, P .. 'subs:', ch)\n";

/* ARGV: prefix, node, channel, user, info, override, max members (0: no
 * cap). Returns {added, members as HGETALL}, or {-1} when a new member
 * would exceed the cap (nothing changed). */
static const char JOIN_LUA[] = LUA_TOTAL
  "local P, node, ch, u = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
  "local members = P .. 'members:' .. ch\n"
  "local max = tonumber(ARGV[7])\n"
  "if max > 0 and redis.call('HEXISTS', members, u) == 0 and\n"
  "   redis.call('HLEN', members) >= max then return {-1} end\n"
  "redis.call('SADD', P .. 'node-presence:' .. node, ch)\n"
  "redis.call('HINCRBY', P .. 'conns:' .. ch .. ':' .. node, u, 1)\n"
  "local added = 0\n"
  "if redis.call('HEXISTS', members, u) == 0 then added = 1 end\n"
  "if added == 1 or ARGV[6] == '1' then redis.call('HSET', members, u, ARGV[5]) end\n"
  "return {added, redis.call('HGETALL', members)}\n";

/* ARGV: prefix, channel, user, info: the member's user_info, if a member. */
static const char INFO_LUA[] = "local members = ARGV[1] .. 'members:' .. ARGV[2]\n"
                               "if redis.call('HEXISTS', members, ARGV[3]) == 1 then\n"
                               "  redis.call('HSET', members, ARGV[3], ARGV[4])\n"
                               "end\n"
                               "return 0\n";

/* ARGV: prefix, node, channel, user. Returns {1, info} when that was the
 * user's last connection anywhere, else {0}. */
static const char LEAVE_LUA[] = LUA_TOTAL
  "local P, node, ch, u = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
  "local key = P .. 'conns:' .. ch .. ':' .. node\n"
  "if redis.call('HINCRBY', key, u, -1) <= 0 then redis.call('HDEL', key, u) end\n"
  "if redis.call('HLEN', key) == 0 then\n"
  "  redis.call('SREM', P .. 'node-presence:' .. node, ch)\n"
  "end\n"
  "if total(P, P .. 'conns:' .. ch .. ':', u) > 0 then return {0} end\n"
  "local members = P .. 'members:' .. ch\n"
  "local info = redis.call('HGET', members, u)\n"
  "if not info then return {0} end\n"
  "redis.call('HDEL', members, u)\n"
  "return {1, info}\n";

/* ARGV: prefix, node, ttl ms. Returns 1 if the node was not registered
 * (first beat, or swept). */
static const char HEARTBEAT_LUA[] =
  "redis.call('SET', ARGV[1] .. 'alive:' .. ARGV[2], '1', 'PX', ARGV[3])\n"
  "return redis.call('SADD', ARGV[1] .. 'nodes', ARGV[2])\n";

/* ARGV: prefix, this node. Removes the nodes whose heartbeat expired;
 * returns {kind, channel, user, info}... to announce, members first. */
static const char SWEEP_LUA[] = LUA_TOTAL
  "local P, me = ARGV[1], ARGV[2]\n"
  "local members_out, channels_out = {}, {}\n"
  "for _, n in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do\n"
  "  if n ~= me and redis.call('EXISTS', P .. 'alive:' .. n) == 0 then\n"
  "    redis.call('SREM', P .. 'nodes', n)\n"
  "    local subs = redis.call('HGETALL', P .. 'subs:' .. n)\n"
  "    redis.call('DEL', P .. 'subs:' .. n)\n"
  "    for i = 1, #subs, 2 do\n"
  "      if total(P, P .. 'subs:', subs[i]) == 0 then\n"
  "        for _, v in ipairs({'channel_vacated', subs[i], '', ''}) do\n"
  "          table.insert(channels_out, v)\n"
  "        end\n"
  "      end\n"
  "    end\n"
  "    for _, ch in ipairs(redis.call('SMEMBERS', P .. 'node-presence:' .. n)) do\n"
  "      local key = P .. 'conns:' .. ch .. ':' .. n\n"
  "      local users = redis.call('HKEYS', key)\n"
  "      redis.call('DEL', key)\n"
  "      local members = P .. 'members:' .. ch\n"
  "      for _, u in ipairs(users) do\n"
  "        local info = redis.call('HGET', members, u)\n"
  "        if info and total(P, P .. 'conns:' .. ch .. ':', u) == 0 then\n"
  "          redis.call('HDEL', members, u)\n"
  "          for _, v in ipairs({'member_removed', ch, u, info}) do\n"
  "            table.insert(members_out, v)\n"
  "          end\n"
  "        end\n"
  "      end\n"
  "    end\n"
  "    redis.call('DEL', P .. 'node-presence:' .. n, P .. 'sio:' .. n)\n"
  "  end\n"
  "end\n"
  "for _, v in ipairs(channels_out) do table.insert(members_out, v) end\n"
  "return members_out\n";

/* ARGV: prefix, node, n_channels, {channel, count} * n, n_users, the
 * Socket.IO users online here, then {channel, user, count, info}...: this
 * node's entries replaced by what it holds.
 * Returns what that brought back, as the sweep does. */
static const char RESYNC_LUA[] = LUA_TOTAL
  "local P, node, n = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
  "redis.call('DEL', P .. 'subs:' .. node)\n"
  "for _, ch in ipairs(redis.call('SMEMBERS', P .. 'node-presence:' .. node)) do\n"
  "  redis.call('DEL', P .. 'conns:' .. ch .. ':' .. node)\n"
  "end\n"
  "redis.call('DEL', P .. 'node-presence:' .. node, P .. 'sio:' .. node)\n"
  "local out = {}\n"
  "for i = 4, 3 + 2 * n, 2 do\n"
  "  if total(P, P .. 'subs:', ARGV[i]) == 0 then\n"
  "    for _, v in ipairs({'channel_occupied', ARGV[i], '', ''}) do\n"
  "      table.insert(out, v)\n"
  "    end\n"
  "  end\n"
  "  redis.call('HSET', P .. 'subs:' .. node, ARGV[i], ARGV[i + 1])\n"
  "end\n"
  "local first = 5 + 2 * n + tonumber(ARGV[4 + 2 * n])\n"
  "for i = 5 + 2 * n, first - 1 do\n"
  "  redis.call('SADD', P .. 'sio:' .. node, ARGV[i])\n"
  "end\n"
  "for i = first, #ARGV, 4 do\n"
  "  local ch, u = ARGV[i], ARGV[i + 1]\n"
  "  redis.call('SADD', P .. 'node-presence:' .. node, ch)\n"
  "  redis.call('HSET', P .. 'conns:' .. ch .. ':' .. node, u, ARGV[i + 2])\n"
  "  if redis.call('HSETNX', P .. 'members:' .. ch, u, ARGV[i + 3]) == 1 then\n"
  "    for _, v in ipairs({'member_added', ch, u, ARGV[i + 3]}) do\n"
  "      table.insert(out, v)\n"
  "    end\n"
  "  end\n"
  "end\n"
  "return out\n";

static JsonNode *
info_node (const char *text)
{
  JsonNode *n = text ? rc_json_parse_strict (text, strlen (text), NULL, NULL) : NULL;
  return n ? n : json_node_init_null (json_node_alloc ());
}

static char *
info_text (JsonNode *info)
{
  return info ? rc_json_to_string (info) : g_strdup ("null");
}

/* member_added / member_removed decided on this node: its own subscribers
 * (but @except), the other nodes, and the webhook, once. */
static void
announce_member (RcHub *hub, const char *channel, gboolean added, const char *user_id,
                 JsonNode *info, const char *except)
{
  JsonNode *shown = info && !JSON_NODE_HOLDS_NULL (info) ? info : NULL;
  rc_hub_member_event_local (hub, channel, added, user_id, shown, except);
  rc_hub_cluster_send (hub, added ? "member_added" : "member_removed", channel, NULL, shown,
                       NULL, user_id);
  rc_hub_webhook (hub, added ? "member_added" : "member_removed", channel, user_id, NULL, NULL,
                  NULL);
}

/* {kind, channel, user, info}... from the sweep or a resync. */
static void
announce_all (RcHubCluster *cl, redisReply *reply)
{
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 4 != 0)
    return;
  for (size_t i = 0; i < reply->elements; i += 4) {
    redisReply **e = reply->element + i;
    if (!rc_hub_cluster_is_string (e[0]) || !rc_hub_cluster_is_string (e[1]) ||
        !rc_hub_cluster_is_string (e[2]) || !rc_hub_cluster_is_string (e[3]))
      continue;
    const char *kind = e[0]->str, *channel = e[1]->str;
    if (g_str_equal (kind, "member_added") || g_str_equal (kind, "member_removed")) {
      g_autoptr (JsonNode) info = info_node (e[3]->str);
      announce_member (cl->hub, channel, g_str_equal (kind, "member_added"), e[2]->str, info,
                       NULL);
    } else {
      rc_hub_webhook (cl->hub, kind, channel, NULL, NULL, NULL, NULL);
    }
  }
}

/* --- subscriptions ----------------------------------------------------------- */

typedef struct {
  RcHubClusterLink *link;
  char *channel;
  int delta;
} SubOp;

static void
on_subscribed (RcRedisClient *client, redisReply *reply, const GError *error, gpointer data)
{
  SubOp *op = data;
  RcHubCluster *cl = op->link->cl;
  if (error)
    rc_hub_cluster_failed (error);
  else if (cl && reply->type == REDIS_REPLY_INTEGER &&
           reply->integer == (op->delta > 0 ? 1 : 0))
    rc_hub_webhook (cl->hub, op->delta > 0 ? "channel_occupied" : "channel_vacated",
                    op->channel, NULL, NULL, NULL, NULL);
  rc_hub_cluster_link_unref (op->link);
  g_free (op->channel);
  g_free (op);
}

void
rc_hub_cluster_subscribed (RcHub *hub, const char *channel, int delta)
{
  RcHubCluster *cl = hub->cluster;
  SubOp *op = g_new0 (SubOp, 1);
  op->link = rc_hub_cluster_link_ref (cl->link);
  op->channel = g_strdup (channel);
  op->delta = delta;
  g_autofree char *d = g_strdup_printf ("%d", delta);
  g_autoptr (GPtrArray) args = rc_hub_cluster_args (cl->node, channel, d, NULL);
  rc_hub_cluster_script (cl, SUBSCRIBE_LUA, args, on_subscribed, op);
}

/* --- presence ------------------------------------------------------------------ */

typedef struct {
  RcHubClusterLink *link;
  char *socket_id; /* nullable: the audio room */
  char *channel;
  char *user_id;
} MemberOp;

static void
member_op_free (MemberOp *op)
{
  rc_hub_cluster_link_unref (op->link);
  g_free (op->socket_id);
  g_free (op->channel);
  g_free (op->user_id);
  g_free (op);
}

static MemberOp *
member_op_new (RcHubCluster *cl, const char *socket_id, const char *channel,
               const char *user_id)
{
  MemberOp *op = g_new0 (MemberOp, 1);
  op->link = rc_hub_cluster_link_ref (cl->link);
  op->socket_id = g_strdup (socket_id);
  op->channel = g_strdup (channel);
  op->user_id = g_strdup (user_id);
  return op;
}

/* {"presence":{"ids","hash","count"}} from HGETALL of the members. */
static JsonNode *
presence_from_reply (redisReply *hash)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  guint n = 0;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "presence");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ids");
  json_builder_begin_array (b);
  for (size_t i = 0; i + 1 < hash->elements; i += 2)
    if (rc_hub_cluster_is_string (hash->element[i]))
      json_builder_add_string_value (b, hash->element[i]->str);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "hash");
  json_builder_begin_object (b);
  for (size_t i = 0; i + 1 < hash->elements; i += 2) {
    if (!rc_hub_cluster_is_string (hash->element[i]))
      continue;
    json_builder_set_member_name (b, hash->element[i]->str);
    json_builder_add_value (b, info_node (rc_hub_cluster_is_string (hash->element[i + 1])
                                            ? hash->element[i + 1]->str
                                            : NULL));
    n++;
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, n);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
on_joined (RcRedisClient *client, redisReply *reply, const GError *error, gpointer data)
{
  MemberOp *op = data;
  RcHubCluster *cl = op->link->cl;
  if (!cl) {
    member_op_free (op);
    return;
  }
  RcHub *hub = cl->hub;
  if (!error && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
      reply->element[0]->type == REDIS_REPLY_INTEGER && reply->element[0]->integer == -1) {
    if (op->socket_id)
      rc_hub_presence_joined (hub, op->socket_id, op->channel, NULL); /* full */
    member_op_free (op);
    return;
  }
  if (error || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[0]->type != REDIS_REPLY_INTEGER ||
      reply->element[1]->type != REDIS_REPLY_ARRAY) {
    if (error)
      rc_hub_cluster_failed (error);
    /* Redis away: the joiner gets this node's members. */
    if (op->socket_id) {
      g_autoptr (JsonNode) presence = rc_hub_presence_data (hub, op->channel);
      rc_hub_presence_joined (hub, op->socket_id, op->channel, presence);
    }
    member_op_free (op);
    return;
  }
  redisReply *hash = reply->element[1];
  if (op->socket_id) {
    g_autoptr (JsonNode) presence = presence_from_reply (hash);
    rc_hub_presence_joined (hub, op->socket_id, op->channel, presence);
  }
  if (reply->element[0]->integer == 1) {
    g_autoptr (JsonNode) info = NULL;
    for (size_t i = 0; i + 1 < hash->elements; i += 2)
      if (rc_hub_cluster_is_string (hash->element[i]) &&
          g_str_equal (hash->element[i]->str, op->user_id))
        info = info_node (
          rc_hub_cluster_is_string (hash->element[i + 1]) ? hash->element[i + 1]->str : NULL);
    announce_member (hub, op->channel, TRUE, op->user_id, info, op->socket_id);
  }
  member_op_free (op);
}

void
rc_hub_cluster_member_join (RcHub *hub, const char *socket_id, const char *channel,
                            const char *user_id, JsonNode *info, gboolean override)
{
  RcHubCluster *cl = hub->cluster;
  g_autofree char *text = info_text (info);
  /* The audio room's own members are not capped (hub.h). */
  g_autofree char *max = g_strdup_printf ("%u",
                                          socket_id ? hub->config->presence_max_members : 0);
  g_autoptr (GPtrArray) args = rc_hub_cluster_args (cl->node, channel, user_id, text,
                                                    override ? "1" : "0", max, NULL);
  rc_hub_cluster_script (cl, JOIN_LUA, args, on_joined,
                         member_op_new (cl, socket_id, channel, user_id));
}

static void
on_script_done (RcRedisClient *client, redisReply *reply, const GError *error, gpointer data)
{
  if (error)
    rc_hub_cluster_failed (error);
}

void
rc_hub_cluster_member_info (RcHub *hub, const char *channel, const char *user_id,
                            JsonNode *info)
{
  RcHubCluster *cl = hub->cluster;
  g_autofree char *text = info_text (info);
  g_autoptr (GPtrArray) args = rc_hub_cluster_args (channel, user_id, text, NULL);
  rc_hub_cluster_script (cl, INFO_LUA, args, on_script_done, NULL);
}

static void
on_left (RcRedisClient *client, redisReply *reply, const GError *error, gpointer data)
{
  MemberOp *op = data;
  RcHubCluster *cl = op->link->cl;
  if (error)
    rc_hub_cluster_failed (error);
  else if (cl && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
           reply->element[0]->type == REDIS_REPLY_INTEGER && reply->element[0]->integer == 1 &&
           rc_hub_cluster_is_string (reply->element[1])) {
    g_autoptr (JsonNode) info = info_node (reply->element[1]->str);
    announce_member (cl->hub, op->channel, FALSE, op->user_id, info, NULL);
  }
  member_op_free (op);
}

void
rc_hub_cluster_member_leave (RcHub *hub, const char *channel, const char *user_id)
{
  RcHubCluster *cl = hub->cluster;
  g_autoptr (GPtrArray) args = rc_hub_cluster_args (cl->node, channel, user_id, NULL);
  rc_hub_cluster_script (cl, LEAVE_LUA, args, on_left,
                         member_op_new (cl, NULL, channel, user_id));
}

void
rc_hub_cluster_sio_user (RcHub *hub, const char *user_id, gboolean online)
{
  RcHubCluster *cl = hub->cluster;
  if (!cl)
    return;
  g_autofree char *key = g_strconcat (cl->keys, "sio:", cl->node, NULL);
  rc_redis_client_call (cl->redis, on_script_done, NULL, online ? "SADD" : "SREM", key, user_id,
                        NULL);
}

/* --- heartbeat, sweep, resync --------------------------------------------------- */

static void
on_announcements (RcRedisClient *client, redisReply *reply, const GError *error, gpointer data)
{
  RcHubClusterLink *link = data;
  if (error)
    rc_hub_cluster_failed (error);
  else if (link->cl)
    announce_all (link->cl, reply);
  rc_hub_cluster_link_unref (link);
}

static void
add_channel (const char *channel, guint subscriptions, gpointer data)
{
  GPtrArray *subs = data;
  g_ptr_array_add (subs, g_strdup (channel));
  g_ptr_array_add (subs, g_strdup_printf ("%u", subscriptions));
}

static void
add_member (const char *channel, const char *user_id, guint connections, JsonNode *info,
            gpointer data)
{
  GPtrArray *members = g_ptr_array_index ((GPtrArray *) data, 1);
  g_ptr_array_add (members, g_strdup (channel));
  g_ptr_array_add (members, g_strdup (user_id));
  g_ptr_array_add (members, g_strdup_printf ("%u", connections));
  g_ptr_array_add (members, info_text (info));
}

static void
add_channel_of (const char *channel, guint subscriptions, gpointer data)
{
  add_channel (channel, subscriptions, g_ptr_array_index ((GPtrArray *) data, 0));
}

/* Write what this node holds into Redis again. */
static void
resync (RcHubCluster *cl)
{
  g_autoptr (GPtrArray) subs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) members = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) lists = g_ptr_array_new ();
  g_ptr_array_add (lists, subs);
  g_ptr_array_add (lists, members);
  rc_hub_foreach_local (cl->hub, add_channel_of, add_member, lists);
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (args, g_strdup (cl->node));
  g_ptr_array_add (args, g_strdup_printf ("%u", subs->len / 2));
  for (guint i = 0; i < subs->len; i++)
    g_ptr_array_add (args, g_strdup (g_ptr_array_index (subs, i)));
  g_autoptr (GPtrArray) sio = rc_hub_sio_online_users (cl->hub);
  g_ptr_array_add (args, g_strdup_printf ("%u", sio->len));
  for (guint i = 0; i < sio->len; i++)
    g_ptr_array_add (args, g_strdup (g_ptr_array_index (sio, i)));
  for (guint i = 0; i < members->len; i++)
    g_ptr_array_add (args, g_strdup (g_ptr_array_index (members, i)));
  rc_hub_cluster_script (cl, RESYNC_LUA, args, on_announcements,
                         rc_hub_cluster_link_ref (cl->link));
}

static void
on_heartbeat (RcRedisClient *client, redisReply *reply, const GError *error, gpointer data)
{
  RcHubClusterLink *link = data;
  RcHubCluster *cl = link->cl;
  if (error) {
    rc_hub_cluster_failed (error);
  } else if (cl && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1 &&
             cl->registered) {
    g_warning ("hub: this node (%s) was taken for dead by the cluster (no heartbeat for over "
               "%d ms): writing its channels and members again",
               cl->node, NODE_TTL_MS);
    resync (cl);
  } else if (cl) {
    cl->registered = TRUE;
  }
  rc_hub_cluster_link_unref (link);
}

static void
heartbeat (RcHubCluster *cl)
{
  g_autofree char *ttl = g_strdup_printf ("%d", NODE_TTL_MS);
  g_autoptr (GPtrArray) args = rc_hub_cluster_args (cl->node, ttl, NULL);
  rc_hub_cluster_script (cl, HEARTBEAT_LUA, args, on_heartbeat,
                         rc_hub_cluster_link_ref (cl->link));
}

static gboolean
on_tick (gpointer data)
{
  RcHubCluster *cl = data;
  if (!rc_redis_client_is_connected (cl->redis))
    return G_SOURCE_CONTINUE;
  heartbeat (cl);
  g_autoptr (GPtrArray) args = rc_hub_cluster_args (cl->node, NULL);
  rc_hub_cluster_script (cl, SWEEP_LUA, args, on_announcements,
                         rc_hub_cluster_link_ref (cl->link));
  return G_SOURCE_CONTINUE;
}

/* A new connection: beat first (so no sweep takes this node for dead), then
 * write what happened while Redis was away. */
static void
on_connected (GObject *redis, GParamSpec *pspec, gpointer data)
{
  RcHubCluster *cl = data;
  if (!rc_redis_client_is_connected (cl->redis))
    return;
  heartbeat (cl);
  resync (cl);
}

void
rc_hub_cluster_presence_start (RcHubCluster *cl)
{
  G_STATIC_ASSERT (HEARTBEAT_MS == SWEEP_MS); /* one timer does both */
  cl->tick_id = g_timeout_add (HEARTBEAT_MS, on_tick, cl);
  cl->connected_id = g_signal_connect (cl->redis, "notify::connected",
                                       G_CALLBACK (on_connected), cl);
  if (rc_redis_client_is_connected (cl->redis))
    on_connected (G_OBJECT (cl->redis), NULL, cl);
}

void
rc_hub_cluster_presence_stop (RcHubCluster *cl)
{
  g_clear_handle_id (&cl->tick_id, g_source_remove);
  if (cl->connected_id)
    g_clear_signal_handler (&cl->connected_id, cl->redis);
}
