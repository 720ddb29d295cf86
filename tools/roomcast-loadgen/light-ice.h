/* roomcast-loadgen: the light listeners' ICE agent (full ICE, one host
 * candidate, one component).
 *
 * libnice's STUN library does the messages (stun/usages/ice.h); this file
 * only keeps the little state a receive-only client needs: its UDP socket
 * on the given address (the caller reads it: light-rx.c), the server's
 * candidates, checks every CHECK_INTERVAL to each until one is nominated,
 * answers to the server's checks, and a consent check (RFC 7675) every few
 * seconds once connected. Roles as RFC 8445 6.1.1 says: controlling
 * against an ICE-lite server (then it nominates with USE-CANDIDATE),
 * controlled against a full agent such as webrtcbin (then the server's
 * USE-CANDIDATE selects the pair). Main context only.
 */
#pragma once

#include <sys/socket.h>

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LIGHT_ICE_CHECKING,
  LIGHT_ICE_CONNECTED, /* a pair is nominated: light_ice_send() goes there */
  LIGHT_ICE_FAILED,    /* no pair within the timeout */
} LightIceState;

typedef struct _LightIce LightIce;

/* A non-blocking UDP socket bound to @local_ip, port chosen by the system. */
LightIce *light_ice_new (const char *local_ip, gboolean controlling, const char *remote_ufrag,
                         const char *remote_pwd, GError **error);
void light_ice_free (LightIce *self);

int light_ice_get_fd (LightIce *self);
const char *light_ice_get_ufrag (LightIce *self);
const char *light_ice_get_pwd (LightIce *self);
/* "candidate:1 1 udp … typ host" for signalling (no "a="). */
char *light_ice_get_candidate (LightIce *self);

/* A server candidate line ("candidate:…"); TCP and unparsable ones are
 * ignored (FALSE). */
gboolean light_ice_add_remote (LightIce *self, const char *line);

/* Checks and consent, at most every few tens of milliseconds. */
LightIceState light_ice_tick (LightIce *self, gint64 now_us);
/* A STUN datagram (first byte 0..3) from @from. */
LightIceState light_ice_receive (LightIce *self, const guint8 *buf, gsize len,
                                 const struct sockaddr *from, socklen_t from_len,
                                 gint64 now_us);
LightIceState light_ice_get_state (LightIce *self);
/* To the nominated pair's remote; FALSE if none yet or the send failed. */
gboolean light_ice_send (LightIce *self, const guint8 *buf, gsize len);

G_END_DECLS
