/* roomcast: mixminus pad functions: data, events and queries
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sink pads: caps (any format, one rate), segments, gaps, EOS, flushes, and
 * the chain function that converts a seat's input and writes it into the
 * seat's ring. Source pads: seeks (forwarded once to every seat), latency,
 * position and caps queries.
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include "gstmixminus-private.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_mix_minus_debug

/* ------------------------------------------------------ sink side */

static GstCaps *
sink_getcaps (GstMixMinus * self, GstPad * pad, GstCaps * filter)
{
  GstCaps *caps = gst_pad_get_pad_template_caps (pad);
  gint rate;

  g_mutex_lock (&self->lock);
  rate = self->rate;
  g_mutex_unlock (&self->lock);
  if (rate > 0) {
    caps = gst_caps_make_writable (caps);
    gst_caps_set_simple (caps, "rate", G_TYPE_INT, rate, NULL);
  } else if (GST_PAD_IS_SINK (pad)) {
    /* No rate yet: offer those the outputs' consumers accept. */
    GstCaps *out = gst_mix_minus_output_peer_caps (self,
        gst_caps_from_string (GST_MIX_MINUS_OUT_CAPS));
    GstCaps *rates = gst_caps_new_empty ();

    for (guint i = 0; i < gst_caps_get_size (out); i++) {
      const GValue *r = gst_structure_get_value (gst_caps_get_structure (out,
              i), "rate");
      GstStructure *st = gst_structure_new_empty ("audio/x-raw");

      if (r)
        gst_structure_set_value (st, "rate", r);
      rates = gst_caps_merge_structure (rates, st);
    }
    gst_caps_unref (out);
    out = gst_caps_intersect (caps, rates);
    gst_caps_unref (caps);
    gst_caps_unref (rates);
    caps = out;
  }
  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, caps,
        GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (caps);
    caps = tmp;
  }
  return caps;
}

