/* roomcast tests: a minimal receive-only WebRTC client for icelitesink
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "icelite-test-client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "icelite-dtls.h"
#include "icelite-rtcp.h"

struct _IceliteTestClient {
  int fd;
  struct sockaddr_in server;
  char *username;               /* server_ufrag:client_ufrag */
  char *server_pwd;
  char ufrag[16];
  char pwd[40];
  StunAgent agent;
  RcDtlsCertificate *cert;
  RcDtlsEndpoint *dtls;
  RcSrtpContext *srtp_rx;
  RcSrtpContext *srtp_tx;
  guint sender_reports;
  guint32 own_ssrc;
};

static const uint16_t known_attributes[] = {
  STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
  STUN_ATTRIBUTE_ERROR_CODE, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, 0
};

static void
random_ice_string (char *out, gsize n)
{
  static const char chars[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
  for (gsize i = 0; i < n; i++)
    out[i] = chars[g_random_int_range (0, 64)];
  out[n] = '\0';
}

static void
dtls_send (const guint8 * data, gsize len, gpointer user_data)
{
  IceliteTestClient *c = user_data;
  (void) sendto (c->fd, data, len, 0, (struct sockaddr *) &c->server,
      sizeof c->server);
}

IceliteTestClient *
icelite_test_client_new (guint server_port, const char *server_ufrag,
    const char *server_pwd)
{
  IceliteTestClient *c = g_new0 (IceliteTestClient, 1);
  struct sockaddr_in local = { 0 };

  c->fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (c->fd, >=, 0);
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (c->fd, (struct sockaddr *) &local, sizeof local), ==,
      0);
  c->server.sin_family = AF_INET;
  c->server.sin_port = htons (server_port);
  c->server.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  random_ice_string (c->ufrag, 8);
  random_ice_string (c->pwd, 24);
  c->username = g_strdup_printf ("%s:%s", server_ufrag, c->ufrag);
  c->server_pwd = g_strdup (server_pwd);
  c->own_ssrc = g_random_int ();
  stun_agent_init (&c->agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
      STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
      STUN_AGENT_USAGE_USE_FINGERPRINT);
  c->cert = rc_dtls_certificate_new (NULL);
  g_assert_nonnull (c->cert);
  c->dtls = rc_dtls_endpoint_new (c->cert, FALSE, dtls_send, c);
  return c;
}

void
icelite_test_client_free (IceliteTestClient * c)
{
  if (c == NULL)
    return;
  rc_dtls_endpoint_free (c->dtls);
  rc_dtls_certificate_unref (c->cert);
  rc_srtp_context_free (c->srtp_rx);
  rc_srtp_context_free (c->srtp_tx);
  close (c->fd);
  g_free (c->username);
  g_free (c->server_pwd);
  g_free (c);
}

const char *
icelite_test_client_get_ufrag (IceliteTestClient * c)
{
  return c->ufrag;
}

const char *
icelite_test_client_get_pwd (IceliteTestClient * c)
{
  return c->pwd;
}

const char *
icelite_test_client_get_fingerprint (IceliteTestClient * c)
{
  return rc_dtls_certificate_get_fingerprint (c->cert);
}

guint
icelite_test_client_get_sender_reports (IceliteTestClient * c)
{
  return c->sender_reports;
}

/* Waits for one datagram; its length, or -1 on timeout. */
static gssize
recv_one (IceliteTestClient * c, guint8 * buf, gsize max, gint64 deadline)
{
  for (;;) {
    struct pollfd pfd = {.fd = c->fd,.events = POLLIN };
    gint64 left = deadline - g_get_monotonic_time ();
    if (left <= 0)
      return -1;
    if (poll (&pfd, 1, (int) ((left + 999) / 1000)) > 0)
      return recv (c->fd, buf, max, 0);
  }
}

/* Something that is not the answer we wait for: DTLS goes to the
 * endpoint, SRTCP is counted. */
static void
handle_other (IceliteTestClient * c, guint8 * buf, gsize len)
{
  if (buf[0] >= 20 && buf[0] <= 63) {
    rc_dtls_endpoint_handle_datagram (c->dtls, buf, len);
  } else if (buf[0] >= 128 && buf[0] <= 191 && len >= 2 && buf[1] >= 192
      && buf[1] <= 223 && c->srtp_rx != NULL) {
    gsize plain;
    if (rc_srtp_context_unprotect_rtcp (c->srtp_rx, buf, len, &plain)
        && buf[1] == 200)
      c->sender_reports++;
  }
}

