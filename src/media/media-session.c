/* roomcast: media:* signalling of one client; see media-session.h. */
#include "media/media-session.h"
#include "core/metrics.h"
#include "media/media-sdp.h"

#include <string.h>

struct _RcMediaSession {
  GObject parent_instance;
  RcSioSocket *socket;
  RcMediaPeer *peer;
  GCancellable *cancellable;
  guint connect_timeout_ms;
  RcCandidateAllow allow; /* remote candidates the filter lets through */
  GSource *timeout;
  char *transport;   /* "send", or NULL: written into every event it emits */
  JsonObject *extra; /* more members for the offer's ack, nullable */

  GstSDPMessage *offer;    /* our offer, once made: answers are checked against it */
  char *mid;               /* its audio mid */
  gboolean answered;       /* an answer was accepted (or is being applied) */
  GPtrArray *held;         /* JsonNode media:ice payloads waiting for the offer to go out */
  guint remote_candidates; /* media:ice and answer candidates taken, refused ones too */
  gboolean logged_refusal; /* one refused candidate was logged at info level */
  gboolean ended, closed;
};

enum { SIGNAL_ENDED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RcMediaSession, rc_media_session, G_TYPE_OBJECT)

/* Every event of the session goes out through here: a send transport's
 * carry "transport": "send" so that the client knows which of its two
 * peer connections they are for. */
static void
emit (RcMediaSession *self, const char *event, JsonNode *payload)
{
  if (self->transport != NULL && JSON_NODE_HOLDS_OBJECT (payload)) {
    g_autoptr (JsonNode) copy = json_node_copy (payload);

    json_object_set_string_member (json_node_get_object (copy), "transport", self->transport);
    rc_sio_socket_emit (self->socket, event, copy);
    return;
  }
  rc_sio_socket_emit (self->socket, event, payload);
}

/* Tells the client and the owner that this session is over. */
static void
fail (RcMediaSession *self, const char *reason)
{
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) payload = NULL;

  if (self->ended || self->closed)
    return;
  self->ended = TRUE;
  g_info ("media: sid=%s failed: %s", rc_sio_socket_get_id (self->socket), reason);
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  emit (self, "media:failed", payload);
  g_signal_emit (self, signals[SIGNAL_ENDED], 0, reason);
}

static gboolean
on_timeout (gpointer data)
{
  RcMediaSession *self = data;

  g_clear_pointer (&self->timeout, g_source_unref);
  fail (self, "timeout");
  return G_SOURCE_REMOVE;
}

static void
stop_timer (RcMediaSession *self)
{
  if (self->timeout) {
    g_source_destroy (self->timeout);
    g_clear_pointer (&self->timeout, g_source_unref);
  }
}

static void
send_candidate (RcMediaSession *self, JsonNode *payload)
{
  if (self->held) {
    g_ptr_array_add (self->held, json_node_ref (payload));
    return;
  }
  emit (self, "media:ice", payload);
}

static void
on_local_candidate (RcMediaPeer *peer, guint mline, const char *candidate, gpointer data)
{
  RcMediaSession *self = data;
  g_autoptr (JsonNode) payload = rc_media_ice_candidate_to_json (mline, self->mid, candidate);

  send_candidate (self, payload);
}

static void
on_state_changed (RcMediaPeer *peer, gint state, const char *reason, gpointer data)
{
  RcMediaSession *self = data;

  if (state == RC_MEDIA_PEER_CONNECTED) {
    stop_timer (self);
    g_info ("media: sid=%s connected", rc_sio_socket_get_id (self->socket));
  } else if (state == RC_MEDIA_PEER_FAILED) {
    fail (self, reason ? reason : "connection_failed");
  }
}

RcMediaSession *
rc_media_session_new (RcSioSocket *socket, RcMediaPeer *peer, guint connect_timeout_ms,
                      RcCandidateAllow allow)
{
  RcMediaSession *self = g_object_new (RC_TYPE_MEDIA_SESSION, NULL);

  self->socket = g_object_ref (socket);
  self->peer = g_object_ref (peer);
  self->connect_timeout_ms = connect_timeout_ms;
  self->allow = allow;
  self->cancellable = g_cancellable_new ();
  self->held = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_signal_connect (peer, "local-candidate", G_CALLBACK (on_local_candidate), self);
  g_signal_connect (peer, "state-changed", G_CALLBACK (on_state_changed), self);
  return self;
}

/* A remote candidate the filter refused: counted, and logged (at info once
 * per session: a client sends many, mDNS names from every browser). */
