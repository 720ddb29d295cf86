/* roomcast: this node's claim in Redis, its heartbeat and the reaping of
 * dead nodes; see node-registry.h. */
#include "cluster/node-registry.h"

#include <string.h>
#include <sys/resource.h>

#include "core/metrics.h"
#include "json/json-text.h"

/* The longest CLUSTER_NODE_TTL_MS another node may use (config-settings.c):
 * how long a start waits for a silent claim to expire. */
#define MAX_TTL_MS 10000

/* KEYS: node key, nodes set. ARGV: instance, record, ttl ms, id.
 * -> {1, ""} claimed or renewed | {0, the holder's record} */
static const char CLAIM_LUA[] =
  "local cur = redis.call('GET', KEYS[1])\n"
  "if cur then\n"
  "  local ok, rec = pcall(cjson.decode, cur)\n"
  "  if not ok or type(rec) ~= 'table' or rec.instance ~= ARGV[1] then return {0, cur} end\n"
  "end\n"
  "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
  "redis.call('SADD', KEYS[2], ARGV[4])\n"
  "return {1, ''}\n";

/* KEYS: node key, nodes set. ARGV: instance, id. -> 1 deleted, 0 not ours */
static const char RELEASE_LUA[] =
  "local cur = redis.call('GET', KEYS[1])\n"
  "if not cur then return 0 end\n"
  "local ok, rec = pcall(cjson.decode, cur)\n"
  "if not ok or type(rec) ~= 'table' or rec.instance ~= ARGV[1] then return 0 end\n"
  "redis.call('DEL', KEYS[1])\n"
  "redis.call('SREM', KEYS[2], ARGV[2])\n"
  "return 1\n";

/* KEYS: nodes set. ARGV: node key prefix. -> the live records */
static const char LIST_LUA[] = "local out = {}\n"
                               "for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
                               "  local rec = redis.call('GET', ARGV[1] .. id)\n"
                               "  if rec then out[#out + 1] = rec end\n"
                               "end\n"
                               "return out\n";

/* Nodes whose claim expired leave the set. Each one's list ARGV[3]{id}
 * (if ARGV[3] is not empty) becomes KEYS[2], order kept, but only while
 * KEYS[2] is empty: a node whose list cannot move yet stays in the set for
 * a later heartbeat.
 * KEYS: nodes set, target list. ARGV: node key prefix, own id, list prefix.
 * -> {id, number of items moved, ...} */
static const char REAP_LUA[] =
  "local out = {}\n"
  "for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
  "  if id ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. id) == 0 then\n"
  "    local n = 0\n"
  "    if ARGV[3] ~= '' then n = redis.call('LLEN', ARGV[3] .. id) end\n"
  "    if n == 0 or redis.call('EXISTS', KEYS[2]) == 0 then\n"
  "      if n > 0 then redis.call('RENAME', ARGV[3] .. id, KEYS[2]) end\n"
  "      redis.call('SREM', KEYS[1], id)\n"
  "      out[#out + 1] = id\n"
  "      out[#out + 1] = n\n"
  "    end\n"
  "  end\n"
  "end\n"
  "return out\n";

struct _RcNodeRegistry {
  GObject parent_instance;
  RcRedisClient *redis;
  const RcConfig *config;
  char *url;
  char *instance;
  char *node_key;
  gint64 started_at;
  RcNodeLoadFunc load_func;
  gpointer load_data;
  char *reclaim_prefix; /* nullable */
  char *reclaim_target; /* nullable */
  GPtrArray *nodes;     /* RcNodeInfo*: the last list */
  /* start */
  gboolean decided;
  GError *start_error;
  gint64 holder_heartbeat; /* the holder's heartbeatAt first seen, or -1 */
  char *holder_instance;
  /* heartbeat */
  gboolean registered;
  gboolean stopped;
  guint timer;
  gint64 cpu_wall_us, cpu_used_us;
  double cpu;
  guint64 renewed, lost;
};

enum { SIGNAL_HEARTBEAT, SIGNAL_NODE_REAPED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RcNodeRegistry, rc_node_registry, G_TYPE_OBJECT)

