/* roomcast: a room's shared full mix handed to its peers by several
 * threads (see room-fanout.h). */
#include "media/room-fanout.h"

#include "media/media-error.h"

GST_DEBUG_CATEGORY_STATIC (rc_room_fanout_debug);
#define GST_CAT_DEFAULT rc_room_fanout_debug

typedef struct {
  guint number;
  /* Groups >= 1: their own queue and tee, straight in the pipeline (a bin
   * would put the tee's pads out of the peers' reach); NULL for group 0. */
  GstElement *queue;
  GstElement *tee; /* the tee the group's peers hang off (ref) */
  GstPad *feed;    /* group 0's tee pad feeding the queue (groups >= 1) */
  guint n_peers;
  /* Times the queue overflowed (atomic: its upstream streaming thread). */
  gsize overruns;
} Group;

struct _RcRoomFanout {
  GstBin *pipeline;
  char *room_id;
  guint group_size;
  GPtrArray *groups; /* Group*, [0] = the encoder's tee */
  guint next_number;
  guint64 dropped_by_removed;
};

static void
ensure_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (rc_room_fanout_debug, "rc-room-fanout", 0,
                             "roomcast room fan-out groups");
    g_once_init_leave (&once, 1);
  }
}

/* A full leaky queue drops its oldest packet(s) to take the new one: each
 * overrun is at least one dropped packet (one, while a thread keeps up at
 * the stream's rate but 200 ms behind). Counted here rather than as
 * in - out - level, which a packet between the queue and its src pad probe
 * makes wrong for a moment. */
static void
on_overrun (GstElement *queue, gpointer data)
{
  g_atomic_pointer_add ((gsize *) data, 1);
}

static guint64
group_dropped (Group *g)
{
  return GPOINTER_TO_SIZE (g_atomic_pointer_get (&g->overruns));
}

RcRoomFanout *
rc_room_fanout_new (GstBin *pipeline, GstElement *tee, guint group_size, const char *room_id)
{
  RcRoomFanout *fanout;
  Group *first;

  g_return_val_if_fail (GST_IS_BIN (pipeline) && GST_IS_ELEMENT (tee), NULL);
  g_return_val_if_fail (group_size >= 1, NULL);
  ensure_debug ();
  fanout = g_new0 (RcRoomFanout, 1);
  fanout->pipeline = pipeline;
  fanout->room_id = g_strdup (room_id);
  fanout->group_size = group_size;
  fanout->groups = g_ptr_array_new ();
  first = g_new0 (Group, 1);
  first->tee = gst_object_ref (tee);
  g_ptr_array_add (fanout->groups, first);
  return fanout;
}

static void
drop (GstBin *pipeline, GstElement *element)
{
  gst_element_set_locked_state (element, TRUE);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_bin_remove (pipeline, element);
}

/* Unlinked from group 0 first (its tee sees not-linked, which it allows),
 * then stopped (a buffer in flight completes or flushes) and removed. Also
 * undoes an add_group() that failed half-way. */
static void
remove_group (RcRoomFanout *fanout, Group *g)
{
  Group *first = g_ptr_array_index (fanout->groups, 0);

  fanout->dropped_by_removed += group_dropped (g);
  if (g->feed != NULL) {
    g_autoptr (GstPad) sink = gst_element_get_static_pad (g->queue, "sink");

    gst_pad_unlink (g->feed, sink);
    gst_element_release_request_pad (first->tee, g->feed);
    g_clear_object (&g->feed);
  }
  if (g->queue != NULL) {
    g_signal_handlers_disconnect_by_data (g->queue, &g->overruns);
    drop (fanout->pipeline, g->queue);
  }
  if (g->tee != NULL) {
    drop (fanout->pipeline, g->tee);
    gst_object_unref (g->tee);
  }
  if (g_ptr_array_remove (fanout->groups, g))
    GST_INFO ("room %s: fan-out group %u removed", fanout->room_id, g->number);
  g_free (g);
}

/* queue ! tee in the running pipeline, fed from a pad of group 0's tee;
 * linked and playing before the feed pad is linked, so the first buffer
 * finds a running chain. */
