/* roomcast: the RTCP icelitesink speaks (RFC 3550)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "icelite-rtcp.h"
#include "icelite-bytes.h"

#include <string.h>

#define RTCP_SR 200
#define RTCP_RR 201
#define RTCP_SDES 202
#define SDES_CNAME 1
/* seconds from 1900-01-01 (NTP era 0) to 1970-01-01 */
#define NTP_UNIX_OFFSET G_GUINT64_CONSTANT (2208988800)

guint64
rc_icelite_ntp_now (void)
{
  gint64 us = g_get_real_time ();
  guint64 sec = (guint64) (us / G_USEC_PER_SEC) + NTP_UNIX_OFFSET;
  guint64 frac = ((guint64) (us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;

  return sec << 32 | frac;
}

gsize
rc_icelite_rtcp_build_sr (guint8 * buf, gsize max, guint32 ssrc, guint64 ntp,
    guint32 rtp_timestamp, guint32 packets, guint32 octets, const char *cname)
{
  gsize cname_len = strlen (cname);
  /* SDES chunk: SSRC, CNAME item (2 + len), END, padded to 32 bits */
  gsize chunk = 4 + 2 + cname_len + 1;
  gsize sdes_len = 4 + ((chunk + 3) & ~(gsize) 3);
  gsize total = 28 + sdes_len;

  if (cname_len > 255 || total > max)
    return 0;
  memset (buf, 0, total);
  buf[0] = 0x80;
  buf[1] = RTCP_SR;
  buf[2] = 0;
  buf[3] = 6;                   /* 28 bytes / 4 - 1 */
  rc_icelite_write32 (buf + 4, ssrc);
  rc_icelite_write32 (buf + 8, (guint32) (ntp >> 32));
  rc_icelite_write32 (buf + 12, (guint32) ntp);
  rc_icelite_write32 (buf + 16, rtp_timestamp);
  rc_icelite_write32 (buf + 20, packets);
  rc_icelite_write32 (buf + 24, octets);

  buf[28] = 0x81;               /* one chunk */
  buf[29] = RTCP_SDES;
  buf[30] = (guint8) ((sdes_len / 4 - 1) >> 8);
  buf[31] = (guint8) (sdes_len / 4 - 1);
  rc_icelite_write32 (buf + 32, ssrc);
  buf[36] = SDES_CNAME;
  buf[37] = (guint8) cname_len;
  memcpy (buf + 38, cname, cname_len);
  /* END item and padding: already zero */
  return total;
}

gboolean
rc_icelite_rtcp_find_report (const guint8 * buf, gsize len,
    guint32 media_ssrc, RcIceliteReportBlock * block)
{
  gsize off = 0;

  while (off + 4 <= len) {
    const guint8 *p = buf + off;
    gsize plen = 4 * ((gsize) (p[2] << 8 | p[3]) + 1);
    guint count = p[0] & 0x1f;
    gsize first;

    if ((p[0] >> 6) != 2 || off + plen > len)
      return FALSE;
    first = p[1] == RTCP_SR ? 28 : p[1] == RTCP_RR ? 8 : 0;
    if (first != 0) {
      if (first + 24 * (gsize) count > plen)
        return FALSE;
      for (guint i = 0; i < count; i++) {
        const guint8 *rb = p + first + 24 * i;
        gint32 lost;
        if (rc_icelite_read32 (rb) != media_ssrc)
          continue;
        block->fraction_lost = rb[4];
        lost = (gint32) (rc_icelite_read32 (rb + 4) & 0xffffff);
        if (lost & 0x800000)
          lost -= 0x1000000;
        block->packets_lost = lost;
        block->highest_seq = rc_icelite_read32 (rb + 8);
        block->jitter = rc_icelite_read32 (rb + 12);
        block->lsr = rc_icelite_read32 (rb + 16);
        block->dlsr = rc_icelite_read32 (rb + 20);
        return TRUE;
      }
    }
    off += plen;
  }
  return FALSE;
}

gint
rc_icelite_rtcp_rtt_ms (const RcIceliteReportBlock * block, guint64 now)
{
  guint32 mid = (guint32) (now >> 16);
  guint32 rtt;

  if (block->lsr == 0)
    return -1;
  rtt = mid - block->lsr - block->dlsr;
  /* a clock step or a bogus block: not a round trip */
  if (rtt > 60 * 65536u)
    return -1;
  return (gint) (((guint64) rtt * 1000) >> 16);
}
