/* roomcast: the Pusher HTTP API under /apps/{id}/, so Laravel's pusher
 * (and reverb) broadcasting driver can point at roomcast.
 *
 *   POST /apps/{id}/events          {name, data, channels|channel, socket_id?}
 *                                   (channel "#server-to-user-{id}": sendToUser())
 *   POST /apps/{id}/batch_events    {batch: [{name, data, channel, socket_id?}]}
 *   GET  /apps/{id}/channels        ?filter_by_prefix=&info=user_count
 *   GET  /apps/{id}/channels/{name} ?info=user_count,subscription_count
 *   GET  /apps/{id}/channels/{name}/users
 *   POST /apps/{id}/users/{user}/terminate_connections
 *
 * Every request is signed (auth_key, auth_timestamp within 600 s,
 * auth_version 1.0, body_md5, auth_signature); see hub-auth.h.
 */
#include "hub/hub-private.h"
#include "http/request-guard.h"
#include "http/http-server.h"

#include <string.h>

#include "core/metrics.h"
#include "json/json-text.h"

#define APPS_PATH "/apps"
#define MAX_BODY (256 * 1024)
#define MAX_EVENT_DATA (100 * 1024)
#define MAX_CHANNELS_PER_EVENT 100
#define MAX_BATCH 10

static void
refuse (SoupServerMessage *msg, guint status, const char *code, const char *message)
{
  g_autofree char *labels = g_strdup_printf ("code=\"%s\"", code);
  rc_metrics_counter_inc ("roomcast_hub_api_refused_total", "Pusher HTTP API requests refused",
                          labels);
  rc_http_reply_error (msg, status, code, message);
}

/* One event: checks everything before sending anything. Returns an error
 * message or NULL; with @send FALSE only validates. */
static const char *
one_event (RcHub *hub, JsonObject *e, gboolean batch, gboolean send)
{
  const char *name = rc_json_object_get_string (e, "name");
  JsonNode *data = json_object_get_member (e, "data");
  const char *socket_id = rc_json_object_get_string (e, "socket_id");
  JsonNode *socket_node = json_object_get_member (e, "socket_id");

  if (!name || !*name || strlen (name) > 200)
    return "name must be a string of 1-200 characters";
  if (!data || !JSON_NODE_HOLDS_VALUE (data) ||
      json_node_get_value_type (data) != G_TYPE_STRING)
    return "data must be a string";
  if (strlen (json_node_get_string (data)) > MAX_EVENT_DATA)
    return "data is over 100 KB";
  if (socket_node && !JSON_NODE_HOLDS_NULL (socket_node) && !socket_id)
    return "socket_id must be a string";

  g_autoptr (GPtrArray) channels = g_ptr_array_new ();
  const char *single = rc_json_object_get_string (e, "channel");
  JsonNode *list = batch ? NULL : json_object_get_member (e, "channels");
  if (single)
    g_ptr_array_add (channels, (gpointer) single);
  if (list) {
    if (!JSON_NODE_HOLDS_ARRAY (list))
      return "channels must be an array of strings";
    JsonArray *a = json_node_get_array (list);
    for (guint i = 0; i < json_array_get_length (a); i++) {
      JsonNode *n = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        return "channels must be an array of strings";
      g_ptr_array_add (channels, (gpointer) json_node_get_string (n));
    }
  }
  if (channels->len == 0 || channels->len > MAX_CHANNELS_PER_EVENT)
    return "an event needs 1-100 channels";
  for (guint i = 0; i < channels->len; i++)
    if (!rc_hub_channel_name_valid (g_ptr_array_index (channels, i)) &&
        !rc_hub_user_channel_valid (g_ptr_array_index (channels, i)))
      return "invalid channel name";
  if (send)
    for (guint i = 0; i < channels->len; i++)
      rc_hub_publish (hub, g_ptr_array_index (channels, i), name, data, socket_id, "api");
  return NULL;
}

