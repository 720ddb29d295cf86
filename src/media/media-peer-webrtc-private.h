/* roomcast: what the two halves of RcMediaPeerWebrtc share.
 *
 * media-peer-webrtc-threads.c holds everything that runs on GStreamer
 * threads (webrtcbin callbacks, pad probes, the sink pad's chain function,
 * the bin's handling of its children's messages): it only counts, copies
 * and posts Events. media-peer-webrtc.c holds
 * everything that runs on the main loop, including the handling of those
 * Events. Nothing else crosses between the two.
 */
#pragma once

#include <stdatomic.h>

#include <gst/webrtc/webrtc.h>

#include "media/media-peer-webrtc.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (rc_media_peer_debug);

struct _RcMediaPeerWebrtc {
  GObject parent_instance;
  const RcConfig *config;
  GMainContext *context; /* where events are handled and signals emitted */
  char *name;
  gboolean receive_only; /* a send transport: its transceiver is recvonly */

  GstElement *bin, *webrtc;
  GstPad *sink_ghost, *src_ghost;
  GstPad *send_pad;   /* webrtcbin's request sink pad (never released) */
  GstBin *parent;     /* the pipeline we were added to, ref */
  GstPad *src_target; /* webrtcbin src pad behind src_ghost; atomic pointer */

  /* main loop only */
  RcMediaPeerState state;
  GstWebRTCICEConnectionState ice_state;
  gboolean closed, gathering_done, offered;
  GTask *offer_task, *answer_task;
  char *offer_text;
  GStrv remote_fingerprints; /* the answer's a=fingerprint values */

  /* TRUE while connected (ICE and DTLS up), set by the main loop: the sink
   * pad drops everything else, so the room's thread never reaches
   * webrtcbin's or the transport's block probes, and the first packet the
   * client gets is current */
  gint accepting;
  /* TRUE once the main loop found the certificate of the peer's DTLS
   * handshake to be the one its answer names (dtls-fingerprint.h): until
   * then what arrives from the peer is dropped, and nothing is sent */
  gint certificate_verified;
  /* the sink pad's streaming thread only (under its stream lock): its
   * sticky events were replayed into webrtcbin since accepting last
   * became TRUE */
  gboolean forwarding;

  /* streaming threads write, anyone reads */
  atomic_uint_fast64_t packets_offered, packets_out, bytes_out, packets_in, bytes_in;
};

typedef enum {
  EV_OFFER_CREATED,
  EV_LOCAL_SET,
  EV_REMOTE_SET,
  EV_STATS, /* promise replies */
  EV_CANDIDATE,
  EV_GATHERING_DONE,
  EV_CONNECTION_STATE,
  EV_ICE_STATE,
  EV_SRC_PAD,
  EV_ERROR, /* an element of the peer's bin posted an ERROR */
} RcWebrtcEventKind;

/* Something a GStreamer thread saw, handed to the main loop. */
typedef struct {
  RcMediaPeerWebrtc *self; /* ref */
  RcWebrtcEventKind kind;
  GstPromiseResult result;
  GstStructure *reply; /* copy of the promise reply, nullable */
  GTask *task;         /* EV_STATS */
  guint mline;
  char *candidate;
  gint value;    /* EV_*_STATE: the new enum value */
  GstPad *pad;   /* EV_SRC_PAD, ref */
  char *message; /* EV_ERROR: "<element>: <error message>" */
} RcWebrtcEvent;

/* The peer's bin: a GstBin whose children's ERROR messages stop there and
 * become an EV_ERROR of @peer (the peer goes FAILED, "transport_error"),
 * instead of reaching the pipeline's bus as an error of the room. Every
 * other message goes on up as in any bin. Holds a weak reference on @peer. */
GstElement *rc_media_peer_webrtc_bin_new (RcMediaPeerWebrtc *peer, const char *name);

/* threads half: connect the webrtcbin callbacks and probes of @self (once
 * its bin is built), and make promises whose reply becomes an event. */
void rc_media_peer_webrtc_watch (RcMediaPeerWebrtc *self);
/* media-peer-webrtc-build.c: webrtcbin in its bin, configured (codec,
 * ICE), its pads ghosted; FALSE with @error naming what failed. */
gboolean rc_media_peer_webrtc_build_bin (RcMediaPeerWebrtc *self, GError **error);
GstPromise *rc_media_peer_webrtc_promise_new (RcMediaPeerWebrtc *self, RcWebrtcEventKind kind,
                                              GTask *task);
/* The error of a promise reply event, or NULL when it succeeded. */
GError *rc_media_peer_webrtc_reply_error (const RcWebrtcEvent *ev, const char *what);

/* main-loop half: handle one event (the event is freed by the caller). */
void rc_media_peer_webrtc_dispatch (RcWebrtcEvent *ev);

G_END_DECLS
