/* roomcast: RcMediaPeer over webrtcbin; see media-peer-webrtc.h.
 *
 * GStreamer 1.22.0 facts this file is built around:
 *  - webrtcbin blocks a requested sink pad until negotiation completes, and
 *    its transport blocks RTP until the DTLS keys are set. The bin's sink
 *    pad therefore passes nothing (no buffer, no event) into webrtcbin
 *    until the peer is connected (ICE and DTLS up, which comes after both
 *    blocks are gone) and again nothing once it is no longer connected:
 *    buffers are dropped, sticky events kept on the sink pad and replayed
 *    when data flows again. Once connected, webrtcbin's send path (rtpbin,
 *    SRTP, nicesink on non-blocking UDP sockets) does not wait, so the
 *    room's thread pushes straight through it: no queue and no thread per
 *    peer (a per-peer queue cost a thread hand-off per packet and peer,
 *    about a fifth of a listener's CPU; see docs/performance.md). The sink
 *    pad also maps any flow error to OK, so a dead peer cannot stop a
 *    shared tee (tee treats every error but not-linked as fatal for all its
 *    branches).
 *  - releasing a webrtcbin pad before data flowed can deadlock (fixed in
 *    1.22.3): we never release webrtcbin pads. Teardown unlinks the bin's
 *    two pads, locks its state and removes it from the pipeline on the
 *    main loop (all quick), then sets the bin to NULL (which flushes, so a
 *    push in flight returns, then joins webrtcbin's threads) on a teardown
 *    thread: joining a webrtcbin whose operation queue is long (a client
 *    that sent thousands of candidates) took webrtcbin ~75 s, and the main
 *    loop must never wait for that. rc_media_peer_webrtc_wait_torn_down()
 *    waits for that thread at shutdown.
 *  - g_main_context_invoke() runs its function at once, in the calling
 *    thread, when that thread can acquire the context, which a GStreamer
 *    thread can while the main loop sits between iterations. Results are
 *    therefore posted as idle sources, which always run in the main loop.
 *  - webrtcbin drops a request made after it stopped without replying to
 *    its promise, so close() completes pending operations itself.
 *  - nothing in webrtcbin or the dtls elements compares the peer's DTLS
 *    certificate with the answer's a=fingerprint (dtls-fingerprint.h): the
 *    peer does at "connected" and fails with "dtls_failed" on a mismatch;
 *    until it matched, the sink pad sends nothing and the src probe drops.
 */
#include "media/media-peer-webrtc-private.h"
#include "media/dtls-fingerprint.h"
#include "media/media-sdp.h"

#include <string.h>

#define GST_CAT_DEFAULT rc_media_peer_debug

static void peer_iface_init (RcMediaPeerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcMediaPeerWebrtc, rc_media_peer_webrtc, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_MEDIA_PEER, peer_iface_init))

/* --- main loop: state ----------------------------------------------------- */

static void
set_state (RcMediaPeerWebrtc *self, RcMediaPeerState state, const char *reason)
{
  if (self->state == state || self->state == RC_MEDIA_PEER_CLOSED)
    return;
  /* FAILED is final until close(). */
  if (self->state == RC_MEDIA_PEER_FAILED && state != RC_MEDIA_PEER_CLOSED)
    return;
  GST_INFO_OBJECT (self->bin, "state %s -> %s%s%s", rc_media_peer_state_to_string (self->state),
                   rc_media_peer_state_to_string (state), reason ? ": " : "",
                   reason ? reason : "");
  self->state = state;
  rc_media_peer_emit_state_changed (RC_MEDIA_PEER (self), state, reason);
}

static void
finish_task (GTask **task, GError *error)
{
  g_autoptr (GTask) t = g_steal_pointer (task);

  if (t)
    g_task_return_error (t, error);
  else
    g_error_free (error);
}

