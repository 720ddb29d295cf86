/* roomcast: Socket.IO clients on the hub's channels (laravel-echo's
 * socket.io connector, the laravel-echo-server protocol).
 *
 *   client -> server  "subscribe"    {channel, auth: {headers: {...}}}
 *                     "unsubscribe"  {channel}
 *                     "client event" {channel, event: "client-…", data}
 *   server -> client  [event, channel, data]
 *                     ["presence:subscribed", channel, [{user_id, user_info}…]]
 *                     ["presence:joining"|"presence:leaving", channel, {user_id, user_info}]
 *                     ["subscription_error", channel, {status, message}]
 *                     ["client_event_error", channel, {status: 429, message}] (over 10/s)
 *
 * Private and presence channels are authorised by Laravel: POST
 * BROADCAST_AUTH_URL {channel_name, socket_id} with the client's auth
 * headers; a 2xx answer authorises, and its channel_data (a JSON string or
 * object with user_id, user_info) names the presence member.
 */
#include "hub/hub-private.h"

#include <string.h>

#include "http/http-client.h"
#include "core/metrics.h"
#include "json/json-text.h"
#include "sio/sio-codec.h"
#include "sio/sio-server.h"

struct _RcHubSio {
  RcHub *hub;
  RcSioServer *sio;
  RcHttpClient *http;
  /* RcSioSocket -> its SioClient, from "connected" to "disconnected". */
  GHashTable *clients;
  GHashTable *online; /* user id -> number of Socket.IO connections (GUINT_TO_POINTER) */
};

typedef struct {
  RcHubClient client;
  RcSioSocket *socket; /* (ref) its key in RcHubSio.clients */
  GCancellable *cancellable;
} SioClient;

/* The hub client of a connected @socket, or NULL. */
static SioClient *
client_of (RcHubSio *hs, RcSioSocket *socket)
{
  return g_hash_table_lookup (hs->clients, socket);
}

/* [event, channel, data] with data parsed when it is a JSON string (Pusher
 * HTTP API events carry their data that way). */
static void
sio_send (RcHubClient *client, const char *channel, const char *event, JsonNode *data,
          const char *pusher_frame)
{
  SioClient *c = (SioClient *) client;
  g_autoptr (JsonNode) parsed = NULL;
  const char *sio_event = event;
  JsonNode *payload = data;

  if (data && JSON_NODE_HOLDS_VALUE (data) &&
      json_node_get_value_type (data) == G_TYPE_STRING) {
    const char *s = json_node_get_string (data);
    parsed = rc_json_parse_strict (s, strlen (s), NULL, NULL);
    if (parsed)
      payload = parsed;
  }
  if (g_str_equal (event, "pusher_internal:member_added"))
    sio_event = "presence:joining";
  else if (g_str_equal (event, "pusher_internal:member_removed"))
    sio_event = "presence:leaving";
  g_autoptr (JsonArray) a = json_array_new ();
  json_array_add_string_element (a, sio_event);
  json_array_add_string_element (a, channel);
  json_array_add_element (a,
                          payload ? json_node_copy (payload) : json_node_new (JSON_NODE_NULL));
  g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), a);
  GString *frame = g_string_new ("42");
  rc_json_write (frame, node);
  rc_sio_socket_send_frame (c->socket, frame->str);
  g_string_free (frame, TRUE);
}

static void
sio_close (RcHubClient *client, int code, const char *reason)
{
  rc_sio_socket_disconnect (((SioClient *) client)->socket, reason);
}

static void
emit3 (RcSioSocket *socket, const char *event, const char *channel, JsonNode *data)
{
  g_autoptr (JsonArray) a = json_array_new ();
  json_array_add_string_element (a, event);
  json_array_add_string_element (a, channel);
  json_array_add_element (a, data ? json_node_copy (data) : json_node_new (JSON_NODE_NULL));
  g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), a);
  GString *frame = g_string_new ("42");
  rc_json_write (frame, node);
  rc_sio_socket_send_frame (socket, frame->str);
  g_string_free (frame, TRUE);
}

