/* roomcast: mixminus placement of live seats by arrival
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * With align-on-arrival (and live timing), a seat's input is not placed on
 * the output timeline by its timestamps but by when it arrives: the output
 * timeline runs on the clock (a period is forced out once its end plus the
 * latency property has passed), and each seat keeps its input contiguous
 * just ahead of what the output has consumed. Timestamps then only tell a
 * gap (a jump past alignment-threshold, e.g. a DTX pause) from continuous
 * input.
 *
 * Why: with placement by timestamps, every period waits for the seat whose
 * input arrives latest relative to its own timestamps (webrtcbin's
 * jitterbuffers derive them from each stream's first packets and a skew
 * estimate, tens of milliseconds apart), so every other seat waits that
 * long too. On arrival, each seat waits only for its own jitter.
 *
 * Each seat is its own adaptive jitter buffer. Its "slack" is how far ahead
 * of the output an input starts when it arrives. An input that arrives after
 * the output passed its start (the period went out at its deadline without
 * it) is placed ahead of the output instead, by the seat's margin, which
 * grows to the lateness seen (at most the upstream latency): the seat now
 * runs later by that much (a short dropout, no audio thrown away). Once the
 * least slack over two windows (ARRIVAL_WINDOW_MS each) exceeds twice the
 * keep, the seat is brought back to one keep, dropping that many samples of
 * a quiet input (below ARRIVAL_QUIET), so it shrinks without a click. A
 * seat on a clean link ends up with its input a keep ahead of the output.
 * Input more than the upstream latency ahead of the clock (a burst released
 * at once) is dropped. The output never runs ahead of the clock
 * (gstmixminus-output.c), so positions stay comparable with it.
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include "gstmixminus-private.h"

#define GST_CAT_DEFAULT gst_mix_minus_debug

/* Headroom kept ahead of the output (ms). */
#define ARRIVAL_KEEP_MS 2
/* Length of one slack window (ms); the least slack of two decides. */
#define ARRIVAL_WINDOW_MS 500
/* An input quiet enough to drop samples from (peak, full scale 1). */
#define ARRIVAL_QUIET 0.003f
/* The most a seat may run behind its arrival, when nothing upstream says. */
#define ARRIVAL_DEFAULT_CAP_MS 200

gboolean
gst_mix_minus_arrival_active_locked (GstMixMinus * self)
{
  return self->align_on_arrival && self->playing &&
      (self->force_live || self->upstream_live);
}

void
gst_mix_minus_arrival_reset (GstMixMinusSeat * seat)
{
  seat->next_rt = GST_CLOCK_TIME_NONE;
  seat->margin = 0;
  seat->slack_min[0] = seat->slack_min[1] = G_MAXINT64;
  seat->window_frames = 0;
  seat->drop = 0;
}

static gint64
ms_to_frames (GstMixMinus * self, guint64 ms)
{
  return (gint64) gst_util_uint64_scale (ms, self->rate, 1000);
}

gint64
gst_mix_minus_arrival_position_locked (GstMixMinus * self, GstClockTime rt)
{
  if (rt >= self->out_rt0)
    return (gint64) gst_util_uint64_scale (rt - self->out_rt0, self->rate,
        GST_SECOND);
  return -(gint64) gst_util_uint64_scale (self->out_rt0 - rt, self->rate,
      GST_SECOND);
}

/* Where a live seat's input of `frames` samples that arrived at running
 * time `now` starts on the output timeline. `rt` is its timestamp (NONE if
 * it has none), `peak` its loudest sample. */
gint64
gst_mix_minus_arrival_offset_locked (GstMixMinus * self,
    GstMixMinusSeat * seat, GstClockTime rt, gboolean discont,
    GstClockTime now, guint64 frames, gfloat peak)
{
  const gint64 consumed = (gint64) self->consumed;
  const gint64 keep = ms_to_frames (self, ARRIVAL_KEEP_MS);
  GstClockTime upstream = MAX (self->upstream_min, self->min_upstream_latency);
  gint64 cap = upstream > 0 ?
      (gint64) gst_util_uint64_scale (upstream, self->rate, GST_SECOND) :
      ms_to_frames (self, ARRIVAL_DEFAULT_CAP_MS);
  const gint64 now_pos = gst_mix_minus_arrival_position_locked (self, now);
  gboolean resync = discont || seat->next_offset < 0;
  gint64 at, slack;

  self->clock_pos = MAX (self->clock_pos, now_pos);

  if (!resync && GST_CLOCK_TIME_IS_VALID (rt)
      && GST_CLOCK_TIME_IS_VALID (seat->next_rt)) {
    GstClockTimeDiff jump = GST_CLOCK_DIFF (seat->next_rt, rt);

    resync = (guint64) ABS (jump) >= self->alignment_threshold;
  }
  seat->next_rt = GST_CLOCK_TIME_IS_VALID (rt) ?
      rt + gst_util_uint64_scale (frames, GST_SECOND, self->rate) :
      GST_CLOCK_TIME_NONE;

  if (resync) {
    /* its end where the clock is, but never behind the output */
    at = MAX (now_pos - (gint64) frames, consumed) + MAX (seat->margin, keep);
    seat->drop = 0;
  } else {
    gint64 ahead;

    at = seat->next_offset;
    /* A long burst (input held upstream, released at once) would put the
     * seat far ahead of the clock: what is more than the upstream latency
     * ahead is stale, dropped an input's length at a time. */
    ahead = at - now_pos - cap;
    if (ahead > 0) {
      at -= MIN (ahead, (gint64) frames);
      GST_LOG_OBJECT (self, "seat %u: %" G_GINT64_FORMAT " samples ahead "
          "of the clock", seat->index, ahead);
    }
  }

  slack = at - consumed;
  if (slack < 0) {
    /* late: its period went out without it */
    seat->margin = MIN (MAX (seat->margin, keep - slack), cap);
    GST_LOG_OBJECT (self, "seat %u: %" G_GINT64_FORMAT " samples late, "
        "margin now %" G_GINT64_FORMAT, seat->index, -slack, seat->margin);
    at = consumed + seat->margin;
    slack = seat->margin;
    seat->drop = 0;
  }

  seat->slack_min[0] = MIN (seat->slack_min[0], slack);
  seat->window_frames += frames;
  if (seat->window_frames >= (guint64) ms_to_frames (self, ARRIVAL_WINDOW_MS)) {
    gint64 least = MIN (seat->slack_min[0], seat->slack_min[1]);

    if (least != G_MAXINT64 && least > 2 * keep)
      seat->drop = least - keep;
    seat->slack_min[1] = seat->slack_min[0];
    seat->slack_min[0] = G_MAXINT64;
    seat->window_frames = 0;
  }

  if (seat->drop > 0 && !resync && peak < ARRIVAL_QUIET) {
    gint64 d = MIN (seat->drop, (gint64) frames);

    /* placed over what it already wrote: the ring skips d samples */
    at -= d;
    seat->drop -= d;
    seat->margin = MAX (seat->margin - d, 0);
    for (guint w = 0; w < 2; w++)
      if (seat->slack_min[w] != G_MAXINT64)
        seat->slack_min[w] -= d;
    GST_LOG_OBJECT (self, "seat %u: %" G_GINT64_FORMAT " samples earlier",
        seat->index, d);
  }
  return at;
}
