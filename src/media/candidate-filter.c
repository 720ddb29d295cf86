/* roomcast: the remote ICE candidate filter; see candidate-filter.h.
 *
 * The ranges are IANA's special-purpose address registries (RFC 6890 and
 * its updates): every range a client's candidate could name that is not a
 * public peer. An address is parsed with inet_pton (through GInetAddress),
 * which takes only strict literals: "127.1", "0x7f.0.0.1" or "0127.0.0.1",
 * which inet_aton (and so a resolver) would read as 127.0.0.1, are not
 * addresses here, and the candidate parser sends no name to webrtcbin.
 */
#include "media/candidate-filter.h"

#include <string.h>

#include <gio/gio.h>

typedef struct {
  guint32 network; /* host byte order */
  guint prefix;
  RcAddressClass klass;
  const char *range;
} Ipv4Range;

/* First match wins: 255.255.255.255 before 240.0.0.0/4. */
static const Ipv4Range ipv4_ranges[] = {
  { 0x00000000, 8, RC_ADDRESS_UNSPECIFIED, "0.0.0.0/8, \"this network\"" },
  { 0x0a000000, 8, RC_ADDRESS_PRIVATE, "10.0.0.0/8, RFC 1918" },
  { 0x64400000, 10, RC_ADDRESS_PRIVATE, "100.64.0.0/10, carrier-grade NAT" },
  { 0x7f000000, 8, RC_ADDRESS_LOOPBACK, "127.0.0.0/8" },
  { 0xa9fe0000, 16, RC_ADDRESS_LINK_LOCAL, "169.254.0.0/16" },
  { 0xac100000, 12, RC_ADDRESS_PRIVATE, "172.16.0.0/12, RFC 1918" },
  { 0xc0000000, 24, RC_ADDRESS_RESERVED, "192.0.0.0/24, IETF protocol assignments" },
  { 0xc0000200, 24, RC_ADDRESS_DOCUMENTATION, "192.0.2.0/24, documentation" },
  { 0xc0586300, 24, RC_ADDRESS_RESERVED, "192.88.99.0/24, 6to4 relay anycast" },
  { 0xc0a80000, 16, RC_ADDRESS_PRIVATE, "192.168.0.0/16, RFC 1918" },
  { 0xc6120000, 15, RC_ADDRESS_BENCHMARKING, "198.18.0.0/15, benchmarking" },
  { 0xc6336400, 24, RC_ADDRESS_DOCUMENTATION, "198.51.100.0/24, documentation" },
  { 0xcb007100, 24, RC_ADDRESS_DOCUMENTATION, "203.0.113.0/24, documentation" },
  { 0xe0000000, 4, RC_ADDRESS_MULTICAST, "224.0.0.0/4, multicast" },
  { 0xffffffff, 32, RC_ADDRESS_BROADCAST, "255.255.255.255, broadcast" },
  { 0xf0000000, 4, RC_ADDRESS_RESERVED, "240.0.0.0/4, reserved" },
};

static RcAddressClass
classify_ipv4 (const guint8 *b, const char **range)
{
  guint32 a = ((guint32) b[0] << 24) | ((guint32) b[1] << 16) | ((guint32) b[2] << 8) | b[3];

  for (guint i = 0; i < G_N_ELEMENTS (ipv4_ranges); i++) {
    const Ipv4Range *r = &ipv4_ranges[i];
    guint32 mask = r->prefix == 0 ? 0 : G_MAXUINT32 << (32 - r->prefix);
    if ((a & mask) == r->network) {
      *range = r->range;
      return r->klass;
    }
  }
  *range = "global unicast";
  return RC_ADDRESS_GLOBAL;
}

typedef struct {
  guint8 network[16];
  guint prefix;
  RcAddressClass klass; /* RC_ADDRESS_NOT_IP: judged by the IPv4 address inside */
  const char *range;
} Ipv6Range;

