/* roomcast: one Redis subscription; see redis-subscriber.h. */
#include "redis/redis-subscriber.h"

#include "core/metrics.h"

struct _RcRedisSubscriber {
  GObject parent_instance;
  RcRedisClient *client; /* in subscribe mode */
};

G_DEFINE_FINAL_TYPE (RcRedisSubscriber, rc_redis_subscriber, G_TYPE_OBJECT)

/* The client is "connected" while subscribed: losing that is losing the
 * subscription. */
static void
on_connected_changed (GObject *client, GParamSpec *pspec, gpointer data)
{
  if (!rc_redis_client_is_connected (RC_REDIS_CLIENT (client)))
    rc_metrics_counter_inc ("roomcast_hub_redis_disconnects_total",
                            "Broadcast subscriber connections lost", NULL);
}

gboolean
rc_redis_subscriber_is_subscribed (RcRedisSubscriber *self)
{
  g_return_val_if_fail (RC_IS_REDIS_SUBSCRIBER (self), FALSE);
  return rc_redis_client_is_connected (self->client);
}

static void
rc_redis_subscriber_dispose (GObject *object)
{
  RcRedisSubscriber *self = RC_REDIS_SUBSCRIBER (object);
  if (self->client)
    g_signal_handlers_disconnect_by_func (self->client, on_connected_changed, self);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (rc_redis_subscriber_parent_class)->dispose (object);
}

static void
rc_redis_subscriber_class_init (RcRedisSubscriberClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_redis_subscriber_dispose;
}

static void
rc_redis_subscriber_init (RcRedisSubscriber *self)
{
}

RcRedisSubscriber *
rc_redis_subscriber_new (const char *host, guint port, const char *password, guint db,
                         const char *pattern, RcRedisMessageFunc func, gpointer user_data)
{
  g_return_val_if_fail (pattern != NULL, NULL);
  RcRedisSubscriber *self = g_object_new (RC_TYPE_REDIS_SUBSCRIBER, NULL);
  const char *patterns[] = { pattern, NULL };
  self->client = rc_redis_client_new_subscriber (host, port, password, db, NULL, patterns, func,
                                                 user_data);
  g_signal_connect (self->client, "notify::connected", G_CALLBACK (on_connected_changed), self);
  return self;
}
