/* roomcast-loadgen: one receiver for every light listener's socket.
 *
 * A GLib source per socket would make every main-loop iteration walk all
 * of them (GLib polls every fd of every source each time): with a thousand
 * listeners that walk, not the packets, was most of the load generator's
 * CPU. Instead the sockets sit in one epoll set that a timer drains every
 * LIGHT_RX_PERIOD_MS with recvmmsg(), so the cost follows the packets, and
 * each packet carries its kernel arrival time (SO_TIMESTAMPNS), so the
 * jitter and first-packet figures do not depend on when it was read.
 * Every LIGHT_RX_TICK_MS each registrant's tick runs (ICE checks, DTLS
 * retransmissions). Main context of the first caller only.
 */
#pragma once

#include <sys/socket.h>

#include <glib.h>

G_BEGIN_DECLS

#define LIGHT_RX_PERIOD_MS 10
#define LIGHT_RX_TICK_MS 50

/* One datagram: @buf may be changed in place (SRTP unprotect);
 * @arrival_us on g_get_monotonic_time()'s clock. */
typedef void (*LightRxFunc) (guint8 *buf, gsize len, const struct sockaddr *from,
                             socklen_t from_len, gint64 arrival_us, gpointer user_data);
typedef void (*LightRxTickFunc) (gint64 now_us, gpointer user_data);

typedef struct _LightRxHandle LightRxHandle;

/* Watches @fd (not owned) until light_rx_remove(). NULL (and @error) if
 * epoll refused it. */
LightRxHandle *light_rx_add (int fd, LightRxFunc func, LightRxTickFunc tick, gpointer user_data,
                             GError **error);
/* No callback of @handle runs after this returns. */
void light_rx_remove (LightRxHandle *handle);

G_END_DECLS
