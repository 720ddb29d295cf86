/* roomcast: opusmonoenc (plugins/opus/) through GstHarness: a tone encoded
 * in frames of the asked size, decodable by libopus at its level, from F32
 * and S16; the latency opusenc reports for the same settings; OpusHead/OpusTags in the caps, so oggmux writes a file that
 * oggdemux ! opusdec plays back whole.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include <gst/audio/audio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <opus.h>

#include "goertzel-amplitude.h"

#define RATE 48000
#define FREQ 600.0
#define AMPLITUDE 0.4

/* @ms of the tone from sample @from, F32 or S16, timestamped. */
static GstBuffer *
tone (guint64 from, guint ms, gboolean s16)
{
  guint n = RATE / 1000 * ms;
  GstBuffer *buf = gst_buffer_new_allocate (NULL, n * (s16 ? 2 : 4), NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (guint i = 0; i < n; i++) {
    double v = AMPLITUDE * sin (2.0 * G_PI * FREQ * (double) (from + i) / RATE);

    if (s16)
      ((gint16 *) map.data)[i] = (gint16) lrint (v * 32767.0);
    else
      ((float *) map.data)[i] = (float) v;
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (from, GST_SECOND, RATE);
  GST_BUFFER_DURATION (buf) = ms * GST_MSECOND;
  return buf;
}

static void
encode_and_check (gboolean s16)
{
  GstHarness *h = gst_harness_new_parse (
    "opusmonoenc bitrate=32000 complexity=7 frame-size=10 audio-type=restricted-lowdelay");
  OpusDecoder *dec;
  GArray *pcm = g_array_new (FALSE, FALSE, sizeof (float));
  GstBuffer *buf;
  guint packets = 0;
  GstClockTime last_pts = GST_CLOCK_TIME_NONE, last_duration = 0;
  int err = OPUS_OK;

  gst_harness_set_src_caps_str (h, s16 ? "audio/x-raw,format=S16LE,layout=interleaved,"
                                         "rate=48000,channels=1"
                                       : "audio/x-raw,format=F32LE,layout=interleaved,"
                                         "rate=48000,channels=1");
  /* 1 s in 20 ms buffers: the encoder cuts them into 10 ms frames */
  for (guint i = 0; i < 50; i++)
    g_assert_cmpint (gst_harness_push (h, tone (i * 960, 20, s16)), ==, GST_FLOW_OK);
  dec = opus_decoder_create (RATE, 1, &err);
  g_assert_cmpint (err, ==, OPUS_OK);
  while ((buf = gst_harness_try_pull (h)) != NULL) {
    GstMapInfo map;
    float out[960];
    int n;

    /* the first packet's timing leaves out the look-ahead (pre-skip), as
     * opusenc's; then 10 ms each, back to back */
    if (GST_CLOCK_TIME_IS_VALID (last_pts)) {
      g_assert_cmpuint (GST_BUFFER_DURATION (buf), ==, 10 * GST_MSECOND);
      g_assert_cmpuint (GST_BUFFER_PTS (buf), ==, last_pts + last_duration);
    }
    last_pts = GST_BUFFER_PTS (buf);
    last_duration = GST_BUFFER_DURATION (buf);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_assert_cmpint (opus_packet_get_samples_per_frame (map.data, RATE), ==, 480);
    n = opus_decode_float (dec, map.data, (opus_int32) map.size, out, 960, 0);
    gst_buffer_unmap (buf, &map);
    g_assert_cmpint (n, ==, 480);
    g_array_append_vals (pcm, out, (guint) n);
    gst_buffer_unref (buf);
    packets++;
  }
  g_assert_cmpuint (packets, ==, 100);
  {
    const float *x = (const float *) pcm->data + pcm->len - RATE / 2;
    double at = goertzel_amplitude (x, RATE / 2, FREQ, RATE);

    g_assert_cmpfloat (at, >, AMPLITUDE * 0.7);
    g_assert_cmpfloat (at, <, AMPLITUDE * 1.3);
    g_assert_cmpfloat (goertzel_amplitude (x, RATE / 2, 1500.0, RATE), <, AMPLITUDE * 0.02);
  }
  opus_decoder_destroy (dec);
  g_array_unref (pcm);
  gst_harness_teardown (h);
}

static void
test_encodes_f32 (void)
{
  encode_and_check (FALSE);
}

static void
test_encodes_s16 (void)
{
  encode_and_check (TRUE);
}

/* What a clocksync after the encoder paces by: the same latency as opusenc
 * with the same settings (one frame). */
static void
test_latency_as_opusenc (void)
{
  const char *settings = "bitrate=32000 complexity=7 frame-size=10 audio-type=restricted-lowdelay";
  GstClockTime lat[2];

  for (guint i = 0; i < 2; i++) {
    g_autofree char *desc = g_strdup_printf ("audiotestsrc is-live=true ! "
                                             "audio/x-raw,rate=48000,channels=1 ! %s %s ! "
                                             "fakesink name=sink",
                                             i == 0 ? "opusmonoenc" : "opusenc", settings);
    GstElement *pipeline = gst_parse_launch (desc, NULL);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    GstQuery *q = gst_query_new_latency ();
    gboolean live;

    g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                     GST_STATE_CHANGE_FAILURE);
    g_assert_cmpint (gst_element_get_state (pipeline, NULL, NULL, 5 * GST_SECOND), ==,
                     GST_STATE_CHANGE_SUCCESS);
    g_assert_true (gst_pad_peer_query (pad, q));
    gst_query_parse_latency (q, &live, &lat[i], NULL);
    gst_query_unref (q);
    gst_object_unref (pad);
    gst_object_unref (sink);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (pipeline);
  }
  g_assert_cmpuint (lat[0], ==, lat[1]);
}

/* Samples of mono S16 passing a pad (opusdec's output). */
static GstPadProbeReturn
count_samples (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  *(guint64 *) data += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)) / 2;
  return GST_PAD_PROBE_OK;
}

