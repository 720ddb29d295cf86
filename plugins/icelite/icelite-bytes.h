/* roomcast icelite: big-endian 32-bit fields of RTP, RTCP and SRTP packets,
 * shared by the rewrite, RTCP and SRTP code. */
#pragma once

#include <glib.h>

static inline guint32
rc_icelite_read32 (const guint8 * p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 |
      p[3];
}

static inline void
rc_icelite_write32 (guint8 * p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}
