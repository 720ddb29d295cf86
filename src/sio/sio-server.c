/* roomcast: Socket.IO v4 server; see sio-server.h.
 *
 * The HTTP pre-handler at /socket.io/ checks the query (EIO=4, the
 * transport), then what every WebSocket endpoint checks (Origin, draining:
 * http/websocket-upgrade.h). A WebSocket request is then completed by
 * libsoup; a long-polling request goes to its session's RcEioPolling (or
 * opens one). Every session is an RcSioSocket on a transport. This file
 * keeps the table of sockets, runs authentication and dispatches events.
 */
#include "sio/sio-server-private.h"
#include "sio/sio-socket-private.h"
#include "sio/eio-polling.h"
#include "sio/eio-websocket.h"
#include "sio/sio-codec.h"
#include "http/http-server.h"
#include "http/websocket-upgrade.h"
#include "http/request-guard.h"
#include "http/client-ip.h"
#include "core/token-bucket.h"
#include "core/metrics.h"

typedef struct {
  RcSioEventHandler handler; /* NULL once its service went (off_by_data) */
  gpointer user_data;
  const char *gone_code, *gone_message;
} Handler;

struct _RcSioServer {
  GObject parent_instance;
  const RcConfig *config;
  RcAuthProvider *auth;
  GHashTable *sockets;  /* eio sid -> RcSioSocket (ref) */
  GHashTable *handlers; /* event name -> Handler */
  GHashTable
    *auth_budgets; /* client address -> RcTokenBucket (AUTH_ATTEMPTS_PER_IP_PER_MINUTE) */
  gint64 auth_budgets_pruned_us;
  guint n_connected;
  gboolean shutting_down;
};

enum { SIGNAL_CONNECTED, SIGNAL_DISCONNECTED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (RcSioServer, rc_sio_server, G_TYPE_OBJECT)

#define SIO_PATH "/socket.io"
/* Client addresses with an authentication budget at most. */
#define AUTH_BUDGETS_MAX 10000

const RcConfig *
rc_sio_server_get_config (RcSioServer *self)
{
  return self->config;
}

/* --- handshake --------------------------------------------------------- */

static const char *
query_get (GHashTable *query, const char *key)
{
  return query ? g_hash_table_lookup (query, key) : NULL;
}

static char *
bearer_token (SoupServerMessage *msg)
{
  const char *h = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "Authorization");
  if (h && g_ascii_strncasecmp (h, "Bearer ", 7) == 0 && h[7])
    return g_strdup (h + 7);
  return NULL;
}

/* TRUE (and @msg answered) when a polling request is refused as a
 * WebSocket upgrade would be: its Origin, and, for a new session, @draining. */
static gboolean
refuse_client (RcSioServer *self, SoupServerMessage *msg, gboolean draining)
{
  return !rc_websocket_upgrade_check_client (msg, self->config, "roomcast_sio_refused_total",
                                             "Refused Socket.IO requests (WebSocket upgrades "
                                             "and polling)",
                                             draining);
}

static void handle_polling (RcSioServer *self, SoupServerMessage *msg, GHashTable *query);
static gboolean refuse_upgrade (RcSioServer *self, SoupServerMessage *msg, const char *sid);

/* Runs before libsoup's WebSocket handshake: setting a status here refuses
 * the upgrade with that answer. */
static void
handle_sio_http (SoupServer *server, SoupServerMessage *msg, const char *path,
                 GHashTable *query, gpointer data)
{
  RcSioServer *self = data;
  const char *eio = query_get (query, "EIO");
  const char *transport = query_get (query, "transport");

  if (!g_str_equal (path, SIO_PATH) && !g_str_equal (path, SIO_PATH "/")) {
    rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such endpoint");
    return;
  }
  if (g_strcmp0 (eio, "4") != 0) {
    rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "protocol_unsupported",
                         "unsupported protocol version: roomcast speaks Engine.IO 4 "
                         "(socket.io-client 3.x/4.x, EIO=4)");
    return;
  }
  if (g_strcmp0 (transport, "polling") == 0) {
    handle_polling (self, msg, query);
    return;
  }
  if (g_strcmp0 (transport, "websocket") != 0) {
    rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "transport_unsupported",
                         "missing or unknown transport: 'polling' or 'websocket'");
    return;
  }
  /* Origin, draining (503: Socket.IO clients retry elsewhere), handshake;
   * then an upgrade of a polling session must name a live one. Passed: no
   * status set, libsoup completes the handshake and calls on_websocket. */
  if (!rc_websocket_upgrade_check (msg, self->config, "roomcast_sio_refused_total",
                                   "Refused Socket.IO requests (WebSocket upgrades and "
                                   "polling)",
                                   self->shutting_down))
    return;
  if (query_get (query, "sid"))
    refuse_upgrade (self, msg, query_get (query, "sid"));
}

