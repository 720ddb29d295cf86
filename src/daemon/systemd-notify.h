/* roomcast: the systemd service protocol (Type=notify).
 *
 * READY=1 once the port is open, STATUS= with a one-line summary,
 * WATCHDOG=1 from a main-loop timer (so a stuck main loop gets the service
 * restarted), RELOADING=1 around SIGHUP and STOPPING=1 on shutdown. Without
 * NOTIFY_SOCKET (not under systemd) every call does nothing.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef char *(*RcStatusFunc) (gpointer user_data);

/* Send READY=1 with @status, and start the watchdog timer if the unit has
 * WatchdogSec=; @status_func (nullable) refreshes STATUS= on each tick. */
void rc_systemd_ready (const char *status, RcStatusFunc status_func, gpointer user_data);
void rc_systemd_status (const char *status);
void rc_systemd_reloading (void);
void rc_systemd_reloaded (void);
void rc_systemd_stopping (const char *status);
/* Stop the watchdog timer. */
void rc_systemd_shutdown (void);

G_END_DECLS
