/* roomcast: opusmonodec, a mono Opus decoder on libopus's one-stream API
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-opusmonodec
 * @title: opusmonodec
 *
 * Decodes an Opus stream (channel mapping family 0: one stream, mono or
 * stereo) to mono 48 kHz F32 for a mixer. It does what `opusdec plc=true`
 * does for a room's speaker, through libopus's one-stream API
 * (opus_decode_float): `opusdec` goes through the multistream API, whose
 * every call recomputes the size of each stream's decoder, and libopus
 * 1.3.1 runs its CPU detection (the `cpuid` instruction) inside that
 * computation; on a virtual machine every `cpuid` traps to the hypervisor
 * (7 µs each measured on the benchmark's VM), so a 20 ms packet took 70 µs
 * to decode there instead of 11 (docs/performance.md).
 *
 * With the base class's `plc` property set, a GAP event (the jitterbuffer
 * declaring a packet lost) is concealed with Opus PLC for the gap's
 * duration. A packet libopus cannot decode is concealed the same way (its
 * duration taken from the packet's TOC when it can be read, else the last
 * packet's), counted, and logged: one bad packet from a client never stops
 * the stream. There is no in-band FEC decoding: use `opusdec
 * use-inband-fec=true` for that (it holds every packet until the next).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 audiotestsrc num-buffers=100 ! opusenc ! rtpopuspay ! \
 *     rtpopusdepay ! opusmonodec plc=true ! audioconvert ! autoaudiosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include <opus.h>

#include "gstopusmonodec.h"

GST_DEBUG_CATEGORY_STATIC (gst_opus_mono_dec_debug);
#define GST_CAT_DEFAULT gst_opus_mono_dec_debug

#define RATE 48000
/* The longest Opus packet: 120 ms. */
#define MAX_FRAMES (RATE * 120 / 1000)
/* PLC runs in multiples of 2.5 ms. */
#define PLC_STEP (RATE / 400)

struct _GstOpusMonoDec
{
  GstAudioDecoder parent;

  OpusDecoder *decoder;
  gint last_frames;             /* samples of the last packet (PLC length) */
  guint64 bad_packets;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-opus, channel-mapping-family = (int) 0"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) " GST_AUDIO_NE (F32)
        ", layout = (string) interleaved, rate = (int) 48000, "
        "channels = (int) 1"));

#define gst_opus_mono_dec_parent_class parent_class
G_DEFINE_TYPE (GstOpusMonoDec, gst_opus_mono_dec, GST_TYPE_AUDIO_DECODER);
GST_ELEMENT_REGISTER_DEFINE (opusmonodec, "opusmonodec", GST_RANK_NONE,
    GST_TYPE_OPUS_MONO_DEC);

static gboolean
gst_opus_mono_dec_start (GstAudioDecoder * dec)
{
  GstOpusMonoDec *self = GST_OPUS_MONO_DEC (dec);
  int err = OPUS_OK;

  self->decoder = opus_decoder_create (RATE, 1, &err);
  if (self->decoder == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("opus_decoder_create: %s", opus_strerror (err)));
    return FALSE;
  }
  self->last_frames = RATE / 50;
  self->bad_packets = 0;
  /* PLC: a GAP event comes to handle_frame as an empty buffer */
  gst_audio_decoder_set_plc_aware (dec, TRUE);
  return TRUE;
}

static gboolean
gst_opus_mono_dec_stop (GstAudioDecoder * dec)
{
  GstOpusMonoDec *self = GST_OPUS_MONO_DEC (dec);

  g_clear_pointer (&self->decoder, opus_decoder_destroy);
  return TRUE;
}

static gboolean
gst_opus_mono_dec_set_format (GstAudioDecoder * dec, GstCaps * caps)
{
  GstAudioInfo info;

  gst_audio_info_init (&info);
  gst_audio_info_set_format (&info, GST_AUDIO_FORMAT_F32, RATE, 1, NULL);
  return gst_audio_decoder_set_output_format (dec, &info);
}

/* Samples to conceal for a gap of @duration (the last packet's if unknown),
 * in whole 2.5 ms steps, at most one longest packet. */
static gint
plc_frames (GstOpusMonoDec * self, GstClockTime duration)
{
  gint frames = self->last_frames;

  if (GST_CLOCK_TIME_IS_VALID (duration))
    frames = (gint) gst_util_uint64_scale_round (duration, RATE, GST_SECOND);
  frames = (frames + PLC_STEP / 2) / PLC_STEP * PLC_STEP;
  return CLAMP (frames, PLC_STEP, MAX_FRAMES);
}

