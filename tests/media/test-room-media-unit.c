/* roomcast: RcRoomMedia in process, no network: peers made by the room's
 * factory (webrtcbin, or a fake transport); seat pads, encoders and
 * routing on peers that never negotiate (the GStreamer 1.22.0 traps:
 * request/release pads in PLAYING, remove peers that never connected), and
 * error containment (an ERROR on one room's bus reaches that room's
 * callback only; the other room keeps playing; an ERROR inside a peer is
 * that peer's failure, not the room's), and closing a peer whose
 * webrtcbin is busy without blocking the main loop. */
#include <string.h>

#include <gst/gst.h>

#include "config.h"
#include "fake-media-peer.h"
#include "media/media-peer-lite.h"
#include "media/media-peer-webrtc.h"
#include "media/media-sdp.h"
#include "media/room-media.h"
#include "rc-test-util.h"

#include "room-media-unit-common.h"

static void
test_routing (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  Seen seen = { 0 };
  RcRoomMedia *media;
  g_autoptr (GError) error = NULL;

  media = room (config, "r1", &seen);

  for (guint i = 0; i < 3; i++) {
    g_autofree char *id = g_strdup_printf ("peer%u", i);
    g_assert_nonnull (rc_room_media_add_peer (media, id, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 1);
  rc_room_media_set_route (media, "peer0", 0, TRUE);
  rc_room_media_set_route (media, "peer1", 1, TRUE);
  rc_room_media_set_route (media, "peer2", 2, FALSE); /* seated, muted */
  iterate (200);
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 3);
  g_assert_cmpuint (rc_room_media_get_n_speakers (media), ==, 2);
  rc_room_media_set_route (media, "peer1", 3, TRUE); /* moves */
  rc_room_media_set_route (media, "peer0", -1, FALSE); /* leaves */
  rc_room_media_set_route (media, "peer2", 2, TRUE); /* unmutes */
  iterate (200);
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 3);
  rc_room_media_set_route (media, "peer0", 9, TRUE); /* no such seat: listener */
  g_assert_cmpuint (rc_room_media_get_n_speakers (media), ==, 2);
  /* Removed while speaking, never negotiated. */
  g_assert_true (rc_room_media_remove_peer (media, "peer1"));
  g_assert_false (rc_room_media_remove_peer (media, "peer1"));
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 2);
  g_assert_cmpuint (rc_room_media_get_n_peers (media), ==, 2);
  iterate (100);
  g_assert_cmpuint (seen.errors, ==, 0);
  rc_room_media_free (media); /* with peers still in it */
}

static void
count_offered (const RcRoomMediaPeerInfo *info, gpointer data)
{
  RcMediaPeerStats stats;

  rc_media_peer_get_stats (info->peer, &stats);
  *(guint *) data += stats.packets_offered > 0;
}

static GstPadProbeReturn
hold (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  return GST_PAD_PROBE_OK; /* a blocking probe: the pushing thread waits */
}

/* packets_offered of peer0..peer4, by the number in their id. */
typedef struct {
  RcRoomMedia *media;
  guint64 packets[5];
} Offered;

static void
note_offered (const RcRoomMediaPeerInfo *info, gpointer data)
{
  Offered *o = data;
  RcMediaPeerStats stats;
  guint n = (guint) g_ascii_strtoull (info->id + strlen ("peer"), NULL, 10);

  rc_media_peer_get_stats (info->peer, &stats);
  if (n < G_N_ELEMENTS (o->packets))
    o->packets[n] = stats.packets_offered;
}

static gboolean
has_dropped (gpointer data)
{
  return rc_room_media_get_fanout_dropped (data) > 0;
}

static gboolean
all_offered (gpointer data)
{
  RcRoomMedia *media = data;
  guint n = 0;

  rc_room_media_foreach_peer (media, count_offered, &n);
  return n == rc_room_media_get_n_peers (media);
}

/* Two peers per fan-out group: five peers need three groups, each of
 * which hands every one of its peers the shared mix; groups go when their
 * last peer does (the first, the encoder's own tee, stays). */
