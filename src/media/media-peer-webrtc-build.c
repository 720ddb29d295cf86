/* roomcast: building a webrtcbin peer's bin (codec preferences, ICE
 * settings: ports, listen and announced addresses, STUN/TURN); see
 * media-peer-webrtc.h. Main loop only. */
#include "media/media-peer-webrtc-private.h"
#include "media/media-sdp.h"

#include <string.h>

#include <ifaddrs.h>
#include <net/if.h>

/* --- construction ---------------------------------------------------------- */

/* Codec preferences of the transceiver, which is what webrtcbin offers:
 * RC_MEDIA_OPUS_RTP_CAPS plus the fmtp parameters as caps fields. */
static GstCaps *
offer_caps (void)
{
  GstCaps *caps = gst_caps_from_string (RC_MEDIA_OPUS_RTP_CAPS);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  g_auto (GStrv) params = g_strsplit (RC_MEDIA_OPUS_FMTP, ";", -1);

  gst_structure_set (s, "encoding-params", G_TYPE_STRING, "2", NULL);
  for (char **p = params; *p; p++) {
    g_auto (GStrv) kv = g_strsplit (*p, "=", 2);
    if (kv[0] && kv[1])
      gst_structure_set (s, kv[0], G_TYPE_STRING, kv[1], NULL);
  }
  return caps;
}

/* The address ICE gathers on without RTC_LISTEN_IP: libnice skips loopback,
 * so on a host whose only interface is lo (a laptop offline, a container,
 * a network namespace) it would gather nothing and every client would time
 * out; there, 127.0.0.1. NULL (libnice's own choice) anywhere else. Read
 * once: interfaces that come later are libnice's to find. */
static const char *
default_listen_ip (void)
{
  static gsize done;
  static const char *ip;

  if (g_once_init_enter (&done)) {
    struct ifaddrs *list = NULL;
    gboolean other = FALSE;
    if (getifaddrs (&list) == 0) {
      for (struct ifaddrs *i = list; i && !other; i = i->ifa_next)
        other = i->ifa_addr && (i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK) &&
                (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6);
      freeifaddrs (list);
    }
    ip = other ? NULL : "127.0.0.1";
    if (ip)
      g_info ("media: no RTC_LISTEN_IP and no network interface but lo: ICE on %s", ip);
    g_once_init_leave (&done, 1);
  }
  return ip;
}

/* ICE settings live on webrtcbin's agent; they must be set before the first
 * set-local-description creates the ICE stream. */
static gboolean
configure_ice (RcMediaPeerWebrtc *self, GError **error)
{
  g_autoptr (GstWebRTCICE) ice = NULL;
  const RcConfig *config = self->config;

  g_object_get (self->webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE,
                 "webrtcbin has no ICE agent");
    return FALSE;
  }
  g_object_set (ice, "min-rtp-port", config->rtc_min_port, "max-rtp-port", config->rtc_max_port,
                NULL);
  /* ICE-TCP candidates mean listening sockets per peer; browsers reach a
   * server over UDP, or over TURN where UDP is blocked. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "ice-tcp"))
    g_object_set (ice, "ice-tcp", FALSE, NULL);
  /* libnice would otherwise look for a UPnP router (SSDP multicast on every
   * interface): pointless for a server, and traffic off RTC_LISTEN_IP. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent")) {
    g_autoptr (GObject) agent = NULL;
    g_object_get (ice, "agent", &agent, NULL);
    if (agent && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp"))
      g_object_set (agent, "upnp", FALSE, NULL);
  }
  const char *listen_ip = config->rtc_listen_ip ? config->rtc_listen_ip : default_listen_ip ();
  if (listen_ip) {
    gboolean ok = FALSE;
    g_signal_emit_by_name (ice, "add-local-ip-address", listen_ip, &ok);
    if (!ok) {
      g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE,
                   "RTC_LISTEN_IP %s: the ICE agent refused the address", listen_ip);
      return FALSE;
    }
  }
  if (config->stun_server)
    g_object_set (self->webrtc, "stun-server", config->stun_server, NULL);
  if (config->turn_servers) {
    g_auto (GStrv) urls = g_strsplit (config->turn_servers, ",", -1);
    for (char **u = urls; *u; u++) {
      gboolean ok = FALSE;
      g_signal_emit_by_name (self->webrtc, "add-turn-server", *u, &ok);
      if (!ok)
        GST_WARNING_OBJECT (self->bin, "webrtcbin refused TURN server %u",
                            (guint) (u - urls) + 1);
    }
  }
  return TRUE;
}

/* webrtcbin.sink_0, with the transceiver set up before any negotiation;
 * the bin's ghost pads around it. */
gboolean
rc_media_peer_webrtc_build_bin (RcMediaPeerWebrtc *self, GError **error)
{
  g_autoptr (GstWebRTCRTPTransceiver) trans = NULL;
  g_autoptr (GstCaps) caps = offer_caps ();

  self->bin = gst_object_ref_sink (rc_media_peer_webrtc_bin_new (self, self->name));
  /* Named after the peer: its threads are then "<name>:pc" in top -H. */
  self->webrtc = gst_element_factory_make ("webrtcbin", self->name);
  if (self->webrtc == NULL) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE,
                 "webrtcbin is not available (install gstreamer1.0-plugins-bad and "
                 "gstreamer1.0-nice)");
    return FALSE;
  }
  if (!rc_media_bin_add (GST_BIN (self->bin), self->webrtc, error)) {
    self->webrtc = NULL; /* refused, and gone */
    return FALSE;
  }
  g_object_set (self->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                self->config->jitter_latency_ms, NULL);
  if (!configure_ice (self, error))
    return FALSE;

  self->send_pad = gst_element_request_pad_simple (self->webrtc, "sink_%u");
  if (self->send_pad == NULL) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK, "webrtcbin gave no sink pad");
    return FALSE;
  }
  g_object_get (self->send_pad, "transceiver", &trans, NULL);
  g_object_set (trans, "direction",
                self->receive_only ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY
                                   : GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV,
                "codec-preferences", caps, NULL);
  /* A pad the bin refuses is gone (it was floating). */
  self->sink_ghost = gst_ghost_pad_new ("sink", self->send_pad);
  if (self->sink_ghost != NULL && !gst_element_add_pad (self->bin, self->sink_ghost))
    self->sink_ghost = NULL;
  self->src_ghost = gst_ghost_pad_new_no_target ("src", GST_PAD_SRC);
  if (self->src_ghost != NULL && !gst_element_add_pad (self->bin, self->src_ghost))
    self->src_ghost = NULL;
  if (self->sink_ghost == NULL || self->src_ghost == NULL) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK, "peer %s: cannot make its pads",
                 self->name);
    return FALSE;
  }
  rc_media_peer_webrtc_watch (self);
  return TRUE;
}
