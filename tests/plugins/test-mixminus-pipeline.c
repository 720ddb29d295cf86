/* roomcast: mixminus in real pipelines (gst-launch syntax)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Non-live pipelines run as fast as the CPU allows; nothing here sleeps.
 */
#include <gst/gst.h>
#include <string.h>

#include "mixminus-test-util.h"

static const double tones[] = { 300.0, 500.0, 700.0, 900.0 };

static GstElement *
launch (const gchar * description)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pipeline);
  return pipeline;
}

static void
assert_no_error_until_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    g_error ("pipeline error: %s (%s)", err->message, GST_STR_NULL (debug));
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
}

/* Pulls every sample of an appsink until EOS into one float array. */
static float *
drain_appsink (GstElement * sink, gsize * n_out)
{
  GArray *all = g_array_new (FALSE, FALSE, sizeof (float));
  GstSample *sample;

  for (;;) {
    GstBuffer *buf;
    GstMapInfo map;

    g_signal_emit_by_name (sink, "pull-sample", &sample);
    if (sample == NULL)
      break;
    buf = gst_sample_get_buffer (sample);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_array_append_vals (all, map.data, map.size / sizeof (float));
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  *n_out = all->len;
  return (float *) g_array_free (all, FALSE);
}

/* Four speakers on 300/500/700/900 Hz: each src_N has every tone but its
 * own (which is at least 40 dB down), mix has all four. */
static void
test_tones (void)
{
  GString *desc = g_string_new ("mixminus name=m seats=4 ");
  GstElement *pipeline;
  double amp[5][4];

  for (guint s = 0; s < 4; s++)
    g_string_append_printf (desc, "audiotestsrc freq=%g volume=0.15 "
        "samplesperbuffer=480 num-buffers=20 ! " CAPS_F32 " ! m.sink_%u ",
        tones[s], s);
  for (guint s = 0; s < 4; s++)
    g_string_append_printf (desc, "m.src_%u ! queue ! appsink name=out%u "
        "sync=false ", s, s);
  g_string_append (desc, "m.mix ! queue ! appsink name=out4 sync=false");
  pipeline = launch (desc->str);
  g_string_free (desc, TRUE);

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  for (guint c = 0; c < 5; c++) {
    gchar *name = g_strdup_printf ("out%u", c);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
    gsize n;
    float *x = drain_appsink (sink, &n);

    /* all of it: the limiter's delay makes the first buffer 1 ms short
     * and drains the last 1 ms before EOS */
    g_assert_cmpuint (n, ==, 20 * PERIOD_FRAMES);
    for (guint t = 0; t < 4; t++)
      amp[c][t] = goertzel_amplitude (x, n, tones[t], RATE);
    g_free (x);
    gst_object_unref (sink);
    g_free (name);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  for (guint c = 0; c < 5; c++) {
    for (guint t = 0; t < 4; t++) {
      if (c == t) {
        double rel_db = 20.0 * log10 (MAX (amp[c][t], 1e-12) / 0.15);

        g_test_message ("src_%u own tone %g Hz at %.1f dB", c, tones[t],
            rel_db);
        g_assert_cmpfloat (rel_db, <, -40.0);
      } else {
        g_assert_cmpfloat (fabs (amp[c][t] - 0.15), <, 0.002);
      }
    }
  }
}

static GstPadProbeReturn
count_flush_start (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_FLUSH_START)
    g_atomic_int_inc ((gint *) user_data);
  return GST_PAD_PROBE_OK;
}

static GstClockTime
preroll_pts (GstElement * pipeline, const gchar * name)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstSample *sample = NULL;
  GstClockTime pts;

  g_signal_emit_by_name (sink, "pull-preroll", &sample);
  g_assert_nonnull (sample);
  pts = GST_BUFFER_PTS (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  gst_object_unref (sink);
  return pts;
}

/* A flushing seek from the application reaches the sources once (not once
 * per output) and every output restarts at the new position. */
static void
test_flushing_seek (void)
{
  GstElement *pipeline = launch ("mixminus name=m seats=2 "
      "audiotestsrc name=a0 samplesperbuffer=480 ! " CAPS_F32 " ! m.sink_0 "
      "audiotestsrc name=a1 samplesperbuffer=480 freq=600 ! " CAPS_F32
      " ! m.sink_1 "
      "m.src_0 ! queue ! appsink name=o0 sync=false "
      "m.src_1 ! queue ! appsink name=o1 sync=false "
      "m.mix ! queue ! appsink name=om sync=false");
  gint flushes = 0;
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "a0");
  GstPad *pad = gst_element_get_static_pad (src, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_FLUSH, count_flush_start,
      &flushes, NULL);
  gst_object_unref (pad);
  gst_object_unref (src);

  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  g_assert_cmpint (gst_element_get_state (pipeline, NULL, NULL,
          GST_CLOCK_TIME_NONE), ==, GST_STATE_CHANGE_SUCCESS);
  g_assert_cmpuint (preroll_pts (pipeline, "o0"), ==, 0);
  g_assert_cmpuint (preroll_pts (pipeline, "om"), ==, 0);

  g_assert_true (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, GST_SECOND));
  g_assert_cmpint (gst_element_get_state (pipeline, NULL, NULL,
          GST_CLOCK_TIME_NONE), ==, GST_STATE_CHANGE_SUCCESS);
  g_assert_cmpint (g_atomic_int_get (&flushes), ==, 1);
  g_assert_cmpuint (preroll_pts (pipeline, "o0"), ==, GST_SECOND);
  g_assert_cmpuint (preroll_pts (pipeline, "o1"), ==, GST_SECOND);
  g_assert_cmpuint (preroll_pts (pipeline, "om"), ==, GST_SECOND);

  /* And it keeps running from there. */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "om");
    GstClockTime last = 0;

    for (guint i = 0; i < 5; i++) {
      GstSample *sample = NULL;

      g_signal_emit_by_name (sink, "pull-sample", &sample);
      g_assert_nonnull (sample);
      last = GST_BUFFER_PTS (gst_sample_get_buffer (sample));
      gst_sample_unref (sample);
    }
    g_assert_cmpuint (last, >=, GST_SECOND);
    g_assert_cmpuint (last, <, GST_SECOND + 10 * PERIOD);
    gst_object_unref (sink);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