static void
test_fanout_groups (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  Seen seen = { 0 };
  RcRoomMedia *media;
  GstElement *pipeline;

  config->fanout_peers = 2;
  media = room (config, "r1", &seen);
  pipeline = rc_room_media_get_pipeline (media);
  g_assert_cmpuint (rc_room_media_get_n_fanout_groups (media), ==, 1);
  for (guint i = 0; i < 5; i++) {
    g_autofree char *id = g_strdup_printf ("peer%u", i);
    g_assert_nonnull (rc_room_media_add_peer (media, id, NULL));
  }
  g_assert_cmpuint (rc_room_media_get_n_fanout_groups (media), ==, 3);
  for (guint i = 1; i <= 2; i++) {
    g_autofree char *name = g_strdup_printf ("fanout%u-tee", i);
    g_autoptr (GstElement) group = gst_bin_get_by_name (GST_BIN (pipeline), name);
    g_assert_nonnull (group);
  }
  /* Not connected, the peers drop it, but it was offered to all five. */
  g_assert_true (rc_test_wait_until (10000, all_offered, media));
  g_test_message ("fan-out overruns before any group is stuck: %" G_GUINT64_FORMAT,
                  rc_room_media_get_fanout_dropped (media));
  /* A group whose thread is stuck: its queue overflows, and that counts;
   * the others go on. */
  {
    g_autoptr (GstElement) tee = gst_bin_get_by_name (GST_BIN (pipeline), "fanout2-tee");
    g_autoptr (GstPad) sink = gst_element_get_static_pad (tee, "sink");
    gulong probe = gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, hold, NULL, NULL);
    Offered before = { media }, after = { media };

    rc_room_media_foreach_peer (media, note_offered, &before);
    g_assert_true (rc_test_wait_until (10000, has_dropped, media));
    rc_test_run_for (200);
    rc_room_media_foreach_peer (media, note_offered, &after);
    /* peer0..3 (the encoder's tee, fanout1) still get the mix; peer4 not. */
    for (guint i = 0; i < 4; i++)
      g_assert_cmpuint (after.packets[i], >, before.packets[i]);
    g_assert_cmpuint (after.packets[4], <=, before.packets[4] + 1);
    gst_pad_remove_probe (sink, probe);
  }
  /* peer0, peer1: the encoder's tee; peer2, peer3: fanout1; peer4: fanout2. */
  g_assert_true (rc_room_media_remove_peer (media, "peer4"));
  g_assert_cmpuint (rc_room_media_get_n_fanout_groups (media), ==, 2);
  g_assert_null (gst_bin_get_by_name (GST_BIN (pipeline), "fanout2-tee"));
  g_assert_null (gst_bin_get_by_name (GST_BIN (pipeline), "fanout2-queue"));
  g_assert_true (rc_room_media_remove_peer (media, "peer0"));
  g_assert_true (rc_room_media_remove_peer (media, "peer1"));
  g_assert_cmpuint (rc_room_media_get_n_fanout_groups (media), ==, 2);
  /* The least-loaded group with room: the encoder's tee, now empty. */
  g_assert_nonnull (rc_room_media_add_peer (media, "peer5", NULL));
  g_assert_true (rc_room_media_remove_peer (media, "peer2"));
  g_assert_true (rc_room_media_remove_peer (media, "peer3"));
  g_assert_cmpuint (rc_room_media_get_n_fanout_groups (media), ==, 1);
  g_assert_null (gst_bin_get_by_name (GST_BIN (pipeline), "fanout1-tee"));
  g_assert_true (rc_test_wait_until (10000, all_offered, media));
  /* What the stuck group dropped is still counted after it went. */
  g_assert_cmpuint (rc_room_media_get_fanout_dropped (media), >, 0);
  g_assert_cmpuint (seen.errors, ==, 0);
  rc_room_media_free (media);
}

/* The leaky queue in front of the shared encoder must hold everything the
 * mixer renders ahead of the clocksync after the encoder, which releases
 * each period at its running time plus the latency upstream of it: with
 * less room, it leaked a steady share of every packet whenever the seats'
 * audio came early. Checked at the largest JITTER_LATENCY_MS. */
