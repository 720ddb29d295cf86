/* roomcast: the hub's channel table and fan-out; see hub.h.
 *
 * A channel exists while it has subscribers or members. A presence channel
 * keeps its members (user id -> number of connections, user info): a user's
 * first connection announces member_added to the others, the last one
 * leaving announces member_removed. An audio-room participant is a member of
 * presence-room.{roomId} without a connection (hub-rooms.c): the room counts
 * as one more "connection" of the user. Every event is encoded once per
 * fan-out.
 */
#include "hub/hub-private.h"

#include <sys/resource.h>
#include <string.h>

#include "core/metrics.h"
#include "json/json-text.h"

typedef struct {
  guint connections;   /* subscribed connections of the user */
  gboolean in_room;    /* an audio-room participant (presence-room.{id}) */
  JsonNode *info;      /* from the first subscription's channel_data; nullable */
  JsonNode *room_info; /* while in_room: the room's view, which wins */
} Member;

typedef struct {
  char *name;
  RcHubChannelKind kind;
  GHashTable *clients; /* RcHubClient* set (not owned) */
  GHashTable *members; /* user id -> Member (presence only) */
} Channel;

G_DEFINE_FINAL_TYPE (RcHub, rc_hub, G_TYPE_OBJECT)

static void
member_free (gpointer data)
{
  Member *m = data;
  if (m->info)
    json_node_unref (m->info);
  if (m->room_info)
    json_node_unref (m->room_info);
  g_free (m);
}

static JsonNode *
member_info (Member *m)
{
  return m->room_info ? m->room_info : m->info;
}

static void
channel_free (gpointer data)
{
  Channel *c = data;
  g_free (c->name);
  g_hash_table_unref (c->clients);
  g_clear_pointer (&c->members, g_hash_table_unref);
  g_free (c);
}

const RcConfig *
rc_hub_get_config (RcHub *hub)
{
  return hub->config;
}

GHashTable *
rc_hub_get_channels (RcHub *hub)
{
  return hub->channels;
}

guint
rc_hub_get_n_connections (RcHub *self)
{
  return g_hash_table_size (self->clients);
}

/* --- encoding ---------------------------------------------------------------- */

char *
rc_hub_pusher_frame (const char *event, const char *channel, JsonNode *data,
                     const char *user_id)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, event);
  if (channel) {
    json_builder_set_member_name (b, "channel");
    json_builder_add_string_value (b, channel);
  }
  json_builder_set_member_name (b, "data");
  /* Pusher carries data as a string holding JSON (pusher-js parses it). */
  if (data && JSON_NODE_HOLDS_VALUE (data) &&
      json_node_get_value_type (data) == G_TYPE_STRING) {
    json_builder_add_string_value (b, json_node_get_string (data));
  } else if (data) {
    g_autofree char *text = rc_json_to_string (data);
    json_builder_add_string_value (b, text);
  } else {
    json_builder_add_string_value (b, "{}");
  }
  if (user_id) {
    json_builder_set_member_name (b, "user_id");
    json_builder_add_string_value (b, user_id);
  }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return rc_json_to_string (root);
}

/* --- clients and channels ------------------------------------------------------ */

void
rc_hub_client_register (RcHub *hub, RcHubClient *client)
{
  client->hub = hub;
  if (!client->channels)
    client->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  do {
    g_free (client->socket_id);
    client->socket_id = g_strdup_printf ("%u.%u", (guint) g_random_int_range (1, G_MAXINT),
                                         (guint) g_random_int_range (1, G_MAXINT));
  } while (g_hash_table_contains (hub->clients, client->socket_id));
  g_hash_table_insert (hub->clients, client->socket_id, client);
}

