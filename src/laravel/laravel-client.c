/* roomcast: the Laravel internal API client; see laravel-client.h.
 *
 * One request path for every endpoint: build the contract's headers, POST
 * through the shared RcHttpClient, map the status to an RcLaravelError,
 * parse the body strictly, and keep the last outcome for /health. The
 * internal key lives in two pre-built header strings and nowhere else;
 * user tokens only in the request's header list.
 */
#include "laravel/laravel-client.h"

#include <string.h>

#include "json/json-text.h"
#include "core/metrics.h"

GQuark
rc_laravel_error_quark (void)
{
  return g_quark_from_static_string ("rc-laravel-error-quark");
}

/* The critical "wrong internal key" log repeats at most this often. */
#define FORBIDDEN_LOG_INTERVAL_US (60 * G_USEC_PER_SEC)
/* Laravel's own error messages quoted in our errors are cut to this. */
#define MAX_QUOTED_MESSAGE 200

struct _RcLaravelClient {
  GObject parent_instance;
  RcHttpClient *http;
  /* Token validation on connections of its own: a flood of junk tokens
   * must not queue gift batches and room status behind it (nor the
   * reverse). NULL: validation shares @http. */
  RcHttpClient *auth_http;
  char *base_url;
  char *key_header;    /* "X-Internal-Key: <key>" */
  char *bearer_header; /* "Authorization: Bearer <key>" */
  const char *health;  /* static string, see laravel-client.h */
  gint64 last_forbidden_log;
};

G_DEFINE_FINAL_TYPE (RcLaravelClient, rc_laravel_client, G_TYPE_OBJECT)

typedef struct {
  char *path;
  JsonNode *error_body; /* the JSON body of a non-2xx answer, if any */
} Call;

static void
call_free (Call *call)
{
  g_free (call->path);
  g_clear_pointer (&call->error_body, json_node_unref);
  g_free (call);
}

/* Zero a string holding a secret before freeing it. */
static void
secret_free (char *s)
{
  if (s) {
    memset (s, 0, strlen (s));
    g_free (s);
  }
}

static gboolean
health_is_ok (const char *health)
{
  return g_str_equal (health, "ok") || g_str_equal (health, "configured");
}

/* Records the outcome; a change between working and failing is logged
 * once, each failing call only at debug level (the socket layer logs every
 * refused connection already). */
static void
set_health (RcLaravelClient *self, const char *health, const char *path, const GError *error)
{
  gboolean was_ok = health_is_ok (self->health);
  gboolean ok = health_is_ok (health);
  g_autofree char *labels = g_strdup_printf ("result=\"%s\"", health);
  rc_metrics_counter_inc ("roomcast_laravel_calls_total", "Laravel API calls, by outcome",
                          labels);
  if (was_ok && !ok && !g_str_equal (health, "invalid_internal_key"))
    g_warning ("Laravel API failing (%s on POST %s: %s); logins fail closed until it answers",
               health, path, error ? error->message : "");
  else if (!was_ok && ok)
    g_info ("Laravel API answers again (POST %s)", path);
  else if (error)
    g_debug ("Laravel POST %s: %s", path, error->message);
  self->health = health;
}

/* The endpoint of @path, as a metric label. */
static const char *
endpoint_label (const char *path)
{
  if (g_str_equal (path, RC_LARAVEL_VALIDATE_PATH))
    return "auth_validate";
  if (g_str_equal (path, RC_LARAVEL_GIFT_BATCH_PATH))
    return "gifts_batch";
  if (g_str_has_prefix (path, "/api/v1/internal/rooms/") && g_str_has_suffix (path, "/status"))
    return "room_status";
  return "other";
}

/* roomcast_laravel_requests_total{endpoint, status}: status is the HTTP
 * status, or "timeout" / "unreachable" when there was none. */
static void
count_request (const char *path, const char *status)
{
  g_autofree char *labels = g_strdup_printf ("endpoint=\"%s\",status=\"%s\"",
                                             endpoint_label (path), status);
  rc_metrics_counter_inc ("roomcast_laravel_requests_total",
                          "Laravel API requests, by endpoint and HTTP status", labels);
}

