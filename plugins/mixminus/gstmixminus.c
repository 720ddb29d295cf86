/* roomcast: mixminus, O(N) mix-minus audio mixer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-mixminus
 * @title: mixminus
 *
 * Mixes the seats of an audio room and gives every seat the mix of everyone
 * but itself ("mix-minus"), plus one full mix for the listeners.
 *
 * Request a sink pad `sink_N` per seat (N < #GstMixMinus:seats) and a
 * source pad `src_N` for the speaker on seat N, who hears everyone but
 * himself; the always pad `mix` carries everyone. Inputs are F32 or S16,
 * mono or stereo (stereo is averaged to mono), each seat independently, all
 * at one rate: the first input's, or what downstream accepts (48 kHz
 * preferred), until the element goes back to READY. Outputs are mono, F32
 * unless their consumers only take S16.
 *
 * The total is summed once per sample and each output is the total minus
 * the seat's own input, so the cost grows with N, not N². Mixing is in
 * float; each output then goes through its own limiter (every output has a
 * different sum), so a loud room gets quieter instead of wrapping around,
 * clipping or distorting. The limiter rides a gain: exactly 1, so the
 * output is bit for bit the sum, while the output's peaks stay at or below
 * #GstMixMinus:limiter-threshold; above it the gain falls just enough, one
 * lookahead of 1 ms before the peak comes out, holds for 10 ms and recovers
 * with a 100 ms time constant. A loud steady tone comes out as the same
 * tone, quieter, and never beyond the threshold. The lookahead delays every
 * output by 1 ms (48 samples at 48 kHz) and is part of the reported
 * latency. Timestamps stay the inputs': an output's first buffer (after
 * the start, a flush, or when it is linked later) is 1 ms short, and when
 * every seat has ended the last 1 ms comes out as one short buffer before
 * EOS. #GstMixMinus:limiter=false gives the plain sum without delay (F32
 * outputs may then exceed full scale; S16 ones saturate).
 *
 * Timing follows #GstAggregator: the output is cut in periods of
 * #GstMixMinus:output-buffer-duration. A period goes out as soon as every
 * seat delivered it; with live inputs (or #GstMixMinus:force-live) it goes
 * out at the latest when the pipeline clock passes its running time plus
 * the upstream latency, one period and #GstMixMinus:latency, with the seats
 * that missed it as silence. The latency reported downstream is the
 * upstream latency plus one period plus #GstMixMinus:latency plus the
 * limiter's lookahead (each output buffer carries the mix of one lookahead
 * earlier, and so leaves that much after its own deadline). Seats and
 * outputs can be requested and released in PLAYING; stop or unlink what
 * feeds a seat before releasing it. Flushing seeks are sent to every seat.
 *
 * With #GstMixMinus:align-on-arrival and live timing, seats are placed by
 * when their input arrives instead of by its timestamps (which only tell a
 * gap from continuous input): the output follows the clock, a period goes
 * out at the latest when the clock passes its end plus #GstMixMinus:latency
 * (the upstream latency is not waited for), and each seat keeps its own
 * margin ahead of the output, grown when an input comes too late for its
 * period and shrunk (by dropping quiet samples) when it had slack to spare
 * for a second. Seats whose timestamps run late relative to their arrival
 * then no longer hold the others back. The reported latency stays the one
 * above, an upper bound.
 *
 * There is no mixer thread: the streaming thread that completes a period
 * (or the live timer) renders it and pushes it to every output. As with
 * `tee`, when several outputs end in sinks that preroll (a non-live
 * pipeline, or sinks with async=true), put a `queue` on each output branch.
 *
 * Every #GstMixMinus:level-interval (0 disables it) the element posts an
 * element message named `mixminus-levels` with these fields:
 *
 * * `timestamp` (guint64): buffer time of the first sample measured
 * * `stream-time`, `running-time` (guint64): the same in stream and running
 *   time
 * * `duration` (guint64): length of the measured interval
 * * `seats` (guint): number of entries in each array below
 * * `rms` (GstValueArray of gdouble): RMS of each seat's input in dBFS,
 *   indexed by seat; -200 means silence or no seat
 * * `peak` (GstValueArray of gdouble): absolute peak of each seat's input
 *   in dBFS, indexed by seat
 * * `active` (GstValueArray of gboolean): whether the seat delivered any
 *   input during the interval
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 mixminus name=m seats=3 \
 *   audiotestsrc is-live=true freq=300 volume=0.2 num-buffers=300 ! m.sink_0 \
 *   audiotestsrc is-live=true freq=500 volume=0.2 num-buffers=300 ! m.sink_1 \
 *   audiotestsrc is-live=true freq=700 volume=0.2 num-buffers=300 ! m.sink_2 \
 *   m.src_0 ! queue ! audioconvert ! autoaudiosink \
 *   m.src_1 ! queue ! fakesink  m.src_2 ! queue ! fakesink \
 *   m.mix ! queue ! opusenc ! oggmux ! filesink location=mix.ogg
 * ]| The speaker on seat 0 hears the 500 and 700 Hz tones; mix.ogg has all
 * three.
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include "gstmixminus-private.h"

#include <string.h>

GST_DEBUG_CATEGORY (gst_mix_minus_debug);
#define GST_CAT_DEFAULT gst_mix_minus_debug

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink_%u",
    GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS (GST_MIX_MINUS_SINK_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src_%u",
    GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS (GST_MIX_MINUS_OUT_CAPS));
static GstStaticPadTemplate mix_template = GST_STATIC_PAD_TEMPLATE ("mix",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_MIX_MINUS_OUT_CAPS));

enum
{
  PROP_0,
  PROP_SEATS,
  PROP_LEVEL_INTERVAL,
  PROP_LATENCY,
  PROP_MIN_UPSTREAM_LATENCY,
  PROP_OUTPUT_BUFFER_DURATION,
  PROP_START_TIME_SELECTION,
  PROP_START_TIME,
  PROP_IGNORE_INACTIVE_PADS,
  PROP_ALIGNMENT_THRESHOLD,
  PROP_FORCE_LIVE,
  PROP_LIMITER,
  PROP_LIMITER_THRESHOLD,
  PROP_ALIGN_ON_ARRIVAL,
};

enum
{
  PROP_PAD_0,
  PROP_PAD_SEAT,
};

/* ------------------------------------------------------------- pads */

