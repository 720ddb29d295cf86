/* roomcast tests: DTLS-SRTP handshakes between two RcDtlsEndpoints
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The client end is the same OpenSSL code in client mode with its own
 * certificate; datagrams travel through in-memory queues.
 */
#include <string.h>

#include <glib.h>

#include "icelite-dtls.h"

typedef struct {
  GQueue to_server;
  GQueue to_client;
  guint drop_next_to_server;
} Wire;

static void
send_to_server (const guint8 * data, gsize len, gpointer user_data)
{
  Wire *wire = user_data;
  if (wire->drop_next_to_server > 0) {
    wire->drop_next_to_server--;
    return;
  }
  g_queue_push_tail (&wire->to_server, g_bytes_new (data, len));
}

static void
send_to_client (const guint8 * data, gsize len, gpointer user_data)
{
  Wire *wire = user_data;
  g_queue_push_tail (&((Wire *) wire)->to_client, g_bytes_new (data, len));
}

static gboolean
settled (RcDtlsEndpoint * ep)
{
  RcDtlsState s = rc_dtls_endpoint_get_state (ep);
  return s == RC_DTLS_STATE_CONNECTED || s == RC_DTLS_STATE_FAILED;
}

/* Delivers datagrams both ways (and fires retransmission timers when the
 * wire is idle) until neither side has anything left to say. */
static void
pump (Wire * wire, RcDtlsEndpoint * server, RcDtlsEndpoint * client)
{
  for (guint round = 0; round < 200; round++) {
    GBytes *b;
    gboolean moved = FALSE;
    while ((b = g_queue_pop_head (&wire->to_server))) {
      gsize n;
      const guint8 *d = g_bytes_get_data (b, &n);
      rc_dtls_endpoint_handle_datagram (server, d, n);
      g_bytes_unref (b);
      moved = TRUE;
    }
    while ((b = g_queue_pop_head (&wire->to_client))) {
      gsize n;
      const guint8 *d = g_bytes_get_data (b, &n);
      rc_dtls_endpoint_handle_datagram (client, d, n);
      g_bytes_unref (b);
      moved = TRUE;
    }
    if (moved)
      continue;
    if (settled (server) && settled (client))
      return;
    /* idle: wait for the client's retransmission deadline */
    {
      gint64 deadline = rc_dtls_endpoint_get_deadline (client);
      if (deadline < 0)
        return;
      while (g_get_monotonic_time () < deadline)
        g_usleep (10000);
      rc_dtls_endpoint_handle_timeout (client);
    }
  }
}

typedef struct {
  Wire wire;
  RcDtlsCertificate *server_cert;
  RcDtlsCertificate *client_cert;
  RcDtlsEndpoint *server;
  RcDtlsEndpoint *client;
} Fixture;

static void
fixture_setup (Fixture * f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  memset (f, 0, sizeof *f);
  g_queue_init (&f->wire.to_server);
  g_queue_init (&f->wire.to_client);
  f->server_cert = rc_dtls_certificate_new (&error);
  g_assert_no_error (error);
  f->client_cert = rc_dtls_certificate_new (&error);
  g_assert_no_error (error);
  f->server = rc_dtls_endpoint_new (f->server_cert, TRUE, send_to_client,
      &f->wire);
  f->client = rc_dtls_endpoint_new (f->client_cert, FALSE, send_to_server,
      &f->wire);
}

static void
fixture_teardown (Fixture * f, gconstpointer data)
{
  rc_dtls_endpoint_free (f->server);
  rc_dtls_endpoint_free (f->client);
  rc_dtls_certificate_unref (f->server_cert);
  rc_dtls_certificate_unref (f->client_cert);
  g_queue_clear_full (&f->wire.to_server, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&f->wire.to_client, (GDestroyNotify) g_bytes_unref);
}

static void
assert_same_keys (Fixture * f)
{
  RcSrtpProfile sp, cp;
  guint8 s_local_key[16], s_local_salt[14], s_remote_key[16],
      s_remote_salt[14];
  guint8 c_local_key[16], c_local_salt[14], c_remote_key[16],
      c_remote_salt[14];
  gsize salt_len;

  g_assert_true (rc_dtls_endpoint_get_srtp_keys (f->server, &sp, s_local_key,
          s_local_salt, s_remote_key, s_remote_salt));
  g_assert_true (rc_dtls_endpoint_get_srtp_keys (f->client, &cp, c_local_key,
          c_local_salt, c_remote_key, c_remote_salt));
  g_assert_cmpint (sp, ==, cp);
  salt_len = rc_srtp_profile_salt_length (sp);
  g_assert_cmpmem (s_local_key, 16, c_remote_key, 16);
  g_assert_cmpmem (s_remote_key, 16, c_local_key, 16);
  g_assert_cmpmem (s_local_salt, salt_len, c_remote_salt, salt_len);
  g_assert_cmpmem (s_remote_salt, salt_len, c_local_salt, salt_len);
  g_assert_true (memcmp (s_local_key, s_remote_key, 16) != 0);
}

