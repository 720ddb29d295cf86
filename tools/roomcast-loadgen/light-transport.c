/* roomcast-loadgen: a light listener's receive transport; see
 * light-transport.h. */
#include "light-transport.h"

#include <string.h>

#include "light-dtls.h"
#include "light-ice.h"
#include "light-rx.h"
#include "srtp-context.h"

struct _LightTransport {
  LightIce *ice;
  LightRxHandle *rx;
  LightDtls *dtls; /* while handshaking: freed once the keys are out */
  gboolean dtls_started;
  RcSrtpContext *srtp, *srtcp_out; /* what the server sends; our reports */
  char *remote_fingerprint;
  /* receiver reports (RFC 3550 6.4.2), every RR_INTERVAL_US () */
  guint32 own_ssrc, source_ssrc;
  guint32 base_seq, max_seq; /* extended */
  guint64 received, expected_prior, received_prior;
  gboolean have_seq;
  gint64 next_rr_us;
  guint pt;
  LightTransportRtpFunc rtp;
  gpointer user_data;
  LightTransportState state;
  char *error;
  gint64 ice_us, dtls_us; /* when ICE, then DTLS, connected; 0 = not yet */
};

/* RFC 3550 6.3.1: 0.5 to 1.5 times the interval (5 s), at random */
#define RR_INTERVAL_US() ((gint64) g_random_int_range (2500, 7501) * 1000)

static void
fail (LightTransport *self, const char *what, const char *why)
{
  if (self->state == LIGHT_TRANSPORT_FAILED)
    return;
  self->state = LIGHT_TRANSPORT_FAILED;
  self->error = g_strdup_printf ("%s: %s", what, why ? why : "?");
}

static void
dtls_send (const guint8 *data, gsize len, gpointer user_data)
{
  LightTransport *self = user_data;

  light_ice_send (self->ice, data, len);
}

static void
dtls_done (LightTransport *self)
{
  g_autoptr (GError) error = NULL;
  const guint8 *key, *salt, *out_key, *out_salt;
  RcSrtpProfile profile;

  if (!light_dtls_get_remote_keys (self->dtls, &profile, &key, &salt) ||
      !light_dtls_get_local_keys (self->dtls, &profile, &out_key, &out_salt)) {
    fail (self, "dtls", light_dtls_get_error (self->dtls));
    return;
  }
  self->srtp = rc_srtp_context_new (profile, key, salt, &error);
  if (self->srtp)
    self->srtcp_out = rc_srtp_context_new (profile, out_key, out_salt, &error);
  g_clear_pointer (&self->dtls, light_dtls_free); /* tens of KiB of OpenSSL state */
  if (self->srtcp_out == NULL) {
    fail (self, "srtp", error->message);
    return;
  }
  self->state = LIGHT_TRANSPORT_CONNECTED;
  self->dtls_us = g_get_monotonic_time ();
}

static void
start_dtls (LightTransport *self)
{
  g_autoptr (GError) error = NULL;

  self->dtls_started = TRUE;
  self->dtls = light_dtls_new (self->remote_fingerprint, dtls_send, self, &error);
  if (self->dtls == NULL)
    fail (self, "dtls", error->message);
  else if (light_dtls_start (self->dtls) == LIGHT_DTLS_FAILED)
    fail (self, "dtls", light_dtls_get_error (self->dtls));
}

/* The receiver-report figures of RFC 3550 A.3, for one source. */
static void
note_seq (LightTransport *self, const guint8 *pkt)
{
  guint16 seq = pkt[2] << 8 | pkt[3];
  guint32 ssrc = (guint32) pkt[8] << 24 | pkt[9] << 16 | pkt[10] << 8 | pkt[11];
  gint16 delta;

  if (!self->have_seq || ssrc != self->source_ssrc) {
    self->have_seq = TRUE;
    self->source_ssrc = ssrc;
    self->base_seq = self->max_seq = seq;
    self->received = self->expected_prior = self->received_prior = 0;
  }
  delta = (gint16) (seq - (guint16) self->max_seq);
  if (delta > 0)
    self->max_seq += delta;
  self->received++;
}

static void
put32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* A receiver report (RR, one block; no SR seen, so LSR and DLSR are 0),
 * SRTCP-protected, to the selected pair: what a browser sends. */
static void
send_rr (LightTransport *self)
{
  guint8 pkt[32 + 32]; /* the RR, then room for the SRTCP trailer */
  guint64 expected = (guint64) self->max_seq - self->base_seq + 1;
  gint64 lost = (gint64) expected - (gint64) self->received;
  guint64 exp_int = expected - self->expected_prior,
          rec_int = self->received - self->received_prior;
  guint fraction = exp_int && exp_int > rec_int ? ((exp_int - rec_int) << 8) / exp_int : 0;
  gsize len = 0;

  self->expected_prior = expected;
  self->received_prior = self->received;
  lost = CLAMP (lost, -0x800000, 0x7fffff);
  memset (pkt, 0, sizeof pkt);
  pkt[0] = 0x81; /* V=2, one report block */
  pkt[1] = 201;
  pkt[3] = 7; /* length in 32-bit words - 1 */
  put32 (pkt + 4, self->own_ssrc);
  put32 (pkt + 8, self->source_ssrc);
  put32 (pkt + 12, (guint32) (fraction & 0xff) << 24 | ((guint32) lost & 0xffffff));
  put32 (pkt + 16, self->max_seq);
  if (rc_srtp_context_protect_rtcp (self->srtcp_out, pkt, 32, sizeof pkt, &len))
    light_ice_send (self->ice, pkt, len);
}

