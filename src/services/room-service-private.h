/* roomcast: what room-service.c (event handlers, construction) and
 * room-service-effects.c (effects → frames, store writes, the grace timer)
 * share. */
#pragma once

#include "cluster/room-claims.h"
#include "services/room-service.h"
#include "services/room-opener.h"
#include "rooms/room-effects.h"
#include "rooms/room-registry.h"

G_BEGIN_DECLS

/* The socket through which a user takes part in a room. */
typedef struct {
  RcSioSocket *socket; /* ref */
  char *room_id;
} Binding;

struct _RcRoomService {
  GObject parent_instance;
  RcSioServer *sio;
  RcStore *store;
  const RcConfig *config;
  RcRoomRegistry *registry;
  RcEffects *effects;
  GHashTable *bindings;      /* user id -> Binding* */
  GHashTable *pending_saves; /* room id -> JsonNode* (PERSIST payload) */
  GPtrArray *handlers;       /* EventHandler* */
  GCancellable *cancellable;
  RcRateGate *rate_gate; /* chat:send, typing and room creation budgets */
  RcRoomOpener *opener;  /* ROOM_OWNERSHIP=laravel: asks Laravel; nullable */
  GHashTable *openings;  /* room id -> Opening*: joins waiting for an owner lookup */
  gboolean warned_no_owner;
  RcRoomClaims *claims; /* several nodes on one Redis: which node runs a room; nullable */
  gulong heartbeat_id;
  gulong lost_id;
  gulong taken_over_id;
  guint flush_source;
  guint timer_source;
  gint64 timer_deadline;
  gulong disconnected_id;
};

enum { SIGNAL_ROOM_STATE_CHANGED, SIGNAL_ROOM_CHANGED, SIGNAL_SOCKET_JOINED, N_SIGNALS };
extern guint rc_room_service_signals[N_SIGNALS];

/* Wall-clock milliseconds: the room logic's time. */
gint64 rc_room_service_now_ms (void);
/* Turn the effects the last operation produced into frames, store writes,
 * binding changes and signals, in order, then re-arm the grace timer. */
void rc_room_service_apply_effects (RcRoomService *self);
/* Write the coalesced room states now (shutdown). */
gboolean rc_room_service_flush_saves (gpointer self);

/* Acknowledge a refused event with @error (and @fields, nullable), counted
 * in roomcast_room_errors_total (room-service.c). */
void rc_room_service_refuse (RcSioAck *ack, const GError *error, JsonObject *fields);
/* Admit @socket's user to @room_id, creating it with @owner (nullable) if
 * it is not open (room-service.c). */
void rc_room_service_finish_join (RcRoomService *self, RcSioSocket *socket, RcSioAck *ack,
                                  const char *room_id, const char *owner);
/* room:join of a room that is not open: the creation checks, budget and
 * owner lookup of room-service-open.c, then rc_room_service_finish_join(). */
void rc_room_service_open_and_join (RcRoomService *self, RcSioSocket *socket, RcSioAck *ack,
                                    const char *room_id);
/* room:join of a room that is not open here, with room claims: ask Redis
 * where it runs; here: rc_room_service_open_and_join(), elsewhere: the ack
 * says room_elsewhere {url, nodeId} (room-service-cluster.c). */
void rc_room_service_place_and_join (RcRoomService *self, RcSioSocket *socket, RcSioAck *ack,
                                     const char *room_id);
/* After a room's state was written: with room claims, what another node
 * would open it again from (its PERSIST payload's "restore"), or, once it
 * is CLOSED, its claim released. */
void rc_room_service_publish_room (RcRoomService *self, const char *room_id,
                                   JsonObject *persist);
/* Frees an Opening (the openings table's value free function). */
void rc_room_service_opening_free (gpointer opening);

G_END_DECLS
