/* roomcast tests: RcTestClient, the media half (the SDP answerer).
 *
 * One RcTestMedia per media session: its own pipeline
 *
 *   audiotestsrc ─▶ opusenc ─▶ rtpopuspay ─▶ webrtcbin ─▶ (src pad) ─▶
 *        rtpopusdepay ─▶ opusdec ─▶ audioconvert ─▶ appsink (Goertzel)
 *
 * (receive-only clients add a recvonly transceiver instead of the send
 * branch; no_decode clients end in a fakesink), built from the pieces in
 * rc-test-media.h, shared with the load generator's Janus offerer. webrtcbin
 * callbacks post events to the client's main context (RcTestWebrtcEvents);
 * an event whose media session was torn down meanwhile is ignored.
 *
 * Two transports (the media:connect ack says publish: true): the receive
 * transport is always receive-only, and a client with a tone opens a send
 * transport (media:publish) with only the send branch; its signalling
 * carries "transport": "send". The pipeline is built when the offer comes,
 * still before set-remote-description.
 */
#include "rc-test-client-private.h"

#include <string.h>

#include <gst/webrtc/webrtc.h>

#include "media/media-sdp.h"

struct _RcTestMedia {
  RcTestClient *client;       /* weak: the media never outlives its client */
  gboolean send;              /* the send transport (media:publish) */
  RcTestMediaState *state;    /* the client's media_state or send_state */
  GstElement *pipeline, *webrtc, *pay;
  RcTestWebrtcEvents *events; /* webrtcbin callbacks, posted to the client's context */
  char *mid;
  gboolean remote_set, answer_sent;
  GPtrArray *pending_remote;  /* RcMediaIceCandidate *, until the offer is applied */
  GPtrArray *pending_local;   /* JsonNode *, until the answer is sent */
};

static void media_teardown (RcTestMedia **media);

/* What each webrtcbin promise was for. */
enum { TAG_REMOTE_SET, TAG_ANSWER, TAG_LOCAL_SET, TAG_STATS };

/* --- main loop ------------------------------------------------------------- */

static void
state_fail (RcTestClient *self, gboolean send, const char *reason)
{
  RcTestMediaState *state = send ? &self->send_state : &self->media_state;

  if (*state == RC_TEST_MEDIA_FAILED)
    return;
  g_debug ("test client %s: %s media failed: %s", self->token, send ? "send" : "receive",
           reason);
  *state = RC_TEST_MEDIA_FAILED;
  g_free (self->failed_reason);
  self->failed_reason = send ? g_strconcat ("send:", reason, NULL) : g_strdup (reason);
}

static void
media_fail (RcTestClient *self, const char *reason)
{
  state_fail (self, FALSE, reason);
}

static void
m_fail (RcTestMedia *m, const char *reason)
{
  state_fail (m->client, m->send, reason);
}

/* @payload with "transport": "send" for the send transport's events. */
static void
emit_for (RcTestMedia *m, const char *event, JsonNode *payload, RcTestAckFunc ack)
{
  if (m->send && JSON_NODE_HOLDS_OBJECT (payload))
    json_object_set_string_member (json_node_get_object (payload), "transport", "send");
  rc_test_client_emit (m->client, event, payload, ack, NULL);
}

/* FALSE (and the session failed) when a promise did not succeed. */
static gboolean
reply_ok (RcTestMedia *m, const RcTestWebrtcEvent *ev, const char *what)
{
  g_autoptr (GError) error = NULL;

  if (ev->result != GST_PROMISE_RESULT_REPLIED) {
    m_fail (m, what);
    return FALSE;
  }
  if (ev->reply && gst_structure_has_field_typed (ev->reply, "error", G_TYPE_ERROR)) {
    gst_structure_get (ev->reply, "error", G_TYPE_ERROR, &error, NULL);
    g_message ("test client %s: %s: %s", m->client->token, what, error ? error->message : "?");
    m_fail (m, what);
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
    emit_for (m, "media:ice", payload, NULL);
}

static void
answer_acked (RcTestClient *self, JsonArray *args, gboolean send)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;
  RcTestMediaState *state = send ? &self->send_state : &self->media_state;

  if (o == NULL || !json_object_get_boolean_member_with_default (o, "ok", FALSE)) {
    JsonObject *err = o ? json_object_get_object_member (o, "error") : NULL;
    state_fail (self, send,
                err ? json_object_get_string_member_with_default (err, "code", "?")
                    : "answer refused");
  } else if (*state == RC_TEST_MEDIA_OFFERED) {
    *state = RC_TEST_MEDIA_ANSWERED;
  }
}

