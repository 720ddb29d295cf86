/* roomcast: what a room's pipeline tells it on its bus: the seats' levels
 * (the speaking events, with hysteresis), latency changes (re-paced
 * clocksyncs) and errors; see room-media.h. Main loop only. */
#include "media/room-media-private.h"

/* Speaking hysteresis: on above SPEAKING_ON_DB, off after SPEAKING_OFF_MS
 * below SPEAKING_OFF_DB; at most one event per SPEAKING_MIN_GAP_MS per seat
 * (4 per second). */
#define SPEAKING_ON_DB (-45.0)
#define SPEAKING_OFF_DB (-55.0)
#define SPEAKING_OFF_MS 300
#define SPEAKING_MIN_GAP_MS 250

static Peer *
peer_on_seat (RcRoomMedia *media, guint seat)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, media->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Peer *) value)->mixed && ((Peer *) value)->seat == (gint) seat)
      return value;
  return NULL;
}

/* Hysteresis and rate limit on one seat's level; see SPEAKING_*. */
static void
update_level (RcRoomMedia *media, guint seat, double db, gint64 now)
{
  SeatLevel *l = &media->levels[seat];
  Peer *p = peer_on_seat (media, seat);

  if (p == NULL)
    return;
  if (db > SPEAKING_ON_DB) {
    l->on = TRUE;
    l->quiet_since = 0;
  } else if (db < SPEAKING_OFF_DB && l->on) {
    if (l->quiet_since == 0)
      l->quiet_since = now;
    else if (now - l->quiet_since >= SPEAKING_OFF_MS)
      l->on = FALSE;
  }
  if (l->on == l->reported || now - l->last_sent < SPEAKING_MIN_GAP_MS)
    return;
  l->reported = l->on;
  l->last_sent = now;
  if (media->callbacks.speaking)
    media->callbacks.speaking (media, p->id, seat, l->on, MAX (db, -127.0), media->user_data);
}

static void
handle_levels (RcRoomMedia *media, const GstStructure *s)
{
  const GValue *rms = gst_structure_get_value (s, "rms");
  gint64 now = g_get_monotonic_time () / 1000;

  if (rms == NULL || !GST_VALUE_HOLDS_ARRAY (rms))
    return;
  for (guint i = 0; i < gst_value_array_get_size (rms) && i < media->n_seats; i++)
    update_level (media, i, g_value_get_double (gst_value_array_get_value (rms, i)), now);
}

gboolean
rc_room_media_on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  RcRoomMedia *media = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
  case GST_MESSAGE_LATENCY:
    /* Peers and seats come and go in a live pipeline. */
    gst_bin_recalculate_latency (GST_BIN (media->pipeline));
    rc_room_media_pace_clocksyncs (GST_BIN (media->pipeline));
    break;
  case GST_MESSAGE_STATE_CHANGED:
    if (GST_MESSAGE_SRC (msg) == GST_OBJECT (media->pipeline)) {
      GstState new_state;

      gst_message_parse_state_changed (msg, NULL, &new_state, NULL);
      if (new_state == GST_STATE_PLAYING)
        rc_pipeline_dump_request (media->dump, "playing");
    }
    break;
  case GST_MESSAGE_ELEMENT:
    if (GST_MESSAGE_SRC (msg) == GST_OBJECT (media->mixer) &&
        gst_message_has_name (msg, "mixminus-levels"))
      handle_levels (media, gst_message_get_structure (msg));
    break;
  case GST_MESSAGE_ERROR:
    /* Not a peer's: a peer keeps its own errors (it goes FAILED, its
     * session ends; see media-peer.h). */
    gst_message_parse_error (msg, &error, &debug);
    g_warning ("room %s: pipeline error from %s: %s (%s)", media->room_id,
               GST_MESSAGE_SRC_NAME (msg), error->message, debug ? debug : "");
    /* Now: the room is about to be torn down. */
    rc_pipeline_dump_now (media->dump, "error");
    if (media->callbacks.error)
      media->callbacks.error (media, error->message, media->user_data);
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}
