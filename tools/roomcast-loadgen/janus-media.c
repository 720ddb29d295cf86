/* roomcast-loadgen: a Janus peer's webrtcbin offerer; see janus-media.h. */
#include "janus-media.h"

#include <string.h>

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include "rc-test-media.h"

#define OPUS_PT 111
/* What we offer: Opus as browsers offer it, "opus/48000/2" (Janus finds no
 * Opus without the /2) with useinbandfec=1 (AudioBridge then turns FEC on
 * in its encoder for this peer). */
#define OPUS_CAPS \
  "application/x-rtp, media=(string)audio, clock-rate=(int)48000, " \
  "encoding-name=(string)OPUS, encoding-params=(string)2, payload=(int)111, " \
  "useinbandfec=(string)1, minptime=(string)10"
#define JITTERBUFFER_MS 60  /* as RcTestClient's default */

struct _JanusMedia {
  JanusMediaCallbacks callbacks;
  gpointer user_data;
  double tone_hz;
  gboolean failed;
  gint64 start_us;

  GstElement *pipeline, *webrtc;
  RcTestWebrtcEvents *events; /* webrtcbin callbacks, posted to the creator's context */
  gboolean answered;
  RcTestReceiver *receiver;   /* freed after the pipeline went to NULL */
};

/* What each webrtcbin promise was for. */
enum { TAG_OFFER, TAG_LOCAL_SET, TAG_REMOTE_SET };

static void
media_fail (JanusMedia *m, const char *reason)
{
  if (m->failed)
    return;
  m->failed = TRUE;
  m->callbacks.failed (reason, m->user_data);
}

/* --- main loop: media -------------------------------------------------------- */

/* FALSE (and the media failed) when a promise did not succeed. */
static gboolean
reply_ok (JanusMedia *m, const RcTestWebrtcEvent *ev, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = NULL;

  if (ev->result == GST_PROMISE_RESULT_REPLIED &&
      !(ev->reply && gst_structure_has_field_typed (ev->reply, "error", G_TYPE_ERROR)))
    return TRUE;
  if (ev->reply)
    gst_structure_get (ev->reply, "error", G_TYPE_ERROR, &error, NULL);
  reason = g_strdup_printf ("%s: %s", what, error ? error->message : "no reply");
  media_fail (m, reason);
  return FALSE;
}

