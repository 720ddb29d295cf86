/* roomcast: systemd notifications; see systemd-notify.h. */
#include "daemon/systemd-notify.h"
#include "roomcast-build-config.h"

#include <string.h>

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

static guint watchdog_id;
static RcStatusFunc status_func;
static gpointer status_data;
static RcLivenessFunc liveness_func;
static gpointer liveness_data;
static gboolean liveness_failing;

static void
notify (const char *state)
{
#if HAVE_LIBSYSTEMD
  int r = sd_notify (0, state);
  if (r < 0)
    g_debug ("sd_notify failed: %s", g_strerror (-r));
#endif
}

static void
notify_status (const char *prefix, const char *status)
{
  g_autofree char *state = status ? g_strdup_printf ("%sSTATUS=%s", prefix, status)
                                  : g_strdup (prefix);
  /* A newline would start another assignment; keep STATUS one line. */
  g_strdelimit (state + strlen (prefix), "\n", ' ');
  notify (state);
}

static gboolean
on_watchdog (gpointer data)
{
  const char *why = "liveness check failed";
  if (liveness_func && !liveness_func (liveness_data, &why)) {
    if (!liveness_failing)
      g_warning ("systemd watchdog: not pinging: %s (systemd restarts the service at "
                 "WatchdogSec= unless it recovers)",
                 why);
    liveness_failing = TRUE;
    return G_SOURCE_CONTINUE;
  }
  if (liveness_failing)
    g_message ("systemd watchdog: pinging again");
  liveness_failing = FALSE;
  g_autofree char *status = status_func ? status_func (status_data) : NULL;
  notify_status ("WATCHDOG=1\n", status);
  return G_SOURCE_CONTINUE;
}

void
rc_systemd_ready (const char *status, RcStatusFunc func, gpointer user_data)
{
  status_func = func;
  status_data = user_data;
  notify_status ("READY=1\n", status);
#if HAVE_LIBSYSTEMD
  guint64 usec = 0;
  if (sd_watchdog_enabled (0, &usec) > 0 && usec > 0 && !watchdog_id) {
    /* Ping at half the deadline, as sd_watchdog_enabled(3) recommends. */
    guint interval_ms = MAX (1, (guint) (usec / 2000));
    watchdog_id = g_timeout_add (interval_ms, on_watchdog, NULL);
    g_info ("systemd watchdog: pinging every %u ms", interval_ms);
  }
#endif
}

void
rc_systemd_set_liveness (RcLivenessFunc func, gpointer user_data)
{
  liveness_func = func;
  liveness_data = user_data;
  liveness_failing = FALSE;
}

void
rc_systemd_reloading (void)
{
#if HAVE_LIBSYSTEMD
  /* Type=notify-reload wants MONOTONIC_USEC with RELOADING=1. */
  g_autofree char *state = g_strdup_printf ("RELOADING=1\nMONOTONIC_USEC=%" G_GINT64_FORMAT,
                                            g_get_monotonic_time ());
  notify (state);
#endif
}

void
rc_systemd_reloaded (void)
{
  notify ("READY=1");
}

void
rc_systemd_stopping (const char *status)
{
  notify_status ("STOPPING=1\n", status);
}

void
rc_systemd_shutdown (void)
{
  g_clear_handle_id (&watchdog_id, g_source_remove);
  status_func = NULL;
  status_data = NULL;
  liveness_func = NULL;
  liveness_data = NULL;
}
