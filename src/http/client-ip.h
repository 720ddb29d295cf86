/* roomcast: who a connection belongs to, and how many one address may hold.
 *
 * The client of a connection is its TCP peer, unless that peer is a
 * trusted proxy (TRUSTED_PROXIES: addresses or CIDR ranges): then it is the
 * right-most address of X-Forwarded-For that is not itself a trusted proxy
 * (what the proxy saw; entries further left are the client's own claims).
 * An RcClientIps counts the open connections of each client address; past
 * HTTP_MAX_CONNECTIONS_PER_IP a new one is refused (request-guard.c answers
 * 503 too_many_connections). A connection is counted from its first request
 * until its socket is freed, WebSocket lifetime included.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _RcClientIps RcClientIps;

/* @trusted_proxies: comma-separated addresses or CIDR ranges (nullable);
 * @max_per_ip 0 = no limit. FALSE (error set) for an entry that is neither. */
RcClientIps *rc_client_ips_new (const char *trusted_proxies, guint max_per_ip, GError **error);
void rc_client_ips_free (RcClientIps *self);

/* The client address of @peer's request with @x_forwarded_for (nullable),
 * as text. */
char *rc_client_ips_resolve (RcClientIps *self, GInetAddress *peer,
                             const char *x_forwarded_for);

/* Counts @socket's connection for @client until @socket is finalised; FALSE
 * (nothing counted) when @client already holds the maximum. A socket
 * counted before is not counted again (TRUE). */
gboolean rc_client_ips_admit (RcClientIps *self, GSocket *socket, const char *client);
/* The client address of the connection @remote (as
 * soup_server_message_get_remote_address() gives it) was counted for, else
 * @remote's own address, as text; NULL if it has none. */
char *rc_client_ips_client_of (GSocketAddress *remote);
/* Open connections counted for @client. */
guint rc_client_ips_get_count (RcClientIps *self, const char *client);

G_END_DECLS
