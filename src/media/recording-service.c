/* roomcast: recording rooms to files; see recording-service.h. */
#include "media/recording-service.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "core/metrics.h"
#include "media/recording-sidecar.h"
#include "media/room-recorder.h"
#include "protocol/errors.h"
#include "protocol/payload.h"
#include "rooms/rate-limit.h"

/* Events are written to the sidecar at most this often while recording. */
#define SIDECAR_WRITE_MS 1000
/* Room ids are UUIDs; a longer or odd one is cut and made safe. */
#define NAME_MAX_ID 64

typedef struct {
  RcRecordingService *self;
  char *room_id;
  char *file; /* the .ogg's base name */
  RcRoomRecorder *recorder;
  RcRecordingSidecar *sidecar;
  gboolean announce; /* tell the room when the file is complete */
  gboolean dirty;    /* events not yet written to the sidecar */
} Recording;

struct _RcRecordingService {
  GObject parent_instance;
  RcSioServer *sio;
  RcRoomService *rooms;
  const RcConfig *config;
  GHashTable *medias;    /* room id -> RcRoomMedia* (not owned) */
  GHashTable *active;    /* room id -> Recording* */
  GHashTable *finishing; /* Recording* set: detached, file being finished */
  GHashTable *off;       /* room ids whose host turned recording off */
  RcRateLimiter *starts; /* room:record starts, per room id */
  gulong changed_id, joined_id;
  guint write_source;
};

G_DEFINE_FINAL_TYPE (RcRecordingService, rc_recording_service, G_TYPE_OBJECT)

/* room:record {on:true} starts a new file each time: at most this many per
 * room and minute (toggling cannot fill the disk with files). */
#define RECORD_STARTS_PER_MINUTE 6

static gboolean
enabled (RcRecordingService *self)
{
  return self->config->record_dir != NULL && *self->config->record_dir != '\0';
}

/* --- directory and names ------------------------------------------------------ */

gboolean
rc_recording_check_dir (const char *dir, GError **error)
{
  g_autofree char *probe = NULL;
  int fd;

  if (g_mkdir_with_parents (dir, 0750) != 0) {
    int saved = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                 "cannot create the directory '%s': %s", dir, g_strerror (saved));
    return FALSE;
  }
  probe = g_build_filename (dir, ".roomcast-write-test-XXXXXX", NULL);
  fd = g_mkstemp (probe);
  if (fd < 0) {
    int saved = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                 "cannot create files in '%s': %s", dir, g_strerror (saved));
    return FALSE;
  }
  g_close (fd, NULL);
  g_unlink (probe);
  return TRUE;
}

/* <room id made safe>-<UTC time>, with -2, -3, ... if taken (a recording
 * restarted within the same second). */
static char *
new_base_name (RcRecordingService *self, const char *room_id)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *safe = g_strndup (room_id, NAME_MAX_ID);

  for (char *c = safe; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
      *c = '_';
  for (guint n = 1;; n++) {
    g_autofree char *base = n == 1 ? g_strdup_printf ("%s-%s", safe, stamp)
                                   : g_strdup_printf ("%s-%s-%u", safe, stamp, n);
    g_autofree char *ogg = g_strdup_printf ("%s/%s.ogg", self->config->record_dir, base);
    g_autofree char *json = g_strdup_printf ("%s/%s.json", self->config->record_dir, base);

    if (!g_file_test (ogg, G_FILE_TEST_EXISTS) && !g_file_test (json, G_FILE_TEST_EXISTS))
      return g_steal_pointer (&base);
  }
}

/* --- events and sidecars ------------------------------------------------------- */

static void
announce (RcRecordingService *self, const char *room_id, gboolean on, const char *file,
          const char *reason)
{
  g_autoptr (JsonObject) o = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_boolean_member (o, "on", on);
  json_object_set_string_member (o, "file", file);
  if (reason != NULL)
    json_object_set_string_member (o, "reason", reason);
  json_node_set_object (node, o);
  rc_room_service_broadcast (self->rooms, room_id, "room:recording", node);
}

static RcRoom *
lookup_room (RcRecordingService *self, const char *room_id)
{
  return rc_room_service_lookup (self->rooms, room_id);
}

