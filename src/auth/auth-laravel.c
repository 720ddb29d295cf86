/* roomcast: the "laravel" auth provider; see auth-laravel.h.
 *
 * One Lookup per token hash in flight: the first CONNECT with a token
 * starts it, later ones with the same token wait on it, and all get the
 * same answer. A lookup is one Redis round trip (one MGET of every form of
 * the revocation marker and of the cached user, auth/token-keys.h, so a
 * revoked token is refused even while its user is still cached), then, on
 * a miss, one Laravel call whose user is written back with SETEX under
 * every cache key. The token itself lives only in the lookup (for the
 * Authorization header) and is wiped when the lookup ends; logs and Redis
 * keys use its SHA-256.
 */
#include "auth/auth-laravel.h"

#include <string.h>

#include "json/json-text.h"
#include "core/metrics.h"

/* In-process cache (no Redis): past this many entries, expired ones are
 * swept, and if that is not enough the cache starts over. */
#define MEMCACHE_MAX 50000

typedef struct {
  RcUser *user;
  gint64 expires_us; /* monotonic */
} CacheEntry;

struct _RcLaravelAuth {
  GObject parent_instance;
  RcLaravelClient *laravel;
  RcRedisClient *redis; /* nullable */
  char *laravel_prefix; /* LARAVEL_REDIS_PREFIX, nullable */
  guint ttl_s;
  GHashTable *inflight; /* token hash -> Lookup */
  GHashTable *memcache; /* token hash -> CacheEntry (without Redis) */
  /* Tokens Laravel refused, for RC_AUTH_NEGATIVE_CACHE_S: a flood of junk
   * tokens costs Laravel one call per token, not one per attempt. */
  GHashTable *refused;  /* token hash -> expiry (monotonic us, gint64 *) */
  GQueue refused_order; /* its keys, oldest first (not owned) */
};

typedef struct {
  RcLaravelAuth *self; /* strong */
  char **hashes;       /* rc_token_hashes (); hashes[0] keys the in-flight table */
  char **revoked_keys; /* with Redis: every auth:revoked: form */
  char **cache_keys;   /* with Redis: every auth:token: form, the contract's first */
  char *token;         /* secret: wiped in lookup_free */
  GPtrArray *waiters;  /* GTask */
} Lookup;

static void rc_laravel_auth_iface_init (RcAuthProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcLaravelAuth, rc_laravel_auth, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_AUTH_PROVIDER,
                                                      rc_laravel_auth_iface_init))

static void
count (const char *result)
{
  g_autofree char *labels = g_strdup_printf ("result=\"%s\"", result);
  rc_metrics_counter_inc ("roomcast_auth_laravel_total",
                          "Laravel auth lookups, by how they ended", labels);
}

/* --- validation of outside input ------------------------------------------ */

gboolean
rc_auth_token_is_well_formed (const char *token)
{
  if (!token)
    return FALSE;
  gsize n = 0;
  for (const char *p = token; *p; p++, n++)
    if (n >= RC_AUTH_MAX_TOKEN_LEN || (guchar) *p < 0x21 || (guchar) *p > 0x7e)
      return FALSE;
  return n > 0;
}

static gboolean
is_string_node (JsonNode *n)
{
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING;
}

/* An optional member: absent or null is fine, a string is returned,
 * anything else is a schema violation. */
static gboolean
optional_string (JsonObject *obj, const char *name, const char **out, GError **error)
{
  JsonNode *n = json_object_get_member (obj, name);
  *out = NULL;
  if (!n || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!is_string_node (n)) {
    g_set_error (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAVAILABLE,
                 "user answer: \"%s\" must be a string or null", name);
    return FALSE;
  }
  *out = json_node_get_string (n);
  return TRUE;
}

