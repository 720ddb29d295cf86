/* roomcast: the systemd service protocol (Type=notify).
 *
 * READY=1 once the port is open, STATUS= with a one-line summary,
 * WATCHDOG=1 from a main-loop timer while a liveness check passes (so a
 * stuck main loop, or a listener that no longer accepts, gets the service
 * restarted), RELOADING=1 around SIGHUP and STOPPING=1 on shutdown. Without
 * NOTIFY_SOCKET (not under systemd) every call does nothing.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef char *(*RcStatusFunc) (gpointer user_data);
/* Called on each watchdog tick; WATCHDOG=1 is sent only when it returns
 * TRUE. On FALSE it sets *@why (a static string) to say what failed. */
typedef gboolean (*RcLivenessFunc) (gpointer user_data, const char **why);

/* Send READY=1 with @status, and start the watchdog timer if the unit has
 * WatchdogSec=; @status_func (nullable) refreshes STATUS= on each tick. */
void rc_systemd_ready (const char *status, RcStatusFunc status_func, gpointer user_data);
/* Make the watchdog ping depend on @func (nullable: on nothing but the
 * main loop running). */
void rc_systemd_set_liveness (RcLivenessFunc func, gpointer user_data);
void rc_systemd_reloading (void);
void rc_systemd_reloaded (void);
void rc_systemd_stopping (const char *status);
/* Stop the watchdog timer. */
void rc_systemd_shutdown (void);

G_END_DECLS
