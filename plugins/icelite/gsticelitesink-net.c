/* roomcast: icelitesink's network thread: the UDP socket, what comes in on
 * it (STUN, DTLS, SRTCP) and the timers (DTLS retransmission, consent
 * freshness, sender reports)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One thread per element, sleeping in poll() on the socket and an eventfd
 * (shutdown, or work from set-peer-remote). Everything it does to peers is
 * under the table lock; peer-state-changed is emitted after the lock is
 * released.
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "gsticelitesink-private.h"
#include "icelite-rtcp.h"

#define GST_CAT_DEFAULT gst_ice_lite_sink_debug

/* How often the timers run at the latest, and the SR interval. */
#define TIMER_PERIOD_US (50 * 1000)
#define SR_INTERVAL_US G_USEC_PER_SEC
#define RECV_BUDGET 256
#define SEND_BUFFER_BYTES (4 * 1024 * 1024)
/* A join storm's STUN checks and DTLS flights queue here while the network
 * thread signs a handshake: the default (208 KiB, a few hundred small
 * datagrams' truesize) can overflow. Capped by net.core.rmem_max. */
#define RECV_BUFFER_BYTES (4 * 1024 * 1024)
#define RTCP_CNAME "roomcast"

typedef struct {
  char *peer_id;
  const char *state;
  const char *reason;
} PeerEvent;

static void
peer_event_clear (gpointer data)
{
  g_free (((PeerEvent *) data)->peer_id);
}

static void
queue_event (GArray * events, RcIcelitePeer * peer, const char *reason)
{
  PeerEvent ev = { g_strdup (peer->id),
    rc_icelite_peer_state_to_string (peer->state), reason ? reason : ""
  };
  g_array_append_val (events, ev);
}

static void
fail_peer (GstIceLiteSink * sink, RcIcelitePeer * peer, const char *reason,
    GArray * events)
{
  if (peer->state == RC_ICELITE_PEER_FAILED)
    return;
  peer->state = RC_ICELITE_PEER_FAILED;
  peer->failure = reason;
  GST_INFO_OBJECT (sink, "peer %s failed: %s", peer->id, reason);
  queue_event (events, peer, reason);
}

void
gst_ice_lite_sink_net_dtls_send (const guint8 * data, gsize len,
    gpointer user_data)
{
  RcIcelitePeer *peer = user_data;

  if (peer->fd >= 0 && peer->dtls_addr.len > 0)
    (void) sendto (peer->fd, data, len, MSG_DONTWAIT,
        (const struct sockaddr *) &peer->dtls_addr.ss, peer->dtls_addr.len);
}

/* What the DTLS association says now, as a peer state. */
static void
dtls_progress (GstIceLiteSink * sink, RcIcelitePeer * peer, RcDtlsState state,
    gint64 now, GArray * events)
{
  guint8 lk[16], ls[14], rk[16], rs[14];
  RcSrtpProfile profile;

  if (peer->state == RC_ICELITE_PEER_FAILED
      || peer->state == RC_ICELITE_PEER_CONNECTED)
    return;
  if (state == RC_DTLS_STATE_FAILED || state == RC_DTLS_STATE_CLOSED) {
    fail_peer (sink, peer, state == RC_DTLS_STATE_CLOSED ? "dtls_failed" :
        rc_dtls_failure_to_string (rc_dtls_endpoint_get_failure (peer->dtls)),
        events);
    return;
  }
  if (state != RC_DTLS_STATE_CONNECTED)
    return;
  if (!rc_dtls_endpoint_get_srtp_keys (peer->dtls, &profile, lk, ls, rk, rs)
      || (peer->srtp_tx = rc_srtp_context_new (profile, lk, ls, NULL)) == NULL
      || (peer->srtp_rx = rc_srtp_context_new (profile, rk, rs, NULL)) == NULL) {
    fail_peer (sink, peer, "dtls_failed", events);
    return;
  }
  memset (lk, 0, sizeof lk);
  memset (rk, 0, sizeof rk);
  peer->srtp_profile = profile;
  if (peer->selected.len == 0)
    peer->selected = peer->dtls_addr;
  peer->state = RC_ICELITE_PEER_CONNECTED;
  peer->next_sr_us = now + SR_INTERVAL_US;
  GST_INFO_OBJECT (sink, "peer %s connected (%s)", peer->id,
      rc_srtp_profile_openssl_name (profile));
  queue_event (events, peer, NULL);
}

