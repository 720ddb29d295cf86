/* roomcast: unit tests of the media signalling checks (src/media/media-sdp.c).
 *
 * The offer below has the shape webrtcbin 1.22 produces for our peer; the
 * answers have the shape of Chrome's and webrtcbin's. Every refusal is
 * checked for its message, since that text is what a client developer sees
 * in the `invalid_payload` acknowledgement.
 */
#include "media/media-sdp.h"
#include "json/json-text.h"

#include <string.h>

static const char offer_text[] =
  "v=0\r\n"
  "o=- 7056436592624180224 0 IN IP4 0.0.0.0\r\n"
  "s=-\r\n"
  "t=0 0\r\n"
  "a=ice-options:trickle\r\n"
  "a=group:BUNDLE audio0\r\n"
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=setup:actpass\r\n"
  "a=ice-ufrag:B2ltRVfHvhxBmRArSpNhjdUXiSh3yhKO\r\n"
  "a=ice-pwd:bfQqXGhrcMVTjFAc7F0HUcmJBgf1VhmX\r\n"
  "a=rtcp-mux\r\n"
  "a=rtcp-rsize\r\n"
  "a=sendrecv\r\n"
  "a=rtpmap:111 OPUS/48000/2\r\n"
  "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\n"
  "a=ssrc:3367475431 msid:user2217224009@host-93e2ba3b webrtctransceiver0\r\n"
  "a=ssrc:3367475431 cname:user2217224009@host-93e2ba3b\r\n"
  "a=mid:audio0\r\n"
  "a=fingerprint:sha-256 8B:A1:32:5E:3F:29:62:D7:B3:96:8B:5C:95:6E:3B:62:6A:08:51:"
  "6D:A3:F6:76:80:9C:6E:94:7B:92:A6:4E:BD\r\n";

/* A Chrome-like answer; @direction and the other parts are substituted. */
static const char answer_template[] =
  "v=0\r\n"
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
  "s=-\r\n"
  "t=0 0\r\n"
  "a=group:BUNDLE audio0\r\n"
  "a=extmap-allow-mixed\r\n"
  "a=msid-semantic: WMS\r\n"
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=rtcp:9 IN IP4 0.0.0.0\r\n"
  "a=ice-ufrag:Wq3P\r\n"
  "a=ice-pwd:Qk9d1LJm3ZrZRrzcFfd1hRvB\r\n"
  "a=ice-options:trickle\r\n"
  "a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:"
  "64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
  "a=setup:active\r\n"
  "a=mid:audio0\r\n"
  "a=sendrecv\r\n"
  "a=rtcp-mux\r\n"
  "a=rtpmap:111 opus/48000/2\r\n"
  "a=fmtp:111 minptime=10;useinbandfec=1\r\n";

static GstSDPMessage *
offer (void)
{
  GstSDPMessage *msg = NULL;

  g_assert_cmpint (gst_sdp_message_new_from_text (offer_text, &msg), ==, GST_SDP_OK);
  return msg;
}

/* The answer template with @from replaced by @to (must occur). */
static char *
answer_with (const char *from, const char *to)
{
  const char *at = strstr (answer_template, from);
  GString *s = g_string_new (NULL);

  g_assert_nonnull (at);
  g_string_append_len (s, answer_template, at - answer_template);
  g_string_append (s, to);
  g_string_append (s, at + strlen (from));
  return g_string_free (s, FALSE);
}

static void
assert_accepted (const char *text)
{
  g_autoptr (GstSDPMessage) o = offer ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GstSDPMessage) a = rc_media_sdp_parse_answer (text, strlen (text), o, &error);

  g_assert_no_error (error);
  g_assert_nonnull (a);
  g_assert_cmpuint (gst_sdp_message_medias_len (a), ==, 1);
}

/* Refused with a message containing @needle. */
static void
assert_refused_len (const char *text, gsize len, const char *needle)
{
  g_autoptr (GstSDPMessage) o = offer ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GstSDPMessage) a = rc_media_sdp_parse_answer (text, len, o, &error);

  g_assert_null (a);
  g_assert_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID);
  if (strstr (error->message, needle) == NULL)
    g_error ("message \"%s\" does not mention \"%s\"", error->message, needle);
}

static void
assert_refused (const char *text, const char *needle)
{
  assert_refused_len (text, strlen (text), needle);
}

