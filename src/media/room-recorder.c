/* roomcast: one recording of one room's full mix; see room-recorder.h. */
#include "media/room-recorder.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

GST_DEBUG_CATEGORY_STATIC (rc_room_recorder_debug);
#define GST_CAT_DEFAULT rc_room_recorder_debug

/* What the file's pipeline may hold while the disk is slow: 2 s of Opus at
 * up to 510 kbit/s; older buffers are dropped beyond that. */
#define QUEUE_MAX_TIME (2 * GST_SECOND)
#define QUEUE_MAX_BYTES (2 * 510000 / 8)
/* oggmux flushes a page after this much, so readers see the file grow. */
#define PAGE_DELAY (500 * GST_MSECOND)

struct _RcRoomRecorder {
  RcRoomMedia *media; /* until stopped */
  char *path;
  RcRoomRecorderDoneFunc done;
  gpointer user_data;
  GstElement *appsink;  /* ref; in the room pipeline until stopped */
  GstElement *pipeline; /* appsrc ! oggmux ! filesink */
  GstAppSrc *appsrc;    /* ref */
  guint bus_watch;
  guint timeout;
  gboolean stopping, finished;
  /* Streaming thread of the room's tee only. */
  GstClockTime first_running_time;
};

static void
ensure_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (rc_room_recorder_debug, "rc-room-recorder", 0,
                             "roomcast room recordings");
    g_once_init_leave (&once, 1);
  }
}

/* The room's tee thread: copy the Opus packet with its PTS moved to the
 * recording's own time line, hand it to the file's pipeline, return OK
 * whatever happens there. */
static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer data)
{
  RcRoomRecorder *rec = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  g_autoptr (GstSample) out = NULL;
  GstBuffer *buffer, *copy;
  const GstSegment *segment;
  GstClockTime running_time;

  if (sample == NULL)
    return GST_FLOW_OK;
  buffer = gst_sample_get_buffer (sample);
  segment = gst_sample_get_segment (sample);
  if (buffer == NULL || segment == NULL || segment->format != GST_FORMAT_TIME)
    return GST_FLOW_OK;
  running_time = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
                                              GST_BUFFER_PTS (buffer));
  if (!GST_CLOCK_TIME_IS_VALID (running_time))
    return GST_FLOW_OK;
  if (!GST_CLOCK_TIME_IS_VALID (rec->first_running_time))
    rec->first_running_time = running_time;
  if (running_time < rec->first_running_time)
    return GST_FLOW_OK;
  /* Shares the memory with every listener's copy; only the metadata is new. */
  copy = gst_buffer_copy (buffer);
  GST_BUFFER_PTS (copy) = running_time - rec->first_running_time;
  GST_BUFFER_DTS (copy) = GST_CLOCK_TIME_NONE;
  out = gst_sample_new (copy, gst_sample_get_caps (sample), NULL, NULL);
  gst_buffer_unref (copy);
  /* After the end of stream (stopping) or an error this returns EOS or
   * FLUSHING: nothing to do, the main loop is finishing the file. */
  gst_app_src_push_sample (rec->appsrc, out);
  return GST_FLOW_OK;
}

static void
finish (RcRoomRecorder *rec, const GError *error)
{
  if (rec->finished)
    return;
  rec->finished = TRUE;
  g_clear_handle_id (&rec->timeout, g_source_remove);
  gst_element_set_state (rec->pipeline, GST_STATE_NULL);
  if (error)
    GST_WARNING ("%s: %s", rec->path, error->message);
  else
    GST_INFO ("%s: complete", rec->path);
  if (rec->done)
    rec->done (rec, error, rec->user_data);
}

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  RcRoomRecorder *rec = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
  case GST_MESSAGE_EOS:
    rec->bus_watch = 0;
    finish (rec, NULL);
    return G_SOURCE_REMOVE;
  case GST_MESSAGE_ERROR:
    gst_message_parse_error (msg, &error, &debug);
    GST_WARNING ("%s: error from %s: %s (%s)", rec->path, GST_MESSAGE_SRC_NAME (msg),
                 error->message, debug ? debug : "");
    rc_room_recorder_stop (rec); /* off the room first */
    rec->bus_watch = 0;
    finish (rec, error);
    return G_SOURCE_REMOVE;
  default:
    return G_SOURCE_CONTINUE;
  }
}

static gboolean
on_finish_timeout (gpointer data)
{
  RcRoomRecorder *rec = data;
  g_autoptr (GError)
    error = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
                         "the file was not finished within %d ms", RC_ROOM_RECORDER_FINISH_MS);

  rec->timeout = 0;
  g_clear_handle_id (&rec->bus_watch, g_source_remove);
  finish (rec, error);
  return G_SOURCE_REMOVE;
}

