/* roomcast: the fixture of tests/media/test-room-media.c (see the header). */
#include "room-media-fixture.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

const double probe_hz[N_PROBES] = { 440.0, 660.0, 880.0, 1030.0, 1700.0, 1370.0 };
RoomMediaFixture fx;

/* --- the daemon -------------------------------------------------------------- */

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
server_listening (gpointer data)
{
  g_autofree char *log = NULL;
  const char *at;

  if (!g_file_get_contents (fx.log_path, &log, NULL, NULL))
    return FALSE;
  if ((at = strstr (log, "listening on http://")) == NULL)
    return FALSE;
  fx.url = g_strndup (at + strlen ("listening on "), strcspn (at + strlen ("listening on "), " \n"));
  return TRUE;
}

gboolean
lite_mode (void)
{
  /* Unset: the daemon's default, lite. */
  return g_strcmp0 (g_getenv ("ROOMCAST_TEST_RECV_TRANSPORT"), "webrtcbin") != 0;
}

void
start_server (void)
{
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GError) error = NULL;
  g_autofree char *timeout = g_strdup_printf ("%d", CONNECT_TIMEOUT_MS);

  fx.log_path = g_build_filename (g_get_tmp_dir (), "test-room-media-XXXXXX.log", NULL);
  g_close (g_mkstemp (fx.log_path), NULL);
  g_subprocess_launcher_set_stderr_file_path (l, fx.log_path);
  g_subprocess_launcher_setenv (l, "LOG_LEVEL", "info", TRUE);
  g_subprocess_launcher_setenv (l, "RTC_LISTEN_IP", "127.0.0.1", TRUE);
  g_subprocess_launcher_setenv (l, "RTC_MIN_PORT", "42000", TRUE);
  g_subprocess_launcher_setenv (l, "RTC_MAX_PORT", "42999", TRUE);
  g_subprocess_launcher_setenv (l, "RTC_CONNECT_TIMEOUT_MS", timeout, TRUE);
  g_subprocess_launcher_setenv (l, "SEATS_PER_ROOM", "8", TRUE);
  /* Small fan-out groups: rooms of more than 4 peers hand the shared mix
   * to some of them through further threads (room-fanout.h), so every
   * check below also covers those. */
  g_subprocess_launcher_setenv (l, "MEDIA_FANOUT_PEERS", "4", TRUE);
  /* The transport under test (room-media-webrtcbin sets webrtcbin). */
  if (!lite_mode ())
    g_subprocess_launcher_setenv (l, "MEDIA_RECV_TRANSPORT", "webrtcbin", TRUE);
  else
    g_subprocess_launcher_unsetenv (l, "MEDIA_RECV_TRANSPORT");
  /* Media is under test, not the per-connection event budget. */
  g_subprocess_launcher_setenv (l, "SIO_EVENTS_PER_SECOND", "1000000", TRUE);
  g_subprocess_launcher_setenv (l, "SIO_EVENTS_BURST", "1000000", TRUE);
  g_subprocess_launcher_unsetenv (l, "G_DEBUG"); /* the daemon's 1.22.0 rtpsession race */
  g_subprocess_launcher_unsetenv (l, "REDIS_HOST");
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  fx.server = g_subprocess_launcher_spawn (l, &error, g_getenv ("ROOMCASTD"), "--dev", "--listen",
                                           "127.0.0.1", "--port", "0", NULL);
  g_assert_no_error (error);
  g_assert_true (rc_test_wait_until (30000, server_listening, NULL));
  g_test_message ("roomcastd at %s, log %s", fx.url, fx.log_path);
}

void
stop_server (void)
{
  g_subprocess_send_signal (fx.server, SIGTERM);
  g_subprocess_wait (fx.server, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (fx.server));
  g_assert_cmpint (g_subprocess_get_exit_status (fx.server), ==, 0);
  g_clear_object (&fx.server);
  if (g_getenv ("RC_TEST_KEEP_LOG") == NULL)
    g_unlink (fx.log_path);
}

int
server_pid (void)
{
  return atoi (g_subprocess_get_identifier (fx.server));
}

/* A value of roomcastd's metrics at @path: @line_prefix is the sample up
 * to the value; -1 when absent. */
