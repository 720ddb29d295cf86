/* roomcast: the admin HTTP API; see admin-api.h. */
#include "services/admin-api.h"
#include "http/request-guard.h"
#include "http/http-server.h"
#include "core/metrics.h"
#include "json/json-text.h"
#include "protocol/errors.h"
#include "protocol/payload.h"

#define ADMIN_KEY_HEADER "X-Internal-Key"
#define ADMIN_MAX_BODY 4096
#define ADMIN_MAX_ID 128
#define ADMIN_MAX_REASON 200

typedef struct {
  RcAdminRoomContributor contributor;
  gpointer user_data;
} Detail;

typedef struct {
  char *name;
  RcAdminRoomResource handler;
  gpointer user_data;
} Resource;

struct _RcAdminApi {
  GObject parent_instance;
  const RcConfig *config;
  RcSioServer *sio;
  RcRoomService *rooms;
  GArray *details;   /* Detail */
  GArray *resources; /* Resource: /admin/rooms/{id}/{name} */
  GArray *toplevel;  /* Resource: /admin/{name}, room_id NULL */
};

G_DEFINE_FINAL_TYPE (RcAdminApi, rc_admin_api, G_TYPE_OBJECT)

gboolean
rc_admin_key_equal (const char *given, const char *expected)
{
  if (given == NULL || expected == NULL)
    return FALSE;
  /* Compare fixed-size digests so that neither the length of the key nor
   * the position of the first difference shows in the timing. */
  guint8 a[32], b[32];
  gsize alen = sizeof a, blen = sizeof b;
  g_autoptr (GChecksum) ca = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GChecksum) cb = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (ca, (const guchar *) given, -1);
  g_checksum_update (cb, (const guchar *) expected, -1);
  g_checksum_get_digest (ca, a, &alen);
  g_checksum_get_digest (cb, b, &blen);
  volatile guint8 diff = 0;
  for (gsize i = 0; i < sizeof a; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

static gboolean
is_loopback (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return FALSE;
  GInetAddress *addr = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  return g_inet_address_get_is_loopback (addr);
}

static gboolean
has_key (const RcConfig *config)
{
  return config->admin_api_key != NULL || config->laravel_internal_key != NULL;
}

/* NULL if the caller may go on, else the error code sent. */
static const char *
check_access (RcAdminApi *self, SoupServerMessage *msg)
{
  const RcConfig *config = self->config;
  if (!has_key (config)) {
    if (config->dev && is_loopback (msg))
      return NULL;
    rc_http_reply_error (msg, SOUP_STATUS_FORBIDDEN, "admin_disabled",
                         "the admin API is off: set ADMIN_API_KEY or LARAVEL_INTERNAL_KEY");
    return "admin_disabled";
  }
  const char *given = soup_message_headers_get_one (soup_server_message_get_request_headers (
                                                      msg),
                                                    ADMIN_KEY_HEADER);
  /* Both keys are always compared, so the timing says nothing about which
   * one is configured. */
  gboolean ok_admin = rc_admin_key_equal (given, config->admin_api_key);
  gboolean ok_laravel = rc_admin_key_equal (given, config->laravel_internal_key);
  if (ok_admin || ok_laravel)
    return NULL;
  rc_http_reply_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                       given ? "wrong " ADMIN_KEY_HEADER : "missing " ADMIN_KEY_HEADER);
  return "forbidden";
}

static gboolean
valid_id (const char *id)
{
  gsize len = strlen (id);
  if (len == 0 || len > ADMIN_MAX_ID || !g_utf8_validate (id, len, NULL))
    return FALSE;
  for (const char *p = id; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f || *p == '/')
      return FALSE;
  return TRUE;
}

static void
add_created_at (JsonBuilder *b, RcRoom *room)
{
  g_autoptr (JsonNode) state = rc_room_state_json (room);
  JsonObject *o = json_node_get_object (state);
  json_builder_set_member_name (b, "createdAt");
  if (json_object_has_member (o, "createdAt"))
    json_builder_add_value (b, json_node_copy (json_object_get_member (o, "createdAt")));
  else
    json_builder_add_null_value (b);
}