RcRoomRecorder *
rc_room_recorder_start (RcRoomMedia *media, const char *path, RcRoomRecorderDoneFunc done,
                        gpointer user_data, GError **error)
{
  g_autoptr (GstBus) bus = NULL;
  GstElement *appsrc, *mux, *filesink;
  GstBin *bin;
  RcRoomRecorder *rec;
  GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };

  ensure_debug ();
  rec = g_new0 (RcRoomRecorder, 1);
  rec->path = g_strdup (path);
  rec->done = done;
  rec->user_data = user_data;
  rec->first_running_time = GST_CLOCK_TIME_NONE;

  rec->pipeline = gst_pipeline_new (NULL);
  bin = GST_BIN (rec->pipeline);
  if ((appsrc = rc_media_bin_add_new (bin, "appsrc", NULL, error)) == NULL ||
      (mux = rc_media_bin_add_new (bin, "oggmux", NULL, error)) == NULL ||
      (filesink = rc_media_bin_add_new (bin, "filesink", NULL, error)) == NULL) {
    rc_room_recorder_free (rec);
    return NULL;
  }
  rec->appsrc = GST_APP_SRC (gst_object_ref (appsrc));
  g_object_set (rec->appsrc, "format", GST_FORMAT_TIME, "max-bytes", (guint64) QUEUE_MAX_BYTES,
                "max-time", (guint64) QUEUE_MAX_TIME, "leaky-type", 2 /* downstream */, NULL);
  g_object_set (mux, "max-delay", (guint64) PAGE_DELAY, "max-page-delay", (guint64) PAGE_DELAY,
                NULL);
  /* buffer-mode 2 = unbuffered: every page reaches the file at once. */
  g_object_set (filesink, "location", path, "buffer-mode", 2, "sync", FALSE, "async", FALSE,
                NULL);
  /* Linked to an audio pad by name: with no caps yet, oggmux would offer
   * its first (video) pad template, which then refuses Opus. */
  if (!gst_element_link_pads (appsrc, "src", mux, "audio_%u")) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK,
                 "cannot link %s to an audio pad of %s", GST_ELEMENT_NAME (appsrc),
                 GST_ELEMENT_NAME (mux));
    rc_room_recorder_free (rec);
    return NULL;
  }
  if (!rc_media_link_elements (mux, filesink, error)) {
    rc_room_recorder_free (rec);
    return NULL;
  }
  bus = gst_element_get_bus (rec->pipeline);
  rec->bus_watch = gst_bus_add_watch (bus, on_bus, rec);
  /* READY opens the file: a failure here is the caller's to report. */
  if (gst_element_set_state (rec->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_autoptr (GstMessage) msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    if (msg != NULL)
      gst_message_parse_error (msg, error, NULL);
    else
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE, "cannot open %s",
                   path);
    rc_room_recorder_free (rec);
    return NULL;
  }

  /* One recording per room at a time: the name shows in the room's graph. */
  rec->appsink = rc_media_make_element ("appsink", "recording", error);
  if (rec->appsink == NULL) {
    rc_room_recorder_free (rec);
    return NULL;
  }
  gst_object_ref_sink (rec->appsink);
  g_object_set (rec->appsink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE,
                "max-buffers", 1, "qos", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (rec->appsink), &callbacks, rec, NULL);
  if (!rc_room_media_add_mix_sink (media, rec->appsink, error)) {
    /* Nothing reached the file: no end of stream to wait for. */
    rec->finished = TRUE;
    rc_room_recorder_free (rec);
    return NULL;
  }
  rec->media = media;
  GST_INFO ("room %s: recording to %s", rc_room_media_get_room_id (media), path);
  return rec;
}

void
rc_room_recorder_stop (RcRoomRecorder *rec)
{
  g_return_if_fail (rec != NULL);
  if (rec->stopping)
    return;
  rec->stopping = TRUE;
  /* Stops the appsink: no callback runs after this returns. */
  if (rec->media != NULL)
    rc_room_media_remove_mix_sink (rec->media, rec->appsink);
  rec->media = NULL;
  if (rec->finished)
    return;
  gst_app_src_end_of_stream (rec->appsrc);
  rec->timeout = g_timeout_add (RC_ROOM_RECORDER_FINISH_MS, on_finish_timeout, rec);
}

void
rc_room_recorder_free (RcRoomRecorder *rec)
{
  if (rec == NULL)
    return;
  rec->done = NULL;
  if (rec->appsink != NULL && !rec->stopping)
    rc_room_recorder_stop (rec);
  g_clear_handle_id (&rec->bus_watch, g_source_remove);
  if (!rec->finished && rec->stopping) {
    /* The process is exiting: let the muxer write its last page. */
    g_autoptr (GstBus) bus = gst_element_get_bus (rec->pipeline);
    g_autoptr (GstMessage)
      msg = gst_bus_timed_pop_filtered (bus, RC_ROOM_RECORDER_FINISH_MS * GST_MSECOND,
                                        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  }
  g_clear_handle_id (&rec->timeout, g_source_remove);
  if (rec->pipeline != NULL)
    gst_element_set_state (rec->pipeline, GST_STATE_NULL);
  g_clear_object (&rec->pipeline);
  g_clear_object (&rec->appsrc);
  g_clear_object (&rec->appsink);
  g_free (rec->path);
  g_free (rec);
}
