/* roomcast-loadgen: a Janus peer's webrtcbin offerer; see janus-media.h. */
#include "janus-media.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gst/webrtc/webrtc.h>

#include "goertzel.h"

#define OPUS_PT 111
/* What we offer: Opus as browsers offer it, "opus/48000/2" (Janus finds no
 * Opus without the /2) with useinbandfec=1 (AudioBridge then turns FEC on
 * in its encoder for this peer). */
#define OPUS_CAPS \
  "application/x-rtp, media=(string)audio, clock-rate=(int)48000, " \
  "encoding-name=(string)OPUS, encoding-params=(string)2, payload=(int)111, " \
  "useinbandfec=(string)1, minptime=(string)10"
#define JITTERBUFFER_MS 60  /* as RcTestClient's default */
#define ANALYSIS_WINDOW 4800 /* 100 ms at 48 kHz */
#define RTP_CLOCK_RATE 48000

struct _JanusMedia {
  gatomicrefcount refs; /* the owner's + one per pending event or promise */
  gboolean dead;        /* freed: ignore late events, no more callbacks */
  GMainContext *context;
  JanusMediaCallbacks callbacks;
  gpointer user_data;
  double tone_hz;
  gboolean decode;
  guint n_probe_hz;
  gboolean failed;

  GstElement *pipeline, *webrtc;
  GstPad *linked_src; /* the webrtcbin src pad whose buffers may pass (atomic) */
  gboolean answered;
  guint bus_watch;

  /* written by streaming threads under @lock */
  GMutex lock;
  LoadPeerCounters counters;
  gboolean have_seq;
  guint16 last_seq;
  guint32 last_ts;
  gint64 last_arrival_us;
  double jitter; /* RTP clock units */
  RcGoertzel *goertzel;
};

static JanusMedia *
media_ref (JanusMedia *m)
{
  g_atomic_ref_count_inc (&m->refs);
  return m;
}

static void
media_unref (JanusMedia *m)
{
  if (!g_atomic_ref_count_dec (&m->refs))
    return;
  g_clear_object (&m->linked_src);
  g_clear_pointer (&m->goertzel, rc_goertzel_free);
  g_mutex_clear (&m->lock);
  g_main_context_unref (m->context);
  g_free (m);
}

static void
media_fail (JanusMedia *m, const char *reason)
{
  if (m->failed || m->dead)
    return;
  m->failed = TRUE;
  m->callbacks.failed (reason, m->user_data);
}

/* --- events from GStreamer threads ------------------------------------------ */

typedef enum {
  EV_OFFER, EV_LOCAL_SET, EV_REMOTE_SET, /* promise replies */
  EV_CANDIDATE, EV_GATHERED, EV_STATE, EV_PAD,
} Kind;

typedef struct {
  JanusMedia *media; /* ref */
  Kind kind;
  GstPromiseResult result;
  GstStructure *reply;
  guint mline;
  char *candidate;
  gint value;
  GstPad *pad;
} Event;

static void
event_free (gpointer data)
{
  Event *ev = data;

  media_unref (ev->media);
  g_clear_pointer (&ev->reply, gst_structure_free);
  g_free (ev->candidate);
  g_clear_object (&ev->pad);
  g_free (ev);
}

static gboolean dispatch (gpointer data);

/* An idle source on the owner's context (never g_main_context_invoke(), which
 * would run it right here when called from the owning thread). */
static void
post (JanusMedia *m, Event *ev)
{
  GSource *source = g_idle_source_new ();

  ev->media = media_ref (m);
  g_source_set_callback (source, dispatch, ev, event_free);
  g_source_attach (source, m->context);
  g_source_unref (source);
}

typedef struct {
  JanusMedia *media; /* ref */
  Kind kind;
} PromiseData;

static void
promise_data_free (gpointer data)
{
  PromiseData *pd = data;

  media_unref (pd->media);
  g_free (pd);
}