static void
refused_with (const char *from, const char *to, const char *needle)
{
  g_autofree char *text = answer_with (from, to);
  assert_refused (text, needle);
}

static void
test_answer_valid (void)
{
  g_autofree char *lf = NULL;
  g_autofree char *recvonly = answer_with ("a=sendrecv", "a=recvonly");
  g_autofree char *no_final_newline = g_strndup (answer_template, strlen (answer_template) - 2);
  g_autofree char *passive = answer_with ("a=setup:active", "a=setup:passive");
  g_auto (GStrv) lines = g_strsplit (answer_template, "\r\n", -1);

  assert_accepted (answer_template);
  lf = g_strjoinv ("\n", lines);
  assert_accepted (lf);
  assert_accepted (recvonly);
  assert_accepted (no_final_newline);
  assert_accepted (passive);
}

static void
test_answer_text (void)
{
  g_autofree char *big = g_strnfill (RC_MEDIA_SDP_MAX_LEN + 1, 'a');
  g_autofree char *with_nul = g_strdup (answer_template);
  g_autofree char *bad_utf8 = answer_with ("s=-", "s=\xff\xfe");
  g_autofree char *ctrl = answer_with ("s=-", "s=a\x01");
  g_autofree char *blank = answer_with ("t=0 0\r\n", "t=0 0\r\n\r\n");
  g_autofree char *garbage = answer_with ("t=0 0\r\n", "t=0 0\r\nhello world\r\n");
  g_autofree char *upper = answer_with ("t=0 0\r\n", "t=0 0\r\nX=1\r\n");

  assert_refused ("", "empty");
  assert_refused (big, "larger than");
  with_nul[10] = '\0';
  assert_refused_len (with_nul, strlen (answer_template), "NUL");
  assert_refused (bad_utf8, "UTF-8");
  assert_refused (ctrl, "control character");
  assert_refused (blank, "line 5 is empty");
  assert_refused (garbage, "line 5 is not of the form x=value");
  assert_refused (upper, "not of the form");
  assert_refused ("o=- 1 2 IN IP4 0.0.0.0\r\nv=0\r\n", "first line must be v=0");
  assert_refused ("v=0\r\ns=-\r\nt=0 0\r\n", "o= (origin)");
  assert_refused ("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "exactly one m-line");
}

static void
test_answer_media (void)
{
  g_autofree char *two = g_strconcat (answer_template,
                                      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:x\r\n", NULL);

  assert_refused (two, "exactly one m-line is required, found 2");
  refused_with ("m=audio 9", "m=video 9", "must be audio");
  refused_with ("m=audio 9", "m=audio 0", "rejected (port 0)");
  refused_with ("UDP/TLS/RTP/SAVPF 111", "RTP/AVP 111", "UDP/TLS/RTP/SAVPF");
  refused_with ("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 PCMU/8000", "payload type 111");
  refused_with ("SAVPF 111\r\n", "SAVPF 96\r\n", "payload type 111");
  refused_with ("a=mid:audio0", "a=mid:0", "mid \"audio0\"");
  refused_with ("a=group:BUNDLE audio0\r\n", "", "keep a=group:BUNDLE");
  refused_with ("a=group:BUNDLE audio0", "a=group:BUNDLE audio0 video1", "exactly the mid");
  refused_with ("a=rtcp-mux\r\n", "", "rtcp-mux");
  refused_with ("a=ice-ufrag:Wq3P\r\n", "", "ice-ufrag and a=ice-pwd");
  refused_with ("a=ice-ufrag:Wq3P", "a=ice-ufrag:Wq", "ice-ufrag must be");
  refused_with ("a=ice-pwd:Qk9d1LJm3ZrZRrzcFfd1hRvB", "a=ice-pwd:short", "ice-pwd must be");
  refused_with ("a=ice-ufrag:Wq3P", "a=ice-ufrag:Wq3P;x", "ice-ufrag must be");
  refused_with ("a=fingerprint:sha-256 ", "a=fingerprinx:sha-256 ", "fingerprint is required");
  refused_with ("a=fingerprint:sha-256 6B", "a=fingerprint:sha-256 ZZ", "hex fingerprint");
  refused_with ("a=setup:active", "a=setup:actpass", "a=setup:active or");
  refused_with ("a=sendrecv", "a=sendonly", "is sendonly");
  refused_with ("a=sendrecv", "a=inactive", "is inactive");
}

static void
test_answer_session_level (void)
{
  /* ICE credentials, fingerprint and setup may sit at session level. */
  g_autofree char *step = answer_with ("a=ice-ufrag:Wq3P\r\n", "");
  g_autofree char *moved = NULL;
  const char *ufrag_session = "t=0 0\r\na=ice-ufrag:Wq3P\r\n";
  const char *at = strstr (step, "t=0 0\r\n");
  GString *s = g_string_new (NULL);

  g_string_append_len (s, step, at - step);
  g_string_append (s, ufrag_session);
  g_string_append (s, at + strlen ("t=0 0\r\n"));
  moved = g_string_free (s, FALSE);
  assert_accepted (moved);
}

static void
test_find_opus_pt (void)
{
  g_autoptr (GstSDPMessage) o = offer ();
  GstSDPMedia *m = NULL;

  g_assert_cmpint (rc_media_sdp_find_opus_pt (gst_sdp_message_get_media (o, 0)), ==, 111);
  gst_sdp_media_new (&m);
  gst_sdp_media_set_media (m, "audio");
  gst_sdp_media_add_format (m, "0");
  gst_sdp_media_add_attribute (m, "rtpmap", "109 opus/48000/2"); /* not in the formats */
  g_assert_cmpint (rc_media_sdp_find_opus_pt (m), ==, -1);
  gst_sdp_media_add_format (m, "109");
  g_assert_cmpint (rc_media_sdp_find_opus_pt (m), ==, 109);
  gst_sdp_media_free (m);
}

/* --- candidates -------------------------------------------------------- */

static void
test_candidate_valid (void)
{
  g_auto (RcMediaCandidate) c = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (rc_media_candidate_parse (
    "candidate:1 1 UDP 2015363327 127.0.0.1 40123 typ host", &c, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (c.foundation, ==, "1");
  g_assert_cmpuint (c.component, ==, 1);
  g_assert_cmpstr (c.transport, ==, "udp");
  g_assert_cmpuint (c.priority, ==, 2015363327u);
  g_assert_cmpstr (c.address, ==, "127.0.0.1");
  g_assert_true (c.address_is_ip);
  g_assert_cmpuint (c.port, ==, 40123);
  g_assert_cmpstr (c.type, ==, "host");
  rc_media_candidate_clear (&c);

  g_assert_true (rc_media_candidate_parse (
    "candidate:842163049 1 udp 1677729535 198.51.100.7 59033 typ srflx raddr 0.0.0.0 "
    "rport 0 generation 0 ufrag sXtB network-cost 999", &c, &error));
  g_assert_cmpstr (c.type, ==, "srflx");
  rc_media_candidate_clear (&c);

  g_assert_true (rc_media_candidate_parse (
    "candidate:3 1 TCP 1015021823 ::1 9 typ host tcptype active", &c, &error));
  g_assert_cmpstr (c.address, ==, "::1");
  rc_media_candidate_clear (&c);

  g_assert_true (rc_media_candidate_parse (
    "candidate:2 1 udp 2113937151 4f3c9a3e-1b2d-4c5e-8f90-0a1b2c3d4e5f.local 52311 typ host "
    "generation 0", &c, &error));
  g_assert_false (c.address_is_ip);
  rc_media_candidate_clear (&c);

  g_assert_true (rc_media_candidate_parse (
    "candidate:a+b/C 256 udp 4294967295 10.0.0.1 65535 typ relay raddr 1.2.3.4 rport 5", &c,
    &error));
  g_assert_cmpuint (c.priority, ==, 4294967295u);
  g_assert_cmpuint (c.component, ==, 256);
}

static void
assert_candidate_refused (const char *line, const char *needle)
{
  g_auto (RcMediaCandidate) c = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_false (rc_media_candidate_parse (line, &c, &error));
  g_assert_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID);
  if (strstr (error->message, needle) == NULL)
    g_error ("\"%s\": message \"%s\" does not mention \"%s\"", line, error->message, needle);
  g_assert_null (c.address);
}

static void
test_candidate_invalid (void)
{
  g_autofree char *ys = g_strnfill (RC_MEDIA_CANDIDATE_MAX_LEN, 'y');
  g_autofree char *longest = g_strdup_printf ("candidate:1 1 udp 1 127.0.0.1 1 typ host x %s", ys);

  assert_candidate_refused ("a=candidate:1 1 udp 1 127.0.0.1 1 typ host", "must start with");
  assert_candidate_refused ("", "must start with");
  assert_candidate_refused ("candidate:1 1 udp 1 127.0.0.1 1", "expected");
  assert_candidate_refused ("candidate:1 1 udp 1 127.0.0.1 1 type host", "expected");
  assert_candidate_refused ("candidate:1 1 udp 1 127.0.0.1 1 typ local", "type must be");
  assert_candidate_refused ("candidate:1 1 udp 4294967296 127.0.0.1 1 typ host", "priority");
  assert_candidate_refused ("candidate:1 1 udp -1 127.0.0.1 1 typ host", "priority");
  assert_candidate_refused ("candidate:1 1 udp 1 127.0.0.1 65536 typ host", "port");
  assert_candidate_refused ("candidate:1 0 udp 1 127.0.0.1 1 typ host", "component");
  assert_candidate_refused ("candidate:1 257 udp 1 127.0.0.1 1 typ host", "component");
  assert_candidate_refused ("candidate:1 1 sctp 1 127.0.0.1 1 typ host", "transport");
  assert_candidate_refused ("candidate:1 1 udp 1 127.0.0.1  1 typ host", "empty field");
  assert_candidate_refused ("candidate:1 1 udp 1 127.0.0.1 1 typ host ", "empty field");
  assert_candidate_refused ("candidate:1 1 udp 1 127.0.0.1 1 typ host generation",
                            "name/value pairs");
  assert_candidate_refused ("candidate:1 1 udp 1 bad_host! 1 typ host", "address");
  assert_candidate_refused ("candidate:123456789012345678901234567890123 1 udp 1 127.0.0.1 1 "
                            "typ host", "foundation");
  assert_candidate_refused ("candidate:1 1 udp 1 127.0.0.1 1 typ host x \xc3\xa9",
                            "printable ASCII");
  assert_candidate_refused ("candidate:1 1 udp 1 127.0.0.1 1 typ host x\ty", "printable ASCII");
  assert_candidate_refused (longest, "longer than");
}

static void
test_candidate_rewrite (void)
{
  const char *host4 = "candidate:1 1 UDP 2015363327 10.1.2.3 40123 typ host";
  const char *srflx = "candidate:2 1 udp 1677729535 198.51.100.7 59033 typ srflx raddr "
                      "10.1.2.3 rport 40123";
  const char *host6 = "candidate:3 1 udp 2015363327 fd00::5 40125 typ host";
  g_autofree char *a = rc_media_candidate_rewrite_host (host4, "203.0.113.9");
  g_autofree char *b = rc_media_candidate_rewrite_host (srflx, "203.0.113.9");
  g_autofree char *c = rc_media_candidate_rewrite_host (host6, "203.0.113.9");
  g_autofree char *d = rc_media_candidate_rewrite_host (host6, "2001:db8::1");
  g_autofree char *e = rc_media_candidate_rewrite_host (host4, NULL);

  g_assert_cmpstr (a, ==, "candidate:1 1 UDP 2015363327 203.0.113.9 40123 typ host");
  g_assert_cmpstr (b, ==, srflx);
  g_assert_cmpstr (c, ==, host6);
  g_assert_cmpstr (d, ==, "candidate:3 1 udp 2015363327 2001:db8::1 40125 typ host");
  g_assert_cmpstr (e, ==, host4);
}

/* --- media:ice payloads ------------------------------------------------ */

static RcMediaIceCandidate *
ice_from (const char *json, GError **error)
{
  g_autoptr (JsonNode) node = rc_json_parse_strict (json, strlen (json), NULL, NULL);

  g_assert_nonnull (node);
  return rc_media_ice_candidate_from_json (node, 1, "audio0", error);
}

static void
test_ice_json_valid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RcMediaIceCandidate) c = ice_from (
    "{\"candidate\":\"candidate:1 1 udp 2015363327 127.0.0.1 40123 typ host\","
    "\"sdpMLineIndex\":0,\"sdpMid\":\"audio0\",\"usernameFragment\":\"Wq3P\"}", &error);
  g_autoptr (RcMediaIceCandidate) end1 = ice_from ("{\"candidate\":null}", &error);
  g_autoptr (RcMediaIceCandidate) end2 = ice_from (
    "{\"candidate\":\"\",\"sdpMLineIndex\":0,\"sdpMid\":null}", &error);
  g_autoptr (RcMediaIceCandidate) no_mid = ice_from (
    "{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ host\",\"sdpMLineIndex\":0}",
    &error);
  g_autoptr (RcMediaIceCandidate) extra = ice_from ("{\"candidate\":null,\"future\":[1]}", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (c->candidate, ==, "candidate:1 1 udp 2015363327 127.0.0.1 40123 typ host");
  g_assert_cmpuint (c->mline_index, ==, 0);
  g_assert_cmpstr (c->mid, ==, "audio0");
  g_assert_null (end1->candidate);
  g_assert_null (end2->candidate);
  g_assert_null (no_mid->mid);
  g_assert_null (extra->candidate);
}

static void
assert_ice_refused (const char *json, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RcMediaIceCandidate) c = ice_from (json, &error);

  g_assert_null (c);
  g_assert_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID);
  if (strstr (error->message, needle) == NULL)
    g_error ("%s: message \"%s\" does not mention \"%s\"", json, error->message, needle);
}

