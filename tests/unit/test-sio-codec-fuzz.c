/* roomcast: fuzz test of the Engine.IO / Socket.IO decoder
 * (src/sio/sio-codec.c).
 *
 * A seeded fuzzer throws 100k random and mutated packets at the decoder and
 * checks the properties the server relies on: a refusal always comes with a
 * proper GError, and whatever is accepted re-encodes to a canonical frame
 * that decodes to the same packet. The table-driven tests are in
 * test-sio-codec.c.
 */
#include "sio-test-util.h"

#include <string.h>

/* Valid packets to mutate; mutations of these reach deep into the grammar. */
static const char *const seeds[] = {
  "0", "0{\"token\":\"x\"}", "0/admin,{\"token\":\"x\"}", "1", "1/chat,",
  "2[\"hello\",1]", "212[\"ev\"]", "2/chat,7[\"ev\",{\"a\":1}]", "3/chat,7[]",
  "31[\"ok\"]", "4{\"message\":\"unauthenticated\"}",
  "2[\"ev\",null,true,false,-1.5,1e3,\"é😀\",[],{},[[{\"x\":[0]}]]]",
  "2[\"ev\",0.1,1e22,-0.0,123456789012345678,1.7976931348623157e308,4e-324]",
  "2[\"ev\",\"\\u00e9\\ud83d\\ude00\\n\\\"\\/\\b\\f\\r\\t\\\\\"]",
  "29007199254740991[\"ev\",{\"a\":{\"b\":[1,2,{\"c\":\"d\"}]}}]",
  "51-[\"ev\",{\"_placeholder\":true,\"num\":0}]",
};

/* Bytes that matter to the grammar, with some that must be refused. */
static const char alphabet[] =
  "0123456789/,[]{}\":-.eE+ \\utrfalsn\t\nabcxyzé\xff\xc3\x80";

static char
random_byte (GRand *rand)
{
  if (g_rand_boolean (rand))
    return alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
  return (char) g_rand_int_range (rand, 0, 256);
}

static void
random_packet (GRand *rand, GString *buf)
{
  guint len = (guint) g_rand_int_range (rand, 0, 48);
  gboolean grammar_only = g_rand_boolean (rand);

  for (guint i = 0; i < len; i++)
    {
      char c = grammar_only
        ? alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)]
        : random_byte (rand);

      /* usually start with a plausible type digit */
      if (i == 0 && g_rand_int_range (rand, 0, 4) != 0)
        c = (char) ('0' + g_rand_int_range (rand, 0, 7));
      g_string_append_c (buf, c);
    }
}

static void
mutate (GRand *rand, GString *buf)
{
  gsize pos = buf->len > 0 ? (gsize) g_rand_int_range (rand, 0, (gint32) buf->len)
                           : 0;
  char c = random_byte (rand);

  switch (g_rand_int_range (rand, 0, 5))
    {
    case 0: /* replace */
      if (buf->len > 0)
        buf->str[pos] = c;
      break;
    case 1: /* insert */
      g_string_insert_c (buf, (gssize) pos, c);
      break;
    case 2: /* delete */
      if (buf->len > 0)
        g_string_erase (buf, (gssize) pos, 1);
      break;
    case 3: /* duplicate a span at the end */
      {
        gsize span = MIN ((gsize) g_rand_int_range (rand, 0, 8), buf->len - pos);
        g_autofree char *copy = g_strndup (buf->str + pos, span);

        g_string_append_len (buf, copy, (gssize) span);
      }
      break;
    default: /* truncate */
      g_string_truncate (buf, pos);
      break;
    }
}

static void
mutated_packet (GRand *rand, GString *buf)
{
  const char *seed = seeds[g_rand_int_range (rand, 0, G_N_ELEMENTS (seeds))];
  guint mutations = (guint) g_rand_int_range (rand, 1, 5);

  g_string_append (buf, seed);
  if (g_rand_int_range (rand, 0, 4) == 0)
    {
      /* splice: a prefix of this seed, then the tail of another */
      const char *other = seeds[g_rand_int_range (rand, 0, G_N_ELEMENTS (seeds))];
      gsize cut = (gsize) g_rand_int_range (rand, 0, (gint32) strlen (other) + 1);

      g_string_truncate (buf, (gsize) g_rand_int_range (rand, 0,
                                                         (gint32) buf->len + 1));
      g_string_append (buf, other + cut);
    }
  for (guint i = 0; i < mutations; i++)
    mutate (rand, buf);
}