static Group *
add_group (RcRoomFanout *fanout, GError **error)
{
  Group *first = g_ptr_array_index (fanout->groups, 0);
  Group *g = g_new0 (Group, 1);
  g_autofree char *queue_name = NULL;
  g_autofree char *tee_name = NULL;
  g_autoptr (GstPad) sink = NULL;

  g->number = ++fanout->next_number;
  queue_name = g_strdup_printf ("fanout%u-queue", g->number);
  tee_name = g_strdup_printf ("fanout%u-tee", g->number);
  g->queue = rc_media_bin_add_new (fanout->pipeline, "queue", queue_name, error);
  if (g->queue == NULL)
    goto failed;
  g->tee = rc_media_bin_add_new (fanout->pipeline, "tee", tee_name, error);
  if (g->tee == NULL)
    goto failed;
  gst_object_ref (g->tee);
  g_object_set (g->queue, "leaky", 2 /* downstream */, "max-size-time", 200 * GST_MSECOND,
                "max-size-buffers", 0, "max-size-bytes", 0, NULL);
  g_object_set (g->tee, "allow-not-linked", TRUE, NULL);
  g_signal_connect (g->queue, "overrun", G_CALLBACK (on_overrun), &g->overruns);
  sink = gst_element_get_static_pad (g->queue, "sink");
  if (!rc_media_link_elements (g->queue, g->tee, error) ||
      !rc_media_sync_state (g->tee, error) || !rc_media_sync_state (g->queue, error) ||
      (g->feed = rc_media_request_pad (first->tee, "src_%u", error)) == NULL ||
      !rc_media_link_pads (g->feed, sink, error))
    goto failed;
  g_ptr_array_add (fanout->groups, g);
  GST_INFO ("room %s: fan-out group %u added (%u groups)", fanout->room_id, g->number,
            fanout->groups->len);
  return g;

failed:
  remove_group (fanout, g);
  return NULL;
}

GstPad *
rc_room_fanout_request_pad (RcRoomFanout *fanout, GError **error)
{
  Group *best = NULL;
  GstPad *pad;

  g_return_val_if_fail (fanout != NULL, NULL);
  for (guint i = 0; i < fanout->groups->len; i++) {
    Group *g = g_ptr_array_index (fanout->groups, i);

    if (g->n_peers < fanout->group_size && (best == NULL || g->n_peers < best->n_peers))
      best = g;
  }
  if (best == NULL && (best = add_group (fanout, error)) == NULL)
    return NULL;
  pad = rc_media_request_pad (best->tee, "src_%u", error);
  if (pad == NULL) {
    if (best->n_peers == 0 && best != g_ptr_array_index (fanout->groups, 0))
      remove_group (fanout, best); /* just added for this peer */
    return NULL;
  }
  best->n_peers++;
  return pad;
}

void
rc_room_fanout_release_pad (RcRoomFanout *fanout, GstPad *pad)
{
  g_autoptr (GstObject) parent = NULL;

  g_return_if_fail (fanout != NULL && GST_IS_PAD (pad));
  parent = gst_pad_get_parent (pad);
  for (guint i = 0; i < fanout->groups->len; i++) {
    Group *g = g_ptr_array_index (fanout->groups, i);

    if (parent != GST_OBJECT (g->tee))
      continue;
    gst_element_release_request_pad (g->tee, pad);
    g->n_peers--;
    if (i > 0 && g->n_peers == 0)
      remove_group (fanout, g);
    return;
  }
  g_return_if_reached ();
}

guint
rc_room_fanout_get_n_groups (RcRoomFanout *fanout)
{
  return fanout->groups->len;
}

guint64
rc_room_fanout_get_dropped (RcRoomFanout *fanout)
{
  guint64 dropped = fanout->dropped_by_removed;

  for (guint i = 1; i < fanout->groups->len; i++)
    dropped += group_dropped (g_ptr_array_index (fanout->groups, i));
  return dropped;
}

void
rc_room_fanout_free (RcRoomFanout *fanout)
{
  if (fanout == NULL)
    return;
  while (fanout->groups->len > 1)
    remove_group (fanout, g_ptr_array_index (fanout->groups, fanout->groups->len - 1));
  gst_object_unref (((Group *) g_ptr_array_index (fanout->groups, 0))->tee);
  g_free (g_ptr_array_index (fanout->groups, 0));
  g_ptr_array_unref (fanout->groups);
  g_free (fanout->room_id);
  g_free (fanout);
}
