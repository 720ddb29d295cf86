/* media-echo-server: a test-only roomcast without rooms.
 *
 * One pipeline, a 440 Hz tone that every client hears:
 *
 *   audiotestsrc ─▶ opusenc ─▶ tee ─┬─▶ rtpopuspay ─▶ [peer 1] ─▶ (src unlinked: dropped)
 *                                   └─▶ rtpopuspay ─▶ [peer 2] …
 *
 * and the real signalling path: RcSioServer (dev tokens) with the media:*
 * events handled by RcMediaSession exactly as the room server will:
 * media:connect, media:answer, media:ice, media:disconnect. A test-only
 * `test:stats` event answers with the per-peer counters and this process's
 * thread count, fd count, RSS and CPU time.
 *
 * Settings come from the environment like roomcastd's (PORT=0 for any free
 * port, RTC_LISTEN_IP=127.0.0.1, RTC_CONNECT_TIMEOUT_MS, ...). Prints
 * "media-echo-server listening on http://ADDR:PORT" on stdout when ready;
 * exits on SIGTERM/SIGINT.
 */
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include "auth/auth-provider.h"
#include "config.h"
#include "http/http-server.h"
#include "media/media-peer-webrtc.h"
#include "media/media-sdp.h"
#include "media/media-session.h"
#include "sio/sio-server.h"
#include "rc-test-util.h"

#define TONE_HZ 440

/* GStreamer 1.22.0's rtpsession iterates its sources while another thread
 * may add one (fixed in 1.22.4, gstreamer MR 4585): GLib then warns
 * "g_hash_table_foreach: assertion 'version == hash_table->version' failed"
 * and that RTCP round is cut short. Harmless, and not ours: counted and
 * shown, not fatal. Any other critical aborts, as G_DEBUG=fatal-criticals
 * would (which this process therefore does not use). */
#define UPSTREAM_RTPSESSION_RACE "assertion 'version == hash_table->version' failed"

static GLogLevelFlags log_level;
static guint upstream_criticals;

static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  const char *message = "";
  gboolean critical = (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) != 0;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      message = fields[i].value;
  if (critical && strstr (message, UPSTREAM_RTPSESSION_RACE))
    g_atomic_int_inc (&upstream_criticals);
  if ((level & G_LOG_LEVEL_MASK) <= log_level || critical) {
    g_autofree char *line = g_log_writer_format_fields (level, fields, n_fields, FALSE);
    g_printerr ("%s\n", line);
  }
  if (critical && !strstr (message, UPSTREAM_RTPSESSION_RACE))
    g_abort ();
  return G_LOG_WRITER_HANDLED;
}

typedef struct _Echo Echo;

/* One client's media: its payloader, its tee pad and its session. */
typedef struct {
  Echo *echo;
  char *name;
  RcSioSocket *socket;   /* ref */
  RcMediaSession *session;
  RcMediaPeer *peer;
  GstElement *pay;
  GstPad *tee_pad;
} EchoPeer;

struct _Echo {
  RcConfig *config;
  GMainLoop *loop;
  GstElement *pipeline, *tee;
  GHashTable *peers;     /* RcSioSocket * -> EchoPeer * */
  guint next_id;
  guint removed;         /* peers removed so far */
};

/* The teardown order of one client: the session closes the peer (which
 * unlinks itself from the payloader first, so the tee sees not-linked,
 * never flushing), then the tee pad is released and the payloader goes. */
static void
echo_peer_free (EchoPeer *p)
{
  gint64 t0 = g_get_monotonic_time ();

  rc_media_session_close (p->session);
  gst_element_release_request_pad (p->echo->tee, p->tee_pad);
  gst_object_unref (p->tee_pad);
  gst_element_set_locked_state (p->pay, TRUE);
  gst_element_set_state (p->pay, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (p->echo->pipeline), p->pay);
  g_object_unref (p->session);
  g_object_unref (p->peer);
  g_object_unref (p->socket);
  g_info ("%s removed in %" G_GINT64_FORMAT " ms", p->name, (g_get_monotonic_time () - t0) / 1000);
  g_free (p->name);
  p->echo->removed++;
  g_free (p);
}