static void
write_sidecar (Recording *r)
{
  g_autoptr (GError) error = NULL;

  r->dirty = FALSE;
  if (!rc_recording_sidecar_write (r->sidecar, &error))
    g_warning ("room %s: recording %s: cannot write its sidecar: %s", r->room_id, r->file,
               error->message);
}

static gboolean
write_dirty (gpointer data)
{
  RcRecordingService *self = data;
  GHashTableIter iter;
  gpointer value;

  self->write_source = 0;
  g_hash_table_iter_init (&iter, self->active);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Recording *) value)->dirty)
      write_sidecar (value);
  return G_SOURCE_REMOVE;
}

/* A connection that enters a room being recorded is told, like those
 * present at the start: a first join, a second connection, or a rejoin
 * within the grace period (the user never left the room's participants). */
static void
on_socket_joined (RcRoomService *rooms, const char *room_id, RcSioSocket *socket, gpointer data)
{
  RcRecordingService *self = data;
  Recording *r = g_hash_table_lookup (self->active, room_id);
  g_autoptr (JsonObject) o = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (r == NULL || g_strcmp0 (rc_room_service_get_socket_room (rooms, socket), room_id) != 0)
    return;
  o = json_object_new ();
  json_object_set_boolean_member (o, "on", TRUE);
  json_object_set_string_member (o, "file", r->file);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, o);
  rc_sio_socket_emit (socket, "room:recording", node);
}

static void
on_room_changed (RcRoomService *rooms, const char *room_id, gpointer data)
{
  RcRecordingService *self = data;
  Recording *r = g_hash_table_lookup (self->active, room_id);

  if (r == NULL || !rc_recording_sidecar_update (r->sidecar, lookup_room (self, room_id),
                                                 g_get_monotonic_time ()))
    return;
  r->dirty = TRUE;
  if (self->write_source == 0)
    self->write_source = g_timeout_add (SIDECAR_WRITE_MS, write_dirty, self);
}

/* --- recordings ------------------------------------------------------------------ */

static void
recording_free (Recording *r)
{
  rc_room_recorder_free (r->recorder);
  rc_recording_sidecar_free (r->sidecar);
  g_free (r->room_id);
  g_free (r->file);
  g_free (r);
}

/* Off the room: the sidecar gets its end now, the file in the background. */
static void
detach (Recording *r, gboolean tell_room)
{
  RcRecordingService *self = r->self;

  g_hash_table_steal (self->active, r->room_id);
  g_hash_table_add (self->finishing, r);
  r->announce = tell_room;
  rc_room_recorder_stop (r->recorder);
  rc_recording_sidecar_update (r->sidecar, lookup_room (self, r->room_id),
                               g_get_monotonic_time ());
  rc_recording_sidecar_end (r->sidecar, g_get_monotonic_time ());
  rc_recording_sidecar_set_status (r->sidecar, "finishing");
  write_sidecar (r);
}

static void
on_recorder_done (RcRoomRecorder *recorder, const GError *error, gpointer data)
{
  Recording *r = data;
  RcRecordingService *self = r->self;
  const char *reason = NULL;

  if (g_hash_table_lookup (self->active, r->room_id) == r)
    detach (r, TRUE); /* failed while recording */
  if (error != NULL) {
    reason = g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT)
               ? "disk_full"
               : "error";
    g_warning ("room %s: recording %s stopped (%s): %s; the room goes on", r->room_id, r->file,
               reason, error->message);
    rc_metrics_counter_inc ("roomcast_recording_failures_total",
                            "Recordings stopped by a write error (disk full, ...)", NULL);
  } else {
    g_info ("room %s: recording %s complete", r->room_id, r->file);
  }
  rc_recording_sidecar_set_status (r->sidecar, reason ? reason : "complete");
  write_sidecar (r);
  if (r->announce || error != NULL)
    announce (self, r->room_id, FALSE, r->file, reason ? reason : "stopped");
  g_hash_table_remove (self->finishing, r); /* frees r and the recorder */
}

