/* roomcast tests: icelitesink's RTCP, RTP rewrite, batches and peer table
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "icelite-peer-table.h"
#include "icelite-rtcp.h"
#include "icelite-sender.h"

static void
test_sender_report (void)
{
  guint8 buf[RC_ICELITE_RTCP_SR_MAX];
  guint64 ntp = G_GUINT64_CONSTANT (0x0123456789abcdef);
  gsize len = rc_icelite_rtcp_build_sr (buf, sizeof buf, 0x11223344, ntp,
      48000, 50, 4000, "roomcast");
  RcIceliteReportBlock block;

  /* SR (28) + SDES: 4 + chunk (4 + 2 + 8 + 1 -> 16) */
  g_assert_cmpuint (len, ==, 28 + 4 + 16);
  g_assert_cmpuint (len % 4, ==, 0);
  g_assert_cmpuint (buf[0], ==, 0x80);
  g_assert_cmpuint (buf[1], ==, 200);
  g_assert_cmpuint (buf[3], ==, 6);
  g_assert_cmpuint (buf[29], ==, 202);
  g_assert_cmpuint ((buf[30] << 8 | buf[31]) * 4 + 4, ==, len - 28);
  g_assert_cmpmem (buf + 38, 8, "roomcast", 8);
  /* no report blocks in it */
  g_assert_false (rc_icelite_rtcp_find_report (buf, len, 0x11223344, &block));
  g_assert_cmpuint (rc_icelite_rtcp_build_sr (buf, 40, 1, ntp, 0, 0, 0,
          "roomcast"), ==, 0);
}

static void
test_receiver_report (void)
{
  /* SR of the client (no blocks), then RR with two blocks */
  static const guint8 compound[] = {
    0x80, 200, 0x00, 0x06, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x82, 201, 0x00, 0x0d, 0, 0, 0, 1,
    0x00, 0x00, 0x00, 0x09, 0x10, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0,
    0x0b, 0xad, 0xca, 0xfe, 0x40, 0xff, 0xff, 0xfe, 0x00, 0x01, 0x00, 0x10,
    0x00, 0x00, 0x01, 0xe0, 0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x00, 0x00,
  };
  RcIceliteReportBlock block;
  guint64 now;

  g_assert_true (rc_icelite_rtcp_find_report (compound, sizeof compound,
          0x0badcafe, &block));
  g_assert_cmpuint (block.fraction_lost, ==, 0x40);
  g_assert_cmpint (block.packets_lost, ==, -2);
  g_assert_cmpuint (block.highest_seq, ==, 0x00010010);
  g_assert_cmpuint (block.jitter, ==, 480);
  g_assert_cmpuint (block.lsr, ==, 0x12345678);
  g_assert_cmpuint (block.dlsr, ==, 0x00010000);
  /* now = LSR + DLSR (1 s) + 250 ms */
  now = ((guint64) 0x12345678 + 0x10000 + 0x4000) << 16;
  g_assert_cmpint (rc_icelite_rtcp_rtt_ms (&block, now), ==, 250);
  block.lsr = 0;
  g_assert_cmpint (rc_icelite_rtcp_rtt_ms (&block, now), ==, -1);
  /* a block about someone else; a truncated packet */
  g_assert_false (rc_icelite_rtcp_find_report (compound, sizeof compound, 7,
          &block));
  g_assert_false (rc_icelite_rtcp_find_report (compound, sizeof compound - 4,
          0x0badcafe, &block));
}

static void
make_rtp (guint8 * p, guint16 seq, guint32 ts)
{
  memset (p, 0, 20);
  p[0] = 0x80;
  p[1] = 0x80 | 96;             /* marker set */
  p[2] = seq >> 8;
  p[3] = seq;
  p[4] = ts >> 24;
  p[5] = ts >> 16;
  p[6] = ts >> 8;
  p[7] = ts;
  p[8] = 0xaa;
}

static guint16
seq_of (const guint8 * p)
{
  return (guint16) (p[2] << 8 | p[3]);
}

static guint32
ts_of (const guint8 * p)
{
  return (guint32) p[4] << 24 | (guint32) p[5] << 16 | (guint32) p[6] << 8 |
      p[7];
}