/* ---- received datagrams ---- */

static gpointer
lookup_credentials (const char *local_ufrag, const char *remote_ufrag,
    const char **local_pwd, gpointer user_data)
{
  GstIceLiteSink *sink = user_data;
  RcIcelitePeer *peer =
      rc_icelite_peer_table_lookup_ufrag (sink->table, local_ufrag);

  /* a failed peer has lost consent: no more answers */
  if (peer == NULL || peer->state == RC_ICELITE_PEER_FAILED)
    return NULL;
  if (peer->remote_ufrag != NULL && strcmp (peer->remote_ufrag,
          remote_ufrag) != 0)
    return NULL;
  *local_pwd = peer->local_pwd;
  return peer;
}

static void
handle_stun (GstIceLiteSink * sink, const guint8 * buf, gsize len,
    const struct sockaddr *from, socklen_t from_len, gint64 now,
    GArray * events)
{
  guint8 reply[RC_ICELITE_STUN_REPLY_MAX];
  gsize reply_len = 0;
  gpointer found = NULL;
  gboolean use_candidate = FALSE;
  RcIceliteStunResult result;

  g_mutex_lock (&sink->table_lock);
  result = rc_icelite_stun_handle_request (sink->stun, buf, len, from,
      from_len, lookup_credentials, sink, reply, &reply_len, &found,
      &use_candidate);
  if (result == RC_ICELITE_STUN_BINDING) {
    RcIcelitePeer *peer = found;
    peer->last_check_us = now;
    rc_icelite_peer_table_add_addr (sink->table, peer, from, from_len);
    if (use_candidate || peer->selected.len == 0) {
      rc_icelite_addr_set (&peer->selected, from, from_len);
      peer->nominated = peer->nominated || use_candidate;
    }
    if (peer->state == RC_ICELITE_PEER_NEW) {
      peer->state = RC_ICELITE_PEER_CHECKING;
      queue_event (events, peer, NULL);
    }
  }
  g_mutex_unlock (&sink->table_lock);
  if (reply_len > 0)
    (void) sendto (sink->fd, reply, reply_len, MSG_DONTWAIT, from, from_len);
}

static void
handle_dtls (GstIceLiteSink * sink, const guint8 * buf, gsize len,
    const struct sockaddr *from, socklen_t from_len, gint64 now,
    GArray * events)
{
  RcIcelitePeer *peer;
  RcDtlsState state;

  g_mutex_lock (&sink->table_lock);
  peer = rc_icelite_peer_table_lookup_addr (sink->table, from, from_len);
  if (peer == NULL || peer->state == RC_ICELITE_PEER_FAILED
      || peer->dtls == NULL) {
    g_mutex_unlock (&sink->table_lock);
    return;
  }
  rc_icelite_peer_ref (peer);
  rc_icelite_addr_set (&peer->dtls_addr, from, from_len);
  g_mutex_unlock (&sink->table_lock);

  /* The handshake's crypto (ECDHE, an ECDSA signature: a few hundred µs)
   * runs without the table lock, so the streaming threads never wait for
   * it. Only this thread touches the endpoint (and dtls_addr); the
   * reference keeps the peer alive if remove-peer comes meanwhile. */
  state = rc_dtls_endpoint_handle_datagram (peer->dtls, buf, len);

  g_mutex_lock (&sink->table_lock);
  if (!peer->removed)
    dtls_progress (sink, peer, state, now, events);
  g_mutex_unlock (&sink->table_lock);
  rc_icelite_peer_unref (peer);
}

