/* roomcast: how a room comes to exist: room:join of a room that is not open.
 *
 * Rooms belong to the app (ROOM_OWNERSHIP, docs/security.md#rooms-and-their-owners).
 * A join that would create a room goes through, in order:
 *
 *  1. what refuses it whoever owns the room: a host-closed room's tombstone
 *     (room_closed), MAX_ROOMS_PER_WORKER (server_full);
 *  2. the user's room-creation budget, ROOM_CREATE_RATE_LIMIT_PER_MINUTE
 *     through the rate gate (bucket "room_create"): rate_limited with
 *     retryAfterMs past it. Every join that starts a lookup counts, whatever
 *     the answer, so made-up room ids cost their sender too;
 *  3. who owns the room, as the policy says:
 *       laravel  the room's first status call (the opener, room-opener.h):
 *                404 -> room_not_found; its owner_id, else room:owner:{id}
 *                in the store, hosts; without either nobody does;
 *       pinned   room:owner:{id} in the store (Laravel, or POST /admin/rooms):
 *                none -> room_not_found;
 *       open     room:owner:{id} if set, else the first joiner hosts.
 *     A store or Laravel failure refuses the join with internal: nobody ever
 *     hosts a room because the owner could not be looked up.
 *
 * Joins of a room whose owner is being looked up wait for the same answer
 * (one lookup per room) and are admitted in the order they came, unless
 * their connection closed meanwhile.
 */
#include "services/room-service-private.h"

#include "protocol/errors.h"

#define ROOM_CREATE_BUCKET "room_create"
#define MINUTE_MS 60000

/* A room:join waiting for a decision. */
typedef struct {
  RcSioSocket *socket; /* ref */
  RcSioAck *ack;       /* ref, nullable */
} Joiner;

/* A room whose owner is being looked up (in self->openings), and the joins
 * waiting for it. */
typedef struct {
  char *room_id;
  GPtrArray *joiners; /* Joiner*, in arrival order */
  gboolean opened;    /* laravel: Laravel answered that the room is live */
} Opening;

/* An owner lookup in flight: what its callback needs to find its Opening,
 * which the service may have dropped meanwhile (dispose). */
typedef struct {
  RcRoomService *self; /* ref */
  char *room_id;
} Lookup;

/* A join waiting for the rate gate. */
typedef struct {
  RcRoomService *self; /* ref */
  char *room_id;
  Joiner *joiner;
} Budget;

static Joiner *
joiner_new (RcSioSocket *socket, RcSioAck *ack)
{
  Joiner *joiner = g_new0 (Joiner, 1);

  joiner->socket = g_object_ref (socket);
  joiner->ack = ack ? rc_sio_ack_ref (ack) : NULL;
  return joiner;
}

static void
joiner_free (gpointer data)
{
  Joiner *joiner = data;

  g_object_unref (joiner->socket);
  g_clear_pointer (&joiner->ack, rc_sio_ack_unref);
  g_free (joiner);
}

void
rc_room_service_opening_free (gpointer data)
{
  Opening *opening = data;

  g_free (opening->room_id);
  g_ptr_array_unref (opening->joiners);
  g_free (opening);
}

static Lookup *
lookup_new (RcRoomService *self, const char *room_id)
{
  Lookup *lookup = g_new0 (Lookup, 1);

  lookup->self = g_object_ref (self);
  lookup->room_id = g_strdup (room_id);
  return lookup;
}

static void
lookup_free (Lookup *lookup)
{
  g_object_unref (lookup->self);
  g_free (lookup->room_id);
  g_free (lookup);
}

static void
budget_free (Budget *budget)
{
  g_object_unref (budget->self);
  g_free (budget->room_id);
  g_clear_pointer (&budget->joiner, joiner_free);
  g_free (budget);
}

/* If Laravel took @opening's room as live but it did not open (every
 * joiner left before the answer, or the store failed after it), Laravel
 * hears that it closed: the room status reporter follows this signal. */
static void
report_never_opened (RcRoomService *self, Opening *opening)
{
  g_autoptr (JsonObject) state = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (!opening->opened || rc_room_registry_lookup (self->registry, opening->room_id) != NULL)
    return;
  state = json_object_new ();
  json_object_set_string_member (state, "id", opening->room_id);
  json_object_set_string_member (state, "status", "CLOSED");
  json_object_set_int_member (state, "participantCount", 0);
  node = json_node_init_object (json_node_alloc (), state);
  g_signal_emit (self, rc_room_service_signals[SIGNAL_ROOM_STATE_CHANGED], 0, opening->room_id,
                 node);
}