static void
log_forbidden (RcLaravelClient *self, const char *path)
{
  gint64 now = g_get_monotonic_time ();
  if (self->last_forbidden_log && now - self->last_forbidden_log < FORBIDDEN_LOG_INTERVAL_US)
    return;
  self->last_forbidden_log = now;
  g_critical ("Laravel refused our X-Internal-Key (HTTP 403 on POST %s): LARAVEL_INTERNAL_KEY "
              "does not match the key Laravel's internal.auth middleware expects "
              "(AUDIO_SERVER_INTERNAL_KEY in Laravel's .env). Every login, gift and room "
              "update fails until it is fixed (this message repeats once a minute)",
              path);
}

/* Laravel's "message" member of an error body, shortened, or NULL. */
static char *
laravel_message (GBytes *body)
{
  gsize len;
  const char *text = g_bytes_get_data (body, &len);
  g_autoptr (JsonNode) node = len ? rc_json_parse_strict (text, len, NULL, NULL) : NULL;
  if (!node || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  JsonNode *m = json_object_get_member (json_node_get_object (node), "message");
  if (!m || !JSON_NODE_HOLDS_VALUE (m) || json_node_get_value_type (m) != G_TYPE_STRING)
    return NULL;
  const char *s = json_node_get_string (m);
  if (g_utf8_strlen (s, -1) <= MAX_QUOTED_MESSAGE)
    return g_strdup (s);
  g_autofree char *cut = g_utf8_substring (s, 0, MAX_QUOTED_MESSAGE);
  return g_strconcat (cut, "...", NULL);
}

static void
return_status_error (GTask *task, RcLaravelClient *self, const char *path,
                     RcHttpResponse *response)
{
  g_autofree char *message = laravel_message (response->body);
  Call *call = g_task_get_task_data (task);
  gsize len;
  const char *text = g_bytes_get_data (response->body, &len);

  /* Kept for callers that read more than the message (422 "errors"). */
  if (len > 0)
    call->error_body = rc_json_parse_strict (text, len, NULL, NULL);
  guint status = response->status;
  int code;
  const char *health = "ok";

  if (status == 401) {
    code = RC_LARAVEL_ERROR_UNAUTHENTICATED;
  } else if (status == 403) {
    code = RC_LARAVEL_ERROR_FORBIDDEN;
    health = "invalid_internal_key";
    log_forbidden (self, path);
  } else if (status == 404) {
    code = RC_LARAVEL_ERROR_NOT_FOUND;
  } else if (status == 422) {
    code = RC_LARAVEL_ERROR_VALIDATION;
  } else if (status >= 500 && status <= 599) {
    code = RC_LARAVEL_ERROR_SERVER;
    health = "server_error";
  } else {
    code = RC_LARAVEL_ERROR_UNEXPECTED;
    health = "unexpected_status";
  }
  g_autoptr (GError)
    error = g_error_new (RC_LARAVEL_ERROR, code, "Laravel answered HTTP %u%s%s%s", status,
                         message ? " (" : "", message ? message : "", message ? ")" : "");
  set_health (self, health, path, error);
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
on_http_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  RcLaravelClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (RcHttpResponse)
    response = rc_http_client_request_finish (RC_HTTP_CLIENT (source), result, &error);

  if (!response) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    gboolean timeout = g_error_matches (error, RC_HTTP_CLIENT_ERROR,
                                        RC_HTTP_CLIENT_ERROR_TIMEOUT);
    count_request (call->path, timeout ? "timeout" : "unreachable");
    g_autoptr (GError)
      mapped = g_error_new (RC_LARAVEL_ERROR,
                            timeout ? RC_LARAVEL_ERROR_TIMEOUT : RC_LARAVEL_ERROR_UNREACHABLE,
                            "Laravel API: %s", error->message);
    set_health (self, timeout ? "timeout" : "unreachable", call->path, mapped);
    g_task_return_error (task, g_steal_pointer (&mapped));
    return;
  }
  {
    char status[16];
    g_snprintf (status, sizeof status, "%u", response->status);
    count_request (call->path, status);
  }
  if (response->status < 200 || response->status > 299) {
    return_status_error (task, self, call->path, response);
    return;
  }

  gsize len;
  const char *text = g_bytes_get_data (response->body, &len);
  if (len == 0) {
    set_health (self, "ok", call->path, NULL);
    g_task_return_pointer (task, json_node_new (JSON_NODE_NULL),
                           (GDestroyNotify) json_node_unref);
    return;
  }
  gsize offset = 0;
  g_autoptr (GError) parse_error = NULL;
  JsonNode *node = rc_json_parse_strict (text, len, &offset, &parse_error);
  if (!node) {
    g_autoptr (GError)
      mapped = g_error_new (RC_LARAVEL_ERROR, RC_LARAVEL_ERROR_INVALID_RESPONSE,
                            "Laravel answered HTTP %u with a body that is not JSON (byte "
                            "%" G_GSIZE_FORMAT ": %s)",
                            response->status, offset, parse_error->message);
    set_health (self, "invalid_response", call->path, mapped);
    g_task_return_error (task, g_steal_pointer (&mapped));
    return;
  }
  set_health (self, "ok", call->path, NULL);
  g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

static void
post_full_async (RcLaravelClient *self, const char *path, const char *bearer, JsonNode *body,
                 RcHttpRequestFlags flags, GCancellable *cancellable,
                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_LARAVEL_CLIENT (self));
  g_return_if_fail (path != NULL && path[0] == '/');

  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, post_full_async);
  Call *call = g_new0 (Call, 1);
  call->path = g_strdup (path);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  char *user_bearer = bearer ? g_strconcat ("Authorization: Bearer ", bearer, NULL) : NULL;
  const char *headers[] = {
    "Content-Type: application/json",
    "Accept: application/json",
    self->key_header,
    user_bearer ? user_bearer : self->bearer_header,
    NULL,
  };
  g_autoptr (GBytes) bytes = NULL;
  if (body) {
    char *json = rc_json_to_string (body);
    bytes = g_bytes_new_take (json, strlen (json));
  }
  /* The HTTP client copies the headers: the token copy is wiped at once. */
  RcHttpClient *http = self->auth_http && g_str_equal (path, RC_LARAVEL_VALIDATE_PATH)
                         ? self->auth_http
                         : self->http;
  rc_http_client_request_full_async (http, "POST", url, headers, bytes, flags, cancellable,
                                     on_http_done, task);
  secret_free (user_bearer);
}

