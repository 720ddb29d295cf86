/* roomcast: RcMediaPeer over the room's icelitesink; see media-peer-lite.h. */
#include "media/media-peer-lite.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/random.h>

#include "media/media-error.h"
#include "media/media-sdp.h"

GST_DEBUG_CATEGORY_STATIC (rc_media_peer_lite_debug);
#define GST_CAT_DEFAULT rc_media_peer_lite_debug

/* The room's one element, by this name in its pipeline. */
#define SINK_NAME "icelite"

/* What the element's network thread tells a peer, carried to the peer's
 * main context. The peer may be gone by then: a weak reference. */
typedef struct {
  gint refs;
  GWeakRef peer;
  char *peer_id;
  GMainContext *context;
} Link;

struct _RcMediaPeerLite {
  GObject parent_instance;
  const RcConfig *config;
  GMainContext *context;
  char *name; /* the peer id in the element: unique in the room */

  GstElement *sink; /* the room's icelitesink (ref), once attached */
  Link *link;
  gboolean dispatched; /* link in the sink's Dispatch */
  GstPad *source;      /* the stream it carries (ref) */
  gboolean added;      /* add-peer done */
  guint32 ssrc;
  char *ufrag, *pwd;

  RcMediaPeerState state;
  const char *ice_state;
  gboolean closed;
  /* Counters of the element at close (it forgets the peer). */
  RcMediaPeerStats last;
};

static void rc_media_peer_lite_iface_init (RcMediaPeerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcMediaPeerLite, rc_media_peer_lite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_MEDIA_PEER,
                                                      rc_media_peer_lite_iface_init))

static void
ensure_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (rc_media_peer_lite_debug, "rc-media-peer-lite", 0,
                             "roomcast listener transport (icelitesink peers)");
    g_once_init_leave (&once, 1);
  }
}

/* --- the room's element --------------------------------------------------- */

/* The one address clients are told to send to, or NULL: the element
 * listens on all IPv4 addresses and the offer names each of them
 * (host_addresses()). */
static const char *
announced_address (const RcConfig *config)
{
  if (config->rtc_announced_ip && *config->rtc_announced_ip)
    return config->rtc_announced_ip;
  if (config->rtc_listen_ip && *config->rtc_listen_ip)
    return config->rtc_listen_ip;
  return NULL;
}

/* Without RTC_ANNOUNCED_IP or RTC_LISTEN_IP: the machine's IPv4 addresses
 * that are up, as libnice gathers them for webrtcbin (loopback and
 * link-local left out), or 127.0.0.1 on a host that has no other. */
static GPtrArray *
host_addresses (void)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) == 0) {
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
      g_autoptr (GInetAddress) inet = NULL;

      if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
          !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
        continue;
      inet = g_inet_address_new_from_bytes ((const guint8 *) &(
                                              (struct sockaddr_in *) i->ifa_addr)
                                              ->sin_addr,
                                            G_SOCKET_FAMILY_IPV4);
      if (g_inet_address_get_is_link_local (inet) || g_inet_address_get_is_loopback (inet))
        continue;
      g_ptr_array_add (out, g_inet_address_to_string (inet));
    }
    freeifaddrs (list);
  }
  if (out->len == 0)
    g_ptr_array_add (out, g_strdup ("127.0.0.1"));
  return out;
}

/* The icelitesink of @bin, made, configured and started on first use
 * (transfer full). */
static GstElement *
ensure_sink (GstBin *bin, const RcConfig *config, GError **error)
{
  GstElement *sink = gst_bin_get_by_name (bin, SINK_NAME);

  if (sink != NULL)
    return sink;
  sink = gst_element_factory_make ("icelitesink", SINK_NAME);
  if (sink == NULL) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE,
                 "icelitesink is not available (roomcast's GStreamer plugin, "
                 "GST_PLUGIN_PATH): MEDIA_RECV_TRANSPORT=lite needs it");
    return NULL;
  }
  /* Without RTC_LISTEN_IP, all IPv4 addresses. */
  g_object_set (sink, "bind-address",
                config->rtc_listen_ip && *config->rtc_listen_ip ? config->rtc_listen_ip
                                                                : "0.0.0.0",
                "announced-address", announced_address (config), "min-port",
                config->rtc_min_port, "max-port", config->rtc_max_port, NULL);
  if (!rc_media_bin_add (bin, sink, error))
    return NULL;
  if (!rc_media_sync_state (sink, error)) {
    gst_element_set_locked_state (sink, TRUE);
    gst_element_set_state (sink, GST_STATE_NULL);
    gst_bin_remove (bin, sink);
    return NULL;
  }
  return gst_object_ref (sink);
}

