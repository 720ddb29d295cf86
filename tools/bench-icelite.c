/* roomcast: icelitesink's send path, nanoseconds per peer per packet
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * N real receive-only clients on 127.0.0.1 (ICE check, DTLS handshake)
 * connect to one icelitesink and hear its one stream; then P 100-byte RTP
 * packets are pushed through the chain function (synchronously, from this
 * thread, as a streaming thread would) and timed: wall time and this
 * thread's CPU time, divided by P * N. That is the whole per-peer cost of
 * a listener on the server: copy, header rewrite, SRTP protect, its share
 * of sendmmsg and of the kernel's loopback delivery. The clients do not
 * read (their socket buffers overflow and the kernel drops, as a slow
 * network would): the sender's cost is the same. Each client sends one
 * receiver report, as a browser does, so the element releases its DTLS
 * state; once the clients are freed, the heap left is the server's per
 * peer cost.
 *
 *   build/tools/bench-icelite [peers,...] [packets]   (default 10,100,500 1000)
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gst/check/gstharness.h>
#include <gst/gst.h>

#include "icelite-test-client.h"

#define RTP_CAPS "application/x-rtp, media=(string)audio, " \
  "encoding-name=(string)OPUS, clock-rate=(int)48000, payload=(int)96"
#define SERVER_PWD "benchPassword0123456789"
#define PACKET_LEN 100

static gint64
thread_cpu_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Bytes allocated with malloc right now. */
static gint64
heap_bytes (void)
{
  struct mallinfo2 m = mallinfo2 ();
  return (gint64) (m.uordblks + m.hblkhd);
}

static GstBuffer *
make_packet (guint i)
{
  guint8 *data = g_malloc0 (PACKET_LEN);

  data[0] = 0x80;
  data[1] = 96;
  data[2] = (guint8) (i >> 8);
  data[3] = (guint8) i;
  data[4] = (guint8) ((960 * i) >> 24);
  data[5] = (guint8) ((960 * i) >> 16);
  data[6] = (guint8) ((960 * i) >> 8);
  data[7] = (guint8) (960 * i);
  memset (data + 12, 0x5a, PACKET_LEN - 12);
  return gst_buffer_new_wrapped (data, PACKET_LEN);
}