static GstFlowReturn
gst_opus_mono_dec_handle_frame (GstAudioDecoder * dec, GstBuffer * buffer)
{
  GstOpusMonoDec *self = GST_OPUS_MONO_DEC (dec);
  GstMapInfo in = GST_MAP_INFO_INIT, out;
  GstBuffer *outbuf;
  gint frames, decoded;
  gboolean conceal;

  if (buffer == NULL)           /* drain: libopus holds nothing back */
    return GST_FLOW_OK;
  if (!gst_buffer_map (buffer, &in, GST_MAP_READ))
    return GST_FLOW_ERROR;

  conceal = in.size == 0;
  if (conceal) {
    frames = plc_frames (self, GST_BUFFER_DURATION (buffer));
  } else {
    frames = opus_decoder_get_nb_samples (self->decoder, in.data, in.size);
    if (frames <= 0 || frames > MAX_FRAMES) {
      frames = plc_frames (self, GST_CLOCK_TIME_NONE);
      conceal = TRUE;
      self->bad_packets++;
      GST_WARNING_OBJECT (self, "undecodable packet of %" G_GSIZE_FORMAT
          " bytes (%" G_GUINT64_FORMAT " so far): concealed", in.size,
          self->bad_packets);
    }
  }

  outbuf = gst_audio_decoder_allocate_output_buffer (dec,
      (gsize) frames * sizeof (gfloat));
  gst_buffer_map (outbuf, &out, GST_MAP_WRITE);
  decoded = opus_decode_float (self->decoder, conceal ? NULL : in.data,
      conceal ? 0 : (opus_int32) in.size, (float *) out.data, frames, 0);
  if (decoded < 0 && !conceal) {
    /* the TOC was readable but the payload is not: conceal it */
    self->bad_packets++;
    GST_WARNING_OBJECT (self, "opus_decode_float: %s (%" G_GUINT64_FORMAT
        " so far): concealed", opus_strerror (decoded), self->bad_packets);
    decoded = opus_decode_float (self->decoder, NULL, 0, (float *) out.data,
        frames, 0);
  }
  gst_buffer_unmap (outbuf, &out);
  gst_buffer_unmap (buffer, &in);

  if (decoded <= 0) {
    gst_buffer_unref (outbuf);
    GST_WARNING_OBJECT (self, "nothing decoded: %s",
        decoded < 0 ? opus_strerror (decoded) : "no samples");
    /* the frame is consumed without output; the stream goes on */
    return gst_audio_decoder_finish_frame (dec, NULL, 1);
  }
  if (decoded < frames)
    gst_buffer_resize (outbuf, 0, (gsize) decoded * sizeof (gfloat));
  self->last_frames = decoded;
  return gst_audio_decoder_finish_frame (dec, outbuf, 1);
}

static void
gst_opus_mono_dec_class_init (GstOpusMonoDecClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAudioDecoderClass *dec_class = GST_AUDIO_DECODER_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Opus mono decoder", "Codec/Decoder/Audio",
      "Decodes one Opus stream to mono 48 kHz through libopus's one-stream "
      "API, with packet loss concealment", "roomcast maintainers");

  dec_class->start = GST_DEBUG_FUNCPTR (gst_opus_mono_dec_start);
  dec_class->stop = GST_DEBUG_FUNCPTR (gst_opus_mono_dec_stop);
  dec_class->set_format = GST_DEBUG_FUNCPTR (gst_opus_mono_dec_set_format);
  dec_class->handle_frame = GST_DEBUG_FUNCPTR (gst_opus_mono_dec_handle_frame);

  GST_DEBUG_CATEGORY_INIT (gst_opus_mono_dec_debug, "opusmonodec", 0,
      "roomcast mono Opus decoder");
}

static void
gst_opus_mono_dec_init (GstOpusMonoDec * self)
{
  gst_audio_decoder_set_needs_format (GST_AUDIO_DECODER (self), TRUE);
  gst_audio_decoder_set_use_default_pad_acceptcaps (GST_AUDIO_DECODER_CAST
      (self), TRUE);
  GST_PAD_SET_ACCEPT_TEMPLATE (GST_AUDIO_DECODER_SINK_PAD (self));
}