RcUser *
rc_laravel_auth_user_from_json (JsonNode *node, GError **error)
{
  if (!node || !JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error_literal (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAVAILABLE,
                         "user answer: not a JSON object");
    return NULL;
  }
  JsonObject *obj = json_node_get_object (node);
  JsonNode *id = json_object_get_member (obj, "id");
  /* The contract says number; a user id is a positive integer primary key,
   * so 1.5, "12" or true are a broken backend, not a user. */
  if (!id || !JSON_NODE_HOLDS_VALUE (id) || json_node_get_value_type (id) != G_TYPE_INT64 ||
      json_node_get_int (id) <= 0) {
    g_set_error_literal (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAVAILABLE,
                         "user answer: \"id\" must be a positive integer");
    return NULL;
  }
  JsonNode *name = json_object_get_member (obj, "name");
  if (!is_string_node (name)) {
    g_set_error_literal (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAVAILABLE,
                         "user answer: \"name\" must be a string");
    return NULL;
  }
  JsonNode *email = json_object_get_member (obj, "email");
  if (!is_string_node (email)) {
    g_set_error_literal (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAVAILABLE,
                         "user answer: \"email\" must be a string");
    return NULL;
  }
  const char *avatar, *role;
  if (!optional_string (obj, "avatar_url", &avatar, error) ||
      !optional_string (obj, "role", &role, error))
    return NULL;

  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (id));
  RcUser *user = rc_user_new (id_text, json_node_get_string (name), role);
  user->email = g_strdup (json_node_get_string (email));
  user->avatar_url = g_strdup (avatar);
  user->extra = json_object_ref (obj);
  return user;
}

/* --- lookups -------------------------------------------------------------- */

static void
lookup_free (Lookup *lookup)
{
  if (lookup->token) {
    memset (lookup->token, 0, strlen (lookup->token));
    g_free (lookup->token);
  }
  g_strfreev (lookup->hashes);
  g_strfreev (lookup->revoked_keys);
  g_strfreev (lookup->cache_keys);
  g_ptr_array_unref (lookup->waiters);
  g_object_unref (lookup->self);
  g_free (lookup);
}

/* Ends the lookup: answers every waiting CONNECT. The lookup leaves the
 * in-flight table first, so a callback that authenticates again starts a
 * fresh one. */
static void
lookup_finish (Lookup *lookup, RcUser *user, const GError *error)
{
  g_hash_table_steal (lookup->self->inflight, lookup->hashes[0]);
  for (guint i = 0; i < lookup->waiters->len; i++) {
    GTask *task = g_ptr_array_index (lookup->waiters, i);
    if (user)
      g_task_return_pointer (task, rc_user_ref (user), (GDestroyNotify) rc_user_unref);
    else
      g_task_return_error (task, g_error_copy (error));
  }
  lookup_free (lookup);
}

