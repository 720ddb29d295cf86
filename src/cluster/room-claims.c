/* roomcast: room:node:{roomId} claims; see room-claims.h. */
#include "cluster/room-claims.h"

#include <string.h>

#include "core/metrics.h"

/* KEYS: room:node:{id}, room:restore:{id}, this node's rooms set. ARGV:
 * target node, ttl ms, node key prefix, own id, room id. -> {owner id,
 * owner's record or "", the room's restore JSON or "" when the owner is
 * this node} */
static const char CLAIM_LUA[] =
  "local cur = redis.call('GET', KEYS[1])\n"
  "if cur and cur == ARGV[4] then\n"
  "  redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
  "elseif not cur or redis.call('EXISTS', ARGV[3] .. cur) == 0 then\n"
  "  cur = ARGV[1]\n"
  "  if cur ~= ARGV[4] and redis.call('EXISTS', ARGV[3] .. cur) == 0 then cur = ARGV[4] end\n"
  "  redis.call('SET', KEYS[1], cur, 'PX', ARGV[2])\n"
  "end\n"
  "local restore = ''\n"
  "if cur == ARGV[4] then\n"
  "  restore = redis.call('GET', KEYS[2]) or ''\n"
  "  redis.call('SADD', KEYS[3], ARGV[5])\n"
  "end\n"
  "return {cur, redis.call('GET', ARGV[3] .. cur) or '', restore}\n";

/* KEYS: each room's room:node and room:restore keys, in pairs. ARGV: own
 * id, ttl ms, node key prefix, restore ttl ms, this node's rooms set, the
 * length of the room:node: prefix. A claim gone (expired while Redis was
 * away) or held by a dead node is taken again. The rooms set becomes the
 * rooms renewed. -> the 1-based indices of the rooms another live node holds */
static const char RENEW_LUA[] =
  "local lost = {}\n"
  "redis.call('DEL', ARGV[5])\n"
  "for i = 1, #KEYS, 2 do\n"
  "  local cur = redis.call('GET', KEYS[i])\n"
  "  if cur and cur ~= ARGV[1] and redis.call('EXISTS', ARGV[3] .. cur) == 1 then\n"
  "    lost[#lost + 1] = (i + 1) / 2\n"
  "  else\n"
  "    if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[i], ARGV[2])\n"
  "    else redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2]) end\n"
  "    redis.call('PEXPIRE', KEYS[i + 1], ARGV[4])\n"
  "    redis.call('SADD', ARGV[5], string.sub(KEYS[i], tonumber(ARGV[6]) + 1))\n"
  "  end\n"
  "end\n"
  "return lost\n";

/* The rooms of a dead node this node reaped (node-registry.h), those whose
 * claim is free or still the dead node's and that left a restore, become
 * this node's. KEYS: the dead node's rooms set, this node's. ARGV: dead
 * id, own id, ttl ms, node key prefix, room:node: prefix, room:restore:
 * prefix. -> {room id, restore JSON, ...} */
static const char TAKEOVER_LUA[] =
  "local out = {}\n"
  "for _, room in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
  "  local key = ARGV[5] .. room\n"
  "  local cur = redis.call('GET', key)\n"
  "  if not cur or cur == ARGV[1] or redis.call('EXISTS', ARGV[4] .. cur) == 0 then\n"
  "    local restore = redis.call('GET', ARGV[6] .. room)\n"
  "    if restore then\n"
  "      redis.call('SET', key, ARGV[2], 'PX', ARGV[3])\n"
  "      redis.call('SADD', KEYS[2], room)\n"
  "      out[#out + 1] = room\n"
  "      out[#out + 1] = restore\n"
  "    end\n"
  "  end\n"
  "end\n"
  "redis.call('DEL', KEYS[1])\n"
  "return out\n";

/* KEYS: room:node:{id}, room:restore:{id}. ARGV: own id, JSON ("" deletes),
 * restore ttl ms. Only the room's node writes it. -> 1 written, 0 not ours */
static const char SAVE_RESTORE_LUA[] =
  "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
  "if ARGV[2] == '' then redis.call('DEL', KEYS[2]) return 1 end\n"
  "redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])\n"
  "return 1\n";

/* KEYS: room:node:{id}, room:restore:{id}, this node's rooms set. ARGV:
 * own id, room id. -> 1 deleted, 0 not ours */
static const char RELEASE_LUA[] = "redis.call('SREM', KEYS[3], ARGV[2])\n"
                                  "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                                  "  redis.call('DEL', KEYS[2])\n"
                                  "  return redis.call('DEL', KEYS[1])\n"
                                  "end\n"
                                  "return 0\n";

