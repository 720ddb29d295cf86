/* roomcast: the GStreamer-thread half of RcMediaPeerWebrtc; see
 * media-peer-webrtc-private.h.
 *
 * Every function here may run on a GStreamer thread (webrtcbin's operation
 * thread, libnice's, a streaming thread). None touches the peer's state:
 * they count into atomics, copy what they were given into an event and post
 * it to the main context as an idle source. g_main_context_invoke() would
 * not do: it calls its function at once, in this thread, whenever this
 * thread manages to acquire the context (a loop between iterations).
 */
#include "media/media-peer-webrtc-private.h"

GST_DEBUG_CATEGORY (rc_media_peer_debug);
#define GST_CAT_DEFAULT rc_media_peer_debug

static gboolean
dispatch (gpointer data)
{
  rc_media_peer_webrtc_dispatch (data);
  return G_SOURCE_REMOVE;
}

static void
event_free (gpointer data)
{
  RcWebrtcEvent *ev = data;

  g_object_unref (ev->self);
  g_clear_pointer (&ev->reply, gst_structure_free);
  g_clear_object (&ev->task);
  g_free (ev->candidate);
  g_clear_object (&ev->pad);
  g_free (ev->message);
  g_free (ev);
}

static RcWebrtcEvent *
event_new (RcMediaPeerWebrtc *self, RcWebrtcEventKind kind)
{
  RcWebrtcEvent *ev = g_new0 (RcWebrtcEvent, 1);

  ev->self = g_object_ref (self);
  ev->kind = kind;
  return ev;
}

/* Called from any thread: an idle source always runs in the main loop.
 * High priority: what the transport reported is handled before timers that
 * became due in the same iteration (a connect timeout must not win over a
 * "connected" that arrived before it). */
static void
post (RcWebrtcEvent *ev)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_callback (source, dispatch, ev, event_free);
  g_source_set_static_name (source, "rc-media-peer-event");
  g_source_attach (source, ev->self->context);
  g_source_unref (source);
}

typedef struct {
  RcMediaPeerWebrtc *self;
  RcWebrtcEventKind kind;
  GTask *task;
  gboolean changed;
} PromiseData;

/* Any thread. A promise webrtcbin dropped unanswered (its operation was
 * still queued when it stopped) still gets its event, as "interrupted":
 * whoever waits on it (get-stats) is told instead of waiting forever. */
static void
promise_data_free (gpointer data)
{
  PromiseData *pd = data;

  if (!pd->changed) {
    RcWebrtcEvent *ev = event_new (pd->self, pd->kind);
    ev->result = GST_PROMISE_RESULT_INTERRUPTED;
    ev->task = pd->task ? g_object_ref (pd->task) : NULL;
    post (ev);
  }
  g_object_unref (pd->self);
  g_clear_object (&pd->task);
  g_free (pd);
}

/* webrtcbin's operation thread: copy the reply and hand it over. */
static void
on_promise_changed (GstPromise *promise, gpointer data)
{
  PromiseData *pd = data;
  RcWebrtcEvent *ev = event_new (pd->self, pd->kind);
  const GstStructure *reply;

  pd->changed = TRUE;
  ev->result = gst_promise_wait (promise);
  reply = ev->result == GST_PROMISE_RESULT_REPLIED ? gst_promise_get_reply (promise) : NULL;
  ev->reply = reply ? gst_structure_copy (reply) : NULL;
  ev->task = pd->task ? g_object_ref (pd->task) : NULL;
  post (ev);
}

GstPromise *
rc_media_peer_webrtc_promise_new (RcMediaPeerWebrtc *self, RcWebrtcEventKind kind, GTask *task)
{
  PromiseData *pd = g_new0 (PromiseData, 1);

  pd->self = g_object_ref (self);
  pd->kind = kind;
  pd->task = task ? g_object_ref (task) : NULL;
  return gst_promise_new_with_change_func (on_promise_changed, pd, promise_data_free);
}

