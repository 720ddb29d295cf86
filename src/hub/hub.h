/* roomcast: the realtime hub, Laravel broadcasting on roomcast's port.
 *
 * Channels (public, private-, presence-) with their subscribers from every
 * protocol: Pusher protocol v7 WebSockets at /app/{key} (pusher-js, Laravel
 * Echo with broadcaster 'pusher' or 'reverb') and Socket.IO. Events
 * come from clients (client-*), from Laravel's Redis broadcaster and from
 * the Pusher HTTP API; each is encoded once and sent to every subscriber,
 * except the connection whose socket id Laravel named (toOthers()).
 *
 * Main loop only. Off (never created) unless a Pusher app (PUSHER_APP_ID,
 * PUSHER_APP_KEY and PUSHER_APP_SECRET, all three), BROADCAST_API_KEY or
 * BROADCAST_AUTH_URL is set. The Pusher endpoints (/app/{key}, /apps/{id})
 * and webhooks need the Pusher app; /api/broadcast needs only its key, and
 * the Socket.IO side and the Redis broadcaster need neither.
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "config.h"
#include "core/health.h"

G_BEGIN_DECLS

/* Seconds of silence after which the server pings a Pusher client; the
 * client is closed (4201) if it does not answer within RC_HUB_PONG_TIMEOUT_S. */
#define RC_HUB_ACTIVITY_TIMEOUT_S 120
#define RC_HUB_PONG_TIMEOUT_S 30
/* Client events per connection and second (4301 beyond). */
#define RC_HUB_CLIENT_EVENTS_PER_S 10
/* Largest message a client may send, and largest event data (10 KB, as Pusher). */
#define RC_HUB_MAX_MESSAGE 65536
#define RC_HUB_MAX_EVENT_DATA 10240
/* The hub's connections (Pusher WebSockets) are capped at
 * HUB_MAX_CONNECTIONS, and never above half the process's descriptors. */

/* Only hub-sio.c and hub-rooms.c need these in full. */
typedef struct _RcSioServer RcSioServer;
typedef struct _RcRoomService RcRoomService;

#define RC_TYPE_HUB (rc_hub_get_type ())
G_DECLARE_FINAL_TYPE (RcHub, rc_hub, RC, HUB, GObject)

/* NULL when the hub is off (no Pusher app, BROADCAST_API_KEY nor
 * BROADCAST_AUTH_URL). */
RcHub *rc_hub_new (const RcConfig *config);
/* Registers, with a Pusher app, /app/{key} (WebSocket) and the Pusher HTTP
 * API /apps/{id}/...; and always POST /api/broadcast, GET /api/users/online
 * and GET /api/users/{id}/online-status (X-WebSocket-API-Key). */
void rc_hub_attach (RcHub *self, SoupServer *soup);
void rc_hub_add_health (RcHub *self, RcHealth *health);

/* Deliver @event with @data (any JSON; nullable = {}) on @channel to every
 * subscriber except the connection with socket id @except (nullable), on
 * every node of the cluster (rc_hub_start_cluster).
 * @source labels the metrics ("redis", "api", "client", ...). Returns the
 * number of this node's connections it was sent to. */
guint rc_hub_publish (RcHub *self, const char *channel, const char *event, JsonNode *data,
                      const char *except, const char *source);

/* Subscribe to Laravel's Redis broadcaster (REDIS_HOST, BROADCAST_REDIS_DB,
 * BROADCAST_REDIS_PREFIX); nothing without REDIS_HOST. @health (nullable)
 * gets a "broadcast_redis" member. */
void rc_hub_start_redis (RcHub *self, RcHealth *health);
/* Deliver one broadcaster payload published on @redis_channel (tests). */
guint rc_hub_broadcast_deliver (RcHub *self, const char *prefix, const char *redis_channel,
                                const char *payload, gsize len);

/* Several nodes on one Redis: what is published on this node reaches the
 * other nodes' connections (hub-cluster.c). @redis is the daemon's command
 * connection (kept); @health (nullable) gets a "hub_cluster" member. */
typedef struct _RcRedisClient RcRedisClient;
void rc_hub_start_cluster (RcHub *self, RcRedisClient *redis, RcHealth *health);

/* Socket.IO clients on the same channels ("subscribe", "unsubscribe",
 * "client event"; private/presence authorised by BROADCAST_AUTH_URL); with
 * it, events for a user (/api/broadcast to:user, #server-to-user-{id}) reach
 * every Socket.IO connection of that user and /api/users/online counts them. */
void rc_hub_attach_sio (RcHub *self, RcSioServer *sio);

/* Each audio room is also the presence channel presence-room.{roomId}: its
 * connected participants are members (user_info {id, name, avatarUrl, role,
 * seat}) whether or not they subscribed, and events published on the
 * channel reach the room's own connections as well. @rooms is not kept
 * alive (the hub lets go of it when it is finalized). */
void rc_hub_attach_rooms (RcHub *self, RcRoomService *rooms);

/* The drain has begun: a new Pusher connection is closed with 4200 at once
 * (pusher-js then reconnects, elsewhere behind a load balancer); open ones
 * keep receiving until rc_hub_shutdown(). */
void rc_hub_stop_accepting (RcHub *self);
/* Close every connection with 4200 (server shutting down, reconnect). */
void rc_hub_shutdown (RcHub *self);

guint rc_hub_get_n_connections (RcHub *self);
guint rc_hub_get_max_connections (RcHub *self);

G_END_DECLS