static void
report (RcSioSocket *socket, const char *event, const char *channel, guint status,
        const char *message)
{
  g_autoptr (JsonObject) o = json_object_new ();
  json_object_set_int_member (o, "status", status);
  json_object_set_string_member (o, "message", message);
  g_autoptr (JsonNode) n = json_node_init_object (json_node_alloc (), o);
  emit3 (socket, event, channel, n);
}

static void
refuse (RcSioSocket *socket, const char *channel, guint status, const char *message)
{
  report (socket, "subscription_error", channel, status, message);
}

/* Join; for presence, sio_presence_joined answers presence:subscribed with
 * the members. */
static void
join (SioClient *c, const char *channel, const char *user_id, JsonNode *user_info)
{
  rc_hub_join (c->client.hub, &c->client, channel, user_id, user_info);
}

static void
sio_presence_joined (RcHubClient *client, const char *channel, JsonNode *presence)
{
  SioClient *c = (SioClient *) client;
  if (!presence) { /* full across the cluster */
    refuse (c->socket, channel, 403, "presence channel is full (PRESENCE_MAX_MEMBERS)");
    return;
  }
  JsonObject *p = json_object_get_object_member (json_node_get_object (presence), "presence");
  JsonObject *hash = json_object_get_object_member (p, "hash");
  JsonArray *ids = json_object_get_array_member (p, "ids");
  g_autoptr (JsonArray) members = json_array_new ();
  for (guint i = 0; i < json_array_get_length (ids); i++) {
    const char *id = json_array_get_string_element (ids, i);
    JsonObject *m = json_object_new ();
    json_object_set_string_member (m, "user_id", id);
    json_object_set_member (m, "user_info", json_node_copy (json_object_get_member (hash, id)));
    json_array_add_object_element (members, m);
  }
  g_autoptr (JsonNode) n = json_node_init_array (json_node_alloc (), members);
  emit3 (c->socket, "presence:subscribed", channel, n);
}

typedef struct {
  SioClient *client; /* valid while cancellable not cancelled */
  char *channel;
} AuthCall;

static void
on_auth_reply (GObject *source, GAsyncResult *res, gpointer data)
{
  AuthCall *call = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RcHttpResponse)
    r = rc_http_client_request_finish (RC_HTTP_CLIENT (source), res, &error);
  g_autofree char *channel = call->channel;
  SioClient *c = call->client;
  g_free (call);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!r) {
    g_warning ("broadcast auth for %s unavailable: %s", channel, error->message);
    refuse (c->socket, channel, 503, "authorisation unavailable");
    return;
  }
  if (r->status < 200 || r->status > 299) {
    rc_metrics_counter_inc ("roomcast_hub_auth_refused_total",
                            "Subscriptions refused for a bad signature", NULL);
    refuse (c->socket, channel, r->status == 401 ? 401 : 403, "not authorised");
    return;
  }
  g_autofree char *user_id = NULL;
  JsonNode *info = NULL;
  g_autoptr (JsonNode) root = NULL, cd = NULL;
  if (rc_hub_channel_kind (channel) == RC_HUB_CHANNEL_PRESENCE) {
    gsize len;
    const char *text = g_bytes_get_data (r->body, &len);
    root = rc_json_parse_strict (text ? text : "", len, NULL, NULL);
    JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
    JsonNode *n = o ? json_object_get_member (o, "channel_data") : NULL;
    if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING) {
      const char *s = json_node_get_string (n);
      cd = rc_json_parse_strict (s, strlen (s), NULL, NULL);
    } else if (n) {
      cd = json_node_ref (n);
    }
    JsonObject *m = cd && JSON_NODE_HOLDS_OBJECT (cd) ? json_node_get_object (cd) : NULL;
    JsonNode *id = m ? json_object_get_member (m, "user_id") : NULL;
    if (id && JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING)
      user_id = g_strdup (json_node_get_string (id));
    else if (id && JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_INT64)
      user_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (id));
    info = m ? json_object_get_member (m, "user_info") : NULL;
    if (!user_id || !*user_id) {
      refuse (c->socket, channel, 403, "the auth answer has no channel_data.user_id");
      return;
    }
    if (!rc_hub_presence_has_room (c->client.hub, channel, user_id)) {
      refuse (c->socket, channel, 403, "presence channel is full (PRESENCE_MAX_MEMBERS)");
      return;
    }
  }
  join (c, channel, user_id, info);
}