/* A promise of webrtcbin resolved. */
static void
handle_reply (JanusMedia *m, const RcTestWebrtcEvent *ev)
{
  GstPromise *promise;

  switch (ev->tag) {
  case TAG_OFFER: {
    GstWebRTCSessionDescription *offer = NULL;

    if (!reply_ok (m, ev, "create-offer"))
      return;
    gst_structure_get (ev->reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
    if (offer == NULL) {
      media_fail (m, "create-offer: no offer");
      return;
    }
    g_object_set_data_full (G_OBJECT (m->webrtc), "janus-offer",
                            gst_sdp_message_as_text (offer->sdp), g_free);
    promise = rc_test_webrtc_events_promise (m->events, TAG_LOCAL_SET);
    g_signal_emit_by_name (m->webrtc, "set-local-description", offer, promise);
    gst_promise_unref (promise);
    gst_webrtc_session_description_free (offer);
    break;
  }
  case TAG_LOCAL_SET:
    if (reply_ok (m, ev, "set-local-description"))
      m->callbacks.offer (g_object_get_data (G_OBJECT (m->webrtc), "janus-offer"), m->user_data);
    break;
  case TAG_REMOTE_SET:
    reply_ok (m, ev, "set-remote-description");
    break;
  }
}

/* Main context: an event of the webrtcbin. */
static void
handle (const RcTestWebrtcEvent *ev, gpointer data)
{
  JanusMedia *m = data;

  switch (ev->kind) {
  case RC_TEST_WEBRTC_PROMISE:
    handle_reply (m, ev);
    break;
  case RC_TEST_WEBRTC_CANDIDATE:
    m->callbacks.candidate (ev->mline, ev->candidate, m->user_data);
    break;
  case RC_TEST_WEBRTC_GATHERED:
    m->callbacks.candidate (0, NULL, m->user_data);
    break;
  case RC_TEST_WEBRTC_STATE:
    if (ev->value == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && !m->failed)
      m->callbacks.connected (m->user_data);
    else if (ev->value == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
      media_fail (m, "client connection failed");
    break;
  case RC_TEST_WEBRTC_PAD:
    if (!rc_test_receiver_link (m->receiver, m->pipeline, ev->pad))
      media_fail (m, "cannot link the receiving branch");
    break;
  case RC_TEST_WEBRTC_ERROR: {
    g_autofree char *reason = g_strdup_printf ("client pipeline: %s", ev->message);
    media_fail (m, reason);
    break;
  }
  }
}

/* The send branch (speaker) or a recvonly transceiver (listener), both
 * offering OPUS_CAPS. */
static gboolean
build_transceiver (JanusMedia *m)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string (OPUS_CAPS);
  g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;

  if (m->tone_hz > 0) {
    /* Janus knows a sender's stream only by the a=ssrc of its offer (or a
     * mid header extension): the offer is made before the payloader's caps
     * reach webrtcbin, so the SSRC is chosen here, for both. */
    guint32 ssrc = g_random_int_range (1, G_MAXINT32);
    g_autoptr (GstPad) sink = rc_test_tone_add (m->pipeline, m->webrtc, m->tone_hz, OPUS_PT, ssrc,
                                                NULL);

    if (sink == NULL)
      return FALSE;
    gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, ssrc, NULL);
    g_object_get (sink, "transceiver", &trans, NULL);
    if (trans == NULL)
      return FALSE;
    g_object_set (trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV,
                  "codec-preferences", caps, NULL);
  } else {
    g_signal_emit_by_name (m->webrtc, "add-transceiver",
                           GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
    if (trans == NULL)
      return FALSE;
  }
  return TRUE;
}

/* The pipeline, running, with the offer asked for. */
static gboolean
build (JanusMedia *m, const char *local_ip)
{
  GstPromise *promise;

  m->pipeline = rc_test_webrtc_new (local_ip, JITTERBUFFER_MS, &m->webrtc);
  if (m->pipeline == NULL)
    return FALSE;
  if (!build_transceiver (m))
    return FALSE;
  m->events = rc_test_webrtc_events_new (NULL, m->pipeline, m->webrtc, m->receiver, handle, m);
  if (gst_element_set_state (m->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    return FALSE;
  promise = rc_test_webrtc_events_promise (m->events, TAG_OFFER);
  g_signal_emit_by_name (m->webrtc, "create-offer", NULL, promise);
  gst_promise_unref (promise);
  return TRUE;
}

/* --- API --------------------------------------------------------------------- */

JanusMedia *
janus_media_new (const JanusMediaOptions *options, const JanusMediaCallbacks *callbacks,
                 gpointer user_data, GError **error)
{
  JanusMedia *m;

  g_return_val_if_fail (options && options->local_ip && callbacks, NULL);
  m = g_new0 (JanusMedia, 1);
  m->callbacks = *callbacks;
  m->user_data = user_data;
  m->tone_hz = options->tone_hz;
  m->start_us = g_get_monotonic_time ();
  m->receiver = rc_test_receiver_new ("janus media", options->decode, options->probe_hz,
                                      options->decode ? options->n_probe_hz : 0);
  rc_test_receiver_set_own_tone (m->receiver, options->tone_hz);
  if (!build (m, options->local_ip)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot build the client pipeline");
    janus_media_free (m);
    return NULL;
  }
  return m;
}

void
janus_media_set_answer (JanusMedia *self, const char *text)
{
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  if (self->answered || self->failed)
    return;
  if (text == NULL || gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK) {
    if (sdp)
      gst_sdp_message_free (sdp);
    media_fail (self, "bad SDP answer");
    return;
  }
  self->answered = TRUE;
  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  promise = rc_test_webrtc_events_promise (self->events, TAG_REMOTE_SET);
  g_signal_emit_by_name (self->webrtc, "set-remote-description", desc, promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (desc);
}

void
janus_media_add_candidate (JanusMedia *self, guint mline_index, const char *candidate)
{
  if (!self->failed)
    g_signal_emit_by_name (self->webrtc, "add-ice-candidate", mline_index, candidate);
}

void
janus_media_get_counters (JanusMedia *self, LoadPeerCounters *counters)
{
  RcTestClientCounters k;

  rc_test_receiver_get_counters (self->receiver, &k);
  load_peer_counters_from_test (counters, &k, self->start_us);
}

double
janus_media_get_level_db (JanusMedia *self, guint index)
{
  return rc_test_receiver_get_mean_level_db (self->receiver, index);
}

/* Sets the pipeline to NULL (no pad is ever released) and forgets it. */
void
janus_media_free (JanusMedia *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->events, rc_test_webrtc_events_stop);
  if (self->pipeline) {
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
    g_clear_object (&self->pipeline);
    self->webrtc = NULL;
  }
  g_clear_pointer (&self->receiver, rc_test_receiver_free);
  g_free (self);
}
