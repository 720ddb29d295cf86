/* roomcast: is the Laravel side of auth set up right? (roomcastd
 * --check-laravel, and "laravel_check" in /health).
 *
 * Calls POST /api/v1/internal/auth/validate, with the contract's headers and
 * our X-Internal-Key, for a token that cannot be valid (a Sanctum token of
 * user 0 with a random secret), and reads the answer:
 *
 *   401                  "ok": Laravel is reachable, the key is right and the
 *                        route checks tokens (auth:sanctum)
 *   403                  "invalid_internal_key": LARAVEL_INTERNAL_KEY differs
 *                        from Laravel's AUDIO_SERVER_INTERNAL_KEY
 *   2xx                  "token_accepted": the route accepts any token; it
 *                        lacks auth:sanctum
 *   no answer            "unreachable" or "timeout"
 *   anything else        "unexpected": the answer, said as it came (404: wrong
 *                        LARAVEL_API_URL or a missing route, a 3xx: a login
 *                        redirect, 5xx: Laravel's own error)
 *
 * Asynchronous, on the main loop. Neither the key nor the test token is
 * ever logged or shown.
 */
#pragma once

#include "core/health.h"
#include "laravel/laravel-client.h"

G_BEGIN_DECLS

/* /health runs the check again when its last answer was not "ok" and is
 * older than this. */
#define RC_LARAVEL_CHECK_MAX_AGE_S 60

#define RC_TYPE_LARAVEL_CHECK (rc_laravel_check_get_type ())
G_DECLARE_FINAL_TYPE (RcLaravelCheck, rc_laravel_check, RC, LARAVEL_CHECK, GObject)

RcLaravelCheck *rc_laravel_check_new (RcLaravelClient *laravel);

typedef void (*RcLaravelCheckDone) (RcLaravelCheck *check, gpointer user_data);
/* Start a check unless one is running; @done (nullable) runs when this one
 * (or the one running) has its answer. */
void rc_laravel_check_start (RcLaravelCheck *self, RcLaravelCheckDone done, gpointer user_data);

/* The last answer: NULL before the first one, else "ok",
 * "invalid_internal_key", "token_accepted", "unreachable", "timeout" or
 * "unexpected". */
const char *rc_laravel_check_get_result (RcLaravelCheck *self);
/* What it means, for an operator (a sentence naming what to fix). */
const char *rc_laravel_check_get_message (RcLaravelCheck *self);

/* "laravel_check": {"result", "message", "checkedAt"} in /health, or
 * {"result": "checking"} until the first answer. The first /health request
 * starts the first check; while the answer is not "ok", a later one starts
 * another once it is older than RC_LARAVEL_CHECK_MAX_AGE_S, so a fix shows
 * without a restart (an "ok" stays: "laravel" in /health follows every
 * real call anyway). Never more than one at a time. Degraded unless "ok".
 * @self must outlive @health. */
void rc_laravel_check_add_health (RcLaravelCheck *self, RcHealth *health);

G_END_DECLS
