/* roomcast: the broadcast API for Laravel (X-WebSocket-API-Key;
 * docs/laravel.md#the-broadcast-api).
 *
 *   POST /api/broadcast {event, to: "user"|"channel"|"thread"|"room",
 *                        user_id | channel | thread_id | room_id, data}
 *     user    -> every connection of the user: its Socket.IO connections
 *                (event, data) and the Pusher connections signed in as it
 *                (#server-to-user-{id}); and the channel
 *                private-<BROADCAST_USER_CHANNEL> (Echo's user channel,
 *                private-App.Models.User.{id} by default)
 *     channel -> that channel, every protocol
 *     thread  -> private-thread.{thread_id}
 *     room    -> presence-room.{id}
 *   GET /api/users/online -> {"users": [ids…], "count": n}
 *   GET /api/users/{id}/online-status -> {"user_id", "online", "last_seen"}
 *
 * Without BROADCAST_API_KEY all answer 403.
 */
#include "hub/hub-private.h"
#include "http/request-guard.h"
#include "http/http-server.h"

#include <string.h>

#include "core/metrics.h"
#include "json/json-text.h"

#define MAX_BODY (256 * 1024)
#define USERS_PATH "/api/users/"

static gboolean
authorised (RcHub *hub, SoupServerMessage *msg)
{
  const RcConfig *config = rc_hub_get_config (hub);
  const char *key = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                  "X-WebSocket-API-Key");
  if (config->broadcast_api_key && rc_hub_secure_equal (key, config->broadcast_api_key))
    return TRUE;
  rc_metrics_counter_inc ("roomcast_hub_api_refused_total", "Pusher HTTP API requests refused",
                          "code=\"api_key\"");
  rc_http_reply_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                       "missing or wrong X-WebSocket-API-Key");
  return FALSE;
}

/* A string, or an integer written as one. */
static char *
id_member (JsonObject *o, const char *name)
{
  return rc_hub_user_id_from_node (json_object_get_member (o, name));
}

static void
handle_broadcast (SoupServer *server, SoupServerMessage *msg, const char *path,
                  GHashTable *query, gpointer data)
{
  RcHub *hub = data;
  if (!g_str_equal (soup_server_message_get_method (msg), "POST")) {
    rc_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", "use POST");
    return;
  }
  if (!authorised (hub, msg))
    return;
  g_autoptr (GBytes)
    body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  gsize len = g_bytes_get_size (body);
  g_autoptr (JsonNode)
    root = len <= MAX_BODY
             ? rc_json_parse_strict (g_bytes_get_data (body, NULL), len, NULL, NULL)
             : NULL;
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  const char *event = o && json_object_has_member (o, "event") &&
                          JSON_NODE_HOLDS_VALUE (json_object_get_member (o, "event")) &&
                          json_node_get_value_type (json_object_get_member (o, "event")) ==
                            G_TYPE_STRING
                        ? json_object_get_string_member (o, "event")
                        : NULL;
  const char *to = o && json_object_has_member (o, "to") &&
                       JSON_NODE_HOLDS_VALUE (json_object_get_member (o, "to")) &&
                       json_node_get_value_type (json_object_get_member (o, "to")) ==
                         G_TYPE_STRING
                     ? json_object_get_string_member (o, "to")
                     : NULL;
  if (!event || !*event || strlen (event) > 200 || !to) {
    rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_body",
                         "expected {event, to, user_id|channel|thread_id|room_id, data} (JSON, "
                         "256 KB max)");
    return;
  }
  JsonNode *payload = json_object_get_member (o, "data");
  g_autoptr (JsonNode) empty = rc_json_node_take_object (NULL);
  if (!payload)
    payload = empty;
  guint delivered = 0;
  g_autofree char *channel = NULL;

  if (g_str_equal (to, "user")) {
    g_autofree char *user_id = id_member (o, "user_id");
    if (!user_id) {
      rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_body", "user_id is required");
      return;
    }
    /* Every connection of the user: its Socket.IO connections and the
     * Pusher connections signed in as it (#server-to-user-{id}); then
     * Echo's user channel. */
    g_autofree char *own = g_strconcat (RC_HUB_USER_CHANNEL_PREFIX, user_id, NULL);
    delivered += rc_hub_user_channel_valid (own)
                   ? rc_hub_publish (hub, own, event, payload, NULL, "broadcast_api")
                   : rc_hub_sio_deliver_to_user (hub, user_id, event, payload, NULL);
    channel = rc_hub_user_channel (hub, user_id);
  } else if (g_str_equal (to, "channel")) {
    channel = id_member (o, "channel");
  } else if (g_str_equal (to, "thread")) {
    g_autofree char *thread = id_member (o, "thread_id");
    channel = thread ? g_strconcat (RC_HUB_THREAD_CHANNEL_PREFIX, thread, NULL) : NULL;
  } else if (g_str_equal (to, "room")) {
    g_autofree char *room = id_member (o, "room_id");
    channel = room ? g_strdup_printf ("presence-room.%s", room) : NULL;
  } else {
    rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_body",
                         "to must be \"user\", \"channel\", \"thread\" or \"room\"");
    return;
  }
  if (!rc_hub_channel_name_valid (channel)) {
    rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_body",
                         "missing or invalid channel, user_id, thread_id or room_id");
    return;
  }
  delivered += rc_hub_publish (hub, channel, event, payload, NULL, "broadcast_api");
  g_autoptr (JsonObject) reply = json_object_new ();
  json_object_set_boolean_member (reply, "ok", TRUE);
  json_object_set_int_member (reply, "delivered", delivered);
  g_autoptr (JsonNode) rn = json_node_init_object (json_node_alloc (), reply);
  rc_http_reply_json (msg, SOUP_STATUS_OK, rn);
}

