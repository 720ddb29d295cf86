/* roomcast: room status updates to Laravel; see room-status.h.
 *
 * One Room per room that has something to say. `want` is the latest state
 * the room service reported, `gen` counts its changes and `posted_gen` is
 * the generation of the last POST that ended (well or given up): the room
 * has news while they differ. A POST carries the state as it is when it
 * leaves, so coalescing is simply "send the latest, one at a time".
 */
#include "services/room-status.h"

#include "core/backoff.h"
#include "core/metrics.h"
#include "json/json-text.h"
#include "protocol/errors.h"
#include "services/room-opener.h"

#define RETRY_BASE_MS 1000
#define RETRY_MAX_MS (RETRY_BASE_MS << (RC_ROOM_STATUS_MAX_ATTEMPTS - 2))

typedef struct {
  gboolean live;
  gint64 count;
  gint64 closed_at_ms; /* live == FALSE only */
} Status;

typedef struct {
  RcRoomStatusReporter *owner; /* weak: rooms die with it */
  char *id;
  Status want;
  guint64 gen; /* bumped on every change of `want` */
  guint64 posted_gen;
  gboolean created; /* "room created" {true, 0} still to send */
  gboolean urgent;  /* `want` is a close: no debounce */
  gboolean in_flight;
  guint timer;     /* debounce or retry */
  RcBackoff retry; /* failed tries of the current news */
  gboolean known;  /* seen open and not closed since */
  gboolean not_found_logged;
  gboolean failing;   /* a failure series was logged */
  GPtrArray *openers; /* GTask*: joins waiting for the "created" answer (RcRoomOpener) */
} Room;

struct _RcRoomStatusReporter {
  GObject parent_instance;
  RcLaravelClient *laravel;
  GHashTable *rooms; /* id -> Room* */
  GCancellable *cancellable;
  gboolean open_failing; /* a series of failed opens was logged */
};

typedef struct {
  RcRoomStatusReporter *self; /* ref */
  char *room_id;
  guint64 gen; /* generation posted (0 for "created") */
  gboolean closing;
  GPtrArray *openers; /* GTask*: what this "created" POST answers; nullable */
} Post;

static void rc_room_status_reporter_opener_init (RcRoomOpenerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcRoomStatusReporter, rc_room_status_reporter, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_ROOM_OPENER,
                                                      rc_room_status_reporter_opener_init))

static void pump (RcRoomStatusReporter *self, Room *room);

/* Answer every task of @openers (nullable) with @error, then free it. */
static void
fail_openers (GPtrArray *openers, const GError *error)
{
  if (openers == NULL)
    return;
  for (guint i = 0; i < openers->len; i++)
    g_task_return_error (g_ptr_array_index (openers, i), g_error_copy (error));
  g_ptr_array_unref (openers);
}

static void
cancel_openers (GPtrArray *openers)
{
  g_autoptr (GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                      "the room status reporter is stopping");
  fail_openers (openers, cancelled);
}

static void
room_free (gpointer data)
{
  Room *room = data;

  g_clear_handle_id (&room->timer, g_source_remove);
  cancel_openers (g_steal_pointer (&room->openers));
  g_free (room->id);
  g_free (room);
}

char *
rc_room_status_format_time (gint64 unix_ms)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (unix_ms / 1000);
  g_autofree char *base = t ? g_date_time_format (t, "%Y-%m-%dT%H:%M:%S") : NULL;

  return base ? g_strdup_printf ("%s.%03dZ", base, (int) (unix_ms % 1000)) : NULL;
}

static JsonNode *
body_for (const Status *status)
{
  g_autoptr (JsonObject) object = json_object_new ();

  json_object_set_boolean_member (object, "is_live", status->live);
  json_object_set_int_member (object, "participant_count", status->live ? status->count : 0);
  if (!status->live) {
    g_autofree char *closed_at = rc_room_status_format_time (status->closed_at_ms);
    json_object_set_string_member (object, "closed_at", closed_at);
  }
  return json_node_init_object (json_node_alloc (), object);
}

static gboolean
has_openers (const Room *room)
{
  return room->openers != NULL && room->openers->len > 0;
}

static gboolean
has_news (const Room *room)
{
  return room->created || room->gen != room->posted_gen || has_openers (room);
}