static void
on_offer_created (RcMediaPeerWebrtc *self, RcWebrtcEvent *ev)
{
  GstWebRTCSessionDescription *offer = NULL;
  GError *error = rc_media_peer_webrtc_reply_error (ev, "create-offer");
  GstPromise *promise;

  if (error == NULL && ev->reply)
    gst_structure_get (ev->reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  if (error == NULL && offer == NULL)
    error = g_error_new (RC_MEDIA_ERROR, RC_MEDIA_ERROR_NEGOTIATION,
                         "create-offer: no offer in the reply");
  if (error) {
    finish_task (&self->offer_task, error);
    return;
  }
  g_free (self->offer_text);
  self->offer_text = gst_sdp_message_as_text (offer->sdp);
  GST_DEBUG_OBJECT (self->bin, "offer:\n%s", self->offer_text);
  promise = rc_media_peer_webrtc_promise_new (self, EV_LOCAL_SET, NULL);
  g_signal_emit_by_name (self->webrtc, "set-local-description", offer, promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (offer);
}

static void
on_local_set (RcMediaPeerWebrtc *self, RcWebrtcEvent *ev)
{
  GError *error = rc_media_peer_webrtc_reply_error (ev, "set-local-description");
  g_autoptr (GTask) task = g_steal_pointer (&self->offer_task);

  if (error) {
    g_task_return_error (task, error);
    return;
  }
  self->offered = TRUE;
  g_task_return_pointer (task, g_steal_pointer (&self->offer_text), g_free);
}

static void
on_remote_set (RcMediaPeerWebrtc *self, RcWebrtcEvent *ev)
{
  GError *error = rc_media_peer_webrtc_reply_error (ev, "set-remote-description");
  g_autoptr (GTask) task = g_steal_pointer (&self->answer_task);

  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_candidate (RcMediaPeerWebrtc *self, RcWebrtcEvent *ev)
{
  const char *line = ev->candidate;
  g_auto (RcMediaCandidate) parsed = { 0 };
  g_autofree char *rewritten = NULL;

  if (line == NULL || *line == '\0')
    return;
  if (g_str_has_prefix (line, "a="))
    line += 2;
  if (self->config->rtc_announced_ip && rc_media_candidate_parse (line, &parsed, NULL))
    line = rewritten = rc_media_candidate_rewrite_host (line, self->config->rtc_announced_ip);
  GST_DEBUG_OBJECT (self->bin, "local candidate %u: %s", ev->mline, line);
  rc_media_peer_emit_local_candidate (RC_MEDIA_PEER (self), ev->mline, line);
}

/* Whether the certificate the peer showed in the DTLS handshake is the one
 * its answer names; sets certificate_verified. Called once DTLS is up, when
 * webrtcbin's transport has the certificate. */
static gboolean
verify_certificate (RcMediaPeerWebrtc *self)
{
  g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;
  g_autoptr (GstWebRTCRTPSender) sender = NULL;
  g_autoptr (GstWebRTCDTLSTransport) transport = NULL;
  g_autofree char *pem = NULL;
  gboolean ok;

  g_object_get (self->send_pad, "transceiver", &trans, NULL);
  if (trans)
    g_object_get (trans, "sender", &sender, NULL);
  if (sender)
    g_object_get (sender, "transport", &transport, NULL);
  if (transport)
    g_object_get (transport, "remote-certificate", &pem, NULL);
  ok = pem &&
       rc_dtls_certificate_matches (pem, (const char *const *) self->remote_fingerprints);
  g_atomic_int_set (&self->certificate_verified, ok);
  if (!ok)
    GST_WARNING_OBJECT (self->bin, "DTLS: %s",
                        pem ? "not the certificate of the a=fingerprint"
                            : "no certificate from the peer");
  return ok;
}

static void
on_connection_state (RcMediaPeerWebrtc *self, gint value)
{
  gboolean connected = value == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;

  if (connected && !verify_certificate (self)) {
    g_atomic_int_set (&self->accepting, FALSE);
    set_state (self, RC_MEDIA_PEER_FAILED, "dtls_failed");
    return;
  }
  /* ICE and DTLS up, the peer the answer names: from now on the sink pad
   * passes audio to webrtcbin; in any other state it drops it. */
  g_atomic_int_set (&self->accepting, connected);
  switch (value) {
  case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
    set_state (self, RC_MEDIA_PEER_CONNECTED, NULL);
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED:
    if (self->state == RC_MEDIA_PEER_CONNECTED)
      set_state (self, RC_MEDIA_PEER_CONNECTING, NULL);
    break;
  case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
    set_state (self, RC_MEDIA_PEER_FAILED,
               self->ice_state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED ? "ice_failed"
                                                                         : "dtls_failed");
    break;
  default:
    break;
  }
}

static void
on_src_pad (RcMediaPeerWebrtc *self, GstPad *pad)
{
  if (self->src_target != NULL) {
    GST_WARNING_OBJECT (self->bin, "ignoring a second incoming stream on %" GST_PTR_FORMAT,
                        pad);
    return;
  }
  if (!gst_ghost_pad_set_target (GST_GHOST_PAD (self->src_ghost), pad)) {
    GST_WARNING_OBJECT (self->bin, "cannot expose %" GST_PTR_FORMAT, pad);
    return;
  }
  g_atomic_pointer_set (&self->src_target, gst_object_ref (pad));
  GST_DEBUG_OBJECT (self->bin, "receiving on %" GST_PTR_FORMAT, pad);
}

void
rc_media_peer_webrtc_dispatch (RcWebrtcEvent *ev)
{
  RcMediaPeerWebrtc *self = ev->self;

  if (ev->kind == EV_STATS) {
    GError *error = rc_media_peer_webrtc_reply_error (ev, "get-stats");
    if (error)
      g_task_return_error (ev->task, error);
    else
      g_task_return_pointer (ev->task,
                             ev->reply ? gst_structure_copy (ev->reply)
                                       : gst_structure_new_empty ("stats"),
                             (GDestroyNotify) gst_structure_free);
    return;
  }
  if (self->closed)
    return; /* close() already completed the tasks */

  switch (ev->kind) {
  case EV_OFFER_CREATED:
    on_offer_created (self, ev);
    break;
  case EV_LOCAL_SET:
    on_local_set (self, ev);
    break;
  case EV_REMOTE_SET:
    on_remote_set (self, ev);
    break;
  case EV_CANDIDATE:
    on_candidate (self, ev);
    break;
  case EV_GATHERING_DONE:
    if (!self->gathering_done) {
      self->gathering_done = TRUE;
      rc_media_peer_emit_local_candidate (RC_MEDIA_PEER (self), 0, NULL);
    }
    break;
  case EV_CONNECTION_STATE:
    on_connection_state (self, ev->value);
    break;
  case EV_ICE_STATE:
    self->ice_state = ev->value;
    if (ev->value == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED)
      set_state (self, RC_MEDIA_PEER_FAILED, "ice_failed");
    break;
  case EV_SRC_PAD:
    on_src_pad (self, ev->pad);
    break;
  case EV_ERROR:
    GST_WARNING_OBJECT (self->bin, "transport error from %s", ev->message);
    set_state (self, RC_MEDIA_PEER_FAILED, "transport_error");
    break;
  case EV_STATS:
    break;
  }
}

static RcMediaPeer *
new_webrtc (const RcConfig *config, const char *name, gboolean receive_only, GError **error)
{
  g_autoptr (RcMediaPeerWebrtc) self = NULL;

  g_return_val_if_fail (config != NULL && name != NULL, NULL);
  self = g_object_new (RC_TYPE_MEDIA_PEER_WEBRTC, NULL);
  self->config = config;
  self->name = g_strdup (name);
  self->receive_only = receive_only;
  self->context = g_main_context_ref_thread_default ();
  if (!rc_media_peer_webrtc_build_bin (self, error))
    return NULL;
  return RC_MEDIA_PEER (g_steal_pointer (&self));
}

RcMediaPeer *
rc_media_peer_webrtc_new (const RcConfig *config, const char *name, GError **error)
{
  return new_webrtc (config, name, FALSE, error);
}

static RcMediaPeer *
new_peer (const char *name, gpointer config, GError **error)
{
  return new_webrtc (config, name, FALSE, error);
}

static RcMediaPeer *
new_receiver (const char *name, gpointer config, GError **error)
{
  return new_webrtc (config, name, TRUE, error);
}

RcMediaPeerFactory
rc_media_peer_webrtc_factory (const RcConfig *config)
{
  g_return_val_if_fail (config != NULL, (RcMediaPeerFactory){ 0 });
  return (RcMediaPeerFactory){ .new_peer = new_peer, .data = (gpointer) config };
}

RcMediaPeerFactory
rc_media_peer_webrtc_send_factory (const RcConfig *config)
{
  g_return_val_if_fail (config != NULL, (RcMediaPeerFactory){ 0 });
  return (RcMediaPeerFactory){ .new_peer = new_receiver, .data = (gpointer) config };
}

/* --- RcMediaPeer ------------------------------------------------------------ */

static gboolean
peer_attach (RcMediaPeer *peer, GstBin *bin, GError **error)
{
  RcMediaPeerWebrtc *self = RC_MEDIA_PEER_WEBRTC (peer);

  if (self->parent || self->closed) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE,
                 "peer %s is already attached or closed", self->name);
    return FALSE;
  }
  if (!gst_bin_add (bin, self->bin)) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK,
                 "cannot add peer %s to %s (name taken?)", self->name, GST_OBJECT_NAME (bin));
    return FALSE;
  }
  self->parent = gst_object_ref (bin);
  if (!gst_element_sync_state_with_parent (self->bin)) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE, "peer %s cannot start",
                 self->name);
    return FALSE;
  }
  return TRUE;
}

