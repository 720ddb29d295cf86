/* roomcast: the process's file-descriptor limit.
 *
 * Every client connection, media peer (several UDP sockets and wakeup
 * fds), Redis and Laravel connection and recording takes descriptors from
 * one RLIMIT_NOFILE. roomcastd uses poll(), never select(), so it raises
 * its soft limit to the hard one at start-up, as systemd.exec(5) advises
 * (the unit's LimitNOFILE= sets both). The HTTP listener keeps a reserve
 * below the limit (http-listener.h).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Raise the soft limit to the hard one; returns the soft limit in force
 * afterwards (G_MAXUINT when unlimited). */
guint rc_fd_limit_raise (void);

G_END_DECLS
