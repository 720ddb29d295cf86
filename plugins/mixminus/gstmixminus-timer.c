/* roomcast: mixminus live timing
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The upstream latency query, and the timer task that forces a period out
 * at its live deadline when some seat has not delivered it: the period's
 * running time + the upstream latency + one period + the latency property,
 * as GstAggregator computes it (without the upstream latency when seats are
 * placed by arrival, gstmixminus-arrival.c). The task only waits on the clock in
 * PLAYING with live inputs (or force-live); otherwise it sleeps on a
 * condition.
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include "gstmixminus-private.h"

#define GST_CAT_DEFAULT gst_mix_minus_debug

gboolean
gst_mix_minus_query_upstream_latency (GstMixMinus * self, gboolean * live,
    GstClockTime * min, GstClockTime * max)
{
  GPtrArray *pads = g_ptr_array_new_with_free_func (gst_object_unref);

  GST_OBJECT_LOCK (self);
  for (GList * l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    g_ptr_array_add (pads, gst_object_ref (l->data));
  GST_OBJECT_UNLOCK (self);

  *live = FALSE;
  *min = 0;
  *max = GST_CLOCK_TIME_NONE;
  for (guint i = 0; i < pads->len; i++) {
    GstPad *pad = g_ptr_array_index (pads, i);
    GstQuery *q = gst_query_new_latency ();
    gboolean l;
    GstClockTime mn, mx;

    if (gst_pad_peer_query (pad, q)) {
      gst_query_parse_latency (q, &l, &mn, &mx);
      if (l) {
        *live = TRUE;
        *min = MAX (*min, mn);
        if (GST_CLOCK_TIME_IS_VALID (mx))
          *max = GST_CLOCK_TIME_IS_VALID (*max) ? MIN (*max, mx) : mx;
      }
    }
    gst_query_unref (q);
  }
  g_ptr_array_unref (pads);
  return TRUE;
}

/* One round of the live timer: wait for the oldest period's deadline and
 * force it out if its seats are still missing. Runs as a GstTask. */
void
gst_mix_minus_timer_loop (gpointer user_data)
{
  GstMixMinus *self = GST_MIX_MINUS (user_data);
  GstClock *clock;
  GstClockID id;
  GstClockTime deadline, upstream;
  GstClockReturn res;
  guint64 start;

  g_mutex_lock (&self->lock);
  if (self->timer_running && self->playing && self->latency_dirty) {
    gboolean live;
    GstClockTime min, max;

    self->latency_dirty = FALSE;
    g_mutex_unlock (&self->lock);
    gst_mix_minus_query_upstream_latency (self, &live, &min, &max);
    g_mutex_lock (&self->lock);
    self->upstream_live = live;
    self->upstream_min = min;
  }
  if (self->timer_running && self->playing && self->force_live
      && !self->started && !self->flushing) {
    if (self->rate == 0) {
      g_mutex_unlock (&self->lock);
      gst_mix_minus_negotiate (self);
      g_mutex_lock (&self->lock);
    }
    clock = gst_element_get_clock (GST_ELEMENT (self));
    if (self->rate > 0 && clock) {
      /* nobody spoke yet: with start-time-selection=first, start now */
      GstClockTime now = gst_clock_get_time (clock);
      GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));

      gst_mix_minus_start_locked (self, now > base ? now - base : 0);
    }
    if (clock)
      gst_object_unref (clock);
  }
  clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!self->timer_running || !self->playing || !self->started
      || self->flushing || self->eos_sent || self->period == 0 || !clock
      || !(self->force_live || self->upstream_live)
      || self->forced_until >= self->out_offset + self->period) {
    /* Nothing to time; or the period is already forced and the thread
     * that holds the output (maybe blocked downstream) will send it: the
     * output wakes us when it moves on. */
    if (self->timer_running) {
      self->timer_parked = TRUE;
      g_cond_wait (&self->timer_cond, &self->lock);
      self->timer_parked = FALSE;
    }
    g_mutex_unlock (&self->lock);
    if (clock)
      gst_object_unref (clock);
    return;
  }

  start = self->out_offset;
  /* placed by arrival, the seats are already as late as they need to be */
  upstream = gst_mix_minus_arrival_active_locked (self) ? 0 :
      MAX (self->upstream_min, self->min_upstream_latency);
  deadline = gst_element_get_base_time (GST_ELEMENT (self)) +
      gst_mix_minus_offset_to_running_time (self, start) + upstream +
      self->period_duration + self->latency;
  id = gst_clock_new_single_shot_id (clock, deadline);
  self->timer_id = id;
  g_mutex_unlock (&self->lock);

  res = gst_clock_id_wait (id, NULL);

  /* The timer is not re-armed each time a period goes out on time (that
   * would cost a wake-up per period): when it wakes for a period already
   * gone, it simply re-arms for the current one, whose deadline is later. */
  g_mutex_lock (&self->lock);
  self->timer_id = NULL;
  if (res != GST_CLOCK_UNSCHEDULED && self->timer_running && self->started
      && !self->flushing && !self->latency_dirty
      && self->out_offset == start) {
    GST_LOG_OBJECT (self, "deadline %" GST_TIME_FORMAT " passed",
        GST_TIME_ARGS (deadline));
    self->forced_until = MAX (self->forced_until, start + self->period);
    self->clock_pos = MAX (self->clock_pos, (gint64) (start + self->period));
    gst_mix_minus_try_output_locked (self);
  }
  g_mutex_unlock (&self->lock);
  gst_clock_id_unref (id);
  gst_object_unref (clock);
}
