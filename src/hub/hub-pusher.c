/* roomcast: Pusher protocol v7 WebSockets at /app/{key}; see hub.h.
 *
 * The HTTP pre-handler refuses what is not a WebSocket upgrade on
 * /app/{something}, or comes from a refused Origin (counted and logged as on
 * /socket.io/: http/websocket-upgrade.h); an unknown key, an unsupported
 * protocol version, a full server or a shutdown are answered the Pusher way
 * once the socket is open: pusher:error with the code, then a close with it.
 */
#include "hub/hub-private.h"
#include "http/fair-io-stream.h"
#include "http/send-backlog.h"
#include "http/http-server.h"
#include "http/websocket-upgrade.h"

#include <string.h>

#include "core/metrics.h"
#include "json/json-text.h"

#define APP_PATH "/app"
#define SWEEP_INTERVAL_S 5

struct _RcHubPusher {
  RcHub *hub;
  GHashTable *conns; /* Conn* set */
  guint sweep_id;
  gboolean shutting_down;
};

typedef struct {
  RcHubClient client; /* first: a Conn* is an RcHubClient* */
  RcHubPusher *pusher;
  SoupWebsocketConnection *ws;
  gint64 last_seen_us;
  gint64 ping_sent_us; /* 0: no ping outstanding */
  gboolean registered;
  RcSendBacklog backlog;
} Conn;

static void
conn_send_text (Conn *c, const char *text)
{
  g_autofree char *slow = NULL;

  if (soup_websocket_connection_get_state (c->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  if (!rc_send_backlog_add (&c->backlog, strlen (text), &slow)) {
    /* 4100: Pusher's "over capacity", clients reconnect after a back-off.
     * No pusher:error first: it would wait behind what the client does not read. */
    rc_metrics_counter_inc ("roomcast_ws_slow_consumers_closed_total",
                            "WebSockets closed because their client stopped reading",
                            "endpoint=\"pusher\"");
    g_info ("hub: closing a Pusher connection: %s", slow);
    soup_websocket_connection_close (c->ws, 4100, "slow consumer");
    rc_send_backlog_abort (&c->backlog);
    return;
  }
  soup_websocket_connection_send_text (c->ws, text);
}

static void
conn_send (RcHubClient *client, const char *channel, const char *event, JsonNode *data,
           const char *frame)
{
  conn_send_text ((Conn *) client, frame);
}

static void
send_event (Conn *c, const char *event, const char *channel, JsonNode *data)
{
  g_autofree char *frame = rc_hub_pusher_frame (event, channel, data, NULL);
  conn_send_text (c, frame);
}

/* pusher:error carries its data as an object: {"code":…,"message":…}. */
static void
send_error (Conn *c, int code, const char *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "pusher:error");
  json_builder_set_member_name (b, "data");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  if (code)
    json_builder_add_int_value (b, code);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = rc_json_to_string (root);
  conn_send_text (c, text);
  g_autofree char *labels = g_strdup_printf ("code=\"%d\"", code);
  rc_metrics_counter_inc ("roomcast_hub_errors_total", "pusher:error sent", labels);
}

static void
close_with (Conn *c, int code, const char *message)
{
  send_error (c, code, message);
  if (soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (c->ws, (gushort) code, message);
}

/* A channel-scoped pusher:subscription_error, which pusher-js emits on the
 * channel (Echo's .error()), after the spec's pusher:error 4009. */
static void
refuse_subscription (Conn *c, const char *channel, int status, const char *why)
{
  send_error (c, 4009, why);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "AuthError");
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, why);
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, status);
  json_builder_end_object (b);
  g_autoptr (JsonNode) data = json_builder_get_root (b);
  send_event (c, "pusher:subscription_error", channel, data);
}