static void
remove_peer (Echo *echo, RcSioSocket *socket)
{
  g_hash_table_remove (echo->peers, socket);
}

typedef struct {
  Echo *echo;
  RcSioSocket *socket;
  RcMediaSession *session;
} Removal;

/* Deferred: "ended" is emitted from inside the peer's own signal. */
static gboolean
remove_ended (gpointer data)
{
  Removal *r = data;
  EchoPeer *p = g_hash_table_lookup (r->echo->peers, r->socket);

  if (p && p->session == r->session)
    remove_peer (r->echo, r->socket);
  g_object_unref (r->socket);
  g_object_unref (r->session);
  g_free (r);
  return G_SOURCE_REMOVE;
}

static void
on_session_ended (RcMediaSession *session, const char *reason, gpointer data)
{
  EchoPeer *p = data;
  Removal *r = g_new0 (Removal, 1);

  r->echo = p->echo;
  r->socket = g_object_ref (p->socket);
  r->session = g_object_ref (session);
  g_idle_add (remove_ended, r);
}

static void
on_media_connect (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  Echo *echo = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("peer%u", ++echo->next_id);
  g_autoptr (GstPad) pay_sink = NULL;
  g_autoptr (GstPad) pay_src = NULL;
  EchoPeer *p;
  RcMediaPeer *peer;

  remove_peer (echo, socket); /* a second media:connect starts over */
  peer = rc_media_peer_webrtc_new (echo->config, name, &error);
  if (peer == NULL || !rc_media_peer_attach (peer, GST_BIN (echo->pipeline), &error)) {
    g_warning ("%s: %s", name, error ? error->message : "?");
    g_clear_object (&peer);
    if (ack)
      rc_sio_ack_error (ack, "internal", "media is not available");
    return;
  }
  p = g_new0 (EchoPeer, 1);
  p->echo = echo;
  p->name = g_steal_pointer (&name);
  p->socket = g_object_ref (socket);
  p->peer = peer;
  p->pay = gst_element_factory_make ("rtpopuspay", NULL);
  g_object_set (p->pay, "pt", RC_MEDIA_OPUS_PT, NULL);
  gst_bin_add (GST_BIN (echo->pipeline), p->pay);
  pay_src = gst_element_get_static_pad (p->pay, "src");
  gst_pad_link (pay_src, rc_media_peer_get_sink_pad (peer));
  gst_element_sync_state_with_parent (p->pay);
  p->tee_pad = gst_element_request_pad_simple (echo->tee, "src_%u");
  pay_sink = gst_element_get_static_pad (p->pay, "sink");
  gst_pad_link (p->tee_pad, pay_sink);

  p->session = rc_media_session_new (socket, peer, echo->config->rtc_connect_timeout_ms);
  g_signal_connect (p->session, "ended", G_CALLBACK (on_session_ended), p);
  g_hash_table_insert (echo->peers, socket, p);
  g_info ("%s: media:connect from %s", p->name, rc_sio_socket_get_id (socket));
  rc_media_session_start (p->session, ack);
}

static EchoPeer *
session_of (Echo *echo, RcSioSocket *socket, RcSioAck *ack)
{
  EchoPeer *p = g_hash_table_lookup (echo->peers, socket);

  if (p == NULL && ack)
    rc_sio_ack_error (ack, "invalid_state", "no media session: send media:connect first");
  return p;
}

static void
on_media_answer (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  EchoPeer *p = session_of (data, socket, ack);

  if (p)
    rc_media_session_handle_answer (p->session, args, ack);
}

static void
on_media_ice (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  EchoPeer *p = session_of (data, socket, ack);

  if (p)
    rc_media_session_handle_ice (p->session, args, ack);
}

static void
on_media_disconnect (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  remove_peer (data, socket);
  if (ack)
    rc_sio_ack_ok (ack, NULL);
}

static void
on_disconnected (RcSioServer *sio, RcSioSocket *socket, const char *reason, gpointer data)
{
  remove_peer (data, socket);
}

/* --- test:stats ---------------------------------------------------------- */

