/* roomcast: icelitesink's peers and the three ways to find one
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A peer is one listener's receive transport: its ICE credentials, the
 * addresses that passed a connectivity check, its DTLS association and
 * SRTP contexts, the RTP header it is sent with, its counters. The table
 * finds a peer by id (the caller's), by local ICE ufrag (a STUN request),
 * by remote address (DTLS and RTCP), and lists the peers of each source
 * (the stream a sink pad carries) for the sending path.
 *
 * Not thread-safe: the element holds its table lock around every call and
 * every access to a peer's fields, except the DTLS endpoint, which only the
 * network thread touches (with a reference, outside the lock, for the
 * handshake's crypto).
 */
#pragma once

#include <sys/socket.h>

#include <glib.h>

#include "icelite-dtls.h"
#include "icelite-rtcp.h"
#include "icelite-sender.h"
#include "srtp-context.h"

G_BEGIN_DECLS

/* Addresses remembered per peer: a client checks a few candidate pairs. */
#define RC_ICELITE_PEER_MAX_ADDRS 4

typedef enum {
  RC_ICELITE_PEER_NEW,          /* added, no valid check yet */
  RC_ICELITE_PEER_CHECKING,     /* a valid binding request came in */
  RC_ICELITE_PEER_CONNECTED,    /* DTLS done, SRTP keys in place */
  RC_ICELITE_PEER_FAILED,
} RcIcelitePeerState;

typedef struct _RcIcelitePeer {
  gint ref_count;               /* atomic: the table's + the network thread's */
  gboolean removed;             /* out of the table, alive until unreffed */
  char *id;
  char *local_ufrag;
  char *local_pwd;
  char *remote_ufrag;           /* NULL until set-peer-remote */
  char *remote_pwd;
  char *remote_fingerprint;
  gboolean fingerprint_pending; /* set-peer-remote came; the net thread applies it */

  gpointer source;              /* the sink pad it hears, or NULL */
  RcIcelitePeerState state;
  const char *failure;          /* static string once FAILED */

  RcIceliteAddr addrs[RC_ICELITE_PEER_MAX_ADDRS];       /* validated, oldest first */
  guint n_addrs;
  RcIceliteAddr selected;       /* where media goes (len 0: nowhere yet) */
  gboolean nominated;
  RcIceliteAddr dtls_addr;      /* where DTLS replies go */
  gint64 added_us;
  gint64 last_check_us;         /* 0: never */

  RcDtlsEndpoint *dtls;         /* NULL once released (after SRTCP came) */
  RcSrtpContext *srtp_tx;
  RcSrtpContext *srtp_rx;
  RcSrtpProfile srtp_profile;
  int fd;                       /* the element's socket, for DTLS output */

  RcIceliteRewrite rewrite;

  guint64 packets_sent;
  guint64 bytes_sent;
  guint32 payload_octets;       /* for the SR (wraps, as RFC 3550 says) */
  gint64 next_sr_us;
  gboolean have_report;
  RcIceliteReportBlock report;
  gint rtt_ms;
} RcIcelitePeer;

typedef struct _RcIcelitePeerTable RcIcelitePeerTable;

const char *rc_icelite_peer_state_to_string (RcIcelitePeerState state);

RcIcelitePeerTable *rc_icelite_peer_table_new (void);
void rc_icelite_peer_table_free (RcIcelitePeerTable * table);

/* Takes the caller's reference to @peer; FALSE (and @peer untouched) if
 * its id or local ufrag is taken. */
gboolean rc_icelite_peer_table_add (RcIcelitePeerTable * table,
    RcIcelitePeer * peer);
/* Removes (marks removed) and drops the table's reference. */
gboolean rc_icelite_peer_table_remove (RcIcelitePeerTable * table,
    const char *id);
RcIcelitePeer *rc_icelite_peer_table_lookup (RcIcelitePeerTable * table,
    const char *id);
RcIcelitePeer *rc_icelite_peer_table_lookup_ufrag (RcIcelitePeerTable * table,
    const char *local_ufrag);
RcIcelitePeer *rc_icelite_peer_table_lookup_addr (RcIcelitePeerTable * table,
    const struct sockaddr *addr, socklen_t len);
/* A binding request from @addr was valid for @peer: remember the address
 * (the oldest goes if there are too many). */
void rc_icelite_peer_table_add_addr (RcIcelitePeerTable * table,
    RcIcelitePeer * peer, const struct sockaddr *addr, socklen_t len);
/* Moves @peer to another source (NULL: none). */
void rc_icelite_peer_table_set_source (RcIcelitePeerTable * table,
    RcIcelitePeer * peer, gpointer source);
/* The peers of @source (NULL if none); valid until the table changes. */
GPtrArray *rc_icelite_peer_table_peers_of (RcIcelitePeerTable * table,
    gpointer source);
/* Every peer of @source gets no source (its sink pad is going away). */
void rc_icelite_peer_table_drop_source (RcIcelitePeerTable * table,
    gpointer source);
guint rc_icelite_peer_table_size (RcIcelitePeerTable * table);
/* Iteration over all peers (GHashTableIter over id → peer). */
void rc_icelite_peer_table_iter_init (RcIcelitePeerTable * table,
    GHashTableIter * iter);

RcIcelitePeer *rc_icelite_peer_new (const char *id, const char *local_ufrag,
    const char *local_pwd, guint8 payload_type, guint32 ssrc);
RcIcelitePeer *rc_icelite_peer_ref (RcIcelitePeer * peer);
void rc_icelite_peer_unref (RcIcelitePeer * peer);

/* "ip:port" */
char *rc_icelite_addr_to_string (const RcIceliteAddr * addr);
void rc_icelite_addr_set (RcIceliteAddr * addr, const struct sockaddr *sa,
    socklen_t len);

G_END_DECLS
