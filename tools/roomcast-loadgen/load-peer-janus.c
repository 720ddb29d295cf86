/* roomcast-loadgen: a participant of a Janus AudioBridge room.
 *
 * Signalling is the Janus HTTP API (janus-api.c): create a session, attach
 * janus.plugin.audiobridge, then one "join" message carrying our SDP offer
 * (a speaker joins unmuted, a listener muted: AudioBridge mixes and encodes
 * for both); the "joined" event brings the answer; our candidates are
 * trickled after the join. Media is a webrtcbin offerer (janus-media.c).
 * All on the thread-default main context of the creator.
 */
#include "load-peer.h"

#include <string.h>

#include "goertzel.h"
#include "janus-api.h"
#include "janus-media.h"

struct _LoadPeer {
  char *url, *display, *local_ip;
  gint64 room;
  double tone_hz;
  gboolean decode;
  double *probe_hz;
  guint n_probe_hz;

  LoadPeerState state;
  char *error;
  JanusApi *api;
  JanusMedia *media;
  gboolean offer_sent;
  GPtrArray *pending_candidates; /* Candidate *, until the offer is sent */
  gint64 start_us;
};

typedef struct {
  guint mline;
  char *candidate; /* NULL: gathering complete */
} Candidate;

static void
candidate_free (gpointer data)
{
  Candidate *c = data;

  g_free (c->candidate);
  g_free (c);
}

static void
peer_fail (LoadPeer *self, const char *reason)
{
  if (self->state == LOAD_PEER_FAILED || self->state == LOAD_PEER_CLOSED)
    return;
  g_debug ("janus peer %s: failed: %s", self->display, reason);
  self->state = LOAD_PEER_FAILED;
  g_free (self->error);
  self->error = g_strdup (reason);
}

/* --- media -> Janus ---------------------------------------------------------- */

/* The join, carrying our offer; candidates found meanwhile follow it (the
 * API sends a handle's requests one at a time, in order). */
static void
on_offer (const char *sdp, gpointer data)
{
  LoadPeer *self = data;
  g_autoptr (JsonBuilder) body = json_builder_new ();
  g_autoptr (JsonBuilder) jsep = json_builder_new ();
  g_autoptr (JsonNode) body_node = NULL;
  g_autoptr (JsonNode) jsep_node = NULL;

  g_debug ("janus peer %s: offer:\n%s", self->display, sdp);
  json_builder_begin_object (body);
  json_builder_set_member_name (body, "request");
  json_builder_add_string_value (body, "join");
  json_builder_set_member_name (body, "room");
  json_builder_add_int_value (body, self->room);
  json_builder_set_member_name (body, "display");
  json_builder_add_string_value (body, self->display);
  json_builder_set_member_name (body, "muted");
  json_builder_add_boolean_value (body, self->tone_hz <= 0);
  json_builder_end_object (body);
  json_builder_begin_object (jsep);
  json_builder_set_member_name (jsep, "type");
  json_builder_add_string_value (jsep, "offer");
  json_builder_set_member_name (jsep, "sdp");
  json_builder_add_string_value (jsep, sdp);
  json_builder_end_object (jsep);
  body_node = json_builder_get_root (body);
  jsep_node = json_builder_get_root (jsep);
  janus_api_send_message (self->api, body_node, jsep_node);
  self->offer_sent = TRUE;
  for (guint i = 0; i < self->pending_candidates->len; i++) {
    Candidate *c = g_ptr_array_index (self->pending_candidates, i);
    janus_api_trickle (self->api, NULL, c->mline, c->candidate);
  }
  g_ptr_array_set_size (self->pending_candidates, 0);
}

static void
on_local_candidate (guint mline, const char *candidate, gpointer data)
{
  LoadPeer *self = data;
  Candidate *c;

  g_debug ("janus peer %s: local candidate %s", self->display, candidate ? candidate : "(end)");
  if (self->offer_sent) {
    janus_api_trickle (self->api, NULL, mline, candidate);
    return;
  }
  c = g_new0 (Candidate, 1);
  c->mline = mline;
  c->candidate = g_strdup (candidate);
  g_ptr_array_add (self->pending_candidates, c);
}

static void
on_connected (gpointer data)
{
  LoadPeer *self = data;

  if (self->state == LOAD_PEER_SIGNALLING)
    self->state = LOAD_PEER_CONNECTED;
}

static void
on_media_failed (const char *reason, gpointer data)
{
  peer_fail (data, reason);
}

/* --- Janus -> media ---------------------------------------------------------- */

static void
on_plugin_event (LoadPeer *self, JsonObject *message)
{
  JsonObject *plugindata = janus_api_get_object (message, "plugindata");
  JsonObject *data = plugindata ? janus_api_get_object (plugindata, "data") : NULL;
  JsonObject *jsep = janus_api_get_object (message, "jsep");
  const char *type = jsep ? json_object_get_string_member_with_default (jsep, "type", "") : "";
  const char *sdp = jsep ? json_object_get_string_member_with_default (jsep, "sdp", NULL) : NULL;

  if (data && json_object_has_member (data, "error")) {
    g_autofree char *reason = g_strdup_printf (
      "audiobridge: %s", json_object_get_string_member_with_default (data, "error", "?"));
    peer_fail (self, reason);
    return;
  }
  if (jsep == NULL || self->media == NULL)
    return; /* e.g. another participant joined or left */
  if (!g_str_equal (type, "answer") || sdp == NULL) {
    peer_fail (self, "janus: the jsep is no answer");
    return;
  }
  g_debug ("janus peer %s: answer:\n%s", self->display, sdp);
  janus_media_set_answer (self->media, sdp);
}