/* --- node records --- */

void
rc_node_info_free (RcNodeInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info->url);
  g_free (info);
}

RcNodeInfo *
rc_node_info_copy (const RcNodeInfo *info)
{
  RcNodeInfo *copy = g_memdup2 (info, sizeof *info);
  copy->id = g_strdup (info->id);
  copy->url = g_strdup (info->url);
  return copy;
}

static gint64
int_member (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
           ? json_node_get_int (n)
           : 0;
}

RcNodeInfo *
rc_node_info_parse (const char *json, gsize len)
{
  g_autoptr (JsonNode) root = rc_json_parse_strict (json, len, NULL, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  JsonObject *o = json_node_get_object (root);
  const char *id = json_object_get_string_member_with_default (o, "id", NULL);
  const char *url = json_object_get_string_member_with_default (o, "url", NULL);
  if (id == NULL || url == NULL)
    return NULL;
  RcNodeInfo *info = g_new0 (RcNodeInfo, 1);
  info->id = g_strdup (id);
  info->url = g_strdup (url);
  info->started_at = int_member (o, "startedAt");
  info->heartbeat_at = int_member (o, "heartbeatAt");
  info->load.rooms = (guint) CLAMP (int_member (o, "rooms"), 0, G_MAXUINT);
  info->load.participants = (guint) CLAMP (int_member (o, "participants"), 0, G_MAXUINT);
  info->load.media_peers = (guint) CLAMP (int_member (o, "mediaPeers"), 0, G_MAXUINT);
  info->cpu = json_object_get_double_member_with_default (o, "cpu", 0);
  return info;
}

static char *
instance_of (const char *json)
{
  g_autoptr (JsonNode) root = rc_json_parse_strict (json, strlen (json), NULL, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return g_strdup (
    json_object_get_string_member_with_default (json_node_get_object (root), "instance", NULL));
}

RcNodeLoad
rc_node_registry_get_load (RcNodeRegistry *self)
{
  RcNodeLoad load = { 0 };
  if (self->load_func)
    self->load_func (&load, self->load_data);
  return load;
}

/* CPU used by this process since the last call, in % of one core. */
static void
sample_cpu (RcNodeRegistry *self)
{
  struct rusage usage;
  gint64 now = g_get_monotonic_time ();
  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return;
  gint64 used = (gint64) usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec +
                (gint64) usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec;
  if (self->cpu_wall_us > 0 && now > self->cpu_wall_us)
    self->cpu = 100.0 * (double) (used - self->cpu_used_us) /
                (double) (now - self->cpu_wall_us);
  self->cpu_wall_us = now;
  self->cpu_used_us = used;
}

static char *
record_json (RcNodeRegistry *self)
{
  RcNodeLoad load = rc_node_registry_get_load (self);
  g_autoptr (JsonObject) o = json_object_new ();
  json_object_set_string_member (o, "id", self->config->worker_id);
  json_object_set_string_member (o, "url", self->url);
  json_object_set_string_member (o, "instance", self->instance);
  json_object_set_int_member (o, "startedAt", self->started_at);
  json_object_set_int_member (o, "heartbeatAt", g_get_real_time () / 1000);
  json_object_set_int_member (o, "rooms", load.rooms);
  json_object_set_int_member (o, "participants", load.participants);
  json_object_set_int_member (o, "mediaPeers", load.media_peers);
  json_object_set_double_member (o, "cpu", (double) (gint64) (self->cpu * 10) / 10);
  g_autoptr (JsonNode) node = rc_json_node_take_object (g_steal_pointer (&o));
  return rc_json_to_string (node);
}

/* --- the claim --- */

static void claim (RcNodeRegistry *self, RcRedisReplyFunc done);

static void
decide (RcNodeRegistry *self, GError *error)
{
  self->decided = TRUE;
  self->start_error = error;
}

/* A start's claim answered: ours, or held by someone who may be alive. */
static void
on_start_claim (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  g_autoptr (RcNodeRegistry) self = data;
  if (self->decided || error != NULL || reply->type != REDIS_REPLY_ARRAY ||
      reply->elements != 2)
    return; /* retried by the start's timer */
  if (reply->element[0]->integer == 1) {
    self->registered = TRUE;
    decide (self, NULL);
    return;
  }
  const char *holder = reply->element[1]->str;
  g_autoptr (RcNodeInfo) info = rc_node_info_parse (holder, reply->element[1]->len);
  g_autofree char *instance = instance_of (holder);
  gint64 beat = info ? info->heartbeat_at : 0;
  if (self->holder_heartbeat < 0) {
    self->holder_heartbeat = beat;
    self->holder_instance = g_strdup (instance);
    g_info ("cluster: WORKER_ID=%s is held by %s; waiting to see whether that node is alive",
            self->config->worker_id, info ? info->url : "an unreadable record");
    return;
  }
  if (beat == self->holder_heartbeat && g_strcmp0 (instance, self->holder_instance) == 0)
    return; /* silent so far: its claim may still expire */
  gint64 age = g_get_real_time () / 1000 - beat;
  decide (self,
          g_error_new (G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "WORKER_ID=%s is held by the live node at %s (last heartbeat "
                       "%" G_GINT64_FORMAT " ms ago, started %" G_GINT64_FORMAT
                       " ms ago): give every node its own WORKER_ID",
                       self->config->worker_id, info ? info->url : "(unknown URL)",
                       MAX (age, 0), info ? g_get_real_time () / 1000 - info->started_at : 0));
}

static void
claim (RcNodeRegistry *self, RcRedisReplyFunc done)
{
  g_autofree char *record = record_json (self);
  g_autofree char *ttl = g_strdup_printf ("%u", self->config->cluster_node_ttl_ms);
  const char *argv[] = { "EVAL",         CLAIM_LUA, "2", self->node_key,         RC_NODES_KEY,
                         self->instance, record,    ttl, self->config->worker_id };
  rc_redis_client_commandv (self->redis, G_N_ELEMENTS (argv), argv, NULL, done,
                            g_object_ref (self));
}

static void heartbeat_later (RcNodeRegistry *self);

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
rc_node_registry_start (RcNodeRegistry *self, GError **error)
{
  g_return_val_if_fail (RC_IS_NODE_REGISTRY (self), FALSE);
  guint poll_ms = CLAMP (self->config->cluster_heartbeat_ms / 4, 50, 250);
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) (MAX_TTL_MS + self->config->cluster_heartbeat_ms + 1000) * 1000;
  /* Redis out of reach at start: the node starts unregistered after this. */
  gint64 connect_deadline = g_get_monotonic_time () +
                            (gint64) RC_REDIS_COMMAND_TIMEOUT_MS * 1000;
  gint64 next = 0;
  gboolean ever_connected = FALSE;

  /* Wakes the loop below at least every poll_ms. */
  guint wake = g_timeout_add (poll_ms, wake_up, NULL);
  while (!self->decided && g_get_monotonic_time () < deadline &&
         (ever_connected || g_get_monotonic_time () < connect_deadline)) {
    if (g_get_monotonic_time () >= next && rc_redis_client_is_connected (self->redis)) {
      ever_connected = TRUE;
      claim (self, on_start_claim);
      next = g_get_monotonic_time () + poll_ms * 1000;
    }
    g_main_context_iteration (NULL, TRUE);
  }
  g_source_remove (wake);
  if (!self->decided && self->holder_heartbeat >= 0)
    decide (self, g_error_new (G_IO_ERROR, G_IO_ERROR_EXISTS,
                               "WORKER_ID=%s is held in Redis by another process whose claim "
                               "did not expire: give every node its own WORKER_ID",
                               self->config->worker_id));
  if (!self->decided)
    g_warning ("cluster: %s; node %s starts unregistered and claims its id on each heartbeat",
               ever_connected ? "Redis did not answer the claim" : "Redis is not reachable",
               self->config->worker_id);
  self->decided = TRUE;
  if (self->start_error != NULL) {
    g_propagate_error (error, g_steal_pointer (&self->start_error));
    return FALSE;
  }
  if (self->registered)
    g_info ("cluster: node %s registered at %s (claims live %u ms, renewed every %u ms)",
            self->config->worker_id, self->url, self->config->cluster_node_ttl_ms,
            self->config->cluster_heartbeat_ms);
  heartbeat_later (self);
  return TRUE;
}

/* --- the heartbeat --- */

static void
on_reaped (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  g_autoptr (RcNodeRegistry) self = data;
  if (error != NULL) {
    g_debug ("cluster: reaping dead nodes failed: %s", error->message);
  } else if (reply->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "ROOMCAST_EVENT", "node-reaped",
                        "MESSAGE",
                        "cluster: node %s is gone (no heartbeat for %u ms)%s%lld item(s) of "
                        "its %s list moved to %s",
                        reply->element[i]->str, self->config->cluster_node_ttl_ms,
                        self->reclaim_prefix ? "; " : "",
                        self->reclaim_prefix ? reply->element[i + 1]->integer : 0LL,
                        self->reclaim_prefix ? self->reclaim_prefix : "",
                        self->reclaim_target ? self->reclaim_target : "");
      rc_metrics_counter_inc ("roomcast_cluster_nodes_reaped_total",
                              "Dead nodes whose leftovers this node took over", NULL);
      if (!self->stopped)
        g_signal_emit (self, signals[SIGNAL_NODE_REAPED], 0, reply->element[i]->str);
    }
  }
  if (!self->stopped)
    g_signal_emit (self, signals[SIGNAL_HEARTBEAT], 0);
}

