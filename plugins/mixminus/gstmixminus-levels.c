/* roomcast: mixminus levels messages
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each period's per-seat peak and energy (measured by the output while it
 * renders) are added up over #GstMixMinus:level-interval and posted as a
 * `mixminus-levels` element message (fields in the element documentation,
 * gstmixminus.c).
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include "gstmixminus-private.h"

#include <math.h>
#include <string.h>

#define GST_CAT_DEFAULT gst_mix_minus_debug

static GValue *
levels_array (GstMixMinus * self, gboolean peak, GValue * array)
{
  g_value_init (array, GST_TYPE_ARRAY);
  for (guint s = 0; s < self->seats; s++) {
    GstMixMinusSeat *seat = self->seat[s];
    GValue v = G_VALUE_INIT;
    double amplitude = 0.0;

    if (seat)
      amplitude = peak ? seat->level.peak :
          sqrt (seat->level.sumsq / (double) MAX (self->level_frames, 1));
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, mixminus_to_db (amplitude));
    gst_value_array_append_and_take_value (array, &v);
  }
  return array;
}

/* The mixminus-levels message for the window that ends at `end`. */
static GstMessage *
levels_message_locked (GstMixMinus * self, GstClockTime end)
{
  GstClockTime start = self->level_start;
  GValue rms = G_VALUE_INIT, peak = G_VALUE_INIT, active = G_VALUE_INIT;
  GstStructure *s = gst_structure_new ("mixminus-levels",
      "timestamp", G_TYPE_UINT64, start,
      "stream-time", G_TYPE_UINT64, gst_segment_to_stream_time (&self->out_segment,
          GST_FORMAT_TIME, start),
      "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (&self->out_segment, GST_FORMAT_TIME, start),
      "duration", G_TYPE_UINT64, end - start,
      "seats", G_TYPE_UINT, self->seats, NULL);

  gst_structure_take_value (s, "rms", levels_array (self, FALSE, &rms));
  gst_structure_take_value (s, "peak", levels_array (self, TRUE, &peak));
  g_value_init (&active, GST_TYPE_ARRAY);
  for (guint i = 0; i < self->seats; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, G_TYPE_BOOLEAN);
    g_value_set_boolean (&v, self->seat[i] && self->seat[i]->level_active);
    gst_value_array_append_and_take_value (&active, &v);
  }
  gst_structure_take_value (s, "active", &active);
  return gst_message_new_element (GST_OBJECT (self), s);
}

/* Adds one period to the levels window; a message when it is full. */
GstMessage *
gst_mix_minus_account_levels_locked (GstMixMinus * self,
    const MixMinusLevel * level, const gboolean * active, guint64 frames,
    GstClockTime pts, GstClockTime end)
{
  GstMessage *msg = NULL;

  if (self->level_interval == 0)
    return NULL;
  for (guint s = 0; s < MIXMINUS_MAX_SEATS; s++) {
    GstMixMinusSeat *seat = self->seat[s];

    if (seat == NULL)
      continue;
    seat->level.sumsq += level[s].sumsq;
    seat->level.peak = MAX (seat->level.peak, level[s].peak);
    seat->level_active |= active[s];
  }
  if (!GST_CLOCK_TIME_IS_VALID (self->level_start))
    self->level_start = pts;
  self->level_frames += frames;
  if (gst_util_uint64_scale (self->level_frames, GST_SECOND, self->rate) >=
      self->level_interval) {
    msg = levels_message_locked (self, end);
    for (guint s = 0; s < MIXMINUS_MAX_SEATS; s++) {
      if (self->seat[s]) {
        memset (&self->seat[s]->level, 0, sizeof (MixMinusLevel));
        self->seat[s]->level_active = FALSE;
      }
    }
    self->level_frames = 0;
    self->level_start = GST_CLOCK_TIME_NONE;
  }
  return msg;
}