static void
on_answer_ack (RcTestClient *self, JsonArray *args, gpointer data)
{
  answer_acked (self, args, FALSE);
}

static void
on_send_answer_ack (RcTestClient *self, JsonArray *args, gpointer data)
{
  answer_acked (self, args, TRUE);
}

/* @sdp with every a=fingerprint value replaced by @fingerprint. */
static char *
replace_fingerprint (const char *sdp, const char *fingerprint)
{
  g_autoptr (GRegex) re = g_regex_new ("^a=fingerprint:[^\r\n]*", G_REGEX_MULTILINE, 0, NULL);
  g_autofree char *line = g_strconcat ("a=fingerprint:", fingerprint, NULL);

  return g_regex_replace_literal (re, sdp, -1, 0, line, 0, NULL);
}

static void
on_local_set (RcTestClient *self, RcTestMedia *m, const char *sdp)
{
  g_autoptr (JsonObject) answer = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *forged = NULL;

  if (self->answer_fingerprint)
    sdp = forged = replace_fingerprint (sdp, self->answer_fingerprint);
  json_object_set_string_member (answer, "type", "answer");
  json_object_set_string_member (answer, "sdp", sdp);
  json_node_set_object (node, answer);
  emit_for (m, "media:answer", node, m->send ? on_send_answer_ack : on_answer_ack);
  m->answer_sent = TRUE;
  for (guint i = 0; i < m->pending_local->len; i++)
    emit_for (m, "media:ice", g_ptr_array_index (m->pending_local, i), NULL);
  g_ptr_array_set_size (m->pending_local, 0);
}

