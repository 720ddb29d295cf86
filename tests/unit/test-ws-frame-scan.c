/* RcWsFrameScan: message sizes from WebSocket frame headers, fed whole or
 * a byte at a time. */
#include "http/ws-frame-scan.h"

#include <string.h>

/* Appends one client frame: header (7-bit, 16-bit or 64-bit length as
 * needed), a masking key unless @unmasked, and @length zero bytes. */
static void
frame (GByteArray *out, gboolean fin, guint8 opcode, guint64 length, gboolean unmasked)
{
  guint8 header[14];
  gsize n = 0;
  guint8 mask = unmasked ? 0 : 0x80;

  header[n++] = (fin ? 0x80 : 0) | opcode;
  if (length < 126) {
    header[n++] = mask | (guint8) length;
  } else if (length <= 0xFFFF) {
    header[n++] = mask | 126;
    header[n++] = length >> 8;
    header[n++] = length & 0xFF;
  } else {
    header[n++] = mask | 127;
    for (int shift = 56; shift >= 0; shift -= 8)
      header[n++] = (length >> shift) & 0xFF;
  }
  if (!unmasked)
    for (int i = 0; i < 4; i++)
      header[n++] = 0x5A;
  g_byte_array_append (out, header, n);
  guint old = out->len;
  g_byte_array_set_size (out, old + length);
  memset (out->data + old, 0x41, length);
}

/* Feeds @bytes whole and a byte at a time; both must agree. */
static gboolean
scan (GByteArray *bytes, guint64 max)
{
  RcWsFrameScan whole = RC_WS_FRAME_SCAN_INIT, bytewise = RC_WS_FRAME_SCAN_INIT;
  gboolean a = rc_ws_frame_scan_feed (&whole, bytes->data, bytes->len, max);
  gboolean b = TRUE;

  for (guint i = 0; i < bytes->len && b; i++)
    b = rc_ws_frame_scan_feed (&bytewise, bytes->data + i, 1, max);
  g_assert_cmpint (a, ==, b);
  return a;
}

static void
test_single_frames (void)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();

  frame (b, TRUE, 0x1, 100, FALSE);
  frame (b, TRUE, 0x2, 300, FALSE);     /* 16-bit length */
  frame (b, TRUE, 0x1, 70000, FALSE);   /* 64-bit length */
  frame (b, TRUE, 0x1, 0, FALSE);
  frame (b, TRUE, 0x9, 5, FALSE);       /* ping */
  frame (b, TRUE, 0xA, 0, TRUE);        /* pong, unmasked */
  g_assert_true (scan (b, 70000));
  g_assert_false (scan (b, 69999));
}

static void
test_fragments_count_towards_one_message (void)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();

  frame (b, FALSE, 0x1, 10, FALSE);
  frame (b, TRUE, 0x9, 4, FALSE);       /* control frames may interleave and do not count */
  frame (b, FALSE, 0x0, 10, FALSE);
  frame (b, TRUE, 0x0, 10, FALSE);
  frame (b, TRUE, 0x1, 30, FALSE);      /* the next message starts from zero */
  g_assert_true (scan (b, 30));
  g_assert_false (scan (b, 29));
}

static void
test_endless_fragment_chain (void)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  RcWsFrameScan s = RC_WS_FRAME_SCAN_INIT;
  guint frames = 0;

  frame (b, FALSE, 0x1, 1000, FALSE);
  g_assert_true (rc_ws_frame_scan_feed (&s, b->data, b->len, 1000000));
  g_byte_array_set_size (b, 0);
  frame (b, FALSE, 0x0, 1000, FALSE);
  while (rc_ws_frame_scan_feed (&s, b->data, b->len, 1000000))
    frames++;
  /* The 1000th continuation brings the message to 1,001,000 bytes. */
  g_assert_cmpuint (frames, ==, 999);
  g_assert_false (rc_ws_frame_scan_feed (&s, b->data, b->len, 1000000));
}

static void
test_not_websocket_framing (void)
{
  static const struct { gboolean fin; guint8 opcode; guint64 length; } bad[] = {
    { TRUE, 0x0, 1 },    /* continuation without a message */
    { TRUE, 0x3, 1 },    /* reserved opcode */
    { TRUE, 0xB, 1 },    /* reserved control opcode */
    { TRUE, 0x9, 126 },  /* control frame over 125 bytes */
    { FALSE, 0x9, 1 },   /* fragmented control frame */
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GByteArray) b = g_byte_array_new ();
    frame (b, bad[i].fin, bad[i].opcode, bad[i].length, FALSE);
    g_assert_false (scan (b, 1000));
  }

  g_autoptr (GByteArray) nested = g_byte_array_new ();
  frame (nested, FALSE, 0x1, 1, FALSE);
  frame (nested, TRUE, 0x1, 1, FALSE); /* a new message inside an unfinished one */
  g_assert_false (scan (nested, 1000));

  g_autoptr (GByteArray) rsv = g_byte_array_new ();
  frame (rsv, TRUE, 0x1, 1, FALSE);
  rsv->data[0] |= 0x40; /* RSV1 without a negotiated extension */
  g_assert_false (scan (rsv, 1000));

  /* A failed scan stays failed. */
  RcWsFrameScan s = RC_WS_FRAME_SCAN_INIT;
  g_autoptr (GByteArray) good = g_byte_array_new ();
  frame (good, TRUE, 0x1, 1, FALSE);
  g_assert_false (rc_ws_frame_scan_feed (&s, rsv->data, rsv->len, 1000));
  g_assert_false (rc_ws_frame_scan_feed (&s, good->data, good->len, 1000));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ws-frame-scan/single-frames", test_single_frames);
  g_test_add_func ("/ws-frame-scan/fragments", test_fragments_count_towards_one_message);
  g_test_add_func ("/ws-frame-scan/endless-fragment-chain", test_endless_fragment_chain);
  g_test_add_func ("/ws-frame-scan/not-websocket", test_not_websocket_framing);
  return g_test_run ();
}
