/* roomcast: mixminus output engine
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * How a period gets out. Each seat's streaming thread writes its input into
 * the seat's ring (gstmixminus-pads.c) and then calls try_output. Whichever
 * thread finds the oldest period complete takes the "output token" and,
 * with the lock released, renders that period for every output and pushes
 * it; others just return. So there is no mixer thread and no hand-off per
 * buffer: a period costs one render and N + 1 pushes, in the thread that
 * delivered the last input of that period.
 *
 * In live mode the timer task waits on the pipeline clock for the deadline
 * of the oldest period (its running time + upstream latency + one period +
 * the latency property, as GstAggregator does) and, if it expires before
 * the period went out, forces it out with missing seats as silence.
 *
 * Each output goes through its own limiter, which delays it by the
 * lookahead: rendering the period [start, end) of the inputs gives every
 * output the samples [start - lookahead, end - lookahead), timestamped as
 * such, so timestamps stay the inputs' and the lookahead is latency (the
 * buffer leaves at its deadline, lookahead later than its own). An output
 * whose limiter starts over (the first period, after a flush, or linked
 * while others ran) does not push the silence its delay line starts with;
 * when every seat ended, one more short period of silence drains the delay
 * lines.
 *
 * A seat can run up to GST_MIX_MINUS_RING_PERIODS ahead of the output; then
 * its thread waits, and is woken only after the output advanced half the
 * ring, so threads racing ahead in non-live pipelines do not ping-pong.
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include "gstmixminus-private.h"

#include <math.h>
#include <string.h>

#define GST_CAT_DEFAULT gst_mix_minus_debug

/* ------------------------------------------------------------ seats */

GstMixMinusSeat *
gst_mix_minus_seat_new (guint index)
{
  GstMixMinusSeat *seat = g_new0 (GstMixMinusSeat, 1);

  seat->ref = 1;
  seat->index = index;
  seat->next_offset = -1;
  gst_mix_minus_arrival_reset (seat);
  gst_audio_info_init (&seat->info);
  gst_segment_init (&seat->segment, GST_FORMAT_TIME);
  return seat;
}

GstMixMinusSeat *
gst_mix_minus_seat_ref (GstMixMinusSeat * seat)
{
  g_atomic_int_inc (&seat->ref);
  return seat;
}

void
gst_mix_minus_seat_unref (GstMixMinusSeat * seat)
{
  if (!g_atomic_int_dec_and_test (&seat->ref))
    return;
  g_free (seat->storage);
  g_free (seat->scratch);
  g_free (seat);
}

/* -------------------------------------------------------- timeline */

void
gst_mix_minus_ensure_ring_locked (GstMixMinus * self, GstMixMinusSeat * seat)
{
  if (seat->storage != NULL || self->capacity == 0)
    return;
  seat->storage = g_new0 (gfloat, self->capacity);
  mixminus_ring_init (&seat->ring, seat->storage, self->capacity,
      self->out_offset);
}

/* The first input (or the negotiated output) fixes the rate, and with it
 * the period and ring sizes, until the element goes back to READY. */
void
gst_mix_minus_set_rate_locked (GstMixMinus * self, gint rate)
{
  g_return_if_fail (self->rate == 0 && rate > 0);

  self->rate = rate;
  self->period = MAX (1, gst_util_uint64_scale_round (self->period_duration,
          rate, GST_SECOND));
  self->capacity = self->period * GST_MIX_MINUS_RING_PERIODS;
  g_free (self->total);
  self->total = g_new0 (gfloat, self->period);
  /* the threshold is read for every period, it may change while playing */
  mixminus_limiter_configure (&self->limiter_config, (unsigned) rate, 1.0f);
  self->lookahead = self->limiter ? self->limiter_config.lookahead : 0;
  self->silent_run = self->lookahead;
  for (guint s = 0; s < MIXMINUS_MAX_SEATS; s++)
    if (self->seat[s])
      gst_mix_minus_ensure_ring_locked (self, self->seat[s]);
  GST_INFO_OBJECT (self, "rate %d, %" G_GUINT64_FORMAT " samples per period, "
      "limiter lookahead %" G_GUINT64_FORMAT, rate, self->period,
      self->lookahead);
}

/* How long the limiter delays the outputs (and adds to the latency): its
 * lookahead once the rate is known, else the nominal one. */
