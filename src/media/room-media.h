/* roomcast: the media pipeline of one room.
 *
 * One GStreamer pipeline per room (created by the media service when the
 * room's first participant sends media:connect, freed when the room closes):
 *
 *   peer A src ─▶ opus depay/dec ─▶ resample ─▶ ┐                (seated, unmuted only)
 *   peer B src ─▶ opus depay/dec ─▶ resample ─▶ ┤ mixminus seats=N
 *                                               ├─ mix ─▶ queue ─▶ opusenc ─▶ tee (shared)
 *                                               └─ src_<seat A> ─▶ queue ─▶ opusenc (A's own)
 *   per peer:  tee ──────────▶ input-selector ─▶ rtpopuspay pt=111 ─▶ peer sink
 *              A's opusenc ──▶ ┘ (sink_1, only while A speaks)
 *
 * With MEDIA_RECV_TRANSPORT=lite the peers have no sink pad: each encoded
 * stream is payloaded once into the room's icelitesink, which switches each
 * peer between streams itself (rc_media_peer_set_source()), and a seated
 * speaker's voice comes from its send transport (a receive-only webrtcbin):
 *
 *   send transport src ─▶ opus depay/dec ─▶ … ─▶ mixminus.sink_<seat>
 *   tee ─▶ rtpopuspay ─▶ icelitesink.sink_0  (the full mix)
 *   A's opusenc ─▶ rtpopuspay ─▶ icelitesink.sink_1 (while A speaks)
 *
 * Past MEDIA_FANOUT_PEERS peers the shared tee feeds further groups of
 * peers through leaky queues, one thread each (room-fanout.h).
 *
 * Encoders = seated unmuted speakers with media + 1. A peer switches between
 * the shared mix and its own mix-minus in its input-selector, upstream of its
 * one payloader: no renegotiation, same SSRC, continuous sequence numbers.
 * Audio of a peer that is not seated (or muted) is dropped inside the peer
 * (its src pad is unlinked) before anything is decoded.
 *
 * Everything here runs on the main loop: routing changes, seat pads, peer
 * removal. GStreamer threads only post bus messages.
 *
 * In step with pipelines/: room-server.pipeline is this graph in
 * gst-launch-1.0 syntax (mixer settings, OPUSENC_DESC, the leaky queues,
 * clocksync, tee, input-selector, rtpopuspay pt, the inbound decoder chain),
 * with tones and fakesinks in place of the webrtcbin peers. Change both
 * together; tests/integration/pipelines-in-step.test.mjs compares them.
 * With GST_DEBUG_DUMP_DOT_DIR set, the graph is dumped on every change
 * (pipeline-dump.h); GET /admin/rooms/{id}/pipeline.dot returns it live.
 */
#pragma once

#include "config.h"
#include "media/media-peer.h"

G_BEGIN_DECLS

typedef struct _RcRoomMedia RcRoomMedia;

typedef struct {
  /* An ERROR on the pipeline's bus (a peer keeps its own, see media-peer.h):
   * the room's media is broken. */
  void (*error) (RcRoomMedia *media, const char *message, gpointer user_data);
  /* A seat's speaking state changed (hysteresis and rate limit applied):
   * @level_db is the seat's RMS in dBFS. */
  void (*speaking) (RcRoomMedia *media, const char *peer_id, guint seat, gboolean speaking,
                    double level_db, gpointer user_data);
} RcRoomMediaCallbacks;

/* @config must outlive it. Its peers (every participant's receive
 * transport) are made by @peers (copied; its data must outlive the room),
 * e.g. rc_media_peer_webrtc_factory(). With @senders (nullable), a seated
 * speaker's voice comes through a send transport of its own made by
 * @senders (rc_room_media_add_sender()); without, through its one peer's
 * src pad. Fails if an element is missing (mixminus, opus). */
RcRoomMedia *rc_room_media_new (const RcConfig *config, const char *room_id, guint n_seats,
                                const RcMediaPeerFactory *peers,
                                const RcMediaPeerFactory *senders,
                                const RcRoomMediaCallbacks *callbacks, gpointer user_data,
                                GError **error);
/* Sets the pipeline to NULL (peers closed first). */
void rc_room_media_free (RcRoomMedia *media);
const char *rc_room_media_get_room_id (RcRoomMedia *media);
/* The pipeline (transfer none): for diagnosis (dot dumps) and tests. */
GstElement *rc_room_media_get_pipeline (RcRoomMedia *media);