static void
reap (RcNodeRegistry *self)
{
  const char *argv[] = { "EVAL",
                         REAP_LUA,
                         "2",
                         RC_NODES_KEY,
                         self->reclaim_target ? self->reclaim_target : RC_NODES_KEY,
                         RC_NODE_KEY_PREFIX,
                         self->config->worker_id,
                         self->reclaim_prefix ? self->reclaim_prefix : "" };
  rc_redis_client_commandv (self->redis, G_N_ELEMENTS (argv), argv, NULL, on_reaped,
                            g_object_ref (self));
}

static gint
by_id (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(RcNodeInfo *const *) a)->id, (*(RcNodeInfo *const *) b)->id);
}

static GPtrArray *
nodes_from_reply (redisReply *reply)
{
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) rc_node_info_free);
  for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
    RcNodeInfo *info = reply->element[i]->type == REDIS_REPLY_STRING
                         ? rc_node_info_parse (reply->element[i]->str, reply->element[i]->len)
                         : NULL;
    if (info)
      g_ptr_array_add (nodes, info);
  }
  g_ptr_array_sort (nodes, by_id);
  return nodes;
}

static void
on_listed (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  g_autoptr (RcNodeRegistry) self = data;
  if (error == NULL) {
    g_ptr_array_unref (self->nodes);
    self->nodes = nodes_from_reply (reply);
  }
  if (!self->stopped)
    reap (self);
}

