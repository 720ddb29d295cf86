/* roomcast: the JSON file beside a recording: who was in the room and on
 * which seat, when.
 *
 *   {"roomId", "file": "<name>.ogg", "started": "2026-11-21T15:50:00.123Z",
 *    "ended": null | "...Z", "durationS": null | seconds,
 *    "status": "recording" | "finishing" | "complete" | "disk_full" | "error",
 *    "participants": [{"userId", "name"}],   (everyone seen, first seen first)
 *    "events": [{"t": seconds from the start, "type", "userId", "seat"?}]}
 *
 * Event types: join, leave, seat (took seat n), unseat (left seat n),
 * mute, unmute (the seat or the mic of a seated user). The first update
 * lists who is already there as join/seat at t = 0. Events come from
 * comparing the room's registry state with the previous one, so every
 * change is seen whatever operation made it.
 *
 * A room that churns for hours must not make the file (rewritten on the
 * main loop) grow without bound: past RC_RECORDING_SIDECAR_MAX_EVENTS events
 * or RC_RECORDING_SIDECAR_MAX_PARTICIPANTS participants the rest are
 * counted, not listed: "eventsDropped" (events not listed) and
 * "participantsDropped" (joins of participants not listed), present only
 * when not 0.
 *
 * The file is replaced atomically (temporary file + rename) at the start,
 * at most once per second while events come, and at the end: a reader
 * never sees half a file. "status" says whether the .ogg is final:
 * "complete" once its end of stream is on disk; "disk_full" or "error" when
 * writing failed (what was written before stays readable).
 */
#pragma once

#include <glib.h>

#include "rooms/room.h"

G_BEGIN_DECLS

#define RC_RECORDING_SIDECAR_MAX_EVENTS 10000
#define RC_RECORDING_SIDECAR_MAX_PARTICIPANTS 2000

typedef struct _RcRecordingSidecar RcRecordingSidecar;

/* @started_us: g_get_monotonic_time() when the recording started; @audio_file
 * is the recording's base name. Nothing is written yet. */
RcRecordingSidecar *rc_recording_sidecar_new (const char *path, const char *room_id,
                                              const char *audio_file, gint64 started_us);
void rc_recording_sidecar_free (RcRecordingSidecar *sidecar);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcRecordingSidecar, rc_recording_sidecar_free)

/* Records what changed since the last update; @room NULL or closed: everyone
 * left. Returns TRUE if events were added. */
gboolean rc_recording_sidecar_update (RcRecordingSidecar *sidecar, const RcRoom *room,
                                      gint64 now_us);
/* Marks the end (the file's duration is @now_us - started). */
void rc_recording_sidecar_end (RcRecordingSidecar *sidecar, gint64 now_us);
/* "recording" until set (a static string). */
void rc_recording_sidecar_set_status (RcRecordingSidecar *sidecar, const char *status);
/* Writes the file now. */
gboolean rc_recording_sidecar_write (RcRecordingSidecar *sidecar, GError **error);

G_END_DECLS
