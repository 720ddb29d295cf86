/* jitter-relay: a UDP relay that delays every packet by a random amount, in
 * both directions (tools/bench/run --jitter: this kernel has no netem).
 *
 *   jitter-relay --listen IP --ports MIN-MAX --server IP --upstream IP
 *                --jitter-ms SD [--seed N]
 *
 * It listens on --listen at every port of MIN-MAX (the server's
 * RTC_MIN_PORT-RTC_MAX_PORT, announced to clients as RTC_ANNOUNCED_IP =
 * --listen). A packet from a client to listen:P goes to server:P from a
 * socket of its own for that (client, P) flow, bound to --upstream; what the
 * server sends back to that socket goes to the client from listen:P. The
 * server's ICE agent sees the relay's upstream socket as a peer-reflexive
 * candidate, the client sees the relay's address as the server's.
 *
 * Each packet is held |N(0, SD)| ms (the absolute value of a normal draw:
 * median 0.67 SD, p95 1.96 SD), independently, so packets reorder as on a
 * real network. One thread, ppoll() with a nanosecond timeout and a heap of
 * held packets ordered by due time, so that the relay's own delay stays
 * well under a millisecond at a few thousand packets a second (unless the
 * machine starves it: tools/bench/run starts it at nice -10). On SIGTERM or
 * SIGINT it prints one line of counts to stdout (packets each way, packets
 * sent out of their flow's order, packets sent more than 1 ms after their
 * due time) and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 1024
#define MAX_FLOWS 4096
#define MAX_HELD 8192
#define MAX_PACKET 1500

typedef struct {
  uint64_t due, seq;
  int fd, flow, direction;
  struct sockaddr_in to;
  uint16_t len;
  uint8_t *data;
} Held;

typedef struct {
  struct sockaddr_in client;
  int port_index; /* the listening socket the client sent to */
  int up_fd;
  uint64_t last_sent_seq[2]; /* per direction: reorders are counted per flow */
} Flow;

static struct {
  struct in_addr listen, server, upstream;
  int min_port, n_ports;
  double jitter_ms;
  uint64_t rng;
  int listen_fd[MAX_PORTS];
  Flow flows[MAX_FLOWS];
  int n_flows;
  Held heap[MAX_HELD];
  int n_held;
  uint64_t seq;
  /* counts */
  uint64_t up, down, dropped, reordered, late_1ms;
  double delay_sum_ms, delay_max_ms, late_max_ms;
} R;

static volatile sig_atomic_t stop;

static void
on_signal (int sig)
{
  (void) sig;
  stop = 1;
}

static uint64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

