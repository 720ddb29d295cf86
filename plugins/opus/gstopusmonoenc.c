/* roomcast: opusmonoenc, a mono Opus encoder on libopus's one-stream API
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-opusmonoenc
 * @title: opusmonoenc
 *
 * Encodes mono 48 kHz audio to Opus (one stream, channel mapping family
 * 0) through libopus's one-stream API (opus_encode, opus_encode_float).
 * Its properties are `opusenc`'s, with the same names, values and defaults
 * where roomcast uses them, so a description can name either. `opusenc`
 * goes through the multistream API, whose every call recomputes each
 * stream's state size, and libopus 1.3.1 runs its CPU detection (`cpuid`)
 * inside that: on a virtual machine every `cpuid` traps to the hypervisor,
 * which cost 30 µs per frame on the benchmark's VM (docs/performance.md).
 *
 * The caps carry the OpusHead and OpusTags headers as `streamheader` (for
 * oggmux); no header buffer is pushed in the stream (rtpopuspay needs none).
 * Latency is reported as opusenc does: one frame (the encoder's
 * look-ahead is the stream's pre-skip, in OpusHead and in the first
 * buffer's timing).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 audiotestsrc num-buffers=100 ! audio/x-raw,rate=48000,channels=1 ! \
 *     opusmonoenc audio-type=restricted-lowdelay frame-size=10 ! rtpopuspay ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include <string.h>

#include <opus.h>

#include "gstopusmonoenc.h"

GST_DEBUG_CATEGORY_STATIC (gst_opus_mono_enc_debug);
#define GST_CAT_DEFAULT gst_opus_mono_enc_debug

#define RATE 48000
/* The largest packet libopus is asked for (its own maximum is 1275 bytes
 * per frame, at most 3 frames of 20 ms in 60 ms). */
#define MAX_PACKET 4000

enum
{
  PROP_0,
  PROP_BITRATE,
  PROP_COMPLEXITY,
  PROP_FRAME_SIZE,
  PROP_AUDIO_TYPE,
  PROP_INBAND_FEC,
  PROP_DTX,
  PROP_PACKET_LOSS_PERCENTAGE,
};

#define DEFAULT_BITRATE 64000
#define DEFAULT_COMPLEXITY 10
#define DEFAULT_FRAME_SIZE 20
#define DEFAULT_AUDIO_TYPE OPUS_APPLICATION_AUDIO

struct _GstOpusMonoEnc
{
  GstAudioEncoder parent;

  /* properties: read on the streaming thread when the format is set */
  gint bitrate, complexity, frame_size, audio_type, packet_loss;
  gboolean inband_fec, dtx;

  OpusEncoder *encoder;
  gint frame_samples;           /* samples per frame at 48 kHz */
  gboolean is_float;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) { " GST_AUDIO_NE (S16)
        ", " GST_AUDIO_NE (F32) " }, layout = (string) interleaved, "
        "rate = (int) 48000, channels = (int) 1"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-opus, rate = (int) 48000, channels = (int) 1, "
        "channel-mapping-family = (int) 0"));

#define gst_opus_mono_enc_parent_class parent_class
G_DEFINE_TYPE (GstOpusMonoEnc, gst_opus_mono_enc, GST_TYPE_AUDIO_ENCODER);
GST_ELEMENT_REGISTER_DEFINE (opusmonoenc, "opusmonoenc", GST_RANK_NONE,
    GST_TYPE_OPUS_MONO_ENC);

/* opusenc's enums, values and nicks as opusenc has them. */
static GType
frame_size_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {2, "2.5", "2.5"},
    {5, "5", "5"},
    {10, "10", "10"},
    {20, "20", "20"},
    {40, "40", "40"},
    {60, "60", "60"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstOpusMonoEncFrameSize", values));
  return type;
}

static GType
audio_type_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {OPUS_APPLICATION_AUDIO, "Generic audio", "generic"},
    {OPUS_APPLICATION_VOIP, "Voice", "voice"},
    {OPUS_APPLICATION_RESTRICTED_LOWDELAY, "Restricted low delay",
        "restricted-lowdelay"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstOpusMonoEncAudioType", values));
  return type;
}