static void
test_ice_json_invalid (void)
{
  g_autofree char *cs = g_strnfill (RC_MEDIA_CANDIDATE_MAX_LEN + 1, 'c');
  g_autofree char *huge = g_strdup_printf ("{\"candidate\":\"%s\",\"sdpMLineIndex\":0}", cs);

  assert_ice_refused ("[]", "must be an object");
  assert_ice_refused ("\"candidate:1\"", "must be an object");
  assert_ice_refused ("{}", "candidate: required");
  assert_ice_refused ("{\"sdpMLineIndex\":0}", "candidate: required");
  assert_ice_refused ("{\"candidate\":5,\"sdpMLineIndex\":0}", "candidate: must be a string");
  assert_ice_refused ("{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ host\"}",
                      "sdpMLineIndex: required");
  assert_ice_refused ("{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ host\","
                      "\"sdpMLineIndex\":1}", "sdpMLineIndex: must be in 0..0");
  assert_ice_refused ("{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ host\","
                      "\"sdpMLineIndex\":-1}", "sdpMLineIndex: must be in");
  assert_ice_refused ("{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ host\","
                      "\"sdpMLineIndex\":0.0}", "sdpMLineIndex: must be an integer");
  assert_ice_refused ("{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ host\","
                      "\"sdpMLineIndex\":\"0\"}", "sdpMLineIndex: must be an integer");
  assert_ice_refused ("{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ host\","
                      "\"sdpMLineIndex\":0,\"sdpMid\":\"video1\"}", "sdpMid: must be");
  assert_ice_refused ("{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ host\","
                      "\"sdpMLineIndex\":0,\"sdpMid\":7}", "sdpMid: must be a string");
  assert_ice_refused ("{\"candidate\":\"hello\",\"sdpMLineIndex\":0}", "must start with");
  assert_ice_refused (huge, "candidate: longer than");
}

