/* roomcast: the media tests' side of media-echo-server; see echo-fixture.h. */
#include "echo-fixture.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>

#include "media/media-sdp.h"
#include "rc-test-util.h"

guint
connect_timeout_ms (void)
{
  const char *v = g_getenv ("RC_MEDIA_TEST_CONNECT_TIMEOUT_MS");

  return v ? (guint) g_ascii_strtoull (v, NULL, 10) : CONNECT_TIMEOUT_MS;
}

static const double probe_hz[] = { 440.0, 1000.0 };

static struct {
  GSubprocess *server;
  char *url;
  GSubprocess *saved_server; /* push_server() */
  char *saved_url;
  guint next_user;
} fx;

/* --- the server ------------------------------------------------------------ */

typedef struct {
  char *line;
  gboolean done;
} LineRead;

static void
on_line (GObject *source, GAsyncResult *result, gpointer data)
{
  LineRead *r = data;

  r->line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  r->done = TRUE;
}

static gboolean
line_done (gpointer data)
{
  return ((LineRead *) data)->done;
}

/* In the child, before exec: die with this process, even if it aborts. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
spawn_server (const char *announced_ip, guint timeout_ms)
{
  const char *path = g_getenv ("MEDIA_ECHO_SERVER");
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *min = g_strdup_printf ("%d", RTC_MIN_PORT);
  g_autofree char *max = g_strdup_printf ("%d", RTC_MAX_PORT);
  g_autofree char *timeout = g_strdup_printf ("%u", timeout_ms);
  LineRead r = { 0 };
  const char *at;

  g_assert_nonnull (path);
  g_subprocess_launcher_setenv (launcher, "PORT", "0", TRUE);
  g_subprocess_launcher_setenv (launcher, "LISTEN_ADDR", "127.0.0.1", TRUE);
  g_subprocess_launcher_setenv (launcher, "RTC_LISTEN_IP", "127.0.0.1", TRUE);
  g_subprocess_launcher_setenv (launcher, "RTC_MIN_PORT", min, TRUE);
  g_subprocess_launcher_setenv (launcher, "RTC_MAX_PORT", max, TRUE);
  g_subprocess_launcher_setenv (launcher, "RTC_CONNECT_TIMEOUT_MS", timeout, TRUE);
  g_subprocess_launcher_setenv (launcher, "LOG_LEVEL", "warn", FALSE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG"); /* it aborts on criticals itself */
  if (announced_ip)
    g_subprocess_launcher_setenv (launcher, "RTC_ANNOUNCED_IP", announced_ip, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "RTC_ANNOUNCED_IP");
  fx.server = g_subprocess_launcher_spawn (launcher, &error, path, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fx.server));
  /* Skip anything a wrapper (gdb, valgrind) prints before the server's line. */
  do {
    g_clear_pointer (&r.line, g_free);
    r.done = FALSE;
    g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_line, &r);
    g_assert_true (rc_test_wait_until (30000, line_done, &r));
    g_assert_nonnull (r.line);
  } while ((at = strstr (r.line, "listening on http://")) == NULL);
  fx.url = g_strdup (at + strlen ("listening on "));
  g_free (r.line);
}

void
start_server (void)
{
  spawn_server (NULL, connect_timeout_ms ());
}

void
push_server (const char *announced_ip)
{
  g_assert_null (fx.saved_server);
  fx.saved_server = g_steal_pointer (&fx.server);
  fx.saved_url = g_steal_pointer (&fx.url);
  /* A fresh process: its first connection pays for its DTLS key. */
  spawn_server (announced_ip, 30000);
}

void
pop_server (void)
{
  stop_server ();
  fx.server = g_steal_pointer (&fx.saved_server);
  fx.url = g_steal_pointer (&fx.saved_url);
}

void
stop_server (void)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (fx.server, SIGTERM);
  g_subprocess_wait (fx.server, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (fx.server));
  g_assert_cmpint (g_subprocess_get_exit_status (fx.server), ==, 0);
  g_clear_object (&fx.server);
  g_clear_pointer (&fx.url, g_free);
}

/* --- clients --------------------------------------------------------------- */

static gboolean
is_connected (gpointer data)
{
  return rc_test_client_is_connected (data) || rc_test_client_get_error (data);
}

RcTestClient *
client_new (double tone, gboolean no_answer)
{
  return client_new_forged (tone, no_answer, NULL);
}

RcTestClient *
client_new_forged (double tone, gboolean no_answer, const char *answer_fingerprint)
{
  guint user = ++fx.next_user;
  g_autofree char *token = g_strdup_printf ("dev:%u:tester%u", user, user);
  /* A 200 ms jitterbuffer: this process may be starved on a loaded CI
   * machine, and what is tested is the server, not this client's latency. */
  RcTestClientOptions opts = {
    .url = fx.url, .token = token, .tone_hz = tone, .probe_hz = probe_hz,
    .n_probe_hz = G_N_ELEMENTS (probe_hz), .no_answer = no_answer, .latency_ms = 200,
    .answer_fingerprint = answer_fingerprint,
  };
  RcTestClient *c = rc_test_client_new (&opts);

  rc_test_client_connect (c);
  g_assert_true (rc_test_wait_until (30000, is_connected, c));
  g_assert_null (rc_test_client_get_error (c));
  return c;
}