static guint
count_seated (RcRoom *room)
{
  guint n = 0;
  for (guint i = 0; i < rc_room_get_n_seats (room); i++)
    if (rc_room_get_seat (room, i)->user_id != NULL)
      n++;
  return n;
}

static void
reply_builder (SoupServerMessage *msg, guint status, JsonBuilder *b)
{
  g_autoptr (JsonNode) node = json_builder_get_root (b);
  rc_http_reply_json (msg, status, node);
}

static void
count_request (const char *endpoint, guint status)
{
  g_autofree char *labels = g_strdup_printf ("endpoint=\"%s\",status=\"%u\"", endpoint, status);
  rc_metrics_counter_inc ("roomcast_admin_requests_total",
                          "Admin API requests by endpoint and status", labels);
}

static guint
list_rooms (RcAdminApi *self, SoupServerMessage *msg)
{
  RcRoomRegistry *registry = rc_room_service_get_registry (self->rooms);
  g_autoptr (GPtrArray) ids = rc_room_registry_list_rooms (registry);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rooms");
  json_builder_begin_array (b);
  for (guint i = 0; i < ids->len; i++) {
    RcRoom *room = rc_room_registry_lookup (registry, g_ptr_array_index (ids, i));
    if (room == NULL)
      continue;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, rc_room_get_id (room));
    json_builder_set_member_name (b, "status");
    json_builder_add_string_value (b, rc_room_status_name (rc_room_get_status (room)));
    json_builder_set_member_name (b, "participants");
    json_builder_add_int_value (b, rc_room_get_n_participants (room));
    json_builder_set_member_name (b, "connected");
    json_builder_add_int_value (b, rc_room_get_n_connected (room));
    json_builder_set_member_name (b, "seated");
    json_builder_add_int_value (b, count_seated (room));
    json_builder_set_member_name (b, "seats");
    json_builder_add_int_value (b, rc_room_get_n_seats (room));
    json_builder_set_member_name (b, "seatMode");
    json_builder_add_string_value (b, rc_seat_mode_name (rc_room_get_seat_mode (room)));
    add_created_at (b, room);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  reply_builder (msg, SOUP_STATUS_OK, b);
  return SOUP_STATUS_OK;
}

static guint
room_detail (RcAdminApi *self, SoupServerMessage *msg, RcRoom *room)
{
  /* The join snapshot as seen by nobody in particular: room, seats and
   * every participant with role and seat (held seats included). */
  g_autoptr (JsonObject) snap = rc_room_snapshot (room, "", g_get_real_time () / 1000);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  static const char *const members[] = { "room", "seats", "participants", "cinema",
                                         "requests" };
  for (guint i = 0; i < G_N_ELEMENTS (members); i++) {
    if (!json_object_has_member (snap, members[i]))
      continue;
    json_builder_set_member_name (b, members[i]);
    json_builder_add_value (b, json_node_copy (json_object_get_member (snap, members[i])));
  }
  json_builder_set_member_name (b, "participantCount");
  json_builder_add_int_value (b, rc_room_get_n_participants (room));
  json_builder_set_member_name (b, "seated");
  json_builder_add_int_value (b, count_seated (room));
  add_created_at (b, room);
  for (guint i = 0; i < self->details->len; i++) {
    Detail *d = &g_array_index (self->details, Detail, i);
    d->contributor (b, rc_room_get_id (room), d->user_data);
  }
  json_builder_end_object (b);
  reply_builder (msg, SOUP_STATUS_OK, b);
  return SOUP_STATUS_OK;
}

