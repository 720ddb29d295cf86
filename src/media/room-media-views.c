/* roomcast: what the admin API, the metrics and the tests read of a room's
 * pipeline (counts, packets, each peer's state); see room-media.h. */
#include "media/room-media-private.h"

guint
rc_room_media_get_n_peers (RcRoomMedia *media)
{
  return g_hash_table_size (media->peers);
}

guint
rc_room_media_get_n_speakers (RcRoomMedia *media)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, media->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((Peer *) value)->in_bin != NULL;
  return n;
}

guint
rc_room_media_get_n_encoders (RcRoomMedia *media)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 1; /* the shared full mix */

  g_hash_table_iter_init (&iter, media->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((Peer *) value)->own_bin != NULL;
  return n;
}

guint
rc_room_media_get_n_fanout_groups (RcRoomMedia *media)
{
  return rc_room_fanout_get_n_groups (media->fanout);
}

guint64
rc_room_media_get_fanout_dropped (RcRoomMedia *media)
{
  return rc_room_fanout_get_dropped (media->fanout);
}

void
rc_room_media_get_packets (RcRoomMedia *media, guint64 *packets_in, guint64 *packets_out,
                           guint64 *packets_offered)
{
  GHashTableIter iter;
  gpointer value;

  *packets_in = media->removed_in;
  *packets_out = media->removed_out;
  *packets_offered = media->removed_offered;
  g_hash_table_iter_init (&iter, media->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    RcMediaPeerStats stats;

    rc_media_peer_get_stats (((Peer *) value)->peer, &stats);
    *packets_in += stats.packets_in;
    *packets_out += stats.packets_out;
    *packets_offered += stats.packets_offered;
    if (((Peer *) value)->sender != NULL) {
      rc_media_peer_get_stats (((Peer *) value)->sender, &stats);
      *packets_in += stats.packets_in;
    }
  }
}

static gint
compare_peer_number (gconstpointer a, gconstpointer b)
{
  guint na = (*(Peer *const *) a)->number, nb = (*(Peer *const *) b)->number;

  return na < nb ? -1 : na > nb;
}

void
rc_room_media_foreach_peer (RcRoomMedia *media, RcRoomMediaPeerFunc func, gpointer user_data)
{
  g_autoptr (GPtrArray) peers = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, media->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (peers, value);
  g_ptr_array_sort (peers, compare_peer_number);
  for (guint i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);
    RcRoomMediaPeerInfo info = {
      .id = p->id,
      .user_id = p->user_id,
      .name = p->name,
      .peer = p->peer,
      .sender = p->sender,
      .seat = p->seat,
      .mixed = p->in_bin != NULL,
      .own_mix = p->own_bin != NULL,
      .speaking = p->mixed && p->seat >= 0 && media->levels[p->seat].reported,
    };

    func (&info, user_data);
  }
}

const char *
rc_room_media_get_room_id (RcRoomMedia *media)
{
  return media->room_id;
}

GstElement *
rc_room_media_get_pipeline (RcRoomMedia *media)
{
  return media->pipeline;
}