static void
handle_events (RcHub *hub, SoupServerMessage *msg, JsonObject *body, gboolean batch)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new ();
  if (batch) {
    JsonNode *b = json_object_get_member (body, "batch");
    if (!b || !JSON_NODE_HOLDS_ARRAY (b) ||
        json_array_get_length (json_node_get_array (b)) == 0 ||
        json_array_get_length (json_node_get_array (b)) > MAX_BATCH) {
      refuse (msg, SOUP_STATUS_BAD_REQUEST, "invalid_body",
              "batch must be an array of 1-10 events");
      return;
    }
    JsonArray *a = json_node_get_array (b);
    for (guint i = 0; i < json_array_get_length (a); i++) {
      JsonNode *n = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (n)) {
        refuse (msg, SOUP_STATUS_BAD_REQUEST, "invalid_body", "batch items must be objects");
        return;
      }
      g_ptr_array_add (events, json_node_get_object (n));
    }
  } else {
    g_ptr_array_add (events, body);
  }
  for (guint i = 0; i < events->len; i++) {
    const char *why = one_event (hub, g_ptr_array_index (events, i), batch, FALSE);
    if (why) {
      refuse (msg, SOUP_STATUS_BAD_REQUEST, "invalid_event", why);
      return;
    }
  }
  for (guint i = 0; i < events->len; i++)
    one_event (hub, g_ptr_array_index (events, i), batch, TRUE);
  g_autoptr (JsonNode) empty = rc_json_node_take_object (NULL);
  if (batch) {
    JsonObject *o = json_node_get_object (empty);
    json_object_set_array_member (o, "batch", json_array_new ());
    for (guint i = 0; i < events->len; i++)
      json_array_add_object_element (json_object_get_array_member (o, "batch"),
                                     json_object_new ());
  }
  rc_http_reply_json (msg, SOUP_STATUS_OK, empty);
}

static int
compare_counts (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(RcHubChannelCount *const *) a)->name,
                 (*(RcHubChannelCount *const *) b)->name);
}

static int
compare_ids (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static gboolean
info_has (GHashTable *query, const char *what)
{
  const char *info = query ? g_hash_table_lookup (query, "info") : NULL;
  if (!info)
    return FALSE;
  g_auto (GStrv) parts = g_strsplit (info, ",", -1);
  return g_strv_contains ((const char *const *) parts, what);
}

/* GET /apps/{id}/channels: @counts (RcHubChannelCount*, any order). */
static void
reply_channels (SoupServerMessage *msg, GHashTable *query, GPtrArray *counts)
{
  const char *prefix = query ? g_hash_table_lookup (query, "filter_by_prefix") : NULL;
  gboolean users = info_has (query, "user_count");
  g_ptr_array_sort (counts, compare_counts);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "channels");
  json_builder_begin_object (b);
  for (guint i = 0; i < counts->len; i++) {
    RcHubChannelCount *c = g_ptr_array_index (counts, i);
    if (prefix && !g_str_has_prefix (c->name, prefix))
      continue;
    json_builder_set_member_name (b, c->name);
    json_builder_begin_object (b);
    if (users) {
      json_builder_set_member_name (b, "user_count");
      json_builder_add_int_value (b, c->users);
    }
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  rc_http_reply_json (msg, SOUP_STATUS_OK, root);
}

/* GET /apps/{id}/channels/{name}: @counts holds it, or nothing. */
static void
reply_channel (SoupServerMessage *msg, GHashTable *query, GPtrArray *counts)
{
  RcHubChannelCount *c = counts->len ? g_ptr_array_index (counts, 0) : NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "occupied");
  json_builder_add_boolean_value (b, c != NULL);
  if (info_has (query, "user_count")) {
    json_builder_set_member_name (b, "user_count");
    json_builder_add_int_value (b, c ? c->users : 0);
  }
  if (info_has (query, "subscription_count")) {
    json_builder_set_member_name (b, "subscription_count");
    json_builder_add_int_value (b, c ? c->subscriptions : 0);
  }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  rc_http_reply_json (msg, SOUP_STATUS_OK, root);
}

