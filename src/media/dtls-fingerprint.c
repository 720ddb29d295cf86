/* roomcast: DTLS certificate fingerprints; see dtls-fingerprint.h. */
#include "media/dtls-fingerprint.h"
#include "icelite-fingerprint.h"
#include "media/media-sdp.h"

#include <string.h>

/* The hash functions GLib can verify, weakest first (the index is the
 * preference); sha-224 has no GChecksumType. */
static const struct {
  RcFingerprintHash hash;
  GChecksumType type;
} hashes[] = {
  { RC_FINGERPRINT_SHA1, G_CHECKSUM_SHA1 },
  { RC_FINGERPRINT_SHA256, G_CHECKSUM_SHA256 },
  { RC_FINGERPRINT_SHA384, G_CHECKSUM_SHA384 },
  { RC_FINGERPRINT_SHA512, G_CHECKSUM_SHA512 },
};

/* Parses @value (plugins/icelite's parser) into its hash's index in
 * hashes[] and digest; -1 with @error when it is not a fingerprint we can
 * verify. */
static gint
parse (const char *value, guint8 *digest, GError **error)
{
  RcFingerprintHash hash = RC_FINGERPRINT_N_HASHES;
  RcFingerprintResult result = rc_fingerprint_parse (value, &hash, digest);
  gint h = -1;

  for (guint i = 0; i < G_N_ELEMENTS (hashes); i++)
    if (hashes[i].hash == hash)
      h = (gint) i;
  if (h < 0) {
    g_set_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID,
                 "sdp: a=fingerprint: the hash function must be sha-1, sha-256, sha-384 or "
                 "sha-512");
    return -1;
  }
  if (result != RC_FINGERPRINT_OK) {
    g_set_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID,
                 "sdp: a=fingerprint is not a hex fingerprint of %s (%" G_GSIZE_FORMAT
                 " bytes as XX:XX:...)",
                 rc_fingerprint_hash_name (hash), rc_fingerprint_hash_len (hash));
    return -1;
  }
  return h;
}

gboolean
rc_dtls_fingerprint_check (const char *value, GError **error)
{
  guint8 digest[RC_FINGERPRINT_MAX_DIGEST];

  g_return_val_if_fail (value != NULL, FALSE);
  return parse (value, digest, error) >= 0;
}

GStrv
rc_dtls_fingerprints_of (const GstSDPMessage *sdp, guint media_index)
{
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();
  const GstSDPMedia *media;
  guint n = 0;

  g_return_val_if_fail (sdp != NULL, NULL);
  media = gst_sdp_message_get_media (sdp, media_index);
  for (guint i = 0; media && i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    if (g_strcmp0 (a->key, "fingerprint") == 0 && a->value != NULL) {
      g_strv_builder_add (out, a->value);
      n++;
    }
  }
  for (guint i = 0; n == 0 && i < gst_sdp_message_attributes_len (sdp); i++) {
    const GstSDPAttribute *a = gst_sdp_message_get_attribute (sdp, i);
    if (g_strcmp0 (a->key, "fingerprint") == 0 && a->value != NULL)
      g_strv_builder_add (out, a->value);
  }
  return g_strv_builder_end (out);
}

/* The DER of the first certificate in @pem, or NULL. */
static GBytes *
pem_to_der (const char *pem)
{
  static const char begin[] = "-----BEGIN CERTIFICATE-----",
                    end[] = "-----END CERTIFICATE-----";
  const char *start = strstr (pem, begin), *stop;
  g_autoptr (GString) base64 = NULL;
  guchar *der;
  gsize len = 0;

  if (start == NULL || (stop = strstr (start, end)) == NULL)
    return NULL;
  base64 = g_string_new_len (start + strlen (begin), stop - start - strlen (begin));
  for (gsize i = 0; i < base64->len;) {
    char c = base64->str[i];
    if (g_ascii_isalnum (c) || c == '+' || c == '/' || c == '=')
      i++;
    else if (g_ascii_isspace (c))
      g_string_erase (base64, i, 1);
    else
      return NULL;
  }
  if (base64->len == 0 || base64->len % 4 != 0)
    return NULL;
  der = g_base64_decode (base64->str, &len);
  if (len == 0) {
    g_free (der);
    return NULL;
  }
  return g_bytes_new_take (der, len);
}

gboolean
rc_dtls_certificate_matches (const char *pem, const char *const *fingerprints)
{
  g_autoptr (GBytes) der = NULL;
  g_autoptr (GChecksum) checksum = NULL;
  guint8 expected[RC_FINGERPRINT_MAX_DIGEST], actual[RC_FINGERPRINT_MAX_DIGEST];
  gsize actual_len = sizeof actual;
  gint strongest = -1;
  gboolean match = FALSE;

  g_return_val_if_fail (pem != NULL, FALSE);
  for (guint i = 0; fingerprints && fingerprints[i]; i++)
    strongest = MAX (strongest, parse (fingerprints[i], expected, NULL));
  if (strongest < 0 || (der = pem_to_der (pem)) == NULL)
    return FALSE;
  checksum = g_checksum_new (hashes[strongest].type);
  g_checksum_update (checksum, g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  g_checksum_get_digest (checksum, actual, &actual_len);
  g_assert (actual_len == rc_fingerprint_hash_len (hashes[strongest].hash));
  for (guint i = 0; fingerprints[i]; i++) {
    guint8 diff = 0;
    if (parse (fingerprints[i], expected, NULL) != strongest)
      continue;
    /* Not secret, but no reason to stop early either. */
    for (gsize b = 0; b < actual_len; b++)
      diff |= expected[b] ^ actual[b];
    match |= diff == 0;
  }
  return match;
}
