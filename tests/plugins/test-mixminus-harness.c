/* roomcast: GstHarness tests of the mixminus element
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One harness per pad, as in gst-plugins-base's element tests. The harness
 * makes the element live and gives it a GstTestClock, so the live timeout
 * is driven by cranking that clock, never by sleeping.
 *
 * The limiter (on by default) delays every output by AHEAD samples; see
 * mixminus-harness-util.h for what each pulled buffer holds. The limiter's
 * own element tests are in test-mixminus-limiter.c.
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "mixminus-harness-util.h"

/* k/512 with |k| <= 20: sums of up to 64 seats are exact floats. */
static float
dyadic (guint seat, guint64 f)
{
  return (float) ((int) ((f * 7 + seat * 13) % 41) - 20) / 512.0f;
}

/* Every output is the sum over the other seats: bit for bit below the
 * limiter's threshold, `AHEAD` samples late with the limiter on and on
 * time without it. 64 seats go beyond the threshold: their outputs are the
 * sum scaled by a gain in (0, 1], at most at the threshold. */
static void
check_exact (guint seats, gboolean s16, gboolean limiter)
{
  const gchar *caps = s16 ? CAPS_S16 : CAPS_F32;
  const guint64 ahead = limiter ? AHEAD : 0;
  const float quantum = s16 ? 1.0f / 32768.0f : 0.0f;
  Room r;

  room_open_full (&r, seats, caps, caps, limiter);
  for (guint p = 0; p < 3; p++) {
    guint64 first = (guint64) p * PERIOD_FRAMES;

    for (guint s = 0; s < seats; s++)
      g_assert_cmpint (gst_harness_push (r.in[s], s16 ?
              make_s16_buffer (s, first, PERIOD_FRAMES, dyadic) :
              make_f32_buffer (s, first, PERIOD_FRAMES, dyadic)), ==,
          GST_FLOW_OK);
    for (guint c = 0; c <= seats; c++) {
      GstHarness *h = c < seats ? r.out[c] : r.mix;
      guint64 from;
      float *y = pull_period (h, p, ahead, p == 0, &from);

      for (guint64 i = 0; i < (guint64) PERIOD_FRAMES - (p ? 0 : ahead);
          i++) {
        double expect = 0.0;

        for (guint s = 0; s < seats; s++)
          if (s != c)
            expect += dyadic (s, from + i);
        if (seats <= 16) {
          g_assert_cmpfloat ((float) expect, ==, y[i]);
        } else if (limiter) {   /* 64 seats reach the limiter */
          g_assert_cmpfloat (fabsf (y[i]), <=, THRESHOLD * (1.0f + 1e-6f) +
              quantum);
          g_assert_cmpfloat (fabsf (y[i]), <=, fabs (expect) + quantum);
          g_assert_true (y[i] * expect >= 0.0);
        } else {                /* the plain sum: S16 saturates */
          g_assert_cmpfloat (y[i], ==, s16 ? CLAMP (expect, -1.0,
                  32767.0 / 32768.0) : expect);
        }
      }
      g_free (y);
    }
  }
  room_close (&r);
}

static void
test_exact (gconstpointer data)
{
  check_exact (GPOINTER_TO_UINT (data), FALSE, TRUE);
}

static void
test_exact_s16 (void)
{
  check_exact (3, TRUE, TRUE);
  check_exact (64, TRUE, TRUE);
}

/* limiter=false: the plain sum, not delayed; beyond full scale too. */
static void
test_exact_no_limiter (void)
{
  check_exact (3, FALSE, FALSE);
  check_exact (64, FALSE, FALSE);
  check_exact (64, TRUE, FALSE);
}

/* Seat 0 is S16 mono, seat 1 F32 stereo, seat 2 F32 mono: each input is
 * converted on its own, the output is F32. */
