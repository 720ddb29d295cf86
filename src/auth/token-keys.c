/* roomcast: the Redis keys of one token; see token-keys.h. */
#include "auth/token-keys.h"

#include <string.h>

/* Sanctum's plain-text token is "<id>|<secret>" (PersonalAccessToken::
 * findToken splits at the first '|' and looks the id up); what it stores
 * in personal_access_tokens.token is hash('sha256', <secret>). */
static const char *
sanctum_secret (const char *token)
{
  const char *bar = strchr (token, '|');
  if (!bar || bar == token || bar[1] == '\0')
    return NULL;
  for (const char *p = token; p < bar; p++)
    if (!g_ascii_isdigit (*p))
      return NULL;
  return bar + 1;
}

/* A NULL-terminated string vector from @strings (taken). */
static char **
strv_end (GPtrArray *strings)
{
  g_ptr_array_add (strings, NULL);
  return (char **) g_ptr_array_free (strings, FALSE);
}

char **
rc_token_hashes (const char *token)
{
  g_return_val_if_fail (token != NULL, NULL);
  GPtrArray *hashes = g_ptr_array_new ();
  g_ptr_array_add (hashes, g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1));
  const char *secret = sanctum_secret (token);
  if (secret) {
    g_autofree char *stored = g_compute_checksum_for_string (G_CHECKSUM_SHA256, secret, -1);
    g_ptr_array_add (hashes, g_compute_checksum_for_string (G_CHECKSUM_SHA256, stored, -1));
  }
  return strv_end (hashes);
}

char **
rc_token_keys (const char *const *hashes, const char *kind, const char *laravel_prefix)
{
  g_return_val_if_fail (hashes != NULL && hashes[0] != NULL && kind != NULL, NULL);
  GPtrArray *keys = g_ptr_array_new ();
  for (const char *const *h = hashes; *h; h++)
    g_ptr_array_add (keys, g_strconcat (kind, *h, NULL));
  if (laravel_prefix && *laravel_prefix)
    for (const char *const *h = hashes; *h; h++)
      g_ptr_array_add (keys, g_strconcat (laravel_prefix, kind, *h, NULL));
  return strv_end (keys);
}
