/* roomcast: one client's media transport, behind a small interface.
 *
 * A peer carries the RTP of one client between the room pipeline and the
 * network. The server is always the SDP offerer: the peer makes the offer,
 * takes the client's answer and trickled ICE candidates, and reports its own
 * candidates and state through signals. In the room pipeline it is two pads:
 *
 *   room … ─▶ rtpopuspay ─▶ [sink pad]  peer  [src pad] ─▶ rtpopusdepay …
 *            (Opus RTP to send, payload      (the client's Opus RTP, once
 *             type RC_MEDIA_OPUS_PT)           connected)
 *
 * The contract rooms rely on, whatever the implementation:
 *  - the sink pad never blocks its upstream for more than one push and never
 *    returns a flow error upstream: a peer that cannot send (negotiating,
 *    failed, slow) drops, so one peer can never stall a shared tee;
 *  - the src pad exists from the start, so the room links it once; data
 *    flows on it only after the peer connected, and is dropped inside the
 *    peer while the pad is unlinked (listeners need no fakesink);
 *  - every function is called from the main context, and every signal is
 *    emitted there, never from a GStreamer thread;
 *  - an ERROR of one of the peer's own elements is the peer's: it goes
 *    FAILED ("transport_error") and the error never reaches the pipeline's
 *    bus, where an ERROR means the room's media is broken;
 *  - rc_media_peer_close() takes the peer out of the pipeline (unlink,
 *    stop, remove) in an order that cannot deadlock, whatever state the
 *    negotiation reached.
 *
 * A transport that carries the room's encoded streams to many peers in one
 * element (RcMediaPeerLite) has no sink pad of its own (get_sink_pad()
 * returns NULL): the room payloads each of its encoded streams once into a
 * pad of the factory's request_stream_pad(), and tells each such peer which
 * stream to carry with rc_media_peer_set_source(); the transport switches
 * without renegotiation and keeps the peer's SSRC, sequence numbers and
 * timestamps continuous. A peer whose get_src_pad() returns NULL receives
 * nothing (a receive-only transport).
 *
 * Implementations: RcMediaPeerWebrtc (webrtcbin, one per client; or a
 * receive-only one, the send transport of a seated speaker) and
 * RcMediaPeerLite (one peer of the room's icelitesink: a send-only receive
 * transport). A room pipeline (room-media.h) makes its peers through the
 * RcMediaPeerFactory it was given and knows them only through this
 * interface.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "media/media-error.h"

G_BEGIN_DECLS

typedef enum {
  RC_MEDIA_PEER_NEW,        /* created; no answer yet */
  RC_MEDIA_PEER_CONNECTING, /* answer set; ICE/DTLS in progress (or recovering) */
  RC_MEDIA_PEER_CONNECTED,  /* media can flow both ways */
  RC_MEDIA_PEER_FAILED,     /* ICE or DTLS failed; the owner should close it */
  RC_MEDIA_PEER_CLOSED,     /* closed; out of the pipeline */
} RcMediaPeerState;

/* "new", "connecting", "connected", "failed", "closed". */
const char *rc_media_peer_state_to_string (RcMediaPeerState state);

/* Counters since creation. */
typedef struct {
  guint64 packets_offered; /* RTP packets the room pushed into the sink pad */
  guint64 packets_out;     /* ...of which the transport took (the rest was dropped) */
  guint64 bytes_out;
  guint64 packets_in; /* RTP packets received from the client */
  guint64 bytes_in;
} RcMediaPeerStats;

#define RC_TYPE_MEDIA_PEER (rc_media_peer_get_type ())
G_DECLARE_INTERFACE (RcMediaPeer, rc_media_peer, RC, MEDIA_PEER, GObject)

struct _RcMediaPeerInterface {
  GTypeInterface parent_iface;