static void
test_mixed_formats (void)
{
  Room r;
  GstBuffer *stereo;
  GstMapInfo map;
  const gchar *caps_stereo = "audio/x-raw, format=(string)F32LE, "
      "rate=(int)48000, channels=(int)2, channel-mask=(bitmask)0x3, "
      "layout=(string)interleaved";

  room_open (&r, 3, CAPS_F32, CAPS_F32);
  gst_harness_set_src_caps_str (r.in[0], CAPS_S16);
  gst_harness_set_src_caps_str (r.in[1], caps_stereo);

  stereo = gst_buffer_new_allocate (NULL, PERIOD_FRAMES * 2 * sizeof (float),
      NULL);
  gst_buffer_map (stereo, &map, GST_MAP_WRITE);
  for (guint i = 0; i < PERIOD_FRAMES; i++) {
    ((float *) map.data)[2 * i] = dyadic (1, i) + 1.0f / 1024.0f;
    ((float *) map.data)[2 * i + 1] = dyadic (1, i) - 1.0f / 1024.0f;
  }
  gst_buffer_unmap (stereo, &map);
  GST_BUFFER_PTS (stereo) = 0;
  GST_BUFFER_DURATION (stereo) = PERIOD;

  gst_harness_push (r.in[0], make_s16_buffer (0, 0, PERIOD_FRAMES, dyadic));
  gst_harness_push (r.in[1], stereo);
  gst_harness_push (r.in[2], make_f32_buffer (2, 0, PERIOD_FRAMES, dyadic));
  for (guint c = 0; c <= 3; c++) {
    guint64 first;
    float *y = pull_period (c < 3 ? r.out[c] : r.mix, 0, AHEAD, TRUE, &first);

    for (gsize i = 0; i < PERIOD_FRAMES - AHEAD; i++) {
      float expect = 0.0f;

      for (guint s = 0; s < 3; s++)
        expect += s != c ? dyadic (s, i) : 0.0f;
      g_assert_cmpfloat (expect, ==, y[i]);
    }
    g_free (y);
  }
  room_close (&r);
}

/* Which seats delivered each period so far, and the period each output
 * (src_N, then mix) started at. */
typedef struct
{
  guint active[32];
  guint started[MIXMINUS_MAX_SEATS + 1];
} History;

/* Pushes one period on the seats in `active` (bitmask) and checks that
 * every output gets exactly what it makes of that period: the sums of the
 * seats that were active in the period each sample comes from (one
 * lookahead earlier). When `silent_with_pad` is set, some seat has a pad
 * but no data: the output comes from the live timeout, which the test
 * clock is cranked to. */
static void
run_period (Room * r, History * hist, guint p, guint active,
    guint silent_with_pad)
{
  hist->active[p] = active;
  for (guint s = 0; s < r->seats; s++)
    if (active & (1u << s))
      g_assert_cmpint (gst_harness_push (r->in[s], make_f32_buffer (s,
                  (guint64) p * PERIOD_FRAMES, PERIOD_FRAMES, seat_dc)), ==,
          GST_FLOW_OK);
  /* A seat has a pad but no data: the period goes out when the clock
   * reaches its live deadline (running time + upstream latency, 0 here, +
   * one period). The element's timer may still wait for an earlier
   * deadline (it is not re-armed for periods that went out on time), so
   * release pending waits until the one for this period. */
  if (silent_with_pad) {
    GstTestClock *clock = gst_harness_get_testclock (r->mix);
    GstClockTime deadline = (p + 1) * PERIOD, t;

    do {
      GstClockID id;

      gst_test_clock_wait_for_next_pending_id (clock, &id);
      t = gst_clock_id_get_time (id);
      gst_clock_id_unref (id);
      g_assert_cmpuint (t, <=, deadline);
      g_assert_true (gst_harness_crank_single_clock_wait (r->mix));
    } while (t < deadline);
    gst_object_unref (clock);
  }

  for (guint c = 0; c <= r->seats; c++) {
    GstHarness *h = c < r->seats ? r->out[c] : r->mix;
    guint64 first;
    float *y;

    if (h == NULL)
      continue;
    y = pull_period (h, p, AHEAD, hist->started[c] == p, &first);
    for (guint64 i = 0; first + i < (guint64) (p + 1) * PERIOD_FRAMES - AHEAD;
        i++) {
      guint from = (guint) ((first + i) / PERIOD_FRAMES);
      float expect = 0.0f;

      for (guint s = 0; s < r->seats; s++)
        if ((hist->active[from] & (1u << s)) && s != c)
          expect += seat_dc (s, 0);
      g_assert_cmpfloat (y[i], ==, expect);
    }
    g_free (y);
  }
}

