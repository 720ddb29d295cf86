/* roomcast: a mixminus element under GstHarness, shared by its tests
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One harness per pad, as in gst-plugins-base's element tests. The
 * limiter (on by default) delays every output by AHEAD samples: the buffer
 * an output makes of input period p holds the samples
 * [p * PERIOD_FRAMES - AHEAD, (p + 1) * PERIOD_FRAMES - AHEAD), timestamped
 * as such, except the first one after the output (re)started, which begins
 * at p * PERIOD_FRAMES.
 */
#ifndef ROOMCAST_MIXMINUS_HARNESS_UTIL_H
#define ROOMCAST_MIXMINUS_HARNESS_UTIL_H

#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "mixminus-kernel.h"
#include "mixminus-test-util.h"

#define AHEAD 48                /* the limiter's lookahead: 1 ms at 48 kHz */
#define THRESHOLD 0.89125093813374556f  /* its default threshold, -1 dBFS */

typedef struct
{
  GstElement *element;
  guint seats;
  GstHarness *in[MIXMINUS_MAX_SEATS];   /* sink_N (may be NULL) */
  GstHarness *out[MIXMINUS_MAX_SEATS];  /* src_N (may be NULL) */
  GstHarness *mix;
} Room;

static inline GstElement *
new_mixminus (guint seats)
{
  GstElement *e = gst_element_factory_make ("mixminus", NULL);

  g_assert_nonnull (e);
  g_object_set (e, "seats", seats, "level-interval", (guint64) 0, NULL);
  return e;
}

/* Harnesses on sink_N/src_N for every seat plus one on mix. The limiter
 * property is set first: it is fixed once the caps fix the rate. */
static inline void
room_open_full (Room * r, guint seats, const gchar * in_caps,
    const gchar * out_caps, gboolean limiter)
{
  memset (r, 0, sizeof (*r));
  r->seats = seats;
  r->element = new_mixminus (seats);
  g_object_set (r->element, "limiter", limiter, NULL);
  for (guint s = 0; s < seats; s++) {
    gchar *sink = g_strdup_printf ("sink_%u", s);
    gchar *src = g_strdup_printf ("src_%u", s);

    r->in[s] = gst_harness_new_with_element (r->element, sink, NULL);
    r->out[s] = gst_harness_new_with_element (r->element, NULL, src);
    g_free (sink);
    g_free (src);
  }
  r->mix = gst_harness_new_with_element (r->element, NULL, "mix");
  for (guint s = 0; s < seats; s++) {
    gst_harness_set_src_caps_str (r->in[s], in_caps);
    gst_harness_set_sink_caps_str (r->out[s], out_caps);
  }
  gst_harness_set_sink_caps_str (r->mix, out_caps);
}

static inline void
room_open (Room * r, guint seats, const gchar * in_caps, const gchar * out_caps)
{
  room_open_full (r, seats, in_caps, out_caps, TRUE);
}

static inline void
room_close (Room * r)
{
  for (guint s = 0; s < r->seats; s++) {
    g_clear_pointer (&r->in[s], gst_harness_teardown);
    g_clear_pointer (&r->out[s], gst_harness_teardown);
  }
  g_clear_pointer (&r->mix, gst_harness_teardown);
  gst_object_unref (r->element);
}

/* Returns a pulled buffer's samples as floats (F32 or S16 / 32768). */
static inline float *
buffer_samples (GstHarness * h, GstBuffer * buf, GstClockTime expect_pts,
    gsize * n_out)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  GstAudioInfo info;
  GstMapInfo map;
  float *out;
  gsize n;

  g_assert_nonnull (buf);
  g_assert_true (gst_audio_info_from_caps (&info, caps));
  g_assert_cmpint (GST_AUDIO_INFO_CHANNELS (&info), ==, 1);
  g_assert_cmpuint (GST_BUFFER_PTS (buf), ==, expect_pts);
  gst_buffer_map (buf, &map, GST_MAP_READ);
  n = map.size / GST_AUDIO_INFO_BPF (&info);
  out = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    out[i] = GST_AUDIO_INFO_FORMAT (&info) == GST_AUDIO_FORMAT_S16 ?
        ((gint16 *) map.data)[i] / 32768.0f : ((float *) map.data)[i];
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
  gst_caps_unref (caps);
  *n_out = n;
  return out;
}

static inline float *
pull_samples (GstHarness * h, GstClockTime expect_pts, gsize * n_out)
{
  return buffer_samples (h, gst_harness_pull (h), expect_pts, n_out);
}

/* Pulls the buffer an output makes of input period p: `ahead` samples late
 * (0 without the limiter), unless the output starts at p. Checks its
 * timestamp and length and returns its samples; *first gets the offset of
 * the first. */
static inline float *
pull_period (GstHarness * h, guint p, guint64 ahead, gboolean starts,
    guint64 * first)
{
  const guint64 start = (guint64) p * PERIOD_FRAMES;
  const guint64 end = start + PERIOD_FRAMES - ahead;
  gsize n;
  float *y;

  *first = starts ? start : start - ahead;
  y = pull_samples (h, gst_util_uint64_scale (*first, GST_SECOND, RATE), &n);
  g_assert_cmpuint (n, ==, end - *first);
  return y;
}

static inline float
seat_dc (guint seat, guint64 f)
{
  return (float) (seat + 1) / 64.0f;
}

#endif /* ROOMCAST_MIXMINUS_HARNESS_UTIL_H */
