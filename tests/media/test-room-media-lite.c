/* roomcast: RcRoomMedia in process on the lite receive transport (the
 * room's icelitesink): streams and switches without any client, the one
 * peer-state dispatcher per room, and the shared mix's encoder gate (idle
 * with speakers only, back for a listener, a speaker leaving its seat and a
 * recording). */
#include <string.h>

#include <gst/gst.h>

#include "config.h"
#include "media/media-peer-lite.h"
#include "media/media-peer-webrtc.h"
#include "media/room-media.h"
#include "rc-test-util.h"
#include "room-media-unit-common.h"

static void
test_lite_room (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *offer0 = NULL, *offer1 = NULL, *send_offer = NULL;
  g_autofree char *candidate = NULL;
  RcMediaPeerFactory peers = rc_media_peer_lite_factory (config);
  RcMediaPeerFactory senders = rc_media_peer_webrtc_send_factory (config);
  Seen seen = { 0 };
  RcRoomMedia *media;
  RcMediaPeer *p0, *p1, *sender;
  g_autoptr (GstElement) sink = NULL;
  guint port = 0;

  config->rtc_listen_ip = g_strdup ("127.0.0.1");
  config->rtc_announced_ip = g_strdup ("203.0.113.7");
  config->rtc_min_port = 42100;
  config->rtc_max_port = 42199;
  media = rc_room_media_new (config, "lite", 4, &peers, &senders, &callbacks, &seen, &error);
  g_assert_no_error (error);
  g_assert_true (rc_room_media_has_senders (media));
  p0 = rc_room_media_add_user_peer (media, "p0", "u0", &error);
  g_assert_no_error (error);
  p1 = rc_room_media_add_user_peer (media, "p1", "u1", &error);
  g_assert_no_error (error);
  g_assert_null (rc_media_peer_get_sink_pad (p0));
  g_assert_null (rc_media_peer_get_src_pad (p0));

  /* One element, one port, for the room. */
  sink = gst_bin_get_by_name (GST_BIN (rc_room_media_get_pipeline (media)), "icelite");
  g_assert_nonnull (sink);
  g_object_get (sink, "port", &port, NULL);
  g_assert_cmpuint (port, >=, 42100);
  g_assert_cmpuint (port, <=, 42199);
  rc_media_peer_create_offer_async (p0, NULL, on_offer, &offer0);
  rc_media_peer_create_offer_async (p1, NULL, on_offer, &offer1);
  g_assert_true (rc_test_wait_until (5000, has_offer, &offer0));
  g_assert_true (rc_test_wait_until (5000, has_offer, &offer1));
  candidate = g_strdup_printf ("a=candidate:1 1 UDP 2130706431 203.0.113.7 %u typ host\r\n", port);
  for (char **o = (char *[]){ offer0, offer1, NULL }; *o; o++) {
    g_assert_nonnull (strstr (*o, "a=ice-lite\r\n"));
    g_assert_nonnull (strstr (*o, "a=sendonly\r\n"));
    g_assert_nonnull (strstr (*o, "a=setup:actpass\r\n"));
    g_assert_nonnull (strstr (*o, "a=rtcp-mux\r\n"));
    g_assert_nonnull (strstr (*o, "a=fingerprint:sha-256 "));
    g_assert_nonnull (strstr (*o, "a=rtpmap:111 OPUS/48000/2\r\n"));
    g_assert_nonnull (strstr (*o, candidate));
    g_assert_null (strstr (*o, "127.0.0.1"));
  }
  g_assert_cmpstr (strstr (offer0, "a=ice-ufrag:"), !=, strstr (offer1, "a=ice-ufrag:"));

  /* Seated, unmuted, no send transport: nobody to mix, no own encoder. */
  rc_room_media_set_route (media, "p0", 0, TRUE);
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 1);
  g_assert_cmpuint (rc_room_media_get_n_speakers (media), ==, 0);
  sender = rc_room_media_add_sender (media, "p0", &error);
  g_assert_no_error (error);
  g_assert_nonnull (rc_media_peer_get_src_pad (sender));
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 2);
  g_assert_cmpuint (rc_room_media_get_n_speakers (media), ==, 1);
  rc_media_peer_create_offer_async (sender, NULL, on_offer, &send_offer);
  g_assert_true (rc_test_wait_until (10000, has_offer, &send_offer));
  g_assert_nonnull (strstr (send_offer, "a=recvonly"));
  /* Muted: the transport stays, the seat is not mixed. */
  rc_room_media_set_route (media, "p0", 0, FALSE);
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 1);
  rc_room_media_set_route (media, "p0", 0, TRUE);
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 2);
  g_assert_true (rc_room_media_remove_sender (media, "p0"));
  g_assert_false (rc_room_media_remove_sender (media, "p0"));
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 1);
  g_assert_cmpuint (rc_room_media_get_n_speakers (media), ==, 0);
  g_assert_null (rc_room_media_add_sender (media, "nobody", &error));
  g_assert_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE);
  g_assert_true (rc_room_media_remove_peer (media, "p1"));
  g_assert_cmpuint (seen.errors, ==, 0);
  rc_room_media_free (media);
}