gboolean
gst_mix_minus_sink_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:{
      GstCaps *filter, *caps;

      gst_query_parse_caps (query, &filter);
      caps = sink_getcaps (GST_MIX_MINUS (parent), pad, filter);
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    case GST_QUERY_ALLOCATION:
      return FALSE;             /* inputs are copied, any memory will do */
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
sink_setcaps (GstMixMinus * self, GstMixMinusSeat * seat, GstCaps * caps)
{
  GstAudioInfo info;
  gboolean ok = TRUE;

  if (!gst_audio_info_from_caps (&info, caps))
    return FALSE;
  g_mutex_lock (&self->lock);
  if (self->rate == 0)
    gst_mix_minus_set_rate_locked (self, GST_AUDIO_INFO_RATE (&info));
  if (GST_AUDIO_INFO_RATE (&info) != self->rate) {
    GST_WARNING_OBJECT (self, "seat %u: rate %d, the room runs at %d",
        seat->index, GST_AUDIO_INFO_RATE (&info), self->rate);
    ok = FALSE;
  } else {
    seat->info = info;
    gst_mix_minus_ensure_ring_locked (self, seat);
  }
  g_mutex_unlock (&self->lock);
  return ok;
}

/* The running time at the end of a GAP event, or NONE. */
static GstClockTime
gap_end (GstMixMinusSeat * seat, GstEvent * event)
{
  GstClockTime ts, duration;

  gst_event_parse_gap (event, &ts, &duration);
  if (!GST_CLOCK_TIME_IS_VALID (ts) || !GST_CLOCK_TIME_IS_VALID (duration))
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time (&seat->segment, GST_FORMAT_TIME,
      ts + duration);
}

static void
push_to_outputs (GstMixMinus * self, GstEvent * event)
{
  GPtrArray *pads = g_ptr_array_new_with_free_func (gst_object_unref);

  GST_OBJECT_LOCK (self);
  for (GList * l = GST_ELEMENT (self)->srcpads; l; l = l->next)
    g_ptr_array_add (pads, gst_object_ref (l->data));
  GST_OBJECT_UNLOCK (self);
  for (guint i = 0; i < pads->len; i++)
    gst_pad_push_event (g_ptr_array_index (pads, i), gst_event_ref (event));
  g_ptr_array_unref (pads);
  gst_event_unref (event);
}

/* A flush that comes back from our own flushing seek flushes the whole
 * element once; any other flush only drops that seat's pending input. */
static void
sink_flush_start (GstMixMinus * self, GstMixMinusSeat * seat, GstEvent * ev)
{
  gboolean forward = FALSE;

  g_mutex_lock (&self->lock);
  seat->flushing = TRUE;
  if (self->seek_flushing && gst_event_get_seqnum (ev) == self->seek_seqnum
      && !self->flushing) {
    self->flushing = TRUE;
    forward = TRUE;
    if (self->timer_id)
      gst_clock_id_unschedule (self->timer_id);
  }
  g_cond_broadcast (&self->space_cond);
  g_mutex_unlock (&self->lock);
  if (forward)
    push_to_outputs (self, ev);
  else
    gst_event_unref (ev);
}

static void
sink_flush_stop (GstMixMinus * self, GstMixMinusSeat * seat, GstEvent * ev)
{
  gboolean forward = FALSE;

  g_mutex_lock (&self->lock);
  seat->flushing = FALSE;
  seat->eos = FALSE;
  if (self->flushing && gst_event_get_seqnum (ev) == self->seek_seqnum) {
    gboolean all = TRUE;

    for (guint s = 0; s < MIXMINUS_MAX_SEATS; s++)
      all &= self->seat[s] == NULL || !self->seat[s]->flushing;
    if (all) {
      gst_mix_minus_wait_output_locked (self);
      gst_mix_minus_reset_locked (self, FALSE);
      self->flushing = FALSE;
      self->seek_flushing = FALSE;
      forward = TRUE;
      g_cond_signal (&self->timer_cond);
    }
  } else if (!self->flushing && seat->storage) {
    mixminus_ring_reset (&seat->ring, self->out_offset);
    seat->next_offset = -1;
  }
  g_mutex_unlock (&self->lock);
  if (forward)
    push_to_outputs (self, ev);
  else
    gst_event_unref (ev);
}

gboolean
gst_mix_minus_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstMixMinus *self = GST_MIX_MINUS (parent);
  GstMixMinusSeat *seat = GST_MIX_MINUS_PAD (pad)->seat;
  gboolean ret = TRUE;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      ret = sink_setcaps (self, seat, caps);
      break;
    }
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;

      gst_event_parse_segment (event, &segment);
      if (segment->format != GST_FORMAT_TIME || segment->rate <= 0.0) {
        GST_ERROR_OBJECT (pad, "only forward TIME segments are supported");
        ret = FALSE;
        break;
      }
      g_mutex_lock (&self->lock);
      seat->segment = *segment;
      seat->next_offset = -1;
      g_mutex_unlock (&self->lock);
      break;
    }
    case GST_EVENT_GAP:{
      GstClockTime end = gap_end (seat, event);

      g_mutex_lock (&self->lock);
      if (GST_CLOCK_TIME_IS_VALID (end) && self->started && seat->storage
          && end > self->out_rt0 && !self->flushing) {
        guint64 until = gst_util_uint64_scale_round (end - self->out_rt0,
            self->rate, GST_SECOND);

        until = MIN (until, self->consumed + self->capacity);
        mixminus_ring_fill_silence (&seat->ring, until);
        seat->next_offset = -1;
        gst_mix_minus_try_output_locked (self);
      }
      g_mutex_unlock (&self->lock);
      break;
    }
    case GST_EVENT_EOS:
      g_mutex_lock (&self->lock);
      seat->eos = TRUE;
      seat->eos_offset = seat->storage ? seat->ring.filled : 0;
      gst_mix_minus_try_output_locked (self);
      g_mutex_unlock (&self->lock);
      break;
    case GST_EVENT_FLUSH_START:
      sink_flush_start (self, seat, event);
      return TRUE;
    case GST_EVENT_FLUSH_STOP:
      sink_flush_stop (self, seat, event);
      return TRUE;
    default:                   /* stream-start, tags, ...: ours replace them */
      break;
  }
  gst_event_unref (event);
  return ret;
}

/* Where an input buffer starts on the output timeline. Small timestamp
 * jitter is absorbed (alignment-threshold), bigger jumps resync. */