static GstPad *
request_stream_pad (GstBin *bin, gpointer config, GError **error)
{
  g_autoptr (GstElement) sink = ensure_sink (bin, config, error);

  return sink ? rc_media_request_pad (sink, "sink_%u", error) : NULL;
}

static void
release_stream_pad (GstBin *bin, GstPad *pad, gpointer config)
{
  g_autoptr (GstElement) sink = gst_pad_get_parent_element (pad);

  if (sink != NULL)
    gst_element_release_request_pad (sink, pad);
}

/* --- state, from the element's thread ------------------------------------- */

static Link *
link_ref (Link *link)
{
  g_atomic_int_inc (&link->refs);
  return link;
}

static void
link_unref (gpointer data)
{
  Link *link = data;

  if (!g_atomic_int_dec_and_test (&link->refs))
    return;
  g_weak_ref_clear (&link->peer);
  g_main_context_unref (link->context);
  g_free (link->peer_id);
  g_free (link);
}

typedef struct {
  Link *link;
  char *state, *reason;
} StateChange;

static void
state_change_free (gpointer data)
{
  StateChange *c = data;

  link_unref (c->link);
  g_free (c->state);
  g_free (c->reason);
  g_free (c);
}

/* The element's failure reasons in the session's words (media-session.h):
 * dtls_failed, fingerprint_mismatch → dtls_failed; consent_expired,
 * ice_timeout → ice_failed. */
static const char *
failure_reason (const char *reason)
{
  if (reason && (g_str_has_prefix (reason, "dtls") || g_str_has_prefix (reason, "fingerprint")))
    return "dtls_failed";
  if (reason && (g_str_has_prefix (reason, "ice") || g_str_has_prefix (reason, "consent")))
    return "ice_failed";
  return "connection_failed";
}

static void
set_state (RcMediaPeerLite *self, RcMediaPeerState state, const char *reason)
{
  if (self->state == state || self->state == RC_MEDIA_PEER_CLOSED ||
      (self->state == RC_MEDIA_PEER_FAILED && state != RC_MEDIA_PEER_CLOSED))
    return;
  self->state = state;
  GST_INFO ("peer %s: %s%s%s", self->name, rc_media_peer_state_to_string (state),
            reason ? " " : "", reason ? reason : "");
  rc_media_peer_emit_state_changed (RC_MEDIA_PEER (self), state, reason);
}

/* Main loop. */
static gboolean
apply_state (gpointer data)
{
  StateChange *c = data;
  g_autoptr (RcMediaPeerLite) self = g_weak_ref_get (&c->link->peer);

  if (self == NULL || self->closed)
    return G_SOURCE_REMOVE;
  if (g_strcmp0 (c->state, "connected") == 0) {
    self->ice_state = "connected";
    set_state (self, RC_MEDIA_PEER_CONNECTED, NULL);
  } else if (g_strcmp0 (c->state, "checking") == 0) {
    self->ice_state = "checking";
    set_state (self, RC_MEDIA_PEER_CONNECTING, NULL);
  } else if (g_strcmp0 (c->state, "failed") == 0) {
    self->ice_state = "failed";
    GST_INFO ("peer %s: failed: %s", self->name, c->reason ? c->reason : "?");
    set_state (self, RC_MEDIA_PEER_FAILED, failure_reason (c->reason));
  }
  return G_SOURCE_REMOVE;
}

/* One `peer-state-changed` handler per element, not one per peer: a
 * state change costs a lookup, not a call per peer of the room (a join
 * storm of n listeners would cost n² calls in the network thread). The
 * table (peer id → Link, ref) is filled and emptied on the main thread and
 * read by the element's network thread, hence the lock. */
