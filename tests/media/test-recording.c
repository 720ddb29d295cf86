/* roomcast: room recordings end to end (RECORD_DIR / --record).
 *
 * The real daemon (--dev --record DIR, loopback only) and the C test client
 * (tests/lib): tone speakers on seats, then the files are checked the way a
 * user would: the .ogg decoded with GStreamer (oggdemux ! opusdec), its
 * duration compared with the room's life as this test saw it, the tones
 * measured in the decoded audio (Goertzel), the JSON sidecar read.
 *
 * "The room's life" is measured on this side of the wire: from the moment
 * the host's client receives `room:recording {on: true}` (sent when the
 * recording attaches to the room's mix) to the moment it receives the ack of
 * the request that ends it (room:close, room:record {on:false}) or sends
 * SIGTERM. Both ends include one loopback round trip of skew at most.
 * The file holds the room's encoded audio from the first packet it gets to
 * the moment it is detached: a recording that starts with the room's
 * pipeline begins with the mixer's first output, about its latency
 * (~0.15 s) after the start, so it runs that much short of the life
 * measured here; one started later (room:record) does not. The tolerance
 * is the 0.5 s; every figure is printed.
 *
 * Also: only the host may switch recording (forbidden), a server without a
 * directory answers recording_disabled, a directory that cannot be created
 * stops the daemon at startup, SIGTERM finishes the file, and a
 * full disk (a 16 KiB tmpfs in a private mount namespace) stops the
 * recording with room:recording {on:false, reason:"disk_full"} and a log
 * line while the room's audio keeps flowing.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>

#include <glib/gstdio.h>

#include "recording-fixture.h"
#include "rc-test-util.h"

#define ROOM_A "a1111111-1111-4111-8111-111111111111"
#define ROOM_B "b2222222-2222-4222-8222-222222222222"
#define ROOM_C "c3333333-3333-4333-8333-333333333333"
#define ROOM_D "d4444444-4444-4444-8444-444444444444"
#define ROOM_E "e5555555-5555-4555-8555-555555555555"
/* How long the three-tone room lives (from the recording's start). */
#define ROOM_LIFE_MS 4000
#define DURATION_TOLERANCE_S 0.5
/* "Contains the tone": in at least this many windows (half a second; the
 * tones play for 2 s or more, but a loaded machine drops some of the
 * room's own audio, which its listeners miss too). */
#define TONE_MIN_WINDOWS 5

static struct {
  char *dir;      /* the main server's recordings */
  char *tiny_dir; /* a 16 KiB tmpfs, or NULL */
  char *tiny_error;
  Server *server;
} fx;

/* --- hearing and checking ----------------------------------------------------------- */

static double
level (Client *cl, guint f)
{
  return rc_test_client_get_level_db (cl->c, f);
}

static gboolean
hears (Client *cl, guint f)
{
  RcTestClientCounters k;

  rc_test_client_get_counters (cl->c, &k);
  return k.windows >= 5 && level (cl, f) > HEARD_DB && level (cl, f) - level (cl, FLOOR) >= 20.0;
}

/* Every speaker of room A is heard by someone (so it is in the mix). */
static gboolean
all_heard (gpointer data)
{
  Client **all = data;

  return hears (all[0], F660) && hears (all[0], F880) && hears (all[1], F440);
}

static gboolean
hears_440 (gpointer data)
{
  return hears (data, F440);
}

/* Decodes @file (asserting it decodes) and checks its duration against
 * @life_s; returns the decoded audio. */
static void
check_file (const char *dir, const char *file, double life_s, Decoded *d)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *error = NULL;
  gboolean ok = decode (path, d, &error);
  double seconds = decoded_seconds (d);

  g_test_message ("%s: decodes %s%s; %.3f s (first sample at %.3f s, %u samples = %.3f s); "
                  "the room's life as the test saw it: %.3f s; difference %+.3f s", file,
                  ok ? "to the end" : "with an error: ", ok ? "" : error, seconds,
                  GST_CLOCK_TIME_IS_VALID (d->first) ? d->first / (double) GST_SECOND : -1.0,
                  d->samples->len, d->samples->len / 48000.0, life_s, seconds - life_s);
  g_assert_true (ok);
  g_assert_cmpfloat (fabs (seconds - life_s), <, DURATION_TOLERANCE_S);
}