static void
count_post (const char *result)
{
  g_autofree char *labels = g_strdup_printf ("result=\"%s\"", result);
  rc_metrics_counter_inc ("roomcast_room_status_posts_total",
                          "Room status updates sent to Laravel, by outcome", labels);
}

static void send_now (RcRoomStatusReporter *self, Room *room);

static gboolean
on_timer (gpointer data)
{
  Room *room = data;

  room->timer = 0;
  send_now (room->owner, room);
  return G_SOURCE_REMOVE;
}

static void
arm (Room *room, guint ms)
{
  g_clear_handle_id (&room->timer, g_source_remove);
  room->timer = g_timeout_add (ms, on_timer, room);
}

/* What happens next for @room: nothing (it may then be forgotten), a POST
 * now (created, closed), or the debounce timer. A timer already armed
 * (debounce or retry) is left alone: it sends the latest state anyway. May
 * free @room. */
static void
pump (RcRoomStatusReporter *self, Room *room)
{
  if (room->in_flight)
    return; /* its completion pumps again */
  if (!has_news (room)) {
    if (!room->known)
      g_hash_table_remove (self->rooms, room->id);
    return;
  }
  if (room->created || room->urgent || has_openers (room)) {
    g_clear_handle_id (&room->timer, g_source_remove);
    send_now (self, room);
    return;
  }
  if (room->timer == 0)
    arm (room, RC_ROOM_STATUS_DEBOUNCE_MS);
}

static void
post_free (Post *post)
{
  cancel_openers (g_steal_pointer (&post->openers)); /* answered ones are gone already */
  g_object_unref (post->self);
  g_free (post->room_id);
  g_free (post);
}

static gboolean
is_retryable (const GError *error)
{
  return g_error_matches (error, RC_LARAVEL_ERROR, RC_LARAVEL_ERROR_UNREACHABLE) ||
         g_error_matches (error, RC_LARAVEL_ERROR, RC_LARAVEL_ERROR_TIMEOUT) ||
         g_error_matches (error, RC_LARAVEL_ERROR, RC_LARAVEL_ERROR_SERVER);
}

/* A failed POST: retry it later, or log it and let it go. TRUE if a retry
 * is armed (the news stays news). */
static gboolean
handle_failure (Room *room, const Post *post, const GError *error)
{
  if (g_error_matches (error, RC_LARAVEL_ERROR, RC_LARAVEL_ERROR_NOT_FOUND)) {
    count_post ("not_found");
    if (!room->not_found_logged)
      g_warning ("room status: Laravel does not know room %s (HTTP 404); the room works "
                 "on, and further 404s for it are not logged",
                 room->id);
    room->not_found_logged = TRUE;
    return FALSE;
  }
  if (is_retryable (error) &&
      rc_backoff_get_failures (&room->retry) + 1 < RC_ROOM_STATUS_MAX_ATTEMPTS) {
    guint delay = rc_backoff_next (&room->retry);
    count_post ("retry");
    if (!room->failing)
      g_warning ("room status: update of room %s failed (%s); retrying with backoff", room->id,
                 error->message);
    room->failing = TRUE;
    arm (room, delay);
    return TRUE;
  }
  count_post ("failed");
  g_warning ("room status: giving up on the %s update of room %s: %s",
             post->closing ? "close" : "live", room->id, error->message);
  return FALSE;
}

/* The answer to a "created" POST that joins wait for: tell them, and if
 * the room may not open, forget it (no retry: the joiners are refused
 * now). TRUE if the room opens. */
