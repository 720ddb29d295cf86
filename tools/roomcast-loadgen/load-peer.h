/* roomcast-loadgen: one simulated participant, whatever the server.
 *
 * The load generator drives N speakers and M listeners through this small
 * interface so the same run can target roomcast (Socket.IO + the server's
 * SDP offer; wraps tests/lib's RcTestClient: load-peer-roomcast.c) or Janus
 * AudioBridge (Janus HTTP API, the client's SDP offer: load-peer-janus.c).
 *
 * Every peer lives on the thread-default main context of its creator; no
 * call blocks. A speaker sends a sine of @tone_hz (Opus 48 kHz mono, 20 ms);
 * a listener (tone_hz 0) sends nothing (roomcast: not seated; Janus: joined
 * muted). Listeners count RTP without decoding unless @decode is set (the
 * load generator decodes only a sampled few, to stay light).
 */
#pragma once

#include <glib.h>
#include <string.h>

#include "rc-test-client.h"

G_BEGIN_DECLS

typedef enum {
  LOAD_PEER_IDLE,       /* created, not started */
  LOAD_PEER_SIGNALLING, /* connecting / negotiating */
  LOAD_PEER_CONNECTED,  /* media connected (ICE + DTLS done) */
  LOAD_PEER_FAILED,     /* see load_peer_get_error() */
  LOAD_PEER_CLOSED,
} LoadPeerState;

typedef struct {
  const char *target_url; /* roomcast: http://IP:PORT; Janus: http://IP:PORT/janus */
  const char *room;       /* roomcast room id; Janus: numeric AudioBridge room id as text */
  const char *token;      /* roomcast auth token (dev: "dev:<id>:<name>"); Janus: unused */
  const char *display;    /* a name for logs / Janus display */
  double tone_hz;         /* > 0: speaker sending this tone; 0: listener */
  gboolean decode;        /* decode and measure probe_hz (sampled receivers only) */
  const double *probe_hz; /* frequencies to measure when decoding */
  guint n_probe_hz;
  const char *local_ip;   /* ICE host candidates on this address only (NULL: 127.0.0.1) */
} LoadPeerOptions;

/* Where a light listener's join → first audio goes: when each step ended
 * (g_get_monotonic_time(); 0 = not reached, or not measured by this kind of
 * peer). The first stage starts at start_us, each other one where the
 * previous ended; first_packet_us ends the last. */
typedef enum {
  LOAD_STAGE_SOCKET,   /* Socket.IO namespace connected (polled every 20 ms) */
  LOAD_STAGE_JOINED,   /* room:join answered */
  LOAD_STAGE_OFFER,    /* media:connect answered with the offer */
  LOAD_STAGE_ANSWERED, /* media:answer acknowledged */
  LOAD_STAGE_ICE,      /* first ICE check answered */
  LOAD_STAGE_DTLS,     /* DTLS handshake done, SRTP keys in place */
  LOAD_N_STAGES
} LoadStage;

typedef struct {
  guint64 packets;        /* RTP packets received */
  guint64 bytes;
  guint64 seq_gaps;       /* sequence numbers missing (loss as seen before decoding) */
  double jitter_ms;       /* RFC 3550 interarrival jitter estimate, 48 kHz clock */
  gint64 start_us;        /* g_get_monotonic_time() at load_peer_start() */
  gint64 first_packet_us; /* ... when the first RTP packet arrived; 0 = none yet */
  gint64 stage_us[LOAD_N_STAGES];
} LoadPeerCounters;

/* The load generator's view of tests/lib's receiver counters (@k). */
static inline void
load_peer_counters_from_test (LoadPeerCounters *c, const RcTestClientCounters *k, gint64 start_us)
{
  c->packets = k->packets;
  c->bytes = k->bytes;
  c->seq_gaps = k->seq_gaps;
  c->jitter_ms = k->jitter_ms;
  c->start_us = start_us;
  c->first_packet_us = k->first_packet_us;
  memset (c->stage_us, 0, sizeof c->stage_us);
}

typedef struct _LoadPeer LoadPeer;

typedef struct {
  const char *name; /* "roomcast", "janus" */
  LoadPeer *(*create) (const LoadPeerOptions *options); /* options copied */
  void (*start) (LoadPeer *peer);            /* connect, join, negotiate */
  LoadPeerState (*get_state) (LoadPeer *peer);
  const char *(*get_error) (LoadPeer *peer); /* NULL unless FAILED */
  void (*get_counters) (LoadPeer *peer, LoadPeerCounters *counters);
  /* Level of probe_hz[@index] (dBFS), decode only: the mean power of the last
   * RC_GOERTZEL_MEAN_WINDOWS analysed windows (2 s), not one 100 ms window,
   * which now and then reads a codec artifact between steady tones as a tone
   * (docs/performance.md, "A speaker hearing its own tone"). */
  double (*get_level_db) (LoadPeer *peer, guint index);
  void (*free) (LoadPeer *peer);             /* closes everything, pipeline to NULL */
} LoadPeerClass;

/* The two targets. */
extern const LoadPeerClass load_peer_roomcast_class;
extern const LoadPeerClass load_peer_janus_class;
/* roomcast listeners without GStreamer (load-peer-light.c): libnice, DTLS,
 * SRTP, counters; decodes only when asked. */
extern const LoadPeerClass load_peer_light_class;

G_END_DECLS