  gboolean (*attach) (RcMediaPeer *self, GstBin *bin, GError **error);
  GstPad *(*get_sink_pad) (RcMediaPeer *self);
  GstPad *(*get_src_pad) (RcMediaPeer *self);
  void (*create_offer_async) (RcMediaPeer *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
  char *(*create_offer_finish) (RcMediaPeer *self, GAsyncResult *result, GError **error);
  void (*set_answer_async) (RcMediaPeer *self, GstSDPMessage *answer, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*set_answer_finish) (RcMediaPeer *self, GAsyncResult *result, GError **error);
  void (*add_remote_candidate) (RcMediaPeer *self, guint mline_index, const char *candidate);
  RcMediaPeerState (*get_state) (RcMediaPeer *self);
  void (*get_stats) (RcMediaPeer *self, RcMediaPeerStats *stats);
  void (*close) (RcMediaPeer *self);
  /* Optional (NULL: the transport has no such state). */
  const char *(*get_ice_state) (RcMediaPeer *self);
  /* Required when get_sink_pad() returns NULL (see above). */
  gboolean (*set_source) (RcMediaPeer *self, GstPad *stream, GError **error);
};

/* Adds the peer's elements to @bin (the room pipeline) and brings them to
 * its state. Call once, before linking the pads. */
gboolean rc_media_peer_attach (RcMediaPeer *self, GstBin *bin, GError **error);
/* RTP to send to the client (transfer none). Caps: RC_MEDIA_OPUS_RTP_CAPS.
 * NULL for a transport that carries the room's streams itself. */
GstPad *rc_media_peer_get_sink_pad (RcMediaPeer *self);
/* RTP received from the client (transfer none); NULL for a transport that
 * only sends. */
GstPad *rc_media_peer_get_src_pad (RcMediaPeer *self);
/* For a peer without a sink pad: carry @stream, a pad that the factory's
 * request_stream_pad() gave the room (transfer none), from now on. FALSE
 * (RC_MEDIA_ERROR) when the transport refuses it. */
gboolean rc_media_peer_set_source (RcMediaPeer *self, GstPad *stream, GError **error);

/* Makes the SDP offer (and starts ICE gathering); completes with its text. */
void rc_media_peer_create_offer_async (RcMediaPeer *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
char *rc_media_peer_create_offer_finish (RcMediaPeer *self, GAsyncResult *result,
                                         GError **error);
/* Applies the client's answer, already checked with rc_media_sdp_parse_answer()
 * (@answer transfer full). The state moves to CONNECTING. */
void rc_media_peer_set_answer_async (RcMediaPeer *self, GstSDPMessage *answer,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean rc_media_peer_set_answer_finish (RcMediaPeer *self, GAsyncResult *result,
                                          GError **error);
/* A remote candidate line ("candidate:…", checked), or NULL: end of candidates. */
void rc_media_peer_add_remote_candidate (RcMediaPeer *self, guint mline_index,
                                         const char *candidate);

RcMediaPeerState rc_media_peer_get_state (RcMediaPeer *self);
void rc_media_peer_get_stats (RcMediaPeer *self, RcMediaPeerStats *stats);
/* The ICE connection state as the transport last saw it on the main loop,
 * with the W3C names ("new", "checking", "connected", "completed",
 * "failed", "disconnected", "closed"; static), or NULL for a transport
 * without ICE. For diagnosis (the admin API). */
const char *rc_media_peer_get_ice_state (RcMediaPeer *self);
/* Leaves the pipeline; pending operations complete with
 * RC_MEDIA_ERROR_CLOSED; the state becomes CLOSED. Idempotent. */
void rc_media_peer_close (RcMediaPeer *self);

/* Signals (emitted on the main context):
 *   "local-candidate" (guint mline_index, const char *candidate)
 *        a candidate to send to the client, or NULL at the end of gathering
 *   "state-changed"   (gint RcMediaPeerState, const char *reason)
 *        reason: NULL, or for FAILED "ice_failed" / "dtls_failed" /
 *        "connection_failed" / "transport_error"
 */

/* How a room pipeline makes its peers: @new_peer returns a new peer named
 * @name (unique in the pipeline it will be attached to; the transport names
 * its elements, and their threads, after it), not attached yet, or NULL
 * with @error set (RC_MEDIA_ERROR) when the transport is not available.
 * Called on the main context with @data. Each transport provides its own
 * (rc_media_peer_webrtc_factory()); whoever builds a room pipeline picks it. */
typedef struct {
  RcMediaPeer *(*new_peer) (const char *name, gpointer data, GError **error);
  /* Only for a transport whose peers have no sink pad: a new sink pad of
   * the transport in @bin (made there on first use) for one more encoded
   * stream of the room (RTP, RC_MEDIA_OPUS_RTP_CAPS), transfer full, or
   * NULL (RC_MEDIA_ERROR); and its release, once nothing is linked to it
   * and no peer carries it any more. */
  GstPad *(*request_stream_pad) (GstBin *bin, gpointer data, GError **error);
  void (*release_stream_pad) (GstBin *bin, GstPad *pad, gpointer data);
  gpointer data;
} RcMediaPeerFactory;

/* For implementations: emit the signals above. */
void rc_media_peer_emit_local_candidate (RcMediaPeer *self, guint mline_index,
                                         const char *candidate);
void rc_media_peer_emit_state_changed (RcMediaPeer *self, RcMediaPeerState state,
                                       const char *reason);

G_END_DECLS
