/* roomcast: drop live sockets whose token was revoked
 * (docs/laravel.md#revocation-on-logout).
 *
 * Laravel revokes a token on logout with SETEX auth:revoked:{sha256} 86400 1,
 * in any of the forms of auth/token-keys.h. The watcher keeps the tokens of
 * the connected sockets (from RcSioServer's "connected"/"disconnected"
 * signals) with their revocation keys, and every interval asks Redis about
 * all of them in one MGET per 500 tokens. A socket one of whose markers
 * exists gets an "auth:revoked" event ({"reason":"token revoked"}) and is
 * disconnected with the reason "token revoked".
 */
#pragma once

#include "redis/redis-client.h"
#include "sio/sio-server.h"

G_BEGIN_DECLS

/* With the default interval a revoked socket is gone within ~2.5 s. */
#define RC_REVOCATION_CHECK_MS 2000
#define RC_REVOCATION_EVENT "auth:revoked"

#define RC_TYPE_REVOCATION_WATCHER (rc_revocation_watcher_get_type ())
G_DECLARE_FINAL_TYPE (RcRevocationWatcher, rc_revocation_watcher, RC, REVOCATION_WATCHER,
                      GObject)

/* @sio must outlive the watcher. @laravel_prefix: LARAVEL_REDIS_PREFIX
 * (nullable or empty = none). */
RcRevocationWatcher *rc_revocation_watcher_new (RcSioServer *sio, RcRedisClient *redis,
                                                const char *laravel_prefix, guint interval_ms);

G_END_DECLS