/* Only these of the client's auth headers go to Laravel. */
static const char *const forwarded[] = { "Authorization", "Cookie",           "X-CSRF-TOKEN",
                                         "X-XSRF-TOKEN",  "X-Requested-With", NULL };

static void
on_subscribe (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcHubSio *hs = data;
  SioClient *c = client_of (hs, socket);
  JsonNode *arg = json_array_get_length (args) > 0 ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = arg && JSON_NODE_HOLDS_OBJECT (arg) ? json_node_get_object (arg) : NULL;
  const char *channel = o && json_object_has_member (o, "channel") &&
                            JSON_NODE_HOLDS_VALUE (json_object_get_member (o, "channel")) &&
                            json_node_get_value_type (json_object_get_member (o, "channel")) ==
                              G_TYPE_STRING
                          ? json_object_get_string_member (o, "channel")
                          : NULL;
  if (ack)
    rc_sio_ack_ok (ack, NULL);
  if (!c || !rc_hub_channel_name_valid (channel)) {
    refuse (socket, channel && strlen (channel) <= 200 ? channel : "", 400,
            "invalid channel name");
    return;
  }
  if (rc_hub_client_at_channel_limit (hs->hub, &c->client, channel)) {
    refuse (socket, channel, 429,
            "too many channels on this connection (HUB_MAX_CHANNELS_PER_CONNECTION)");
    return;
  }
  if (rc_hub_channel_kind (channel) == RC_HUB_CHANNEL_PUBLIC) {
    join (c, channel, NULL, NULL);
    return;
  }
  const RcConfig *config = rc_hub_get_config (hs->hub);
  if (!config->broadcast_auth_url) {
    refuse (socket, channel, 403, "private channels need BROADCAST_AUTH_URL");
    return;
  }
  g_autoptr (GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (headers, g_strdup ("Content-Type: application/json"));
  g_ptr_array_add (headers, g_strdup ("Accept: application/json"));
  JsonObject *auth = json_object_has_member (o, "auth") &&
                         JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "auth"))
                       ? json_object_get_object_member (o, "auth")
                       : NULL;
  JsonObject *h = auth && json_object_has_member (auth, "headers") &&
                      JSON_NODE_HOLDS_OBJECT (json_object_get_member (auth, "headers"))
                    ? json_object_get_object_member (auth, "headers")
                    : NULL;
  for (guint i = 0; h && forwarded[i]; i++) {
    GList *members = json_object_get_members (h);
    for (GList *l = members; l; l = l->next) {
      JsonNode *v = json_object_get_member (h, l->data);
      if (g_ascii_strcasecmp (l->data, forwarded[i]) != 0 || !JSON_NODE_HOLDS_VALUE (v) ||
          json_node_get_value_type (v) != G_TYPE_STRING)
        continue;
      const char *value = json_node_get_string (v);
      if (strpbrk (value, "\r\n") || strlen (value) > 8192)
        continue;
      g_ptr_array_add (headers, g_strdup_printf ("%s: %s", forwarded[i], value));
    }
    g_list_free (members);
  }
  g_ptr_array_add (headers, NULL);
  g_autoptr (JsonObject) body = json_object_new ();
  json_object_set_string_member (body, "channel_name", channel);
  json_object_set_string_member (body, "socket_id", c->client.socket_id);
  g_autoptr (JsonNode) bn = json_node_init_object (json_node_alloc (), body);
  g_autofree char *text = rc_json_to_string (bn);
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  AuthCall *call = g_new0 (AuthCall, 1);
  call->client = c;
  call->channel = g_strdup (channel);
  rc_http_client_request_async (hs->http, "POST", config->broadcast_auth_url,
                                (const char *const *) headers->pdata, bytes, c->cancellable,
                                on_auth_reply, call);
}

