/* roomcast: one Redis connection in subscribe mode (PSUBSCRIBE), on the
 * main loop.
 *
 * RcRedisClient answers every command within 3 s or drops the connection;
 * a subscription waits for messages forever, so it has its own small client
 * here: GIO sockets and a RESP reader. It sends AUTH/SELECT/PSUBSCRIBE on
 * every connect, reconnects with exponential backoff (100 ms doubling to
 * 5 s, +-20 % jitter) and resubscribes, and PINGs every 10 s so a silent
 * server is detected (dropped after 25 s without any reply).
 */
#pragma once

#include <glib-object.h>

#include "redis/redis-client.h"

G_BEGIN_DECLS

#define RC_TYPE_REDIS_SUBSCRIBER (rc_redis_subscriber_get_type ())
G_DECLARE_FINAL_TYPE (RcRedisSubscriber, rc_redis_subscriber, RC, REDIS_SUBSCRIBER, GObject)

/* Starts connecting at once. @password nullable. */
RcRedisSubscriber *rc_redis_subscriber_new (const char *host, guint port, const char *password,
                                            guint db, const char *pattern,
                                            RcRedisMessageFunc func, gpointer user_data);
/* TRUE once Redis confirmed the PSUBSCRIBE on the current connection. */
gboolean rc_redis_subscriber_is_subscribed (RcRedisSubscriber *self);

G_END_DECLS
