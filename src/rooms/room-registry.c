/* roomcast: the rooms of one worker; see room-registry.h. */
#include "rooms/room-registry.h"

#include <string.h>

#include "protocol/errors.h"
#include "rooms/room-commands.h"

#define MINUTE_MS G_GINT64_CONSTANT (60000)

typedef struct {
  char *host_id; /* nullable */
  gint64 closed_at;
} Tombstone;

struct _RcRoomRegistry {
  RcRoomRegistrySettings settings;
  GHashTable *rooms;      /* room id -> RcRoom* */
  GHashTable *user_rooms; /* user id -> room id */
  GHashTable *tombstones; /* room id -> Tombstone* */
};

void
rc_room_registry_settings_init_default (RcRoomRegistrySettings *settings)
{
  settings->max_rooms = 100;
  settings->closed_room_ttl_ms = 10 * MINUTE_MS;
  settings->room.n_seats = 10;
  settings->room.max_participants = 50;
  settings->room.grace_ms = 30000;
  settings->room.owner_hosts_only = FALSE;
}

static void
tombstone_free (gpointer data)
{
  Tombstone *tombstone = data;

  g_free (tombstone->host_id);
  g_free (tombstone);
}

RcRoomRegistry *
rc_room_registry_new (const RcRoomRegistrySettings *settings)
{
  RcRoomRegistry *registry;

  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (settings->room.n_seats >= 1 &&
                          settings->room.n_seats <= RC_ROOM_MAX_SEATS,
                        NULL);
  registry = g_new0 (RcRoomRegistry, 1);
  registry->settings = *settings;
  registry->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) rc_room_free);
  registry->user_rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  registry->tombstones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                tombstone_free);
  return registry;
}

void
rc_room_registry_free (RcRoomRegistry *registry)
{
  if (registry == NULL)
    return;
  g_hash_table_unref (registry->rooms);
  g_hash_table_unref (registry->user_rooms);
  g_hash_table_unref (registry->tombstones);
  g_free (registry);
}

const RcRoomRegistrySettings *
rc_room_registry_get_settings (RcRoomRegistry *registry)
{
  return &registry->settings;
}

void
rc_room_registry_update_settings (RcRoomRegistry *registry,
                                  const RcRoomRegistrySettings *settings)
{
  GHashTableIter iter;
  gpointer value;

  registry->settings.max_rooms = settings->max_rooms;
  registry->settings.closed_room_ttl_ms = settings->closed_room_ttl_ms;
  if (settings->room.max_participants != registry->settings.room.max_participants) {
    registry->settings.room.max_participants = settings->room.max_participants;
    g_hash_table_iter_init (&iter, registry->rooms);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      rc_room_set_max_participants (value, settings->room.max_participants);
  }
}

guint
rc_room_registry_get_n_rooms (RcRoomRegistry *registry)
{
  return g_hash_table_size (registry->rooms);
}

RcRoom *
rc_room_registry_lookup (RcRoomRegistry *registry, const char *room_id)
{
  return room_id ? g_hash_table_lookup (registry->rooms, room_id) : NULL;
}

const char *
rc_room_registry_room_of (RcRoomRegistry *registry, const char *user_id)
{
  return user_id ? g_hash_table_lookup (registry->user_rooms, user_id) : NULL;
}

static gint
compare_ids (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
rc_room_registry_list_rooms (RcRoomRegistry *registry)
{
  GPtrArray *ids = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, registry->rooms);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (ids, key);
  g_ptr_array_sort (ids, compare_ids);
  return ids;
}

gboolean
rc_room_registry_needs_owner (RcRoomRegistry *registry, const char *room_id)
{
  return rc_room_registry_lookup (registry, room_id) == NULL;
}

/* Keep the user -> room map and the room table in step with what an
 * operation did: every DETACH from @from on unbinds a user, and closed rooms
 * are dropped. */
