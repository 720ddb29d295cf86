/* roomcast: what redis-client.c (the connection, commands) and
 * redis-client-subscribe.c (subscribe mode) share. Nothing else includes
 * this.
 */
#pragma once

#include <hiredis/async.h>

#include "core/backoff.h"
#include "redis/redis-client.h"

G_BEGIN_DECLS

typedef enum {
  STATE_BACKOFF,    /* waiting for the next attempt */
  STATE_RESOLVING,  /* GResolver working on the host name */
  STATE_CONNECTING, /* TCP connect + the handshake in progress */
  STATE_CONNECTED,
  STATE_CLOSED, /* disposed */
} State;

struct _RcRedisClient {
  GObject parent_instance;

  char *host;
  guint port;
  char *password;
  guint db;

  State state;
  redisAsyncContext *ac; /* ac->data is this client until it is dropped */
  GSource *source;       /* the adapter's source for `ac` */
  GCancellable *resolving;
  GQueue untried;  /* resolved addresses (text) not tried yet */
  GQueue inflight; /* Pending, oldest first (Redis answers in order) */
  guint retry_id, connect_timeout_id;
  guint watchdog_id; /* command deadlines, or subscribe mode's probe */
  RcBackoff backoff; /* failures count since the last successful connect */
  char *endpoint;    /* "[subscriber ]host:port db N", for logs */

  /* subscribe mode (message_func set) */
  RcRedisMessageFunc message_func;
  gpointer message_data;
  char **channels, **patterns; /* NULL-terminated, never NULL */
  char *subscriptions;         /* "a, b*", for logs */
  guint unconfirmed;           /* subscriptions not confirmed on this connection */
  guint probe_ms;
  gint64 last_rx_us; /* when this connection last received a reply */
};

/* redis-client.c */

/* Take the parameters and make the first attempt (after the mode is set). */
void rc_redis_client_start (RcRedisClient *self, const char *host, guint port,
                            const char *password, guint db);
/* The handshake is complete: "connected", backoff reset. */
void rc_redis_client_become_connected (RcRedisClient *self);
/* End the current connection and plan the next attempt. */
void rc_redis_client_drop_connection (RcRedisClient *self, const char *why);
/* See redis-late.h; only with a current connection. */
gboolean rc_redis_client_loop_is_behind (RcRedisClient *self);

/* redis-client-subscribe.c */

/* Queue SUBSCRIBE and PSUBSCRIBE of everything on the new connection
 * (right after the handshake). */
void rc_redis_client_queue_subscriptions (RcRedisClient *self);

G_END_DECLS
