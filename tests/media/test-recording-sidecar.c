/* roomcast: the JSON beside a recording (src/media/recording-sidecar.c),
 * driven by a real RcRoom with a fake clock: what changed in the room
 * becomes join/seat/mute/unmute/unseat/leave events, at the right times, in
 * a file that is always whole JSON. */
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "media/recording-sidecar.h"
#include "rooms/room.h"

#define T0_US G_GINT64_CONSTANT (1000000000)

typedef struct {
  char *dir;
  char *path;
  RcRoom *room;
  RcRecordingSidecar *sc;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  RcRoomSettings settings = { .n_seats = 4, .max_participants = 0, .grace_ms = 30000 };

  f->dir = g_dir_make_tmp ("test-sidecar-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "room-20261121T000000Z.json", NULL);
  f->room = rc_room_new ("room", NULL, &settings, 0);
  f->sc = rc_recording_sidecar_new (f->path, "room", "room-20261121T000000Z.ogg", T0_US);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_unlink (f->path);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  rc_room_free (f->room);
  rc_recording_sidecar_free (f->sc);
}

static void
join (Fixture *f, const char *id, const char *name)
{
  g_autoptr (RcRoomUser) user = rc_room_user_new (id, name, NULL, "user");
  g_autoptr (RcEffects) effects = rc_effects_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (rc_room_join (f->room, user, 0, effects, &error));
  g_assert_no_error (error);
}

/* One room change at @t_ms after the start. */
static gboolean
update (Fixture *f, gint64 t_ms)
{
  return rc_recording_sidecar_update (f->sc, f->room, T0_US + t_ms * 1000);
}

static JsonObject *
read_back (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) node = NULL;

  g_assert_true (rc_recording_sidecar_write (f->sc, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (f->path, &text, NULL, NULL));
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

/* The events as "t type user seat" lines, for one comparison. */
static char *
events_text (JsonObject *o)
{
  JsonArray *events = json_object_get_array_member (o, "events");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++) {
    JsonObject *e = json_array_get_object_element (events, i);
    g_string_append_printf (s, "%.3f %s %s", json_object_get_double_member (e, "t"),
                            json_object_get_string_member (e, "type"),
                            json_object_get_string_member (e, "userId"));
    if (json_object_has_member (e, "seat"))
      g_string_append_printf (s, " %" G_GINT64_FORMAT, json_object_get_int_member (e, "seat"));
    g_string_append_c (s, '\n');
  }
  return g_string_free (s, FALSE);
}

static void
test_events (Fixture *f, gconstpointer data)
{
  g_autoptr (RcEffects) effects = rc_effects_new ();
  g_autoptr (JsonObject) o = NULL;
  g_autofree char *text = NULL;
  JsonArray *participants;

  /* Before the start: Alice on seat 0, Bob listening. */
  join (f, "1", "Alice");
  join (f, "2", "Bob");
  g_assert_cmpint (rc_room_take_seat (f->room, "1", 0, 0, effects, NULL), ==, 0);
  g_assert_true (update (f, 0));
  o = read_back (f);
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "recording");
  g_assert_true (json_object_get_null_member (o, "ended"));
  g_clear_pointer (&o, json_object_unref);

  /* Nothing changed: no event. */
  g_assert_false (update (f, 100));
  /* Bob sits, Alice mutes and unmutes, Carol joins, Bob moves, Alice goes. */
  g_assert_cmpint (rc_room_take_seat (f->room, "2", 2, 0, effects, NULL), ==, 2);
  g_assert_true (update (f, 1500));
  g_assert_true (rc_room_set_mic_muted (f->room, "1", TRUE, 0, effects, NULL));
  g_assert_true (update (f, 2000));
  g_assert_true (rc_room_set_mic_muted (f->room, "1", FALSE, 0, effects, NULL));
  g_assert_true (update (f, 2250));
  join (f, "3", "Carol");
  g_assert_true (update (f, 3000));
  g_assert_cmpint (rc_room_take_seat (f->room, "2", 1, 0, effects, NULL), ==, 1);
  g_assert_true (update (f, 3500));
  g_assert_true (rc_room_leave (f->room, "1", "left", 0, effects, NULL));
  g_assert_true (update (f, 4000));
  /* The room closes: everyone left leaves. */
  rc_room_close (f->room, "closed_by_host", 0, effects);
  g_assert_true (update (f, 5000));
  rc_recording_sidecar_end (f->sc, T0_US + 5000 * 1000);
  rc_recording_sidecar_set_status (f->sc, "complete");

  o = read_back (f);
  text = events_text (o);
  g_assert_cmpstr (text, ==,
                   "0.000 join 1\n"
                   "0.000 seat 1 0\n"
                   "0.000 join 2\n"
                   "1.500 seat 2 2\n"
                   "2.000 mute 1 0\n"
                   "2.250 unmute 1 0\n"
                   "3.000 join 3\n"
                   "3.500 unseat 2 2\n"
                   "3.500 seat 2 1\n"
                   "4.000 unseat 1 0\n"
                   "4.000 leave 1\n"
                   "5.000 unseat 2 1\n"
                   "5.000 leave 2\n"
                   "5.000 leave 3\n");
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "complete");
  g_assert_cmpfloat (json_object_get_double_member (o, "durationS"), ==, 5.0);
  g_assert_cmpstr (json_object_get_string_member (o, "file"), ==, "room-20261121T000000Z.ogg");
  participants = json_object_get_array_member (o, "participants");
  g_assert_cmpuint (json_array_get_length (participants), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (participants, 2),
                                                  "name"), ==, "Carol");
}

