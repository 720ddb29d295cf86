/* roomcast: the room's shared mix encoded only while someone is on it
 * (see room-media-private.h).
 *
 * In a room of speakers only every peer hears its own mix-minus, and the
 * shared mix's encoder (~5 % of a five-speaker room's CPU with the
 * CELT-only encoders, docs/performance.md) would encode for nobody. A probe
 * on the mixer's full-mix pad drops its periods while no peer is on the
 * shared mix (a listener, a peer not yet routed, a speaker without its own
 * mix-minus) and no recording is attached; rc_room_media_gate_update(), on
 * the main loop after every change of who is on it, flips one atomic flag
 * the probe reads. Nobody hears the gap: only a peer that was not on the
 * shared mix can be on it when it resumes (a new peer's first packet starts
 * its timeline; a speaker back from its own mix-minus is rebased by
 * icelitesink as at any switch, or numbered on by its own payloader behind
 * its input-selector), and the encoder's timestamps simply jump over the
 * periods it did not see. The flags a bench once raised against this gate
 * were the load generator's meter reading coding noise (docs/performance.md,
 * "A speaker hearing its own tone").
 */
#include "media/room-media-private.h"

GST_DEBUG_CATEGORY_STATIC (rc_room_media_gate_debug);
#define GST_CAT_DEFAULT rc_room_media_gate_debug

/* The mixer's streaming thread, on its full-mix pad (in front of the
 * shared encoder's queue): only buffers are dropped, events (caps,
 * segment, EOS) still pass. */
static GstPadProbeReturn
on_mix_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  RcRoomMedia *media = data;

  return g_atomic_int_get (&media->shared_wanted) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

void
rc_room_media_gate_install (RcRoomMedia *media, GstElement *mixer)
{
  g_autoptr (GstPad) mix = gst_element_get_static_pad (mixer, "mix");
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (rc_room_media_gate_debug, "rc-room-media-gate", 0,
                             "roomcast: the shared mix's encoder gate");
    g_once_init_leave (&once, 1);
  }
  gst_pad_add_probe (mix, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_mix_buffer, media, NULL);
}

void
rc_room_media_gate_update (RcRoomMedia *media)
{
  gboolean wanted = g_hash_table_size (media->mix_sinks) > 0;
  GHashTableIter iter;
  gpointer value;

  /* On the shared mix: every peer without its own mix-minus (a listener,
   * a peer not yet routed, a speaker going back to the shared mix), and
   * every recording. */
  g_hash_table_iter_init (&iter, media->peers);
  while (!wanted && g_hash_table_iter_next (&iter, NULL, &value))
    wanted = ((Peer *) value)->own_bin == NULL;
  if (g_atomic_int_get (&media->shared_wanted) == wanted)
    return;
  g_atomic_int_set (&media->shared_wanted, wanted);
  GST_INFO ("room %s: shared mix encoder %s", media->room_id, wanted ? "on" : "off");
}
