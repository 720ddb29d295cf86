/* roomcast tests: waiting on conditions, process counters, loopback-only
 * networking. Shared by the media tests and tools/roomcast-loadgen. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef gboolean (*RcTestCondition) (gpointer data);

/* Runs the thread-default main context until @cond returns TRUE (checked
 * after every iteration) or @timeout_ms pass; returns the last @cond. Never
 * a bare sleep: the loop keeps dispatching while it waits. @timeout_ms is a
 * budget: it is multiplied by rc_test_time_scale(). */
gboolean rc_test_wait_until (guint timeout_ms, RcTestCondition cond, gpointer data);
/* Runs the main context for @ms (to let time pass while watching; not
 * scaled). */
void rc_test_run_for (guint ms);

/* Counts of this process (or of @pid when > 0), read from /proc. */
guint rc_test_count_threads (int pid);
guint rc_test_count_fds (int pid);
/* The open fds of @pid (0: this process) by kind, e.g. "anon_inode:[eventfd]=3
 * file=2 pipe=2 socket=4", for diagnosing a leak. */
char *rc_test_describe_fds (int pid);
/* Resident set size in KiB; CPU time (user + system) in ms. */
guint64 rc_test_rss_kib (int pid);
guint64 rc_test_cpu_ms (int pid);

/* Moves the calling process into a new network namespace holding only an
 * up `lo` (needs root or CAP_SYS_ADMIN; call before any thread starts:
 * threads already running stay outside). FALSE with the reason when that is
 * not possible here; media then relies on add-local-ip-address alone. */
gboolean rc_test_enter_loopback_netns (GError **error);

/* ROOMCAST_TEST_TIME_SCALE (scripts/test --sanitize sets it; at least 1):
 * how much slower than a normal build the code under test may be. Time
 * budgets and lag tolerances are multiplied by it, never the checks of what
 * the result must be. */
guint rc_test_time_scale (void);

G_END_DECLS
