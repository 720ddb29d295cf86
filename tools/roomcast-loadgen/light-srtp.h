/* roomcast-loadgen: SRTP for the light listeners, on libsrtp2.
 *
 * The same small API as plugins/icelite/srtp-context.h (the server's light
 * transport), so the load generator switches to that one when it is there:
 * one context per direction and peer, made from the keys DTLS exported.
 * Only AES_CM_128_HMAC_SHA1_80 (RFC 5764's SRTP_AES128_CM_HMAC_SHA1_80),
 * the profile every WebRTC stack offers.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  RC_SRTP_AES128_CM_SHA1_80 = 1, /* RFC 5764 profile id 0x0001 */
} RcSrtpProfile;

#define RC_SRTP_KEY_LEN 16
#define RC_SRTP_SALT_LEN 14

typedef struct _RcSrtpContext RcSrtpContext;

/* @key RC_SRTP_KEY_LEN bytes, @salt RC_SRTP_SALT_LEN; any SSRC. */
RcSrtpContext *rc_srtp_context_new (RcSrtpProfile profile, const guint8 *key,
                                    const guint8 *salt, GError **error);
void rc_srtp_context_free (RcSrtpContext *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcSrtpContext, rc_srtp_context_free)

/* In place. *@len is the packet's length in, its new length out; protect
 * needs room for the tag (10 bytes RTP, 14 RTCP) after it. FALSE: not
 * authentic, a replay, or malformed (the packet is then dropped). */
gboolean rc_srtp_context_protect_rtp (RcSrtpContext *self, guint8 *packet, gsize *len);
gboolean rc_srtp_context_unprotect_rtp (RcSrtpContext *self, guint8 *packet, gsize *len);
gboolean rc_srtp_context_protect_rtcp (RcSrtpContext *self, guint8 *packet, gsize *len);
gboolean rc_srtp_context_unprotect_rtcp (RcSrtpContext *self, guint8 *packet, gsize *len);

G_END_DECLS