static void
on_promise (GstPromise *promise, gpointer data)
{
  PromiseData *pd = data;
  Event *ev = g_new0 (Event, 1);
  const GstStructure *reply;

  ev->kind = pd->kind;
  ev->result = gst_promise_wait (promise);
  reply = ev->result == GST_PROMISE_RESULT_REPLIED ? gst_promise_get_reply (promise) : NULL;
  ev->reply = reply ? gst_structure_copy (reply) : NULL;
  post (pd->media, ev);
}

static GstPromise *
promise_new (JanusMedia *m, Kind kind)
{
  PromiseData *pd = g_new0 (PromiseData, 1);

  pd->media = media_ref (m);
  pd->kind = kind;
  return gst_promise_new_with_change_func (on_promise, pd, promise_data_free);
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer data)
{
  Event *ev = g_new0 (Event, 1);

  ev->kind = EV_CANDIDATE;
  ev->mline = mline;
  ev->candidate = g_strdup (candidate);
  post (data, ev);
}

static void
on_notify (GObject *webrtc, GParamSpec *pspec, gpointer data)
{
  gboolean gathering = g_str_equal (pspec->name, "ice-gathering-state");
  gint value = 0;
  Event *ev;

  g_object_get (webrtc, pspec->name, &value, NULL);
  if (gathering && value != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    return;
  ev = g_new0 (Event, 1);
  ev->kind = gathering ? EV_GATHERED : EV_STATE;
  ev->value = value;
  post (data, ev);
}

/* Streaming thread: RTP counters before decoding; buffers are dropped until
 * the main loop linked the receiving branch to this pad. */
static GstPadProbeReturn
on_rtp (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  JanusMedia *self = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gint64 now = g_get_monotonic_time ();

  if (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp)) {
    guint16 seq = gst_rtp_buffer_get_seq (&rtp);
    guint32 ts = gst_rtp_buffer_get_timestamp (&rtp);

    g_mutex_lock (&self->lock);
    if (self->counters.packets++ == 0)
      self->counters.first_packet_us = now;
    self->counters.bytes += gst_buffer_get_size (buf);
    if (self->have_seq) {
      guint16 step = seq - self->last_seq;
      /* RFC 3550 A.8: D = (R_j - R_i) - (S_j - S_i), in RTP clock units */
      double d = (double) (now - self->last_arrival_us) * RTP_CLOCK_RATE / G_USEC_PER_SEC -
                 (double) (gint32) (ts - self->last_ts);

      if (step > 1 && step < 0x8000)
        self->counters.seq_gaps += step - 1;
      self->jitter += (fabs (d) - self->jitter) / 16.0;
    }
    self->last_seq = seq;
    self->last_ts = ts;
    self->last_arrival_us = now;
    self->have_seq = TRUE;
    g_mutex_unlock (&self->lock);
    gst_rtp_buffer_unmap (&rtp);
  }
  return g_atomic_pointer_get (&self->linked_src) == pad ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer data)
{
  Event *ev;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_rtp, data, NULL);
  ev = g_new0 (Event, 1);
  ev->kind = EV_PAD;
  ev->pad = gst_object_ref (pad);
  post (data, ev);
}

/* Streaming thread: decoded audio into the meter. */
static GstFlowReturn
on_sample (GstAppSink *sink, gpointer data)
{
  JanusMedia *self = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer (sample) : NULL;
  GstMapInfo map;

  if (buf && gst_buffer_map (buf, &map, GST_MAP_READ)) {
    g_mutex_lock (&self->lock);
    if (self->goertzel)
      rc_goertzel_feed (self->goertzel, (const float *) map.data, map.size / sizeof (float));
    g_mutex_unlock (&self->lock);
    gst_buffer_unmap (buf, &map);
  }
  return GST_FLOW_OK;
}

/* --- main loop: media -------------------------------------------------------- */

/* FALSE (and the media failed) when a promise did not succeed. */
static gboolean
reply_ok (JanusMedia *m, Event *ev, const char *what)
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

