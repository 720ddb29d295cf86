/* roomcast: what room-service.c (event handlers, construction) and
 * room-service-effects.c (effects → frames, store writes, the grace timer)
 * share. */
#pragma once

#include "services/room-service.h"
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
  RcRateGate *rate_gate; /* chat:send and typing budgets */
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

G_END_DECLS
