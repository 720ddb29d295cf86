/* roomcast: the metrics registry (src/core/metrics.c): what /metrics and
 * /admin/metrics render. */
#include <glib.h>
#include <string.h>

#include "core/metrics.h"

static void
public_collector (GString *out, gpointer data)
{
  rc_metrics_append_gauge (out, "test_rooms", "Open rooms", 2);
}

static void
admin_collector (GString *out, gpointer data)
{
  g_string_append (out, "# HELP test_room_peers Peers per room\n# TYPE test_room_peers gauge\n"
                        "test_room_peers{room=\"r1\"} 3\n");
}

static void
test_render (void)
{
  g_autofree char *public = NULL, *admin = NULL;

  rc_metrics_counter_inc ("test_errors_total", "Errors", "code=\"x\"");
  rc_metrics_register_collector (public_collector, NULL);
  rc_metrics_register_admin_collector (admin_collector, NULL);
  public = rc_metrics_render ();
  admin = rc_metrics_render_admin ();

  g_assert_nonnull (strstr (public, "test_errors_total{code=\"x\"} 1\n"));
  g_assert_nonnull (strstr (public, "test_rooms 2\n"));
  /* Series naming rooms are for the admin key only. */
  g_assert_null (strstr (public, "test_room_peers"));
  g_assert_true (g_str_has_prefix (admin, public));
  g_assert_true (g_str_has_suffix (admin, "test_room_peers{room=\"r1\"} 3\n"));

  rc_metrics_unregister_collector (admin_collector, NULL);
  g_clear_pointer (&admin, g_free);
  admin = rc_metrics_render_admin ();
  g_assert_cmpstr (admin, ==, public);
  rc_metrics_unregister_collector (public_collector, NULL);
  rc_metrics_reset ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/render", test_render);
  return g_test_run ();
}