static void
count_refusal (RcMediaSession *self, const char *where, const char *reason, const char *message)
{
  g_autofree char *labels = g_strdup_printf ("reason=\"%s\"", reason);

  rc_metrics_counter_inc ("roomcast_media_candidates_refused_total",
                          "Remote ICE candidates refused, by reason", labels);
  if (self->logged_refusal) {
    g_debug ("media: sid=%s: %s: refused %s", rc_sio_socket_get_id (self->socket), where,
             message);
    return;
  }
  self->logged_refusal = TRUE;
  g_info ("media: sid=%s: %s: refused %s (further refusals of this session at debug level)",
          rc_sio_socket_get_id (self->socket), where, message);
}

/* --- the offer ------------------------------------------------------------ */

typedef struct {
  RcMediaSession *self; /* ref */
  RcSioAck *ack;        /* ref, nullable */
  JsonArray *refused;   /* the answer's refused candidates for its ack, nullable */
} OfferCall;

static void
offer_call_free (OfferCall *call)
{
  g_object_unref (call->self);
  if (call->ack)
    rc_sio_ack_unref (call->ack);
  if (call->refused)
    json_array_unref (call->refused);
  g_free (call);
}

static JsonObject *
offer_object (const char *sdp)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "type", "offer");
  json_object_set_string_member (o, "sdp", sdp);
  return o;
}

static void
on_offer (GObject *source, GAsyncResult *result, gpointer data)
{
  OfferCall *call = data;
  RcMediaSession *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autofree char *sdp = rc_media_peer_create_offer_finish (RC_MEDIA_PEER (source), result,
                                                            &error);
  g_autoptr (GPtrArray) held = NULL;
  const GstSDPMedia *media;

  if (self->closed || self->ended) {
    offer_call_free (call);
    return;
  }
  if (sdp == NULL || gst_sdp_message_new_from_text (sdp, &self->offer) != GST_SDP_OK ||
      gst_sdp_message_medias_len (self->offer) != 1) {
    g_warning ("media: sid=%s: no offer: %s", rc_sio_socket_get_id (self->socket),
               error ? error->message : "unusable SDP");
    if (call->ack)
      rc_sio_ack_error (call->ack, "internal", "the server could not make an offer");
    offer_call_free (call);
    fail (self, "offer_failed");
    return;
  }
  media = gst_sdp_message_get_media (self->offer, 0);
  self->mid = g_strdup (gst_sdp_media_get_attribute_val (media, "mid"));
  if (call->ack) {
    g_autoptr (JsonObject) fields = json_object_new ();
    json_object_set_object_member (fields, "offer", offer_object (sdp));
    if (self->transport != NULL)
      json_object_set_string_member (fields, "transport", self->transport);
    if (self->extra != NULL) {
      g_autoptr (GList) names = json_object_get_members (self->extra);
      for (GList *l = names; l; l = l->next)
        json_object_set_member (fields, l->data,
                                json_node_copy (json_object_get_member (self->extra, l->data)));
    }
    rc_sio_ack_ok (call->ack, fields);
  } else {
    g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
    json_node_take_object (node, offer_object (sdp));
    emit (self, "media:offer", node);
  }
  offer_call_free (call);
  /* Candidates gathered meanwhile follow the offer, in order. */
  held = g_steal_pointer (&self->held);
  for (guint i = 0; i < held->len; i++)
    emit (self, "media:ice", g_ptr_array_index (held, i));
}

void
rc_media_session_set_transport (RcMediaSession *self, const char *transport, JsonObject *extra)
{
  g_return_if_fail (RC_IS_MEDIA_SESSION (self));
  g_free (self->transport);
  self->transport = g_strdup (transport);
  g_clear_pointer (&self->extra, json_object_unref);
  self->extra = extra ? json_object_ref (extra) : NULL;
}

void
rc_media_session_start (RcMediaSession *self, RcSioAck *ack)
{
  OfferCall *call = g_new0 (OfferCall, 1);

  g_return_if_fail (RC_IS_MEDIA_SESSION (self));
  call->self = g_object_ref (self);
  call->ack = ack ? rc_sio_ack_ref (ack) : NULL;
  if (self->connect_timeout_ms > 0 && self->timeout == NULL) {
    self->timeout = g_timeout_source_new (self->connect_timeout_ms);
    g_source_set_callback (self->timeout, on_timeout, self, NULL);
    g_source_set_static_name (self->timeout, "rc-media-connect-timeout");
    g_source_attach (self->timeout, g_main_context_get_thread_default ());
  }
  rc_media_peer_create_offer_async (self->peer, self->cancellable, on_offer, call);
}

