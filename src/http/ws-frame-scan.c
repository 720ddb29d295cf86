/* roomcast: WebSocket message sizes as bytes arrive; see ws-frame-scan.h. */
#include "http/ws-frame-scan.h"

enum { FIRST, SECOND, EXTENDED, MASK, PAYLOAD, FAILED };

/* The frame's header is complete: check and count its payload. */
static gboolean
header_done (RcWsFrameScan *scan, guint64 max_message)
{
  switch (scan->opcode) {
  case 0x0: /* continuation */
    if (!scan->in_message || scan->length > max_message - scan->message)
      return FALSE;
    scan->message += scan->length;
    break;
  case 0x1: /* text */
  case 0x2: /* binary */
    if (scan->in_message || scan->length > max_message)
      return FALSE;
    scan->message = scan->length;
    scan->in_message = TRUE;
    break;
  case 0x8: /* close */
  case 0x9: /* ping */
  case 0xA: /* pong */
    if (!scan->fin || scan->length > 125)
      return FALSE;
    break;
  default:
    return FALSE;
  }
  if (scan->opcode < 0x8 && scan->fin) {
    scan->in_message = FALSE;
    scan->message = 0;
  }
  scan->payload_left = scan->length;
  scan->state = scan->length > 0 ? PAYLOAD : FIRST;
  return TRUE;
}

/* The length (and mask) bytes may be done: move on. */
static gboolean
after_length_byte (RcWsFrameScan *scan, guint64 max_message)
{
  if (scan->length_left > 0) {
    scan->state = EXTENDED;
    return TRUE;
  }
  if (scan->mask_left > 0) {
    scan->state = MASK;
    return TRUE;
  }
  return header_done (scan, max_message);
}

gboolean
rc_ws_frame_scan_feed (RcWsFrameScan *scan, const guint8 *data, gsize n, guint64 max_message)
{
  g_return_val_if_fail (scan != NULL && (data != NULL || n == 0), FALSE);

  for (gsize i = 0; i < n && scan->state != FAILED; i++) {
    guint8 b = data[i];
    gboolean ok = TRUE;

    switch (scan->state) {
    case FIRST:
      if (b & 0x70)
        ok = FALSE; /* RSV bits: no extension was negotiated */
      scan->fin = (b & 0x80) != 0;
      scan->opcode = b & 0x0F;
      scan->state = SECOND;
      break;
    case SECOND: {
      guint8 len7 = b & 0x7F;
      scan->mask_left = (b & 0x80) ? 4 : 0;
      scan->length_left = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
      scan->length = len7 < 126 ? len7 : 0;
      ok = after_length_byte (scan, max_message);
      break;
    }
    case EXTENDED:
      if (scan->length >> 55)
        ok = FALSE; /* over 2^63 */
      scan->length = (scan->length << 8) | b;
      scan->length_left--;
      ok = ok && after_length_byte (scan, max_message);
      break;
    case MASK:
      scan->mask_left--;
      if (scan->mask_left == 0)
        ok = header_done (scan, max_message);
      break;
    case PAYLOAD: {
      guint64 skip = MIN ((guint64) (n - i), scan->payload_left);
      scan->payload_left -= skip;
      i += skip - 1;
      if (scan->payload_left == 0)
        scan->state = FIRST;
      break;
    }
    }
    if (!ok)
      scan->state = FAILED;
  }
  return scan->state != FAILED;
}
