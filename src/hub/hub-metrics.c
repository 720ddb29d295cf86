/* roomcast: what the hub shows of itself: /metrics (connections by
 * protocol, subscriptions, channels of this node) and /health. */
#include "hub/hub-private.h"

#include "core/metrics.h"

void
rc_hub_collect_metrics (GString *out, gpointer data)
{
  RcHub *self = data;
  guint pusher = 0, sio = 0, subs = 0;
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, self->clients);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    RcHubClient *c = v;
    if (g_str_equal (c->protocol, "pusher"))
      pusher++;
    else
      sio++;
    subs += g_hash_table_size (c->channels);
  }
  g_string_append (out, "# HELP roomcast_hub_connections Hub connections by protocol\n"
                        "# TYPE roomcast_hub_connections gauge\n");
  g_string_append_printf (out, "roomcast_hub_connections{protocol=\"pusher\"} %u\n", pusher);
  g_string_append_printf (out, "roomcast_hub_connections{protocol=\"socketio\"} %u\n", sio);
  rc_metrics_append_gauge (out, "roomcast_hub_subscriptions", "Hub channel subscriptions",
                           subs);
  rc_metrics_append_gauge (out, "roomcast_hub_channels", "Hub channels with subscribers",
                           g_hash_table_size (self->channels));
}

static gboolean
on_health (JsonBuilder *b, gpointer data)
{
  RcHub *self = data;
  json_builder_set_member_name (b, "hub");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "connections");
  json_builder_add_int_value (b, g_hash_table_size (self->clients));
  json_builder_set_member_name (b, "channels");
  json_builder_add_int_value (b, g_hash_table_size (self->channels));
  json_builder_end_object (b);
  return TRUE;
}

void
rc_hub_add_health (RcHub *self, RcHealth *health)
{
  rc_health_add (health, on_health, self);
}