static void lookup_fail (Lookup *lookup, int code, const char *result, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

static void
lookup_fail (Lookup *lookup, int code, const char *result, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_autoptr (GError) error = g_error_new (RC_AUTH_ERROR, code, "%s (token sha256 %.12s)",
                                          message, lookup->hashes[0]);
  count (result);
  lookup_finish (lookup, NULL, error);
}

static void
on_cache_written (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  g_autofree char *hash = data;
  if (error)
    g_debug ("auth: could not cache the user of token sha256 %.12s: %s", hash, error->message);
}

/* The user under every cache key of the token: deleting any one of them
 * (whichever form Laravel's logout uses) makes the next connect ask Laravel. */
static void
cache_store (RcLaravelAuth *self, Lookup *lookup, RcUser *user, JsonNode *node)
{
  const char *hash = lookup->hashes[0];
  if (self->redis) {
    g_autofree char *ttl = g_strdup_printf ("%u", self->ttl_s);
    g_autofree char *json = rc_json_to_string (node);
    for (char **key = lookup->cache_keys; *key; key++)
      rc_redis_client_call (self->redis, on_cache_written, g_strdup (hash), "SETEX", *key, ttl,
                            json, NULL);
    return;
  }
  gint64 now = g_get_monotonic_time ();
  if (g_hash_table_size (self->memcache) >= MEMCACHE_MAX) {
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init (&iter, self->memcache);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      if (((CacheEntry *) value)->expires_us <= now)
        g_hash_table_iter_remove (&iter);
    if (g_hash_table_size (self->memcache) >= MEMCACHE_MAX)
      g_hash_table_remove_all (self->memcache);
  }
  CacheEntry *entry = g_new0 (CacheEntry, 1);
  entry->user = rc_user_ref (user);
  entry->expires_us = now + (gint64) self->ttl_s * G_USEC_PER_SEC;
  g_hash_table_replace (self->memcache, g_strdup (hash), entry);
}

static gboolean
recently_refused (RcLaravelAuth *self, const char *hash)
{
  gint64 *expires = g_hash_table_lookup (self->refused, hash);
  return expires != NULL && *expires > g_get_monotonic_time ();
}

static void
remember_refused (RcLaravelAuth *self, const char *hash)
{
  gint64 expires = g_get_monotonic_time () + (gint64) RC_AUTH_NEGATIVE_CACHE_S * G_USEC_PER_SEC;
  gint64 *known = g_hash_table_lookup (self->refused, hash);

  if (known != NULL) {
    *known = expires;
    return;
  }
  /* Bounded: past the cap the oldest goes (an early forget only costs one
   * more Laravel call). The queue owns its copies of the keys. */
  while (self->refused_order.length >= RC_AUTH_NEGATIVE_CACHE_MAX) {
    char *oldest = g_queue_pop_head (&self->refused_order);
    g_hash_table_remove (self->refused, oldest);
    g_free (oldest);
  }
  g_hash_table_insert (self->refused, g_strdup (hash), g_memdup2 (&expires, sizeof expires));
  g_queue_push_tail (&self->refused_order, g_strdup (hash));
}

static void
on_validated (GObject *source, GAsyncResult *result, gpointer data)
{
  Lookup *lookup = data;
  RcLaravelAuth *self = lookup->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode)
    node = rc_laravel_client_validate_token_finish (RC_LARAVEL_CLIENT (source), result, &error);

  if (!node) {
    if (g_error_matches (error, RC_LARAVEL_ERROR, RC_LARAVEL_ERROR_UNAUTHENTICATED)) {
      remember_refused (self, lookup->hashes[0]);
      lookup_fail (lookup, RC_AUTH_ERROR_UNAUTHENTICATED, "unauthenticated",
                   "Laravel does not know this token: %s", error->message);
    } else
      lookup_fail (lookup, RC_AUTH_ERROR_UNAVAILABLE, "unavailable",
                   "cannot validate with Laravel: %s", error->message);
    return;
  }
  g_autoptr (GError) invalid = NULL;
  g_autoptr (RcUser) user = rc_laravel_auth_user_from_json (node, &invalid);
  if (!user) {
    g_warning ("Laravel's auth/validate answer is unusable (%s); refusing the connection",
               invalid->message);
    lookup_fail (lookup, RC_AUTH_ERROR_UNAVAILABLE, "invalid_answer", "%s", invalid->message);
    return;
  }
  user->token_hashes = g_strdupv (lookup->hashes);
  cache_store (self, lookup, user, node);
  count ("validated");
  lookup_finish (lookup, user, NULL);
}

static void
validate_with_laravel (Lookup *lookup)
{
  rc_laravel_client_validate_token_async (lookup->self->laravel, lookup->token, NULL,
                                          on_validated, lookup);
}

