/* roomcast-loadgen: a light listener: no GStreamer, no thread of its own.
 *
 * Signalling as load-peer-roomcast.c's listeners (tests/lib's RcTestClient
 * for Socket.IO: room:join, then media:connect), but this peer answers the
 * server's offer itself, recvonly: its ICE ufrag/pwd, the fingerprint of the
 * process's shared DTLS certificate, a=setup:active, Opus at the offered
 * payload type, rtcp-mux; its one host candidate trickles behind. The
 * transport (light-transport.c) does the rest:
 *  - ICE (light-ice.c, libnice's STUN library): one UDP socket on
 *    --local-ip, full ICE checks (RFC 8445 roles: controlling against an
 *    a=ice-lite offer, controlled against a full agent such as webrtcbin,
 *    which as the offerer controls);
 *  - DTLS 1.2 client (light-dtls.c) once ICE is connected; the server's
 *    certificate must match the offer's fingerprint;
 *  - SRTP unprotect (plugins/icelite's srtp-context.h, OpenSSL EVP);
 *  - every listener's socket read by light-rx.c (one epoll set drained with
 *    recvmmsg on a timer, kernel arrival times): no GLib source per
 *    listener. A NiceAgent per listener was tried first and measured: its
 *    sources made every main-loop iteration walk all sockets
 *    (docs/performance.md).
 * This file keeps the same counters as tests/lib's webrtcbin receivers
 * (packets, bytes, sequence gaps, RFC 3550 interarrival jitter, time of the
 * first packet) and, only when asked to decode (a sampled few), libopus and
 * the Goertzel meter for the load generator's audio check.
 */
#include <math.h>
#include <string.h>

#include <gst/sdp/sdp.h>
#include <opus/opus.h>

#include "goertzel.h"
#include "light-dtls.h"
#include "light-transport.h"
#include "load-peer.h"
#include "media/media-sdp.h"
#include "rc-test-client.h"

#define POLL_MS 20
#define CLOCK_RATE 48000
#define METER_WINDOW 4800 /* 100 ms, as tests/lib's receivers */
#define MAX_FRAME 5760    /* 120 ms at 48 kHz */

struct _LoadPeer {
  LoadPeerOptions options; /* strings owned below */
  char *url, *room, *token, *local_ip;
  double *probe_hz;
  RcTestClient *client;
  LoadPeerState state;
  char *error;
  gint64 start_us;
  guint poll;

  /* the offer */
  char *mid;
  gint pt;
  gboolean offered;
  GPtrArray *pending_remote; /* candidate lines that came before the offer */

  /* ICE, DTLS, SRTP */
  LightTransport *transport;

  /* receive */
  LoadPeerCounters counters;
  gboolean have_seq;
  guint16 last_seq;
  guint32 ssrc, last_ts;
  gint64 last_arrival_us;
  double jitter; /* RTP clock units */
  OpusDecoder *opus;
  RcGoertzel *meter;
};

static void
fail (LoadPeer *p, const char *what, const char *why)
{
  if (p->state == LOAD_PEER_FAILED)
    return;
  p->state = LOAD_PEER_FAILED;
  p->error = g_strdup_printf ("%s: %s", what, why ? why : "?");
}

static LoadPeer *
light_create (const LoadPeerOptions *o)
{
  LoadPeer *p = g_new0 (LoadPeer, 1);

  p->url = g_strdup (o->target_url);
  p->room = g_strdup (o->room);
  p->token = g_strdup (o->token);
  p->local_ip = g_strdup (o->local_ip ? o->local_ip : "127.0.0.1");
  p->probe_hz = g_memdup2 (o->probe_hz, sizeof (double) * o->n_probe_hz);
  p->options = *o; /* pointing at the copies above, not at the caller's */
  p->options.target_url = p->url;
  p->options.room = p->room;
  p->options.token = p->token;
  p->options.local_ip = p->local_ip;
  p->options.probe_hz = p->probe_hz;
  p->options.display = NULL;
  p->pt = -1;
  p->pending_remote = g_ptr_array_new_with_free_func (g_free);
  return p;
}

/* --- receive --------------------------------------------------------------- */

