/* roomcast: telling a silent Redis server from a busy main loop.
 *
 * A Redis connection whose server has not answered for too long is dropped
 * (the command deadlines of redis-client.c, the subscriptions' probe of
 * redis-client-subscribe.c). A late answer can be our own doing, though:
 * the main loop was busy elsewhere (a flood of socket.io messages) and has
 * not run the connection's handlers yet, and the timer that checks can run
 * before them in the same main-loop iteration. rc_redis_loop_is_behind() tells the two apart without
 * blocking.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether something (a reply, or the end of the connection) waits to be read
 * on @fd, or, when @output_pending, @fd would take the bytes that wait to be
 * written. Either way the server is not the one stuck. Polls with a zero
 * timeout. */
gboolean rc_redis_loop_is_behind (int fd, gboolean output_pending);

G_END_DECLS
