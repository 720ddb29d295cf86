/* roomcast: client events inside a room: payload validation -> room operation.
 *
 * One table maps each event name to a handler that validates the payload
 * (payload.h: wrong types, ranges, lengths -> invalid_payload naming the
 * field; unknown fields ignored) and calls the room operation. The
 * acknowledgement fields on success:
 *
 *   seat:take {seat?}                 -> {seat}
 *   seat:leave                        -> {}
 *   seat:request {seat?}              -> {seat: n|null, queued: bool}
 *   seat:invite {userId, seat?}       -> {}
 *   seat:approve {userId, seat?}      -> {seat}
 *   seat:lock {seat, locked}          -> {}
 *   seat:mute {seat, muted}           -> {}
 *   seat:kick {seat}                  -> {}
 *   mic:mute {muted}                  -> {}
 *   room:update {seatMode?, title?}   -> {room}   ("" clears the title)
 *   room:moderator {userId, moderator}-> {}
 *   chat:send {text}                  -> {id, ts} (1-500 chars after trimming)
 *   chat:delete {messageId}           -> {}
 *   typing {isTyping}                 -> {}
 *   user:kick / user:ban / user:unban {userId} -> {}
 *   cinema:start {url, positionMs?, playing?} -> {cinema}
 *   cinema:sync {positionMs, playing} -> {cinema}
 *   cinema:stop                       -> {}
 *
 * room:join, room:leave and room:close involve the registry (room-registry.h).
 */
#pragma once

#include "rooms/room.h"

G_BEGIN_DECLS

/* Run @event for the participant @actor_id. On success *@reply is a new
 * object with the acknowledgement fields (possibly empty). */
gboolean rc_room_command_run (RcRoom *room, const char *actor_id, const char *event,
                              JsonObject *payload, gint64 now, RcEffects *effects,
                              JsonObject **reply, GError **error);
/* TRUE if rc_room_command_run() knows @event. */
gboolean rc_room_command_exists (const char *event);
/* The event names rc_room_command_run() knows, NULL-terminated. */
const char *const *rc_room_command_names (void);

/* The rate budget @event draws from: "chat" for chat:send, "typing" for
 * typing (one budget each per user, RATE_LIMIT_MESSAGES_PER_MINUTE), NULL
 * for the events that are not rate limited. The room service counts them
 * through the rate gate (services/rate-gate.h) before running the event. */
const char *rc_room_command_rate_bucket (const char *event);
/* For an event with a rate bucket: the checks of @payload that
 * rc_room_command_run() makes before it needs the room (invalid_payload
 * naming the field). Asked before the rate gate, so that an invalid event
 * costs no budget. */
gboolean rc_room_command_check_payload (const char *event, JsonObject *payload, GError **error);

G_END_DECLS
