/* roomcast: the size of each WebSocket message a client sends, counted as
 * its bytes arrive.
 *
 * libsoup 3.2 limits each frame (max-incoming-payload-size) but not a
 * message reassembled from continuation frames: a client that sends a
 * never-ending chain of small fragments makes it buffer without bound.
 * RcWsFrameScan reads the frame headers (RFC 6455 section 5.2) of the
 * client-to-server byte stream, without buffering or unmasking anything,
 * and says when one message (a text or binary frame and its
 * continuations; control frames do not count) passes a limit, before its
 * payload is read.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Zero-initialise it (RC_WS_FRAME_SCAN_INIT); the fields are private. */
typedef struct {
  guint8 state;       /* what the next byte is */
  guint8 length_left; /* extended payload length bytes still to come */
  guint8 mask_left;   /* masking key bytes still to come */
  guint8 opcode;
  gboolean fin;
  gboolean in_message; /* a text/binary frame without FIN was seen */
  guint64 length;      /* payload length of the current frame */
  guint64 payload_left;
  guint64 message; /* payload bytes of the current message so far */
} RcWsFrameScan;

#define RC_WS_FRAME_SCAN_INIT \
  { \
    0 \
  }

/* Feeds the next @n bytes of the stream. FALSE as soon as a message's
 * payload passes @max_message bytes, or the stream is not WebSocket
 * framing (a reserved opcode, a control frame over 125 bytes or
 * fragmented, a continuation without a message, a length over 2^63);
 * the scan then stays failed. */
gboolean rc_ws_frame_scan_feed (RcWsFrameScan *scan, const guint8 *data, gsize n,
                                guint64 max_message);

G_END_DECLS
