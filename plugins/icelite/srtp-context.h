/* roomcast: SRTP/SRTCP protect and unprotect on OpenSSL EVP
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One RcSrtpContext holds the session keys derived from one master key and
 * salt (RFC 3711 §4.3, key derivation rate 0) and the packet-index state of
 * one SSRC in each direction. DTLS-SRTP gives each direction its own master
 * key, so a transport has one context to protect what it sends and another
 * to unprotect what it receives.
 *
 * Nothing here allocates per packet or takes a lock: a context belongs to
 * one thread at a time (the caller serialises).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80 = 1, /* RFC 3711, RFC 5764 id 0x0001 */
  RC_SRTP_PROFILE_AEAD_AES_128_GCM = 7,       /* RFC 7714, RFC 5764 id 0x0007 */
} RcSrtpProfile;

/* The most bytes protect adds to a packet (a 16-byte GCM tag + the 4-byte
 * SRTCP index). */
#define RC_SRTP_MAX_TRAILER 20

#define RC_SRTP_ERROR (rc_srtp_error_quark ())
GQuark rc_srtp_error_quark (void);

typedef enum {
  RC_SRTP_ERROR_PROFILE, /* unknown profile */
  RC_SRTP_ERROR_CRYPTO,  /* OpenSSL refused the keys */
} RcSrtpError;

typedef struct _RcSrtpContext RcSrtpContext;

gsize rc_srtp_profile_key_length (RcSrtpProfile profile);
gsize rc_srtp_profile_salt_length (RcSrtpProfile profile);
/* "SRTP_AES128_CM_SHA1_80" / "SRTP_AEAD_AES_128_GCM": OpenSSL's use_srtp
 * names; NULL for an unknown profile. */
const char *rc_srtp_profile_openssl_name (RcSrtpProfile profile);

RcSrtpContext *rc_srtp_context_new (RcSrtpProfile profile, const guint8 * key,
    const guint8 * salt, GError ** error);
void rc_srtp_context_free (RcSrtpContext * ctx);

/* Protect in place: @packet holds @len bytes of plain RTP (or RTCP) in a
 * buffer of @max bytes; on success *@out_len is the protected length (at
 * most @len + RC_SRTP_MAX_TRAILER). FALSE (packet untouched or undefined
 * only in its payload) if the packet is malformed or @max is too small. */
gboolean rc_srtp_context_protect_rtp (RcSrtpContext * ctx, guint8 * packet,
    gsize len, gsize max, gsize * out_len);
gboolean rc_srtp_context_protect_rtcp (RcSrtpContext * ctx, guint8 * packet,
    gsize len, gsize max, gsize * out_len);

/* Unprotect in place: FALSE if the packet is malformed, fails
 * authentication or is a replay; *@out_len is the plain length. */
gboolean rc_srtp_context_unprotect_rtp (RcSrtpContext * ctx, guint8 * packet,
    gsize len, gsize * out_len);
gboolean rc_srtp_context_unprotect_rtcp (RcSrtpContext * ctx, guint8 * packet,
    gsize len, gsize * out_len);

/* The derived session keys (RFC 3711 §4.3), for the known-answer tests:
 * @which is 0 = RTP cipher key, 1 = RTP auth key, 2 = RTP salt, 3..5 the
 * same for RTCP. Copies at most @max bytes into @out; returns the length. */
gsize rc_srtp_context_get_session_key (RcSrtpContext * ctx, guint which,
    guint8 * out, gsize max);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcSrtpContext, rc_srtp_context_free)

G_END_DECLS
