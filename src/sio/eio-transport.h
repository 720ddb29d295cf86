/* roomcast: what carries one Engine.IO session's packets.
 *
 * An RcSioSocket speaks Engine.IO packets ("2", "3", "42[…]": a type digit
 * and its data) and never knows how they travel. A transport carries them:
 *
 *   RcEioWebsocket (eio-websocket.c)  one packet per WebSocket text message
 *   RcEioPolling   (eio-polling.c)    HTTP long-polling: packets joined with
 *                                     \x1e in GET responses and POST bodies
 *
 * A session that starts on polling may move to a WebSocket (the upgrade,
 * driven by the polling transport: rc_eio_transport_upgrade()); the socket
 * then swaps its transport and everything above it (authentication, rooms,
 * acks) goes on unchanged.
 *
 * The owner installs its handlers with rc_eio_transport_set_handlers() and
 * is called directly (no GSignal: one function call per packet). A handler
 * may drop the owner's last reference to the transport: an implementation
 * that still needs itself after calling up holds a reference of its own.
 * Main loop only.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define RC_TYPE_EIO_TRANSPORT (rc_eio_transport_get_type ())
G_DECLARE_DERIVABLE_TYPE (RcEioTransport, rc_eio_transport, RC, EIO_TRANSPORT, GObject)

struct _RcEioTransportClass {
  GObjectClass parent_class;

  const char *name; /* "websocket", "polling" */
  /* Queue or send one packet (NUL-terminated text). Dropped once closing. */
  void (*send) (RcEioTransport *self, const char *packet);
  /* Start closing: what was sent before still reaches the client when the
   * transport can deliver it; the closed handler follows (possibly at once). */
  void (*close) (RcEioTransport *self);
  /* Take @probe (a transport just opened for this session) through the
   * Engine.IO upgrade; NULL when this transport cannot be upgraded. */
  gboolean (*upgrade) (RcEioTransport *self, RcEioTransport *probe);
  /* TRUE while so much waits for the client that a packet carrying only
   * current state is better dropped (NULL: never). */
  gboolean (*congested) (RcEioTransport *self);
};

typedef struct {
  /* One packet from the client (@len bytes, not NUL-terminated). FALSE: the
   * packet was malformed and the owner is closing the session; a transport
   * that read several packets at once stops there. */
  gboolean (*packet) (const char *data, gsize len, gpointer owner);
  /* The transport is closed and will report nothing more. @reason NULL: the
   * client went away (the owner knows better if it closed it itself);
   * otherwise what the client did wrong, for the log and the metrics
   * ("protocol error: …", "parse error: …"). */
  void (*closed) (const char *reason, gpointer owner);
  /* The upgrade finished: @to (transfer none) now carries the session and
   * this transport reports nothing more. The owner takes a reference to @to
   * and installs its handlers on it. */
  void (*upgraded) (RcEioTransport *to, gpointer owner);
} RcEioTransportHandlers;

/* @handlers (static storage) and @owner replace the previous ones; NULL
 * handlers detach the owner. */
void rc_eio_transport_set_handlers (RcEioTransport *self,
                                    const RcEioTransportHandlers *handlers, gpointer owner);
/* "websocket" or "polling", as Engine.IO names them. */
const char *rc_eio_transport_get_name (RcEioTransport *self);
void rc_eio_transport_send (RcEioTransport *self, const char *packet);
void rc_eio_transport_close (RcEioTransport *self);
/* See the class's congested(). */
gboolean rc_eio_transport_is_congested (RcEioTransport *self);
/* TRUE once the closed handler was called. */
gboolean rc_eio_transport_is_closed (RcEioTransport *self);
/* Start the upgrade of @self's session to @probe (a transport of the same
 * session that the client just opened). FALSE if @self cannot be upgraded
 * now (not polling, already upgrading, closing): the caller closes @probe. */
gboolean rc_eio_transport_upgrade (RcEioTransport *self, RcEioTransport *probe);

/* For implementations: report to the owner. */
gboolean rc_eio_transport_receive (RcEioTransport *self, const char *data, gsize len);
/* Once; later calls do nothing. */
void rc_eio_transport_report_closed (RcEioTransport *self, const char *reason);
void rc_eio_transport_report_upgraded (RcEioTransport *self, RcEioTransport *to);

G_END_DECLS