/* The room's icelitesink reports peer states by its peer names (room-media.c's
 * peer_name(): "peer<n>-<user>") from its own thread; the peers share one
 * handler (a lookup per change, not a call per peer of the room), and each
 * hears only its own changes; a peer that left hears nothing more. */
typedef struct {
  GstElement *sink;
  const char *peer_id, *state;
} Report;

static gpointer
report_thread (gpointer data)
{
  Report *r = data;

  g_signal_emit_by_name (r->sink, "peer-state-changed", r->peer_id, r->state, "");
  return NULL;
}

static void
report (GstElement *sink, const char *peer_id, const char *state)
{
  Report r = { sink, peer_id, state };

  g_thread_join (g_thread_new ("report", report_thread, &r));
}

typedef struct {
  RcMediaPeer *peer;
  RcMediaPeerState state;
} StateIs;

static gboolean
state_is (gpointer data)
{
  StateIs *s = data;

  return rc_media_peer_get_state (s->peer) == s->state;
}

static void
test_lite_state_dispatch (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  g_autoptr (GError) error = NULL;
  RcMediaPeerFactory peers = rc_media_peer_lite_factory (config);
  RcMediaPeerFactory senders = rc_media_peer_webrtc_send_factory (config);
  Seen seen = { 0 };
  RcRoomMedia *media;
  RcMediaPeer *p[3];
  g_autoptr (GstElement) sink = NULL;
  guint signal;
  gulong handler;

  config->rtc_listen_ip = g_strdup ("127.0.0.1");
  media = rc_room_media_new (config, "lite", 4, &peers, &senders, &callbacks, &seen, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (p); i++) {
    g_autofree char *id = g_strdup_printf ("p%u", i), *user = g_strdup_printf ("u%u", i);

    p[i] = rc_room_media_add_user_peer (media, id, user, &error);
    g_assert_no_error (error);
  }
  sink = gst_bin_get_by_name (GST_BIN (rc_room_media_get_pipeline (media)), "icelite");
  g_assert_nonnull (sink);
  /* One handler: with it blocked, none is left. */
  signal = g_signal_lookup ("peer-state-changed", G_OBJECT_TYPE (sink));
  handler = g_signal_handler_find (sink, G_SIGNAL_MATCH_ID, signal, 0, NULL, NULL, NULL);
  g_assert_cmpuint (handler, !=, 0);
  g_signal_handler_block (sink, handler);
  g_assert_false (g_signal_has_handler_pending (sink, signal, 0, FALSE));
  g_signal_handler_unblock (sink, handler);

  report (sink, "peer2-u1", "checking");
  g_assert_true (rc_test_wait_until (5000, state_is, &(StateIs){ p[1], RC_MEDIA_PEER_CONNECTING }));
  report (sink, "peer3-u2", "connected");
  g_assert_true (rc_test_wait_until (5000, state_is, &(StateIs){ p[2], RC_MEDIA_PEER_CONNECTED }));
  report (sink, "nobody", "failed");

  /* p1 leaves and comes back as peer4-u1: the old name reaches nobody. */
  g_assert_true (rc_room_media_remove_peer (media, "p1"));
  p[1] = rc_room_media_add_user_peer (media, "p1", "u1", &error);
  g_assert_no_error (error);
  report (sink, "peer2-u1", "failed"); /* would stick: connected does not undo failed */
  report (sink, "peer4-u1", "connected");
  g_assert_true (rc_test_wait_until (5000, state_is, &(StateIs){ p[1], RC_MEDIA_PEER_CONNECTED }));
  g_assert_cmpint (rc_media_peer_get_state (p[0]), ==, RC_MEDIA_PEER_NEW);
  for (guint i = 0; i < G_N_ELEMENTS (p); i++) {
    g_autofree char *id = g_strdup_printf ("p%u", i);

    g_assert_true (rc_room_media_remove_peer (media, id));
  }
  g_assert_cmpuint (seen.errors, ==, 0);
  rc_room_media_free (media);
}

