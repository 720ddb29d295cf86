/* roomcast tests: the icelite SRTP module against RFC 3711 and libsrtp2
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib.h>

#include "srtp-reference.h"
#include "srtp-context.h"

static void
hex_to_bytes (const char *hex, guint8 * out, gsize n)
{
  g_assert_cmpuint (strlen (hex), ==, 2 * n);
  for (gsize i = 0; i < n; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 |
        g_ascii_xdigit_value (hex[2 * i + 1]));
}

static void
assert_hex (const guint8 * bytes, gsize n, const char *hex)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%02X", bytes[i]);
  g_assert_cmpstr (s->str, ==, hex);
}

/* RFC 3711 appendix B.3: key derivation. */
static void
test_rfc3711_b3_key_derivation (void)
{
  guint8 key[16], salt[14], out[20];
  g_autoptr (GError) error = NULL;
  g_autoptr (RcSrtpContext) ctx = NULL;

  hex_to_bytes ("E1F97A0D3E018BE0D64FA32C06DE4139", key, 16);
  hex_to_bytes ("0EC675AD498AFEEBB6960B3AABE6", salt, 14);
  ctx = rc_srtp_context_new (RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80, key, salt,
      &error);
  g_assert_no_error (error);

  g_assert_cmpuint (rc_srtp_context_get_session_key (ctx, 0, out, 20), ==, 16);
  assert_hex (out, 16, "C61E7A93744F39EE10734AFE3FF7A087");
  g_assert_cmpuint (rc_srtp_context_get_session_key (ctx, 2, out, 20), ==, 14);
  assert_hex (out, 14, "30CBBC08863D8C85D49DB34A9AE1");
  g_assert_cmpuint (rc_srtp_context_get_session_key (ctx, 1, out, 20), ==, 20);
  assert_hex (out, 20, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4");
}

/* RFC 3711 appendix B.2: the AES-CM keystream of key 2B7E... at IV
 * F0F1...FD0000. Deriving the cipher key (label 0) from that key as master
 * key and F0F1...FD as master salt runs exactly that keystream. */
static void
test_rfc3711_b2_aes_cm (void)
{
  guint8 key[16], salt[14], out[16];
  g_autoptr (RcSrtpContext) ctx = NULL;

  hex_to_bytes ("2B7E151628AED2A6ABF7158809CF4F3C", key, 16);
  hex_to_bytes ("F0F1F2F3F4F5F6F7F8F9FAFBFCFD", salt, 14);
  ctx = rc_srtp_context_new (RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80, key, salt,
      NULL);
  g_assert_nonnull (ctx);
  rc_srtp_context_get_session_key (ctx, 0, out, 16);
  assert_hex (out, 16, "E03EAD0935C95E80E166B16DD92B4EB4");
}

static gsize
make_rtp (guint8 * buf, guint16 seq, guint32 ts, guint32 ssrc, gsize payload)
{
  buf[0] = 0x80;
  buf[1] = 111;
  buf[2] = seq >> 8;
  buf[3] = seq;
  buf[4] = ts >> 24;
  buf[5] = ts >> 16;
  buf[6] = ts >> 8;
  buf[7] = ts;
  buf[8] = ssrc >> 24;
  buf[9] = ssrc >> 16;
  buf[10] = ssrc >> 8;
  buf[11] = ssrc;
  for (gsize i = 0; i < payload; i++)
    buf[12 + i] = (guint8) (i * 7 + seq);
  return 12 + payload;
}

static gsize
make_rtcp_rr (guint8 * buf, guint32 ssrc)
{
  static const guint8 rr[] = {
    0x81, 201, 0x00, 0x07, 0, 0, 0, 0,
    0x11, 0x22, 0x33, 0x44, 0x05, 0x00, 0x00, 0x10,
    0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x20,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  memcpy (buf, rr, sizeof rr);
  buf[4] = ssrc >> 24;
  buf[5] = ssrc >> 16;
  buf[6] = ssrc >> 8;
  buf[7] = ssrc;
  return sizeof rr;
}

static const RcSrtpProfile profiles[] = {
  RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80,
  RC_SRTP_PROFILE_AEAD_AES_128_GCM,
};

static void
master_for (RcSrtpProfile profile, guint8 key[16], guint8 salt[14])
{
  for (int i = 0; i < 16; i++)
    key[i] = (guint8) (0x10 + i * 3);
  for (int i = 0; i < 14; i++)
    salt[i] = (guint8) (0xa0 + i);
}

/* Ours protects, ours and libsrtp2 unprotect (and the other way round),
 * across a sequence-number wrap; a flipped bit and a replay are refused. */
static void
test_round_trip_and_interop (void)
{
  for (gsize p = 0; p < G_N_ELEMENTS (profiles); p++) {
    guint8 key[16], salt[14];
    g_autoptr (RcSrtpContext) tx = NULL;
    g_autoptr (RcSrtpContext) rx = NULL;
    srtp_t ref_rx, ref_tx;

    master_for (profiles[p], key, salt);
    tx = rc_srtp_context_new (profiles[p], key, salt, NULL);
    rx = rc_srtp_context_new (profiles[p], key, salt, NULL);
    ref_rx = srtp_reference_new (profiles[p], key, salt, FALSE);
    ref_tx = srtp_reference_new (profiles[p], key, salt, TRUE);

    for (guint i = 0; i < 300; i++) {
      guint16 seq = (guint16) (65400 + i);      /* wraps at i = 136 */
      guint8 plain[256], a[256], b[256];
      gsize len = make_rtp (plain, seq, 960 * i, 0xdeadbeef, 40 + i % 60);
      gsize out_len = 0, plain_len = 0;
      int ref_len;

      /* ours → ours and ours → libsrtp2 */
      memcpy (a, plain, len);
      g_assert_true (rc_srtp_context_protect_rtp (tx, a, len, sizeof a,
              &out_len));
      g_assert_cmpuint (out_len, >, len);
      memcpy (b, a, out_len);
      g_assert_true (rc_srtp_context_unprotect_rtp (rx, a, out_len,
              &plain_len));
      g_assert_cmpmem (a, plain_len, plain, len);
      ref_len = (int) out_len;
      g_assert_cmpint (srtp_unprotect (ref_rx, b, &ref_len), ==,
          srtp_err_status_ok);
      g_assert_cmpmem (b, ref_len, plain, len);

      /* libsrtp2 → ours: the same bytes as ours protected */
      memcpy (b, plain, len);
      ref_len = (int) len;
      g_assert_cmpint (srtp_protect (ref_tx, b, &ref_len), ==,
          srtp_err_status_ok);
      g_assert_cmpuint ((gsize) ref_len, ==, out_len);
    }

    /* a replay and a flipped bit are refused */
    {
      guint8 pkt[256], copy[256];
      gsize len = make_rtp (pkt, 500, 0, 0xdeadbeef, 50), out_len, plain_len;
      g_autoptr (RcSrtpContext) tx2 = rc_srtp_context_new (profiles[p], key,
          salt, NULL);
      g_autoptr (RcSrtpContext) rx2 = rc_srtp_context_new (profiles[p], key,
          salt, NULL);

      g_assert_true (rc_srtp_context_protect_rtp (tx2, pkt, len, sizeof pkt,
              &out_len));
      memcpy (copy, pkt, out_len);
      copy[20] ^= 1;
      g_assert_false (rc_srtp_context_unprotect_rtp (rx2, copy, out_len,
              &plain_len));
      memcpy (copy, pkt, out_len);
      g_assert_true (rc_srtp_context_unprotect_rtp (rx2, copy, out_len,
              &plain_len));
      memcpy (copy, pkt, out_len);
      g_assert_false (rc_srtp_context_unprotect_rtp (rx2, copy, out_len,
              &plain_len));
    }

    /* SRTCP: ours → libsrtp2, libsrtp2 → ours */
    for (guint i = 0; i < 5; i++) {
      guint8 plain[128], a[128];
      gsize len = make_rtcp_rr (plain, 0x01020304), out_len, plain_len;
      int ref_len;

      memcpy (a, plain, len);
      g_assert_true (rc_srtp_context_protect_rtcp (tx, a, len, sizeof a,
              &out_len));
      ref_len = (int) out_len;
      g_assert_cmpint (srtp_unprotect_rtcp (ref_rx, a, &ref_len), ==,
          srtp_err_status_ok);
      g_assert_cmpmem (a, ref_len, plain, len);

      memcpy (a, plain, len);
      ref_len = (int) len;
      g_assert_cmpint (srtp_protect_rtcp (ref_tx, a, &ref_len), ==,
          srtp_err_status_ok);
      g_assert_true (rc_srtp_context_unprotect_rtcp (rx, a, ref_len,
              &plain_len));
      g_assert_cmpmem (a, plain_len, plain, len);
    }

    srtp_dealloc (ref_rx);
    srtp_dealloc (ref_tx);
  }
}

/* libsrtp2 protects, ours unprotects a stream that starts after a wrap. */
static void
test_libsrtp_to_ours (void)
{
  for (gsize p = 0; p < G_N_ELEMENTS (profiles); p++) {
    guint8 key[16], salt[14];
    g_autoptr (RcSrtpContext) rx = NULL;
    srtp_t ref_tx;

    master_for (profiles[p], key, salt);
    rx = rc_srtp_context_new (profiles[p], key, salt, NULL);
    ref_tx = srtp_reference_new (profiles[p], key, salt, TRUE);
    for (guint i = 0; i < 200; i++) {
      guint8 plain[256], a[256];
      gsize len = make_rtp (plain, (guint16) (65500 + i), i, 42, 80), plain_len;
      int ref_len = (int) len;

      memcpy (a, plain, len);
      g_assert_cmpint (srtp_protect (ref_tx, a, &ref_len), ==,
          srtp_err_status_ok);
      g_assert_true (rc_srtp_context_unprotect_rtp (rx, a, ref_len,
              &plain_len));
      g_assert_cmpmem (a, plain_len, plain, len);
    }
    srtp_dealloc (ref_tx);
  }
}

static void
test_malformed (void)
{
  guint8 key[16] = { 0 }, salt[14] = { 0 }, pkt[64] = { 0 };
  gsize out_len;
  g_autoptr (GError) error = NULL;
  g_autoptr (RcSrtpContext) ctx =
      rc_srtp_context_new (RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80, key, salt,
      NULL);

  g_assert_null (rc_srtp_context_new (99, key, salt, &error));
  g_assert_error (error, RC_SRTP_ERROR, RC_SRTP_ERROR_PROFILE);
  /* too short, wrong version, no room for the tag */
  g_assert_false (rc_srtp_context_protect_rtp (ctx, pkt, 8, 64, &out_len));
  g_assert_false (rc_srtp_context_protect_rtp (ctx, pkt, 20, 64, &out_len));
  make_rtp (pkt, 1, 1, 1, 20);
  g_assert_false (rc_srtp_context_protect_rtp (ctx, pkt, 32, 35, &out_len));
  /* a header extension longer than the packet */
  pkt[0] = 0x90;
  pkt[14] = 0xff;
  g_assert_false (rc_srtp_context_protect_rtp (ctx, pkt, 32, 64, &out_len));
  g_assert_false (rc_srtp_context_unprotect_rtp (ctx, pkt, 5, &out_len));
  g_assert_false (rc_srtp_context_unprotect_rtcp (ctx, pkt, 12, &out_len));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (srtp_init (), ==, srtp_err_status_ok);
  g_test_add_func ("/icelite/srtp/rfc3711-b3-key-derivation",
      test_rfc3711_b3_key_derivation);
  g_test_add_func ("/icelite/srtp/rfc3711-b2-aes-cm", test_rfc3711_b2_aes_cm);
  g_test_add_func ("/icelite/srtp/round-trip-and-interop",
      test_round_trip_and_interop);
  g_test_add_func ("/icelite/srtp/libsrtp-to-ours", test_libsrtp_to_ours);
  g_test_add_func ("/icelite/srtp/malformed", test_malformed);
  return g_test_run ();
}