struct _RcRoomClaims {
  GObject parent_instance;
  RcNodeRegistry *nodes;
  const RcConfig *config;
  char *rooms_key; /* cluster:node-rooms:{own id} */
  gulong reaped_id;
  guint owned; /* rooms renewed at the last heartbeat */
  guint64 renewed, lost;
};

enum { SIGNAL_LOST, SIGNAL_TAKEN_OVER, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RcRoomClaims, rc_room_claims, G_TYPE_OBJECT)

void
rc_room_place_free (RcRoomPlace *place)
{
  if (place == NULL)
    return;
  g_free (place->node_id);
  g_free (place->url);
  g_free (place->restore);
  g_free (place);
}

/* This node, unless it is at CLUSTER_MAX_ROOMS_PER_NODE: then the live
 * node with the fewest rooms (then participants) below that limit. */
static const char *
placement_target (RcRoomClaims *self)
{
  const char *me = rc_node_registry_get_id (self->nodes);
  guint max = self->config->cluster_max_rooms_per_node;
  RcNodeLoad load = rc_node_registry_get_load (self->nodes);
  if (max == 0 || load.rooms < max)
    return me;
  GPtrArray *nodes = rc_node_registry_get_nodes (self->nodes);
  const RcNodeInfo *best = NULL;
  for (guint i = 0; i < nodes->len; i++) {
    const RcNodeInfo *n = g_ptr_array_index (nodes, i);
    if (g_str_equal (n->id, me) || n->load.rooms >= max)
      continue;
    if (best == NULL || n->load.rooms < best->load.rooms ||
        (n->load.rooms == best->load.rooms && n->load.participants < best->load.participants))
      best = n;
  }
  return best ? best->id : me;
}

static char *
key_of (const char *room_id)
{
  return g_strconcat (RC_ROOM_NODE_KEY_PREFIX, room_id, NULL);
}

static char *
restore_key_of (const char *room_id)
{
  return g_strconcat (RC_ROOM_RESTORE_KEY_PREFIX, room_id, NULL);
}

/* A room's restore JSON lives as long as its held seats would after the
 * last renewal: the grace period, after the claims' own lifetime. */
static char *
restore_ttl (RcRoomClaims *self)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) self->config->room_grace_s * 1000 +
                                                 rc_node_registry_get_ttl_ms (self->nodes));
}

static void
on_claimed (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  g_autoptr (GTask) task = data;
  RcRoomClaims *self = g_task_get_source_object (task);
  if (error != NULL) {
    g_task_return_error (task, g_error_copy (error));
    return;
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      reply->element[0]->type != REDIS_REPLY_STRING) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             "unexpected answer to a room claim");
    return;
  }
  RcRoomPlace *place = g_new0 (RcRoomPlace, 1);
  place->node_id = g_strndup (reply->element[0]->str, reply->element[0]->len);
  place->mine = g_str_equal (place->node_id, rc_node_registry_get_id (self->nodes));
  if (place->mine) {
    place->url = g_strdup (rc_node_registry_get_url (self->nodes));
    if (reply->element[2]->type == REDIS_REPLY_STRING && reply->element[2]->len > 0)
      place->restore = g_strndup (reply->element[2]->str, reply->element[2]->len);
  } else {
    g_autoptr (RcNodeInfo)
      info = reply->element[1]->type == REDIS_REPLY_STRING
               ? rc_node_info_parse (reply->element[1]->str, reply->element[1]->len)
               : NULL;
    place->url = g_strdup (info ? info->url : "");
  }
  g_task_return_pointer (task, place, (GDestroyNotify) rc_room_place_free);
}

void
rc_room_claims_claim_async (RcRoomClaims *self, const char *room_id, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_ROOM_CLAIMS (self) && room_id != NULL);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *key = key_of (room_id);
  g_autofree char *restore_key = restore_key_of (room_id);
  g_autofree char *ttl = g_strdup_printf ("%u", rc_node_registry_get_ttl_ms (self->nodes));
  const char *argv[] = { "EVAL",
                         CLAIM_LUA,
                         "3",
                         key,
                         restore_key,
                         self->rooms_key,
                         placement_target (self),
                         ttl,
                         RC_NODE_KEY_PREFIX,
                         rc_node_registry_get_id (self->nodes),
                         room_id };
  rc_redis_client_commandv (rc_node_registry_get_redis (self->nodes), G_N_ELEMENTS (argv), argv,
                            NULL, on_claimed, task);
}

