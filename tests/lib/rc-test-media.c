/* roomcast tests: webrtcbin media pieces shared by the test client and the
 * load generator; see rc-test-media.h. */
#include "rc-test-media.h"

#include <math.h>

#include <gst/app/app.h>
#include <gst/rtp/rtp.h>
#include <gst/webrtc/webrtc.h>

#include "goertzel.h"

#define RTP_CLOCK_RATE 48000
#define ANALYSIS_WINDOW 4800 /* 100 ms at 48 kHz */

static const RcTestMediaTaps *taps;

void
rc_test_media_set_taps (const RcTestMediaTaps *t)
{
  taps = t;
}

/* Streaming thread: the raw tone, to the send tap. */
static GstPadProbeReturn
on_tone (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  double tone_hz = *(double *) data;
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  g_autoptr (GstElement) src = gst_pad_get_parent_element (pad);
  GstMapInfo map;

  GST_PAD_PROBE_INFO_DATA (info) = buf;
  if (src && GST_BUFFER_PTS_IS_VALID (buf) && gst_buffer_map (buf, &map, GST_MAP_READWRITE)) {
    taps->send (tone_hz, gst_element_get_base_time (src) + GST_BUFFER_PTS (buf),
                (float *) map.data, map.size / sizeof (float));
    gst_buffer_unmap (buf, &map);
  }
  return GST_PAD_PROBE_OK;
}

GstElement *
rc_test_webrtc_new (const char *local_ip, guint latency_ms, GstElement **webrtc)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  g_autoptr (GstWebRTCICE) ice = NULL;
  g_autoptr (GObject) agent = NULL;
  gboolean ok = FALSE;

  *webrtc = gst_element_factory_make ("webrtcbin", NULL);
  if (*webrtc == NULL)
    return NULL;
  gst_bin_add (GST_BIN (pipeline), *webrtc);
  g_object_set (*webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                latency_ms, NULL);
  g_object_get (*webrtc, "ice-agent", &ice, NULL);
  g_object_set (ice, "ice-tcp", FALSE, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  /* no SSDP multicast off loopback; keepalives as binding requests: an
   * ICE-lite server (the lite receive transport) takes only those as consent
   * to keep sending (RFC 7675), browsers send them anyway */
  g_object_set (agent, "upnp", FALSE, "keepalive-conncheck", TRUE, NULL);
  g_signal_emit_by_name (ice, "add-local-ip-address", local_ip, &ok);
  if (!ok)
    return NULL;
  return g_steal_pointer (&pipeline);
}

GstPad *
rc_test_tone_add (GstElement *pipeline, GstElement *webrtc, double tone_hz, guint pt,
                  guint32 ssrc, GstElement **pay)
{
  g_autofree char *ssrc_prop = ssrc ? g_strdup_printf (" ssrc=%u", ssrc) : g_strdup ("");
  g_autofree char *desc = g_strdup_printf (
    "audiotestsrc name=tone is-live=true wave=sine freq=%g volume=0.25 samplesperbuffer=960 ! "
    "audio/x-raw,format=F32LE,rate=48000,channels=1 ! audioconvert ! audioresample ! "
    "audio/x-raw,rate=48000,channels=1 ! "
    "opusenc bitrate=32000 frame-size=20 inband-fec=true ! rtpopuspay name=pay pt=%u%s",
    tone_hz, pt, ssrc_prop);
  g_autoptr (GError) error = NULL;
  GstElement *send = gst_parse_bin_from_description (desc, TRUE, &error);
  g_autoptr (GstPad) src = NULL;
  g_autoptr (GstPad) sink = NULL;

  if (send == NULL)
    return NULL;
  gst_bin_add (GST_BIN (pipeline), send);
  if (taps && taps->send) {
    g_autoptr (GstElement) tone = gst_bin_get_by_name (GST_BIN (send), "tone");
    g_autoptr (GstPad) tone_src = gst_element_get_static_pad (tone, "src");
    double *hz = g_new (double, 1);

    *hz = tone_hz;
    gst_pad_add_probe (tone_src, GST_PAD_PROBE_TYPE_BUFFER, on_tone, hz, g_free);
  }
  src = gst_element_get_static_pad (send, "src");
  sink = gst_element_request_pad_simple (webrtc, "sink_%u");
  if (sink == NULL || gst_pad_link (src, sink) != GST_PAD_LINK_OK)
    return NULL;
  if (pay)
    *pay = gst_bin_get_by_name (GST_BIN (send), "pay");
  return g_steal_pointer (&sink);
}

