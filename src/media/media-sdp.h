/* roomcast: media signalling payloads, checked before they reach GStreamer.
 *
 * Pure functions (no pipeline, no main loop): the client's SDP answer and its
 * ICE candidates come from the network, so they are validated here and the
 * socket layer answers a refusal with `invalid_payload` and the GError's
 * message. The codec constants of the offer the server makes live here too,
 * so the offer, the answer check and the payloaders agree on them.
 *
 * The server is always the SDP offerer: one audio m-line, bundled, rtcp-mux,
 * Opus 48 kHz with in-band FEC and DTX, payload type RC_MEDIA_OPUS_PT.
 */
#pragma once

#include <gst/sdp/sdp.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The Opus payload type we offer (Chrome's own choice, so its answer keeps it). */
#define RC_MEDIA_OPUS_PT 111
/* fmtp parameters of our Opus offer: 10 ms frames allowed, in-band FEC and
 * discontinuous transmission asked of the sender. */
#define RC_MEDIA_OPUS_FMTP "minptime=10;useinbandfec=1;usedtx=1"
/* The RTP caps of what a peer sends: what our per-peer rtpopuspay produces. */
#define RC_MEDIA_OPUS_RTP_CAPS \
  "application/x-rtp, media=(string)audio, clock-rate=(int)48000, " \
  "encoding-name=(string)OPUS, payload=(int)111"

/* Largest SDP answer accepted, in bytes (a browser's is 1-3 KB). */
#define RC_MEDIA_SDP_MAX_LEN (32 * 1024)
/* Longest ICE candidate line accepted, in bytes (real ones are < 300). */
#define RC_MEDIA_CANDIDATE_MAX_LEN 1024
/* Longest sdpMid / usernameFragment accepted. */
#define RC_MEDIA_MID_MAX_LEN 64

#define RC_MEDIA_SDP_ERROR (rc_media_sdp_error_quark ())
GQuark rc_media_sdp_error_quark (void);

typedef enum {
  RC_MEDIA_SDP_ERROR_INVALID, /* the payload is refused; the message says why */
} RcMediaSdpError;

/* The Opus payload type of @media (from its a=rtpmap lines, "opus/48000/2",
 * case-insensitive, and listed in the m-line's formats), or -1. */
gint rc_media_sdp_find_opus_pt (const GstSDPMedia *media);

/* Checks that @text (@len bytes, not necessarily NUL-terminated) is an SDP
 * answer to @offer and returns it parsed. Refused: empty or over
 * RC_MEDIA_SDP_MAX_LEN; NUL bytes, invalid UTF-8, control characters or any
 * line that is not `x=value` (CRLF or LF endings, no blank lines, "v=0"
 * first); no origin; not exactly one m-line; that m-line not audio, rejected
 * (port 0) or not UDP/TLS/RTP/SAVPF; no Opus at the offer's payload type; a
 * mid other than the offer's; a BUNDLE group that is missing when the offer
 * has one or that names another mid; no rtcp-mux; no ICE ufrag/pwd or
 * out-of-range lengths; no DTLS fingerprint; a=setup other than active or
 * passive; a direction that does not match the offer's (to a sendrecv
 * offer the client must receive: sendrecv or recvonly; to a recvonly offer,
 * a send transport's, it must send: sendonly or sendrecv; to a sendonly
 * offer, a receive transport's, recvonly or sendrecv). */
GstSDPMessage *rc_media_sdp_parse_answer (const char *text, gsize len,
                                          const GstSDPMessage *offer, GError **error);

/* What a candidate line says, as far as the server cares. */
typedef struct {
  char *foundation;
  guint component; /* 1 = RTP (rtcp-mux: the only one we use) */
  char *transport; /* "udp" or "tcp", lower-cased */
  guint32 priority;
  char *address;          /* as written: an IP literal or a host name */
  gboolean address_is_ip; /* FALSE for names (mDNS "….local") */
  guint port;
  char *type; /* "host", "srflx", "prflx", "relay" */
} RcMediaCandidate;

void rc_media_candidate_clear (RcMediaCandidate *candidate);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RcMediaCandidate, rc_media_candidate_clear)

/* Parses an ICE candidate line "candidate:<foundation> <component>
 * <transport> <priority> <address> <port> typ <type> [extensions]" (RFC 8839;
 * an "a=" prefix is refused, as browsers never send one). At most
 * RC_MEDIA_CANDIDATE_MAX_LEN bytes of printable ASCII. */
gboolean rc_media_candidate_parse (const char *line, RcMediaCandidate *out, GError **error);

/* The candidate line with the address of a host candidate replaced by
 * @announced_ip when both are IP addresses of the same family (a 1:1 NAT
 * "announced IP", as Kurento and mediasoup do); otherwise an unchanged copy.
 * @line must have passed rc_media_candidate_parse(). */
char *rc_media_candidate_rewrite_host (const char *line, const char *announced_ip);

/* One trickled ICE candidate as carried by `media:ice`. */
typedef struct {
  char *candidate; /* the line without "a=", or NULL = end of candidates */
  guint mline_index;
  char *mid; /* nullable */
} RcMediaIceCandidate;

void rc_media_ice_candidate_free (RcMediaIceCandidate *candidate);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcMediaIceCandidate, rc_media_ice_candidate_free)

/* Validates a `media:ice` payload from a client:
 *   {candidate: string|null, sdpMLineIndex: int, sdpMid?: string|null,
 *    usernameFragment?: string|null}
 * `candidate` is required; null or "" means end of candidates (browsers send
 * both). A non-empty candidate must pass rc_media_candidate_parse() and come
 * with an sdpMLineIndex below @n_mlines; an sdpMid, when given, must be
 * @mid (nullable = not checked). Other members are ignored, as everywhere in
 * the protocol (an RTCIceCandidate's toJSON() may grow fields). */
RcMediaIceCandidate *rc_media_ice_candidate_from_json (JsonNode *payload, guint n_mlines,
                                                       const char *mid, GError **error);

/* The `media:ice` payload the server sends: {candidate, sdpMLineIndex[, sdpMid]}
 * with candidate null at the end of gathering. */
JsonNode *rc_media_ice_candidate_to_json (guint mline_index, const char *mid,
                                          const char *candidate);

G_END_DECLS