static GstPad *
peer_get_sink_pad (RcMediaPeer *peer)
{
  return RC_MEDIA_PEER_WEBRTC (peer)->sink_ghost;
}

static GstPad *
peer_get_src_pad (RcMediaPeer *peer)
{
  return RC_MEDIA_PEER_WEBRTC (peer)->src_ghost;
}

/* Checks common to the operations: FALSE (with @task failed) when the peer
 * is closed, not attached, or already running the same operation. */
static gboolean
check_usable (RcMediaPeerWebrtc *self, GTask *task, GTask *pending)
{
  if (self->closed) {
    g_task_return_new_error (task, RC_MEDIA_ERROR, RC_MEDIA_ERROR_CLOSED, "peer %s is closed",
                             self->name);
    return FALSE;
  }
  if (self->parent == NULL || pending != NULL) {
    g_task_return_new_error (task, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE, "peer %s is %s",
                             self->name,
                             self->parent ? "busy with the same operation" : "not attached");
    return FALSE;
  }
  return TRUE;
}

static void
peer_create_offer_async (RcMediaPeer *peer, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  RcMediaPeerWebrtc *self = RC_MEDIA_PEER_WEBRTC (peer);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GstPromise *promise;

  g_task_set_source_tag (task, peer_create_offer_async);
  if (!check_usable (self, task, self->offer_task))
    return;
  self->offer_task = g_steal_pointer (&task);
  promise = rc_media_peer_webrtc_promise_new (self, EV_OFFER_CREATED, NULL);
  g_signal_emit_by_name (self->webrtc, "create-offer", NULL, promise);
  gst_promise_unref (promise);
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
  RcMediaPeerWebrtc *self = RC_MEDIA_PEER_WEBRTC (peer);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  g_task_set_source_tag (task, peer_set_answer_async);
  if (!check_usable (self, task, self->answer_task)) {
    gst_sdp_message_free (answer);
    return;
  }
  if (!self->offered) {
    g_task_return_new_error (task, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE,
                             "peer %s has made no offer yet", self->name);
    gst_sdp_message_free (answer);
    return;
  }
  self->answer_task = g_steal_pointer (&task);
  g_strfreev (self->remote_fingerprints);
  self->remote_fingerprints = rc_dtls_fingerprints_of (answer, 0);
  /* A new answer is a new DTLS peer: checked again before anything flows. */
  g_atomic_int_set (&self->certificate_verified, FALSE);
  set_state (self, RC_MEDIA_PEER_CONNECTING, NULL);
  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, answer);
  promise = rc_media_peer_webrtc_promise_new (self, EV_REMOTE_SET, NULL);
  g_signal_emit_by_name (self->webrtc, "set-remote-description", desc, promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (desc);
}

