/* roomcast: the checked GStreamer calls of media-error.h: each failure is
 * an RC_MEDIA_ERROR whose message names what failed. */
#include <string.h>

#include <gst/gst.h>

#include "media/media-error.h"

static void
test_make_element (void)
{
  g_autoptr (GError) error = NULL;
  GstElement *element = rc_media_make_element ("no-such-element", "x", &error);

  g_assert_null (element);
  g_assert_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "no-such-element"));
  g_clear_error (&error);
  element = rc_media_make_element ("fakesink", "x", &error);
  g_assert_no_error (error);
  g_assert_true (g_object_is_floating (element));
  gst_object_unref (element);
}

static void
test_bin_add (void)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("p");
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (rc_media_bin_add_new (GST_BIN (pipeline), "fakesink", "sink", &error));
  g_assert_no_error (error);
  /* The name is taken: refused, and the new element is gone. */
  g_assert_null (rc_media_bin_add_new (GST_BIN (pipeline), "fakesink", "sink", &error));
  g_assert_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK);
  g_assert_nonnull (strstr (error->message, "sink"));
  g_assert_nonnull (strstr (error->message, "p "));
  g_assert_cmpuint (GST_BIN (pipeline)->numchildren, ==, 1);
}

static void
test_link (void)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("p");
  GstBin *bin = GST_BIN (pipeline);
  g_autoptr (GError) error = NULL;
  GstElement *src = rc_media_bin_add_new (bin, "audiotestsrc", "tone", &error);
  GstElement *caps = rc_media_bin_add_new (bin, "capsfilter", "video", &error);
  GstElement *sink = rc_media_bin_add_new (bin, "fakesink", "sink", &error);
  g_autoptr (GstPad) src_pad = NULL;
  g_autoptr (GstPad) sink_pad = NULL;
  g_autoptr (GstCaps) video = gst_caps_from_string ("video/x-raw");

  g_assert_no_error (error);
  g_object_set (caps, "caps", video, NULL);
  g_assert_false (rc_media_link_elements (src, caps, &error));
  g_assert_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK);
  g_assert_cmpstr (error->message, ==, "cannot link tone to video");
  g_clear_error (&error);
  src_pad = gst_element_get_static_pad (src, "src");
  sink_pad = gst_element_get_static_pad (caps, "sink");
  g_assert_false (rc_media_link_pads (src_pad, sink_pad, &error));
  g_assert_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK);
  g_assert_cmpstr (error->message, ==, "cannot link tone:src to video:sink: no common format");
  g_clear_error (&error);
  g_clear_object (&sink_pad);
  sink_pad = gst_element_get_static_pad (sink, "sink");
  g_assert_true (rc_media_link_pads (src_pad, sink_pad, &error));
  g_assert_no_error (error);
}

static void
test_request_pad (void)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("p");
  g_autoptr (GError) error = NULL;
  GstElement *tee = rc_media_bin_add_new (GST_BIN (pipeline), "tee", "tee", &error);
  GstPad *pad;

  g_assert_no_error (error);
  g_assert_null (rc_media_request_pad (tee, "sink_%u", &error));
  g_assert_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK);
  g_assert_cmpstr (error->message, ==, "tee refused a pad sink_%u");
  g_clear_error (&error);
  pad = rc_media_request_pad (tee, "src_%u", &error);
  g_assert_no_error (error);
  g_assert_nonnull (pad);
  gst_element_release_request_pad (tee, pad);
  gst_object_unref (pad);
}

/* A filesink that cannot open its file does not start. */
static void
test_sync_state (void)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("p");
  g_autoptr (GError) error = NULL;
  GstElement *sink;

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  sink = rc_media_bin_add_new (GST_BIN (pipeline), "filesink", "file", &error);
  g_assert_no_error (error);
  g_object_set (sink, "location", "/nonexistent/dir/file", NULL);
  g_assert_false (rc_media_sync_state (sink, &error));
  g_assert_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==, "file does not start");
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/media-error/make-element", test_make_element);
  g_test_add_func ("/media-error/bin-add", test_bin_add);
  g_test_add_func ("/media-error/link", test_link);
  g_test_add_func ("/media-error/request-pad", test_request_pad);
  g_test_add_func ("/media-error/sync-state", test_sync_state);
  return g_test_run ();
}