static guint
close_room (RcAdminApi *self, SoupServerMessage *msg, RcRoom *room)
{
  g_autofree char *id = g_strdup (rc_room_get_id (room));
  guint n = rc_room_get_n_participants (room);
  rc_room_service_close_room (self->rooms, id, "closed_by_admin");
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "ROOMCAST_EVENT", "admin-room-close",
                    "ROOMCAST_ROOM_ID", id, "MESSAGE",
                    "admin: closed room %s (%u participant(s))", id, n);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "roomId");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, "closed_by_admin");
  json_builder_end_object (b);
  reply_builder (msg, SOUP_STATUS_OK, b);
  return SOUP_STATUS_OK;
}

/* The optional kick body: {roomId?: string, ban?: bool, reason?: string}.
 * FALSE (400 sent) if it is not exactly that. */
static gboolean
parse_kick_body (SoupServerMessage *msg, char **room_id, gboolean *ban, char **reason)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  if (body == NULL || body->length == 0)
    return TRUE;
  if (body->length > ADMIN_MAX_BODY) {
    rc_http_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "invalid_payload",
                         "the body is too large");
    return FALSE;
  }
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = rc_json_parse_strict (body->data, body->length, NULL, &error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_payload",
                         "the body must be a JSON object");
    return FALSE;
  }
  JsonObject *o = json_node_get_object (root);
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  json_object_iter_init (&iter, o);
  while (json_object_iter_next (&iter, &name, &value)) {
    gboolean ok = FALSE;
    if (g_str_equal (name, "roomId") && JSON_NODE_HOLDS_VALUE (value) &&
        json_node_get_value_type (value) == G_TYPE_STRING &&
        valid_id (json_node_get_string (value))) {
      g_free (*room_id);
      *room_id = g_strdup (json_node_get_string (value));
      ok = TRUE;
    } else if (g_str_equal (name, "ban") && JSON_NODE_HOLDS_VALUE (value) &&
               json_node_get_value_type (value) == G_TYPE_BOOLEAN) {
      *ban = json_node_get_boolean (value);
      ok = TRUE;
    } else if (g_str_equal (name, "reason") && JSON_NODE_HOLDS_VALUE (value) &&
               json_node_get_value_type (value) == G_TYPE_STRING) {
      const char *text = json_node_get_string (value);
      ok = *text != '\0' && g_utf8_strlen (text, -1) <= ADMIN_MAX_REASON;
      if (ok) {
        g_free (*reason);
        *reason = g_strdup (text);
      }
    }
    if (!ok) {
      g_autofree char *m = g_strdup_printf ("%s: unknown member or invalid value (expected "
                                            "roomId: string, ban: boolean, reason: 1-%u "
                                            "characters)",
                                            name, ADMIN_MAX_REASON);
      rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_payload", m);
      return FALSE;
    }
  }
  return TRUE;
}