static gboolean
peer_set_answer_finish (RcMediaPeer *peer, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
peer_add_remote_candidate (RcMediaPeer *peer, guint mline_index, const char *candidate)
{
  RcMediaPeerWebrtc *self = RC_MEDIA_PEER_WEBRTC (peer);

  if (self->closed)
    return;
  /* NULL: end of candidates (libnice's peer-candidate-gathering-done). */
  g_signal_emit_by_name (self->webrtc, "add-ice-candidate", mline_index, candidate);
}

static RcMediaPeerState
peer_get_state (RcMediaPeer *peer)
{
  return RC_MEDIA_PEER_WEBRTC (peer)->state;
}

static void
peer_get_stats (RcMediaPeer *peer, RcMediaPeerStats *stats)
{
  RcMediaPeerWebrtc *self = RC_MEDIA_PEER_WEBRTC (peer);

  stats->packets_offered = atomic_load_explicit (&self->packets_offered, memory_order_relaxed);
  stats->packets_out = atomic_load_explicit (&self->packets_out, memory_order_relaxed);
  stats->bytes_out = atomic_load_explicit (&self->bytes_out, memory_order_relaxed);
  stats->packets_in = atomic_load_explicit (&self->packets_in, memory_order_relaxed);
  stats->bytes_in = atomic_load_explicit (&self->bytes_in, memory_order_relaxed);
}

/* Also on a peer whose construction failed before it had its pads. */
/* webrtcbin's enum nicks are the W3C names. */
static const char *
peer_get_ice_state (RcMediaPeer *peer)
{
  RcMediaPeerWebrtc *self = RC_MEDIA_PEER_WEBRTC (peer);
  g_autoptr (GEnumClass) klass = g_type_class_ref (GST_TYPE_WEBRTC_ICE_CONNECTION_STATE);
  GEnumValue *value = g_enum_get_value (klass, self->ice_state);

  return value ? value->value_nick : "unknown"; /* nicks are static */
}

static void
unlink_pad (GstPad *pad)
{
  g_autoptr (GstPad) other = pad != NULL ? gst_pad_get_peer (pad) : NULL;

  if (other == NULL)
    return;
  if (GST_PAD_IS_SRC (pad))
    gst_pad_unlink (pad, other);
  else
    gst_pad_unlink (other, pad);
}

/* Bins on their way to NULL; see the top of the file. */
static GThreadPool *teardown_pool;
static GMutex teardown_lock;

/* The peer itself stays alive until its bin is NULL: the bin's probes and
 * signal handlers on streaming threads get it as their data. Its last
 * reference may then go here; finalising a closed peer touches nothing of
 * the main loop's. */
static void
teardown (gpointer data, gpointer unused)
{
  RcMediaPeerWebrtc *self = data;

  gst_element_set_state (self->bin, GST_STATE_NULL);
  GST_DEBUG_OBJECT (self->bin, "torn down");
  g_object_unref (self);
}

static void
tear_down_later (RcMediaPeerWebrtc *self)
{
  g_autoptr (GError) error = NULL;

  g_mutex_lock (&teardown_lock);
  if (teardown_pool == NULL)
    teardown_pool = g_thread_pool_new (teardown, NULL, 2, FALSE, &error);
  if (teardown_pool == NULL) {
    g_warning ("media: no teardown thread (%s): stopping a peer on the main loop",
               error->message);
    teardown (g_object_ref (self), NULL);
  } else if (!g_thread_pool_push (teardown_pool, g_object_ref (self), &error)) {
    /* Queued all the same; a pool thread that exists takes it. */
    g_warning ("media: cannot start another teardown thread: %s", error->message);
  }
  g_mutex_unlock (&teardown_lock);
}

void
rc_media_peer_webrtc_wait_torn_down (void)
{
  g_mutex_lock (&teardown_lock);
  GThreadPool *pool = g_steal_pointer (&teardown_pool);
  g_mutex_unlock (&teardown_lock);
  if (pool)
    g_thread_pool_free (pool, FALSE, TRUE);
}

/* The teardown order (see the top of the file): unlink, remove, NULL. */
static void
peer_close (RcMediaPeer *peer)
{
  RcMediaPeerWebrtc *self = RC_MEDIA_PEER_WEBRTC (peer);

  if (self->closed)
    return;
  self->closed = TRUE;
  GST_DEBUG_OBJECT (self->bin, "closing in state %s",
                    rc_media_peer_state_to_string (self->state));
  g_signal_handlers_disconnect_by_data (self->webrtc, self);

  /* 1. Out of the room's data flow: the room's payloader now gets
   * not-linked, which a tee ignores, instead of flushing, which stops it. */
  unlink_pad (self->sink_ghost);
  unlink_pad (self->src_ghost);
  /* 2. Leave the pipeline, locked so that a state change of the room
   * cannot reach it meanwhile; it posts nothing on the room's bus from now. */
  gst_element_set_locked_state (self->bin, TRUE);
  if (self->parent) {
    gst_bin_remove (self->parent, self->bin);
    g_clear_object (&self->parent);
  }
  /* 3. Stop everything inside, whatever the negotiation reached, off the
   * main loop. */
  tear_down_later (self);
  finish_task (&self->offer_task, g_error_new (RC_MEDIA_ERROR, RC_MEDIA_ERROR_CLOSED,
                                               "peer %s closed", self->name));
  finish_task (&self->answer_task, g_error_new (RC_MEDIA_ERROR, RC_MEDIA_ERROR_CLOSED,
                                                "peer %s closed", self->name));
  set_state (self, RC_MEDIA_PEER_CLOSED, NULL);
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
  iface->get_ice_state = peer_get_ice_state;
}

/* --- webrtcbin extras --------------------------------------------------------- */

void
rc_media_peer_webrtc_get_transport_stats_async (RcMediaPeerWebrtc *self,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  GstPromise *promise;

  g_return_if_fail (RC_IS_MEDIA_PEER_WEBRTC (self));
  if (self->closed || self->parent == NULL) {
    g_task_return_new_error (task, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE,
                             "peer %s is not running", self->name);
    return;
  }
  promise = rc_media_peer_webrtc_promise_new (self, EV_STATS, task);
  g_signal_emit_by_name (self->webrtc, "get-stats", NULL, promise);
  gst_promise_unref (promise);
}

GstStructure *
rc_media_peer_webrtc_get_transport_stats_finish (RcMediaPeerWebrtc *self, GAsyncResult *result,
                                                 GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- GObject ------------------------------------------------------------------ */

static void
rc_media_peer_webrtc_dispose (GObject *object)
{
  RcMediaPeerWebrtc *self = RC_MEDIA_PEER_WEBRTC (object);

  if (self->webrtc && !self->closed)
    peer_close (RC_MEDIA_PEER (self));
  G_OBJECT_CLASS (rc_media_peer_webrtc_parent_class)->dispose (object);
}

static void
rc_media_peer_webrtc_finalize (GObject *object)
{
  RcMediaPeerWebrtc *self = RC_MEDIA_PEER_WEBRTC (object);

  if (self->bin && !self->closed) /* construction failed half-way */
    gst_element_set_state (self->bin, GST_STATE_NULL);
  g_clear_object (&self->send_pad);
  if (self->src_target)
    gst_object_unref (self->src_target);
  g_clear_object (&self->bin);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->offer_text);
  g_strfreev (self->remote_fingerprints);
  g_free (self->name);
  G_OBJECT_CLASS (rc_media_peer_webrtc_parent_class)->finalize (object);
}

static void
rc_media_peer_webrtc_class_init (RcMediaPeerWebrtcClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_media_peer_webrtc_dispose;
  G_OBJECT_CLASS (klass)->finalize = rc_media_peer_webrtc_finalize;
  GST_DEBUG_CATEGORY_INIT (rc_media_peer_debug, "rcmediapeer", 0, "roomcast media peers");
}

static void
rc_media_peer_webrtc_init (RcMediaPeerWebrtc *self)
{
}
