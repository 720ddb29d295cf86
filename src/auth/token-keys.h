/* roomcast: the Redis keys of one token (docs/laravel.md#revocation-on-logout).
 *
 * A Laravel app marks a token revoked with auth:revoked:{sha256} and drops
 * the cached user auth:token:{sha256}; which SHA-256, and with which key
 * prefix, depends on how it writes them:
 *
 *  - the hash of the token as the client sends it (the contract's form), or,
 *    for a Sanctum token "id|secret", the hash of what Sanctum stores for it
 *    ($token->token, the hex SHA-256 of the secret part), which is what the
 *    contract's own TokenRevocationService hashes;
 *  - without a prefix (a raw Redis connection, or Laravel's with
 *    'prefix' => ''), or with Laravel's Redis prefix (LARAVEL_REDIS_PREFIX,
 *    laravel_database_ by default), which Laravel's Redis facade adds.
 *
 * roomcast honours every combination: a token is refused if any of its
 * revocation keys exists, and its cached user is used only while every one
 * of its cache keys does (so deleting any one form drops the cache). The
 * token's hashes are computed once, where the token is known (the auth
 * providers, into RcUser.token_hashes); the keys are built from them by the
 * one function below, at connect and in the revocation watcher alike.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RC_AUTH_TOKEN_KEY_PREFIX "auth:token:"
#define RC_AUTH_REVOKED_KEY_PREFIX "auth:revoked:"

/* The lower-case hex SHA-256 forms of @token, NULL-terminated: first
 * sha256(token) (the token's identity in logs and the in-process cache),
 * then, for a Sanctum token "<digits>|<secret>", sha256(hex(sha256(secret))). */
char **rc_token_hashes (const char *token);

/* Every Redis key of kind @kind (RC_AUTH_REVOKED_KEY_PREFIX or
 * RC_AUTH_TOKEN_KEY_PREFIX) for @hashes: each @kind{hash} unprefixed, then,
 * when @laravel_prefix is set and not empty, each
 * @laravel_prefix@kind{hash}. The first is the contract's own key. */
char **rc_token_keys (const char *const *hashes, const char *kind, const char *laravel_prefix);

G_END_DECLS
