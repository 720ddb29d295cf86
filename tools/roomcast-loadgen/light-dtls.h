/* roomcast-loadgen: the light listeners' DTLS 1.2 client (OpenSSL).
 *
 * DTLS-SRTP as a WebRTC answerer with a=setup:active: this side sends the
 * ClientHello, offers SRTP_AES128_CM_SHA1_80 and SRTP_AEAD_AES_128_GCM
 * (use_srtp; the server picks), presents one
 * self-signed ECDSA P-256 certificate that every listener of the process
 * shares (its fingerprint goes into every answer), and accepts the server's
 * certificate only if its digest is the offer's a=fingerprint. Datagrams go
 * through memory BIOs: the caller carries them over ICE. Main context only;
 * no thread, no socket.
 */
#pragma once

#include <glib.h>

#include "srtp-context.h"

G_BEGIN_DECLS

/* "sha-256 AB:CD:…" of the shared certificate, made on the first call;
 * NULL (and @error) when OpenSSL could not make it. */
const char *light_dtls_local_fingerprint (GError **error);

typedef struct _LightDtls LightDtls;

/* Sends one datagram to the peer (over ICE). */
typedef void (*LightDtlsSendFunc) (const guint8 *data, gsize len, gpointer user_data);

typedef enum {
  LIGHT_DTLS_HANDSHAKING,
  LIGHT_DTLS_CONNECTED, /* keys exported, fingerprint checked */
  LIGHT_DTLS_FAILED,    /* light_dtls_get_error() */
} LightDtlsState;

/* @remote_fingerprint as in the offer ("sha-256 AB:…"; sha-1, sha-224,
 * sha-256, sha-384, sha-512). NULL (and @error) if it is malformed. */
LightDtls *light_dtls_new (const char *remote_fingerprint, LightDtlsSendFunc send,
                           gpointer user_data, GError **error);
void light_dtls_free (LightDtls *self);

/* Sends the ClientHello. */
LightDtlsState light_dtls_start (LightDtls *self);
/* One datagram from the peer (first byte 20..63). */
LightDtlsState light_dtls_receive (LightDtls *self, const guint8 *data, gsize len);
/* Retransmits a lost flight when its timer expired; call every few
 * hundred milliseconds while handshaking. */
LightDtlsState light_dtls_tick (LightDtls *self);
const char *light_dtls_get_error (LightDtls *self);

/* CONNECTED: the negotiated profile and the server's (inbound) SRTP
 * master key and salt (their lengths: rc_srtp_profile_key_length() and
 * _salt_length() of @profile). Pointers into @self. */
gboolean light_dtls_get_remote_keys (LightDtls *self, RcSrtpProfile *profile,
                                     const guint8 **key, const guint8 **salt);
/* CONNECTED: the same for what this side sends (its SRTCP). */
gboolean light_dtls_get_local_keys (LightDtls *self, RcSrtpProfile *profile, const guint8 **key,
                                    const guint8 **salt);

G_END_DECLS
