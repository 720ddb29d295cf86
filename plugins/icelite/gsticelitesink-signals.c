/* roomcast: icelitesink's action signals: peers added, answered, moved,
 * removed and looked at, from any thread (roomcast: its main loop)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every one takes the table lock briefly and validates what it is given:
 * ICE credentials as RFC 8445/8839 define them, fingerprints as SDP writes
 * them, pads of this element only.
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include <string.h>

#include "gsticelitesink-private.h"

#define GST_CAT_DEFAULT gst_ice_lite_sink_debug

/* RFC 8445 §5.3: ufrag at least 4 characters, password at least 22 */
#define UFRAG_MIN 4
#define PWD_MIN 22
#define CREDENTIAL_MAX 256

static gboolean
is_our_pad (GstIceLiteSink * sink, GstPad * pad)
{
  return GST_IS_ICE_LITE_SINK_PAD (pad)
      && GST_OBJECT_PARENT (pad) == GST_OBJECT (sink);
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4) */
static gboolean
valid_ice_credential (const char *s, gsize min)
{
  gsize n = s ? strlen (s) : 0;

  if (n < min || n > CREDENTIAL_MAX)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '+' && s[i] != '/')
      return FALSE;
  return TRUE;
}

gboolean
gst_ice_lite_sink_add_peer (GstIceLiteSink * sink, const char *peer_id,
    const char *local_ufrag, const char *local_pwd, guint payload_type,
    guint ssrc, GstPad * source)
{
  RcIcelitePeer *peer;

  if (peer_id == NULL || *peer_id == '\0'
      || !valid_ice_credential (local_ufrag, UFRAG_MIN)
      || !valid_ice_credential (local_pwd, PWD_MIN) || payload_type > 127
      || (source != NULL && !is_our_pad (sink, source))) {
    GST_WARNING_OBJECT (sink, "add-peer %s refused: invalid arguments",
        GST_STR_NULL (peer_id));
    return FALSE;
  }
  peer = rc_icelite_peer_new (peer_id, local_ufrag, local_pwd,
      (guint8) payload_type, ssrc);
  peer->dtls = rc_dtls_endpoint_new (sink->cert, TRUE,
      gst_ice_lite_sink_net_dtls_send, peer);
  peer->added_us = g_get_monotonic_time ();

  g_mutex_lock (&sink->table_lock);
  peer->fd = sink->fd;
  if (!rc_icelite_peer_table_add (sink->table, peer)) {
    g_mutex_unlock (&sink->table_lock);
    GST_WARNING_OBJECT (sink, "add-peer %s refused: id or ufrag in use",
        peer_id);
    rc_icelite_peer_unref (peer);
    return FALSE;
  }
  rc_icelite_peer_table_set_source (sink->table, peer, source);
  g_mutex_unlock (&sink->table_lock);
  GST_DEBUG_OBJECT (sink, "peer %s added (ufrag %s, pt %u, ssrc %08x)",
      peer_id, local_ufrag, payload_type, ssrc);
  return TRUE;
}

gboolean
gst_ice_lite_sink_set_peer_remote (GstIceLiteSink * sink, const char *peer_id,
    const char *remote_ufrag, const char *remote_pwd,
    const char *remote_fingerprint)
{
  g_autoptr (GError) error = NULL;
  RcIcelitePeer *peer;

  if (peer_id == NULL || !valid_ice_credential (remote_ufrag, UFRAG_MIN)
      || !valid_ice_credential (remote_pwd, PWD_MIN)
      || !rc_dtls_fingerprint_check_syntax (remote_fingerprint, &error)) {
    GST_WARNING_OBJECT (sink, "set-peer-remote %s refused: %s",
        GST_STR_NULL (peer_id), error ? error->message : "bad ICE credentials");
    return FALSE;
  }
  g_mutex_lock (&sink->table_lock);
  peer = rc_icelite_peer_table_lookup (sink->table, peer_id);
  if (peer != NULL) {
    g_free (peer->remote_ufrag);
    peer->remote_ufrag = g_strdup (remote_ufrag);
    g_free (peer->remote_pwd);
    peer->remote_pwd = g_strdup (remote_pwd);
    g_free (peer->remote_fingerprint);
    peer->remote_fingerprint = g_strdup (remote_fingerprint);
    peer->fingerprint_pending = TRUE;
    /* the network thread applies it (and may then report "connected") */
    gst_ice_lite_sink_net_wake (sink);
  }
  g_mutex_unlock (&sink->table_lock);
  return peer != NULL;
}