/* A new Engine.IO session on @transport, opened by @msg: sends the open
 * packet. The socket belongs to the table. */
static RcSioSocket *
open_session (RcSioServer *self, SoupServerMessage *msg, GHashTable *query,
              RcEioTransport *transport)
{
  g_autofree char *peer = rc_websocket_upgrade_peer (msg);
  g_autofree char *header_token = bearer_token (msg);
  RcSioSocket *socket = rc_sio_socket_new (self, transport, peer, query_get (query, "token"),
                                           header_token);
  g_autofree char *client = rc_client_ips_client_of (
    soup_server_message_get_remote_address (msg));
  rc_sio_socket_set_client_address (socket, client);
  g_hash_table_insert (self->sockets, g_strdup (rc_sio_socket_get_eio_sid (socket)), socket);
  g_autofree char *labels = g_strdup_printf ("transport=\"%s\"",
                                             rc_eio_transport_get_name (transport));
  rc_metrics_counter_inc ("roomcast_sio_transports_opened_total",
                          "Engine.IO sessions opened, by first transport", labels);
  g_debug ("transport open: eio=%s transport=%s peer=%s", rc_sio_socket_get_eio_sid (socket),
           rc_eio_transport_get_name (transport), peer);
  rc_sio_socket_start (socket);
  return socket;
}

static void
on_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
              SoupWebsocketConnection *ws, gpointer data)
{
  RcSioServer *self = data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autoptr (GHashTable) query = NULL;
  if (g_uri_get_query (uri))
    query = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_autoptr (RcEioTransport)
    transport = rc_eio_websocket_new (ws, self->config->max_payload,
                                      self->config->ws_max_unsent_bytes,
                                      self->config->ws_send_stall_ms);
  const char *sid = query_get (query, "sid");

  if (!sid) {
    open_session (self, msg, query, transport);
    return;
  }
  /* The upgrade of a polling session (checked by refuse_upgrade(); the
   * session may have ended since). */
  RcSioSocket *socket = g_hash_table_lookup (self->sockets, sid);
  if (!socket || !rc_sio_socket_upgrade (socket, transport)) {
    g_debug ("upgrade refused: eio=%s", sid);
    rc_eio_transport_close (transport);
  }
}

/* --- long-polling ------------------------------------------------------ */

/* A client polling more than this behind is disconnected. */
#define POLLING_MIN_QUEUED (1024 * 1024)

/* A WebSocket with ?sid= is the upgrade of that polling session. */
static gboolean
refuse_upgrade (RcSioServer *self, SoupServerMessage *msg, const char *sid)
{
  RcSioSocket *socket = g_hash_table_lookup (self->sockets, sid);
  if (!socket) {
    rc_eio_reply_error (msg, RC_EIO_HTTP_UNKNOWN_SID);
    return TRUE;
  }
  if (!RC_IS_EIO_POLLING (rc_sio_socket_get_transport (socket))) {
    rc_eio_reply_error (msg, RC_EIO_HTTP_BAD_REQUEST);
    return TRUE;
  }
  return FALSE;
}

/* Cross-origin XHR (socket.io-client in a browser, withCredentials or not):
 * the allowed Origin itself, never "*", so that credentials are allowed. */
static void
add_cors_headers (SoupServerMessage *msg, const char *origin)
{
  if (!origin)
    return;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", origin);
  soup_message_headers_replace (headers, "Access-Control-Allow-Credentials", "true");
  soup_message_headers_append (headers, "Vary", "Origin");
}

