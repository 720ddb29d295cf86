/* roomcast: unit tests of the remote ICE candidate filter
 * (src/media/candidate-filter.c): each special range at its edges, IPv4
 * and IPv6, IPv4 carried in IPv6, what each setting lets through, ports,
 * transports, host names, and the a=candidate lines of an SDP answer.
 */
#include "media/candidate-filter.h"

#include <string.h>

typedef struct {
  const char *address;
  RcAddressClass klass;
} Case;

static void
assert_classes (const Case *cases, gsize n)
{
  for (gsize i = 0; i < n; i++) {
    RcAddressClass got = rc_address_classify (cases[i].address, NULL);
    if (got != cases[i].klass)
      g_error ("%s: %s, expected %s", cases[i].address, rc_address_class_to_string (got),
               rc_address_class_to_string (cases[i].klass));
  }
}

static void
test_ipv4 (void)
{
  static const Case cases[] = {
    { "8.8.8.8", RC_ADDRESS_GLOBAL },
    { "1.0.0.1", RC_ADDRESS_GLOBAL },
    { "223.255.255.255", RC_ADDRESS_GLOBAL },
    { "0.0.0.0", RC_ADDRESS_UNSPECIFIED },
    { "0.255.255.255", RC_ADDRESS_UNSPECIFIED },
    { "9.255.255.255", RC_ADDRESS_GLOBAL },
    { "10.0.0.0", RC_ADDRESS_PRIVATE },
    { "10.0.0.1", RC_ADDRESS_PRIVATE },
    { "10.255.255.255", RC_ADDRESS_PRIVATE },
    { "11.0.0.0", RC_ADDRESS_GLOBAL },
    { "100.63.255.255", RC_ADDRESS_GLOBAL },
    { "100.64.0.0", RC_ADDRESS_PRIVATE },
    { "100.127.255.255", RC_ADDRESS_PRIVATE },
    { "100.128.0.0", RC_ADDRESS_GLOBAL },
    { "126.255.255.255", RC_ADDRESS_GLOBAL },
    { "127.0.0.0", RC_ADDRESS_LOOPBACK },
    { "127.0.0.1", RC_ADDRESS_LOOPBACK },
    { "127.0.0.53", RC_ADDRESS_LOOPBACK },
    { "127.255.255.255", RC_ADDRESS_LOOPBACK },
    { "128.0.0.0", RC_ADDRESS_GLOBAL },
    { "169.253.255.255", RC_ADDRESS_GLOBAL },
    { "169.254.0.0", RC_ADDRESS_LINK_LOCAL },
    { "169.254.169.254", RC_ADDRESS_LINK_LOCAL },
    { "169.255.0.0", RC_ADDRESS_GLOBAL },
    { "172.15.255.255", RC_ADDRESS_GLOBAL },
    { "172.16.0.0", RC_ADDRESS_PRIVATE },
    { "172.31.255.255", RC_ADDRESS_PRIVATE },
    { "172.32.0.0", RC_ADDRESS_GLOBAL },
    { "192.0.0.8", RC_ADDRESS_RESERVED },
    { "192.0.1.0", RC_ADDRESS_GLOBAL },
    { "192.0.2.1", RC_ADDRESS_DOCUMENTATION },
    { "192.0.3.0", RC_ADDRESS_GLOBAL },
    { "192.88.99.1", RC_ADDRESS_RESERVED },
    { "192.167.255.255", RC_ADDRESS_GLOBAL },
    { "192.168.0.0", RC_ADDRESS_PRIVATE },
    { "192.168.1.1", RC_ADDRESS_PRIVATE },
    { "192.168.255.255", RC_ADDRESS_PRIVATE },
    { "192.169.0.0", RC_ADDRESS_GLOBAL },
    { "198.17.255.255", RC_ADDRESS_GLOBAL },
    { "198.18.0.0", RC_ADDRESS_BENCHMARKING },
    { "198.19.255.255", RC_ADDRESS_BENCHMARKING },
    { "198.20.0.0", RC_ADDRESS_GLOBAL },
    { "198.51.100.7", RC_ADDRESS_DOCUMENTATION },
    { "203.0.113.9", RC_ADDRESS_DOCUMENTATION },
    { "203.0.114.0", RC_ADDRESS_GLOBAL },
    { "224.0.0.0", RC_ADDRESS_MULTICAST },
    { "224.0.0.251", RC_ADDRESS_MULTICAST },
    { "239.255.255.250", RC_ADDRESS_MULTICAST },
    { "240.0.0.0", RC_ADDRESS_RESERVED },
    { "255.255.255.254", RC_ADDRESS_RESERVED },
    { "255.255.255.255", RC_ADDRESS_BROADCAST },
  };

  assert_classes (cases, G_N_ELEMENTS (cases));
}

