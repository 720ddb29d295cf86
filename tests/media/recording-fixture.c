/* roomcast tests: the recording tests' fixture; see recording-fixture.h. */
#include "recording-fixture.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>

#include "goertzel.h"
#include "rc-test-util.h"

const double rt_probe_hz[RT_N_PROBES] = { 440.0, 660.0, 880.0, 1370.0 };
static guint next_user;

/* --- the daemon ------------------------------------------------------------------- */

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
server_listening (gpointer data)
{
  Server *s = data;
  g_autofree char *log = NULL;
  const char *at;

  if (!g_file_get_contents (s->log_path, &log, NULL, NULL))
    return FALSE;
  if ((at = strstr (log, "listening on http://")) == NULL)
    return FALSE;
  at += strlen ("listening on ");
  s->url = g_strndup (at, strcspn (at, " \n"));
  return TRUE;
}

/* @record_dir NULL: no recording. */
Server *
server_start (const char *record_dir)
{
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GError) error = NULL;
  g_autofree char *timeout = g_strdup_printf ("%d", CONNECT_TIMEOUT_MS);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  Server *s = g_new0 (Server, 1);

  s->log_path = g_build_filename (g_get_tmp_dir (), "test-recording-XXXXXX.log", NULL);
  g_close (g_mkstemp (s->log_path), NULL);
  g_subprocess_launcher_set_stderr_file_path (l, s->log_path);
  g_subprocess_launcher_setenv (l, "LOG_LEVEL", "info", TRUE);
  g_subprocess_launcher_setenv (l, "RTC_LISTEN_IP", "127.0.0.1", TRUE);
  g_subprocess_launcher_setenv (l, "RTC_MIN_PORT", "43000", TRUE);
  g_subprocess_launcher_setenv (l, "RTC_MAX_PORT", "43999", TRUE);
  g_subprocess_launcher_setenv (l, "RTC_CONNECT_TIMEOUT_MS", timeout, TRUE);
  g_subprocess_launcher_setenv (l, "SEATS_PER_ROOM", "4", TRUE);
  /* Media is under test, not the per-connection event budget. */
  g_subprocess_launcher_setenv (l, "SIO_EVENTS_PER_SECOND", "1000000", TRUE);
  g_subprocess_launcher_setenv (l, "SIO_EVENTS_BURST", "1000000", TRUE);
  g_subprocess_launcher_unsetenv (l, "G_DEBUG"); /* the daemon's 1.22.0 rtpsession race */
  g_subprocess_launcher_unsetenv (l, "REDIS_HOST");
  g_subprocess_launcher_unsetenv (l, "RECORD_DIR");
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  g_ptr_array_add (argv, (gpointer) g_getenv ("ROOMCASTD"));
  g_ptr_array_add (argv, "--dev");
  g_ptr_array_add (argv, "--listen");
  g_ptr_array_add (argv, "127.0.0.1");
  g_ptr_array_add (argv, "--port");
  g_ptr_array_add (argv, "0");
  if (record_dir) {
    g_ptr_array_add (argv, "--record");
    g_ptr_array_add (argv, (gpointer) record_dir);
  }
  g_ptr_array_add (argv, NULL);
  s->proc = g_subprocess_launcher_spawnv (l, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (rc_test_wait_until (30000, server_listening, s));
  g_test_message ("roomcastd at %s (record %s), log %s", s->url, record_dir ? record_dir : "off",
                  s->log_path);
  return s;
}

char *
server_log (Server *s)
{
  char *log = NULL;

  g_file_get_contents (s->log_path, &log, NULL, NULL);
  return log;
}

