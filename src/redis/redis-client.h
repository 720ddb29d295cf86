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
  RC_REDIS_ERROR_DISCONNECTED, /* not connected (connecting, backing off) */
  RC_REDIS_ERROR_CONNECTION_LOST, /* dropped while the command was in flight */
  RC_REDIS_ERROR_REPLY,        /* Redis answered with an error reply */
  RC_REDIS_ERROR_CLOSED,       /* the client was disposed */
} RcRedisError;

/* A command in flight longer than this is taken as a dead connection. */
#define RC_REDIS_COMMAND_TIMEOUT_MS 3000

#define RC_TYPE_REDIS_CLIENT (rc_redis_client_get_type ())
G_DECLARE_FINAL_TYPE (RcRedisClient, rc_redis_client, RC, REDIS_CLIENT, GObject)

/* @reply is valid during the call only and is never an error reply (those
 * arrive as RC_REDIS_ERROR_REPLY); exactly one of @reply and @error is set. */
typedef void (*RcRedisReplyFunc) (RcRedisClient *client, redisReply *reply,
                                  const GError *error, gpointer user_data);

/* A client for config->redis_host (which must be set). It starts
 * connecting at once; watch the "connected" property (notify::connected). */
RcRedisClient *rc_redis_client_new (const RcConfig *config);
/* The same, from explicit parameters (tests). @password nullable. */
RcRedisClient *rc_redis_client_new_full (const char *host, guint port,
                                         const char *password, guint db);

/* TRUE once connected, authenticated and on the right database. */
gboolean rc_redis_client_is_connected (RcRedisClient *self);
/* "connected" or "connecting", for /health. */
const char *rc_redis_client_get_state (RcRedisClient *self);

/* Send one command. @argvlen may be NULL when every argument is a C string.
 * @callback (nullable) runs exactly once, never before this returns. */
void rc_redis_client_commandv (RcRedisClient *self, int argc, const char * const *argv,
                               const size_t *argvlen, RcRedisReplyFunc callback,
                               gpointer user_data);
/* Convenience: the arguments are C strings, NULL-terminated, e.g.
 * rc_redis_client_call (c, cb, data, "SETEX", key, "300", value, NULL). */
void rc_redis_client_call (RcRedisClient *self, RcRedisReplyFunc callback,
                           gpointer user_data, const char *first_arg, ...)
  G_GNUC_NULL_TERMINATED;

/* Adds "redis": "connected"|"connecting" to /health (degraded while not
 * connected). */
void rc_redis_client_add_health (RcRedisClient *self, RcHealth *health);

G_END_DECLS
