/* roomcast-loadgen: a light listener's receive transport, signalling
 * aside: ICE (light-ice.c) on its own socket read by light-rx.c, then the
 * DTLS 1.2 client (light-dtls.c), then SRTP unprotect (plugins/icelite's
 * srtp-context.h). What arrives is demultiplexed as RFC 7983 says; each
 * authentic RTP packet of the negotiated payload type goes to the caller,
 * plain, with its kernel arrival time. Like a browser, it sends an SRTCP
 * receiver report every 2.5 to 7.5 s (RFC 3550 6.3.1; the sequence
 * and loss figures of its A.3).
 * Used by load-peer-light.c and its test against icelitesink. Main context
 * only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LIGHT_TRANSPORT_CONNECTING, /* ICE, then DTLS */
  LIGHT_TRANSPORT_CONNECTED,  /* SRTP keys in place */
  LIGHT_TRANSPORT_FAILED,     /* light_transport_get_error() */
} LightTransportState;

/* A plain RTP packet (@len ≥ 12; may be changed in place). */
typedef void (*LightTransportRtpFunc) (guint8 *rtp, gsize len, gint64 arrival_us,
                                       gpointer user_data);

typedef struct _LightTransport LightTransport;

/* ICE on @local_ip, controlling or not (RFC 8445 6.1.1: controlling against
 * an ICE-lite peer); the peer's ICE credentials and its certificate's
 * fingerprint ("sha-256 AB:…") from its offer; RTP of payload type @pt is
 * passed to @rtp. NULL (and @error) if the socket or the receiver could
 * not be set up. */
LightTransport *light_transport_new (const char *local_ip, gboolean controlling,
                                     const char *remote_ufrag, const char *remote_pwd,
                                     const char *remote_fingerprint, guint pt,
                                     LightTransportRtpFunc rtp, gpointer user_data,
                                     GError **error);
void light_transport_free (LightTransport *self);

/* For the answer: ICE credentials and the one host candidate ("candidate:…",
 * no "a="); the DTLS fingerprint is light_dtls_local_fingerprint(). */
const char *light_transport_get_ufrag (LightTransport *self);
const char *light_transport_get_pwd (LightTransport *self);
char *light_transport_get_candidate (LightTransport *self);
/* A candidate line of the peer; unusable ones are ignored (FALSE). */
gboolean light_transport_add_remote (LightTransport *self, const char *line);

LightTransportState light_transport_get_state (LightTransport *self);
const char *light_transport_get_error (LightTransport *self);
/* When ICE connected (the first check answered) and when DTLS did (SRTP keys
 * in place), g_get_monotonic_time(); 0 = not yet. */
void light_transport_get_times (LightTransport *self, gint64 *ice_us, gint64 *dtls_us);

G_END_DECLS