/* The properties the server relies on, for any input. Returns the type of
 * an accepted packet, or -1. */
static int
check_fuzz_input (const char *in, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(RcSioPacket) packet = rc_sio_decode (in, len, &error);
  g_autofree char *frame = NULL;
  g_autoptr(RcSioPacket) again = NULL;
  g_autofree char *frame2 = NULL;

  if (packet == NULL)
    {
      if (error == NULL || error->domain != RC_SIO_ERROR ||
          error->message == NULL || error->message[0] == '\0')
        {
          g_autofree char *shown = show (in, len);

          g_test_fail_printf ("no proper GError for refused %s", shown);
        }
      return -1;
    }
  g_assert_no_error (error);
  frame = rc_sio_encode_frame (packet); /* a critical here aborts the test */
  again = decode_frame (frame, &error2);
  if (again == NULL || !packets_equal (packet, again))
    {
      g_autofree char *shown = show (in, len);

      g_test_fail_printf ("%s re-encoded as %s, which decodes %s", shown,
                          frame, again == NULL ? error2->message
                                               : "to something else");
      return -1;
    }
  frame2 = rc_sio_encode_frame (again);
  g_assert_cmpstr (frame, ==, frame2); /* encoding is canonical */
  return (int) packet->type;
}

static void
check_eio_fuzz_input (const char *in, gsize len)
{
  g_autoptr(GError) error = NULL;
  RcEioType type;
  const char *payload;
  gsize payload_len;
  gboolean valid = len > 0 && in[0] >= '0' && in[0] <= '6';

  g_assert_cmpint (rc_eio_decode (in, len, &type, &payload, &payload_len,
                                  &error), ==, valid);
  if (valid)
    g_assert_true (payload == in + 1 && payload_len == len - 1);
  else
    g_assert_error (error, RC_SIO_ERROR, RC_SIO_ERROR_MALFORMED);
}

/* Fixed so that CI is reproducible; RC_FUZZ_SEED and RC_FUZZ_ROUNDS in the
 * environment allow longer runs by hand. */
#define FUZZ_SEED 0x5eed2024u
#define FUZZ_ROUNDS 100000

static guint
env_uint (const char *name, guint fallback)
{
  const char *value = g_getenv (name);

  return value != NULL ? (guint) g_ascii_strtoull (value, NULL, 0) : fallback;
}

static void
test_fuzz (void)
{
  guint seed = env_uint ("RC_FUZZ_SEED", FUZZ_SEED);
  guint rounds = env_uint ("RC_FUZZ_ROUNDS", FUZZ_ROUNDS);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint accepted = 0;
  guint per_type[RC_SIO_CONNECT_ERROR + 1] = { 0 };

  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(GString) buf = g_string_new (NULL);
      g_autofree char *exact = NULL;
      int type;

      if (g_rand_int_range (rand, 0, 3) == 0)
        random_packet (rand, buf);
      else
        mutated_packet (rand, buf);
      /* Exactly sized and unterminated: ASan catches reads past the end. */
      exact = g_memdup2 (buf->str, buf->len);
      type = check_fuzz_input (exact, buf->len);
      if (type >= 0)
        {
          accepted++;
          per_type[type]++;
        }
      check_eio_fuzz_input (exact, buf->len);
    }
  g_test_message ("fuzz: seed 0x%x, %u inputs, %u accepted (CONNECT %u, "
                  "DISCONNECT %u, EVENT %u, ACK %u, CONNECT_ERROR %u)",
                  seed, rounds, accepted, per_type[0], per_type[1],
                  per_type[2], per_type[3], per_type[4]);
  /* The mutations must keep reaching every success path, or the test
   * proves little; and most random input must be refused. */
  for (guint i = 0; i < G_N_ELEMENTS (per_type); i++)
    g_assert_cmpuint (per_type[i], >, 0);
  g_assert_cmpuint (accepted, >, rounds / 50);
  g_assert_cmpuint (accepted, <, rounds / 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sio-codec/fuzz", test_fuzz);

  return g_test_run ();
}
