/* roomcast: one connected Socket.IO client (namespace "/").
 *
 * Created by RcSioServer after the client's CONNECT was authenticated; lives
 * until the WebSocket closes. Everything here runs on the main loop.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "auth/auth-provider.h"

G_BEGIN_DECLS

#define RC_TYPE_SIO_SOCKET (rc_sio_socket_get_type ())
G_DECLARE_FINAL_TYPE (RcSioSocket, rc_sio_socket, RC, SIO_SOCKET, GObject)

/* The Socket.IO id given to the client in the CONNECT answer. */
const char *rc_sio_socket_get_id (RcSioSocket *self);
RcUser *rc_sio_socket_get_user (RcSioSocket *self);
/* Remote address as text, for logs. */
const char *rc_sio_socket_get_peer (RcSioSocket *self);
gboolean rc_sio_socket_is_connected (RcSioSocket *self);

/* Emit `event` with zero or one argument (@arg transfer none, nullable). */
void rc_sio_socket_emit (RcSioSocket *self, const char *event, JsonNode *arg);
/* Send an already-encoded Engine.IO text frame (see rc_sio_encode_event()):
 * broadcasts encode once and send the same frame to every member. */
void rc_sio_socket_send_frame (RcSioSocket *self, const char *frame);
/* The same for a frame that only carries current state (who is speaking):
 * dropped while the client's transport is congested (it stopped reading or
 * polling), counted in roomcast_sio_volatile_dropped_total; the next such
 * frame brings the client up to date. FALSE when dropped. */
gboolean rc_sio_socket_send_volatile_frame (RcSioSocket *self, const char *frame);
/* Close the connection: sends a Socket.IO DISCONNECT, then closes the
 * WebSocket. @reason is logged and reported to the "disconnected" handlers. */
void rc_sio_socket_disconnect (RcSioSocket *self, const char *reason);

/* An acknowledgement the client asked for (event sent with a callback).
 * Reply exactly once; replying again or after disconnect is a no-op. Keep a
 * reference to answer asynchronously. */
typedef struct _RcSioAck RcSioAck;
RcSioAck *rc_sio_ack_ref (RcSioAck *ack);
void rc_sio_ack_unref (RcSioAck *ack);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcSioAck, rc_sio_ack_unref)
/* Reply with one argument (transfer none). */
void rc_sio_ack_reply (RcSioAck *ack, JsonNode *arg);
/* {"ok":true, ...@fields} (@fields transfer none, nullable). */
void rc_sio_ack_ok (RcSioAck *ack, JsonObject *fields);
/* {"ok":false,"error":{"code":@code,"message":@message}} */
void rc_sio_ack_error (RcSioAck *ack, const char *code, const char *message);
/* Same, with extra fields inside "error" (e.g. retryAfterMs). */
void rc_sio_ack_error_full (RcSioAck *ack, const char *code, const char *message,
                            JsonObject *error_fields);
/* {ok:false, error:{code:"rate_limited", message, retryAfterMs}}. */
void rc_sio_ack_rate_limited (RcSioAck *ack, const char *message, gint64 retry_after_ms);

G_END_DECLS