void
rc_hub_client_unregister (RcHub *hub, RcHubClient *client)
{
  if (!client->socket_id || g_hash_table_lookup (hub->clients, client->socket_id) != client)
    return;
  GList *names = g_hash_table_get_keys (client->channels);
  for (GList *l = names; l; l = l->next) {
    g_autofree char *name = g_strdup (l->data);
    rc_hub_leave (hub, client, name);
  }
  g_list_free (names);
  g_hash_table_remove (hub->clients, client->socket_id);
}

static JsonNode *
member_event_data (const char *user_id, JsonNode *info)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "user_id");
  json_builder_add_string_value (b, user_id);
  if (info) {
    json_builder_set_member_name (b, "user_info");
    json_builder_add_value (b, json_node_copy (info));
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* Send to every client of @ch except @skip (nullable). */
static guint
fan_out (Channel *ch, const char *event, JsonNode *data, RcHubClient *skip, const char *except,
         const char *user_id)
{
  g_autofree char *frame = rc_hub_pusher_frame (event, ch->name, data, user_id);
  GHashTableIter it;
  gpointer k;
  guint n = 0;

  g_hash_table_iter_init (&it, ch->clients);
  while (g_hash_table_iter_next (&it, &k, NULL)) {
    RcHubClient *c = k;
    if (c == skip || (except && g_str_equal (c->socket_id, except)))
      continue;
    c->send (c, ch->name, event, data, frame);
    n++;
  }
  return n;
}

static Channel *
channel_get (RcHub *hub, const char *channel)
{
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  if (!ch) {
    ch = g_new0 (Channel, 1);
    ch->name = g_strdup (channel);
    ch->kind = rc_hub_channel_kind (channel);
    ch->clients = g_hash_table_new (NULL, NULL);
    if (ch->kind == RC_HUB_CHANNEL_PRESENCE)
      ch->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, member_free);
    g_hash_table_insert (hub->channels, ch->name, ch);
  }
  return ch;
}

/* Forget @ch once it has neither subscribers nor members. */
static void
channel_release (RcHub *hub, Channel *ch)
{
  if (g_hash_table_size (ch->clients) == 0 &&
      (!ch->members || g_hash_table_size (ch->members) == 0))
    g_hash_table_remove (hub->channels, ch->name);
}

/* One node: member_added now. In a cluster, Redis decides whether the user
 * is new to the channel anywhere (hub-cluster-presence.c). */
static void
member_added (RcHub *hub, Channel *ch, const char *user_id, Member *m, RcHubClient *skip)
{
  if (hub->cluster)
    return;
  g_autoptr (JsonNode) data = member_event_data (user_id, member_info (m));
  fan_out (ch, "pusher_internal:member_added", data, skip, NULL, NULL);
  rc_hub_webhook (hub, "member_added", ch->name, user_id, NULL, NULL, NULL);
}

/* Drop @user_id from the members if neither a connection nor the room keeps
 * them there. */
static gboolean
member_maybe_removed (RcHub *hub, Channel *ch, const char *user_id, Member *m,
                      RcHubClient *skip)
{
  if (m->connections > 0 || m->in_room)
    return FALSE;
  g_autofree char *id = g_strdup (user_id);
  /* user_info too: Echo's socket.io connector hands it to leaving() (the
   * Pusher clients look the member up and ignore it). */
  g_autoptr (JsonNode) data = member_event_data (id, member_info (m));
  g_hash_table_remove (ch->members, id);
  if (hub->cluster)
    return TRUE; /* member_removed when the user's last connection anywhere goes */
  rc_hub_user_seen (hub, id);
  fan_out (ch, "pusher_internal:member_removed", data, skip, NULL, NULL);
  rc_hub_webhook (hub, "member_removed", ch->name, id, NULL, NULL, NULL);
  return TRUE;
}

guint
rc_hub_get_max_connections (RcHub *self)
{
  return self->max_connections;
}

