/* roomcast: mixminus internals shared by the element's files:
 *   gstmixminus.c         the element: properties, pad requests, states
 *   gstmixminus-pads.c    pad functions: chain, events, queries
 *   gstmixminus-output.c  timeline, rendering and pushing of periods
 *   gstmixminus-levels.c  the mixminus-levels messages
 *   gstmixminus-timer.c   live deadlines and the upstream latency
 *   gstmixminus-arrival.c placement of live seats by arrival
 * Not installed, not API.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_MIX_MINUS_PRIVATE_H__
#define __GST_MIX_MINUS_PRIVATE_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/base/gstaggregator.h>
#include <gst/base/gstflowcombiner.h>

#include "gstmixminus.h"
#include "mixminus-kernel.h"
#include "mixminus-ring.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_mix_minus_debug);

/* Output periods each seat's ring holds: how far one seat may run ahead of
 * the slowest before its streaming thread waits. */
#define GST_MIX_MINUS_RING_PERIODS 128

#define GST_MIX_MINUS_SINK_CAPS \
  "audio/x-raw, format = (string) { " GST_AUDIO_NE (F32) ", " \
  GST_AUDIO_NE (S16) " }, rate = (int) [ 1, MAX ], " \
  "channels = (int) [ 1, 2 ], layout = (string) interleaved"
#define GST_MIX_MINUS_OUT_CAPS \
  "audio/x-raw, format = (string) { " GST_AUDIO_NE (F32) ", " \
  GST_AUDIO_NE (S16) " }, rate = (int) [ 1, MAX ], " \
  "channels = (int) 1, layout = (string) interleaved"

#define GST_MIX_MINUS_DEFAULT_SEATS 10
#define GST_MIX_MINUS_DEFAULT_LEVEL_INTERVAL (100 * GST_MSECOND)
#define GST_MIX_MINUS_DEFAULT_PERIOD (10 * GST_MSECOND)
#define GST_MIX_MINUS_DEFAULT_ALIGNMENT_THRESHOLD (40 * GST_MSECOND)
#define GST_MIX_MINUS_DEFAULT_LIMITER TRUE
#define GST_MIX_MINUS_DEFAULT_ALIGN_ON_ARRIVAL FALSE
#define GST_MIX_MINUS_DEFAULT_LIMITER_THRESHOLD (-1.0)  /* dBFS */

/* One seat: its input pad's state and its ring. Reference counted because
 * the output thread reads the ring without the lock while the pad may be
 * released. Fields are protected by the element lock unless noted. */
typedef struct
{
  gint ref;                     /* atomic */
  guint index;
  gboolean released;
  gboolean flushing;
  gboolean eos;
  guint64 eos_offset;           /* where its input ended (ring.filled at EOS;
                                 * later silence does not move it) */
  gboolean got_data;            /* received a buffer since the last reset */
  GstAudioInfo info;            /* input format; rate is the element's */
  GstSegment segment;
  gint64 next_offset;           /* expected offset of the next input sample,
                                 * -1 to resync on the next timestamp */
  MixMinusRing ring;
  gfloat *storage;              /* ring.data, NULL until the rate is known */
  MixMinusLevel level;          /* since the last levels message */
  gboolean level_active;

  /* align-on-arrival (gstmixminus-arrival.c), in output samples */
  GstClockTime next_rt;         /* running time of the next input if
                                 * continuous, NONE if unknown */
  gint64 margin;                /* placed ahead of the output on a resync */
  gint64 slack_min[2];          /* least slack, this window and the last */
  guint64 window_frames;        /* input in this window */
  gint64 drop;                  /* samples to drop from quiet input */

  /* Only used by this pad's streaming thread. */
  gfloat *scratch;
  gsize scratch_frames;
} GstMixMinusSeat;

struct _GstMixMinusPad
{
  GstPad parent;
  GstMixMinusSeat *seat;        /* owned reference */
};

#define GST_TYPE_MIX_MINUS_PAD (gst_mix_minus_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstMixMinusPad, gst_mix_minus_pad,
    GST, MIX_MINUS_PAD, GstPad)

struct _GstMixMinusSrcPad
{
  GstPad parent;
  gint seat;                    /* the seat left out, -1 for "mix" */
  /* element lock: sticky events still to send before the next buffer */
  gboolean need_stream_start;
  gboolean need_caps;
  gboolean need_segment;

  /* This output's limiter, used by the output token holder only (reset
   * also by gst_mix_minus_reset_locked, when nobody holds the token). */
  MixMinusLimiter limiter;
  guint64 limiter_next;         /* output offset it expects next; anything
                                 * else (a reset, unlinked periods) restarts
                                 * it */
  guint64 limiter_skip;         /* leading silence of a restarted delay line
                                 * still to drop */
};

#define GST_TYPE_MIX_MINUS_SRC_PAD (gst_mix_minus_src_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstMixMinusSrcPad, gst_mix_minus_src_pad,
    GST, MIX_MINUS_SRC_PAD, GstPad)

struct _GstMixMinus
{
  GstElement parent;

  GstMixMinusSrcPad *mix_pad;

  GMutex lock;
  GCond space_cond;             /* ring space, token release, flushing */
  GCond timer_cond;             /* the live timer may have work */
  GCond token_cond;             /* the output token was released */
  guint token_waiters;

