/* roomcast: the JSON file beside a recording; see recording-sidecar.h. */
#include "media/recording-sidecar.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "json/json-text.h"

typedef struct {
  gint seat;      /* -1: not seated */
  gboolean muted; /* seated and muted (seat or mic) */
} UserState;

struct _RcRecordingSidecar {
  char *path;
  char *room_id;
  char *audio_file;
  gint64 started_us;
  GDateTime *started; /* UTC */
  gint64 ended_us;    /* 0 = still recording */
  const char *status;
  GHashTable *state; /* user id -> UserState*: the room as last seen */
  GPtrArray *order;  /* its user ids, oldest participant first */
  GHashTable *seen;  /* user ids in participants */
  JsonArray *participants;
  JsonArray *events;
  guint events_dropped, participants_dropped; /* past the caps (see the header) */
};

RcRecordingSidecar *
rc_recording_sidecar_new (const char *path, const char *room_id, const char *audio_file,
                          gint64 started_us)
{
  RcRecordingSidecar *sc = g_new0 (RcRecordingSidecar, 1);

  sc->path = g_strdup (path);
  sc->room_id = g_strdup (room_id);
  sc->audio_file = g_strdup (audio_file);
  sc->started_us = started_us;
  sc->started = g_date_time_new_now_utc ();
  sc->status = "recording";
  sc->state = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sc->order = g_ptr_array_new_with_free_func (g_free);
  sc->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sc->participants = json_array_new ();
  sc->events = json_array_new ();
  return sc;
}

void
rc_recording_sidecar_free (RcRecordingSidecar *sc)
{
  if (sc == NULL)
    return;
  g_free (sc->path);
  g_free (sc->room_id);
  g_free (sc->audio_file);
  g_date_time_unref (sc->started);
  g_hash_table_unref (sc->state);
  g_ptr_array_unref (sc->order);
  g_hash_table_unref (sc->seen);
  json_array_unref (sc->participants);
  json_array_unref (sc->events);
  g_free (sc);
}

static void
add_event (RcRecordingSidecar *sc, gint64 now_us, const char *type, const char *user_id,
           gint seat)
{
  JsonObject *e;

  if (json_array_get_length (sc->events) >= RC_RECORDING_SIDECAR_MAX_EVENTS) {
    sc->events_dropped++;
    return;
  }
  e = json_object_new ();
  /* Milliseconds are enough and keep the numbers short. */
  json_object_set_double_member (e, "t", MAX (now_us - sc->started_us, 0) / 1000 / 1000.0);
  json_object_set_string_member (e, "type", type);
  json_object_set_string_member (e, "userId", user_id);
  if (seat >= 0)
    json_object_set_int_member (e, "seat", seat);
  json_array_add_object_element (sc->events, e);
}

/* One participant's change from @old (NULL: absent) to @now (NULL: gone). */
static void
diff_user (RcRecordingSidecar *sc, gint64 now_us, const char *user_id, const UserState *old,
           const UserState *now)
{
  if (old == NULL && now != NULL) {
    add_event (sc, now_us, "join", user_id, -1);
    if (!g_hash_table_contains (sc->seen, user_id) &&
        json_array_get_length (sc->participants) >= RC_RECORDING_SIDECAR_MAX_PARTICIPANTS)
      sc->participants_dropped++;
  }
  if (old != NULL && old->seat >= 0 && (now == NULL || now->seat != old->seat))
    add_event (sc, now_us, "unseat", user_id, old->seat);
  if (now != NULL && now->seat >= 0 && (old == NULL || old->seat != now->seat))
    add_event (sc, now_us, "seat", user_id, now->seat);
  if (now != NULL && now->seat >= 0) {
    gboolean was_muted = old != NULL && old->seat == now->seat && old->muted;
    if (now->muted != was_muted)
      add_event (sc, now_us, now->muted ? "mute" : "unmute", user_id, now->seat);
  }
  if (old != NULL && now == NULL)
    add_event (sc, now_us, "leave", user_id, -1);
}

/* Everyone seen, first seen first, with the name they had then. */
static void
note_participant (RcRecordingSidecar *sc, const RcRoomParticipantView *p)
{
  JsonObject *entry;

  if (g_hash_table_contains (sc->seen, p->user_id))
    return;
  /* Past the cap: not listed, and not remembered either (the memory stays
   * bounded too); diff_user() counts their joins. */
  if (json_array_get_length (sc->participants) >= RC_RECORDING_SIDECAR_MAX_PARTICIPANTS)
    return;
  g_hash_table_add (sc->seen, g_strdup (p->user_id));
  entry = json_object_new ();
  json_object_set_string_member (entry, "userId", p->user_id);
  json_object_set_string_member (entry, "name", p->name);
  json_array_add_object_element (sc->participants, entry);
}