/* A new peer for @peer_id, made by the room's factory (replaces the previous
 * peer of that id), attached and fed the shared mix. Transfer none. Its elements are
 * named peer<N>-<user id> (the user id made safe for element names, dot and
 * file names) so that dot graphs name the room's users; without @user_id,
 * peer<N>. */
RcMediaPeer *rc_room_media_add_user_peer (RcRoomMedia *media, const char *peer_id,
                                          const char *user_id, GError **error);
/* The same without a user id. */
RcMediaPeer *rc_room_media_add_peer (RcRoomMedia *media, const char *peer_id, GError **error);
/* Closes and removes the peer; FALSE if there is none. */
gboolean rc_room_media_remove_peer (RcRoomMedia *media, const char *peer_id);

/* @seat -1: not seated. @mixed: seated and unmuted (mic and seat): the
 * peer's audio goes into seat @seat and it hears its own mix-minus (in a
 * room with send transports, only while it has one). */
void rc_room_media_set_route (RcRoomMedia *media, const char *peer_id, gint seat,
                              gboolean mixed);

/* Whether the room takes its speakers' voices through send transports. */
gboolean rc_room_media_has_senders (RcRoomMedia *media);
/* A send transport for the peer @peer_id (replaces its previous one),
 * made by the room's @senders factory, attached; its voice goes into the
 * mixer whenever the route says so. Transfer none. NULL (RC_MEDIA_ERROR)
 * without such a peer, in a room without senders, or when the transport
 * cannot be made. */
RcMediaPeer *rc_room_media_add_sender (RcRoomMedia *media, const char *peer_id, GError **error);
/* Takes the peer's voice out of the mixer, closes and removes its send
 * transport; FALSE if it had none. */
gboolean rc_room_media_remove_sender (RcRoomMedia *media, const char *peer_id);

guint rc_room_media_get_n_peers (RcRoomMedia *media);
/* Peers currently routed into the mixer. */
guint rc_room_media_get_n_speakers (RcRoomMedia *media);
/* Opus encoders running in this room (speakers + 1). */
guint rc_room_media_get_n_encoders (RcRoomMedia *media);
/* Threads sending the shared mix to the peers (1 + groups behind a queue,
 * see room-fanout.h), and how often those queues overflowed since the
 * pipeline started (a group thread fell behind; at least one packet
 * dropped each time). */
guint rc_room_media_get_n_fanout_groups (RcRoomMedia *media);
guint64 rc_room_media_get_fanout_dropped (RcRoomMedia *media);
/* Sum of the peers' RTP counters (peers removed so far included): received,
 * sent, and offered to the peers (offered - sent = dropped in the peers). */
void rc_room_media_get_packets (RcRoomMedia *media, guint64 *packets_in, guint64 *packets_out,
                                guint64 *packets_offered);

/* One peer as the room routes it (for the admin API; valid during the call). */
typedef struct {
  const char *id;      /* as given to add_peer */
  const char *user_id; /* nullable */
  const char *name;    /* its elements' name prefix in the pipeline */
  RcMediaPeer *peer;
  RcMediaPeer *sender; /* its send transport, nullable */
  gint seat;           /* -1: not seated */
  gboolean mixed;      /* its voice goes into the mixer (seated, unmuted) */
  gboolean own_mix;    /* it hears its own mix-minus (its own encoder runs) */
  gboolean speaking;   /* mixed and its voice activity is on (as last reported) */
} RcRoomMediaPeerInfo;
typedef void (*RcRoomMediaPeerFunc) (const RcRoomMediaPeerInfo *info, gpointer user_data);
/* Calls @func for each peer, oldest first. @func must not add or remove peers. */
void rc_room_media_foreach_peer (RcRoomMedia *media, RcRoomMediaPeerFunc func,
                                 gpointer user_data);

/* A sink on the encoded full mix (a recording): @sink (floating ref sunk)
 * joins the pipeline, fed from a new tee pad. It must always return
 * GST_FLOW_OK (sync=false, async=false): the tee hands any other return
 * back to the encoder every listener shares. FALSE (RC_MEDIA_ERROR) when it
 * cannot join, start or be linked; it is then out of the pipeline. */
gboolean rc_room_media_add_mix_sink (RcRoomMedia *media, GstElement *sink, GError **error);
/* Unlinks @sink from the tee, stops it (an in-flight buffer completes) and
 * removes it. No-op if it is not one of the room's mix sinks. */
void rc_room_media_remove_mix_sink (RcRoomMedia *media, GstElement *sink);

G_END_DECLS
