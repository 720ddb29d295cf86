/* roomcast: Pusher signatures and channel names; see hub-auth.h. */
#include "hub/hub-auth.h"

#include <string.h>

static const char channel_chars[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-=@,.;";

gboolean
rc_hub_channel_name_valid (const char *name)
{
  if (name == NULL)
    return FALSE;
  size_t len = strlen (name);
  return len >= 1 && len <= RC_HUB_MAX_CHANNEL_NAME && strspn (name, channel_chars) == len;
}

RcHubChannelKind
rc_hub_channel_kind (const char *name)
{
  if (g_str_has_prefix (name, "presence-"))
    return RC_HUB_CHANNEL_PRESENCE;
  if (g_str_has_prefix (name, "private-"))
    return RC_HUB_CHANNEL_PRIVATE;
  return RC_HUB_CHANNEL_PUBLIC;
}

char *
rc_hub_hmac_hex (const char *secret, const char *data, gssize len)
{
  return g_compute_hmac_for_data (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret),
                                  (const guchar *) data, len < 0 ? strlen (data) : (gsize) len);
}

gboolean
rc_hub_secure_equal (const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return FALSE;
  size_t la = strlen (a), lb = strlen (b);
  guint diff = la != lb;
  for (size_t i = 0; i < la; i++)
    diff |= (guchar) a[i] ^ (guchar) b[i % (lb ? lb : 1)];
  return diff == 0;
}

char *
rc_hub_channel_auth (const char *key, const char *secret, const char *socket_id,
                     const char *channel, const char *channel_data)
{
  g_autofree char *to_sign = channel_data
                               ? g_strconcat (socket_id, ":", channel, ":", channel_data, NULL)
                               : g_strconcat (socket_id, ":", channel, NULL);
  g_autofree char *mac = rc_hub_hmac_hex (secret, to_sign, -1);
  return g_strconcat (key, ":", mac, NULL);
}

gboolean
rc_hub_channel_auth_valid (const char *key, const char *secret, const char *socket_id,
                           const char *channel, const char *channel_data, const char *auth)
{
  if (auth == NULL)
    return FALSE;
  g_autofree char *expected = rc_hub_channel_auth (key, secret, socket_id, channel,
                                                   channel_data);
  return rc_hub_secure_equal (auth, expected);
}

gboolean
rc_hub_user_id_valid (const char *user_id)
{
  if (user_id == NULL)
    return FALSE;
  size_t len = strlen (user_id);
  return len >= 1 && len <= RC_HUB_MAX_USER_ID && strspn (user_id, channel_chars) == len;
}

gboolean
rc_hub_user_channel_valid (const char *name)
{
  return name && g_str_has_prefix (name, RC_HUB_USER_CHANNEL_PREFIX) &&
         rc_hub_user_id_valid (name + strlen (RC_HUB_USER_CHANNEL_PREFIX));
}

char *
rc_hub_user_auth (const char *key, const char *secret, const char *socket_id,
                  const char *user_data)
{
  g_autofree char *to_sign = g_strconcat (socket_id, "::user::", user_data, NULL);
  g_autofree char *mac = rc_hub_hmac_hex (secret, to_sign, -1);
  return g_strconcat (key, ":", mac, NULL);
}

gboolean
rc_hub_user_auth_valid (const char *key, const char *secret, const char *socket_id,
                        const char *user_data, const char *auth)
{
  if (auth == NULL || user_data == NULL)
    return FALSE;
  g_autofree char *expected = rc_hub_user_auth (key, secret, socket_id, user_data);
  return rc_hub_secure_equal (auth, expected);
}

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char *
rc_hub_api_string_to_sign (const char *method, const char *path, GHashTable *query)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);

  g_string_append_printf (out, "%s\n%s\n", method, path);
  if (query) {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, query);
    while (g_hash_table_iter_next (&it, &k, &v)) {
      g_autofree char *lower = g_ascii_strdown (k, -1);
      if (g_str_equal (lower, "auth_signature"))
        continue;
      g_ptr_array_add (pairs, g_strconcat (lower, "=", v ? (char *) v : "", NULL));
    }
  }
  g_ptr_array_sort (pairs, compare_keys);
  for (guint i = 0; i < pairs->len; i++) {
    if (i)
      g_string_append_c (out, '&');
    g_string_append (out, g_ptr_array_index (pairs, i));
  }
  return g_string_free (out, FALSE);
}

gboolean
rc_hub_api_verify (const char *key, const char *secret, const char *method, const char *path,
                   GHashTable *query, const char *body, gsize body_len, gint64 now_s,
                   const char **why)
{
  const char *dummy;
  why = why ? why : &dummy;
  if (query == NULL) {
    *why = "missing auth_key";
    return FALSE;
  }
  const char *auth_key = g_hash_table_lookup (query, "auth_key");
  const char *version = g_hash_table_lookup (query, "auth_version");
  const char *ts = g_hash_table_lookup (query, "auth_timestamp");
  const char *sig = g_hash_table_lookup (query, "auth_signature");
  const char *md5 = g_hash_table_lookup (query, "body_md5");
  guint64 t;

  if (!rc_hub_secure_equal (auth_key, key)) {
    *why = "unknown auth_key";
    return FALSE;
  }
  if (g_strcmp0 (version, "1.0") != 0) {
    *why = "auth_version must be 1.0";
    return FALSE;
  }
  if (!ts || !g_ascii_string_to_unsigned (ts, 10, 0, G_MAXINT64, &t, NULL) ||
      ABS ((gint64) t - now_s) > RC_HUB_API_MAX_SKEW_S) {
    *why = "auth_timestamp missing or not within 600 s of the server's time";
    return FALSE;
  }
  if (body_len > 0 || md5) {
    g_autofree char *actual = g_compute_checksum_for_data (G_CHECKSUM_MD5,
                                                           (const guchar *) (body ? body : ""),
                                                           body_len);
    if (!md5 || !rc_hub_secure_equal (md5, actual)) {
      *why = "body_md5 missing or wrong";
      return FALSE;
    }
  }
  g_autofree char *to_sign = rc_hub_api_string_to_sign (method, path, query);
  g_autofree char *expected = rc_hub_hmac_hex (secret, to_sign, -1);
  if (!sig || !rc_hub_secure_equal (sig, expected)) {
    *why = "invalid auth_signature";
    return FALSE;
  }
  return TRUE;
}