static void
on_renewed (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  g_autoptr (RcNodeRegistry) self = data;
  if (self->stopped)
    return;
  if (error != NULL) {
    g_debug ("cluster: renewing node %s failed: %s", self->config->worker_id, error->message);
  } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
             reply->element[0]->integer == 1) {
    if (!self->registered)
      g_info ("cluster: node %s registered at %s", self->config->worker_id, self->url);
    self->registered = TRUE;
    self->renewed++;
  } else {
    g_autoptr (RcNodeInfo)
      holder = reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
                 ? rc_node_info_parse (reply->element[1]->str, reply->element[1]->len)
                 : NULL;
    g_critical ("cluster: WORKER_ID=%s is now held by another process (%s): two nodes share "
                "one id; stop one of them",
                self->config->worker_id, holder ? holder->url : "unknown");
    self->registered = FALSE;
    self->lost++;
  }
  const char *argv[] = { "EVAL", LIST_LUA, "1", RC_NODES_KEY, RC_NODE_KEY_PREFIX };
  rc_redis_client_commandv (self->redis, G_N_ELEMENTS (argv), argv, NULL, on_listed,
                            g_object_ref (self));
}

static gboolean
on_heartbeat (gpointer data)
{
  RcNodeRegistry *self = data;
  sample_cpu (self);
  if (rc_redis_client_is_connected (self->redis))
    claim (self, on_renewed);
  return G_SOURCE_CONTINUE;
}

