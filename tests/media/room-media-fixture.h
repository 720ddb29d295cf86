/* roomcast: the fixture of tests/media/test-room-media.c: the daemon
 * (started --dev on loopback, its /metrics and /proc figures), the rooms
 * and probe frequencies, and test clients joined to a room. */
#pragma once

#include "rc-test-client.h"
#include "rc-test-util.h"

#define ROOM_A "11111111-1111-4111-8111-111111111111"
#define ROOM_B "22222222-2222-4222-8222-222222222222"
#define ROOM_C "33333333-3333-4333-8333-333333333333"
#define ROOM_D "44444444-4444-4444-8444-444444444444"
#define ROOM_E "55555555-5555-4555-8555-555555555555"
#define CONNECT_TIMEOUT_MS 6000
/* CPU is measured over this long (server /proc, two phases);
 * RC_ROOM_MEDIA_MEASURE_MS overrides it (e.g. to attach a profiler). */
#define MEASURE_MS 6000

/* Probe frequencies: the three speakers of room A, the seat switcher, room
 * B's speaker, and one nobody sends (the noise floor). 440/660/880 Hz make
 * intermodulation products at every multiple of 220 Hz wherever the mix is
 * limited (three tones at half scale go over full scale, and the limiter's
 * gain moves with them), so the others stay off that grid: 1030, 1700 and
 * the floor 1370 Hz. */
#define N_PROBES 6
extern const double probe_hz[N_PROBES];
enum { F440, F660, F880, F1000, F1320, FLOOR };
#define SWITCHER_HZ 1030.0
#define ROOM_B_HZ 1700.0
/* "Hears" a tone: above this level (dBFS) and 20 dB over the floor. */
#define HEARD_DB (-30.0)

typedef struct {
  GSubprocess *server;
  char *log_path;
  char *url;
  guint next_user;
  guint upstream_criticals;
} RoomMediaFixture;

extern RoomMediaFixture fx;

typedef struct {
  RcTestClient **c;
  guint n;
} Group;

/* The daemon runs MEDIA_RECV_TRANSPORT=lite (clients listen through the
 * room's icelitesink, speakers publish), unless
 * ROOMCAST_TEST_RECV_TRANSPORT=webrtcbin. */
gboolean lite_mode (void);
/* Starts roomcastd (--dev, loopback) and waits until it listens. */
void start_server (void);
void stop_server (void);
int server_pid (void);
double metric (const char *line_prefix);
/* A per-room gauge from /admin/metrics, e.g. roomcast_media_room_peers. */
double room_metric (const char *name, const char *room);
/* Emits @event {json} and waits for a successful ack; returns its time. */
gint64 request (RcTestClient *c, const char *event, const char *json);
gboolean is_connected (gpointer data);
/* A client in @room (joined), sending @tone (0 = receive only), on @seat
 * (-1: listener), media started (not waited for). */
RcTestClient *client_in (const char *room, double tone, gint seat, gboolean no_decode,
                         const char *local_ip);
gboolean all_connected (gpointer data);
double level (RcTestClient *c, guint f);
/* @c hears probe @f: above HEARD_DB and 20 dB over the floor. */
gboolean hears (RcTestClient *c, guint f);
void describe (RcTestClient *c, const char *what);
void server_figures (const char *what);