static void
run (guint n_peers, guint n_packets)
{
  GstElement *sink = gst_element_factory_make ("icelitesink", NULL);
  GstHarness *h;
  GstPad *pad;
  GPtrArray *clients = g_ptr_array_new_with_free_func ((GDestroyNotify)
      icelite_test_client_free);
  g_autofree char *fingerprint = NULL;
  GstStructure *stats = NULL;
  guint port = 0, connected = 0;
  guint64 calls = 0, dropped = 0, sent = 0;
  gint64 wall, cpu;
  gint64 heap_before, heap_server;

  if (sink == NULL)
    g_error ("no icelitesink: run from the build tree (GST_PLUGIN_PATH)");
  g_object_set (sink, "consent-timeout-ms", 600000, NULL);
  h = gst_harness_new_with_element (sink, "sink_0", NULL);
  gst_harness_set_src_caps_str (h, RTP_CAPS);
  gst_harness_play (h);
  pad = gst_element_get_static_pad (sink, "sink_0");
  g_object_get (sink, "port", &port, "certificate-fingerprint", &fingerprint,
      NULL);

  heap_before = heap_bytes ();
  for (guint i = 0; i < n_peers; i++) {
    g_autofree char *id = g_strdup_printf ("peer%u", i);
    g_autofree char *ufrag = g_strdup_printf ("ufrg%u", i);
    IceliteTestClient *c = icelite_test_client_new (port, ufrag, SERVER_PWD);
    gboolean ok = FALSE;

    g_signal_emit_by_name (sink, "add-peer", id, ufrag, SERVER_PWD, 111, i + 1,
        pad, &ok);
    g_signal_emit_by_name (sink, "set-peer-remote", id,
        icelite_test_client_get_ufrag (c), icelite_test_client_get_pwd (c),
        icelite_test_client_get_fingerprint (c), &ok);
    if (icelite_test_client_connect (c, fingerprint, 5000)) {
      connected++;
      /* a browser's first RTCP: the element then releases its DTLS state */
      icelite_test_client_send_rr (c, i + 1, 0, 0, 0);
    }
    g_ptr_array_add (clients, c);
  }
  /* "connected" on the element comes from its network thread: wait */
  for (guint tries = 0; tries < 500; tries++) {
    guint ready = 0;
    for (guint i = 0; i < n_peers; i++) {
      g_autofree char *id = g_strdup_printf ("peer%u", i);
      GstStructure *s = NULL;
      g_signal_emit_by_name (sink, "get-peer-stats", id, &s);
      gboolean released = FALSE;
      if (s && gst_structure_get_boolean (s, "dtls-released", &released)
          && released)
        ready++;
      if (s)
        gst_structure_free (s);
    }
    if (ready == n_peers)
      break;
    g_usleep (10000);
  }

  /* warm-up, then the measured run */
  for (guint i = 0; i < 50; i++)
    gst_harness_push (h, make_packet (i));
  g_object_get (sink, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "sendmmsg-calls", &calls);
  gst_structure_get_uint64 (stats, "packets-sent", &sent);
  gst_structure_free (stats);
  {
    guint64 calls0 = calls, sent0 = sent;
    GstBuffer **bufs = g_new (GstBuffer *, n_packets);
    for (guint i = 0; i < n_packets; i++)
      bufs[i] = make_packet (50 + i);
    wall = g_get_monotonic_time ();
    cpu = thread_cpu_ns ();
    for (guint i = 0; i < n_packets; i++)
      gst_harness_push (h, bufs[i]);
    cpu = thread_cpu_ns () - cpu;
    wall = (g_get_monotonic_time () - wall) * 1000;
    g_free (bufs);
    g_object_get (sink, "stats", &stats, NULL);
    gst_structure_get_uint64 (stats, "sendmmsg-calls", &calls);
    gst_structure_get_uint64 (stats, "packets-sent", &sent);
    gst_structure_get_uint64 (stats, "packets-dropped", &dropped);
    gst_structure_free (stats);
    calls -= calls0;
    sent -= sent0;
  }
  printf ("%5u peers (%u connected)  %7.0f ns/peer/packet wall  %7.0f ns cpu"
      "   sendmmsg calls %" G_GUINT64_FORMAT "  sent %" G_GUINT64_FORMAT
      "  dropped %" G_GUINT64_FORMAT "\n", n_peers, connected,
      (double) wall / ((double) n_packets * n_peers),
      (double) cpu / ((double) n_packets * n_peers), calls, sent, dropped);
  /* the clients go: what is left is the server's (peers, SRTP) */
  g_ptr_array_set_size (clients, 0);
  heap_server = heap_bytes () - heap_before;
  printf ("      = %.4f %% of a core per listener at 50 packets/s;"
      " server heap %.1f KiB per peer\n",
      (double) cpu / ((double) n_packets * n_peers) * 50 / 1e9 * 100,
      (double) heap_server / 1024 / n_peers);

  gst_object_unref (pad);
  gst_harness_teardown (h);
  g_ptr_array_unref (clients);
}

int
main (int argc, char **argv)
{
  g_auto (GStrv) sizes = NULL;
  guint packets;

#ifdef ROOMCAST_PLUGINS_DIR
  if (g_getenv ("GST_PLUGIN_PATH") == NULL)
    g_setenv ("GST_PLUGIN_PATH", ROOMCAST_PLUGINS_DIR, TRUE);
#endif
  gst_init (&argc, &argv);
  sizes = g_strsplit (argc > 1 ? argv[1] : "10,100,500", ",", -1);
  packets = argc > 2 ? (guint) atoi (argv[2]) : 1000;
  printf ("icelitesink send path: one stream, %d-byte RTP packets, %u "
      "packets per size\n", PACKET_LEN, packets);
  for (guint i = 0; sizes[i]; i++)
    run ((guint) atoi (sizes[i]), packets);
  return 0;
}