gboolean
rc_hub_client_at_channel_limit (RcHub *hub, RcHubClient *client, const char *channel)
{
  guint max = hub->config->hub_max_channels_per_connection;
  if (max == 0 || g_hash_table_contains (client->channels, channel) ||
      g_hash_table_size (client->channels) < max)
    return FALSE;
  rc_metrics_counter_inc ("roomcast_hub_subscriptions_refused_total",
                          "Channel subscriptions refused: the connection holds "
                          "HUB_MAX_CHANNELS_PER_CONNECTION",
                          NULL);
  return TRUE;
}

gboolean
rc_hub_join (RcHub *hub, RcHubClient *client, const char *channel, const char *user_id,
             JsonNode *user_info)
{
  if (g_hash_table_contains (client->channels, channel))
    return FALSE;
  Channel *ch = channel_get (hub, channel);
  if (hub->cluster && channel[0] != '#')
    rc_hub_cluster_subscribed (hub, channel, 1); /* occupied: on the cluster's count */
  else if (g_hash_table_size (ch->clients) == 0 && channel[0] != '#')
    rc_hub_webhook (hub, "channel_occupied", channel, NULL, NULL, NULL, NULL);
  g_hash_table_add (ch->clients, client);
  g_hash_table_insert (client->channels, g_strdup (channel),
                       g_strdup (ch->members && user_id ? user_id : ""));
  if (ch->members && user_id) {
    Member *m = g_hash_table_lookup (ch->members, user_id);
    if (m) {
      if (m->connections++ == 0 && !m->info && user_info)
        m->info = json_node_copy (user_info);
    } else {
      m = g_new0 (Member, 1);
      m->connections = 1;
      m->info = user_info ? json_node_copy (user_info) : NULL;
      g_hash_table_insert (ch->members, g_strdup (user_id), m);
      member_added (hub, ch, user_id, m, client);
    }
    /* The joiner's member list: the cluster's, from Redis, or this node's. */
    if (hub->cluster) {
      rc_hub_cluster_member_join (hub, client->socket_id, channel, user_id, user_info, FALSE);
    } else if (client->presence_joined) {
      g_autoptr (JsonNode) presence = rc_hub_presence_data (hub, channel);
      client->presence_joined (client, channel, presence);
    }
  }
  return TRUE;
}

void
rc_hub_presence_joined (RcHub *hub, const char *socket_id, const char *channel,
                        JsonNode *presence)
{
  RcHubClient *client = g_hash_table_lookup (hub->clients, socket_id);
  if (!client || !g_hash_table_contains (client->channels, channel))
    return;
  if (client->presence_joined)
    client->presence_joined (client, channel, presence);
  if (!presence)
    rc_hub_leave (hub, client, channel);
}

void
rc_hub_member_event_local (RcHub *hub, const char *channel, gboolean added, const char *user_id,
                           JsonNode *info, const char *except)
{
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  if (!added)
    rc_hub_user_seen (hub, user_id);
  if (!ch)
    return;
  g_autoptr (JsonNode) data = member_event_data (user_id, info);
  fan_out (ch, added ? "pusher_internal:member_added" : "pusher_internal:member_removed", data,
           NULL, except, NULL);
}

void
rc_hub_leave (RcHub *hub, RcHubClient *client, const char *channel)
{
  g_autofree char *user_id = NULL;
  gpointer orig_key, value;
  if (!g_hash_table_steal_extended (client->channels, channel, &orig_key, &value))
    return;
  g_free (orig_key);
  user_id = value;
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  if (!ch)
    return;
  g_hash_table_remove (ch->clients, client);
  if (ch->members && *user_id) {
    Member *m = g_hash_table_lookup (ch->members, user_id);
    if (m && m->connections > 0) {
      m->connections--;
      member_maybe_removed (hub, ch, user_id, m, client);
      if (hub->cluster)
        rc_hub_cluster_member_leave (hub, channel, user_id);
    }
  }
  if (hub->cluster && channel[0] != '#')
    rc_hub_cluster_subscribed (hub, channel, -1); /* vacated: on the cluster's count */
  else if (g_hash_table_size (ch->clients) == 0 && channel[0] != '#')
    rc_hub_webhook (hub, "channel_vacated", channel, NULL, NULL, NULL, NULL);
  channel_release (hub, ch);
}

