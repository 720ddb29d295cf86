/* roomcast: a peer's DTLS certificate against the a=fingerprint of its SDP.
 *
 * The fingerprint in the answer is what ties the DTLS handshake on the media
 * path to the client that sent the answer over its authenticated Socket.IO
 * connection: an endpoint must check that the certificate the peer presents
 * hashes to it (RFC 8122 §5, RFC 8827 §6.5), or anyone on the media path
 * can complete the handshake in its place. GStreamer 1.22 does not:
 * dtlsdec's "on-peer-certificate" handler accepts every certificate
 * (ext/dtls/gstdtlsdec.c, on_peer_certificate_received() returns TRUE) and
 * webrtcbin only checks that the SDP has a fingerprint (ext/webrtc/
 * webrtcsdp.c, _check_valid_fingerprint()); upstream compares them since
 * commit cae6e210f6, after every 1.22 release. RcMediaPeerWebrtc therefore
 * does it itself with these functions (media-peer-webrtc.c). Pure: no
 * GStreamer element, no I/O.
 */
#pragma once

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* Checks the value of an a=fingerprint attribute, "<hash> XX:XX:…": a hash
 * function these functions verify (sha-1, sha-256, sha-384, sha-512, any
 * case; not md5, md2 or sha-224) and exactly its digest's length of hex
 * pairs joined by ':'. On failure, RC_MEDIA_SDP_ERROR_INVALID with a
 * message starting "sdp: a=fingerprint". */
gboolean rc_dtls_fingerprint_check (const char *value, GError **error);

/* The a=fingerprint values that apply to m-line @media_index of @sdp: its
 * own, else the session-level ones (NULL-terminated, maybe empty). */
GStrv rc_dtls_fingerprints_of (const GstSDPMessage *sdp, guint media_index);

/* TRUE when @pem, one PEM "CERTIFICATE" block (as dtlsdec's "peer-pem"),
 * matches @fingerprints as RFC 8122 §5 says: among the values that pass
 * rc_dtls_fingerprint_check(), those of the strongest hash function
 * present, one of which must be the certificate's digest. FALSE when none
 * passes or @pem is not a certificate. */
gboolean rc_dtls_certificate_matches (const char *pem, const char *const *fingerprints);

G_END_DECLS
