/* roomcast tests: RcTestClient, the media half (the SDP answerer).
 *
 * One RcTestMedia per media session: its own pipeline
 *
 *   audiotestsrc ─▶ opusenc ─▶ rtpopuspay ─▶ webrtcbin ─▶ (src pad) ─▶
 *        rtpopusdepay ─▶ opusdec ─▶ audioconvert ─▶ appsink (Goertzel)
 *
 * (receive-only clients add a recvonly transceiver instead of the send
 * branch; no_decode clients end in a fakesink). webrtcbin callbacks post
 * events to the main context tagged with their RcTestMedia; an event whose
 * media session was torn down meanwhile is ignored.
 */
#include "rc-test-client-private.h"

#include <math.h>
#include <string.h>

#include <gst/app/app.h>
#include <gst/rtp/rtp.h>
#include <gst/webrtc/webrtc.h>

#include "media/media-sdp.h"

#define ANALYSIS_WINDOW 4800 /* 100 ms at 48 kHz */

struct _RcTestMedia {
  gatomicrefcount refs;
  RcTestClient *client;       /* weak: the media never outlives its client */
  gboolean dead;              /* torn down: ignore late events */
  GstElement *pipeline, *webrtc, *pay;
  GstPad *linked_src;         /* webrtcbin src pad whose buffers may pass (atomic) */
  char *mid;
  gboolean remote_set, answer_sent;
  GPtrArray *pending_remote;  /* RcMediaIceCandidate *, until the offer is applied */
  GPtrArray *pending_local;   /* JsonNode *, until the answer is sent */
  guint bus_watch;
};

static RcTestMedia *
media_ref (RcTestMedia *m)
{
  g_atomic_ref_count_inc (&m->refs);
  return m;
}

static void
media_unref (RcTestMedia *m)
{
  if (!g_atomic_ref_count_dec (&m->refs))
    return;
  g_clear_object (&m->linked_src);
  g_free (m->mid);
  g_ptr_array_unref (m->pending_remote);
  g_ptr_array_unref (m->pending_local);
  g_free (m);
}

/* --- events from GStreamer threads ------------------------------------------ */

typedef enum {
  EV_REMOTE_SET, EV_ANSWER, EV_LOCAL_SET, EV_STATS, /* promise replies */
  EV_CANDIDATE, EV_GATHERED, EV_STATE, EV_PAD,
} Kind;

