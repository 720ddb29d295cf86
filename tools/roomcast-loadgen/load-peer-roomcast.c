/* roomcast-loadgen: a roomcast participant (tests/lib's RcTestClient).
 *
 * Socket.IO connect with the token, room:join, seat:take for speakers (the
 * seat is the speaker's index in its room, from the display name
 * "r<room>/s<seat>" that loadgen.c gives speakers),
 * then media:connect: the server offers, the client answers. Listeners are
 * recvonly and count RTP without decoding unless asked to decode. On a
 * server with two transports (MEDIA_RECV_TRANSPORT=lite) a speaker also
 * publishes (RcTestClient opens its send transport after media:connect)
 * and counts as connected once both transports are.
 */
#include <stdlib.h>
#include <string.h>

#include "load-peer.h"
#include "rc-test-client.h"

#define POLL_MS 20

struct _LoadPeer {
  LoadPeerOptions options; /* strings owned below */
  char *url, *room, *token, *display, *local_ip;
  double *probe_hz;
  RcTestClient *client;
  LoadPeerState state;
  char *error;
  gint64 start_us;
  guint poll;
  gint seat; /* -1 listener */
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
roomcast_create (const LoadPeerOptions *o)
{
  LoadPeer *p = g_new0 (LoadPeer, 1);
  const char *seat;

  p->url = g_strdup (o->target_url);
  p->room = g_strdup (o->room);
  p->token = g_strdup (o->token);
  p->display = g_strdup (o->display);
  p->local_ip = g_strdup (o->local_ip);
  p->probe_hz = g_memdup2 (o->probe_hz, sizeof (double) * o->n_probe_hz);
  p->options = *o;
  p->seat = -1;
  seat = o->display && o->tone_hz > 0 ? strstr (o->display, "/s") : NULL;
  if (seat)
    p->seat = atoi (seat + 2);
  return p;
}

static gboolean
ack_ok (JsonArray *args, const char **code)
{
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = first && JSON_NODE_HOLDS_OBJECT (first) ? json_node_get_object (first) : NULL;
  JsonObject *err;

  *code = "no ack object";
  if (o && json_object_get_boolean_member_with_default (o, "ok", FALSE))
    return TRUE;
  err = o && json_object_has_member (o, "error") ? json_object_get_object_member (o, "error") : NULL;
  if (err)
    *code = json_object_get_string_member_with_default (err, "code", "?");
  return FALSE;
}

static void
on_seat_ack (RcTestClient *client, JsonArray *args, gpointer data)
{
  LoadPeer *p = data;
  const char *code;

  if (!ack_ok (args, &code)) {
    fail (p, "seat:take", code);
    return;
  }
  rc_test_client_start_media (p->client);
}

static void
on_join_ack (RcTestClient *client, JsonArray *args, gpointer data)
{
  LoadPeer *p = data;
  const char *code;

  if (!ack_ok (args, &code)) {
    fail (p, "room:join", code);
    return;
  }
  if (p->seat >= 0) {
    g_autofree char *json = g_strdup_printf ("{\"seat\":%d}", p->seat);
    g_autoptr (JsonNode) arg = json_from_string (json, NULL);
    rc_test_client_emit (p->client, "seat:take", arg, on_seat_ack, p);
  } else {
    rc_test_client_start_media (p->client);
  }
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
  json = g_strdup_printf ("{\"roomId\":\"%s\"}", p->room);
  arg = json_from_string (json, NULL);
  rc_test_client_emit (p->client, "room:join", arg, on_join_ack, p);
  return G_SOURCE_REMOVE;
}

static void
roomcast_start (LoadPeer *p)
{
  RcTestClientOptions o = {
    .url = p->url, .token = p->token, .tone_hz = p->options.tone_hz,
    .probe_hz = p->probe_hz, .n_probe_hz = p->options.decode ? p->options.n_probe_hz : 0,
    .no_decode = !p->options.decode, .local_ip = p->local_ip,
  };

  g_return_if_fail (p->client == NULL);
  p->client = rc_test_client_new (&o);
  p->state = LOAD_PEER_SIGNALLING;
  p->start_us = g_get_monotonic_time ();
  rc_test_client_connect (p->client);
  p->poll = g_timeout_add (POLL_MS, poll_connected, p);
}

static LoadPeerState
roomcast_get_state (LoadPeer *p)
{
  if (p->state != LOAD_PEER_SIGNALLING && p->state != LOAD_PEER_CONNECTED)
    return p->state;
  if (rc_test_client_get_error (p->client)) {
    fail (p, "socket", rc_test_client_get_error (p->client));
    return p->state;
  }
  if (rc_test_client_get_send_state (p->client) == RC_TEST_MEDIA_FAILED) {
    fail (p, "publish", rc_test_client_get_failed_reason (p->client));
    return p->state;
  }
  switch (rc_test_client_get_media_state (p->client)) {
  case RC_TEST_MEDIA_CONNECTED: {
    RcTestMediaState send = rc_test_client_get_send_state (p->client);

    if (send == RC_TEST_MEDIA_IDLE || send == RC_TEST_MEDIA_CONNECTED)
      p->state = LOAD_PEER_CONNECTED;
    break;
  }
  case RC_TEST_MEDIA_FAILED:
    fail (p, "media", rc_test_client_get_failed_reason (p->client));
    break;
  default:
    break;
  }
  return p->state;
}

static const char *
roomcast_get_error (LoadPeer *p)
{
  return p->state == LOAD_PEER_FAILED ? p->error : NULL;
}

static void
roomcast_get_counters (LoadPeer *p, LoadPeerCounters *c)
{
  RcTestClientCounters k = { 0 };

  if (p->client)
    rc_test_client_get_counters (p->client, &k);
  load_peer_counters_from_test (c, &k, p->start_us);
}

static double
roomcast_get_level_db (LoadPeer *p, guint index)
{
  return p->client ? rc_test_client_get_mean_level_db (p->client, index) : -200.0;
}

static void
roomcast_free (LoadPeer *p)
{
  if (p->poll)
    g_source_remove (p->poll);
  if (p->client) {
    rc_test_client_close (p->client);
    g_object_unref (p->client);
  }
  g_free (p->url);
  g_free (p->room);
  g_free (p->token);
  g_free (p->display);
  g_free (p->local_ip);
  g_free (p->probe_hz);
  g_free (p->error);
  g_free (p);
}

const LoadPeerClass load_peer_roomcast_class = {
  .name = "roomcast",
  .create = roomcast_create,
  .start = roomcast_start,
  .get_state = roomcast_get_state,
  .get_error = roomcast_get_error,
  .get_counters = roomcast_get_counters,
  .get_level_db = roomcast_get_level_db,
  .free = roomcast_free,
};
