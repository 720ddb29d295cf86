/* roomcast: unit tests of the Engine.IO / Socket.IO codec (src/sio/sio-codec.c).
 *
 * Table-driven: every valid packet is decoded, checked field by field,
 * re-encoded to its canonical frame and decoded again; every invalid packet
 * must fail with the right error code and a message. The fuzz test is in
 * test-sio-codec-fuzz.c; the JSON reader and writer the codec uses are
 * tested on their own in test-json-text.c.
 */
#include "sio-test-util.h"

#include <string.h>

/* ---- Engine.IO ---------------------------------------------------------- */

static void
test_eio_decode_types (void)
{
  static const char *const frames[] = { "0{}", "1", "2", "3probe", "4", "5",
                                        "6" };

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      g_autoptr(GError) error = NULL;
      RcEioType type = 99;
      const char *payload = NULL;
      gsize payload_len = 99;

      g_assert_true (rc_eio_decode (frames[i], strlen (frames[i]), &type,
                                    &payload, &payload_len, &error));
      g_assert_no_error (error);
      g_assert_cmpint (type, ==, (RcEioType) i);
      g_assert_true (payload == frames[i] + 1);
      g_assert_cmpuint (payload_len, ==, strlen (frames[i]) - 1);
    }
}

static void
test_eio_decode_invalid (void)
{
  static const char *const frames[] = { "", "7", "9", "a", "/", " 2", "\xff" };

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      g_autoptr(GError) error = NULL;
      RcEioType type;
      const char *payload;
      gsize payload_len;

      g_assert_false (rc_eio_decode (frames[i], strlen (frames[i]), &type,
                                     &payload, &payload_len, &error));
      g_assert_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED);
      g_assert_nonnull (strstr (error->message, "Engine.IO"));
    }
}

/* The frame the server answers a namespace connect with, end to end. */
static void
test_eio_message_frame (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RcSioPacket) packet = decode_frame ("40{\"sid\":\"abc\"}", &error);
  g_autoptr(JsonNode) expected = json_parse ("{\"sid\":\"abc\"}");

  g_assert_no_error (error);
  g_assert_cmpint (packet->type, ==, RC_SIO_CONNECT);
  g_assert_cmpstr (packet->nsp, ==, "/");
  g_assert_cmpint (packet->id, ==, -1);
  g_assert_true (json_node_equal (packet->data, expected));
}

static void
test_eio_encode_open (void)
{
  g_autofree char *open = rc_eio_encode_open ("AbC-12_x", FALSE, 25000, 20000,
                                              1000000);
  g_autofree char *escaped = rc_eio_encode_open ("a\"b\\c\n", FALSE, 1, 2,
                                                 G_MAXUINT64);
  g_autofree char *polling = rc_eio_encode_open ("p", TRUE, 25000, 20000, 100);
  g_autoptr(JsonNode) parsed = NULL;

  g_assert_cmpstr (open, ==,
                   "0{\"sid\":\"AbC-12_x\",\"upgrades\":[],\"pingInterval\":25000,"
                   "\"pingTimeout\":20000,\"maxPayload\":1000000}");
  g_assert_cmpstr (escaped, ==,
                   "0{\"sid\":\"a\\\"b\\\\c\\n\",\"upgrades\":[],\"pingInterval\":1,"
                   "\"pingTimeout\":2,\"maxPayload\":18446744073709551615}");
  /* A session opened by polling may upgrade to a WebSocket. */
  g_assert_cmpstr (polling, ==,
                   "0{\"sid\":\"p\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,"
                   "\"pingTimeout\":20000,\"maxPayload\":100}");
  /* The payload is JSON that a client can parse. */
  parsed = json_parse (open + 1);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (parsed),
                                                  "sid"), ==, "AbC-12_x");
}

/* ---- Socket.IO: valid packets ------------------------------------------- */

typedef struct {
  const char *in;
  RcSioType type;
  const char *nsp;
  gint64 id;
  const char *data;      /* expected JSON, NULL for none */
  const char *canonical; /* re-encoded packet (without the "4"); NULL: = in */
} ValidCase;