static int
compare_ids (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* {"users":[…],"count":n}: @ids (Socket.IO users and presence members,
 * possibly repeated) each once, sorted. */
static void
reply_online (SoupServerMessage *msg, GPtrArray *ids)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  for (guint i = 0; i < ids->len; i++)
    if (g_hash_table_add (seen, g_ptr_array_index (ids, i)))
      g_ptr_array_add (all, g_ptr_array_index (ids, i));
  g_ptr_array_sort (all, compare_ids);
  g_autoptr (JsonArray) users = json_array_new ();
  for (guint i = 0; i < all->len; i++)
    json_array_add_string_element (users, g_ptr_array_index (all, i));
  g_autoptr (JsonObject) reply = json_object_new ();
  json_object_set_array_member (reply, "users", json_array_ref (users));
  json_object_set_int_member (reply, "count", all->len);
  g_autoptr (JsonNode) rn = json_node_init_object (json_node_alloc (), reply);
  rc_http_reply_json (msg, SOUP_STATUS_OK, rn);
}

static void
on_online (RcHub *hub, GPtrArray *ids, gpointer data)
{
  SoupServerMessage *msg = data;
  if (!hub)
    soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
  else if (!ids)
    rc_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "cluster_unavailable",
                         "Redis did not answer: who is online in the cluster is not known");
  else
    reply_online (msg, ids);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

static void
handle_online (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer data)
{
  RcHub *hub = data;
  if (!g_str_equal (soup_server_message_get_method (msg), "GET")) {
    rc_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", "use GET");
    return;
  }
  if (!authorised (hub, msg))
    return;
  soup_server_message_pause (msg);
  g_object_ref (msg);
  /* In a cluster, Redis knows every node's (hub-cluster-presence.c). */
  if (rc_hub_cluster_users (hub, NULL, on_online, msg))
    return;
  /* One node: Socket.IO users and presence members. */
  g_autoptr (GPtrArray) ids = rc_hub_sio_online_users (hub);
  g_autoptr (GPtrArray) presence = rc_hub_list_channels (hub, "presence-");
  for (guint i = 0; i < presence->len; i++) {
    g_autoptr (GPtrArray) members = rc_hub_channel_users (hub, g_ptr_array_index (presence, i));
    for (guint j = 0; members && j < members->len; j++)
      g_ptr_array_add (ids, g_strdup (g_ptr_array_index (members, j)));
  }
  on_online (hub, ids, msg);
}

char *
rc_hub_user_channel (RcHub *hub, const char *user_id)
{
  /* config.c checked that the pattern has exactly one {id}. */
  const char *pattern = rc_hub_get_config (hub)->broadcast_user_channel;
  const char *id = strstr (pattern, "{id}");
  return g_strdup_printf ("private-%.*s%s%s", (int) (id - pattern), pattern, user_id, id + 4);
}

/* GET /api/users/{id}/online-status: {"user_id", "online", "last_seen"}; last
 * seen is now while online, when they went if this process saw it, else null. */
static void
handle_user (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer data)
{
  RcHub *hub = data;
  const char *rest = path + strlen (USERS_PATH);
  const char *slash = strchr (rest, '/');
  g_autofree char *user_id = slash ? g_strndup (rest, (gsize) (slash - rest)) : NULL;
  if (!slash || !g_str_equal (slash, "/online-status") || !rc_hub_user_id_valid (user_id)) {
    rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found",
                         "GET /api/users/{id}/online-status or /api/users/online");
    return;
  }
  if (!g_str_equal (soup_server_message_get_method (msg), "GET")) {
    rc_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", "use GET");
    return;
  }
  if (!authorised (hub, msg))
    return;
  gboolean online = rc_hub_user_is_online (hub, user_id);
  gint64 seen = online ? g_get_real_time () : rc_hub_user_last_seen (hub, user_id);
  g_autoptr (JsonObject) reply = json_object_new ();
  json_object_set_member (reply, "user_id", rc_hub_user_id_node (user_id));
  json_object_set_boolean_member (reply, "online", online);
  if (seen) {
    g_autofree char *iso = rc_hub_iso8601 (seen);
    json_object_set_string_member (reply, "last_seen", iso);
  } else {
    json_object_set_null_member (reply, "last_seen");
  }
  g_autoptr (JsonNode) rn = json_node_init_object (json_node_alloc (), reply);
  rc_http_reply_json (msg, SOUP_STATUS_OK, rn);
}

void
rc_hub_rest_attach (RcHub *hub, SoupServer *soup)
{
  soup_server_add_handler (soup, "/api/broadcast", handle_broadcast, hub, NULL);
  rc_request_guard_limit_body (soup, "/api/broadcast", MAX_BODY);
  soup_server_add_handler (soup, "/api/users/online", handle_online, hub, NULL);
  /* With the '/': SoupServer matches handler paths as string prefixes, and
   * /api/users/online (longer) stays its own. */
  soup_server_add_handler (soup, USERS_PATH, handle_user, hub, NULL);
}
