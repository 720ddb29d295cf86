/* roomcast: telling a silent Redis server from a busy main loop; see
 * redis-late.h. */
#include "redis/redis-late.h"

#include <poll.h>

gboolean
rc_redis_loop_is_behind (int fd, gboolean output_pending)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };

  if (fd < 0)
    return FALSE;
  if (output_pending)
    pfd.events |= POLLOUT;
  return poll (&pfd, 1, 0) > 0;
}