static const ValidCase valid_cases[] = {
  /* CONNECT */
  { "0", RC_SIO_CONNECT, "/", -1, NULL, NULL },
  { "0{}", RC_SIO_CONNECT, "/", -1, "{}", NULL },
  { "0{\"token\":\"x\"}", RC_SIO_CONNECT, "/", -1, "{\"token\":\"x\"}", NULL },
  { "0/admin,{\"token\":\"x\"}", RC_SIO_CONNECT, "/admin", -1,
    "{\"token\":\"x\"}", NULL },
  { "0/admin,", RC_SIO_CONNECT, "/admin", -1, NULL, NULL },
  /* the reference parser lets the namespace run to the end without ',' */
  { "0/admin", RC_SIO_CONNECT, "/admin", -1, NULL, "0/admin," },
  { "0/,{}", RC_SIO_CONNECT, "/", -1, "{}", "0{}" },
  /* DISCONNECT */
  { "1", RC_SIO_DISCONNECT, "/", -1, NULL, NULL },
  { "1/chat,", RC_SIO_DISCONNECT, "/chat", -1, NULL, NULL },
  /* EVENT */
  { "2[\"hello\",1]", RC_SIO_EVENT, "/", -1, "[\"hello\",1]", NULL },
  { "212[\"ev\"]", RC_SIO_EVENT, "/", 12, "[\"ev\"]", NULL },
  { "2/chat,7[\"ev\",{\"a\":1}]", RC_SIO_EVENT, "/chat", 7,
    "[\"ev\",{\"a\":1}]", NULL },
  { "20[\"ev\"]", RC_SIO_EVENT, "/", 0, "[\"ev\"]", NULL },
  { "29007199254740991[\"ev\"]", RC_SIO_EVENT, "/", RC_SIO_MAX_ACK_ID,
    "[\"ev\"]", NULL },
  { "2007[\"ev\"]", RC_SIO_EVENT, "/", 7, "[\"ev\"]", "27[\"ev\"]" },
  { "2/,5[\"ev\"]", RC_SIO_EVENT, "/", 5, "[\"ev\"]", "25[\"ev\"]" },
  { "2[\"\"]", RC_SIO_EVENT, "/", -1, "[\"\"]", NULL },
  { "2[\"Connect\"]", RC_SIO_EVENT, "/", -1, "[\"Connect\"]", NULL },
  { "2[\"connected\"]", RC_SIO_EVENT, "/", -1, "[\"connected\"]", NULL },
  { "2/a/b-c.d_é,[\"ev\"]", RC_SIO_EVENT, "/a/b-c.d_é", -1, "[\"ev\"]", NULL },
  { "2[\"ev\",null,true,false,-1.5,1e3,\"é😀\",[],{},[[{\"x\":[0]}]]]",
    RC_SIO_EVENT, "/", -1,
    "[\"ev\",null,true,false,-1.5,1000.0,\"é😀\",[],{},[[{\"x\":[0]}]]]",
    "2[\"ev\",null,true,false,-1.5,1000.0,\"é😀\",[],{},[[{\"x\":[0]}]]]" },
  { "2 [ \"ev\" ,\t{ \"a\" : 1 }\r\n] \n", RC_SIO_EVENT, "/", -1,
    "[\"ev\",{\"a\":1}]", "2[\"ev\",{\"a\":1}]" },
  { "2[\"ev\",\"\\u00e9\\ud83d\\ude00\\n\\\"\\/\\b\\f\\r\\t\\\\\"]",
    RC_SIO_EVENT, "/", -1, "[\"ev\",\"é😀\\n\\\"/\\b\\f\\r\\t\\\\\"]",
    "2[\"ev\",\"é😀\\n\\\"/\\b\\f\\r\\t\\\\\"]" },
  { "2[\"ev\",\"\\u001f\\u007f\"]", RC_SIO_EVENT, "/", -1,
    "[\"ev\",\"\\u001f\x7f\"]", "2[\"ev\",\"\\u001f\x7f\"]" },
  { "2[\"ev\",0.1,1e22,-0.0,-0,123456789012345678,9223372036854775807,"
    "-9223372036854775808,1E-2,1e-400]", RC_SIO_EVENT, "/", -1,
    "[\"ev\",0.1,1e22,-0.0,0,123456789012345678,9223372036854775807,"
    "-9223372036854775808,0.01,0.0]",
    "2[\"ev\",0.1,1e+22,-0.0,0,123456789012345678,9223372036854775807,"
    "-9223372036854775808,0.01,0.0]" },
  { "2[\"ev\",{\"a\":1,\"a\":2,\"\":3}]", RC_SIO_EVENT, "/", -1,
    "[\"ev\",{\"a\":2,\"\":3}]", "2[\"ev\",{\"a\":2,\"\":3}]" },
  /* ACK */
  { "3/chat,7[]", RC_SIO_ACK, "/chat", 7, "[]", NULL },
  { "31[\"ok\"]", RC_SIO_ACK, "/", 1, "[\"ok\"]", NULL },
  { "30[null,{\"a\":[1,2]}]", RC_SIO_ACK, "/", 0, "[null,{\"a\":[1,2]}]", NULL },
  { "31[\"connect\"]", RC_SIO_ACK, "/", 1, "[\"connect\"]", NULL },
  /* CONNECT_ERROR */
  { "4{\"message\":\"unauthenticated\"}", RC_SIO_CONNECT_ERROR, "/", -1,
    "{\"message\":\"unauthenticated\"}", NULL },
  { "4/chat,{\"message\":\"no\",\"data\":{\"code\":403}}", RC_SIO_CONNECT_ERROR,
    "/chat", -1, "{\"message\":\"no\",\"data\":{\"code\":403}}", NULL },
};