/* outbound-rtp packets-sent from webrtcbin's get-stats: what went on the wire. */
static gboolean
sum_sent (GQuark field, const GValue *value, gpointer data)
{
  const GstStructure *s;
  GstWebRTCStatsType type;
  guint64 sent = 0;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  s = gst_value_get_structure (value);
  if (gst_structure_get (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL) &&
      type == GST_WEBRTC_STATS_OUTBOUND_RTP && gst_structure_get_uint64 (s, "packets-sent", &sent))
    *(guint64 *) data += sent;
  return TRUE;
}

typedef struct {
  RcSioAck *ack;
  JsonBuilder *peers;
  guint pending;
} StatsCall;

static void
stats_reply (StatsCall *call)
{
  g_autoptr (JsonObject) fields = json_object_new ();
  g_autoptr (JsonNode) peers = NULL;
  g_autofree char *fd_kinds = rc_test_describe_fds (0);

  json_builder_end_array (call->peers);
  peers = json_builder_get_root (call->peers);
  json_object_set_member (fields, "peers", g_steal_pointer (&peers));
  json_object_set_int_member (fields, "threads", rc_test_count_threads (0));
  json_object_set_int_member (fields, "fds", rc_test_count_fds (0));
  json_object_set_string_member (fields, "fdKinds", fd_kinds);
  json_object_set_int_member (fields, "rssKib", (gint64) rc_test_rss_kib (0));
  json_object_set_int_member (fields, "cpuMs", (gint64) rc_test_cpu_ms (0));
  json_object_set_int_member (fields, "upstreamCriticals", g_atomic_int_get (&upstream_criticals));
  rc_sio_ack_ok (call->ack, fields);
  rc_sio_ack_unref (call->ack);
  g_object_unref (call->peers);
  g_free (call);
}

typedef struct {
  StatsCall *call;
  char *name;
  RcMediaPeerStats stats;
  const char *state;
} PeerStats;

static void
on_transport_stats (GObject *source, GAsyncResult *result, gpointer data)
{
  PeerStats *ps = data;
  JsonBuilder *b = ps->call->peers;
  g_autoptr (GstStructure) stats = rc_media_peer_webrtc_get_transport_stats_finish (
    RC_MEDIA_PEER_WEBRTC (source), result, NULL);
  guint64 sent = 0;

  if (stats)
    gst_structure_foreach (stats, sum_sent, &sent);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, ps->name);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, ps->state);
  json_builder_set_member_name (b, "packetsOffered");
  json_builder_add_int_value (b, (gint64) ps->stats.packets_offered);
  json_builder_set_member_name (b, "packetsOut");
  json_builder_add_int_value (b, (gint64) ps->stats.packets_out);
  json_builder_set_member_name (b, "bytesOut");
  json_builder_add_int_value (b, (gint64) ps->stats.bytes_out);
  json_builder_set_member_name (b, "packetsIn");
  json_builder_add_int_value (b, (gint64) ps->stats.packets_in);
  json_builder_set_member_name (b, "packetsSent");
  json_builder_add_int_value (b, (gint64) sent);
  json_builder_end_object (b);
  if (--ps->call->pending == 0)
    stats_reply (ps->call);
  g_free (ps->name);
  g_free (ps);
}

static void
on_test_stats (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  Echo *echo = data;
  StatsCall *call;
  GHashTableIter iter;
  gpointer value;

  if (ack == NULL)
    return;
  call = g_new0 (StatsCall, 1);
  call->ack = rc_sio_ack_ref (ack);
  call->peers = json_builder_new ();
  json_builder_begin_array (call->peers);
  call->pending = 1; /* released below, so an empty table also answers */
  g_hash_table_iter_init (&iter, echo->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    EchoPeer *p = value;
    PeerStats *ps = g_new0 (PeerStats, 1);

    ps->call = call;
    ps->name = g_strdup (p->name);
    ps->state = rc_media_peer_state_to_string (rc_media_peer_get_state (p->peer));
    rc_media_peer_get_stats (p->peer, &ps->stats);
    call->pending++;
    rc_media_peer_webrtc_get_transport_stats_async (RC_MEDIA_PEER_WEBRTC (p->peer),
                                                    on_transport_stats, ps);
  }
  if (--call->pending == 0)
    stats_reply (call);
}

/* --- main ------------------------------------------------------------------- */


