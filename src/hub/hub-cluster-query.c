/* roomcast: what the Pusher HTTP API and /api/users/online ask of the
 * cluster: channels with their subscriptions summed over the nodes, and
 * presence members, read from the keys hub-cluster-presence.c keeps (one
 * Lua script per question, so the answer is one consistent view).
 */
#include "hub/hub-cluster.h"

/* ARGV: prefix, only (or ""). Returns {channel, subscriptions, users}... of
 * the channels with subscribers or presence members. */
static const char CHANNELS_LUA[] =
  "local P, only = ARGV[1], ARGV[2]\n"
  "local sums, order = {}, {}\n"
  "local function add(ch, c)\n"
  "  if not sums[ch] then sums[ch] = 0; table.insert(order, ch) end\n"
  "  sums[ch] = sums[ch] + c\n"
  "end\n"
  "for _, n in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do\n"
  "  local kv\n"
  "  if only ~= '' then kv = {only, redis.call('HGET', P .. 'subs:' .. n, only)}\n"
  "  else kv = redis.call('HGETALL', P .. 'subs:' .. n) end\n"
  "  for i = 1, #kv, 2 do\n"
  "    local c = tonumber(kv[i + 1])\n"
  "    if c and c > 0 then add(kv[i], c) end\n"
  "  end\n"
  "  for _, ch in ipairs(redis.call('SMEMBERS', P .. 'node-presence:' .. n)) do\n"
  "    if only == '' or only == ch then add(ch, 0) end\n"
  "  end\n"
  "end\n"
  "local out = {}\n"
  "for _, ch in ipairs(order) do\n"
  "  local users = redis.call('HLEN', P .. 'members:' .. ch)\n"
  "  if sums[ch] > 0 or users > 0 then\n"
  "    table.insert(out, ch); table.insert(out, sums[ch]); table.insert(out, users)\n"
  "  end\n"
  "end\n"
  "return out\n";

/* ARGV: prefix, channel (or "": the members of every presence channel and
 * the Socket.IO users online). */
static const char USERS_LUA[] =
  "local P, ch = ARGV[1], ARGV[2]\n"
  "if ch ~= '' then return redis.call('HKEYS', P .. 'members:' .. ch) end\n"
  "local out, seen = {}, {}\n"
  "for _, n in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do\n"
  "  for _, u in ipairs(redis.call('SMEMBERS', P .. 'sio:' .. n)) do\n"
  "    table.insert(out, u)\n"
  "  end\n"
  "  for _, c in ipairs(redis.call('SMEMBERS', P .. 'node-presence:' .. n)) do\n"
  "    if not seen[c] then\n"
  "      seen[c] = true\n"
  "      for _, u in ipairs(redis.call('HKEYS', P .. 'members:' .. c)) do\n"
  "        table.insert(out, u)\n"
  "      end\n"
  "    end\n"
  "  end\n"
  "end\n"
  "return out\n";

typedef struct {
  RcHubClusterLink *link;
  RcHubCountsFunc counts;
  RcHubIdsFunc ids;
  gpointer data;
} Query;

static void
on_channels (RcRedisClient *client, redisReply *reply, const GError *error, gpointer data)
{
  Query *q = data;
  g_autoptr (GPtrArray) counts = NULL;
  if (error)
    rc_hub_cluster_failed (error);
  else if (reply->type == REDIS_REPLY_ARRAY && reply->elements % 3 == 0) {
    counts = g_ptr_array_new_with_free_func (rc_hub_channel_count_free);
    for (size_t i = 0; i < reply->elements; i += 3) {
      redisReply **e = reply->element + i;
      if (!rc_hub_cluster_is_string (e[0]) || e[1]->type != REDIS_REPLY_INTEGER ||
          e[2]->type != REDIS_REPLY_INTEGER)
        continue;
      RcHubChannelCount *c = g_new0 (RcHubChannelCount, 1);
      c->name = g_strdup (e[0]->str);
      c->subscriptions = (guint) MAX (e[1]->integer, 0);
      c->users = (guint) MAX (e[2]->integer, 0);
      g_ptr_array_add (counts, c);
    }
  }
  q->counts (q->link->cl ? q->link->cl->hub : NULL, counts, q->data);
  rc_hub_cluster_link_unref (q->link);
  g_free (q);
}

gboolean
rc_hub_cluster_channels (RcHub *hub, const char *only, RcHubCountsFunc func, gpointer data)
{
  RcHubCluster *cl = hub->cluster;
  if (!cl)
    return FALSE;
  Query *q = g_new0 (Query, 1);
  q->link = rc_hub_cluster_link_ref (cl->link);
  q->counts = func;
  q->data = data;
  g_autoptr (GPtrArray) args = rc_hub_cluster_args (only ? only : "", NULL);
  rc_hub_cluster_script (cl, CHANNELS_LUA, args, on_channels, q);
  return TRUE;
}

static void
on_users (RcRedisClient *client, redisReply *reply, const GError *error, gpointer data)
{
  Query *q = data;
  g_autoptr (GPtrArray) ids = NULL;
  if (error)
    rc_hub_cluster_failed (error);
  else if (reply->type == REDIS_REPLY_ARRAY) {
    ids = g_ptr_array_new_with_free_func (g_free);
    for (size_t i = 0; i < reply->elements; i++)
      if (rc_hub_cluster_is_string (reply->element[i]))
        g_ptr_array_add (ids, g_strdup (reply->element[i]->str));
  }
  q->ids (q->link->cl ? q->link->cl->hub : NULL, ids, q->data);
  rc_hub_cluster_link_unref (q->link);
  g_free (q);
}

gboolean
rc_hub_cluster_users (RcHub *hub, const char *channel, RcHubIdsFunc func, gpointer data)
{
  RcHubCluster *cl = hub->cluster;
  if (!cl)
    return FALSE;
  Query *q = g_new0 (Query, 1);
  q->link = rc_hub_cluster_link_ref (cl->link);
  q->ids = func;
  q->data = data;
  g_autoptr (GPtrArray) args = rc_hub_cluster_args (channel ? channel : "", NULL);
  rc_hub_cluster_script (cl, USERS_LUA, args, on_users, q);
  return TRUE;
}