static void
test_dynamic_seats (void)
{
  Room r;
  History hist = { {0}, {0} };
  guint p = 0;

  room_open (&r, 3, CAPS_F32, CAPS_F32);
  for (; p < 5; p++)
    run_period (&r, &hist, p, 0x7, 0);

  /* Seat 1 leaves while PLAYING: the others carry on, period by period. */
  g_clear_pointer (&r.in[1], gst_harness_teardown);
  for (; p < 10; p++)
    run_period (&r, &hist, p, 0x5, 0);

  /* Seat 1 comes back. Before its first buffer the outputs are produced
   * on the live timeout, with seat 1 as silence. */
  r.in[1] = gst_harness_new_with_element (r.element, "sink_1", NULL);
  gst_harness_set_src_caps_str (r.in[1], CAPS_F32);
  run_period (&r, &hist, p++, 0x5, 0x2);
  for (; p < 15; p++)
    run_period (&r, &hist, p, 0x7, 0);

  /* The speaker's own output can go and come back too: the new pad's
   * limiter starts over, so its first buffer starts at its first period. */
  g_clear_pointer (&r.out[1], gst_harness_teardown);
  run_period (&r, &hist, p++, 0x7, 0);
  r.out[1] = gst_harness_new_with_element (r.element, NULL, "src_1");
  hist.started[1] = p;
  for (; p < 20; p++)
    run_period (&r, &hist, p, 0x7, 0);
  room_close (&r);
}

static float
levels_signal (guint seat, guint64 f)
{
  if (seat == 0)                /* 1 kHz at 0.5: peak -6.02, RMS -9.03 dBFS */
    return 0.5f * sinf (2.0f * (float) G_PI * 1000.0f * (float) f / RATE);
  return 0.25f;                 /* DC: peak = RMS = -12.04 dBFS */
}

static double
array_double (const GstStructure * s, const gchar * field, guint i)
{
  const GValue *arr = gst_structure_get_value (s, field);

  g_assert_nonnull (arr);
  g_assert_true (GST_VALUE_HOLDS_ARRAY (arr));
  return g_value_get_double (gst_value_array_get_value (arr, i));
}

static void
test_levels (void)
{
  Room r;
  GstBus *bus = gst_bus_new ();
  guint messages = 0;
  GstMessage *msg;

  memset (&r, 0, sizeof (r));
  r.seats = 3;
  r.element = new_mixminus (3);
  g_object_set (r.element, "level-interval", 50 * GST_MSECOND, NULL);
  gst_element_set_bus (r.element, bus);
  r.in[0] = gst_harness_new_with_element (r.element, "sink_0", NULL);
  r.in[1] = gst_harness_new_with_element (r.element, "sink_1", NULL);
  r.mix = gst_harness_new_with_element (r.element, NULL, "mix");
  gst_harness_set_src_caps_str (r.in[0], CAPS_F32);
  gst_harness_set_src_caps_str (r.in[1], CAPS_F32);

  for (guint p = 0; p < 20; p++) {
    for (guint s = 0; s < 2; s++)
      gst_harness_push (r.in[s], make_f32_buffer (s,
              (guint64) p * PERIOD_FRAMES, PERIOD_FRAMES, levels_signal));
    gst_buffer_unref (gst_harness_pull (r.mix));
  }

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    guint64 ts, rt, duration;
    guint seats;
    const GValue *active;

    g_assert_true (gst_structure_has_name (s, "mixminus-levels"));
    g_assert_true (GST_MESSAGE_SRC (msg) == GST_OBJECT (r.element));
    g_assert_true (gst_structure_get (s, "timestamp", G_TYPE_UINT64, &ts,
            "running-time", G_TYPE_UINT64, &rt, "duration", G_TYPE_UINT64,
            &duration, "seats", G_TYPE_UINT, &seats, NULL));
    g_assert_cmpuint (ts, ==, messages * 50 * GST_MSECOND);
    g_assert_cmpuint (rt, ==, ts);
    g_assert_cmpuint (duration, ==, 50 * GST_MSECOND);
    g_assert_cmpuint (seats, ==, 3);

    g_assert_cmpfloat (fabs (array_double (s, "peak", 0) + 6.0206), <, 0.01);
    g_assert_cmpfloat (fabs (array_double (s, "rms", 0) + 9.0309), <, 0.01);
    g_assert_cmpfloat (fabs (array_double (s, "peak", 1) + 12.0412), <, 0.01);
    g_assert_cmpfloat (fabs (array_double (s, "rms", 1) + 12.0412), <, 0.01);
    g_assert_cmpfloat (array_double (s, "rms", 2), ==,
        MIXMINUS_LEVEL_FLOOR_DB);
    active = gst_structure_get_value (s, "active");
    g_assert_true (g_value_get_boolean (gst_value_array_get_value (active,
                0)));
    g_assert_true (g_value_get_boolean (gst_value_array_get_value (active,
                1)));
    g_assert_false (g_value_get_boolean (gst_value_array_get_value (active,
                2)));
    gst_message_unref (msg);
    messages++;
  }
  g_assert_cmpuint (messages, ==, 4);

  gst_element_set_bus (r.element, NULL);
  room_close (&r);
  gst_object_unref (bus);
}

