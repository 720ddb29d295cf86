/* roomcast-loadgen: the media half of a Janus peer — one webrtcbin that
 * makes the SDP offer (Janus AudioBridge answers), in its own pipeline:
 *
 *   audiotestsrc ─▶ opusenc ─▶ rtpopuspay ─▶ webrtcbin ─▶ (src pad) ─▶
 *        rtpopusdepay ─▶ opusdec ─▶ audioconvert ─▶ appsink (Goertzel)
 *
 * A listener (tone_hz 0) offers one recvonly audio transceiver instead of
 * the send branch; without @decode the src pad ends in a fakesink. RTP is
 * counted in a probe on webrtcbin's src pad, before any decoding, by the
 * same code as the test client's (tests/lib/rc-test-media.h: the webrtcbin
 * set-up, the tone sender, the receiver, the posting of callbacks).
 *
 * Everything happens on the thread-default main context of the creator:
 * webrtcbin callbacks only post events there, every webrtcbin signal is
 * emitted from there, and so are the callbacks below. No callback follows
 * janus_media_free(), which sets the whole pipeline to NULL.
 */
#pragma once

#include <glib.h>

#include "load-peer.h"

G_BEGIN_DECLS

typedef struct _JanusMedia JanusMedia;

typedef struct {
  /* Our offer is the local description: send it (once). */
  void (*offer) (const char *sdp, gpointer user_data);
  /* A local ICE candidate ("candidate:…"), or NULL when gathering is done. */
  void (*candidate) (guint mline_index, const char *candidate, gpointer user_data);
  void (*connected) (gpointer user_data);
  /* Media failed; nothing more will come. */
  void (*failed) (const char *reason, gpointer user_data);
} JanusMediaCallbacks;

typedef struct {
  const char *local_ip;   /* ICE host candidates on this address only */
  double tone_hz;         /* > 0: send this tone; 0: receive only */
  gboolean decode;        /* decode and measure probe_hz */
  const double *probe_hz;
  guint n_probe_hz;
} JanusMediaOptions;

/* Builds and starts the pipeline and asks webrtcbin for the offer; NULL
 * with @error when the pipeline cannot be built. Counters start now. */
JanusMedia *janus_media_new (const JanusMediaOptions *options, const JanusMediaCallbacks *callbacks,
                             gpointer user_data, GError **error);
/* Janus's SDP answer (its candidates inside). */
void janus_media_set_answer (JanusMedia *self, const char *sdp);
/* A trickled remote candidate. */
void janus_media_add_candidate (JanusMedia *self, guint mline_index, const char *candidate);
/* Thread-safe reads of what the streaming threads measured. */
void janus_media_get_counters (JanusMedia *self, LoadPeerCounters *counters);
/* Over the last RC_GOERTZEL_MEAN_WINDOWS windows (LoadPeerClass.get_level_db). */
double janus_media_get_level_db (JanusMedia *self, guint index);
void janus_media_free (JanusMedia *self);

G_END_DECLS