/* One datagram on the socket (RFC 7983): STUN (first byte 0..3), DTLS
 * (20..63), SRTP and SRTCP (128..191; muxed RTCP has a payload type of
 * 64..95 once the marker bit is masked). */
static void
on_datagram (guint8 *pkt, gsize len, const struct sockaddr *from, socklen_t from_len,
             gint64 arrival_us, gpointer data)
{
  LightTransport *self = data;
  gsize n = 0;

  if (len == 0 || self->state == LIGHT_TRANSPORT_FAILED)
    return;
  if (pkt[0] <= 3) {
    if (light_ice_receive (self->ice, pkt, len, from, from_len, arrival_us) ==
          LIGHT_ICE_CONNECTED &&
        !self->dtls_started) {
      self->ice_us = arrival_us;
      start_dtls (self);
    }
    return;
  }
  if (pkt[0] >= 20 && pkt[0] <= 63) {
    if (self->dtls) {
      LightDtlsState st = light_dtls_receive (self->dtls, pkt, len);
      if (st == LIGHT_DTLS_CONNECTED)
        dtls_done (self);
      else if (st == LIGHT_DTLS_FAILED)
        fail (self, "dtls", light_dtls_get_error (self->dtls));
    }
    return;
  }
  if (len < 12 || pkt[0] < 128 || pkt[0] > 191 || self->srtp == NULL)
    return;
  if ((pkt[1] & 0x7f) >= 64 && (pkt[1] & 0x7f) <= 95) {
    rc_srtp_context_unprotect_rtcp (self->srtp, pkt, len, &n); /* sender reports: not used */
    return;
  }
  if ((pkt[1] & 0x7f) == self->pt && rc_srtp_context_unprotect_rtp (self->srtp, pkt, len, &n) &&
      n >= 12) {
    note_seq (self, pkt);
    self->rtp (pkt, n, arrival_us, self->user_data);
  }
}

/* ICE checks and consent; DTLS retransmissions while handshaking. */
static void
on_tick (gint64 now_us, gpointer data)
{
  LightTransport *self = data;

  if (self->state == LIGHT_TRANSPORT_FAILED)
    return;
  if (light_ice_tick (self->ice, now_us) == LIGHT_ICE_FAILED)
    fail (self, "ice", "no candidate pair answered");
  else if (self->dtls && light_dtls_tick (self->dtls) == LIGHT_DTLS_FAILED)
    fail (self, "dtls", light_dtls_get_error (self->dtls));
  else if (self->srtcp_out && self->have_seq && now_us >= self->next_rr_us) {
    send_rr (self);
    self->next_rr_us = now_us + RR_INTERVAL_US ();
  }
}

LightTransport *
light_transport_new (const char *local_ip, gboolean controlling, const char *remote_ufrag,
                     const char *remote_pwd, const char *remote_fingerprint, guint pt,
                     LightTransportRtpFunc rtp, gpointer user_data, GError **error)
{
  LightTransport *self = g_new0 (LightTransport, 1);

  self->remote_fingerprint = g_strdup (remote_fingerprint);
  self->own_ssrc = g_random_int ();
  self->pt = pt;
  self->rtp = rtp;
  self->user_data = user_data;
  self->ice = light_ice_new (local_ip, controlling, remote_ufrag, remote_pwd, error);
  if (self->ice)
    self->rx = light_rx_add (light_ice_get_fd (self->ice), on_datagram, on_tick, self, error);
  if (self->rx == NULL) {
    light_transport_free (self);
    return NULL;
  }
  return self;
}

void
light_transport_free (LightTransport *self)
{
  if (self == NULL)
    return;
  light_rx_remove (self->rx);
  light_ice_free (self->ice);
  light_dtls_free (self->dtls);
  rc_srtp_context_free (self->srtp);
  rc_srtp_context_free (self->srtcp_out);
  g_free (self->remote_fingerprint);
  g_free (self->error);
  g_free (self);
}

const char *
light_transport_get_ufrag (LightTransport *self)
{
  return light_ice_get_ufrag (self->ice);
}

const char *
light_transport_get_pwd (LightTransport *self)
{
  return light_ice_get_pwd (self->ice);
}

char *
light_transport_get_candidate (LightTransport *self)
{
  return light_ice_get_candidate (self->ice);
}

gboolean
light_transport_add_remote (LightTransport *self, const char *line)
{
  if (!light_ice_add_remote (self->ice, line))
    return FALSE;
  /* The first check now, as a browser does, not at the next shared tick
   * (up to LIGHT_RX_TICK_MS later: 25 ms of every join on average). */
  if (self->state == LIGHT_TRANSPORT_CONNECTING &&
      light_ice_tick (self->ice, g_get_monotonic_time ()) == LIGHT_ICE_FAILED)
    fail (self, "ice", "no candidate pair answered");
  return TRUE;
}

LightTransportState
light_transport_get_state (LightTransport *self)
{
  return self->state;
}

const char *
light_transport_get_error (LightTransport *self)
{
  return self->error;
}

void
light_transport_get_times (LightTransport *self, gint64 *ice_us, gint64 *dtls_us)
{
  *ice_us = self->ice_us;
  *dtls_us = self->dtls_us;
}
