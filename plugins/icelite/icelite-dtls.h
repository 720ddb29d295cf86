/* roomcast: DTLS 1.2 for DTLS-SRTP (RFC 5763/5764) on OpenSSL
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * RcDtlsCertificate: a self-signed ECDSA P-256 certificate, its SHA-256
 * fingerprint as SDP writes it ("sha-256 AB:CD:..."), and the OpenSSL
 * contexts built on it. RcDtlsEndpoint: one DTLS association, server
 * (icelitesink) or client (tests, load generator), driven by datagrams and
 * timers from its owner's thread: nothing here does I/O of its own or
 * takes a lock. Outgoing datagrams go to the endpoint's send function, one
 * call per datagram.
 *
 * The peer's certificate is accepted during the handshake (it is
 * self-signed) and then checked against the fingerprint from its SDP; the
 * association is "connected" only once both are done, whichever comes
 * last. The SRTP keys come from the "EXTRACTOR-dtls_srtp" exporter.
 */
#pragma once

#include <glib.h>

#include "srtp-context.h"

G_BEGIN_DECLS

#define RC_DTLS_ERROR (rc_dtls_error_quark ())
GQuark rc_dtls_error_quark (void);

typedef enum {
  RC_DTLS_ERROR_CERTIFICATE,
  RC_DTLS_ERROR_FINGERPRINT,
} RcDtlsError;

typedef enum {
  RC_DTLS_STATE_NEW,
  RC_DTLS_STATE_HANDSHAKING,
  RC_DTLS_STATE_CONNECTED,
  RC_DTLS_STATE_FAILED,
  RC_DTLS_STATE_CLOSED,
} RcDtlsState;

typedef enum {
  RC_DTLS_FAILURE_NONE,
  RC_DTLS_FAILURE_HANDSHAKE,    /* "dtls_failed" */
  RC_DTLS_FAILURE_FINGERPRINT,  /* "fingerprint_mismatch" */
} RcDtlsFailure;

typedef struct _RcDtlsCertificate RcDtlsCertificate;
typedef struct _RcDtlsEndpoint RcDtlsEndpoint;

typedef void (*RcDtlsSendFunc) (const guint8 * data, gsize len,
    gpointer user_data);

RcDtlsCertificate *rc_dtls_certificate_new (GError ** error);
RcDtlsCertificate *rc_dtls_certificate_ref (RcDtlsCertificate * cert);
void rc_dtls_certificate_unref (RcDtlsCertificate * cert);
/* "sha-256 AB:CD:..." */
const char *rc_dtls_certificate_get_fingerprint (RcDtlsCertificate * cert);

/* Parses "sha-256 AB:CD:..." (also sha-1, sha-384, sha-512) into a form
 * rc_dtls_endpoint_set_remote_fingerprint takes; FALSE with @error if it
 * is not one. */
gboolean rc_dtls_fingerprint_check_syntax (const char *fingerprint,
    GError ** error);

RcDtlsEndpoint *rc_dtls_endpoint_new (RcDtlsCertificate * cert,
    gboolean is_server, RcDtlsSendFunc send, gpointer user_data);
void rc_dtls_endpoint_free (RcDtlsEndpoint * ep);

/* The fingerprint the peer's certificate must have (from its SDP). May
 * come before or after the handshake; returns the new state. */
RcDtlsState rc_dtls_endpoint_set_remote_fingerprint (RcDtlsEndpoint * ep,
    const char *fingerprint);
/* A client sends its ClientHello. */
RcDtlsState rc_dtls_endpoint_start (RcDtlsEndpoint * ep);
/* One received DTLS datagram. */
RcDtlsState rc_dtls_endpoint_handle_datagram (RcDtlsEndpoint * ep,
    const guint8 * data, gsize len);
/* Monotonic time (g_get_monotonic_time) of the next retransmission, or -1. */
gint64 rc_dtls_endpoint_get_deadline (RcDtlsEndpoint * ep);
/* Call at or after the deadline: retransmits, or gives up. */
RcDtlsState rc_dtls_endpoint_handle_timeout (RcDtlsEndpoint * ep);

RcDtlsState rc_dtls_endpoint_get_state (RcDtlsEndpoint * ep);
RcDtlsFailure rc_dtls_endpoint_get_failure (RcDtlsEndpoint * ep);
const char *rc_dtls_failure_to_string (RcDtlsFailure failure);

/* Once connected: the negotiated profile and the keys. "local" keys
 * protect what this end sends, "remote" ones unprotect what it receives.
 * Each key buffer holds 16 bytes, each salt 14. */
gboolean rc_dtls_endpoint_get_srtp_keys (RcDtlsEndpoint * ep,
    RcSrtpProfile * profile, guint8 * local_key, guint8 * local_salt,
    guint8 * remote_key, guint8 * remote_salt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcDtlsCertificate, rc_dtls_certificate_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcDtlsEndpoint, rc_dtls_endpoint_free)

G_END_DECLS