static const char *
string_arg (JsonArray *args, const char *name, JsonObject **obj)
{
  JsonNode *arg = json_array_get_length (args) > 0 ? json_array_get_element (args, 0) : NULL;
  JsonObject *o = arg && JSON_NODE_HOLDS_OBJECT (arg) ? json_node_get_object (arg) : NULL;
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (obj)
    *obj = o;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
           ? json_node_get_string (n)
           : NULL;
}

static void
on_unsubscribe (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  SioClient *c = client_of (data, socket);
  const char *channel = string_arg (args, "channel", NULL);
  if (ack)
    rc_sio_ack_ok (ack, NULL);
  if (c && channel)
    rc_hub_leave (c->client.hub, &c->client, channel);
}

static void
on_client_event (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  SioClient *c = client_of (data, socket);
  JsonObject *o = NULL;
  const char *channel = string_arg (args, "channel", &o);
  const char *event = string_arg (args, "event", NULL);
  const char *user_id = c && channel ? g_hash_table_lookup (c->client.channels, channel) : NULL;
  if (ack)
    rc_sio_ack_ok (ack, NULL);
  if (!user_id || !event || !g_str_has_prefix (event, "client-") || strlen (event) > 200 ||
      rc_hub_channel_kind (channel) == RC_HUB_CHANNEL_PUBLIC)
    return;
  if (!rc_hub_client_take_event (&c->client)) {
    report (socket, "client_event_error", channel, 429,
            "Client event rejected due to rate limit");
    return;
  }
  JsonNode *payload = json_object_get_member (o, "data");
  g_autofree char *text = payload ? rc_json_to_string (payload) : NULL;
  if (text && strlen (text) > RC_HUB_MAX_EVENT_DATA)
    return;
  rc_hub_client_event (c->client.hub, &c->client, channel, event, payload,
                       *user_id ? user_id : NULL);
}

static void
sio_client_free (gpointer data)
{
  SioClient *c = data;
  g_cancellable_cancel (c->cancellable);
  g_object_unref (c->cancellable);
  rc_hub_client_unregister (c->client.hub, &c->client);
  g_clear_pointer (&c->client.channels, g_hash_table_unref);
  g_free (c->client.socket_id);
  g_object_unref (c->socket);
  g_free (c);
}

static void
on_connected (RcSioServer *sio, RcSioSocket *socket, gpointer data)
{
  RcHubSio *hs = data;
  SioClient *c = g_new0 (SioClient, 1);
  c->socket = g_object_ref (socket);
  c->cancellable = g_cancellable_new ();
  c->client.protocol = "socketio";
  c->client.send = sio_send;
  c->client.close = sio_close;
  c->client.presence_joined = sio_presence_joined;
  rc_hub_client_register (hs->hub, &c->client);
  g_hash_table_insert (hs->clients, socket, c);
  RcUser *user = rc_sio_socket_get_user (socket);
  if (user) {
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (hs->online, user->id));
    g_hash_table_insert (hs->online, g_strdup (user->id), GUINT_TO_POINTER (n + 1));
    if (n == 0)
      rc_hub_user_connected (hs->hub, user);
  }
  rc_metrics_counter_inc ("roomcast_hub_connections_total", "Hub connections accepted",
                          "protocol=\"socketio\"");
}

static void
on_disconnected (RcSioServer *sio, RcSioSocket *socket, const char *reason, gpointer data)
{
  RcHubSio *hs = data;
  if (!g_hash_table_remove (hs->clients, socket)) /* frees its client */
    return;
  RcUser *user = rc_sio_socket_get_user (socket);
  if (user) {
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (hs->online, user->id));
    if (n <= 1) {
      g_hash_table_remove (hs->online, user->id);
      rc_hub_user_disconnected (hs->hub, user);
    } else {
      g_hash_table_insert (hs->online, g_strdup (user->id), GUINT_TO_POINTER (n - 1));
    }
  }
}