/* OpusHead (RFC 7845 section 5.1) for one mono stream. */
static GstBuffer *
opus_head (guint16 pre_skip)
{
  guint8 head[19] = { 'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 1 };

  GST_WRITE_UINT16_LE (head + 10, pre_skip);
  GST_WRITE_UINT32_LE (head + 12, RATE);
  GST_WRITE_UINT16_LE (head + 16, 0);   /* output gain */
  head[18] = 0;                 /* channel mapping family */
  return gst_buffer_new_memdup (head, sizeof (head));
}

/* OpusTags (section 5.2): the vendor string, no comments. */
static GstBuffer *
opus_tags (void)
{
  static const char vendor[] = "roomcast opusmonoenc";
  guint8 tags[8 + 4 + sizeof (vendor) - 1 + 4];

  memcpy (tags, "OpusTags", 8);
  GST_WRITE_UINT32_LE (tags + 8, sizeof (vendor) - 1);
  memcpy (tags + 12, vendor, sizeof (vendor) - 1);
  GST_WRITE_UINT32_LE (tags + 12 + sizeof (vendor) - 1, 0);
  return gst_buffer_new_memdup (tags, sizeof (tags));
}

static void
add_streamheader (GstCaps * caps, GstBuffer * head, GstBuffer * tags)
{
  GValue array = G_VALUE_INIT, value = G_VALUE_INIT;
  GstBuffer *bufs[2] = { head, tags };

  g_value_init (&array, GST_TYPE_ARRAY);
  for (guint i = 0; i < 2; i++) {
    GST_BUFFER_FLAG_SET (bufs[i], GST_BUFFER_FLAG_HEADER);
    g_value_init (&value, GST_TYPE_BUFFER);
    gst_value_set_buffer (&value, bufs[i]);
    gst_value_array_append_value (&array, &value);
    g_value_unset (&value);
  }
  gst_caps_set_value (caps, "streamheader", &array);
  g_value_unset (&array);
}

static gboolean
gst_opus_mono_enc_stop (GstAudioEncoder * enc)
{
  GstOpusMonoEnc *self = GST_OPUS_MONO_ENC (enc);

  g_clear_pointer (&self->encoder, opus_encoder_destroy);
  return TRUE;
}

static gboolean
gst_opus_mono_enc_set_format (GstAudioEncoder * enc, GstAudioInfo * info)
{
  GstOpusMonoEnc *self = GST_OPUS_MONO_ENC (enc);
  opus_int32 lookahead = 0;
  GstClockTime latency;
  GstCaps *caps;
  GstBuffer *head, *tags;
  gboolean ok;
  int err = OPUS_OK;

  g_clear_pointer (&self->encoder, opus_encoder_destroy);
  GST_OBJECT_LOCK (self);
  self->encoder = opus_encoder_create (RATE, 1, self->audio_type, &err);
  if (self->encoder != NULL) {
    opus_encoder_ctl (self->encoder, OPUS_SET_BITRATE (self->bitrate));
    opus_encoder_ctl (self->encoder, OPUS_SET_COMPLEXITY (self->complexity));
    opus_encoder_ctl (self->encoder, OPUS_SET_INBAND_FEC (self->inband_fec));
    opus_encoder_ctl (self->encoder, OPUS_SET_DTX (self->dtx));
    opus_encoder_ctl (self->encoder,
        OPUS_SET_PACKET_LOSS_PERC (self->packet_loss));
    opus_encoder_ctl (self->encoder, OPUS_GET_LOOKAHEAD (&lookahead));
  }
  /* 2 stands for 2.5 ms */
  self->frame_samples = self->frame_size == 2 ? RATE / 400 :
      RATE / 1000 * self->frame_size;
  GST_OBJECT_UNLOCK (self);
  if (self->encoder == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("opus_encoder_create: %s", opus_strerror (err)));
    return FALSE;
  }
  self->is_float = GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_F32;

  gst_audio_encoder_set_frame_samples_min (enc, self->frame_samples);
  gst_audio_encoder_set_frame_samples_max (enc, self->frame_samples);
  gst_audio_encoder_set_frame_max (enc, 1);
  gst_audio_encoder_set_lookahead (enc, lookahead);
  /* as opusenc: one frame (the look-ahead is the stream's pre-skip) */
  latency = gst_util_uint64_scale (self->frame_samples, GST_SECOND, RATE);
  gst_audio_encoder_set_latency (enc, latency, latency);

  caps = gst_static_pad_template_get_caps (&src_template);
  caps = gst_caps_make_writable (caps);
  head = opus_head ((guint16) lookahead);
  tags = opus_tags ();
  add_streamheader (caps, head, tags);
  gst_buffer_unref (head);
  gst_buffer_unref (tags);
  ok = gst_audio_encoder_set_output_format (enc, caps);
  gst_caps_unref (caps);
  GST_DEBUG_OBJECT (self, "%d samples a frame, look-ahead %d, %s input",
      self->frame_samples, lookahead, self->is_float ? "F32" : "S16");
  return ok;
}

