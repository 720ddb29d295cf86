/* roomcast: DTLS 1.2 for DTLS-SRTP (RFC 5763/5764) on OpenSSL
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "icelite-dtls.h"
#include "icelite-fingerprint.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

G_DEFINE_QUARK (rc-dtls-error-quark, rc_dtls_error)

/* Preferred first: GCM costs less per packet (tools/bench-srtp); the
 * server picks from its own order among what the client offers. */
#define SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
#define DTLS_MTU 1200
/* First retransmission after 400 ms, then doubling (OpenSSL's default
 * starts at 1 s: a lost first flight would cost a second of join time). */
#define DTLS_INITIAL_TIMEOUT_US 400000
#define SRTP_KEY_LEN 16
#define SRTP_SALT_MAX 14

struct _RcDtlsCertificate {
  gatomicrefcount ref;
  EVP_PKEY *key;
  X509 *x509;
  char *fingerprint;
  SSL_CTX *server_ctx;
  SSL_CTX *client_ctx;
};

struct _RcDtlsEndpoint {
  RcDtlsCertificate *cert;
  gboolean is_server;
  SSL *ssl;
  BIO *rbio;                    /* received datagrams, written by us */
  RcDtlsSendFunc send;
  gpointer user_data;
  RcDtlsState state;
  RcDtlsFailure failure;
  gboolean handshake_done;
  const EVP_MD *remote_md;      /* NULL until the remote fingerprint is known */
  guint8 remote_digest[EVP_MAX_MD_SIZE];
  guint remote_digest_len;
};

/* ---- outgoing datagrams: a BIO that hands every write to send() ---- */

static int
send_bio_write (BIO * bio, const char *data, int len)
{
  RcDtlsEndpoint *ep = BIO_get_data (bio);

  if (len > 0)
    ep->send ((const guint8 *) data, (gsize) len, ep->user_data);
  return len;
}

static long
send_bio_ctrl (BIO * bio, int cmd, long num, void *ptr)
{
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
      return DTLS_MTU;
    default:
      return 0;
  }
}

static int
send_bio_create (BIO * bio)
{
  BIO_set_init (bio, 1);
  return 1;
}

static BIO_METHOD *
send_bio_method (void)
{
  static gsize once = 0;
  static BIO_METHOD *method;

  if (g_once_init_enter (&once)) {
    method = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK,
        "roomcast-dtls-send");
    BIO_meth_set_write (method, send_bio_write);
    BIO_meth_set_ctrl (method, send_bio_ctrl);
    BIO_meth_set_create (method, send_bio_create);
    g_once_init_leave (&once, 1);
  }
  return method;
}

/* ---- certificate ---- */

/* The peer's certificate is self-signed: accept it here, check its
 * fingerprint against the SDP once the handshake is done. */
static int
accept_any_certificate (int preverify_ok, X509_STORE_CTX * store)
{
  return 1;
}

static SSL_CTX *
make_ssl_ctx (RcDtlsCertificate * cert, gboolean is_server)
{
  SSL_CTX *ctx = SSL_CTX_new (is_server ? DTLS_server_method () :
      DTLS_client_method ());

  if (ctx == NULL)
    return NULL;
  if (SSL_CTX_set_min_proto_version (ctx, DTLS1_2_VERSION) != 1
      || SSL_CTX_use_certificate (ctx, cert->x509) != 1
      || SSL_CTX_use_PrivateKey (ctx, cert->key) != 1
      /* returns 0 on success */
      || SSL_CTX_set_tlsext_use_srtp (ctx, SRTP_PROFILES) != 0) {
    SSL_CTX_free (ctx);
    return NULL;
  }
  SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
      accept_any_certificate);
  /* after the handshake an association is idle: give its buffers back */
  SSL_CTX_set_mode (ctx, SSL_MODE_RELEASE_BUFFERS);
  return ctx;
}

static char *
format_fingerprint (const guint8 * md, guint len)
{
  GString *s = g_string_new ("sha-256 ");

  for (guint i = 0; i < len; i++)
    g_string_append_printf (s, i ? ":%02X" : "%02X", md[i]);
  return g_string_free (s, FALSE);
}