static guint
kick_user (RcAdminApi *self, SoupServerMessage *msg, const char *user_id)
{
  g_autofree char *room_id = NULL, *reason = NULL;
  gboolean ban = FALSE;
  if (!parse_kick_body (msg, &room_id, &ban, &reason))
    return soup_server_message_get_status (msg);
  RcRoomRegistry *registry = rc_room_service_get_registry (self->rooms);
  if (room_id == NULL) {
    const char *current = rc_room_registry_room_of (registry, user_id);
    room_id = g_strdup (current);
  } else if (rc_room_registry_lookup (registry, room_id) == NULL) {
    rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such room");
    return SOUP_STATUS_NOT_FOUND;
  }
  if (ban && room_id == NULL) {
    rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_payload",
                         "ban needs roomId (the user is in no room)");
    return SOUP_STATUS_BAD_REQUEST;
  }
  g_autoptr (GPtrArray) sockets = rc_sio_server_list_user_sockets (self->sio, user_id);
  gboolean removed = FALSE;
  if (room_id != NULL) {
    g_autoptr (GError) error = NULL;
    removed = rc_room_service_remove_user (self->rooms, room_id, user_id, ban, &error);
    if (!removed && !ban && sockets->len == 0) {
      rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found",
                           "the user is not in that room");
      return SOUP_STATUS_NOT_FOUND;
    }
  } else if (sockets->len == 0) {
    rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "the user is not connected");
    return SOUP_STATUS_NOT_FOUND;
  }
  const char *why = reason ? reason : "kicked by an administrator";
  g_autoptr (JsonBuilder) kb = json_builder_new ();
  json_builder_begin_object (kb);
  json_builder_set_member_name (kb, "roomId");
  if (room_id)
    json_builder_add_string_value (kb, room_id);
  else
    json_builder_add_null_value (kb);
  json_builder_set_member_name (kb, "by");
  json_builder_add_string_value (kb, "admin");
  json_builder_set_member_name (kb, "banned");
  json_builder_add_boolean_value (kb, ban);
  json_builder_set_member_name (kb, "reason");
  json_builder_add_string_value (kb, why);
  json_builder_end_object (kb);
  g_autoptr (JsonNode) kicked = json_builder_get_root (kb);
  g_autofree char *disconnect_reason = g_strdup_printf ("kicked by admin: %s", why);
  for (guint i = 0; i < sockets->len; i++) {
    RcSioSocket *socket = g_ptr_array_index (sockets, i);
    rc_sio_socket_emit (socket, "kicked", kicked);
    rc_sio_socket_disconnect (socket, disconnect_reason);
  }
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "ROOMCAST_EVENT", "admin-kick",
                    "ROOMCAST_USER_ID", user_id, "ROOMCAST_ROOM_ID", room_id ? room_id : "",
                    "MESSAGE", "admin: kicked user %s (%u connection(s), room %s%s)", user_id,
                    sockets->len, room_id ? room_id : "-", ban ? ", banned" : "");
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "userId");
  json_builder_add_string_value (b, user_id);
  json_builder_set_member_name (b, "connections");
  json_builder_add_int_value (b, sockets->len);
  json_builder_set_member_name (b, "roomId");
  if (room_id)
    json_builder_add_string_value (b, room_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "removedFromRoom");
  json_builder_add_boolean_value (b, removed);
  json_builder_set_member_name (b, "banned");
  json_builder_add_boolean_value (b, ban && removed);
  json_builder_end_object (b);
  reply_builder (msg, SOUP_STATUS_OK, b);
  return SOUP_STATUS_OK;
}

/* The POST /admin/rooms body: exactly {id: UUID, ownerId: string | integer
 * >= 1 | null}. FALSE (400 sent) otherwise. */
static gboolean
parse_pin_body (SoupServerMessage *msg, char **room_id, char **owner_id)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (JsonNode) root = NULL;
  gboolean has_owner = FALSE;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (body != NULL && body->length > 0)
    root = rc_json_parse_strict (body->data, body->length, NULL, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_payload",
                         "the body must be a JSON object {id, ownerId}");
    return FALSE;
  }
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &value)) {
    gboolean ok = FALSE;
    GType type = JSON_NODE_HOLDS_VALUE (value) ? json_node_get_value_type (value) : G_TYPE_NONE;
    if (g_str_equal (name, "id") && type == G_TYPE_STRING &&
        rc_is_uuid (json_node_get_string (value))) {
      g_free (*room_id);
      *room_id = g_strdup (json_node_get_string (value));
      ok = TRUE;
    } else if (g_str_equal (name, "ownerId")) {
      g_clear_pointer (owner_id, g_free);
      if (JSON_NODE_HOLDS_NULL (value))
        ok = TRUE;
      else if (type == G_TYPE_STRING && valid_id (json_node_get_string (value))) {
        *owner_id = g_strdup (json_node_get_string (value));
        ok = TRUE;
      } else if (type == G_TYPE_INT64 && json_node_get_int (value) >= 1) {
        /* Laravel's users.id */
        *owner_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
        ok = TRUE;
      }
      has_owner = ok;
    }
    if (!ok) {
      g_autofree char *m = g_strdup_printf ("%s: unknown member or invalid value (expected id: "
                                            "a UUID, ownerId: a user id or null)",
                                            name);
      rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_payload", m);
      return FALSE;
    }
  }
  if (*room_id == NULL || !has_owner) {
    rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_payload",
                         *room_id == NULL ? "id is required" : "ownerId is required");
    return FALSE;
  }
  return TRUE;
}

