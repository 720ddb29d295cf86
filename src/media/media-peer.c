/* roomcast: the media peer interface; see media-peer.h. */
#include "media/media-peer.h"

G_DEFINE_INTERFACE (RcMediaPeer, rc_media_peer, G_TYPE_OBJECT)

enum { SIGNAL_LOCAL_CANDIDATE, SIGNAL_STATE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
rc_media_peer_default_init (RcMediaPeerInterface *iface)
{
  signals[SIGNAL_LOCAL_CANDIDATE] = g_signal_new ("local-candidate",
                                                  G_TYPE_FROM_INTERFACE (iface),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_INTERFACE (iface),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
}

const char *
rc_media_peer_state_to_string (RcMediaPeerState state)
{
  switch (state) {
  case RC_MEDIA_PEER_NEW:
    return "new";
  case RC_MEDIA_PEER_CONNECTING:
    return "connecting";
  case RC_MEDIA_PEER_CONNECTED:
    return "connected";
  case RC_MEDIA_PEER_FAILED:
    return "failed";
  case RC_MEDIA_PEER_CLOSED:
    return "closed";
  }
  return "unknown";
}

#define IFACE(self) RC_MEDIA_PEER_GET_IFACE (self)

gboolean
rc_media_peer_attach (RcMediaPeer *self, GstBin *bin, GError **error)
{
  g_return_val_if_fail (RC_IS_MEDIA_PEER (self) && GST_IS_BIN (bin), FALSE);
  return IFACE (self)->attach (self, bin, error);
}

GstPad *
rc_media_peer_get_sink_pad (RcMediaPeer *self)
{
  g_return_val_if_fail (RC_IS_MEDIA_PEER (self), NULL);
  return IFACE (self)->get_sink_pad (self);
}

GstPad *
rc_media_peer_get_src_pad (RcMediaPeer *self)
{
  g_return_val_if_fail (RC_IS_MEDIA_PEER (self), NULL);
  return IFACE (self)->get_src_pad (self);
}

void
rc_media_peer_create_offer_async (RcMediaPeer *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_MEDIA_PEER (self));
  IFACE (self)->create_offer_async (self, cancellable, callback, user_data);
}

char *
rc_media_peer_create_offer_finish (RcMediaPeer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_MEDIA_PEER (self), NULL);
  return IFACE (self)->create_offer_finish (self, result, error);
}

void
rc_media_peer_set_answer_async (RcMediaPeer *self, GstSDPMessage *answer,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (RC_IS_MEDIA_PEER (self) && answer != NULL);
  IFACE (self)->set_answer_async (self, answer, cancellable, callback, user_data);
}

gboolean
rc_media_peer_set_answer_finish (RcMediaPeer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (RC_IS_MEDIA_PEER (self), FALSE);
  return IFACE (self)->set_answer_finish (self, result, error);
}

void
rc_media_peer_add_remote_candidate (RcMediaPeer *self, guint mline_index, const char *candidate)
{
  g_return_if_fail (RC_IS_MEDIA_PEER (self));
  IFACE (self)->add_remote_candidate (self, mline_index, candidate);
}

RcMediaPeerState
rc_media_peer_get_state (RcMediaPeer *self)
{
  g_return_val_if_fail (RC_IS_MEDIA_PEER (self), RC_MEDIA_PEER_CLOSED);
  return IFACE (self)->get_state (self);
}

void
rc_media_peer_get_stats (RcMediaPeer *self, RcMediaPeerStats *stats)
{
  g_return_if_fail (RC_IS_MEDIA_PEER (self) && stats != NULL);
  IFACE (self)->get_stats (self, stats);
}

const char *
rc_media_peer_get_ice_state (RcMediaPeer *self)
{
  g_return_val_if_fail (RC_IS_MEDIA_PEER (self), NULL);
  return IFACE (self)->get_ice_state ? IFACE (self)->get_ice_state (self) : NULL;
}

gboolean
rc_media_peer_set_source (RcMediaPeer *self, GstPad *stream, GError **error)
{
  g_return_val_if_fail (RC_IS_MEDIA_PEER (self) && GST_IS_PAD (stream), FALSE);
  if (IFACE (self)->set_source == NULL) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE,
                 "this transport is fed through its sink pad");
    return FALSE;
  }
  return IFACE (self)->set_source (self, stream, error);
}

void
rc_media_peer_close (RcMediaPeer *self)
{
  g_return_if_fail (RC_IS_MEDIA_PEER (self));
  IFACE (self)->close (self);
}

void
rc_media_peer_emit_local_candidate (RcMediaPeer *self, guint mline_index, const char *candidate)
{
  g_signal_emit (self, signals[SIGNAL_LOCAL_CANDIDATE], 0, mline_index, candidate);
}

void
rc_media_peer_emit_state_changed (RcMediaPeer *self, RcMediaPeerState state, const char *reason)
{
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (gint) state, reason);
}
