/* roomcast-loadgen --baseline: the direct client-to-client path.
 *
 * One pair of the load generator's webrtcbin clients per speaker tone, A
 * sending the keyed tone straight to B over the same address (no server),
 * both with the test client's settings (rc_test_webrtc_new, the same
 * jitterbuffer, the same send branch and receive branch). The latency taps
 * measure it like a server's path (B counts as a listener), so that a
 * server's added latency is its figure minus this one.
 */
#include "loadgen-baseline.h"

#include <gst/webrtc/webrtc.h>

#include "loadgen-latency.h"
#include "rc-test-media.h"

#define OPUS_PT 111
#define JITTERBUFFER_MS 60 /* RcTestClient's default: the load peers' */

enum { TAG_OFFER = 1, TAG_REMOTE_B, TAG_ANSWER };

typedef struct {
  GstElement *pipeline, *webrtc;
  RcTestWebrtcEvents *events;
  RcTestReceiver *receiver;
  struct _Pair *pair;
} Side;

typedef struct _Pair {
  Side a, b;
  gboolean connected, failed;
} Pair;

static void
set_desc (GstElement *webrtc, const char *signal, GstWebRTCSessionDescription *desc,
          GstPromise *promise)
{
  g_signal_emit_by_name (webrtc, signal, desc, promise);
  if (promise)
    gst_promise_unref (promise);
}

static void
handle (const RcTestWebrtcEvent *ev, gpointer data)
{
  Side *self = data;
  Pair *pair = self->pair;
  Side *other = self == &pair->a ? &pair->b : &pair->a;
  GstWebRTCSessionDescription *desc = NULL;

  switch (ev->kind) {
  case RC_TEST_WEBRTC_PROMISE:
    if (ev->result != GST_PROMISE_RESULT_REPLIED) {
      pair->failed = TRUE;
      break;
    }
    if (ev->tag == TAG_OFFER && ev->reply) {
      gst_structure_get (ev->reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
      if (desc == NULL) {
        pair->failed = TRUE;
        break;
      }
      set_desc (self->webrtc, "set-local-description", desc, NULL);
      set_desc (other->webrtc, "set-remote-description", desc,
                rc_test_webrtc_events_promise (other->events, TAG_REMOTE_B));
    } else if (ev->tag == TAG_REMOTE_B) {
      GstPromise *p = rc_test_webrtc_events_promise (self->events, TAG_ANSWER);
      g_signal_emit_by_name (self->webrtc, "create-answer", NULL, p);
      gst_promise_unref (p);
    } else if (ev->tag == TAG_ANSWER && ev->reply) {
      gst_structure_get (ev->reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
      if (desc == NULL) {
        pair->failed = TRUE;
        break;
      }
      set_desc (self->webrtc, "set-local-description", desc, NULL);
      set_desc (other->webrtc, "set-remote-description", desc, NULL);
    }
    g_clear_pointer (&desc, gst_webrtc_session_description_free);
    break;
  case RC_TEST_WEBRTC_CANDIDATE:
    g_signal_emit_by_name (other->webrtc, "add-ice-candidate", ev->mline, ev->candidate);
    break;
  case RC_TEST_WEBRTC_STATE:
    if (ev->value == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
      pair->connected = TRUE;
    else if (ev->value == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
      pair->failed = TRUE;
    break;
  case RC_TEST_WEBRTC_PAD:
    if (self->receiver && !rc_test_receiver_link (self->receiver, self->pipeline, ev->pad))
      pair->failed = TRUE;
    break;
  case RC_TEST_WEBRTC_GATHERED:
    break;
  case RC_TEST_WEBRTC_ERROR:
    g_printerr ("roomcast-loadgen: baseline: %s\n", ev->message);
    pair->failed = TRUE;
    break;
  }
}

static gboolean
side_init (Side *s, Pair *pair, const char *local_ip, double tone_hz, const double *probe_hz,
           guint n_probe_hz)
{
  s->pair = pair;
  s->pipeline = rc_test_webrtc_new (local_ip, JITTERBUFFER_MS, &s->webrtc);
  if (s->pipeline == NULL)
    return FALSE;
  if (tone_hz > 0) {
    g_autoptr (GstPad)
      sink = rc_test_tone_add (s->pipeline, s->webrtc, tone_hz, OPUS_PT, 0, NULL);
    if (sink == NULL)
      return FALSE;
  } else {
    s->receiver = rc_test_receiver_new ("baseline", TRUE, probe_hz, n_probe_hz);
  }
  s->events = rc_test_webrtc_events_new (NULL, s->pipeline, s->webrtc, s->receiver, handle, s);
  return gst_element_set_state (s->pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

static void
side_clear (Side *s)
{
  if (s->events)
    rc_test_webrtc_events_stop (s->events);
  if (s->pipeline) {
    gst_element_set_state (s->pipeline, GST_STATE_NULL);
    gst_object_unref (s->pipeline);
  }
  rc_test_receiver_free (s->receiver);
}

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
run_for (double seconds)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_timeout_add ((guint) (seconds * 1000), quit_loop, loop);
  g_main_loop_run (loop);
}

gboolean
loadgen_baseline_run (const double *tones, guint n_tones, const char *local_ip, double warmup,
                      double seconds, JsonBuilder *b)
{
  Pair *pairs = g_new0 (Pair, n_tones);
  guint connected = 0;
  GstPromise *p;

  for (guint i = 0; i < n_tones; i++) {
    if (!side_init (&pairs[i].a, &pairs[i], local_ip, tones[i], NULL, 0) ||
        !side_init (&pairs[i].b, &pairs[i], local_ip, 0, tones, n_tones)) {
      pairs[i].failed = TRUE;
      continue;
    }
    p = rc_test_webrtc_events_promise (pairs[i].a.events, TAG_OFFER);
    g_signal_emit_by_name (pairs[i].a.webrtc, "create-offer", NULL, p);
    gst_promise_unref (p);
  }
  for (guint t = 0; t < 30; t++) {
    guint settled = 0;
    for (guint i = 0; i < n_tones; i++)
      settled += pairs[i].connected || pairs[i].failed;
    if (settled == n_tones)
      break;
    run_for (0.5);
  }
  run_for (warmup);
  loadgen_latency_only_heard ();
  loadgen_latency_window (TRUE);
  g_printerr ("roomcast-loadgen: baseline measuring for %.0f s\n", seconds);
  run_for (seconds);
  loadgen_latency_window (FALSE);
  for (guint i = 0; i < n_tones; i++)
    connected += pairs[i].connected && !pairs[i].failed;
  json_builder_set_member_name (b, "pairs");
  json_builder_add_int_value (b, n_tones);
  json_builder_set_member_name (b, "connected");
  json_builder_add_int_value (b, connected);
  loadgen_latency_report (b, "direct");
  for (guint i = 0; i < n_tones; i++) {
    side_clear (&pairs[i].a);
    side_clear (&pairs[i].b);
  }
  g_free (pairs);
  /* A pair or two may not connect on a loaded machine (not investigated);
   * the others measure the path. */
  return connected > 0;
}