GError *
rc_media_peer_webrtc_reply_error (const RcWebrtcEvent *ev, const char *what)
{
  GError *error = NULL;

  if (ev->result != GST_PROMISE_RESULT_REPLIED)
    return g_error_new (RC_MEDIA_ERROR, RC_MEDIA_ERROR_NEGOTIATION,
                        "%s: webrtcbin did not answer", what);
  if (ev->reply && gst_structure_has_field_typed (ev->reply, "error", G_TYPE_ERROR)) {
    g_autoptr (GError) inner = NULL;
    gst_structure_get (ev->reply, "error", G_TYPE_ERROR, &inner, NULL);
    error = g_error_new (RC_MEDIA_ERROR, RC_MEDIA_ERROR_NEGOTIATION, "%s: %s", what,
                         inner ? inner->message : "failed");
  }
  return error;
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer data)
{
  RcWebrtcEvent *ev = event_new (data, EV_CANDIDATE);

  ev->mline = mline;
  ev->candidate = g_strdup (candidate);
  post (ev);
}

static void
on_notify_state (GObject *webrtc, GParamSpec *pspec, gpointer data)
{
  RcWebrtcEvent *ev;
  gint value = 0;

  g_object_get (webrtc, pspec->name, &value, NULL);
  if (g_str_equal (pspec->name, "ice-gathering-state")) {
    if (value != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
      return;
    ev = event_new (data, EV_GATHERING_DONE);
  } else {
    ev = event_new (data, g_str_equal (pspec->name, "connection-state") ? EV_CONNECTION_STATE
                                                                        : EV_ICE_STATE);
  }
  ev->value = value;
  post (ev);
}

/* Streaming thread: count what the client sends; drop it until the main loop
 * has linked this pad behind the bin's src pad (and forever for a second
 * stream, which one audio transceiver should never carry), and while the
 * room leaves the bin's src pad unlinked. Before the main loop verified the
 * peer's certificate (DTLS completes, and SRTP flows, before it can), what
 * arrives is not the client's for sure: dropped uncounted. */
static GstPadProbeReturn
on_received (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  RcMediaPeerWebrtc *self = data;

  if (!g_atomic_int_get (&self->certificate_verified))
    return GST_PAD_PROBE_DROP;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    atomic_fetch_add_explicit (&self->packets_in, 1, memory_order_relaxed);
    atomic_fetch_add_explicit (&self->bytes_in,
                               gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)),
                               memory_order_relaxed);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    atomic_fetch_add_explicit (&self->packets_in, gst_buffer_list_length (list),
                               memory_order_relaxed);
    atomic_fetch_add_explicit (&self->bytes_in, gst_buffer_list_calculate_size (list),
                               memory_order_relaxed);
  }
  /* Unlinked (a listener whose audio the room ignores): drop here rather
   * than let not-linked travel back and stop webrtcbin's receiving. */
  if (g_atomic_pointer_get (&self->src_target) != pad || !gst_pad_is_linked (self->src_ghost))
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_OK;
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer data)
{
  RcWebrtcEvent *ev;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_received, data, NULL);
  ev = event_new (data, EV_SRC_PAD);
  ev->pad = gst_object_ref (pad);
  post (ev);
}

static void
on_negotiation_needed (GstElement *webrtc, gpointer data)
{
  /* The server drives the offer itself (create_offer); nothing to do. */
  GST_DEBUG_OBJECT (webrtc, "negotiation needed");
}

/* Streaming thread, after webrtcbin's block: what the transport took. */
static GstPadProbeReturn
on_sent (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  RcMediaPeerWebrtc *self = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    atomic_fetch_add_explicit (&self->packets_out, 1, memory_order_relaxed);
    atomic_fetch_add_explicit (&self->bytes_out,
                               gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)),
                               memory_order_relaxed);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    atomic_fetch_add_explicit (&self->packets_out, gst_buffer_list_length (list),
                               memory_order_relaxed);
    atomic_fetch_add_explicit (&self->bytes_out, gst_buffer_list_calculate_size (list),
                               memory_order_relaxed);
  }
  return GST_PAD_PROBE_OK;
}

static gboolean
replay_sticky (GstPad *pad, GstEvent **event, gpointer internal)
{
  if (GST_EVENT_TYPE (*event) != GST_EVENT_EOS)
    gst_pad_store_sticky_event (internal, *event);
  return TRUE;
}