static void
test_fingerprint_format (Fixture * f, gconstpointer data)
{
  const char *fp = rc_dtls_certificate_get_fingerprint (f->server_cert);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_str_has_prefix (fp, "sha-256 "));
  g_assert_cmpuint (strlen (fp), ==, 8 + 32 * 3 - 1);
  g_assert_true (rc_dtls_fingerprint_check_syntax (fp, NULL));
  g_assert_false (rc_dtls_fingerprint_check_syntax ("sha-256 AB:CD", &error));
  g_assert_error (error, RC_DTLS_ERROR, RC_DTLS_ERROR_FINGERPRINT);
  g_assert_false (rc_dtls_fingerprint_check_syntax ("md5 AB:CD", NULL));
  g_assert_false (rc_dtls_fingerprint_check_syntax (NULL, NULL));
  g_assert_false (rc_dtls_fingerprint_check_syntax ("sha-256", NULL));
}

/* Matching fingerprints: both ends connect and derive the same keys. */
static void
test_connects (Fixture * f, gconstpointer data)
{
  rc_dtls_endpoint_set_remote_fingerprint (f->server,
      rc_dtls_certificate_get_fingerprint (f->client_cert));
  rc_dtls_endpoint_set_remote_fingerprint (f->client,
      rc_dtls_certificate_get_fingerprint (f->server_cert));
  rc_dtls_endpoint_start (f->client);
  pump (&f->wire, f->server, f->client);
  g_assert_cmpint (rc_dtls_endpoint_get_state (f->server), ==,
      RC_DTLS_STATE_CONNECTED);
  g_assert_cmpint (rc_dtls_endpoint_get_state (f->client), ==,
      RC_DTLS_STATE_CONNECTED);
  assert_same_keys (f);
}

/* The client's certificate is not the one its SDP announced. */
static void
test_fingerprint_mismatch (Fixture * f, gconstpointer data)
{
  g_autoptr (RcDtlsCertificate) other = rc_dtls_certificate_new (NULL);
  guint8 k[16], s[14];
  RcSrtpProfile p;

  rc_dtls_endpoint_set_remote_fingerprint (f->server,
      rc_dtls_certificate_get_fingerprint (other));
  rc_dtls_endpoint_set_remote_fingerprint (f->client,
      rc_dtls_certificate_get_fingerprint (f->server_cert));
  rc_dtls_endpoint_start (f->client);
  pump (&f->wire, f->server, f->client);
  g_assert_cmpint (rc_dtls_endpoint_get_state (f->server), ==,
      RC_DTLS_STATE_FAILED);
  g_assert_cmpstr (rc_dtls_failure_to_string (rc_dtls_endpoint_get_failure
          (f->server)), ==, "fingerprint_mismatch");
  g_assert_false (rc_dtls_endpoint_get_srtp_keys (f->server, &p, k, s, k, s));
}

/* The answer (with the fingerprint) is applied after the handshake. */
static void
test_fingerprint_after_handshake (Fixture * f, gconstpointer data)
{
  rc_dtls_endpoint_set_remote_fingerprint (f->client,
      rc_dtls_certificate_get_fingerprint (f->server_cert));
  rc_dtls_endpoint_start (f->client);
  pump (&f->wire, f->server, f->client);
  g_assert_cmpint (rc_dtls_endpoint_get_state (f->server), ==,
      RC_DTLS_STATE_HANDSHAKING);
  g_assert_cmpint (rc_dtls_endpoint_set_remote_fingerprint (f->server,
          rc_dtls_certificate_get_fingerprint (f->client_cert)), ==,
      RC_DTLS_STATE_CONNECTED);
  assert_same_keys (f);
}

/* A lost ClientHello is retransmitted on the client's timer. */
static void
test_retransmission (Fixture * f, gconstpointer data)
{
  f->wire.drop_next_to_server = 1;
  rc_dtls_endpoint_set_remote_fingerprint (f->server,
      rc_dtls_certificate_get_fingerprint (f->client_cert));
  rc_dtls_endpoint_set_remote_fingerprint (f->client,
      rc_dtls_certificate_get_fingerprint (f->server_cert));
  rc_dtls_endpoint_start (f->client);
  g_assert_cmpint (rc_dtls_endpoint_get_deadline (f->client), >, 0);
  pump (&f->wire, f->server, f->client);
  g_assert_cmpint (rc_dtls_endpoint_get_state (f->server), ==,
      RC_DTLS_STATE_CONNECTED);
  assert_same_keys (f);
}

/* Garbage instead of a ClientHello fails the server, not the process. */
static void
test_garbage (Fixture * f, gconstpointer data)
{
  guint8 junk[64];

  memset (junk, 0x16, sizeof junk);
  rc_dtls_endpoint_handle_datagram (f->server, junk, sizeof junk);
  g_assert_cmpint (rc_dtls_endpoint_get_state (f->server), !=,
      RC_DTLS_STATE_CONNECTED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/icelite/dtls/" path, Fixture, NULL, \
      fixture_setup, fn, fixture_teardown)
  ADD ("fingerprint-format", test_fingerprint_format);
  ADD ("connects", test_connects);
  ADD ("fingerprint-mismatch", test_fingerprint_mismatch);
  ADD ("fingerprint-after-handshake", test_fingerprint_after_handshake);
  ADD ("retransmission", test_retransmission);
  ADD ("garbage", test_garbage);
  return g_test_run ();
}