void
rc_laravel_client_post_async (RcLaravelClient *self, const char *path, const char *bearer,
                              JsonNode *body, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  post_full_async (self, path, bearer, body, RC_HTTP_REQUEST_DEFAULT, cancellable, callback,
                   user_data);
}

JsonNode *
rc_laravel_client_post_finish (RcLaravelClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
rc_laravel_client_validate_token_async (RcLaravelClient *self, const char *token,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_return_if_fail (token != NULL);
  rc_laravel_client_post_async (self, RC_LARAVEL_VALIDATE_PATH, token, NULL, cancellable,
                                callback, user_data);
}

JsonNode *
rc_laravel_client_validate_token_finish (RcLaravelClient *self, GAsyncResult *result,
                                         GError **error)
{
  return rc_laravel_client_post_finish (self, result, error);
}

void
rc_laravel_client_gift_batch_async (RcLaravelClient *self, JsonNode *transactions,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (transactions != NULL && JSON_NODE_HOLDS_ARRAY (transactions));
  g_autoptr (JsonObject) object = json_object_new ();
  json_object_set_member (object, "transactions", json_node_copy (transactions));
  g_autoptr (JsonNode) body = json_node_init_object (json_node_alloc (), object);
  /* Sent at most once per call: whether an earlier attempt of a batch may
   * have been applied is the batcher's knowledge (duplicate_transaction). */
  post_full_async (self, RC_LARAVEL_GIFT_BATCH_PATH, NULL, body, RC_HTTP_REQUEST_ONCE,
                   cancellable, callback, user_data);
}

JsonNode *
rc_laravel_client_gift_batch_finish (RcLaravelClient *self, GAsyncResult *result,
                                     JsonNode **error_body, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  Call *call = g_task_get_task_data (G_TASK (result));
  if (error_body)
    *error_body = call->error_body ? json_node_ref (call->error_body) : NULL;
  return rc_laravel_client_post_finish (self, result, error);
}

void
rc_laravel_client_room_status_async (RcLaravelClient *self, const char *room_id, JsonNode *body,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_return_if_fail (room_id != NULL && body != NULL);
  /* Room ids are UUIDs, but nothing from outside goes into a URL unescaped. */
  g_autofree char *escaped = g_uri_escape_string (room_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/internal/rooms/%s/status", escaped);
  rc_laravel_client_post_async (self, path, NULL, body, cancellable, callback, user_data);
}

/* The owner_id member of a room status answer: TRUE with *@owner_id set
 * (NULL when absent or null), FALSE if it is there but not a user id. */
static gboolean
parse_owner_id (JsonNode *answer, char **owner_id)
{
  JsonNode *member = JSON_NODE_HOLDS_OBJECT (answer)
                       ? json_object_get_member (json_node_get_object (answer), "owner_id")
                       : NULL;
  *owner_id = NULL;
  if (member == NULL || JSON_NODE_HOLDS_NULL (member))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (member))
    return FALSE;
  if (json_node_get_value_type (member) == G_TYPE_INT64) {
    gint64 id = json_node_get_int (member);
    if (id < 1)
      return FALSE;
    *owner_id = g_strdup_printf ("%" G_GINT64_FORMAT, id);
    return TRUE;
  }
  if (json_node_get_value_type (member) == G_TYPE_STRING) {
    /* Some database drivers hand Laravel its integer ids as strings. */
    const char *text = json_node_get_string (member);
    gsize len = strlen (text);
    if (len == 0 || len > 19 || text[0] == '0' || strspn (text, "0123456789") != len)
      return FALSE;
    *owner_id = g_strdup (text);
    return TRUE;
  }
  return FALSE;
}

gboolean
rc_laravel_client_room_status_finish (RcLaravelClient *self, GAsyncResult *result,
                                      char **owner_id, GError **error)
{
  g_autoptr (JsonNode) answer = rc_laravel_client_post_finish (self, result, error);

  if (owner_id)
    *owner_id = NULL;
  if (answer == NULL)
    return FALSE;
  if (owner_id && !parse_owner_id (answer, owner_id)) {
    g_set_error_literal (error, RC_LARAVEL_ERROR, RC_LARAVEL_ERROR_INVALID_RESPONSE,
                         "Laravel's room status answer has an owner_id that is not a user id "
                         "(a positive integer or null)");
    return FALSE;
  }
  return TRUE;
}

static gboolean
health_contributor (JsonBuilder *b, gpointer data)
{
  RcLaravelClient *self = data;
  json_builder_set_member_name (b, "laravel");
  json_builder_add_string_value (b, self->health);
  return health_is_ok (self->health);
}

void
rc_laravel_client_add_health (RcLaravelClient *self, RcHealth *health)
{
  rc_health_add (health, health_contributor, self);
}

RcLaravelClient *
rc_laravel_client_new (RcHttpClient *http, const char *base_url, const char *internal_key)
{
  g_return_val_if_fail (RC_IS_HTTP_CLIENT (http), NULL);
  g_return_val_if_fail (base_url != NULL && internal_key != NULL, NULL);
  RcLaravelClient *self = g_object_new (RC_TYPE_LARAVEL_CLIENT, NULL);
  self->http = g_object_ref (http);
  self->base_url = g_strdup (base_url);
  self->key_header = g_strconcat ("X-Internal-Key: ", internal_key, NULL);
  self->bearer_header = g_strconcat ("Authorization: Bearer ", internal_key, NULL);
  return self;
}

RcLaravelClient *
rc_laravel_client_new_from_config (const RcConfig *config)
{
  g_return_val_if_fail (config->laravel_api_url && config->laravel_internal_key, NULL);
  g_autoptr (RcHttpClient)
    http = rc_http_client_new (config->laravel_connect_timeout_ms, config->laravel_timeout_ms);
  RcLaravelClient *self = rc_laravel_client_new (http, config->laravel_api_url,
                                                 config->laravel_internal_key);
  self->auth_http = rc_http_client_new (config->laravel_connect_timeout_ms,
                                        config->laravel_timeout_ms);
  return self;
}

static void
rc_laravel_client_finalize (GObject *object)
{
  RcLaravelClient *self = RC_LARAVEL_CLIENT (object);
  g_clear_object (&self->http);
  g_clear_object (&self->auth_http);
  g_free (self->base_url);
  secret_free (self->key_header);
  secret_free (self->bearer_header);
  G_OBJECT_CLASS (rc_laravel_client_parent_class)->finalize (object);
}

static void
rc_laravel_client_class_init (RcLaravelClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_laravel_client_finalize;
}

static void
rc_laravel_client_init (RcLaravelClient *self)
{
  self->health = "configured";
}
