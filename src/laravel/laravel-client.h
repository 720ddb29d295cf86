/* roomcast: the Laravel internal API (docs/laravel.md#what-roomcast-sends,
 * docs/laravel.md#the-gift-controller, docs/laravel.md#room-status).
 *
 * Every call is a POST to {LARAVEL_API_URL}/api/v1/internal/... with the
 * same headers: Content-Type and Accept application/json,
 * X-Internal-Key, and Authorization: Bearer <user token> for auth/validate,
 * Bearer <internal key> for the other endpoints. Answers are parsed with
 * the strict JSON reader and the HTTP status becomes an RcLaravelError the
 * caller can act on. A 403 means our internal key is wrong: that is logged
 * as a critical error, at most once a minute, naming LARAVEL_INTERNAL_KEY
 * (never its value). Each endpoint is one function over
 * rc_laravel_client_post_async().
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "config.h"
#include "http/http-client.h"
#include "core/health.h"

G_BEGIN_DECLS

#define RC_LARAVEL_ERROR (rc_laravel_error_quark ())
GQuark rc_laravel_error_quark (void);

typedef enum {
  RC_LARAVEL_ERROR_UNREACHABLE,      /* no HTTP answer: refused, reset, DNS, ... */
  RC_LARAVEL_ERROR_TIMEOUT,          /* LARAVEL_CONNECT_TIMEOUT_MS / LARAVEL_TIMEOUT_MS */
  RC_LARAVEL_ERROR_UNAUTHENTICATED,  /* 401: the user's token is not valid */
  RC_LARAVEL_ERROR_FORBIDDEN,        /* 403: our X-Internal-Key is wrong */
  RC_LARAVEL_ERROR_NOT_FOUND,        /* 404 (e.g. unknown room) */
  RC_LARAVEL_ERROR_VALIDATION,       /* 422: Laravel refused our request body */
  RC_LARAVEL_ERROR_SERVER,           /* 5xx */
  RC_LARAVEL_ERROR_UNEXPECTED,       /* any other status (3xx, 400, 405, 429, ...) */
  RC_LARAVEL_ERROR_INVALID_RESPONSE, /* 2xx whose body is not the JSON expected */
} RcLaravelError;

#define RC_LARAVEL_VALIDATE_PATH "/api/v1/internal/auth/validate"
#define RC_LARAVEL_GIFT_BATCH_PATH "/api/v1/internal/gifts/batch"

#define RC_TYPE_LARAVEL_CLIENT (rc_laravel_client_get_type ())
G_DECLARE_FINAL_TYPE (RcLaravelClient, rc_laravel_client, RC, LARAVEL_CLIENT, GObject)

/* @base_url without a trailing '/' (as config.c stores it). */
RcLaravelClient *rc_laravel_client_new (RcHttpClient *http, const char *base_url,
                                        const char *internal_key);
/* From LARAVEL_API_URL, LARAVEL_INTERNAL_KEY and the timeouts; token
 * validation gets HTTP connections of its own (at most 8, as the rest), so
 * neither a junk-token flood nor a slow gift batch queues the other. */
RcLaravelClient *rc_laravel_client_new_from_config (const RcConfig *config);

/* POST @body (nullable: empty body) as JSON to @path. @bearer is the token
 * for the Authorization header (nullable: the internal key). The result
 * is the parsed answer (a JSON null node for an empty 2xx body). */
void rc_laravel_client_post_async (RcLaravelClient *self, const char *path, const char *bearer,
                                   JsonNode *body, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
JsonNode *rc_laravel_client_post_finish (RcLaravelClient *self, GAsyncResult *result,
                                         GError **error);

/* auth/validate with the user's @token (docs/laravel.md#what-roomcast-sends);
 * the result is the answer as Laravel sent it, not yet validated (see
 * auth-laravel.h). */
void rc_laravel_client_validate_token_async (RcLaravelClient *self, const char *token,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
JsonNode *rc_laravel_client_validate_token_finish (RcLaravelClient *self, GAsyncResult *result,
                                                   GError **error);

/* gifts/batch (docs/laravel.md#the-gift-controller): POST
 * {"transactions": @transactions} (a JSON array of transaction objects,
 * transfer none). The result is Laravel's answer as sent (any JSON);
 * checking it against {processed, failed[]} is the caller's job
 * (gifts/gift-batch.h). On an HTTP error *@error_body (nullable) gets the
 * answer's JSON body, if it had one (a 422's "errors" name the refused
 * transactions). */
void rc_laravel_client_gift_batch_async (RcLaravelClient *self, JsonNode *transactions,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
JsonNode *rc_laravel_client_gift_batch_finish (RcLaravelClient *self, GAsyncResult *result,
                                               JsonNode **error_body, GError **error);

/* rooms/{@room_id}/status (docs/laravel.md#room-status): POST @body ({is_live,
 * participant_count[, closed_at]}, transfer none). Any 2xx is success
 * (200 {"success":true} or 204); 404 is RC_LARAVEL_ERROR_NOT_FOUND.
 * *@owner_id (nullable) is set to the room's owner if the answer names one:
 * the optional `owner_id` (a positive integer, or its decimal string) of a
 * JSON object answer, as a string; NULL when absent or null. With @owner_id
 * asked for, an owner_id of any other form is
 * RC_LARAVEL_ERROR_INVALID_RESPONSE: guessing who hosts would be worse. */
void rc_laravel_client_room_status_async (RcLaravelClient *self, const char *room_id,
                                          JsonNode *body, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean rc_laravel_client_room_status_finish (RcLaravelClient *self, GAsyncResult *result,
                                               char **owner_id, GError **error);

/* "laravel": "ok" | "configured" (no call yet) | "unreachable" | "timeout" |
 * "server_error" | "invalid_internal_key" | "invalid_response", from the
 * last answer (degraded unless ok or configured). */
void rc_laravel_client_add_health (RcLaravelClient *self, RcHealth *health);

G_END_DECLS