/* Reply to MGET <revoked_keys> <cache_keys>. */
static void
on_cache_reply (RcRedisClient *redis, redisReply *reply, const GError *error, gpointer data)
{
  Lookup *lookup = data;
  guint n_revoked = g_strv_length (lookup->revoked_keys);
  guint n_cached = g_strv_length (lookup->cache_keys);

  /* Fail closed: without Redis the revocation list cannot be checked. */
  if (error) {
    lookup_fail (lookup, RC_AUTH_ERROR_UNAVAILABLE, "redis_unavailable",
                 "cannot check the token against Redis: %s", error->message);
    return;
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != n_revoked + n_cached) {
    lookup_fail (lookup, RC_AUTH_ERROR_UNAVAILABLE, "redis_unavailable",
                 "unexpected Redis answer to MGET");
    return;
  }
  for (guint i = 0; i < n_revoked; i++)
    if (reply->element[i]->type != REDIS_REPLY_NIL) {
      /* Which form Laravel wrote, for whoever debugs a logout. */
      guint n_hashes = g_strv_length (lookup->hashes);
      lookup_fail (lookup, RC_AUTH_ERROR_UNAUTHENTICATED, "revoked",
                   "token revoked (%s key, hash of the %s)",
                   i < n_hashes ? "unprefixed" : "LARAVEL_REDIS_PREFIX",
                   i % n_hashes == 0 ? "token" : "token Sanctum stores");
      return;
    }
  /* A cache key deleted in any of its forms is a miss. */
  for (guint i = n_revoked; i < reply->elements; i++)
    if (reply->element[i]->type != REDIS_REPLY_STRING) {
      validate_with_laravel (lookup);
      return;
    }
  redisReply *cached = reply->element[n_revoked];
  g_autoptr (GError) invalid = NULL;
  g_autoptr (JsonNode) node = rc_json_parse_strict (cached->str, cached->len, NULL, &invalid);
  g_autoptr (RcUser) user = node ? rc_laravel_auth_user_from_json (node, &invalid) : NULL;
  if (user) {
    user->token_hashes = g_strdupv (lookup->hashes);
    count ("cache_hit");
    lookup_finish (lookup, user, NULL);
    return;
  }
  g_warning ("auth: ignoring the unusable cached user in %s%.12s...: %s",
             RC_AUTH_TOKEN_KEY_PREFIX, lookup->hashes[0], invalid->message);
  validate_with_laravel (lookup);
}

static void
lookup_start (Lookup *lookup)
{
  RcLaravelAuth *self = lookup->self;
  const char *hash = lookup->hashes[0];
  if (self->redis) {
    const char *const *hashes = (const char *const *) lookup->hashes;
    lookup->revoked_keys = rc_token_keys (hashes, RC_AUTH_REVOKED_KEY_PREFIX,
                                          self->laravel_prefix);
    lookup->cache_keys = rc_token_keys (hashes, RC_AUTH_TOKEN_KEY_PREFIX, self->laravel_prefix);
    g_autoptr (GPtrArray) argv = g_ptr_array_new ();
    g_ptr_array_add (argv, "MGET");
    for (char **k = lookup->revoked_keys; *k; k++)
      g_ptr_array_add (argv, *k);
    for (char **k = lookup->cache_keys; *k; k++)
      g_ptr_array_add (argv, *k);
    rc_redis_client_commandv (self->redis, (int) argv->len, (const char *const *) argv->pdata,
                              NULL, on_cache_reply, lookup);
    return;
  }
  CacheEntry *entry = g_hash_table_lookup (self->memcache, hash);
  if (entry && entry->expires_us > g_get_monotonic_time ()) {
    count ("cache_hit");
    lookup_finish (lookup, entry->user, NULL);
    return;
  }
  if (entry)
    g_hash_table_remove (self->memcache, hash);
  validate_with_laravel (lookup);
}

/* --- the provider --------------------------------------------------------- */

static const char *
rc_laravel_auth_get_name (RcAuthProvider *provider)
{
  return "laravel";
}

