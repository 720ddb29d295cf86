/* roomcast: icelitesink, a light receive transport (ICE-lite, DTLS-SRTP)
 * for many listeners of a room's encoded streams
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-icelitesink
 * @title: icelitesink
 *
 * Sends a room's encoded Opus streams to many WebRTC listeners over one
 * UDP port, as the server end of their receive-only transports: ICE-lite
 * (answers the clients' connectivity checks, RFC 8445 §2.5; consent
 * freshness, RFC 7675), DTLS 1.2 server with DTLS-SRTP key export
 * (RFC 5764), SRTP (AES_CM_128_HMAC_SHA1_80 or AEAD_AES_128_GCM) and RTCP
 * sender reports out, receiver reports in.
 *
 * Each request sink pad `sink_%u` carries one RTP Opus stream (the full
 * mix, or one seat's mix-minus). Each peer hears one of them: every packet
 * is copied for each of its connected peers, given that peer's payload
 * type, SSRC, sequence number and timestamp, protected, and sent with
 * batched `sendmmsg` from the pad's streaming thread. No thread, buffer or
 * allocation per peer; the chain function never waits on the network.
 *
 * The application writes the SDP offer itself (`a=ice-lite`, the ICE
 * credentials it passes to #GstIceLiteSink::add-peer, the
 * #GstIceLiteSink:certificate-fingerprint, `a=setup:actpass`, one host
 * candidate at #GstIceLiteSink:announced-address and #GstIceLiteSink:port),
 * then gives the answer's credentials and fingerprint to
 * #GstIceLiteSink::set-peer-remote. #GstIceLiteSink::peer-state-changed
 * reports "checking", "connected" and "failed" from the element's network
 * thread.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! opusenc ! rtpopuspay ! icelitesink bind-address=127.0.0.1
 * ]| Listens on a free UDP port of 127.0.0.1 with no peers: an application
 * adds them with the action signals.
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include "gsticelitesink-private.h"

GST_DEBUG_CATEGORY (gst_ice_lite_sink_debug);
#define GST_CAT_DEFAULT gst_ice_lite_sink_debug

#define DEFAULT_BIND_ADDRESS "127.0.0.1"
#define DEFAULT_CONSENT_TIMEOUT_MS 30000

enum {
  PROP_0,
  PROP_BIND_ADDRESS,
  PROP_ANNOUNCED_ADDRESS,
  PROP_MIN_PORT,
  PROP_MAX_PORT,
  PROP_PORT,
  PROP_CERTIFICATE_FINGERPRINT,
  PROP_CONSENT_TIMEOUT_MS,
  PROP_STATS,
};

enum {
  SIGNAL_ADD_PEER,
  SIGNAL_SET_PEER_REMOTE,
  SIGNAL_SET_PEER_SOURCE,
  SIGNAL_REMOVE_PEER,
  SIGNAL_GET_PEER_STATS,
  SIGNAL_PEER_STATE_CHANGED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink_%u",
    GST_PAD_SINK,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS ("application/x-rtp, media=(string)audio, "
        "encoding-name=(string)OPUS, clock-rate=(int)48000"));

G_DEFINE_TYPE (GstIceLiteSinkPad, gst_ice_lite_sink_pad, GST_TYPE_PAD);
G_DEFINE_TYPE (GstIceLiteSink, gst_ice_lite_sink, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (icelitesink, "icelitesink", GST_RANK_NONE,
    GST_TYPE_ICE_LITE_SINK);

/* ---- sink pads ---- */

static void
gst_ice_lite_sink_pad_finalize (GObject * object)
{
  GstIceLiteSinkPad *pad = GST_ICE_LITE_SINK_PAD (object);

  rc_icelite_batch_free (pad->batch);
  G_OBJECT_CLASS (gst_ice_lite_sink_pad_parent_class)->finalize (object);
}

static void
gst_ice_lite_sink_pad_class_init (GstIceLiteSinkPadClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_ice_lite_sink_pad_finalize;
}

static void
gst_ice_lite_sink_pad_init (GstIceLiteSinkPad * pad)
{
  pad->batch = rc_icelite_batch_new ();
}

static void
add_stats (GstIceLiteSink * sink, guint sent, guint64 bytes, guint calls,
    guint dropped)
{
  g_mutex_lock (&sink->stats_lock);
  sink->packets_sent += sent;
  sink->bytes_sent += bytes;
  sink->sendmmsg_calls += calls;
  sink->packets_dropped += dropped;
  g_mutex_unlock (&sink->stats_lock);
}