static void
answer_preflight (SoupServerMessage *msg)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *asked = soup_message_headers_get_one (request, "Access-Control-Request-Headers");

  soup_message_headers_replace (headers, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  if (asked)
    soup_message_headers_replace (headers, "Access-Control-Allow-Headers", asked);
  soup_message_headers_replace (headers, "Access-Control-Max-Age", "600");
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* GET (handshake or poll), POST (packets) and OPTIONS (CORS preflight) with
 * transport=polling. */
static void
handle_polling (RcSioServer *self, SoupServerMessage *msg, GHashTable *query)
{
  const char *method = soup_server_message_get_method (msg);
  const char *origin =
    soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Origin");
  const char *sid = query_get (query, "sid");

  if (refuse_client (self, msg, FALSE))
    return;
  add_cors_headers (msg, origin);
  if (method == SOUP_METHOD_OPTIONS) {
    answer_preflight (msg);
    return;
  }
  if (!sid) {
    if (method != SOUP_METHOD_GET) {
      rc_eio_reply_error (msg, RC_EIO_HTTP_BAD_HANDSHAKE_METHOD);
      return;
    }
    if (refuse_client (self, msg, self->shutting_down))
      return;
    g_autoptr (RcEioTransport)
      transport = rc_eio_polling_new (self->config->max_payload,
                                      MAX ((gsize) self->config->max_payload,
                                           POLLING_MIN_QUEUED),
                                      self->config->ping_timeout_ms);
    open_session (self, msg, query, transport);
    /* Answered at once: the open packet is queued. */
    rc_eio_polling_handle_request (RC_EIO_POLLING (transport), msg);
    return;
  }
  RcSioSocket *socket = g_hash_table_lookup (self->sockets, sid);
  if (!socket) {
    rc_eio_reply_error (msg, RC_EIO_HTTP_UNKNOWN_SID);
    return;
  }
  RcEioTransport *transport = rc_sio_socket_get_transport (socket);
  if (!RC_IS_EIO_POLLING (transport)) {
    /* Polling for a session that upgraded to a WebSocket. */
    rc_eio_reply_error (msg, RC_EIO_HTTP_BAD_REQUEST);
    return;
  }
  g_autoptr (RcSioSocket) keep = g_object_ref (socket);
  rc_eio_polling_handle_request (RC_EIO_POLLING (transport), msg);
}

/* Runs once the request headers are read, before libsoup reads the body:
 * a polling POST longer than maxPayload is answered 413 (and its session
 * ends, as a WebSocket frame that long ends its connection) without the body
 * ever being kept in memory. A POST must say its length. */
static void
handle_sio_early (SoupServer *server, SoupServerMessage *msg, const char *path,
                  GHashTable *query, gpointer data)
{
  RcSioServer *self = data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST ||
      g_strcmp0 (query_get (query, "transport"), "polling") != 0)
    return;
  goffset length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                     ? soup_message_headers_get_content_length (headers)
                     : -1;
  if (length >= 0 && length <= self->config->max_payload)
    return;

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  if (origin && rc_config_origin_allowed (self->config, origin))
    add_cors_headers (msg, origin);
  if (length < 0) {
    rc_http_reply_error (msg, SOUP_STATUS_LENGTH_REQUIRED, "length_required",
                         "a polling POST needs a Content-Length");
    return;
  }
  g_autofree char *reason = g_strdup_printf ("protocol error: POST of %" G_GOFFSET_FORMAT
                                             " bytes exceeds maxPayload (%u)",
                                             length, self->config->max_payload);
  rc_http_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                       "the body is longer than maxPayload (SIO_MAX_PAYLOAD)");
  RcSioSocket *socket = g_hash_table_lookup (self->sockets, query_get (query, "sid")
                                                              ? query_get (query, "sid")
                                                              : "");
  if (socket && RC_IS_EIO_POLLING (rc_sio_socket_get_transport (socket)))
    rc_eio_polling_abort (RC_EIO_POLLING (rc_sio_socket_get_transport (socket)), reason);
}

/* --- authentication ---------------------------------------------------- */

static void
on_authenticated (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (RcSioSocket) socket = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RcUser)
    user = rc_auth_provider_authenticate_finish (RC_AUTH_PROVIDER (source), result, &error);
  rc_sio_socket_auth_done (socket, user, error);
}

/* One authentication attempt from @client (nullable or loopback: not
 * limited); FALSE past its budget (AUTH_ATTEMPTS_PER_IP_PER_MINUTE, bursts
 * of as many). Idle budgets are forgotten once the table is large. */
