/* roomcast: icelitesink's sending path: per-peer RTP header rewriting and
 * batches of protected packets sent with one sendmmsg
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A batch is preallocated (RC_ICELITE_BATCH_SIZE slots of
 * RC_ICELITE_SLOT_SIZE bytes, their iovecs and addresses) and owned by
 * one streaming thread: filling a slot copies the packet, rewrites its
 * header for the peer, SRTP-protects it in place; no allocation, no lock.
 */
#pragma once

#include <sys/socket.h>

#include <glib.h>

#include "srtp-context.h"

G_BEGIN_DECLS

#define RC_ICELITE_BATCH_SIZE 64
#define RC_ICELITE_SLOT_SIZE 1500
#define RC_ICELITE_CLOCK_RATE 48000

typedef struct {
  socklen_t len;
  struct sockaddr_storage ss;
} RcIceliteAddr;

/* One peer's view of the RTP header: its own payload type, SSRC and
 * sequence numbers, and its own timeline of timestamps that continues
 * across a change of source (re-based by the time elapsed). */
typedef struct {
  guint8 payload_type;
  guint32 ssrc;
  guint16 next_seq;
  guint32 ts_offset;            /* out = in + offset */
  guint32 initial_ts;
  gboolean started;
  gboolean rebase;              /* the next packet comes from another stream */
  guint32 last_ts;
  gint64 last_us;
} RcIceliteRewrite;

/* Random initial sequence number and timestamp (RFC 3550 §5.1). */
void rc_icelite_rewrite_init (RcIceliteRewrite * rw, guint8 payload_type,
    guint32 ssrc);
/* Rewrites the header of @pkt (at least 12 bytes) in place, sent at
 * @now_us (monotonic). */
void rc_icelite_rewrite_apply (RcIceliteRewrite * rw, guint8 * pkt,
    gint64 now_us);
/* The RTP timestamp this peer's timeline has at @now_us (for SRs). */
guint32 rc_icelite_rewrite_timestamp_at (const RcIceliteRewrite * rw,
    gint64 now_us);

typedef struct _RcIceliteBatch RcIceliteBatch;

RcIceliteBatch *rc_icelite_batch_new (void);
void rc_icelite_batch_free (RcIceliteBatch * batch);
guint rc_icelite_batch_length (RcIceliteBatch * batch);
gboolean rc_icelite_batch_is_full (RcIceliteBatch * batch);
/* Copies @packet into the next slot, rewrites it with @rw, protects it
 * with @srtp, addressed to @dest. Returns the protected length, 0 (slot
 * not used) if the batch is full, the packet too big or not RTP. */
gsize rc_icelite_batch_add (RcIceliteBatch * batch, const guint8 * packet,
    gsize len, RcIceliteRewrite * rw, RcSrtpContext * srtp,
    const RcIceliteAddr * dest, gint64 now_us);
/* Sends the batch on non-blocking @fd with as few sendmmsg calls as it
 * takes and empties it. Returns how many packets went; adds to the
 * counters. */
guint rc_icelite_batch_flush (RcIceliteBatch * batch, int fd,
    guint64 * bytes_sent, guint * sendmmsg_calls, guint * dropped);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcIceliteBatch, rc_icelite_batch_free)

G_END_DECLS
