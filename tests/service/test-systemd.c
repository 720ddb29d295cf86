/* roomcast: the daemon as a systemd service.
 *
 * The unit file passes `systemd-analyze verify`, and the daemon speaks the
 * notify protocol to a NOTIFY_SOCKET owned by this test: READY=1 once
 * listening, WATCHDOG=1 periodically, RELOADING=1/READY=1 around SIGHUP
 * (which applies the new LOG_LEVEL from the key file), STOPPING=1 and exit 0
 * on SIGTERM.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static const char *
env_or_skip (const char *name)
{
  const char *v = g_getenv (name);
  if (!v)
    g_test_skip_printf ("%s is not set (run through meson test)", name);
  return v;
}

static void
test_unit_verifies (void)
{
  const char *unit = env_or_skip ("ROOMCAST_UNIT");
  const char *daemon = env_or_skip ("ROOMCASTD");
  if (!unit || !daemon)
    return;
  g_autofree char *analyze = g_find_program_in_path ("systemd-analyze");
  if (!analyze) {
    g_test_skip ("systemd-analyze is not installed");
    return;
  }
  /* The unit names the installed binary; point it at the build tree's. */
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (unit, &text, NULL, NULL));
  g_autoptr (GRegex) re = g_regex_new ("^ExecStart=\\S+", G_REGEX_MULTILINE, 0, NULL);
  g_autofree char *exec = g_strdup_printf ("ExecStart=%s", daemon);
  g_autofree char *patched = g_regex_replace_literal (re, text, -1, 0, exec, 0, NULL);
  g_autofree char *dir = g_dir_make_tmp ("roomcast-unit-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "roomcastd.service", NULL);
  g_assert_true (g_file_set_contents (path, patched, -1, NULL));

  static const char *const keys[] = {
    "Type=notify", "WatchdogSec=", "ProtectSystem=strict", "NoNewPrivileges=yes",
    "PrivateTmp=yes", "RestrictAddressFamilies=", "LimitNOFILE=", "EnvironmentFile=-/",
    "MemoryMax=", "TasksMax=", "LimitCORE=0", NULL
  };
  for (const char *const *key = keys; *key; key++)
    g_assert_nonnull (strstr (text, *key));

  g_autofree char *out = NULL, *err = NULL;
  gint status = 0;
  const char *argv[] = { "systemd-analyze", "verify", path, NULL };
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, NULL));
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("systemd-analyze verify failed:\n%s%s", out, err);
  g_unlink (path);
  g_rmdir (dir);
}

typedef struct {
  GSocket *socket;
  GString *stderr_text;
} Notify;

/* Wait for the next datagram; NULL after @timeout_ms. */
static char *
next_datagram (Notify *n, guint timeout_ms)
{
  g_autoptr (GError) error = NULL;
  if (!g_socket_condition_timed_wait (n->socket, G_IO_IN, (gint64) timeout_ms * 1000, NULL,
                                      &error))
    return NULL;
  char buf[4096];
  gssize len = g_socket_receive (n->socket, buf, sizeof buf - 1, NULL, &error);
  g_assert_no_error (error);
  buf[len] = '\0';
  return g_strdup (buf);
}

static gboolean
has_assignment (const char *datagram, const char *needle)
{
  g_auto (GStrv) lines = g_strsplit (datagram, "\n", -1);
  return g_strv_contains ((const char * const *) lines, needle);
}

/* Read datagrams until one carries @needle (a datagram may hold several
 * assignments, e.g. "WATCHDOG=1\nSTATUS=..."). */
static void
expect_datagram (Notify *n, const char *needle)
{
  for (guint i = 0; i < 50; i++) {
    g_autofree char *d = next_datagram (n, 5000);
    if (!d)
      g_error ("no '%s' from roomcastd within 5 s", needle);
    g_test_message ("notify: %s", d);
    if (has_assignment (d, needle))
      return;
  }
  g_error ("'%s' never arrived", needle);
}

static void
test_notify (void)
{
  const char *daemon = env_or_skip ("ROOMCASTD");
  if (!daemon)
    return;
  g_autofree char *dir = g_dir_make_tmp ("roomcast-notify-XXXXXX", NULL);
  g_autofree char *sock_path = g_build_filename (dir, "notify", NULL);
  g_autofree char *conf_path = g_build_filename (dir, "roomcast.conf", NULL);
  g_assert_true (g_file_set_contents (conf_path, "[roomcast]\nlog_level=info\n", -1, NULL));

  Notify n = { 0 };
  g_autoptr (GError) error = NULL;
  n.socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, 0, &error);
  g_assert_no_error (error);
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (sock_path);
  g_assert_true (g_socket_bind (n.socket, addr, FALSE, &error));

  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv (launcher, "NOTIFY_SOCKET", sock_path, TRUE);
  g_subprocess_launcher_setenv (launcher, "WATCHDOG_USEC", "200000", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "WATCHDOG_PID");
  g_subprocess_launcher_unsetenv (launcher, "LOG_LEVEL");
  g_autoptr (GSubprocess) proc = g_subprocess_launcher_spawn (
    launcher, &error, daemon, "--dev", "--listen", "127.0.0.1", "--port", "0",
    "--config", conf_path, NULL);
  g_assert_no_error (error);

  expect_datagram (&n, "READY=1");
  expect_datagram (&n, "WATCHDOG=1");
  expect_datagram (&n, "WATCHDOG=1"); /* periodic, not once */

  /* SIGHUP applies the key file's new log level. */
  g_assert_true (g_file_set_contents (conf_path, "[roomcast]\nlog_level=debug\n", -1, NULL));
  g_subprocess_send_signal (proc, SIGHUP);
  expect_datagram (&n, "RELOADING=1");
  expect_datagram (&n, "READY=1");

  g_subprocess_send_signal (proc, SIGTERM);
  expect_datagram (&n, "STOPPING=1");
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);

  g_autoptr (GBytes) err_bytes = NULL;
  GInputStream *err_stream = g_subprocess_get_stderr_pipe (proc);
  err_bytes = g_input_stream_read_bytes (err_stream, 1 << 20, NULL, &error);
  g_autofree char *log = g_strndup (g_bytes_get_data (err_bytes, NULL), g_bytes_get_size (err_bytes));
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "reloaded configuration: LOG_LEVEL=debug"));
  g_assert_nonnull (strstr (log, "systemd watchdog: pinging every 100 ms"));

  g_object_unref (n.socket);
  g_unlink (sock_path);
  g_unlink (conf_path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/service/unit-verifies", test_unit_verifies);
  g_test_add_func ("/service/notify", test_notify);
  return g_test_run ();
}