RcDtlsCertificate *
rc_dtls_certificate_new (GError ** error)
{
  g_autoptr (RcDtlsCertificate) cert = g_new0 (RcDtlsCertificate, 1);
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  X509_NAME *name;

  g_atomic_ref_count_init (&cert->ref);
  cert->key = EVP_EC_gen ("P-256");
  cert->x509 = X509_new ();
  if (cert->key == NULL || cert->x509 == NULL)
    goto fail;
  name = X509_get_subject_name (cert->x509);
  if (X509_set_version (cert->x509, 2) != 1
      || ASN1_INTEGER_set_uint64 (X509_get_serialNumber (cert->x509),
          g_random_int ()) != 1
      || X509_gmtime_adj (X509_getm_notBefore (cert->x509), -86400) == NULL
      || X509_gmtime_adj (X509_getm_notAfter (cert->x509),
          365L * 86400) == NULL
      || X509_set_pubkey (cert->x509, cert->key) != 1
      || X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC,
          (const unsigned char *) "roomcast", -1, -1, 0) != 1
      || X509_set_issuer_name (cert->x509, name) != 1
      || X509_sign (cert->x509, cert->key, EVP_sha256 ()) == 0
      || X509_digest (cert->x509, EVP_sha256 (), md, &md_len) != 1)
    goto fail;
  cert->fingerprint = format_fingerprint (md, md_len);
  cert->server_ctx = make_ssl_ctx (cert, TRUE);
  cert->client_ctx = make_ssl_ctx (cert, FALSE);
  if (cert->server_ctx == NULL || cert->client_ctx == NULL)
    goto fail;
  return g_steal_pointer (&cert);

fail:
  {
    char reason[256] = "";
    ERR_error_string_n (ERR_get_error (), reason, sizeof reason);
    g_set_error (error, RC_DTLS_ERROR, RC_DTLS_ERROR_CERTIFICATE,
        "could not make the DTLS certificate: %s", reason);
  }
  return NULL;
}

RcDtlsCertificate *
rc_dtls_certificate_ref (RcDtlsCertificate * cert)
{
  g_atomic_ref_count_inc (&cert->ref);
  return cert;
}

void
rc_dtls_certificate_unref (RcDtlsCertificate * cert)
{
  if (cert == NULL || !g_atomic_ref_count_dec (&cert->ref))
    return;
  SSL_CTX_free (cert->server_ctx);
  SSL_CTX_free (cert->client_ctx);
  X509_free (cert->x509);
  EVP_PKEY_free (cert->key);
  g_free (cert->fingerprint);
  g_free (cert);
}

const char *
rc_dtls_certificate_get_fingerprint (RcDtlsCertificate * cert)
{
  return cert->fingerprint;
}

/* ---- fingerprints from SDP ---- */

static gboolean
parse_fingerprint (const char *fingerprint, const EVP_MD ** md,
    guint8 * digest, guint * digest_len, GError ** error)
{
  static const char *const openssl_names[RC_FINGERPRINT_N_HASHES] = {
    [RC_FINGERPRINT_SHA1] = "SHA1",[RC_FINGERPRINT_SHA224] = "SHA224",
    [RC_FINGERPRINT_SHA256] = "SHA256",[RC_FINGERPRINT_SHA384] = "SHA384",
    [RC_FINGERPRINT_SHA512] = "SHA512",
  };
  RcFingerprintHash hash;
  guint8 parsed[RC_FINGERPRINT_MAX_DIGEST];

  *md = NULL;
  if (rc_fingerprint_parse (fingerprint, &hash, parsed) == RC_FINGERPRINT_OK)
    *md = EVP_get_digestbyname (openssl_names[hash]);
  if (*md == NULL
      || (gsize) EVP_MD_get_size (*md) != rc_fingerprint_hash_len (hash)) {
    *md = NULL;
    g_set_error (error, RC_DTLS_ERROR, RC_DTLS_ERROR_FINGERPRINT,
        "not a certificate fingerprint (\"sha-256 AB:CD:...\")");
    return FALSE;
  }
  *digest_len = (guint) rc_fingerprint_hash_len (hash);
  memcpy (digest, parsed, *digest_len);
  return TRUE;
}

gboolean
rc_dtls_fingerprint_check_syntax (const char *fingerprint, GError ** error)
{
  const EVP_MD *md;
  guint8 digest[EVP_MAX_MD_SIZE];
  guint len;

  return parse_fingerprint (fingerprint, &md, digest, &len, error);
}

/* ---- endpoint ---- */

static unsigned int
dtls_timer (SSL * ssl, unsigned int timer_us)
{
  return timer_us == 0 ? DTLS_INITIAL_TIMEOUT_US : MIN (timer_us * 2,
      60 * G_USEC_PER_SEC);
}