void
rc_hub_room_member_set (RcHub *hub, const char *channel, const char *user_id, JsonNode *info)
{
  g_return_if_fail (rc_hub_channel_kind (channel) == RC_HUB_CHANNEL_PRESENCE);
  Channel *ch = channel_get (hub, channel);
  Member *m = g_hash_table_lookup (ch->members, user_id);
  gboolean is_new = m == NULL;
  if (is_new) {
    m = g_new0 (Member, 1);
    g_hash_table_insert (ch->members, g_strdup (user_id), m);
  }
  gboolean was_in_room = m->in_room;
  m->in_room = TRUE;
  g_clear_pointer (&m->room_info, json_node_unref);
  m->room_info = info ? json_node_copy (info) : NULL;
  if (is_new)
    member_added (hub, ch, user_id, m, NULL);
  /* The room counts as one more connection of the user; its view wins. */
  if (hub->cluster && !was_in_room)
    rc_hub_cluster_member_join (hub, NULL, channel, user_id, info, TRUE);
  else if (hub->cluster)
    rc_hub_cluster_member_info (hub, channel, user_id, info);
}

void
rc_hub_room_member_unset (RcHub *hub, const char *channel, const char *user_id)
{
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  Member *m = ch && ch->members ? g_hash_table_lookup (ch->members, user_id) : NULL;
  if (!m || !m->in_room)
    return;
  m->in_room = FALSE;
  if (hub->cluster)
    rc_hub_cluster_member_leave (hub, channel, user_id);
  if (!member_maybe_removed (hub, ch, user_id, m, NULL))
    g_clear_pointer (&m->room_info, json_node_unref); /* back to the subscriber's info */
  channel_release (hub, ch);
}

gboolean
rc_hub_channel_has_member (RcHub *hub, const char *channel, const char *user_id)
{
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  return ch && ch->members && g_hash_table_contains (ch->members, user_id);
}

gboolean
rc_hub_presence_has_room (RcHub *hub, const char *channel, const char *user_id)
{
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  if (!ch || !ch->members)
    return TRUE;
  return g_hash_table_contains (ch->members, user_id) ||
         g_hash_table_size (ch->members) < hub->config->presence_max_members;
}

guint
rc_hub_presence_count (RcHub *hub, const char *channel)
{
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  return ch && ch->members ? g_hash_table_size (ch->members) : 0;
}

JsonNode *
rc_hub_presence_data (RcHub *hub, const char *channel)
{
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  GHashTableIter it;
  gpointer k, v;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "presence");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ids");
  json_builder_begin_array (b);
  if (ch && ch->members) {
    g_hash_table_iter_init (&it, ch->members);
    while (g_hash_table_iter_next (&it, &k, NULL))
      json_builder_add_string_value (b, k);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "hash");
  json_builder_begin_object (b);
  if (ch && ch->members) {
    g_hash_table_iter_init (&it, ch->members);
    while (g_hash_table_iter_next (&it, &k, &v)) {
      Member *m = v;
      json_builder_set_member_name (b, k);
      if (member_info (m))
        json_builder_add_value (b, json_node_copy (member_info (m)));
      else
        json_builder_add_null_value (b);
    }
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, ch && ch->members ? g_hash_table_size (ch->members) : 0);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