/* The room's streaming thread, under the sink pad's stream lock: TRUE when
 * data may go into webrtcbin (connected). The first time after the peer
 * became connected, the sticky events the pad kept meanwhile (stream-start,
 * caps, segment) are stored on the pad's inside, which pushes them ahead of
 * the next buffer. */
static gboolean
forwarding (RcMediaPeerWebrtc *self, GstPad *pad)
{
  if (!g_atomic_int_get (&self->accepting)) {
    self->forwarding = FALSE;
    return FALSE;
  }
  if (!self->forwarding) {
    GstPad *internal = GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD (pad)));

    gst_pad_sticky_events_foreach (pad, replay_sticky, internal);
    gst_object_unref (internal);
    self->forwarding = TRUE;
  }
  return TRUE;
}

/* The room's streaming thread: the "never an error upstream, never a wait
 * on a peer that is not connected" half of the RcMediaPeer contract. */
static GstFlowReturn
sink_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  RcMediaPeerWebrtc *self = gst_pad_get_element_private (pad);
  GstFlowReturn ret;

  atomic_fetch_add_explicit (&self->packets_offered, 1, memory_order_relaxed);
  if (!forwarding (self, pad)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  ret = gst_proxy_pad_chain_default (pad, parent, buffer);
  if (ret != GST_FLOW_OK)
    GST_LOG_OBJECT (pad, "dropping: %s", gst_flow_get_name (ret));
  return GST_FLOW_OK;
}

static GstFlowReturn
sink_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  RcMediaPeerWebrtc *self = gst_pad_get_element_private (pad);

  atomic_fetch_add_explicit (&self->packets_offered, gst_buffer_list_length (list),
                             memory_order_relaxed);
  if (!forwarding (self, pad)) {
    gst_buffer_list_unref (list);
    return GST_FLOW_OK;
  }
  (void) gst_proxy_pad_chain_list_default (pad, parent, list);
  return GST_FLOW_OK;
}

/* The room's streaming thread (or any, for flushes). Until connected no
 * event reaches webrtcbin either: a serialized one would wait in its block
 * probe, a caps event for its negotiation lock. Accepting a sticky event
 * keeps it on the pad (forwarding() replays it); the others are dropped. */
static gboolean
sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  RcMediaPeerWebrtc *self = gst_pad_get_element_private (pad);
  gboolean pass;

  if (GST_EVENT_IS_SERIALIZED (event))
    pass = forwarding (self, pad);
  else
    pass = g_atomic_int_get (&self->accepting);
  if (pass)
    return gst_pad_event_default (pad, parent, event);
  GST_LOG_OBJECT (pad, "not connected: keeping %" GST_PTR_FORMAT, event);
  gst_event_unref (event);
  return TRUE;
}

/* webrtcbin's receiving thread (its jitterbuffer's), into the room. Every
 * flow return but OK pauses that jitterbuffer for good: the probe above
 * drops while the peer is unlinked, but the room may unlink it, or stop
 * the chain it feeds, between that check and the push (a mute, a seat
 * change), and the NOT_LINKED or FLUSHING that push returns would silence
 * the peer until it reconnects. What the room refuses is dropped here. */
static GstFlowReturn
room_refused (GstPad *pad, GstFlowReturn ret)
{
  if (ret != GST_FLOW_NOT_LINKED && ret != GST_FLOW_FLUSHING)
    return ret; /* a real error of the room's chain is not hidden */
  GST_LOG_OBJECT (pad, "the room is rewiring (%s): dropped", gst_flow_get_name (ret));
  return GST_FLOW_OK;
}

static GstFlowReturn
src_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  return room_refused (pad, gst_proxy_pad_chain_default (pad, parent, buffer));
}

static GstFlowReturn
src_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  return room_refused (pad, gst_proxy_pad_chain_list_default (pad, parent, list));
}

