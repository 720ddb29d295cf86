/* roomcast tests: what test-recording.c drives and reads.
 *
 * The daemon (roomcastd --dev on loopback, optionally --record DIR), C test
 * clients that remember every room:recording they receive, requests with
 * their ack times, and the files as a user reads them: the .ogg decoded
 * with GStreamer (oggdemux ! opusdec) and measured with Goertzel, the .json
 * parsed.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "rc-test-client.h"

G_BEGIN_DECLS

/* Clients measure these in what they hear: three tones, and a frequency
 * nobody sends (the noise floor). */
enum { F440, F660, F880, FLOOR, RT_N_PROBES };
extern const double rt_probe_hz[RT_N_PROBES];
/* "Heard": above this level (dBFS) and 20 dB over the floor. */
#define HEARD_DB (-30.0)
#define WINDOW 4800 /* analysis window: 100 ms at 48 kHz */
#define CONNECT_TIMEOUT_MS 8000

typedef struct Server {
  GSubprocess *proc;
  char *log_path;
  char *url;
} Server;

/* roomcastd --dev listening on 127.0.0.1 (a free port); @record_dir NULL:
 * no recording. */
Server *server_start (const char *record_dir);
/* Its log so far (stderr). */
char *server_log (Server *s);
/* SIGTERM (the graceful drain); asserts the exit status 0. Frees @s. */
void server_stop (Server *s);

/* One room:recording as received. */
typedef struct {
  gboolean on;
  char *file;
  char *reason;
  gint64 at_us; /* g_get_monotonic_time() on arrival */
} RecEvent;

typedef struct {
  RcTestClient *c;
  char *user_id;
  GPtrArray *events; /* RecEvent*, in order */
} Client;

/* A new user of @s in @room sending @tone (0: none) on @seat (-1: listener),
 * media started when @media (not waited for). */
Client *client_in (Server *s, const char *room, double tone, gint seat, gboolean media);
/* The same as user @user (a second connection of a user, or a rejoin). */
Client *client_in_as (Server *s, guint user, const char *room, double tone, gint seat,
                      gboolean media);
/* A user id no client has had yet. */
guint new_user (void);
void client_free (Client *cl);
/* Emits @event {json}; the ack (transfer full) and its arrival time. */
JsonObject *ask (Client *cl, const char *event, const char *json, gint64 *at_us);
/* The same, asserting success; returns the ack's arrival time. */
gint64 request (Client *cl, const char *event, const char *json);
/* The same, asserting failure with @code. */
void request_fails (Client *cl, const char *event, const char *json, const char *code);
/* For rc_test_wait_until(): every Client of the NULL-terminated array
 * @data has its media connected. */
gboolean media_connected (gpointer data);
/* The first room:recording {on: @on} @cl received about another file than
 * @not_file (nullable), waited for up to @timeout_ms. */
RecEvent *wait_event (Client *cl, gboolean on, const char *not_file, guint timeout_ms);

typedef struct {
  GArray *samples;         /* float, mono 48 kHz */
  GstClockTime first, end; /* PTS of the first sample, end of the last */
} Decoded;

/* Decodes @path as a player would; FALSE with the pipeline's error in
 * *@error_text if it does not decode to its end. */
gboolean decode (const char *path, Decoded *d, char **error_text);
void decoded_clear (Decoded *d);
/* The end of the decoded time line, in seconds. */
double decoded_seconds (Decoded *d);
/* Analysis windows in which every probe of @tones (-1 terminated) is heard. */
guint windows_with (Decoded *d, const int *tones);

/* DIR/<name>.json for DIR/<name>.ogg. */
char *sidecar_path (const char *dir, const char *file);
/* The parsed .json, or NULL (absent, not JSON). */
JsonObject *read_sidecar (const char *path);
/* The .json of @file once its status is "complete" (the .ogg is final). */
JsonObject *wait_complete (const char *dir, const char *file);
/* It has an event @type for @user_id (on @seat unless -1). */
gboolean has_event (JsonObject *sidecar, const char *type, const char *user_id, gint seat);
gboolean has_participant (JsonObject *sidecar, const char *user_id);

G_END_DECLS
