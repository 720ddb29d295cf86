/* roomcast: what a slow reader may cost: its WebSocket's unsent bytes.
 *
 * libsoup queues every outgoing WebSocket message without limit. A client
 * that stops reading (while still answering pings) made the server keep
 * every event of a busy room for it: one such client grew the daemon from
 * 19 to 157 MB in 40 s. Each WebSocket sender (Engine.IO's WebSocket
 * transport, the Pusher endpoint) keeps an RcSendBacklog beside its
 * connection: the bytes it handed to libsoup (with their frame headers)
 * minus the bytes written to the socket (fair-io-stream.h) are the unsent
 * bytes. Past the cap (WS_MAX_UNSENT_BYTES), or when more than
 * RC_SEND_BACKLOG_CONGESTED_BYTES stay unsent and nothing was written for
 * WS_SEND_STALL_MS, the sender closes the connection (1008, "slow
 * consumer"). Above RC_SEND_BACKLOG_CONGESTED_BYTES the connection is
 * congested: messages that only carry current state (who is speaking) are
 * dropped rather than queued.
 */
#pragma once

#include <gio/gio.h>

#include "http/fair-io-stream.h"

G_BEGIN_DECLS

#define RC_SEND_BACKLOG_CONGESTED_BYTES (64 * 1024)

typedef struct {
  RcFairIOStream *stream; /* NULL: not one of our connections, nothing counted */
  guint64 handed;         /* bytes given to libsoup, frame headers included */
  guint64 written_seen;   /* the stream's count when it last moved */
  gint64 progress_us;     /* when it last moved, or was not congested */
  guint64 max_unsent;
  gint64 stall_us;
} RcSendBacklog;

/* @stream: the WebSocket's (soup_websocket_connection_get_io_stream()). */
void rc_send_backlog_init (RcSendBacklog *self, GIOStream *stream, guint64 max_unsent,
                           guint stall_ms);
/* Accounts one text message of @bytes about to be queued. FALSE when the
 * connection must be closed instead (@reason set, e.g. "slow consumer:
 * 4194400 bytes unsent"; free it). */
gboolean rc_send_backlog_add (RcSendBacklog *self, gsize bytes, char **reason);
/* Aborts the connection (rc_fair_io_stream_abort()): for a sender that gave
 * up on a slow consumer, so that libsoup frees what it queued at once
 * instead of waiting for a close handshake the client will never read. */
void rc_send_backlog_abort (RcSendBacklog *self);
/* Bytes queued but not yet written to the socket. */
guint64 rc_send_backlog_unsent (const RcSendBacklog *self);
/* TRUE above RC_SEND_BACKLOG_CONGESTED_BYTES unsent. */
gboolean rc_send_backlog_congested (const RcSendBacklog *self);

G_END_DECLS