static void
refuse_full (Conn *c, const char *channel)
{
  const RcConfig *config = rc_hub_get_config (c->client.hub);
  g_autofree char *why = g_strdup_printf ("presence channel is full (%u members, "
                                          "PRESENCE_MAX_MEMBERS)",
                                          config->presence_max_members);
  refuse_subscription (c, channel, 403, why);
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

static void
handle_subscribe (Conn *c, JsonObject *data)
{
  RcHub *hub = c->client.hub;
  const RcConfig *config = rc_hub_get_config (hub);
  const char *channel = member_string (data, "channel");
  const char *auth = member_string (data, "auth");
  const char *channel_data = member_string (data, "channel_data");

  if (channel && rc_hub_client_at_channel_limit (hub, &c->client, channel)) {
    refuse_subscription (c, channel, 429,
                         "too many channels on this connection "
                         "(HUB_MAX_CHANNELS_PER_CONNECTION)");
    return;
  }
  if (rc_hub_user_channel_valid (channel)) {
    /* pusher-js subscribes to its own server-to-user channel after signin
     * (joined then already): only that user may. */
    g_autofree char *own = c->client.user_id
                             ? g_strconcat (RC_HUB_USER_CHANNEL_PREFIX, c->client.user_id, NULL)
                             : NULL;
    if (g_strcmp0 (own, channel) != 0) {
      refuse_subscription (c, channel, 403, "sign in as this user first (pusher:signin)");
      return;
    }
    rc_hub_join (c->client.hub, &c->client, channel, NULL, NULL);
    send_event (c, "pusher_internal:subscription_succeeded", channel, NULL);
    return;
  }
  if (!rc_hub_channel_name_valid (channel)) {
    send_error (c, 4009, "invalid channel name (1-200 characters of A-Za-z0-9_-=@,.;)");
    return;
  }
  if (g_hash_table_contains (c->client.channels, channel))
    return; /* already subscribed: nothing to do */
  RcHubChannelKind kind = rc_hub_channel_kind (channel);
  g_autofree char *user_id = NULL;
  g_autoptr (JsonNode) parsed = NULL;
  JsonNode *user_info = NULL;

  if (kind != RC_HUB_CHANNEL_PUBLIC) {
    const char *signed_data = kind == RC_HUB_CHANNEL_PRESENCE ? channel_data : NULL;
    if (kind == RC_HUB_CHANNEL_PRESENCE && !channel_data) {
      refuse_subscription (c, channel, 403, "presence channels need channel_data");
      return;
    }
    if (!rc_hub_channel_auth_valid (config->pusher_app_key, config->pusher_app_secret,
                                    c->client.socket_id, channel, signed_data, auth)) {
      rc_metrics_counter_inc ("roomcast_hub_auth_refused_total",
                              "Subscriptions refused for a bad signature", NULL);
      refuse_subscription (c, channel, 401, "invalid signature");
      return;
    }
  }
  if (kind == RC_HUB_CHANNEL_PRESENCE) {
    parsed = rc_json_parse_strict (channel_data, strlen (channel_data), NULL, NULL);
    JsonObject *o = parsed && JSON_NODE_HOLDS_OBJECT (parsed) ? json_node_get_object (parsed)
                                                              : NULL;
    user_id = o ? rc_hub_user_id_from_node (json_object_get_member (o, "user_id")) : NULL;
    if (!user_id) {
      refuse_subscription (c, channel, 400, "channel_data needs a user_id");
      return;
    }
    user_info = json_object_get_member (o, "user_info");
    if (!rc_hub_presence_has_room (hub, channel, user_id)) {
      refuse_full (c, channel);
      return;
    }
  }
  rc_hub_join (hub, &c->client, channel, user_id, user_info);
  /* Presence: subscription_succeeded carries the members (conn_presence_joined). */
  if (kind != RC_HUB_CHANNEL_PRESENCE)
    send_event (c, "pusher_internal:subscription_succeeded", channel, NULL);
}

static void
conn_presence_joined (RcHubClient *client, const char *channel, JsonNode *presence)
{
  if (presence)
    send_event ((Conn *) client, "pusher_internal:subscription_succeeded", channel, presence);
  else
    refuse_full ((Conn *) client, channel); /* full across the cluster */
}

/* pusher:signin {auth: "key:HMAC(secret, socket_id::user::user_data)",
 * user_data: "{\"id\":…}"}: the connection is that user from now on. It
 * joins #server-to-user-{id} (events sent to the user) and
 * terminate_connections of the user closes it. A bad signature or user_data
 * is 4009 and the connection is closed (Pusher does the same). */
static void
handle_signin (Conn *c, JsonObject *data)
{
  const RcConfig *config = rc_hub_get_config (c->client.hub);
  const char *auth = member_string (data, "auth");
  const char *user_data = member_string (data, "user_data");

  if (!user_data || strlen (user_data) > RC_HUB_MAX_EVENT_DATA ||
      !rc_hub_user_auth_valid (config->pusher_app_key, config->pusher_app_secret,
                               c->client.socket_id, user_data, auth)) {
    rc_metrics_counter_inc ("roomcast_hub_auth_refused_total",
                            "Subscriptions refused for a bad signature", NULL);
    close_with (c, 4009, "Invalid signin signature");
    return;
  }
  g_autoptr (JsonNode)
    parsed = rc_json_parse_strict (user_data, strlen (user_data), NULL, NULL);
  JsonObject *o = parsed && JSON_NODE_HOLDS_OBJECT (parsed) ? json_node_get_object (parsed)
                                                            : NULL;
  const char *id = member_string (o, "id");
  if (!rc_hub_user_id_valid (id)) {
    close_with (c, 4009, "user_data needs an id of 1-128 characters of A-Za-z0-9_-=@,.;");
    return;
  }
  if (c->client.user_id && !g_str_equal (c->client.user_id, id)) {
    g_autofree char *old = g_strconcat (RC_HUB_USER_CHANNEL_PREFIX, c->client.user_id, NULL);
    rc_hub_leave (c->client.hub, &c->client, old);
  }
  g_free (c->client.user_id);
  c->client.user_id = g_strdup (id);
  g_autofree char *channel = g_strconcat (RC_HUB_USER_CHANNEL_PREFIX, id, NULL);
  rc_hub_join (c->client.hub, &c->client, channel, NULL, NULL);

  JsonObject *reply = json_object_new ();
  json_object_set_string_member (reply, "user_data", user_data);
  g_autoptr (JsonNode) rn = rc_json_node_take_object (reply);
  send_event (c, "pusher:signin_success", NULL, rn);
}

static void
handle_client_event (Conn *c, const char *event, JsonObject *msg)
{
  const char *channel = member_string (msg, "channel");
  const char *user_id = channel ? g_hash_table_lookup (c->client.channels, channel) : NULL;

  if (!channel || !user_id) {
    send_error (c, 4009, "client events need a subscribed channel");
    return;
  }
  if (rc_hub_channel_kind (channel) == RC_HUB_CHANNEL_PUBLIC) {
    send_error (c, 4009, "client events are allowed on private and presence channels only");
    return;
  }
  if (!rc_hub_client_take_event (&c->client)) {
    send_error (c, 4301, "Client event rejected due to rate limit");
    return;
  }
  JsonNode *data = json_object_get_member (msg, "data");
  g_autofree char *text = data ? rc_json_to_string (data) : NULL;
  if (text && strlen (text) > RC_HUB_MAX_EVENT_DATA) {
    send_error (c, 4009, "client event data over 10 KB");
    return;
  }
  rc_hub_client_event (c->client.hub, &c->client, channel, event, data,
                       *user_id ? user_id : NULL);
}

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer data)
{
  Conn *c = data;
  gsize len;
  const char *text = g_bytes_get_data (message, &len);

  c->last_seen_us = g_get_monotonic_time ();
  c->ping_sent_us = 0;
  g_autoptr (JsonNode) root = type == SOUP_WEBSOCKET_DATA_TEXT
                                ? rc_json_parse_strict (text, len, NULL, NULL)
                                : NULL;
  JsonObject *msg = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  const char *event = member_string (msg, "event");
  if (!event) {
    send_error (c, 4009, "a message is a JSON object with an event");
    return;
  }
  /* data is an object, or a string holding one (some clients). */
  JsonNode *dn = json_object_get_member (msg, "data");
  g_autoptr (JsonNode) reparsed = NULL;
  if (dn && JSON_NODE_HOLDS_VALUE (dn) && json_node_get_value_type (dn) == G_TYPE_STRING) {
    const char *s = json_node_get_string (dn);
    reparsed = rc_json_parse_strict (s, strlen (s), NULL, NULL);
  }
  JsonNode *dobj = reparsed ? reparsed : dn;
  JsonObject *d = dobj && JSON_NODE_HOLDS_OBJECT (dobj) ? json_node_get_object (dobj) : NULL;

  if (g_str_equal (event, "pusher:ping")) {
    send_event (c, "pusher:pong", NULL, NULL);
  } else if (g_str_equal (event, "pusher:pong")) {
    /* activity noted above */
  } else if (g_str_equal (event, "pusher:subscribe")) {
    handle_subscribe (c, d);
  } else if (g_str_equal (event, "pusher:signin")) {
    handle_signin (c, d);
  } else if (g_str_equal (event, "pusher:unsubscribe")) {
    const char *channel = member_string (d, "channel");
    if (channel)
      rc_hub_leave (c->client.hub, &c->client, channel);
  } else if (g_str_has_prefix (event, "client-") && strlen (event) <= 200) {
    handle_client_event (c, event, msg);
  } else {
    g_debug ("pusher %s: ignored event %.64s", c->client.socket_id, event);
  }
}