static void
test_ipv6 (void)
{
  static const Case cases[] = {
    { "2001:4860:4860::8888", RC_ADDRESS_GLOBAL },
    { "2606:4700::1111", RC_ADDRESS_GLOBAL },
    { "2000::", RC_ADDRESS_GLOBAL },
    { "3ffe:ffff::1", RC_ADDRESS_GLOBAL },
    { "::", RC_ADDRESS_UNSPECIFIED },
    { "0:0:0:0:0:0:0:0", RC_ADDRESS_UNSPECIFIED },
    { "::1", RC_ADDRESS_LOOPBACK },
    { "0:0:0:0:0:0:0:1", RC_ADDRESS_LOOPBACK },
    { "::2", RC_ADDRESS_RESERVED },
    { "::127.0.0.1", RC_ADDRESS_RESERVED }, /* IPv4-compatible: deprecated */
    { "::8.8.8.8", RC_ADDRESS_RESERVED },
    { "100::1", RC_ADDRESS_RESERVED },
    { "1000::1", RC_ADDRESS_RESERVED },
    { "4000::1", RC_ADDRESS_RESERVED },
    { "fc00::1", RC_ADDRESS_PRIVATE },
    { "fd12:3456:789a::1", RC_ADDRESS_PRIVATE },
    { "fdff:ffff::1", RC_ADDRESS_PRIVATE },
    { "fe80::1", RC_ADDRESS_LINK_LOCAL },
    { "febf:ffff::1", RC_ADDRESS_LINK_LOCAL },
    { "fec0::1", RC_ADDRESS_PRIVATE },
    { "ff02::fb", RC_ADDRESS_MULTICAST },
    { "ff0e::1", RC_ADDRESS_MULTICAST },
    { "2001:db8::1", RC_ADDRESS_DOCUMENTATION },
    { "2001:db8:ffff::1", RC_ADDRESS_DOCUMENTATION },
    { "3fff::1", RC_ADDRESS_DOCUMENTATION },
    { "3fff:fff:ffff::1", RC_ADDRESS_DOCUMENTATION },
    { "3fff:1000::1", RC_ADDRESS_GLOBAL },
    { "2001:2::1", RC_ADDRESS_BENCHMARKING },
    { "2001:2:0:ffff::1", RC_ADDRESS_BENCHMARKING },
    { "2001::1", RC_ADDRESS_RESERVED }, /* Teredo */
    { "2001:1ff::1", RC_ADDRESS_RESERVED },
    { "2001:200::1", RC_ADDRESS_GLOBAL },
  };

  assert_classes (cases, G_N_ELEMENTS (cases));
}

/* IPv4 inside IPv6 is the IPv4 address's class, whatever the form. */
static void
test_embedded_ipv4 (void)
{
  static const Case cases[] = {
    { "::ffff:8.8.8.8", RC_ADDRESS_GLOBAL },
    { "::ffff:10.0.0.1", RC_ADDRESS_PRIVATE },
    { "::ffff:0a00:0001", RC_ADDRESS_PRIVATE },
    { "0:0:0:0:0:ffff:c0a8:0101", RC_ADDRESS_PRIVATE },
    { "::ffff:100.64.0.1", RC_ADDRESS_PRIVATE },
    { "::ffff:127.0.0.1", RC_ADDRESS_LOOPBACK },
    { "::ffff:127.0.0.53", RC_ADDRESS_LOOPBACK },
    { "::ffff:169.254.1.1", RC_ADDRESS_LINK_LOCAL },
    { "::ffff:224.0.0.251", RC_ADDRESS_MULTICAST },
    { "::ffff:0.0.0.0", RC_ADDRESS_UNSPECIFIED },
    { "::ffff:255.255.255.255", RC_ADDRESS_BROADCAST },
    { "::ffff:192.0.2.1", RC_ADDRESS_DOCUMENTATION },
    { "::ffff:198.18.0.1", RC_ADDRESS_BENCHMARKING },
    { "64:ff9b::8.8.8.8", RC_ADDRESS_GLOBAL },
    { "64:ff9b::10.0.0.1", RC_ADDRESS_PRIVATE },
    { "64:ff9b::7f00:1", RC_ADDRESS_LOOPBACK },
    { "64:ff9b::e000:fb", RC_ADDRESS_MULTICAST },
    { "64:ff9b:1::1", RC_ADDRESS_PRIVATE }, /* local-use NAT64 */
    { "2002:0808:0808::1", RC_ADDRESS_GLOBAL },
    { "2002:c0a8:0101::1", RC_ADDRESS_PRIVATE },
    { "2002:7f00:0001::1", RC_ADDRESS_LOOPBACK },
    { "2002:a9fe:a9fe::1", RC_ADDRESS_LINK_LOCAL },
    { "2002:e000:00fb::1", RC_ADDRESS_MULTICAST },
  };
  const char *range = NULL;

  assert_classes (cases, G_N_ELEMENTS (cases));
  g_assert_cmpint (rc_address_classify ("::ffff:10.0.0.1", &range), ==, RC_ADDRESS_PRIVATE);
  g_assert_cmpstr (range, ==, "10.0.0.0/8, RFC 1918");
  g_assert_cmpint (rc_address_classify ("fe80::1", &range), ==, RC_ADDRESS_LINK_LOCAL);
  g_assert_cmpstr (range, ==, "fe80::/10");
}

