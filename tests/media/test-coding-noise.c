/* roomcast: why the load generator's audio check reads tone levels over 2 s.
 *
 * No server, no network: the four other speakers' tones of a five-speaker
 * bench room (tools/roomcast-loadgen/loadgen.c, volume 0.25 each), mixed,
 * encoded as the room encodes a speaker's mix-minus (the opusmonoenc of
 * rc_room_media_encoder_desc()), decoded as the load generator decodes, and metered as it meters: the
 * fifth speaker's tone (1611 Hz) is absent, its side probes at ±35 Hz. The
 * pipeline is not live, so the run is the same every time. Two encoder
 * settings: the voice mode (SILK/hybrid, 20 ms) the mix-minus encoders had
 * when the bench raised the flags, and whatever the room uses now
 * (rc_room_media_encoder_desc(): OPUS_SPEAKER_AUDIO_TYPE, _FRAME_MS).
 *
 * The load generator's "hears its own" criterion (loadgen-report.c: within
 * ABSENT_UNDER_DB of the quietest tone heard and LEAK_OVER_SIDES_DB above the
 * louder side probe) read on single 100 ms windows flags some windows of
 * this signal, where nobody's voice can leak: the encoder, coding four
 * steady tones, now and then puts a narrow burst at the absent frequency.
 * That is what the bench reported as a speaker hearing its own tone, with
 * the shared mix's encoder gated and without. Read on the mean of the last
 * RC_GOERTZEL_MEAN_WINDOWS windows (what the load generator reads now) it
 * never flags, and a real leak (the absent tone mixed in at the others'
 * level) is flagged in every window.
 */
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "config.h"
#include "goertzel.h"
#include "media/room-media-private.h"

#define ABSENT_UNDER_DB 20.0    /* loadgen-report.c */
#define LEAK_OVER_SIDES_DB 10.0 /* loadgen-report.c */
#define SECONDS 30

/* the four heard tones, the absent one, its two side probes */
static const double probes[] = { 768, 1101, 1419, 1689, 1611, 1611 - 35, 1611 + 35 };
enum { N_HEARD = 4, OWN = 4, SIDE_LOW = 5, SIDE_HIGH = 6 };

typedef struct {
  guint windows, flagged_single, flagged_mean, mean_checked;
} Counts;

static gboolean
hears_own (double (*level) (const RcGoertzel *, guint), const RcGoertzel *g)
{
  double quietest = G_MAXDOUBLE;

  for (guint i = 0; i < N_HEARD; i++)
    quietest = MIN (quietest, level (g, i));
  return level (g, OWN) >= quietest - ABSENT_UNDER_DB &&
         level (g, OWN) - MAX (level (g, SIDE_LOW), level (g, SIDE_HIGH)) >= LEAK_OVER_SIDES_DB;
}

/* The encoder (opusmonoenc) of a speaker's own mix-minus under @config, without the
 * room's queue and clocksync around it (this pipeline is not live). */
static char *
own_encoder (const RcConfig *config)
{
  g_autofree char *desc = rc_room_media_encoder_desc (config, TRUE);
  const char *enc = strstr (desc, "opusmonoenc ");
  const char *end = enc ? strstr (enc, " ! ") : NULL;

  g_assert_nonnull (end);
  return g_strndup (enc, (gsize) (end - enc));
}

/* Runs the chain with the four tones, plus the absent one at @leak_volume
 * (0: none), and counts the windows either reading flags. */
static Counts
run (const RcConfig *config, double leak_volume)
{
  g_autofree char *encoder = own_encoder (config);
  g_autoptr (GString) desc = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (RcGoertzel) meter = rc_goertzel_new (48000, 4800, probes, G_N_ELEMENTS (probes));
  const double tones[] = { 768, 1101, 1419, 1689, 1611 };
  Counts counts = { 0 };

  g_string_append_printf (
    desc,
    "audiomixer name=mix ! audio/x-raw,format=F32LE,rate=48000,channels=1 ! audioconvert ! "
    "%s ! opusdec plc=true use-inband-fec=true ! audioconvert ! "
    "audio/x-raw,format=F32LE,rate=48000,channels=1 ! appsink name=sink sync=false",
    encoder);
  for (guint i = 0; i < G_N_ELEMENTS (tones); i++) {
    double volume = i < N_HEARD ? 0.25 : leak_volume;

    if (volume > 0)
      g_string_append_printf (desc,
                              " audiotestsrc wave=sine freq=%g volume=%g samplesperbuffer=960 "
                              "num-buffers=%d ! audio/x-raw,format=F32LE,rate=48000,channels=1 "
                              "! mix.",
                              tones[i], volume, SECONDS * 50);
  }
  pipeline = gst_parse_launch (desc->str, &error);
  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  for (;;) {
    g_autoptr (GstSample) sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
    GstMapInfo map;

    if (sample == NULL)
      break; /* EOS */
    g_assert_true (gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ));
    /* window by window, as the load generator's check could land on any */
    for (gsize off = 0; off < map.size / sizeof (float);) {
      gsize n = MIN (map.size / sizeof (float) - off, 480);

      if (rc_goertzel_feed (meter, (const float *) map.data + off, n) > 0 &&
          rc_goertzel_get_windows (meter) > 10 /* past the encoder's start */) {
        counts.windows++;
        counts.flagged_single += hears_own (rc_goertzel_level_db, meter);
        if (rc_goertzel_get_windows (meter) >= 10 + RC_GOERTZEL_MEAN_WINDOWS) {
          counts.mean_checked++;
          counts.flagged_mean += hears_own (rc_goertzel_mean_db, meter);
        }
      }
      off += n;
    }
    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_test_message ("%s, leak volume %g: %u of %u single windows flagged, %u of %u 2 s means",
                  encoder, leak_volume, counts.flagged_single, counts.windows, counts.flagged_mean,
                  counts.mean_checked);
  return counts;
}

/* The settings of the flagged bench runs. */
static RcConfig *
voice_config (void)
{
  RcConfig *config = rc_config_new ();

  config->opus_speaker_audio_type = RC_OPUS_AUDIO_VOICE;
  config->opus_speaker_frame_ms = 20;
  return config;
}

static void
test_no_leak_voice (void)
{
  g_autoptr (RcConfig) config = voice_config ();
  Counts c = run (config, 0);

  g_assert_cmpuint (c.windows, >, SECONDS * 10 - 20);
  /* The mechanism: single windows of the coded tones read as a leak ... */
  g_assert_cmpuint (c.flagged_single, >, 0);
  /* ... their 2 s mean never does. */
  g_assert_cmpuint (c.flagged_mean, ==, 0);
}

static void
test_no_leak_room_settings (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  Counts c = run (config, 0);

  g_assert_cmpuint (c.windows, >, SECONDS * 10 - 20);
  g_assert_cmpuint (c.flagged_mean, ==, 0);
}

static void
test_leak_at_the_others_level (void)
{
  g_autoptr (RcConfig) voice = voice_config ();
  g_autoptr (RcConfig) room = rc_config_new ();

  for (const RcConfig **config = (const RcConfig *[]){ voice, room, NULL }; *config; config++) {
    Counts c = run (*config, 0.25);

    g_assert_cmpuint (c.mean_checked, >, 0);
    g_assert_cmpuint (c.flagged_mean, ==, c.mean_checked);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/coding-noise/no-leak-voice", test_no_leak_voice);
  g_test_add_func ("/coding-noise/no-leak-room-settings", test_no_leak_room_settings);
  g_test_add_func ("/coding-noise/leak-at-the-others-level", test_leak_at_the_others_level);
  return g_test_run ();
}