/* SIGTERM (the graceful drain); the daemon must exit 0. */
void
server_stop (Server *s)
{
  g_subprocess_send_signal (s->proc, SIGTERM);
  g_subprocess_wait (s->proc, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (s->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (s->proc), ==, 0);
  g_object_unref (s->proc);
  if (g_getenv ("RC_TEST_KEEP_LOG") == NULL)
    g_unlink (s->log_path);
  g_free (s->log_path);
  g_free (s->url);
  g_free (s);
}

/* --- clients ------------------------------------------------------------------------ */

static void
rec_event_free (gpointer data)
{
  RecEvent *e = data;

  g_free (e->file);
  g_free (e->reason);
  g_free (e);
}

static void
on_recording (RcTestClient *c, JsonArray *args, gpointer data)
{
  Client *cl = data;
  JsonObject *o = json_array_get_object_element (args, 0);
  RecEvent *e = g_new0 (RecEvent, 1);

  e->at_us = g_get_monotonic_time ();
  e->on = json_object_get_boolean_member (o, "on");
  e->file = g_strdup (json_object_get_string_member_with_default (o, "file", ""));
  e->reason = g_strdup (json_object_get_string_member_with_default (o, "reason", NULL));
  g_ptr_array_add (cl->events, e);
}

/* Emits @event {json}; returns the ack (transfer full) and its time. */
JsonObject *
ask (Client *cl, const char *event, const char *json, gint64 *at_us)
{
  JsonObject *reply = rc_test_client_ask (cl->c, event, json, 20000, at_us);

  g_assert_nonnull (reply);
  return reply;
}

/* A successful ack; returns its time. */
gint64
request (Client *cl, const char *event, const char *json)
{
  gint64 at;
  g_autoptr (JsonObject) reply = ask (cl, event, json, &at);

  if (!json_object_get_boolean_member (reply, "ok"))
    g_error ("%s %s refused: %s", event, json,
             json_object_get_string_member (json_object_get_object_member (reply, "error"),
                                           "code"));
  return at;
}

void
request_fails (Client *cl, const char *event, const char *json, const char *code)
{
  g_autoptr (JsonObject) reply = ask (cl, event, json, NULL);

  g_assert_false (json_object_get_boolean_member (reply, "ok"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (reply, "error"),
                                                  "code"), ==, code);
}

static gboolean
is_connected (gpointer data)
{
  return rc_test_client_is_connected (data) || rc_test_client_get_error (data);
}

/* A client of @s in @room sending @tone (0: none) on @seat (-1: listener),
 * media started when @media. */
guint
new_user (void)
{
  return ++next_user;
}

Client *
client_in (Server *s, const char *room, double tone, gint seat, gboolean media)
{
  return client_in_as (s, new_user (), room, tone, seat, media);
}

Client *
client_in_as (Server *s, guint user, const char *room, double tone, gint seat, gboolean media)
{
  g_autofree char *token = g_strdup_printf ("dev:%u:tester%u", user, user);
  g_autofree char *join = g_strdup_printf ("{\"roomId\":\"%s\"}", room);
  RcTestClientOptions opts = {
    .url = s->url, .token = token, .tone_hz = tone, .probe_hz = rt_probe_hz,
    .n_probe_hz = RT_N_PROBES, .latency_ms = 200,
  };
  Client *cl = g_new0 (Client, 1);

  cl->c = rc_test_client_new (&opts);
  cl->user_id = g_strdup_printf ("%u", user);
  cl->events = g_ptr_array_new_with_free_func (rec_event_free);
  rc_test_client_connect (cl->c);
  g_assert_true (rc_test_wait_until (30000, is_connected, cl->c));
  g_assert_null (rc_test_client_get_error (cl->c));
  rc_test_client_on (cl->c, "room:recording", on_recording, cl);
  request (cl, "room:join", join);
  if (seat >= 0) {
    g_autofree char *take = g_strdup_printf ("{\"seat\":%d}", seat);
    request (cl, "seat:take", take);
  }
  if (media)
    rc_test_client_start_media (cl->c);
  return cl;
}

void
client_free (Client *cl)
{
  rc_test_client_close (cl->c);
  g_object_unref (cl->c);
  g_ptr_array_unref (cl->events);
  g_free (cl->user_id);
  g_free (cl);
}

gboolean
media_connected (gpointer data)
{
  Client **all = data;

  for (guint i = 0; all[i]; i++)
    if (rc_test_client_get_media_state (all[i]->c) != RC_TEST_MEDIA_CONNECTED)
      return FALSE;
  return TRUE;
}

typedef struct {
  Client *cl;
  gboolean on;
  const char *not_file; /* nullable: a different file than this */
  RecEvent *found;
} EventWait;

static gboolean
got_event (gpointer data)
{
  EventWait *w = data;

  for (guint i = 0; i < w->cl->events->len; i++) {
    RecEvent *e = g_ptr_array_index (w->cl->events, i);
    if (e->on == w->on && g_strcmp0 (e->file, w->not_file) != 0) {
      w->found = e;
      return TRUE;
    }
  }
  return FALSE;
}

/* The first room:recording {on: @on} @cl received (about another file than
 * @not_file), waited for. */
RecEvent *
wait_event (Client *cl, gboolean on, const char *not_file, guint timeout_ms)
{
  EventWait w = { cl, on, not_file, NULL };

  if (!rc_test_wait_until (timeout_ms, got_event, &w))
    g_error ("no room:recording {on:%s} within %u ms", on ? "true" : "false", timeout_ms);
  return w.found;
}

/* --- the files ---------------------------------------------------------------------- */

static void
on_handoff (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
  Decoded *d = data;
  GstMapInfo map;

  if (!GST_CLOCK_TIME_IS_VALID (d->first))
    d->first = GST_BUFFER_PTS (buffer);
  if (GST_BUFFER_PTS_IS_VALID (buffer) && GST_BUFFER_DURATION_IS_VALID (buffer))
    d->end = GST_BUFFER_PTS (buffer) + GST_BUFFER_DURATION (buffer);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_array_append_vals (d->samples, map.data, map.size / sizeof (float));
  gst_buffer_unmap (buffer, &map);
}

/* Decodes @path as a player would (oggdemux ! opusdec); FALSE with the
 * pipeline's error if it does not decode to the end. */
gboolean
decode (const char *path, Decoded *d, char **error_text)
{
  g_autoptr (GstElement) pipeline = gst_parse_launch (
      "filesrc name=src ! oggdemux ! opusdec ! audioconvert ! audioresample ! "
      "audio/x-raw,format=F32LE,channels=1,rate=48000 ! "
      "fakesink name=sink signal-handoffs=true sync=false", NULL);
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) msg = NULL;

  d->samples = g_array_new (FALSE, FALSE, sizeof (float));
  d->first = d->end = GST_CLOCK_TIME_NONE;
  g_object_set (src, "location", path, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), d);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
    return TRUE;
  if (msg != NULL) {
    g_autoptr (GError) error = NULL;
    gst_message_parse_error (msg, &error, NULL);
    *error_text = g_strdup (error->message);
  } else {
    *error_text = g_strdup ("no EOS within 30 s");
  }
  return FALSE;
}