static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  Echo *echo = data;
  g_autoptr (GError) error = NULL;

  /* Peers come and go in a live pipeline: spread the new latency. */
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_LATENCY)
    gst_bin_recalculate_latency (GST_BIN (echo->pipeline));
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  /* Not a peer's: a peer keeps its own errors (it goes FAILED). */
  gst_message_parse_error (msg, &error, NULL);
  g_critical ("pipeline error from %s: %s", GST_MESSAGE_SRC_NAME (msg), error->message);
  g_main_loop_quit (echo->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_stop (gpointer data)
{
  g_main_loop_quit (((Echo *) data)->loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  Echo echo = { 0 };
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (RcAuthProvider) auth = NULL;
  g_autoptr (RcHttpServer) http = NULL;
  g_autoptr (RcSioServer) sio = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autofree char *desc = NULL;

  gst_init (&argc, &argv);
  echo.config = rc_config_new ();
  echo.config->dev = TRUE;
  if (!rc_config_load (echo.config, NULL, (const char * const *) env, NULL, &error)) {
    fprintf (stderr, "media-echo-server: %s\n", error->message);
    return 2;
  }
  /* The tests poll test:stats in loops: no per-connection event budget. */
  echo.config->sio_events_per_second = echo.config->sio_events_burst = 1000000;
  log_level = echo.config->log_level;
  g_log_set_writer_func (write_log, NULL, NULL);
  echo.loop = g_main_loop_new (NULL, FALSE);
  echo.peers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) echo_peer_free);

  desc = g_strdup_printf ("audiotestsrc is-live=true wave=sine freq=%d volume=0.5 "
                          "samplesperbuffer=960 ! audioconvert ! audioresample ! "
                          "audio/x-raw,rate=48000,channels=1 ! opusenc bitrate=%u frame-size=20 "
                          "inband-fec=true packet-loss-percentage=10 ! tee name=tee "
                          "allow-not-linked=true",
                          TONE_HZ, echo.config->opus_bitrate);
  echo.pipeline = gst_parse_launch (desc, &error);
  if (echo.pipeline == NULL) {
    fprintf (stderr, "media-echo-server: %s\n", error->message);
    return 1;
  }
  echo.tee = gst_bin_get_by_name (GST_BIN (echo.pipeline), "tee");
  bus = gst_element_get_bus (echo.pipeline);
  gst_bus_add_watch (bus, on_bus, &echo);
  gst_element_set_state (echo.pipeline, GST_STATE_PLAYING);

  auth = rc_dev_auth_new ();
  http = rc_http_server_new (echo.config);
  sio = rc_sio_server_new (echo.config, auth);
  rc_sio_server_attach (sio, rc_http_server_get_soup (http));
  rc_sio_server_on (sio, "media:connect", on_media_connect, &echo);
  rc_sio_server_on (sio, "media:answer", on_media_answer, &echo);
  rc_sio_server_on (sio, "media:ice", on_media_ice, &echo);
  rc_sio_server_on (sio, "media:disconnect", on_media_disconnect, &echo);
  rc_sio_server_on (sio, "test:stats", on_test_stats, &echo);
  g_signal_connect (sio, "disconnected", G_CALLBACK (on_disconnected), &echo);
  if (!rc_http_server_listen (http, &error)) {
    fprintf (stderr, "media-echo-server: %s\n", error->message);
    return 1;
  }
  printf ("media-echo-server listening on http://%s:%u\n", echo.config->listen_addr,
          rc_http_server_get_port (http));
  fflush (stdout);

  g_unix_signal_add (SIGTERM, on_stop, &echo);
  g_unix_signal_add (SIGINT, on_stop, &echo);
  g_main_loop_run (echo.loop);

  rc_sio_server_shutdown (sio, "server shutdown");
  g_hash_table_remove_all (echo.peers);
  /* Closed peers stop on a teardown thread: all stopped before we exit. */
  rc_media_peer_webrtc_wait_torn_down ();
  gst_element_set_state (echo.pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (echo.tee);
  gst_object_unref (echo.pipeline);
  g_hash_table_unref (echo.peers);
  g_main_loop_unref (echo.loop);
  rc_config_free (echo.config);
  printf ("media-echo-server stopped after %u peers\n", echo.removed);
  return 0;
}