static void
flush_batch (GstIceLiteSink * sink, RcIceliteBatch * batch, int fd)
{
  guint64 bytes = 0;
  guint calls = 0, dropped = 0, sent;

  if (rc_icelite_batch_length (batch) == 0)
    return;
  sent = rc_icelite_batch_flush (batch, fd, &bytes, &calls, &dropped);
  add_stats (sink, sent, bytes, calls, dropped);
}

/* The sending path: one packet of this pad's stream to each of its
 * connected peers, in batches of RC_ICELITE_BATCH_SIZE. */
static GstFlowReturn
gst_ice_lite_sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstIceLiteSink *sink = GST_ICE_LITE_SINK (parent);
  RcIceliteBatch *batch = GST_ICE_LITE_SINK_PAD (pad)->batch;
  GstMapInfo map;
  gint64 now;
  guint i = 0;
  int fd;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  now = g_get_monotonic_time ();

  g_mutex_lock (&sink->table_lock);
  fd = sink->fd;
  while (fd >= 0) {
    GPtrArray *peers = rc_icelite_peer_table_peers_of (sink->table, pad);
    RcIcelitePeer *peer;
    gsize wire_len;

    if (peers == NULL || i >= peers->len)
      break;
    peer = g_ptr_array_index (peers, i++);
    if (peer->state != RC_ICELITE_PEER_CONNECTED || peer->selected.len == 0)
      continue;
    wire_len = rc_icelite_batch_add (batch, map.data, map.size,
        &peer->rewrite, peer->srtp_tx, &peer->selected, now);
    if (wire_len > 0) {
      peer->packets_sent++;
      peer->bytes_sent += wire_len;
      peer->payload_octets += (guint32) (map.size - 12);
    }
    if (rc_icelite_batch_is_full (batch)) {
      /* the peer list may change meanwhile: at worst a peer added or
       * removed now misses or gets this one packet */
      g_mutex_unlock (&sink->table_lock);
      flush_batch (sink, batch, fd);
      g_mutex_lock (&sink->table_lock);
    }
  }
  g_mutex_unlock (&sink->table_lock);
  if (fd >= 0)
    flush_batch (sink, batch, fd);

  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

/* EOS once every sink pad had one, so a bin (gst-launch) can finish. */
static void
check_all_eos (GstIceLiteSink * sink, guint32 seqnum)
{
  gboolean all = TRUE;
  GList *l;

  GST_OBJECT_LOCK (sink);
  for (l = GST_ELEMENT (sink)->sinkpads; l; l = l->next)
    all = all && GST_ICE_LITE_SINK_PAD (l->data)->eos;
  GST_OBJECT_UNLOCK (sink);
  if (all) {
    GstMessage *msg = gst_message_new_eos (GST_OBJECT (sink));
    gst_message_set_seqnum (msg, seqnum);
    gst_element_post_message (GST_ELEMENT (sink), msg);
  }
}

static gboolean
gst_ice_lite_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstIceLiteSink *sink = GST_ICE_LITE_SINK (parent);
  GstIceLiteSinkPad *spad = GST_ICE_LITE_SINK_PAD (pad);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      GST_OBJECT_LOCK (sink);
      spad->eos = TRUE;
      GST_OBJECT_UNLOCK (sink);
      check_all_eos (sink, gst_event_get_seqnum (event));
      break;
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_STREAM_START:
      GST_OBJECT_LOCK (sink);
      spad->eos = FALSE;
      GST_OBJECT_UNLOCK (sink);
      break;
    default:
      break;
  }
  gst_event_unref (event);
  return TRUE;
}

static GstPad *
gst_ice_lite_sink_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * req_name, const GstCaps * caps)
{
  GstIceLiteSink *sink = GST_ICE_LITE_SINK (element);
  g_autofree char *name = NULL;
  GstPad *pad;

  GST_OBJECT_LOCK (sink);
  if (req_name != NULL && g_str_has_prefix (req_name, "sink_")) {
    /* "sink_7" asked for: automatic names continue after it */
    guint64 n = g_ascii_strtoull (req_name + 5, NULL, 10);
    name = g_strdup (req_name);
    if (n < G_MAXUINT && n >= sink->next_pad_id)
      sink->next_pad_id = (guint) n + 1;
  } else {
    name = g_strdup_printf ("sink_%u", sink->next_pad_id++);
  }
  GST_OBJECT_UNLOCK (sink);

  pad = g_object_new (GST_TYPE_ICE_LITE_SINK_PAD, "name", name, "direction",
      GST_PAD_SINK, "template", templ, NULL);
  gst_pad_set_chain_function (pad, gst_ice_lite_sink_chain);
  gst_pad_set_event_function (pad, gst_ice_lite_sink_event);
  if (!gst_element_add_pad (element, pad)) {
    GST_WARNING_OBJECT (sink, "a pad named %s exists", name);
    gst_object_unref (pad);
    return NULL;
  }
  return pad;
}