static gboolean
start_recording (RcRecordingService *self, const char *room_id, GError **error)
{
  RcRoomMedia *media = g_hash_table_lookup (self->medias, room_id);
  g_autofree char *base = new_base_name (self, room_id);
  g_autofree char *ogg = g_strdup_printf ("%s/%s.ogg", self->config->record_dir, base);
  g_autofree char *json = g_strdup_printf ("%s/%s.json", self->config->record_dir, base);
  g_autoptr (GError) local = NULL;
  Recording *r;

  g_return_val_if_fail (media != NULL, FALSE);
  r = g_new0 (Recording, 1);
  r->self = self;
  r->room_id = g_strdup (room_id);
  r->file = g_strdup_printf ("%s.ogg", base);
  r->recorder = rc_room_recorder_start (media, ogg, on_recorder_done, r, &local);
  if (r->recorder == NULL) {
    g_warning ("room %s: cannot record to %s: %s", room_id, ogg, local->message);
    g_propagate_error (error, g_steal_pointer (&local));
    recording_free (r);
    return FALSE;
  }
  r->sidecar = rc_recording_sidecar_new (json, room_id, r->file, g_get_monotonic_time ());
  rc_recording_sidecar_update (r->sidecar, lookup_room (self, room_id),
                               g_get_monotonic_time ());
  write_sidecar (r);
  g_hash_table_insert (self->active, r->room_id, r);
  g_info ("room %s: recording to %s", room_id, ogg);
  rc_metrics_counter_inc ("roomcast_recordings_started_total", "Room recordings started", NULL);
  announce (self, room_id, TRUE, r->file, NULL);
  return TRUE;
}

void
rc_recording_service_media_started (RcRecordingService *self, const char *room_id,
                                    RcRoomMedia *media)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (RC_IS_RECORDING_SERVICE (self));
  g_hash_table_insert (self->medias, g_strdup (room_id), media);
  if (enabled (self) && !g_hash_table_contains (self->off, room_id))
    start_recording (self, room_id, &error);
}

void
rc_recording_service_media_ending (RcRecordingService *self, const char *room_id)
{
  Recording *r;

  g_return_if_fail (RC_IS_RECORDING_SERVICE (self));
  r = g_hash_table_lookup (self->active, room_id);
  if (r != NULL)
    detach (r, FALSE); /* the room is closing: nobody left to tell */
  g_hash_table_remove (self->medias, room_id);
  g_hash_table_remove (self->off, room_id);
}

guint
rc_recording_service_get_n_finishing (RcRecordingService *self)
{
  return g_hash_table_size (self->finishing);
}

static void
metrics_collector (GString *out, gpointer data)
{
  RcRecordingService *self = data;

  rc_metrics_append_gauge (out, "roomcast_recordings_active", "Room recordings running",
                           g_hash_table_size (self->active));
  rc_metrics_append_gauge (out, "roomcast_recordings_finishing",
                           "Recordings detached from their room whose file is being finished",
                           g_hash_table_size (self->finishing));
}

/* --- room:record ----------------------------------------------------------------- */

static void
handle_record (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcRecordingService *self = data;
  const char *room_id = rc_room_service_get_socket_room (self->rooms, socket);
  RcUser *user = rc_sio_socket_get_user (socket);
  g_autoptr (JsonObject) payload = NULL;
  g_autoptr (JsonObject) reply = json_object_new ();
  g_autoptr (GError) error = NULL;
  Recording *r;
  RcRoom *room;
  gboolean on;

  if (room_id == NULL || (room = lookup_room (self, room_id)) == NULL) {
    if (ack)
      rc_sio_ack_error (ack, "not_in_room", "Join a room (room:join) first");
    return;
  }
  if (!enabled (self)) {
    if (ack)
      rc_sio_ack_error (ack, "recording_disabled", "Recording is not enabled on this server");
    return;
  }
  if (rc_room_get_role (room, user->id) != RC_ROOM_ROLE_HOST &&
      g_strcmp0 (user->role, "admin") != 0) {
    if (ack)
      rc_sio_ack_error (ack, "forbidden", "Only the host can start or stop the recording");
    return;
  }
  if ((payload = rc_payload_object (args, &error)) == NULL ||
      !rc_payload_get_bool (payload, "on", RC_FIELD_REQUIRED, FALSE, &on, &error)) {
    if (ack)
      rc_sio_ack_error (ack, rc_error_wire_code (error), error->message);
    return;
  }
  r = g_hash_table_lookup (self->active, room_id);
  if (on) {
    /* A new file now: counted per room. */
    gboolean starts = r == NULL && g_hash_table_contains (self->medias, room_id);
    gint64 now_ms = g_get_monotonic_time () / 1000, retry_after_ms = 0;

    if (starts && !rc_rate_limiter_check (self->starts, room_id, now_ms, &retry_after_ms)) {
      g_autofree char *message = g_strdup_printf ("Too many recordings started in this room; "
                                                  "retry in %" G_GINT64_FORMAT " ms",
                                                  retry_after_ms);

      if (ack)
        rc_sio_ack_rate_limited (ack, message, retry_after_ms);
      return;
    }
    g_hash_table_remove (self->off, room_id);
    /* No pipeline yet: it starts with the room's media. */
    if (starts && !start_recording (self, room_id, &error)) {
      if (ack)
        rc_sio_ack_error (ack, "internal", "The recording could not be started");
      return;
    }
    if (starts)
      rc_rate_limiter_record (self->starts, room_id, now_ms);
    r = g_hash_table_lookup (self->active, room_id);
  } else {
    g_hash_table_add (self->off, g_strdup (room_id));
    if (r != NULL) {
      g_info ("room %s: recording %s stopped by %s", room_id, r->file, user->id);
      detach (r, TRUE);
    }
    r = NULL;
  }
  json_object_set_boolean_member (reply, "on", on);
  if (r != NULL)
    json_object_set_string_member (reply, "file", r->file);
  if (ack)
    rc_sio_ack_ok (ack, reply);
}