static void
on_remote_candidate (LoadPeer *self, JsonObject *message)
{
  JsonObject *c = janus_api_get_object (message, "candidate");
  const char *line = c ? json_object_get_string_member_with_default (c, "candidate", NULL) : NULL;
  gint64 mline = c ? json_object_get_int_member_with_default (c, "sdpMLineIndex", 0) : 0;

  /* Janus half-trickles (its candidates are in its answer); just in case. */
  if (line && self->media && mline == 0)
    janus_media_add_candidate (self->media, 0, line);
}

static void
on_janus_event (JsonObject *message, gpointer data)
{
  LoadPeer *self = data;
  const char *janus = json_object_get_string_member_with_default (message, "janus", "");

  if (self->state == LOAD_PEER_FAILED)
    return;
  if (g_str_equal (janus, "event")) {
    on_plugin_event (self, message);
  } else if (g_str_equal (janus, "trickle")) {
    on_remote_candidate (self, message);
  } else if (g_str_equal (janus, "hangup") || g_str_equal (janus, "detached")) {
    g_autofree char *reason = g_strdup_printf (
      "janus: %s (%s)", janus, json_object_get_string_member_with_default (message, "reason", "?"));
    peer_fail (self, reason);
  }
}

static void
on_janus_failed (const char *reason, gpointer data)
{
  peer_fail (data, reason);
}

/* --- LoadPeerClass ----------------------------------------------------------- */

static LoadPeer *
janus_create (const LoadPeerOptions *options)
{
  LoadPeer *self;
  gint64 room;
  char *end = NULL;

  g_return_val_if_fail (options && options->target_url && options->room, NULL);
  self = g_new0 (LoadPeer, 1);
  self->url = g_strdup (options->target_url);
  self->display = g_strdup (options->display ? options->display : "loadgen");
  self->local_ip = g_strdup (options->local_ip ? options->local_ip : "127.0.0.1");
  self->tone_hz = options->tone_hz;
  self->decode = options->decode;
  self->n_probe_hz = options->probe_hz ? options->n_probe_hz : 0;
  self->probe_hz = g_memdup2 (options->probe_hz, self->n_probe_hz * sizeof (double));
  room = g_ascii_strtoll (options->room, &end, 10);
  self->room = end && *end == '\0' && end != options->room && room > 0 ? room : 0;
  self->state = LOAD_PEER_IDLE;
  self->pending_candidates = g_ptr_array_new_with_free_func (candidate_free);
  return self;
}

static void
janus_start (LoadPeer *self)
{
  JanusApiCallbacks api_callbacks = { .event = on_janus_event, .failed = on_janus_failed };
  JanusMediaCallbacks media_callbacks = { .offer = on_offer, .candidate = on_local_candidate,
                                          .connected = on_connected,
                                          .failed = on_media_failed };
  JanusMediaOptions media_options = { .local_ip = self->local_ip, .tone_hz = self->tone_hz,
                                      .decode = self->decode, .probe_hz = self->probe_hz,
                                      .n_probe_hz = self->n_probe_hz };
  g_autoptr (GError) error = NULL;

  if (self->state != LOAD_PEER_IDLE)
    return;
  self->state = LOAD_PEER_SIGNALLING;
  self->start_us = g_get_monotonic_time ();
  if (self->room == 0) {
    peer_fail (self, "the Janus room must be a positive number");
    return;
  }
  self->api = janus_api_new (self->url, "janus.plugin.audiobridge", &api_callbacks, self);
  janus_api_start (self->api);
  self->media = janus_media_new (&media_options, &media_callbacks, self, &error);
  if (self->media == NULL)
    peer_fail (self, error->message);
}

static LoadPeerState
janus_get_state (LoadPeer *self)
{
  return self->state;
}

static const char *
janus_get_error (LoadPeer *self)
{
  return self->state == LOAD_PEER_FAILED ? self->error : NULL;
}

static void
janus_get_counters (LoadPeer *self, LoadPeerCounters *counters)
{
  if (self->media) {
    janus_media_get_counters (self->media, counters);
  } else {
    memset (counters, 0, sizeof *counters);
    counters->start_us = self->start_us;
  }
}

static double
janus_get_level_db (LoadPeer *self, guint index)
{
  return self->media ? janus_media_get_level_db (self->media, index) : RC_GOERTZEL_FLOOR_DB;
}

static void
janus_free (LoadPeer *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->media, janus_media_free);
  g_clear_pointer (&self->api, janus_api_free);
  g_ptr_array_unref (self->pending_candidates);
  g_free (self->url);
  g_free (self->display);
  g_free (self->local_ip);
  g_free (self->probe_hz);
  g_free (self->error);
  g_free (self);
}

const LoadPeerClass load_peer_janus_class = {
  .name = "janus",
  .create = janus_create,
  .start = janus_start,
  .get_state = janus_get_state,
  .get_error = janus_get_error,
  .get_counters = janus_get_counters,
  .get_level_db = janus_get_level_db,
  .free = janus_free,
};