static void
conn_free (Conn *c)
{
  if (c->registered)
    rc_hub_client_unregister (c->client.hub, &c->client);
  g_signal_handlers_disconnect_by_data (c->ws, c);
  if (soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  g_object_unref (c->ws);
  g_clear_pointer (&c->client.channels, g_hash_table_unref);
  g_free (c->client.socket_id);
  g_free (c->client.user_id);
  g_free (c);
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer data)
{
  Conn *c = data;
  g_hash_table_remove (c->pusher->conns, c); /* frees */
}

static gboolean
sweep (gpointer data)
{
  RcHubPusher *p = data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  gpointer k;
  GSList *dead = NULL;

  g_hash_table_iter_init (&it, p->conns);
  while (g_hash_table_iter_next (&it, &k, NULL)) {
    Conn *c = k;
    if (c->ping_sent_us && now - c->ping_sent_us > RC_HUB_PONG_TIMEOUT_S * G_USEC_PER_SEC) {
      dead = g_slist_prepend (dead, c);
    } else if (!c->ping_sent_us &&
               now - c->last_seen_us > RC_HUB_ACTIVITY_TIMEOUT_S * G_USEC_PER_SEC) {
      c->ping_sent_us = now;
      send_event (c, "pusher:ping", NULL, NULL);
    }
  }
  for (GSList *l = dead; l; l = l->next)
    close_with (l->data, 4201, "Pong reply not received");
  g_slist_free (dead);
  return G_SOURCE_CONTINUE;
}

static void
conn_close (RcHubClient *client, int code, const char *reason)
{
  close_with ((Conn *) client, code, reason);
}

static void
handle_app_http (SoupServer *server, SoupServerMessage *msg, const char *path,
                 GHashTable *query, gpointer data)
{
  RcHubPusher *p = data;
  const char *key = path + strlen (APP_PATH);

  if (key[0] != '/' || key[1] == '\0' || strchr (key + 1, '/')) {
    rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such endpoint");
    return;
  }
  /* Not draining here: a Pusher client is told 4200 over the open socket
   * (on_websocket), which pusher-js takes as "reconnect". */
  rc_websocket_upgrade_check (msg, rc_hub_get_config (p->hub), "roomcast_hub_refused_total",
                              "Refused Pusher WebSocket upgrades", FALSE);
}

static void
on_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
              SoupWebsocketConnection *ws, gpointer data)
{
  RcHubPusher *p = data;
  const RcConfig *config = rc_hub_get_config (p->hub);
  GUri *uri = soup_server_message_get_uri (msg);
  g_autoptr (GHashTable) query = NULL;
  if (g_uri_get_query (uri))
    query = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  const char *protocol = query ? g_hash_table_lookup (query, "protocol") : NULL;
  guint64 version = 7;

  Conn *c = g_new0 (Conn, 1);
  c->pusher = p;
  c->ws = g_object_ref (ws);
  c->client.hub = p->hub;
  c->client.protocol = "pusher";
  c->client.send = conn_send;
  c->client.close = conn_close;
  c->client.presence_joined = conn_presence_joined;
  c->last_seen_us = g_get_monotonic_time ();
  rc_send_backlog_init (&c->backlog, soup_websocket_connection_get_io_stream (ws),
                        config->ws_max_unsent_bytes, config->ws_send_stall_ms);
  soup_websocket_connection_set_max_incoming_payload_size (ws, RC_HUB_MAX_MESSAGE);
  /* libsoup limits frames; a message of many fragments is ours to bound. */
  rc_fair_io_stream_limit_ws_messages (soup_websocket_connection_get_io_stream (ws),
                                       RC_HUB_MAX_MESSAGE);
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  g_hash_table_add (p->conns, c);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), c);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), c);

  if (p->shutting_down) {
    close_with (c, 4200, "Server is shutting down; reconnect");
    return;
  }
  if (!rc_hub_secure_equal (path + strlen (APP_PATH "/"), config->pusher_app_key)) {
    close_with (c, 4001, "App key does not exist");
    return;
  }
  if (protocol && (!g_ascii_string_to_unsigned (protocol, 10, 0, 100, &version, NULL) ||
                   version < 5 || version > 7)) {
    close_with (c, 4007, "Unsupported protocol version");
    return;
  }
  if (rc_hub_get_n_connections (p->hub) >= rc_hub_get_max_connections (p->hub)) {
    close_with (c, 4100, "Over capacity");
    return;
  }
  rc_hub_client_register (p->hub, &c->client);
  c->registered = TRUE;
  rc_metrics_counter_inc ("roomcast_hub_connections_total", "Hub connections accepted",
                          "protocol=\"pusher\"");

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "socket_id");
  json_builder_add_string_value (b, c->client.socket_id);
  json_builder_set_member_name (b, "activity_timeout");
  json_builder_add_int_value (b, RC_HUB_ACTIVITY_TIMEOUT_S);
  json_builder_end_object (b);
  g_autoptr (JsonNode) established = json_builder_get_root (b);
  send_event (c, "pusher:connection_established", NULL, established);
}

