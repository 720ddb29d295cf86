/* roomcast: the "jwt" auth provider (shared-secret tokens,
 * docs/laravel.md#jwt-instead-of-sanctum-or-next-to-it).
 *
 * A token is accepted when it is a compact JWS (three base64url parts,
 * unpadded, canonical) whose header says alg "HS256" (anything else,
 * "none", "HS512" and "RS256" included, is refused before any other work),
 * whose HMAC-SHA256 under JWT_SECRET matches (compared in constant time),
 * and whose claims are in date: `exp` is required, `nbf` is honoured, both
 * with RC_JWT_LEEWAY_S of tolerance for clocks that disagree a little.
 * Claims used: `sub` (string or integer) is the user id, `name` (default:
 * the id), `email`, `avatar_url`, and `role` only when the options trust it
 * (JWT_TRUST_ROLE: "admin" and "moderator" may moderate every room, so a
 * role claim is taken only from an app that sets it for that purpose;
 * otherwise every JWT user is "user"); all claims are kept in user->extra.
 *
 * RcJwtOptions add what an app's tokens promise: an audience (`aud`, a
 * string or an array holding it), an issuer (`iss`), tymon/jwt-auth's
 * `prv` (the SHA-1 of the user model's class name, so a token minted for
 * another guard's model is refused), and a maximum lifetime (`exp` at most
 * that far ahead of now, and of `iat` when present). With Redis, the
 * provider also refuses a token whose revocation marker exists
 * (auth:revoked:{sha256} in any of the forms of auth/token-keys.h, as for
 * Sanctum tokens), and the revocation watcher drops live sockets whose
 * token is revoked.
 */
#pragma once

#include "auth/auth-provider.h"
#include "redis/redis-client.h"

G_BEGIN_DECLS

/* Seconds of clock skew tolerated on `exp` and `nbf`. */
#define RC_JWT_LEEWAY_S 30

/* What a token must also satisfy; NULL strings and 0 are "not checked". */
typedef struct {
  const char *audience;   /* JWT_AUDIENCE */
  const char *issuer;     /* JWT_ISSUER */
  const char *user_model; /* JWT_USER_MODEL, e.g. "App\\Models\\User": prv = sha1 of it */
  guint max_lifetime_s;   /* JWT_MAX_LIFETIME_S */
  gboolean trust_role;    /* JWT_TRUST_ROLE */
} RcJwtOptions;

#define RC_TYPE_JWT_AUTH (rc_jwt_auth_get_type ())
G_DECLARE_FINAL_TYPE (RcJwtAuth, rc_jwt_auth, RC, JWT_AUTH, GObject)

/* @options is copied; @redis (nullable) is where revocation markers are,
 * also under @laravel_prefix (LARAVEL_REDIS_PREFIX; nullable or empty = none). */
RcAuthProvider *rc_jwt_auth_new (const char *secret, const RcJwtOptions *options,
                                 RcRedisClient *redis, const char *laravel_prefix);

/* TRUE if @token has a JWT's shape: three non-empty base64url parts joined
 * by dots, the first a JSON object (a header). Says nothing of its
 * validity; a Sanctum token "id|secret" never has this shape. */
gboolean rc_auth_token_is_jwt (const char *token);

/* Verify @token against @secret and @options (NULL: none of the optional
 * checks, role not trusted) at time @now_s (Unix seconds). NULL with
 * RC_AUTH_ERROR_UNAUTHENTICATED saying why; the message never quotes the
 * token. */
RcUser *rc_jwt_auth_verify (const char *token, const guint8 *secret, gsize secret_len,
                            const RcJwtOptions *options, gint64 now_s, GError **error);

G_END_DECLS
