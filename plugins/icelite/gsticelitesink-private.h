/* roomcast: icelitesink internals shared by its source files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Threads and what they may touch:
 * - the application (any thread; roomcast: its main loop) calls the action
 *   signals and sets properties: peers are added, changed and removed
 *   under table_lock; properties under the object lock.
 * - each sink pad's streaming thread runs its chain function: it fills its
 *   pad's own batch under table_lock (reading peers, advancing their RTP
 *   header and SRTP state) and sends it with the lock released.
 * - the network thread (gsticelitesink-net.c) receives STUN, DTLS and RTCP
 *   and runs the timers (DTLS retransmission, consent, sender reports)
 *   under table_lock, except a received DTLS datagram's handshake work,
 *   done with a reference to the peer and the lock released (only this
 *   thread touches a peer's DTLS endpoint); it emits peer-state-changed
 *   with no lock held.
 * Counters of the whole element are under stats_lock.
 */
#pragma once

#include "gsticelitesink.h"
#include "icelite-dtls.h"
#include "icelite-peer-table.h"
#include "icelite-sender.h"
#include "icelite-stun.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_ice_lite_sink_debug);

struct _GstIceLiteSinkPad {
  GstPad parent;
  RcIceliteBatch *batch;        /* the streaming thread's own */
  gboolean eos;                 /* object lock of the element */
};

struct _GstIceLiteSink {
  GstElement parent;

  /* properties: object lock */
  char *bind_address;
  char *announced_address;
  guint min_port;
  guint max_port;
  guint consent_timeout_ms;
  guint port;                   /* bound port, 0 when not READY */

  RcDtlsCertificate *cert;      /* made at init, never changes */

  GMutex table_lock;
  RcIcelitePeerTable *table;

  /* network: set up at NULL→READY, torn down at READY→NULL; fd and
   * wake_fd change under table_lock */
  int fd;
  int wake_fd;
  GThread *thread;
  gint stopping;                /* atomic */
  RcIceliteStun *stun;          /* network thread only */
  gint64 next_timer_us;         /* network thread only */

  GMutex stats_lock;
  guint64 packets_sent;
  guint64 bytes_sent;
  guint64 sendmmsg_calls;
  guint64 packets_dropped;

  guint next_pad_id;            /* object lock */
};

/* gsticelitesink-signals.c: the action signals' class handlers */
gboolean gst_ice_lite_sink_add_peer (GstIceLiteSink * sink,
    const char *peer_id, const char *local_ufrag, const char *local_pwd,
    guint payload_type, guint ssrc, GstPad * source);
gboolean gst_ice_lite_sink_set_peer_remote (GstIceLiteSink * sink,
    const char *peer_id, const char *remote_ufrag, const char *remote_pwd,
    const char *remote_fingerprint);
gboolean gst_ice_lite_sink_set_peer_source (GstIceLiteSink * sink,
    const char *peer_id, GstPad * source);
gboolean gst_ice_lite_sink_remove_peer (GstIceLiteSink * sink,
    const char *peer_id);
GstStructure *gst_ice_lite_sink_get_peer_stats (GstIceLiteSink * sink,
    const char *peer_id);

/* gsticelitesink.c: emits peer-state-changed (no lock held) */
void gst_ice_lite_sink_emit_peer_state (GstIceLiteSink * sink,
    const char *peer_id, const char *state, const char *reason);

/* gsticelitesink-net.c */
gboolean gst_ice_lite_sink_net_start (GstIceLiteSink * sink, GError ** error);
void gst_ice_lite_sink_net_stop (GstIceLiteSink * sink);
/* Makes the network thread run its timers now (a fingerprint arrived).
 * Call with table_lock held. */
void gst_ice_lite_sink_net_wake (GstIceLiteSink * sink);
/* The DTLS send function of a peer's endpoint. */
void gst_ice_lite_sink_net_dtls_send (const guint8 * data, gsize len,
    gpointer peer);

G_END_DECLS
