/* roomcast: the health registry; see health.h. */
#include "core/health.h"

typedef struct {
  RcHealthContributor contributor;
  gpointer user_data;
} Contributor;

struct _RcHealth {
  GArray *contributors; /* Contributor */
};

RcHealth *
rc_health_new (void)
{
  RcHealth *health = g_new0 (RcHealth, 1);

  health->contributors = g_array_new (FALSE, FALSE, sizeof (Contributor));
  return health;
}

void
rc_health_free (RcHealth *health)
{
  if (health == NULL)
    return;
  g_array_unref (health->contributors);
  g_free (health);
}

void
rc_health_add (RcHealth *health, RcHealthContributor contributor, gpointer user_data)
{
  Contributor c = { contributor, user_data };

  g_return_if_fail (health != NULL && contributor != NULL);
  g_array_append_val (health->contributors, c);
}

gboolean
rc_health_build (RcHealth *health, JsonBuilder *builder)
{
  gboolean healthy = TRUE;

  g_return_val_if_fail (health != NULL, FALSE);
  for (guint i = 0; i < health->contributors->len; i++) {
    Contributor *c = &g_array_index (health->contributors, Contributor, i);
    healthy = c->contributor (builder, c->user_data) && healthy;
  }
  return healthy;
}