static void
test_latency (void)
{
  Room r;

  memset (&r, 0, sizeof (r));
  r.seats = 2;
  r.element = new_mixminus (2);
  r.mix = gst_harness_new_with_element (r.element, NULL, "mix");
  for (guint s = 0; s < 2; s++) {
    gchar *name = g_strdup_printf ("sink_%u", s);

    r.in[s] = gst_harness_new_with_element (r.element, name, NULL);
    gst_harness_set_upstream_latency (r.in[s], 30 * GST_MSECOND);
    gst_harness_set_src_caps_str (r.in[s], CAPS_F32);
    g_free (name);
  }
  for (guint s = 0; s < 2; s++)
    gst_harness_push (r.in[s], make_f32_buffer (s, 0, PERIOD_FRAMES,
            seat_dc));
  gst_buffer_unref (gst_harness_pull (r.mix));

  /* upstream 30 ms + one 10 ms mixing period + the limiter's 1 ms */
  g_assert_cmpuint (gst_harness_query_latency (r.mix), ==, 41 * GST_MSECOND);
  g_object_set (r.element, "latency", 5 * GST_MSECOND, NULL);
  g_assert_cmpuint (gst_harness_query_latency (r.mix), ==, 46 * GST_MSECOND);
  /* the threshold changes the gain, not the delay */
  g_object_set (r.element, "limiter-threshold", -12.0, NULL);
  g_assert_cmpuint (gst_harness_query_latency (r.mix), ==, 46 * GST_MSECOND);
  /* the limiter is fixed while streaming: it is part of the latency */
  g_object_set (r.element, "limiter", FALSE, NULL);
  g_assert_cmpuint (gst_harness_query_latency (r.mix), ==, 46 * GST_MSECOND);
  room_close (&r);
}

/* A room nobody speaks in still streams (silence) with force-live: the
 * listeners' encoder never starves. */
static void
test_force_live_empty_room (void)
{
  GstElement *e = gst_element_factory_make_full ("mixminus", "force-live",
      TRUE, "level-interval", (guint64) 0, NULL);
  GstHarness *mix = gst_harness_new_with_element (e, NULL, "mix");

  gst_harness_set_sink_caps_str (mix, CAPS_F32);
  gst_harness_play (mix);
  for (guint p = 0; p < 3; p++) {
    GstBuffer *buf;
    gsize n;
    float *y;

    g_assert_true (gst_harness_crank_single_clock_wait (mix));
    buf = gst_harness_pull (mix);
    g_assert_true (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP));
    /* one lookahead late, the first one that much shorter */
    y = buffer_samples (mix, buf, p ? p * PERIOD - GST_MSECOND : 0, &n);
    g_assert_cmpuint (n, ==, p ? PERIOD_FRAMES : PERIOD_FRAMES - AHEAD);
    for (gsize i = 0; i < n; i++)
      g_assert_cmpfloat (y[i], ==, 0.0f);
    g_free (y);
  }
  gst_harness_teardown (mix);
  gst_object_unref (e);
}

/* start-time-selection=first: a room whose first speaker starts at 5 s
 * starts its output there, instead of first producing 5 s of silence. */