static gboolean
take_auth_attempt (RcSioServer *self, const char *client)
{
  guint per_minute = self->config->auth_attempts_per_ip_per_minute;
  gint64 now = g_get_monotonic_time ();
  RcTokenBucket *bucket;

  if (client == NULL || per_minute == 0)
    return TRUE;
  /* Loopback is this machine: a local proxy not listed in TRUSTED_PROXIES
   * would otherwise make every user one address. */
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (client);
  if (address == NULL || g_inet_address_get_is_loopback (address))
    return TRUE;
  bucket = g_hash_table_lookup (self->auth_budgets, client);
  if (bucket == NULL) {
    /* Bounded: at the cap, forget the idle budgets (at most once a
     * minute: a scan per new address would be O(n) on the main loop);
     * if none is idle, this address is not tracked rather than the
     * table growing. */
    if (g_hash_table_size (self->auth_budgets) >= AUTH_BUDGETS_MAX &&
        now - self->auth_budgets_pruned_us > 60 * G_USEC_PER_SEC) {
      GHashTableIter iter;
      gpointer value;
      self->auth_budgets_pruned_us = now;
      g_hash_table_iter_init (&iter, self->auth_budgets);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (now - ((RcTokenBucket *) value)->last_us > 60 * G_USEC_PER_SEC)
          g_hash_table_iter_remove (&iter);
    }
    if (g_hash_table_size (self->auth_budgets) >= AUTH_BUDGETS_MAX)
      return TRUE;
    bucket = g_new0 (RcTokenBucket, 1);
    g_hash_table_insert (self->auth_budgets, g_strdup (client), bucket);
  }
  return rc_token_bucket_take (bucket, per_minute / 60.0, per_minute, now, NULL);
}

void
rc_sio_server_socket_authenticate (RcSioServer *self, RcSioSocket *socket, const char *token)
{
  if (!token || !*token) {
    g_autoptr (GError)
      error = g_error_new_literal (RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED,
                                   "no token in the CONNECT auth object");
    rc_sio_socket_auth_done (socket, NULL, error);
    return;
  }
  if (!take_auth_attempt (self, rc_sio_socket_get_client_address (socket))) {
    g_autoptr (GError)
      error = g_error_new_literal (RC_AUTH_ERROR, RC_AUTH_ERROR_RATE_LIMITED,
                                   "too many authentication attempts from this address");
    rc_metrics_counter_inc ("roomcast_auth_attempts_limited_total",
                            "Socket.IO authentications refused: "
                            "AUTH_ATTEMPTS_PER_IP_PER_MINUTE",
                            NULL);
    rc_sio_socket_auth_done (socket, NULL, error);
    return;
  }
  rc_auth_provider_authenticate_async (self->auth, token, NULL, on_authenticated,
                                       g_object_ref (socket));
}

void
rc_sio_server_socket_connected (RcSioServer *self, RcSioSocket *socket)
{
  RcUser *user = rc_sio_socket_get_user (socket);
  /* Not unique per user: a user may hold any number of connections. */
  self->n_connected++;
  rc_metrics_counter_inc ("roomcast_connections_total", "Socket.IO connections accepted", NULL);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "ROOMCAST_EVENT", "connection-open",
                    "ROOMCAST_USER_ID", user->id, "ROOMCAST_SID", rc_sio_socket_get_id (socket),
                    "MESSAGE", "connection open: sid=%s user=%s (%s) role=%s peer=%s",
                    rc_sio_socket_get_id (socket), user->id, user->name, user->role,
                    rc_sio_socket_get_peer (socket));
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0, socket);
}

void
rc_sio_server_socket_closed (RcSioServer *self, RcSioSocket *socket, const char *reason)
{
  g_autoptr (RcSioSocket) keep = g_object_ref (socket);
  RcUser *user = rc_sio_socket_get_user (socket);

  if (user) {
    self->n_connected--;
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "ROOMCAST_EVENT", "connection-close",
                      "ROOMCAST_USER_ID", user->id, "ROOMCAST_SID",
                      rc_sio_socket_get_id (socket), "MESSAGE",
                      "connection close: sid=%s user=%s reason=%s",
                      rc_sio_socket_get_id (socket), user->id, reason);
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, socket, reason);
  } else {
    g_info ("connection close before connect: peer=%s reason=%s",
            rc_sio_socket_get_peer (socket), reason);
  }
  g_autofree char *labels =
    g_strdup_printf ("reason=\"%s\"",
                     g_str_has_prefix (reason, "parse error")      ? "parse_error"
                     : g_str_has_prefix (reason, "protocol error") ? "protocol_error"
                     : g_str_has_prefix (reason, "auth refused")   ? "auth_refused"
                     : g_str_equal (reason, "ping timeout")        ? "ping_timeout"
                     : g_str_equal (reason, "transport close")     ? "transport_close"
                                                                   : "other");
  rc_metrics_counter_inc ("roomcast_disconnections_total",
                          "Closed Socket.IO transports, by reason", labels);
  g_hash_table_remove (self->sockets, rc_sio_socket_get_eio_sid (socket));
}