static void
test_rewrite (void)
{
  RcIceliteRewrite rw;
  guint8 p[20];
  guint32 ts0;

  rc_icelite_rewrite_init (&rw, 111, 0xdeadbeef);
  rw.next_seq = 65534;          /* cross the wrap */
  make_rtp (p, 7, 1000);
  rc_icelite_rewrite_apply (&rw, p, 1000000);
  g_assert_cmpuint (p[1], ==, 0x80 | 111);
  g_assert_cmpuint (seq_of (p), ==, 65534);
  g_assert_cmpmem (p + 8, 4, "\xde\xad\xbe\xef", 4);
  ts0 = ts_of (p);
  g_assert_cmpuint (ts0, ==, rw.initial_ts);
  make_rtp (p, 8, 1960);
  rc_icelite_rewrite_apply (&rw, p, 1020000);
  g_assert_cmpuint (seq_of (p), ==, 65535);
  g_assert_cmpuint (ts_of (p), ==, ts0 + 960);

  /* another stream, 100 ms later: 4800 samples on */
  rw.rebase = TRUE;
  make_rtp (p, 40000, 77777);
  rc_icelite_rewrite_apply (&rw, p, 1120000);
  g_assert_cmpuint (seq_of (p), ==, 0);
  g_assert_cmpuint (ts_of (p), ==, ts0 + 960 + 4800);
  make_rtp (p, 40001, 77777 + 960);
  rc_icelite_rewrite_apply (&rw, p, 1140000);
  g_assert_cmpuint (seq_of (p), ==, 1);
  g_assert_cmpuint (ts_of (p), ==, ts0 + 960 + 4800 + 960);
  g_assert_cmpuint (rc_icelite_rewrite_timestamp_at (&rw, 1160000), ==,
      ts0 + 960 + 4800 + 960 + 960);
  /* a switch with no time elapsed still moves on */
  rw.rebase = TRUE;
  make_rtp (p, 1, 5);
  rc_icelite_rewrite_apply (&rw, p, 1140000);
  g_assert_cmpuint (ts_of (p), ==, ts0 + 960 + 4800 + 960 + 1);
}

/* A batch of 64 to a real socket on 127.0.0.1: one sendmmsg, 64 datagrams
 * that unprotect, each with its own header. */