static double
scrape (const char *path, const char *line_prefix)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strdup_printf ("%s%s", fx.url, path);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr (GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
  g_auto (GStrv) lines = NULL;
  g_autofree char *prefix = g_strconcat (line_prefix, " ", NULL);

  if (body == NULL)
    return -1;
  lines = g_strsplit (g_bytes_get_data (body, NULL), "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix (*l, prefix))
      return g_ascii_strtod (*l + strlen (prefix), NULL);
  return -1;
}

double
metric (const char *line_prefix)
{
  return scrape ("/metrics", line_prefix);
}

/* Series per room are on /admin/metrics only (open to loopback in --dev). */
double
room_metric (const char *name, const char *room)
{
  g_autofree char *p = g_strdup_printf ("%s{room=\"%s\"}", name, room);
  return scrape ("/admin/metrics", p);
}

/* --- clients ------------------------------------------------------------------ */

/* Emits @event {json} and waits for a successful ack; returns its time. */
gint64
request (RcTestClient *c, const char *event, const char *json)
{
  gint64 at = 0;
  g_autoptr (JsonObject) reply = rc_test_client_ask (c, event, json, 20000, &at);

  g_assert_nonnull (reply);
  if (!json_object_get_boolean_member_with_default (reply, "ok", FALSE))
    g_error ("%s %s refused: %s", event, json,
             json_object_get_string_member (json_object_get_object_member (reply, "error"), "code"));
  return at;
}

gboolean
is_connected (gpointer data)
{
  return rc_test_client_is_connected (data) || rc_test_client_get_error (data);
}

/* A client in @room (joined), sending @tone (0 = receive only), on @seat
 * (-1: listener), media started (not waited for). */
RcTestClient *
client_in (const char *room, double tone, gint seat, gboolean no_decode, const char *local_ip)
{
  guint user = ++fx.next_user;
  g_autofree char *token = g_strdup_printf ("dev:%u:tester%u", user, user);
  g_autofree char *join = g_strdup_printf ("{\"roomId\":\"%s\"}", room);
  RcTestClientOptions opts = {
    .url = fx.url, .token = token, .tone_hz = tone, .probe_hz = probe_hz,
    .n_probe_hz = G_N_ELEMENTS (probe_hz), .latency_ms = 200, .no_decode = no_decode,
    .local_ip = local_ip,
  };
  RcTestClient *c = rc_test_client_new (&opts);

  rc_test_client_connect (c);
  g_assert_true (rc_test_wait_until (30000, is_connected, c));
  g_assert_null (rc_test_client_get_error (c));
  request (c, "room:join", join);
  if (seat >= 0) {
    g_autofree char *take = g_strdup_printf ("{\"seat\":%d}", seat);
    request (c, "seat:take", take);
  }
  rc_test_client_start_media (c);
  return c;
}

gboolean
all_connected (gpointer data)
{
  Group *g = data;

  for (guint i = 0; i < g->n; i++) {
    RcTestMediaState send = rc_test_client_get_send_state (g->c[i]);

    /* A send transport, if it has one, connected too. */
    if (rc_test_client_get_media_state (g->c[i]) != RC_TEST_MEDIA_CONNECTED ||
        (send != RC_TEST_MEDIA_IDLE && send != RC_TEST_MEDIA_CONNECTED))
      return FALSE;
  }
  return TRUE;
}

double
level (RcTestClient *c, guint f)
{
  return rc_test_client_get_level_db (c, f);
}

gboolean
hears (RcTestClient *c, guint f)
{
  RcTestClientCounters k;

  rc_test_client_get_counters (c, &k);
  return k.windows >= 5 && level (c, f) > HEARD_DB && level (c, f) - level (c, FLOOR) >= 20.0;
}

void
describe (RcTestClient *c, const char *what)
{
  RcTestClientCounters k;

  rc_test_client_get_counters (c, &k);
  g_test_message ("%s: media %d (%s), rtp %" G_GUINT64_FORMAT " packets, ssrc %08x changes %u, "
                  "seq gaps %" G_GUINT64_FORMAT ", windows %" G_GUINT64_FORMAT ", dB 440 %.0f "
                  "660 %.0f 880 %.0f switcher %.0f roomB %.0f floor %.0f", what,
                  rc_test_client_get_media_state (c),
                  rc_test_client_get_failed_reason (c) ? rc_test_client_get_failed_reason (c) : "-",
                  k.packets, k.ssrc, k.ssrc_changes, k.seq_gaps, k.windows, level (c, F440),
                  level (c, F660), level (c, F880), level (c, F1000), level (c, F1320),
                  level (c, FLOOR));
}

void
server_figures (const char *what)
{
  int pid = server_pid ();

  g_test_message ("server %s: %u threads, %u fds, RSS %" G_GUINT64_FORMAT " KiB, CPU %"
                  G_GUINT64_FORMAT " ms", what, rc_test_count_threads (pid),
                  rc_test_count_fds (pid), rc_test_rss_kib (pid), rc_test_cpu_ms (pid));
}
