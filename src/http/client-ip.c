/* roomcast: client addresses and their connection counts; see client-ip.h. */
#include "http/client-ip.h"
#include "http/http-listener.h"

#include <string.h>

/* Shared with the sockets' weak references, which may outlive the table's
 * owner (a WebSocket at shutdown) and be finalised on any thread. */
typedef struct {
  gatomicrefcount ref;
  GMutex lock;
  GHashTable *counts; /* client address -> open connections (GUINT_TO_POINTER) */
} Counts;

struct _RcClientIps {
  GPtrArray *proxies; /* GInetAddressMask */
  guint max_per_ip;
  Counts *counts;
};

typedef struct {
  Counts *counts;
  char *client;
} Counted;

static GQuark
counted_quark (void)
{
  return g_quark_from_static_string ("rc-client-ips-counted");
}

static Counts *
counts_ref (Counts *c)
{
  g_atomic_ref_count_inc (&c->ref);
  return c;
}

static void
counts_unref (Counts *c)
{
  if (!g_atomic_ref_count_dec (&c->ref))
    return;
  g_mutex_clear (&c->lock);
  g_hash_table_unref (c->counts);
  g_free (c);
}

static gboolean
parse_proxies (const char *text, GPtrArray *out, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text ? text : "", ",", -1);

  for (char **p = parts; *p; p++) {
    g_autofree char *entry = g_strstrip (g_strdup (*p));
    g_autoptr (GError) mask_error = NULL;
    GInetAddressMask *mask;

    if (*entry == '\0')
      continue;
    mask = g_inet_address_mask_new_from_string (entry, &mask_error);
    if (mask == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "'%s' is not an IP address or CIDR range", entry);
      return FALSE;
    }
    g_ptr_array_add (out, mask);
  }
  return TRUE;
}

RcClientIps *
rc_client_ips_new (const char *trusted_proxies, guint max_per_ip, GError **error)
{
  RcClientIps *self = g_new0 (RcClientIps, 1);

  self->proxies = g_ptr_array_new_with_free_func (g_object_unref);
  if (!parse_proxies (trusted_proxies, self->proxies, error)) {
    g_ptr_array_unref (self->proxies);
    g_free (self);
    return NULL;
  }
  self->max_per_ip = max_per_ip;
  self->counts = g_new0 (Counts, 1);
  g_atomic_ref_count_init (&self->counts->ref);
  g_mutex_init (&self->counts->lock);
  self->counts->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
rc_client_ips_free (RcClientIps *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->proxies);
  counts_unref (self->counts);
  g_free (self);
}

static gboolean
is_proxy (RcClientIps *self, GInetAddress *address)
{
  for (guint i = 0; i < self->proxies->len; i++)
    if (g_inet_address_mask_matches (self->proxies->pdata[i], address))
      return TRUE;
  return FALSE;
}

char *
rc_client_ips_resolve (RcClientIps *self, GInetAddress *peer, const char *x_forwarded_for)
{
  g_return_val_if_fail (self != NULL && G_IS_INET_ADDRESS (peer), NULL);

  if (x_forwarded_for && is_proxy (self, peer)) {
    g_auto (GStrv) hops = g_strsplit (x_forwarded_for, ",", 32);
    for (gint i = (gint) g_strv_length (hops) - 1; i >= 0; i--) {
      g_autofree char *hop = g_strstrip (g_strdup (hops[i]));
      g_autoptr (GInetAddress) address = g_inet_address_new_from_string (hop);
      if (address == NULL)
        break; /* not an address: trust nothing further left */
      if (!is_proxy (self, address))
        return g_inet_address_to_string (address);
    }
  }
  return g_inet_address_to_string (peer);
}

static void
counted_free (gpointer data)
{
  Counted *c = data;
  guint n;

  g_mutex_lock (&c->counts->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (c->counts->counts, c->client));
  if (n <= 1)
    g_hash_table_remove (c->counts->counts, c->client);
  else
    g_hash_table_insert (c->counts->counts, g_strdup (c->client), GUINT_TO_POINTER (n - 1));
  g_mutex_unlock (&c->counts->lock);
  counts_unref (c->counts);
  g_free (c->client);
  g_free (c);
}

gboolean
rc_client_ips_admit (RcClientIps *self, GSocket *socket, const char *client)
{
  g_return_val_if_fail (self != NULL && G_IS_SOCKET (socket) && client != NULL, FALSE);
  Counted *c;
  guint n;

  if (g_object_get_qdata (G_OBJECT (socket), counted_quark ()))
    return TRUE;
  g_mutex_lock (&self->counts->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts->counts, client));
  if (self->max_per_ip > 0 && n >= self->max_per_ip) {
    g_mutex_unlock (&self->counts->lock);
    return FALSE;
  }
  g_hash_table_insert (self->counts->counts, g_strdup (client), GUINT_TO_POINTER (n + 1));
  g_mutex_unlock (&self->counts->lock);
  c = g_new0 (Counted, 1);
  c->counts = counts_ref (self->counts);
  c->client = g_strdup (client);
  g_object_set_qdata_full (G_OBJECT (socket), counted_quark (), c, counted_free);
  return TRUE;
}

guint
rc_client_ips_get_count (RcClientIps *self, const char *client)
{
  guint n;

  g_mutex_lock (&self->counts->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts->counts, client));
  g_mutex_unlock (&self->counts->lock);
  return n;
}

char *
rc_client_ips_client_of (GSocketAddress *remote)
{
  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return NULL;
  g_autoptr (GSocket) socket = rc_http_listener_get_socket (remote);
  Counted *c = socket ? g_object_get_qdata (G_OBJECT (socket), counted_quark ()) : NULL;
  if (c != NULL)
    return g_strdup (c->client);
  return g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
}