/* First match wins: the specific ranges before the blocks that hold them. */
static const Ipv6Range ipv6_ranges[] = {
  { { 0 }, 128, RC_ADDRESS_UNSPECIFIED, "::, unspecified" },
  { { [15] = 1 }, 128, RC_ADDRESS_LOOPBACK, "::1" },
  { { [10] = 0xff, [11] = 0xff }, 96, RC_ADDRESS_NOT_IP, "IPv4-mapped" },
  { { 0x00, 0x64, 0xff, 0x9b }, 96, RC_ADDRESS_NOT_IP, "NAT64" },
  { { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 },
    48,
    RC_ADDRESS_PRIVATE,
    "64:ff9b:1::/48, local-use NAT64" },
  { { 0 }, 8, RC_ADDRESS_RESERVED, "::/8, reserved (IPv4-compatible, ...)" },
  { { 0x01 }, 64, RC_ADDRESS_RESERVED, "100::/64, discard-only" },
  { { 0x20, 0x01, 0x0d, 0xb8 }, 32, RC_ADDRESS_DOCUMENTATION, "2001:db8::/32, documentation" },
  { { 0x3f, 0xff }, 20, RC_ADDRESS_DOCUMENTATION, "3fff::/20, documentation" },
  { { 0x20, 0x01, 0x00, 0x02 }, 48, RC_ADDRESS_BENCHMARKING, "2001:2::/48, benchmarking" },
  { { 0x20, 0x01 },
    23,
    RC_ADDRESS_RESERVED,
    "2001::/23, IETF protocol assignments (Teredo, ...)" },
  { { 0x20, 0x02 }, 16, RC_ADDRESS_NOT_IP, "6to4" },
  { { 0x20 }, 3, RC_ADDRESS_GLOBAL, "global unicast" },
  { { 0xfc }, 7, RC_ADDRESS_PRIVATE, "fc00::/7, unique local" },
  { { 0xfe, 0x80 }, 10, RC_ADDRESS_LINK_LOCAL, "fe80::/10" },
  { { 0xfe, 0xc0 }, 10, RC_ADDRESS_PRIVATE, "fec0::/10, site-local" },
  { { 0xff }, 8, RC_ADDRESS_MULTICAST, "ff00::/8, multicast" },
  { { 0 }, 0, RC_ADDRESS_RESERVED, "outside 2000::/3, reserved" },
};

static gboolean
prefix_matches (const guint8 *a, const guint8 *network, guint prefix)
{
  guint whole = prefix / 8, bits = prefix % 8;

  if (memcmp (a, network, whole) != 0)
    return FALSE;
  return bits == 0 || ((a[whole] ^ network[whole]) & (0xff << (8 - bits))) == 0;
}

static RcAddressClass
classify_ipv6 (const guint8 *b, const char **range)
{
  for (guint i = 0; i < G_N_ELEMENTS (ipv6_ranges); i++) {
    const Ipv6Range *r = &ipv6_ranges[i];
    if (!prefix_matches (b, r->network, r->prefix))
      continue;
    if (r->klass != RC_ADDRESS_NOT_IP) {
      *range = r->range;
      return r->klass;
    }
    /* 6to4 carries its IPv4 address in bytes 2-5; the others in 12-15. */
    return classify_ipv4 (b + (b[0] == 0x20 ? 2 : 12), range);
  }
  g_assert_not_reached (); /* the last range matches everything */
}

RcAddressClass
rc_address_classify (const char *address, const char **range)
{
  g_autoptr (GInetAddress) inet = NULL;
  const char *unused;

  if (range == NULL)
    range = &unused;
  *range = "not an IP address";
  g_return_val_if_fail (address != NULL, RC_ADDRESS_NOT_IP);
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    return RC_ADDRESS_NOT_IP;
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
    return classify_ipv4 (g_inet_address_to_bytes (inet), range);
  return classify_ipv6 (g_inet_address_to_bytes (inet), range);
}

const char *
rc_address_class_to_string (RcAddressClass klass)
{
  static const char *const names[] = {
    [RC_ADDRESS_GLOBAL] = "global",
    [RC_ADDRESS_LOOPBACK] = "loopback",
    [RC_ADDRESS_PRIVATE] = "private",
    [RC_ADDRESS_LINK_LOCAL] = "link_local",
    [RC_ADDRESS_MULTICAST] = "multicast",
    [RC_ADDRESS_UNSPECIFIED] = "unspecified",
    [RC_ADDRESS_BROADCAST] = "broadcast",
    [RC_ADDRESS_DOCUMENTATION] = "documentation",
    [RC_ADDRESS_BENCHMARKING] = "benchmarking",
    [RC_ADDRESS_RESERVED] = "reserved",
    [RC_ADDRESS_NOT_IP] = "not_ip",
  };

  g_return_val_if_fail ((guint) klass < G_N_ELEMENTS (names), "not_ip");
  return names[klass];
}

RcCandidateAllow
rc_candidate_allow_from_config (const RcConfig *config)
{
  g_return_val_if_fail (config != NULL, RC_CANDIDATE_ALLOW_GLOBAL);
  return (config->rtc_allow_loopback_candidates ? RC_CANDIDATE_ALLOW_LOOPBACK : 0) |
         (config->rtc_allow_private_candidates ? RC_CANDIDATE_ALLOW_PRIVATE : 0);
}