static gint64
input_offset_locked (GstMixMinus * self, GstMixMinusSeat * seat,
    GstClockTime rt, gboolean discont)
{
  gint64 at, threshold;

  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return seat->next_offset >= 0 ? seat->next_offset :
        (gint64) seat->ring.filled;
  if (rt >= self->out_rt0)
    at = gst_util_uint64_scale_round (rt - self->out_rt0, self->rate,
        GST_SECOND);
  else
    at = -(gint64) gst_util_uint64_scale_round (self->out_rt0 - rt,
        self->rate, GST_SECOND);
  threshold = gst_util_uint64_scale (self->alignment_threshold, self->rate,
      GST_SECOND);
  if (!discont && seat->next_offset >= 0 && ABS (at - seat->next_offset) <
      threshold)
    at = seat->next_offset;
  return at;
}

/* Converts the buffer to mono float in the seat's scratch (no lock), then
 * writes it into the seat's ring and outputs what became complete. */
GstFlowReturn
gst_mix_minus_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  /* unchecked casts on the hot path: the pad functions are ours */
  GstMixMinus *self = (GstMixMinus *) parent;
  GstMixMinusSeat *seat = ((GstMixMinusPad *) pad)->seat;
  /* info and segment only change in this thread (serialized events) */
  const GstAudioInfo *info = &seat->info;
  GstClockTime rt = GST_CLOCK_TIME_NONE;
  GstClockTime now = GST_CLOCK_TIME_NONE;
  GstClock *clock;
  gfloat peak = 0.0f;
  GstFlowReturn ret;
  GstMapInfo map;
  gboolean discont;
  gsize frames;

  if (!GST_AUDIO_INFO_IS_VALID (info)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  buffer = gst_audio_buffer_clip (buffer, &seat->segment,
      GST_AUDIO_INFO_RATE (info), GST_AUDIO_INFO_BPF (info));
  if (buffer == NULL)           /* entirely outside the segment */
    return GST_FLOW_OK;
  if (GST_BUFFER_PTS_IS_VALID (buffer))
    rt = gst_segment_to_running_time (&seat->segment, GST_FORMAT_TIME,
        GST_BUFFER_PTS (buffer));
  discont = GST_BUFFER_IS_DISCONT (buffer) ||
      GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_RESYNC);

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  frames = map.size / GST_AUDIO_INFO_BPF (info);
  if (frames > seat->scratch_frames) {
    /* mono output, then room to realign up to 8 bytes per input frame */
    g_free (seat->scratch);
    seat->scratch = g_new (gfloat, frames * 3);
    seat->scratch_frames = frames;
  }
  {
    const guint8 *data = map.data;

    if ((guintptr) data % sizeof (gfloat) != 0) {        /* unaligned input */
      memcpy (seat->scratch + frames, data,
          frames * GST_AUDIO_INFO_BPF (info));
      data = (const guint8 *) (seat->scratch + frames);
    }
    if (GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_S16)
      mixminus_load_s16 (seat->scratch, (const int16_t *) data, frames,
          GST_AUDIO_INFO_CHANNELS (info));
    else
      mixminus_load_f32 (seat->scratch, (const float *) data, frames,
          GST_AUDIO_INFO_CHANNELS (info));
  }
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);

  if (self->align_on_arrival && (clock = gst_element_get_clock (GST_ELEMENT (self)))) {
    /* when it arrived, and whether it is quiet enough to drop from */
    GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
    GstClockTime t = gst_clock_get_time (clock);

    now = t > base ? t - base : 0;
    peak = mixminus_peak (seat->scratch, frames);
    gst_object_unref (clock);
  }

  g_mutex_lock (&self->lock);
  if (self->flushing || seat->flushing || seat->released) {
    g_mutex_unlock (&self->lock);
    return GST_FLOW_FLUSHING;
  }
  if (GST_CLOCK_TIME_IS_VALID (now)
      && !gst_mix_minus_arrival_active_locked (self))
    now = GST_CLOCK_TIME_NONE;
  if (!self->started)
    gst_mix_minus_start_locked (self, GST_CLOCK_TIME_IS_VALID (now) ? now : rt);
  gst_mix_minus_ensure_ring_locked (self, seat);
  {
    gint64 at = GST_CLOCK_TIME_IS_VALID (now) ?
        gst_mix_minus_arrival_offset_locked (self, seat, rt, discont, now,
        frames, peak) : input_offset_locked (self, seat, rt, discont);

    seat->next_offset = at + (gint64) frames;
    seat->got_data = TRUE;
    ret = gst_mix_minus_write_locked (self, seat, at, seat->scratch, frames);
  }
  if (ret == GST_FLOW_OK)
    ret = self->flow_ret;
  g_mutex_unlock (&self->lock);
  return ret;
}