/* Only strict literals: what inet_aton would read differently, zones and
 * names are not addresses. */
static void
test_not_ip (void)
{
  static const Case cases[] = {
    { "127.1", RC_ADDRESS_NOT_IP },          { "0127.0.0.1", RC_ADDRESS_NOT_IP },
    { "010.0.0.1", RC_ADDRESS_NOT_IP },      { "2130706433", RC_ADDRESS_NOT_IP },
    { "0x7f.0.0.1", RC_ADDRESS_NOT_IP },     { "1.2.3.4.5", RC_ADDRESS_NOT_IP },
    { "fe80::1%eth0", RC_ADDRESS_NOT_IP },   { "[::1]", RC_ADDRESS_NOT_IP },
    { "localhost", RC_ADDRESS_NOT_IP },      { "0a1b2c3d.local", RC_ADDRESS_NOT_IP },
    { "", RC_ADDRESS_NOT_IP },               { " 8.8.8.8", RC_ADDRESS_NOT_IP },
  };

  assert_classes (cases, G_N_ELEMENTS (cases));
}

/* Checks @line under @allow: NULL @reason = accepted. The refusal message
 * must contain @message_part (nullable). */
static void
check (const char *line, RcCandidateAllow allow, const char *reason, const char *message_part)
{
  g_auto (RcMediaCandidate) c = { 0 };
  g_autoptr (GError) error = NULL;
  const char *got = NULL;
  gboolean ok;

  if (!rc_media_candidate_parse (line, &c, &error))
    g_error ("%s: does not parse: %s", line, error->message);
  ok = rc_candidate_check (&c, allow, &got, &error);
  if (reason == NULL) {
    if (!ok)
      g_error ("%s (allow %d): refused (%s): %s", line, allow, got, error->message);
    g_assert_no_error (error);
    return;
  }
  if (ok)
    g_error ("%s (allow %d): accepted, expected %s", line, allow, reason);
  g_assert_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID);
  g_assert_cmpstr (got, ==, reason);
  if (message_part && strstr (error->message, message_part) == NULL)
    g_error ("%s: message \"%s\" lacks \"%s\"", line, error->message, message_part);
}

#define HOST(addr, port) "candidate:1 1 udp 2122260223 " addr " " port " typ host"

