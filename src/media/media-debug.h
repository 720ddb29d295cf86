/* roomcast: the room pipelines in the admin API (for diagnosis).
 *
 *   GET /admin/rooms/{id}               adds "media": the room pipeline's
 *       state and counters, and one entry per peer (see docs/operations.md):
 *       { pipeline, state, peers, speakers, encoders, packetsIn, packetsOut,
 *         packetsOffered, packetsDropped,
 *         peerList: [{ userId, element, state, iceState, seat, mixed,
 *                      ownMix, speaking, packetsIn, packetsOut,
 *                      packetsOffered, packetsDropped, bytesIn, bytesOut }] }
 *       A room without a pipeline (nobody sent media:connect yet) has
 *       pipeline and state null and zero counts.
 *   GET /admin/rooms/{id}/pipeline.dot  the live graph of the room's
 *       pipeline (gst_debug_bin_to_dot_data(), every detail), Content-Type
 *       text/vnd.graphviz; 404 not_found when the room has no pipeline.
 *       Peers' elements are named peer<N>-<user id>: the graph names the
 *       room's users (`dot -Tsvg` draws it).
 *
 * Both sit behind the admin API's key. Everything runs on the main loop and
 * reads only what the room keeps there (no webrtcbin get-stats round trip).
 */
#pragma once

#include "services/admin-api.h"
#include "media/media-service.h"

G_BEGIN_DECLS

/* @media must outlive @admin. */
void rc_media_debug_attach (RcAdminApi *admin, RcMediaService *media);

G_END_DECLS