RcRoomPlace *
rc_room_claims_claim_finish (RcRoomClaims *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* What a renewal needs when its answer comes: the rooms it named. */
typedef struct {
  RcRoomClaims *self; /* ref */
  GStrv room_ids;
} Renewal;

static void
on_renewed (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  Renewal *renewal = data;
  RcRoomClaims *self = renewal->self;
  guint n = g_strv_length (renewal->room_ids);
  if (error != NULL) {
    g_debug ("cluster: renewing %u room claim(s) failed: %s", n, error->message);
  } else if (reply->type == REDIS_REPLY_ARRAY) {
    self->renewed += n - reply->elements;
    self->owned = n - reply->elements;
    for (size_t i = 0; i < reply->elements; i++) {
      long long index = reply->element[i]->integer;
      if (index < 1 || index > n)
        continue;
      const char *room_id = renewal->room_ids[index - 1];
      self->lost++;
      g_warning ("cluster: room %s is claimed by another live node now; this node lets it go",
                 room_id);
      g_signal_emit (self, signals[SIGNAL_LOST], 0, room_id);
    }
  }
  g_object_unref (renewal->self);
  g_strfreev (renewal->room_ids);
  g_free (renewal);
}

void
rc_room_claims_renew (RcRoomClaims *self, const char *const *room_ids, guint n)
{
  g_return_if_fail (RC_IS_ROOM_CLAIMS (self));
  if (n == 0)
    self->owned = 0; /* the script still empties this node's rooms set */
  g_autofree char *keys_count = g_strdup_printf ("%u", 2 * n);
  g_autofree char *ttl = g_strdup_printf ("%u", rc_node_registry_get_ttl_ms (self->nodes));
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup ("EVAL"));
  g_ptr_array_add (argv, g_strdup (RENEW_LUA));
  g_ptr_array_add (argv, g_strdup (keys_count));
  Renewal *renewal = g_new0 (Renewal, 1);
  renewal->self = g_object_ref (self);
  renewal->room_ids = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++) {
    g_ptr_array_add (argv, key_of (room_ids[i]));
    g_ptr_array_add (argv, restore_key_of (room_ids[i]));
    renewal->room_ids[i] = g_strdup (room_ids[i]);
  }
  g_ptr_array_add (argv, g_strdup (rc_node_registry_get_id (self->nodes)));
  g_ptr_array_add (argv, g_strdup (ttl));
  g_ptr_array_add (argv, g_strdup (RC_NODE_KEY_PREFIX));
  g_ptr_array_add (argv, restore_ttl (self));
  g_ptr_array_add (argv, g_strdup (self->rooms_key));
  g_ptr_array_add (argv, g_strdup_printf ("%zu", strlen (RC_ROOM_NODE_KEY_PREFIX)));
  rc_redis_client_commandv (rc_node_registry_get_redis (self->nodes), (int) argv->len,
                            (const char *const *) argv->pdata, NULL, on_renewed, renewal);
}

void
rc_room_claims_release (RcRoomClaims *self, const char *room_id)
{
  g_return_if_fail (RC_IS_ROOM_CLAIMS (self) && room_id != NULL);
  g_autofree char *key = key_of (room_id);
  g_autofree char *restore_key = restore_key_of (room_id);
  const char *argv[] = { "EVAL",
                         RELEASE_LUA,
                         "3",
                         key,
                         restore_key,
                         self->rooms_key,
                         rc_node_registry_get_id (self->nodes),
                         room_id };
  rc_redis_client_commandv (rc_node_registry_get_redis (self->nodes), G_N_ELEMENTS (argv), argv,
                            NULL, NULL, NULL);
}

void
rc_room_claims_save_restore (RcRoomClaims *self, const char *room_id, const char *json)
{
  g_return_if_fail (RC_IS_ROOM_CLAIMS (self) && room_id != NULL && json != NULL);
  g_autofree char *key = key_of (room_id);
  g_autofree char *restore_key = restore_key_of (room_id);
  g_autofree char *ttl = restore_ttl (self);
  const char *argv[] = { "EVAL",      SAVE_RESTORE_LUA,
                         "2",         key,
                         restore_key, rc_node_registry_get_id (self->nodes),
                         json,        ttl };
  rc_redis_client_commandv (rc_node_registry_get_redis (self->nodes), G_N_ELEMENTS (argv), argv,
                            NULL, NULL, NULL);
}