/* --- the answer ----------------------------------------------------------- */

static void
on_answer_set (GObject *source, GAsyncResult *result, gpointer data)
{
  OfferCall *call = data;
  g_autoptr (GError) error = NULL;

  if (!rc_media_peer_set_answer_finish (RC_MEDIA_PEER (source), result, &error)) {
    if (call->ack && call->self->closed)
      rc_sio_ack_error (call->ack, "invalid_state", "the media session was closed");
    else if (call->ack)
      rc_sio_ack_error (call->ack, "invalid_payload",
                        "the answer was refused by the transport");
    if (!call->self->closed) {
      g_info ("media: sid=%s: answer refused: %s", rc_sio_socket_get_id (call->self->socket),
              error->message);
      fail (call->self, "negotiation_failed");
    }
  } else if (call->ack) {
    g_autoptr (JsonObject) fields = json_object_new ();
    if (call->refused)
      json_object_set_array_member (fields, "refusedCandidates",
                                    json_array_ref (call->refused));
    rc_sio_ack_ok (call->ack, fields);
  }
  offer_call_free (call);
}

/* The single argument must be an object; returns it or answers the ack. */
static JsonNode *
single_object_arg (JsonArray *args, RcSioAck *ack, const char *event)
{
  JsonNode *node = json_array_get_length (args) == 1 ? json_array_get_element (args, 0) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
    g_autofree char *message = g_strdup_printf ("%s takes one object argument", event);
    if (ack)
      rc_sio_ack_error (ack, "invalid_payload", message);
    return NULL;
  }
  return node;
}

static void
not_expected (RcSioAck *ack, const char *what)
{
  if (ack)
    rc_sio_ack_error (ack, "invalid_state", what);
}

/* The answer's a=candidate lines go through the same filter as media:ice:
 * the refused ones are taken out before webrtcbin sees the answer (the rest
 * of a browser's answer is good, and its other candidates may well be) and
 * listed for the ack in *@refused (NULL when none was). The lines count
 * towards RC_MEDIA_MAX_REMOTE_CANDIDATES; FALSE past it, or for a malformed
 * line. */
static gboolean
filter_answer_candidates (RcMediaSession *self, GstSDPMessage *answer, JsonArray **refused,
                          GError **error)
{
  g_autoptr (GPtrArray)
    refusals = g_ptr_array_new_with_free_func ((GDestroyNotify) rc_candidate_refusal_free);
  guint room = RC_MEDIA_MAX_REMOTE_CANDIDATES - self->remote_candidates;
  guint kept = 0;

  if (!rc_candidate_filter_answer (answer, self->allow, room, &kept, refusals, error))
    return FALSE;
  self->remote_candidates += kept + refusals->len;
  *refused = refusals->len ? json_array_sized_new (refusals->len) : NULL;
  for (guint i = 0; i < refusals->len; i++) {
    RcCandidateRefusal *r = g_ptr_array_index (refusals, i);
    JsonObject *o = json_object_new ();

    count_refusal (self, "media:answer", r->reason, r->message);
    json_object_set_string_member (o, "candidate", r->candidate);
    json_object_set_string_member (o, "reason", r->reason);
    json_object_set_string_member (o, "message", r->message);
    json_array_add_object_element (*refused, o);
  }
  return TRUE;
}

void
rc_media_session_handle_answer (RcMediaSession *self, JsonArray *args, RcSioAck *ack)
{
  JsonNode *node = single_object_arg (args, ack, "media:answer");
  JsonObject *obj;
  JsonNode *sdp, *type;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) refused = NULL;
  GstSDPMessage *answer;
  OfferCall *call;

  g_return_if_fail (RC_IS_MEDIA_SESSION (self));
  if (node == NULL)
    return;
  if (self->ended || self->closed) {
    not_expected (ack, "this media session has ended: send media:connect again");
    return;
  }
  if (self->offer == NULL || self->answered) {
    not_expected (ack,
                  self->answered ? "an answer was already accepted" : "no offer was made yet");
    return;
  }
  obj = json_node_get_object (node);
  sdp = json_object_get_member (obj, "sdp");
  type = json_object_get_member (obj, "type");
  if (sdp == NULL || json_node_get_value_type (sdp) != G_TYPE_STRING ||
      (type && (json_node_get_value_type (type) != G_TYPE_STRING ||
                g_strcmp0 (json_node_get_string (type), "answer") != 0))) {
    if (ack)
      rc_sio_ack_error (ack, "invalid_payload",
                        "media:answer takes {sdp: string, type?: \"answer\"}");
    return;
  }
  answer = rc_media_sdp_parse_answer (json_node_get_string (sdp),
                                      strlen (json_node_get_string (sdp)), self->offer, &error);
  if (answer == NULL || !filter_answer_candidates (self, answer, &refused, &error)) {
    g_clear_pointer (&answer, gst_sdp_message_free);
    if (ack)
      rc_sio_ack_error (ack, "invalid_payload", error->message);
    return;
  }
  self->answered = TRUE;
  call = g_new0 (OfferCall, 1);
  call->self = g_object_ref (self);
  call->ack = ack ? rc_sio_ack_ref (ack) : NULL;
  call->refused = g_steal_pointer (&refused);
  rc_media_peer_set_answer_async (self->peer, answer, self->cancellable, on_answer_set, call);
}

