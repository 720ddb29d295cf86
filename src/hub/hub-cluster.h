/* roomcast: the hub across nodes (hub-cluster*.c); see hub-cluster.c. */
#pragma once

#include "hub/hub-private.h"
#include "redis/redis-client.h"

G_BEGIN_DECLS

/* The pub/sub channel every node of one Redis database listens on:
 * this prefix and REDIS_DB. */
#define RC_HUB_CLUSTER_CHANNEL_PREFIX "roomcast:hub:"

struct _RcHubCluster {
  RcHub *hub;
  RcRedisClient *redis;      /* the daemon's command connection */
  RcRedisClient *subscriber; /* RC_HUB_CLUSTER_CHANNEL_PREFIX{db} */
  char *node;                /* WORKER_ID-<random>: this process */
  char *app;                 /* PUSHER_APP_ID, "" without */
  char *channel;
  /* hub-cluster-presence.c */
  char *keys;                     /* "hub:{app}:", the prefix of its Redis keys */
  struct _RcHubClusterLink *link; /* what replies hold: NULL-ed when freed */
  guint tick_id;                  /* heartbeat and sweep */
  gulong connected_id;            /* redis notify::connected: resync */
  gboolean registered;            /* the first heartbeat was answered */
};

/* Heartbeat, sweep and resync (hub-cluster-presence.c). */
void rc_hub_cluster_presence_start (RcHubCluster *cl);
void rc_hub_cluster_presence_stop (RcHubCluster *cl);

G_END_DECLS