void
rc_media_peer_webrtc_watch (RcMediaPeerWebrtc *self)
{
  GstPad *received = GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD (self->src_ghost)));

  gst_pad_set_chain_function (received, src_chain);
  gst_pad_set_chain_list_function (received, src_chain_list);
  gst_object_unref (received);

  GstPad *internal = GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD (self->send_pad)));

  /* After webrtcbin's own block probe: only what the transport took. */
  gst_pad_add_probe (internal, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_sent, self, NULL);
  gst_object_unref (internal);
  gst_pad_set_element_private (self->sink_ghost, self);
  gst_pad_set_chain_function (self->sink_ghost, sink_chain);
  gst_pad_set_chain_list_function (self->sink_ghost, sink_chain_list);
  gst_pad_set_event_function (self->sink_ghost, sink_event);

  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "on-negotiation-needed", G_CALLBACK (on_negotiation_needed),
                    self);
  g_signal_connect (self->webrtc, "notify::ice-gathering-state", G_CALLBACK (on_notify_state),
                    self);
  g_signal_connect (self->webrtc, "notify::connection-state", G_CALLBACK (on_notify_state),
                    self);
  g_signal_connect (self->webrtc, "notify::ice-connection-state", G_CALLBACK (on_notify_state),
                    self);
  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (on_pad_added), self);
}

/* --- the peer's bin ------------------------------------------------------ */

#define RC_TYPE_WEBRTC_PEER_BIN (rc_webrtc_peer_bin_get_type ())
G_DECLARE_FINAL_TYPE (RcWebrtcPeerBin, rc_webrtc_peer_bin, RC, WEBRTC_PEER_BIN, GstBin)

struct _RcWebrtcPeerBin {
  GstBin parent_instance;
  GWeakRef peer; /* RcMediaPeerWebrtc */
};

G_DEFINE_FINAL_TYPE (RcWebrtcPeerBin, rc_webrtc_peer_bin, GST_TYPE_BIN)

/* The thread of the child that posted @message. An ERROR of webrtcbin or
 * of anything inside it is this peer's failure, not the room's: it stops
 * here and is handed to the main loop as an event. Like any bin, a state
 * change of this one that waits on its children then fails instead of
 * waiting on. */
static void
peer_bin_handle_message (GstBin *bin, GstMessage *message)
{
  RcWebrtcPeerBin *self = RC_WEBRTC_PEER_BIN (bin);
  g_autoptr (RcMediaPeerWebrtc) peer = NULL;
  g_autoptr (GError) error = NULL;
  RcWebrtcEvent *ev;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR) {
    GST_BIN_CLASS (rc_webrtc_peer_bin_parent_class)->handle_message (bin, message);
    return;
  }
  GST_OBJECT_LOCK (bin);
  GST_STATE_RETURN (bin) = GST_STATE_CHANGE_FAILURE;
  GST_STATE_BROADCAST (bin);
  GST_OBJECT_UNLOCK (bin);
  peer = g_weak_ref_get (&self->peer);
  if (peer != NULL) {
    gst_message_parse_error (message, &error, NULL);
    ev = event_new (peer, EV_ERROR);
    ev->message = g_strdup_printf ("%s: %s", GST_MESSAGE_SRC_NAME (message),
                                   error ? error->message : "?");
    post (ev);
  }
  gst_message_unref (message);
}

static void
rc_webrtc_peer_bin_finalize (GObject *object)
{
  g_weak_ref_clear (&RC_WEBRTC_PEER_BIN (object)->peer);
  G_OBJECT_CLASS (rc_webrtc_peer_bin_parent_class)->finalize (object);
}

static void
rc_webrtc_peer_bin_class_init (RcWebrtcPeerBinClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_webrtc_peer_bin_finalize;
  GST_BIN_CLASS (klass)->handle_message = peer_bin_handle_message;
}

static void
rc_webrtc_peer_bin_init (RcWebrtcPeerBin *self)
{
  g_weak_ref_init (&self->peer, NULL);
}

GstElement *
rc_media_peer_webrtc_bin_new (RcMediaPeerWebrtc *peer, const char *name)
{
  RcWebrtcPeerBin *bin = g_object_new (RC_TYPE_WEBRTC_PEER_BIN, "name", name, NULL);

  g_weak_ref_set (&bin->peer, peer);
  return GST_ELEMENT (bin);
}