static void
check_valid_case (const ValidCase *c)
{
  g_autofree char *shown = show (c->in, strlen (c->in));
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(RcSioPacket) packet = rc_sio_decode (c->in, strlen (c->in), &error);
  g_autoptr(JsonNode) expected = c->data != NULL ? json_parse (c->data) : NULL;
  g_autofree char *frame = NULL;
  g_autofree char *want = g_strconcat ("4", c->canonical ? c->canonical : c->in,
                                       NULL);
  g_autoptr(RcSioPacket) again = NULL;

  g_test_message ("valid: %s", shown);
  g_assert_no_error (error);
  g_assert_nonnull (packet);
  g_assert_cmpint (packet->type, ==, c->type);
  g_assert_cmpstr (packet->nsp, ==, c->nsp);
  g_assert_cmpint (packet->id, ==, c->id);
  g_assert_true (json_equal0 (packet->data, expected));

  frame = rc_sio_encode_frame (packet);
  g_assert_cmpstr (frame, ==, want);
  again = decode_frame (frame, &error2);
  g_assert_no_error (error2);
  g_assert_true (packets_equal (packet, again));
}

static void
test_decode_valid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    check_valid_case (&valid_cases[i]);
}

/* ---- Socket.IO: invalid packets ----------------------------------------- */

typedef struct {
  const char *in;
  gssize len;        /* -1: strlen (in); set for embedded NULs */
  RcSioError code;
  const char *words; /* expected in the error message */
} InvalidCase;

#define MAL RC_SIO_ERROR_MALFORMED
#define UNS RC_SIO_ERROR_UNSUPPORTED
/* Valid JSON, values json-glib cannot hold: answered, not a broken client. */
#define VAL RC_SIO_ERROR_UNSUPPORTED_VALUE