static void
test_batch (void)
{
  int rx = socket (AF_INET, SOCK_DGRAM, 0), tx = socket (AF_INET, SOCK_DGRAM,
      0);
  struct sockaddr_in sin = {.sin_family = AF_INET };
  socklen_t sl = sizeof sin;
  RcIceliteAddr dest;
  guint8 key[16] = { 1 }, salt[14] = { 2 };
  g_autoptr (RcIceliteBatch) batch = rc_icelite_batch_new ();
  RcSrtpContext *tx_ctx[RC_ICELITE_BATCH_SIZE];
  RcIceliteRewrite rw[RC_ICELITE_BATCH_SIZE];
  guint8 packet[20];
  guint64 bytes = 0;
  guint calls = 0, dropped = 0;
  int rcvbuf = 1 << 20;

  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (rx, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  g_assert_cmpint (bind (rx, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  getsockname (rx, (struct sockaddr *) &sin, &sl);
  rc_icelite_addr_set (&dest, (struct sockaddr *) &sin, sl);
  make_rtp (packet, 1, 1);
  for (guint i = 0; i < RC_ICELITE_BATCH_SIZE; i++) {
    tx_ctx[i] = rc_srtp_context_new (RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80,
        key, salt, NULL);
    rc_icelite_rewrite_init (&rw[i], 100, i);
    g_assert_cmpuint (rc_icelite_batch_add (batch, packet, sizeof packet,
            &rw[i], tx_ctx[i], &dest, 0), ==, sizeof packet + 10);
  }
  g_assert_true (rc_icelite_batch_is_full (batch));
  g_assert_cmpuint (rc_icelite_batch_add (batch, packet, sizeof packet,
          &rw[0], tx_ctx[0], &dest, 0), ==, 0);
  g_assert_cmpuint (rc_icelite_batch_flush (batch, tx, &bytes, &calls,
          &dropped), ==, RC_ICELITE_BATCH_SIZE);
  g_assert_cmpuint (calls, ==, 1);
  g_assert_cmpuint (dropped, ==, 0);
  g_assert_cmpuint (bytes, ==, RC_ICELITE_BATCH_SIZE * (sizeof packet + 10));
  g_assert_cmpuint (rc_icelite_batch_length (batch), ==, 0);

  for (guint i = 0; i < RC_ICELITE_BATCH_SIZE; i++) {
    guint8 buf[64];
    gsize plain;
    ssize_t n = recv (rx, buf, sizeof buf, 0);
    guint32 ssrc;
    g_autoptr (RcSrtpContext) rx_ctx =
        rc_srtp_context_new (RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80, key,
        salt, NULL);
    g_assert_cmpint (n, ==, sizeof packet + 10);
    g_assert_true (rc_srtp_context_unprotect_rtp (rx_ctx, buf, (gsize) n,
            &plain));
    ssrc = (guint32) buf[8] << 24 | buf[9] << 16 | buf[10] << 8 | buf[11];
    g_assert_cmpuint (ssrc, ==, i);
    g_assert_cmpuint (buf[1] & 0x7f, ==, 100);
    rc_srtp_context_free (tx_ctx[i]);
  }
  close (rx);
  close (tx);
}

static void
test_peer_table (void)
{
  RcIcelitePeerTable *table = rc_icelite_peer_table_new ();
  RcIcelitePeer *a = rc_icelite_peer_new ("a", "ufA1", "pwd", 111, 1);
  RcIcelitePeer *b = rc_icelite_peer_new ("b", "ufB1", "pwd", 111, 2);
  RcIcelitePeer *dup = rc_icelite_peer_new ("a", "ufX1", "pwd", 111, 3);
  struct sockaddr_in sin = {.sin_family = AF_INET };
  int source1, source2;

  g_assert_true (rc_icelite_peer_table_add (table, a));
  g_assert_true (rc_icelite_peer_table_add (table, b));
  g_assert_false (rc_icelite_peer_table_add (table, dup));
  rc_icelite_peer_unref (dup);
  g_assert_true (rc_icelite_peer_table_lookup_ufrag (table, "ufB1") == b);

  /* addresses: five checks from five ports keep the last four */
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  for (guint16 port = 1000; port < 1005; port++) {
    sin.sin_port = htons (port);
    rc_icelite_peer_table_add_addr (table, a, (struct sockaddr *) &sin,
        sizeof sin);
  }
  g_assert_cmpuint (a->n_addrs, ==, RC_ICELITE_PEER_MAX_ADDRS);
  sin.sin_port = htons (1000);
  g_assert_null (rc_icelite_peer_table_lookup_addr (table,
          (struct sockaddr *) &sin, sizeof sin));
  sin.sin_port = htons (1004);
  g_assert_true (rc_icelite_peer_table_lookup_addr (table,
          (struct sockaddr *) &sin, sizeof sin) == a);
  /* the same address checked by b moves to b */
  rc_icelite_peer_table_add_addr (table, b, (struct sockaddr *) &sin,
      sizeof sin);
  g_assert_true (rc_icelite_peer_table_lookup_addr (table,
          (struct sockaddr *) &sin, sizeof sin) == b);

  /* sources */
  rc_icelite_peer_table_set_source (table, a, &source1);
  rc_icelite_peer_table_set_source (table, b, &source1);
  g_assert_cmpuint (rc_icelite_peer_table_peers_of (table, &source1)->len, ==,
      2);
  rc_icelite_peer_table_set_source (table, b, &source2);
  g_assert_cmpuint (rc_icelite_peer_table_peers_of (table, &source1)->len, ==,
      1);
  g_assert_true (b->rewrite.rebase);
  rc_icelite_peer_table_drop_source (table, &source1);
  g_assert_null (rc_icelite_peer_table_peers_of (table, &source1));
  g_assert_null (a->source);

  g_assert_true (rc_icelite_peer_table_remove (table, "b"));
  g_assert_false (rc_icelite_peer_table_remove (table, "b"));
  g_assert_null (rc_icelite_peer_table_peers_of (table, &source2));
  g_assert_null (rc_icelite_peer_table_lookup_addr (table,
          (struct sockaddr *) &sin, sizeof sin));
  g_assert_cmpuint (rc_icelite_peer_table_size (table), ==, 1);
  rc_icelite_peer_table_free (table);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/icelite/rtcp/sender-report", test_sender_report);
  g_test_add_func ("/icelite/rtcp/receiver-report", test_receiver_report);
  g_test_add_func ("/icelite/sender/rewrite", test_rewrite);
  g_test_add_func ("/icelite/sender/batch", test_batch);
  g_test_add_func ("/icelite/peer-table", test_peer_table);
  return g_test_run ();
}