/* -------------------------------------------------------- src side */

static gboolean
src_seek (GstMixMinus * self, GstEvent * event)
{
  GstSeekFlags flags;
  GstSeekType start_type, stop_type;
  gint64 start, stop;
  GstFormat format;
  gdouble rate;
  guint32 seqnum = gst_event_get_seqnum (event);
  GPtrArray *pads = g_ptr_array_new_with_free_func (gst_object_unref);
  gboolean res = FALSE;

  gst_event_parse_seek (event, &rate, &format, &flags, &start_type, &start,
      &stop_type, &stop);
  if (format != GST_FORMAT_TIME || rate <= 0.0) {
    gst_event_unref (event);
    g_ptr_array_unref (pads);
    return FALSE;
  }

  /* Every sink downstream sends the same seek: handle it once. */
  g_mutex_lock (&self->lock);
  if (self->have_seek_seqnum && self->seek_seqnum == seqnum) {
    g_mutex_unlock (&self->lock);
    gst_event_unref (event);
    g_ptr_array_unref (pads);
    return TRUE;
  }
  self->seek_seqnum = seqnum;
  self->have_seek_seqnum = TRUE;
  self->seek_flushing = (flags & GST_SEEK_FLAG_FLUSH) != 0;
  gst_segment_do_seek (&self->out_segment, rate, format, flags, start_type,
      start, stop_type, stop, NULL);
  g_mutex_unlock (&self->lock);

  GST_OBJECT_LOCK (self);
  for (GList * l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    g_ptr_array_add (pads, gst_object_ref (l->data));
  GST_OBJECT_UNLOCK (self);
  for (guint i = 0; i < pads->len; i++)
    res |= gst_pad_push_event (g_ptr_array_index (pads, i),
        gst_event_ref (event));
  g_ptr_array_unref (pads);
  gst_event_unref (event);
  return res;
}

gboolean
gst_mix_minus_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEEK:
      return src_seek (GST_MIX_MINUS (parent), event);
    case GST_EVENT_RECONFIGURE:        /* checked on the pad's flag */
    case GST_EVENT_QOS:
    case GST_EVENT_NAVIGATION:
      gst_event_unref (event);
      return TRUE;
    default:
      return gst_pad_event_default (pad, parent, event);
  }
}

static gboolean
src_latency (GstMixMinus * self, GstQuery * query)
{
  GstClockTime min, max, own;
  gboolean live;

  gst_mix_minus_query_upstream_latency (self, &live, &min, &max);
  g_mutex_lock (&self->lock);
  self->upstream_live = live;
  self->upstream_min = min;
  live |= self->force_live;
  min = MAX (min, self->min_upstream_latency);
  own = self->period_duration + self->latency +
      gst_mix_minus_lookahead_duration_locked (self);
  g_mutex_unlock (&self->lock);
  gst_query_set_latency (query, live, min + own,
      GST_CLOCK_TIME_IS_VALID (max) ? max + own : GST_CLOCK_TIME_NONE);
  return TRUE;
}

gboolean
gst_mix_minus_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstMixMinus *self = GST_MIX_MINUS (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      return src_latency (self, query);
    case GST_QUERY_POSITION:{
      GstFormat format;
      gint64 position;

      gst_query_parse_position (query, &format, NULL);
      if (format != GST_FORMAT_TIME)
        return FALSE;
      g_mutex_lock (&self->lock);
      position = gst_segment_to_stream_time (&self->out_segment,
          GST_FORMAT_TIME, self->out_segment.position);
      g_mutex_unlock (&self->lock);
      gst_query_set_position (query, format, position);
      return TRUE;
    }
    case GST_QUERY_CAPS:{
      GstCaps *filter, *caps;

      gst_query_parse_caps (query, &filter);
      caps = sink_getcaps (self, pad, filter);
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    default:                   /* duration and the rest: ask the seats */
      return gst_pad_query_default (pad, parent, query);
  }
}