static void
heartbeat_later (RcNodeRegistry *self)
{
  sample_cpu (self);
  if (self->timer == 0 && !self->stopped)
    self->timer = g_timeout_add (self->config->cluster_heartbeat_ms, on_heartbeat, self);
}

void
rc_node_registry_stop (RcNodeRegistry *self)
{
  g_return_if_fail (RC_IS_NODE_REGISTRY (self));
  if (self->stopped)
    return;
  self->stopped = TRUE;
  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->registered && rc_redis_client_is_connected (self->redis)) {
    const char *argv[] = { "EVAL",
                           RELEASE_LUA,
                           "2",
                           self->node_key,
                           RC_NODES_KEY,
                           self->instance,
                           self->config->worker_id };
    rc_redis_client_commandv (self->redis, G_N_ELEMENTS (argv), argv, NULL, NULL, NULL);
    g_info ("cluster: node %s leaves the cluster", self->config->worker_id);
  }
  self->registered = FALSE;
}

/* --- listing --- */

static void
on_list (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  g_autoptr (GTask) task = data;
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_pointer (task, nodes_from_reply (reply), (GDestroyNotify) g_ptr_array_unref);
}

void
rc_node_registry_list_async (RcNodeRegistry *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_NODE_REGISTRY (self));
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  const char *argv[] = { "EVAL", LIST_LUA, "1", RC_NODES_KEY, RC_NODE_KEY_PREFIX };
  rc_redis_client_commandv (self->redis, G_N_ELEMENTS (argv), argv, NULL, on_list, task);
}

GPtrArray *
rc_node_registry_list_finish (RcNodeRegistry *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- accessors, health, metrics --- */

const char *
rc_node_registry_get_id (RcNodeRegistry *self)
{
  return self->config->worker_id;
}

void
rc_node_registry_set_url (RcNodeRegistry *self, const char *url)
{
  g_return_if_fail (RC_IS_NODE_REGISTRY (self) && url != NULL);
  if (g_strcmp0 (self->url, url) == 0)
    return;
  g_free (self->url);
  self->url = g_strdup (url);
  if (!self->stopped && rc_redis_client_is_connected (self->redis))
    claim (self, on_renewed);
}

const char *
rc_node_registry_get_url (RcNodeRegistry *self)
{
  return self->url;
}

guint
rc_node_registry_get_ttl_ms (RcNodeRegistry *self)
{
  return self->config->cluster_node_ttl_ms;
}

RcRedisClient *
rc_node_registry_get_redis (RcNodeRegistry *self)
{
  return self->redis;
}

GPtrArray *
rc_node_registry_get_nodes (RcNodeRegistry *self)
{
  return self->nodes;
}

void
rc_node_registry_set_load_func (RcNodeRegistry *self, RcNodeLoadFunc func, gpointer user_data)
{
  self->load_func = func;
  self->load_data = user_data;
}

void
rc_node_registry_reclaim_lists (RcNodeRegistry *self, const char *prefix, const char *target)
{
  g_free (self->reclaim_prefix);
  g_free (self->reclaim_target);
  self->reclaim_prefix = g_strdup (prefix);
  self->reclaim_target = g_strdup (target);
}

static gboolean
health (JsonBuilder *b, gpointer data)
{
  RcNodeRegistry *self = data;
  json_builder_set_member_name (b, "cluster");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "node");
  json_builder_add_string_value (b, self->config->worker_id);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, self->url);
  json_builder_set_member_name (b, "registered");
  json_builder_add_boolean_value (b, self->registered);
  json_builder_set_member_name (b, "nodes");
  json_builder_add_int_value (b, self->nodes->len);
  json_builder_end_object (b);
  return TRUE; /* Redis itself reports its own state */
}

