/* roomcast-loadgen: SRTP on libsrtp2; see light-srtp.h. */
#include "light-srtp.h"

#include <string.h>

#include <gio/gio.h>
#include <srtp2/srtp.h>

struct _RcSrtpContext {
  srtp_t session;
};

RcSrtpContext *
rc_srtp_context_new (RcSrtpProfile profile, const guint8 *key, const guint8 *salt,
                     GError **error)
{
  static gsize once = 0;
  RcSrtpContext *self;
  srtp_policy_t policy;
  guint8 master[RC_SRTP_KEY_LEN + RC_SRTP_SALT_LEN];
  srtp_err_status_t err;

  /* A second srtp_init() fails (GStreamer's srtp plugin, in this process
   * for the webrtcbin peers, may have made the first): srtp_create() below
   * tells whether libsrtp2 is usable. */
  if (g_once_init_enter (&once)) {
    (void) srtp_init ();
    g_once_init_leave (&once, 1);
  }
  if (profile != RC_SRTP_AES128_CM_SHA1_80) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "SRTP profile %d not supported",
                 profile);
    return NULL;
  }
  memcpy (master, key, RC_SRTP_KEY_LEN);
  memcpy (master + RC_SRTP_KEY_LEN, salt, RC_SRTP_SALT_LEN);
  memset (&policy, 0, sizeof policy);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy.rtp);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy.rtcp);
  /* either direction: sender and receiver share the master key */
  policy.ssrc.type = ssrc_any_inbound;
  policy.key = master;
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1;
  self = g_new0 (RcSrtpContext, 1);
  err = srtp_create (&self->session, &policy);
  memset (master, 0, sizeof master);
  if (err != srtp_err_status_ok) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "srtp_create failed (%d)", err);
    g_free (self);
    return NULL;
  }
  return self;
}

void
rc_srtp_context_free (RcSrtpContext *self)
{
  if (self == NULL)
    return;
  srtp_dealloc (self->session);
  g_free (self);
}

static gboolean
run (srtp_err_status_t (*fn) (srtp_t, void *, int *), RcSrtpContext *self, guint8 *packet,
     gsize *len)
{
  int n = (int) *len;

  if (*len > G_MAXINT / 2 || fn (self->session, packet, &n) != srtp_err_status_ok)
    return FALSE;
  *len = n;
  return TRUE;
}

gboolean
rc_srtp_context_unprotect_rtp (RcSrtpContext *self, guint8 *packet, gsize *len)
{
  return run (srtp_unprotect, self, packet, len);
}

gboolean
rc_srtp_context_unprotect_rtcp (RcSrtpContext *self, guint8 *packet, gsize *len)
{
  return run (srtp_unprotect_rtcp, self, packet, len);
}

gboolean
rc_srtp_context_protect_rtp (RcSrtpContext *self, guint8 *packet, gsize *len)
{
  return run (srtp_protect, self, packet, len);
}

gboolean
rc_srtp_context_protect_rtcp (RcSrtpContext *self, guint8 *packet, gsize *len)
{
  return run (srtp_protect_rtcp, self, packet, len);
}