static const InvalidCase invalid_cases[] = {
  /* empty, type digit */
  { "", -1, MAL, "empty" },
  { "7", -1, MAL, "packet type" },
  { "9[\"ev\"]", -1, MAL, "packet type" },
  { "a", -1, MAL, "packet type" },
  { "-2[\"ev\"]", -1, MAL, "packet type" },
  { "42[\"ev\"]", -1, MAL, "CONNECT_ERROR" }, /* a frame is not a packet */
  /* binary */
  { "5", -1, UNS, "BINARY_EVENT" },
  { "51-[\"ev\",{\"_placeholder\":true,\"num\":0}]", -1, UNS, "binary" },
  { "52-/chat,3[\"ev\",{\"_placeholder\":true,\"num\":0}]", -1, UNS, "binary" },
  { "6", -1, UNS, "BINARY_ACK" },
  { "61-7[{\"_placeholder\":true,\"num\":0}]", -1, UNS, "binary" },
  /* lone type digits needing data */
  { "2", -1, MAL, "EVENT data" },
  { "3", -1, MAL, "ACK data" },
  { "4", -1, MAL, "CONNECT_ERROR data" },
  /* EVENT shape */
  { "2[]", -1, MAL, "empty array" },
  { "2{}", -1, MAL, "EVENT data must be a JSON array" },
  { "2{\"0\":\"ev\"}", -1, MAL, "EVENT data must be a JSON array" },
  { "2\"ev\"", -1, MAL, "EVENT data must be a JSON array" },
  { "2true", -1, MAL, "EVENT data must be a JSON array" },
  { "2null", -1, MAL, "EVENT data must be a JSON array" },
  { "2[1]", -1, MAL, "must be a string" },
  { "2[null,\"ev\"]", -1, MAL, "must be a string" },
  { "2[[\"ev\"]]", -1, MAL, "must be a string" },
  { "2[{\"ev\":1}]", -1, MAL, "must be a string" },
  { "2[\"connect\"]", -1, MAL, "\"connect\" is reserved" },
  { "2[\"connect_error\",1]", -1, MAL, "\"connect_error\" is reserved" },
  { "2[\"disconnect\"]", -1, MAL, "\"disconnect\" is reserved" },
  { "2[\"disconnecting\"]", -1, MAL, "\"disconnecting\" is reserved" },
  { "2/chat,4[\"newListener\"]", -1, MAL, "\"newListener\" is reserved" },
  { "2[\"removeListener\",\"x\"]", -1, MAL, "\"removeListener\" is reserved" },
  /* ACK, CONNECT, DISCONNECT, CONNECT_ERROR shape */
  { "3[]", -1, MAL, "ACK needs an ack id" },
  { "3[\"ok\"]", -1, MAL, "ACK needs an ack id" },
  { "31{}", -1, MAL, "ACK data must be a JSON array" },
  { "31", -1, MAL, "ACK data must be a JSON array" },
  { "31\"ok\"", -1, MAL, "ACK data must be a JSON array" },
  { "0[]", -1, MAL, "CONNECT data must be a JSON object" },
  { "0\"token\"", -1, MAL, "CONNECT data must be a JSON object" },
  { "0null", -1, MAL, "CONNECT data must be a JSON object" },
  { "05{}", -1, MAL, "CONNECT cannot carry an ack id" },
  { "05", -1, MAL, "CONNECT cannot carry an ack id" },
  { "17", -1, MAL, "DISCONNECT cannot carry an ack id" },
  { "1{}", -1, MAL, "DISCONNECT cannot carry data" },
  { "1/chat,[]", -1, MAL, "DISCONNECT cannot carry data" },
  { "4[]", -1, MAL, "CONNECT_ERROR data must be a JSON object" },
  { "4\"oops\"", -1, MAL, "CONNECT_ERROR data must be a JSON object" },
  { "44{}", -1, MAL, "CONNECT_ERROR cannot carry an ack id" },
  /* ack ids */
  { "29007199254740992[\"ev\"]", -1, MAL, "2^53-1" },
  { "299999999999999999999999999[\"ev\"]", -1, MAL, "2^53-1" },
  { "2a[\"ev\"]", -1, MAL, "invalid JSON at byte 1" },
  { "2-1[\"ev\"]", -1, MAL, "invalid JSON" },
  { "2+1[\"ev\"]", -1, MAL, "invalid JSON" },
  { "21.5[\"ev\"]", -1, MAL, "invalid JSON at byte 2" },
  { "2 1[\"ev\"]", -1, MAL, "invalid JSON" },
  { "21e3[\"ev\"]", -1, MAL, "invalid JSON" },
  { "2/chat,x1[\"ev\"]", -1, MAL, "invalid JSON at byte 7" },
  /* namespaces */
  { "2/chat[\"ev\"]", -1, MAL, "EVENT data" }, /* runs to the end: no data */
  { "2chat,[\"ev\"]", -1, MAL, "invalid JSON" },
  { "2/ch\x01" "at,[\"ev\"]", -1, MAL, "control character" },
  { "2/ch\nat,[\"ev\"]", -1, MAL, "control character" },
  { "2/ch\x7f" "at,[\"ev\"]", -1, MAL, "control character" },
  /* trailing garbage after a complete value */
  { "2[\"ev\"]x", -1, MAL, "after the JSON value" },
  { "2[\"ev\"][1]", -1, MAL, "after the JSON value" },
  { "2[\"ev\"]]", -1, MAL, "after the JSON value" },
  { "2[\"ev\"],", -1, MAL, "after the JSON value" },
  { "0{}{}", -1, MAL, "after the JSON value" },
  { "0{} x", -1, MAL, "after the JSON value" },
  { "1/chat,x", -1, MAL, "invalid JSON" },
  { "0 ", -1, MAL, "value expected" },
  { "2 ", -1, MAL, "value expected" },
  /* JSON that json-glib alone would accept or mangle */
  { "2[\"ev\",/*c*/1]", -1, MAL, "value expected" },
  { "2[\"ev\",1]//c", -1, MAL, "after the JSON value" },
  { "2['ev']", -1, MAL, "value expected" },
  { "2[\"ev\",0x10]", -1, MAL, "',' or ']' expected" },
  { "2[\"ev\",01]", -1, MAL, "',' or ']' expected" },
  { "2[\"ev\",-01]", -1, MAL, "',' or ']' expected" },
  { "2[\"ev\",1,]", -1, MAL, "value expected" },
  { "2[\"ev\",,1]", -1, MAL, "value expected" },
  { "2[,\"ev\"]", -1, MAL, "value expected" },
  { "2[\"ev\",.5]", -1, MAL, "value expected" },
  { "2[\"ev\",+1]", -1, MAL, "value expected" },
  { "2[\"ev\",1.]", -1, MAL, "digit expected after '.'" },
  { "2[\"ev\",1e]", -1, MAL, "exponent" },
  { "2[\"ev\",1e+]", -1, MAL, "exponent" },
  { "2[\"ev\",-]", -1, MAL, "invalid number" },
  { "2[\"ev\",NaN]", -1, MAL, "value expected" },
  { "2[\"ev\",Infinity]", -1, MAL, "value expected" },
  { "2[\"ev\",TRUE]", -1, MAL, "value expected" },
  { "2[\"ev\",tru]", -1, MAL, "invalid literal" },
  { "2[\"ev\",nul]", -1, MAL, "invalid literal" },
  { "2[\"ev\",1e999]", -1, VAL, "too large for a double" },
  { "2[\"ev\",-1e999]", -1, VAL, "too large for a double" },
  { "2[\"ev\",9223372036854775808]", -1, VAL, "64 bits" },
  { "2[\"ev\",-9223372036854775809]", -1, VAL, "64 bits" },
  { "2[\"ev\",99999999999999999999]", -1, VAL, "64 bits" },
  { "2[\"ev\",\"\\x41\"]", -1, MAL, "invalid escape" },
  { "2[\"ev\",\"\\'\"]", -1, MAL, "invalid escape" },
  { "2[\"ev\",\"\\u12\"]", -1, MAL, "hex digit" },
  { "2[\"ev\",\"\\u12", -1, MAL, "truncated" },
  { "2[\"ev\",\"\\u0000\"]", -1, VAL, "\\u0000" },
  { "2[\"ev\",\"\\ud800\"]", -1, VAL, "unpaired high surrogate" },
  { "2[\"ev\",\"\\ud800\\u0041\"]", -1, VAL, "unpaired high surrogate" },
  { "2[\"ev\",\"\\ud800\\ud800\"]", -1, VAL, "unpaired high surrogate" },
  { "2[\"ev\",\"\\udc00\"]", -1, VAL, "unpaired low surrogate" },
  { "2[\"ev\",\"a\tb\"]", -1, MAL, "control character in string" },
  { "2[\"ev\",\"a\nb\"]", -1, MAL, "control character in string" },
  { "2[\"ev\"", -1, MAL, "',' or ']' expected" },
  { "2[\"ev", -1, MAL, "unterminated string" },
  { "2[\"ev\\", -1, MAL, "unterminated string" },
  { "2[\"ev\" \"x\"]", -1, MAL, "',' or ']' expected" },
  { "2[\"ev\",{\"a\"}]", -1, MAL, "':' expected" },
  { "2[\"ev\",{\"a\":}]", -1, MAL, "value expected" },
  { "2[\"ev\",{a:1}]", -1, MAL, "member name expected" },
  { "2[\"ev\",{\"a\":1,}]", -1, MAL, "member name expected" },
  { "2[\"ev\",{\"a\":1 \"b\":2}]", -1, MAL, "',' or '}' expected" },
  { "0var x = {}", -1, MAL, "value expected" },
  /* invalid UTF-8: stray byte, truncated, overlong, surrogate, too large */
  { "\xff", -1, MAL, "UTF-8 at byte 0" },
  { "2[\"\xff\"]", -1, MAL, "UTF-8 at byte 3" },
  { "2[\"ev\",\"\xc3\"]", -1, MAL, "UTF-8" },
  { "2[\"ev\",\"\xc0\xaf\"]", -1, MAL, "UTF-8" },
  { "2[\"ev\",\"\xed\xa0\x80\"]", -1, MAL, "UTF-8" },
  { "2[\"ev\",\"\xf4\x90\x80\x80\"]", -1, MAL, "UTF-8" },
  { "2/\xff,[\"ev\"]", -1, MAL, "UTF-8 at byte 2" },
  { "2[\"ev\"]\xe2\x82", -1, MAL, "UTF-8" },
  /* embedded NUL */
  { "\0", 1, MAL, "NUL byte at byte 0" },
  { "2[\"ev\"]\0", 8, MAL, "NUL byte at byte 7" },
  { "2[\"e\0v\"]", 8, MAL, "NUL byte at byte 4" },
  { "2/ch\0at,[\"ev\"]", 14, MAL, "NUL" },
  { "0\0{}", 4, MAL, "NUL" },
};

