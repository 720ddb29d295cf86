/* roomcast tests: icelitesink end to end with a real full ICE agent
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The client is libnice's NiceAgent (full ICE, controlling, regular
 * nomination, RFC 7675 consent freshness) on 127.0.0.1 only, with the
 * icelite DTLS module as DTLS client and SRTP unprotect: what a browser
 * does, minus the browser. It must hear every packet pushed into the
 * element, in order.
 */
#include <string.h>

#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <nice/agent.h>

#include "icelite-dtls.h"
#include "srtp-context.h"

#define RTP_CAPS "application/x-rtp, media=(string)audio, " \
  "encoding-name=(string)OPUS, clock-rate=(int)48000, payload=(int)96"
#define SERVER_UFRAG "niceSrv1"
#define SERVER_PWD "niceServerPassword01234"
#define N_PACKETS 20

typedef struct {
  GMainContext *ctx;
  NiceAgent *agent;
  guint stream;
  gboolean ice_ready;
  gboolean ice_failed;
  RcDtlsCertificate *cert;
  RcDtlsEndpoint *dtls;
  RcSrtpContext *srtp_rx;
  guint received;
  guint16 seq[N_PACKETS];
  guint8 first_payload_byte[N_PACKETS];
  GAsyncQueue *events;
} Client;

static guint time_scale = 1;

static void
dtls_send (const guint8 * data, gsize len, gpointer user_data)
{
  Client *c = user_data;
  nice_agent_send (c->agent, c->stream, 1, len, (const gchar *) data);
}

static void
on_receive (NiceAgent * agent, guint stream, guint component, guint len,
    gchar * buf, gpointer user_data)
{
  Client *c = user_data;
  guint8 *p = (guint8 *) buf;

  if (len == 0)
    return;
  if (p[0] >= 20 && p[0] <= 63) {
    rc_dtls_endpoint_handle_datagram (c->dtls, p, len);
  } else if (p[0] >= 128 && p[0] <= 191 && len >= 12
      && !(p[1] >= 192 && p[1] <= 223) && c->srtp_rx != NULL) {
    guint8 copy[1500];
    gsize plain;
    if (len > sizeof copy)
      return;
    memcpy (copy, p, len);
    if (rc_srtp_context_unprotect_rtp (c->srtp_rx, copy, len, &plain)
        && plain > 12 && c->received < N_PACKETS) {
      c->seq[c->received] = (guint16) (copy[2] << 8 | copy[3]);
      c->first_payload_byte[c->received] = copy[12];
      c->received++;
    }
  }
}

static void
on_component_state (NiceAgent * agent, guint stream, guint component,
    guint state, gpointer user_data)
{
  Client *c = user_data;

  if (state == NICE_COMPONENT_STATE_READY)
    c->ice_ready = TRUE;
  else if (state == NICE_COMPONENT_STATE_FAILED)
    c->ice_failed = TRUE;
}

static void
on_peer_state (GstElement * sink, const char *peer, const char *state,
    const char *reason, gpointer user_data)
{
  g_async_queue_push (user_data, g_strdup_printf ("%s|%s|%s", peer, state,
          reason));
}

/* Runs the client's context until @done says so or the time is up; fires
 * the DTLS client's retransmission timer on the way. */
static gboolean
iterate_until (Client * c, gboolean (*done) (Client *), guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () +
      (gint64) timeout_ms * time_scale * 1000;

  while (!done (c)) {
    gint64 timer = c->dtls ? rc_dtls_endpoint_get_deadline (c->dtls) : -1;
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    if (timer >= 0 && g_get_monotonic_time () >= timer)
      rc_dtls_endpoint_handle_timeout (c->dtls);
    if (!g_main_context_iteration (c->ctx, FALSE))
      g_usleep (1000);
  }
  return TRUE;
}

static gboolean
ice_done (Client * c)
{
  return c->ice_ready || c->ice_failed;
}

static gboolean
dtls_done (Client * c)
{
  RcDtlsState s = rc_dtls_endpoint_get_state (c->dtls);
  return s == RC_DTLS_STATE_CONNECTED || s == RC_DTLS_STATE_FAILED;
}

static gboolean
all_received (Client * c)
{
  return c->received == N_PACKETS;
}

static gboolean
wait_event (GAsyncQueue * events, const char *expected)
{
  gint64 deadline = g_get_monotonic_time () + 10 * time_scale *
      G_USEC_PER_SEC;

  for (;;) {
    gint64 left = deadline - g_get_monotonic_time ();
    g_autofree char *ev = left > 0 ? g_async_queue_timeout_pop (events,
        left) : NULL;
    if (ev == NULL)
      return FALSE;
    if (strcmp (ev, expected) == 0)
      return TRUE;
  }
}

static void
push_packet (GstHarness * h, guint i)
{
  guint8 *data = g_malloc0 (60);

  data[0] = 0x80;
  data[1] = 96;
  data[2] = (guint8) (i >> 8);
  data[3] = (guint8) i;
  data[7] = (guint8) i;
  data[12] = (guint8) (0xa0 + i);
  g_assert_cmpint (gst_harness_push (h, gst_buffer_new_wrapped (data, 60)),
      ==, GST_FLOW_OK);
}

