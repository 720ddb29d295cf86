/* roomcast tests: a transport with no network behind RcMediaPeer.
 *
 * A fake peer's bin is a fakesink behind its sink pad, which counts what the
 * room sends it (as offered and sent), and a src pad with no target: its
 * client never sends, like a webrtcbin peer before it connects. It makes no
 * offer and takes no answer (RC_MEDIA_ERROR_STATE). What it is for: a room
 * pipeline built with rc_fake_media_peer_factory() shows that rooms know
 * their peers only through RcMediaPeer and their factory.
 */
#pragma once

#include "media/media-peer.h"

G_BEGIN_DECLS

#define RC_TYPE_FAKE_MEDIA_PEER (rc_fake_media_peer_get_type ())
G_DECLARE_FINAL_TYPE (RcFakeMediaPeer, rc_fake_media_peer, RC, FAKE_MEDIA_PEER, GObject)

RcMediaPeer *rc_fake_media_peer_new (const char *name);

/* A factory of fake peers; each name it is asked for is appended to @names
 * (nullable; must outlive the factory's use). */
RcMediaPeerFactory rc_fake_media_peer_factory (GPtrArray *names);

G_END_DECLS
