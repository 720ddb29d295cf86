/* roomcast: helpers shared by the mixminus element tests
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ROOMCAST_MIXMINUS_TEST_UTIL_H
#define ROOMCAST_MIXMINUS_TEST_UTIL_H

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <math.h>

#include "goertzel-amplitude.h"

#define RATE 48000
#define PERIOD_FRAMES 480       /* 10 ms, the default output-buffer-duration */
#define PERIOD (10 * GST_MSECOND)

#define CAPS_F32 "audio/x-raw, format=(string)F32LE, rate=(int)48000, " \
  "channels=(int)1, layout=(string)interleaved"
#define CAPS_S16 "audio/x-raw, format=(string)S16LE, rate=(int)48000, " \
  "channels=(int)1, layout=(string)interleaved"

typedef float (*SampleFunc) (guint seat, guint64 frame);

/* A buffer of `frames` F32 mono frames starting at absolute `first_frame`,
 * timestamped for a 48 kHz stream that starts at 0. */
static inline GstBuffer *
make_f32_buffer (guint seat, guint64 first_frame, guint frames, SampleFunc fn)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, frames * sizeof (float),
      NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (guint i = 0; i < frames; i++)
    ((float *) map.data)[i] = fn (seat, first_frame + i);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (first_frame, GST_SECOND, RATE);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (first_frame + frames,
      GST_SECOND, RATE) - GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = first_frame;
  GST_BUFFER_OFFSET_END (buf) = first_frame + frames;
  return buf;
}

/* Same with S16 samples: fn's value times 32768, saturated. */
static inline GstBuffer *
make_s16_buffer (guint seat, guint64 first_frame, guint frames, SampleFunc fn)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, frames * sizeof (gint16),
      NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (guint i = 0; i < frames; i++) {
    double v = round (fn (seat, first_frame + i) * 32768.0);
    ((gint16 *) map.data)[i] = (gint16) CLAMP (v, -32768.0, 32767.0);
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (first_frame, GST_SECOND, RATE);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (first_frame + frames,
      GST_SECOND, RATE) - GST_BUFFER_PTS (buf);
  return buf;
}

#endif /* ROOMCAST_MIXMINUS_TEST_UTIL_H */