static void
test_ice_json_out (void)
{
  g_autoptr (JsonNode) a = rc_media_ice_candidate_to_json (0, "audio0", "candidate:1 1 udp 1 "
                                                           "127.0.0.1 1 typ host");
  g_autoptr (JsonNode) b = rc_media_ice_candidate_to_json (0, NULL, NULL);
  g_autofree char *ja = rc_json_to_string (a);
  g_autofree char *jb = rc_json_to_string (b);

  g_assert_cmpstr (ja, ==, "{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 1 typ host\","
                           "\"sdpMLineIndex\":0,\"sdpMid\":\"audio0\"}");
  g_assert_cmpstr (jb, ==, "{\"candidate\":null,\"sdpMLineIndex\":0}");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/media-sdp/answer/valid", test_answer_valid);
  g_test_add_func ("/media-sdp/answer/text", test_answer_text);
  g_test_add_func ("/media-sdp/answer/media", test_answer_media);
  g_test_add_func ("/media-sdp/answer/session-level", test_answer_session_level);
  g_test_add_func ("/media-sdp/find-opus-pt", test_find_opus_pt);
  g_test_add_func ("/media-sdp/candidate/valid", test_candidate_valid);
  g_test_add_func ("/media-sdp/candidate/invalid", test_candidate_invalid);
  g_test_add_func ("/media-sdp/candidate/rewrite", test_candidate_rewrite);
  g_test_add_func ("/media-sdp/ice-json/valid", test_ice_json_valid);
  g_test_add_func ("/media-sdp/ice-json/invalid", test_ice_json_invalid);
  g_test_add_func ("/media-sdp/ice-json/out", test_ice_json_out);
  return g_test_run ();
}