typedef struct {
  GMutex lock;
  GHashTable *links; /* peer id (the Link's) → Link (ref) */
} Dispatch;

#define DISPATCH_KEY "rc-media-peer-lite-dispatch"

static void
dispatch_free (gpointer data)
{
  Dispatch *d = data;

  g_hash_table_unref (d->links);
  g_mutex_clear (&d->lock);
  g_free (d);
}

/* The element's network thread: copy, and hand it to the main context. */
static void
on_peer_state_changed (GstElement *sink, const char *peer_id, const char *state,
                       const char *reason, gpointer data)
{
  Dispatch *d = data;
  Link *link;
  StateChange *c;

  if (peer_id == NULL)
    return;
  g_mutex_lock (&d->lock);
  link = g_hash_table_lookup (d->links, peer_id);
  if (link != NULL)
    link_ref (link);
  g_mutex_unlock (&d->lock);
  if (link == NULL)
    return;
  c = g_new0 (StateChange, 1);
  c->link = link;
  c->state = g_strdup (state);
  c->reason = g_strdup (reason);
  g_main_context_invoke_full (link->context, G_PRIORITY_DEFAULT, apply_state, c,
                              state_change_free);
}

/* Main thread: the element's Dispatch, made and connected on first use
 * (the element owns it: freed with the element, after its handlers). */
static Dispatch *
ensure_dispatch (GstElement *sink)
{
  Dispatch *d = g_object_get_data (G_OBJECT (sink), DISPATCH_KEY);

  if (d != NULL)
    return d;
  d = g_new0 (Dispatch, 1);
  g_mutex_init (&d->lock);
  d->links = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, link_unref);
  g_object_set_data_full (G_OBJECT (sink), DISPATCH_KEY, d, dispatch_free);
  g_signal_connect (sink, "peer-state-changed", G_CALLBACK (on_peer_state_changed), d);
  return d;
}

static void
dispatch_add (GstElement *sink, Link *link)
{
  Dispatch *d = ensure_dispatch (sink);

  g_mutex_lock (&d->lock);
  g_hash_table_replace (d->links, link->peer_id, link_ref (link));
  g_mutex_unlock (&d->lock);
}

static void
dispatch_remove (GstElement *sink, Link *link)
{
  Dispatch *d = g_object_get_data (G_OBJECT (sink), DISPATCH_KEY);

  if (d == NULL)
    return;
  g_mutex_lock (&d->lock);
  if (g_hash_table_lookup (d->links, link->peer_id) == link)
    g_hash_table_remove (d->links, link->peer_id);
  g_mutex_unlock (&d->lock);
}

/* --- RcMediaPeer ---------------------------------------------------------- */

static gboolean
peer_attach (RcMediaPeer *peer, GstBin *bin, GError **error)
{
  RcMediaPeerLite *self = RC_MEDIA_PEER_LITE (peer);

  if (self->sink != NULL || self->closed) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE,
                 "peer %s is already attached or closed", self->name);
    return FALSE;
  }
  self->sink = ensure_sink (bin, self->config, error);
  if (self->sink == NULL)
    return FALSE;
  self->link = g_new0 (Link, 1);
  self->link->refs = 1;
  g_weak_ref_init (&self->link->peer, self);
  self->link->peer_id = g_strdup (self->name);
  self->link->context = g_main_context_ref (self->context);
  dispatch_add (self->sink, self->link);
  self->dispatched = TRUE;
  return TRUE;
}

static GstPad *
peer_get_sink_pad (RcMediaPeer *peer)
{
  return NULL; /* the room's streams go into the element; see set_source */
}

static GstPad *
peer_get_src_pad (RcMediaPeer *peer)
{
  return NULL; /* a receive transport: nothing comes from the client */
}

