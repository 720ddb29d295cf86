/* roomcast: the "jwt" auth provider; see auth-jwt.h.
 *
 * Order of checks, cheapest and least trusting first: shape and base64url
 * of the three parts, the header's alg (so "none" or an asymmetric alg
 * never reaches the HMAC), the signature, and only then the claims. Every
 * JSON part is read with the strict parser.
 */
#include "auth/auth-jwt.h"

#include <math.h>
#include <string.h>

#include "auth/auth-laravel.h"
#include "auth/token-keys.h"
#include "json/json-text.h"

#define SHA256_LEN 32
#define MAX_ID_LEN 128

struct _RcJwtAuth {
  GObject parent_instance;
  guint8 *secret;
  gsize secret_len;
  RcJwtOptions options; /* its strings owned */
  RcRedisClient *redis; /* nullable */
  char *laravel_prefix; /* nullable */
};

static void rc_jwt_auth_iface_init (RcAuthProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcJwtAuth, rc_jwt_auth, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_AUTH_PROVIDER,
                                                      rc_jwt_auth_iface_init))

static gboolean G_GNUC_PRINTF (2, 3) refuse (GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED, "jwt: %s", message);
  return FALSE;
}

/* Strict base64url (RFC 7515 section 2): alphabet A-Z a-z 0-9 - _, no
 * padding, and canonical, i.e. re-encoding gives the same text, so that one
 * token has exactly one spelling. */
