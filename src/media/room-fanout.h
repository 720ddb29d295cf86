/* roomcast: a room's shared full mix handed to its peers by several
 * threads.
 *
 * A tee pushes each buffer to its pads one after the other in the thread
 * that pushed it; for a room's shared mix that thread (the encoder's) would
 * send every listener's packet in turn. Past a group's worth of peers, each
 * further group gets its own thread behind a leaky queue:
 *
 *   opusenc ─▶ clocksync ─▶ tee ─┬─▶ peers 1…G        (group 0: the encoder's thread)
 *                                ├─▶ queue ─▶ tee ─▶ peers of group 1
 *                                └─▶ queue ─▶ tee ─▶ peers of group 2 …
 *
 * A new peer goes to the least-loaded group with room; a group is added
 * when all are full and removed when its last peer goes (group 0 stays).
 * Peers never move between groups (a move would cost them a packet). The
 * queues are leaky (downstream, 200 ms): a group whose thread falls behind
 * loses its own packets, never the encoder's or another group's time.
 * Group 0's peers and the feeds of the other groups share the encoder's
 * tee, which serves its pads in the order they were requested: a group
 * gets its buffer after the group-0 peers that came before its feed (the
 * peers' sink pads never block, so that is a delay, not a stall).
 *
 * Main loop only.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _RcRoomFanout RcRoomFanout;

/* @tee (a tee with allow-not-linked=true, in @pipeline) is group 0;
 * @group_size >= 1 peers per group. */
RcRoomFanout *rc_room_fanout_new (GstBin *pipeline, GstElement *tee, guint group_size,
                                  const char *room_id);
/* Releases the groups' pads and elements; the peers must be gone. */
void rc_room_fanout_free (RcRoomFanout *fanout);

/* A new tee src pad for one more peer (transfer full); link it. NULL
 * (RC_MEDIA_ERROR) when no pad can be had: a new group's elements cannot
 * be made, started or linked. */
GstPad *rc_room_fanout_request_pad (RcRoomFanout *fanout, GError **error);
/* Gives back a pad of rc_room_fanout_request_pad(), once whatever it fed is
 * unlinked from it (the tee sees not-linked, which it allows). */
void rc_room_fanout_release_pad (RcRoomFanout *fanout, GstPad *pad);

/* Groups now (at least 1), and how often their queues overflowed so far
 * (a group thread that fell behind; each time at least one packet was
 * dropped). */
guint rc_room_fanout_get_n_groups (RcRoomFanout *fanout);
guint64 rc_room_fanout_get_dropped (RcRoomFanout *fanout);

G_END_DECLS