static gboolean
answer_openers (RcRoomStatusReporter *self, Room *room, Post *post, gboolean ok,
                const char *owner_id, const GError *error)
{
  g_autoptr (GPtrArray) openers = g_steal_pointer (&post->openers);

  if (ok) {
    if (self->open_failing)
      g_info ("room status: Laravel answers room openings again");
    self->open_failing = FALSE;
    for (guint i = 0; i < openers->len; i++)
      g_task_return_pointer (g_ptr_array_index (openers, i), g_strdup (owner_id), g_free);
    return TRUE;
  }
  if (g_error_matches (error, RC_LARAVEL_ERROR, RC_LARAVEL_ERROR_NOT_FOUND)) {
    g_autoptr (GError) unknown = NULL;
    count_post ("not_found");
    g_debug ("room status: Laravel does not know room %s: it is not opened", room->id);
    rc_error_set_printf (&unknown, RC_ERROR_ROOM_NOT_FOUND, "No room %s", room->id);
    fail_openers (g_steal_pointer (&openers), unknown);
  } else {
    count_post ("failed");
    if (!self->open_failing)
      g_warning ("room status: cannot ask Laravel whether room %s exists (%s); joins that "
                 "would open a room are refused until it answers",
                 room->id, error->message);
    self->open_failing = TRUE;
    fail_openers (g_steal_pointer (&openers), error);
  }
  room->created = FALSE;
  room->known = FALSE;
  return FALSE;
}

static void
on_posted (GObject *source, GAsyncResult *result, gpointer data)
{
  Post *post = data;
  RcRoomStatusReporter *self = post->self;
  g_autoptr (GError) error = NULL;
  g_autofree char *owner_id = NULL;
  gboolean ok = rc_laravel_client_room_status_finish (RC_LARAVEL_CLIENT (source), result,
                                                      post->openers ? &owner_id : NULL, &error);
  Room *room;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    post_free (post);
    return;
  }
  room = g_hash_table_lookup (self->rooms, post->room_id);
  g_assert (room != NULL && room->in_flight); /* rooms in flight are never forgotten */
  room->in_flight = FALSE;
  if (post->openers != NULL && !answer_openers (self, room, post, ok, owner_id, error)) {
    rc_backoff_reset (&room->retry);
    post_free (post);
    pump (self, room);
    return;
  }
  if (ok) {
    count_post ("ok");
    if (room->failing)
      g_info ("room status: updates of room %s go through again", room->id);
    room->failing = FALSE;
  } else if (handle_failure (room, post, error)) {
    post_free (post);
    return;
  }
  rc_backoff_reset (&room->retry);
  if (post->gen == 0)
    room->created = FALSE;
  else
    room->posted_gen = post->gen;
  post_free (post);
  pump (self, room);
}

static void
send_now (RcRoomStatusReporter *self, Room *room)
{
  static const Status created = { TRUE, 0, 0 };
  Post *post = g_new0 (Post, 1);
  g_autoptr (JsonNode) body = NULL;
  gboolean creating = room->created || has_openers (room);
  const Status *status = creating ? &created : &room->want;

  post->self = g_object_ref (self);
  post->room_id = g_strdup (room->id);
  post->gen = creating ? 0 : room->gen;
  post->closing = !status->live;
  if (has_openers (room))
    post->openers = g_steal_pointer (&room->openers);
  body = body_for (status);
  room->in_flight = TRUE;
  if (g_log_get_debug_enabled ()) {
    g_autofree char *text = rc_json_to_string (body);
    g_debug ("room status: room %s -> %s", room->id, text);
  }
  rc_laravel_client_room_status_async (self->laravel, room->id, body, self->cancellable,
                                       on_posted, post);
}

/* The entry of @room_id, created if needed. */
static Room *
ensure_room (RcRoomStatusReporter *self, const char *room_id)
{
  Room *room = g_hash_table_lookup (self->rooms, room_id);

  if (room == NULL) {
    room = g_new0 (Room, 1);
    rc_backoff_init (&room->retry, RETRY_BASE_MS, RETRY_MAX_MS, 0);
    room->owner = self;
    room->id = g_strdup (room_id);
    g_hash_table_insert (self->rooms, room->id, room);
  }
  return room;
}

