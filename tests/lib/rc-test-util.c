/* roomcast tests: helpers; see rc-test-util.h. */
#include "rc-test-util.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

static gboolean
on_wake (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Conditions may depend on counters that streaming threads update without
 * waking the main context, hence the 10 ms tick besides the deadline. */
static gboolean
wait_until (guint timeout_ms, RcTestCondition cond, gpointer data)
{
  GMainContext *ctx = g_main_context_get_thread_default ();
  gboolean expired = FALSE;
  GSource *timer = g_timeout_source_new (timeout_ms);
  GSource *tick = g_timeout_source_new (10);
  gboolean ok;

  g_source_set_callback (timer, on_wake, &expired, NULL);
  g_source_attach (timer, ctx);
  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, ctx);
  while (!(ok = cond (data)) && !expired)
    g_main_context_iteration (ctx, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
  g_source_destroy (timer);
  g_source_unref (timer);
  return ok;
}

/* A deadline for a condition is a time budget: slowed builds get more. */
gboolean
rc_test_wait_until (guint timeout_ms, RcTestCondition cond, gpointer data)
{
  return wait_until (timeout_ms * rc_test_time_scale (), cond, data);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* A fixed run is part of what is measured: never scaled. */
void
rc_test_run_for (guint ms)
{
  wait_until (ms, never, NULL);
}

static char *
proc_path (int pid, const char *what)
{
  return pid > 0 ? g_strdup_printf ("/proc/%d/%s", pid, what) : g_strdup_printf ("/proc/self/%s", what);
}

static guint
count_dir (int pid, const char *what)
{
  g_autofree char *path = proc_path (pid, what);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

guint
rc_test_count_threads (int pid)
{
  return count_dir (pid, "task");
}

guint
rc_test_count_fds (int pid)
{
  return count_dir (pid, "fd");
}

char *
rc_test_describe_fds (int pid)
{
  g_autofree char *dir_path = proc_path (pid, "fd");
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr (GHashTable) kinds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GList) keys = NULL;
  GString *out = g_string_new (NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *path = g_build_filename (dir_path, name, NULL);
    g_autofree char *target = g_file_read_link (path, NULL);
    char *kind;

    if (target == NULL)
      continue;
    /* "socket:[123]" -> "socket", "anon_inode:[eventfd]" stays whole. */
    kind = g_str_has_prefix (target, "socket:") ? g_strdup ("socket")
         : g_str_has_prefix (target, "pipe:") ? g_strdup ("pipe")
         : g_str_has_prefix (target, "/") ? g_strdup ("file") : g_strdup (target);
    g_hash_table_insert (kinds, kind,
                         GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (kinds, kind)) + 1));
  }
  keys = g_list_sort (g_hash_table_get_keys (kinds), (GCompareFunc) g_strcmp0);
  for (GList *l = keys; l; l = l->next)
    g_string_append_printf (out, "%s%s=%u", out->len ? " " : "", (char *) l->data,
                            GPOINTER_TO_UINT (g_hash_table_lookup (kinds, l->data)));
  return g_string_free (out, FALSE);
}

guint64
rc_test_rss_kib (int pid)
{
  g_autofree char *path = proc_path (pid, "status");
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, "VmRSS:")) == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

guint64
rc_test_cpu_ms (int pid)
{
  g_autofree char *path = proc_path (pid, "stat");
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after;
  long ticks = sysconf (_SC_CLK_TCK);

  /* The command name may hold spaces; fields are counted after its ')'. */
  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL)
    return 0;
  fields = g_strsplit (after + 2, " ", -1);
  if (g_strv_length (fields) < 13 || ticks <= 0)
    return 0;
  return (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10)) *
         1000 / (guint64) ticks;
}

gboolean
rc_test_enter_loopback_netns (GError **error)
{
  struct ifreq ifr = { 0 };
  int fd;

  if (unshare (CLONE_NEWNET) != 0) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "unshare(CLONE_NEWNET): %s",
                 g_strerror (saved));
    return FALSE;
  }
  /* A new namespace has `lo` down: bring it up (what `ip link set lo up` does). */
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_strlcpy (ifr.ifr_name, "lo", sizeof ifr.ifr_name);
  if (fd >= 0 && ioctl (fd, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl (fd, SIOCSIFFLAGS, &ifr) == 0) {
      close (fd);
      return TRUE;
    }
  }
  {
    int saved = errno;
    if (fd >= 0)
      close (fd);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "bringing lo up: %s",
                 g_strerror (saved));
    return FALSE;
  }
}

guint
rc_test_time_scale (void)
{
  const char *v = g_getenv ("ROOMCAST_TEST_TIME_SCALE");
  guint scale = v ? (guint) g_ascii_strtoull (v, NULL, 10) : 1;

  return MAX (scale, 1);
}
