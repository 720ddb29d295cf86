/* roomcast tests: a throw-away redis-server for C tests.
 *
 * Started as a subprocess on a free 127.0.0.1 port in a temporary directory
 * (--save '' --appendonly no: nothing outlives the test), stopped with
 * SIGKILL. Test code may block while it starts.
 *
 *   RcTestRedis *redis = rc_test_redis_start ();   // NULL: not installed
 *   RcRedisClient *client = rc_test_redis_connect (redis);
 *   ...
 *   rc_test_redis_stop (redis);
 */
#pragma once

#include "redis/redis-client.h"

G_BEGIN_DECLS

typedef struct {
  GSubprocess *proc;
  guint port;
  char *dir;
} RcTestRedis;

/* NULL (and a message on stderr) when redis-server is not installed. */
RcTestRedis *rc_test_redis_start (void);
void rc_test_redis_stop (RcTestRedis *redis);
/* A client on @redis, connected (the main loop runs until it is, or the
 * test aborts after 5 s). */
RcRedisClient *rc_test_redis_connect (RcTestRedis *redis);
/* Run the main loop until *@flag, aborting after @ms. */
void rc_test_wait_until (const gboolean *flag, guint ms, const char *what);
/* Run the main loop for @ms. */
void rc_test_run_for (guint ms);

G_END_DECLS