guint
rc_hub_deliver (RcHub *self, const char *channel, const char *event, JsonNode *data,
                const char *except, const char *source)
{
  Channel *ch = g_hash_table_lookup (self->channels, channel);
  g_autofree char *labels = g_strdup_printf ("source=\"%s\"", source);
  rc_metrics_counter_inc ("roomcast_hub_messages_in_total", "Hub events received", labels);
  guint n = ch ? fan_out (ch, event, data, NULL, except, NULL) : 0;
  /* presence-room.{id}: the audio room's own connections too. */
  n += rc_hub_rooms_deliver (self, channel, event, data, except);
  /* #server-to-user-{id}: every connection of the user, Socket.IO ones too. */
  if (g_str_has_prefix (channel, RC_HUB_USER_CHANNEL_PREFIX))
    n += rc_hub_sio_deliver_to_user (self, channel + strlen (RC_HUB_USER_CHANNEL_PREFIX), event,
                                     data, except);
  rc_metrics_counter_add ("roomcast_hub_messages_out_total", "Hub events sent to connections",
                          labels, n);
  return n;
}

guint
rc_hub_publish (RcHub *self, const char *channel, const char *event, JsonNode *data,
                const char *except, const char *source)
{
  rc_hub_cluster_send (self, "publish", channel, event, data, except, NULL);
  return rc_hub_deliver (self, channel, event, data, except, source);
}

JsonNode *
rc_hub_emit_data (JsonNode *data)
{
  if (data && JSON_NODE_HOLDS_VALUE (data) &&
      json_node_get_value_type (data) == G_TYPE_STRING) {
    const char *s = json_node_get_string (data);
    JsonNode *parsed = rc_json_parse_strict (s, strlen (s), NULL, NULL);
    if (parsed)
      return parsed;
  }
  return data ? json_node_ref (data) : rc_json_node_take_object (NULL);
}

gboolean
rc_hub_client_take_event (RcHubClient *client)
{
  gint64 now = g_get_monotonic_time ();

  if (now - client->rate_window_us >= G_USEC_PER_SEC) {
    client->rate_window_us = now;
    client->rate_count = 0;
  }
  if (++client->rate_count <= RC_HUB_CLIENT_EVENTS_PER_S)
    return TRUE;
  rc_metrics_counter_inc ("roomcast_hub_client_events_rejected_total",
                          "Client events over the rate limit", NULL);
  return FALSE;
}

char *
rc_hub_user_id_from_node (JsonNode *n)
{
  if (!n || !JSON_NODE_HOLDS_VALUE (n))
    return NULL;
  if (json_node_get_value_type (n) == G_TYPE_STRING) {
    const char *s = json_node_get_string (n);
    return *s && strlen (s) <= 128 ? g_strdup (s) : NULL;
  }
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
  return NULL;
}

/* The client event to this node's subscribers but @skip (the sender, here)
 * or the one with socket id @except (the sender, elsewhere). */
static guint
client_event_fan_out (RcHub *hub, const char *channel, const char *event, JsonNode *data,
                      RcHubClient *skip, const char *except, const char *user_id)
{
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  guint n = ch ? fan_out (ch, event, data, skip, except, user_id) : 0;
  rc_metrics_counter_add ("roomcast_hub_messages_out_total", "Hub events sent to connections",
                          "source=\"client\"", n);
  return n;
}

guint
rc_hub_client_event (RcHub *hub, RcHubClient *client, const char *channel, const char *event,
                     JsonNode *data, const char *user_id)
{
  rc_metrics_counter_inc ("roomcast_hub_messages_in_total", "Hub events received",
                          "source=\"client\"");
  rc_hub_cluster_send (hub, "client", channel, event, data, client->socket_id, user_id);
  /* Once for the cluster: the other nodes only deliver it. */
  rc_hub_webhook (hub, "client_event", channel, user_id, event, data, client->socket_id);
  return client_event_fan_out (hub, channel, event, data, client, NULL, user_id);
}

guint
rc_hub_client_event_local (RcHub *hub, const char *channel, const char *event, JsonNode *data,
                           const char *except, const char *user_id)
{
  return client_event_fan_out (hub, channel, event, data, NULL, except, user_id);
}

gboolean
rc_hub_channel_info (RcHub *hub, const char *channel, guint *subscriptions, guint *users)
{
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  *subscriptions = ch ? g_hash_table_size (ch->clients) : 0;
  *users = ch && ch->members ? g_hash_table_size (ch->members) : 0;
  return ch != NULL;
}