static void
test_start_time_first (void)
{
  GstElement *e = new_mixminus (2);
  GstHarness *in, *mix;
  GstBuffer *buf;

  g_object_set (e, "start-time-selection",
      GST_AGGREGATOR_START_TIME_SELECTION_FIRST, NULL);
  in = gst_harness_new_with_element (e, "sink_0", NULL);
  mix = gst_harness_new_with_element (e, NULL, "mix");
  gst_harness_set_src_caps_str (in, CAPS_F32);
  gst_harness_push (in, make_f32_buffer (0, 5 * RATE, PERIOD_FRAMES,
          seat_dc));
  buf = gst_harness_pull (mix);
  g_assert_cmpuint (GST_BUFFER_PTS (buf), ==, 5 * GST_SECOND);
  gst_buffer_unref (buf);
  gst_harness_teardown (in);
  gst_harness_teardown (mix);
  gst_object_unref (e);
}

/* An arrival-aligned room: force-live and align-on-arrival, a mix output,
 * `seats` input harnesses with `upstream` latency. */
static GstElement *
arrival_room (GstHarness ** in, guint seats, GstClockTime upstream,
    GstHarness ** mix)
{
  GstElement *e = gst_element_factory_make_full ("mixminus", "seats", seats,
      "force-live", TRUE, "align-on-arrival", TRUE, "latency", (guint64) 0,
      "level-interval", (guint64) 0, NULL);

  *mix = gst_harness_new_with_element (e, NULL, "mix");
  gst_harness_set_sink_caps_str (*mix, CAPS_F32);
  for (guint s = 0; s < seats; s++) {
    gchar *name = g_strdup_printf ("sink_%u", s);

    in[s] = gst_harness_new_with_element (e, name, NULL);
    gst_harness_set_upstream_latency (in[s], upstream);
    gst_harness_set_src_caps_str (in[s], CAPS_F32);
    g_free (name);
  }
  return e;
}

/* Whether a buffer pulled from @h holds @value (within float rounding). */
static gboolean
pulled_holds (GstHarness * h, float value)
{
  GstBuffer *buf = gst_harness_try_pull (h);
  gboolean found = FALSE;
  GstMapInfo map;

  if (buf == NULL)
    return FALSE;
  gst_buffer_map (buf, &map, GST_MAP_READ);
  for (gsize i = 0; i < map.size / sizeof (float); i++)
    found |= fabsf (((float *) map.data)[i] - value) < 1e-6f;
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
  return found;
}

/* align-on-arrival: two seats whose timestamps are half a second apart but
 * whose audio arrives together are heard together (by timestamps, seat 1
 * would be mixed half a second after seat 0). */
static void
test_arrival_aligns_seats (void)
{
  GstHarness *in[2], *mix;
  GstElement *e = arrival_room (in, 2, 0, &mix);
  gboolean together = FALSE;

  gst_harness_push (in[0], make_f32_buffer (0, 0, 2 * PERIOD_FRAMES,
          seat_dc));
  gst_harness_push (in[1], make_f32_buffer (1, RATE / 2, 2 * PERIOD_FRAMES,
          seat_dc));
  for (guint i = 0; i < 8 && !together; i++) {
    together = pulled_holds (mix, seat_dc (0, 0) + seat_dc (1, 0));
    if (!together)
      gst_harness_crank_single_clock_wait (mix);
  }
  g_assert_true (together);
  for (guint s = 0; s < 2; s++)
    gst_harness_teardown (in[s]);
  gst_harness_teardown (mix);
  gst_object_unref (e);
}

/* align-on-arrival: a seat that stops sending (a DTX pause, a stalled
 * client) holds the others only until the period's end + latency on the
 * clock, not for the whole upstream latency too. */