static void
on_taken_over (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  g_autoptr (RcRoomClaims) self = data;
  if (error != NULL) {
    g_warning ("cluster: taking over a dead node's rooms failed: %s; they open again on their "
               "next join",
               error->message);
    return;
  }
  for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i + 1 < reply->elements; i += 2)
    g_signal_emit (self, signals[SIGNAL_TAKEN_OVER], 0, reply->element[i]->str,
                   reply->element[i + 1]->str);
}

/* This node reaped @node_id: its rooms are ours (TAKEOVER_LUA). */
static void
on_node_reaped (RcNodeRegistry *nodes, const char *node_id, gpointer data)
{
  RcRoomClaims *self = data;
  g_autofree char *dead_rooms = g_strconcat (RC_NODE_ROOMS_KEY_PREFIX, node_id, NULL);
  g_autofree char *ttl = g_strdup_printf ("%u", rc_node_registry_get_ttl_ms (nodes));
  const char *argv[] = { "EVAL",
                         TAKEOVER_LUA,
                         "2",
                         dead_rooms,
                         self->rooms_key,
                         node_id,
                         rc_node_registry_get_id (nodes),
                         ttl,
                         RC_NODE_KEY_PREFIX,
                         RC_ROOM_NODE_KEY_PREFIX,
                         RC_ROOM_RESTORE_KEY_PREFIX };
  rc_redis_client_commandv (rc_node_registry_get_redis (nodes), G_N_ELEMENTS (argv), argv, NULL,
                            on_taken_over, g_object_ref (self));
}

RcNodeRegistry *
rc_room_claims_get_nodes (RcRoomClaims *self)
{
  return self->nodes;
}

static void
collect (GString *out, gpointer data)
{
  RcRoomClaims *self = data;
  const char *id = rc_node_registry_get_id (self->nodes);
  g_string_append_printf (
    out,
    "# HELP roomcast_cluster_rooms_owned Rooms whose claim this node renewed at its last "
    "heartbeat\n"
    "# TYPE roomcast_cluster_rooms_owned gauge\n"
    "roomcast_cluster_rooms_owned{node=\"%s\"} %u\n"
    "# HELP roomcast_cluster_room_claim_renewals_total Room claims renewed by heartbeats\n"
    "# TYPE roomcast_cluster_room_claim_renewals_total counter\n"
    "roomcast_cluster_room_claim_renewals_total{node=\"%s\"} %" G_GUINT64_FORMAT "\n"
    "# HELP roomcast_cluster_room_claims_lost_total Open rooms found claimed by another live "
    "node\n"
    "# TYPE roomcast_cluster_room_claims_lost_total counter\n"
    "roomcast_cluster_room_claims_lost_total{node=\"%s\"} %" G_GUINT64_FORMAT "\n",
    id, self->owned, id, self->renewed, id, self->lost);
}

RcRoomClaims *
rc_room_claims_new (RcNodeRegistry *nodes, const RcConfig *config)
{
  g_return_val_if_fail (RC_IS_NODE_REGISTRY (nodes) && config != NULL, NULL);
  RcRoomClaims *self = g_object_new (RC_TYPE_ROOM_CLAIMS, NULL);
  self->nodes = g_object_ref (nodes);
  self->config = config;
  self->rooms_key = g_strconcat (RC_NODE_ROOMS_KEY_PREFIX, rc_node_registry_get_id (nodes),
                                 NULL);
  self->reaped_id = g_signal_connect (nodes, "node-reaped", G_CALLBACK (on_node_reaped), self);
  rc_metrics_register_collector (collect, self);
  return self;
}

static void
rc_room_claims_dispose (GObject *object)
{
  RcRoomClaims *self = RC_ROOM_CLAIMS (object);
  if (self->nodes) {
    rc_metrics_unregister_collector (collect, self);
    g_clear_signal_handler (&self->reaped_id, self->nodes);
  }
  g_clear_object (&self->nodes);
  g_clear_pointer (&self->rooms_key, g_free);
  G_OBJECT_CLASS (rc_room_claims_parent_class)->dispose (object);
}

static void
rc_room_claims_class_init (RcRoomClaimsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_room_claims_dispose;
  /* (const char *room_id): an open room of this node that another live node claims now. */
  signals[SIGNAL_LOST] = g_signal_new ("lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* (const char *room_id, const char *restore): a room of a dead node this
   * node reaped is this node's now; open it from @restore (room-restore.c). */
  signals[SIGNAL_TAKEN_OVER] = g_signal_new ("taken-over", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
rc_room_claims_init (RcRoomClaims *self)
{
}