/* A POST /admin/rooms waiting for the store. */
typedef struct {
  RcRoomService *rooms;   /* ref */
  SoupServerMessage *msg; /* ref, paused */
  char *room_id;
  char *owner_id; /* nullable: unpinned */
} Pin;

static void
on_pinned (GObject *source, GAsyncResult *result, gpointer data)
{
  Pin *pin = data;
  g_autoptr (GError) error = NULL;
  guint status = SOUP_STATUS_OK;

  if (!rc_room_service_pin_owner_finish (RC_ROOM_SERVICE (source), result, &error)) {
    g_warning ("admin: pinning the owner of room %s failed: %s", pin->room_id, error->message);
    status = SOUP_STATUS_SERVICE_UNAVAILABLE;
    rc_http_reply_error (pin->msg, status, "internal", "the store did not answer; retry later");
  } else {
    RcRoom *room = rc_room_service_lookup (pin->rooms, pin->room_id);
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "ROOMCAST_EVENT", "admin-room-pin",
                      "ROOMCAST_ROOM_ID", pin->room_id, "MESSAGE", "admin: room %s %s%s",
                      pin->room_id, pin->owner_id ? "pinned to owner " : "unpinned",
                      pin->owner_id ? pin->owner_id : "");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "ok");
    json_builder_add_boolean_value (b, TRUE);
    json_builder_set_member_name (b, "roomId");
    json_builder_add_string_value (b, pin->room_id);
    json_builder_set_member_name (b, "ownerId");
    if (pin->owner_id)
      json_builder_add_string_value (b, pin->owner_id);
    else
      json_builder_add_null_value (b);
    /* An open room keeps the host it has: the pin is for its next opening. */
    json_builder_set_member_name (b, "open");
    json_builder_add_boolean_value (b, room != NULL);
    json_builder_end_object (b);
    reply_builder (pin->msg, status, b);
  }
  count_request ("rooms_pin", status);
  soup_server_message_unpause (pin->msg);
  g_object_unref (pin->rooms);
  g_object_unref (pin->msg);
  g_free (pin->room_id);
  g_free (pin->owner_id);
  g_free (pin);
}

/* POST /admin/rooms: pin a room's owner (room:owner:{id}). Answered when the
 * store has; returns 0 (counted then). */
static guint
pin_room (RcAdminApi *self, SoupServerMessage *msg)
{
  g_autofree char *room_id = NULL, *owner_id = NULL;
  Pin *pin;

  if (!parse_pin_body (msg, &room_id, &owner_id))
    return soup_server_message_get_status (msg);
  pin = g_new0 (Pin, 1);
  pin->rooms = g_object_ref (self->rooms);
  pin->msg = g_object_ref (msg);
  pin->room_id = g_steal_pointer (&room_id);
  pin->owner_id = g_steal_pointer (&owner_id);
  soup_server_message_pause (msg);
  rc_room_service_pin_owner_async (self->rooms, pin->room_id, pin->owner_id, NULL, on_pinned,
                                   pin);
  return 0;
}

static guint
method_not_allowed (SoupServerMessage *msg, const char *allowed)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                allowed);
  g_autofree char *m = g_strdup_printf ("use %s", allowed);
  rc_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", m);
  return SOUP_STATUS_METHOD_NOT_ALLOWED;
}

static guint
not_found (SoupServerMessage *msg, const char *what)
{
  rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", what);
  return SOUP_STATUS_NOT_FOUND;
}

/* GET /admin/metrics: /metrics and the series that name rooms. */
static guint
metrics (SoupServerMessage *msg)
{
  char *text = rc_metrics_render_admin ();

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
  return SOUP_STATUS_OK;
}

