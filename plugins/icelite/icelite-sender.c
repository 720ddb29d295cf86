/* roomcast: icelitesink's sending path
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "icelite-sender.h"
#include "icelite-bytes.h"

#include <errno.h>
#include <string.h>

struct _RcIceliteBatch {
  guint n;
  struct mmsghdr msgs[RC_ICELITE_BATCH_SIZE];
  struct iovec iov[RC_ICELITE_BATCH_SIZE];
  struct sockaddr_storage dest[RC_ICELITE_BATCH_SIZE];
  guint8 data[RC_ICELITE_BATCH_SIZE][RC_ICELITE_SLOT_SIZE];
};

void
rc_icelite_rewrite_init (RcIceliteRewrite * rw, guint8 payload_type,
    guint32 ssrc)
{
  memset (rw, 0, sizeof *rw);
  rw->payload_type = payload_type & 0x7f;
  rw->ssrc = ssrc;
  rw->next_seq = (guint16) g_random_int ();
  rw->initial_ts = g_random_int ();
}

static guint32
samples_since (gint64 then_us, gint64 now_us)
{
  gint64 us = MAX (now_us - then_us, 0);
  return (guint32) ((us * RC_ICELITE_CLOCK_RATE) / G_USEC_PER_SEC);
}

void
rc_icelite_rewrite_apply (RcIceliteRewrite * rw, guint8 * pkt, gint64 now_us)
{
  guint32 in_ts = rc_icelite_read32 (pkt + 4);
  guint32 out_ts;

  if (!rw->started) {
    rw->ts_offset = rw->initial_ts - in_ts;
    rw->started = TRUE;
  } else if (rw->rebase) {
    /* continue this peer's timeline by the wall time since its last
     * packet (at least one sample: timestamps never stand still) */
    guint32 next = rw->last_ts + MAX (samples_since (rw->last_us, now_us), 1);
    rw->ts_offset = next - in_ts;
  }
  rw->rebase = FALSE;
  out_ts = in_ts + rw->ts_offset;

  pkt[1] = (pkt[1] & 0x80) | rw->payload_type;
  pkt[2] = rw->next_seq >> 8;
  pkt[3] = rw->next_seq & 0xff;
  rc_icelite_write32 (pkt + 4, out_ts);
  rc_icelite_write32 (pkt + 8, rw->ssrc);
  rw->next_seq++;
  rw->last_ts = out_ts;
  rw->last_us = now_us;
}

guint32
rc_icelite_rewrite_timestamp_at (const RcIceliteRewrite * rw, gint64 now_us)
{
  if (!rw->started)
    return rw->initial_ts;
  return rw->last_ts + samples_since (rw->last_us, now_us);
}

RcIceliteBatch *
rc_icelite_batch_new (void)
{
  RcIceliteBatch *batch = g_new0 (RcIceliteBatch, 1);

  for (guint i = 0; i < RC_ICELITE_BATCH_SIZE; i++) {
    batch->iov[i].iov_base = batch->data[i];
    batch->msgs[i].msg_hdr.msg_iov = &batch->iov[i];
    batch->msgs[i].msg_hdr.msg_iovlen = 1;
    batch->msgs[i].msg_hdr.msg_name = &batch->dest[i];
  }
  return batch;
}

void
rc_icelite_batch_free (RcIceliteBatch * batch)
{
  g_free (batch);
}

guint
rc_icelite_batch_length (RcIceliteBatch * batch)
{
  return batch->n;
}

gboolean
rc_icelite_batch_is_full (RcIceliteBatch * batch)
{
  return batch->n == RC_ICELITE_BATCH_SIZE;
}

gsize
rc_icelite_batch_add (RcIceliteBatch * batch, const guint8 * packet,
    gsize len, RcIceliteRewrite * rw, RcSrtpContext * srtp,
    const RcIceliteAddr * dest, gint64 now_us)
{
  guint i = batch->n;
  guint8 *slot;
  gsize out_len = 0;

  if (i == RC_ICELITE_BATCH_SIZE || len < 12
      || len + RC_SRTP_MAX_TRAILER > RC_ICELITE_SLOT_SIZE
      || dest->len == 0 || dest->len > sizeof batch->dest[i])
    return 0;
  slot = batch->data[i];
  memcpy (slot, packet, len);
  rc_icelite_rewrite_apply (rw, slot, now_us);
  if (!rc_srtp_context_protect_rtp (srtp, slot, len, RC_ICELITE_SLOT_SIZE,
          &out_len))
    return 0;
  batch->iov[i].iov_len = out_len;
  memcpy (&batch->dest[i], &dest->ss, dest->len);
  batch->msgs[i].msg_hdr.msg_namelen = dest->len;
  batch->n++;
  return out_len;
}

guint
rc_icelite_batch_flush (RcIceliteBatch * batch, int fd, guint64 * bytes_sent,
    guint * sendmmsg_calls, guint * dropped)
{
  guint off = 0, sent = 0;

  while (off < batch->n) {
    int r = sendmmsg (fd, &batch->msgs[off], batch->n - off, MSG_DONTWAIT);
    (*sendmmsg_calls)++;
    if (r < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        /* the socket buffer is full: the rest is dropped, never waited for */
        *dropped += batch->n - off;
        break;
      }
      /* this one datagram was refused (e.g. unreachable): skip it */
      (*dropped)++;
      off++;
      continue;
    }
    for (int i = 0; i < r; i++)
      *bytes_sent += batch->msgs[off + i].msg_len;
    off += (guint) r;
    sent += (guint) r;
    if (r == 0)
      break;
  }
  batch->n = 0;
  return sent;
}
