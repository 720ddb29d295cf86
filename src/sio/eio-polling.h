/* roomcast: the Engine.IO HTTP long-polling transport (see eio-transport.h).
 *
 * What the client sends and receives, per Engine.IO v4:
 *
 *   GET  /socket.io/?EIO=4&transport=polling&sid=…   the packets queued for
 *        the client, joined with \x1e ("2\x1e42[…]"); held (paused) until
 *        there are some. The socket pings every pingInterval, so a poll is
 *        answered at least that often. A second GET while one is held is a
 *        broken client: 400 and the session closes.
 *   POST (same URL)   packets from the client joined with \x1e; answered
 *        "ok". The body is at most maxPayload bytes (the server refuses a
 *        longer Content-Length before reading the body: 413); binary
 *        payloads are refused (400, session closed).
 *
 * Packets queued while nobody polls are bounded (@max_queued bytes): a
 * client that stops polling and falls further behind is disconnected, with
 * no more than that held for it. When the session ends, the held GET (or,
 * if none is held, the next one within @close_timeout_ms) carries what is
 * queued and the close packet "1"; "closed" is reported once that answer
 * was written, and always from the main loop, never from inside send() or
 * close(): callers may hold borrowed pointers to the socket.
 *
 * The upgrade (rc_eio_transport_upgrade() with the client's new WebSocket):
 * the client sends "2probe" on the WebSocket, we answer "3probe" and answer
 * every poll at once (a "6" noop when nothing is queued) so the client can
 * pause polling; its "5" on the WebSocket completes the upgrade: what is
 * still queued here goes out on the WebSocket first, in order, and the
 * owner is handed the WebSocket (nothing lost, nothing sent twice). No "5"
 * within RC_EIO_UPGRADE_TIMEOUT_MS, anything else on the probe, or the
 * probe closing: the WebSocket is dropped and the session stays on polling.
 */
#pragma once

#include <libsoup/soup.h>
#include "sio/eio-transport.h"

G_BEGIN_DECLS

#define RC_TYPE_EIO_POLLING (rc_eio_polling_get_type ())
G_DECLARE_FINAL_TYPE (RcEioPolling, rc_eio_polling, RC, EIO_POLLING, RcEioTransport)

/* engine.io's upgradeTimeout. */
#define RC_EIO_UPGRADE_TIMEOUT_MS 10000

/* @max_payload: the longest POST body; @max_queued: the most bytes held for
 * a client that does not poll; @close_timeout_ms: how long a closing
 * session waits for the poll that carries its last packets. */
RcEioTransport *rc_eio_polling_new (guint max_payload, gsize max_queued,
                                    guint close_timeout_ms);

/* A GET or POST for this session (any other method: 400). The server has
 * checked the query, the sid and the Origin. */
void rc_eio_polling_handle_request (RcEioPolling *self, SoupServerMessage *msg);
/* Ends the session for something the client did wrong (@reason: for the
 * log and metrics, e.g. "protocol error: …"): a held poll gets the close
 * packet, and the owner hears "closed" with @reason from an idle. */
void rc_eio_polling_abort (RcEioPolling *self, const char *reason);

/* Engine.IO's HTTP errors: status 400 (403 for FORBIDDEN) and the body
 * {"code":…,"message":…} that engine.io clients understand. */
typedef enum {
  RC_EIO_HTTP_UNKNOWN_TRANSPORT = 0,
  RC_EIO_HTTP_UNKNOWN_SID = 1,
  RC_EIO_HTTP_BAD_HANDSHAKE_METHOD = 2,
  RC_EIO_HTTP_BAD_REQUEST = 3,
  RC_EIO_HTTP_FORBIDDEN = 4,
  RC_EIO_HTTP_UNSUPPORTED_PROTOCOL_VERSION = 5,
} RcEioHttpError;

void rc_eio_reply_error (SoupServerMessage *msg, RcEioHttpError error);

G_END_DECLS