static void
test_encoder_queue_holds_latency (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  Seen seen = { 0 };
  RcRoomMedia *media;
  g_autoptr (GstElement) mixer = NULL;
  g_autoptr (GstElement) tee = NULL;
  g_autoptr (GstPad) mix = NULL;
  g_autoptr (GstPad) queue_sink = NULL;
  g_autoptr (GstPad) tee_sink = NULL;
  g_autoptr (GstElement) queue = NULL;
  GstQuery *query = gst_query_new_latency ();
  GstClockTime min = 0, max = 0;
  gboolean live = FALSE;
  guint64 capacity = 0;

  config->jitter_latency_ms = 1000;
  media = room (config, "r1", &seen);
  gst_element_get_state (rc_room_media_get_pipeline (media), NULL, NULL, 5 * GST_SECOND);
  mixer = gst_bin_get_by_name (GST_BIN (rc_room_media_get_pipeline (media)), "mixer");
  tee = gst_bin_get_by_name (GST_BIN (rc_room_media_get_pipeline (media)), "tee");
  mix = gst_element_get_static_pad (mixer, "mix");
  queue_sink = gst_pad_get_peer (mix);
  queue = gst_pad_get_parent_element (queue_sink);
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (queue), ==, "GstQueue");
  g_object_get (queue, "max-size-time", &capacity, NULL);
  /* What the clocksync in front of the tee waits for. */
  tee_sink = gst_element_get_static_pad (tee, "sink");
  g_assert_true (gst_pad_peer_query (tee_sink, query));
  gst_query_parse_latency (query, &live, &min, &max);
  gst_query_unref (query);
  g_test_message ("latency before the tee %" GST_TIME_FORMAT ", encoder queue %" GST_TIME_FORMAT,
                  GST_TIME_ARGS (min), GST_TIME_ARGS (capacity));
  g_assert_true (live);
  g_assert_cmpuint (min, >=, 1020 * GST_MSECOND); /* JITTER_LATENCY_MS + UPSTREAM_SLACK_MS */
  g_assert_cmpuint (capacity, >=, min + 200 * GST_MSECOND);
  rc_room_media_free (media);
}

static void
test_error_contained (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  Seen seen1 = { 0 }, seen2 = { 0 };
  RcRoomMedia *r1 = room (config, "r1", &seen1);
  RcRoomMedia *r2 = room (config, "r2", &seen2);
  g_autoptr (GError) error = g_error_new_literal (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
                                                  "test: a broken element");
  GstElement *p1 = rc_room_media_get_pipeline (r1);
  GstState state;

  g_assert_nonnull (rc_room_media_add_peer (r1, "a", NULL));
  g_assert_nonnull (rc_room_media_add_peer (r2, "b", NULL));
  gst_element_post_message (p1, gst_message_new_error (GST_OBJECT (p1), error, "injected"));
  g_assert_true (rc_test_wait_until (10000, has_error, &seen1));
  iterate (100); /* a second report or one for r2 would come now */
  g_assert_cmpuint (seen1.errors, ==, 1);
  g_assert_cmpuint (seen2.errors, ==, 0);
  gst_element_get_state (rc_room_media_get_pipeline (r2), &state, NULL, GST_SECOND);
  g_assert_cmpint (state, ==, GST_STATE_PLAYING);
  rc_room_media_free (r1);
  iterate (100);
  g_assert_cmpuint (seen2.errors, ==, 0);
  rc_room_media_free (r2);
}

typedef struct {
  RcMediaPeerState state;
  char *reason;
} PeerState;

static void
on_peer_state (RcMediaPeer *peer, gint state, const char *reason, gpointer data)
{
  PeerState *s = data;

  s->state = state;
  g_free (s->reason);
  s->reason = g_strdup (reason);
}

static gboolean
peer_failed (gpointer data)
{
  return ((PeerState *) data)->state == RC_MEDIA_PEER_FAILED;
}

static RcMediaPeer *
no_peer (const char *name, gpointer data, GError **error)
{
  g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE, "test: no transport for %s",
               name);
  return NULL;
}

static guint
count_webrtcbins (GstElement *pipeline)
{
  g_autoptr (GstIterator) it =
    gst_bin_iterate_all_by_element_factory_name (GST_BIN (pipeline), "webrtcbin");
  GValue item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    n++, g_value_reset (&item);
  g_value_unset (&item);
  return n;
}