/* The lookup of @room_id ended: @error (nullable) refuses every joiner,
 * else those still connected are admitted in order, the first creating the
 * room with @owner (nullable). */
static void
decide (RcRoomService *self, const char *room_id, const char *owner, const GError *error)
{
  g_autoptr (GError) internal = NULL;
  gpointer key = NULL, value = NULL;
  Opening *opening;

  if (!g_hash_table_steal_extended (self->openings, room_id, &key, &value))
    return;
  g_free (key);
  opening = value;
  if (error != NULL && !g_error_matches (error, RC_ERROR, RC_ERROR_ROOM_NOT_FOUND)) {
    rc_error_set_printf (&internal, RC_ERROR_INTERNAL,
                         "The room cannot be opened right now; retry later");
    error = internal;
  }
  for (guint i = 0; i < opening->joiners->len; i++) {
    Joiner *joiner = g_ptr_array_index (opening->joiners, i);
    if (error != NULL)
      rc_room_service_refuse (joiner->ack, error, NULL);
    else if (rc_sio_socket_is_connected (joiner->socket))
      rc_room_service_finish_join (self, joiner->socket, joiner->ack, room_id, owner);
  }
  report_never_opened (self, opening);
  rc_room_service_opening_free (opening);
}

static void
on_owner_found (GObject *source, GAsyncResult *result, gpointer data)
{
  Lookup *lookup = data;
  RcRoomService *self = lookup->self;
  const char *room_id = lookup->room_id;
  g_autoptr (GError) error = NULL;
  g_autofree char *owner = rc_store_get_room_owner_finish (RC_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->registry == NULL) {
    lookup_free (lookup);
    return;
  }
  if (error != NULL)
    g_warning ("store: looking up the owner of room %s failed (%s); joins opening it are "
               "refused",
               room_id, error->message);
  else if (owner == NULL && self->config->room_ownership == RC_ROOM_OWNERSHIP_PINNED)
    rc_error_set_printf (&error, RC_ERROR_ROOM_NOT_FOUND, "No room %s", room_id);
  else if (owner == NULL && self->config->room_ownership == RC_ROOM_OWNERSHIP_LARAVEL &&
           !self->warned_no_owner) {
    g_warning ("rooms: Laravel knows room %s but names no owner (owner_id in the room status "
               "answer, or room:owner:{id} in Redis): it opens without a host, as will other "
               "such rooms (logged once)",
               room_id);
    self->warned_no_owner = TRUE;
  }
  decide (self, room_id, owner, error);
  lookup_free (lookup);
}

static void
look_up_pin (RcRoomService *self, const char *room_id)
{
  rc_store_get_room_owner_async (self->store, room_id, self->cancellable, on_owner_found,
                                 lookup_new (self, room_id));
}

static void
on_opened (GObject *source, GAsyncResult *result, gpointer data)
{
  Lookup *lookup = data;
  RcRoomService *self = lookup->self;
  g_autoptr (GError) error = NULL;
  g_autofree char *owner = NULL;
  Opening *opening;

  rc_room_opener_open_finish (RC_ROOM_OPENER (source), result, &owner, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->registry == NULL) {
    lookup_free (lookup);
    return;
  }
  opening = g_hash_table_lookup (self->openings, lookup->room_id);
  if (opening != NULL && error == NULL)
    opening->opened = TRUE;
  if (error != NULL || owner != NULL)
    decide (self, lookup->room_id, owner, error);
  else /* Laravel knows the room and names nobody: the store may. */
    look_up_pin (self, lookup->room_id);
  lookup_free (lookup);
}