typedef struct {
  RcRecordingSidecar *sc;
  GHashTable *next; /* user id -> UserState* */
  GPtrArray *order; /* their ids, oldest participant first */
} Update;

static void
note_state (const RcRoomParticipantView *p, gpointer data)
{
  Update *u = data;
  UserState *s = g_new0 (UserState, 1);

  s->seat = p->seat;
  s->muted = p->seat >= 0 && (p->seat_muted || p->mic_muted);
  g_hash_table_insert (u->next, g_strdup (p->user_id), s);
  g_ptr_array_add (u->order, g_strdup (p->user_id));
  note_participant (u->sc, p);
}

/* Events in a stable order: those who left (oldest participant first),
 * then everyone present (oldest first). */
gboolean
rc_recording_sidecar_update (RcRecordingSidecar *sc, const RcRoom *room, gint64 now_us)
{
  g_autoptr (GHashTable) next = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
  Update u = { .sc = sc, .next = next, .order = order };
  guint before = json_array_get_length (sc->events) + sc->events_dropped;

  if (room != NULL && rc_room_get_status (room) != RC_ROOM_STATUS_CLOSED)
    rc_room_foreach_participant (room, note_state, &u);
  for (guint i = 0; i < sc->order->len; i++) {
    const char *user_id = sc->order->pdata[i];

    if (!g_hash_table_contains (next, user_id))
      diff_user (sc, now_us, user_id, g_hash_table_lookup (sc->state, user_id), NULL);
  }
  for (guint i = 0; i < order->len; i++) {
    const char *user_id = order->pdata[i];
    diff_user (sc, now_us, user_id, g_hash_table_lookup (sc->state, user_id),
               g_hash_table_lookup (next, user_id));
  }
  g_hash_table_unref (sc->state);
  sc->state = g_steal_pointer (&next);
  g_ptr_array_unref (sc->order);
  sc->order = g_steal_pointer (&order);
  return json_array_get_length (sc->events) + sc->events_dropped > before;
}

void
rc_recording_sidecar_set_status (RcRecordingSidecar *sc, const char *status)
{
  sc->status = status;
}

void
rc_recording_sidecar_end (RcRecordingSidecar *sc, gint64 now_us)
{
  sc->ended_us = MAX (now_us, sc->started_us);
}

static char *
utc_text (GDateTime *t)
{
  g_autofree char *base = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", base, g_date_time_get_microsecond (t) / 1000);
}

gboolean
rc_recording_sidecar_write (RcRecordingSidecar *sc, GError **error)
{
  g_autoptr (JsonObject) o = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *started = utc_text (sc->started);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *tmp = NULL;

  json_object_set_string_member (o, "roomId", sc->room_id);
  json_object_set_string_member (o, "file", sc->audio_file);
  json_object_set_string_member (o, "started", started);
  if (sc->ended_us > 0) {
    g_autoptr (GDateTime) end = g_date_time_add (sc->started, sc->ended_us - sc->started_us);
    g_autofree char *ended = utc_text (end);

    json_object_set_string_member (o, "ended", ended);
    json_object_set_double_member (o, "durationS",
                                   (sc->ended_us - sc->started_us) / 1000 / 1000.0);
  } else {
    json_object_set_null_member (o, "ended");
    json_object_set_null_member (o, "durationS");
  }
  json_object_set_string_member (o, "status", sc->status);
  json_object_set_array_member (o, "participants", json_array_ref (sc->participants));
  json_object_set_array_member (o, "events", json_array_ref (sc->events));
  if (sc->participants_dropped > 0)
    json_object_set_int_member (o, "participantsDropped", sc->participants_dropped);
  if (sc->events_dropped > 0)
    json_object_set_int_member (o, "eventsDropped", sc->events_dropped);
  json_node_set_object (node, o);
  rc_json_write (text, node);
  g_string_append_c (text, '\n');
  /* A temporary file renamed over the old one: readers see the old or the
   * new text, never a part. No fsync: this runs on the main loop. */
  tmp = g_strconcat (sc->path, ".tmp", NULL);
  if (!g_file_set_contents_full (tmp, text->str, (gssize) text->len, G_FILE_SET_CONTENTS_NONE,
                                 0644, error)) {
    g_unlink (tmp); /* a full disk can leave a part */
    return FALSE;
  }
  if (g_rename (tmp, sc->path) != 0) {
    int saved = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "renaming %s: %s", tmp,
                 g_strerror (saved));
    g_unlink (tmp);
    return FALSE;
  }
  return TRUE;
}