/* --- RcTestReceiver ------------------------------------------------------------ */

struct _RcTestReceiver {
  char *label;
  gboolean decode;
  guint n_probe_hz;
  double own_hz;      /* for the receive tap */
  GstPad *linked_src; /* the webrtcbin src pad whose buffers may pass (atomic) */

  /* written by streaming threads under @lock */
  GMutex lock;
  RcGoertzel *goertzel;
  RcTestClientCounters counters;
  gboolean have_seq;
  guint16 last_seq;
  gint64 last_arrival_us; /* jitter: the previous packet's arrival time ... */
  guint32 last_rtp_ts;    /* ... and RTP timestamp */
  double jitter;          /* in clock units */
};

RcTestReceiver *
rc_test_receiver_new (const char *label, gboolean decode, const double *probe_hz,
                      guint n_probe_hz)
{
  RcTestReceiver *self = g_new0 (RcTestReceiver, 1);

  self->label = g_strdup (label);
  self->decode = decode;
  self->n_probe_hz = n_probe_hz;
  g_mutex_init (&self->lock);
  if (n_probe_hz > 0)
    self->goertzel = rc_goertzel_new (RTP_CLOCK_RATE, ANALYSIS_WINDOW, probe_hz, n_probe_hz);
  return self;
}

void
rc_test_receiver_free (RcTestReceiver *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->linked_src);
  g_clear_pointer (&self->goertzel, rc_goertzel_free);
  g_mutex_clear (&self->lock);
  g_free (self->label);
  g_free (self);
}

void
rc_test_receiver_set_own_tone (RcTestReceiver *self, double tone_hz)
{
  self->own_hz = tone_hz;
}

/* Streaming thread: RTP counters, taken before decoding. */
static GstPadProbeReturn
on_rtp (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  RcTestReceiver *self = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp)) {
    guint16 seq = gst_rtp_buffer_get_seq (&rtp);
    guint32 ssrc = gst_rtp_buffer_get_ssrc (&rtp);
    guint32 ts = gst_rtp_buffer_get_timestamp (&rtp);
    gint64 now = g_get_monotonic_time ();

    g_mutex_lock (&self->lock);
    if (self->counters.packets == 0) {
      self->counters.first_packet_us = now;
    } else if (ssrc == self->counters.ssrc) {
      /* RFC 3550 A.8: D = difference of transit times, in RTP clock units. */
      double d = (double) (now - self->last_arrival_us) * RTP_CLOCK_RATE / G_USEC_PER_SEC -
                 (gint32) (ts - self->last_rtp_ts);
      self->jitter += (fabs (d) - self->jitter) / 16.0;
    }
    self->last_arrival_us = now;
    self->last_rtp_ts = ts;
    self->counters.jitter_ms = self->jitter * 1000.0 / RTP_CLOCK_RATE;
    self->counters.packets++;
    self->counters.bytes += gst_buffer_get_size (buf);
    if (self->counters.packets > 1 && ssrc != self->counters.ssrc)
      self->counters.ssrc_changes++;
    self->counters.ssrc = ssrc;
    if (self->have_seq && (guint16) (seq - self->last_seq) > 1 &&
        (guint16) (seq - self->last_seq) < 0x8000) {
      self->counters.seq_gaps += (guint16) (seq - self->last_seq) - 1;
      self->counters.gap_events++;
    }
    self->last_seq = seq;
    self->have_seq = TRUE;
    g_mutex_unlock (&self->lock);
    gst_rtp_buffer_unmap (&rtp);
  }
  return g_atomic_pointer_get (&self->linked_src) == pad ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

void
rc_test_receiver_watch_pad (RcTestReceiver *self, GstPad *pad)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_rtp, self, NULL);
}