static void
check_invalid_case (const InvalidCase *c)
{
  gsize len = c->len < 0 ? strlen (c->in) : (gsize) c->len;
  g_autofree char *shown = show (c->in, len);
  /* An exact-size copy, so that ASan catches any read past the end. */
  g_autofree char *copy = g_memdup2 (c->in, len);
  g_autoptr(GError) error = NULL;
  g_autoptr(RcSioPacket) packet = rc_sio_decode (copy, len, &error);

  g_test_message ("invalid: %s -> %s", shown,
                  error != NULL ? error->message : "(accepted!)");
  g_assert_null (packet);
  g_assert_error (error, RC_SIO_ERROR, (gint) c->code);
  if (strstr (error->message, c->words) == NULL)
    g_test_fail_printf ("error for %s is \"%s\", expected to mention \"%s\"",
                        shown, error->message, c->words);
}

static void
test_decode_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    check_invalid_case (&invalid_cases[i]);
}

/* Every single-character packet: only CONNECT and DISCONNECT stand alone. */
static void
test_decode_lone_type (void)
{
  for (int c = 0; c < 256; c++)
    {
      char in = (char) c;
      g_autoptr(GError) error = NULL;
      g_autoptr(RcSioPacket) packet = rc_sio_decode (&in, 1, &error);

      if (c == '0' || c == '1')
        {
          g_assert_no_error (error);
          g_assert_cmpint (packet->type, ==, c - '0');
          g_assert_cmpstr (packet->nsp, ==, "/");
          g_assert_cmpint (packet->id, ==, -1);
          g_assert_null (packet->data);
        }
      else
        {
          /* (g_assert_error() cannot take this expression as its code) */
          gint code = c == '5' || c == '6' ? RC_SIO_ERROR_UNSUPPORTED
                                           : RC_SIO_ERROR_MALFORMED;

          g_assert_null (packet);
          g_assert_error (error, RC_SIO_ERROR, code);
        }
    }
}

