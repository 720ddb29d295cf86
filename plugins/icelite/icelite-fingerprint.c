/* roomcast: certificate fingerprints; see icelite-fingerprint.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "icelite-fingerprint.h"

#include <string.h>

static const struct {
  const char *name;
  gsize len;
} hashes[RC_FINGERPRINT_N_HASHES] = {
  [RC_FINGERPRINT_SHA1] = { "sha-1", 20 },
  [RC_FINGERPRINT_SHA224] = { "sha-224", 28 },
  [RC_FINGERPRINT_SHA256] = { "sha-256", 32 },
  [RC_FINGERPRINT_SHA384] = { "sha-384", 48 },
  [RC_FINGERPRINT_SHA512] = { "sha-512", 64 },
};

const char *
rc_fingerprint_hash_name (RcFingerprintHash hash)
{
  g_return_val_if_fail (hash < RC_FINGERPRINT_N_HASHES, NULL);
  return hashes[hash].name;
}

gsize
rc_fingerprint_hash_len (RcFingerprintHash hash)
{
  g_return_val_if_fail (hash < RC_FINGERPRINT_N_HASHES, 0);
  return hashes[hash].len;
}

RcFingerprintResult
rc_fingerprint_parse (const char *fingerprint, RcFingerprintHash * hash,
    guint8 digest[RC_FINGERPRINT_MAX_DIGEST])
{
  const char *space = fingerprint ? strchr (fingerprint, ' ') : NULL;
  gint h = -1;

  for (guint i = 0; space != NULL && i < G_N_ELEMENTS (hashes); i++)
    if ((gsize) (space - fingerprint) == strlen (hashes[i].name)
        && g_ascii_strncasecmp (fingerprint, hashes[i].name,
            (gsize) (space - fingerprint)) == 0)
      h = (gint) i;
  if (h < 0)
    return RC_FINGERPRINT_BAD_HASH;
  *hash = (RcFingerprintHash) h;
  for (gsize i = 0; i < hashes[h].len; i++) {
    const char *pair = space + 1 + 3 * i;

    if (!g_ascii_isxdigit (pair[0]) || !g_ascii_isxdigit (pair[1])
        || pair[2] != (i + 1 < hashes[h].len ? ':' : '\0'))
      return RC_FINGERPRINT_BAD_DIGEST;
    digest[i] = (guint8) (g_ascii_xdigit_value (pair[0]) << 4 |
        g_ascii_xdigit_value (pair[1]));
  }
  return RC_FINGERPRINT_OK;
}