static void
apply_bookkeeping (RcRoomRegistry *registry, RcEffects *effects, guint from)
{
  GHashTableIter iter;
  gpointer value;

  for (guint i = from; i < rc_effects_get_length (effects); i++) {
    const RcEffect *effect = rc_effects_get (effects, i);
    if (effect->kind == RC_EFFECT_DETACH &&
        g_strcmp0 (g_hash_table_lookup (registry->user_rooms, effect->user_id),
                   effect->room_id) == 0)
      g_hash_table_remove (registry->user_rooms, effect->user_id);
  }
  g_hash_table_iter_init (&iter, registry->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (rc_room_get_status (value) == RC_ROOM_STATUS_CLOSED)
      g_hash_table_iter_remove (&iter);
}

/* room_closed while a host/admin-closed room's tombstone lasts, except for
 * the host and admins. Expired tombstones are dropped here. */
static gboolean
check_tombstone (RcRoomRegistry *registry, const char *room_id, const RcRoomUser *user,
                 gint64 now, GError **error)
{
  Tombstone *tombstone = g_hash_table_lookup (registry->tombstones, room_id);

  if (tombstone == NULL)
    return TRUE;
  if (now - tombstone->closed_at >= registry->settings.closed_room_ttl_ms) {
    g_hash_table_remove (registry->tombstones, room_id);
    return TRUE;
  }
  if (rc_room_user_is_admin (user) || g_strcmp0 (tombstone->host_id, user->id) == 0)
    return TRUE;
  rc_error_set_printf (error, RC_ERROR_ROOM_CLOSED, "The room was closed by its host");
  return FALSE;
}

gboolean
rc_room_registry_check_create (RcRoomRegistry *registry, const char *room_id,
                               const RcRoomUser *user, gint64 now, GError **error)
{
  if (!check_tombstone (registry, room_id, user, now, error))
    return FALSE;
  if (registry->settings.max_rooms > 0 &&
      g_hash_table_size (registry->rooms) >= registry->settings.max_rooms) {
    rc_error_set (error, RC_ERROR_SERVER_FULL);
    return FALSE;
  }
  return TRUE;
}

JsonObject *
rc_room_registry_join (RcRoomRegistry *registry, const char *room_id, const RcRoomUser *user,
                       const char *owner, gint64 now, RcEffects *effects, GError **error)
{
  RcRoom *room = rc_room_registry_lookup (registry, room_id);
  const char *current;
  guint start = rc_effects_get_length (effects);

  g_return_val_if_fail (room_id != NULL && user != NULL, NULL);

  /* Check everything before touching the user's current room. */
  if (room == NULL) {
    if (!rc_room_registry_check_create (registry, room_id, user, now, error))
      return NULL;
  } else if (!rc_room_check_can_join (room, user->id, error))
    return NULL;

  current = rc_room_registry_room_of (registry, user->id);
  if (current != NULL && !g_str_equal (current, room_id)) {
    RcRoom *previous = rc_room_registry_lookup (registry, current);
    if (previous != NULL)
      rc_room_leave (previous, user->id, "switched", now, effects, NULL);
    g_hash_table_remove (registry->user_rooms, user->id);
  }

  if (room == NULL) {
    room = rc_room_new (room_id, owner, &registry->settings.room, now);
    g_hash_table_insert (registry->rooms, g_strdup (room_id), room);
    g_hash_table_remove (registry->tombstones, room_id);
  }
  if (!rc_room_join (room, user, now, effects, error)) {
    /* Not reached after the checks above; keep the tables consistent anyway. */
    rc_effects_truncate (effects, start);
    if (rc_room_get_n_participants (room) == 0)
      g_hash_table_remove (registry->rooms, room_id);
    return NULL;
  }
  apply_bookkeeping (registry, effects, start);
  g_hash_table_insert (registry->user_rooms, g_strdup (user->id), g_strdup (room_id));
  return rc_room_snapshot (room, user->id, now);
}

typedef struct {
  RcRoomRegistry *registry;
  const char *room_id;
} HeldUsers;

/* A held user who is in another room of this node stays there. */
static void
add_held_user (const RcRoomParticipantView *participant, gpointer data)
{
  HeldUsers *held = data;

  if (rc_room_registry_room_of (held->registry, participant->user_id) == NULL)
    g_hash_table_insert (held->registry->user_rooms, g_strdup (participant->user_id),
                         g_strdup (held->room_id));
}

gboolean
rc_room_registry_restore (RcRoomRegistry *registry, const char *room_id, JsonObject *restore,
                          gint64 now, RcEffects *effects, GError **error)
{
  g_autoptr (RcRoom) room = NULL;
  HeldUsers held = { registry, room_id };

  g_return_val_if_fail (room_id != NULL && restore != NULL, FALSE);
  if (rc_room_registry_lookup (registry, room_id) != NULL) {
    rc_error_set_printf (error, RC_ERROR_INVALID_PAYLOAD, "room %s is open already", room_id);
    return FALSE;
  }
  room = rc_room_new (room_id, NULL, &registry->settings.room, now);
  if (!rc_room_restore (room, restore, now, effects, error))
    return FALSE;
  rc_room_foreach_participant (room, add_held_user, &held);
  g_hash_table_remove (registry->tombstones, room_id);
  g_hash_table_insert (registry->rooms, g_strdup (room_id), g_steal_pointer (&room));
  return TRUE;
}

static gboolean
in_room (gpointer key, gpointer value, gpointer room_id)
{
  return g_str_equal (value, room_id);
}

void
rc_room_registry_forget (RcRoomRegistry *registry, const char *room_id)
{
  g_return_if_fail (room_id != NULL);
  g_hash_table_foreach_remove (registry->user_rooms, in_room, (gpointer) room_id);
  g_hash_table_remove (registry->rooms, room_id);
}

gboolean
rc_room_registry_leave (RcRoomRegistry *registry, const char *user_id, gint64 now,
                        RcEffects *effects, GError **error)
{
  RcRoom *room = rc_room_registry_lookup (registry,
                                          rc_room_registry_room_of (registry, user_id));
  guint start = rc_effects_get_length (effects);

  if (room == NULL) {
    rc_error_set (error, RC_ERROR_NOT_IN_ROOM);
    return FALSE;
  }
  if (!rc_room_leave (room, user_id, "left", now, effects, error))
    return FALSE;
  apply_bookkeeping (registry, effects, start);
  return TRUE;
}

void
rc_room_registry_disconnect (RcRoomRegistry *registry, const char *user_id, gint64 now,
                             RcEffects *effects)
{
  RcRoom *room = rc_room_registry_lookup (registry,
                                          rc_room_registry_room_of (registry, user_id));
  guint start = rc_effects_get_length (effects);

  if (room == NULL)
    return;
  rc_room_disconnect (room, user_id, now, effects);
  apply_bookkeeping (registry, effects, start);
}

gboolean
rc_room_registry_close (RcRoomRegistry *registry, const RcRoomUser *actor, const char *room_id,
                        gint64 now, RcEffects *effects, GError **error)
{
  guint start = rc_effects_get_length (effects);
  g_autofree char *id = NULL;
  g_autofree char *host_id = NULL;
  RcRoom *room;
  Tombstone *tombstone;

  if (room_id == NULL) {
    room_id = rc_room_registry_room_of (registry, actor->id);
    if (room_id == NULL) {
      rc_error_set (error, RC_ERROR_NOT_IN_ROOM);
      return FALSE;
    }
  }
  room = rc_room_registry_lookup (registry, room_id);
  if (room == NULL) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "No open room %s", room_id);
    return FALSE;
  }
  id = g_strdup (room_id);
  host_id = g_strdup (rc_room_get_host_id (room));
  if (!rc_room_close_by (room, actor, now, effects, error))
    return FALSE;

  tombstone = g_new0 (Tombstone, 1);
  tombstone->host_id = g_steal_pointer (&host_id);
  tombstone->closed_at = now;
  g_hash_table_replace (registry->tombstones, g_strdup (id), tombstone);
  apply_bookkeeping (registry, effects, start);
  return TRUE;
}

