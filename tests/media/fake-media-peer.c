/* roomcast tests: a transport with no network; see fake-media-peer.h. */
#include "fake-media-peer.h"

struct _RcFakeMediaPeer {
  GObject parent_instance;
  GstElement *bin; /* ref */
  GstPad *sink_ghost, *src_ghost;
  GstBin *parent;  /* ref, while attached */
  RcMediaPeerState state;
  gsize received;  /* buffers that reached the fakesink (atomic) */
};

static void peer_iface_init (RcMediaPeerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcFakeMediaPeer, rc_fake_media_peer, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_MEDIA_PEER, peer_iface_init))

/* The room's streaming thread. */
static GstPadProbeReturn
on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  g_atomic_pointer_add (&((RcFakeMediaPeer *) data)->received, 1);
  return GST_PAD_PROBE_OK;
}

RcMediaPeer *
rc_fake_media_peer_new (const char *name)
{
  RcFakeMediaPeer *self = g_object_new (RC_TYPE_FAKE_MEDIA_PEER, NULL);
  g_autofree char *sink_name = g_strdup_printf ("%s-sink", name);
  GstElement *sink = gst_element_factory_make ("fakesink", sink_name);
  g_autoptr (GstPad) target = NULL;

  g_assert_nonnull (sink);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  self->bin = gst_object_ref_sink (gst_bin_new (name));
  g_assert_true (gst_bin_add (GST_BIN (self->bin), sink));
  target = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (target, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, self, NULL);
  self->sink_ghost = gst_ghost_pad_new ("sink", target);
  self->src_ghost = gst_ghost_pad_new_no_target ("src", GST_PAD_SRC);
  gst_element_add_pad (self->bin, self->sink_ghost);
  gst_element_add_pad (self->bin, self->src_ghost);
  return RC_MEDIA_PEER (self);
}

static RcMediaPeer *
new_peer (const char *name, gpointer names, GError **error)
{
  if (names != NULL)
    g_ptr_array_add (names, g_strdup (name));
  return rc_fake_media_peer_new (name);
}

RcMediaPeerFactory
rc_fake_media_peer_factory (GPtrArray *names)
{
  return (RcMediaPeerFactory) { .new_peer = new_peer, .data = names };
}

static void
set_state (RcFakeMediaPeer *self, RcMediaPeerState state)
{
  if (self->state == state)
    return;
  self->state = state;
  rc_media_peer_emit_state_changed (RC_MEDIA_PEER (self), state, NULL);
}

static gboolean
peer_attach (RcMediaPeer *peer, GstBin *bin, GError **error)
{
  RcFakeMediaPeer *self = RC_FAKE_MEDIA_PEER (peer);

  if (self->parent != NULL || self->state == RC_MEDIA_PEER_CLOSED) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE, "attached or closed");
    return FALSE;
  }
  if (!gst_bin_add (bin, self->bin)) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK, "cannot join %s",
                 GST_OBJECT_NAME (bin));
    return FALSE;
  }
  self->parent = gst_object_ref (bin);
  gst_element_sync_state_with_parent (self->bin);
  return TRUE;
}

static GstPad *
peer_get_sink_pad (RcMediaPeer *peer)
{
  return RC_FAKE_MEDIA_PEER (peer)->sink_ghost;
}

static GstPad *
peer_get_src_pad (RcMediaPeer *peer)
{
  return RC_FAKE_MEDIA_PEER (peer)->src_ghost;
}

static void
peer_create_offer_async (RcMediaPeer *peer, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_task_report_new_error (peer, callback, user_data, peer_create_offer_async, RC_MEDIA_ERROR,
                           RC_MEDIA_ERROR_STATE, "a fake peer makes no offer");
}

static char *
peer_create_offer_finish (RcMediaPeer *peer, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
peer_set_answer_async (RcMediaPeer *peer, GstSDPMessage *answer, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  gst_sdp_message_free (answer);
  g_task_report_new_error (peer, callback, user_data, peer_set_answer_async, RC_MEDIA_ERROR,
                           RC_MEDIA_ERROR_STATE, "a fake peer takes no answer");
}

static gboolean
peer_set_answer_finish (RcMediaPeer *peer, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
peer_add_remote_candidate (RcMediaPeer *peer, guint mline_index, const char *candidate)
{
}

static RcMediaPeerState
peer_get_state (RcMediaPeer *peer)
{
  return RC_FAKE_MEDIA_PEER (peer)->state;
}

static void
peer_get_stats (RcMediaPeer *peer, RcMediaPeerStats *stats)
{
  guint64 received = GPOINTER_TO_SIZE (g_atomic_pointer_get (&RC_FAKE_MEDIA_PEER (peer)->received));

  *stats = (RcMediaPeerStats) { .packets_offered = received, .packets_out = received };
}

static void
unlink_ghost (GstPad *pad)
{
  g_autoptr (GstPad) other = gst_pad_get_peer (pad);

  if (other == NULL)
    return;
  if (GST_PAD_IS_SRC (pad))
    gst_pad_unlink (pad, other);
  else
    gst_pad_unlink (other, pad);
}

/* As the contract says: unlinked, stopped, out of the pipeline. */
static void
peer_close (RcMediaPeer *peer)
{
  RcFakeMediaPeer *self = RC_FAKE_MEDIA_PEER (peer);

  if (self->state == RC_MEDIA_PEER_CLOSED)
    return;
  unlink_ghost (self->sink_ghost);
  unlink_ghost (self->src_ghost);
  gst_element_set_locked_state (self->bin, TRUE);
  gst_element_set_state (self->bin, GST_STATE_NULL);
  if (self->parent != NULL) {
    gst_bin_remove (self->parent, self->bin);
    g_clear_object (&self->parent);
  }
  set_state (self, RC_MEDIA_PEER_CLOSED);
}

static void
peer_iface_init (RcMediaPeerInterface *iface)
{
  iface->attach = peer_attach;
  iface->get_sink_pad = peer_get_sink_pad;
  iface->get_src_pad = peer_get_src_pad;
  iface->create_offer_async = peer_create_offer_async;
  iface->create_offer_finish = peer_create_offer_finish;
  iface->set_answer_async = peer_set_answer_async;
  iface->set_answer_finish = peer_set_answer_finish;
  iface->add_remote_candidate = peer_add_remote_candidate;
  iface->get_state = peer_get_state;
  iface->get_stats = peer_get_stats;
  iface->close = peer_close;
}

static void
rc_fake_media_peer_dispose (GObject *object)
{
  RcFakeMediaPeer *self = RC_FAKE_MEDIA_PEER (object);

  if (self->bin != NULL)
    peer_close (RC_MEDIA_PEER (self));
  g_clear_object (&self->bin);
  G_OBJECT_CLASS (rc_fake_media_peer_parent_class)->dispose (object);
}

static void
rc_fake_media_peer_class_init (RcFakeMediaPeerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_fake_media_peer_dispose;
}

static void
rc_fake_media_peer_init (RcFakeMediaPeer *self)
{
}
