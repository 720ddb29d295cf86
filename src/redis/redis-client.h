/* roomcast: one Redis connection on the main loop.
 *
 * Wraps hiredis's asynchronous API (its GLib adapter) in a GObject that
 * connects from REDIS_HOST/PORT/PASSWORD/DB, sends AUTH and SELECT on every
 * connect, and reconnects with exponential backoff (100 ms doubling to 5 s)
 * whenever the connection fails or drops. Nothing here blocks: host names
 * are resolved with GResolver, connects are non-blocking with a timeout, and
 * a command Redis does not answer within RC_REDIS_COMMAND_TIMEOUT_MS drops
 * the connection (a frozen server looks the same as a dead one).
 *
 * Every command's callback runs exactly once, on the main loop: with the
 * reply, or with a GError when the client is not connected, the connection
 * drops while the command is in flight, or Redis answers with an error.
 * Commands are argv-style: arguments are never interpreted as a format.
 *
 * A client can instead be made in subscribe mode (pub/sub): the same
 * connect, AUTH/SELECT and reconnection, then SUBSCRIBE/PSUBSCRIBE again
 * on every connection, messages handed to a function, and a probe every
 * RC_REDIS_PROBE_INTERVAL_MS instead of command deadlines (a subscription
 * waits for messages forever).
 *
 * hiredis writes with write(2): the process must ignore SIGPIPE (main()
 * does), or a write to a connection Redis just closed kills it.
 */
#pragma once

#include <glib-object.h>
#include <hiredis/hiredis.h>

#include "config.h"
#include "core/health.h"

G_BEGIN_DECLS

#define RC_REDIS_ERROR (rc_redis_error_quark ())
GQuark rc_redis_error_quark (void);

typedef enum {
  RC_REDIS_ERROR_DISCONNECTED,    /* not connected (connecting, backing off) */
  RC_REDIS_ERROR_CONNECTION_LOST, /* dropped while the command was in flight */
  RC_REDIS_ERROR_REPLY,           /* Redis answered with an error reply */
  RC_REDIS_ERROR_CLOSED,          /* the client was disposed */
} RcRedisError;

/* A command in flight longer than this is taken as a dead connection. */
#define RC_REDIS_COMMAND_TIMEOUT_MS 3000
/* Subscribe mode: the server is probed this often, and a connection that
 * received nothing for 2.5 times as long is taken as dead. */
#define RC_REDIS_PROBE_INTERVAL_MS 10000

#define RC_TYPE_REDIS_CLIENT (rc_redis_client_get_type ())
G_DECLARE_FINAL_TYPE (RcRedisClient, rc_redis_client, RC, REDIS_CLIENT, GObject)

/* @reply is valid during the call only and is never an error reply (those
 * arrive as RC_REDIS_ERROR_REPLY); exactly one of @reply and @error is set. */
typedef void (*RcRedisReplyFunc) (RcRedisClient *client, redisReply *reply, const GError *error,
                                  gpointer user_data);

/* One message of a subscription: @channel and @payload are valid during
 * the call only; @payload is @len bytes and may hold NULs. */
typedef void (*RcRedisMessageFunc) (const char *channel, const char *payload, gsize len,
                                    gpointer user_data);

/* A client for config->redis_host (which must be set). It starts
 * connecting at once; watch the "connected" property (notify::connected). */
RcRedisClient *rc_redis_client_new (const RcConfig *config);
/* The same, from explicit parameters (tests). @password nullable. */
RcRedisClient *rc_redis_client_new_full (const char *host, guint port, const char *password,
                                         guint db);

/* Subscribe mode: after every connect (AUTH, SELECT) SUBSCRIBE @channels
 * and PSUBSCRIBE @patterns (NULL-terminated, nullable, not both empty),
 * then each message to @func until the client is disposed. "connected"
 * means that Redis confirmed every subscription on the current connection.
 * Such a client takes no commands, and stays out of the roomcast_redis_*
 * metrics, which describe the command connection. @password nullable. */
RcRedisClient *rc_redis_client_new_subscriber (const char *host, guint port,
                                               const char *password, guint db,
                                               const char *const *channels,
                                               const char *const *patterns,
                                               RcRedisMessageFunc func, gpointer user_data);
/* Subscribe mode: probe every @ms instead of RC_REDIS_PROBE_INTERVAL_MS
 * (tests). */
void rc_redis_client_set_probe_interval (RcRedisClient *self, guint ms);

/* TRUE once connected, authenticated and on the right database (and, in
 * subscribe mode, subscribed). */
gboolean rc_redis_client_is_connected (RcRedisClient *self);
/* "connected" or "connecting", for /health. */
const char *rc_redis_client_get_state (RcRedisClient *self);

/* Send one command. @argvlen may be NULL when every argument is a C string.
 * @callback (nullable) runs exactly once, never before this returns. Not
 * in subscribe mode. */
void rc_redis_client_commandv (RcRedisClient *self, int argc, const char *const *argv,
                               const size_t *argvlen, RcRedisReplyFunc callback,
                               gpointer user_data);
/* Convenience: the arguments are C strings, NULL-terminated, e.g.
 * rc_redis_client_call (c, cb, data, "SETEX", key, "300", value, NULL). */
void rc_redis_client_call (RcRedisClient *self, RcRedisReplyFunc callback, gpointer user_data,
                           const char *first_arg, ...) G_GNUC_NULL_TERMINATED;

/* Adds "redis": "connected"|"connecting" to /health (degraded while not
 * connected). */
void rc_redis_client_add_health (RcRedisClient *self, RcHealth *health);

G_END_DECLS