/* The first join of @room_id within budget: look its owner up. */
static void
start_opening (RcRoomService *self, const char *room_id, Joiner *joiner)
{
  Opening *opening = g_new0 (Opening, 1);

  opening->room_id = g_strdup (room_id);
  opening->joiners = g_ptr_array_new_with_free_func (joiner_free);
  g_ptr_array_add (opening->joiners, joiner);
  g_hash_table_insert (self->openings, g_strdup (room_id), opening);

  if (self->config->room_ownership != RC_ROOM_OWNERSHIP_LARAVEL) {
    look_up_pin (self, room_id);
    return;
  }
  if (self->opener == NULL) {
    g_autoptr (GError)
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "no room opener");
    g_warning ("rooms: ROOM_OWNERSHIP is laravel but nothing asks Laravel; room %s is not "
               "opened",
               room_id);
    decide (self, room_id, NULL, error);
    return;
  }
  rc_room_opener_open_async (self->opener, room_id, self->cancellable, on_opened,
                             lookup_new (self, room_id));
}

/* The joiner waits for the room's lookup in flight, if there is one. */
static gboolean
wait_for_opening (RcRoomService *self, const char *room_id, Joiner **joiner)
{
  Opening *opening = g_hash_table_lookup (self->openings, room_id);

  if (opening == NULL)
    return FALSE;
  g_ptr_array_add (opening->joiners, g_steal_pointer (joiner));
  return TRUE;
}

static void
on_budget (GObject *source, GAsyncResult *result, gpointer data)
{
  Budget *budget = data;
  RcRoomService *self = budget->self;
  Joiner *joiner = budget->joiner;
  gint64 retry_after_ms = 0;
  g_autoptr (GError) error = NULL;
  gboolean allowed = rc_rate_gate_hit_finish (RC_RATE_GATE (source), result, &retry_after_ms,
                                              &error);

  if (self->registry == NULL || error != NULL || !rc_sio_socket_is_connected (joiner->socket))
    ; /* the service or the client is gone */
  else if (!allowed) {
    g_autoptr (JsonObject) fields = json_object_new ();
    json_object_set_int_member (fields, "retryAfterMs", retry_after_ms);
    rc_error_set_printf (&error, RC_ERROR_RATE_LIMITED,
                         "Too many new rooms; retry in %" G_GINT64_FORMAT " ms",
                         retry_after_ms);
    rc_room_service_refuse (joiner->ack, error, fields);
  } else if (!rc_room_registry_needs_owner (self->registry, budget->room_id))
    rc_room_service_finish_join (self, joiner->socket, joiner->ack, budget->room_id, NULL);
  else if (!wait_for_opening (self, budget->room_id, &budget->joiner))
    start_opening (self, budget->room_id, g_steal_pointer (&budget->joiner));
  budget_free (budget);
}

void
rc_room_service_open_and_join (RcRoomService *self, RcSioSocket *socket, RcSioAck *ack,
                               const char *room_id)
{
  RcUser *user = rc_sio_socket_get_user (socket);
  g_autoptr (RcRoomUser)
    member = rc_room_user_new (user->id, user->name, user->avatar_url, user->role);
  g_autoptr (GError) error = NULL;
  Joiner *joiner;
  Budget *budget;

  if (!rc_room_registry_check_create (self->registry, room_id, member,
                                      rc_room_service_now_ms (), &error)) {
    rc_room_service_refuse (ack, error, NULL);
    return;
  }
  joiner = joiner_new (socket, ack);
  if (wait_for_opening (self, room_id, &joiner))
    return;
  budget = g_new0 (Budget, 1);
  budget->self = g_object_ref (self);
  budget->room_id = g_strdup (room_id);
  budget->joiner = joiner;
  rc_rate_gate_hit_async (self->rate_gate, ROOM_CREATE_BUCKET, user->id,
                          self->config->room_create_rate_limit, MINUTE_MS, self->cancellable,
                          on_budget, budget);
}

void
rc_room_service_set_opener (RcRoomService *self, RcRoomOpener *opener)
{
  g_return_if_fail (RC_IS_ROOM_SERVICE (self));
  g_return_if_fail (opener == NULL || RC_IS_ROOM_OPENER (opener));
  g_set_object (&self->opener, opener);
}

static void
on_owner_pinned (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;

  if (rc_store_set_room_owner_finish (RC_STORE (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
rc_room_service_pin_owner_async (RcRoomService *self, const char *room_id, const char *owner_id,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task;

  g_return_if_fail (RC_IS_ROOM_SERVICE (self) && room_id != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rc_room_service_pin_owner_async);
  rc_store_set_room_owner_async (self->store, room_id, owner_id, cancellable, on_owner_pinned,
                                 task);
}

gboolean
rc_room_service_pin_owner_finish (RcRoomService *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
