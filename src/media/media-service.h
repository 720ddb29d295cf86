/* roomcast: media for rooms on the wire.
 *
 * Registers media:connect, media:answer, media:ice and media:disconnect on
 * the RcSioServer. media:connect is accepted only from a socket bound to a
 * room (room:join first, else not_in_room); it creates the room's pipeline
 * (RcRoomMedia) on the first connect, a peer for the user, and an
 * RcMediaSession that answers with the offer. The service then follows the
 * room (RcRoomService "room-changed"): seat taken or left, seat or mic
 * muted, participant gone, room closed. Each change re-routes the room's
 * peers from the registry's current state, so no change can be missed.
 *
 * Peers are removed on the main loop in any state: media:disconnect, the
 * socket gone, the session ended (media:failed sent: timeout, ICE/DTLS
 * failure, an error inside the peer), the user out of the room. An error on
 * the room pipeline's bus (not a peer's: peers keep theirs) closes that room
 * only (room:closed reason "media_error").
 *
 * `speaking {userId, seat, speaking, level}` goes to the room from the
 * mixer's levels (see room-media-bus.c for the hysteresis).
 *
 * Metrics: roomcast_media_rooms, roomcast_media_peers,
 * roomcast_media_speakers, roomcast_media_encoders (gauges; per room with a
 * room label), roomcast_media_packets_{in,out}_total, and
 * roomcast_media_peers_removed_total{reason}.
 */
#pragma once

#include "config.h"
#include "core/health.h"
#include "media/recording-service.h"
#include "media/room-media.h"
#include "services/room-service.h"
#include "sio/sio-server.h"

G_BEGIN_DECLS

#define RC_TYPE_MEDIA_SERVICE (rc_media_service_get_type ())
G_DECLARE_FINAL_TYPE (RcMediaService, rc_media_service, RC, MEDIA_SERVICE, GObject)

/* @config must outlive the service. Needs gst_init(). */
RcMediaService *rc_media_service_new (RcSioServer *sio, RcRoomService *rooms,
                                      const RcConfig *config);
/* Add "mediaRooms" and "mediaPeers" to /health. */
void rc_media_service_add_health (RcMediaService *self, RcHealth *health);
/* The room recordings (always there; they record only with RECORD_DIR).
 * Transfer none. */
RcRecordingService *rc_media_service_get_recordings (RcMediaService *self);
/* Close every room pipeline (the daemon stops). */
void rc_media_service_shutdown (RcMediaService *self);

/* @room_id's pipeline (transfer none; valid until the main loop runs
 * again), or NULL without one: for diagnosis (media-debug.h). */
RcRoomMedia *rc_media_service_get_room_media (RcMediaService *self, const char *room_id);

/* Media peers (sockets with a media session) on this node. */
guint rc_media_service_get_n_peers (RcMediaService *self);

G_END_DECLS
