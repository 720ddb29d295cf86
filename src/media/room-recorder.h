/* roomcast: one recording of one room's full mix to an Ogg/Opus file.
 *
 * No extra encoder: the room's shared full-mix Opus stream (the tee every
 * listener is fed from) is copied into the file as it is.
 *
 *   room pipeline:      … opusenc ─▶ clocksync ─▶ tee ─▶ appsink (this recording)
 *   its own pipeline:   appsrc (leaky, ≤ 2 s) ─▶ oggmux ─▶ filesink (unbuffered)
 *
 * The file is written by a pipeline of its own, not by a branch of the
 * room's: a tee returns any flow error of one branch (a full disk makes
 * filesink return ERROR) to the encoder that feeds every listener, which
 * would stop the whole room. The appsink always returns OK, and the file's
 * pipeline has its own bus, so its errors are the recording's only.
 *
 * Timestamps: the file starts at 0. Each buffer's running time in the room
 * pipeline minus the first one's becomes its PTS, so the file's duration is
 * the wall-clock time it covers whatever the room pipeline's age: from the
 * first packet the tee hands it (a new room's mixer outputs its first one
 * after its latency, ~0.15 s) to the last one before rc_room_recorder_stop()
 * (audio still in the jitterbuffers and the mixer then is not in the file). oggmux
 * flushes a page at least every 500 ms and filesink writes it at once: the
 * file is readable (up to the last half second) while it is written.
 *
 * Everything but the appsink callback runs on the main loop.
 */
#pragma once

#include <gst/gst.h>

#include "media/room-media.h"

G_BEGIN_DECLS

typedef struct _RcRoomRecorder RcRoomRecorder;

/* On the main loop, once: the file is complete (@error NULL: the end of
 * stream was written), or the recording failed or timed out finishing
 * (@error; GST_RESOURCE_ERROR_NO_SPACE_LEFT for a full disk). What was
 * written before stays a readable file. The recorder may be freed here. */
typedef void (*RcRoomRecorderDoneFunc) (RcRoomRecorder *recorder, const GError *error,
                                        gpointer user_data);

/* Starts recording @media's full mix into @path (created or truncated).
 * Fails if the file cannot be opened. */
RcRoomRecorder *rc_room_recorder_start (RcRoomMedia *media, const char *path,
                                        RcRoomRecorderDoneFunc done, gpointer user_data,
                                        GError **error);
/* Detaches from the room at once (the room may be freed right after) and
 * finishes the file in the background: end of stream through the muxer,
 * then done(), within RC_ROOM_RECORDER_FINISH_MS. Idempotent. */
void rc_room_recorder_stop (RcRoomRecorder *recorder);
/* Stops at once if still running and frees; done() is not called. If the
 * file was still being finished, waits for that (bounded) first: for the
 * process's exit. */
void rc_room_recorder_free (RcRoomRecorder *recorder);

#define RC_ROOM_RECORDER_FINISH_MS 3000

G_END_DECLS