GstClockTime
gst_mix_minus_lookahead_duration_locked (GstMixMinus * self)
{
  if (!self->limiter)
    return 0;
  if (self->rate == 0)
    return MIXMINUS_LIMITER_LOOKAHEAD_US * GST_USECOND;
  return gst_util_uint64_scale_ceil (self->lookahead, GST_SECOND, self->rate);
}

GstClockTime
gst_mix_minus_offset_to_running_time (GstMixMinus * self, guint64 offset)
{
  return self->out_rt0 + gst_util_uint64_scale (offset, GST_SECOND,
      self->rate);
}

/* Fixes where output offset 0 is in running time, from the first input
 * (or the clock, for a forced-live room nobody has spoken in yet). */
void
gst_mix_minus_start_locked (GstMixMinus * self, GstClockTime first_rt)
{
  if (self->started)
    return;
  switch (self->start_time_selection) {
    case GST_AGGREGATOR_START_TIME_SELECTION_FIRST:
      self->out_rt0 = GST_CLOCK_TIME_IS_VALID (first_rt) ? first_rt : 0;
      break;
    case GST_AGGREGATOR_START_TIME_SELECTION_SET:
      self->out_rt0 = GST_CLOCK_TIME_IS_VALID (self->start_time) ?
          self->start_time : 0;
      break;
    default:
      self->out_rt0 = 0;
      break;
  }
  self->started = TRUE;
  GST_DEBUG_OBJECT (self, "timeline starts at running time %" GST_TIME_FORMAT,
      GST_TIME_ARGS (self->out_rt0));
  g_cond_signal (&self->timer_cond);
}

static void
mark_outputs_locked (GstMixMinus * self, gboolean stream_start,
    gboolean caps, gboolean segment)
{
  for (gint i = -1; i < MIXMINUS_MAX_SEATS; i++) {
    GstMixMinusSrcPad *pad = i < 0 ? self->mix_pad : self->output[i];

    if (pad == NULL)
      continue;
    pad->need_stream_start |= stream_start;
    pad->need_caps |= caps;
    pad->need_segment |= segment;
  }
}

/* Back to an empty timeline after a flush (full = FALSE) or when stopping
 * (full = TRUE, which also forgets the rate and format). The caller made
 * sure no thread holds the output token. */
void
gst_mix_minus_reset_locked (GstMixMinus * self, gboolean full)
{
  self->epoch++;
  self->started = FALSE;
  self->out_offset = self->consumed = self->forced_until = 0;
  self->clock_pos = G_MININT64;
  self->last_wake = 0;
  self->eos_sent = FALSE;
  self->flow_ret = GST_FLOW_OK;
  gst_flow_combiner_reset (self->flow_combiner);
  self->level_frames = 0;
  self->level_start = GST_CLOCK_TIME_NONE;
  self->silent_run = self->lookahead;   /* the delay lines restart silent */
  for (gint i = -1; i < MIXMINUS_MAX_SEATS; i++) {
    GstMixMinusSrcPad *pad = i < 0 ? self->mix_pad : self->output[i];

    if (pad)
      pad->limiter_next = G_MAXUINT64;
  }
  for (guint s = 0; s < MIXMINUS_MAX_SEATS; s++) {
    GstMixMinusSeat *seat = self->seat[s];

    if (seat == NULL)
      continue;
    seat->next_offset = -1;
    gst_mix_minus_arrival_reset (seat);
    seat->eos = FALSE;
    seat->got_data = FALSE;
    memset (&seat->level, 0, sizeof (seat->level));
    seat->level_active = FALSE;
    if (full) {
      g_clear_pointer (&seat->storage, g_free);
      gst_audio_info_init (&seat->info);
      gst_segment_init (&seat->segment, GST_FORMAT_TIME);
      seat->flushing = FALSE;
    } else if (seat->storage) {
      mixminus_ring_reset (&seat->ring, 0);
    }
  }
  if (full) {
    self->rate = 0;
    self->period = self->capacity = 0;
    self->lookahead = 0;
    g_clear_pointer (&self->total, g_free);
    gst_audio_info_init (&self->out_info);
    self->need_negotiate = TRUE;
    gst_segment_init (&self->out_segment, GST_FORMAT_TIME);
    self->have_seek_seqnum = FALSE;
    self->seek_flushing = FALSE;
    self->upstream_live = FALSE;
    self->upstream_min = 0;
    mark_outputs_locked (self, TRUE, TRUE, TRUE);
  } else {
    mark_outputs_locked (self, FALSE, FALSE, TRUE);
  }
}

