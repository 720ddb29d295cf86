/* roomcast: how a room's mixes are encoded and paced: the leaky queue,
 * opusmonoenc and clocksync behind each of the mixer's outputs; see
 * room-media-private.h. */
#include "media/room-media-private.h"

/* What the mixer assumes upstream of a seat: the jitterbuffer
 * (JITTER_LATENCY_MS) plus network and decoder slack. */
#define UPSTREAM_SLACK_MS 20

/* Every encoder has a leaky queue in front. It holds what the mixer
 * renders ahead of the clocksync after the encoder: mixminus renders a
 * period as soon as every seat has delivered it, and the clocksync releases
 * it at its running time + its frame (below). When the clocksync still waited for
 * the whole upstream latency (230 ms measured) a 200 ms queue leaked a
 * steady 1-33 % of every packet. It holds the assumed upstream latency
 * plus ENCODER_QUEUE_MARGIN_MS (540 ms with the defaults), so it leaks only
 * when the encoder's thread is starved, and then a starved thread cannot
 * build up more stale audio than that. */
#define ENCODER_QUEUE_MARGIN_MS 500
#define ENCODER_QUEUE_DESC \
  "queue leaky=downstream max-size-time=%" G_GUINT64_FORMAT \
  " max-size-buffers=0 max-size-bytes=0"

/* Every encoder is followed by a clocksync, so packets leave at a steady
 * pace and never in a burst after a late period: a clocksync releases a
 * buffer at its running time + the latency upstream of it (the mixer's
 * deadline, see above, + the encoder's) + its ts-offset. Waiting for that
 * whole latency would hold every packet for the worst case (the deadline of
 * a seat that is late or lost) although the mix is finished as soon as the
 * seats delivered it: pace_clocksync() sets the ts-offset so that a packet
 * leaves at its running time + its frame's duration instead, when its last
 * sample is due (a period that was mixed later, at its deadline, leaves at
 * once). With 10 ms frames a 20 ms pace held every other packet 10 ms.
 * PACE_MS: the pace of a clocksync with no encoder in front. */
#define PACE_MS 20

/* The frame duration of the encoder (opusmonoenc, or opusenc: the same
 * frame-size property) in front of @sink, else PACE_MS. */
static guint
pace_ms (GstPad *sink)
{
  g_autoptr (GstPad) peer = gst_pad_get_peer (sink);
  g_autoptr (GstElement) encoder = peer ? gst_pad_get_parent_element (peer) : NULL;
  gint frame_ms = 0;

  if (encoder && g_object_class_find_property (G_OBJECT_GET_CLASS (encoder), "frame-size"))
    g_object_get (encoder, "frame-size", &frame_ms, NULL); /* 2 is 2.5 ms */
  return frame_ms >= 2 ? (guint) MAX (frame_ms, 3) : PACE_MS;
}

static void
pace_clocksync (GstElement *clocksync)
{
  g_autoptr (GstPad) sink = gst_element_get_static_pad (clocksync, "sink");
  g_autoptr (GstQuery) query = gst_query_new_latency ();
  GstClockTime min = 0;
  gboolean live = FALSE;

  if (sink == NULL || !gst_pad_peer_query (sink, query))
    return;
  gst_query_parse_latency (query, &live, &min, NULL);
  if (!live || !GST_CLOCK_TIME_IS_VALID (min))
    return;
  g_object_set (clocksync, "ts-offset",
                (gint64) (pace_ms (sink) * GST_MSECOND) -
                  (gint64) MIN (min, (GstClockTime) G_MAXINT64),
                NULL);
}

void
rc_room_media_pace_clocksyncs (GstBin *bin)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f && g_str_equal (GST_OBJECT_NAME (f), "clocksync"))
      pace_clocksync (e);
    g_value_reset (&item);
  }
  g_value_unset (&item);
}

guint64
rc_room_media_upstream_ns (const RcConfig *config)
{
  return (config->jitter_latency_ms + UPSTREAM_SLACK_MS) * GST_MSECOND;
}

/* The room's encoders are opusmonoenc (plugins/opus/: opusenc's settings
 * through libopus's one-stream API; opusenc's multistream calls cost 30 us
 * a frame more on a VM). Their Opus settings: 48 kHz mono, in-band FEC (for
 * a 10 % loss budget) and DTX where the mode has them (SILK); fills: bitrate
 * (OPUS_BITRATE), complexity (OPUS_COMPLEXITY), frame-size and audio-type:
 * OPUS_MIX_FRAME_MS and OPUS_MIX_AUDIO_TYPE for the shared mix,
 * OPUS_SPEAKER_FRAME_MS and OPUS_SPEAKER_AUDIO_TYPE for a speaker's own
 * mix-minus. */
#define OPUSENC_DESC \
  "opusmonoenc bitrate=%u complexity=%u frame-size=%u audio-type=%s inband-fec=true dtx=true " \
  "packet-loss-percentage=10"

char *
rc_room_media_encoder_desc (const RcConfig *config, gboolean own_mix)
{
  guint64 queue_ns = rc_room_media_upstream_ns (config) + ENCODER_QUEUE_MARGIN_MS * GST_MSECOND;

  return g_strdup_printf (ENCODER_QUEUE_DESC " ! " OPUSENC_DESC " ! clocksync", queue_ns,
                          config->opus_bitrate, config->opus_complexity,
                          own_mix ? config->opus_speaker_frame_ms : config->opus_mix_frame_ms,
                          rc_opus_audio_type_name (own_mix ? config->opus_speaker_audio_type
                                                           : config->opus_mix_audio_type));
}