/* xorshift64*, then Box-Muller. */
static double
uniform01 (void)
{
  R.rng ^= R.rng >> 12;
  R.rng ^= R.rng << 25;
  R.rng ^= R.rng >> 27;
  return ((R.rng * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
}

static double
delay_ms (void)
{
  double u1 = uniform01 (), u2 = uniform01 ();
  if (u1 < 1e-300)
    u1 = 1e-300;
  return fabs (R.jitter_ms * sqrt (-2.0 * log (u1)) * cos (2.0 * M_PI * u2));
}

static void
heap_swap (int a, int b)
{
  Held t = R.heap[a];
  R.heap[a] = R.heap[b];
  R.heap[b] = t;
}

static int
heap_less (int a, int b)
{
  return R.heap[a].due < R.heap[b].due ||
         (R.heap[a].due == R.heap[b].due && R.heap[a].seq < R.heap[b].seq);
}

static void
hold (int fd, const struct sockaddr_in *to, const uint8_t *data, size_t len, int flow,
      int direction)
{
  double d = delay_ms ();
  int i = R.n_held;

  if (R.n_held == MAX_HELD) {
    R.dropped++;
    return;
  }
  R.heap[i].data = malloc (len);
  if (R.heap[i].data == NULL) {
    R.dropped++;
    return;
  }
  memcpy (R.heap[i].data, data, len);
  R.heap[i].len = (uint16_t) len;
  R.heap[i].fd = fd;
  R.heap[i].to = *to;
  R.heap[i].seq = ++R.seq;
  R.heap[i].flow = flow;
  R.heap[i].direction = direction;
  R.heap[i].due = now_ns () + (uint64_t) (d * 1e6);
  R.n_held++;
  R.delay_sum_ms += d;
  if (d > R.delay_max_ms)
    R.delay_max_ms = d;
  while (i > 0 && heap_less (i, (i - 1) / 2)) {
    heap_swap (i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void
send_due (void)
{
  uint64_t now = now_ns ();

  while (R.n_held > 0 && R.heap[0].due <= now) {
    Held h = R.heap[0];
    Flow *f = &R.flows[h.flow];
    int i = 0;
    double late = (now - h.due) / 1e6;

    if (late > R.late_max_ms)
      R.late_max_ms = late;
    R.late_1ms += late > 1.0;
    if (h.seq < f->last_sent_seq[h.direction])
      R.reordered++;
    else
      f->last_sent_seq[h.direction] = h.seq;
    if (sendto (h.fd, h.data, h.len, 0, (const struct sockaddr *) &h.to, sizeof h.to) < 0 &&
        errno != EAGAIN && errno != ECONNREFUSED)
      perror ("jitter-relay: sendto");
    free (h.data);
    R.heap[0] = R.heap[--R.n_held];
    for (;;) {
      int l = 2 * i + 1, r = l + 1, m = i;
      if (l < R.n_held && heap_less (l, m))
        m = l;
      if (r < R.n_held && heap_less (r, m))
        m = r;
      if (m == i)
        break;
      heap_swap (i, m);
      i = m;
    }
  }
}

static int
udp_socket (struct in_addr addr, int port)
{
  struct sockaddr_in sa = { .sin_family = AF_INET,
                            .sin_addr = addr,
                            .sin_port = htons ((uint16_t) port) };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

  if (fd < 0 || bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
    fprintf (stderr, "jitter-relay: bind %s:%d: %s\n", inet_ntoa (addr), port,
             strerror (errno));
    exit (1);
  }
  return fd;
}

static Flow *
flow_for (const struct sockaddr_in *client, int port_index)
{
  for (int i = 0; i < R.n_flows; i++) {
    Flow *f = &R.flows[i];
    if (f->port_index == port_index && f->client.sin_port == client->sin_port &&
        f->client.sin_addr.s_addr == client->sin_addr.s_addr)
      return f;
  }
  if (R.n_flows == MAX_FLOWS)
    return NULL;
  R.flows[R.n_flows] = (Flow){ .client = *client,
                               .port_index = port_index,
                               .up_fd = udp_socket (R.upstream, 0) };
  return &R.flows[R.n_flows++];
}

static int
parse_args (int argc, char **argv)
{
  int max_port = 0;

  R.jitter_ms = -1;
  R.rng = 0x9e3779b97f4a7c15ull;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp (k, "--listen") && inet_aton (v, &R.listen))
      continue;
    if (!strcmp (k, "--server") && inet_aton (v, &R.server))
      continue;
    if (!strcmp (k, "--upstream") && inet_aton (v, &R.upstream))
      continue;
    if (!strcmp (k, "--ports") && sscanf (v, "%d-%d", &R.min_port, &max_port) == 2)
      continue;
    if (!strcmp (k, "--jitter-ms")) {
      R.jitter_ms = strtod (v, NULL);
      continue;
    }
    if (!strcmp (k, "--seed")) {
      R.rng = strtoull (v, NULL, 0) * 0x9e3779b97f4a7c15ull + 1;
      continue;
    }
    fprintf (stderr, "jitter-relay: bad argument %s %s\n", k, v);
    return -1;
  }
  R.n_ports = max_port - R.min_port + 1;
  if (argc % 2 != 1 || R.listen.s_addr == 0 || R.server.s_addr == 0 || R.upstream.s_addr == 0 ||
      R.min_port < 1 || max_port > 65535 || R.n_ports < 1 || R.n_ports > MAX_PORTS ||
      !(R.jitter_ms >= 0 && R.jitter_ms <= 10000)) {
    fprintf (stderr,
             "usage: jitter-relay --listen IP --ports MIN-MAX --server IP "
             "--upstream IP --jitter-ms SD [--seed N]\n"
             "  (at most %d ports; SD 0-10000 ms; the three addresses IPv4)\n",
             MAX_PORTS);
    return -1;
  }
  return 0;
}

int
main (int argc, char **argv)
{
  static struct pollfd fds[MAX_PORTS + MAX_FLOWS];
  static uint8_t buf[MAX_PACKET];
  struct sigaction sa = { .sa_handler = on_signal };

  if (parse_args (argc, argv) < 0)
    return 2;
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  for (int p = 0; p < R.n_ports; p++)
    R.listen_fd[p] = udp_socket (R.listen, R.min_port + p);
  fprintf (stderr, "jitter-relay: %s:%d-%d -> ", inet_ntoa (R.listen), R.min_port,
           R.min_port + R.n_ports - 1);
  fprintf (stderr, "%s, |N(0, %.1f ms)| each way\n", inet_ntoa (R.server), R.jitter_ms);

  while (!stop) {
    int n = 0;
    struct timespec ts, *timeout = NULL;

    for (int p = 0; p < R.n_ports; p++)
      fds[n++] = (struct pollfd){ .fd = R.listen_fd[p], .events = POLLIN };
    for (int f = 0; f < R.n_flows; f++)
      fds[n++] = (struct pollfd){ .fd = R.flows[f].up_fd, .events = POLLIN };
    if (R.n_held > 0) {
      uint64_t now = now_ns (), due = R.heap[0].due, wait = due > now ? due - now : 0;
      ts = (struct timespec){ .tv_sec = (time_t) (wait / 1000000000ull),
                              .tv_nsec = (long) (wait % 1000000000ull) };
      timeout = &ts;
    }
    if (ppoll (fds, (nfds_t) n, timeout, NULL) < 0 && errno != EINTR) {
      perror ("jitter-relay: ppoll");
      return 1;
    }
    for (int i = 0; i < n && !stop; i++) {
      if (!(fds[i].revents & POLLIN))
        continue;
      for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t len = recvfrom (fds[i].fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &fl);

        if (len < 0)
          break;
        if (i < R.n_ports) { /* client -> server */
          Flow *f = flow_for (&from, i);
          struct sockaddr_in to = { .sin_family = AF_INET,
                                    .sin_addr = R.server,
                                    .sin_port = htons ((uint16_t) (R.min_port + i)) };
          if (f == NULL) {
            R.dropped++;
            continue;
          }
          hold (f->up_fd, &to, buf, (size_t) len, (int) (f - R.flows), 0);
          R.up++;
        } else { /* server -> client */
          Flow *f = &R.flows[i - R.n_ports];
          hold (R.listen_fd[f->port_index], &f->client, buf, (size_t) len, i - R.n_ports, 1);
          R.down++;
        }
      }
    }
    send_due ();
  }
  printf ("jitter-relay: up %llu down %llu dropped %llu reordered %llu flows %d "
          "delay mean %.2f max %.2f ms, sent late by more than 1 ms %llu, at most %.2f ms\n",
          (unsigned long long) R.up, (unsigned long long) R.down,
          (unsigned long long) R.dropped, (unsigned long long) R.reordered, R.n_flows,
          R.up + R.down ? R.delay_sum_ms / (double) (R.up + R.down) : 0.0, R.delay_max_ms,
          (unsigned long long) R.late_1ms, R.late_max_ms);
  fflush (stdout);
  return 0;
}