/* A room makes its peers through the factory it was given and knows them
 * only as RcMediaPeer: a transport other than webrtcbin gets the shared
 * mix, a seat and its own mix-minus, and leaves; a transport that cannot
 * make a peer fails the add, and the room stays as it was. */
static void
test_peer_factory (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  RcMediaPeerFactory fake = rc_fake_media_peer_factory (names);
  RcMediaPeerFactory broken = { .new_peer = no_peer };
  g_autoptr (GError) error = NULL;
  Seen seen = { 0 };
  RcRoomMedia *media = rc_room_media_new (config, "r1", 4, &fake, NULL, &callbacks, &seen, &error);
  RcMediaPeer *speaker, *listener;
  guint64 in, out, offered;

  g_assert_no_error (error);
  speaker = rc_room_media_add_user_peer (media, "s1", "user:1", &error);
  g_assert_no_error (error);
  listener = rc_room_media_add_peer (media, "s2", &error);
  g_assert_no_error (error);
  g_assert_true (RC_IS_FAKE_MEDIA_PEER (speaker) && RC_IS_FAKE_MEDIA_PEER (listener));
  g_assert_null (rc_media_peer_get_ice_state (speaker)); /* no ICE in this transport */
  g_assert_cmpuint (names->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "peer1-user_1");
  g_assert_cmpstr (g_ptr_array_index (names, 1), ==, "peer2");
  rc_room_media_set_route (media, "s1", 0, TRUE);
  g_assert_cmpuint (rc_room_media_get_n_speakers (media), ==, 1);
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 2);
  /* Both hear a mix: s1 its own mix-minus, s2 the shared one. */
  g_assert_true (rc_test_wait_until (10000, all_offered, media));
  rc_room_media_get_packets (media, &in, &out, &offered);
  g_assert_cmpuint (offered, >, 0);
  g_assert_cmpuint (count_webrtcbins (rc_room_media_get_pipeline (media)), ==, 0);
  g_assert_true (rc_room_media_remove_peer (media, "s1"));
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 1);
  g_assert_cmpuint (seen.errors, ==, 0);
  rc_room_media_free (media);

  media = rc_room_media_new (config, "r2", 4, &broken, NULL, &callbacks, &seen, &error);
  g_assert_no_error (error);
  g_assert_null (rc_room_media_add_peer (media, "s1", &error));
  g_assert_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE);
  g_assert_cmpuint (rc_room_media_get_n_peers (media), ==, 0);
  rc_room_media_set_route (media, "s1", 0, TRUE); /* no such peer: nothing */
  g_assert_cmpuint (rc_room_media_get_n_encoders (media), ==, 1);
  rc_room_media_free (media);
}

static void
count_bus_error (GstBus *bus, GstMessage *message, gpointer data)
{
  (*(guint *) data)++;
}

/* An ERROR of an element inside a peer is that peer's failure: it goes
 * FAILED ("transport_error"), and the error never reaches the pipeline's
 * bus (the room hears nothing of it). */
