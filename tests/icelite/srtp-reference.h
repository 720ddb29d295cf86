/* roomcast tests: libsrtp2 as the reference SRTP implementation
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The SRTP test and tools/bench-srtp compare our OpenSSL module with
 * libsrtp2 (what browsers run); this is the one place that sets a libsrtp2
 * session up the same way (master key || master salt, any SSRC).
 */
#pragma once

#include <string.h>

#include <glib.h>
#include <srtp2/srtp.h>

#include "srtp-context.h"

static inline srtp_t
srtp_reference_new (RcSrtpProfile profile, const guint8 * key,
    const guint8 * salt, gboolean outbound)
{
  srtp_policy_t policy;
  guint8 master[32];
  srtp_t session = NULL;
  gsize key_len = rc_srtp_profile_key_length (profile);
  gsize salt_len = rc_srtp_profile_salt_length (profile);

  memset (&policy, 0, sizeof policy);
  if (profile == RC_SRTP_PROFILE_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy.rtcp);
  } else {
    srtp_crypto_policy_set_rtp_default (&policy.rtp);
    srtp_crypto_policy_set_rtcp_default (&policy.rtcp);
  }
  memcpy (master, key, key_len);
  memcpy (master + key_len, salt, salt_len);
  policy.key = master;
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  policy.window_size = 128;
  g_assert_cmpint (srtp_create (&session, &policy), ==, srtp_err_status_ok);
  return session;
}