/* GET /apps/{id}/channels/{name}/users: @ids (NULL: none), sorted here. */
static void
reply_users (SoupServerMessage *msg, GPtrArray *ids)
{
  if (ids)
    g_ptr_array_sort (ids, compare_ids);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "users");
  json_builder_begin_array (b);
  for (guint i = 0; ids && i < ids->len; i++) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, g_ptr_array_index (ids, i));
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  rc_http_reply_json (msg, SOUP_STATUS_OK, root);
}

/* A question for the cluster (Redis): the request waits, paused. */
typedef struct {
  SoupServerMessage *msg;
  GHashTable *query; /* nullable */
  char *channel;     /* nullable: every channel */
} Ask;

static Ask *
ask_new (SoupServerMessage *msg, GHashTable *query, const char *channel)
{
  Ask *a = g_new0 (Ask, 1);
  a->msg = g_object_ref (msg);
  a->query = query ? g_hash_table_ref (query) : NULL;
  a->channel = g_strdup (channel);
  soup_server_message_pause (msg);
  return a;
}

static void
ask_done (Ask *a)
{
  soup_server_message_unpause (a->msg);
  g_object_unref (a->msg);
  g_clear_pointer (&a->query, g_hash_table_unref);
  g_free (a->channel);
  g_free (a);
}

static GPtrArray *
local_counts (RcHub *hub, const char *only)
{
  GPtrArray *counts = g_ptr_array_new_with_free_func (rc_hub_channel_count_free);
  g_autoptr (GPtrArray) names = NULL;
  if (!only)
    names = rc_hub_list_channels (hub, NULL);
  for (guint i = 0; only ? i < 1 : i < names->len; i++) {
    RcHubChannelCount *c = g_new0 (RcHubChannelCount, 1);
    c->name = g_strdup (only ? only : g_ptr_array_index (names, i));
    if (rc_hub_channel_info (hub, c->name, &c->subscriptions, &c->users))
      g_ptr_array_add (counts, c);
    else
      rc_hub_channel_count_free (c);
  }
  return counts;
}