void
gst_mix_minus_wake_waiters_locked (GstMixMinus * self)
{
  self->last_wake = self->consumed;
  if (self->waiters > 0)
    g_cond_broadcast (&self->space_cond);
}

/* Writes one seat's converted input at output offset `at`, waiting for
 * ring space when the seat is far ahead of the output. */
GstFlowReturn
gst_mix_minus_write_locked (GstMixMinus * self, GstMixMinusSeat * seat,
    gint64 at, const gfloat * samples, guint64 frames)
{
  if (at < 0) {                 /* before the start of the output */
    guint64 skip = MIN (frames, (guint64) - at);

    samples += skip;
    frames -= skip;
    at = 0;
  }
  while (frames > 0) {
    MixMinusPlacement p;
    guint64 done;

    if (self->flushing || seat->flushing || seat->released)
      return GST_FLOW_FLUSHING;
    if (self->eos_sent)
      return GST_FLOW_EOS;

    mixminus_ring_place (&seat->ring, self->consumed, (guint64) at, frames,
        &p);
    done = mixminus_ring_commit (&seat->ring, self->consumed, &p,
        samples + p.skip);
    at += done;
    samples += done;
    frames -= done;
    gst_mix_minus_try_output_locked (self);

    if (frames > 0 && p.blocked) {
      mixminus_ring_place (&seat->ring, self->consumed, (guint64) at, frames,
          &p);
      if (p.blocked && !self->flushing && !seat->flushing && !seat->released) {
        self->waiters++;
        g_cond_wait (&self->space_cond, &self->lock);
        self->waiters--;
      }
    }
  }
  return GST_FLOW_OK;
}

/* ------------------------------------------------------- negotiation */

/* What the consumers of every linked output accept, within `caps`
 * (transfer full). Called unlocked: it queries downstream. */
GstCaps *
gst_mix_minus_output_peer_caps (GstMixMinus * self, GstCaps * caps)
{
  GPtrArray *pads = g_ptr_array_new_with_free_func (gst_object_unref);

  g_mutex_lock (&self->lock);
  for (gint i = -1; i < MIXMINUS_MAX_SEATS; i++) {
    GstMixMinusSrcPad *pad = i < 0 ? self->mix_pad : self->output[i];

    if (pad && gst_pad_is_linked (GST_PAD (pad)))
      g_ptr_array_add (pads, gst_object_ref (pad));
  }
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < pads->len && !gst_caps_is_empty (caps); i++) {
    GstCaps *peer = gst_pad_peer_query_caps (g_ptr_array_index (pads, i),
        caps);

    gst_caps_unref (caps);
    caps = peer;
  }
  g_ptr_array_unref (pads);
  return caps;
}

/* Chooses the one output format every linked output's consumer accepts:
 * F32 unless they only take S16, at the inputs' rate. Called unlocked. */
gboolean
gst_mix_minus_negotiate (GstMixMinus * self)
{
  GstCaps *caps = gst_caps_from_string (GST_MIX_MINUS_OUT_CAPS);
  GstAudioInfo info;
  GstStructure *s;
  gint rate;

  g_mutex_lock (&self->lock);
  rate = self->rate;
  g_mutex_unlock (&self->lock);
  if (rate > 0)
    gst_caps_set_simple (caps, "rate", G_TYPE_INT, rate, NULL);
  caps = gst_mix_minus_output_peer_caps (self, caps);
  if (gst_caps_is_empty (caps)) {
    GST_WARNING_OBJECT (self, "the outputs' consumers share no format");
    gst_caps_unref (caps);
    return FALSE;
  }

  caps = gst_caps_truncate (gst_caps_make_writable (caps));
  s = gst_caps_get_structure (caps, 0);
  gst_structure_fixate_field_string (s, "format", GST_AUDIO_NE (F32));
  gst_structure_fixate_field_nearest_int (s, "rate", rate > 0 ? rate : 48000);
  caps = gst_caps_fixate (caps);
  if (!gst_audio_info_from_caps (&info, caps)) {
    gst_caps_unref (caps);
    return FALSE;
  }
  GST_DEBUG_OBJECT (self, "output caps %" GST_PTR_FORMAT, caps);
  gst_caps_unref (caps);

  g_mutex_lock (&self->lock);
  if (self->rate == 0)
    gst_mix_minus_set_rate_locked (self, GST_AUDIO_INFO_RATE (&info));
  if (self->rate == GST_AUDIO_INFO_RATE (&info)) {
    /* outputs added later carry need_caps from their creation */
    if (!gst_audio_info_is_equal (&info, &self->out_info))
      mark_outputs_locked (self, FALSE, TRUE, FALSE);
    self->out_info = info;
    self->need_negotiate = FALSE;
  }
  rate = self->rate;
  g_mutex_unlock (&self->lock);
  return rate == GST_AUDIO_INFO_RATE (&info);
}

