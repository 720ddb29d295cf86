/* roomcast: icelitesink's peers and the three ways to find one
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "icelite-peer-table.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

struct _RcIcelitePeerTable {
  GHashTable *by_id;            /* id → peer (owned) */
  GHashTable *by_ufrag;         /* local ufrag → peer */
  GHashTable *by_addr;          /* RcIceliteAddr* (in the peer) → peer */
  GHashTable *by_source;        /* source → GPtrArray of peers */
};

const char *
rc_icelite_peer_state_to_string (RcIcelitePeerState state)
{
  switch (state) {
    case RC_ICELITE_PEER_NEW:
      return "new";
    case RC_ICELITE_PEER_CHECKING:
      return "checking";
    case RC_ICELITE_PEER_CONNECTED:
      return "connected";
    case RC_ICELITE_PEER_FAILED:
      return "failed";
  }
  return "failed";
}

void
rc_icelite_addr_set (RcIceliteAddr * addr, const struct sockaddr *sa,
    socklen_t len)
{
  memset (addr, 0, sizeof *addr);
  if (len > sizeof addr->ss)
    len = sizeof addr->ss;
  memcpy (&addr->ss, sa, len);
  addr->len = len;
}

/* Family, port and address only: what identifies a UDP sender. */
static guint
addr_hash (gconstpointer key)
{
  const RcIceliteAddr *a = key;

  if (a->ss.ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *) &a->ss;
    return in->sin_addr.s_addr ^ ((guint) in->sin_port << 16);
  } else if (a->ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) &a->ss;
    guint h = in6->sin6_port;
    for (int i = 0; i < 16; i++)
      h = h * 31 + in6->sin6_addr.s6_addr[i];
    return h;
  }
  return 0;
}

static gboolean
addr_equal (gconstpointer ka, gconstpointer kb)
{
  const RcIceliteAddr *a = ka, *b = kb;

  if (a->ss.ss_family != b->ss.ss_family)
    return FALSE;
  if (a->ss.ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *) &a->ss, *y = (const void *) &b->ss;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  } else if (a->ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const void *) &a->ss, *y = (const void *) &b->ss;
    return x->sin6_port == y->sin6_port
        && memcmp (&x->sin6_addr, &y->sin6_addr, 16) == 0;
  }
  return FALSE;
}

char *
rc_icelite_addr_to_string (const RcIceliteAddr * addr)
{
  char ip[INET6_ADDRSTRLEN] = "";

  if (addr->ss.ss_family == AF_INET) {
    const struct sockaddr_in *in = (const void *) &addr->ss;
    inet_ntop (AF_INET, &in->sin_addr, ip, sizeof ip);
    return g_strdup_printf ("%s:%u", ip, ntohs (in->sin_port));
  } else if (addr->ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const void *) &addr->ss;
    inet_ntop (AF_INET6, &in6->sin6_addr, ip, sizeof ip);
    return g_strdup_printf ("[%s]:%u", ip, ntohs (in6->sin6_port));
  }
  return NULL;
}

RcIcelitePeer *
rc_icelite_peer_new (const char *id, const char *local_ufrag,
    const char *local_pwd, guint8 payload_type, guint32 ssrc)
{
  RcIcelitePeer *peer = g_new0 (RcIcelitePeer, 1);

  peer->ref_count = 1;
  peer->id = g_strdup (id);
  peer->local_ufrag = g_strdup (local_ufrag);
  peer->local_pwd = g_strdup (local_pwd);
  peer->fd = -1;
  peer->rtt_ms = -1;
  rc_icelite_rewrite_init (&peer->rewrite, payload_type, ssrc);
  return peer;
}

RcIcelitePeer *
rc_icelite_peer_ref (RcIcelitePeer * peer)
{
  g_atomic_int_inc (&peer->ref_count);
  return peer;
}

void
rc_icelite_peer_unref (RcIcelitePeer * peer)
{
  if (peer == NULL || !g_atomic_int_dec_and_test (&peer->ref_count))
    return;
  rc_dtls_endpoint_free (peer->dtls);
  rc_srtp_context_free (peer->srtp_tx);
  rc_srtp_context_free (peer->srtp_rx);
  g_free (peer->id);
  g_free (peer->local_ufrag);
  /* credentials: wiped, not just freed */
  if (peer->local_pwd)
    memset (peer->local_pwd, 0, strlen (peer->local_pwd));
  g_free (peer->local_pwd);
  g_free (peer->remote_ufrag);
  if (peer->remote_pwd)
    memset (peer->remote_pwd, 0, strlen (peer->remote_pwd));
  g_free (peer->remote_pwd);
  g_free (peer->remote_fingerprint);
  g_free (peer);
}

RcIcelitePeerTable *
rc_icelite_peer_table_new (void)
{
  RcIcelitePeerTable *table = g_new0 (RcIcelitePeerTable, 1);

  table->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) rc_icelite_peer_unref);
  table->by_ufrag = g_hash_table_new (g_str_hash, g_str_equal);
  table->by_addr = g_hash_table_new (addr_hash, addr_equal);
  table->by_source = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) g_ptr_array_unref);
  return table;
}

void
rc_icelite_peer_table_free (RcIcelitePeerTable * table)
{
  if (table == NULL)
    return;
  g_hash_table_destroy (table->by_source);
  g_hash_table_destroy (table->by_addr);
  g_hash_table_destroy (table->by_ufrag);
  g_hash_table_destroy (table->by_id);
  g_free (table);
}

