/* roomcast tests: a Socket.IO + WebRTC client, as a real app would be.
 *
 * Speaks Engine.IO 4 / Socket.IO 5 over a libsoup WebSocket with the
 * project's own codec (src/sio/sio-codec.h), and answers the server's media
 * offer with its own webrtcbin: it can send a sine tone (audiotestsrc →
 * opusenc → rtpopuspay) and decodes what it receives into a Goertzel meter
 * that reports the level of chosen frequencies, with RTP counters (packets,
 * SSRC, sequence gaps) taken before decoding.
 *
 * Built as carefully as the server, because a many-peer client process is
 * where webrtcbin 1.22 deadlocked in this project's first experiment:
 *  - the send pad is requested (or a recvonly transceiver added) before
 *    set-remote-description; the answer is created only after that
 *    promise resolved, and set as local description only after it exists;
 *  - every webrtcbin callback posts to the main context (idle sources);
 *    signals to webrtcbin are emitted from the main context only;
 *  - get-stats is never called from a streaming thread;
 *  - teardown sets the client's whole pipeline to NULL; no pad is released.
 *
 * Everything runs on the thread-default main context of the creator; the
 * caller drives it (rc_test_wait_until()). Reused by tools/roomcast-loadgen.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *url;        /* server base URL, http://127.0.0.1:PORT */
  const char *token;      /* auth token sent in the CONNECT auth object */
  double tone_hz;         /* > 0: send this sine; 0: receive only (recvonly) */
  const double *probe_hz; /* frequencies to measure in the received audio */
  guint n_probe_hz;
  gboolean no_decode;     /* only count RTP (cheap, for load generation) */
  gboolean no_answer;     /* take the offer, never answer (timeout tests) */
  const char *local_ip;   /* ICE: gather on this address only; NULL = 127.0.0.1 */
  guint latency_ms;       /* receive jitterbuffer; 0 = 60 */
  /* Sent as the answer's a=fingerprint value instead of the real one
   * ("sha-256 AB:…"): a peer whose certificate the answer does not name. */
  const char *answer_fingerprint;
} RcTestClientOptions;

typedef enum {
  RC_TEST_MEDIA_IDLE,      /* no media session */
  RC_TEST_MEDIA_OFFERED,   /* media:connect sent / offer received */
  RC_TEST_MEDIA_ANSWERED,  /* answer accepted by the server */
  RC_TEST_MEDIA_CONNECTED, /* webrtcbin connection-state connected */
  RC_TEST_MEDIA_FAILED,    /* media:failed received, or a local error */
} RcTestMediaState;

typedef struct {
  guint64 packets;         /* RTP packets received (after the jitterbuffer) */
  guint64 bytes;
  guint32 ssrc;            /* last SSRC seen */
  guint ssrc_changes;      /* times the SSRC differed from the previous packet's */
  guint64 seq_gaps;        /* sequence numbers missing between received packets */
  guint gap_events;        /* times the sequence jumped forward by more than one */
  guint64 samples;         /* decoded samples analysed */
  guint64 windows;         /* complete analysis windows */
  double jitter_ms;        /* RFC 3550 interarrival jitter at the webrtcbin src pad (48 kHz clock) */
  gint64 first_packet_us;  /* g_get_monotonic_time() of the first RTP packet; 0 = none yet */
} RcTestClientCounters;

#define RC_TYPE_TEST_CLIENT (rc_test_client_get_type ())
G_DECLARE_FINAL_TYPE (RcTestClient, rc_test_client, RC, TEST_CLIENT, GObject)

RcTestClient *rc_test_client_new (const RcTestClientOptions *options);

/* Opens the WebSocket and connects namespace "/" with {token}. */
void rc_test_client_connect (RcTestClient *self);
gboolean rc_test_client_is_connected (RcTestClient *self);
/* Why the connection failed or closed (refusal message, transport error). */
const char *rc_test_client_get_error (RcTestClient *self);
/* Closes media and the WebSocket. */
void rc_test_client_close (RcTestClient *self);