/* ----------------------------------------------------------- output */

typedef enum
{
  PERIOD_WAIT,
  PERIOD_READY,
  PERIOD_EOS,
} PeriodState;

/* Is the period at out_offset complete? Every seat that is not at EOS must
 * have written it, unless the live timer forced it. When every seat ended,
 * what they left is drained (last buffer possibly short), and the
 * lookahead after it that the limiters' delay lines still hold, then
 * EOS. */
static PeriodState
period_state_locked (GstMixMinus * self, guint64 * frames)
{
  const guint64 start = self->out_offset, end = start + self->period;
  const gboolean live = self->force_live || self->upstream_live;
  guint required = 0, open = 0, ended = 0;
  guint64 drained = start;

  if (!self->started || self->period == 0 || self->flushing || self->eos_sent)
    return PERIOD_WAIT;
  *frames = self->period;
  if (self->forced_until >= end)
    return PERIOD_READY;
  /* placed by arrival, the output follows the clock: never a period ahead */
  if (gst_mix_minus_arrival_active_locked (self) &&
      (gint64) start > self->clock_pos)
    return PERIOD_WAIT;

  for (guint s = 0; s < MIXMINUS_MAX_SEATS; s++) {
    GstMixMinusSeat *seat = self->seat[s];

    if (seat == NULL)
      continue;
    if (seat->eos) {
      ended++;
      if (seat->storage)
        drained = MAX (drained, seat->eos_offset + self->lookahead);
      continue;
    }
    open++;
    if (live && self->ignore_inactive_pads && !seat->got_data)
      continue;
    required++;
    if (seat->storage == NULL || seat->ring.filled < end)
      return PERIOD_WAIT;
  }
  if (required > 0)
    return PERIOD_READY;
  if (open > 0 || ended == 0 || self->force_live)
    return PERIOD_WAIT;         /* only the live timer moves us on */
  if (drained >= end)
    return PERIOD_READY;
  if (drained > start) {
    *frames = drained - start;
    return PERIOD_READY;
  }
  return PERIOD_EOS;
}

typedef struct
{
  GstPad *pad;
  gint seat;
  GstEvent *events[3];          /* stream-start, caps, segment (or NULL) */
  /* this period's buffer */
  gboolean restart;             /* the output's limiter starts over */
  guint64 skip;                 /* leading samples not pushed */
  guint64 offset;               /* output offset of the first one pushed */
  GstClockTime pts, duration;
} Output;

/* Collects the linked outputs and the sticky events each still needs. */
static guint
collect_outputs_locked (GstMixMinus * self, Output * outs, gboolean all)
{
  GstCaps *caps = GST_AUDIO_INFO_IS_VALID (&self->out_info) ?
      gst_audio_info_to_caps (&self->out_info) : NULL;
  guint n = 0;

  for (gint i = -1; i < MIXMINUS_MAX_SEATS; i++) {
    GstMixMinusSrcPad *pad = i < 0 ? self->mix_pad : self->output[i];
    Output *o = &outs[n];

    if (pad == NULL || (!all && !gst_pad_is_linked (GST_PAD (pad))))
      continue;
    memset (o, 0, sizeof (*o));
    o->pad = gst_object_ref (GST_PAD (pad));
    o->seat = pad->seat;
    if (pad->need_stream_start) {
      /* gst_pad_create_stream_id() is for elements with one sink pad */
      gchar *id = g_strdup_printf ("%08x/%s", self->group_id,
          GST_OBJECT_NAME (pad));

      o->events[0] = gst_event_new_stream_start (id);
      gst_event_set_group_id (o->events[0], self->group_id);
      g_free (id);
      pad->need_stream_start = FALSE;
    }
    if (pad->need_caps && caps) {
      o->events[1] = gst_event_new_caps (caps);
      pad->need_caps = FALSE;
    }
    if (pad->need_segment) {
      o->events[2] = gst_event_new_segment (&self->out_segment);
      if (self->have_seek_seqnum)
        gst_event_set_seqnum (o->events[2], self->seek_seqnum);
      pad->need_segment = FALSE;
    }
    n++;
  }
  if (caps)
    gst_caps_unref (caps);
  return n;
}