static gboolean
peer_set_source (RcMediaPeer *peer, GstPad *stream, GError **error)
{
  RcMediaPeerLite *self = RC_MEDIA_PEER_LITE (peer);
  gboolean ok = TRUE;

  if (self->closed || self->sink == NULL) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE, "peer %s is not attached",
                 self->name);
    return FALSE;
  }
  if (self->added)
    g_signal_emit_by_name (self->sink, "set-peer-source", self->name, stream, &ok);
  if (!ok) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK,
                 "icelitesink refused to switch peer %s to %s", self->name,
                 GST_PAD_NAME (stream));
    return FALSE;
  }
  gst_object_replace ((GstObject **) &self->source, GST_OBJECT (stream));
  return TRUE;
}

/* ICE credentials (RFC 8839: ice-char = ALPHA / DIGIT / "+" / "/") from
 * the kernel's random source: they authenticate the client's checks. */
static char *
random_ice_string (guint length)
{
  static const char chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  g_autofree guint8 *bytes = g_malloc (length);
  char *out = g_malloc (length + 1);

  if (getrandom (bytes, length, 0) != (gssize) length)
    g_error ("getrandom failed");
  for (guint i = 0; i < length; i++)
    out[i] = chars[bytes[i] % 64];
  out[length] = '\0';
  return out;
}

/* Our offer: ICE-lite, sendonly, the element's port on each address
 * (one, unless the element listens on all of them), end of candidates. */
static char *
make_offer (RcMediaPeerLite *self, guint port, const char *fingerprint)
{
  const char *one = announced_address (self->config);
  g_autoptr (GPtrArray) addresses = NULL;
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GString) candidates = g_string_new (NULL);
  const char *address, *family;
  guint64 session = g_random_int ();

  if (one != NULL) {
    addresses = g_ptr_array_new ();
    g_ptr_array_add (addresses, (gpointer) one);
  } else {
    addresses = host_addresses ();
  }
  /* Host candidates, highest priority first (RFC 8445 §5.1.2.1). */
  for (guint i = 0; i < addresses->len; i++)
    g_string_append_printf (candidates, "a=candidate:%u 1 UDP %u %s %u typ host\r\n", i + 1,
                            2130706431u - i, (const char *) g_ptr_array_index (addresses, i),
                            port);
  address = g_ptr_array_index (addresses, 0);
  inet = g_inet_address_new_from_string (address);
  family = inet && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "IP6" : "IP4";
  return g_strdup_printf ("v=0\r\n"
                          "o=- %" G_GUINT64_FORMAT " 2 IN %s %s\r\n"
                          "s=-\r\n"
                          "t=0 0\r\n"
                          "a=group:BUNDLE 0\r\n"
                          "a=ice-lite\r\n"
                          "a=msid-semantic: WMS roomcast\r\n"
                          "m=audio %u UDP/TLS/RTP/SAVPF %d\r\n"
                          "c=IN %s %s\r\n"
                          "a=ice-ufrag:%s\r\n"
                          "a=ice-pwd:%s\r\n"
                          "a=fingerprint:%s\r\n"
                          "a=setup:actpass\r\n"
                          "a=mid:0\r\n"
                          "a=sendonly\r\n"
                          "a=rtcp-mux\r\n"
                          "a=rtpmap:%d OPUS/48000/2\r\n"
                          "a=fmtp:%d minptime=10;useinbandfec=1;usedtx=1\r\n"
                          "a=ssrc:%u cname:roomcast\r\n"
                          "a=ssrc:%u msid:roomcast audio\r\n"
                          "%s"
                          "a=end-of-candidates\r\n",
                          session, family, address, port, RC_MEDIA_OPUS_PT, family, address,
                          self->ufrag, self->pwd, fingerprint, RC_MEDIA_OPUS_PT,
                          RC_MEDIA_OPUS_PT, self->ssrc, self->ssrc, candidates->str);
}

