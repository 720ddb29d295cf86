/* roomcast: the hub's internals shared by its protocol front-ends. */
#pragma once

#include "hub/hub.h"
#include "hub/hub-auth.h"
#include "auth/auth-provider.h"

/* Only hub-sio.c needs the Socket.IO side in full. */
typedef struct _RcSioSocket RcSioSocket;

G_BEGIN_DECLS

typedef struct _RcHubClient RcHubClient;

/* The hub's parts, each private to its file. */
typedef struct _RcHubWebhook RcHubWebhook;     /* hub-webhook.c */
typedef struct _RcHubBroadcast RcHubBroadcast; /* hub-broadcast.c */
typedef struct _RcHubRooms RcHubRooms;         /* hub-rooms.c */
typedef struct _RcHubSio RcHubSio;             /* hub-sio.c */
typedef struct _RcHubPusher RcHubPusher;       /* hub-pusher.c */
typedef struct _RcHubUsers RcHubUsers;         /* hub-users.c */
typedef struct _RcHubCluster RcHubCluster;     /* hub-cluster*.c */

/* Users whose last-seen time is kept (the oldest are forgotten first). */
#define RC_HUB_LAST_SEEN_MAX 100000

struct _RcHub {
  GObject parent_instance;
  const RcConfig *config;
  GHashTable *clients;   /* socket id -> RcHubClient (not owned) */
  GHashTable *channels;  /* name -> channel (opaque, hub.c) */
  guint max_connections; /* HUB_MAX_CONNECTIONS, at most half the descriptors */
  /* Each part is set by its own start or attach function and NULL while
   * it is off; rc_hub_teardown (hub.c) frees them in the order it states. */
  RcHubWebhook *webhook;
  RcHubBroadcast *broadcast;
  RcHubRooms *rooms;
  RcHubSio *sio;
  RcHubPusher *pusher;
  RcHubUsers *users;
  RcHubCluster *cluster; /* NULL: one node (no Redis) */
  gboolean stopping;     /* rc_hub_stop_accepting: the drain has begun */
};

void rc_hub_webhook_free (RcHubWebhook *webhook);
void rc_hub_broadcast_free (RcHubBroadcast *broadcast);
void rc_hub_rooms_free (RcHubRooms *rooms);
void rc_hub_sio_free (RcHubSio *sio);
void rc_hub_pusher_free (RcHubPusher *pusher);
void rc_hub_users_free (RcHubUsers *users);
void rc_hub_cluster_free (RcHubCluster *cluster);

/* Send one event to one client. @pusher_frame is the event already encoded
 * as a Pusher message (shared by every Pusher client of a fan-out). */
typedef void (*RcHubSendFunc) (RcHubClient *client, const char *channel, const char *event,
                               JsonNode *data, const char *pusher_frame);

struct _RcHubClient {
  RcHub *hub;
  char *socket_id;      /* "<int>.<int>" */
  const char *protocol; /* "pusher" | "socketio" (metrics label) */
  GHashTable *channels; /* name -> presence user id, or "" */
  char *user_id;        /* signed in (pusher:signin) as; nullable */
  RcHubSendFunc send;
  /* Joined presence @channel: the members, {"presence":{ids,hash,count}}
   * (send subscription_succeeded). Called from rc_hub_join with one node, on
   * Redis's answer in a cluster (not at all if the client left first).
   * @presence NULL: refused, the channel has PRESENCE_MAX_MEMBERS across the
   * cluster (answer so; the hub takes the client off the channel after).
   * Nullable. */
  void (*presence_joined) (RcHubClient *client, const char *channel, JsonNode *presence);
  /* End the connection (terminate_connections). */
  void (*close) (RcHubClient *client, int code, const char *reason);
  gpointer impl;
  /* Client events in the current second (RC_HUB_CLIENT_EVENTS_PER_S). */
  gint64 rate_window_us;
  guint rate_count;
};

/* Count one client event of @client against RC_HUB_CLIENT_EVENTS_PER_S;
 * FALSE (and the rejection counted in the metrics) when over the limit:
 * the caller answers in its protocol (Pusher 4301, Socket.IO 429). */