static GBytes *
b64url_decode (const char *text, gsize len)
{
  if (len % 4 == 1)
    return NULL;
  GString *std = g_string_sized_new (len + 3);
  for (gsize i = 0; i < len; i++) {
    char c = text[i];
    if (g_ascii_isalnum (c))
      g_string_append_c (std, c);
    else if (c == '-')
      g_string_append_c (std, '+');
    else if (c == '_')
      g_string_append_c (std, '/');
    else {
      g_string_free (std, TRUE);
      return NULL;
    }
  }
  while (std->len % 4)
    g_string_append_c (std, '=');
  gsize out_len = 0;
  guchar *out = g_base64_decode (std->str, &out_len);
  g_autofree char *again = g_base64_encode (out, out_len);
  gsize again_len = strlen (again);
  while (again_len > 0 && again[again_len - 1] == '=')
    again_len--;
  gboolean canonical = again_len == len && strncmp (again, std->str, len) == 0;
  g_string_free (std, TRUE);
  if (!canonical) {
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (out, out_len);
}

static JsonObject *
decode_json_part (const char *text, gsize len)
{
  g_autoptr (GBytes) raw = b64url_decode (text, len);
  if (!raw)
    return NULL;
  gsize n;
  const char *data = g_bytes_get_data (raw, &n);
  g_autoptr (JsonNode) node = rc_json_parse_strict (data, n, NULL, NULL);
  if (!node || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static gboolean
equal_constant_time (const guint8 *a, const guint8 *b, gsize len)
{
  volatile guint8 diff = 0;
  for (gsize i = 0; i < len; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

static JsonNode *
member_value (JsonObject *obj, const char *name, GType type)
{
  JsonNode *n = json_object_get_member (obj, name);
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == type)
    return n;
  return NULL;
}

/* NumericDate: an integer or a finite number of seconds. */
static gboolean
get_time_claim (JsonObject *claims, const char *name, gboolean *present, double *out)
{
  JsonNode *n = json_object_get_member (claims, name);
  *present = n != NULL;
  if (!n)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    *out = (double) json_node_get_int (n);
  else if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else
    return FALSE;
  return isfinite (*out);
}

static gboolean
check_header (JsonObject *header, GError **error)
{
  JsonNode *alg = member_value (header, "alg", G_TYPE_STRING);
  if (!alg || !g_str_equal (json_node_get_string (alg), "HS256"))
    return refuse (error, "alg must be HS256");
  /* Extensions we do not understand must not be ignored (RFC 7515 4.1.11). */
  if (json_object_has_member (header, "crit"))
    return refuse (error, "\"crit\" header extensions are not supported");
  JsonNode *typ = json_object_get_member (header, "typ");
  if (typ && !(member_value (header, "typ", G_TYPE_STRING) &&
               g_ascii_strcasecmp (json_node_get_string (typ), "JWT") == 0))
    return refuse (error, "typ must be JWT");
  return TRUE;
}

static gboolean
check_signature (const char *token, gsize signed_len, const char *sig, gsize sig_len,
                 const guint8 *secret, gsize secret_len, GError **error)
{
  g_autoptr (GBytes) given = b64url_decode (sig, sig_len);
  if (!given || g_bytes_get_size (given) != SHA256_LEN)
    return refuse (error, "bad signature");
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, secret, secret_len);
  g_hmac_update (hmac, (const guchar *) token, (gssize) signed_len);
  guint8 digest[SHA256_LEN];
  gsize digest_len = sizeof digest;
  g_hmac_get_digest (hmac, digest, &digest_len);
  if (!equal_constant_time (digest, g_bytes_get_data (given, NULL), SHA256_LEN))
    return refuse (error, "bad signature");
  return TRUE;
}

static gboolean
check_dates (JsonObject *claims, guint max_lifetime_s, gint64 now_s, GError **error)
{
  gboolean has_exp, has_nbf, has_iat;
  double exp = 0, nbf = 0, iat = 0;
  if (!get_time_claim (claims, "exp", &has_exp, &exp))
    return refuse (error, "exp must be a number");
  if (!has_exp)
    return refuse (error, "exp is required");
  if (!get_time_claim (claims, "nbf", &has_nbf, &nbf))
    return refuse (error, "nbf must be a number");
  if ((double) now_s - RC_JWT_LEEWAY_S >= exp)
    return refuse (error, "token expired");
  if (has_nbf && (double) now_s + RC_JWT_LEEWAY_S < nbf)
    return refuse (error, "token not valid yet (nbf)");
  if (!get_time_claim (claims, "iat", &has_iat, &iat))
    return refuse (error, "iat must be a number");
  if (max_lifetime_s > 0) {
    double longest = (double) max_lifetime_s + RC_JWT_LEEWAY_S;
    if (exp - (double) now_s > longest || (has_iat && exp - iat > longest))
      return refuse (error, "token lifetime is over JWT_MAX_LIFETIME_S (%u s)", max_lifetime_s);
  }
  return TRUE;
}

/* `aud`: a string, or an array of strings, that must hold @audience. */
static gboolean
check_audience (JsonObject *claims, const char *audience, GError **error)
{
  JsonNode *aud = json_object_get_member (claims, "aud");
  if (aud && member_value (claims, "aud", G_TYPE_STRING))
    return g_str_equal (json_node_get_string (aud), audience)
             ? TRUE
             : refuse (error, "wrong audience");
  if (aud && JSON_NODE_HOLDS_ARRAY (aud)) {
    JsonArray *list = json_node_get_array (aud);
    for (guint i = 0; i < json_array_get_length (list); i++) {
      JsonNode *n = json_array_get_element (list, i);
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (n), audience))
        return TRUE;
    }
    return refuse (error, "wrong audience");
  }
  return refuse (error, "aud is required (JWT_AUDIENCE)");
}

static gboolean
check_string_claim (JsonObject *claims, const char *name, const char *expected,
                    const char *setting, GError **error)
{
  JsonNode *n = member_value (claims, name, G_TYPE_STRING);
  if (!n)
    return refuse (error, "%s is required (%s)", name, setting);
  if (!g_str_equal (json_node_get_string (n), expected))
    return refuse (error, "wrong %s", name);
  return TRUE;
}

static gboolean
check_claims (JsonObject *claims, const RcJwtOptions *options, gint64 now_s, GError **error)
{
  if (!check_dates (claims, options ? options->max_lifetime_s : 0, now_s, error))
    return FALSE;
  if (options == NULL)
    return TRUE;
  if (options->audience && !check_audience (claims, options->audience, error))
    return FALSE;
  if (options->issuer &&
      !check_string_claim (claims, "iss", options->issuer, "JWT_ISSUER", error))
    return FALSE;
  if (options->user_model) {
    /* tymon/jwt-auth: prv = sha1 (the user model's class name). */
    g_autofree char *prv = g_compute_checksum_for_string (G_CHECKSUM_SHA1, options->user_model,
                                                          -1);
    if (!check_string_claim (claims, "prv", prv, "JWT_USER_MODEL", error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
optional_claim (JsonObject *claims, const char *name, const char **out, GError **error)
{
  JsonNode *n = json_object_get_member (claims, name);
  *out = NULL;
  if (!n || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!member_value (claims, name, G_TYPE_STRING))
    return refuse (error, "%s must be a string", name);
  *out = json_node_get_string (n);
  return TRUE;
}

static RcUser *
user_from_claims (JsonObject *claims, gboolean trust_role, GError **error)
{
  g_autofree char *id = NULL;
  JsonNode *sub = json_object_get_member (claims, "sub");
  if (sub && member_value (claims, "sub", G_TYPE_INT64)) {
    id = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (sub));
  } else if (sub && member_value (claims, "sub", G_TYPE_STRING)) {
    const char *s = json_node_get_string (sub);
    gsize n = strlen (s);
    if (n == 0 || n > MAX_ID_LEN) {
      refuse (error, "sub must be 1-%d bytes", MAX_ID_LEN);
      return NULL;
    }
    for (const char *p = s; *p; p++)
      if ((guchar) *p < 0x20 || *p == 0x7f) {
        refuse (error, "sub contains control characters");
        return NULL;
      }
    id = g_strdup (s);
  } else {
    refuse (error, "sub (string or integer) is required");
    return NULL;
  }
  const char *name, *email, *role, *avatar;
  if (!optional_claim (claims, "name", &name, error) ||
      !optional_claim (claims, "email", &email, error) ||
      !optional_claim (claims, "role", &role, error) ||
      !optional_claim (claims, "avatar_url", &avatar, error))
    return NULL;
  RcUser *user = rc_user_new (id, name && *name ? name : id, trust_role ? role : NULL);
  user->email = g_strdup (email);
  user->avatar_url = g_strdup (avatar);
  user->extra = json_object_ref (claims);
  return user;
}

gboolean
rc_auth_token_is_jwt (const char *token)
{
  g_return_val_if_fail (token != NULL, FALSE);
  const char *dot1 = strchr (token, '.');
  const char *dot2 = dot1 ? strchr (dot1 + 1, '.') : NULL;
  if (!dot2 || strchr (dot2 + 1, '.') || dot1 == token || dot2 == dot1 + 1 || dot2[1] == '\0' ||
      strlen (token) > RC_AUTH_MAX_TOKEN_LEN)
    return FALSE;
  for (const char *p = token; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  g_autoptr (JsonObject) header = decode_json_part (token, (gsize) (dot1 - token));
  return header != NULL;
}

RcUser *
rc_jwt_auth_verify (const char *token, const guint8 *secret, gsize secret_len,
                    const RcJwtOptions *options, gint64 now_s, GError **error)
{
  g_return_val_if_fail (secret != NULL, NULL);
  if (!rc_auth_token_is_well_formed (token)) {
    refuse (error, "malformed token");
    return NULL;
  }
  const char *dot1 = strchr (token, '.');
  const char *dot2 = dot1 ? strchr (dot1 + 1, '.') : NULL;
  if (!dot1 || !dot2 || strchr (dot2 + 1, '.') || dot1 == token || dot2 == dot1 + 1 ||
      dot2[1] == '\0') {
    refuse (error, "malformed token (expected header.payload.signature)");
    return NULL;
  }
  g_autoptr (JsonObject) header = decode_json_part (token, (gsize) (dot1 - token));
  if (!header) {
    refuse (error, "malformed header (not base64url JSON object)");
    return NULL;
  }
  if (!check_header (header, error) ||
      !check_signature (token, (gsize) (dot2 - token), dot2 + 1, strlen (dot2 + 1), secret,
                        secret_len, error))
    return NULL;
  g_autoptr (JsonObject) claims = decode_json_part (dot1 + 1, (gsize) (dot2 - dot1 - 1));
  if (!claims) {
    refuse (error, "malformed payload (not base64url JSON object)");
    return NULL;
  }
  if (!check_claims (claims, options, now_s, error))
    return NULL;
  RcUser *user = user_from_claims (claims, options && options->trust_role, error);
  if (user)
    user->token_hashes = rc_token_hashes (token);
  return user;
}

/* --- the provider --------------------------------------------------------- */

static const char *
rc_jwt_auth_get_name (RcAuthProvider *provider)
{
  return "jwt";
}

/* Reply to MGET of the token's revocation keys (auth/token-keys.h): the
 * last word on a valid token. */
static void
on_revocation_reply (RcRedisClient *redis, redisReply *reply, const GError *error,
                     gpointer data)
{
  g_autoptr (GTask) task = data;
  RcUser *user = g_task_get_task_data (task);

  if (error || reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
    /* Fail closed, as for Sanctum tokens: a revocation cannot be checked. */
    g_task_return_new_error (task, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAVAILABLE,
                             "jwt: the revocation list in Redis cannot be read");
    return;
  }
  for (size_t i = 0; i < reply->elements; i++)
    if (reply->element[i]->type != REDIS_REPLY_NIL) {
      g_task_return_new_error (task, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED,
                               "jwt: token revoked");
      return;
    }
  g_task_return_pointer (task, rc_user_ref (user), (GDestroyNotify) rc_user_unref);
}

static void
rc_jwt_auth_authenticate_async (RcAuthProvider *provider, const char *token,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  RcJwtAuth *self = RC_JWT_AUTH (provider);
  g_autoptr (GTask) task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, rc_jwt_auth_authenticate_async);
  GError *error = NULL;
  RcUser *user = rc_jwt_auth_verify (token, self->secret, self->secret_len, &self->options,
                                     g_get_real_time () / G_USEC_PER_SEC, &error);
  if (user == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->redis == NULL) {
    g_task_return_pointer (task, user, (GDestroyNotify) rc_user_unref);
    return;
  }
  g_task_set_task_data (task, user, (GDestroyNotify) rc_user_unref);
  g_auto (GStrv) keys = rc_token_keys ((const char *const *) user->token_hashes,
                                       RC_AUTH_REVOKED_KEY_PREFIX, self->laravel_prefix);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, "MGET");
  for (char **k = keys; *k; k++)
    g_ptr_array_add (argv, *k);
  rc_redis_client_commandv (self->redis, (int) argv->len, (const char *const *) argv->pdata,
                            NULL, on_revocation_reply, g_steal_pointer (&task));
}

static RcUser *
rc_jwt_auth_authenticate_finish (RcAuthProvider *provider, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
rc_jwt_auth_iface_init (RcAuthProviderInterface *iface)
{
  iface->get_name = rc_jwt_auth_get_name;
  iface->authenticate_async = rc_jwt_auth_authenticate_async;
  iface->authenticate_finish = rc_jwt_auth_authenticate_finish;
}

RcAuthProvider *
rc_jwt_auth_new (const char *secret, const RcJwtOptions *options, RcRedisClient *redis,
                 const char *laravel_prefix)
{
  g_return_val_if_fail (secret != NULL && *secret != '\0', NULL);
  RcJwtAuth *self = g_object_new (RC_TYPE_JWT_AUTH, NULL);
  self->secret_len = strlen (secret);
  self->secret = g_memdup2 (secret, self->secret_len);
  if (options) {
    self->options = *options;
    self->options.audience = g_strdup (options->audience);
    self->options.issuer = g_strdup (options->issuer);
    self->options.user_model = g_strdup (options->user_model);
  }
  self->redis = redis ? g_object_ref (redis) : NULL;
  self->laravel_prefix = laravel_prefix && *laravel_prefix ? g_strdup (laravel_prefix) : NULL;
  if (self->secret_len < SHA256_LEN)
    g_warning ("JWT_SECRET is shorter than %d bytes: HS256 tokens signed with it can be "
               "brute-forced; use a long random secret",
               SHA256_LEN);
  g_info ("auth: jwt (HS256, exp required, %d s leeway on exp/nbf; lifetime %s%u s; aud %s, "
          "iss %s, prv %s; role claim %s; revocation %s)",
          RC_JWT_LEEWAY_S, self->options.max_lifetime_s ? "at most " : "not bounded, ",
          self->options.max_lifetime_s, self->options.audience ? "checked" : "not checked",
          self->options.issuer ? "checked" : "not checked",
          self->options.user_model ? "checked" : "not checked",
          self->options.trust_role ? "trusted (JWT_TRUST_ROLE)" : "ignored",
          redis ? "checked in Redis (" RC_AUTH_REVOKED_KEY_PREFIX "*)"
                : "NOT checked (no Redis)");
  return RC_AUTH_PROVIDER (self);
}

static void
rc_jwt_auth_finalize (GObject *object)
{
  RcJwtAuth *self = RC_JWT_AUTH (object);
  if (self->secret)
    memset (self->secret, 0, self->secret_len);
  g_free (self->secret);
  g_free ((char *) self->options.audience);
  g_free ((char *) self->options.issuer);
  g_free ((char *) self->options.user_model);
  g_clear_object (&self->redis);
  g_free (self->laravel_prefix);
  G_OBJECT_CLASS (rc_jwt_auth_parent_class)->finalize (object);
}

static void
rc_jwt_auth_class_init (RcJwtAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_jwt_auth_finalize;
}

static void
rc_jwt_auth_init (RcJwtAuth *self)
{
}