void
rc_hub_channel_count_free (gpointer count)
{
  RcHubChannelCount *c = count;
  g_free (c->name);
  g_free (c);
}

void
rc_hub_foreach_local (RcHub *hub, RcHubLocalChannelFunc channel_func,
                      RcHubLocalMemberFunc member_func, gpointer data)
{
  GHashTableIter it, mi;
  gpointer v, k, mv;
  g_hash_table_iter_init (&it, hub->channels);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Channel *ch = v;
    if (ch->name[0] == '#')
      continue;
    if (g_hash_table_size (ch->clients) > 0)
      channel_func (ch->name, g_hash_table_size (ch->clients), data);
    if (!ch->members)
      continue;
    g_hash_table_iter_init (&mi, ch->members);
    while (g_hash_table_iter_next (&mi, &k, &mv)) {
      Member *m = mv;
      member_func (ch->name, k, m->connections + (m->in_room ? 1 : 0), member_info (m), data);
    }
  }
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
rc_hub_list_channels (RcHub *hub, const char *prefix)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init (&it, hub->channels);
  while (g_hash_table_iter_next (&it, &k, NULL))
    if ((!prefix || g_str_has_prefix (k, prefix)) && ((char *) k)[0] != '#')
      g_ptr_array_add (names, g_strdup (k)); /* not the server-to-user channels */
  g_ptr_array_sort (names, compare_names);
  return names;
}

GPtrArray *
rc_hub_channel_users (RcHub *hub, const char *channel)
{
  Channel *ch = g_hash_table_lookup (hub->channels, channel);
  if (!ch || !ch->members)
    return NULL;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init (&it, ch->members);
  while (g_hash_table_iter_next (&it, &k, NULL))
    g_ptr_array_add (ids, g_strdup (k));
  g_ptr_array_sort (ids, compare_names);
  return ids;
}

guint
rc_hub_terminate_user (RcHub *hub, const char *user_id)
{
  rc_hub_cluster_send (hub, "terminate", NULL, NULL, NULL, NULL, user_id);
  return rc_hub_terminate_user_local (hub, user_id);
}

guint
rc_hub_terminate_user_local (RcHub *hub, const char *user_id)
{
  GPtrArray *victims = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, hub->clients);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    RcHubClient *c = v;
    GHashTableIter ci;
    gpointer uid;
    if (g_strcmp0 (c->user_id, user_id) == 0) {
      g_ptr_array_add (victims, c);
      continue;
    }
    g_hash_table_iter_init (&ci, c->channels);
    while (g_hash_table_iter_next (&ci, NULL, &uid))
      if (g_str_equal (uid, user_id)) {
        g_ptr_array_add (victims, c);
        break;
      }
  }
  guint n = victims->len;
  for (guint i = 0; i < victims->len; i++) {
    RcHubClient *c = g_ptr_array_index (victims, i);
    if (c->close)
      c->close (c, 4009, "Connection terminated by the server");
  }
  g_ptr_array_unref (victims);
  return n;
}

/* --- life ---------------------------------------------------------------------- */

void
rc_hub_stop_accepting (RcHub *self)
{
  g_return_if_fail (RC_IS_HUB (self));
  self->stopping = TRUE; /* the drain's disconnects are not users going offline */
  rc_hub_pusher_stop_accepting (self);
}

void
rc_hub_shutdown (RcHub *self)
{
  rc_hub_pusher_shutdown (self);
}

/* The parts go in this order (each field is NULL before its part is freed,
 * so nothing reaches a part while it goes):
 *  1. broadcast, cluster: no more events come in from Redis;
 *  2. rooms: the room service's changes stop moving presence-room members;
 *  3. webhook: what follows is the hub going away, not channels emptying,
 *     so no webhook is queued for it (and the batch in flight is cancelled);
 *  4. the front-ends, Socket.IO then Pusher: their connections leave their
 *     channels (member_removed to those still open, last seen noted) while
 *     the channel table and the users are still there;
 *  5. users;
 * then the tables, empty of connections by now. */
