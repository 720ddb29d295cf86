/* roomcast: which of a client's ICE candidates the server may send packets to.
 *
 * Every remote candidate that reaches webrtcbin makes the server's ICE agent
 * send STUN binding requests (with retransmissions) from the server's own
 * network to the address and port it names. A client naming 10.0.0.1:6379,
 * 127.0.0.1:22 or 224.0.0.251:5353 would use the server to probe hosts and
 * services only the server can reach. So a candidate passes only when:
 *  - its address is an IP literal (no host name: mDNS "….local" names would
 *    make webrtcbin resolve a name the client chose, and the answer could
 *    be any address);
 *  - that address is global unicast, or in a class a setting allows:
 *    loopback (RTC_ALLOW_LOOPBACK_CANDIDATES) or private and link-local
 *    (RTC_ALLOW_PRIVATE_CANDIDATES), both on by default with --dev only.
 *    Multicast, broadcast, unspecified ("this host"), documentation,
 *    benchmarking and reserved addresses never pass: no peer has them.
 *    An IPv4 address carried in IPv6 (mapped ::ffff:0:0/96, NAT64
 *    64:ff9b::/96, 6to4 2002::/16) is judged as that IPv4 address;
 *  - its port is at least RC_CANDIDATE_MIN_PORT (a browser's are ephemeral);
 *  - its transport is UDP: the server gathers no TCP candidates (ICE-TCP is
 *    off in media-peer-webrtc.c), so a TCP one could never pair.
 * The same check applies to `media:ice` and to the a=candidate lines of an
 * SDP answer. Pure: no I/O, no GStreamer element, no main loop.
 */
#pragma once

#include "config.h"
#include "media/media-sdp.h"

G_BEGIN_DECLS

/* Lowest remote candidate port accepted. */
#define RC_CANDIDATE_MIN_PORT 1024

typedef enum {
  RC_ADDRESS_GLOBAL,
  RC_ADDRESS_LOOPBACK,      /* 127.0.0.0/8, ::1 */
  RC_ADDRESS_PRIVATE,       /* RFC 1918, CGNAT 100.64.0.0/10, ULA fc00::/7, fec0::/10,
                             * local-use NAT64 64:ff9b:1::/48 */
  RC_ADDRESS_LINK_LOCAL,    /* 169.254.0.0/16, fe80::/10 */
  RC_ADDRESS_MULTICAST,     /* 224.0.0.0/4, ff00::/8 */
  RC_ADDRESS_UNSPECIFIED,   /* 0.0.0.0/8, :: */
  RC_ADDRESS_BROADCAST,     /* 255.255.255.255 */
  RC_ADDRESS_DOCUMENTATION, /* 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
                             * 2001:db8::/32, 3fff::/20 */
  RC_ADDRESS_BENCHMARKING,  /* 198.18.0.0/15, 2001:2::/48 */
  RC_ADDRESS_RESERVED,      /* everything else that is not global unicast */
  RC_ADDRESS_NOT_IP,        /* not a plain IPv4 or IPv6 literal */
} RcAddressClass;

/* The class of @address as written in a candidate line. Only strict
 * literals are addresses: dotted-quad IPv4 without leading zeros, IPv6
 * without a zone ("fe80::1%eth0" is RC_ADDRESS_NOT_IP). @range (nullable)
 * gets a static description of the range that decided, e.g.
 * "10.0.0.0/8, RFC 1918"; for an embedded IPv4 address, that address's. */
RcAddressClass rc_address_classify (const char *address, const char **range);

/* A static lower-case name: "global", "loopback", "private", "link_local",
 * "multicast", "unspecified", "broadcast", "documentation",
 * "benchmarking", "reserved", "not_ip". */
const char *rc_address_class_to_string (RcAddressClass klass);

typedef enum {
  RC_CANDIDATE_ALLOW_GLOBAL = 0,        /* global unicast only */
  RC_CANDIDATE_ALLOW_LOOPBACK = 1 << 0, /* and loopback */
  RC_CANDIDATE_ALLOW_PRIVATE = 1 << 1,  /* and private and link-local */
} RcCandidateAllow;

/* RTC_ALLOW_LOOPBACK_CANDIDATES and RTC_ALLOW_PRIVATE_CANDIDATES. */
RcCandidateAllow rc_candidate_allow_from_config (const RcConfig *config);

/* TRUE when the server may try @candidate (as filled in by
 * rc_media_candidate_parse()) under @allow. Otherwise FALSE, *@reason
 * (nullable) set to a static label for metrics (an address class name
 * but "global", or "port", "tcp", "hostname") and @error set to
 * RC_MEDIA_SDP_ERROR_INVALID with a message for the client that names the
 * address, why it is refused and the setting that would allow it. */
gboolean rc_candidate_check (const RcMediaCandidate *candidate, RcCandidateAllow allow,
                             const char **reason, GError **error);

/* A candidate line refused inside an SDP answer. */
typedef struct {
  char *candidate;    /* the line's value, without "a=" */
  const char *reason; /* as from rc_candidate_check() */
  char *message;      /* the check's error message */
} RcCandidateRefusal;

void rc_candidate_refusal_free (RcCandidateRefusal *refusal);

/* Removes from every m-line of @answer the a=candidate lines that
 * rc_candidate_check() refuses under @allow (webrtcbin reads candidates
 * from m-lines only), appending an RcCandidateRefusal to @refused for each,
 * and sets *@n_kept to the number left. Returns FALSE (and @answer may be
 * half filtered) with RC_MEDIA_SDP_ERROR_INVALID when a candidate line is
 * malformed or when the m-lines hold more than @max candidate lines. */
gboolean rc_candidate_filter_answer (GstSDPMessage *answer, RcCandidateAllow allow, guint max,
                                     guint *n_kept, GPtrArray *refused, GError **error);

G_END_DECLS