static void
test_check_default (void)
{
  const RcCandidateAllow g = RC_CANDIDATE_ALLOW_GLOBAL;

  check (HOST ("8.8.8.8", "50000"), g, NULL, NULL);
  check (HOST ("2001:4860:4860::8888", "1024"), g, NULL, NULL);
  check ("candidate:2 1 UDP 1686052607 203.0.114.7 61234 typ srflx raddr 10.0.0.5 rport 50000",
         g, NULL, NULL);
  check ("candidate:3 1 udp 41885439 198.20.1.1 3478 typ relay raddr 0.0.0.0 rport 0", g, NULL,
         NULL);
  /* What the issue saw accepted: each refused, saying why. */
  check (HOST ("10.0.0.1", "6379"), g, "private",
         "10.0.0.1 is a private address (10.0.0.0/8, RFC 1918): the server only connects to "
         "global unicast addresses unless RTC_ALLOW_PRIVATE_CANDIDATES=true");
  check (HOST ("192.168.1.1", "53"), g, "private", "192.168.0.0/16");
  check (HOST ("127.0.0.1", "22"), g, "loopback", "RTC_ALLOW_LOOPBACK_CANDIDATES=true");
  check (HOST ("127.0.0.53", "53"), g, "loopback", "127.0.0.0/8");
  check (HOST ("224.0.0.251", "5353"), g, "multicast",
         "224.0.0.251 is not a unicast address a peer can have (224.0.0.0/4, multicast)");
  check (HOST ("100.64.0.1", "50000"), g, "private", "carrier-grade NAT");
  check (HOST ("169.254.169.254", "50000"), g, "link_local", "a link-local address");
  check (HOST ("fd00::1", "50000"), g, "private", "unique local");
  check (HOST ("fe80::1", "50000"), g, "link_local", NULL);
  check (HOST ("::1", "50000"), g, "loopback", NULL);
  check (HOST ("::ffff:127.0.0.1", "50000"), g, "loopback", NULL);
  check (HOST ("::ffff:10.0.0.1", "50000"), g, "private", NULL);
  check (HOST ("64:ff9b::a00:1", "50000"), g, "private", NULL);
  check (HOST ("0.0.0.0", "50000"), g, "unspecified", NULL);
  check (HOST ("::", "50000"), g, "unspecified", NULL);
  check (HOST ("255.255.255.255", "50000"), g, "broadcast", NULL);
  check (HOST ("ff02::1", "50000"), g, "multicast", NULL);
  check (HOST ("192.0.2.1", "50000"), g, "documentation", NULL);
  check (HOST ("2001:db8::1", "50000"), g, "documentation", NULL);
  check (HOST ("198.18.0.1", "50000"), g, "benchmarking", NULL);
  check (HOST ("240.0.0.1", "50000"), g, "reserved", NULL);
  check (HOST ("fe80::1%eth0", "50000"), g, "not_ip", "not a plain IP address");
}

static void
test_check_ports (void)
{
  const RcCandidateAllow g = RC_CANDIDATE_ALLOW_GLOBAL;

  check (HOST ("8.8.8.8", "1024"), g, NULL, NULL);
  check (HOST ("8.8.8.8", "65535"), g, NULL, NULL);
  check (HOST ("8.8.8.8", "1023"), g, "port", "port 1023 is below 1024");
  check (HOST ("8.8.8.8", "53"), g, "port", NULL);
  check (HOST ("8.8.8.8", "0"), g, "port", NULL);
  check (HOST ("::ffff:8.8.8.8", "443"), g, "port", NULL);
  /* The settings allow addresses, never low ports. */
  check (HOST ("127.0.0.1", "22"), RC_CANDIDATE_ALLOW_LOOPBACK | RC_CANDIDATE_ALLOW_PRIVATE,
         "port", NULL);
  check (HOST ("10.0.0.1", "6379"), RC_CANDIDATE_ALLOW_PRIVATE, NULL, NULL);
  check (HOST ("192.168.1.1", "53"), RC_CANDIDATE_ALLOW_PRIVATE, "port", NULL);
}

static void
test_check_settings (void)
{
  const RcCandidateAllow lo = RC_CANDIDATE_ALLOW_LOOPBACK, priv = RC_CANDIDATE_ALLOW_PRIVATE;
  const RcCandidateAllow both = lo | priv;

  check (HOST ("127.0.0.1", "50000"), lo, NULL, NULL);
  check (HOST ("::1", "50000"), lo, NULL, NULL);
  check (HOST ("::ffff:127.0.0.2", "50000"), lo, NULL, NULL);
  check (HOST ("10.0.0.1", "50000"), lo, "private", NULL);
  check (HOST ("169.254.1.1", "50000"), lo, "link_local", NULL);

  check (HOST ("10.0.0.1", "50000"), priv, NULL, NULL);
  check (HOST ("172.16.5.4", "50000"), priv, NULL, NULL);
  check (HOST ("192.168.1.1", "50000"), priv, NULL, NULL);
  check (HOST ("100.100.100.100", "50000"), priv, NULL, NULL);
  check (HOST ("fd12::1", "50000"), priv, NULL, NULL);
  check (HOST ("fe80::1", "50000"), priv, NULL, NULL);
  check (HOST ("169.254.1.1", "50000"), priv, NULL, NULL);
  check (HOST ("127.0.0.1", "50000"), priv, "loopback", NULL);

  /* Never a peer, whatever the settings. */
  check (HOST ("224.0.0.251", "5353"), both, "multicast", NULL);
  check (HOST ("239.255.255.250", "1900"), both, "multicast", NULL);
  check (HOST ("0.0.0.0", "50000"), both, "unspecified", NULL);
  check (HOST ("255.255.255.255", "50000"), both, "broadcast", NULL);
  check (HOST ("203.0.113.1", "50000"), both, "documentation", NULL);
  check (HOST ("198.19.0.1", "50000"), both, "benchmarking", NULL);
  check (HOST ("::ffff:224.0.0.251", "5353"), both, "multicast", NULL);
}

