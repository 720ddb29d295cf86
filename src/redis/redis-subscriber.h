/* roomcast: one Redis subscription (PSUBSCRIBE of a pattern), on the main
 * loop.
 *
 * An RcRedisClient in subscribe mode (see redis-client.h) does the work:
 * AUTH/SELECT and PSUBSCRIBE on every connect, reconnection with
 * exponential backoff (100 ms doubling to 5 s, +-20 % jitter), and a probe
 * every 10 s so that a silent server is detected (dropped after 25 s
 * without any reply). This adds what the hub reports: whether the
 * subscription is up, and roomcast_hub_redis_disconnects_total.
 */
#pragma once

#include <glib-object.h>

#include "redis/redis-client.h"

G_BEGIN_DECLS

#define RC_TYPE_REDIS_SUBSCRIBER (rc_redis_subscriber_get_type ())
G_DECLARE_FINAL_TYPE (RcRedisSubscriber, rc_redis_subscriber, RC, REDIS_SUBSCRIBER, GObject)

/* Starts connecting at once; @func (an RcRedisMessageFunc: channel,
 * payload, length) gets every message until the subscriber is disposed.
 * @password nullable. */
RcRedisSubscriber *rc_redis_subscriber_new (const char *host, guint port, const char *password,
                                            guint db, const char *pattern,
                                            RcRedisMessageFunc func, gpointer user_data);
/* TRUE once Redis confirmed the PSUBSCRIBE on the current connection. */
gboolean rc_redis_subscriber_is_subscribed (RcRedisSubscriber *self);

G_END_DECLS