void
rc_hub_pusher_free (RcHubPusher *p)
{
  g_clear_handle_id (&p->sweep_id, g_source_remove);
  g_hash_table_unref (p->conns);
  g_free (p);
}

void
rc_hub_pusher_attach (RcHub *hub, SoupServer *soup)
{
  g_return_if_fail (hub->pusher == NULL);
  RcHubPusher *p = g_new0 (RcHubPusher, 1);
  p->hub = hub;
  p->conns = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) conn_free, NULL);
  p->sweep_id = g_timeout_add_seconds (SWEEP_INTERVAL_S, sweep, p);
  hub->pusher = p;
  /* "/app/", not "/app": SoupServer matches handler paths as plain string
   * prefixes, and the web root's /app.js must stay the web root's. */
  soup_server_add_handler (soup, APP_PATH "/", handle_app_http, p, NULL);
  soup_server_add_websocket_handler (soup, APP_PATH "/", NULL, NULL, on_websocket, p, NULL);
}

void
rc_hub_pusher_stop_accepting (RcHub *hub)
{
  RcHubPusher *p = hub->pusher;

  if (p)
    p->shutting_down = TRUE;
}

void
rc_hub_pusher_shutdown (RcHub *hub)
{
  RcHubPusher *p = hub->pusher;
  if (!p)
    return;
  p->shutting_down = TRUE;
  GList *conns = g_hash_table_get_keys (p->conns);
  for (GList *l = conns; l; l = l->next)
    close_with (l->data, 4200, "Server is shutting down; reconnect");
  g_list_free (conns);
}