/* GET /admin/rooms/{id}/{name}: a registered resource of an open room. */
static guint
room_resource (RcAdminApi *self, SoupServerMessage *msg, gboolean get, const char *room_id,
               const char *name, const char **endpoint)
{
  Resource *r = NULL;
  for (guint i = 0; i < self->resources->len && r == NULL; i++)
    if (g_str_equal (g_array_index (self->resources, Resource, i).name, name))
      r = &g_array_index (self->resources, Resource, i);
  if (r == NULL)
    return not_found (msg, "no such endpoint");
  *endpoint = r->name;
  if (!get)
    return method_not_allowed (msg, "GET");
  if (!valid_id (room_id))
    return not_found (msg, "no such room");
  RcRoom *room = rc_room_service_lookup (self->rooms, room_id);
  if (room == NULL || rc_room_get_status (room) == RC_ROOM_STATUS_CLOSED)
    return not_found (msg, "no such room");
  return r->handler (msg, rc_room_get_id (room), r->user_data);
}

/* Routes one authorised request; sets *@endpoint for the metrics. */
static guint
route (RcAdminApi *self, SoupServerMessage *msg, const char *path, const char **endpoint)
{
  const char *method = soup_server_message_get_method (msg);
  gboolean get = method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD;
  gboolean post = method == SOUP_METHOD_POST;
  g_auto (GStrv) parts = g_strsplit (path, "/", -1); /* "", "admin", ... */
  guint n = g_strv_length (parts);
  while (n > 2 && *parts[n - 1] == '\0') /* a trailing slash */
    n--;

  if (n == 3 && g_str_equal (parts[2], "rooms")) {
    *endpoint = post ? "rooms_pin" : "rooms";
    return get    ? list_rooms (self, msg)
           : post ? pin_room (self, msg)
                  : method_not_allowed (msg, "GET, POST");
  }
  if (n == 5 && g_str_equal (parts[2], "rooms") && !g_str_equal (parts[4], "close"))
    return room_resource (self, msg, get, parts[3], parts[4], endpoint);
  if ((n == 4 || n == 5) && g_str_equal (parts[2], "rooms")) {
    gboolean close = n == 5;
    *endpoint = close ? "room_close" : "room";
    if (close ? !post : !get)
      return method_not_allowed (msg, close ? "POST" : "GET");
    if (!valid_id (parts[3]))
      return not_found (msg, "no such room");
    RcRoom *room = rc_room_service_lookup (self->rooms, parts[3]);
    if (room == NULL || rc_room_get_status (room) == RC_ROOM_STATUS_CLOSED)
      return not_found (msg, "no such room");
    return close ? close_room (self, msg, room) : room_detail (self, msg, room);
  }
  for (guint i = 0; n == 3 && i < self->toplevel->len; i++) {
    Resource *r = &g_array_index (self->toplevel, Resource, i);
    if (g_str_equal (r->name, parts[2])) {
      *endpoint = r->name;
      return get ? r->handler (msg, NULL, r->user_data) : method_not_allowed (msg, "GET");
    }
  }
  if (n == 3 && g_str_equal (parts[2], "metrics")) {
    *endpoint = "metrics";
    return get ? metrics (msg) : method_not_allowed (msg, "GET");
  }
  if (n == 5 && g_str_equal (parts[2], "users") && g_str_equal (parts[4], "kick")) {
    *endpoint = "user_kick";
    if (!post)
      return method_not_allowed (msg, "POST");
    if (!valid_id (parts[3]))
      return not_found (msg, "no such user");
    return kick_user (self, msg, parts[3]);
  }
  return not_found (msg, "no such endpoint");
}

static void
handle_admin (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer data)
{
  RcAdminApi *self = data;
  const char *endpoint = "other";
  guint status;
  const char *refused = check_access (self, msg);
  if (refused != NULL) {
    status = SOUP_STATUS_FORBIDDEN;
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "ROOMCAST_EVENT", "admin-refused",
                      "MESSAGE", "admin: refused %s %s from %s (%s)",
                      soup_server_message_get_method (msg), path,
                      soup_server_message_get_remote_host (msg), refused);
  } else {
    status = route (self, msg, path, &endpoint);
    g_debug ("admin: %s %s -> %u", soup_server_message_get_method (msg), path, status);
  }
  if (status != 0) /* 0: answered later, and counted then */
    count_request (endpoint, status);
}