static void
handle_rtcp (GstIceLiteSink * sink, guint8 * buf, gsize len,
    const struct sockaddr *from, socklen_t from_len)
{
  RcIcelitePeer *peer;
  gsize plain_len;

  g_mutex_lock (&sink->table_lock);
  peer = rc_icelite_peer_table_lookup_addr (sink->table, from, from_len);
  if (peer != NULL && peer->srtp_rx != NULL
      && rc_srtp_context_unprotect_rtcp (peer->srtp_rx, buf, len, &plain_len)) {
    RcIceliteReportBlock block;
    /* SRTCP from the client proves it has finished the handshake (it has
     * the keys): the DTLS association, ~75 KiB of OpenSSL state kept only
     * to answer a retransmitted final flight, can go. */
    if (peer->dtls != NULL && peer->state == RC_ICELITE_PEER_CONNECTED) {
      g_clear_pointer (&peer->dtls, rc_dtls_endpoint_free);
      GST_DEBUG_OBJECT (sink, "peer %s: DTLS state released", peer->id);
    }
    if (rc_icelite_rtcp_find_report (buf, plain_len, peer->rewrite.ssrc,
            &block)) {
      gint rtt = rc_icelite_rtcp_rtt_ms (&block, rc_icelite_ntp_now ());
      peer->report = block;
      peer->have_report = TRUE;
      if (rtt >= 0)
        peer->rtt_ms = rtt;
    }
  }
  g_mutex_unlock (&sink->table_lock);
}

/* RFC 7983 demultiplexing by the first byte. */
static void
dispatch (GstIceLiteSink * sink, guint8 * buf, gsize len,
    const struct sockaddr *from, socklen_t from_len, gint64 now,
    GArray * events)
{
  guint8 b = buf[0];

  if (rc_icelite_stun_is_stun (b))
    handle_stun (sink, buf, len, from, from_len, now, events);
  else if (b >= 20 && b <= 63)
    handle_dtls (sink, buf, len, from, from_len, now, events);
  else if (b >= 128 && b <= 191 && len >= 2 && buf[1] >= 192 && buf[1] <= 223)
    handle_rtcp (sink, buf, len, from, from_len);
  /* RTP from a listener (its unused send side) is ignored */
}

/* ---- timers ---- */

static void
send_sender_report (GstIceLiteSink * sink, RcIcelitePeer * peer, gint64 now)
{
  guint8 buf[RC_ICELITE_RTCP_SR_MAX + RC_SRTP_MAX_TRAILER];
  gsize len, out_len;

  len = rc_icelite_rtcp_build_sr (buf, RC_ICELITE_RTCP_SR_MAX,
      peer->rewrite.ssrc, rc_icelite_ntp_now (),
      rc_icelite_rewrite_timestamp_at (&peer->rewrite, now),
      (guint32) peer->packets_sent, peer->payload_octets, RTCP_CNAME);
  if (len > 0 && rc_srtp_context_protect_rtcp (peer->srtp_tx, buf, len,
          sizeof buf, &out_len))
    (void) sendto (sink->fd, buf, out_len, MSG_DONTWAIT,
        (const struct sockaddr *) &peer->selected.ss, peer->selected.len);
}

/* Runs every timer that is due and returns when the next one is. */
static gint64
run_timers (GstIceLiteSink * sink, gint64 now, GArray * events)
{
  gint64 consent_us, next = now + TIMER_PERIOD_US;
  GHashTableIter iter;
  gpointer value;

  GST_OBJECT_LOCK (sink);
  consent_us = (gint64) sink->consent_timeout_ms * 1000;
  GST_OBJECT_UNLOCK (sink);

  g_mutex_lock (&sink->table_lock);
  rc_icelite_peer_table_iter_init (sink->table, &iter);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    RcIcelitePeer *peer = value;
    gint64 deadline;

    if (peer->state == RC_ICELITE_PEER_FAILED)
      continue;
    if (peer->dtls != NULL && peer->fingerprint_pending)
      dtls_progress (sink, peer,
          rc_dtls_endpoint_set_remote_fingerprint (peer->dtls,
              peer->remote_fingerprint), now, events);
    peer->fingerprint_pending = FALSE;
    deadline = peer->dtls ? rc_dtls_endpoint_get_deadline (peer->dtls) : -1;
    if (deadline >= 0 && deadline <= now) {
      dtls_progress (sink, peer, rc_dtls_endpoint_handle_timeout (peer->dtls),
          now, events);
      deadline = rc_dtls_endpoint_get_deadline (peer->dtls);
    }
    if (deadline >= 0)
      next = MIN (next, deadline);

    /* consent freshness (RFC 7675), and ICE that never started */
    if (now - (peer->last_check_us ? peer->last_check_us : peer->added_us)
        > consent_us) {
      fail_peer (sink, peer, peer->last_check_us ? "consent_expired" :
          "ice_timeout", events);
      continue;
    }
    if (peer->state == RC_ICELITE_PEER_CONNECTED && now >= peer->next_sr_us) {
      if (peer->packets_sent > 0)
        send_sender_report (sink, peer, now);
      peer->next_sr_us = now + SR_INTERVAL_US;
    }
  }
  g_mutex_unlock (&sink->table_lock);
  return next;
}

