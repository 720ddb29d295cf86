/* roomcast: what room-media.c, room-media-views.c and room-media-gate.c
 * share of a room's pipeline; see room-media.h. Main loop only (but
 * shared_wanted, atomic, is read by the mixer's thread). */
#pragma once

#include "media/room-media.h"
#include "media/pipeline-dump.h"
#include "media/room-fanout.h"

G_BEGIN_DECLS

typedef struct {
  RcRoomMedia *media;
  char *id;
  char *user_id;       /* nullable */
  char *name;          /* prefix of its elements' names: peer<N>[-<user id>] */
  guint number;        /* the N */
  RcMediaPeer *peer;   /* its receive transport (webrtcbin: also its voice) */
  RcMediaPeer *sender; /* its send transport while it publishes, or NULL */
  /* Fed through its sink pad (webrtcbin): its own switch and payloader.
   * A transport that carries the room's streams has none of these. */
  GstElement *selector, *pay;
  GstPad *tee_pad;    /* the fan-out's src pad feeding sel_shared */
  GstPad *sel_shared; /* selector sink for the shared mix */
  /* Its personal mix-minus, while mixed. */
  GstElement *own_bin;
  GstPad *mm_src, *sel_own;
  GstPad *own_stream; /* the transport's pad for it (streams transport) */
  /* Its voice into the mixer, while mixed. */
  GstElement *in_bin;
  GstPad *mm_sink;
  GstPad *voice; /* the pad linked to in_bin's sink (transfer none) */
  gint seat;
  gboolean wants_mix; /* seated and unmuted, as the room last said */
  gboolean mixed;     /* routed into the mixer: wants_mix with a voice to mix */
} Peer;

typedef struct {
  gboolean on;
  gint64 quiet_since; /* monotonic ms, 0 = not quiet */
  gint64 last_sent;   /* monotonic ms of the last event */
  gboolean reported;  /* what the clients were last told */
} SeatLevel;

struct _RcRoomMedia {
  const RcConfig *config;
  char *room_id;
  guint n_seats;
  RcMediaPeerFactory peer_factory;
  RcMediaPeerFactory sender_factory; /* new_peer NULL: peers carry their voice */
  /* A transport that carries the room's streams (request_stream_pad): the
   * full mix payloaded once into it. */
  GstElement *mix_pay;
  GstPad *mix_tee_pad, *mix_stream;
  RcRoomMediaCallbacks callbacks;
  gpointer user_data;
  GstElement *pipeline, *mixer, *tee;
  GstBus *bus;
  GHashTable *peers; /* id -> Peer* */
  SeatLevel *levels; /* [n_seats] */
  guint next_peer;
  guint64 removed_in, removed_out, removed_offered; /* counters of removed peers */
  RcPipelineDump *dump;  /* NULL unless GST_DEBUG_DUMP_DOT_DIR is set */
  GHashTable *mix_sinks; /* GstElement* -> its tee GstPad* (refs) */
  RcRoomFanout *fanout;  /* the shared mix to the peers, over threads */
  gint shared_wanted;    /* atomic: anyone on the shared mix (room-media-gate.c) */
};

/* room-media-encoders.c: "queue ! opusenc ! clocksync" for the shared
 * mix (@own_mix FALSE) or a speaker's own mix-minus; the upstream latency
 * the mixer assumes of a seat (min-upstream-latency); every clocksync of
 * @bin paced, on the main loop after a latency change. */
char *rc_room_media_encoder_desc (const RcConfig *config, gboolean own_mix);
guint64 rc_room_media_upstream_ns (const RcConfig *config);
void rc_room_media_pace_clocksyncs (GstBin *bin);
/* room-media-gate.c: the full mix's periods dropped at @mixer's mix pad
 * (so not encoded) while nobody is on the shared mix; update() after every
 * change of who is on it. */
void rc_room_media_gate_install (RcRoomMedia *media, GstElement *mixer);
void rc_room_media_gate_update (RcRoomMedia *media);
/* room-media-bus.c: the room pipeline's bus watch (data: the RcRoomMedia). */
gboolean rc_room_media_on_bus (GstBus *bus, GstMessage *msg, gpointer data);

G_END_DECLS