static void
peer_create_offer_async (RcMediaPeer *peer, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  RcMediaPeerLite *self = RC_MEDIA_PEER_LITE (peer);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *fingerprint = NULL;
  guint port = 0;
  gboolean ok = FALSE;

  g_task_set_source_tag (task, peer_create_offer_async);
  if (self->closed || self->sink == NULL || self->source == NULL || self->added) {
    g_task_return_new_error (task, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE,
                             "peer %s: not attached, no stream, closed or already offered",
                             self->name);
    return;
  }
  g_object_get (self->sink, "port", &port, "certificate-fingerprint", &fingerprint, NULL);
  if (port == 0 || fingerprint == NULL) {
    g_task_return_new_error (task, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE,
                             "icelitesink has no port or certificate");
    return;
  }
  self->ufrag = random_ice_string (8);
  self->pwd = random_ice_string (24);
  self->ssrc = g_random_int ();
  g_signal_emit_by_name (self->sink, "add-peer", self->name, self->ufrag, self->pwd,
                         (guint) RC_MEDIA_OPUS_PT, (guint) self->ssrc, self->source, &ok);
  if (!ok) {
    g_task_return_new_error (task, RC_MEDIA_ERROR, RC_MEDIA_ERROR_NEGOTIATION,
                             "icelitesink refused peer %s", self->name);
    return;
  }
  self->added = TRUE;
  g_task_return_pointer (task, make_offer (self, port, fingerprint), g_free);
}