gboolean
gst_ice_lite_sink_set_peer_source (GstIceLiteSink * sink, const char *peer_id,
    GstPad * source)
{
  RcIcelitePeer *peer;

  if (peer_id == NULL || (source != NULL && !is_our_pad (sink, source)))
    return FALSE;
  g_mutex_lock (&sink->table_lock);
  peer = rc_icelite_peer_table_lookup (sink->table, peer_id);
  if (peer != NULL)
    rc_icelite_peer_table_set_source (sink->table, peer, source);
  g_mutex_unlock (&sink->table_lock);
  return peer != NULL;
}

gboolean
gst_ice_lite_sink_remove_peer (GstIceLiteSink * sink, const char *peer_id)
{
  gboolean removed;

  if (peer_id == NULL)
    return FALSE;
  g_mutex_lock (&sink->table_lock);
  removed = rc_icelite_peer_table_remove (sink->table, peer_id);
  g_mutex_unlock (&sink->table_lock);
  GST_DEBUG_OBJECT (sink, "peer %s %s", peer_id,
      removed ? "removed" : "unknown");
  return removed;
}

GstStructure *
gst_ice_lite_sink_get_peer_stats (GstIceLiteSink * sink, const char *peer_id)
{
  GstStructure *s = NULL;
  RcIcelitePeer *peer;

  if (peer_id == NULL)
    return NULL;
  g_mutex_lock (&sink->table_lock);
  peer = rc_icelite_peer_table_lookup (sink->table, peer_id);
  if (peer != NULL) {
    g_autofree char *addr = rc_icelite_addr_to_string (&peer->selected);
    s = gst_structure_new ("application/x-icelite-peer-stats",
        "state", G_TYPE_STRING, rc_icelite_peer_state_to_string (peer->state),
        "packets-sent", G_TYPE_UINT64, peer->packets_sent,
        "bytes-sent", G_TYPE_UINT64, peer->bytes_sent,
        "ssrc", G_TYPE_UINT, peer->rewrite.ssrc,
        "payload-type", G_TYPE_UINT, (guint) peer->rewrite.payload_type,
        "remote-address", G_TYPE_STRING, addr,
        "nominated", G_TYPE_BOOLEAN, peer->nominated,
        "dtls-released", G_TYPE_BOOLEAN,
        peer->state == RC_ICELITE_PEER_CONNECTED && peer->dtls == NULL,
        "srtp-profile", G_TYPE_STRING, peer->srtp_tx == NULL ? NULL :
        rc_srtp_profile_openssl_name (peer->srtp_profile),
        "have-report", G_TYPE_BOOLEAN, peer->have_report,
        "fraction-lost", G_TYPE_DOUBLE, peer->report.fraction_lost / 256.0,
        "packets-lost", G_TYPE_INT, peer->report.packets_lost,
        "jitter", G_TYPE_UINT, peer->report.jitter,
        "jitter-ms", G_TYPE_DOUBLE,
        peer->report.jitter * 1000.0 / RC_ICELITE_CLOCK_RATE,
        "rtt-ms", G_TYPE_INT, peer->rtt_ms, NULL);
    if (peer->failure != NULL)
      gst_structure_set (s, "reason", G_TYPE_STRING, peer->failure, NULL);
  }
  g_mutex_unlock (&sink->table_lock);
  return s;
}
