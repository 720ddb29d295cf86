/* roomcast: this node among the nodes sharing one Redis.
 *
 * Every roomcastd on a Redis is a node named by WORKER_ID. The registry
 * claims that id atomically (a Lua script: SET ... PX when the key is free
 * or already ours) and renews the claim every CLUSTER_HEARTBEAT_MS, so a
 * node that stops renewing (kill -9, a frozen host) is gone from Redis
 * CLUSTER_NODE_TTL_MS after its last heartbeat. The claim is the node's
 * record, which is also what GET /admin/nodes lists:
 *
 *   cluster:node:{id}  string, JSON {id, url, instance, startedAt,
 *                      heartbeatAt, rooms, participants, mediaPeers, cpu},
 *                      PX CLUSTER_NODE_TTL_MS; `instance` is random per
 *                      process, so a second process with the same id never
 *                      renews the first one's claim
 *   cluster:nodes      set of the ids of nodes that registered and were not
 *                      reaped yet
 *
 * At start (rc_node_registry_start) the registry waits for its claim: when
 * another process holds the id and renews it (its heartbeatAt moves) the
 * start fails with an error naming that node's URL and heartbeat age; when
 * the claim expires instead (a node of that id was killed) it is taken.
 *
 * On each heartbeat the registry also reaps the nodes whose claim expired:
 * one script removes them from cluster:nodes and makes each one's
 * reclaimed list (rc_node_registry_reclaim_lists: the gift queue's
 * in-flight batch) this node's own, so two live nodes can never both take
 * it, and emits "node-reaped" (const char *node_id) for each: the dead
 * node's rooms are then this node's to take over (room-claims.h). Then it
 * emits "heartbeat" (for the room claims).
 *
 * Without Redis there is no registry (NULL): the node is alone.
 */
#pragma once

#include <glib-object.h>

#include "config.h"
#include "core/health.h"
#include "redis/redis-client.h"

G_BEGIN_DECLS

#define RC_NODE_KEY_PREFIX "cluster:node:"
#define RC_NODES_KEY "cluster:nodes"

/* What a node reports about itself at each heartbeat. */
typedef struct {
  guint rooms;
  guint participants;
  guint media_peers;
} RcNodeLoad;

typedef void (*RcNodeLoadFunc) (RcNodeLoad *load, gpointer user_data);

/* One live node as read from Redis. */
typedef struct {
  char *id;
  char *url;
  gint64 started_at;   /* ms since the epoch */
  gint64 heartbeat_at; /* ms since the epoch */
  RcNodeLoad load;
  double cpu; /* % of one core over the last heartbeat period */
} RcNodeInfo;

void rc_node_info_free (RcNodeInfo *info);
RcNodeInfo *rc_node_info_copy (const RcNodeInfo *info);
/* Parse a cluster:node:{id} record; NULL if it is not one. */
RcNodeInfo *rc_node_info_parse (const char *json, gsize len);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcNodeInfo, rc_node_info_free)

/* PUBLIC_URL, or http://LISTEN_ADDR:@port. */
char *rc_node_public_url (const RcConfig *config, guint port);

#define RC_TYPE_NODE_REGISTRY (rc_node_registry_get_type ())
G_DECLARE_FINAL_TYPE (RcNodeRegistry, rc_node_registry, RC, NODE_REGISTRY, GObject)

/* @config (WORKER_ID, PUBLIC_URL, CLUSTER_*) must outlive the registry.
 * @port: the port actually listened on, for the default URL. */
RcNodeRegistry *rc_node_registry_new (RcRedisClient *redis, const RcConfig *config, guint port);
/* Where this node's load comes from (rooms, participants, media peers). */
void rc_node_registry_set_load_func (RcNodeRegistry *self, RcNodeLoadFunc func,
                                     gpointer user_data);
/* When a dead node @id is reaped, its list @prefix{id} is renamed @target
 * in the same script, when @target is empty (else the node is reaped at a
 * later heartbeat). The gift queue passes its in-flight prefix and this
 * node's own in-flight list: the dead node's batch is then this node's
 * batch in flight, sent again as it is, so Laravel's duplicate_transaction
 * for its gifts means applied. Call before start. */
void rc_node_registry_reclaim_lists (RcNodeRegistry *self, const char *prefix,
                                     const char *target);

/* Claim the node id, running the default main context until it is decided
 * (at most about CLUSTER_NODE_TTL_MS plus one heartbeat), then heartbeat.
 * FALSE with @error when another live node holds the id. When Redis cannot
 * be reached within RC_REDIS_COMMAND_TIMEOUT_MS, TRUE: the node starts
 * unregistered and claims its id on each heartbeat. */
gboolean rc_node_registry_start (RcNodeRegistry *self, GError **error);
/* Clean shutdown: delete our claim (if it is still ours) and stop. */
void rc_node_registry_stop (RcNodeRegistry *self);

/* The URL clients use, once the daemon listens (PORT=0): renewed at once. */
void rc_node_registry_set_url (RcNodeRegistry *self, const char *url);
const char *rc_node_registry_get_id (RcNodeRegistry *self);
const char *rc_node_registry_get_url (RcNodeRegistry *self);
guint rc_node_registry_get_ttl_ms (RcNodeRegistry *self);
RcRedisClient *rc_node_registry_get_redis (RcNodeRegistry *self);
/* This node's current load, as its next heartbeat will report it. */
RcNodeLoad rc_node_registry_get_load (RcNodeRegistry *self);
/* The live nodes as of the last heartbeat (this one included while its
 * claim holds), RcNodeInfo*, by id; owned by the registry. */
GPtrArray *rc_node_registry_get_nodes (RcNodeRegistry *self);

/* The nodes as Redis has them now (for GET /admin/nodes): a GPtrArray of
 * RcNodeInfo* sorted by id. */
void rc_node_registry_list_async (RcNodeRegistry *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *rc_node_registry_list_finish (RcNodeRegistry *self, GAsyncResult *result,
                                         GError **error);

/* "cluster" in /health: id, url, registered. */
void rc_node_registry_add_health (RcNodeRegistry *self, RcHealth *health);

G_END_DECLS