/* Streaming thread: one more encoded period of the shared mix. */
static GstPadProbeReturn
count_shared (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
  return GST_PAD_PROBE_OK;
}

typedef struct {
  gint *count;
  gint from;
} Resumed;

static gboolean
shared_resumed (gpointer data)
{
  Resumed *r = data;

  return g_atomic_int_get (r->count) > r->from + 2;
}

/* Encoded periods of the shared mix over @ms: none while it is gated. */
static gint
shared_periods_during (gint *count, guint ms)
{
  gint from = g_atomic_int_get (count);

  iterate (ms);
  return g_atomic_int_get (count) - from;
}

/* The shared mix's encoder (room-media-gate.c) runs only while a peer or a
 * recording is on the shared mix: idle in a room of speakers only (each on
 * its own mix-minus), back as soon as a listener or a recording arrives,
 * idle again when it goes. */
static void
test_shared_encoder_gate (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) tee = NULL;
  g_autoptr (GstPad) tee_sink = NULL;
  GstElement *recording;
  Seen seen = { 0 };
  RcRoomMedia *media = room (config, "gate", &seen);
  gint count = 0;
  Resumed resumed = { &count, 0 };

  tee = gst_bin_get_by_name (GST_BIN (rc_room_media_get_pipeline (media)), "tee");
  tee_sink = gst_element_get_static_pad (tee, "sink");
  gst_pad_add_probe (tee_sink, GST_PAD_PROBE_TYPE_BUFFER, count_shared, &count, NULL);

  /* A listener: the shared mix is encoded. */
  g_assert_nonnull (rc_room_media_add_peer (media, "peer0", &error));
  g_assert_no_error (error);
  g_assert_true (rc_test_wait_until (5000, shared_resumed, &resumed));

  /* Two speakers, nobody else: idle (after what was already queued). */
  g_assert_nonnull (rc_room_media_add_peer (media, "peer1", &error));
  g_assert_no_error (error);
  rc_room_media_set_route (media, "peer0", 0, TRUE);
  rc_room_media_set_route (media, "peer1", 1, TRUE);
  g_assert_cmpuint (rc_room_media_get_n_speakers (media), ==, 2);
  iterate (300);
  g_assert_cmpint (shared_periods_during (&count, 500), ==, 0);

  /* A listener joins: it resumes; it leaves: idle again. */
  g_assert_nonnull (rc_room_media_add_peer (media, "peer2", &error));
  g_assert_no_error (error);
  resumed.from = g_atomic_int_get (&count);
  g_assert_true (rc_test_wait_until (5000, shared_resumed, &resumed));
  g_assert_true (rc_room_media_remove_peer (media, "peer2"));
  iterate (300);
  g_assert_cmpint (shared_periods_during (&count, 500), ==, 0);

  /* A speaker leaves its seat: back on the shared mix, which resumes. */
  rc_room_media_set_route (media, "peer1", -1, FALSE);
  resumed.from = g_atomic_int_get (&count);
  g_assert_true (rc_test_wait_until (5000, shared_resumed, &resumed));
  rc_room_media_set_route (media, "peer1", 1, TRUE);
  iterate (300);
  g_assert_cmpint (shared_periods_during (&count, 500), ==, 0);

  /* A recording: it resumes for as long as the recording is attached. */
  recording = gst_element_factory_make ("fakesink", "recording");
  g_object_set (recording, "sync", FALSE, "async", FALSE, NULL);
  g_assert_true (rc_room_media_add_mix_sink (media, recording, &error));
  g_assert_no_error (error);
  resumed.from = g_atomic_int_get (&count);
  g_assert_true (rc_test_wait_until (5000, shared_resumed, &resumed));
  rc_room_media_remove_mix_sink (media, recording);
  iterate (300);
  g_assert_cmpint (shared_periods_during (&count, 500), ==, 0);

  g_assert_cmpuint (seen.errors, ==, 0);
  rc_room_media_free (media);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  /* The injected error is logged as a warning (as in the daemon): only
   * criticals are fatal here. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
  g_test_add_func ("/room-media-lite/lite-room", test_lite_room);
  g_test_add_func ("/room-media-lite/lite-state-dispatch", test_lite_state_dispatch);
  g_test_add_func ("/room-media-lite/shared-encoder-gate", test_shared_encoder_gate);
  int status = g_test_run ();
  rc_media_peer_webrtc_wait_torn_down ();
  return status;
}