void
rc_hub_sio_free (RcHubSio *hs)
{
  g_signal_handlers_disconnect_by_data (hs->sio, hs);
  /* The server may outlive the hub: its events must not reach @hs. */
  rc_sio_server_off_by_data (hs->sio, hs, "internal", "broadcasting is not available");
  /* Connections still open leave the hub's channels now. */
  g_hash_table_unref (hs->clients);
  g_object_unref (hs->sio);
  g_object_unref (hs->http);
  g_hash_table_unref (hs->online);
  g_free (hs);
}

GPtrArray *
rc_hub_sio_online_users (RcHub *hub)
{
  RcHubSio *hs = hub->sio;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  if (hs) {
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init (&it, hs->online);
    while (g_hash_table_iter_next (&it, &k, NULL))
      g_ptr_array_add (ids, g_strdup (k));
  }
  return ids;
}

gboolean
rc_hub_sio_user_online (RcHub *hub, const char *user_id)
{
  return hub->sio && g_hash_table_contains (hub->sio->online, user_id);
}

guint
rc_hub_sio_emit_all (RcHub *hub, const char *event, JsonNode *data)
{
  RcHubSio *hs = hub->sio;
  if (!hs)
    return 0;
  g_autoptr (JsonArray) args = json_array_new ();
  json_array_add_element (args, json_node_copy (data));
  g_autofree char *frame = rc_sio_encode_event ("/", -1, event, args);
  /* Collected first: a send can end a connection, and with it its entry. */
  g_autoptr (GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter it;
  gpointer socket;
  g_hash_table_iter_init (&it, hs->clients);
  while (g_hash_table_iter_next (&it, &socket, NULL))
    if (rc_sio_socket_is_connected (socket))
      g_ptr_array_add (sockets, g_object_ref (socket));
  for (guint i = 0; i < sockets->len; i++)
    rc_sio_socket_send_frame (g_ptr_array_index (sockets, i), frame);
  return sockets->len;
}

guint
rc_hub_sio_deliver_to_user (RcHub *hub, const char *user_id, const char *event, JsonNode *data,
                            const char *except)
{
  RcHubSio *hs = hub->sio;
  if (!hs)
    return 0;
  g_autoptr (GPtrArray) sockets = rc_sio_server_list_user_sockets (hs->sio, user_id);
  if (sockets->len == 0)
    return 0;
  g_autoptr (JsonArray) args = json_array_new ();
  json_array_add_element (args, rc_hub_emit_data (data));
  g_autofree char *frame = rc_sio_encode_event ("/", -1, event, args);
  guint n = 0;
  for (guint i = 0; i < sockets->len; i++) {
    RcSioSocket *socket = g_ptr_array_index (sockets, i);
    SioClient *c = client_of (hs, socket);
    if (except && c && g_str_equal (c->client.socket_id, except))
      continue;
    rc_sio_socket_send_frame (socket, frame);
    n++;
  }
  return n;
}

const char *
rc_hub_sio_socket_id (RcHub *hub, RcSioSocket *socket)
{
  SioClient *c = hub->sio ? client_of (hub->sio, socket) : NULL;
  return c ? c->client.socket_id : NULL;
}

RcSioServer *
rc_hub_get_sio (RcHub *hub)
{
  return hub->sio ? hub->sio->sio : NULL;
}

void
rc_hub_attach_sio (RcHub *hub, RcSioServer *sio)
{
  g_return_if_fail (hub->sio == NULL);
  const RcConfig *config = rc_hub_get_config (hub);
  RcHubSio *hs = g_new0 (RcHubSio, 1);
  hs->hub = hub;
  hs->sio = g_object_ref (sio);
  hs->http = rc_http_client_new (config->laravel_connect_timeout_ms,
                                 config->laravel_timeout_ms);
  hs->clients = g_hash_table_new_full (NULL, NULL, NULL, sio_client_free);
  hs->online = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  hub->sio = hs;
  g_signal_connect (sio, "connected", G_CALLBACK (on_connected), hs);
  g_signal_connect (sio, "disconnected", G_CALLBACK (on_disconnected), hs);
  rc_sio_server_on (sio, "subscribe", on_subscribe, hs);
  rc_sio_server_on (sio, "unsubscribe", on_unsubscribe, hs);
  rc_sio_server_on (sio, "client event", on_client_event, hs);
}
