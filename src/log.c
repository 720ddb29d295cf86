/* roomcast: logging writer; see log.h. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static gint threshold = G_LOG_LEVEL_INFO;
static gboolean to_journal;

/* GLib's level flags are ordered most severe first; "enabled" means at least
 * as severe as the threshold. G_LOG_LEVEL_MESSAGE counts as info. */
static int
severity (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return 0;
  if (level & G_LOG_LEVEL_CRITICAL)
    return 1;
  if (level & G_LOG_LEVEL_WARNING)
    return 2;
  if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    return 3;
  return 4;
}

static const char *
level_name (GLogLevelFlags level)
{
  static const char *names[] = { "ERROR", "CRIT", "WARN", "INFO", "DEBUG" };
  return names[severity (level)];
}

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (severity (level) > severity ((GLogLevelFlags) g_atomic_int_get (&threshold)))
    return G_LOG_WRITER_HANDLED;
  if (to_journal &&
      g_log_writer_journald (level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;

  const char *message = NULL, *domain = NULL;
  for (gsize i = 0; i < n_fields; i++) {
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
    else if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;
  }
  /* Libraries' debug output (libsoup logs every socket event) only when
   * asked for by name, as GLib does with G_MESSAGES_DEBUG. */
  if (severity (level) == 4 && g_strcmp0 (domain, G_LOG_DOMAIN) != 0 &&
      g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  /* %f prints microseconds; keep milliseconds. */
  if (stamp && strlen (stamp) > 24)
    memmove (stamp + 23, stamp + 26, strlen (stamp + 26) + 1);
  fprintf (stderr, "%s %-5s %s: %s\n", stamp ? stamp : "-", level_name (level),
           domain ? domain : "roomcast", message ? message : "");
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

void
rc_log_init (GLogLevelFlags level)
{
  static gsize installed;

  rc_log_set_level (level);
  if (g_once_init_enter (&installed)) {
    to_journal = g_log_writer_is_journald (fileno (stderr));
    g_log_set_writer_func (writer, NULL, NULL);
    g_once_init_leave (&installed, 1);
  }
}

void
rc_log_set_level (GLogLevelFlags level)
{
  g_atomic_int_set (&threshold, (gint) level);
}
