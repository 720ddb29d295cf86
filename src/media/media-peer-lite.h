/* roomcast: RcMediaPeer over the room's icelitesink (MEDIA_RECV_TRANSPORT=lite).
 *
 * A receive transport: one peer of the one `icelitesink` of its room
 * pipeline (plugins/icelite/; ICE-lite, DTLS server, SRTP, batched
 * sendmmsg from one thread for all the room's peers). The peer has no pads
 * of its own: the room payloads each of its encoded streams once into a
 * sink pad of the element (the factory's request_stream_pad) and tells each
 * peer which one to carry (rc_media_peer_set_source(), the element's
 * set-peer-source: no renegotiation, same SSRC, continuous sequence numbers
 * and timestamps). It sends only; nothing comes from the client.
 *
 * The element is made on the room's first use, named "icelite", one UDP
 * port per room within RTC_MIN_PORT–RTC_MAX_PORT, bound to RTC_LISTEN_IP
 * (all IPv4 addresses when unset); the offer's one host candidate names
 * RTC_ANNOUNCED_IP, else RTC_LISTEN_IP, else (neither set) one candidate
 * per IPv4 address of the machine that is up, loopback and link-local left
 * out as libnice does for webrtcbin (127.0.0.1 on a host with no other).
 *
 * The offer is ours to write (a=ice-lite, our ICE credentials from
 * getrandom(), the element's certificate fingerprint, a=setup:actpass,
 * a sendonly Opus m-line with RC_MEDIA_OPUS_PT, one host candidate,
 * a=rtcp-mux); the answer's ICE credentials and fingerprint go to the
 * element (set-peer-remote), which refuses a DTLS client whose certificate
 * is not the one named. Remote candidates are not needed (ICE-lite: the
 * client's checks come to us) and are ignored.
 *
 * Threads: the element emits peer-state-changed from its network thread;
 * the peer copies it to its main context. Everything else is main loop.
 */
#pragma once

#include "config.h"
#include "media/media-peer.h"

G_BEGIN_DECLS

#define RC_TYPE_MEDIA_PEER_LITE (rc_media_peer_lite_get_type ())
G_DECLARE_FINAL_TYPE (RcMediaPeerLite, rc_media_peer_lite, RC, MEDIA_PEER_LITE, GObject)

/* The factory of room pipelines whose receive transports are icelitesink
 * peers. @config must outlive the peers. A peer fails to attach (and a
 * stream pad to be made) when the icelitesink element is not available. */
RcMediaPeerFactory rc_media_peer_lite_factory (const RcConfig *config);

G_END_DECLS