static void
test_nice_agent_hears_the_stream (void)
{
  GstElement *sink = gst_element_factory_make ("icelitesink", NULL);
  GstHarness *h;
  GstPad *pad;
  Client c = { 0 };
  NiceAddress local;
  NiceCandidate *remote;
  GSList *remotes;
  g_autofree char *fingerprint = NULL;
  gchar *ufrag = NULL, *pwd = NULL;
  guint8 lk[16], ls[14], rk[16], rs[14];
  RcSrtpProfile profile;
  guint port = 0;
  gboolean ok = FALSE;

  c.events = g_async_queue_new_full (g_free);
  g_signal_connect (sink, "peer-state-changed", G_CALLBACK (on_peer_state),
      c.events);
  h = gst_harness_new_with_element (sink, "sink_0", NULL);
  gst_harness_set_src_caps_str (h, RTP_CAPS);
  gst_harness_play (h);
  pad = gst_element_get_static_pad (sink, "sink_0");
  g_object_get (sink, "port", &port, "certificate-fingerprint", &fingerprint,
      NULL);

  /* the client: a full, controlling ICE agent on 127.0.0.1 only */
  c.ctx = g_main_context_new ();
  c.agent = nice_agent_new_full (c.ctx, NICE_COMPATIBILITY_RFC5245,
      NICE_AGENT_OPTION_REGULAR_NOMINATION |
      NICE_AGENT_OPTION_CONSENT_FRESHNESS);
  g_object_set (c.agent, "controlling-mode", TRUE, "upnp", FALSE, NULL);
  nice_address_init (&local);
  g_assert_true (nice_address_set_from_string (&local, "127.0.0.1"));
  g_assert_true (nice_agent_add_local_address (c.agent, &local));
  g_signal_connect (c.agent, "component-state-changed",
      G_CALLBACK (on_component_state), &c);
  c.stream = nice_agent_add_stream (c.agent, 1);
  g_assert_cmpuint (c.stream, >, 0);
  g_assert_true (nice_agent_attach_recv (c.agent, c.stream, 1, c.ctx,
          on_receive, &c));
  g_assert_true (nice_agent_gather_candidates (c.agent, c.stream));
  g_assert_true (nice_agent_get_local_credentials (c.agent, c.stream, &ufrag,
          &pwd));
  c.cert = rc_dtls_certificate_new (NULL);
  c.dtls = rc_dtls_endpoint_new (c.cert, FALSE, dtls_send, &c);

  /* offer (ours) and answer (the client's) */
  g_signal_emit_by_name (sink, "add-peer", "nice", SERVER_UFRAG, SERVER_PWD,
      111, 0x0badcafe, pad, &ok);
  g_assert_true (ok);
  g_signal_emit_by_name (sink, "set-peer-remote", "nice", ufrag, pwd,
      rc_dtls_certificate_get_fingerprint (c.cert), &ok);
  g_assert_true (ok);
  g_assert_true (nice_agent_set_remote_credentials (c.agent, c.stream,
          SERVER_UFRAG, SERVER_PWD));
  remote = nice_candidate_new (NICE_CANDIDATE_TYPE_HOST);
  remote->stream_id = c.stream;
  remote->component_id = 1;
  remote->transport = NICE_CANDIDATE_TRANSPORT_UDP;
  remote->priority = 2130706431;
  g_strlcpy (remote->foundation, "1", sizeof remote->foundation);
  nice_address_set_from_string (&remote->addr, "127.0.0.1");
  nice_address_set_port (&remote->addr, port);
  remotes = g_slist_append (NULL, remote);
  g_assert_cmpint (nice_agent_set_remote_candidates (c.agent, c.stream, 1,
          remotes), ==, 1);
  g_slist_free_full (remotes, (GDestroyNotify) nice_candidate_free);

  g_assert_true (iterate_until (&c, ice_done, 10000));
  g_assert_true (c.ice_ready);

  rc_dtls_endpoint_set_remote_fingerprint (c.dtls, fingerprint);
  rc_dtls_endpoint_start (c.dtls);
  g_assert_true (iterate_until (&c, dtls_done, 10000));
  g_assert_cmpint (rc_dtls_endpoint_get_state (c.dtls), ==,
      RC_DTLS_STATE_CONNECTED);
  g_assert_true (rc_dtls_endpoint_get_srtp_keys (c.dtls, &profile, lk, ls, rk,
          rs));
  c.srtp_rx = rc_srtp_context_new (profile, rk, rs, NULL);
  g_assert_true (wait_event (c.events, "nice|connected|"));

  for (guint i = 0; i < N_PACKETS; i++)
    push_packet (h, i);
  g_assert_true (iterate_until (&c, all_received, 5000));
  for (guint i = 0; i < N_PACKETS; i++) {
    g_assert_cmpuint (c.seq[i], ==, (guint16) (c.seq[0] + i));
    g_assert_cmpuint (c.first_payload_byte[i], ==, 0xa0 + i);
  }

  g_free (ufrag);
  g_free (pwd);
  rc_srtp_context_free (c.srtp_rx);
  rc_dtls_endpoint_free (c.dtls);
  rc_dtls_certificate_unref (c.cert);
  nice_agent_remove_stream (c.agent, c.stream);
  g_object_unref (c.agent);
  while (g_main_context_iteration (c.ctx, FALSE));
  g_main_context_unref (c.ctx);
  gst_object_unref (pad);
  gst_harness_teardown (h);
  g_async_queue_unref (c.events);
}

int
main (int argc, char **argv)
{
  const char *scale = g_getenv ("ROOMCAST_TEST_TIME_SCALE");

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  if (scale != NULL && atoi (scale) > 0)
    time_scale = (guint) atoi (scale);
  g_test_add_func ("/icelite/nice/agent-hears-the-stream",
      test_nice_agent_hears_the_stream);
  return g_test_run ();
}