gboolean rc_hub_client_take_event (RcHubClient *client);
/* A user id from outside (presence channel_data, API bodies): a non-empty
 * string of at most 128 bytes, or an integer written as one; else NULL. */
char *rc_hub_user_id_from_node (JsonNode *node);

/* Give @client a fresh socket id and put it in the table. */
void rc_hub_client_register (RcHub *hub, RcHubClient *client);
/* Leave every channel (member_removed where it was the last connection)
 * and forget the client. */
void rc_hub_client_unregister (RcHub *hub, RcHubClient *client);

/* Join @channel (already authorised). For presence, @user_id and
 * @user_info (nullable) describe the member; member_added goes to the others
 * on the user's first connection. FALSE if already subscribed. */
gboolean rc_hub_join (RcHub *hub, RcHubClient *client, const char *channel, const char *user_id,
                      JsonNode *user_info);
void rc_hub_leave (RcHub *hub, RcHubClient *client, const char *channel);
/* Relay a client event from @client to the others on @channel (@user_id:
 * the sender's presence id, nullable). Returns the number of receivers. */
guint rc_hub_client_event (RcHub *hub, RcHubClient *client, const char *channel,
                           const char *event, JsonNode *data, const char *user_id);
/* rc_hub_client_event's delivery to this node's connections only: every
 * subscriber of @channel but the one with socket id @except (the sender, on
 * another node). */
guint rc_hub_client_event_local (RcHub *hub, const char *channel, const char *event,
                                 JsonNode *data, const char *except, const char *user_id);
/* rc_hub_publish's delivery to this node's connections only (what
 * Laravel's Redis broadcaster and the other nodes' events get). */
guint rc_hub_deliver (RcHub *hub, const char *channel, const char *event, JsonNode *data,
                      const char *except, const char *source);
/* rc_hub_terminate_user on this node's connections only. */
guint rc_hub_terminate_user_local (RcHub *hub, const char *user_id);

/* The cluster (hub-cluster.c): tell the other nodes (nothing without
 * Redis). @kind: "publish" (@channel, @event, @data, except @except),
 * "client" (the same, from presence member @user_id), "terminate"
 * (@user_id). */
void rc_hub_cluster_send (RcHub *hub, const char *kind, const char *channel, const char *event,
                          JsonNode *data, const char *except, const char *user_id);
/* Presence in a cluster (hub-cluster-presence.c): every subscription and
 * every presence connection is counted per node in Redis; a channel is
 * occupied / vacated, a member added / removed, on the cluster's count. */
void rc_hub_cluster_subscribed (RcHub *hub, const char *channel, int delta);
/* A connection (@socket_id; NULL: the audio room) of @user_id joined
 * presence @channel: the joiner gets the cluster's members
 * (rc_hub_presence_joined), the others member_added if the user is new to
 * the channel anywhere. @override: @info replaces the stored user_info.
 * A connection (not the room) of a new member is refused when the channel
 * has PRESENCE_MAX_MEMBERS members across the cluster. */
void rc_hub_cluster_member_join (RcHub *hub, const char *socket_id, const char *channel,
                                 const char *user_id, JsonNode *info, gboolean override);
void rc_hub_cluster_member_info (RcHub *hub, const char *channel, const char *user_id,
                                 JsonNode *info);
void rc_hub_cluster_member_leave (RcHub *hub, const char *channel, const char *user_id);
/* A user's first Socket.IO connection on this node came (@online) or its
 * last went: /api/users/online counts them cluster-wide. */
void rc_hub_cluster_sio_user (RcHub *hub, const char *user_id, gboolean online);
/* Hand @presence to the connection @socket_id if it is still on @channel;
 * NULL: refused (full), and it leaves @channel. */
void rc_hub_presence_joined (RcHub *hub, const char *socket_id, const char *channel,
                             JsonNode *presence);
/* member_added / member_removed decided elsewhere: to this node's
 * subscribers of @channel but @except (nullable). */
void rc_hub_member_event_local (RcHub *hub, const char *channel, gboolean added,
                                const char *user_id, JsonNode *info, const char *except);

/* One channel as the Pusher HTTP API reports it. */
typedef struct {
  char *name;
  guint subscriptions;
  guint users; /* presence members */
} RcHubChannelCount;
void rc_hub_channel_count_free (gpointer count);
/* @hub is NULL when the hub went away meanwhile (free @data only); @counts
 * (RcHubChannelCount*) / @ids is NULL when Redis did not answer. */