/* While recording: the file as it is now decodes, and covers all but the
 * last second (oggmux flushes a page every 500 ms, written at once). */
static void
check_growing (const char *dir, const char *file, gint64 start_us)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *error = NULL;
  Decoded d = { 0 };
  double elapsed = (g_get_monotonic_time () - start_us) / 1e6;
  gboolean ok = decode (path, &d, &error);

  g_test_message ("%s while recording: decodes %s%s; %.3f s after %.3f s of recording", file,
                  ok ? "to the current end" : "with an error: ", ok ? "" : error,
                  decoded_seconds (&d), elapsed);
  g_assert_true (ok);
  /* The allowed lag (1 s: two pages) grows with ROOMCAST_TEST_TIME_SCALE
   * (scripts/test --sanitize): a slowed server writes late, not wrongly. */
  g_assert_cmpfloat (decoded_seconds (&d), >, elapsed - 1.0 * rc_test_time_scale ());
  decoded_clear (&d);
}

/* --- tests ------------------------------------------------------------------------------ */

/* Three tone speakers; the host closes the room after ROOM_LIFE_MS. */
static void
test_three_tones (void)
{
  Client *host = client_in (fx.server, ROOM_A, 440.0, 0, TRUE);
  Client *b = client_in (fx.server, ROOM_A, 660.0, 1, TRUE);
  Client *c = client_in (fx.server, ROOM_A, 880.0, 2, TRUE);
  Client *all[] = { host, b, c, NULL };
  const int three[] = { F440, F660, F880, -1 };
  g_autoptr (JsonObject) sidecar = NULL;
  g_autofree char *file = NULL;
  Decoded d = { 0 };
  RecEvent *start;
  gint64 closed, left;
  guint n;

  g_assert_true (rc_test_wait_until (30000, media_connected, all));
  start = wait_event (host, TRUE, NULL, 5000);
  file = g_strdup (start->file);
  g_assert_true (g_str_has_prefix (file, ROOM_A "-"));
  /* Whether they joined before or after it started, all were told. */
  g_assert_cmpstr (wait_event (b, TRUE, NULL, 5000)->file, ==, file);
  g_assert_cmpstr (wait_event (c, TRUE, NULL, 5000)->file, ==, file);
  g_assert_true (rc_test_wait_until (10000, all_heard, all));
  check_growing (fx.dir, file, start->at_us);
  /* On a loaded machine connecting may take most of the room's life:
   * the three tones play together for at least 2 s anyway. */
  left = MAX (ROOM_LIFE_MS - (g_get_monotonic_time () - start->at_us) / 1000, 2000);
  rc_test_run_for ((guint) left);
  closed = request (host, "room:close", "{}");
  sidecar = wait_complete (fx.dir, file);

  check_file (fx.dir, file, (closed - start->at_us) / 1e6, &d);
  n = windows_with (&d, three);
  g_test_message ("100 ms windows with all three tones: %u of %u (440 Hz: %u, 660 Hz: %u, "
                  "880 Hz: %u)", n, d.samples->len / WINDOW,
                  windows_with (&d, (const int[]) { F440, -1 }),
                  windows_with (&d, (const int[]) { F660, -1 }),
                  windows_with (&d, (const int[]) { F880, -1 }));
  g_assert_cmpuint (n, >=, TONE_MIN_WINDOWS);

  g_assert_cmpstr (json_object_get_string_member (sidecar, "roomId"), ==, ROOM_A);
  g_assert_cmpstr (json_object_get_string_member (sidecar, "file"), ==, file);
  g_assert_false (json_object_get_null_member (sidecar, "ended"));
  g_assert_cmpfloat (fabs (json_object_get_double_member (sidecar, "durationS") -
                           decoded_seconds (&d)), <, DURATION_TOLERANCE_S);
  for (guint i = 0; i < 3; i++) {
    g_assert_true (has_participant (sidecar, all[i]->user_id));
    g_assert_true (has_event (sidecar, "join", all[i]->user_id, -1));
    g_assert_true (has_event (sidecar, "seat", all[i]->user_id, (gint) i));
    g_assert_true (has_event (sidecar, "leave", all[i]->user_id, -1)); /* the room closed */
  }
  decoded_clear (&d);
  for (guint i = 0; i < 3; i++)
    client_free (all[i]);
}