static void
rc_laravel_auth_authenticate_async (RcAuthProvider *provider, const char *token,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  RcLaravelAuth *self = RC_LARAVEL_AUTH (provider);
  GTask *task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, rc_laravel_auth_authenticate_async);

  /* The token goes into an HTTP header: refuse anything that could not. */
  if (!rc_auth_token_is_well_formed (token)) {
    count ("malformed");
    g_task_return_new_error (task, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED,
                             "malformed token (expected 1-%d visible ASCII characters)",
                             RC_AUTH_MAX_TOKEN_LEN);
    g_object_unref (task);
    return;
  }
  g_auto (GStrv) hashes = rc_token_hashes (token);
  if (recently_refused (self, hashes[0])) {
    count ("refused_cached");
    g_task_return_new_error (task, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED,
                             "Laravel refused this token less than %d s ago",
                             RC_AUTH_NEGATIVE_CACHE_S);
    g_object_unref (task);
    return;
  }
  Lookup *lookup = g_hash_table_lookup (self->inflight, hashes[0]);
  if (lookup) {
    count ("coalesced");
    g_ptr_array_add (lookup->waiters, task);
    return;
  }
  lookup = g_new0 (Lookup, 1);
  lookup->self = g_object_ref (self);
  lookup->hashes = g_steal_pointer (&hashes);
  lookup->token = g_strdup (token);
  lookup->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (lookup->waiters, task);
  g_hash_table_insert (self->inflight, lookup->hashes[0], lookup);
  lookup_start (lookup);
}

static RcUser *
rc_laravel_auth_authenticate_finish (RcAuthProvider *provider, GAsyncResult *result,
                                     GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
rc_laravel_auth_iface_init (RcAuthProviderInterface *iface)
{
  iface->get_name = rc_laravel_auth_get_name;
  iface->authenticate_async = rc_laravel_auth_authenticate_async;
  iface->authenticate_finish = rc_laravel_auth_authenticate_finish;
}

static void
cache_entry_free (CacheEntry *entry)
{
  rc_user_unref (entry->user);
  g_free (entry);
}

RcAuthProvider *
rc_laravel_auth_new (RcLaravelClient *laravel, RcRedisClient *redis, guint cache_ttl_s,
                     const char *laravel_prefix)
{
  g_return_val_if_fail (RC_IS_LARAVEL_CLIENT (laravel), NULL);
  g_return_val_if_fail (cache_ttl_s > 0, NULL);
  RcLaravelAuth *self = g_object_new (RC_TYPE_LARAVEL_AUTH, NULL);
  self->laravel = g_object_ref (laravel);
  self->redis = redis ? g_object_ref (redis) : NULL;
  self->laravel_prefix = laravel_prefix && *laravel_prefix ? g_strdup (laravel_prefix) : NULL;
  self->ttl_s = cache_ttl_s;
  if (redis)
    g_info ("auth: laravel, users cached in Redis (%sSHA256) for %u s, revocations "
            "read from %sSHA256 (also %s-prefixed, and for Sanctum tokens also the hash of "
            "Sanctum's stored token hash)",
            RC_AUTH_TOKEN_KEY_PREFIX, cache_ttl_s, RC_AUTH_REVOKED_KEY_PREFIX,
            self->laravel_prefix ? self->laravel_prefix : "not");
  else
    g_warning ("auth: laravel WITHOUT Redis (REDIS_HOST is not set): validated tokens are "
               "cached in this process for %u s and revocation (%s*) is NOT checked; a "
               "token revoked in Laravel keeps working here until its cache entry expires",
               cache_ttl_s, RC_AUTH_REVOKED_KEY_PREFIX);
  return RC_AUTH_PROVIDER (self);
}

static void
rc_laravel_auth_finalize (GObject *object)
{
  RcLaravelAuth *self = RC_LARAVEL_AUTH (object);
  /* Lookups hold a reference: none can be in flight here. */
  g_hash_table_unref (self->inflight);
  g_hash_table_unref (self->memcache);
  g_hash_table_unref (self->refused);
  g_queue_clear_full (&self->refused_order, g_free);
  g_clear_object (&self->laravel);
  g_clear_object (&self->redis);
  g_free (self->laravel_prefix);
  G_OBJECT_CLASS (rc_laravel_auth_parent_class)->finalize (object);
}

static void
rc_laravel_auth_class_init (RcLaravelAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_laravel_auth_finalize;
}

static void
rc_laravel_auth_init (RcLaravelAuth *self)
{
  self->inflight = g_hash_table_new (g_str_hash, g_str_equal);
  self->refused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&self->refused_order);
  self->memcache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) cache_entry_free);
}