gboolean
rc_icelite_peer_table_add (RcIcelitePeerTable * table, RcIcelitePeer * peer)
{
  if (g_hash_table_contains (table->by_id, peer->id)
      || g_hash_table_contains (table->by_ufrag, peer->local_ufrag))
    return FALSE;
  g_hash_table_insert (table->by_id, peer->id, peer);
  g_hash_table_insert (table->by_ufrag, peer->local_ufrag, peer);
  return TRUE;
}

static void
unlist_source (RcIcelitePeerTable * table, RcIcelitePeer * peer)
{
  GPtrArray *list;

  if (peer->source == NULL)
    return;
  list = g_hash_table_lookup (table->by_source, peer->source);
  if (list != NULL) {
    g_ptr_array_remove_fast (list, peer);
    if (list->len == 0)
      g_hash_table_remove (table->by_source, peer->source);
  }
  peer->source = NULL;
}

gboolean
rc_icelite_peer_table_remove (RcIcelitePeerTable * table, const char *id)
{
  RcIcelitePeer *peer = g_hash_table_lookup (table->by_id, id);

  if (peer == NULL)
    return FALSE;
  unlist_source (table, peer);
  for (guint i = 0; i < peer->n_addrs; i++)
    if (g_hash_table_lookup (table->by_addr, &peer->addrs[i]) == peer)
      g_hash_table_remove (table->by_addr, &peer->addrs[i]);
  g_hash_table_remove (table->by_ufrag, peer->local_ufrag);
  peer->removed = TRUE;
  g_hash_table_remove (table->by_id, id);
  return TRUE;
}

RcIcelitePeer *
rc_icelite_peer_table_lookup (RcIcelitePeerTable * table, const char *id)
{
  return g_hash_table_lookup (table->by_id, id);
}

RcIcelitePeer *
rc_icelite_peer_table_lookup_ufrag (RcIcelitePeerTable * table,
    const char *local_ufrag)
{
  return g_hash_table_lookup (table->by_ufrag, local_ufrag);
}

RcIcelitePeer *
rc_icelite_peer_table_lookup_addr (RcIcelitePeerTable * table,
    const struct sockaddr *addr, socklen_t len)
{
  RcIceliteAddr key;

  rc_icelite_addr_set (&key, addr, len);
  return g_hash_table_lookup (table->by_addr, &key);
}

void
rc_icelite_peer_table_add_addr (RcIcelitePeerTable * table,
    RcIcelitePeer * peer, const struct sockaddr *addr, socklen_t len)
{
  RcIceliteAddr key;
  RcIcelitePeer *owner;

  rc_icelite_addr_set (&key, addr, len);
  for (guint i = 0; i < peer->n_addrs; i++)
    if (addr_equal (&peer->addrs[i], &key))
      return;
  /* an address another peer had (a client reusing a port) moves */
  owner = g_hash_table_lookup (table->by_addr, &key);
  if (owner != NULL)
    g_hash_table_remove (table->by_addr, &key);

  if (peer->n_addrs == RC_ICELITE_PEER_MAX_ADDRS) {
    /* the slots move: unmap them all, drop the oldest, map them again */
    for (guint i = 0; i < peer->n_addrs; i++)
      if (g_hash_table_lookup (table->by_addr, &peer->addrs[i]) == peer)
        g_hash_table_remove (table->by_addr, &peer->addrs[i]);
    memmove (&peer->addrs[0], &peer->addrs[1],
        (peer->n_addrs - 1) * sizeof peer->addrs[0]);
    peer->n_addrs--;
    for (guint i = 0; i < peer->n_addrs; i++)
      g_hash_table_insert (table->by_addr, &peer->addrs[i], peer);
  }
  peer->addrs[peer->n_addrs] = key;
  g_hash_table_insert (table->by_addr, &peer->addrs[peer->n_addrs], peer);
  peer->n_addrs++;
}

void
rc_icelite_peer_table_set_source (RcIcelitePeerTable * table,
    RcIcelitePeer * peer, gpointer source)
{
  GPtrArray *list;

  if (peer->source == source)
    return;
  unlist_source (table, peer);
  peer->rewrite.rebase = TRUE;
  if (source == NULL)
    return;
  list = g_hash_table_lookup (table->by_source, source);
  if (list == NULL) {
    list = g_ptr_array_new ();
    g_hash_table_insert (table->by_source, source, list);
  }
  g_ptr_array_add (list, peer);
  peer->source = source;
}

GPtrArray *
rc_icelite_peer_table_peers_of (RcIcelitePeerTable * table, gpointer source)
{
  return g_hash_table_lookup (table->by_source, source);
}

void
rc_icelite_peer_table_drop_source (RcIcelitePeerTable * table,
    gpointer source)
{
  GPtrArray *list = g_hash_table_lookup (table->by_source, source);

  if (list == NULL)
    return;
  for (guint i = 0; i < list->len; i++) {
    RcIcelitePeer *peer = g_ptr_array_index (list, i);
    peer->source = NULL;
    peer->rewrite.rebase = TRUE;
  }
  g_hash_table_remove (table->by_source, source);
}

guint
rc_icelite_peer_table_size (RcIcelitePeerTable * table)
{
  return g_hash_table_size (table->by_id);
}

void
rc_icelite_peer_table_iter_init (RcIcelitePeerTable * table,
    GHashTableIter * iter)
{
  g_hash_table_iter_init (iter, table->by_id);
}
