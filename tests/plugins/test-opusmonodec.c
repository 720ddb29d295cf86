/* roomcast: opusmonodec (plugins/opus/) through GstHarness: a tone decoded
 * as it was encoded, a GAP concealed for its duration, undecodable packets
 * concealed without an error, and the same samples as opusdec gives.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <gst/audio/audio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <opus.h>

#include "goertzel-amplitude.h"

#define RATE 48000
#define FRAME 960 /* 20 ms */
#define FREQ 600.0 /* 12 periods in a 20 ms frame */
#define AMPLITUDE 0.4

typedef struct {
  OpusEncoder *encoder;
  guint64 n; /* frames encoded */
} Source;

static void
source_init (Source *s)
{
  int err = OPUS_OK;

  s->encoder = opus_encoder_create (RATE, 1, OPUS_APPLICATION_AUDIO, &err);
  g_assert_cmpint (err, ==, OPUS_OK);
  opus_encoder_ctl (s->encoder, OPUS_SET_BITRATE (32000));
  s->n = 0;
}

/* The next 20 ms of the tone as one Opus packet, timestamped. */
static GstBuffer *
source_next (Source *s)
{
  float pcm[FRAME];
  unsigned char packet[1500];
  GstBuffer *buf;
  opus_int32 len;

  for (guint i = 0; i < FRAME; i++)
    pcm[i] = (float) (AMPLITUDE * sin (2.0 * G_PI * FREQ * (double) (s->n * FRAME + i) / RATE));
  len = opus_encode_float (s->encoder, pcm, FRAME, packet, sizeof (packet));
  g_assert_cmpint (len, >, 0);
  buf = gst_buffer_new_memdup (packet, (gsize) len);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (s->n * FRAME, GST_SECOND, RATE);
  GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
  s->n++;
  return buf;
}

static GstHarness *
harness (const char *launch)
{
  GstHarness *h = gst_harness_new_parse (launch);

  gst_harness_set_src_caps_str (h, "audio/x-opus, channel-mapping-family=(int)0, "
                                   "rate=(int)48000, channels=(int)1");
  return h;
}

/* Every sample pulled so far, F32 mono. */
static GArray *
pull_all (GstHarness *h)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (float));
  GstBuffer *buf;

  while ((buf = gst_harness_try_pull (h)) != NULL) {
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_array_append_vals (out, map.data, (guint) (map.size / sizeof (float)));
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  return out;
}

static void
test_decodes_tone (void)
{
  GstHarness *h = harness ("opusmonodec");
  Source s;
  GArray *out;

  source_init (&s);
  for (guint i = 0; i < 50; i++)
    g_assert_cmpint (gst_harness_push (h, source_next (&s)), ==, GST_FLOW_OK);
  out = pull_all (h);
  g_assert_cmpuint (out->len, ==, 50 * FRAME);
  /* the last 0.5 s: the tone at its level, nothing at another frequency */
  {
    const float *x = (const float *) out->data + out->len - 25 * FRAME;
    double at = goertzel_amplitude (x, 25 * FRAME, FREQ, RATE);
    double off = goertzel_amplitude (x, 25 * FRAME, 1500.0, RATE);

    g_assert_cmpfloat (at, >, AMPLITUDE * 0.7);
    g_assert_cmpfloat (at, <, AMPLITUDE * 1.3);
    g_assert_cmpfloat (off, <, AMPLITUDE * 0.01);
  }
  g_array_unref (out);
  opus_encoder_destroy (s.encoder);
  gst_harness_teardown (h);
}

/* A GAP event (the jitterbuffer's lost packet) becomes that much concealed
 * audio, at its time, carrying the tone on; then decoding goes on. */
