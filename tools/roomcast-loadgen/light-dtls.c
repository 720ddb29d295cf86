/* roomcast-loadgen: the light listeners' DTLS client; see light-dtls.h. */
#include "light-dtls.h"

#include <string.h>

#include <gio/gio.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define MTU 1200
#define EXPORT_LABEL "EXTRACTOR-dtls_srtp"

struct _LightDtls {
  SSL *ssl;
  BIO *rbio, *wbio; /* owned by @ssl */
  LightDtlsSendFunc send;
  gpointer user_data;
  const EVP_MD *md; /* of the remote fingerprint */
  guint8 expected[EVP_MAX_MD_SIZE];
  guint expected_len;
  LightDtlsState state;
  char *error;
  RcSrtpProfile profile;
  guint8 keys[2 * (16 + 14)]; /* the longest: AES_CM_128's key and salt */
};

static struct {
  SSL_CTX *ctx;
  char *fingerprint;
  char *error;
} G;

static char *
openssl_error (const char *what)
{
  char buf[256] = "";
  unsigned long e = ERR_get_error ();

  if (e)
    ERR_error_string_n (e, buf, sizeof buf);
  ERR_clear_error ();
  return g_strdup_printf ("%s%s%s", what, e ? ": " : "", buf);
}

/* The server's certificate is self-signed: the fingerprint check after the
 * handshake is what authenticates it. */
static int
accept_any (int ok, X509_STORE_CTX *store)
{
  return 1;
}

static char *
make_ctx (void)
{
  g_autoptr (GString) fp = g_string_new ("sha-256 ");
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *cert = X509_new ();
  X509_NAME *name;
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;

  if (key == NULL || cert == NULL)
    goto fail;
  X509_set_version (cert, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (cert), (long) g_random_int_range (1, G_MAXINT32));
  X509_gmtime_adj (X509_getm_notBefore (cert), -86400);
  X509_gmtime_adj (X509_getm_notAfter (cert), 30L * 86400);
  X509_set_pubkey (cert, key);
  name = X509_get_subject_name (cert);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const guint8 *) "roomcast-loadgen", -1,
                              -1, 0);
  X509_set_issuer_name (cert, name);
  if (!X509_sign (cert, key, EVP_sha256 ()) || !X509_digest (cert, EVP_sha256 (), md, &md_len))
    goto fail;
  G.ctx = SSL_CTX_new (DTLS_client_method ());
  if (G.ctx == NULL || !SSL_CTX_set_min_proto_version (G.ctx, DTLS1_2_VERSION) ||
      !SSL_CTX_use_certificate (G.ctx, cert) || !SSL_CTX_use_PrivateKey (G.ctx, key) ||
      SSL_CTX_set_tlsext_use_srtp (G.ctx, "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM") != 0)
    goto fail;
  SSL_CTX_set_verify (G.ctx, SSL_VERIFY_PEER, accept_any);
  SSL_CTX_set_read_ahead (G.ctx, 1);
  for (unsigned int i = 0; i < md_len; i++)
    g_string_append_printf (fp, i ? ":%02X" : "%02X", md[i]);
  G.fingerprint = g_string_free (g_steal_pointer (&fp), FALSE);
  X509_free (cert);
  EVP_PKEY_free (key);
  return NULL;

fail:
  g_clear_pointer (&G.ctx, SSL_CTX_free);
  X509_free (cert);
  EVP_PKEY_free (key);
  return openssl_error ("cannot make the DTLS certificate");
}

const char *
light_dtls_local_fingerprint (GError **error)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    G.error = make_ctx ();
    g_once_init_leave (&once, 1);
  }
  if (G.error)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, G.error);
  return G.fingerprint;
}

/* "sha-256 AB:CD:…" → digest and its bytes. */
static gboolean
parse_fingerprint (LightDtls *self, const char *text, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text ? text : "", " ", 2);
  g_auto (GStrv) bytes = NULL;
  g_autofree char *hash = NULL;
  guint n;

  if (g_strv_length (parts) != 2)
    goto bad;
  hash = g_ascii_strdown (parts[0], -1);
  self->md = g_str_equal (hash, "sha-1")     ? EVP_sha1 ()
             : g_str_equal (hash, "sha-224") ? EVP_sha224 ()
             : g_str_equal (hash, "sha-256") ? EVP_sha256 ()
             : g_str_equal (hash, "sha-384") ? EVP_sha384 ()
             : g_str_equal (hash, "sha-512") ? EVP_sha512 ()
                                             : NULL;
  bytes = g_strsplit (g_strstrip (parts[1]), ":", -1);
  n = g_strv_length (bytes);
  if (self->md == NULL || n != (guint) EVP_MD_get_size (self->md))
    goto bad;
  for (guint i = 0; i < n; i++) {
    int hi = g_ascii_xdigit_value (bytes[i][0]),
        lo = hi < 0 ? -1 : g_ascii_xdigit_value (bytes[i][1]);
    if (lo < 0 || bytes[i][2] != '\0')
      goto bad;
    self->expected[i] = hi << 4 | lo;
  }
  self->expected_len = n;
  return TRUE;
bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad a=fingerprint \"%s\"",
               text ? text : "");
  return FALSE;
}

