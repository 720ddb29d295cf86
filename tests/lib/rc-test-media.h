/* roomcast tests: the webrtcbin media pieces that the test client's answerer
 * (rc-test-client-media.c) and the load generator's Janus offerer
 * (tools/roomcast-loadgen/janus-media.c) share.
 *
 *  - rc_test_webrtc_new(): a pipeline holding one webrtcbin (max-bundle,
 *    UDP host candidates on one address, no UPnP);
 *  - rc_test_tone_add(): the send branch, audiotestsrc ─▶ opusenc ─▶
 *    rtpopuspay ─▶ a requested webrtcbin sink pad;
 *  - RcTestReceiver: RTP counters taken in a probe on webrtcbin's src pad
 *    (packets, bytes, SSRC, sequence gaps, RFC 3550 jitter, first-packet
 *    time), and the receive branch rtpopusdepay ─▶ opusdec ─▶ audioconvert ─▶
 *    appsink ─▶ Goertzel meter (or a fakesink when not decoding);
 *  - RcTestWebrtcEvents: webrtcbin's callbacks (promise replies, ICE
 *    candidates, gathering done, connection state, new src pads) and the
 *    pipeline's errors, each posted to the main context as an event, where
 *    the owner's handler sees it unless the owner stopped meanwhile.
 *
 * The rules of rc-test-client.h hold: only rc_test_receiver_watch_pad() and
 * the counter/level getters may be called from a streaming thread; the rest
 * (and every webrtcbin signal) from the main context. A receiver must
 * outlive the streaming of the pipeline it watches: free it only after that
 * pipeline went to NULL.
 */
#pragma once

#include <gst/gst.h>

#include "rc-test-client.h"

G_BEGIN_DECLS

/* A new pipeline with a webrtcbin in it (*@webrtc, owned by the pipeline):
 * max-bundle, a @latency_ms receive jitterbuffer, ICE host candidates on
 * @local_ip only, no ICE-TCP, no UPnP. NULL when webrtcbin is missing or
 * @local_ip is refused. */
GstElement *rc_test_webrtc_new (const char *local_ip, guint latency_ms, GstElement **webrtc);

/* Adds to @pipeline a live sine of @tone_hz (0.25 volume, 20 ms Opus frames
 * at 32 kb/s with in-band FEC, 48 kHz mono), payloaded with @pt (and @ssrc,
 * unless 0: the payloader's random one), linked to a newly requested sink
 * pad of @webrtc. Returns that pad (transfer full) and, if @pay is not NULL,
 * the payloader (transfer full); NULL on failure. */
GstPad *rc_test_tone_add (GstElement *pipeline, GstElement *webrtc, double tone_hz, guint pt,
                          guint32 ssrc, GstElement **pay);

typedef struct _RcTestReceiver RcTestReceiver;

/* @label prefixes log lines; @decode FALSE: the received RTP is only counted
 * (fakesink); n_probe_hz > 0: measure those frequencies (with @decode). */
RcTestReceiver *rc_test_receiver_new (const char *label, gboolean decode, const double *probe_hz,
                                      guint n_probe_hz);
void rc_test_receiver_free (RcTestReceiver *self);

/* Any thread (webrtcbin's pad-added): counts the RTP of @pad, and drops it
 * until rc_test_receiver_link() linked that pad. */
void rc_test_receiver_watch_pad (RcTestReceiver *self, GstPad *pad);
/* Main context: links @pad to a new receive branch in @pipeline. A second
 * stream is ignored (logged, TRUE); FALSE when linking failed. */
gboolean rc_test_receiver_link (RcTestReceiver *self, GstElement *pipeline, GstPad *pad);

/* Thread-safe reads. */
void rc_test_receiver_get_counters (RcTestReceiver *self, RcTestClientCounters *counters);
/* Level of probe_hz[@index] in the last analysed window (dBFS). */
double rc_test_receiver_get_level_db (RcTestReceiver *self, guint index);
/* The same over the last RC_GOERTZEL_MEAN_WINDOWS windows (goertzel.h). */
double rc_test_receiver_get_mean_level_db (RcTestReceiver *self, guint index);

/* Latency taps (tools/roomcast-loadgen's mouth-to-ear measurement), called
 * on streaming threads: @send may rewrite a tone's raw audio (F32 mono
 * 48 kHz, @n samples) whose first sample was captured at clock time @mouth;
 * @receive sees a decoding receiver's audio when it arrives (clock time
 * @ear). The clock is the system clock every test pipeline uses, so times
 * of different pipelines compare. Set once, before any pipeline starts;
 * NULL: none. */
typedef struct {
  void (*send) (double tone_hz, GstClockTime mouth, float *samples, gsize n);
  void (*receive) (RcTestReceiver *receiver, double own_hz, const float *samples, gsize n,
                   GstClockTime ear);
} RcTestMediaTaps;
void rc_test_media_set_taps (const RcTestMediaTaps *taps);
/* The tone the receiver's own client sends (0: none), passed to the tap. */
void rc_test_receiver_set_own_tone (RcTestReceiver *self, double tone_hz);

typedef enum {
  RC_TEST_WEBRTC_PROMISE,   /* a promise of rc_test_webrtc_events_promise() resolved */
  RC_TEST_WEBRTC_CANDIDATE, /* on-ice-candidate */
  RC_TEST_WEBRTC_GATHERED,  /* ice-gathering-state became complete */
  RC_TEST_WEBRTC_STATE,     /* connection-state changed */
  RC_TEST_WEBRTC_PAD,       /* a src pad appeared (its RTP is already counted) */
  RC_TEST_WEBRTC_ERROR,     /* an error message on the pipeline's bus */
} RcTestWebrtcEventKind;

typedef struct {
  RcTestWebrtcEventKind kind;
  guint tag;                 /* PROMISE: as given to rc_test_webrtc_events_promise() */
  GstPromiseResult result;   /* PROMISE */
  const GstStructure *reply; /* PROMISE: the reply, or NULL */
  guint mline;               /* CANDIDATE */
  const char *candidate;     /* CANDIDATE: "candidate:…" (no "a=") */
  gint value;                /* STATE: a GstWebRTCPeerConnectionState */
  GstPad *pad;               /* PAD */
  const char *message;       /* ERROR: "element: text" */
} RcTestWebrtcEvent;

/* Main context, only while the events were not stopped. */
typedef void (*RcTestWebrtcFunc) (const RcTestWebrtcEvent *event, gpointer user_data);

typedef struct _RcTestWebrtcEvents RcTestWebrtcEvents;

/* Connects to @webrtc's signals (new src pads are watched by @receiver) and
 * watches @pipeline's bus (latency is recalculated there). Events go to
 * @context (NULL: the thread-default one) as idle sources, never
 * g_main_context_invoke(), which would run them on a streaming thread that
 * happens to own the context. */
RcTestWebrtcEvents *rc_test_webrtc_events_new (GMainContext *context, GstElement *pipeline,
                                               GstElement *webrtc, RcTestReceiver *receiver,
                                               RcTestWebrtcFunc func, gpointer user_data);
/* A promise for a webrtcbin action signal; its reply comes as a PROMISE
 * event with @tag. */
GstPromise *rc_test_webrtc_events_promise (RcTestWebrtcEvents *self, guint tag);
/* Main context, before the pipeline goes to NULL: no @func call follows;
 * frees @self (events still queued hold their own reference). */
void rc_test_webrtc_events_stop (RcTestWebrtcEvents *self);

G_END_DECLS