static void
on_counts (RcHub *hub, GPtrArray *counts, gpointer data)
{
  Ask *a = data;
  if (!hub) {
    soup_server_message_set_status (a->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
  } else if (!counts) {
    refuse (a->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "cluster_unavailable",
            "Redis did not answer: the cluster's channels are not known");
  } else if (a->channel) {
    reply_channel (a->msg, a->query, counts);
  } else {
    reply_channels (a->msg, a->query, counts);
  }
  ask_done (a);
}

static void
on_ids (RcHub *hub, GPtrArray *ids, gpointer data)
{
  Ask *a = data;
  if (!hub)
    soup_server_message_set_status (a->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
  else if (!ids)
    refuse (a->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "cluster_unavailable",
            "Redis did not answer: the cluster's members are not known");
  else
    reply_users (a->msg, ids);
  ask_done (a);
}

static void
handle_channels (RcHub *hub, SoupServerMessage *msg, GHashTable *query)
{
  const char *prefix = query ? g_hash_table_lookup (query, "filter_by_prefix") : NULL;
  gboolean users = info_has (query, "user_count");
  if (users && !g_str_has_prefix (prefix ? prefix : "", "presence-")) {
    refuse (msg, SOUP_STATUS_BAD_REQUEST, "invalid_query",
            "info=user_count needs filter_by_prefix=presence-");
    return;
  }
  Ask *a = ask_new (msg, query, NULL);
  if (!rc_hub_cluster_channels (hub, NULL, on_counts, a)) {
    g_autoptr (GPtrArray) counts = local_counts (hub, NULL); /* one node */
    on_counts (hub, counts, a);
  }
}

static void
handle_channel (RcHub *hub, SoupServerMessage *msg, const char *name, GHashTable *query)
{
  gboolean presence = rc_hub_channel_kind (name) == RC_HUB_CHANNEL_PRESENCE;
  if (info_has (query, "user_count") && !presence) {
    refuse (msg, SOUP_STATUS_BAD_REQUEST, "invalid_query",
            "user_count is for presence channels");
    return;
  }
  Ask *a = ask_new (msg, query, name);
  if (!rc_hub_cluster_channels (hub, name, on_counts, a)) {
    g_autoptr (GPtrArray) counts = local_counts (hub, name);
    on_counts (hub, counts, a);
  }
}

static void
handle_users (RcHub *hub, SoupServerMessage *msg, const char *name)
{
  if (rc_hub_channel_kind (name) != RC_HUB_CHANNEL_PRESENCE) {
    refuse (msg, SOUP_STATUS_BAD_REQUEST, "invalid_query",
            "users are listed for presence channels only");
    return;
  }
  Ask *a = ask_new (msg, NULL, name);
  if (!rc_hub_cluster_users (hub, name, on_ids, a)) {
    g_autoptr (GPtrArray) ids = rc_hub_channel_users (hub, name);
    if (!ids)
      ids = g_ptr_array_new ();
    on_ids (hub, ids, a);
  }
}

static void
handle_apps (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer data)
{
  RcHub *hub = data;
  const RcConfig *config = rc_hub_get_config (hub);
  const char *method = soup_server_message_get_method (msg);
  g_auto (GStrv) parts = g_strsplit (path, "/", -1); /* "", "apps", id, ... */
  guint n = g_strv_length (parts);

  if (n < 4 || !g_str_equal (parts[1], "apps")) {
    refuse (msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such endpoint");
    return;
  }
  if (!rc_hub_secure_equal (parts[2], config->pusher_app_id)) {
    refuse (msg, SOUP_STATUS_NOT_FOUND, "unknown_app", "no such app id");
    return;
  }
  SoupMessageBody *req = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) body = soup_message_body_flatten (req);
  gsize body_len = g_bytes_get_size (body);
  if (body_len > MAX_BODY) {
    refuse (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large", "the body is over 256 KB");
    return;
  }
  const char *why = NULL;
  if (!rc_hub_api_verify (config->pusher_app_key, config->pusher_app_secret, method, path,
                          query, g_bytes_get_data (body, NULL), body_len,
                          g_get_real_time () / G_USEC_PER_SEC, &why)) {
    g_info ("Pusher HTTP API %s %s refused: %s", method, path, why);
    refuse (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized", why);
    return;
  }

  gboolean post = g_str_equal (method, "POST"), get = g_str_equal (method, "GET");
  if (post && n == 4 &&
      (g_str_equal (parts[3], "events") || g_str_equal (parts[3], "batch_events"))) {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode)
      root = rc_json_parse_strict (g_bytes_get_data (body, NULL), body_len, NULL, &error);
    if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
      refuse (msg, SOUP_STATUS_BAD_REQUEST, "invalid_body", "the body must be a JSON object");
      return;
    }
    handle_events (hub, msg, json_node_get_object (root),
                   g_str_equal (parts[3], "batch_events"));
  } else if (get && n == 4 && g_str_equal (parts[3], "channels")) {
    handle_channels (hub, msg, query);
  } else if (get && n == 5 && g_str_equal (parts[3], "channels") &&
             rc_hub_channel_name_valid (parts[4])) {
    handle_channel (hub, msg, parts[4], query);
  } else if (get && n == 6 && g_str_equal (parts[3], "channels") &&
             rc_hub_channel_name_valid (parts[4]) && g_str_equal (parts[5], "users")) {
    handle_users (hub, msg, parts[4]);
  } else if (post && n == 6 && g_str_equal (parts[3], "users") && *parts[4] &&
             strlen (parts[4]) <= 128 && g_str_equal (parts[5], "terminate_connections")) {
    guint closed = rc_hub_terminate_user (hub, parts[4]);
    g_info ("Pusher HTTP API: terminated %u connection(s) of a user", closed);
    g_autoptr (JsonNode) empty = rc_json_node_take_object (NULL);
    rc_http_reply_json (msg, SOUP_STATUS_OK, empty);
  } else {
    refuse (msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such endpoint");
  }
}

void
rc_hub_api_attach (RcHub *hub, SoupServer *soup)
{
  /* With the '/': SoupServer matches handler paths as string prefixes. */
  soup_server_add_handler (soup, APPS_PATH "/", handle_apps, hub, NULL);
  rc_request_guard_limit_body (soup, APPS_PATH "/", MAX_BODY);
}
