/* roomcast: loading TLS_CERT_FILE and TLS_KEY_FILE; see config-tls.h. */
#include "config-tls.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

/* Whether this process may read @path, in our words (GLib's would be
 * "Failed to open file …" after the setting's name and the path). */
static gboolean
check_readable (const char *setting, const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    g_set_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_INVALID, "%s: '%s' cannot be read: %s",
                 setting, path, g_strerror (saved));
    return FALSE;
  }
  close (fd);
  return TRUE;
}

/* GLib loads a key whatever certificate it comes with; a key that is not
 * the certificate's would fail every handshake. GnuTLS (glib-networking's
 * backend) compares them when both are given to a credentials set. */
static gboolean
key_matches (GTlsCertificate *certificate, int *gnutls_error)
{
  g_autofree char *cert_pem = NULL;
  char *key_pem = NULL;
  gnutls_certificate_credentials_t credentials;
  int ret;

  g_object_get (certificate, "certificate-pem", &cert_pem, "private-key-pem", &key_pem, NULL);
  if (cert_pem == NULL || key_pem == NULL) {
    g_free (key_pem);
    return TRUE; /* nothing to compare: the backend's own load said enough */
  }
  ret = gnutls_certificate_allocate_credentials (&credentials);
  if (ret == GNUTLS_E_SUCCESS) {
    gnutls_datum_t cert = { (unsigned char *) cert_pem, (unsigned int) strlen (cert_pem) };
    gnutls_datum_t key = { (unsigned char *) key_pem, (unsigned int) strlen (key_pem) };
    ret = gnutls_certificate_set_x509_key_mem2 (credentials, &cert, &key, GNUTLS_X509_FMT_PEM,
                                                NULL, 0);
    gnutls_certificate_free_credentials (credentials);
  }
  explicit_bzero (key_pem, strlen (key_pem));
  g_free (key_pem);
  *gnutls_error = ret;
  return ret != GNUTLS_E_CERTIFICATE_KEY_MISMATCH;
}

GTlsCertificate *
rc_config_load_tls_certificate (const char *cert_file, const char *key_file, GError **error)
{
  g_return_val_if_fail (cert_file != NULL && key_file != NULL, NULL);
  g_autoptr (GError) local = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ())) {
    g_set_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_INVALID,
                 "TLS_CERT_FILE: serving TLS needs GLib's TLS backend (the Debian package "
                 "glib-networking), which is not installed");
    return NULL;
  }
  if (!check_readable ("TLS_CERT_FILE", cert_file, error) ||
      !check_readable ("TLS_KEY_FILE", key_file, error))
    return NULL;

  /* The certificate alone first, so that an error names the right file. */
  g_autoptr (GTlsCertificate) alone = g_tls_certificate_new_from_file (cert_file, &local);
  if (alone == NULL) {
    g_set_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_INVALID,
                 "TLS_CERT_FILE: '%s' holds no usable PEM certificate (%s)", cert_file,
                 local->message);
    return NULL;
  }
  g_autoptr (GTlsCertificate)
    certificate = g_tls_certificate_new_from_files (cert_file, key_file, &local);
  if (certificate == NULL) {
    g_set_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_INVALID,
                 "TLS_KEY_FILE: '%s' holds no usable private key (%s; it must be PEM and "
                 "not encrypted)",
                 key_file, local->message);
    return NULL;
  }
  int gnutls_error = 0;
  if (!key_matches (certificate, &gnutls_error)) {
    g_set_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_INVALID,
                 "TLS_KEY_FILE: '%s' is not the private key of the certificate in '%s' "
                 "(TLS_CERT_FILE)",
                 key_file, cert_file);
    return NULL;
  }
  if (gnutls_error < 0) {
    g_set_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_INVALID,
                 "TLS_CERT_FILE: '%s' with the key in '%s' cannot be used: %s", cert_file,
                 key_file, gnutls_strerror (gnutls_error));
    return NULL;
  }
  return g_steal_pointer (&certificate);
}

void
rc_config_tls_set_priority (void)
{
  g_setenv ("G_TLS_GNUTLS_PRIORITY", RC_TLS_PRIORITY, FALSE);
}

char *
rc_config_tls_fingerprint (GTlsCertificate *certificate)
{
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);
  g_autoptr (GByteArray) der = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  GString *out = g_string_new (NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der != NULL)
    g_checksum_update (sum, der->data, der->len);
  g_checksum_get_digest (sum, digest, &len);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%s%02X", i ? ":" : "", digest[i]);
  return g_string_free (out, FALSE);
}
