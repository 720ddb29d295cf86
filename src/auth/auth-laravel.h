/* roomcast: the "laravel" auth provider (docs/laravel.md#what-roomcast-sends,
 * docs/laravel.md#revocation-on-logout, docs/protocol.md#redis-keys-written).
 *
 * A token presented on CONNECT is refused when auth:revoked:{sha256} exists
 * in Redis, taken from auth:token:{sha256} when cached there, and otherwise
 * validated with POST /api/v1/internal/auth/validate, whose user is then
 * cached for AUTH_CACHE_TTL_S (300 s). Concurrent connects with the same
 * token share one lookup. It fails closed: Laravel or Redis not answering,
 * a 403 (wrong internal key) or an unusable answer refuse the connection
 * with RC_AUTH_ERROR_UNAVAILABLE ("auth_unavailable"); a 401 or a revoked
 * token with RC_AUTH_ERROR_UNAUTHENTICATED. Without Redis the cache is in
 * this process and there is no revocation source (logged at start).
 */
#pragma once

#include "auth/auth-provider.h"
#include "auth/token-keys.h"
#include "laravel/laravel-client.h"
#include "redis/redis-client.h"

G_BEGIN_DECLS

/* Longest token accepted (a Sanctum token is ~50 bytes, a JWT a few hundred). */
#define RC_AUTH_MAX_TOKEN_LEN 4096

/* A token Laravel refused (401) is refused here for this long without
 * asking again, for the last this many tokens: a flood of junk tokens costs
 * Laravel one call per distinct token, not one per attempt. */
#define RC_AUTH_NEGATIVE_CACHE_S 30
#define RC_AUTH_NEGATIVE_CACHE_MAX 10000

#define RC_TYPE_LARAVEL_AUTH (rc_laravel_auth_get_type ())
G_DECLARE_FINAL_TYPE (RcLaravelAuth, rc_laravel_auth, RC, LARAVEL_AUTH, GObject)

/* @redis nullable: in-process cache, no revocation. @laravel_prefix
 * (LARAVEL_REDIS_PREFIX, nullable or empty = none): see auth/token-keys.h. */
RcAuthProvider *rc_laravel_auth_new (RcLaravelClient *laravel, RcRedisClient *redis,
                                     guint cache_ttl_s, const char *laravel_prefix);

/* The user in a validate answer (or a cached copy of one): an object with
 * integer `id` (> 0), string `name` and `email`, optional string-or-null
 * `avatar_url` and `role` (default "user"); every member is kept in
 * user->extra. NULL with RC_AUTH_ERROR_UNAVAILABLE naming the problem. */
RcUser *rc_laravel_auth_user_from_json (JsonNode *node, GError **error);

/* TRUE if @token can be sent in a header: 1 to RC_AUTH_MAX_TOKEN_LEN
 * visible ASCII characters (no spaces, no control characters). */
gboolean rc_auth_token_is_well_formed (const char *token);

G_END_DECLS
