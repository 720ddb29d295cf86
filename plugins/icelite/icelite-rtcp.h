/* roomcast: the RTCP icelitesink speaks (RFC 3550): sender reports out,
 * receiver-report blocks in
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure functions over plain buffers: no I/O, no state.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest compound packet rc_icelite_rtcp_build_sr writes. */
#define RC_ICELITE_RTCP_SR_MAX 128

typedef struct {
  guint8 fraction_lost;         /* in 1/256 */
  gint32 packets_lost;          /* cumulative, signed 24-bit */
  guint32 highest_seq;          /* extended */
  guint32 jitter;               /* in RTP timestamp units */
  guint32 lsr;                  /* middle 32 bits of the SR's NTP time */
  guint32 dlsr;                 /* in 1/65536 s */
} RcIceliteReportBlock;

/* NTP time (RFC 5905 64-bit format) of the wall clock now. */
guint64 rc_icelite_ntp_now (void);

/* SR (no report blocks) + SDES CNAME, compound. Returns the length, 0 if
 * @max is too small or @cname too long (255 bytes). */
gsize rc_icelite_rtcp_build_sr (guint8 * buf, gsize max, guint32 ssrc,
    guint64 ntp, guint32 rtp_timestamp, guint32 packets, guint32 octets,
    const char *cname);

/* Finds, in the compound RTCP packet @buf, the report block (of an RR or
 * an SR) about @media_ssrc. FALSE if there is none or @buf is malformed. */
gboolean rc_icelite_rtcp_find_report (const guint8 * buf, gsize len,
    guint32 media_ssrc, RcIceliteReportBlock * block);

/* Round-trip time in ms from a report block received at NTP time @now
 * (RFC 3550 §6.4.1), or -1 if the block does not refer to an SR. */
gint rc_icelite_rtcp_rtt_ms (const RcIceliteReportBlock * block, guint64 now);

G_END_DECLS