  /* Properties. */
  guint seats;
  guint64 level_interval;
  guint64 latency;
  guint64 min_upstream_latency;
  guint64 period_duration;
  guint64 alignment_threshold;
  GstAggregatorStartTimeSelection start_time_selection;
  guint64 start_time;
  gboolean ignore_inactive_pads;
  gboolean force_live;
  gboolean limiter;
  gdouble limiter_threshold;    /* dBFS */
  gboolean align_on_arrival;
  gint64 clock_pos;             /* align-on-arrival: output offset of the
                                 * clock when last read */

  GstMixMinusSeat *seat[MIXMINUS_MAX_SEATS];    /* one reference each */
  GstMixMinusSrcPad *output[MIXMINUS_MAX_SEATS];        /* src_%u, weak */

  /* Timeline, in samples of the output. */
  gint rate;                    /* shared by every input and output */
  guint64 period;               /* samples per output buffer */
  guint64 capacity;             /* samples per seat ring */
  gboolean started;
  GstClockTime out_rt0;         /* running time of output offset 0 */
  guint64 out_offset;           /* start of the next period to output */
  guint64 consumed;             /* rings are free below this */
  guint64 forced_until;         /* output up to here without waiting */
  guint64 last_wake;            /* consumed when waiters were last woken */
  guint waiters;
  gboolean outputting;          /* some thread holds the output token */
  gfloat *total;                /* [period] render scratch, token holder */
  MixMinusLimiterConfig limiter_config; /* for the rate, when limiting */
  guint64 lookahead;            /* samples the limiter delays the output:
                                 * fixed with the rate, 0 without limiter */
  guint64 silent_run;           /* token holder: silent input samples up to
                                 * out_offset (for GAP with the delay) */
  guint epoch;                  /* bumped by every reset */
  gboolean flushing;
  gboolean eos_sent;
  gboolean playing;
  GstSegment out_segment;
  GstAudioInfo out_info;        /* negotiated output format, mono */
  gboolean need_negotiate;
  guint group_id;
  GstFlowCombiner *flow_combiner;
  GstFlowReturn flow_ret;

  /* Seeks and flushes. */
  guint32 seek_seqnum;
  gboolean have_seek_seqnum;
  gboolean seek_flushing;       /* a flushing seek of ours is in progress */

  /* Live timing. */
  gboolean upstream_live;
  GstClockTime upstream_min;
  gboolean latency_dirty;
  GstTask *timer;
  GRecMutex timer_task_lock;
  GstClockID timer_id;
  gboolean timer_running;
  gboolean timer_parked;        /* waiting on timer_cond, not the clock */

  /* Levels window. */
  guint64 level_frames;
  GstClockTime level_start;
};

/* gstmixminus-pads.c */
GstFlowReturn gst_mix_minus_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer);
gboolean gst_mix_minus_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
gboolean gst_mix_minus_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query);
gboolean gst_mix_minus_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
gboolean gst_mix_minus_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query);

/* gstmixminus-output.c */
GstMixMinusSeat *gst_mix_minus_seat_new (guint index);
GstMixMinusSeat *gst_mix_minus_seat_ref (GstMixMinusSeat * seat);
void gst_mix_minus_seat_unref (GstMixMinusSeat * seat);

void gst_mix_minus_set_rate_locked (GstMixMinus * self, gint rate);
void gst_mix_minus_ensure_ring_locked (GstMixMinus * self,
    GstMixMinusSeat * seat);
void gst_mix_minus_start_locked (GstMixMinus * self, GstClockTime first_rt);
void gst_mix_minus_reset_locked (GstMixMinus * self, gboolean full);
void gst_mix_minus_try_output_locked (GstMixMinus * self);
void gst_mix_minus_wait_output_locked (GstMixMinus * self);
void gst_mix_minus_wake_waiters_locked (GstMixMinus * self);
gboolean gst_mix_minus_negotiate (GstMixMinus * self);
GstCaps *gst_mix_minus_output_peer_caps (GstMixMinus * self, GstCaps * caps);
GstFlowReturn gst_mix_minus_write_locked (GstMixMinus * self,
    GstMixMinusSeat * seat, gint64 at, const gfloat * samples,
    guint64 frames);
GstClockTime gst_mix_minus_offset_to_running_time (GstMixMinus * self,
    guint64 offset);
GstClockTime gst_mix_minus_lookahead_duration_locked (GstMixMinus * self);

/* gstmixminus-levels.c */
GstMessage *gst_mix_minus_account_levels_locked (GstMixMinus * self,
    const MixMinusLevel * level, const gboolean * active, guint64 frames,
    GstClockTime pts, GstClockTime end);

/* gstmixminus-arrival.c */
gboolean gst_mix_minus_arrival_active_locked (GstMixMinus * self);
void gst_mix_minus_arrival_reset (GstMixMinusSeat * seat);
gint64 gst_mix_minus_arrival_position_locked (GstMixMinus * self,
    GstClockTime rt);
gint64 gst_mix_minus_arrival_offset_locked (GstMixMinus * self,
    GstMixMinusSeat * seat, GstClockTime rt, gboolean discont,
    GstClockTime now, guint64 frames, gfloat peak);

/* gstmixminus-timer.c */
gboolean gst_mix_minus_query_upstream_latency (GstMixMinus * self,
    gboolean * live, GstClockTime * min, GstClockTime * max);
void gst_mix_minus_timer_loop (gpointer user_data);

G_END_DECLS

#endif /* __GST_MIX_MINUS_PRIVATE_H__ */