void
rc_room_registry_close_all (RcRoomRegistry *registry, const char *reason, gint64 now,
                            RcEffects *effects)
{
  g_autoptr (GPtrArray) ids = rc_room_registry_list_rooms (registry);
  guint start = rc_effects_get_length (effects);

  for (guint i = 0; i < ids->len; i++)
    rc_room_close (rc_room_registry_lookup (registry, g_ptr_array_index (ids, i)), reason, now,
                   effects);
  g_clear_pointer (&ids, g_ptr_array_unref);
  apply_bookkeeping (registry, effects, start);
}

void
rc_room_registry_close_room (RcRoomRegistry *registry, const char *room_id, const char *reason,
                             gint64 now, RcEffects *effects)
{
  RcRoom *room = rc_room_registry_lookup (registry, room_id);
  guint start = rc_effects_get_length (effects);

  if (room == NULL)
    return;
  rc_room_close (room, reason, now, effects);
  apply_bookkeeping (registry, effects, start);
}

gboolean
rc_room_registry_remove_user (RcRoomRegistry *registry, const char *room_id,
                              const char *user_id, gboolean ban, gint64 now, RcEffects *effects,
                              GError **error)
{
  RcRoom *room = rc_room_registry_lookup (registry, room_id);
  guint start = rc_effects_get_length (effects);

  if (room == NULL) {
    rc_error_set_printf (error, RC_ERROR_NOT_FOUND, "No open room %s", room_id);
    return FALSE;
  }
  if (!rc_room_remove_by_server (room, user_id, ban, now, effects, error))
    return FALSE;
  apply_bookkeeping (registry, effects, start);
  return TRUE;
}

