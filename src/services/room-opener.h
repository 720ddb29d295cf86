/* roomcast: how the room service asks the app whether a room exists.
 *
 * With ROOM_OWNERSHIP=laravel a room is created only when Laravel knows it:
 * before the first joiner of a room that is not open is admitted, the room
 * service asks its opener, and the answer decides (docs/security.md, "Rooms
 * and their owners"). The one implementation is the room status reporter
 * (room-status.h): the question is the room's first status call, so it goes
 * out in order with that room's other updates.
 *
 * The answer is TRUE, with *owner_id the user the app names as the room's
 * owner (NULL: it names nobody), or FALSE with RC_ERROR_ROOM_NOT_FOUND (the
 * app does not know the room) or another error (it could not be asked: the
 * join is refused, never let through with a guessed host).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RC_TYPE_ROOM_OPENER (rc_room_opener_get_type ())
G_DECLARE_INTERFACE (RcRoomOpener, rc_room_opener, RC, ROOM_OPENER, GObject)

struct _RcRoomOpenerInterface {
  GTypeInterface parent_iface;

  void (*open_async) (RcRoomOpener *self, const char *room_id, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*open_finish) (RcRoomOpener *self, GAsyncResult *result, char **owner_id,
                           GError **error);
};

/* Ask whether @room_id may be opened; the callback runs later, from the
 * main loop. */
void rc_room_opener_open_async (RcRoomOpener *self, const char *room_id,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
/* TRUE if the app knows the room; *@owner_id (nullable) its owner or NULL. */
gboolean rc_room_opener_open_finish (RcRoomOpener *self, GAsyncResult *result, char **owner_id,
                                     GError **error);

G_END_DECLS
