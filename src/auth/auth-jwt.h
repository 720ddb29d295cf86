/* roomcast: the "jwt" auth provider (shared-secret tokens, as in seed 001).
 *
 * A token is accepted when it is a compact JWS (three base64url parts,
 * unpadded, canonical) whose header says alg "HS256" (anything else,
 * "none", "HS512" and "RS256" included, is refused before any other work),
 * whose HMAC-SHA256 under JWT_SECRET matches (compared in constant time),
 * and whose claims are in date: `exp` is required, `nbf` is honoured, both
 * with RC_JWT_LEEWAY_S of tolerance for clocks that disagree a little.
 * Claims used: `sub` (string or integer) is the user id, `name` (default:
 * the id), `email`, `role` (default "user"), `avatar_url`; all claims are
 * kept in user->extra. JWTs are stateless: there is no revocation list,
 * keep `exp` short.
 */
#pragma once

#include "auth/auth-provider.h"

G_BEGIN_DECLS

/* Seconds of clock skew tolerated on `exp` and `nbf`. */
#define RC_JWT_LEEWAY_S 30

#define RC_TYPE_JWT_AUTH (rc_jwt_auth_get_type ())
G_DECLARE_FINAL_TYPE (RcJwtAuth, rc_jwt_auth, RC, JWT_AUTH, GObject)

RcAuthProvider *rc_jwt_auth_new (const char *secret);

/* Verify @token against @secret at time @now_s (Unix seconds). NULL with
 * RC_AUTH_ERROR_UNAUTHENTICATED saying why; the message never quotes the
 * token. */
RcUser *rc_jwt_auth_verify (const char *token, const guint8 *secret, gsize secret_len,
                            gint64 now_s, GError **error);

G_END_DECLS