/* The launch line from the element documentation, with fake sinks, runs to
 * EOS without errors; so does one with a stereo S16 seat and an output
 * that only takes S16. */
static void
test_launch_lines (void)
{
  const gchar *lines[] = {
    "mixminus name=m seats=3 "
        "audiotestsrc freq=300 volume=0.2 num-buffers=30 ! m.sink_0 "
        "audiotestsrc freq=500 volume=0.2 num-buffers=30 ! m.sink_1 "
        "audiotestsrc freq=700 volume=0.2 num-buffers=30 ! m.sink_2 "
        "m.src_0 ! queue ! audioconvert ! fakesink "
        "m.src_1 ! queue ! fakesink m.src_2 ! queue ! fakesink "
        "m.mix ! queue ! opusenc ! oggmux ! fakesink",
    "mixminus name=m seats=2 "
        "audiotestsrc num-buffers=10 samplesperbuffer=480 ! "
        "audio/x-raw,format=S16LE,channels=2,rate=48000 ! m.sink_1 "
        "m.src_0 ! audio/x-raw,format=S16LE ! fakesink async=false "
        "m.mix ! fakesink async=false",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++) {
    GstElement *pipeline = launch (lines[i]);

    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    assert_no_error_until_eos (pipeline);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (pipeline);
  }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mixminus/pipeline/tones", test_tones);
  g_test_add_func ("/mixminus/pipeline/flushing-seek", test_flushing_seek);
  g_test_add_func ("/mixminus/pipeline/launch-lines", test_launch_lines);
  return g_test_run ();
}
