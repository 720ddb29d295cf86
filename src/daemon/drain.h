/* roomcast: the graceful drain on SIGTERM/SIGINT.
 *
 * Steps, each logged with counts and durations (ROOMCAST_EVENT=drain,
 * ROOMCAST_STEP=...):
 *   1. accept    new Socket.IO connections are refused (503 shutting_down),
 *                new Pusher ones closed with 4200 (reconnect);
 *   2. notify    every client gets server:shutdown {reason, reconnectInMs}
 *                so it can reconnect elsewhere;
 *   3. rooms     media stopped, every room closed (room:closed
 *                "server_shutdown"; the closes go to the store and Laravel);
 *   4. clients   everyone disconnected (waits up to 2 s for them to go);
 *   5. gifts     the gift batcher keeps sending until the queue is empty,
 *                then stops (what is left stays durable in Redis);
 *   6. status    the rooms' closed status has reached Laravel;
 *   7. recordings every room recording's file has its end of stream written
 *                (each also bounded by RC_ROOM_RECORDER_FINISH_MS);
 * then the main loop quits. Steps 4-7 wait together, all bounded by
 * SHUTDOWN_TIMEOUT_MS from the signal. A second signal quits at once.
 */
#pragma once

#include "config.h"
#include "cluster/node-registry.h"
#include "gifts/gift-service.h"
#include "hub/hub.h"
#include "services/room-status.h"
#include "media/media-service.h"
#include "services/room-service.h"
#include "sio/sio-server.h"

G_BEGIN_DECLS

/* What clients are told to wait before reconnecting (server:shutdown). */
#define RC_DRAIN_RECONNECT_IN_MS 2000

typedef struct {
  GMainLoop *loop;
  const RcConfig *config;
  RcSioServer *sio;
  RcRoomService *rooms;
  RcMediaService *media;             /* nullable */
  RcGiftService *gifts;              /* nullable */
  RcRoomStatusReporter *room_status; /* nullable */
  RcHub *hub;                        /* nullable */
  RcNodeRegistry *nodes;             /* nullable: leaves the cluster */
} RcDrainTargets;

typedef struct _RcDrain RcDrain;

/* Nothing happens until rc_drain_signal(). @targets is copied; the objects
 * must outlive the drain. */
RcDrain *rc_drain_new (const RcDrainTargets *targets);
void rc_drain_free (RcDrain *drain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcDrain, rc_drain_free)
/* A stop signal: the first starts the drain, the next quits the loop. */
void rc_drain_signal (RcDrain *drain);

G_END_DECLS