void
rc_node_registry_add_health (RcNodeRegistry *self, RcHealth *health_registry)
{
  rc_health_add (health_registry, health, self);
}

static void
collect (GString *out, gpointer data)
{
  RcNodeRegistry *self = data;
  const char *id = self->config->worker_id;
  g_string_append_printf (
    out,
    "# HELP roomcast_cluster_node_claim_renewals_total Heartbeats that "
    "renewed this node's claim in Redis\n"
    "# TYPE roomcast_cluster_node_claim_renewals_total counter\n"
    "roomcast_cluster_node_claim_renewals_total{node=\"%s\"} %" G_GUINT64_FORMAT "\n"
    "# HELP roomcast_cluster_node_claims_lost_total Heartbeats that found "
    "this node's id held by another process\n"
    "# TYPE roomcast_cluster_node_claims_lost_total counter\n"
    "roomcast_cluster_node_claims_lost_total{node=\"%s\"} %" G_GUINT64_FORMAT "\n"
    "# HELP roomcast_cluster_nodes Live nodes seen at the last heartbeat\n"
    "# TYPE roomcast_cluster_nodes gauge\n"
    "roomcast_cluster_nodes{node=\"%s\"} %u\n",
    id, self->renewed, id, self->lost, id, self->nodes->len);
}

char *
rc_node_public_url (const RcConfig *config, guint port)
{
  if (config->public_url && *config->public_url)
    return g_strdup (config->public_url);
  if (strchr (config->listen_addr, ':'))
    return g_strdup_printf ("http://[%s]:%u", config->listen_addr, port);
  return g_strdup_printf ("http://%s:%u", config->listen_addr, port);
}

RcNodeRegistry *
rc_node_registry_new (RcRedisClient *redis, const RcConfig *config, guint port)
{
  g_return_val_if_fail (RC_IS_REDIS_CLIENT (redis) && config != NULL, NULL);
  RcNodeRegistry *self = g_object_new (RC_TYPE_NODE_REGISTRY, NULL);
  self->redis = g_object_ref (redis);
  self->config = config;
  self->url = rc_node_public_url (config, port);
  self->node_key = g_strconcat (RC_NODE_KEY_PREFIX, config->worker_id, NULL);
  rc_metrics_register_collector (collect, self);
  return self;
}

static void
rc_node_registry_dispose (GObject *object)
{
  RcNodeRegistry *self = RC_NODE_REGISTRY (object);
  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->redis)
    rc_metrics_unregister_collector (collect, self);
  g_clear_object (&self->redis);
  G_OBJECT_CLASS (rc_node_registry_parent_class)->dispose (object);
}

static void
rc_node_registry_finalize (GObject *object)
{
  RcNodeRegistry *self = RC_NODE_REGISTRY (object);
  g_free (self->url);
  g_free (self->instance);
  g_free (self->node_key);
  g_free (self->reclaim_prefix);
  g_free (self->reclaim_target);
  g_free (self->holder_instance);
  g_clear_error (&self->start_error);
  g_ptr_array_unref (self->nodes);
  G_OBJECT_CLASS (rc_node_registry_parent_class)->finalize (object);
}

static void
rc_node_registry_class_init (RcNodeRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = rc_node_registry_dispose;
  object_class->finalize = rc_node_registry_finalize;
  /* After each heartbeat's renewal, listing and reaping (room claims renew then). */
  signals[SIGNAL_HEARTBEAT] = g_signal_new ("heartbeat", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                            0);
  /* (const char *node_id): this node reaped that dead node (exactly one
   * live node does); its rooms are this node's to take over (room-claims.h). */
  signals[SIGNAL_NODE_REAPED] = g_signal_new ("node-reaped", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
rc_node_registry_init (RcNodeRegistry *self)
{
  self->instance = g_uuid_string_random ();
  self->started_at = g_get_real_time () / 1000;
  self->holder_heartbeat = -1;
  self->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) rc_node_info_free);
}
