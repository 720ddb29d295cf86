/* roomcast: the media:* signalling of one Socket.IO client, server side.
 *
 * A session ties one RcSioSocket to one RcMediaPeer that its owner (the room,
 * or the test echo server) created and attached to a pipeline:
 *
 *   client                         server
 *   media:connect {} ─────────────▶ rc_media_session_start()
 *                   ◀── ack {ok:true, offer:{type:"offer", sdp}}
 *   media:answer {type?,sdp} ─────▶ rc_media_session_handle_answer()   (ack {ok:true})
 *   media:ice {candidate,…} ──────▶ rc_media_session_handle_ice()      (ack optional)
 *                   ◀── media:ice {candidate|null, sdpMLineIndex, sdpMid}
 *                   ◀── media:failed {reason}   (ICE/DTLS failed, or not
 *                                               connected within the timeout)
 *
 * Local candidates are held back until the offer has been sent. A refused
 * payload is acknowledged {ok:false, error:{code:"invalid_payload", message}},
 * and so is every media:ice past RC_MEDIA_MAX_REMOTE_CANDIDATES (a browser
 * sends a handful; each one is an operation on webrtcbin's thread);
 * an answer when none is expected gets "invalid_state". Remote candidates,
 * from media:ice or the answer's a=candidate lines, pass the candidate
 * filter (candidate-filter.h) or never reach the peer: a refused media:ice
 * gets invalid_payload saying why, a refused line of an otherwise good
 * answer is taken out of it and listed in the ack's refusedCandidates
 * [{candidate, reason, message}]; each is counted in
 * roomcast_media_candidates_refused_total{reason}. After media:failed
 * the session emits "ended" and its owner removes it (rc_media_session_close
 * closes the peer; the owner then removes its own per-peer elements).
 * Everything runs on the main loop.
 */
#pragma once

#include "media/candidate-filter.h"
#include "media/media-peer.h"
#include "sio/sio-socket.h"

G_BEGIN_DECLS

/* Remote candidates taken per session: media:ice (end-of-candidates and
 * refused ones included) and the answer's a=candidate lines. */
#define RC_MEDIA_MAX_REMOTE_CANDIDATES 50

#define RC_TYPE_MEDIA_SESSION (rc_media_session_get_type ())
G_DECLARE_FINAL_TYPE (RcMediaSession, rc_media_session, RC, MEDIA_SESSION, GObject)

/* @peer must be attached to its pipeline; the session keeps references to
 * @socket and @peer. @connect_timeout_ms counts from rc_media_session_start().
 * @allow: the remote candidates let through besides global unicast ones
 * (rc_candidate_allow_from_config()). */
RcMediaSession *rc_media_session_new (RcSioSocket *socket, RcMediaPeer *peer,
                                      guint connect_timeout_ms, RcCandidateAllow allow);

/* Before rc_media_session_start(): @transport (nullable, e.g. "send") is
 * written as the "transport" member of every event the session sends and
 * of the offer's ack, so a client with two transports knows which one they
 * are for; @extra (nullable) adds its members to the offer's ack. */
void rc_media_session_set_transport (RcMediaSession *self, const char *transport,
                                     JsonObject *extra);
/* Makes the offer and answers @ack with it; with @ack NULL, sends it as a
 * `media:offer` event instead. */
void rc_media_session_start (RcMediaSession *self, RcSioAck *ack);
/* `media:answer` and `media:ice` from the client (@ack nullable). */
void rc_media_session_handle_answer (RcMediaSession *self, JsonArray *args, RcSioAck *ack);
void rc_media_session_handle_ice (RcMediaSession *self, JsonArray *args, RcSioAck *ack);

/* Ends the session without telling the client (it left, or asked with
 * media:disconnect) and closes the peer. Idempotent. */
void rc_media_session_close (RcMediaSession *self);

/* Signal "ended" (const char *reason): the session failed and sent
 * media:failed {reason}; reasons: "timeout", "ice_failed", "dtls_failed",
 * "connection_failed", "transport_error", "offer_failed",
 * "negotiation_failed". Emitted once, never after rc_media_session_close(). */

G_END_DECLS
