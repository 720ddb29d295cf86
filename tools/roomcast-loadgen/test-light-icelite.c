/* roomcast-loadgen: a light listener's transport (light-transport.c)
 * against the server's light transport, icelitesink, on 127.0.0.1: the
 * listener is the controlling full ICE agent against ICE-lite, the DTLS
 * client against its DTLS server, and unprotects the SRTP it sends. A live
 * Opus tone goes in; the listener must get its packets, with the payload
 * type and SSRC the element was given and no sequence gap, and the
 * element must get its SRTCP receiver report. */
#include <string.h>

#include <gst/gst.h>

#include "light-dtls.h"
#include "light-transport.h"
#include "rc-test-util.h"

#define PT 111
#define SSRC 0x5eed1234u
#define WANTED 50 /* one second of 20 ms packets */

typedef struct {
  guint packets, gaps, wrong;
  guint16 last_seq;
} Got;

static void
on_rtp (guint8 *pkt, gsize len, gint64 arrival_us, gpointer data)
{
  Got *g = data;
  guint16 seq = pkt[2] << 8 | pkt[3];
  guint32 ssrc = (guint32) pkt[8] << 24 | pkt[9] << 16 | pkt[10] << 8 | pkt[11];

  if ((pkt[1] & 0x7f) != PT || ssrc != SSRC)
    g->wrong++;
  if (g->packets && (guint16) (seq - g->last_seq) != 1)
    g->gaps++;
  g->last_seq = seq;
  g->packets++;
}

static gboolean
got_enough (gpointer data)
{
  return ((Got *) data)->packets >= WANTED;
}

static gboolean
settled (gpointer data)
{
  return light_transport_get_state (data) != LIGHT_TRANSPORT_CONNECTING;
}

typedef struct {
  GstElement *sink;
  gboolean have_report, dtls_released;
} Server;

/* The element saw our receiver report, which also let it free the peer's
 * DTLS state. */
static gboolean
server_got_report (gpointer data)
{
  Server *srv = data;
  GstStructure *st = NULL;

  g_signal_emit_by_name (srv->sink, "get-peer-stats", "l1", &st);
  if (st) {
    gst_structure_get_boolean (st, "have-report", &srv->have_report);
    gst_structure_get_boolean (st, "dtls-released", &srv->dtls_released);
    gst_structure_free (st);
  }
  return srv->have_report && srv->dtls_released;
}

static void
test_listens (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstPad) source = NULL;
  g_autofree char *fingerprint = NULL, *candidate = NULL;
  const char *ufrag = "srvU", *pwd = "serverPassword0123456789";
  LightTransport *t;
  gboolean ok = FALSE;
  guint port = 0;
  Got got = { 0 };

  pipeline =
    gst_parse_launch ("audiotestsrc is-live=true freq=768 ! audioconvert ! "
                      "audio/x-raw,rate=48000,channels=1 ! opusenc frame-size=20 ! "
                      "rtpopuspay pt=111 ! icelitesink name=sink bind-address=127.0.0.1",
                      &error);
  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  g_object_get (sink, "port", &port, "certificate-fingerprint", &fingerprint, NULL);
  g_assert_cmpuint (port, >, 0);

  /* what the server's offer would say: a=ice-lite, its credentials,
   * fingerprint and one host candidate */
  source = gst_element_get_static_pad (sink, "sink_0");
  g_assert_nonnull (source);
  g_signal_emit_by_name (sink, "add-peer", "l1", ufrag, pwd, PT, SSRC, source, &ok);
  g_assert_true (ok);
  t = light_transport_new ("127.0.0.1", TRUE, ufrag, pwd, fingerprint, PT, on_rtp, &got,
                           &error);
  g_assert_no_error (error);
  candidate = g_strdup_printf ("candidate:1 1 udp 2130706431 127.0.0.1 %u typ host", port);
  g_assert_true (light_transport_add_remote (t, candidate));
  /* ... and what the listener's answer says */
  ok = FALSE;
  g_signal_emit_by_name (sink, "set-peer-remote", "l1", light_transport_get_ufrag (t),
                         light_transport_get_pwd (t), light_dtls_local_fingerprint (NULL), &ok);
  g_assert_true (ok);

  g_assert_true (rc_test_wait_until (10000, settled, t));
  g_assert_cmpstr (light_transport_get_error (t), ==, NULL);
  g_assert_cmpint (light_transport_get_state (t), ==, LIGHT_TRANSPORT_CONNECTED);
  g_assert_true (rc_test_wait_until (10000, got_enough, &got));
  g_assert_cmpuint (got.wrong, ==, 0);
  g_assert_cmpuint (got.gaps, ==, 0);
  {
    Server srv = { sink };
    g_assert_true (rc_test_wait_until (10000, server_got_report, &srv));
  }

  light_transport_free (t);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  if (gst_element_factory_find ("icelitesink") == NULL) {
    g_printerr ("icelitesink not found (GST_PLUGIN_PATH)\n");
    return 1;
  }
  g_test_add_func ("/light-transport/listens-to-icelitesink", test_listens);
  return g_test_run ();
}
