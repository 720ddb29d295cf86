/* roomcast: raising RLIMIT_NOFILE; see fd-limit.h. */
#include "daemon/fd-limit.h"

#include <errno.h>
#include <sys/resource.h>

guint
rc_fd_limit_raise (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0) {
    g_warning ("cannot read the file-descriptor limit: %s", g_strerror (errno));
    return 0;
  }
  if (rl.rlim_cur < rl.rlim_max) {
    rlim_t was = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit (RLIMIT_NOFILE, &rl) != 0) {
      g_warning ("cannot raise the file-descriptor limit from %lu to %lu: %s",
                 (unsigned long) was, (unsigned long) rl.rlim_max, g_strerror (errno));
      rl.rlim_cur = was;
    }
  }
  return rl.rlim_cur == RLIM_INFINITY ? G_MAXUINT : (guint) MIN (rl.rlim_cur, G_MAXUINT - 1);
}