static void
test_arrival_deadline (void)
{
  GstHarness *in[2], *mix;
  GstElement *e = arrival_room (in, 2, 200 * GST_MSECOND, &mix);
  GstTestClock *clock = gst_harness_get_testclock (mix);
  GstClockID id;

  /* both seats speak once, then only seat 0 */
  for (guint s = 0; s < 2; s++)
    gst_harness_push (in[s], make_f32_buffer (s, 0, PERIOD_FRAMES, seat_dc));
  gst_harness_push (in[0], make_f32_buffer (0, PERIOD_FRAMES,
          4 * PERIOD_FRAMES, seat_dc));
  /* every period the timer waits for ends within two periods of the clock:
   * none waits for the 200 ms upstream */
  for (guint i = 0; i < 4; i++) {
    GstClockTime now = gst_clock_get_time (GST_CLOCK (clock));

    gst_test_clock_wait_for_next_pending_id (clock, &id);
    g_assert_cmpuint (gst_clock_id_get_time (id), <=, now + 2 * PERIOD);
    gst_clock_id_unref (id);
    g_assert_true (gst_harness_crank_single_clock_wait (mix));
    while (pulled_holds (mix, -1.0f));   /* drain what went out */
  }
  gst_object_unref (clock);
  for (guint s = 0; s < 2; s++)
    gst_harness_teardown (in[s]);
  gst_harness_teardown (mix);
  gst_object_unref (e);
}

static void
test_pad_requests (void)
{
  GstElement *e = new_mixminus (3);
  GstPad *p0, *p1, *p2, *o1;
  guint seats, seat;

  p0 = gst_element_request_pad_simple (e, "sink_%u");
  p2 = gst_element_request_pad_simple (e, "sink_2");
  p1 = gst_element_request_pad_simple (e, "sink_%u");
  g_assert_cmpstr (GST_PAD_NAME (p0), ==, "sink_0");
  g_assert_cmpstr (GST_PAD_NAME (p1), ==, "sink_1");
  g_assert_cmpstr (GST_PAD_NAME (p2), ==, "sink_2");
  g_assert_null (gst_element_request_pad_simple (e, "sink_%u"));
  g_assert_null (gst_element_request_pad_simple (e, "sink_3"));

  o1 = gst_element_request_pad_simple (e, "src_1");
  g_assert_nonnull (o1);
  g_assert_null (gst_element_request_pad_simple (e, "src_3"));

  /* Fewer seats than requested pads is refused. */
  g_object_set (e, "seats", 2, NULL);
  g_object_get (e, "seats", &seats, NULL);
  g_assert_cmpuint (seats, ==, 3);

  gst_element_release_request_pad (e, p1);
  gst_object_unref (p1);
  p1 = gst_element_request_pad_simple (e, "sink_%u");
  g_assert_cmpstr (GST_PAD_NAME (p1), ==, "sink_1");
  g_object_get (p1, "seat", &seat, NULL);
  g_assert_cmpuint (seat, ==, 1);

  for (GstPad ** p = (GstPad *[]) { p0, p1, p2, o1, NULL}; *p; p++) {
    gst_element_release_request_pad (e, *p);
    gst_object_unref (*p);
  }
  g_object_set (e, "seats", 1, NULL);
  g_object_get (e, "seats", &seats, NULL);
  g_assert_cmpuint (seats, ==, 1);
  gst_object_unref (e);
}

int
main (int argc, char **argv)
{
  static const guint sizes[] = { 1, 2, 3, 16, 64 };

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gchar *path = g_strdup_printf ("/mixminus/exact/%u-seats", sizes[i]);

    g_test_add_data_func (path, GUINT_TO_POINTER (sizes[i]), test_exact);
    g_free (path);
  }
  g_test_add_func ("/mixminus/exact/s16", test_exact_s16);
  g_test_add_func ("/mixminus/exact/no-limiter", test_exact_no_limiter);
  g_test_add_func ("/mixminus/mixed-formats", test_mixed_formats);
  g_test_add_func ("/mixminus/dynamic-seats", test_dynamic_seats);
  g_test_add_func ("/mixminus/levels", test_levels);
  g_test_add_func ("/mixminus/latency", test_latency);
  g_test_add_func ("/mixminus/pad-requests", test_pad_requests);
  g_test_add_func ("/mixminus/force-live-empty-room",
      test_force_live_empty_room);
  g_test_add_func ("/mixminus/start-time-first", test_start_time_first);
  g_test_add_func ("/mixminus/arrival/aligns-seats", test_arrival_aligns_seats);
  g_test_add_func ("/mixminus/arrival/deadline", test_arrival_deadline);
  return g_test_run ();
}
