/* roomcast: a client connection's fair share of the main loop.
 *
 * libsoup 3.2 reads a WebSocket (and a request) until the socket has
 * nothing more to give, handling every complete frame as it goes, before
 * it returns to the main loop: a client that sends faster than the server
 * handles its frames (a flood, or just a busy client against a slow build)
 * kept the loop in one dispatch for tens of seconds, and every other
 * connection's pings, /health and the systemd watchdog waited.
 *
 * RcFairIOStream wraps an accepted connection for libsoup. Its input reads
 * at most RC_FAIR_READ_BUDGET bytes, and for at most RC_FAIR_READ_TIME_US
 * after its first read, per main-loop iteration, then says "would block"
 * until the next one, so libsoup returns to the loop and the
 * rest of the data waits in the socket (and, past its buffer, in the
 * client's TCP window) while the other sources run. Output and closing are
 * the wrapped connection's own.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bytes one connection may read per main-loop iteration: a few hundred
 * Socket.IO frames, a few milliseconds of the loop. */
#define RC_FAIR_READ_BUDGET (32 * 1024)
/* And the time, since handling the frames read is what costs: tiny frames,
 * or a slow (sanitizer) build, make 32 KiB last far longer. */
#define RC_FAIR_READ_TIME_US 4000

#define RC_TYPE_FAIR_IO_STREAM (rc_fair_io_stream_get_type ())
G_DECLARE_FINAL_TYPE (RcFairIOStream, rc_fair_io_stream, RC, FAIR_IO_STREAM, GIOStream)

/* Wrap @base (its input and output must be pollable, as a
 * GSocketConnection's are). Iterations are counted on the thread-default
 * main context of the caller, which must be the one libsoup runs on. */
GIOStream *rc_fair_io_stream_new (GIOStream *base);

/* Once a connection is a WebSocket, fail its reads (and so close it) as
 * soon as one message, reassembled from its continuation frames, passes
 * @max_bytes, before that payload is read (ws-frame-scan.h); libsoup's own
 * limit is per frame. @stream is the WebSocket's stream
 * (soup_websocket_connection_get_io_stream()), which libsoup wraps around
 * ours. Counted in roomcast_ws_messages_refused_total. FALSE if @stream is
 * not one of ours. */
gboolean rc_fair_io_stream_limit_ws_messages (GIOStream *stream, guint64 max_bytes);

/* The RcFairIOStream under @stream (itself, or what libsoup wrapped around
 * it), or NULL; not a new reference: it lives as long as @stream. */
RcFairIOStream *rc_fair_io_stream_find (GIOStream *stream);
/* Abort @socket: shut down both ways with a zero linger, so the close that
 * follows resets it and drops what is queued; whoever reads it sees its end
 * at once. FALSE if it is closed already. */
gboolean rc_http_socket_abort (GSocket *socket);
/* The same for the connection under @self (a client's, accepted by
 * http-listener.c). */
gboolean rc_fair_io_stream_abort (RcFairIOStream *self);
/* Bytes written to the connection so far. */
guint64 rc_fair_io_stream_get_bytes_written (RcFairIOStream *self);

G_END_DECLS