void
rc_admin_api_attach (RcAdminApi *self, SoupServer *soup)
{
  /* libsoup matches handler paths as plain prefixes: "/admin/" leaves
   * "/admin.html" and the like to the web root. */
  soup_server_add_handler (soup, "/admin/", handle_admin, self, NULL);
  rc_request_guard_limit_body (soup, "/admin/", ADMIN_MAX_BODY);
  const RcConfig *config = self->config;
  if (has_key (config))
    g_info ("admin API at /admin, guarded by %s",
            config->admin_api_key && config->laravel_internal_key
              ? "ADMIN_API_KEY or LARAVEL_INTERNAL_KEY"
            : config->admin_api_key ? "ADMIN_API_KEY"
                                    : "LARAVEL_INTERNAL_KEY");
  else if (config->dev)
    g_warning ("admin API at /admin WITHOUT a key (dev mode): open to 127.0.0.1 and ::1 only");
  else
    g_info ("admin API off (403 admin_disabled): set ADMIN_API_KEY or LARAVEL_INTERNAL_KEY");
}

void
rc_admin_api_add_room_detail (RcAdminApi *self, RcAdminRoomContributor contributor,
                              gpointer user_data)
{
  Detail d = { contributor, user_data };
  g_array_append_val (self->details, d);
}

void
rc_admin_api_add_resource (RcAdminApi *self, const char *name, RcAdminRoomResource handler,
                           gpointer user_data)
{
  g_return_if_fail (RC_IS_ADMIN_API (self) && name != NULL && handler != NULL);
  Resource r = { g_strdup (name), handler, user_data };
  g_array_append_val (self->toplevel, r);
}

void
rc_admin_api_count_request (const char *endpoint, guint status)
{
  count_request (endpoint, status);
}

void
rc_admin_api_add_room_resource (RcAdminApi *self, const char *name, RcAdminRoomResource handler,
                                gpointer user_data)
{
  g_return_if_fail (RC_IS_ADMIN_API (self) && name != NULL && handler != NULL);
  g_return_if_fail (*name != '\0' && strchr (name, '/') == NULL &&
                    !g_str_equal (name, "close"));
  Resource r = { g_strdup (name), handler, user_data };
  g_array_append_val (self->resources, r);
}

static void
resource_clear (gpointer data)
{
  g_free (((Resource *) data)->name);
}

RcAdminApi *
rc_admin_api_new (const RcConfig *config, RcSioServer *sio, RcRoomService *rooms)
{
  RcAdminApi *self = g_object_new (RC_TYPE_ADMIN_API, NULL);
  self->config = config;
  self->sio = g_object_ref (sio);
  self->rooms = g_object_ref (rooms);
  return self;
}

static void
rc_admin_api_finalize (GObject *object)
{
  RcAdminApi *self = RC_ADMIN_API (object);
  g_clear_object (&self->rooms);
  g_clear_object (&self->sio);
  g_array_unref (self->details);
  g_array_unref (self->resources);
  g_array_unref (self->toplevel);
  G_OBJECT_CLASS (rc_admin_api_parent_class)->finalize (object);
}

static void
rc_admin_api_class_init (RcAdminApiClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_admin_api_finalize;
}

static void
rc_admin_api_init (RcAdminApi *self)
{
  self->details = g_array_new (FALSE, FALSE, sizeof (Detail));
  self->resources = g_array_new (FALSE, FALSE, sizeof (Resource));
  g_array_set_clear_func (self->resources, resource_clear);
  self->toplevel = g_array_new (FALSE, FALSE, sizeof (Resource));
  g_array_set_clear_func (self->toplevel, resource_clear);
}
