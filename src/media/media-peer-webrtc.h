/* roomcast: RcMediaPeer over webrtcbin (one webrtcbin per client).
 *
 * The peer is a bin: [sink] ─▶ webrtcbin ─▶ [src]; the sink pad passes
 * nothing to webrtcbin until it is connected, so the room's thread pushes
 * straight into it (no queue, no thread per peer).
 * webrtcbin: bundle-policy max-bundle (rtcp-mux), one sendrecv Opus
 * transceiver whose codec preferences make the offer (payload type
 * RC_MEDIA_OPUS_PT, useinbandfec=1, usedtx=1), jitterbuffer latency
 * JITTER_LATENCY_MS. ICE: RTC_LISTEN_IP → the agent's add-local-ip-address
 * (libnice then gathers that address only), RTC_MIN_PORT/RTC_MAX_PORT → the
 * agent's min-rtp-port/max-rtp-port, UDP only, STUN_SERVER / TURN_SERVERS,
 * and RTC_ANNOUNCED_IP rewrites host candidates before they are signalled.
 *
 * Threads: every webrtcbin callback (promises, on-ice-candidate, notify,
 * pad-added) only copies what it got and posts it to the main context as an
 * idle source; all state changes, links and removals happen there. So does
 * the peer's bin with an ERROR of webrtcbin (or of anything inside it): the
 * error stops in the bin and the peer goes FAILED ("transport_error"); the
 * pipeline's bus never sees it.
 */
#pragma once

#include "config.h"
#include "media/media-peer.h"

G_BEGIN_DECLS

#define RC_TYPE_MEDIA_PEER_WEBRTC (rc_media_peer_webrtc_get_type ())
G_DECLARE_FINAL_TYPE (RcMediaPeerWebrtc, rc_media_peer_webrtc, RC, MEDIA_PEER_WEBRTC, GObject)

/* A new peer for one client, named @name (unique in its pipeline; also the
 * prefix of webrtcbin's thread names). Its signals are emitted on the
 * thread-default main context of the caller. @config must outlive it.
 * Fails when webrtcbin or libnice are missing. */
RcMediaPeer *rc_media_peer_webrtc_new (const RcConfig *config, const char *name,
                                       GError **error);
/* The factory of room pipelines whose peers are webrtcbin peers made with
 * rc_media_peer_webrtc_new (@config, …). @config must outlive the peers. */
RcMediaPeerFactory rc_media_peer_webrtc_factory (const RcConfig *config);
/* The factory of send transports (MEDIA_RECV_TRANSPORT=lite): the same
 * peers with a recvonly transceiver, so the offer asks the client to send
 * only; the room never links their sink pad. */
RcMediaPeerFactory rc_media_peer_webrtc_send_factory (const RcConfig *config);

/* webrtcbin's own statistics (get-stats, all of them) as a GstStructure
 * (transfer full): for diagnosis, e.g. outbound-rtp packets-sent as the
 * client should see them. Never called from a streaming thread. */
void rc_media_peer_webrtc_get_transport_stats_async (RcMediaPeerWebrtc *self,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
GstStructure *rc_media_peer_webrtc_get_transport_stats_finish (RcMediaPeerWebrtc *self,
                                                               GAsyncResult *result,
                                                               GError **error);

/* close() stops a peer's webrtcbin on a teardown thread (joining webrtcbin's
 * threads can take long); this waits until every closed peer is stopped.
 * Call it at shutdown, after the peers are closed, before the process
 * exits or GStreamer is deinitialised. */
void rc_media_peer_webrtc_wait_torn_down (void);

G_END_DECLS