/* --- events ------------------------------------------------------------ */

void
rc_sio_server_socket_event (RcSioServer *self, RcSioSocket *socket, const char *event,
                            JsonArray *args, RcSioAck *ack)
{
  rc_metrics_counter_inc ("roomcast_messages_in_total", "Socket.IO events received", NULL);
  /* One budget for every event of a socket, on top of each event's own
   * limits: a client cannot keep the loop busy with cheap events. */
  gint64 retry_after_ms = 0;
  if (!rc_token_bucket_take (rc_sio_socket_get_event_budget (socket),
                             self->config->sio_events_per_second,
                             self->config->sio_events_burst, g_get_monotonic_time (),
                             &retry_after_ms)) {
    rc_metrics_counter_inc ("roomcast_sio_events_limited_total",
                            "Socket.IO events refused by the per-socket budget", NULL);
    if (ack)
      rc_sio_ack_rate_limited (ack,
                               "too many events on this connection (SIO_EVENTS_PER_SECOND)",
                               retry_after_ms);
    return;
  }
  Handler *h = g_hash_table_lookup (self->handlers, event);
  if (!h) {
    g_debug ("sid=%s: no handler for event '%s'", rc_sio_socket_get_id (socket), event);
    if (ack)
      rc_sio_ack_error (ack, "unknown_event", "this server has no such event");
    return;
  }
  if (!h->handler) {
    if (ack)
      rc_sio_ack_error (ack, h->gone_code, h->gone_message);
    return;
  }
  h->handler (socket, args, ack, h->user_data);
}

void
rc_sio_server_on (RcSioServer *self, const char *event, RcSioEventHandler handler,
                  gpointer user_data)
{
  g_return_if_fail (RC_IS_SIO_SERVER (self) && event && handler);
  Handler *h = g_new0 (Handler, 1);
  h->handler = handler;
  h->user_data = user_data;
  g_hash_table_replace (self->handlers, g_strdup (event), h);
}

void
rc_sio_server_off_by_data (RcSioServer *self, gpointer user_data, const char *code,
                           const char *message)
{
  GHashTableIter it;
  Handler *h;

  g_return_if_fail (RC_IS_SIO_SERVER (self) && user_data && code && message);
  g_hash_table_iter_init (&it, self->handlers);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &h))
    if (h->handler && h->user_data == user_data) {
      h->handler = NULL;
      h->user_data = NULL;
      h->gone_code = code;
      h->gone_message = message;
    }
}

/* Built-in "whoami": who the server thinks this connection is. Lets a
 * client (and a health probe) check the round trip and its identity. */
static void
handle_whoami (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  if (!ack)
    return;
  g_autoptr (JsonObject) fields = json_object_new ();
  json_object_set_string_member (fields, "sid", rc_sio_socket_get_id (socket));
  RcUser *user = rc_sio_socket_get_user (socket);
  JsonNode *public = rc_user_to_public_json (user);
  /* The user's own e-mail: private to this connection, so not in the
   * public form other clients see. */
  if (user->email)
    json_object_set_string_member (json_node_get_object (public), "email", user->email);
  json_object_set_member (fields, "user", public);
  rc_sio_ack_ok (ack, fields);
}

/* --- public ------------------------------------------------------------ */

static gboolean
health_contributor (JsonBuilder *b, gpointer data)
{
  RcSioServer *self = data;
  json_builder_set_member_name (b, "connections");
  json_builder_add_int_value (b, self->n_connected);
  return TRUE;
}

static void
metrics_collector (GString *out, gpointer data)
{
  RcSioServer *self = data;
  rc_metrics_append_gauge (out, "roomcast_connections", "Connected Socket.IO clients",
                           self->n_connected);
  rc_metrics_append_gauge (out, "roomcast_transports",
                           "Open Engine.IO sessions (WebSocket or long-polling)",
                           g_hash_table_size (self->sockets));
}