static void
rc_hub_teardown (RcHub *self)
{
  g_clear_pointer (&self->broadcast, rc_hub_broadcast_free);
  g_clear_pointer (&self->cluster, rc_hub_cluster_free);
  g_clear_pointer (&self->rooms, rc_hub_rooms_free);
  g_clear_pointer (&self->webhook, rc_hub_webhook_free);
  g_clear_pointer (&self->sio, rc_hub_sio_free);
  g_clear_pointer (&self->pusher, rc_hub_pusher_free);
  g_clear_pointer (&self->users, rc_hub_users_free);
  g_clear_pointer (&self->channels, g_hash_table_unref);
  g_clear_pointer (&self->clients, g_hash_table_unref);
}

static void
rc_hub_finalize (GObject *object)
{
  RcHub *self = RC_HUB (object);
  rc_metrics_unregister_collector (rc_hub_collect_metrics, self);
  rc_hub_teardown (self);
  G_OBJECT_CLASS (rc_hub_parent_class)->finalize (object);
}

static void
rc_hub_class_init (RcHubClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_hub_finalize;
}

static void
rc_hub_init (RcHub *self)
{
  self->clients = g_hash_table_new (g_str_hash, g_str_equal);
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, channel_free);
}

static gboolean
has_pusher_app (const RcConfig *config)
{
  return config->pusher_app_key && config->pusher_app_secret && config->pusher_app_id;
}

RcHub *
rc_hub_new (const RcConfig *config)
{
  gboolean app = has_pusher_app (config);
  if (!app && (config->pusher_app_key || config->pusher_app_secret || config->pusher_app_id))
    g_warning ("hub: PUSHER_APP_ID, PUSHER_APP_KEY and PUSHER_APP_SECRET go together; with "
               "one missing, the Pusher endpoints (/app/{key}, /apps/{id}) are off");
  if (!app && !config->broadcast_api_key && !config->broadcast_auth_url)
    return NULL;
  RcHub *self = g_object_new (RC_TYPE_HUB, NULL);
  self->config = config;
  /* Below the descriptor limit (raised at start-up already), so a Pusher
   * flood cannot take every descriptor the rooms and media need. */
  struct rlimit rl = { 0 };
  guint fd_half = getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                    ? (guint) MIN (rl.rlim_cur / 2, G_MAXUINT)
                    : G_MAXUINT;
  self->max_connections = MIN (config->hub_max_connections, fd_half);
  rc_metrics_register_collector (rc_hub_collect_metrics, self);
  rc_hub_users_start (self);
  /* Webhooks are signed with the app's secret. */
  if (app)
    rc_hub_webhook_start (self);
  else if (config->webhook_url)
    g_warning ("hub: WEBHOOK_URL needs the Pusher app (webhooks are signed with "
               "PUSHER_APP_SECRET): no webhooks are sent");
  g_info ("hub: Pusher protocol %s, /api/broadcast %s, Socket.IO channels (private ones %s), "
          "presence channels of at most %u members, at most %u connections of %u channels each",
          app ? "on" : "off (no PUSHER_APP_*)",
          config->broadcast_api_key ? "on" : "off (no BROADCAST_API_KEY)",
          config->broadcast_auth_url ? "authorised by BROADCAST_AUTH_URL"
                                     : "refused: no BROADCAST_AUTH_URL",
          config->presence_max_members, self->max_connections,
          config->hub_max_channels_per_connection);
  return self;
}

void
rc_hub_attach (RcHub *self, SoupServer *soup)
{
  if (has_pusher_app (self->config)) {
    rc_hub_pusher_attach (self, soup);
    rc_hub_api_attach (self, soup);
  }
  rc_hub_rest_attach (self, soup);
}