static void
emit_events (GstIceLiteSink * sink, GArray * events)
{
  for (guint i = 0; i < events->len; i++) {
    PeerEvent *ev = &g_array_index (events, PeerEvent, i);
    gst_ice_lite_sink_emit_peer_state (sink, ev->peer_id, ev->state,
        ev->reason);
  }
  g_array_set_size (events, 0);
}

static gpointer
net_thread_main (gpointer data)
{
  GstIceLiteSink *sink = data;
  g_autoptr (GArray) events = g_array_new (FALSE, FALSE, sizeof (PeerEvent));
  struct pollfd fds[2] = {
    {.fd = sink->fd,.events = POLLIN},
    {.fd = sink->wake_fd,.events = POLLIN},
  };
  guint8 buf[2048];

  g_array_set_clear_func (events, peer_event_clear);
  sink->next_timer_us = g_get_monotonic_time ();
  while (!g_atomic_int_get (&sink->stopping)) {
    gint64 now = g_get_monotonic_time ();
    int timeout_ms = (int) CLAMP ((sink->next_timer_us - now + 999) / 1000,
        0, TIMER_PERIOD_US / 1000);
    gboolean woken = FALSE;

    if (poll (fds, 2, timeout_ms) < 0 && errno != EINTR)
      break;
    if (fds[1].revents & POLLIN) {
      guint64 v;
      (void) read (fds[1].fd, &v, sizeof v);
      woken = TRUE;
    }
    now = g_get_monotonic_time ();
    if (fds[0].revents & POLLIN) {
      for (guint n = 0; n < RECV_BUDGET; n++) {
        struct sockaddr_storage from;
        socklen_t from_len = sizeof from;
        ssize_t r = recvfrom (fds[0].fd, buf, sizeof buf, MSG_DONTWAIT,
            (struct sockaddr *) &from, &from_len);
        if (r <= 0)
          break;
        dispatch (sink, buf, (gsize) r, (struct sockaddr *) &from, from_len,
            now, events);
      }
    }
    if (woken || now >= sink->next_timer_us)
      sink->next_timer_us = run_timers (sink, now, events);
    emit_events (sink, events);
  }
  return NULL;
}

/* ---- socket and thread ---- */