gboolean
all_media_connected (gpointer data)
{
  Group *g = data;

  for (guint i = 0; i < g->n; i++)
    if (rc_test_client_get_media_state (g->clients[i]) != RC_TEST_MEDIA_CONNECTED)
      return FALSE;
  return TRUE;
}

gboolean
hears_tone (RcTestClient *c)
{
  RcTestClientCounters k;

  rc_test_client_get_counters (c, &k);
  return k.windows >= 5 && rc_test_client_get_level_db (c, TONE) > -20.0 &&
         rc_test_client_get_level_db (c, TONE) - rc_test_client_get_level_db (c, ABSENT) >= 30.0;
}

gboolean
all_hear_tone (gpointer data)
{
  Group *g = data;

  for (guint i = 0; i < g->n; i++)
    if (!hears_tone (g->clients[i]))
      return FALSE;
  return TRUE;
}

void
describe (RcTestClient *c, const char *what)
{
  RcTestClientCounters k;

  rc_test_client_get_counters (c, &k);
  g_test_message ("%s: media %d (%s), rtp %" G_GUINT64_FORMAT " packets, ssrc changes %u, "
                  "seq gaps %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT " windows, "
                  "440 Hz %.1f dB, 1000 Hz %.1f dB", what, rc_test_client_get_media_state (c),
                  rc_test_client_get_failed_reason (c) ? rc_test_client_get_failed_reason (c) : "-",
                  k.packets, k.ssrc_changes, k.seq_gaps, k.windows,
                  rc_test_client_get_level_db (c, TONE), rc_test_client_get_level_db (c, ABSENT));
}

/* Every candidate either side signalled is 127.0.0.1; the server's use
 * ports from its RTC_MIN_PORT..RTC_MAX_PORT. */
void
assert_loopback_only (RcTestClient *c)
{
  for (int remote = 0; remote <= 1; remote++) {
    GPtrArray *lines = rc_test_client_get_candidates (c, remote);

    g_assert_cmpuint (lines->len, >, 0);
    for (guint i = 0; i < lines->len; i++) {
      g_auto (RcMediaCandidate) cand = { 0 };
      g_autoptr (GError) error = NULL;

      g_assert_true (rc_media_candidate_parse (g_ptr_array_index (lines, i), &cand, &error));
      g_assert_cmpstr (cand.address, ==, "127.0.0.1");
      if (remote) {
        g_assert_cmpuint (cand.port, >=, RTC_MIN_PORT);
        g_assert_cmpuint (cand.port, <=, RTC_MAX_PORT);
      }
    }
  }
}

/* --- server statistics (test:stats) ---------------------------------------- */

typedef struct {
  JsonObject *reply;
} StatsWait;

static void
on_stats (RcTestClient *c, JsonArray *args, gpointer data)
{
  StatsWait *w = data;

  w->reply = json_object_ref (json_array_get_object_element (args, 0));
}

static gboolean
stats_done (gpointer data)
{
  return ((StatsWait *) data)->reply != NULL;
}

JsonObject *
server_stats (RcTestClient *c)
{
  StatsWait w = { 0 };

  rc_test_client_emit (c, "test:stats", NULL, on_stats, &w);
  g_assert_true (rc_test_wait_until (20000, stats_done, &w));
  g_assert_true (json_object_get_boolean_member (w.reply, "ok"));
  return w.reply;
}

guint
n_server_peers (RcTestClient *c)
{
  g_autoptr (JsonObject) s = server_stats (c);

  return json_array_get_length (json_object_get_array_member (s, "peers"));
}

/* Every server peer is connected and pushed packets onto the wire (and,
 * when the clients send, received theirs). */
void
assert_server_sent (RcTestClient *probe, guint n, guint n_senders)
{
  guint senders = 0;
  g_autoptr (JsonObject) s = server_stats (probe);
  JsonArray *peers = json_object_get_array_member (s, "peers");

  g_assert_cmpuint (json_array_get_length (peers), ==, n);
  for (guint i = 0; i < n; i++) {
    JsonObject *p = json_array_get_object_element (peers, i);

    g_test_message ("server %s: %s, offered %" G_GINT64_FORMAT ", out %" G_GINT64_FORMAT
                    ", sent %" G_GINT64_FORMAT ", in %" G_GINT64_FORMAT,
                    json_object_get_string_member (p, "name"),
                    json_object_get_string_member (p, "state"),
                    json_object_get_int_member (p, "packetsOffered"),
                    json_object_get_int_member (p, "packetsOut"),
                    json_object_get_int_member (p, "packetsSent"),
                    json_object_get_int_member (p, "packetsIn"));
    g_assert_cmpstr (json_object_get_string_member (p, "state"), ==, "connected");
    g_assert_cmpint (json_object_get_int_member (p, "packetsOut"), >, 0);
    g_assert_cmpint (json_object_get_int_member (p, "packetsSent"), >, 0);
    senders += json_object_get_int_member (p, "packetsIn") > 0;
  }
  g_assert_cmpuint (senders, ==, n_senders);
}

gboolean
server_has_peers (gpointer data)
{
  PeerCount *pc = data;

  return n_server_peers (pc->probe) == pc->n;
}