static void
send_events (Output * o)
{
  for (guint e = 0; e < G_N_ELEMENTS (o->events); e++)
    if (o->events[e])
      gst_pad_push_event (o->pad, g_steal_pointer (&o->events[e]));
}

static void
push_eos_locked (GstMixMinus * self)
{
  Output outs[MIXMINUS_MAX_SEATS + 1];
  guint n;

  self->eos_sent = TRUE;
  n = collect_outputs_locked (self, outs, TRUE);
  g_mutex_unlock (&self->lock);
  GST_DEBUG_OBJECT (self, "all seats ended, sending EOS");
  for (guint i = 0; i < n; i++) {
    send_events (&outs[i]);
    gst_pad_push_event (outs[i].pad, gst_event_new_eos ());
    gst_object_unref (outs[i].pad);
  }
  g_mutex_lock (&self->lock);
  self->flow_ret = GST_FLOW_EOS;
}

/* Renders every output of one period into one memory block (one plane per
 * output) and wraps each plane, less the samples to skip, in its own
 * buffer without copying (NULL when nothing is left). With `limiter`,
 * each output goes through its own limiter. */
static void
render_period (GstMixMinus * self, GstMixMinusSeat ** seats, guint n_seats,
    guint64 start, guint64 frames, const GstAudioInfo * info,
    const MixMinusLimiterConfig * limiter, Output * outs, guint n_outs,
    GstBuffer ** bufs, MixMinusLevel * level, gboolean * gap)
{
  const gboolean s16 = GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_S16;
  const gsize bps = s16 ? sizeof (gint16) : sizeof (gfloat);
  const gsize plane = frames * bps;
  const guint64 ahead = limiter ? limiter->lookahead : 0;
  gfloat *total = self->total;
  float max_peak = 0.0f, total_peak = 0.0f;
  GstBuffer *block;
  GstMapInfo map;

  memset (total, 0, frames * sizeof (gfloat));
  for (guint s = 0; s < n_seats; s++) {
    const gfloat *x;

    if (seats[s] == NULL)
      continue;
    x = mixminus_ring_period (&seats[s]->ring, start);
    mixminus_measure (x, frames, &level[s]);
    mixminus_accumulate (total, x, frames);
    max_peak = MAX (max_peak, level[s].peak);
  }
  /* The outputs carry [start - ahead, end - ahead): silent if every input
   * was since start - ahead. */
  self->silent_run = max_peak == 0.0f ? self->silent_run + frames : 0;
  *gap = self->silent_run >= frames + ahead;

  if (n_outs == 0)
    return;
  if (limiter)
    total_peak = mixminus_peak (total, frames);
  block = gst_buffer_new_allocate (NULL, plane * n_outs, NULL);
  gst_buffer_map (block, &map, GST_MAP_WRITE);
  for (guint k = 0; k < n_outs; k++) {
    gint seat = outs[k].seat;
    const gfloat *own = seat >= 0 && (guint) seat < n_seats && seats[seat] ?
        mixminus_ring_period (&seats[seat]->ring, start) : NULL;
    gpointer out = map.data + k * plane;

    if (limiter) {
      MixMinusLimiter *state = &((GstMixMinusSrcPad *) outs[k].pad)->limiter;
      /* |total - own| <= peak (total) + peak (own) */
      float bound = total_peak + (own ? level[seat].peak : 0.0f);

      if (s16)
        mixminus_render_limited_s16 (out, total, own, frames, bound, limiter,
            state);
      else
        mixminus_render_limited_f32 (out, total, own, frames, bound, limiter,
            state);
    } else if (s16) {
      mixminus_render_s16 (out, total, own, frames);
    } else {
      mixminus_render_f32 (out, total, own, frames);
    }
  }
  gst_buffer_unmap (block, &map);
  for (guint k = 0; k < n_outs; k++) {
    gsize skip = outs[k].skip * bps;

    bufs[k] = skip < plane ? gst_buffer_copy_region (block,
        GST_BUFFER_COPY_MEMORY, k * plane + skip, plane - skip) : NULL;
  }
  gst_buffer_unref (block);
}