static void
test_check_names_and_tcp (void)
{
  const RcCandidateAllow all = RC_CANDIDATE_ALLOW_LOOPBACK | RC_CANDIDATE_ALLOW_PRIVATE;

  check (HOST ("0a1b2c3d-4e5f-6789-abcd-ef0123456789.local", "50000"), all, "hostname",
         "is a host name (an mDNS \"….local\" name?)");
  check (HOST ("localhost", "50000"), all, "hostname", NULL);
  /* Not an address for inet_pton, so a name: never resolved. */
  check (HOST ("127.1", "50000"), all, "hostname", NULL);
  check ("candidate:4 1 tcp 1518280447 8.8.8.8 9 typ host tcptype active", all, "tcp",
         "tcp candidates are not used");
  check ("candidate:4 1 TCP 1518280447 8.8.8.8 50000 typ host tcptype passive", all, "tcp",
         NULL);
}

static void
test_allow_from_config (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();

  g_assert_cmpint (rc_candidate_allow_from_config (config), ==, RC_CANDIDATE_ALLOW_GLOBAL);
  config->rtc_allow_loopback_candidates = TRUE;
  g_assert_cmpint (rc_candidate_allow_from_config (config), ==, RC_CANDIDATE_ALLOW_LOOPBACK);
  config->rtc_allow_private_candidates = TRUE;
  g_assert_cmpint (rc_candidate_allow_from_config (config), ==,
                   RC_CANDIDATE_ALLOW_LOOPBACK | RC_CANDIDATE_ALLOW_PRIVATE);
}

static const char answer_head[] = "v=0\r\n"
                                  "o=- 1 2 IN IP4 127.0.0.1\r\n"
                                  "s=-\r\n"
                                  "t=0 0\r\n"
                                  "a=candidate:9 1 udp 1 10.9.9.9 50000 typ host\r\n"
                                  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                                  "c=IN IP4 0.0.0.0\r\n"
                                  "a=mid:audio0\r\n";

static GstSDPMessage *
answer_with (const char *candidates)
{
  g_autofree char *text = g_strconcat (answer_head, candidates, "a=rtcp-mux\r\n", NULL);
  GstSDPMessage *msg = NULL;

  g_assert_cmpint (gst_sdp_message_new_from_text (text, &msg), ==, GST_SDP_OK);
  return msg;
}