static void
test_peer_error_stays_in_peer (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  Seen seen = { 0 };
  RcRoomMedia *media = room (config, "r1", &seen);
  GstElement *pipeline = rc_room_media_get_pipeline (media);
  g_autoptr (GError) error = g_error_new_literal (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
                                                  "test: a broken transport");
  PeerState state = { RC_MEDIA_PEER_NEW, NULL };
  RcMediaPeer *peer = rc_room_media_add_peer (media, "a", NULL);
  g_autoptr (GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;
  GstState pipeline_state;
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  guint bus_errors = 0;

  g_assert_nonnull (peer);
  g_assert_cmpstr (rc_media_peer_get_ice_state (peer), ==, "new");
  gst_bus_enable_sync_message_emission (bus);
  g_signal_connect (bus, "sync-message::error", G_CALLBACK (count_bus_error), &bus_errors);
  g_assert_nonnull (rc_room_media_add_peer (media, "b", NULL));
  g_signal_connect (peer, "state-changed", G_CALLBACK (on_peer_state), &state);
  /* peer1's webrtcbin (peer "a" was added first). */
  it = gst_bin_iterate_all_by_element_factory_name (GST_BIN (pipeline), "webrtcbin");
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *webrtc = g_value_get_object (&item);

    if (g_str_equal (GST_ELEMENT_NAME (webrtc), "peer1"))
      gst_element_post_message (webrtc, gst_message_new_error (GST_OBJECT (webrtc), error,
                                                                "injected"));
    g_value_reset (&item);
  }
  g_value_unset (&item);
  g_assert_true (rc_test_wait_until (10000, peer_failed, &state));
  g_assert_cmpstr (state.reason, ==, "transport_error");
  iterate (100); /* a room error would come now */
  g_assert_cmpuint (seen.errors, ==, 0);
  g_assert_cmpuint (bus_errors, ==, 0);
  g_signal_handlers_disconnect_by_data (bus, &bus_errors);
  gst_bus_disable_sync_message_emission (bus);
  gst_element_get_state (pipeline, &pipeline_state, NULL, GST_SECOND);
  g_assert_cmpint (pipeline_state, ==, GST_STATE_PLAYING);
  g_assert_true (rc_room_media_remove_peer (media, "a"));
  g_assert_cmpuint (rc_room_media_get_n_peers (media), ==, 1);
  g_free (state.reason);
  rc_room_media_free (media);
}

typedef struct {
  gboolean done;
  GError *error;
} Answered;

static void
on_answer (GObject *source, GAsyncResult *result, gpointer data)
{
  Answered *a = data;

  g_assert_false (rc_media_peer_set_answer_finish (RC_MEDIA_PEER (source), result, &a->error));
  a->done = TRUE;
}

static gboolean
is_answered (gpointer data)
{
  return ((Answered *) data)->done;
}

/* An answer to our peer's offer (webrtcbin's mid, "audio0"), as a browser
 * makes it. */
static const char busy_answer[] =
  "v=0\r\n"
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
  "s=-\r\n"
  "t=0 0\r\n"
  "a=group:BUNDLE audio0\r\n"
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=ice-ufrag:Wq3P\r\n"
  "a=ice-pwd:Qk9d1LJm3ZrZRrzcFfd1hRvB\r\n"
  "a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:"
  "64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
  "a=setup:active\r\n"
  "a=mid:audio0\r\n"
  "a=sendrecv\r\n"
  "a=rtcp-mux\r\n"
  "a=rtpmap:111 opus/48000/2\r\n"
  "a=fmtp:111 minptime=10;useinbandfec=1\r\n";

/* CPU time of webrtcbin's operation threads ("<name>:pc") in ms. */
static guint64
pc_threads_cpu_ms (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  guint64 ms = 0;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)) != NULL) {
    g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
    g_autofree char *comm = NULL;

    if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_has_suffix (g_strchomp (comm), ":pc"))
      ms += rc_test_cpu_ms ((int) g_ascii_strtoll (tid, NULL, 10));
  }
  return ms;
}

typedef struct {
  guint64 from_ms;
} Busy;

static gboolean
pc_thread_busy (gpointer data)
{
  return pc_threads_cpu_ms () >= ((Busy *) data)->from_ms;
}

/* Remote candidates a client sends before its answer. webrtcbin only
 * stores them (closing it then is quick however many there are), but
 * applying the answer adds them all to libnice in one operation on its
 * thread, in time quadratic in their number: 4-8 s for 20,000, 17 s for
 * 40,000, 35-75 s for the 100,000 a hostile client sent. (The session
 * layer caps them at 50 now; the peer itself must still close fast.)
 * 20,000 keeps the teardown thread's wait well inside the test's timeout. */
#define BUSY_CANDIDATES 20000

/* A peer whose webrtcbin is busy with a long operation is closed without
 * the main loop waiting for it: setting webrtcbin to NULL joins its
 * thread, which finishes the operation first, and that happens on a
 * teardown thread. (Before, the main loop waited for the rest of the
 * operation: 2.4-7 s here, 35 s with 100,000 candidates.) */