static GstFlowReturn
gst_opus_mono_enc_handle_frame (GstAudioEncoder * enc, GstBuffer * buffer)
{
  GstOpusMonoEnc *self = GST_OPUS_MONO_ENC (enc);
  const gsize bps = self->is_float ? sizeof (gfloat) : sizeof (gint16);
  const gsize frame_bytes = (gsize) self->frame_samples * bps;
  GstMapInfo in, out;
  GstBuffer *outbuf;
  gpointer pcm;
  gpointer padded = NULL;
  opus_int32 len;

  if (buffer == NULL)           /* drain: libopus holds no whole frame */
    return GST_FLOW_OK;
  if (!gst_buffer_map (buffer, &in, GST_MAP_READ))
    return GST_FLOW_ERROR;
  pcm = in.data;
  if (in.size < frame_bytes) {
    /* the last, short frame at EOS: padded with silence */
    padded = g_malloc0 (frame_bytes);
    memcpy (padded, in.data, in.size);
    pcm = padded;
  }

  outbuf = gst_audio_encoder_allocate_output_buffer (enc, MAX_PACKET);
  gst_buffer_map (outbuf, &out, GST_MAP_WRITE);
  if (self->is_float)
    len = opus_encode_float (self->encoder, pcm, self->frame_samples,
        out.data, MAX_PACKET);
  else
    len = opus_encode (self->encoder, pcm, self->frame_samples, out.data,
        MAX_PACKET);
  gst_buffer_unmap (outbuf, &out);
  gst_buffer_unmap (buffer, &in);
  g_free (padded);

  if (len < 0) {
    gst_buffer_unref (outbuf);
    GST_ELEMENT_ERROR (self, STREAM, ENCODE, (NULL),
        ("opus_encode: %s", opus_strerror (len)));
    return GST_FLOW_ERROR;
  }
  gst_buffer_resize (outbuf, 0, len);
  return gst_audio_encoder_finish_frame (enc, outbuf, self->frame_samples);
}