/* OpusHead (with the look-ahead as pre-skip) and OpusTags in the caps:
 * oggmux writes a file that plays back whole. */
static void
test_ogg_file (void)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "opusmonoenc-test.ogg", NULL);
  g_autofree char *write =
    g_strdup_printf ("audiotestsrc num-buffers=50 samplesperbuffer=960 ! "
                     "audio/x-raw,rate=48000,channels=1 ! opusmonoenc frame-size=10 ! "
                     "oggmux ! filesink location=%s",
                     path);
  g_autofree char *read = g_strdup_printf (
    "filesrc location=%s ! oggdemux ! opusdec ! audio/x-raw,format=S16LE,channels=1 ! "
    "fakesink name=sink",
    path);
  guint64 samples = 0;

  for (guint pass = 0; pass < 2; pass++) {
    GstElement *pipeline = gst_parse_launch (pass == 0 ? write : read, NULL);
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *msg;

    if (pass == 1) {
      GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
      GstPad *pad = gst_element_get_static_pad (sink, "sink");

      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_samples, &samples, NULL);
      gst_object_unref (pad);
      gst_object_unref (sink);
    }
    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
                                      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    g_assert_nonnull (msg);
    g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
    gst_message_unref (msg);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (pipeline);
  }
  /* 50 x 20 ms written; decoded back to within a frame */
  g_assert_cmpuint (samples, >=, RATE - 960);
  g_assert_cmpuint (samples, <=, RATE + 960);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/opusmonoenc/encodes-f32", test_encodes_f32);
  g_test_add_func ("/opusmonoenc/encodes-s16", test_encodes_s16);
  g_test_add_func ("/opusmonoenc/latency-as-opusenc", test_latency_as_opusenc);
  g_test_add_func ("/opusmonoenc/ogg-file", test_ogg_file);
  return g_test_run ();
}
