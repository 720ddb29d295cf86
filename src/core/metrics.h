/* roomcast: Prometheus metrics (text exposition format 0.0.4).
 *
 * A process-wide registry used from the main loop only. Counters are created
 * on first use; a family is one metric name with optional labels. Modules
 * that own a gauge-like value register a collector that appends its lines at
 * scrape time instead of keeping a copy of their state.
 *
 * /metrics is unauthenticated, so nothing rendered by rc_metrics_render()
 * names a room or a user: counters' labels are fixed vocabularies (codes,
 * reasons, endpoints), and series per room come from admin collectors,
 * rendered only by rc_metrics_render_admin() (GET /admin/metrics, behind the
 * admin key).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Add @value to counter @name{@labels}. @labels is the inside of the braces,
 * e.g. "code=\"forbidden\"", or NULL. @help is used the first time. */
void rc_metrics_counter_add (const char *name, const char *help, const char *labels,
                             guint64 value);
#define rc_metrics_counter_inc(name, help, labels) \
  rc_metrics_counter_add ((name), (help), (labels), 1)

typedef void (*RcMetricsCollector) (GString *out, gpointer user_data);
/* Register a collector that appends complete "# HELP/# TYPE/sample" lines. */
void rc_metrics_register_collector (RcMetricsCollector collector, gpointer user_data);
/* Register a collector whose lines name rooms or users: rendered only by
 * rc_metrics_render_admin(). Unregistered like any collector. */
void rc_metrics_register_admin_collector (RcMetricsCollector collector, gpointer user_data);
void rc_metrics_unregister_collector (RcMetricsCollector collector, gpointer user_data);
/* Append one gauge family with one sample (for collectors). */
void rc_metrics_append_gauge (GString *out, const char *name, const char *help, double value);

/* What GET /metrics shows. */
char *rc_metrics_render (void);
/* The same, then the admin collectors' lines (GET /admin/metrics). */
char *rc_metrics_render_admin (void);
/* Forget everything (tests). */
void rc_metrics_reset (void);

G_END_DECLS