/* One SRTP-unprotected RTP packet (@len bytes, at least a fixed header). */
static void
count_rtp (LoadPeer *p, const guint8 *pkt, gsize len, gint64 now)
{
  guint16 seq = pkt[2] << 8 | pkt[3];
  guint32 ts = (guint32) pkt[4] << 24 | pkt[5] << 16 | pkt[6] << 8 | pkt[7];
  guint32 ssrc = (guint32) pkt[8] << 24 | pkt[9] << 16 | pkt[10] << 8 | pkt[11];
  LoadPeerCounters *c = &p->counters;

  if (c->packets == 0) {
    c->first_packet_us = now;
  } else if (ssrc == p->ssrc) {
    /* RFC 3550 A.8, as tests/lib's receivers */
    double d = (double) (now - p->last_arrival_us) * CLOCK_RATE / G_USEC_PER_SEC -
               (gint32) (ts - p->last_ts);
    p->jitter += (fabs (d) - p->jitter) / 16.0;
    c->jitter_ms = p->jitter * 1000.0 / CLOCK_RATE;
  }
  p->last_arrival_us = now;
  p->last_ts = ts;
  p->ssrc = ssrc;
  c->packets++;
  c->bytes += len;
  if (p->have_seq && (guint16) (seq - p->last_seq) > 1 &&
      (guint16) (seq - p->last_seq) < 0x8000)
    c->seq_gaps += (guint16) (seq - p->last_seq) - 1;
  p->last_seq = seq;
  p->have_seq = TRUE;
}

/* The sampled few: Opus payload → 48 kHz mono float → the meter. */
static void
decode_rtp (LoadPeer *p, const guint8 *pkt, gsize len)
{
  static float pcm[MAX_FRAME]; /* main context only: one buffer for all */
  gsize off = 12 + 4 * (pkt[0] & 0x0f);
  gsize end = len;
  int n;

  if ((pkt[0] & 0x10) && off + 4 <= len) /* header extension */
    off += 4 + 4 * (pkt[off + 2] << 8 | pkt[off + 3]);
  if ((pkt[0] & 0x20) && len > 0) /* padding */
    end -= MIN (pkt[len - 1], len);
  if (off >= end)
    return;
  n = opus_decode_float (p->opus, pkt + off, (opus_int32) (end - off), pcm, MAX_FRAME, 0);
  if (n > 0)
    rc_goertzel_feed (p->meter, pcm, n);
}

static void
on_rtp (guint8 *pkt, gsize len, gint64 arrival_us, gpointer data)
{
  LoadPeer *p = data;

  count_rtp (p, pkt, len, arrival_us);
  if (p->opus)
    decode_rtp (p, pkt, len);
}

static void
send_candidate (LoadPeer *p, const char *line)
{
  g_autoptr (JsonNode) payload = rc_media_ice_candidate_to_json (0, p->mid, line);

  rc_test_client_emit (p->client, "media:ice", payload, NULL, NULL);
}

/* --- signalling ------------------------------------------------------------ */

static const char *
sdp_attr (const GstSDPMessage *sdp, const GstSDPMedia *m, const char *key)
{
  const char *v = gst_sdp_media_get_attribute_val (m, key);
  return v ? v : gst_sdp_message_get_attribute_val (sdp, key);
}

static void
on_answer_ack (RcTestClient *client, JsonArray *args, gpointer data)
{
  LoadPeer *p = data;
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;

  if (o == NULL || !json_object_get_boolean_member_with_default (o, "ok", FALSE))
    fail (p, "media:answer", "refused");
  else
    p->counters.stage_us[LOAD_STAGE_ANSWERED] = g_get_monotonic_time ();
}

/* The recvonly answer this listener writes itself. */
static char *
make_answer (LoadPeer *p, gboolean bundle, const char *ufrag, const char *pwd, const char *fp)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
                          g_random_int ());
  if (bundle)
    g_string_append_printf (s, "a=group:BUNDLE %s\r\n", p->mid);
  g_string_append_printf (s,
                          "m=audio 9 UDP/TLS/RTP/SAVPF %d\r\n"
                          "c=IN IP4 0.0.0.0\r\n"
                          "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
                          "a=fingerprint:%s\r\na=setup:active\r\na=mid:%s\r\na=recvonly\r\n"
                          "a=rtcp-mux\r\na=rtpmap:%d OPUS/48000/2\r\n"
                          "a=fmtp:%d minptime=10;useinbandfec=1\r\n",
                          p->pt, ufrag, pwd, fp, p->mid, p->pt, p->pt);
  return g_string_free (s, FALSE);
}

