/* roomcast: dot files of a room's pipeline, written as the room changes.
 *
 * With GST_DEBUG_DUMP_DOT_DIR set in roomcastd's environment (GStreamer
 * reads it once, in gst_init()), every change a room reports asks for a
 * dump: "playing" (the pipeline reached PLAYING), "peer-added",
 * "peer-removed", "route" (a seat taken, left or (un)muted), "error". The
 * requests of one main-loop pass are coalesced: at most one file per room
 * per idle,
 *
 *   $GST_DEBUG_DUMP_DOT_DIR/roomcast-<roomId>-<seq>-<reasons>.dot
 *
 * <seq> counts the room's dumps from 1 (4 digits, so `ls` sorts them),
 * <reasons> are the distinct reasons joined by '+' (e.g.
 * "peer-added+route"), <roomId> is kept to [A-Za-z0-9_.-]. An error is
 * written at once (the room is about to be torn down), and a pending dump
 * is written when the room's pipeline is freed. Where each file goes is
 * logged at debug level. Without the variable, rc_pipeline_dump_new()
 * returns NULL and every other call is a no-op on NULL.
 *
 * Main loop only (the thread-default context of rc_pipeline_dump_new()).
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _RcPipelineDump RcPipelineDump;

/* NULL when GST_DEBUG_DUMP_DOT_DIR is unset or empty. Refs @pipeline. */
RcPipelineDump *rc_pipeline_dump_new (GstElement *pipeline, const char *room_id);
/* Dump on the next idle (coalesced with the other requests until then). */
void rc_pipeline_dump_request (RcPipelineDump *dump, const char *reason);
/* Dump now (with whatever reasons were pending). */
void rc_pipeline_dump_now (RcPipelineDump *dump, const char *reason);
/* Writes a pending dump, then frees. */
void rc_pipeline_dump_free (RcPipelineDump *dump);

G_END_DECLS