/* --- ICE -------------------------------------------------------------------- */

void
rc_media_session_handle_ice (RcMediaSession *self, JsonArray *args, RcSioAck *ack)
{
  JsonNode *node = single_object_arg (args, ack, "media:ice");
  g_autoptr (RcMediaIceCandidate) c = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (RcMediaCandidate) parsed = { 0 };
  const char *reason = NULL;

  g_return_if_fail (RC_IS_MEDIA_SESSION (self));
  if (node == NULL)
    return;
  if (self->ended || self->closed) {
    not_expected (ack, "this media session has ended: send media:connect again");
    return;
  }
  /* Each candidate is an operation queued on webrtcbin's thread, and
   * thousands of them made that thread (and its teardown) take minutes. */
  if (self->remote_candidates >= RC_MEDIA_MAX_REMOTE_CANDIDATES) {
    if (ack)
      rc_sio_ack_error (ack, "invalid_payload",
                        "Too many ICE candidates: at most " G_STRINGIFY (
                          RC_MEDIA_MAX_REMOTE_CANDIDATES) " per media session");
    return;
  }
  c = rc_media_ice_candidate_from_json (node, 1, self->mid, &error);
  if (c == NULL) {
    if (ack)
      rc_sio_ack_error (ack, "invalid_payload", error->message);
    return;
  }
  self->remote_candidates++;
  /* The same filter as the answer's candidates: a refused one never
   * reaches webrtcbin (host names included: it would resolve them). */
  if (c->candidate && rc_media_candidate_parse (c->candidate, &parsed, &error) &&
      !rc_candidate_check (&parsed, self->allow, &reason, &error))
    count_refusal (self, "media:ice", reason, error->message);
  if (error != NULL) {
    if (ack)
      rc_sio_ack_error (ack, "invalid_payload", error->message);
    return;
  }
  rc_media_peer_add_remote_candidate (self->peer, c->mline_index, c->candidate);
  if (ack)
    rc_sio_ack_ok (ack, NULL);
}

/* --- lifetime --------------------------------------------------------------- */

void
rc_media_session_close (RcMediaSession *self)
{
  g_return_if_fail (RC_IS_MEDIA_SESSION (self));
  if (self->closed)
    return;
  self->closed = TRUE;
  stop_timer (self);
  g_cancellable_cancel (self->cancellable);
  g_signal_handlers_disconnect_by_data (self->peer, self);
  rc_media_peer_close (self->peer);
}

static void
rc_media_session_dispose (GObject *object)
{
  RcMediaSession *self = RC_MEDIA_SESSION (object);

  if (self->peer)
    rc_media_session_close (self);
  g_clear_object (&self->peer);
  g_clear_object (&self->socket);
  G_OBJECT_CLASS (rc_media_session_parent_class)->dispose (object);
}

static void
rc_media_session_finalize (GObject *object)
{
  RcMediaSession *self = RC_MEDIA_SESSION (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->offer, gst_sdp_message_free);
  g_clear_pointer (&self->held, g_ptr_array_unref);
  g_clear_pointer (&self->extra, json_object_unref);
  g_free (self->transport);
  g_free (self->mid);
  G_OBJECT_CLASS (rc_media_session_parent_class)->finalize (object);
}

static void
rc_media_session_class_init (RcMediaSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_media_session_dispose;
  G_OBJECT_CLASS (klass)->finalize = rc_media_session_finalize;
  signals[SIGNAL_ENDED] = g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
rc_media_session_init (RcMediaSession *self)
{
}