/* --- construction ------------------------------------------------------------------ */

RcRecordingService *
rc_recording_service_new (RcSioServer *sio, RcRoomService *rooms, const RcConfig *config)
{
  RcRecordingService *self;

  g_return_val_if_fail (RC_IS_SIO_SERVER (sio) && RC_IS_ROOM_SERVICE (rooms), NULL);
  self = g_object_new (RC_TYPE_RECORDING_SERVICE, NULL);
  self->sio = g_object_ref (sio);
  self->rooms = g_object_ref (rooms);
  self->config = config;
  rc_sio_server_on (sio, "room:record", handle_record, self);
  self->changed_id = g_signal_connect (rooms, "room-changed", G_CALLBACK (on_room_changed),
                                       self);
  self->joined_id = g_signal_connect (rooms, "socket-joined", G_CALLBACK (on_socket_joined),
                                      self);
  rc_metrics_register_collector (metrics_collector, self);
  return self;
}

/* The main loop has stopped: stop what still records, finish every file
 * (bounded wait each), write every sidecar. */
static void
rc_recording_service_dispose (GObject *object)
{
  RcRecordingService *self = RC_RECORDING_SERVICE (object);
  g_autoptr (GList) active = NULL;

  if (self->sio != NULL) {
    rc_sio_server_off_by_data (self->sio, self, "internal", "recording is not available");
    g_clear_signal_handler (&self->changed_id, self->rooms);
    g_clear_signal_handler (&self->joined_id, self->rooms);
    rc_metrics_unregister_collector (metrics_collector, self);
    active = g_hash_table_get_values (self->active);
    for (GList *l = active; l; l = l->next)
      detach (l->data, FALSE);
    g_hash_table_remove_all (self->finishing);
  }
  g_clear_handle_id (&self->write_source, g_source_remove);
  g_clear_object (&self->sio);
  g_clear_object (&self->rooms);
  G_OBJECT_CLASS (rc_recording_service_parent_class)->dispose (object);
}

static void
rc_recording_service_finalize (GObject *object)
{
  RcRecordingService *self = RC_RECORDING_SERVICE (object);

  g_hash_table_unref (self->medias);
  g_hash_table_unref (self->active);
  g_hash_table_unref (self->finishing);
  g_hash_table_unref (self->off);
  rc_rate_limiter_free (self->starts);
  G_OBJECT_CLASS (rc_recording_service_parent_class)->finalize (object);
}

static void
rc_recording_service_class_init (RcRecordingServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_recording_service_dispose;
  G_OBJECT_CLASS (klass)->finalize = rc_recording_service_finalize;
}

static void
rc_recording_service_init (RcRecordingService *self)
{
  self->medias = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->active = g_hash_table_new (g_str_hash, g_str_equal);
  self->finishing = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) recording_free, NULL);
  self->off = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->starts = rc_rate_limiter_new (RECORD_STARTS_PER_MINUTE, 60000);
}
