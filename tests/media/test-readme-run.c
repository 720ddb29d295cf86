/* roomcast: the README's quick start, as a newcomer runs it.
 *
 * `./scripts/run` from the source root with nothing exported (env -i:
 * only PATH and HOME), exactly as the README says: it sets up, builds and
 * starts roomcastd on port 3030. Two real webrtcbin clients then join one
 * room, take seats 0 and 1 sending 440 Hz and 660 Hz, and each must hear
 * the other (Goertzel levels) and not itself: the room has audio with no
 * variable a newcomer would not know (before, GST_PLUGIN_PATH was needed
 * for the mixminus plugin, and without it every media:connect failed).
 *
 * Run by meson through tests/browser/netns.sh: inside a network namespace
 * with only lo, the defaults' ICE gathering cannot reach any other address.
 * Skipped outside one, and when the build under test is not the README's
 * build/ (scripts/test --sanitize builds elsewhere).
 */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "rc-test-client.h"
#include "rc-test-util.h"

#define README_URL "http://127.0.0.1:3030"
#define ROOM "7e5d0a00-0000-4000-8000-000000000001"
#define HEARD_DB (-30.0)

static const double probes[] = { 440.0, 660.0 };

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
output_says_listening (gpointer data)
{
  g_autofree char *text = NULL;
  return g_file_get_contents (data, &text, NULL, NULL) &&
         strstr (text, "listening on " README_URL) != NULL;
}

static gboolean
connected_or_failed (gpointer data)
{
  return rc_test_client_is_connected (data) || rc_test_client_get_error (data);
}

static void
request_ok (RcTestClient *c, const char *event, const char *json)
{
  g_autoptr (JsonObject) reply = rc_test_client_ask (c, event, json, 20000, NULL);
  g_assert_nonnull (reply);
  if (!json_object_get_boolean_member_with_default (reply, "ok", FALSE))
    g_error ("%s %s refused: %s", event, json,
             rc_test_client_get_last_ack_error (c));
}

static RcTestClient *
seated (guint user, double tone, guint seat)
{
  g_autofree char *token = g_strdup_printf ("dev:%u:newcomer%u", user, user);
  g_autofree char *take = g_strdup_printf ("{\"seat\":%u}", seat);
  RcTestClientOptions opts = {
    .url = README_URL, .token = token, .tone_hz = tone, .probe_hz = probes,
    .n_probe_hz = G_N_ELEMENTS (probes), .latency_ms = 200,
  };
  RcTestClient *c = rc_test_client_new (&opts);

  rc_test_client_connect (c);
  g_assert_true (rc_test_wait_until (30000, connected_or_failed, c));
  g_assert_null (rc_test_client_get_error (c));
  request_ok (c, "room:join", "{\"roomId\":\"" ROOM "\"}");
  request_ok (c, "seat:take", take);
  rc_test_client_start_media (c);
  return c;
}

typedef struct {
  RcTestClient *a, *b;
} Pair;

/* a (440) hears 660 and not itself; b (660) hears 440 and not itself. */
static gboolean
each_hears_the_other (gpointer data)
{
  Pair *p = data;
  double a440 = rc_test_client_get_level_db (p->a, 0), a660 = rc_test_client_get_level_db (p->a, 1);
  double b440 = rc_test_client_get_level_db (p->b, 0), b660 = rc_test_client_get_level_db (p->b, 1);

  return a660 > HEARD_DB && b440 > HEARD_DB && a440 < a660 - 30 && b660 < b440 - 30;
}

static void
test_readme_run_has_audio (void)
{
  const char *root = g_getenv ("ROOMCAST_SOURCE_ROOT");
  const char *build = g_getenv ("ROOMCAST_BUILD_ROOT");
  g_autofree char *readme_build = root ? g_build_filename (root, "build", NULL) : NULL;

  if (!g_getenv ("ROOMCAST_NETNS")) {
    g_test_skip ("not in a network namespace of its own (tests/browser/netns.sh)");
    return;
  }
  if (!root || !build || g_strcmp0 (build, readme_build) != 0) {
    g_test_skip ("the build under test is not the README's build/");
    return;
  }
  g_autofree char *out = g_build_filename (g_get_tmp_dir (), "readme-run-XXXXXX.log", NULL);
  g_close (g_mkstemp (out), NULL);
  g_autofree char *path_var = g_strconcat ("PATH=", g_getenv ("PATH"), NULL);
  g_autofree char *home_var = g_strconcat ("HOME=", g_get_home_dir (), NULL);
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GError) error = NULL;
  /* Nothing exported: env -i, as in a fresh login shell's `./scripts/run`. */
  g_subprocess_launcher_set_cwd (l, root);
  g_subprocess_launcher_set_stdout_file_path (l, out);
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  g_autoptr (GSubprocess) run = g_subprocess_launcher_spawn (l, &error, "env", "-i", path_var,
                                                             home_var, "./scripts/run", NULL);
  g_assert_no_error (error);
  if (!rc_test_wait_until (300000, output_says_listening, out)) {
    g_autofree char *text = NULL;
    g_file_get_contents (out, &text, NULL, NULL);
    g_error ("./scripts/run did not start roomcastd on port 3030:\n%s", text);
  }

  Pair p = { seated (1, 440.0, 0), seated (2, 660.0, 1) };
  gboolean heard = rc_test_wait_until (30000, each_hears_the_other, &p);
  g_test_message ("seat 0 hears 440 %.1f dB, 660 %.1f dB; seat 1 hears 440 %.1f dB, 660 %.1f dB",
                  rc_test_client_get_level_db (p.a, 0), rc_test_client_get_level_db (p.a, 1),
                  rc_test_client_get_level_db (p.b, 0), rc_test_client_get_level_db (p.b, 1));
  rc_test_client_close (p.a);
  rc_test_client_close (p.b);
  g_object_unref (p.a);
  g_object_unref (p.b);
  g_subprocess_send_signal (run, SIGTERM);
  g_subprocess_wait (run, NULL, NULL);
  g_autofree char *text = NULL;
  g_file_get_contents (out, &text, NULL, NULL);
  g_unlink (out);
  g_assert_null (strstr (text, "mixminus element is missing"));
  if (!heard)
    g_error ("the two speakers of ./scripts/run's server did not hear each other; its output:\n%s",
             text);
  g_assert_true (g_subprocess_get_if_exited (run));
  g_assert_cmpint (g_subprocess_get_exit_status (run), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/readme/run-has-audio", test_readme_run_has_audio);
  return g_test_run ();
}
