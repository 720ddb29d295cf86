/* roomcast: error code table; see errors.h. */
#include "protocol/errors.h"

#include <stdarg.h>

GQuark
rc_error_quark (void)
{
  return g_quark_from_static_string ("rc-error-quark");
}

typedef struct {
  const char *name;
  const char *message;
} ErrorEntry;

/* Indexed by RcErrorCode: keep in the enum's order. */
static const ErrorEntry error_table[RC_ERROR_N_CODES] = {
  [RC_ERROR_UNAUTHENTICATED] = { "unauthenticated", "Authentication required" },
  [RC_ERROR_FORBIDDEN] = { "forbidden", "You are not allowed to do that" },
  [RC_ERROR_INVALID_PAYLOAD] = { "invalid_payload", "Invalid payload" },
  [RC_ERROR_NOT_IN_ROOM] = { "not_in_room", "You are not in a room" },
  [RC_ERROR_ROOM_FULL] = { "room_full", "The room is full" },
  [RC_ERROR_SERVER_FULL] = { "server_full", "The server cannot open more rooms" },
  [RC_ERROR_ROOM_CLOSED] = { "room_closed", "The room is closed" },
  [RC_ERROR_SEAT_TAKEN] = { "seat_taken", "The seat is taken" },
  [RC_ERROR_SEAT_LOCKED] = { "seat_locked", "The seat is locked" },
  [RC_ERROR_INVALID_SEAT] = { "invalid_seat", "No such seat" },
  [RC_ERROR_NOT_SEATED] = { "not_seated", "You are not on a seat" },
  [RC_ERROR_ALREADY_SEATED] = { "already_seated", "You are already on that seat" },
  [RC_ERROR_RATE_LIMITED] = { "rate_limited", "Too many messages; slow down" },
  [RC_ERROR_BANNED] = { "banned", "You are banned from this room" },
  [RC_ERROR_NOT_FOUND] = { "not_found", "Not found" },
  [RC_ERROR_UNKNOWN_EVENT] = { "unknown_event", "Unknown event" },
  [RC_ERROR_INTERNAL] = { "internal", "Internal server error" },
  [RC_ERROR_GIFT_UNAVAILABLE] = { "gift_unavailable", "Gifts cannot be sent right now" },
  [RC_ERROR_ROOM_NOT_FOUND] = { "room_not_found", "No such room" },
  [RC_ERROR_ROOM_ELSEWHERE] = { "room_elsewhere", "The room runs on another node" },
};

static const ErrorEntry *
lookup (RcErrorCode code)
{
  if ((int) code < 0 || code >= RC_ERROR_N_CODES)
    return &error_table[RC_ERROR_INTERNAL];
  return &error_table[code];
}

const char *
rc_error_code_name (RcErrorCode code)
{
  return lookup (code)->name;
}

const char *
rc_error_default_message (RcErrorCode code)
{
  return lookup (code)->message;
}

const char *
rc_error_wire_code (const GError *error)
{
  if (error == NULL || error->domain != RC_ERROR)
    return error_table[RC_ERROR_INTERNAL].name;
  return rc_error_code_name (error->code);
}

const char *
rc_error_wire_message (const GError *error)
{
  if (error == NULL || error->domain != RC_ERROR)
    return error_table[RC_ERROR_INTERNAL].message;
  return error->message;
}

void
rc_error_set (GError **error, RcErrorCode code)
{
  g_set_error_literal (error, RC_ERROR, code, rc_error_default_message (code));
}

void
rc_error_set_printf (GError **error, RcErrorCode code, const char *format, ...)
{
  va_list args;

  if (error == NULL)
    return;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, RC_ERROR, code, message);
}