G_DEFINE_TYPE (GstMixMinusPad, gst_mix_minus_pad, GST_TYPE_PAD);

static void
gst_mix_minus_pad_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  if (prop_id == PROP_PAD_SEAT)
    g_value_set_uint (value, GST_MIX_MINUS_PAD (object)->seat->index);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_mix_minus_pad_finalize (GObject * object)
{
  GstMixMinusPad *pad = GST_MIX_MINUS_PAD (object);

  g_clear_pointer (&pad->seat, gst_mix_minus_seat_unref);
  G_OBJECT_CLASS (gst_mix_minus_pad_parent_class)->finalize (object);
}

static void
gst_mix_minus_pad_class_init (GstMixMinusPadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->get_property = gst_mix_minus_pad_get_property;
  gobject_class->finalize = gst_mix_minus_pad_finalize;
  g_object_class_install_property (gobject_class, PROP_PAD_SEAT,
      g_param_spec_uint ("seat", "Seat",
          "Seat of this input: output src_N leaves out seat N", 0,
          MIXMINUS_MAX_SEATS - 1, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
gst_mix_minus_pad_init (GstMixMinusPad * pad)
{
}

G_DEFINE_TYPE (GstMixMinusSrcPad, gst_mix_minus_src_pad, GST_TYPE_PAD);

static void
gst_mix_minus_src_pad_class_init (GstMixMinusSrcPadClass * klass)
{
}

static void
gst_mix_minus_src_pad_init (GstMixMinusSrcPad * pad)
{
  pad->seat = -1;
  pad->need_stream_start = pad->need_caps = pad->need_segment = TRUE;
  pad->limiter_next = G_MAXUINT64;
}

#define parent_class gst_mix_minus_parent_class
G_DEFINE_TYPE (GstMixMinus, gst_mix_minus, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (mixminus, "mixminus", GST_RANK_NONE,
    GST_TYPE_MIX_MINUS);

/* Parses the N of "<prefix>N"; G_MAXUINT if the name is not that. */
static guint
parse_index (const gchar * name, const gchar * prefix)
{
  gsize len = strlen (prefix);
  gchar *end = NULL;
  guint64 n;

  if (name == NULL || !g_str_has_prefix (name, prefix) || name[len] == '\0')
    return G_MAXUINT;
  n = g_ascii_strtoull (name + len, &end, 10);
  return end && *end == '\0' && n < G_MAXUINT ? (guint) n : G_MAXUINT;
}

/* ---------------------------------------------------- pad requests */

static GstPad *
request_seat (GstMixMinus * self, GstPadTemplate * templ, const gchar * name)
{
  guint index = parse_index (name, "sink_");
  GstMixMinusPad *pad;
  gchar *pad_name;

  g_mutex_lock (&self->lock);
  if (index == G_MAXUINT && (name == NULL || strchr (name, '%')))
    for (guint s = 0; s < self->seats && index == G_MAXUINT; s++)
      if (self->seat[s] == NULL)
        index = s;
  if (index >= self->seats || self->seat[index]) {
    g_mutex_unlock (&self->lock);
    GST_WARNING_OBJECT (self, "no seat for %s (seats=%u)", GST_STR_NULL (name),
        self->seats);
    return NULL;
  }
  pad_name = g_strdup_printf ("sink_%u", index);
  pad = g_object_new (GST_TYPE_MIX_MINUS_PAD, "name", pad_name,
      "direction", GST_PAD_SINK, "template", templ, NULL);
  g_free (pad_name);
  pad->seat = gst_mix_minus_seat_new (index);
  self->seat[index] = gst_mix_minus_seat_ref (pad->seat);
  gst_mix_minus_ensure_ring_locked (self, pad->seat);
  self->latency_dirty = TRUE;
  g_cond_signal (&self->timer_cond);
  g_mutex_unlock (&self->lock);

  gst_pad_set_chain_function (GST_PAD (pad), gst_mix_minus_chain);
  gst_pad_set_event_function (GST_PAD (pad), gst_mix_minus_sink_event);
  gst_pad_set_query_function (GST_PAD (pad), gst_mix_minus_sink_query);
  gst_element_add_pad (GST_ELEMENT (self), GST_PAD (pad));
  return GST_PAD (pad);
}

static GstMixMinusSrcPad *
new_output_pad (GstMixMinus * self, GstPadTemplate * templ,
    const gchar * name, gint seat)
{
  GstMixMinusSrcPad *pad = g_object_new (GST_TYPE_MIX_MINUS_SRC_PAD,
      "name", name, "direction", GST_PAD_SRC, "template", templ, NULL);

  pad->seat = seat;
  gst_pad_set_event_function (GST_PAD (pad), gst_mix_minus_src_event);
  gst_pad_set_query_function (GST_PAD (pad), gst_mix_minus_src_query);
  return pad;
}

static GstPad *
request_output (GstMixMinus * self, GstPadTemplate * templ,
    const gchar * name)
{
  guint index = parse_index (name, "src_");
  GstMixMinusSrcPad *pad;
  gchar *pad_name;

  g_mutex_lock (&self->lock);
  if (index == G_MAXUINT && (name == NULL || strchr (name, '%')))
    for (guint s = 0; s < self->seats && index == G_MAXUINT; s++)
      if (self->output[s] == NULL)
        index = s;
  if (index >= self->seats || self->output[index]) {
    g_mutex_unlock (&self->lock);
    GST_WARNING_OBJECT (self, "no output for %s (seats=%u)",
        GST_STR_NULL (name), self->seats);
    return NULL;
  }
  pad_name = g_strdup_printf ("src_%u", index);
  pad = new_output_pad (self, templ, pad_name, (gint) index);
  g_free (pad_name);
  self->output[index] = pad;
  gst_flow_combiner_add_pad (self->flow_combiner, GST_PAD (pad));
  self->need_negotiate = TRUE;  /* one more consumer to agree with */
  g_mutex_unlock (&self->lock);

  gst_element_add_pad (GST_ELEMENT (self), GST_PAD (pad));
  return GST_PAD (pad);
}

static GstPad *
gst_mix_minus_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * name, const GstCaps * caps)
{
  GstMixMinus *self = GST_MIX_MINUS (element);

  if (GST_PAD_TEMPLATE_DIRECTION (templ) == GST_PAD_SINK)
    return request_seat (self, templ, name);
  return request_output (self, templ, name);
}

static void
gst_mix_minus_release_pad (GstElement * element, GstPad * pad)
{
  GstMixMinus *self = GST_MIX_MINUS (element);

  if (GST_IS_MIX_MINUS_PAD (pad)) {
    GstMixMinusSeat *seat = GST_MIX_MINUS_PAD (pad)->seat;

    /* Wake the seat's thread if it waits for ring space; the output no
     * longer waits for this seat. */
    g_mutex_lock (&self->lock);
    seat->released = TRUE;
    if (self->seat[seat->index] == seat) {
      self->seat[seat->index] = NULL;
      gst_mix_minus_seat_unref (seat);
    }
    self->latency_dirty = TRUE;
    g_cond_broadcast (&self->space_cond);
    g_cond_signal (&self->timer_cond);
    g_mutex_unlock (&self->lock);
    gst_element_remove_pad (element, pad);

    /* Seats that waited for this one may now complete a period. Live, the
     * timer takes care of it; otherwise do it here, or nobody may. */
    g_mutex_lock (&self->lock);
    if (!self->force_live && !self->upstream_live)
      gst_mix_minus_try_output_locked (self);
    g_mutex_unlock (&self->lock);
    return;
  }

  g_mutex_lock (&self->lock);
  for (guint s = 0; s < MIXMINUS_MAX_SEATS; s++)
    if (self->output[s] == (GstMixMinusSrcPad *) pad)
      self->output[s] = NULL;
  gst_flow_combiner_remove_pad (self->flow_combiner, pad);
  g_mutex_unlock (&self->lock);
  gst_element_remove_pad (element, pad);
}

/* ----------------------------------------------------------- states */

static void
stop_streaming (GstMixMinus * self)
{
  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  self->timer_running = FALSE;
  self->playing = FALSE;
  if (self->timer_id)
    gst_clock_id_unschedule (self->timer_id);
  g_cond_broadcast (&self->space_cond);
  g_cond_broadcast (&self->timer_cond);
  g_mutex_unlock (&self->lock);
  gst_task_stop (self->timer);
  gst_task_join (self->timer);
}

static GstStateChangeReturn
gst_mix_minus_change_state (GstElement * element, GstStateChange transition)
{
  GstMixMinus *self = GST_MIX_MINUS (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      g_mutex_lock (&self->lock);
      gst_mix_minus_reset_locked (self, TRUE);
      self->flushing = FALSE;
      self->timer_running = TRUE;
      self->group_id = gst_util_group_id_next ();
      g_mutex_unlock (&self->lock);
      gst_task_start (self->timer);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      g_mutex_lock (&self->lock);
      self->playing = TRUE;
      self->latency_dirty = TRUE;
      g_cond_signal (&self->timer_cond);
      g_mutex_unlock (&self->lock);
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      g_mutex_lock (&self->lock);
      self->playing = FALSE;
      if (self->timer_id)
        gst_clock_id_unschedule (self->timer_id);
      g_mutex_unlock (&self->lock);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      stop_streaming (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    g_mutex_lock (&self->lock);
    gst_mix_minus_wait_output_locked (self);
    gst_mix_minus_reset_locked (self, TRUE);
    g_mutex_unlock (&self->lock);
  }
  return ret;
}

/* ------------------------------------------------------- properties */

static void
gst_mix_minus_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMixMinus *self = GST_MIX_MINUS (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_SEATS:{
      guint seats = g_value_get_uint (value);
      gboolean ok = GST_STATE (self) <= GST_STATE_READY;

      for (guint s = seats; s < MIXMINUS_MAX_SEATS; s++)
        ok = ok && self->seat[s] == NULL && self->output[s] == NULL;
      if (ok)
        self->seats = seats;
      else
        GST_WARNING_OBJECT (self, "seats can only change in the NULL or "
            "READY state and not below a requested pad");
      break;
    }
    case PROP_LEVEL_INTERVAL:
      self->level_interval = g_value_get_uint64 (value);
      break;
    case PROP_LATENCY:
      self->latency = g_value_get_uint64 (value);
      break;
    case PROP_MIN_UPSTREAM_LATENCY:
      self->min_upstream_latency = g_value_get_uint64 (value);
      break;
    case PROP_OUTPUT_BUFFER_DURATION:
      if (self->rate == 0)
        self->period_duration = g_value_get_uint64 (value);
      else
        GST_WARNING_OBJECT (self, "output-buffer-duration is fixed while "
            "streaming");
      break;
    case PROP_START_TIME_SELECTION:
      self->start_time_selection = g_value_get_enum (value);
      break;
    case PROP_START_TIME:
      self->start_time = g_value_get_uint64 (value);
      break;
    case PROP_IGNORE_INACTIVE_PADS:
      self->ignore_inactive_pads = g_value_get_boolean (value);
      break;
    case PROP_ALIGNMENT_THRESHOLD:
      self->alignment_threshold = g_value_get_uint64 (value);
      break;
    case PROP_FORCE_LIVE:
      self->force_live = g_value_get_boolean (value);
      g_cond_signal (&self->timer_cond);
      break;
    case PROP_LIMITER:
      /* the lookahead is part of the latency and fixed with the rate */
      if (self->rate == 0)
        self->limiter = g_value_get_boolean (value);
      else
        GST_WARNING_OBJECT (self, "limiter is fixed while streaming");
      break;
    case PROP_LIMITER_THRESHOLD:
      self->limiter_threshold = g_value_get_double (value);
      break;
    case PROP_ALIGN_ON_ARRIVAL:
      self->align_on_arrival = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_mix_minus_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMixMinus *self = GST_MIX_MINUS (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_SEATS:
      g_value_set_uint (value, self->seats);
      break;
    case PROP_LEVEL_INTERVAL:
      g_value_set_uint64 (value, self->level_interval);
      break;
    case PROP_LATENCY:
      g_value_set_uint64 (value, self->latency);
      break;
    case PROP_MIN_UPSTREAM_LATENCY:
      g_value_set_uint64 (value, self->min_upstream_latency);
      break;
    case PROP_OUTPUT_BUFFER_DURATION:
      g_value_set_uint64 (value, self->period_duration);
      break;
    case PROP_START_TIME_SELECTION:
      g_value_set_enum (value, self->start_time_selection);
      break;
    case PROP_START_TIME:
      g_value_set_uint64 (value, self->start_time);
      break;
    case PROP_IGNORE_INACTIVE_PADS:
      g_value_set_boolean (value, self->ignore_inactive_pads);
      break;
    case PROP_ALIGNMENT_THRESHOLD:
      g_value_set_uint64 (value, self->alignment_threshold);
      break;
    case PROP_FORCE_LIVE:
      g_value_set_boolean (value, self->force_live);
      break;
    case PROP_LIMITER:
      g_value_set_boolean (value, self->limiter);
      break;
    case PROP_LIMITER_THRESHOLD:
      g_value_set_double (value, self->limiter_threshold);
      break;
    case PROP_ALIGN_ON_ARRIVAL:
      g_value_set_boolean (value, self->align_on_arrival);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_mix_minus_finalize (GObject * object)
{
  GstMixMinus *self = GST_MIX_MINUS (object);

  for (guint s = 0; s < MIXMINUS_MAX_SEATS; s++)
    g_clear_pointer (&self->seat[s], gst_mix_minus_seat_unref);
  gst_object_unref (self->timer);
  g_rec_mutex_clear (&self->timer_task_lock);
  gst_flow_combiner_free (self->flow_combiner);
  g_free (self->total);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->space_cond);
  g_cond_clear (&self->timer_cond);
  g_cond_clear (&self->token_cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
install_uint64 (GObjectClass * klass, guint id, const gchar * name,
    const gchar * nick, const gchar * blurb, guint64 min, guint64 def,
    GParamFlags extra)
{
  g_object_class_install_property (klass, id,
      g_param_spec_uint64 (name, nick, blurb, min, G_MAXUINT64, def,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | extra));
}

static void
gst_mix_minus_class_init (GstMixMinusClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_mix_minus_debug, "mixminus", 0,
      "mix-minus audio mixer");

  gobject_class->set_property = gst_mix_minus_set_property;
  gobject_class->get_property = gst_mix_minus_get_property;
  gobject_class->finalize = gst_mix_minus_finalize;

  g_object_class_install_property (gobject_class, PROP_SEATS,
      g_param_spec_uint ("seats", "Seats",
          "Number of seats: sink_N and src_N exist for N < seats",
          1, MIXMINUS_MAX_SEATS, GST_MIX_MINUS_DEFAULT_SEATS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  install_uint64 (gobject_class, PROP_LEVEL_INTERVAL, "level-interval",
      "Level interval", "Nanoseconds between 'mixminus-levels' element "
      "messages with each seat's RMS and peak in dBFS (0 = no messages)",
      0, GST_MIX_MINUS_DEFAULT_LEVEL_INTERVAL, GST_PARAM_MUTABLE_PLAYING);
  install_uint64 (gobject_class, PROP_LATENCY, "latency", "Buffer latency",
      "Extra nanoseconds to wait for late seats in live mode, added to the "
      "reported latency", 0, 0, GST_PARAM_MUTABLE_PLAYING);
  install_uint64 (gobject_class, PROP_MIN_UPSTREAM_LATENCY,
      "min-upstream-latency", "Minimum upstream latency",
      "Assume at least this upstream latency (ns), so seats with more "
      "latency can join later without being cut", 0, 0,
      GST_PARAM_MUTABLE_PLAYING);
  install_uint64 (gobject_class, PROP_OUTPUT_BUFFER_DURATION,
      "output-buffer-duration", "Output buffer duration",
      "Mixing period and output buffer length in nanoseconds; part of the "
      "reported latency", GST_MSECOND, GST_MIX_MINUS_DEFAULT_PERIOD,
      GST_PARAM_MUTABLE_READY);
  g_object_class_install_property (gobject_class, PROP_START_TIME_SELECTION,
      g_param_spec_enum ("start-time-selection", "Start time selection",
          "Running time of the first output: zero, that of the first input "
          "(first; best for live rooms joined late), or start-time (set)",
          gst_aggregator_start_time_selection_get_type (),
          GST_AGGREGATOR_START_TIME_SELECTION_ZERO,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  install_uint64 (gobject_class, PROP_START_TIME, "start-time", "Start time",
      "Running time of the first output when start-time-selection=set (ns)",
      0, GST_CLOCK_TIME_NONE, GST_PARAM_MUTABLE_READY);
  g_object_class_install_property (gobject_class, PROP_IGNORE_INACTIVE_PADS,
      g_param_spec_boolean ("ignore-inactive-pads", "Ignore inactive pads",
          "In live mode, do not wait for seats that never delivered data",
          FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  install_uint64 (gobject_class, PROP_ALIGNMENT_THRESHOLD,
      "alignment-threshold", "Alignment threshold",
      "Timestamp jitter (ns) absorbed on a seat before it is resynced", 0,
      GST_MIX_MINUS_DEFAULT_ALIGNMENT_THRESHOLD, GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property (gobject_class, PROP_FORCE_LIVE,
      g_param_spec_boolean ("force-live", "Force live",
          "Run on the clock even with no seat or only non-live seats: a "
          "room nobody speaks in still streams silence",
          FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LIMITER,
      g_param_spec_boolean ("limiter", "Limiter",
          "Keep every output at or below limiter-threshold by riding its "
          "gain (delays the outputs by 1 ms, added to the latency); false "
          "gives the plain sum",
          GST_MIX_MINUS_DEFAULT_LIMITER, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LIMITER_THRESHOLD,
      g_param_spec_double ("limiter-threshold", "Limiter threshold",
          "Peak level (dBFS) the limiter keeps every output at or below; "
          "quieter outputs are the exact sum", -40.0, 0.0,
          GST_MIX_MINUS_DEFAULT_LIMITER_THRESHOLD, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ALIGN_ON_ARRIVAL,
      g_param_spec_boolean ("align-on-arrival", "Align on arrival",
          "With live timing, place each seat's input by when it arrives "
          "(each seat with its own adaptive jitter margin) instead of by "
          "its timestamps, and force a period out once its end plus "
          "latency has passed",
          GST_MIX_MINUS_DEFAULT_ALIGN_ON_ARRIVAL, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &sink_template, GST_TYPE_MIX_MINUS_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &src_template, GST_TYPE_MIX_MINUS_SRC_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &mix_template, GST_TYPE_MIX_MINUS_SRC_PAD);
  gst_element_class_set_static_metadata (element_class,
      "Mix-minus audio mixer", "Generic/Audio/Mixer",
      "Mixes N seats and outputs, for each seat, everyone but that seat "
      "(src_N) and everyone (mix), with a limiter and per-seat levels",
      "roomcast developers");

  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_mix_minus_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_mix_minus_release_pad);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_mix_minus_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_MIX_MINUS_PAD, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MIX_MINUS_SRC_PAD, 0);
}

static void
gst_mix_minus_init (GstMixMinus * self)
{
  GstPadTemplate *templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self), "mix");

  g_mutex_init (&self->lock);
  g_cond_init (&self->space_cond);
  g_cond_init (&self->timer_cond);
  g_cond_init (&self->token_cond);
  self->seats = GST_MIX_MINUS_DEFAULT_SEATS;
  self->level_interval = GST_MIX_MINUS_DEFAULT_LEVEL_INTERVAL;
  self->period_duration = GST_MIX_MINUS_DEFAULT_PERIOD;
  self->alignment_threshold = GST_MIX_MINUS_DEFAULT_ALIGNMENT_THRESHOLD;
  self->limiter = GST_MIX_MINUS_DEFAULT_LIMITER;
  self->limiter_threshold = GST_MIX_MINUS_DEFAULT_LIMITER_THRESHOLD;
  self->align_on_arrival = GST_MIX_MINUS_DEFAULT_ALIGN_ON_ARRIVAL;
  self->start_time_selection = GST_AGGREGATOR_START_TIME_SELECTION_ZERO;
  self->start_time = GST_CLOCK_TIME_NONE;
  self->flow_combiner = gst_flow_combiner_new ();
  self->flushing = TRUE;
  gst_audio_info_init (&self->out_info);
  gst_segment_init (&self->out_segment, GST_FORMAT_TIME);
  self->need_negotiate = TRUE;
  self->level_start = GST_CLOCK_TIME_NONE;

  g_rec_mutex_init (&self->timer_task_lock);
  self->timer = gst_task_new (gst_mix_minus_timer_loop, self, NULL);
  gst_task_set_lock (self->timer, &self->timer_task_lock);

  self->mix_pad = new_output_pad (self, templ, "mix", -1);
  gst_flow_combiner_add_pad (self->flow_combiner, GST_PAD (self->mix_pad));
  gst_element_add_pad (GST_ELEMENT (self), GST_PAD (self->mix_pad));
}