/* Streaming thread: decoded audio into the meter. */
static GstFlowReturn
on_sample (GstAppSink *sink, gpointer data)
{
  RcTestReceiver *self = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer (sample) : NULL;
  GstMapInfo map;

  if (buf && gst_buffer_map (buf, &map, GST_MAP_READ)) {
    if (taps && taps->receive) {
      g_autoptr (GstClock) clock = gst_system_clock_obtain ();
      taps->receive (self, self->own_hz, (const float *) map.data, map.size / sizeof (float),
                     gst_clock_get_time (clock));
    }
    g_mutex_lock (&self->lock);
    self->counters.samples += map.size / sizeof (float);
    if (self->goertzel) {
      rc_goertzel_feed (self->goertzel, (const float *) map.data, map.size / sizeof (float));
      self->counters.windows = rc_goertzel_get_windows (self->goertzel);
    }
    g_mutex_unlock (&self->lock);
    gst_buffer_unmap (buf, &map);
  }
  return GST_FLOW_OK;
}

gboolean
rc_test_receiver_link (RcTestReceiver *self, GstElement *pipeline, GstPad *pad)
{
  g_autoptr (GstPad) sink = NULL;
  GstElement *first;

  if (self->linked_src) {
    g_message ("%s: ignoring a second stream", self->label);
    return TRUE;
  }
  if (!self->decode) {
    first = gst_element_factory_make ("fakesink", NULL);
    g_object_set (first, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add (GST_BIN (pipeline), first);
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
    gst_app_sink_set_callbacks (GST_APP_SINK (sinkel), &callbacks, self, NULL);
    gst_bin_add_many (GST_BIN (pipeline), depay, dec, conv, res, sinkel, NULL);
    gst_element_link_many (depay, dec, conv, res, sinkel, NULL);
    for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
      gst_element_sync_state_with_parent (chain[i]);
    first = depay;
  }
  gst_element_sync_state_with_parent (first);
  sink = gst_element_get_static_pad (first, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    return FALSE;
  g_atomic_pointer_set (&self->linked_src, gst_object_ref (pad));
  return TRUE;
}

void
rc_test_receiver_get_counters (RcTestReceiver *self, RcTestClientCounters *counters)
{
  g_mutex_lock (&self->lock);
  *counters = self->counters;
  g_mutex_unlock (&self->lock);
}

double
rc_test_receiver_get_level_db (RcTestReceiver *self, guint index)
{
  double db;

  g_mutex_lock (&self->lock);
  db = self->goertzel && index < self->n_probe_hz ? rc_goertzel_level_db (self->goertzel, index)
                                                   : RC_GOERTZEL_FLOOR_DB;
  g_mutex_unlock (&self->lock);
  return db;
}

double
rc_test_receiver_get_mean_level_db (RcTestReceiver *self, guint index)
{
  double db;

  g_mutex_lock (&self->lock);
  db = self->goertzel && index < self->n_probe_hz ? rc_goertzel_mean_db (self->goertzel, index)
                                                   : RC_GOERTZEL_FLOOR_DB;
  g_mutex_unlock (&self->lock);
  return db;
}

/* --- RcTestWebrtcEvents -------------------------------------------------------- */

struct _RcTestWebrtcEvents {
  gatomicrefcount refs; /* the owner's + one per queued event or pending promise */
  gboolean dead;        /* stopped: ignore late events */
  GMainContext *context;
  GstElement *pipeline, *webrtc; /* borrowed: the owner's */
  RcTestReceiver *receiver;
  RcTestWebrtcFunc func;
  gpointer user_data;
  guint bus_watch;
};

static RcTestWebrtcEvents *
events_ref (RcTestWebrtcEvents *self)
{
  g_atomic_ref_count_inc (&self->refs);
  return self;
}

static void
events_unref (RcTestWebrtcEvents *self)
{
  if (!g_atomic_ref_count_dec (&self->refs))
    return;
  g_main_context_unref (self->context);
  g_free (self);
}

typedef struct {
  RcTestWebrtcEvents *events; /* ref */
  RcTestWebrtcEvent pub;
  GstStructure *reply;
  char *candidate;
  GstPad *pad;
} Event;

static void
event_free (gpointer data)
{
  Event *ev = data;

  events_unref (ev->events);
  g_clear_pointer (&ev->reply, gst_structure_free);
  g_free (ev->candidate);
  g_clear_object (&ev->pad);
  g_free (ev);
}

static gboolean
dispatch (gpointer data)
{
  Event *ev = data;

  if (!ev->events->dead) {
    ev->pub.reply = ev->reply;
    ev->pub.candidate = ev->candidate;
    ev->pub.pad = ev->pad;
    ev->events->func (&ev->pub, ev->events->user_data);
  }
  return G_SOURCE_REMOVE;
}

static Event *
event_new (RcTestWebrtcEventKind kind)
{
  Event *ev = g_new0 (Event, 1);

  ev->pub.kind = kind;
  return ev;
}

static void
post (RcTestWebrtcEvents *self, Event *ev)
{
  GSource *source = g_idle_source_new ();

  ev->events = events_ref (self);
  g_source_set_callback (source, dispatch, ev, event_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

typedef struct {
  RcTestWebrtcEvents *events; /* ref */
  guint tag;
} PromiseData;

static void
promise_data_free (gpointer data)
{
  PromiseData *pd = data;

  events_unref (pd->events);
  g_free (pd);
}

/* webrtcbin's operation thread. */
static void
on_promise (GstPromise *promise, gpointer data)
{
  PromiseData *pd = data;
  Event *ev = event_new (RC_TEST_WEBRTC_PROMISE);
  const GstStructure *reply;

  ev->pub.tag = pd->tag;
  ev->pub.result = gst_promise_wait (promise);
  reply = ev->pub.result == GST_PROMISE_RESULT_REPLIED ? gst_promise_get_reply (promise) : NULL;
  ev->reply = reply ? gst_structure_copy (reply) : NULL;
  post (pd->events, ev);
}

GstPromise *
rc_test_webrtc_events_promise (RcTestWebrtcEvents *self, guint tag)
{
  PromiseData *pd = g_new0 (PromiseData, 1);

  pd->events = events_ref (self);
  pd->tag = tag;
  return gst_promise_new_with_change_func (on_promise, pd, promise_data_free);
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer data)
{
  Event *ev = event_new (RC_TEST_WEBRTC_CANDIDATE);

  ev->pub.mline = mline;
  ev->candidate = g_strdup (g_str_has_prefix (candidate, "a=") ? candidate + 2 : candidate);
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
  ev = event_new (gathering ? RC_TEST_WEBRTC_GATHERED : RC_TEST_WEBRTC_STATE);
  ev->pub.value = value;
  post (data, ev);
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer data)
{
  RcTestWebrtcEvents *self = data;
  Event *ev;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  rc_test_receiver_watch_pad (self->receiver, pad);
  ev = event_new (RC_TEST_WEBRTC_PAD);
  ev->pad = gst_object_ref (pad);
  post (self, ev);
}

/* Main context (the bus watch). */
static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  RcTestWebrtcEvents *self = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_LATENCY) {
    gst_bin_recalculate_latency (GST_BIN (self->pipeline));
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR && !self->dead) {
    g_autoptr (GError) error = NULL;
    g_autofree char *message = NULL;
    RcTestWebrtcEvent ev = { .kind = RC_TEST_WEBRTC_ERROR };

    gst_message_parse_error (msg, &error, NULL);
    message = g_strdup_printf ("%s: %s", GST_MESSAGE_SRC_NAME (msg), error->message);
    ev.message = message;
    self->func (&ev, self->user_data);
  }
  return G_SOURCE_CONTINUE;
}

RcTestWebrtcEvents *
rc_test_webrtc_events_new (GMainContext *context, GstElement *pipeline, GstElement *webrtc,
                           RcTestReceiver *receiver, RcTestWebrtcFunc func, gpointer user_data)
{
  RcTestWebrtcEvents *self = g_new0 (RcTestWebrtcEvents, 1);
  g_autoptr (GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline));

  g_atomic_ref_count_init (&self->refs);
  self->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->pipeline = pipeline;
  self->webrtc = webrtc;
  self->receiver = receiver;
  self->func = func;
  self->user_data = user_data;
  g_signal_connect (webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (webrtc, "notify::connection-state", G_CALLBACK (on_notify), self);
  g_signal_connect (webrtc, "notify::ice-gathering-state", G_CALLBACK (on_notify), self);
  g_signal_connect (webrtc, "pad-added", G_CALLBACK (on_pad_added), self);
  self->bus_watch = gst_bus_add_watch (bus, on_bus, self);
  return self;
}

void
rc_test_webrtc_events_stop (RcTestWebrtcEvents *self)
{
  if (self == NULL)
    return;
  self->dead = TRUE;
  g_signal_handlers_disconnect_by_data (self->webrtc, self);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  events_unref (self);
}
