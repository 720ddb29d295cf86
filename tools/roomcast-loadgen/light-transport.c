/* roomcast-loadgen: a light listener's receive transport; see
 * light-transport.h. */
#include "light-transport.h"

#include "light-dtls.h"
#include "light-ice.h"
#include "light-rx.h"
#include "srtp-context.h"

struct _LightTransport {
  LightIce *ice;
  LightRxHandle *rx;
  LightDtls *dtls; /* while handshaking: freed once the keys are out */
  gboolean dtls_started;
  RcSrtpContext *srtp;
  char *remote_fingerprint;
  guint pt;
  LightTransportRtpFunc rtp;
  gpointer user_data;
  LightTransportState state;
  char *error;
};

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
  const guint8 *key, *salt;
  RcSrtpProfile profile;

  if (!light_dtls_get_remote_keys (self->dtls, &profile, &key, &salt)) {
    fail (self, "dtls", light_dtls_get_error (self->dtls));
    return;
  }
  self->srtp = rc_srtp_context_new (profile, key, salt, &error);
  g_clear_pointer (&self->dtls, light_dtls_free); /* tens of KiB of OpenSSL state */
  if (self->srtp == NULL) {
    fail (self, "srtp", error->message);
    return;
  }
  self->state = LIGHT_TRANSPORT_CONNECTED;
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
        !self->dtls_started)
      start_dtls (self);
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
      n >= 12)
    self->rtp (pkt, n, arrival_us, self->user_data);
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
}

LightTransport *
light_transport_new (const char *local_ip, gboolean controlling, const char *remote_ufrag,
                     const char *remote_pwd, const char *remote_fingerprint, guint pt,
                     LightTransportRtpFunc rtp, gpointer user_data, GError **error)
{
  LightTransport *self = g_new0 (LightTransport, 1);

  self->remote_fingerprint = g_strdup (remote_fingerprint);
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
  return light_ice_add_remote (self->ice, line);
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