static void
test_filter_answer (void)
{
  g_autoptr (GstSDPMessage) answer =
    answer_with ("a=candidate:1 1 udp 2122260223 8.8.8.8 50000 typ host\r\n"
                 "a=candidate:2 1 udp 2122260223 10.0.0.1 6379 typ host\r\n"
                 "a=candidate:3 1 udp 2122260223 abcd.local 50000 typ host\r\n"
                 "a=candidate:4 1 udp 2122260223 127.0.0.1 50000 typ host\r\n"
                 "a=candidate:5 1 udp 1686052607 8.8.4.4 61234 typ srflx raddr 10.0.0.5 "
                 "rport 50000\r\n"
                 "a=end-of-candidates\r\n");
  g_autoptr (GPtrArray) refused =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rc_candidate_refusal_free);
  g_autoptr (GError) error = NULL;
  const GstSDPMedia *media;
  RcCandidateRefusal *r;
  guint kept = 0;
  g_autofree char *text = NULL;

  g_assert_true (rc_candidate_filter_answer (answer, RC_CANDIDATE_ALLOW_LOOPBACK, 50, &kept,
                                             refused, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kept, ==, 3);
  g_assert_cmpuint (refused->len, ==, 2);
  r = g_ptr_array_index (refused, 0);
  g_assert_cmpstr (r->candidate, ==, "candidate:2 1 udp 2122260223 10.0.0.1 6379 typ host");
  g_assert_cmpstr (r->reason, ==, "private");
  g_assert_nonnull (strstr (r->message, "RTC_ALLOW_PRIVATE_CANDIDATES"));
  r = g_ptr_array_index (refused, 1);
  g_assert_cmpstr (r->reason, ==, "hostname");

  media = gst_sdp_message_get_media (answer, 0);
  text = gst_sdp_message_as_text (answer);
  g_assert_null (strstr (text, "10.0.0.1 6379"));
  g_assert_null (strstr (text, ".local"));
  g_assert_nonnull (strstr (text, "a=candidate:1 1 udp 2122260223 8.8.8.8 50000 typ host\r\n"));
  g_assert_nonnull (strstr (text, "a=candidate:4 1 udp 2122260223 127.0.0.1 50000 typ host\r\n"));
  g_assert_nonnull (strstr (text, "a=end-of-candidates\r\n"));
  g_assert_nonnull (strstr (text, "a=rtcp-mux\r\n"));
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (media, "mid"), ==, "audio0");
  /* The session-level one is not read by webrtcbin: left alone. */
  g_assert_nonnull (strstr (text, "10.9.9.9"));

  /* Under the global-only default, the loopback one goes too. */
  g_ptr_array_set_size (refused, 0);
  g_assert_true (rc_candidate_filter_answer (answer, RC_CANDIDATE_ALLOW_GLOBAL, 50, &kept,
                                             refused, &error));
  g_assert_cmpuint (kept, ==, 2);
  g_assert_cmpuint (refused->len, ==, 1);
  g_assert_cmpstr (((RcCandidateRefusal *) g_ptr_array_index (refused, 0))->reason, ==,
                   "loopback");
}

static void
test_filter_answer_errors (void)
{
  g_autoptr (GPtrArray) refused =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rc_candidate_refusal_free);
  g_autoptr (GstSDPMessage) malformed =
    answer_with ("a=candidate:1 1 udp 2122260223 8.8.8.8 50000 typ\r\n");
  g_autoptr (GstSDPMessage) none = answer_with ("");
  g_autoptr (GString) many = g_string_new (NULL);
  g_autoptr (GstSDPMessage) too_many = NULL;
  g_autoptr (GError) error = NULL;
  guint kept = 99;

  g_assert_false (
    rc_candidate_filter_answer (malformed, RC_CANDIDATE_ALLOW_GLOBAL, 50, &kept, refused, &error));
  g_assert_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "sdp: a=candidate: expected"));
  g_clear_error (&error);

  g_assert_true (
    rc_candidate_filter_answer (none, RC_CANDIDATE_ALLOW_GLOBAL, 50, &kept, refused, &error));
  g_assert_cmpuint (kept, ==, 0);

  /* The cap counts every line, refused ones too. */
  for (guint i = 0; i < 51; i++)
    g_string_append_printf (many, "a=candidate:%u 1 udp 1 10.0.0.%u 50000 typ host\r\n", i,
                            i + 1);
  too_many = answer_with (many->str);
  g_assert_false (
    rc_candidate_filter_answer (too_many, RC_CANDIDATE_ALLOW_GLOBAL, 50, &kept, refused, &error));
  g_assert_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "sdp: more than 50 a=candidate lines");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/candidate-filter/ipv4", test_ipv4);
  g_test_add_func ("/candidate-filter/ipv6", test_ipv6);
  g_test_add_func ("/candidate-filter/embedded-ipv4", test_embedded_ipv4);
  g_test_add_func ("/candidate-filter/not-ip", test_not_ip);
  g_test_add_func ("/candidate-filter/check/default", test_check_default);
  g_test_add_func ("/candidate-filter/check/ports", test_check_ports);
  g_test_add_func ("/candidate-filter/check/settings", test_check_settings);
  g_test_add_func ("/candidate-filter/check/names-and-tcp", test_check_names_and_tcp);
  g_test_add_func ("/candidate-filter/allow-from-config", test_allow_from_config);
  g_test_add_func ("/candidate-filter/answer", test_filter_answer);
  g_test_add_func ("/candidate-filter/answer-errors", test_filter_answer_errors);
  return g_test_run ();
}