static void
test_decode_empty_null_payload (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (rc_sio_decode (NULL, 0, &error));
  g_assert_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED);
}

/* Decoding without a GError must not crash either. */
static void
test_decode_without_error (void)
{
  g_autoptr(RcSioPacket) packet = rc_sio_decode ("2[\"ev\"]", 7, NULL);

  g_assert_nonnull (packet);
  g_assert_null (rc_sio_decode ("2[]", 3, NULL));
  g_assert_null (rc_sio_decode ("5", 1, NULL));
}

static void
test_decode_ack_id_limits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RcSioPacket) max = rc_sio_decode ("39007199254740991[]", 19, &error);
  g_autofree char *fill = g_strnfill (1000, '0');
  g_autofree char *many_zeros = g_strdup_printf ("3%s1[]", fill);
  g_autoptr(RcSioPacket) padded = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (max->id, ==, G_GINT64_CONSTANT (9007199254740991));
  g_assert_cmpint (max->id, ==, RC_SIO_MAX_ACK_ID);

  /* Leading zeros do not count towards the limit (JS Number("0…01") = 1). */
  padded = rc_sio_decode (many_zeros, strlen (many_zeros), &error);
  g_assert_no_error (error);
  g_assert_cmpint (padded->id, ==, 1);
}

static char *
namespace_packet (gsize nsp_len)
{
  g_autofree char *name = g_strnfill (nsp_len - 1, 'n');

  return g_strdup_printf ("2/%s,[\"ev\"]", name);
}

static void
test_decode_namespace_limits (void)
{
  g_autofree char *longest = namespace_packet (RC_SIO_MAX_NSP_LEN);
  g_autofree char *too_long = namespace_packet (RC_SIO_MAX_NSP_LEN + 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(RcSioPacket) packet = rc_sio_decode (longest, strlen (longest),
                                                 &error);
  g_autoptr(RcSioPacket) refused = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (strlen (packet->nsp), ==, RC_SIO_MAX_NSP_LEN);
  g_assert_true (packet->nsp[0] == '/');

  refused = rc_sio_decode (too_long, strlen (too_long), &error);
  g_assert_null (refused);
  g_assert_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "longer than 256 bytes"));
}

/* "2[\"ev\"," + @depth - 1 nested arrays + "]": @depth levels in all. */
static char *
nested_event (guint depth)
{
  GString *s = g_string_new ("2[\"ev\",");

  for (guint i = 1; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 1; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static void
test_decode_depth_limit (void)
{
  g_autofree char *deepest = nested_event (RC_SIO_MAX_JSON_DEPTH);
  g_autofree char *too_deep = nested_event (RC_SIO_MAX_JSON_DEPTH + 1);
  gsize huge_len = 1000000;
  g_autofree char *huge = g_malloc (huge_len);
  g_autoptr(GError) error = NULL;
  g_autoptr(RcSioPacket) packet = rc_sio_decode (deepest, strlen (deepest),
                                                 &error);
  g_autoptr(RcSioPacket) refused = NULL;
  g_autoptr(RcSioPacket) refused_huge = NULL;
  g_autofree char *frame = NULL;

  g_assert_no_error (error);
  frame = rc_sio_encode_frame (packet);
  g_assert_cmpstr (frame + 1, ==, deepest);

  refused = rc_sio_decode (too_deep, strlen (too_deep), &error);
  g_assert_null (refused);
  g_assert_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "nested deeper than 32 levels"));
  g_clear_error (&error);

  /* A maximum-size frame of '[' must not exhaust the stack. */
  huge[0] = '2';
  memset (huge + 1, '[', huge_len - 1);
  refused_huge = rc_sio_decode (huge, huge_len, &error);
  g_assert_null (refused_huge);
  g_assert_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED);
}

/* ---- Encoders ----------------------------------------------------------- */

static char *
encode (RcSioType type, const char *nsp, gint64 id, const char *json)
{
  g_autoptr(RcSioPacket) packet =
    rc_sio_packet_new (type, nsp, id, json != NULL ? json_parse (json) : NULL);

  return rc_sio_encode_frame (packet);
}