static void
gst_opus_mono_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstOpusMonoEnc *self = GST_OPUS_MONO_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BITRATE:
      self->bitrate = g_value_get_int (value);
      break;
    case PROP_COMPLEXITY:
      self->complexity = g_value_get_int (value);
      break;
    case PROP_FRAME_SIZE:
      self->frame_size = g_value_get_enum (value);
      break;
    case PROP_AUDIO_TYPE:
      self->audio_type = g_value_get_enum (value);
      break;
    case PROP_INBAND_FEC:
      self->inband_fec = g_value_get_boolean (value);
      break;
    case PROP_DTX:
      self->dtx = g_value_get_boolean (value);
      break;
    case PROP_PACKET_LOSS_PERCENTAGE:
      self->packet_loss = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_opus_mono_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstOpusMonoEnc *self = GST_OPUS_MONO_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BITRATE:
      g_value_set_int (value, self->bitrate);
      break;
    case PROP_COMPLEXITY:
      g_value_set_int (value, self->complexity);
      break;
    case PROP_FRAME_SIZE:
      g_value_set_enum (value, self->frame_size);
      break;
    case PROP_AUDIO_TYPE:
      g_value_set_enum (value, self->audio_type);
      break;
    case PROP_INBAND_FEC:
      g_value_set_boolean (value, self->inband_fec);
      break;
    case PROP_DTX:
      g_value_set_boolean (value, self->dtx);
      break;
    case PROP_PACKET_LOSS_PERCENTAGE:
      g_value_set_int (value, self->packet_loss);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_opus_mono_enc_class_init (GstOpusMonoEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAudioEncoderClass *enc_class = GST_AUDIO_ENCODER_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_opus_mono_enc_set_property;
  gobject_class->get_property = gst_opus_mono_enc_get_property;

  /**
   * GstOpusMonoEnc:bitrate:
   *
   * Target bit rate in bit/s, as opusenc's.
   */
  g_object_class_install_property (gobject_class, PROP_BITRATE,
      g_param_spec_int ("bitrate", "Bitrate", "Target bit rate (bit/s)",
          4000, 650000, DEFAULT_BITRATE, flags));
  /**
   * GstOpusMonoEnc:complexity:
   *
   * Encoder effort, 0-10, as opusenc's.
   */
  g_object_class_install_property (gobject_class, PROP_COMPLEXITY,
      g_param_spec_int ("complexity", "Complexity", "Encoder effort (0-10)",
          0, 10, DEFAULT_COMPLEXITY, flags));
  /**
   * GstOpusMonoEnc:frame-size:
   *
   * Frame duration in milliseconds ("2.5" is 2.5 ms), as opusenc's.
   */
  g_object_class_install_property (gobject_class, PROP_FRAME_SIZE,
      g_param_spec_enum ("frame-size", "Frame size",
          "Frame duration (ms)", frame_size_get_type (), DEFAULT_FRAME_SIZE,
          flags));
  /**
   * GstOpusMonoEnc:audio-type:
   *
   * The Opus application: generic (audio), voice (VoIP: SILK/hybrid) or
   * restricted-lowdelay (CELT only), as opusenc's.
   */
  g_object_class_install_property (gobject_class, PROP_AUDIO_TYPE,
      g_param_spec_enum ("audio-type", "Audio type",
          "What type of audio to optimize for", audio_type_get_type (),
          DEFAULT_AUDIO_TYPE, flags));
  /**
   * GstOpusMonoEnc:inband-fec:
   *
   * In-band forward error correction (SILK modes only).
   */
  g_object_class_install_property (gobject_class, PROP_INBAND_FEC,
      g_param_spec_boolean ("inband-fec", "In-band FEC",
          "In-band forward error correction (SILK modes)", FALSE, flags));
  /**
   * GstOpusMonoEnc:dtx:
   *
   * Discontinuous transmission (SILK modes only).
   */
  g_object_class_install_property (gobject_class, PROP_DTX,
      g_param_spec_boolean ("dtx", "DTX", "Discontinuous transmission",
          FALSE, flags));
  /**
   * GstOpusMonoEnc:packet-loss-percentage:
   *
   * Expected packet loss, which sizes the in-band FEC.
   */
  g_object_class_install_property (gobject_class, PROP_PACKET_LOSS_PERCENTAGE,
      g_param_spec_int ("packet-loss-percentage", "Loss percentage",
          "Expected packet loss (%)", 0, 100, 0, flags));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Opus mono encoder", "Codec/Encoder/Audio",
      "Encodes mono 48 kHz audio to one Opus stream through libopus's "
      "one-stream API", "roomcast maintainers");

  enc_class->stop = GST_DEBUG_FUNCPTR (gst_opus_mono_enc_stop);
  enc_class->set_format = GST_DEBUG_FUNCPTR (gst_opus_mono_enc_set_format);
  enc_class->handle_frame = GST_DEBUG_FUNCPTR (gst_opus_mono_enc_handle_frame);

  gst_type_mark_as_plugin_api (frame_size_get_type (), 0);
  gst_type_mark_as_plugin_api (audio_type_get_type (), 0);
  GST_DEBUG_CATEGORY_INIT (gst_opus_mono_enc_debug, "opusmonoenc", 0,
      "roomcast mono Opus encoder");
}

static void
gst_opus_mono_enc_init (GstOpusMonoEnc * self)
{
  self->bitrate = DEFAULT_BITRATE;
  self->complexity = DEFAULT_COMPLEXITY;
  self->frame_size = DEFAULT_FRAME_SIZE;
  self->audio_type = DEFAULT_AUDIO_TYPE;
  GST_PAD_SET_ACCEPT_TEMPLATE (GST_AUDIO_ENCODER_SINK_PAD (self));
}