static Client *b_host, *b_member;
static char *b_second_file;
static gint64 b_second_start;

/* The host stops and restarts; a member may not; payloads are checked. */
static void
test_host_controls (void)
{
  Client *all[3] = { NULL };
  const int tone[] = { F440, -1 };
  g_autoptr (JsonObject) sidecar = NULL;
  g_autoptr (JsonObject) reply = NULL;
  g_autofree char *file = NULL;
  Decoded d = { 0 };
  RecEvent *start, *stop;
  gint64 stopped;

  all[0] = b_host = client_in (fx.server, ROOM_B, 440.0, 0, TRUE);
  all[1] = b_member = client_in (fx.server, ROOM_B, 0, -1, TRUE);
  g_assert_true (rc_test_wait_until (30000, media_connected, all));
  start = wait_event (b_host, TRUE, NULL, 5000);
  file = g_strdup (start->file);
  /* The member joined after the recording started: told on joining. */
  g_assert_cmpstr (wait_event (b_member, TRUE, NULL, 5000)->file, ==, file);
  g_assert_true (rc_test_wait_until (10000, hears_440, b_member));
  request (b_host, "mic:mute", "{\"muted\":true}");
  request (b_host, "mic:mute", "{\"muted\":false}");
  /* Heard again after the unmute, and then for 2 s more. */
  rc_test_run_for (500);
  g_assert_true (rc_test_wait_until (10000, hears_440, b_member));
  rc_test_run_for (2000);

  request_fails (b_member, "room:record", "{\"on\":false}", "forbidden");
  request_fails (b_member, "room:record", "{\"on\":true}", "forbidden");
  request_fails (b_host, "room:record", "{}", "invalid_payload");
  request_fails (b_host, "room:record", "{\"on\":\"no\"}", "invalid_payload");
  reply = ask (b_host, "room:record", "{\"on\":false}", &stopped);
  g_assert_true (json_object_get_boolean_member (reply, "ok"));
  g_assert_false (json_object_get_boolean_member (reply, "on"));

  /* Everyone in the room is told once the file is complete. */
  stop = wait_event (b_host, FALSE, NULL, 10000);
  g_assert_cmpstr (stop->file, ==, file);
  g_assert_cmpstr (stop->reason, ==, "stopped");
  g_assert_cmpstr (wait_event (b_member, FALSE, NULL, 5000)->file, ==, file);
  sidecar = wait_complete (fx.dir, file);
  check_file (fx.dir, file, (stopped - start->at_us) / 1e6, &d);
  g_test_message ("100 ms windows with 440 Hz: %u of %u", windows_with (&d, tone),
                  d.samples->len / WINDOW);
  g_assert_cmpuint (windows_with (&d, tone), >=, TONE_MIN_WINDOWS);
  g_assert_true (has_event (sidecar, "seat", b_host->user_id, 0));
  g_assert_true (has_event (sidecar, "mute", b_host->user_id, 0));
  g_assert_true (has_event (sidecar, "unmute", b_host->user_id, 0));
  g_assert_true (has_event (sidecar, "join", b_member->user_id, -1));
  decoded_clear (&d);

  /* On again: a new file; left running for the SIGTERM test. */
  request (b_host, "room:record", "{\"on\":true}");
  start = wait_event (b_host, TRUE, file, 5000);
  g_assert_cmpstr (start->file, !=, file);
  b_second_file = g_strdup (start->file);
  b_second_start = start->at_us;

  /* A seated user whose connection drops keeps the seat for the grace
   * period; rejoining on a new connection (or replacing a connection the
   * server has not seen drop yet), they are told again: they never left
   * the room's participants. */
  {
    guint user = new_user ();
    Client *first = client_in_as (fx.server, user, ROOM_B, 0, 2, FALSE);
    Client *again;

    g_assert_cmpstr (wait_event (first, TRUE, file, 5000)->file, ==, b_second_file);
    client_free (first);
    again = client_in_as (fx.server, user, ROOM_B, 0, -1, FALSE);
    g_assert_cmpstr (wait_event (again, TRUE, file, 5000)->file, ==, b_second_file);
    rc_test_run_for (300); /* a second one would come now */
    g_assert_cmpuint (again->events->len, ==, 1);
    client_free (again);
  }
}

