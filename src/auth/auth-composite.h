/* roomcast: two auth providers on one server (AUTH_PROVIDER=laravel,jwt).
 *
 * A token shaped like a JWT (three base64url parts joined by dots, the
 * first a JSON object: rc_auth_token_is_jwt) goes to the jwt provider, and
 * only to it: a JWT it refuses is refused. Any other token (a Sanctum
 * "id|secret", say) goes to the other provider. A JWT never reaches
 * Laravel, and a Sanctum token never costs an HMAC.
 */
#pragma once

#include "auth/auth-provider.h"

G_BEGIN_DECLS

#define RC_TYPE_COMPOSITE_AUTH (rc_composite_auth_get_type ())
G_DECLARE_FINAL_TYPE (RcCompositeAuth, rc_composite_auth, RC, COMPOSITE_AUTH, GObject)

/* Both are kept (referenced). The name is "<other>,<jwt>", e.g. "laravel,jwt". */
RcAuthProvider *rc_composite_auth_new (RcAuthProvider *jwt, RcAuthProvider *other);

G_END_DECLS