static void
test_gap_concealed (void)
{
  GstHarness *h = harness ("opusmonodec plc=true");
  Source s;
  GArray *before, *after;
  GstBuffer *lost;

  source_init (&s);
  for (guint i = 0; i < 20; i++)
    gst_harness_push (h, source_next (&s));
  before = pull_all (h);
  g_assert_cmpuint (before->len, ==, 20 * FRAME);

  lost = source_next (&s); /* encoded, never delivered */
  gst_harness_push_event (h, gst_event_new_gap (GST_BUFFER_PTS (lost), 20 * GST_MSECOND));
  {
    GstBuffer *buf = gst_harness_pull (h);
    GstMapInfo map;

    g_assert_cmpuint (GST_BUFFER_PTS (buf), ==, GST_BUFFER_PTS (lost));
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_assert_cmpuint (map.size, ==, FRAME * sizeof (float));
    g_assert_cmpfloat (goertzel_amplitude ((const float *) map.data, FRAME, FREQ, RATE), >,
                       AMPLITUDE * 0.1);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  g_assert_null (gst_harness_try_pull (h)); /* one gap, one buffer */
  gst_buffer_unref (lost);

  for (guint i = 0; i < 10; i++)
    gst_harness_push (h, source_next (&s));
  after = pull_all (h);
  g_assert_cmpuint (after->len, ==, 10 * FRAME);
  g_array_unref (before);
  g_array_unref (after);
  opus_encoder_destroy (s.encoder);
  gst_harness_teardown (h);
}

/* A client may send anything: packets libopus cannot decode are concealed,
 * the flow stays OK, no error reaches the bus, and the tone goes on. */
static void
test_bad_packets_concealed (void)
{
  GstHarness *h = harness ("opusmonodec plc=true");
  static const guint8 garbage[][8] = {
    { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, /* code 3, 63 frames: too long */
    { 0x03 },                                          /* code 3 without its count byte */
    { 0x0b, 0x01, 0x02 },                              /* code 3, one frame of one byte */
  };
  static const gsize lengths[] = { 8, 1, 3 };
  GstBus *bus = gst_bus_new ();
  Source s;
  GArray *out;
  GstMessage *msg;

  gst_element_set_bus (h->element, bus);
  source_init (&s);
  for (guint i = 0; i < 10; i++)
    gst_harness_push (h, source_next (&s));
  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++) {
    GstBuffer *bad = gst_buffer_new_memdup (garbage[i], lengths[i]);

    GST_BUFFER_PTS (bad) = gst_util_uint64_scale (s.n * FRAME, GST_SECOND, RATE);
    GST_BUFFER_DURATION (bad) = 20 * GST_MSECOND;
    s.n++;
    g_assert_cmpint (gst_harness_push (h, bad), ==, GST_FLOW_OK);
  }
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (gst_harness_push (h, source_next (&s)), ==, GST_FLOW_OK);
  out = pull_all (h);
  /* every packet, good or concealed, gave its 20 ms */
  g_assert_cmpuint (out->len, ==, (20 + G_N_ELEMENTS (garbage)) * FRAME);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  g_assert_null (msg);
  g_array_unref (out);
  opus_encoder_destroy (s.encoder);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

/* The same packets give the same samples as opusdec (both decode with
 * libopus at 48 kHz mono; only the API differs, and opusdec's 16 bits). */
static void
test_same_as_opusdec (void)
{
  GstHarness *a = harness ("opusmonodec");
  GstHarness *b =
    harness ("opusdec ! audioconvert ! capsfilter caps=audio/x-raw,format=F32LE,channels=1");
  Source s;
  GArray *x, *y;

  source_init (&s);
  for (guint i = 0; i < 30; i++) {
    GstBuffer *buf = source_next (&s);

    gst_harness_push (a, gst_buffer_ref (buf));
    gst_harness_push (b, buf);
  }
  x = pull_all (a);
  y = pull_all (b);
  g_assert_cmpuint (x->len, ==, y->len);
  for (guint i = 0; i < x->len; i++)
    g_assert_cmpfloat (fabsf (g_array_index (x, float, i) - g_array_index (y, float, i)), <,
                       1e-4f);
  g_array_unref (x);
  g_array_unref (y);
  opus_encoder_destroy (s.encoder);
  gst_harness_teardown (a);
  gst_harness_teardown (b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/opusmonodec/decodes-tone", test_decodes_tone);
  g_test_add_func ("/opusmonodec/gap-concealed", test_gap_concealed);
  g_test_add_func ("/opusmonodec/bad-packets-concealed", test_bad_packets_concealed);
  g_test_add_func ("/opusmonodec/same-as-opusdec", test_same_as_opusdec);
  return g_test_run ();
}
