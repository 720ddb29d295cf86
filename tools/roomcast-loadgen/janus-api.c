/* roomcast-loadgen: one Janus API session + plugin handle over HTTP. */
#include "janus-api.h"

#include <string.h>

#include <libsoup/soup.h>

#include "json/json-text.h"

#define KEEPALIVE_S 25
#define LONG_POLL_MAX_EVENTS 10
#define HTTP_TIMEOUT_S 45 /* Janus answers a long poll within 30 s */

struct _JanusApi {
  gatomicrefcount refs;
  gboolean closed; /* freed or failed: no more callbacks */
  JanusApiCallbacks callbacks;
  gpointer user_data;
  char *url, *plugin;
  SoupSession *soup;
  GCancellable *cancellable;
  gint64 session_id, handle_id;
  guint keepalive;
  guint n_transactions;
  GQueue queue;      /* JsonObject *: requests for the handle, oldest first */
  gboolean posting;  /* the queue head is on its way */
};

typedef void (*ReplyFunc) (JanusApi *self, JsonObject *reply);

typedef struct {
  JanusApi *api; /* ref */
  ReplyFunc func;
} Request;

static JanusApi *
api_ref (JanusApi *self)
{
  g_atomic_ref_count_inc (&self->refs);
  return self;
}

static void
api_unref (JanusApi *self)
{
  if (!g_atomic_ref_count_dec (&self->refs))
    return;
  g_queue_clear_full (&self->queue, (GDestroyNotify) json_object_unref);
  g_clear_object (&self->soup);
  g_clear_object (&self->cancellable);
  g_free (self->url);
  g_free (self->plugin);
  g_free (self);
}

static void
fail (JanusApi *self, const char *reason)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->keepalive, g_source_remove);
  self->callbacks.failed (reason, self->user_data);
}

JsonObject *
janus_api_get_object (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* --- HTTP ------------------------------------------------------------------ */

static char *
path_url (JanusApi *self, gboolean session, gboolean handle)
{
  if (handle)
    return g_strdup_printf ("%s/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, self->url,
                            self->session_id, self->handle_id);
  if (session)
    return g_strdup_printf ("%s/%" G_GINT64_FORMAT, self->url, self->session_id);
  return g_strdup (self->url);
}

/* The parsed JSON of a finished request, or NULL with self failed. */
static JsonNode *
finish (JanusApi *self, GObject *source, GAsyncResult *result)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autofree char *reason = NULL;
  JsonNode *node;
  gsize len;
  const char *text;

  if (self->closed)
    return NULL;
  if (body == NULL) {
    reason = g_strdup_printf ("janus http: %s", error->message);
    fail (self, reason);
    return NULL;
  }
  if (soup_message_get_status (msg) != SOUP_STATUS_OK) {
    reason = g_strdup_printf ("janus http: status %u", soup_message_get_status (msg));
    fail (self, reason);
    return NULL;
  }
  text = g_bytes_get_data (body, &len);
  node = rc_json_parse_strict (text, len, NULL, &error);
  if (node == NULL) {
    reason = g_strdup_printf ("janus http: bad JSON: %s", error->message);
    fail (self, reason);
  }
  return node;
}

static void
on_post (GObject *source, GAsyncResult *result, gpointer data)
{
  Request *req = data;
  JanusApi *self = req->api;
  g_autoptr (JsonNode) node = finish (self, source, result);
  JsonObject *o = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *janus = o ? json_object_get_string_member_with_default (o, "janus", "") : "";

  if (node && !self->closed) {
    if (g_str_equal (janus, "success") || g_str_equal (janus, "ack")) {
      if (req->func)
        req->func (self, o);
    } else {
      JsonObject *err = janus_api_get_object (o, "error");
      g_autofree char *reason = g_strdup_printf (
        "janus: %s", err ? json_object_get_string_member_with_default (err, "reason", "?")
                         : "unexpected reply");
      fail (self, reason);
    }
  }
  api_unref (self);
  g_free (req);
}

/* POSTs @request (taken; a "transaction" is added) to the session or handle. */
static void
post (JanusApi *self, JsonObject *request, gboolean to_handle, ReplyFunc func)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *transaction = g_strdup_printf ("%08x-%u", g_random_int (),
                                                  ++self->n_transactions);
  g_autofree char *url = path_url (self, self->session_id != 0, to_handle);
  g_autofree char *text = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, url);
  Request *req = g_new0 (Request, 1);

  json_object_set_string_member (request, "transaction", transaction);
  json_node_take_object (node, request);
  text = rc_json_to_string (node);
  body = g_bytes_new_take (text, strlen (text));
  text = NULL;
  req->api = api_ref (self);
  req->func = func;
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_session_send_and_read_async (self->soup, msg, G_PRIORITY_DEFAULT, self->cancellable,
                                    on_post, req);
}

/* --- the handle's request queue --------------------------------------------- */

static void post_next (JanusApi *self);

static void
on_queued_reply (JanusApi *self, JsonObject *reply)
{
  json_object_unref (g_queue_pop_head (&self->queue));
  self->posting = FALSE;
  post_next (self);
}

static void
post_next (JanusApi *self)
{
  if (self->posting || self->handle_id == 0 || self->closed || g_queue_is_empty (&self->queue))
    return;
  self->posting = TRUE;
  post (self, json_object_ref (g_queue_peek_head (&self->queue)), TRUE, on_queued_reply);
}

static void
enqueue (JanusApi *self, JsonObject *request)
{
  if (self->closed) {
    json_object_unref (request);
    return;
  }
  g_queue_push_tail (&self->queue, request);
  post_next (self);
}

/* --- events ----------------------------------------------------------------- */

