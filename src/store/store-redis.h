/* roomcast: the RcStore on Redis (REDIS_HOST set).
 *
 * Every operation is one command on the daemon's shared RcRedisClient, so
 * operations reach Redis in the order they were called and a fire-and-forget
 * write is visible to any later read. Multi-key or read-modify-write
 * operations are one EVAL each (atomic on the server, one reply, nothing to
 * undo when the connection drops half-way):
 *
 *   save_seats      DEL room:seats:{id} + HSET of the occupied seats
 *   rate_limit_hit  INCR ratelimit:{key}, PEXPIRE on the first hit of a
 *                   window (or if the key somehow lost its TTL), PTTL
 *
 * While Redis is down every call fails with RC_STORE_ERROR_UNAVAILABLE;
 * nothing is retried here (callers decide: room-service logs and carries
 * on, the rate gate falls back to in-process counting).
 */
#pragma once

#include "redis/redis-client.h"
#include "store/store.h"

G_BEGIN_DECLS

#define RC_TYPE_STORE_REDIS (rc_store_redis_get_type ())
G_DECLARE_FINAL_TYPE (RcStoreRedis, rc_store_redis, RC, STORE_REDIS, GObject)

/* A store on @redis (a reference is kept; the client may be shared). */
RcStore *rc_store_redis_new (RcRedisClient *redis);

G_END_DECLS