/* room:record {on:true} starts a new file each time: six per room and
 * minute, then rate_limited with retryAfterMs (toggling cannot fill the
 * disk with files); stopping is never limited. */
static void
test_start_limit (void)
{
  Client *host = client_in (fx.server, ROOM_E, 0, -1, TRUE);
  Client *all[] = { host, NULL };
  g_autoptr (JsonObject) refused = NULL;
  JsonObject *error;
  guint started = 0;

  g_assert_true (rc_test_wait_until (30000, media_connected, all));
  wait_event (host, TRUE, NULL, 5000); /* the room's own start: not counted */
  for (;;) {
    g_autoptr (JsonObject) reply = NULL;

    request (host, "room:record", "{\"on\":false}");
    reply = ask (host, "room:record", "{\"on\":true}", NULL);
    if (!json_object_get_boolean_member (reply, "ok")) {
      refused = g_steal_pointer (&reply);
      break;
    }
    g_assert_true (json_object_has_member (reply, "file"));
    g_assert_cmpuint (++started, <=, 6);
  }
  g_assert_cmpuint (started, ==, 6);
  error = json_object_get_object_member (refused, "error");
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "rate_limited");
  g_assert_cmpint (json_object_get_int_member (error, "retryAfterMs"), >, 0);
  g_assert_cmpint (json_object_get_int_member (error, "retryAfterMs"), <=, 60000);
  /* Still off, and turning it off again is fine. */
  request (host, "room:record", "{\"on\":false}");
  client_free (host);
}

/* SIGTERM while recording: the drain finishes the file before the exit. */
static void
test_sigterm (void)
{
  g_autoptr (JsonObject) sidecar = NULL;
  g_autofree char *json = NULL;
  const int tone[] = { F440, -1 };
  Decoded d = { 0 };
  gint64 signalled;

  g_assert_nonnull (b_second_file);
  g_assert_true (rc_test_wait_until (10000, hears_440, b_member));
  rc_test_run_for (2000);
  signalled = g_get_monotonic_time ();
  server_stop (fx.server);
  fx.server = NULL;
  json = sidecar_path (fx.dir, b_second_file);
  sidecar = read_sidecar (json);
  g_assert_nonnull (sidecar);
  g_assert_cmpstr (json_object_get_string_member (sidecar, "status"), ==, "complete");
  check_file (fx.dir, b_second_file, (signalled - b_second_start) / 1e6, &d);
  g_test_message ("100 ms windows with 440 Hz: %u of %u", windows_with (&d, tone),
                  d.samples->len / WINDOW);
  g_assert_cmpuint (windows_with (&d, tone), >=, TONE_MIN_WINDOWS);
  decoded_clear (&d);
  client_free (b_host);
  client_free (b_member);
}

static void
test_disabled (void)
{
  Server *s = server_start (NULL);
  Client *host = client_in (s, ROOM_C, 0, -1, FALSE);

  request_fails (host, "room:record", "{\"on\":true}", "recording_disabled");
  client_free (host);
  server_stop (s);
}

/* A directory that cannot be created is a configuration error, named. */
static void
test_bad_dir (void)
{
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;

  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                        g_getenv ("ROOMCASTD"), "--dev", "--record", "/proc/no-such-dir",
                        "--check-config", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_test_message ("%s", err);
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 2);
  g_assert_nonnull (strstr (err, "RECORD_DIR: cannot create the directory '/proc/no-such-dir'"));
}

static gboolean
has_disk_full_event (gpointer data)
{
  Client *cl = data;

  for (guint i = 0; i < cl->events->len; i++) {
    RecEvent *e = g_ptr_array_index (cl->events, i);
    if (!e->on && g_strcmp0 (e->reason, "disk_full") == 0)
      return TRUE;
  }
  return FALSE;
}

typedef struct {
  RcTestClient *c;
  guint64 packets;
} PacketWait;

static gboolean
received (gpointer data)
{
  PacketWait *w = data;
  RcTestClientCounters k;

  rc_test_client_get_counters (w->c, &k);
  return k.packets >= w->packets;
}

