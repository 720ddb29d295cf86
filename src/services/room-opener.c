/* roomcast: the room opener interface; see room-opener.h. */
#include "services/room-opener.h"

G_DEFINE_INTERFACE (RcRoomOpener, rc_room_opener, G_TYPE_OBJECT)

static void
rc_room_opener_default_init (RcRoomOpenerInterface *iface)
{
}

void
rc_room_opener_open_async (RcRoomOpener *self, const char *room_id, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_ROOM_OPENER (self) && room_id != NULL);
  RC_ROOM_OPENER_GET_IFACE (self)->open_async (self, room_id, cancellable, callback, user_data);
}

gboolean
rc_room_opener_open_finish (RcRoomOpener *self, GAsyncResult *result, char **owner_id,
                            GError **error)
{
  g_return_val_if_fail (RC_IS_ROOM_OPENER (self), FALSE);
  if (owner_id)
    *owner_id = NULL;
  return RC_ROOM_OPENER_GET_IFACE (self)->open_finish (self, result, owner_id, error);
}