static void
handle_offer (LoadPeer *p, JsonObject *offer)
{
  const char *text = json_object_get_string_member_with_default (offer, "sdp", NULL);
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp = NULL;
  const GstSDPMedia *m;
  const char *ufrag, *pwd, *fp;
  g_autofree char *answer_sdp = NULL, *candidate = NULL;
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (JsonNode) node = NULL;
  gboolean lite;

  if (p->offered)
    return; /* one media session per listener */
  p->counters.stage_us[LOAD_STAGE_OFFER] = g_get_monotonic_time ();
  p->offered = TRUE;
  if (text == NULL || gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK ||
      gst_sdp_message_medias_len (sdp) < 1) {
    fail (p, "offer", "no SDP");
    goto out;
  }
  m = gst_sdp_message_get_media (sdp, 0);
  p->pt = rc_media_sdp_find_opus_pt (m);
  p->mid = g_strdup (gst_sdp_media_get_attribute_val (m, "mid"));
  ufrag = sdp_attr (sdp, m, "ice-ufrag");
  pwd = sdp_attr (sdp, m, "ice-pwd");
  fp = sdp_attr (sdp, m, "fingerprint");
  lite = gst_sdp_message_get_attribute_val (sdp, "ice-lite") != NULL;
  if (p->pt < 0 || p->mid == NULL || ufrag == NULL || pwd == NULL || fp == NULL) {
    fail (p, "offer", "no Opus, mid, ICE credentials or fingerprint");
    goto out;
  }
  if (light_dtls_local_fingerprint (&error) == NULL) {
    fail (p, "dtls", error->message);
    goto out;
  }
  /* RFC 8445 6.1.1: the offerer controls, unless it is a lite agent */
  p->transport = light_transport_new (p->local_ip, lite, ufrag, pwd, fp, p->pt, on_rtp, p,
                                      &error);
  if (p->transport == NULL) {
    fail (p, "ice", error->message);
    goto out;
  }
  if (p->options.decode) {
    int err = 0;
    p->opus = opus_decoder_create (CLOCK_RATE, 1, &err);
    p->meter = rc_goertzel_new (CLOCK_RATE, METER_WINDOW, p->probe_hz, p->options.n_probe_hz);
  }
  answer_sdp = make_answer (p, gst_sdp_message_get_attribute_val (sdp, "group") != NULL,
                            light_transport_get_ufrag (p->transport),
                            light_transport_get_pwd (p->transport),
                            light_dtls_local_fingerprint (NULL));
  answer = json_object_new ();
  json_object_set_string_member (answer, "type", "answer");
  json_object_set_string_member (answer, "sdp", answer_sdp);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, answer);
  rc_test_client_emit (p->client, "media:answer", node, on_answer_ack, p);
  /* after the answer: our one candidate trickles behind it */
  candidate = light_transport_get_candidate (p->transport);
  send_candidate (p, candidate);
  send_candidate (p, NULL);
  for (guint i = 0; i < gst_sdp_media_attributes_len (m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, i);
    if (g_str_equal (a->key, "candidate") && a->value) {
      g_autofree char *line = g_strconcat ("candidate:", a->value, NULL);
      light_transport_add_remote (p->transport, line);
    }
  }
  for (guint i = 0; i < p->pending_remote->len; i++)
    light_transport_add_remote (p->transport, g_ptr_array_index (p->pending_remote, i));
  g_ptr_array_set_size (p->pending_remote, 0);
out:
  if (sdp)
    gst_sdp_message_free (sdp);
}

static void
on_connect_ack (RcTestClient *client, JsonArray *args, gpointer data)
{
  LoadPeer *p = data;
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;
  JsonObject *err;

  if (o == NULL || !json_object_get_boolean_member_with_default (o, "ok", FALSE)) {
    err = o && json_object_has_member (o, "error") ? json_object_get_object_member (o, "error")
                                                   : NULL;
    fail (p, "media:connect",
          err ? json_object_get_string_member_with_default (err, "code", "?") : "refused");
    return;
  }
  if (json_object_has_member (o, "offer"))
    handle_offer (p, json_object_get_object_member (o, "offer"));
}

static void
on_media_offer (RcTestClient *client, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;

  if (first && JSON_NODE_HOLDS_OBJECT (first))
    handle_offer (data, json_node_get_object (first));
}

static void
on_media_ice (RcTestClient *client, JsonArray *args, gpointer data)
{
  LoadPeer *p = data;
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RcMediaIceCandidate) c = NULL;

  if (first == NULL || p->state == LOAD_PEER_FAILED)
    return;
  c = rc_media_ice_candidate_from_json (first, 1, NULL, &error);
  if (c == NULL) {
    fail (p, "media:ice", error->message);
    return;
  }
  if (c->candidate == NULL)
    return; /* end of candidates: checks go on until the timeout anyway */
  if (p->transport)
    light_transport_add_remote (p->transport, c->candidate);
  else
    g_ptr_array_add (p->pending_remote, g_strdup (c->candidate));
}