static char *
peer_create_offer_finish (RcMediaPeer *peer, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* An attribute of the answer's m-line, else of its session. */
static const char *
answer_attribute (const GstSDPMessage *answer, const char *key)
{
  const GstSDPMedia *media = gst_sdp_message_get_media (answer, 0);
  const char *value = media ? gst_sdp_media_get_attribute_val (media, key) : NULL;

  return value ? value : gst_sdp_message_get_attribute_val (answer, key);
}

static void
peer_set_answer_async (RcMediaPeer *peer, GstSDPMessage *answer, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  RcMediaPeerLite *self = RC_MEDIA_PEER_LITE (peer);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  const char *ufrag = answer_attribute (answer, "ice-ufrag");
  const char *pwd = answer_attribute (answer, "ice-pwd");
  const char *fingerprint = answer_attribute (answer, "fingerprint");
  const char *setup = answer_attribute (answer, "setup");

  g_task_set_source_tag (task, peer_set_answer_async);
  if (self->closed || !self->added) {
    g_task_return_new_error (task, RC_MEDIA_ERROR,
                             self->closed ? RC_MEDIA_ERROR_CLOSED : RC_MEDIA_ERROR_STATE,
                             "peer %s: no offer to answer", self->name);
  } else if (g_strcmp0 (setup, "active") != 0) {
    /* The element is the DTLS server only. */
    g_task_return_new_error (task, RC_MEDIA_ERROR, RC_MEDIA_ERROR_NEGOTIATION,
                             "the answer must be a=setup:active (the client is the DTLS "
                             "client)");
  } else {
    gboolean ok = FALSE;

    g_signal_emit_by_name (self->sink, "set-peer-remote", self->name, ufrag, pwd, fingerprint,
                           &ok);
    if (ok) {
      set_state (self, RC_MEDIA_PEER_CONNECTING, NULL);
      g_task_return_boolean (task, TRUE);
    } else {
      g_task_return_new_error (task, RC_MEDIA_ERROR, RC_MEDIA_ERROR_NEGOTIATION,
                               "icelitesink refused the answer's credentials or fingerprint");
    }
  }
  gst_sdp_message_free (answer);
}

static gboolean
peer_set_answer_finish (RcMediaPeer *peer, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
peer_add_remote_candidate (RcMediaPeer *peer, guint mline_index, const char *candidate)
{
  /* ICE-lite: the client's checks come to us from wherever it is. */
}

static RcMediaPeerState
peer_get_state (RcMediaPeer *peer)
{
  return RC_MEDIA_PEER_LITE (peer)->state;
}

static guint64
stats_uint (const GstStructure *s, const char *field)
{
  guint64 v64 = 0;
  guint v = 0;

  if (gst_structure_get_uint64 (s, field, &v64))
    return v64;
  if (gst_structure_get_uint (s, field, &v))
    return v;
  return 0;
}

static void
peer_get_stats (RcMediaPeer *peer, RcMediaPeerStats *stats)
{
  RcMediaPeerLite *self = RC_MEDIA_PEER_LITE (peer);
  GstStructure *s = NULL;

  *stats = self->last;
  if (self->closed || !self->added)
    return;
  g_signal_emit_by_name (self->sink, "get-peer-stats", self->name, &s);
  if (s == NULL)
    return;
  stats->packets_offered = stats_uint (s, "packets-offered");
  stats->packets_out = stats_uint (s, "packets-sent");
  stats->bytes_out = stats_uint (s, "bytes-sent");
  if (stats->packets_offered < stats->packets_out)
    stats->packets_offered = stats->packets_out;
  gst_structure_free (s);
}

static const char *
peer_get_ice_state (RcMediaPeer *peer)
{
  return RC_MEDIA_PEER_LITE (peer)->ice_state;
}

static void
peer_close (RcMediaPeer *peer)
{
  RcMediaPeerLite *self = RC_MEDIA_PEER_LITE (peer);

  if (self->closed)
    return;
  peer_get_stats (peer, &self->last);
  self->closed = TRUE;
  if (self->sink != NULL) {
    if (self->dispatched)
      dispatch_remove (self->sink, self->link);
    self->dispatched = FALSE;
    gboolean removed = FALSE;

    if (self->added)
      g_signal_emit_by_name (self->sink, "remove-peer", self->name, &removed);
  }
  self->added = FALSE;
  self->ice_state = "closed";
  g_clear_object (&self->source);
  self->state = RC_MEDIA_PEER_CLOSED;
  rc_media_peer_emit_state_changed (peer, RC_MEDIA_PEER_CLOSED, NULL);
}

static void
rc_media_peer_lite_iface_init (RcMediaPeerInterface *iface)
{
  iface->attach = peer_attach;
  iface->get_sink_pad = peer_get_sink_pad;
  iface->get_src_pad = peer_get_src_pad;
  iface->set_source = peer_set_source;
  iface->create_offer_async = peer_create_offer_async;
  iface->create_offer_finish = peer_create_offer_finish;
  iface->set_answer_async = peer_set_answer_async;
  iface->set_answer_finish = peer_set_answer_finish;
  iface->add_remote_candidate = peer_add_remote_candidate;
  iface->get_state = peer_get_state;
  iface->get_stats = peer_get_stats;
  iface->get_ice_state = peer_get_ice_state;
  iface->close = peer_close;
}

/* --- lifetime --------------------------------------------------------------- */

static void
rc_media_peer_lite_dispose (GObject *object)
{
  RcMediaPeerLite *self = RC_MEDIA_PEER_LITE (object);

  peer_close (RC_MEDIA_PEER (self));
  g_clear_pointer (&self->link, link_unref);
  gst_clear_object (&self->sink);
  G_OBJECT_CLASS (rc_media_peer_lite_parent_class)->dispose (object);
}

static void
rc_media_peer_lite_finalize (GObject *object)
{
  RcMediaPeerLite *self = RC_MEDIA_PEER_LITE (object);

  g_main_context_unref (self->context);
  g_free (self->name);
  g_free (self->ufrag);
  g_free (self->pwd);
  G_OBJECT_CLASS (rc_media_peer_lite_parent_class)->finalize (object);
}

static void
rc_media_peer_lite_class_init (RcMediaPeerLiteClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_media_peer_lite_dispose;
  G_OBJECT_CLASS (klass)->finalize = rc_media_peer_lite_finalize;
}

static void
rc_media_peer_lite_init (RcMediaPeerLite *self)
{
  self->state = RC_MEDIA_PEER_NEW;
  self->ice_state = "new";
}

static RcMediaPeer *
new_peer (const char *name, gpointer config, GError **error)
{
  RcMediaPeerLite *self;

  ensure_debug ();
  self = g_object_new (RC_TYPE_MEDIA_PEER_LITE, NULL);
  self->config = config;
  self->name = g_strdup (name);
  self->context = g_main_context_ref_thread_default ();
  return RC_MEDIA_PEER (self);
}

RcMediaPeerFactory
rc_media_peer_lite_factory (const RcConfig *config)
{
  g_return_val_if_fail (config != NULL, (RcMediaPeerFactory){ 0 });
  return (RcMediaPeerFactory){
    .new_peer = new_peer,
    .request_stream_pad = request_stream_pad,
    .release_stream_pad = release_stream_pad,
    .data = (gpointer) config,
  };
}