static void
link_receiver (JanusMedia *m, GstPad *pad)
{
  g_autoptr (GstPad) sink = NULL;
  GstElement *first;

  if (m->linked_src) {
    g_message ("janus media: ignoring a second stream");
    return;
  }
  if (!m->decode) {
    first = gst_element_factory_make ("fakesink", NULL);
    g_object_set (first, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add (GST_BIN (m->pipeline), first);
  } else {
    GstElement *depay = gst_element_factory_make ("rtpopusdepay", NULL);
    GstElement *dec = gst_element_factory_make ("opusdec", NULL);
    GstElement *conv = gst_element_factory_make ("audioconvert", NULL);
    GstElement *res = gst_element_factory_make ("audioresample", NULL);
    GstElement *sinkel = gst_element_factory_make ("appsink", NULL);
    g_autoptr (GstCaps) caps =
      gst_caps_from_string ("audio/x-raw,format=F32LE,channels=1,rate=48000");
    GstAppSinkCallbacks callbacks = { .new_sample = on_sample };
    GstElement *chain[] = { sinkel, res, conv, dec }; /* downstream first */

    g_object_set (dec, "use-inband-fec", TRUE, "plc", TRUE, NULL);
    g_object_set (sinkel, "sync", FALSE, "async", FALSE, "caps", caps, NULL);
    gst_app_sink_set_callbacks (GST_APP_SINK (sinkel), &callbacks, m, NULL);
    gst_bin_add_many (GST_BIN (m->pipeline), depay, dec, conv, res, sinkel, NULL);
    gst_element_link_many (depay, dec, conv, res, sinkel, NULL);
    for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
      gst_element_sync_state_with_parent (chain[i]);
    first = depay;
  }
  gst_element_sync_state_with_parent (first);
  sink = gst_element_get_static_pad (first, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK) {
    media_fail (m, "cannot link the receiving branch");
    return;
  }
  g_atomic_pointer_set (&m->linked_src, gst_object_ref (pad));
}

static void
handle (JanusMedia *m, Event *ev)
{
  GstPromise *promise;

  switch (ev->kind) {
  case EV_OFFER: {
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
    promise = promise_new (m, EV_LOCAL_SET);
    g_signal_emit_by_name (m->webrtc, "set-local-description", offer, promise);
    gst_promise_unref (promise);
    gst_webrtc_session_description_free (offer);
    break;
  }
  case EV_LOCAL_SET:
    if (reply_ok (m, ev, "set-local-description"))
      m->callbacks.offer (g_object_get_data (G_OBJECT (m->webrtc), "janus-offer"), m->user_data);
    break;
  case EV_REMOTE_SET:
    reply_ok (m, ev, "set-remote-description");
    break;
  case EV_CANDIDATE:
    m->callbacks.candidate (ev->mline,
                            g_str_has_prefix (ev->candidate, "a=") ? ev->candidate + 2
                                                                   : ev->candidate,
                            m->user_data);
    break;
  case EV_GATHERED:
    m->callbacks.candidate (0, NULL, m->user_data);
    break;
  case EV_STATE:
    if (ev->value == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && !m->failed)
      m->callbacks.connected (m->user_data);
    else if (ev->value == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
      media_fail (m, "client connection failed");
    break;
  case EV_PAD:
    link_receiver (m, ev->pad);
    break;
  }
}

static gboolean
dispatch (gpointer data)
{
  Event *ev = data;

  if (!ev->media->dead)
    handle (ev->media, ev);
  return G_SOURCE_REMOVE;
}

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  JanusMedia *m = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_LATENCY) {
    gst_bin_recalculate_latency (GST_BIN (m->pipeline));
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;
    g_autofree char *reason = NULL;

    gst_message_parse_error (msg, &error, NULL);
    reason = g_strdup_printf ("client pipeline: %s: %s", GST_MESSAGE_SRC_NAME (msg),
                              error->message);
    media_fail (m, reason);
  }
  return G_SOURCE_CONTINUE;
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
    guint ssrc = g_random_int ();
    g_autofree char *desc = g_strdup_printf (
      "audiotestsrc is-live=true wave=sine freq=%g volume=0.25 samplesperbuffer=960 ! "
      "audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=1 ! "
      "opusenc bitrate=32000 frame-size=20 inband-fec=true ! rtpopuspay pt=%d ssrc=%u",
      m->tone_hz, OPUS_PT, ssrc);
    g_autoptr (GError) error = NULL;
    GstElement *send = gst_parse_bin_from_description (desc, TRUE, &error);
    g_autoptr (GstPad) src = NULL;
    g_autoptr (GstPad) sink = NULL;

    if (send == NULL)
      return FALSE;
    gst_bin_add (GST_BIN (m->pipeline), send);
    src = gst_element_get_static_pad (send, "src");
    sink = gst_element_request_pad_simple (m->webrtc, "sink_%u");
    if (sink == NULL || gst_pad_link (src, sink) != GST_PAD_LINK_OK)
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
  g_autoptr (GstWebRTCICE) ice = NULL;
  g_autoptr (GObject) agent = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstPromise *promise;
  gboolean ok = FALSE;

  m->pipeline = gst_pipeline_new (NULL);
  m->webrtc = gst_element_factory_make ("webrtcbin", NULL);
  if (m->webrtc == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (m->pipeline), m->webrtc);
  g_object_set (m->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                JITTERBUFFER_MS, NULL);
  g_object_get (m->webrtc, "ice-agent", &ice, NULL);
  g_object_set (ice, "ice-tcp", FALSE, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL); /* no SSDP multicast */
  g_signal_emit_by_name (ice, "add-local-ip-address", local_ip, &ok);
  if (!ok || !build_transceiver (m))
    return FALSE;
  g_signal_connect (m->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), m);
  g_signal_connect (m->webrtc, "notify::connection-state", G_CALLBACK (on_notify), m);
  g_signal_connect (m->webrtc, "notify::ice-gathering-state", G_CALLBACK (on_notify), m);
  g_signal_connect (m->webrtc, "pad-added", G_CALLBACK (on_pad_added), m);
  bus = gst_pipeline_get_bus (GST_PIPELINE (m->pipeline));
  m->bus_watch = gst_bus_add_watch (bus, on_bus, m);
  if (gst_element_set_state (m->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    return FALSE;
  promise = promise_new (m, EV_OFFER);
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
  g_atomic_ref_count_init (&m->refs);
  m->context = g_main_context_ref_thread_default ();
  m->callbacks = *callbacks;
  m->user_data = user_data;
  m->tone_hz = options->tone_hz;
  m->decode = options->decode;
  g_mutex_init (&m->lock);
  m->counters.start_us = g_get_monotonic_time ();
  if (options->decode && options->probe_hz && options->n_probe_hz > 0) {
    m->n_probe_hz = options->n_probe_hz;
    m->goertzel = rc_goertzel_new (RTP_CLOCK_RATE, ANALYSIS_WINDOW, options->probe_hz,
                                   options->n_probe_hz);
  }
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
  promise = promise_new (self, EV_REMOTE_SET);
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
  g_mutex_lock (&self->lock);
  *counters = self->counters;
  counters->jitter_ms = self->jitter * 1000.0 / RTP_CLOCK_RATE;
  g_mutex_unlock (&self->lock);
}

double
janus_media_get_level_db (JanusMedia *self, guint index)
{
  double db;

  g_mutex_lock (&self->lock);
  db = self->goertzel && index < self->n_probe_hz ? rc_goertzel_level_db (self->goertzel, index)
                                                   : RC_GOERTZEL_FLOOR_DB;
  g_mutex_unlock (&self->lock);
  return db;
}

/* Sets the pipeline to NULL (no pad is ever released) and forgets it. */
void
janus_media_free (JanusMedia *self)
{
  if (self == NULL)
    return;
  self->dead = TRUE;
  if (self->webrtc)
    g_signal_handlers_disconnect_by_data (self->webrtc, self);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline) {
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
    g_clear_object (&self->pipeline);
    self->webrtc = NULL;
  }
  media_unref (self);
}
