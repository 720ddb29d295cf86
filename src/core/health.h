/* roomcast: the health registry behind GET /health.
 *
 * Modules add contributors that write members into the /health object
 * ("rooms", "redis", ...); http-server renders them. A contributor returns
 * FALSE to mark the service degraded (status "degraded", still 200). Lives
 * in core/ so that the modules below http/ (redis, laravel) can report
 * without depending on libsoup.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef gboolean (*RcHealthContributor) (JsonBuilder *builder, gpointer user_data);

typedef struct _RcHealth RcHealth;

RcHealth *rc_health_new (void);
void rc_health_free (RcHealth *health);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcHealth, rc_health_free)

/* @user_data must outlive @health or the daemon's run. */
void rc_health_add (RcHealth *health, RcHealthContributor contributor, gpointer user_data);
/* Call every contributor in the order added; TRUE if none said degraded. */
gboolean rc_health_build (RcHealth *health, JsonBuilder *builder);

G_END_DECLS