typedef struct {
  RcTestMedia *media; /* ref */
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

/* Idle source, never g_main_context_invoke() (see media-peer-webrtc.c). */
static void
post (RcTestMedia *m, Event *ev)
{
  GSource *source = g_idle_source_new ();

  ev->media = media_ref (m);
  g_source_set_callback (source, dispatch, ev, event_free);
  g_source_attach (source, m->client->context);
  g_source_unref (source);
}

typedef struct {
  RcTestMedia *media; /* ref */
  Kind kind;
} PromiseData;

static void
promise_data_free (gpointer data)
{
  PromiseData *pd = data;

  media_unref (pd->media);
  g_free (pd);
}

/* webrtcbin's operation thread. */
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
promise_new (RcTestMedia *m, Kind kind)
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
  Event *ev;
  gint value = 0;

  g_object_get (webrtc, pspec->name, &value, NULL);
  if (g_str_equal (pspec->name, "ice-gathering-state") &&
      value != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    return;
  ev = g_new0 (Event, 1);
  ev->kind = g_str_equal (pspec->name, "ice-gathering-state") ? EV_GATHERED : EV_STATE;
  ev->value = value;
  post (data, ev);
}

/* Streaming thread: RTP counters, taken before decoding; buffers are dropped
 * until the main loop linked the decoding branch to this pad. */
static GstPadProbeReturn
on_rtp (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  RcTestMedia *m = data;
  RcTestClient *self = m->client;
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
      /* RFC 3550 A.8: D = difference of transit times, Opus clock (48 kHz). */
      double d = (now - self->last_arrival_us) * 0.048 - (gint32) (ts - self->last_rtp_ts);
      self->jitter += (fabs (d) - self->jitter) / 16.0;
    }
    self->last_arrival_us = now;
    self->last_rtp_ts = ts;
    self->counters.jitter_ms = self->jitter / 48.0;
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
  return g_atomic_pointer_get (&m->linked_src) == pad ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
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
  RcTestClient *self = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer (sample) : NULL;
  GstMapInfo map;

  if (buf && gst_buffer_map (buf, &map, GST_MAP_READ)) {
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

/* --- main loop ------------------------------------------------------------- */

static void
media_fail (RcTestClient *self, const char *reason)
{
  if (self->media_state == RC_TEST_MEDIA_FAILED)
    return;
  g_debug ("test client %s: media failed: %s", self->token, reason);
  self->media_state = RC_TEST_MEDIA_FAILED;
  g_free (self->failed_reason);
  self->failed_reason = g_strdup (reason);
}

/* FALSE (and the session failed) when a promise did not succeed. */
static gboolean
reply_ok (RcTestClient *self, Event *ev, const char *what)
{
  g_autoptr (GError) error = NULL;

  if (ev->result != GST_PROMISE_RESULT_REPLIED) {
    media_fail (self, what);
    return FALSE;
  }
  if (ev->reply && gst_structure_has_field_typed (ev->reply, "error", G_TYPE_ERROR)) {
    gst_structure_get (ev->reply, "error", G_TYPE_ERROR, &error, NULL);
    g_message ("test client %s: %s: %s", self->token, what, error ? error->message : "?");
    media_fail (self, what);
    return FALSE;
  }
  return TRUE;
}

static void
send_ice (RcTestClient *self, RcTestMedia *m, JsonNode *payload)
{
  if (!m->answer_sent)
    g_ptr_array_add (m->pending_local, json_node_ref (payload));
  else
    rc_test_client_emit (self, "media:ice", payload, NULL, NULL);
}

static void
on_answer_ack (RcTestClient *self, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;

  if (o == NULL || !json_object_get_boolean_member_with_default (o, "ok", FALSE)) {
    JsonObject *err = o ? json_object_get_object_member (o, "error") : NULL;
    media_fail (self, err ? json_object_get_string_member_with_default (err, "code", "?")
                          : "answer refused");
  } else if (self->media_state == RC_TEST_MEDIA_OFFERED) {
    self->media_state = RC_TEST_MEDIA_ANSWERED;
  }
}

static void
on_local_set (RcTestClient *self, RcTestMedia *m, const char *sdp)
{
  g_autoptr (JsonObject) answer = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (answer, "type", "answer");
  json_object_set_string_member (answer, "sdp", sdp);
  json_node_set_object (node, answer);
  rc_test_client_emit (self, "media:answer", node, on_answer_ack, NULL);
  m->answer_sent = TRUE;
  for (guint i = 0; i < m->pending_local->len; i++)
    rc_test_client_emit (self, "media:ice", g_ptr_array_index (m->pending_local, i), NULL, NULL);
  g_ptr_array_set_size (m->pending_local, 0);
}

static void
add_remote (RcTestMedia *m, RcMediaIceCandidate *c)
{
  g_signal_emit_by_name (m->webrtc, "add-ice-candidate", c->mline_index, c->candidate);
}

static void
link_decoder (RcTestClient *self, RcTestMedia *m, GstPad *pad)
{
  g_autoptr (GstPad) sink = NULL;
  GstElement *first;

  if (m->linked_src) {
    g_message ("test client %s: ignoring a second stream", self->token);
    return;
  }
  if (self->no_decode) {
    first = gst_element_factory_make ("fakesink", NULL);
    g_object_set (first, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add (GST_BIN (m->pipeline), first);
  } else {
    GstElement *depay = gst_element_factory_make ("rtpopusdepay", NULL);
    GstElement *dec = gst_element_factory_make ("opusdec", NULL);
    GstElement *conv = gst_element_factory_make ("audioconvert", NULL);
    GstElement *res = gst_element_factory_make ("audioresample", NULL);
    GstElement *sinkel = gst_element_factory_make ("appsink", NULL);
    g_autoptr (GstCaps) caps = gst_caps_from_string ("audio/x-raw,format=F32LE,channels=1,rate=48000");
    GstAppSinkCallbacks callbacks = { .new_sample = on_sample };
    GstElement *chain[] = { sinkel, res, conv, dec }; /* downstream first */

    g_object_set (dec, "use-inband-fec", TRUE, "plc", TRUE, NULL);
    g_object_set (sinkel, "sync", FALSE, "async", FALSE, "caps", caps, NULL);
    gst_app_sink_set_callbacks (GST_APP_SINK (sinkel), &callbacks, self, NULL);
    gst_bin_add_many (GST_BIN (m->pipeline), depay, dec, conv, res, sinkel, NULL);
    gst_element_link_many (depay, dec, conv, res, sinkel, NULL);
    for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
      gst_element_sync_state_with_parent (chain[i]);
    first = depay;
  }
  gst_element_sync_state_with_parent (first);
  sink = gst_element_get_static_pad (first, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK) {
    media_fail (self, "cannot link the decoder");
    return;
  }
  g_atomic_pointer_set (&m->linked_src, gst_object_ref (pad));
}

static gboolean
read_inbound (GQuark field, const GValue *value, gpointer data)
{
  RcTestTransportStats *t = data;
  const GstStructure *s;
  GstWebRTCStatsType type;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  s = gst_value_get_structure (value);
  if (gst_structure_get (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL) &&
      type == GST_WEBRTC_STATS_INBOUND_RTP) {
    gst_structure_get_uint64 (s, "packets-received", &t->received);
    gst_structure_get_int64 (s, "packets-lost", &t->lost);
    gst_structure_get_uint64 (s, "packets-discarded", &t->late);
  }
  return TRUE;
}

static void
handle (RcTestClient *self, RcTestMedia *m, Event *ev)
{
  GstPromise *promise;

  switch (ev->kind) {
  case EV_REMOTE_SET:
    if (!reply_ok (self, ev, "set-remote-description"))
      return;
    m->remote_set = TRUE;
    for (guint i = 0; i < m->pending_remote->len; i++)
      add_remote (m, g_ptr_array_index (m->pending_remote, i));
    g_ptr_array_set_size (m->pending_remote, 0);
    /* Only now: the answer of a webrtcbin must follow the applied offer. */
    promise = promise_new (m, EV_ANSWER);
    g_signal_emit_by_name (m->webrtc, "create-answer", NULL, promise);
    gst_promise_unref (promise);
    break;
  case EV_ANSWER: {
    GstWebRTCSessionDescription *answer = NULL;
    if (!reply_ok (self, ev, "create-answer"))
      return;
    gst_structure_get (ev->reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
    if (answer == NULL) {
      media_fail (self, "create-answer");
      return;
    }
    promise = promise_new (m, EV_LOCAL_SET);
    g_object_set_data_full (G_OBJECT (m->webrtc), "rc-answer", gst_sdp_message_as_text (answer->sdp),
                            g_free);
    g_signal_emit_by_name (m->webrtc, "set-local-description", answer, promise);
    gst_promise_unref (promise);
    gst_webrtc_session_description_free (answer);
    break;
  }
  case EV_LOCAL_SET:
    if (reply_ok (self, ev, "set-local-description"))
      on_local_set (self, m, g_object_get_data (G_OBJECT (m->webrtc), "rc-answer"));
    break;
  case EV_CANDIDATE: {
    const char *line = g_str_has_prefix (ev->candidate, "a=") ? ev->candidate + 2 : ev->candidate;
    g_autoptr (JsonNode) payload = rc_media_ice_candidate_to_json (ev->mline, m->mid, line);
    g_ptr_array_add (self->local_candidates, g_strdup (line));
    send_ice (self, m, payload);
    break;
  }
  case EV_GATHERED: {
    g_autoptr (JsonNode) payload = rc_media_ice_candidate_to_json (0, m->mid, NULL);
    send_ice (self, m, payload);
    break;
  }
  case EV_STATE:
    if (ev->value == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED &&
        self->media_state != RC_TEST_MEDIA_FAILED)
      self->media_state = RC_TEST_MEDIA_CONNECTED;
    else if (ev->value == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
      media_fail (self, "client_connection_failed");
    break;
  case EV_PAD:
    link_decoder (self, m, ev->pad);
    break;
  case EV_STATS:
    if (ev->result == GST_PROMISE_RESULT_REPLIED && ev->reply) {
      memset (&self->transport, 0, sizeof self->transport);
      gst_structure_foreach (ev->reply, read_inbound, &self->transport);
      self->transport_valid = TRUE;
    }
    break;
  }
}

static gboolean
dispatch (gpointer data)
{
  Event *ev = data;

  if (!ev->media->dead)
    handle (ev->media->client, ev->media, ev);
  return G_SOURCE_REMOVE;
}

/* --- the media session ------------------------------------------------------ */

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  RcTestMedia *m = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_LATENCY) {
    gst_bin_recalculate_latency (GST_BIN (m->pipeline));
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) error = NULL;
    gst_message_parse_error (msg, &error, NULL);
    g_message ("test client %s: %s: %s", m->client->token, GST_MESSAGE_SRC_NAME (msg),
               error->message);
    media_fail (m->client, "client pipeline error");
  }
  return G_SOURCE_CONTINUE;
}

/* The pipeline, with the send pad requested (or a recvonly transceiver
 * added) before any offer arrives, and running. */
static gboolean
build (RcTestClient *self, RcTestMedia *m)
{
  g_autoptr (GstWebRTCICE) ice = NULL;
  g_autoptr (GstBus) bus = NULL;
  gboolean ok = FALSE;

  m->pipeline = gst_pipeline_new (NULL);
  m->webrtc = gst_element_factory_make ("webrtcbin", NULL);
  if (m->webrtc == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (m->pipeline), m->webrtc);
  g_object_set (m->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                self->latency_ms, NULL);
  g_object_get (m->webrtc, "ice-agent", &ice, NULL);
  g_object_set (ice, "ice-tcp", FALSE, NULL);
  {
    g_autoptr (GObject) agent = NULL;
    g_object_get (ice, "agent", &agent, NULL);
    g_object_set (agent, "upnp", FALSE, NULL); /* no SSDP multicast off loopback */
  }
  g_signal_emit_by_name (ice, "add-local-ip-address", self->local_ip, &ok);
  if (!ok)
    return FALSE;

  if (self->tone_hz > 0) {
    g_autofree char *desc = g_strdup_printf (
      "audiotestsrc is-live=true wave=sine freq=%g volume=0.25 samplesperbuffer=960 ! "
      "audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=1 ! "
      "opusenc bitrate=32000 frame-size=20 inband-fec=true ! rtpopuspay name=pay pt=%d",
      self->tone_hz, RC_MEDIA_OPUS_PT);
    g_autoptr (GError) error = NULL;
    GstElement *send = gst_parse_bin_from_description (desc, TRUE, &error);
    g_autoptr (GstPad) src = NULL;
    g_autoptr (GstPad) sink = NULL;

    if (send == NULL)
      return FALSE;
    gst_bin_add (GST_BIN (m->pipeline), send);
    m->pay = gst_bin_get_by_name (GST_BIN (send), "pay");
    src = gst_element_get_static_pad (send, "src");
    sink = gst_element_request_pad_simple (m->webrtc, "sink_%u");
    if (sink == NULL || gst_pad_link (src, sink) != GST_PAD_LINK_OK)
      return FALSE;
  } else {
    g_autoptr (GstCaps) caps = gst_caps_from_string (RC_MEDIA_OPUS_RTP_CAPS);
    g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;

    g_signal_emit_by_name (m->webrtc, "add-transceiver",
                           GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
    if (trans == NULL)
      return FALSE;
  }
  g_signal_connect (m->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), m);
  g_signal_connect (m->webrtc, "notify::connection-state", G_CALLBACK (on_notify), m);
  g_signal_connect (m->webrtc, "notify::ice-gathering-state", G_CALLBACK (on_notify), m);
  g_signal_connect (m->webrtc, "pad-added", G_CALLBACK (on_pad_added), m);
  bus = gst_pipeline_get_bus (GST_PIPELINE (m->pipeline));
  m->bus_watch = gst_bus_add_watch (bus, on_bus, m);
  return gst_element_set_state (m->pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

static void
handle_offer (RcTestClient *self, JsonObject *offer)
{
  RcTestMedia *m = self->media;
  const char *text = json_object_get_string_member_with_default (offer, "sdp", NULL);
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;
  gint pt;

  if (m == NULL || m->remote_set || self->media_state != RC_TEST_MEDIA_OFFERED || m->mid)
    return;
  if (text == NULL || gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK ||
      gst_sdp_message_medias_len (sdp) != 1) {
    media_fail (self, "bad offer");
    if (sdp)
      gst_sdp_message_free (sdp);
    return;
  }
  m->mid = g_strdup (gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, 0), "mid"));
  g_free (self->offer_sdp);
  self->offer_sdp = g_strdup (text);
  pt = rc_media_sdp_find_opus_pt (gst_sdp_message_get_media (sdp, 0));
  if (self->no_answer) {
    gst_sdp_message_free (sdp);
    return;
  }
  if (m->pay && pt >= 0)
    g_object_set (m->pay, "pt", pt, NULL);
  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  promise = promise_new (m, EV_REMOTE_SET);
  g_signal_emit_by_name (m->webrtc, "set-remote-description", desc, promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (desc);
}

static void
on_connect_ack (RcTestClient *self, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;
  JsonObject *offer;

  if (o == NULL || !json_object_get_boolean_member_with_default (o, "ok", FALSE)) {
    JsonObject *err = o ? json_object_get_object_member (o, "error") : NULL;
    media_fail (self, err ? json_object_get_string_member_with_default (err, "code", "?")
                          : "media:connect refused");
    return;
  }
  offer = json_object_get_object_member (o, "offer");
  if (offer)
    handle_offer (self, offer);
}

static void
on_media_offer (RcTestClient *self, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;

  if (first && JSON_NODE_HOLDS_OBJECT (first))
    handle_offer (self, json_node_get_object (first));
}

static void
on_media_ice (RcTestClient *self, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  g_autoptr (GError) error = NULL;
  RcMediaIceCandidate *c;

  if (self->media == NULL || first == NULL)
    return;
  c = rc_media_ice_candidate_from_json (first, 1, NULL, &error);
  if (c == NULL) {
    g_message ("test client %s: bad media:ice from the server: %s", self->token, error->message);
    media_fail (self, "bad candidate from the server");
    return;
  }
  if (c->candidate)
    g_ptr_array_add (self->remote_candidates, g_strdup (c->candidate));
  if (self->no_answer) {
    rc_media_ice_candidate_free (c);
    return;
  }
  if (self->media->remote_set) {
    add_remote (self->media, c);
    rc_media_ice_candidate_free (c);
  } else {
    g_ptr_array_add (self->media->pending_remote, c);
  }
}

static void
on_media_failed (RcTestClient *self, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;

  media_fail (self, o ? json_object_get_string_member_with_default (o, "reason", "?") : "?");
}

void
rc_test_client_start_media (RcTestClient *self)
{
  RcTestMedia *m;

  rc_test_client_stop_media (self, FALSE);
  m = g_new0 (RcTestMedia, 1);
  g_atomic_ref_count_init (&m->refs);
  m->client = self;
  m->pending_remote = g_ptr_array_new_with_free_func ((GDestroyNotify) rc_media_ice_candidate_free);
  m->pending_local = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  self->media = m;
  g_mutex_lock (&self->lock);
  memset (&self->counters, 0, sizeof self->counters);
  self->have_seq = FALSE;
  self->jitter = 0;
  g_clear_pointer (&self->goertzel, rc_goertzel_free);
  if (self->n_probe_hz > 0)
    self->goertzel = rc_goertzel_new (48000, ANALYSIS_WINDOW, self->probe_hz, self->n_probe_hz);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->failed_reason, g_free);
  self->media_state = RC_TEST_MEDIA_OFFERED;
  if (!build (self, m)) {
    media_fail (self, "cannot build the client pipeline");
    return;
  }
  rc_test_client_emit (self, "media:connect", NULL, on_connect_ack, NULL);
}

/* Sets the pipeline to NULL (no pad is ever released) and forgets it. */
void
rc_test_client_media_teardown (RcTestClient *self)
{
  RcTestMedia *m = g_steal_pointer (&self->media);

  if (m == NULL)
    return;
  m->dead = TRUE;
  if (m->webrtc)
    g_signal_handlers_disconnect_by_data (m->webrtc, m);
  if (m->bus_watch) {
    g_source_remove (m->bus_watch);
    m->bus_watch = 0;
  }
  if (m->pipeline) {
    gst_element_set_state (m->pipeline, GST_STATE_NULL);
    gst_object_unref (m->pipeline);
  }
  g_clear_object (&m->pay);
  media_unref (m);
}

void
rc_test_client_stop_media (RcTestClient *self, gboolean tell_server)
{
  if (tell_server && self->media && self->connected)
    rc_test_client_request (self, "media:disconnect", NULL);
  rc_test_client_media_teardown (self);
  if (self->media_state != RC_TEST_MEDIA_FAILED)
    self->media_state = RC_TEST_MEDIA_IDLE;
}

void
rc_test_client_media_init (RcTestClient *self)
{
  rc_test_client_on (self, "media:offer", on_media_offer, NULL);
  rc_test_client_on (self, "media:ice", on_media_ice, NULL);
  rc_test_client_on (self, "media:failed", on_media_failed, NULL);
}

RcTestMediaState
rc_test_client_get_media_state (RcTestClient *self)
{
  return self->media_state;
}

const char *
rc_test_client_get_offer (RcTestClient *self)
{
  return self->offer_sdp;
}

const char *
rc_test_client_get_failed_reason (RcTestClient *self)
{
  return self->failed_reason;
}

double
rc_test_client_get_level_db (RcTestClient *self, guint index)
{
  double db;

  g_mutex_lock (&self->lock);
  db = self->goertzel && index < self->n_probe_hz ? rc_goertzel_level_db (self->goertzel, index)
                                                   : RC_GOERTZEL_FLOOR_DB;
  g_mutex_unlock (&self->lock);
  return db;
}

void
rc_test_client_get_counters (RcTestClient *self, RcTestClientCounters *counters)
{
  g_mutex_lock (&self->lock);
  *counters = self->counters;
  g_mutex_unlock (&self->lock);
}

void
rc_test_client_fetch_transport_stats (RcTestClient *self)
{
  GstPromise *promise;

  self->transport_valid = FALSE;
  if (self->media == NULL || self->media->webrtc == NULL)
    return;
  promise = promise_new (self->media, EV_STATS);
  g_signal_emit_by_name (self->media->webrtc, "get-stats", NULL, promise);
  gst_promise_unref (promise);
}

gboolean
rc_test_client_get_transport_stats (RcTestClient *self, RcTestTransportStats *stats)
{
  if (self->transport_valid)
    *stats = self->transport;
  return self->transport_valid;
}

GPtrArray *
rc_test_client_get_candidates (RcTestClient *self, gboolean remote)
{
  return remote ? self->remote_candidates : self->local_candidates;
}