RcDtlsEndpoint *
rc_dtls_endpoint_new (RcDtlsCertificate * cert, gboolean is_server,
    RcDtlsSendFunc send, gpointer user_data)
{
  RcDtlsEndpoint *ep = g_new0 (RcDtlsEndpoint, 1);
  BIO *wbio;

  ep->cert = rc_dtls_certificate_ref (cert);
  ep->is_server = is_server;
  ep->send = send;
  ep->user_data = user_data;
  ep->ssl = SSL_new (is_server ? cert->server_ctx : cert->client_ctx);
  ep->rbio = BIO_new (BIO_s_mem ());
  wbio = BIO_new (send_bio_method ());
  g_assert (ep->ssl != NULL && ep->rbio != NULL && wbio != NULL);
  BIO_set_mem_eof_return (ep->rbio, -1);
  BIO_set_data (wbio, ep);
  SSL_set_bio (ep->ssl, ep->rbio, wbio);
  SSL_set_options (ep->ssl, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu (ep->ssl, DTLS_MTU);
  DTLS_set_timer_cb (ep->ssl, dtls_timer);
  if (is_server)
    SSL_set_accept_state (ep->ssl);
  else
    SSL_set_connect_state (ep->ssl);
  return ep;
}

void
rc_dtls_endpoint_free (RcDtlsEndpoint * ep)
{
  if (ep == NULL)
    return;
  SSL_free (ep->ssl);           /* frees both BIOs */
  rc_dtls_certificate_unref (ep->cert);
  g_free (ep);
}

static RcDtlsState
fail (RcDtlsEndpoint * ep, RcDtlsFailure failure)
{
  ep->state = RC_DTLS_STATE_FAILED;
  ep->failure = failure;
  ERR_clear_error ();
  return ep->state;
}

/* Both the handshake and the remote fingerprint are in: compare. */
static RcDtlsState
verify_peer (RcDtlsEndpoint * ep)
{
  X509 *peer;
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  gboolean match;

  if (!ep->handshake_done || ep->remote_md == NULL
      || ep->state != RC_DTLS_STATE_HANDSHAKING)
    return ep->state;
  peer = SSL_get1_peer_certificate (ep->ssl);
  if (peer == NULL)
    return fail (ep, RC_DTLS_FAILURE_HANDSHAKE);
  match = X509_digest (peer, ep->remote_md, md, &md_len) == 1
      && md_len == ep->remote_digest_len
      && CRYPTO_memcmp (md, ep->remote_digest, md_len) == 0;
  X509_free (peer);
  if (!match)
    return fail (ep, RC_DTLS_FAILURE_FINGERPRINT);
  if (SSL_get_selected_srtp_profile (ep->ssl) == NULL)
    return fail (ep, RC_DTLS_FAILURE_HANDSHAKE);
  ep->state = RC_DTLS_STATE_CONNECTED;
  return ep->state;
}

RcDtlsState
rc_dtls_endpoint_set_remote_fingerprint (RcDtlsEndpoint * ep,
    const char *fingerprint)
{
  if (!parse_fingerprint (fingerprint, &ep->remote_md, ep->remote_digest,
          &ep->remote_digest_len, NULL)) {
    ep->remote_md = NULL;
    return fail (ep, RC_DTLS_FAILURE_FINGERPRINT);
  }
  return verify_peer (ep);
}

static RcDtlsState
drive_handshake (RcDtlsEndpoint * ep)
{
  int r = SSL_do_handshake (ep->ssl);

  if (r == 1) {
    ep->handshake_done = TRUE;
    return verify_peer (ep);
  }
  switch (SSL_get_error (ep->ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return ep->state;
    default:
      return fail (ep, RC_DTLS_FAILURE_HANDSHAKE);
  }
}

RcDtlsState
rc_dtls_endpoint_start (RcDtlsEndpoint * ep)
{
  if (ep->state != RC_DTLS_STATE_NEW)
    return ep->state;
  ep->state = RC_DTLS_STATE_HANDSHAKING;
  return drive_handshake (ep);
}

RcDtlsState
rc_dtls_endpoint_handle_datagram (RcDtlsEndpoint * ep, const guint8 * data,
    gsize len)
{
  if (ep->state == RC_DTLS_STATE_FAILED || ep->state == RC_DTLS_STATE_CLOSED
      || len == 0 || len > G_MAXINT)
    return ep->state;
  if (ep->state == RC_DTLS_STATE_NEW)
    ep->state = RC_DTLS_STATE_HANDSHAKING;
  BIO_write (ep->rbio, data, (int) len);
  if (!ep->handshake_done)
    return drive_handshake (ep);

  /* After the handshake: a retransmitted final flight (OpenSSL answers
   * it), an alert, or application data (there is none in DTLS-SRTP). */
  for (;;) {
    guint8 sink[256];
    int r = SSL_read (ep->ssl, sink, sizeof sink);
    if (r > 0)
      continue;
    switch (SSL_get_error (ep->ssl, r)) {
      case SSL_ERROR_ZERO_RETURN:
        ep->state = RC_DTLS_STATE_CLOSED;
        return ep->state;
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        return ep->state;
      default:
        ERR_clear_error ();
        return ep->state;
    }
  }
}

gint64
rc_dtls_endpoint_get_deadline (RcDtlsEndpoint * ep)
{
  struct timeval tv;

  if (ep->state != RC_DTLS_STATE_HANDSHAKING || ep->handshake_done
      || DTLSv1_get_timeout (ep->ssl, &tv) != 1)
    return -1;
  return g_get_monotonic_time () + tv.tv_sec * G_USEC_PER_SEC + tv.tv_usec;
}

RcDtlsState
rc_dtls_endpoint_handle_timeout (RcDtlsEndpoint * ep)
{
  if (ep->state != RC_DTLS_STATE_HANDSHAKING || ep->handshake_done)
    return ep->state;
  if (DTLSv1_handle_timeout (ep->ssl) < 0)
    return fail (ep, RC_DTLS_FAILURE_HANDSHAKE);
  return ep->state;
}

RcDtlsState
rc_dtls_endpoint_get_state (RcDtlsEndpoint * ep)
{
  return ep->state;
}

RcDtlsFailure
rc_dtls_endpoint_get_failure (RcDtlsEndpoint * ep)
{
  return ep->failure;
}

const char *
rc_dtls_failure_to_string (RcDtlsFailure failure)
{
  switch (failure) {
    case RC_DTLS_FAILURE_NONE:
      return "none";
    case RC_DTLS_FAILURE_HANDSHAKE:
      return "dtls_failed";
    case RC_DTLS_FAILURE_FINGERPRINT:
      return "fingerprint_mismatch";
  }
  return "dtls_failed";
}

gboolean
rc_dtls_endpoint_get_srtp_keys (RcDtlsEndpoint * ep, RcSrtpProfile * profile,
    guint8 * local_key, guint8 * local_salt, guint8 * remote_key,
    guint8 * remote_salt)
{
  const SRTP_PROTECTION_PROFILE *p;
  guint8 material[2 * (SRTP_KEY_LEN + SRTP_SALT_MAX)];
  gsize salt_len;
  const guint8 *client_key, *server_key, *client_salt, *server_salt;
  static const char label[] = "EXTRACTOR-dtls_srtp";

  if (ep->state != RC_DTLS_STATE_CONNECTED)
    return FALSE;
  p = SSL_get_selected_srtp_profile (ep->ssl);
  if (p == NULL)
    return FALSE;
  switch (p->id) {
    case SRTP_AES128_CM_SHA1_80:
      *profile = RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80;
      break;
    case SRTP_AEAD_AES_128_GCM:
      *profile = RC_SRTP_PROFILE_AEAD_AES_128_GCM;
      break;
    default:
      return FALSE;
  }
  salt_len = rc_srtp_profile_salt_length (*profile);
  if (SSL_export_keying_material (ep->ssl, material,
          2 * (SRTP_KEY_LEN + salt_len), label, sizeof label - 1, NULL, 0,
          0) != 1)
    return FALSE;
  /* RFC 5764 §4.2: client key, server key, client salt, server salt */
  client_key = material;
  server_key = material + SRTP_KEY_LEN;
  client_salt = material + 2 * SRTP_KEY_LEN;
  server_salt = client_salt + salt_len;
  memcpy (local_key, ep->is_server ? server_key : client_key, SRTP_KEY_LEN);
  memcpy (remote_key, ep->is_server ? client_key : server_key, SRTP_KEY_LEN);
  memcpy (local_salt, ep->is_server ? server_salt : client_salt, salt_len);
  memcpy (remote_salt, ep->is_server ? client_salt : server_salt, salt_len);
  OPENSSL_cleanse (material, sizeof material);
  return TRUE;
}