static void
test_encode_frame (void)
{
  static const struct {
    RcSioType type;
    const char *nsp;
    gint64 id;
    const char *json;
    const char *frame;
  } cases[] = {
    { RC_SIO_CONNECT, "/", -1, "{\"sid\":\"abc\"}", "40{\"sid\":\"abc\"}" },
    { RC_SIO_CONNECT, NULL, -1, NULL, "40" },
    { RC_SIO_CONNECT, "/admin", -1, NULL, "40/admin," },
    { RC_SIO_CONNECT, "/admin", -1, "{ \"sid\" : \"x\" }",
      "40/admin,{\"sid\":\"x\"}" },
    { RC_SIO_DISCONNECT, "/", -1, NULL, "41" },
    { RC_SIO_DISCONNECT, "/chat", -1, NULL, "41/chat," },
    { RC_SIO_EVENT, "/", -1, "[\"hello\", 1]", "42[\"hello\",1]" },
    { RC_SIO_EVENT, "/chat", 12, "[\"ev\"]", "42/chat,12[\"ev\"]" },
    { RC_SIO_EVENT, "/", 0, "[\"ev\",{\"a\":[true,null,\"x\"]}]",
      "420[\"ev\",{\"a\":[true,null,\"x\"]}]" },
    { RC_SIO_ACK, "/chat", 7, "[]", "43/chat,7[]" },
    { RC_SIO_ACK, "/", RC_SIO_MAX_ACK_ID, "[\"ok\"]",
      "439007199254740991[\"ok\"]" },
    { RC_SIO_CONNECT_ERROR, "/", -1, "{\"message\":\"unauthenticated\"}",
      "44{\"message\":\"unauthenticated\"}" },
    { RC_SIO_CONNECT_ERROR, "/admin", -1,
      "{\"message\":\"no\",\"data\":{\"retry\":false}}",
      "44/admin,{\"message\":\"no\",\"data\":{\"retry\":false}}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *frame = encode (cases[i].type, cases[i].nsp, cases[i].id,
                                       cases[i].json);
      g_autoptr(GError) error = NULL;
      g_autoptr(RcSioPacket) back = decode_frame (frame, &error);

      g_assert_cmpstr (frame, ==, cases[i].frame);
      g_assert_no_error (error);
      g_assert_cmpint (back->type, ==, cases[i].type);
      g_assert_cmpstr (back->nsp, ==, cases[i].nsp ? cases[i].nsp : "/");
      g_assert_cmpint (back->id, ==, cases[i].id);
    }
}

static void
test_encode_event (void)
{
  g_autoptr(JsonNode) args_node = json_parse ("[1,\"x\",{\"a\":[true,null]}]");
  JsonArray *args = json_node_get_array (args_node);
  g_autofree char *plain = rc_sio_encode_event (NULL, -1, "hello", args);
  g_autofree char *no_args = rc_sio_encode_event ("/", -1, "ping", NULL);
  g_autofree char *full = rc_sio_encode_event ("/chat", 42, "say \"hi\"", args);
  g_autoptr(GError) error = NULL;
  g_autoptr(RcSioPacket) back = decode_frame (full, &error);
  g_autoptr(JsonNode) expected =
    json_parse ("[\"say \\\"hi\\\"\",1,\"x\",{\"a\":[true,null]}]");

  g_assert_cmpstr (plain, ==, "42[\"hello\",1,\"x\",{\"a\":[true,null]}]");
  g_assert_cmpstr (no_args, ==, "42[\"ping\"]");
  g_assert_cmpstr (full, ==,
                   "42/chat,42[\"say \\\"hi\\\"\",1,\"x\",{\"a\":[true,null]}]");
  g_assert_no_error (error);
  g_assert_cmpint (back->type, ==, RC_SIO_EVENT);
  g_assert_cmpstr (back->nsp, ==, "/chat");
  g_assert_cmpint (back->id, ==, 42);
  g_assert_true (json_node_equal (back->data, expected));
  /* @args is left as it was. */
  g_assert_cmpuint (json_array_get_length (args), ==, 3);
  g_assert_cmpint (json_array_get_int_element (args, 0), ==, 1);
}

static void
test_encode_ack (void)
{
  g_autoptr(JsonNode) args_node = json_parse ("[\"ok\",{\"n\":2}]");
  g_autofree char *empty = rc_sio_encode_ack ("/chat", 7, NULL);
  g_autofree char *root = rc_sio_encode_ack (NULL, 0, NULL);
  g_autofree char *with_args =
    rc_sio_encode_ack ("/", 1, json_node_get_array (args_node));

  g_assert_cmpstr (empty, ==, "43/chat,7[]");
  g_assert_cmpstr (root, ==, "430[]");
  g_assert_cmpstr (with_args, ==, "431[\"ok\",{\"n\":2}]");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (args_node)), ==,
                    2);
}