gboolean
rc_room_registry_dispatch (RcRoomRegistry *registry, const char *user_id, const char *event,
                           JsonObject *payload, gint64 now, RcEffects *effects,
                           JsonObject **reply, GError **error)
{
  RcRoom *room;
  guint start = rc_effects_get_length (effects);

  g_return_val_if_fail (reply != NULL, FALSE);
  *reply = NULL;
  if (!rc_room_command_exists (event)) {
    rc_error_set_printf (error, RC_ERROR_UNKNOWN_EVENT, "Unknown event '%s'", event);
    return FALSE;
  }
  room = rc_room_registry_lookup (registry, rc_room_registry_room_of (registry, user_id));
  if (room == NULL || !rc_room_is_connected (room, user_id)) {
    rc_error_set (error, RC_ERROR_NOT_IN_ROOM);
    return FALSE;
  }
  if (!rc_room_command_run (room, user_id, event, payload, now, effects, reply, error)) {
    rc_effects_truncate (effects, start);
    return FALSE;
  }
  apply_bookkeeping (registry, effects, start);
  return TRUE;
}

gint64
rc_room_registry_next_deadline (RcRoomRegistry *registry)
{
  GHashTableIter iter;
  gpointer value;
  gint64 deadline = -1;

  g_hash_table_iter_init (&iter, registry->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    gint64 room_deadline = rc_room_get_next_deadline (value);
    if (room_deadline >= 0 && (deadline < 0 || room_deadline < deadline))
      deadline = room_deadline;
  }
  return deadline;
}

void
rc_room_registry_tick (RcRoomRegistry *registry, gint64 now, RcEffects *effects)
{
  g_autoptr (GPtrArray) ids = rc_room_registry_list_rooms (registry);
  guint start = rc_effects_get_length (effects);
  GHashTableIter iter;
  gpointer value;

  /* Sorted ids: the effects of one tick come in a reproducible order. */
  for (guint i = 0; i < ids->len; i++) {
    RcRoom *room = rc_room_registry_lookup (registry, g_ptr_array_index (ids, i));
    gint64 deadline = rc_room_get_next_deadline (room);
    if (deadline >= 0 && deadline <= now)
      rc_room_tick (room, now, effects);
  }
  g_clear_pointer (&ids, g_ptr_array_unref);
  apply_bookkeeping (registry, effects, start);

  g_hash_table_iter_init (&iter, registry->tombstones);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (now - ((Tombstone *) value)->closed_at >= registry->settings.closed_room_ttl_ms)
      g_hash_table_iter_remove (&iter);
}