LightDtls *
light_dtls_new (const char *remote_fingerprint, LightDtlsSendFunc send, gpointer user_data,
                GError **error)
{
  LightDtls *self;

  if (light_dtls_local_fingerprint (error) == NULL)
    return NULL;
  self = g_new0 (LightDtls, 1);
  if (!parse_fingerprint (self, remote_fingerprint, error)) {
    g_free (self);
    return NULL;
  }
  self->send = send;
  self->user_data = user_data;
  self->ssl = SSL_new (G.ctx);
  self->rbio = BIO_new (BIO_s_mem ());
  self->wbio = BIO_new (BIO_s_mem ());
  BIO_set_mem_eof_return (self->rbio, -1);
  BIO_set_mem_eof_return (self->wbio, -1);
  SSL_set_bio (self->ssl, self->rbio, self->wbio);
  SSL_set_options (self->ssl, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu (self->ssl, MTU);
  DTLS_set_link_mtu (self->ssl, MTU);
  SSL_set_connect_state (self->ssl);
  return self;
}

void
light_dtls_free (LightDtls *self)
{
  if (self == NULL)
    return;
  SSL_free (self->ssl);
  g_free (self->error);
  memset (self->keys, 0, sizeof self->keys);
  g_free (self);
}

static LightDtlsState
fail (LightDtls *self, char *why)
{
  if (self->state != LIGHT_DTLS_FAILED) {
    self->state = LIGHT_DTLS_FAILED;
    self->error = why;
  } else {
    g_free (why);
  }
  return self->state;
}

/* Whatever OpenSSL wrote: one datagram (a flight's records fit in the MTU). */
static void
flush (LightDtls *self)
{
  char *data;
  long len = BIO_get_mem_data (self->wbio, &data);

  if (len > 0)
    self->send ((const guint8 *) data, len, self->user_data);
  (void) BIO_reset (self->wbio);
}

static LightDtlsState
finish (LightDtls *self)
{
  X509 *peer = SSL_get1_peer_certificate (self->ssl);
  SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile (self->ssl);
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  gboolean same;

  if (peer == NULL)
    return fail (self, g_strdup ("DTLS: the server sent no certificate"));
  same = X509_digest (peer, self->md, md, &md_len) && md_len == self->expected_len &&
         memcmp (md, self->expected, md_len) == 0;
  X509_free (peer);
  if (!same)
    return fail (self,
                 g_strdup ("DTLS: the server's certificate is not the offer's fingerprint"));
  if (p == NULL || (p->id != SRTP_AES128_CM_SHA1_80 && p->id != SRTP_AEAD_AES_128_GCM))
    return fail (self, g_strdup ("DTLS: no SRTP profile negotiated"));
  self->profile = p->id == SRTP_AES128_CM_SHA1_80 ? RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80
                                                  : RC_SRTP_PROFILE_AEAD_AES_128_GCM;
  if (SSL_export_keying_material (self->ssl, self->keys,
                                  2 * (rc_srtp_profile_key_length (self->profile) +
                                       rc_srtp_profile_salt_length (self->profile)),
                                  EXPORT_LABEL, strlen (EXPORT_LABEL), NULL, 0, 0) != 1)
    return fail (self, openssl_error ("DTLS: key export"));
  self->state = LIGHT_DTLS_CONNECTED;
  return self->state;
}

static LightDtlsState
step (LightDtls *self)
{
  int r;

  if (self->state != LIGHT_DTLS_HANDSHAKING)
    return self->state;
  r = SSL_do_handshake (self->ssl);
  flush (self);
  if (r == 1)
    return finish (self);
  switch (SSL_get_error (self->ssl, r)) {
  case SSL_ERROR_WANT_READ:
  case SSL_ERROR_WANT_WRITE:
    return self->state;
  default:
    return fail (self, openssl_error ("DTLS handshake"));
  }
}

LightDtlsState
light_dtls_start (LightDtls *self)
{
  return step (self);
}

LightDtlsState
light_dtls_receive (LightDtls *self, const guint8 *data, gsize len)
{
  if (self->state != LIGHT_DTLS_HANDSHAKING)
    return self->state; /* a retransmitted last flight: nothing to do */
  BIO_write (self->rbio, data, (int) len);
  return step (self);
}

LightDtlsState
light_dtls_tick (LightDtls *self)
{
  if (self->state == LIGHT_DTLS_HANDSHAKING && DTLSv1_handle_timeout (self->ssl) > 0)
    flush (self);
  return self->state;
}

const char *
light_dtls_get_error (LightDtls *self)
{
  return self->error;
}

/* RFC 5764 4.2: client key, server key, client salt, server salt. */
static gboolean
get_keys (LightDtls *self, gboolean server, RcSrtpProfile *profile, const guint8 **key,
          const guint8 **salt)
{
  gsize k, s;

  if (self->state != LIGHT_DTLS_CONNECTED)
    return FALSE;
  k = rc_srtp_profile_key_length (self->profile);
  s = rc_srtp_profile_salt_length (self->profile);
  *profile = self->profile;
  *key = self->keys + (server ? k : 0);
  *salt = self->keys + 2 * k + (server ? s : 0);
  return TRUE;
}

gboolean
light_dtls_get_remote_keys (LightDtls *self, RcSrtpProfile *profile, const guint8 **key,
                            const guint8 **salt)
{
  return get_keys (self, TRUE, profile, key, salt);
}

gboolean
light_dtls_get_local_keys (LightDtls *self, RcSrtpProfile *profile, const guint8 **key,
                           const guint8 **salt)
{
  return get_keys (self, FALSE, profile, key, salt);
}
