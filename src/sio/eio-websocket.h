/* roomcast: the Engine.IO WebSocket transport (see eio-transport.h).
 *
 * One packet per text message, sent and received without a copy. Binary
 * messages are refused (roomcast clients send text only): the WebSocket is
 * closed with "parse error: binary frames are not supported". libsoup
 * closes with 1009 a message longer than @max_payload; that and any other
 * protocol error libsoup reports become the "protocol error: …" reason.
 * A client that stops reading is closed (1008) once @max_unsent bytes wait
 * for it, or nothing was written for @stall_ms while more than a little
 * waits (send-backlog.h): "slow consumer: …".
 */
#pragma once

#include <libsoup/soup.h>
#include "sio/eio-transport.h"

G_BEGIN_DECLS

#define RC_TYPE_EIO_WEBSOCKET (rc_eio_websocket_get_type ())
G_DECLARE_FINAL_TYPE (RcEioWebsocket, rc_eio_websocket, RC, EIO_WEBSOCKET, RcEioTransport)

/* Carries packets on @ws (open, transfer none: the transport takes a
 * reference). */
RcEioTransport *rc_eio_websocket_new (SoupWebsocketConnection *ws, guint max_payload,
                                      guint64 max_unsent, guint stall_ms);

G_END_DECLS
