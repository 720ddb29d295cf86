/* roomcast: ordered effect lists; see room-effects.h. */
#include "rooms/room-effects.h"

struct _RcEffects {
  GPtrArray *items; /* RcEffect* */
};

static void
effect_free (gpointer data)
{
  RcEffect *effect = data;

  g_free (effect->room_id);
  g_free (effect->user_id);
  g_free (effect->event);
  if (effect->payload != NULL)
    json_node_unref (effect->payload);
  g_strfreev (effect->recipients);
  g_free (effect);
}

RcEffects *
rc_effects_new (void)
{
  RcEffects *effects = g_new0 (RcEffects, 1);

  effects->items = g_ptr_array_new_with_free_func (effect_free);
  return effects;
}

void
rc_effects_free (RcEffects *effects)
{
  if (effects == NULL)
    return;
  g_ptr_array_unref (effects->items);
  g_free (effects);
}

guint
rc_effects_get_length (const RcEffects *effects)
{
  return effects->items->len;
}

const RcEffect *
rc_effects_get (const RcEffects *effects, guint index)
{
  g_return_val_if_fail (index < effects->items->len, NULL);
  return g_ptr_array_index (effects->items, index);
}

void
rc_effects_clear (RcEffects *effects)
{
  g_ptr_array_set_size (effects->items, 0);
}

void
rc_effects_truncate (RcEffects *effects, guint length)
{
  if (length < effects->items->len)
    g_ptr_array_set_size (effects->items, length);
}

void
rc_effects_add_event (RcEffects *effects, RcEffectTarget target, const char *room_id,
                      const char *user_id, const char *const *recipients, const char *event,
                      JsonNode *payload)
{
  RcEffect *effect;

  g_return_if_fail (effects != NULL && event != NULL && recipients != NULL);
  effect = g_new0 (RcEffect, 1);
  effect->kind = RC_EFFECT_EVENT;
  effect->target = target;
  effect->room_id = g_strdup (room_id);
  effect->user_id = g_strdup (user_id);
  effect->event = g_strdup (event);
  effect->payload = payload;
  effect->recipients = g_strdupv ((char **) recipients);
  g_ptr_array_add (effects->items, effect);
}

void
rc_effects_add_detach (RcEffects *effects, const char *room_id, const char *user_id)
{
  RcEffect *effect;

  g_return_if_fail (effects != NULL && room_id != NULL && user_id != NULL);
  effect = g_new0 (RcEffect, 1);
  effect->kind = RC_EFFECT_DETACH;
  effect->target = RC_TARGET_USER;
  effect->room_id = g_strdup (room_id);
  effect->user_id = g_strdup (user_id);
  g_ptr_array_add (effects->items, effect);
}

void
rc_effects_add_persist (RcEffects *effects, const char *room_id, JsonNode *payload)
{
  RcEffect *effect;

  g_return_if_fail (effects != NULL && room_id != NULL && payload != NULL);
  for (guint i = 0; i < effects->items->len; i++) {
    effect = g_ptr_array_index (effects->items, i);
    if (effect->kind == RC_EFFECT_PERSIST && g_str_equal (effect->room_id, room_id)) {
      json_node_unref (effect->payload);
      effect->payload = payload;
      return;
    }
  }
  effect = g_new0 (RcEffect, 1);
  effect->kind = RC_EFFECT_PERSIST;
  effect->target = RC_TARGET_ROOM;
  effect->room_id = g_strdup (room_id);
  effect->payload = payload;
  g_ptr_array_add (effects->items, effect);
}

gint
rc_effects_find (const RcEffects *effects, guint from, RcEffectKind kind, const char *event)
{
  for (guint i = from; i < effects->items->len; i++) {
    const RcEffect *effect = g_ptr_array_index (effects->items, i);
    if (effect->kind == kind && (event == NULL || g_strcmp0 (effect->event, event) == 0))
      return (gint) i;
  }
  return -1;
}
