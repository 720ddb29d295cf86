/* roomcast: SRTP protect cost, our OpenSSL module vs. Debian's libsrtp2
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Prints nanoseconds per protect of a 100-byte RTP packet (12-byte header,
 * 88 bytes of payload: a 32 kbit/s Opus frame of 20 ms is about that) for
 * both profiles, ours and libsrtp2 (which Debian builds on NSS). The packet
 * is copied back before every protect in both loops, as the element does
 * when it fills a peer's slot.
 *
 *   build/tools/bench-srtp [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "srtp-reference.h"
#include "srtp-context.h"

#define PACKET_LEN 100

static void
fill_packet (guint8 * p)
{
  memset (p, 0x5a, PACKET_LEN);
  p[0] = 0x80;
  p[1] = 111;
  p[8] = 0x12;
  p[9] = 0x34;
  p[10] = 0x56;
  p[11] = 0x78;
}

static double
bench_ours (RcSrtpProfile profile, const guint8 * key, const guint8 * salt,
    guint iterations)
{
  g_autoptr (RcSrtpContext) ctx = rc_srtp_context_new (profile, key, salt,
      NULL);
  guint8 plain[PACKET_LEN], buf[PACKET_LEN + RC_SRTP_MAX_TRAILER];
  gint64 start;
  gsize out_len;

  fill_packet (plain);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < iterations; i++) {
    memcpy (buf, plain, PACKET_LEN);
    buf[2] = (guint8) (i >> 8);
    buf[3] = (guint8) i;
    if (!rc_srtp_context_protect_rtp (ctx, buf, PACKET_LEN, sizeof buf,
            &out_len))
      g_error ("protect failed");
  }
  return (g_get_monotonic_time () - start) * 1000.0 / iterations;
}

static double
bench_libsrtp (RcSrtpProfile profile, const guint8 * key, const guint8 * salt,
    guint iterations)
{
  srtp_t session = srtp_reference_new (profile, key, salt, TRUE);
  guint8 plain[PACKET_LEN], buf[PACKET_LEN + SRTP_MAX_TRAILER_LEN];
  gint64 start;

  fill_packet (plain);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < iterations; i++) {
    int len = PACKET_LEN;
    memcpy (buf, plain, PACKET_LEN);
    buf[2] = (guint8) (i >> 8);
    buf[3] = (guint8) i;
    if (srtp_protect (session, buf, &len) != srtp_err_status_ok)
      g_error ("srtp_protect failed");
  }
  srtp_dealloc (session);
  return (g_get_monotonic_time () - start) * 1000.0 / iterations;
}

int
main (int argc, char **argv)
{
  guint iterations = argc > 1 ? (guint) atoi (argv[1]) : 200000;
  guint8 key[16], salt[14];
  static const struct {
    RcSrtpProfile profile;
    const char *name;
  } profiles[] = {
    { RC_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80" },
    { RC_SRTP_PROFILE_AEAD_AES_128_GCM, "AEAD_AES_128_GCM" },
  };

  if (iterations == 0)
    iterations = 200000;
  for (int i = 0; i < 16; i++)
    key[i] = (guint8) (i * 11);
  for (int i = 0; i < 14; i++)
    salt[i] = (guint8) (i * 5);
  if (srtp_init () != srtp_err_status_ok)
    g_error ("srtp_init failed");

  printf ("SRTP protect, %d-byte RTP packet, %u iterations (ns per packet)\n",
      PACKET_LEN, iterations);
  for (gsize p = 0; p < G_N_ELEMENTS (profiles); p++) {
    /* a warm-up round of each, then the measured one */
    bench_ours (profiles[p].profile, key, salt, iterations / 10);
    bench_libsrtp (profiles[p].profile, key, salt, iterations / 10);
    printf ("%-24s  openssl-evp %7.0f   libsrtp2 %7.0f\n", profiles[p].name,
        bench_ours (profiles[p].profile, key, salt, iterations),
        bench_libsrtp (profiles[p].profile, key, salt, iterations));
  }
  srtp_shutdown ();
  return 0;
}