/* A 16 KiB file system fills in a few seconds of 32 kbit/s Opus. */
static void
test_disk_full (void)
{
  Server *s;
  Client *all[3] = { NULL };
  g_autofree char *log = NULL;
  RcTestClientCounters k0, k1;
  PacketWait more;
  gint64 t0;

  if (fx.tiny_dir == NULL) {
    g_test_skip (fx.tiny_error);
    return;
  }
  s = server_start (fx.tiny_dir);
  all[0] = client_in (s, ROOM_D, 440.0, 0, TRUE);
  all[1] = client_in (s, ROOM_D, 0, -1, TRUE);
  g_assert_true (rc_test_wait_until (30000, media_connected, all));
  wait_event (all[0], TRUE, NULL, 5000);
  g_assert_true (rc_test_wait_until (30000, has_disk_full_event, all[1]));
  g_test_message ("room:recording {on:false, reason:\"disk_full\"} received");
  log = server_log (s);
  g_assert_nonnull (strstr (log, "(disk_full)"));
  /* The room goes on: the listener still receives (a second's worth of
   * packets more) and hears the speaker. */
  t0 = g_get_monotonic_time ();
  rc_test_client_get_counters (all[1]->c, &k0);
  more.c = all[1]->c;
  more.packets = k0.packets + 50;
  g_assert_true (rc_test_wait_until (10000, received, &more));
  rc_test_client_get_counters (all[1]->c, &k1);
  g_test_message ("listener after the disk filled: %" G_GUINT64_FORMAT " packets in %.1f s",
                  k1.packets - k0.packets, (g_get_monotonic_time () - t0) / 1e6);
  g_assert_true (rc_test_wait_until (5000, hears_440, all[1]));
  client_free (all[0]);
  client_free (all[1]);
  server_stop (s);
}

/* Before any thread exists (unshare(CLONE_NEWNS) refuses threaded
 * processes): a private mount namespace with a 16 KiB tmpfs. */
static void
prepare_tiny_fs (void)
{
  g_autofree char *dir = g_build_filename (g_get_tmp_dir (), "test-recording-full-XXXXXX", NULL);

  if (unshare (CLONE_NEWNS) != 0) {
    fx.tiny_error = g_strdup_printf ("no private mount namespace: %s", g_strerror (errno));
    return;
  }
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 || g_mkdtemp (dir) == NULL ||
      mount ("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=16k,mode=0755") != 0) {
    fx.tiny_error = g_strdup_printf ("no tmpfs: %s", g_strerror (errno));
    return;
  }
  fx.tiny_dir = g_steal_pointer (&dir);
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d))) {
    g_autofree char *path = g_build_filename (dir, name, NULL);
    g_unlink (path);
  }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) netns_error = NULL;
  gboolean netns = FALSE;
  int status;

  if (!g_getenv ("RC_MEDIA_TEST_NO_NETNS"))
    netns = rc_test_enter_loopback_netns (&netns_error);
  prepare_tiny_fs ();
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_message (netns ? "running in a private network namespace with only lo"
                        : "no private network namespace: ICE agents gather 127.0.0.1 only");
  if (g_getenv ("ROOMCASTD") == NULL) {
    g_test_skip ("ROOMCASTD is not set");
    return g_test_run ();
  }
  fx.dir = g_dir_make_tmp ("test-recording-XXXXXX", NULL);
  g_assert_nonnull (fx.dir);
  fx.server = server_start (fx.dir);
  g_test_add_func ("/recording/three-tones", test_three_tones);
  g_test_add_func ("/recording/host-controls", test_host_controls);
  g_test_add_func ("/recording/start-limit", test_start_limit);
  g_test_add_func ("/recording/sigterm", test_sigterm);
  g_test_add_func ("/recording/disabled", test_disabled);
  g_test_add_func ("/recording/bad-dir", test_bad_dir);
  g_test_add_func ("/recording/disk-full", test_disk_full);
  status = g_test_run ();
  if (fx.server)
    server_stop (fx.server);
  if (g_getenv ("RC_TEST_KEEP_LOG") == NULL)
    remove_tree (fx.dir);
  if (fx.tiny_dir) {
    umount (fx.tiny_dir);
    g_rmdir (fx.tiny_dir);
  }
  return status;
}