/* The pad's peers stay, with no source: they hear nothing until
 * set-peer-source gives them another stream. */
static void
gst_ice_lite_sink_release_pad (GstElement * element, GstPad * pad)
{
  GstIceLiteSink *sink = GST_ICE_LITE_SINK (element);

  g_mutex_lock (&sink->table_lock);
  rc_icelite_peer_table_drop_source (sink->table, pad);
  g_mutex_unlock (&sink->table_lock);
  gst_element_remove_pad (element, pad);
}

/* ---- properties ---- */

static GstStructure *
make_stats (GstIceLiteSink * sink)
{
  guint peers;
  GstStructure *s;

  g_mutex_lock (&sink->table_lock);
  peers = rc_icelite_peer_table_size (sink->table);
  g_mutex_unlock (&sink->table_lock);
  g_mutex_lock (&sink->stats_lock);
  s = gst_structure_new ("application/x-icelite-stats",
      "peers", G_TYPE_UINT, peers,
      "packets-sent", G_TYPE_UINT64, sink->packets_sent,
      "bytes-sent", G_TYPE_UINT64, sink->bytes_sent,
      "sendmmsg-calls", G_TYPE_UINT64, sink->sendmmsg_calls,
      "packets-dropped", G_TYPE_UINT64, sink->packets_dropped, NULL);
  g_mutex_unlock (&sink->stats_lock);
  return s;
}

static void
gst_ice_lite_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstIceLiteSink *sink = GST_ICE_LITE_SINK (object);

  GST_OBJECT_LOCK (sink);
  switch (prop_id) {
    case PROP_BIND_ADDRESS:
      g_free (sink->bind_address);
      sink->bind_address = g_value_dup_string (value);
      if (sink->bind_address == NULL)
        sink->bind_address = g_strdup (DEFAULT_BIND_ADDRESS);
      break;
    case PROP_ANNOUNCED_ADDRESS:
      g_free (sink->announced_address);
      sink->announced_address = g_value_dup_string (value);
      break;
    case PROP_MIN_PORT:
      sink->min_port = g_value_get_uint (value);
      break;
    case PROP_MAX_PORT:
      sink->max_port = g_value_get_uint (value);
      break;
    case PROP_CONSENT_TIMEOUT_MS:
      sink->consent_timeout_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (sink);
}

static void
gst_ice_lite_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstIceLiteSink *sink = GST_ICE_LITE_SINK (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (sink));
    return;
  }
  GST_OBJECT_LOCK (sink);
  switch (prop_id) {
    case PROP_BIND_ADDRESS:
      g_value_set_string (value, sink->bind_address);
      break;
    case PROP_ANNOUNCED_ADDRESS:
      g_value_set_string (value, sink->announced_address ?
          sink->announced_address : sink->bind_address);
      break;
    case PROP_MIN_PORT:
      g_value_set_uint (value, sink->min_port);
      break;
    case PROP_MAX_PORT:
      g_value_set_uint (value, sink->max_port);
      break;
    case PROP_PORT:
      g_value_set_uint (value, sink->port);
      break;
    case PROP_CERTIFICATE_FINGERPRINT:
      g_value_set_string (value,
          rc_dtls_certificate_get_fingerprint (sink->cert));
      break;
    case PROP_CONSENT_TIMEOUT_MS:
      g_value_set_uint (value, sink->consent_timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (sink);
}

/* ---- state ---- */

static GstStateChangeReturn
gst_ice_lite_sink_change_state (GstElement * element,
    GstStateChange transition)
{
  GstIceLiteSink *sink = GST_ICE_LITE_SINK (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    g_autoptr (GError) error = NULL;
    if (!gst_ice_lite_sink_net_start (sink, &error)) {
      GST_ELEMENT_ERROR (sink, RESOURCE, OPEN_READ_WRITE,
          ("%s", error->message), (NULL));
      return GST_STATE_CHANGE_FAILURE;
    }
  }
  ret = GST_ELEMENT_CLASS (gst_ice_lite_sink_parent_class)->change_state
      (element, transition);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    gst_ice_lite_sink_net_stop (sink);
  return ret;
}

/* Packets go out as they come (no clock sync): whatever latency the
 * pipeline configures is fine, and a bin must know it was taken. */
static gboolean
gst_ice_lite_sink_send_event (GstElement * element, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY) {
    gst_event_unref (event);
    return TRUE;
  }
  return GST_ELEMENT_CLASS (gst_ice_lite_sink_parent_class)->send_event
      (element, event);
}