/* Ack callback: @args is the ack's argument array. */
typedef void (*RcTestAckFunc) (RcTestClient *client, JsonArray *args, gpointer user_data);
/* Event handler: @args are the arguments after the event name. */
typedef void (*RcTestEventFunc) (RcTestClient *client, JsonArray *args, gpointer user_data);

/* Emits @event with one argument (@arg transfer none, nullable = none);
 * @ack nullable = no ack asked. */
void rc_test_client_emit (RcTestClient *self, const char *event, JsonNode *arg,
                          RcTestAckFunc ack, gpointer user_data);
void rc_test_client_on (RcTestClient *self, const char *event, RcTestEventFunc handler,
                        gpointer user_data);
/* Convenience: emit @event with the JSON text @json (or no argument) and
 * count its ack in rc_test_client_get_acks() / _get_ack_errors(). */
void rc_test_client_request (RcTestClient *self, const char *event, const char *json);
/* Emits @event with the JSON text @json (nullable: no argument) and runs the
 * thread-default main context until its ack comes or @timeout_ms pass (a
 * budget, as in rc_test_wait_until()). Returns the ack's object (transfer
 * full), or NULL if none came; @at_us (nullable) gets when it came
 * (monotonic). */
JsonObject *rc_test_client_ask (RcTestClient *self, const char *event, const char *json,
                                guint timeout_ms, gint64 *at_us);
guint rc_test_client_get_acks (RcTestClient *self);
guint rc_test_client_get_ack_errors (RcTestClient *self);
/* The error code of the last failed ack, or NULL. */
const char *rc_test_client_get_last_ack_error (RcTestClient *self);

/* Builds the client pipeline and sends media:connect; the offer (in the ack
 * or a media:offer event) is answered, and candidates trickle both ways. */
void rc_test_client_start_media (RcTestClient *self);
/* Tears the media down; with @tell_server, sends media:disconnect first. */
void rc_test_client_stop_media (RcTestClient *self, gboolean tell_server);
RcTestMediaState rc_test_client_get_media_state (RcTestClient *self);
/* Two transports (the media:connect ack said publish: true): opens the send
 * transport (media:publish; the tone goes only there). A client with a tone
 * does it right after media:connect; call it again after taking a seat.
 * No-op on one transport. The server closes it when the seat is left
 * (media:unpublished). */
void rc_test_client_publish (RcTestClient *self);
/* IDLE when not publishing. */
RcTestMediaState rc_test_client_get_send_state (RcTestClient *self);
/* The SDP of the last offer received, or NULL. */
const char *rc_test_client_get_offer (RcTestClient *self);
/* The reason of the last media:failed, or NULL. */
const char *rc_test_client_get_failed_reason (RcTestClient *self);

/* Level of probe_hz[@index] in the last analysed window, in dBFS. */
double rc_test_client_get_level_db (RcTestClient *self, guint index);
/* The same over the last RC_GOERTZEL_MEAN_WINDOWS windows (goertzel.h). */
double rc_test_client_get_mean_level_db (RcTestClient *self, guint index);
void rc_test_client_get_counters (RcTestClient *self, RcTestClientCounters *counters);
/* webrtcbin's view of the incoming stream (inbound-rtp of get-stats):
 * packets that arrived, and of those lost or discarded as late by the
 * jitterbuffer; tells network loss from this process's own lateness. */
typedef struct {
  guint64 received;
  gint64 lost;
  guint64 late;
} RcTestTransportStats;

/* Asks webrtcbin (get-stats, from the main context); the answer arrives
 * later: rc_test_client_get_transport_stats() is TRUE once it did. */
void rc_test_client_fetch_transport_stats (RcTestClient *self);
gboolean rc_test_client_get_transport_stats (RcTestClient *self, RcTestTransportStats *stats);

/* Candidate lines seen so far: ours (@remote FALSE) or the server's. */
GPtrArray *rc_test_client_get_candidates (RcTestClient *self, gboolean remote);

G_END_DECLS
