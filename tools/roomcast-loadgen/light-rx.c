/* roomcast-loadgen: one receiver for every light listener; see light-rx.h. */
#include "light-rx.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <sys/epoll.h>

#define BATCH 8
#define MTU 2048 /* a datagram longer than this is dropped (MSG_TRUNC) */
#define MAX_EVENTS 256

struct _LightRxHandle {
  int fd;
  LightRxFunc func;
  LightRxTickFunc tick;
  gpointer user_data;
  gboolean removed;
};

static struct {
  int epfd;
  guint timer;
  GPtrArray *handles; /* LightRxHandle *, for the ticks */
  GPtrArray *dead;    /* removed while draining: freed after */
  gboolean draining;
  gint64 next_tick_us;
  guint8 bufs[BATCH][MTU];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
  char control[BATCH][CMSG_SPACE (sizeof (struct timespec))];
} R = { .epfd = -1 };

/* The kernel's receive time (CLOCK_REALTIME) on the monotonic clock. */
static gint64
arrival (struct msghdr *h, gint64 mono_now, gint64 real_now)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR (h); c; c = CMSG_NXTHDR (h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy (&ts, CMSG_DATA (c), sizeof ts);
      return mono_now - (real_now - ((gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000));
    }
  }
  return mono_now;
}

static void
drain_fd (LightRxHandle *h, gint64 mono_now, gint64 real_now)
{
  for (;;) {
    int n;

    for (int i = 0; i < BATCH; i++) {
      R.iov[i] = (struct iovec){ R.bufs[i], MTU };
      R.msgs[i].msg_hdr = (struct msghdr){
        .msg_name = &R.from[i],
        .msg_namelen = sizeof R.from[i],
        .msg_iov = &R.iov[i],
        .msg_iovlen = 1,
        .msg_control = R.control[i],
        .msg_controllen = sizeof R.control[i],
      };
    }
    n = recvmmsg (h->fd, R.msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
      return;
    for (int i = 0; i < n && !h->removed; i++)
      if (!(R.msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
        h->func (R.bufs[i], R.msgs[i].msg_len, (struct sockaddr *) &R.from[i],
                 R.msgs[i].msg_hdr.msg_namelen,
                 arrival (&R.msgs[i].msg_hdr, mono_now, real_now), h->user_data);
    if (n < BATCH || h->removed)
      return;
  }
}

static gboolean
on_timer (gpointer data)
{
  struct epoll_event ev[MAX_EVENTS];
  gint64 mono_now = g_get_monotonic_time (), real_now = g_get_real_time ();
  int n;

  R.draining = TRUE;
  do {
    n = epoll_wait (R.epfd, ev, MAX_EVENTS, 0);
    for (int i = 0; i < n; i++) {
      LightRxHandle *h = ev[i].data.ptr;
      if (!h->removed)
        drain_fd (h, mono_now, real_now);
    }
  } while (n == MAX_EVENTS);
  if (mono_now >= R.next_tick_us) {
    R.next_tick_us = mono_now + LIGHT_RX_TICK_MS * 1000;
    for (guint i = 0; i < R.handles->len; i++) {
      LightRxHandle *h = g_ptr_array_index (R.handles, i);
      if (h->tick && !h->removed)
        h->tick (mono_now, h->user_data);
    }
  }
  R.draining = FALSE;
  g_ptr_array_set_size (R.dead, 0);
  return G_SOURCE_CONTINUE;
}

LightRxHandle *
light_rx_add (int fd, LightRxFunc func, LightRxTickFunc tick, gpointer user_data,
              GError **error)
{
  LightRxHandle *h;
  struct epoll_event ev = { .events = EPOLLIN };
  int one = 1;

  if (R.epfd < 0) {
    R.epfd = epoll_create1 (EPOLL_CLOEXEC);
    if (R.epfd < 0) {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "epoll: %s",
                   g_strerror (errno));
      return NULL;
    }
    R.handles = g_ptr_array_new ();
    R.dead = g_ptr_array_new_with_free_func (g_free);
    R.timer = g_timeout_add (LIGHT_RX_PERIOD_MS, on_timer, NULL);
  }
  h = g_new0 (LightRxHandle, 1);
  h->fd = fd;
  h->func = func;
  h->tick = tick;
  h->user_data = user_data;
  ev.data.ptr = h;
  (void) setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  if (epoll_ctl (R.epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "epoll: %s",
                 g_strerror (errno));
    g_free (h);
    return NULL;
  }
  g_ptr_array_add (R.handles, h);
  return h;
}

void
light_rx_remove (LightRxHandle *h)
{
  if (h == NULL)
    return;
  epoll_ctl (R.epfd, EPOLL_CTL_DEL, h->fd, NULL);
  h->removed = TRUE;
  g_ptr_array_remove_fast (R.handles, h);
  if (R.draining) {
    g_ptr_array_add (R.dead, h);
    return;
  }
  g_free (h);
  if (R.handles->len == 0) { /* the last one: give everything back */
    g_source_remove (R.timer);
    close (R.epfd);
    R.epfd = -1;
    g_clear_pointer (&R.handles, g_ptr_array_unref);
    g_clear_pointer (&R.dead, g_ptr_array_unref);
  }
}