static void
add_remote (RcTestMedia *m, RcMediaIceCandidate *c)
{
  g_signal_emit_by_name (m->webrtc, "add-ice-candidate", c->mline_index, c->candidate);
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

/* A promise of webrtcbin resolved. */
static void
handle_reply (RcTestClient *self, RcTestMedia *m, const RcTestWebrtcEvent *ev)
{
  GstPromise *promise;

  switch (ev->tag) {
  case TAG_REMOTE_SET:
    if (!reply_ok (m, ev, "set-remote-description"))
      return;
    m->remote_set = TRUE;
    for (guint i = 0; i < m->pending_remote->len; i++)
      add_remote (m, g_ptr_array_index (m->pending_remote, i));
    g_ptr_array_set_size (m->pending_remote, 0);
    /* Only now: the answer of a webrtcbin must follow the applied offer. */
    promise = rc_test_webrtc_events_promise (m->events, TAG_ANSWER);
    g_signal_emit_by_name (m->webrtc, "create-answer", NULL, promise);
    gst_promise_unref (promise);
    break;
  case TAG_ANSWER: {
    GstWebRTCSessionDescription *answer = NULL;
    if (!reply_ok (m, ev, "create-answer"))
      return;
    gst_structure_get (ev->reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
    if (answer == NULL) {
      m_fail (m, "create-answer");
      return;
    }
    promise = rc_test_webrtc_events_promise (m->events, TAG_LOCAL_SET);
    g_object_set_data_full (G_OBJECT (m->webrtc), "rc-answer", gst_sdp_message_as_text (answer->sdp),
                            g_free);
    g_signal_emit_by_name (m->webrtc, "set-local-description", answer, promise);
    gst_promise_unref (promise);
    gst_webrtc_session_description_free (answer);
    break;
  }
  case TAG_LOCAL_SET:
    if (reply_ok (m, ev, "set-local-description"))
      on_local_set (self, m, g_object_get_data (G_OBJECT (m->webrtc), "rc-answer"));
    break;
  case TAG_STATS:
    if (ev->result == GST_PROMISE_RESULT_REPLIED && ev->reply) {
      memset (&self->transport, 0, sizeof self->transport);
      gst_structure_foreach (ev->reply, read_inbound, &self->transport);
      self->transport_valid = TRUE;
    }
    break;
  }
}

/* Main context: an event of the session's webrtcbin. */
static void
handle (const RcTestWebrtcEvent *ev, gpointer data)
{
  RcTestMedia *m = data;
  RcTestClient *self = m->client;

  switch (ev->kind) {
  case RC_TEST_WEBRTC_PROMISE:
    handle_reply (self, m, ev);
    break;
  case RC_TEST_WEBRTC_CANDIDATE: {
    g_autoptr (JsonNode) payload = rc_media_ice_candidate_to_json (ev->mline, m->mid, ev->candidate);
    g_ptr_array_add (self->local_candidates, g_strdup (ev->candidate));
    send_ice (self, m, payload);
    break;
  }
  case RC_TEST_WEBRTC_GATHERED: {
    g_autoptr (JsonNode) payload = rc_media_ice_candidate_to_json (0, m->mid, NULL);
    send_ice (self, m, payload);
    break;
  }
  case RC_TEST_WEBRTC_STATE:
    if (ev->value == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED &&
        *m->state != RC_TEST_MEDIA_FAILED)
      *m->state = RC_TEST_MEDIA_CONNECTED;
    else if (ev->value == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
      m_fail (m, "client_connection_failed");
    break;
  case RC_TEST_WEBRTC_PAD:
    if (m->send || !rc_test_receiver_link (self->receiver, m->pipeline, ev->pad))
      m_fail (m, "cannot link the decoder");
    break;
  case RC_TEST_WEBRTC_ERROR:
    g_message ("%s: %s", self->log_label, ev->message);
    m_fail (m, "client pipeline error");
    break;
  }
}

/* --- the media session ------------------------------------------------------ */

/* The pipeline, with the send pad requested (or a recvonly transceiver
 * added) before any offer arrives, and running. */
static gboolean
build (RcTestClient *self, RcTestMedia *m)
{
  m->pipeline = rc_test_webrtc_new (self->local_ip, self->latency_ms, &m->webrtc);
  if (m->pipeline == NULL)
    return FALSE;
  /* With two transports only the send transport sends. */
  if (self->tone_hz > 0 && (m->send || !self->publish_mode)) {
    g_autoptr (GstPad) sink =
      rc_test_tone_add (m->pipeline, m->webrtc, self->tone_hz, RC_MEDIA_OPUS_PT, 0, &m->pay);

    if (sink == NULL)
      return FALSE;
  } else {
    g_autoptr (GstCaps) caps = gst_caps_from_string (RC_MEDIA_OPUS_RTP_CAPS);
    g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;

    g_signal_emit_by_name (m->webrtc, "add-transceiver",
                           GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
    if (trans == NULL)
      return FALSE;
  }
  m->events = rc_test_webrtc_events_new (self->context, m->pipeline, m->webrtc, self->receiver,
                                         handle, m);
  return gst_element_set_state (m->pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

static void
handle_offer (RcTestClient *self, RcTestMedia *m, JsonObject *offer)
{
  const char *text = json_object_get_string_member_with_default (offer, "sdp", NULL);
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;
  gint pt;

  if (m == NULL || m->remote_set || *m->state != RC_TEST_MEDIA_OFFERED || m->mid)
    return;
  if (text == NULL || gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK ||
      gst_sdp_message_medias_len (sdp) != 1) {
    m_fail (m, "bad offer");
    if (sdp)
      gst_sdp_message_free (sdp);
    return;
  }
  m->mid = g_strdup (gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, 0), "mid"));
  if (!m->send) {
    g_free (self->offer_sdp);
    self->offer_sdp = g_strdup (text);
  }
  pt = rc_media_sdp_find_opus_pt (gst_sdp_message_get_media (sdp, 0));
  if (self->no_answer) {
    gst_sdp_message_free (sdp);
    return;
  }
  if (m->pipeline == NULL && !build (self, m)) {
    m_fail (m, "cannot build the client pipeline");
    gst_sdp_message_free (sdp);
    return;
  }
  if (m->pay && pt >= 0)
    g_object_set (m->pay, "pt", pt, NULL);
  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  promise = rc_test_webrtc_events_promise (m->events, TAG_REMOTE_SET);
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
  self->publish_mode = json_object_get_boolean_member_with_default (o, "publish", FALSE);
  offer = json_object_get_object_member (o, "offer");
  if (offer)
    handle_offer (self, self->media, offer);
  /* A speaker on two transports opens its send transport at once (it
   * fails with not_seated until it is on a seat: then publish again). */
  if (self->publish_mode && self->tone_hz > 0 && !self->no_answer)
    rc_test_client_publish (self);
}

static void
on_publish_ack (RcTestClient *self, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;
  JsonObject *offer;

  if (self->send == NULL)
    return;
  if (o == NULL || !json_object_get_boolean_member_with_default (o, "ok", FALSE)) {
    JsonObject *err = o ? json_object_get_object_member (o, "error") : NULL;
    const char *code = err ? json_object_get_string_member_with_default (err, "code", "?") : "?";

    /* Not seated yet: no send transport, and nothing failed. */
    if (g_strcmp0 (code, "not_seated") == 0) {
      media_teardown (&self->send);
      self->send_state = RC_TEST_MEDIA_IDLE;
    } else {
      state_fail (self, TRUE, code);
    }
    return;
  }
  offer = json_object_get_object_member (o, "offer");
  if (offer)
    handle_offer (self, self->send, offer);
}

/* The media session an event is for: its "transport" member. */
static RcTestMedia *
media_for (RcTestClient *self, JsonNode *payload)
{
  JsonObject *o = payload && JSON_NODE_HOLDS_OBJECT (payload) ? json_node_get_object (payload)
                                                              : NULL;
  const char *transport =
    o ? json_object_get_string_member_with_default (o, "transport", NULL) : NULL;

  return g_strcmp0 (transport, "send") == 0 ? self->send : self->media;
}

static void
on_media_offer (RcTestClient *self, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;

  if (first && JSON_NODE_HOLDS_OBJECT (first))
    handle_offer (self, media_for (self, first), json_node_get_object (first));
}

static void
on_media_ice (RcTestClient *self, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  g_autoptr (GError) error = NULL;
  RcTestMedia *m = media_for (self, first);
  RcMediaIceCandidate *c;

  if (m == NULL || first == NULL)
    return;
  c = rc_media_ice_candidate_from_json (first, 1, NULL, &error);
  if (c == NULL) {
    g_message ("test client %s: bad media:ice from the server: %s", self->token, error->message);
    m_fail (m, "bad candidate from the server");
    return;
  }
  if (c->candidate && !m->send)
    g_ptr_array_add (self->remote_candidates, g_strdup (c->candidate));
  if (self->no_answer) {
    rc_media_ice_candidate_free (c);
    return;
  }
  if (m->remote_set) {
    add_remote (m, c);
    rc_media_ice_candidate_free (c);
  } else {
    g_ptr_array_add (m->pending_remote, c);
  }
}

static void
on_media_failed (RcTestClient *self, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;
  const char *reason = o ? json_object_get_string_member_with_default (o, "reason", "?") : "?";
  RcTestMedia *m = media_for (self, first);

  state_fail (self, m != NULL && m->send, reason);
}

/* The server closed the send transport (the seat was left). */
static void
on_media_unpublished (RcTestClient *self, JsonArray *args, gpointer data)
{
  media_teardown (&self->send);
  self->send_state = RC_TEST_MEDIA_IDLE;
}

static RcTestMedia *
media_new (RcTestClient *self, gboolean send)
{
  RcTestMedia *m = g_new0 (RcTestMedia, 1);

  m->client = self;
  m->send = send;
  m->state = send ? &self->send_state : &self->media_state;
  m->pending_remote = g_ptr_array_new_with_free_func ((GDestroyNotify) rc_media_ice_candidate_free);
  m->pending_local = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  return m;
}

void
rc_test_client_publish (RcTestClient *self)
{
  if (!self->publish_mode || self->media == NULL)
    return;
  media_teardown (&self->send);
  self->send = media_new (self, TRUE);
  self->send_state = RC_TEST_MEDIA_OFFERED;
  rc_test_client_emit (self, "media:publish", NULL, on_publish_ack, NULL);
}

RcTestMediaState
rc_test_client_get_send_state (RcTestClient *self)
{
  return self->send_state;
}

void
rc_test_client_start_media (RcTestClient *self)
{
  RcTestMedia *m;

  rc_test_client_stop_media (self, FALSE);
  m = media_new (self, FALSE);
  self->media = m;
  /* the previous session's pipeline is NULL: its receiver can go */
  g_clear_pointer (&self->receiver, rc_test_receiver_free);
  self->receiver = rc_test_receiver_new (self->log_label, !self->no_decode, self->probe_hz,
                                         self->n_probe_hz);
  rc_test_receiver_set_own_tone (self->receiver, self->tone_hz);
  g_clear_pointer (&self->failed_reason, g_free);
  self->media_state = RC_TEST_MEDIA_OFFERED;
  self->publish_mode = FALSE;
  rc_test_client_emit (self, "media:connect", NULL, on_connect_ack, NULL);
}

/* Sets the pipeline to NULL (no pad is ever released) and forgets it. */
static void
media_teardown (RcTestMedia **media)
{
  RcTestMedia *m = g_steal_pointer (media);

  if (m == NULL)
    return;
  g_clear_pointer (&m->events, rc_test_webrtc_events_stop);
  if (m->pipeline) {
    gst_element_set_state (m->pipeline, GST_STATE_NULL);
    gst_object_unref (m->pipeline);
  }
  g_clear_object (&m->pay);
  g_free (m->mid);
  g_ptr_array_unref (m->pending_remote);
  g_ptr_array_unref (m->pending_local);
  g_free (m);
}

void
rc_test_client_media_teardown (RcTestClient *self)
{
  media_teardown (&self->send);
  if (self->send_state != RC_TEST_MEDIA_FAILED)
    self->send_state = RC_TEST_MEDIA_IDLE;
  media_teardown (&self->media);
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
  rc_test_client_on (self, "media:unpublished", on_media_unpublished, NULL);
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
  return self->receiver ? rc_test_receiver_get_level_db (self->receiver, index)
                        : RC_GOERTZEL_FLOOR_DB;
}

double
rc_test_client_get_mean_level_db (RcTestClient *self, guint index)
{
  return self->receiver ? rc_test_receiver_get_mean_level_db (self->receiver, index)
                        : RC_GOERTZEL_FLOOR_DB;
}

void
rc_test_client_get_counters (RcTestClient *self, RcTestClientCounters *counters)
{
  if (self->receiver)
    rc_test_receiver_get_counters (self->receiver, counters);
  else
    memset (counters, 0, sizeof *counters);
}

void
rc_test_client_fetch_transport_stats (RcTestClient *self)
{
  GstPromise *promise;

  self->transport_valid = FALSE;
  if (self->media == NULL || self->media->events == NULL)
    return;
  promise = rc_test_webrtc_events_promise (self->media->events, TAG_STATS);
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