/* The room service wrote a room's state (coalesced per main-loop turn). */
static void
on_state_changed (RcRoomService *rooms, const char *room_id, JsonNode *state, gpointer data)
{
  RcRoomStatusReporter *self = data;
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (state) ? json_node_get_object (state) : NULL;
  const char *status = object
                         ? json_object_get_string_member_with_default (object, "status", "")
                         : "";
  gint64 count = object
                   ? json_object_get_int_member_with_default (object, "participantCount", 0)
                   : 0;
  gboolean fresh = g_hash_table_lookup (self->rooms, room_id) == NULL;
  Room *room = ensure_room (self, room_id);

  if (g_str_equal (status, "CLOSED")) {
    if (!fresh && !room->known)
      return; /* this close is already on its way */
    room->known = FALSE;
    room->created = FALSE; /* superseded */
    room->want = (Status){ FALSE, 0, g_get_real_time () / 1000 };
    room->urgent = TRUE;
  } else if (!room->known) {
    room->known = TRUE;
    room->created = TRUE;
    room->want = (Status){ TRUE, MAX (count, 0), 0 };
    room->urgent = FALSE;
  } else if (room->want.live && room->want.count == count)
    return; /* a seat or a setting changed: nothing for Laravel */
  else {
    room->want = (Status){ TRUE, MAX (count, 0), 0 };
    room->urgent = FALSE;
  }
  room->gen++;
  if (room->urgent)
    rc_backoff_reset (&room->retry);
  pump (self, room);
}

/* RcRoomOpener: the room's "created" update, posted before the room
 * exists; its answer is the opener's. The room is then known and live with
 * nobody in it, which is what the POST says. */
static void
opener_open_async (RcRoomOpener *opener, const char *room_id, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  RcRoomStatusReporter *self = RC_ROOM_STATUS_REPORTER (opener);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Room *room = ensure_room (self, room_id);

  g_task_set_source_tag (task, opener_open_async);
  if (room->openers == NULL)
    room->openers = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (room->openers, task);
  room->known = TRUE;
  room->created = TRUE;
  room->want = (Status){ TRUE, 0, 0 };
  room->urgent = FALSE;
  room->gen++;
  room->posted_gen = room->gen; /* "created" says all there is */
  pump (self, room);
}

static gboolean
opener_open_finish (RcRoomOpener *opener, GAsyncResult *result, char **owner_id, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *owner;

  g_return_val_if_fail (g_task_is_valid (result, opener), FALSE);
  owner = g_task_propagate_pointer (G_TASK (result), &local);
  if (local != NULL) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  if (owner_id)
    *owner_id = owner;
  else
    g_free (owner);
  return TRUE;
}

static void
rc_room_status_reporter_opener_init (RcRoomOpenerInterface *iface)
{
  iface->open_async = opener_open_async;
  iface->open_finish = opener_open_finish;
}

guint
rc_room_status_reporter_get_n_pending (RcRoomStatusReporter *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (RC_IS_ROOM_STATUS_REPORTER (self), 0);
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Room *) value)->in_flight || has_news (value))
      n++;
  return n;
}

RcRoomStatusReporter *
rc_room_status_reporter_new (RcRoomService *rooms, RcLaravelClient *laravel)
{
  RcRoomStatusReporter *self;

  g_return_val_if_fail (RC_IS_ROOM_SERVICE (rooms) && RC_IS_LARAVEL_CLIENT (laravel), NULL);
  self = g_object_new (RC_TYPE_ROOM_STATUS_REPORTER, NULL);
  self->laravel = g_object_ref (laravel);
  /* Disconnected automatically when this object goes away. */
  g_signal_connect_object (rooms, "room-state-changed", G_CALLBACK (on_state_changed), self, 0);
  g_info ("room status: rooms going live, their participant counts and closes are posted to "
          "Laravel (coalesced, %u ms debounce)",
          RC_ROOM_STATUS_DEBOUNCE_MS);
  return self;
}

static void
rc_room_status_reporter_dispose (GObject *object)
{
  RcRoomStatusReporter *self = RC_ROOM_STATUS_REPORTER (object);

  g_cancellable_cancel (self->cancellable);
  g_hash_table_remove_all (self->rooms);
  g_clear_object (&self->laravel);
  G_OBJECT_CLASS (rc_room_status_reporter_parent_class)->dispose (object);
}

static void
rc_room_status_reporter_finalize (GObject *object)
{
  RcRoomStatusReporter *self = RC_ROOM_STATUS_REPORTER (object);

  g_hash_table_unref (self->rooms);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (rc_room_status_reporter_parent_class)->finalize (object);
}

static void
rc_room_status_reporter_class_init (RcRoomStatusReporterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rc_room_status_reporter_dispose;
  object_class->finalize = rc_room_status_reporter_finalize;
}

static void
rc_room_status_reporter_init (RcRoomStatusReporter *self)
{
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, room_free);
  self->cancellable = g_cancellable_new ();
}