static void long_poll (JanusApi *self);

static void
dispatch_event (JanusApi *self, JsonNode *node)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *janus = o ? json_object_get_string_member_with_default (o, "janus", "") : "";

  if (o == NULL || self->closed || g_str_equal (janus, "keepalive"))
    return;
  if (g_str_equal (janus, "timeout")) {
    fail (self, "janus: session timed out");
    return;
  }
  if (json_object_get_int_member_with_default (o, "sender", 0) != self->handle_id)
    return;
  self->callbacks.event (o, self->user_data);
}

static void
on_long_poll (GObject *source, GAsyncResult *result, gpointer data)
{
  JanusApi *self = data;
  g_autoptr (JsonNode) node = finish (self, source, result);

  if (node && JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *events = json_node_get_array (node);
    for (guint i = 0; i < json_array_get_length (events); i++)
      dispatch_event (self, json_array_get_element (events, i));
  } else if (node) {
    dispatch_event (self, node);
  }
  if (node && !self->closed)
    long_poll (self);
  api_unref (self);
}

static void
long_poll (JanusApi *self)
{
  g_autofree char *base = path_url (self, TRUE, FALSE);
  g_autofree char *url = g_strdup_printf ("%s?maxev=%d&rid=%" G_GINT64_FORMAT, base,
                                          LONG_POLL_MAX_EVENTS, g_get_real_time ());
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);

  soup_session_send_and_read_async (self->soup, msg, G_PRIORITY_DEFAULT, self->cancellable,
                                    on_long_poll, api_ref (self));
}

static gboolean
on_keepalive (gpointer data)
{
  JanusApi *self = data;
  JsonObject *request = json_object_new ();

  json_object_set_string_member (request, "janus", "keepalive");
  post (self, request, FALSE, NULL);
  return G_SOURCE_CONTINUE;
}

/* --- session and handle ------------------------------------------------------ */

static gint64
reply_id (JsonObject *reply)
{
  JsonObject *data = janus_api_get_object (reply, "data");

  return data ? json_object_get_int_member_with_default (data, "id", 0) : 0;
}

static void
on_attached (JanusApi *self, JsonObject *reply)
{
  self->handle_id = reply_id (reply);
  if (self->handle_id == 0) {
    fail (self, "janus: attach gave no handle id");
    return;
  }
  post_next (self);
}

static void
on_created (JanusApi *self, JsonObject *reply)
{
  JsonObject *request = json_object_new ();

  self->session_id = reply_id (reply);
  if (self->session_id == 0) {
    json_object_unref (request);
    fail (self, "janus: create gave no session id");
    return;
  }
  self->keepalive = g_timeout_add_seconds (KEEPALIVE_S, on_keepalive, self);
  long_poll (self);
  json_object_set_string_member (request, "janus", "attach");
  json_object_set_string_member (request, "plugin", self->plugin);
  post (self, request, FALSE, on_attached);
}

JanusApi *
janus_api_new (const char *url, const char *plugin, const JanusApiCallbacks *callbacks,
               gpointer user_data)
{
  JanusApi *self = g_new0 (JanusApi, 1);

  g_return_val_if_fail (url && plugin && callbacks, NULL);
  g_atomic_ref_count_init (&self->refs);
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->url = g_strdup (url);
  self->plugin = g_strdup (plugin);
  self->cancellable = g_cancellable_new ();
  /* long poll + handle queue + keepalive + destroy; no proxy lookups */
  self->soup = g_object_new (SOUP_TYPE_SESSION, "max-conns-per-host", 4, "max-conns", 4,
                             "timeout", HTTP_TIMEOUT_S, "proxy-resolver", NULL, NULL);
  g_queue_init (&self->queue);
  return self;
}

void
janus_api_start (JanusApi *self)
{
  JsonObject *request = json_object_new ();

  json_object_set_string_member (request, "janus", "create");
  post (self, request, FALSE, on_created);
}

void
janus_api_send_message (JanusApi *self, JsonNode *body, JsonNode *jsep)
{
  JsonObject *request = json_object_new ();

  json_object_set_string_member (request, "janus", "message");
  json_object_set_member (request, "body", json_node_copy (body));
  if (jsep)
    json_object_set_member (request, "jsep", json_node_copy (jsep));
  enqueue (self, request);
}

void
janus_api_trickle (JanusApi *self, const char *mid, guint mline_index, const char *candidate)
{
  JsonObject *request = json_object_new ();
  JsonObject *c = json_object_new ();

  json_object_set_string_member (request, "janus", "trickle");
  if (candidate) {
    json_object_set_string_member (c, "candidate", candidate);
    if (mid)
      json_object_set_string_member (c, "sdpMid", mid);
    json_object_set_int_member (c, "sdpMLineIndex", mline_index);
  } else {
    json_object_set_boolean_member (c, "completed", TRUE);
  }
  json_object_set_object_member (request, "candidate", c);
  enqueue (self, request);
}

static void
on_destroyed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               NULL);
}

void
janus_api_free (JanusApi *self)
{
  if (self == NULL)
    return;
  if (self->session_id && !self->closed) {
    g_autofree char *url = path_url (self, TRUE, FALSE);
    char *text = g_strdup_printf ("{\"janus\":\"destroy\",\"transaction\":\"%08x\"}",
                                  g_random_int ());
    g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, url);
    g_autoptr (GBytes) body = g_bytes_new_take (text, strlen (text));

    /* Not cancelled below: the task keeps the SoupSession alive until done. */
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
    soup_session_send_and_read_async (self->soup, msg, G_PRIORITY_DEFAULT, NULL, on_destroyed,
                                      NULL);
  }
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->keepalive, g_source_remove);
  api_unref (self);
}