/* Each of these is a caller bug: a critical, and no frame. */
typedef struct {
  RcSioType type;
  const char *nsp;
  gint64 id;
  const char *json;
  const char *words; /* expected in the critical */
} RefusedCase;

static const RefusedCase refused_cases[] = {
  { RC_SIO_EVENT, "/", -1, "[\"connect\"]", "\"connect\" is reserved" },
  { RC_SIO_EVENT, "/", -1, "[]", "empty array" },
  { RC_SIO_EVENT, "/", -1, NULL, "EVENT data" },
  { RC_SIO_EVENT, "/", -1, "[1]", "must be a string" },
  { RC_SIO_ACK, "/", -1, "[]", "ACK needs an ack id" },
  { RC_SIO_ACK, "/", RC_SIO_MAX_ACK_ID + 1, "[]", "ack id out of range" },
  { RC_SIO_EVENT, "/", -2, "[\"ev\"]", "ack id out of range" },
  { RC_SIO_CONNECT, "/", 3, NULL, "CONNECT cannot carry an ack id" },
  { RC_SIO_CONNECT, "/", -1, "[]", "CONNECT data" },
  { RC_SIO_DISCONNECT, "/", -1, "{}", "DISCONNECT cannot carry data" },
  { RC_SIO_CONNECT_ERROR, "/", -1, NULL, "CONNECT_ERROR data" },
  { RC_SIO_BINARY_EVENT, "/", -1, "[\"ev\"]", "not an encodable" },
  { RC_SIO_BINARY_ACK, "/", 1, "[]", "not an encodable" },
  { RC_SIO_EVENT, "chat", -1, "[\"ev\"]", "start with '/'" },
  { RC_SIO_EVENT, "", -1, "[\"ev\"]", "start with '/'" },
  { RC_SIO_EVENT, "/a,b", -1, "[\"ev\"]", "contains ','" },
  { RC_SIO_EVENT, "/a\nb", -1, "[\"ev\"]", "control character" },
};

static void
test_encode_refuses_invalid (gconstpointer data)
{
  const RefusedCase *c = data;
  g_autofree char *pattern = NULL;

  if (g_test_subprocess ())
    {
      g_autofree char *frame = encode (c->type, c->nsp, c->id, c->json);

      g_assert_null (frame); /* not reached: criticals are fatal in tests */
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  pattern = g_strdup_printf ("*CRITICAL*refusing to encode*%s*", c->words);
  g_test_trap_assert_stderr (pattern);
}

/* In production criticals are not fatal: the encoder then returns NULL and
 * sends nothing. */
static void
test_encode_refuses_returns_null (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(RcSioPacket) packet =
        rc_sio_packet_new (RC_SIO_EVENT, "/", -1, json_parse ("[\"connect\"]"));
      g_autofree char *frame = NULL;

      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      frame = rc_sio_encode_frame (packet);
      g_assert_null (frame);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*refusing to encode*reserved*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sio-codec/eio/decode-types", test_eio_decode_types);
  g_test_add_func ("/sio-codec/eio/decode-invalid", test_eio_decode_invalid);
  g_test_add_func ("/sio-codec/eio/message-frame", test_eio_message_frame);
  g_test_add_func ("/sio-codec/eio/encode-open", test_eio_encode_open);
  g_test_add_func ("/sio-codec/decode/valid", test_decode_valid);
  g_test_add_func ("/sio-codec/decode/invalid", test_decode_invalid);
  g_test_add_func ("/sio-codec/decode/lone-type", test_decode_lone_type);
  g_test_add_func ("/sio-codec/decode/empty-null", test_decode_empty_null_payload);
  g_test_add_func ("/sio-codec/decode/without-error", test_decode_without_error);
  g_test_add_func ("/sio-codec/decode/ack-id-limits", test_decode_ack_id_limits);
  g_test_add_func ("/sio-codec/decode/namespace-limits",
                   test_decode_namespace_limits);
  g_test_add_func ("/sio-codec/decode/depth-limit", test_decode_depth_limit);
  g_test_add_func ("/sio-codec/encode/frame", test_encode_frame);
  g_test_add_func ("/sio-codec/encode/event", test_encode_event);
  g_test_add_func ("/sio-codec/encode/ack", test_encode_ack);
  for (guint i = 0; i < G_N_ELEMENTS (refused_cases); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/sio-codec/encode/refuses-invalid/%u", i);

      g_test_add_data_func (path, &refused_cases[i], test_encode_refuses_invalid);
    }
  g_test_add_func ("/sio-codec/encode/refuses-returns-null",
                   test_encode_refuses_returns_null);

  return g_test_run ();
}