/* ---- life cycle ---- */

static void
gst_ice_lite_sink_init (GstIceLiteSink * sink)
{
  g_autoptr (GError) error = NULL;

  sink->bind_address = g_strdup (DEFAULT_BIND_ADDRESS);
  sink->consent_timeout_ms = DEFAULT_CONSENT_TIMEOUT_MS;
  sink->fd = -1;
  sink->wake_fd = -1;
  g_mutex_init (&sink->table_lock);
  g_mutex_init (&sink->stats_lock);
  sink->table = rc_icelite_peer_table_new ();
  sink->cert = rc_dtls_certificate_new (&error);
  /* only fails if OpenSSL cannot make a P-256 key: nothing would work */
  if (sink->cert == NULL)
    g_error ("icelitesink: %s", error->message);
  GST_OBJECT_FLAG_SET (sink, GST_ELEMENT_FLAG_SINK);
}

static void
gst_ice_lite_sink_finalize (GObject * object)
{
  GstIceLiteSink *sink = GST_ICE_LITE_SINK (object);

  gst_ice_lite_sink_net_stop (sink);
  rc_icelite_peer_table_free (sink->table);
  rc_dtls_certificate_unref (sink->cert);
  g_mutex_clear (&sink->table_lock);
  g_mutex_clear (&sink->stats_lock);
  g_free (sink->bind_address);
  g_free (sink->announced_address);
  G_OBJECT_CLASS (gst_ice_lite_sink_parent_class)->finalize (object);
}