static void
test_close_busy_peer (void)
{
  g_autoptr (RcConfig) config = rc_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *offer_text = NULL;
  g_autoptr (GstSDPMessage) offer = NULL;
  GstSDPMessage *answer;
  Answered answered = { 0 };
  Busy busy;
  Seen seen = { 0 };
  RcRoomMedia *media = room (config, "r1", &seen);
  RcMediaPeer *peer = rc_room_media_add_user_peer (media, "peer0", "u0", &error);
  gint64 start, added, busy_at, closed, torn_down;

  g_assert_no_error (error);
  g_assert_nonnull (peer);
  rc_media_peer_create_offer_async (peer, NULL, on_offer, &offer_text);
  g_assert_true (rc_test_wait_until (10000, has_offer, &offer_text));
  g_assert_cmpint (rc_media_peer_get_state (peer), ==, RC_MEDIA_PEER_NEW);
  g_assert_cmpint (gst_sdp_message_new_from_text (offer_text, &offer), ==, GST_SDP_OK);
  answer = rc_media_sdp_parse_answer (busy_answer, strlen (busy_answer), offer, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < BUSY_CANDIDATES; i++) {
    char line[96];
    g_snprintf (line, sizeof line, "candidate:1 1 UDP 2122252543 127.0.0.1 %u typ host",
                1024 + i % 60000);
    rc_media_peer_add_remote_candidate (peer, 0, line);
  }
  added = g_get_monotonic_time ();
  /* The answer: webrtcbin's thread now adds every candidate to libnice.
   * Closed once that thread is seen working on it (its CPU time grows). */
  busy.from_ms = pc_threads_cpu_ms () + 200;
  rc_media_peer_set_answer_async (peer, answer, NULL, on_answer, &answered);
  g_assert_true (rc_test_wait_until (10000, pc_thread_busy, &busy));
  busy_at = g_get_monotonic_time ();
  /* As the session does when its client leaves: the room removes the peer
   * (close, unref) on the main loop. */
  g_assert_true (rc_room_media_remove_peer (media, "peer0"));
  closed = g_get_monotonic_time ();
  /* The pending answer completes, as closed. */
  g_assert_true (rc_test_wait_until (1000, is_answered, &answered));
  g_assert_error (answered.error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_CLOSED);
  g_clear_error (&answered.error);
  rc_media_peer_webrtc_wait_torn_down ();
  torn_down = g_get_monotonic_time ();
  g_test_message ("%u remote candidates added in %" G_GINT64_FORMAT " ms; webrtcbin busy with "
                  "the answer after %" G_GINT64_FORMAT " ms; the peer closed in %" G_GINT64_FORMAT
                  " ms; its teardown thread done %" G_GINT64_FORMAT " ms later",
                  BUSY_CANDIDATES, (added - start) / 1000, (busy_at - added) / 1000,
                  (closed - busy_at) / 1000, (torn_down - closed) / 1000);
  g_assert_cmpint (closed - busy_at, <=, (gint64) G_USEC_PER_SEC * rc_test_time_scale ());
  g_assert_cmpuint (rc_room_media_get_n_peers (media), ==, 0);
  g_assert_cmpuint (seen.errors, ==, 0);
  rc_room_media_free (media);
}

/* MEDIA_RECV_TRANSPORT=lite: the peers are peers of the room's one
 * icelitesink; the offer is ICE-lite and send-only, with one host candidate
 * on RTC_ANNOUNCED_IP and the element's port; a seat is mixed only once
 * its send transport (a receive-only webrtcbin) is there. */
int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  /* The injected error is logged as a warning (as in the daemon): only
   * criticals are fatal here. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
  g_test_add_func ("/room-media-unit/routing", test_routing);
  g_test_add_func ("/room-media-unit/fanout-groups", test_fanout_groups);
  g_test_add_func ("/room-media-unit/encoder-queue-holds-latency",
                   test_encoder_queue_holds_latency);
  g_test_add_func ("/room-media-unit/error-contained", test_error_contained);
  g_test_add_func ("/room-media-unit/peer-error-stays-in-peer", test_peer_error_stays_in_peer);
  g_test_add_func ("/room-media-unit/peer-factory", test_peer_factory);
  g_test_add_func ("/room-media-unit/close-busy-peer", test_close_busy_peer);
  int status = g_test_run ();
  rc_media_peer_webrtc_wait_torn_down ();
  return status;
}