static void
on_media_failed (RcTestClient *client, JsonArray *args, gpointer data)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;

  fail (data, "media", o ? json_object_get_string_member_with_default (o, "reason", "?") : "?");
}

static void
on_join_ack (RcTestClient *client, JsonArray *args, gpointer data)
{
  LoadPeer *p = data;
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;

  if (o == NULL || !json_object_get_boolean_member_with_default (o, "ok", FALSE)) {
    fail (p, "room:join", "refused");
    return;
  }
  p->counters.stage_us[LOAD_STAGE_JOINED] = g_get_monotonic_time ();
  rc_test_client_emit (p->client, "media:connect", NULL, on_connect_ack, p);
}

/* Until the Socket.IO namespace is connected (RcTestClient has no signal). */
static gboolean
poll_connected (gpointer data)
{
  LoadPeer *p = data;
  g_autofree char *json = NULL;
  g_autoptr (JsonNode) arg = NULL;

  if (rc_test_client_get_error (p->client)) {
    fail (p, "connect", rc_test_client_get_error (p->client));
    p->poll = 0;
    return G_SOURCE_REMOVE;
  }
  if (!rc_test_client_is_connected (p->client))
    return G_SOURCE_CONTINUE;
  p->poll = 0;
  p->counters.stage_us[LOAD_STAGE_SOCKET] = g_get_monotonic_time ();
  json = g_strdup_printf ("{\"roomId\":\"%s\"}", p->room);
  arg = json_from_string (json, NULL);
  rc_test_client_emit (p->client, "room:join", arg, on_join_ack, p);
  return G_SOURCE_REMOVE;
}

static void
light_start (LoadPeer *p)
{
  RcTestClientOptions o = { .url = p->url, .token = p->token, .no_decode = TRUE };

  g_return_if_fail (p->client == NULL);
  p->client = rc_test_client_new (&o);
  /* the media events are this peer's, not RcTestClient's webrtcbin */
  rc_test_client_on (p->client, "media:offer", on_media_offer, p);
  rc_test_client_on (p->client, "media:ice", on_media_ice, p);
  rc_test_client_on (p->client, "media:failed", on_media_failed, p);
  p->state = LOAD_PEER_SIGNALLING;
  p->start_us = g_get_monotonic_time ();
  rc_test_client_connect (p->client);
  p->poll = g_timeout_add (POLL_MS, poll_connected, p);
}

static LoadPeerState
light_get_state (LoadPeer *p)
{
  if (p->state != LOAD_PEER_SIGNALLING)
    return p->state;
  if (p->client && rc_test_client_get_error (p->client))
    fail (p, "socket", rc_test_client_get_error (p->client));
  else if (p->transport && light_transport_get_state (p->transport) == LIGHT_TRANSPORT_FAILED)
    fail (p, "transport", light_transport_get_error (p->transport));
  else if (p->transport &&
           light_transport_get_state (p->transport) == LIGHT_TRANSPORT_CONNECTED)
    p->state = LOAD_PEER_CONNECTED;
  return p->state;
}

static const char *
light_get_error (LoadPeer *p)
{
  return p->state == LOAD_PEER_FAILED ? p->error : NULL;
}

static void
light_get_counters (LoadPeer *p, LoadPeerCounters *c)
{
  *c = p->counters;
  c->start_us = p->start_us;
  if (p->transport)
    light_transport_get_times (p->transport, &c->stage_us[LOAD_STAGE_ICE],
                               &c->stage_us[LOAD_STAGE_DTLS]);
}

static double
light_get_level_db (LoadPeer *p, guint index)
{
  return p->meter && index < p->options.n_probe_hz ? rc_goertzel_mean_db (p->meter, index)
                                                   : RC_GOERTZEL_FLOOR_DB;
}

static void
light_free (LoadPeer *p)
{
  if (p->poll)
    g_source_remove (p->poll);
  light_transport_free (p->transport);
  if (p->client) {
    rc_test_client_close (p->client);
    g_object_unref (p->client);
  }
  if (p->opus)
    opus_decoder_destroy (p->opus);
  if (p->meter)
    rc_goertzel_free (p->meter);
  g_ptr_array_unref (p->pending_remote);
  g_free (p->mid);
  g_free (p->url);
  g_free (p->room);
  g_free (p->token);
  g_free (p->local_ip);
  g_free (p->probe_hz);
  g_free (p->error);
  g_free (p);
}

const LoadPeerClass load_peer_light_class = {
  .name = "light",
  .create = light_create,
  .start = light_start,
  .get_state = light_get_state,
  .get_error = light_get_error,
  .get_counters = light_get_counters,
  .get_level_db = light_get_level_db,
  .free = light_free,
};