static void
gst_ice_lite_sink_class_init (GstIceLiteSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_ice_lite_sink_debug, "icelitesink", 0,
      "ICE-lite DTLS-SRTP fan-out sink");

  gobject_class->set_property = gst_ice_lite_sink_set_property;
  gobject_class->get_property = gst_ice_lite_sink_get_property;
  gobject_class->finalize = gst_ice_lite_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_BIND_ADDRESS,
      g_param_spec_string ("bind-address", "Bind address",
          "Local IP address the UDP socket is bound to",
          DEFAULT_BIND_ADDRESS, rw));
  g_object_class_install_property (gobject_class, PROP_ANNOUNCED_ADDRESS,
      g_param_spec_string ("announced-address", "Announced address",
          "IP address to write in host candidates (behind 1:1 NAT); "
          "NULL means bind-address", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_MIN_PORT,
      g_param_spec_uint ("min-port", "Minimum port",
          "Lowest UDP port to bind (0 = no lower bound)", 0, 65535, 0, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_PORT,
      g_param_spec_uint ("max-port", "Maximum port",
          "Highest UDP port to bind (0 = no upper bound)", 0, 65535, 0, rw));
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_uint ("port", "Port",
          "The bound UDP port (0 until READY): write it in candidates",
          0, 65535, 0, ro));
  g_object_class_install_property (gobject_class,
      PROP_CERTIFICATE_FINGERPRINT,
      g_param_spec_string ("certificate-fingerprint",
          "Certificate fingerprint",
          "SHA-256 fingerprint of the DTLS certificate as SDP writes it "
          "(\"sha-256 AB:CD:...\")", NULL, ro));
  g_object_class_install_property (gobject_class, PROP_CONSENT_TIMEOUT_MS,
      g_param_spec_uint ("consent-timeout-ms", "Consent timeout",
          "A peer with no valid binding request for this long is failed "
          "and no longer sent to (RFC 7675)", 100, G_MAXUINT,
          DEFAULT_CONSENT_TIMEOUT_MS, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "peers, packets-sent, bytes-sent, sendmmsg-calls, packets-dropped",
          GST_TYPE_STRUCTURE, ro));

  /**
   * GstIceLiteSink::add-peer:
   * @sink: the element
   * @peer_id: the caller's name for the peer
   * @local_ufrag: ICE ufrag of our side (written in the offer)
   * @local_pwd: ICE password of our side (written in the offer)
   * @payload_type: RTP payload type the peer's packets carry
   * @ssrc: SSRC of the peer's packets
   * @source: (nullable): the sink pad whose stream the peer hears
   *
   * Returns: FALSE if the arguments are invalid or the id or ufrag is in use
   */
  signals[SIGNAL_ADD_PEER] = g_signal_new_class_handler ("add-peer",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_ice_lite_sink_add_peer), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 6, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
      G_TYPE_UINT, G_TYPE_UINT, GST_TYPE_PAD);
  /**
   * GstIceLiteSink::set-peer-remote:
   * @sink: the element
   * @peer_id: the peer
   * @remote_ufrag: ICE ufrag of the client's answer
   * @remote_pwd: ICE password of the client's answer
   * @remote_fingerprint: "sha-256 AA:BB:..." from the answer
   *
   * The answer must have `a=setup:active`: the element is the DTLS server.
   *
   * Returns: FALSE if the peer is unknown or an argument is malformed
   */
  signals[SIGNAL_SET_PEER_REMOTE] =
      g_signal_new_class_handler ("set-peer-remote", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_ice_lite_sink_set_peer_remote), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
      G_TYPE_STRING);
  /**
   * GstIceLiteSink::set-peer-source:
   * @sink: the element
   * @peer_id: the peer
   * @source: (nullable): the sink pad whose stream the peer hears from now
   *
   * No renegotiation: the peer's SSRC stays, sequence numbers continue and
   * timestamps continue by the time elapsed.
   *
   * Returns: FALSE if the peer is unknown or @source is not our pad
   */
  signals[SIGNAL_SET_PEER_SOURCE] =
      g_signal_new_class_handler ("set-peer-source", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_ice_lite_sink_set_peer_source), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_STRING, GST_TYPE_PAD);
  /**
   * GstIceLiteSink::remove-peer:
   * @sink: the element
   * @peer_id: the peer
   *
   * Returns: FALSE if the peer is unknown
   */
  signals[SIGNAL_REMOVE_PEER] = g_signal_new_class_handler ("remove-peer",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_ice_lite_sink_remove_peer), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstIceLiteSink::get-peer-stats:
   * @sink: the element
   * @peer_id: the peer
   *
   * Returns: (transfer full) (nullable): state, packets-sent, bytes-sent,
   * remote-address, srtp-profile, and from the peer's receiver reports
   * fraction-lost, packets-lost, jitter, jitter-ms, rtt-ms (-1 unknown);
   * NULL if the peer is unknown
   */
  signals[SIGNAL_GET_PEER_STATS] =
      g_signal_new_class_handler ("get-peer-stats", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_ice_lite_sink_get_peer_stats), NULL, NULL, NULL,
      GST_TYPE_STRUCTURE, 1, G_TYPE_STRING);
  /**
   * GstIceLiteSink::peer-state-changed:
   * @sink: the element
   * @peer_id: the peer
   * @state: "checking", "connected" or "failed"
   * @reason: "" or, for "failed": "dtls_failed", "fingerprint_mismatch",
   *   "consent_expired", "ice_timeout"
   *
   * Emitted from the element's network thread, with no lock held: marshal
   * to your own context before touching application state.
   */
  signals[SIGNAL_PEER_STATE_CHANGED] =
      g_signal_new ("peer-state-changed", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
      G_TYPE_STRING, G_TYPE_STRING);

  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &sink_template, GST_TYPE_ICE_LITE_SINK_PAD);
  gst_element_class_set_static_metadata (element_class,
      "ICE-lite DTLS-SRTP fan-out sink", "Sink/Network/RTP",
      "Sends RTP streams to many WebRTC receive-only peers over one UDP "
      "port (ICE-lite, DTLS-SRTP, batched sendmmsg)",
      "roomcast developers");
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_ice_lite_sink_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_ice_lite_sink_release_pad);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_ice_lite_sink_change_state);
  element_class->send_event = GST_DEBUG_FUNCPTR (gst_ice_lite_sink_send_event);
  gst_type_mark_as_plugin_api (GST_TYPE_ICE_LITE_SINK_PAD, 0);
}

void
gst_ice_lite_sink_emit_peer_state (GstIceLiteSink * sink, const char *peer_id,
    const char *state, const char *reason)
{
  g_signal_emit (sink, signals[SIGNAL_PEER_STATE_CHANGED], 0, peer_id, state,
      reason);
}
