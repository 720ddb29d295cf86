/* roomcast: the one table of error codes a client can receive.
 *
 * Every acknowledgement that fails is {ok:false, error:{code, message}}, and
 * `code` is one of the names below. Clients switch on the code; the message is
 * for humans and may change. Operations report these codes as a GError in the
 * RC_ERROR domain; rc_error_code_name() gives the wire name.
 *
 *   code              when
 *   ----------------  -------------------------------------------------------
 *   unauthenticated   no valid token (Socket.IO CONNECT refused)
 *   forbidden         the caller's role does not allow the action
 *   invalid_payload   a field is missing, of the wrong type, or out of range
 *                     (the message names the field)
 *   not_in_room       the action needs a room and the caller has joined none
 *   room_full         MAX_CLIENTS_PER_ROOM participants are already in the room
 *   server_full       MAX_ROOMS_PER_WORKER rooms are open on this worker
 *   room_closed       the room was closed by its host or an admin a moment ago
 *   seat_taken        the seat is occupied (or no seat is free)
 *   seat_locked       the seat is locked by the host or a moderator
 *   invalid_seat      the seat index is outside 0..seats-1
 *   not_seated        the action needs the caller on a seat
 *   already_seated    the caller already sits on that seat
 *   rate_limited      too many chat/typing messages; error.retryAfterMs says
 *                     when the next one will be accepted
 *   banned            the caller is banned from this room
 *   not_found         the user, message or cinema session named does not exist
 *   unknown_event     the server has no handler for this event
 *   internal          a server-side failure (store down, bug); retry later
 *   gift_unavailable  a gift cannot be queued durably now (Redis down) or
 *                     gifts are not set up on this server; nothing was charged
 *   room_not_found    room:join of a room the app does not know (ROOM_OWNERSHIP
 *                     laravel or pinned): nothing was created
 *   room_elsewhere    room:join of a room another node runs: error.url and
 *                     error.nodeId name it; connect there and join again
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RC_ERROR (rc_error_quark ())
GQuark rc_error_quark (void);

typedef enum {
  RC_ERROR_UNAUTHENTICATED,
  RC_ERROR_FORBIDDEN,
  RC_ERROR_INVALID_PAYLOAD,
  RC_ERROR_NOT_IN_ROOM,
  RC_ERROR_ROOM_FULL,
  RC_ERROR_SERVER_FULL,
  RC_ERROR_ROOM_CLOSED,
  RC_ERROR_SEAT_TAKEN,
  RC_ERROR_SEAT_LOCKED,
  RC_ERROR_INVALID_SEAT,
  RC_ERROR_NOT_SEATED,
  RC_ERROR_ALREADY_SEATED,
  RC_ERROR_RATE_LIMITED,
  RC_ERROR_BANNED,
  RC_ERROR_NOT_FOUND,
  RC_ERROR_UNKNOWN_EVENT,
  RC_ERROR_INTERNAL,
  RC_ERROR_GIFT_UNAVAILABLE,
  RC_ERROR_ROOM_NOT_FOUND,
  RC_ERROR_ROOM_ELSEWHERE,
} RcErrorCode;

#define RC_ERROR_N_CODES (RC_ERROR_ROOM_ELSEWHERE + 1)

/* The wire name ("seat_taken"); "internal" for values outside the table. */
const char *rc_error_code_name (RcErrorCode code);
/* A human-readable default message for @code. */
const char *rc_error_default_message (RcErrorCode code);
/* The wire code for any GError: its name if it is in RC_ERROR, else "internal"
 * (a failure from another layer must not leak its domain to clients). */
const char *rc_error_wire_code (const GError *error);
/* The message to send with rc_error_wire_code(): the GError's own message for
 * RC_ERROR, the default "internal" message otherwise (no internals leak). */
const char *rc_error_wire_message (const GError *error);

/* Set @error to @code with the default message. */
void rc_error_set (GError **error, RcErrorCode code);
/* Set @error to @code with a formatted message. */
void rc_error_set_printf (GError **error, RcErrorCode code, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

G_END_DECLS
