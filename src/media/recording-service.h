/* roomcast: recording rooms to files (RECORD_DIR, --record DIR).
 *
 * With a recordings directory, every room is recorded from the moment its
 * media pipeline exists (the first media:connect) until it closes: the full
 * mix, as every listener hears it, to DIR/<roomId>-<YYYYMMDDTHHMMSSZ>.ogg
 * (Ogg/Opus, the room's own encoded stream, no extra encoder; see
 * room-recorder.h), and beside it DIR/<same name>.json (participants and
 * seat changes with times, see recording-sidecar.h).
 *
 * `room:record {on: bool}` (host or admin) stops or restarts the recording
 * of the caller's room; each restart opens a new file. Without a directory
 * it fails with `recording_disabled`. `room:recording {on, file, reason?}`
 * goes to the room when a recording starts and when its file is complete;
 * reason (with on: false) is "stopped" (by the host), "disk_full" or
 * "error". A write failure stops that recording only, with a log line; the
 * room goes on.
 *
 * The media service calls in when a room's pipeline starts and before it
 * is freed; files are finished in the background (end of stream through
 * the muxer) and the SIGTERM drain waits for them
 * (rc_recording_service_get_n_finishing()).
 *
 * Metrics: roomcast_recordings_active, roomcast_recordings_finishing
 * (gauges), roomcast_recordings_started_total and
 * roomcast_recording_failures_total (counters).
 */
#pragma once

#include "config.h"
#include "media/room-media.h"
#include "services/room-service.h"
#include "sio/sio-server.h"

G_BEGIN_DECLS

#define RC_TYPE_RECORDING_SERVICE (rc_recording_service_get_type ())
G_DECLARE_FINAL_TYPE (RcRecordingService, rc_recording_service, RC, RECORDING_SERVICE, GObject)

/* Creates @dir (and its parents) if missing and checks that a file can be
 * created in it: a startup configuration check. */
gboolean rc_recording_check_dir (const char *dir, GError **error);

/* Registers room:record. Records only if config->record_dir is set. */
RcRecordingService *rc_recording_service_new (RcSioServer *sio, RcRoomService *rooms,
                                              const RcConfig *config);
/* @media (transfer none) now exists for @room_id: recording starts unless
 * the host turned it off. */
void rc_recording_service_media_started (RcRecordingService *self, const char *room_id,
                                         RcRoomMedia *media);
/* @room_id's pipeline is about to be freed: its recording detaches now and
 * its file is finished in the background. */
void rc_recording_service_media_ending (RcRecordingService *self, const char *room_id);
/* Recordings detached whose file is still being finished. */
guint rc_recording_service_get_n_finishing (RcRecordingService *self);

G_END_DECLS
