/* roomcast: tells Laravel when rooms go live, change size and close
 * (POST /api/v1/internal/rooms/{id}/status, docs/laravel.md#room-status).
 *
 * Listens to the room service's "room-state-changed" signal and maps each
 * room's state to the body Laravel expects:
 *
 *   room created (first seen, not CLOSED)   {is_live:true,  participant_count:0}
 *   join / leave                            {is_live:true,  participant_count:N}
 *   CLOSED                                  {is_live:false, participant_count:0,
 *                                            closed_at:"2024-01-15T12:30:45.000Z"}
 *
 * Coalesced per room: at most one POST in flight per room; a change waits
 * RC_ROOM_STATUS_DEBOUNCE_MS so that a burst becomes one update, and the
 * POST always carries the latest state (a burst of 100 joins in a second
 * is a handful of POSTs, the last with the right count). "Created" and
 * "closed" are sent without the debounce, in order: a close always goes
 * after whatever was in flight, supersedes a pending live update and is
 * never dropped by coalescing; nothing live is sent for a room after its
 * close unless it is opened again.
 *
 * Failures never touch the room. A 404 (Laravel does not know the room) is
 * logged once per room at warning level; other failures at warning level on
 * the first of a series. Network errors, timeouts and 5xx are retried with
 * backoff (1 s doubling, RC_ROOM_STATUS_MAX_ATTEMPTS tries per state);
 * newer state replaces the one being retried.
 *
 * The reporter is also the room service's RcRoomOpener (room-opener.h) with
 * ROOM_OWNERSHIP=laravel: opening a room is posting its "created" update
 * before the room exists, and the answer decides. 2xx: the room opens, with
 * the owner_id the answer names (laravel-client.h); 404: room_not_found;
 * anything else: the join is refused. That POST is not retried (a joiner
 * waits for it) and takes its turn like any other: after whatever is in
 * flight for the room; the room's later updates follow it as usual.
 */
#pragma once

#include "laravel/laravel-client.h"
#include "services/room-service.h"

G_BEGIN_DECLS

#define RC_ROOM_STATUS_DEBOUNCE_MS 250
#define RC_ROOM_STATUS_MAX_ATTEMPTS 5

#define RC_TYPE_ROOM_STATUS_REPORTER (rc_room_status_reporter_get_type ())
G_DECLARE_FINAL_TYPE (RcRoomStatusReporter, rc_room_status_reporter, RC, ROOM_STATUS_REPORTER,
                      GObject)

/* Starts following @rooms; posts through @laravel. Implements
 * RcRoomOpener. */
RcRoomStatusReporter *rc_room_status_reporter_new (RcRoomService *rooms,
                                                   RcLaravelClient *laravel);
/* Rooms with an update waiting or in flight (shutdown waits for 0). */
guint rc_room_status_reporter_get_n_pending (RcRoomStatusReporter *self);

/* "2024-01-15T12:30:45.000Z" for @unix_ms (UTC, milliseconds). */
char *rc_room_status_format_time (gint64 unix_ms);

G_END_DECLS