/* A seat muted by the host counts as muted like a muted mic; the file's
 * participants are written exactly so. */
static void
test_seat_mute_and_text (Fixture *f, gconstpointer data)
{
  g_autoptr (RcEffects) effects = rc_effects_new ();
  g_autoptr (JsonObject) o = NULL;
  g_autofree char *events = NULL;
  g_autofree char *file = NULL;

  join (f, "1", "Alice");
  join (f, "2", "Bob \"B\"");
  g_assert_cmpint (rc_room_take_seat (f->room, "2", 1, 0, effects, NULL), ==, 1);
  g_assert_true (update (f, 0));
  g_assert_true (rc_room_mute_seat (f->room, "1", 1, TRUE, 0, effects, NULL));
  g_assert_true (update (f, 1000));
  /* Muting the mic of a muted seat changes nothing heard. */
  g_assert_true (rc_room_set_mic_muted (f->room, "2", TRUE, 0, effects, NULL));
  g_assert_false (update (f, 1500));
  g_assert_true (rc_room_mute_seat (f->room, "1", 1, FALSE, 0, effects, NULL));
  g_assert_false (update (f, 2000));
  g_assert_true (rc_room_set_mic_muted (f->room, "2", FALSE, 0, effects, NULL));
  g_assert_true (update (f, 2500));

  o = read_back (f);
  events = events_text (o);
  g_assert_cmpstr (events, ==,
                   "0.000 join 1\n"
                   "0.000 join 2\n"
                   "0.000 seat 2 1\n"
                   "1.000 mute 2 1\n"
                   "2.500 unmute 2 1\n");
  g_assert_true (g_file_get_contents (f->path, &file, NULL, NULL));
  g_assert_nonnull (strstr (file, ",\"participants\":[{\"userId\":\"1\",\"name\":\"Alice\"},"
                                  "{\"userId\":\"2\",\"name\":\"Bob \\\"B\\\"\"}],\"events\":["));
}

/* Hours of churn: the file (and the memory behind it) stays bounded. */
static void
test_caps (Fixture *f, gconstpointer data)
{
  const guint users = 5100; /* a join and a leave each: 10,200 events */
  g_autoptr (JsonObject) o = NULL;
  GStatBuf st;

  for (guint i = 0; i < users; i++) {
    g_autofree char *id = g_strdup_printf ("%u", 1000 + i);
    g_autoptr (RcEffects) effects = rc_effects_new ();
    g_autoptr (GError) error = NULL;

    join (f, id, "Churn");
    update (f, i * 10);
    g_assert_true (rc_room_leave (f->room, id, "left", T0_US / 1000 + i * 10 + 5, effects, &error));
    g_assert_true (update (f, i * 10 + 5));
  }
  o = read_back (f);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "participants")), ==,
                    RC_RECORDING_SIDECAR_MAX_PARTICIPANTS);
  g_assert_cmpint (json_object_get_int_member (o, "participantsDropped"), ==,
                   users - RC_RECORDING_SIDECAR_MAX_PARTICIPANTS);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "events")), ==,
                    RC_RECORDING_SIDECAR_MAX_EVENTS);
  g_assert_cmpint (json_object_get_int_member (o, "eventsDropped"), ==,
                   2 * users - RC_RECORDING_SIDECAR_MAX_EVENTS);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_test_message ("%u users joined and left: %" G_GINT64_FORMAT " bytes of sidecar", users,
                  (gint64) st.st_size);
  g_assert_cmpint (st.st_size, <, 1024 * 1024);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/recording-sidecar/events", Fixture, NULL, setup, test_events, teardown);
  g_test_add ("/recording-sidecar/caps", Fixture, NULL, setup, test_caps, teardown);
  g_test_add ("/recording-sidecar/seat-mute-and-text", Fixture, NULL, setup,
              test_seat_mute_and_text, teardown);
  return g_test_run ();
}
