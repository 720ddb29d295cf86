/* roomcast tests: fixture helpers; see room-test-util.h. */
#include "room-test-util.h"

#include "protocol/payload.h"

void
fixture_init (RoomFixture *fx, const RcRoomRegistrySettings *settings)
{
  RcRoomRegistrySettings defaults;

  if (settings == NULL)
    {
      rc_room_registry_settings_init_default (&defaults);
      defaults.room.n_seats = 4;
      defaults.room.max_participants = 5;
      settings = &defaults;
    }
  fx->registry = rc_room_registry_new (settings);
  fx->effects = rc_effects_new ();
  fx->now = T0;
  fx->users = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                     (GDestroyNotify) rc_room_user_free);
}

void
fixture_clear (RoomFixture *fx)
{
  g_clear_pointer (&fx->registry, rc_room_registry_free);
  g_clear_pointer (&fx->effects, rc_effects_free);
  g_clear_pointer (&fx->users, g_hash_table_unref);
}

const RcRoomUser *
fx_user (RoomFixture *fx, const char *id, const char *role)
{
  RcRoomUser *user = g_hash_table_lookup (fx->users, id);

  if (user == NULL)
    {
      g_autofree char *name = g_strdup_printf ("User %s", id);
      user = rc_room_user_new (id, name, NULL, role);
      g_hash_table_insert (fx->users, user->id, user);
    }
  return user;
}

JsonObject *
fx_join (RoomFixture *fx, const char *room_id, const char *user_id, GError **error)
{
  rc_effects_clear (fx->effects);
  return rc_room_registry_join (fx->registry, room_id, fx_user (fx, user_id, NULL), NULL,
                                fx->now, fx->effects, error);
}

void
fx_join_ok (RoomFixture *fx, const char *room_id, const char *user_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) snapshot = fx_join (fx, room_id, user_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (snapshot);
}

void
fx_leave (RoomFixture *fx, const char *user_id)
{
  g_autoptr(GError) error = NULL;

  rc_effects_clear (fx->effects);
  rc_room_registry_leave (fx->registry, user_id, fx->now, fx->effects, &error);
  g_assert_no_error (error);
}

JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

gboolean
fx_send (RoomFixture *fx, const char *user_id, const char *event, const char *payload_json,
         JsonObject **reply, GError **error)
{
  g_autoptr(JsonObject) payload = parse_object (payload_json ? payload_json : "{}");
  g_autoptr(JsonObject) fields = NULL;
  gboolean ok;

  rc_effects_clear (fx->effects);
  ok = rc_room_registry_dispatch (fx->registry, user_id, event, payload, fx->now, fx->effects,
                                  &fields, error);
  if (reply != NULL)
    *reply = g_steal_pointer (&fields);
  return ok;
}

void
fx_send_ok (RoomFixture *fx, const char *user_id, const char *event, const char *json)
{
  g_autoptr(GError) error = NULL;

  if (!fx_send (fx, user_id, event, json, NULL, &error))
    g_error ("%s %s by %s failed: %s", event, json ? json : "{}", user_id, error->message);
}

void
fx_send_fails (RoomFixture *fx, const char *user_id, const char *event, const char *json,
               RcErrorCode code)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = fx_send (fx, user_id, event, json, NULL, &error);

  if (ok)
    g_error ("%s %s by %s succeeded, expected %s", event, json ? json : "{}", user_id,
             rc_error_code_name (code));
  g_assert_error (error, RC_ERROR, (gint) code);
  /* A refused event changes nothing and tells nobody. */
  g_assert_cmpuint (rc_effects_get_length (fx->effects), ==, 0);
}

RcRoom *
fx_room (RoomFixture *fx, const char *room_id)
{
  RcRoom *room = rc_room_registry_lookup (fx->registry, room_id);

  g_assert_nonnull (room);
  return room;
}

char *
effects_event_names (const RcEffects *effects)
{
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < rc_effects_get_length (effects); i++)
    {
      const RcEffect *effect = rc_effects_get (effects, i);
      if (effect->kind != RC_EFFECT_EVENT)
        continue;
      if (names->len > 0)
        g_string_append_c (names, ' ');
      g_string_append (names, effect->event);
    }
  return g_string_free (names, FALSE);
}

char *
effect_recipients (const RcEffects *effects, guint index)
{
  const RcEffect *effect = rc_effects_get (effects, index);

  return g_strjoinv (",", effect->recipients);
}

const RcEffect *
find_event (const RcEffects *effects, const char *event)
{
  gint index = rc_effects_find (effects, 0, RC_EFFECT_EVENT, event);

  return index >= 0 ? rc_effects_get (effects, index) : NULL;
}

char *
event_recipients (const RcEffects *effects, const char *event)
{
  const RcEffect *effect = find_event (effects, event);

  return effect ? g_strjoinv (",", effect->recipients) : g_strdup ("");
}

guint
count_kind (const RcEffects *effects, RcEffectKind kind)
{
  guint n = 0;

  for (guint i = 0; i < rc_effects_get_length (effects); i++)
    if (rc_effects_get (effects, i)->kind == kind)
      n++;
  return n;
}
