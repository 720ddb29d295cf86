/* roomcast: Pusher-style webhooks to WEBHOOK_URL.
 *
 * channel_occupied / channel_vacated, member_added / member_removed and
 * client_event are queued and sent in batches: one POST in flight at a
 * time, every FLUSH_MS, body {"time_ms":…,"events":[…]}, signed with
 * X-Pusher-Key and X-Pusher-Signature = hex HMAC-SHA256(secret, body). A
 * failed batch (error or non-2xx) is retried with backoff (500 ms doubling,
 * MAX_ATTEMPTS tries); delivery to clients never waits for any of this.
 */
#include "hub/hub-private.h"

#include <string.h>

#include "http/http-client.h"
#include "core/backoff.h"
#include "core/metrics.h"
#include "json/json-text.h"

#define FLUSH_MS 250
#define BATCH_MAX 100
#define QUEUE_MAX 10000
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define MAX_ATTEMPTS 6

struct _RcHubWebhook {
  RcHub *hub;
  RcHttpClient *http;
  GCancellable *cancellable;
  GQueue queue;     /* JsonNode* events not yet in a batch */
  GBytes *inflight; /* the batch being sent (or waiting to be retried) */
  guint attempts;
  RcBackoff backoff;
  guint timer_id;
};

static void schedule (RcHubWebhook *w, guint ms);

static void
on_sent (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RcHttpResponse)
    r = rc_http_client_request_finish (RC_HTTP_CLIENT (source), res, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  RcHubWebhook *w = data;
  if (r && r->status >= 200 && r->status <= 299) {
    rc_metrics_counter_inc ("roomcast_hub_webhooks_total", "Webhook batches delivered", NULL);
    g_clear_pointer (&w->inflight, g_bytes_unref);
    w->attempts = 0;
    rc_backoff_reset (&w->backoff);
    if (!g_queue_is_empty (&w->queue))
      schedule (w, FLUSH_MS);
    return;
  }
  rc_metrics_counter_inc ("roomcast_hub_webhook_failures_total", "Webhook attempts that failed",
                          NULL);
  if (w->attempts >= MAX_ATTEMPTS) {
    g_warning ("webhook batch dropped after %u attempts (%s)", w->attempts,
               r ? "HTTP error status" : error->message);
    rc_metrics_counter_inc ("roomcast_hub_webhooks_dropped_total", "Webhook batches given up",
                            NULL);
    g_clear_pointer (&w->inflight, g_bytes_unref);
    w->attempts = 0;
    rc_backoff_reset (&w->backoff);
    if (!g_queue_is_empty (&w->queue))
      schedule (w, FLUSH_MS);
    return;
  }
  g_autofree char *why = r ? g_strdup_printf ("HTTP %u", r->status) : g_strdup (error->message);
  guint delay = rc_backoff_next (&w->backoff);
  g_info ("webhook attempt %u failed (%s); retrying in %u ms", w->attempts, why, delay);
  schedule (w, delay);
}

static void
send_batch (RcHubWebhook *w)
{
  const RcConfig *config = rc_hub_get_config (w->hub);
  if (!w->inflight) {
    if (g_queue_is_empty (&w->queue))
      return;
    g_autoptr (JsonArray) events = json_array_new ();
    for (guint i = 0; i < BATCH_MAX && !g_queue_is_empty (&w->queue); i++)
      json_array_add_element (events, g_queue_pop_head (&w->queue));
    g_autoptr (JsonObject) body = json_object_new ();
    json_object_set_int_member (body, "time_ms", g_get_real_time () / 1000);
    json_object_set_array_member (body, "events", json_array_ref (events));
    g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), body);
    char *text = rc_json_to_string (node);
    w->inflight = g_bytes_new_take (text, strlen (text));
  }
  gsize len;
  const char *text = g_bytes_get_data (w->inflight, &len);
  g_autofree char *signature = rc_hub_hmac_hex (config->pusher_app_secret, text, (gssize) len);
  g_autofree char *key_h = g_strdup_printf ("X-Pusher-Key: %s", config->pusher_app_key);
  g_autofree char *sig_h = g_strdup_printf ("X-Pusher-Signature: %s", signature);
  const char *headers[] = { "Content-Type: application/json", key_h, sig_h, NULL };
  w->attempts++;
  rc_http_client_request_async (w->http, "POST", config->webhook_url, headers, w->inflight,
                                w->cancellable, on_sent, w);
}

static gboolean
on_timer (gpointer data)
{
  RcHubWebhook *w = data;
  w->timer_id = 0;
  send_batch (w);
  return G_SOURCE_REMOVE;
}

static void
schedule (RcHubWebhook *w, guint ms)
{
  if (!w->timer_id)
    w->timer_id = g_timeout_add (ms, on_timer, w);
}

void
rc_hub_webhook (RcHub *hub, const char *name, const char *channel, const char *user_id,
                const char *event, JsonNode *data, const char *socket_id)
{
  RcHubWebhook *w = hub->webhook;
  if (!w)
    return;
  if (g_queue_get_length (&w->queue) >= QUEUE_MAX) {
    json_node_unref (g_queue_pop_head (&w->queue));
    rc_metrics_counter_inc ("roomcast_hub_webhook_failures_total",
                            "Webhook attempts that failed", NULL);
  }
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "name", name);
  json_object_set_string_member (o, "channel", channel);
  if (user_id)
    json_object_set_string_member (o, "user_id", user_id);
  if (event)
    json_object_set_string_member (o, "event", event);
  if (data) {
    g_autofree char *text = rc_json_to_string (data);
    json_object_set_string_member (o, "data", text);
  }
  if (socket_id)
    json_object_set_string_member (o, "socket_id", socket_id);
  g_queue_push_tail (&w->queue, json_node_init_object (json_node_alloc (), o));
  json_object_unref (o);
  if (!w->inflight)
    schedule (w, FLUSH_MS);
}

void
rc_hub_webhook_free (RcHubWebhook *w)
{
  g_cancellable_cancel (w->cancellable);
  g_object_unref (w->cancellable);
  g_clear_handle_id (&w->timer_id, g_source_remove);
  g_queue_clear_full (&w->queue, (GDestroyNotify) json_node_unref);
  g_clear_pointer (&w->inflight, g_bytes_unref);
  g_object_unref (w->http);
  g_free (w);
}

void
rc_hub_webhook_start (RcHub *hub)
{
  const RcConfig *config = rc_hub_get_config (hub);
  if (!config->webhook_url)
    return;
  g_return_if_fail (hub->webhook == NULL);
  RcHubWebhook *w = g_new0 (RcHubWebhook, 1);
  w->hub = hub;
  w->http = rc_http_client_new (2000, 5000);
  w->cancellable = g_cancellable_new ();
  rc_backoff_init (&w->backoff, BACKOFF_MIN_MS, BACKOFF_MAX_MS, 0);
  g_queue_init (&w->queue);
  hub->webhook = w;
  g_info ("hub webhooks enabled");
}