static gboolean G_GNUC_PRINTF (4, 5)
  refuse (const char **reason, const char *label, GError **error, const char *format, ...)
{
  va_list args;

  if (reason)
    *reason = label;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID,
                                                format, args));
  va_end (args);
  return FALSE;
}

gboolean
rc_candidate_check (const RcMediaCandidate *c, RcCandidateAllow allow, const char **reason,
                    GError **error)
{
  const char *range = NULL;
  RcAddressClass klass;

  g_return_val_if_fail (c != NULL && c->address != NULL, FALSE);
  if (!c->address_is_ip)
    return refuse (reason, "hostname", error,
                   "candidate: %s is a host name (an mDNS \"….local\" name?): the server does "
                   "not resolve names a client chooses; its server-reflexive or relay "
                   "candidates reach the server",
                   c->address);
  if (g_strcmp0 (c->transport, "udp") != 0)
    return refuse (reason, "tcp", error,
                   "candidate: %s candidates are not used: the server's ICE is UDP only",
                   c->transport);
  klass = rc_address_classify (c->address, &range);
  switch (klass) {
  case RC_ADDRESS_GLOBAL:
    break;
  case RC_ADDRESS_NOT_IP:
    return refuse (reason, "not_ip", error,
                   "candidate: %s is not a plain IP address (no zone, no shorthand)",
                   c->address);
  case RC_ADDRESS_LOOPBACK:
    if (allow & RC_CANDIDATE_ALLOW_LOOPBACK)
      break;
    return refuse (reason, "loopback", error,
                   "candidate: %s is a loopback address (%s): the server only connects to "
                   "global unicast addresses unless RTC_ALLOW_LOOPBACK_CANDIDATES=true",
                   c->address, range);
  case RC_ADDRESS_PRIVATE:
  case RC_ADDRESS_LINK_LOCAL:
    if (allow & RC_CANDIDATE_ALLOW_PRIVATE)
      break;
    return refuse (reason, rc_address_class_to_string (klass), error,
                   "candidate: %s is a %s address (%s): the server only connects to global "
                   "unicast addresses unless RTC_ALLOW_PRIVATE_CANDIDATES=true",
                   c->address, klass == RC_ADDRESS_PRIVATE ? "private" : "link-local", range);
  default:
    return refuse (reason, rc_address_class_to_string (klass), error,
                   "candidate: %s is not a unicast address a peer can have (%s)", c->address,
                   range);
  }
  if (c->port < RC_CANDIDATE_MIN_PORT)
    return refuse (reason, "port", error,
                   "candidate: port %u is below %d: a peer's ICE ports are ephemeral", c->port,
                   RC_CANDIDATE_MIN_PORT);
  return TRUE;
}

void
rc_candidate_refusal_free (RcCandidateRefusal *refusal)
{
  if (refusal == NULL)
    return;
  g_free (refusal->candidate);
  g_free (refusal->message);
  g_free (refusal);
}

gboolean
rc_candidate_filter_answer (GstSDPMessage *answer, RcCandidateAllow allow, guint max,
                            guint *n_kept, GPtrArray *refused, GError **error)
{
  guint total = 0, kept = 0;

  g_return_val_if_fail (answer != NULL && refused != NULL, FALSE);
  for (guint m = 0; m < gst_sdp_message_medias_len (answer); m++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (answer, m);

    for (guint i = 0; i < gst_sdp_media_attributes_len (media);) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
      g_auto (RcMediaCandidate) parsed = { 0 };
      g_autoptr (GError) local = NULL;
      g_autofree char *line = NULL;
      const char *reason = NULL;
      RcCandidateRefusal *r;

      if (g_strcmp0 (a->key, "candidate") != 0) {
        i++;
        continue;
      }
      if (++total > max) {
        g_set_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID,
                     "sdp: more than %u a=candidate lines", max);
        return FALSE;
      }
      line = g_strconcat ("candidate:", a->value ? a->value : "", NULL);
      if (!rc_media_candidate_parse (line, &parsed, &local)) {
        g_set_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID, "sdp: a=%s",
                     local->message);
        return FALSE;
      }
      if (rc_candidate_check (&parsed, allow, &reason, &local)) {
        kept++;
        i++;
        continue;
      }
      r = g_new0 (RcCandidateRefusal, 1);
      r->candidate = g_steal_pointer (&line);
      r->reason = reason;
      r->message = g_strdup (local->message);
      g_ptr_array_add (refused, r);
      gst_sdp_media_remove_attribute (media, i);
    }
  }
  if (n_kept)
    *n_kept = kept;
  return TRUE;
}