static int
bind_in_range (GstIceLiteSink * sink, const char *address, guint min_port,
    guint max_port, guint * bound, GError ** error)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  struct sockaddr_storage ss;
  socklen_t len;
  int fd, sndbuf = SEND_BUFFER_BYTES, rcvbuf = RECV_BUFFER_BYTES;
  guint lo, hi, span, start;

  if (inet == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "bind-address \"%s\" is not an IP address", address);
    return -1;
  }
  lo = min_port ? min_port : (max_port ? 1024 : 0);
  hi = max_port ? max_port : (min_port ? 65535 : 0);
  if (lo > hi) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "min-port %u is above max-port %u", min_port, max_port);
    return -1;
  }
  fd = socket (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ?
      AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
        "no UDP socket: %s", g_strerror (errno));
    return -1;
  }
  (void) setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  (void) setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  span = hi - lo + 1;
  start = lo == 0 ? 0 : g_random_int_range (0, (gint32) span);
  for (guint i = 0; i < (lo == 0 ? 1 : span); i++) {
    guint port = lo == 0 ? 0 : lo + (start + i) % span;
    g_autoptr (GSocketAddress) sa =
        g_inet_socket_address_new (inet, (guint16) port);
    len = (socklen_t) g_socket_address_get_native_size (sa);
    g_socket_address_to_native (sa, &ss, sizeof ss, NULL);
    if (bind (fd, (struct sockaddr *) &ss, len) == 0) {
      len = sizeof ss;
      getsockname (fd, (struct sockaddr *) &ss, &len);
      *bound = ntohs (ss.ss_family == AF_INET6 ?
          ((struct sockaddr_in6 *) &ss)->sin6_port :
          ((struct sockaddr_in *) &ss)->sin_port);
      return fd;
    }
    if (errno != EADDRINUSE && errno != EACCES)
      break;
  }
  if (lo == 0)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
        "cannot bind a UDP port on %s: %s", address, g_strerror (errno));
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
        "no free UDP port in %u-%u on %s (%s)", lo, hi, address,
        g_strerror (errno));
  close (fd);
  return -1;
}

gboolean
gst_ice_lite_sink_net_start (GstIceLiteSink * sink, GError ** error)
{
  g_autofree char *address = NULL;
  guint min_port, max_port, port = 0;
  GHashTableIter iter;
  gpointer value;
  int fd, wake_fd;

  GST_OBJECT_LOCK (sink);
  address = g_strdup (sink->bind_address);
  min_port = sink->min_port;
  max_port = sink->max_port;
  GST_OBJECT_UNLOCK (sink);

  fd = bind_in_range (sink, address, min_port, max_port, &port, error);
  if (fd < 0)
    return FALSE;
  wake_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
        "no eventfd: %s", g_strerror (errno));
    close (fd);
    return FALSE;
  }
  sink->stun = rc_icelite_stun_new ();

  g_mutex_lock (&sink->table_lock);
  sink->fd = fd;
  sink->wake_fd = wake_fd;
  rc_icelite_peer_table_iter_init (sink->table, &iter);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((RcIcelitePeer *) value)->fd = fd;
  g_mutex_unlock (&sink->table_lock);
  GST_OBJECT_LOCK (sink);
  sink->port = port;
  GST_OBJECT_UNLOCK (sink);

  g_atomic_int_set (&sink->stopping, 0);
  sink->thread = g_thread_new ("icelitesink-net", net_thread_main, sink);
  GST_INFO_OBJECT (sink, "listening on %s port %u", address, port);
  return TRUE;
}

/* With the table lock held: wake_fd is closed under it. */
void
gst_ice_lite_sink_net_wake (GstIceLiteSink * sink)
{
  guint64 one = 1;

  if (sink->wake_fd >= 0)
    (void) write (sink->wake_fd, &one, sizeof one);
}

void
gst_ice_lite_sink_net_stop (GstIceLiteSink * sink)
{
  GHashTableIter iter;
  gpointer value;
  int fd, wake_fd;

  if (sink->thread != NULL) {
    g_atomic_int_set (&sink->stopping, 1);
    g_mutex_lock (&sink->table_lock);
    gst_ice_lite_sink_net_wake (sink);
    g_mutex_unlock (&sink->table_lock);
    g_thread_join (sink->thread);
    sink->thread = NULL;
  }
  g_mutex_lock (&sink->table_lock);
  fd = sink->fd;
  sink->fd = -1;
  wake_fd = sink->wake_fd;
  sink->wake_fd = -1;
  rc_icelite_peer_table_iter_init (sink->table, &iter);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((RcIcelitePeer *) value)->fd = -1;
  g_mutex_unlock (&sink->table_lock);
  if (fd >= 0)
    close (fd);
  if (wake_fd >= 0)
    close (wake_fd);
  g_clear_pointer (&sink->stun, rc_icelite_stun_free);
  GST_OBJECT_LOCK (sink);
  sink->port = 0;
  GST_OBJECT_UNLOCK (sink);
}
