/* roomcast: Prometheus registry; see metrics.h. Main loop only. */
#include "core/metrics.h"

typedef struct {
  char *name;
  char *help;
  GHashTable *samples; /* labels ("" for none) -> guint64* */
  GPtrArray *order;    /* labels in first-seen order, for a stable output */
} Family;

typedef struct {
  RcMetricsCollector collector;
  gpointer user_data;
  gboolean admin; /* rendered by rc_metrics_render_admin() only */
} Collector;

static GHashTable *families; /* name -> Family* */
static GPtrArray *family_order;
static GArray *collectors;

static void
family_free (gpointer data)
{
  Family *f = data;
  g_free (f->name);
  g_free (f->help);
  g_hash_table_unref (f->samples);
  g_ptr_array_unref (f->order);
  g_free (f);
}

static void
ensure_registry (void)
{
  if (families)
    return;
  families = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, family_free);
  family_order = g_ptr_array_new ();
  collectors = g_array_new (FALSE, FALSE, sizeof (Collector));
}

void
rc_metrics_counter_add (const char *name, const char *help, const char *labels, guint64 value)
{
  g_return_if_fail (name != NULL);
  ensure_registry ();

  Family *f = g_hash_table_lookup (families, name);
  if (!f) {
    f = g_new0 (Family, 1);
    f->name = g_strdup (name);
    f->help = g_strdup (help ? help : name);
    f->samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    f->order = g_ptr_array_new ();
    g_hash_table_insert (families, f->name, f);
    g_ptr_array_add (family_order, f);
  }
  const char *key = labels ? labels : "";
  guint64 *v = g_hash_table_lookup (f->samples, key);
  if (!v) {
    char *k = g_strdup (key);
    v = g_new0 (guint64, 1);
    g_hash_table_insert (f->samples, k, v);
    g_ptr_array_add (f->order, k);
  }
  *v += value;
}

void
rc_metrics_register_collector (RcMetricsCollector collector, gpointer user_data)
{
  ensure_registry ();
  Collector c = { collector, user_data, FALSE };
  g_array_append_val (collectors, c);
}

void
rc_metrics_register_admin_collector (RcMetricsCollector collector, gpointer user_data)
{
  ensure_registry ();
  Collector c = { collector, user_data, TRUE };
  g_array_append_val (collectors, c);
}

void
rc_metrics_unregister_collector (RcMetricsCollector collector, gpointer user_data)
{
  if (!collectors)
    return;
  for (guint i = 0; i < collectors->len; i++) {
    Collector *c = &g_array_index (collectors, Collector, i);
    if (c->collector == collector && c->user_data == user_data) {
      g_array_remove_index (collectors, i);
      return;
    }
  }
}

void
rc_metrics_append_gauge (GString *out, const char *name, const char *help, double value)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name,
                          name, value);
}

static char *
render (gboolean admin)
{
  ensure_registry ();
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < family_order->len; i++) {
    Family *f = g_ptr_array_index (family_order, i);
    g_string_append_printf (out, "# HELP %s %s\n# TYPE %s counter\n", f->name, f->help,
                            f->name);
    for (guint j = 0; j < f->order->len; j++) {
      const char *labels = g_ptr_array_index (f->order, j);
      guint64 *v = g_hash_table_lookup (f->samples, labels);
      if (*labels)
        g_string_append_printf (out, "%s{%s} %" G_GUINT64_FORMAT "\n", f->name, labels, *v);
      else
        g_string_append_printf (out, "%s %" G_GUINT64_FORMAT "\n", f->name, *v);
    }
  }
  for (guint i = 0; i < collectors->len; i++) {
    Collector *c = &g_array_index (collectors, Collector, i);
    if (!c->admin)
      c->collector (out, c->user_data);
  }
  for (guint i = 0; admin && i < collectors->len; i++) {
    Collector *c = &g_array_index (collectors, Collector, i);
    if (c->admin)
      c->collector (out, c->user_data);
  }
  return g_string_free (out, FALSE);
}

char *
rc_metrics_render (void)
{
  return render (FALSE);
}

char *
rc_metrics_render_admin (void)
{
  return render (TRUE);
}

void
rc_metrics_reset (void)
{
  g_clear_pointer (&families, g_hash_table_unref);
  g_clear_pointer (&family_order, g_ptr_array_unref);
  g_clear_pointer (&collectors, g_array_unref);
}