typedef void (*RcHubCountsFunc) (RcHub *hub, GPtrArray *counts, gpointer data);
typedef void (*RcHubIdsFunc) (RcHub *hub, GPtrArray *ids, gpointer data);
/* The cluster's occupied channels (or only @only, nullable) with their
 * counts summed over the nodes, later to @func. FALSE (nothing called)
 * without a cluster: ask this node. */
gboolean rc_hub_cluster_channels (RcHub *hub, const char *only, RcHubCountsFunc func,
                                  gpointer data);
/* The members of presence @channel, or (NULL) of every presence channel,
 * across the cluster (unsorted, may repeat); FALSE without a cluster. */
gboolean rc_hub_cluster_users (RcHub *hub, const char *channel, RcHubIdsFunc func,
                               gpointer data);
/* Every channel of this node with its subscriber count, and every presence
 * member with its connections here (the audio room counts one) and
 * user_info (nullable): what the cluster's resync writes. */
typedef void (*RcHubLocalChannelFunc) (const char *channel, guint subscriptions, gpointer data);
typedef void (*RcHubLocalMemberFunc) (const char *channel, const char *user_id,
                                      guint connections, JsonNode *info, gpointer data);
void rc_hub_foreach_local (RcHub *hub, RcHubLocalChannelFunc channel_func,
                           RcHubLocalMemberFunc member_func, gpointer data);

/* This node's id in the cluster; NULL without Redis. */
const char *rc_hub_cluster_node (RcHub *hub);

/* {"presence":{"ids":[…],"hash":{id:info},"count":n}} of a presence channel. */
JsonNode *rc_hub_presence_data (RcHub *hub, const char *channel);
guint rc_hub_presence_count (RcHub *hub, const char *channel);
/* FALSE when @user_id would be a new member of @channel and it already has
 * PRESENCE_MAX_MEMBERS (the cap of Pusher and Socket.IO subscriptions; the
 * audio room's own members are not capped here). */
gboolean rc_hub_presence_has_room (RcHub *hub, const char *channel, const char *user_id);

/* Encode a Pusher message: {"event","channel"?,"data":<data as a JSON
 * string>, "user_id"?}. @data NULL = "{}". */
char *rc_hub_pusher_frame (const char *event, const char *channel, JsonNode *data,
                           const char *user_id);

/* For the HTTP API: FALSE if @channel has no subscriber. */
gboolean rc_hub_channel_info (RcHub *hub, const char *channel, guint *subscriptions,
                              guint *users);
/* Names of the occupied channels starting with @prefix (nullable), sorted. */
GPtrArray *rc_hub_list_channels (RcHub *hub, const char *prefix);
/* Presence user ids of @channel (NULL if not a presence channel or empty). */
GPtrArray *rc_hub_channel_users (RcHub *hub, const char *channel);
/* Close every connection signed in as @user_id or that is member @user_id
 * of a presence channel. Returns how many. */
guint rc_hub_terminate_user (RcHub *hub, const char *user_id);

/* Audio-room members of presence-room.{id} (hub-rooms.c drives these):
 * @user_id becomes (or stays) a member with the room's @info (nullable),
 * member_added on the first of room or subscription; unset drops the room's
 * claim and member_removed follows if no subscribed connection is left. */
void rc_hub_room_member_set (RcHub *hub, const char *channel, const char *user_id,
                             JsonNode *info);
void rc_hub_room_member_unset (RcHub *hub, const char *channel, const char *user_id);
/* A publish on presence-room.{id} also goes to the audio room's Socket.IO
 * connections (emit(@event, data)), except the one whose hub socket id is
 * @except. Returns how many; 0 for other channels or without rooms. */
guint rc_hub_rooms_deliver (RcHub *hub, const char *channel, const char *event, JsonNode *data,
                            const char *except);
/* The hub socket id of a Socket.IO connection (hub-sio.c), or NULL. */
const char *rc_hub_sio_socket_id (RcHub *hub, RcSioSocket *socket);
/* An event for user @user_id (#server-to-user-{id}, /api/broadcast to:user)
 * to every Socket.IO connection of that user, as emit(@event, data), except
 * the one whose hub socket id is @except (hub-sio.c). Returns how many; 0
 * without Socket.IO. */