/* Restarts an output's limiter unless it rendered the period before, and
 * decides how many leading samples of this one not to push: the silence a
 * restarted delay line begins with. Called by the token holder. */
static void
prepare_limiter (Output * o, guint64 start, guint64 frames, guint64 ahead)
{
  GstMixMinusSrcPad *pad = (GstMixMinusSrcPad *) o->pad;

  if (pad->limiter_next != start) {
    mixminus_limiter_reset (&pad->limiter);
    pad->limiter_skip = ahead;
    o->restart = TRUE;
  }
  o->skip = MIN (pad->limiter_skip, frames);
  pad->limiter_skip -= o->skip;
  pad->limiter_next = start + frames;
}

/* Position (in the output segment) and duration of the output samples
 * [first, last). */
static void
output_times_locked (GstMixMinus * self, guint64 first, guint64 last,
    GstClockTime * pts, GstClockTime * duration)
{
  GstClockTime rt = gst_mix_minus_offset_to_running_time (self, first);

  *duration = gst_mix_minus_offset_to_running_time (self, last) - rt;
  *pts = gst_segment_position_from_running_time (&self->out_segment,
      GST_FORMAT_TIME, rt);
  if (!GST_CLOCK_TIME_IS_VALID (*pts))
    *pts = rt;
}

/* Takes the period at out_offset, renders and pushes it with the lock
 * released, then accounts for it. Called by the token holder. */