void
decoded_clear (Decoded *d)
{
  g_clear_pointer (&d->samples, g_array_unref);
}

double
decoded_seconds (Decoded *d)
{
  return GST_CLOCK_TIME_IS_VALID (d->end) ? d->end / (double) GST_SECOND : 0;
}

/* 100 ms windows of the decoded audio in which every tone of @tones (probe
 * indexes, -1 terminated) is heard: above HEARD_DB and 20 dB over the floor. */
guint
windows_with (Decoded *d, const int *tones)
{
  g_autoptr (RcGoertzel) g = rc_goertzel_new (48000, WINDOW, rt_probe_hz, RT_N_PROBES);
  guint n = 0;

  for (guint i = 0; i + WINDOW <= d->samples->len; i += WINDOW) {
    gboolean all = TRUE;

    rc_goertzel_feed (g, &g_array_index (d->samples, float, i), WINDOW);
    for (const int *t = tones; *t >= 0; t++) {
      double db = rc_goertzel_level_db (g, *t);
      all = all && db > HEARD_DB && db - rc_goertzel_level_db (g, FLOOR) >= 20.0;
    }
    n += all;
  }
  return n;
}

char *
sidecar_path (const char *dir, const char *file)
{
  g_autofree char *base = g_strndup (file, strlen (file) - strlen (".ogg"));

  g_assert_true (g_str_has_suffix (file, ".ogg"));
  return g_strdup_printf ("%s/%s.json", dir, base);
}

JsonObject *
read_sidecar (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  node = json_from_string (text, NULL);
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_object_ref (json_node_get_object (node))
                                               : NULL;
}

typedef struct {
  const char *path;
  const char *status;
} SidecarWait;

static gboolean
sidecar_has_status (gpointer data)
{
  SidecarWait *w = data;
  g_autoptr (JsonObject) o = read_sidecar (w->path);

  return o != NULL && g_strcmp0 (json_object_get_string_member_with_default (o, "status", ""),
                                 w->status) == 0;
}

/* The sidecar of @file once it says "complete": the .ogg is final. */
JsonObject *
wait_complete (const char *dir, const char *file)
{
  g_autofree char *path = sidecar_path (dir, file);
  SidecarWait w = { path, "complete" };

  if (!rc_test_wait_until (15000, sidecar_has_status, &w))
    g_error ("%s is not complete", path);
  return read_sidecar (path);
}

/* The sidecar has an event @type for @user_id (on @seat unless -1). */
gboolean
has_event (JsonObject *sidecar, const char *type, const char *user_id, gint seat)
{
  JsonArray *events = json_object_get_array_member (sidecar, "events");

  for (guint i = 0; i < json_array_get_length (events); i++) {
    JsonObject *e = json_array_get_object_element (events, i);
    if (g_str_equal (json_object_get_string_member (e, "type"), type) &&
        g_str_equal (json_object_get_string_member (e, "userId"), user_id) &&
        (seat < 0 || json_object_get_int_member_with_default (e, "seat", -1) == seat))
      return TRUE;
  }
  return FALSE;
}

gboolean
has_participant (JsonObject *sidecar, const char *user_id)
{
  JsonArray *ps = json_object_get_array_member (sidecar, "participants");

  for (guint i = 0; i < json_array_get_length (ps); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (ps, i),
                                                    "userId"), user_id))
      return TRUE;
  return FALSE;
}