gboolean
icelite_test_client_check (IceliteTestClient * c, gboolean nominate,
    guint timeout_ms)
{
  guint8 req[512], buf[2048];
  StunMessage msg, resp;
  gsize len;
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  len = stun_usage_ice_conncheck_create (&c->agent, &msg, req, sizeof req,
      (const uint8_t *) c->username, strlen (c->username),
      (const uint8_t *) c->server_pwd, strlen (c->server_pwd), nominate, true,
      0x6e0001ff, g_random_int (), NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  g_assert_cmpuint (len, >, 0);
  (void) sendto (c->fd, req, len, 0, (struct sockaddr *) &c->server,
      sizeof c->server);
  for (;;) {
    gssize n = recv_one (c, buf, sizeof buf, deadline);
    if (n < 0)
      return FALSE;
    if (n > 0 && buf[0] < 4) {
      if (stun_agent_validate (&c->agent, &resp, buf, (size_t) n, NULL,
              NULL) == STUN_VALIDATION_SUCCESS
          && stun_message_get_class (&resp) == STUN_RESPONSE)
        return TRUE;
    } else if (n > 0) {
      handle_other (c, buf, (gsize) n);
    }
  }
}

gboolean
icelite_test_client_connect (IceliteTestClient * c,
    const char *server_fingerprint, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  guint8 buf[2048];
  guint8 lk[16], ls[14], rk[16], rs[14];
  RcSrtpProfile profile;

  if (!icelite_test_client_check (c, TRUE, timeout_ms))
    return FALSE;
  rc_dtls_endpoint_set_remote_fingerprint (c->dtls, server_fingerprint);
  rc_dtls_endpoint_start (c->dtls);
  while (rc_dtls_endpoint_get_state (c->dtls) == RC_DTLS_STATE_HANDSHAKING) {
    gint64 timer = rc_dtls_endpoint_get_deadline (c->dtls);
    gint64 until = timer > 0 ? MIN (timer, deadline) : deadline;
    gssize n = recv_one (c, buf, sizeof buf, until);
    if (n > 0)
      handle_other (c, buf, (gsize) n);
    else if (g_get_monotonic_time () >= deadline)
      return FALSE;
    else
      rc_dtls_endpoint_handle_timeout (c->dtls);
  }
  if (!rc_dtls_endpoint_get_srtp_keys (c->dtls, &profile, lk, ls, rk, rs))
    return FALSE;
  c->srtp_tx = rc_srtp_context_new (profile, lk, ls, NULL);
  c->srtp_rx = rc_srtp_context_new (profile, rk, rs, NULL);
  return TRUE;
}

gboolean
icelite_test_client_recv_rtp (IceliteTestClient * c, IceliteTestRtp * rtp,
    guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  guint8 buf[2048];

  for (;;) {
    gssize n = recv_one (c, buf, sizeof buf, deadline);
    gsize plain;
    if (n < 0)
      return FALSE;
    if (n >= 12 && buf[0] >= 128 && buf[0] <= 191
        && !(buf[1] >= 192 && buf[1] <= 223)) {
      if (c->srtp_rx == NULL
          || !rc_srtp_context_unprotect_rtp (c->srtp_rx, buf, (gsize) n,
              &plain))
        continue;
      rtp->marker = (buf[1] & 0x80) != 0;
      rtp->payload_type = buf[1] & 0x7f;
      rtp->seq = (guint16) (buf[2] << 8 | buf[3]);
      rtp->timestamp = (guint32) buf[4] << 24 | (guint32) buf[5] << 16 |
          (guint32) buf[6] << 8 | buf[7];
      rtp->ssrc = (guint32) buf[8] << 24 | (guint32) buf[9] << 16 |
          (guint32) buf[10] << 8 | buf[11];
      rtp->payload_len = plain - 12;
      memcpy (rtp->payload, buf + 12, plain - 12);
      return TRUE;
    }
    if (n > 0)
      handle_other (c, buf, (gsize) n);
  }
}

void
icelite_test_client_send_rr (IceliteTestClient * c, guint32 media_ssrc,
    guint8 fraction_lost, gint32 packets_lost, guint32 jitter)
{
  guint8 buf[128] = { 0 };
  gsize out_len;
  guint32 lost = (guint32) packets_lost & 0xffffff;

  buf[0] = 0x81;
  buf[1] = 201;
  buf[3] = 7;
  buf[4] = c->own_ssrc >> 24;
  buf[5] = c->own_ssrc >> 16;
  buf[6] = c->own_ssrc >> 8;
  buf[7] = c->own_ssrc;
  buf[8] = media_ssrc >> 24;
  buf[9] = media_ssrc >> 16;
  buf[10] = media_ssrc >> 8;
  buf[11] = media_ssrc;
  buf[12] = fraction_lost;
  buf[13] = lost >> 16;
  buf[14] = lost >> 8;
  buf[15] = lost;
  buf[20] = jitter >> 24;
  buf[21] = jitter >> 16;
  buf[22] = jitter >> 8;
  buf[23] = jitter;
  g_assert_true (rc_srtp_context_protect_rtcp (c->srtp_tx, buf, 32,
          sizeof buf, &out_len));
  (void) sendto (c->fd, buf, out_len, 0, (struct sockaddr *) &c->server,
      sizeof c->server);
}