static void
output_period_locked (GstMixMinus * self, guint64 frames)
{
  const guint64 start = self->out_offset, end = start + frames;
  const guint64 ahead = self->lookahead;
  const guint64 out_end = end > ahead ? end - ahead : 0;
  const guint epoch = self->epoch;
  const guint n_seats = self->seats;
  GstMixMinusSeat *seats[MIXMINUS_MAX_SEATS] = { NULL };
  gboolean active[MIXMINUS_MAX_SEATS] = { FALSE };
  MixMinusLevel level[MIXMINUS_MAX_SEATS];
  Output outs[MIXMINUS_MAX_SEATS + 1];
  GstBuffer *bufs[MIXMINUS_MAX_SEATS + 1];
  GstFlowReturn flows[MIXMINUS_MAX_SEATS + 1];
  GstAudioInfo info = self->out_info;
  MixMinusLimiterConfig limiter = self->limiter_config;
  GstClockTime pts, duration, position, unused;
  GstMessage *msg = NULL;
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean gap;
  guint n_outs;

  memset (level, 0, sizeof (level));
  for (guint s = 0; s < n_seats; s++) {
    GstMixMinusSeat *seat = self->seat[s];

    if (seat == NULL || seat->storage == NULL)
      continue;
    active[s] = mixminus_ring_has_input (&seat->ring, start, frames);
    mixminus_ring_fill_silence (&seat->ring, end);
    seats[s] = gst_mix_minus_seat_ref (seat);
  }
  n_outs = collect_outputs_locked (self, outs, FALSE);
  limiter.threshold = (float) pow (10.0, self->limiter_threshold / 20.0);
  output_times_locked (self, start, end, &pts, &duration);
  output_times_locked (self, out_end, out_end, &position, &unused);
  for (guint k = 0; k < n_outs; k++) {
    Output *o = &outs[k];

    if (ahead > 0)
      prepare_limiter (o, start, frames, ahead);
    /* what is pushed is at least the first sample since the restart */
    o->offset = start + o->skip > ahead ? start + o->skip - ahead : 0;
    output_times_locked (self, o->offset, out_end, &o->pts, &o->duration);
  }
  self->out_offset = end;
  if (self->timer_parked && self->forced_until > start)
    g_cond_signal (&self->timer_cond);
  g_mutex_unlock (&self->lock);

  render_period (self, seats, n_seats, start, frames, &info,
      ahead > 0 ? &limiter : NULL, outs, n_outs, bufs, level, &gap);
  for (guint k = 0; k < n_outs; k++) {
    if (bufs[k] == NULL)
      continue;
    GST_BUFFER_PTS (bufs[k]) = outs[k].pts;
    GST_BUFFER_DURATION (bufs[k]) = outs[k].duration;
    GST_BUFFER_OFFSET (bufs[k]) = outs[k].offset;
    GST_BUFFER_OFFSET_END (bufs[k]) = out_end;
    if (gap)
      GST_BUFFER_FLAG_SET (bufs[k], GST_BUFFER_FLAG_GAP);
    if (start == 0 || outs[k].restart)
      GST_BUFFER_FLAG_SET (bufs[k], GST_BUFFER_FLAG_DISCONT);
  }

  g_mutex_lock (&self->lock);
  if (epoch == self->epoch) {
    self->consumed = end;
    self->out_segment.position = position;
    msg = gst_mix_minus_account_levels_locked (self, level, active, frames,
        pts, pts + duration);
    if (self->consumed - self->last_wake >= self->capacity / 2)
      gst_mix_minus_wake_waiters_locked (self);
  }
  g_mutex_unlock (&self->lock);

  for (guint s = 0; s < n_seats; s++)
    if (seats[s])
      gst_mix_minus_seat_unref (seats[s]);
  if (msg)
    gst_element_post_message (GST_ELEMENT (self), msg);
  for (guint k = 0; k < n_outs; k++) {
    send_events (&outs[k]);
    flows[k] = bufs[k] ? gst_pad_push (outs[k].pad, bufs[k]) : GST_FLOW_OK;
  }

  g_mutex_lock (&self->lock);
  for (guint k = 0; k < n_outs; k++) {
    GstMixMinusSrcPad *pad = (GstMixMinusSrcPad *) outs[k].pad;
    gboolean registered = pad == self->mix_pad ||
        (pad->seat >= 0 && self->output[pad->seat] == pad);

    /* outputs released meanwhile no longer count */
    if (epoch == self->epoch && registered)
      ret = gst_flow_combiner_update_pad_flow (self->flow_combiner,
          outs[k].pad, flows[k]);
    gst_object_unref (outs[k].pad);
  }
  if (epoch == self->epoch)
    self->flow_ret = ret == GST_FLOW_NOT_LINKED ? GST_FLOW_OK : ret;
}

/* Outputs every complete period, if no other thread is doing so. */
void
gst_mix_minus_try_output_locked (GstMixMinus * self)
{
  if (self->outputting)
    return;
  self->outputting = TRUE;
  for (;;) {
    guint64 frames = 0;
    PeriodState state = period_state_locked (self, &frames);

    if (state == PERIOD_WAIT || self->flow_ret < GST_FLOW_EOS)
      break;
    if (state == PERIOD_EOS) {
      push_eos_locked (self);
      break;
    }
    for (gint i = -1; i < MIXMINUS_MAX_SEATS && !self->need_negotiate; i++) {
      GstMixMinusSrcPad *pad = i < 0 ? self->mix_pad : self->output[i];

      if (pad && gst_pad_check_reconfigure (GST_PAD (pad)))
        self->need_negotiate = TRUE;
    }
    if (self->need_negotiate) {
      guint epoch = self->epoch;
      gboolean ok;

      g_mutex_unlock (&self->lock);
      ok = gst_mix_minus_negotiate (self);
      if (!ok)
        GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
            ("the outputs' consumers accept no common format at the "
                "inputs' rate"));
      g_mutex_lock (&self->lock);
      if (!ok && epoch == self->epoch) {
        self->flow_ret = GST_FLOW_NOT_NEGOTIATED;
        break;
      }
      continue;
    }
    output_period_locked (self, frames);
  }
  self->outputting = FALSE;
  if (self->token_waiters > 0)  /* (a broadcast always costs a syscall) */
    g_cond_broadcast (&self->token_cond);
}

/* Waits until no thread is rendering or pushing a period. */
void
gst_mix_minus_wait_output_locked (GstMixMinus * self)
{
  while (self->outputting) {
    self->token_waiters++;
    g_cond_wait (&self->token_cond, &self->lock);
    self->token_waiters--;
  }
}
