/* roomcast: the hub across nodes (hub-cluster*.c); see hub-cluster.c. */
#pragma once

#include "hub/hub-private.h"
#include "redis/redis-client.h"

G_BEGIN_DECLS

/* The pub/sub channel every node of one Redis database listens on:
 * this prefix and REDIS_DB. */
#define RC_HUB_CLUSTER_CHANNEL_PREFIX "roomcast:hub:"

/* Replies may come after the hub has gone: they hold this, not the hub. */
typedef struct {
  gint refs;
  RcHubCluster *cl; /* NULL once the cluster is freed */
} RcHubClusterLink;

struct _RcHubCluster {
  RcHub *hub;
  RcRedisClient *redis;      /* the daemon's command connection */
  RcRedisClient *subscriber; /* RC_HUB_CLUSTER_CHANNEL_PREFIX{db} */
  char *node;                /* WORKER_ID-<random>: this process */
  char *app;                 /* PUSHER_APP_ID, "" without */
  char *channel;
  /* hub-cluster-presence.c */
  char *keys;             /* "hub:{app}:", the prefix of its Redis keys */
  RcHubClusterLink *link; /* what replies hold: NULL-ed when freed */
  guint tick_id;          /* heartbeat and sweep */
  gulong connected_id;    /* redis notify::connected: resync */
  gboolean registered;    /* the first heartbeat was answered */
};

RcHubClusterLink *rc_hub_cluster_link_ref (RcHubClusterLink *link);
void rc_hub_cluster_link_unref (RcHubClusterLink *link);
/* Run the Lua @script with ARGV = the key prefix, then @args (nullable),
 * on the command connection. */
void rc_hub_cluster_script (RcHubCluster *cl, const char *script, GPtrArray *args,
                            RcRedisReplyFunc callback, gpointer user_data);
/* A string array (owned strings) of the arguments, NULL-terminated. */
GPtrArray *rc_hub_cluster_args (const char *first, ...) G_GNUC_NULL_TERMINATED;
/* A script Redis did not run: counted and logged. */
void rc_hub_cluster_failed (const GError *error);
gboolean rc_hub_cluster_is_string (redisReply *reply);

/* Heartbeat, sweep and resync (hub-cluster-presence.c). */
void rc_hub_cluster_presence_start (RcHubCluster *cl);
void rc_hub_cluster_presence_stop (RcHubCluster *cl);

G_END_DECLS