RcSioServer *
rc_sio_server_new (const RcConfig *config, RcAuthProvider *auth)
{
  RcSioServer *self = g_object_new (RC_TYPE_SIO_SERVER, NULL);
  self->config = config;
  self->auth = g_object_ref (auth);
  rc_metrics_register_collector (metrics_collector, self);
  rc_sio_server_on (self, "whoami", handle_whoami, self);
  return self;
}

void
rc_sio_server_attach (RcSioServer *self, SoupServer *soup)
{
  soup_server_add_handler (soup, SIO_PATH, handle_sio_http, self, NULL);
  soup_server_add_early_handler (soup, SIO_PATH, handle_sio_early, self, NULL);
  /* Polling POST bodies: SIO_MAX_PAYLOAD, as a WebSocket message. */
  rc_request_guard_limit_body (soup, SIO_PATH, self->config->max_payload);
  soup_server_add_websocket_handler (soup, SIO_PATH, NULL, NULL, on_websocket, self, NULL);
}

void
rc_sio_server_add_health (RcSioServer *self, RcHealth *health)
{
  rc_health_add (health, health_contributor, self);
}

guint
rc_sio_server_get_n_connections (RcSioServer *self)
{
  return self->n_connected;
}

GPtrArray *
rc_sio_server_list_user_sockets (RcSioServer *self, const char *user_id)
{
  g_return_val_if_fail (RC_IS_SIO_SERVER (self) && user_id, NULL);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init (&iter, self->sockets);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    RcUser *user = rc_sio_socket_get_user (value);
    if (user && rc_sio_socket_is_connected (value) && g_str_equal (user->id, user_id))
      g_ptr_array_add (found, g_object_ref (value));
  }
  return found;
}

guint
rc_sio_server_emit_to_user (RcSioServer *self, const char *user_id, const char *event,
                            JsonNode *arg)
{
  g_return_val_if_fail (RC_IS_SIO_SERVER (self) && user_id && event, 0);
  g_autoptr (GPtrArray) sockets = rc_sio_server_list_user_sockets (self, user_id);
  if (sockets->len == 0)
    return 0;
  g_autoptr (JsonArray) args = json_array_new ();
  if (arg)
    json_array_add_element (args, json_node_copy (arg));
  g_autofree char *frame = rc_sio_encode_event ("/", -1, event, args);
  for (guint i = 0; i < sockets->len; i++)
    rc_sio_socket_send_frame (g_ptr_array_index (sockets, i), frame);
  return sockets->len;
}

void
rc_sio_server_stop_accepting (RcSioServer *self)
{
  self->shutting_down = TRUE;
}

guint
rc_sio_server_emit_all (RcSioServer *self, const char *event, JsonNode *arg)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init (&iter, self->sockets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (rc_sio_socket_get_user (value) && rc_sio_socket_is_connected (value))
      g_ptr_array_add (all, g_object_ref (value));
  for (guint i = 0; i < all->len; i++)
    rc_sio_socket_emit (g_ptr_array_index (all, i), event, arg);
  return all->len;
}

void
rc_sio_server_shutdown (RcSioServer *self, const char *reason)
{
  self->shutting_down = TRUE;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init (&iter, self->sockets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (all, g_object_ref (value));
  for (guint i = 0; i < all->len; i++)
    rc_sio_socket_disconnect (g_ptr_array_index (all, i), reason);
}

static void
rc_sio_server_finalize (GObject *object)
{
  RcSioServer *self = RC_SIO_SERVER (object);
  rc_metrics_unregister_collector (metrics_collector, self);
  g_hash_table_unref (self->sockets);
  g_hash_table_unref (self->handlers);
  g_hash_table_unref (self->auth_budgets);
  g_clear_object (&self->auth);
  G_OBJECT_CLASS (rc_sio_server_parent_class)->finalize (object);
}

static void
rc_sio_server_class_init (RcSioServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_sio_server_finalize;
  signals[SIGNAL_CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                            1, RC_TYPE_SIO_SOCKET);
  signals[SIGNAL_DISCONNECTED] = g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 2, RC_TYPE_SIO_SOCKET,
                                               G_TYPE_STRING);
}

static void
rc_sio_server_init (RcSioServer *self)
{
  self->sockets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->handlers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->auth_budgets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