guint rc_hub_sio_deliver_to_user (RcHub *hub, const char *user_id, const char *event,
                                  JsonNode *data, const char *except);
/* @data as a plain emit(event, data) carries it (transfer full): a JSON
 * string (Pusher HTTP API events carry their data so) parsed, anything else
 * as is, NULL as {}. */
JsonNode *rc_hub_emit_data (JsonNode *data);

/* Socket.IO users online (hub-sio.c); empty without Socket.IO. */
GPtrArray *rc_hub_sio_online_users (RcHub *hub);
/* TRUE if @user_id has a Socket.IO connection. */
gboolean rc_hub_sio_user_online (RcHub *hub, const char *user_id);
/* Emit @event with @data to every Socket.IO connection, encoded once;
 * returns how many. */
guint rc_hub_sio_emit_all (RcHub *hub, const char *event, JsonNode *data);
/* TRUE if @user_id is a member of the presence channel @channel. */
gboolean rc_hub_channel_has_member (RcHub *hub, const char *channel, const char *user_id);

/* Who is online (hub-users.c). */
void rc_hub_users_start (RcHub *hub);
/* hub-sio.c: a user's first Socket.IO connection came, their last went:
 * user_online / user_offline (USER_PRESENCE_EVENTS), last seen recorded. */
void rc_hub_user_connected (RcHub *hub, const RcUser *user);
void rc_hub_user_disconnected (RcHub *hub, const RcUser *user);
/* @user_id stopped being online somewhere (a presence channel): now. */
void rc_hub_user_seen (RcHub *hub, const char *user_id);
/* Real time (µs) @user_id was last seen going, 0 if not known. */
gint64 rc_hub_user_last_seen (RcHub *hub, const char *user_id);
/* A Socket.IO connection, or a member of any presence channel. */
gboolean rc_hub_user_is_online (RcHub *hub, const char *user_id);
/* A user id as Laravel writes it: a number when it is one, else a string. */
JsonNode *rc_hub_user_id_node (const char *user_id);
/* "2024-01-15T10:00:00.000000Z" */
char *rc_hub_iso8601 (gint64 real_us);
RcSioServer *rc_hub_get_sio (RcHub *hub);
/* /api/broadcast, /api/users/online and /api/users/{id}/online-status
 * (hub-rest.c). */
void rc_hub_rest_attach (RcHub *hub, SoupServer *soup);
/* private-<BROADCAST_USER_CHANNEL> for @user_id: Echo's user channel. */
char *rc_hub_user_channel (RcHub *hub, const char *user_id);
/* /api/broadcast {to: "thread", thread_id}: this prefix and the id. */
#define RC_HUB_THREAD_CHANNEL_PREFIX "private-thread."

/* Webhooks (hub-webhook.c): queue one event; nothing without WEBHOOK_URL.
 * @data (nullable) is sent as a JSON string. */
void rc_hub_webhook (RcHub *hub, const char *name, const char *channel, const char *user_id,
                     const char *event, JsonNode *data, const char *socket_id);
void rc_hub_webhook_start (RcHub *hub);

/* Pusher HTTP API (hub-api.c). */
void rc_hub_api_attach (RcHub *hub, SoupServer *soup);

/* Pusher front-end (hub-pusher.c). */
void rc_hub_pusher_attach (RcHub *hub, SoupServer *soup);
void rc_hub_pusher_stop_accepting (RcHub *hub);
void rc_hub_pusher_shutdown (RcHub *hub);

/* The hub's /metrics collector (hub-metrics.c), @data the hub. */
void rc_hub_collect_metrics (GString *out, gpointer data);

const RcConfig *rc_hub_get_config (RcHub *hub);
GHashTable *rc_hub_get_channels (RcHub *hub); /* name -> channel (opaque) */

/* TRUE when @client may not join another channel: it holds
 * HUB_MAX_CHANNELS_PER_CONNECTION already (@channel is not one of them). */
gboolean rc_hub_client_at_channel_limit (RcHub *self, RcHubClient *client, const char *channel);

G_END_DECLS
