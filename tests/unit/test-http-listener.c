/* roomcast: unit tests of the HTTP listener (src/http/http-listener.c):
 * accepting for a SoupServer on a socket of our own, closing plain HTTP
 * connections after their response, backing off and recovering when
 * accept() fails with EMFILE, the self-check that the watchdog relies on,
 * and the 503 for connections whose descriptor falls in the reserve or
 * past the connection cap.
 *
 * The descriptor limit is this process's: the tests lower RLIMIT_NOFILE
 * and fill the free descriptors with dup()s, and restore both. Clients run
 * blocking in a thread of their own while the main loop (the listener's
 * and libsoup's) is iterated until a condition holds, with a deadline. */
#include "http/http-listener.h"
#include "core/metrics.h"

#include "../lib/rc-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* --- logs ---------------------------------------------------------------- */

/* The listener warns on purpose (warnings are fatal in a GTest program):
 * count those and show them; anything else goes to the default writer. */
static guint warned_cannot_accept;
static guint warned_refusing;
static guint told_accepting_again;

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  for (gsize i = 0; i < n_fields; i++) {
    if (!g_str_equal (fields[i].key, "MESSAGE") || fields[i].length >= 0)
      continue;
    const char *text = fields[i].value;
    gboolean warning = (level & G_LOG_LEVEL_WARNING) != 0;
    gboolean message = (level & G_LOG_LEVEL_MESSAGE) != 0;
    guint *count = warning && strstr (text, "http: cannot accept connections") ? &warned_cannot_accept
                 : warning && strstr (text, "http: refusing new connections") ? &warned_refusing
                 : message && strstr (text, "http: accepting connections again") ? &told_accepting_again
                 : NULL;
    if (count) {
      (*count)++;
      /* stderr is open already: this needs no descriptor. */
      g_printerr ("log (expected): %s\n", text);
      return G_LOG_WRITER_HANDLED;
    }
  }
  return g_log_writer_default (level, fields, n_fields, data);
}

static void
reset_counts (void)
{
  warned_cannot_accept = warned_refusing = told_accepting_again = 0;
  rc_metrics_reset ();
}

/* The value of the sample "@name{@labels}", 0 when absent. */
static guint64
metric (const char *name, const char *labels)
{
  g_autofree char *text = rc_metrics_render ();
  g_autofree char *prefix = labels ? g_strdup_printf ("\n%s{%s} ", name, labels)
                                   : g_strdup_printf ("\n%s ", name);
  const char *p = strstr (text, prefix);

  return p ? g_ascii_strtoull (p + strlen (prefix), NULL, 10) : 0;
}

/* --- the server ---------------------------------------------------------- */

static void
on_health (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
           gpointer data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "ok", 2);
}

typedef struct {
  SoupServer *soup;
  GSocket *socket; /* listening on 127.0.0.1:<port> */
  GSocketAddress *address;
  RcHttpListener *listener;
} Server;

static void
server_start (Server *s, guint max_connections)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (lo, 0);

  s->soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (s->soup, "/health", on_health, NULL, NULL);
  s->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (s->socket, any_port, TRUE, &error));
  g_assert_no_error (error);
  g_socket_set_listen_backlog (s->socket, 64);
  g_assert_true (g_socket_listen (s->socket, &error));
  g_assert_no_error (error);
  s->address = g_socket_get_local_address (s->socket, &error);
  g_assert_no_error (error);
  s->listener = rc_http_listener_new (s->soup, s->socket, max_connections);
  g_assert_nonnull (s->listener);
  g_assert_true (rc_http_listener_is_accepting (s->listener));
}

static gboolean
no_connections (gpointer data)
{
  return rc_http_listener_get_n_connections (data) == 0;
}

static void
server_stop (Server *s)
{
  /* Every accepted connection closed (what the listener counts is its
   * sockets' finalisation: nothing of a connection is left behind). */
  g_assert_true (rc_test_wait_until (5000, no_connections, s->listener));
  rc_http_listener_close (s->listener);
  g_clear_object (&s->listener);
  g_clear_object (&s->address);
  g_clear_object (&s->socket);
  g_clear_object (&s->soup);
}

/* --- a client in a thread ------------------------------------------------ */

typedef struct {
  GSocket *sock;       /* the thread connects it (or completes its connect) */
  GSocketAddress *to;
  gboolean connecting; /* a non-blocking connect was started already */
  const char *request; /* NULL: send nothing, read what comes */
  GString *response;
  gboolean eof;        /* a read returned 0: the server closed */
  GError *error;
  gint done;
} Exchange;

static gpointer
exchange_thread (gpointer data)
{
  Exchange *ex = data;
  char buf[4096];
  gssize n;

  g_socket_set_blocking (ex->sock, TRUE);
  g_socket_set_timeout (ex->sock, 10 * rc_test_time_scale ());
  if (ex->connecting) {
    if (!g_socket_condition_timed_wait (ex->sock, G_IO_OUT,
                                        (gint64) 10 * G_USEC_PER_SEC * rc_test_time_scale (), NULL,
                                        &ex->error) ||
        !g_socket_check_connect_result (ex->sock, &ex->error))
      goto out;
  } else if (!g_socket_connect (ex->sock, ex->to, NULL, &ex->error)) {
    goto out;
  }
  for (gsize sent = 0, len = ex->request ? strlen (ex->request) : 0; sent < len; sent += (gsize) n) {
    n = g_socket_send (ex->sock, ex->request + sent, len - sent, NULL, &ex->error);
    if (n < 0)
      goto out;
  }
  while ((n = g_socket_receive (ex->sock, buf, sizeof buf, NULL, &ex->error)) > 0)
    g_string_append_len (ex->response, buf, n);
  ex->eof = n == 0;
out:
  g_socket_close (ex->sock, NULL);
  g_atomic_int_set (&ex->done, TRUE);
  return NULL;
}

static gboolean
exchange_done (gpointer data)
{
  return g_atomic_int_get (&((Exchange *) data)->done);
}

/* Runs @ex's client in a thread and the main loop until it is done. */
static void
exchange_run (Exchange *ex)
{
  ex->response = g_string_new (NULL);
  ex->eof = FALSE;
  g_atomic_int_set (&ex->done, FALSE);
  GThread *thread = g_thread_new ("client", exchange_thread, ex);

  g_assert_true (rc_test_wait_until (15000, exchange_done, ex));
  g_thread_join (thread);
}

static void
exchange_clear (Exchange *ex)
{
  g_clear_object (&ex->sock);
  g_clear_error (&ex->error);
  if (ex->response)
    g_string_free (g_steal_pointer (&ex->response), TRUE);
}

static GSocket *
client_socket (void)
{
  g_autoptr (GError) error = NULL;
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                &error);

  g_assert_no_error (error);
  return sock;
}

#define GET_HEALTH "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"

/* A complete 200 "ok", after which the server closed the connection. */
static void
assert_health_ok (Exchange *ex)
{
  g_assert_no_error (ex->error);
  g_test_message ("response: %.*s", (int) strcspn (ex->response->str, "\r\n"), ex->response->str);
  g_assert_true (g_str_has_prefix (ex->response->str, "HTTP/1.1 200 "));
  g_assert_true (g_str_has_suffix (ex->response->str, "\r\n\r\nok"));
  g_assert_true (ex->eof);
}

/* A 503 "overloaded" without reading a request, and closed. */
static void
assert_refused (Exchange *ex)
{
  g_assert_no_error (ex->error);
  g_test_message ("response: %.*s", (int) strcspn (ex->response->str, "\r\n"), ex->response->str);
  g_assert_true (g_str_has_prefix (ex->response->str, "HTTP/1.1 503 "));
  g_assert_nonnull (strstr (ex->response->str, "Retry-After: 5\r\n"));
  g_assert_nonnull (strstr (strstr (ex->response->str, "\r\n\r\n"), "overloaded"));
  g_assert_true (ex->eof);
}

/* --- descriptors --------------------------------------------------------- */

static rlim_t
set_soft_fd_limit (rlim_t soft)
{
  struct rlimit rl;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  rlim_t old = rl.rlim_cur;
  rl.rlim_cur = soft;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  return old;
}

/* The highest descriptor open below the soft limit (valgrind keeps its own
 * above the limit it reports). */
static int
highest_open_fd (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  struct rlimit rl;
  const char *name;
  int highest = -1;

  g_assert_nonnull (dir);
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL) {
    gint64 fd = g_ascii_strtoll (name, NULL, 10);
    if (rl.rlim_cur == RLIM_INFINITY || (rlim_t) fd < rl.rlim_cur)
      highest = MAX (highest, (int) fd);
  }
  return highest; /* the directory's own descriptor included: closed by now */
}

/* The soft limit as the kernel applies it. Under valgrind, setrlimit() only
 * changes the limit valgrind emulates: a descriptor past it is closed
 * again by valgrind, and for accept() that closes the connection that the
 * kernel dequeued. */
static rlim_t
kernel_soft_fd_limit (void)
{
  g_autofree char *text = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/limits", &text, NULL, NULL));
  line = strstr (text, "Max open files");
  g_assert_nonnull (line);
  return (rlim_t) g_ascii_strtoull (line + strlen ("Max open files"), NULL, 10);
}

/* The number the next descriptor will get. */
static int
next_fd (int fd)
{
  int next = dup (fd);

  g_assert_cmpint (next, >=, 0);
  close (next);
  return next;
}

/* dup()s of @fd, until one gets a number >= @until or until EMFILE
 * (@until < 0). */
static GArray *
fill_fds (int fd, int until)
{
  GArray *fds = g_array_new (FALSE, FALSE, sizeof (int));

  for (;;) {
    int d = dup (fd);
    if (d < 0) {
      g_assert_cmpint (errno, ==, EMFILE);
      g_assert_cmpint (until, <, 0);
      break;
    }
    g_array_append_val (fds, d);
    if (until >= 0 && d >= until)
      break;
  }
  return fds;
}

static void
close_fds (GArray *fds, guint keep)
{
  while (fds->len > keep) {
    close (g_array_index (fds, int, fds->len - 1));
    g_array_set_size (fds, fds->len - 1);
  }
}

/* --- tests --------------------------------------------------------------- */

/* A plain request is answered and its connection closed by the server:
 * nothing waits idle for a keep-alive that libsoup 3.2 would never notice
 * ending. */
static void
test_basic (void)
{
  Server s = { 0 };
  Exchange ex = { 0 };

  reset_counts ();
  server_start (&s, 0);
  ex.sock = client_socket ();
  ex.to = s.address;
  ex.request = GET_HEALTH;
  exchange_run (&ex);
  assert_health_ok (&ex);
  g_assert_true (rc_test_wait_until (5000, no_connections, s.listener));
  g_assert_cmpuint (metric ("roomcast_http_connections_total", NULL), ==, 1);
  g_assert_cmpuint (metric ("roomcast_http_connections_open", NULL), ==, 0);
  /* A second one after the first: still accepting. */
  exchange_clear (&ex);
  ex.sock = client_socket ();
  ex.request = GET_HEALTH;
  exchange_run (&ex);
  assert_health_ok (&ex);
  g_assert_cmpuint (metric ("roomcast_http_connections_total", NULL), ==, 2);
  exchange_clear (&ex);
  /* The self-check: TRUE at first, then TRUE since its probe was
   * accepted (and not served: it is neither counted nor open). */
  g_assert_true (rc_http_listener_check_alive (s.listener));
  rc_test_run_for (200 * rc_test_time_scale ());
  g_assert_true (rc_http_listener_check_alive (s.listener));
  rc_test_run_for (200 * rc_test_time_scale ());
  g_assert_true (rc_http_listener_check_alive (s.listener));
  g_assert_cmpuint (rc_http_listener_get_n_connections (s.listener), ==, 0);
  g_assert_cmpuint (metric ("roomcast_http_connections_total", NULL), ==, 2);
  server_stop (&s);
  g_assert_cmpuint (warned_cannot_accept + warned_refusing + told_accepting_again, ==, 0);
}

static gboolean
backing_off (gpointer data)
{
  return !rc_http_listener_is_accepting (data);
}

static gboolean
accepting_again (gpointer data)
{
  return told_accepting_again > 0 && rc_http_listener_is_accepting (data);
}

/* accept() fails with EMFILE: the listener backs off, warns once, counts
 * every failure, and the self-check says so; once descriptors are free it
 * accepts again, and a client that waited in the backlog meanwhile is
 * served. (libsoup 3.2's own listener stopped accepting for good.) */
static void
test_emfile (void)
{
  Server s = { 0 };
  Exchange ex = { 0 };
  g_autoptr (GError) error = NULL;
  int devnull = open ("/dev/null", O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (devnull, >=, 0);
  reset_counts ();
  /* With the normal limit: the descriptor reserve stays out of the way
   * (every descriptor here is far below it). */
  server_start (&s, 0);
  int limit = highest_open_fd () + 1 + 64;
  rlim_t old = set_soft_fd_limit ((rlim_t) limit);
  if (kernel_soft_fd_limit () != (rlim_t) limit) {
    set_soft_fd_limit (old);
    server_stop (&s);
    close (devnull);
    g_test_skip ("the descriptor limit is emulated (valgrind): accept() would lose the connection");
    return;
  }

  /* A client connects: the kernel completes it into the backlog. The main
   * loop does not run before every descriptor is taken. */
  ex.sock = client_socket ();
  ex.to = s.address;
  g_socket_set_blocking (ex.sock, FALSE);
  if (!g_socket_connect (ex.sock, s.address, NULL, &error)) {
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
    g_clear_error (&error);
  }
  ex.connecting = TRUE;
  GArray *fds = fill_fds (devnull, -1);
  g_test_message ("soft limit %d: %u descriptors taken by dup()", limit, fds->len);

  g_assert_true (rc_test_wait_until (2000, backing_off, s.listener));
  g_assert_cmpuint (warned_cannot_accept, ==, 1);
  g_assert_cmpuint (metric ("roomcast_http_accept_errors_total", "reason=\"fd_limit\""), >=, 1);
  g_assert_cmpuint (metric ("roomcast_http_accept_errors_total", "reason=\"other\""), ==, 0);

  /* The self-check: its first call says TRUE; its probe gets no
   * descriptor, so the next call says FALSE. */
  g_assert_true (rc_http_listener_check_alive (s.listener));
  rc_test_run_for (200);
  g_assert_false (rc_http_listener_check_alive (s.listener));
  /* One descriptor free, taken at once by the next probe (nothing runs in
   * between): it connects, but accept() still has none, so the probe
   * waits in the backlog and the call after it says FALSE as well. */
  close_fds (fds, fds->len - 1);
  g_assert_false (rc_http_listener_check_alive (s.listener));
  rc_test_run_for (300);
  g_assert_false (rc_http_listener_check_alive (s.listener));
  /* Still backing off: warned once, however many attempts failed. */
  guint64 failures = metric ("roomcast_http_accept_errors_total", "reason=\"fd_limit\"");
  g_test_message ("accept() failures during the outage: %" G_GUINT64_FORMAT, failures);
  g_assert_cmpuint (failures, >=, 2);
  g_assert_cmpuint (warned_cannot_accept, ==, 1);
  g_assert_cmpuint (told_accepting_again, ==, 0);
  g_assert_cmpuint (rc_http_listener_get_n_connections (s.listener), ==, 0);

  /* Descriptors again: accepting within the longest back-off (1 s). */
  gint64 freed_us = g_get_monotonic_time ();
  close_fds (fds, 0);
  g_assert_true (rc_test_wait_until (2000, accepting_again, s.listener));
  g_test_message ("accepting again %" G_GINT64_FORMAT " ms after the descriptors were freed",
                  (g_get_monotonic_time () - freed_us) / 1000);
  /* The client that waited in the backlog gets its answer. */
  ex.request = GET_HEALTH;
  exchange_run (&ex);
  assert_health_ok (&ex);
  exchange_clear (&ex);
  /* The probe of the outage was accepted now, and the next one is too. */
  g_assert_true (rc_http_listener_check_alive (s.listener));
  rc_test_run_for (200 * rc_test_time_scale ());
  g_assert_true (rc_http_listener_check_alive (s.listener));
  g_assert_true (rc_http_listener_is_accepting (s.listener));
  g_assert_cmpuint (warned_cannot_accept, ==, 1);
  g_assert_cmpuint (told_accepting_again, ==, 1);
  server_stop (&s);
  set_soft_fd_limit (old);
  g_array_unref (fds);
  close (devnull);
}

/* The descriptor reserve: a connection accepted on a descriptor below
 * limit - reserve is served, one on the first descriptor of the reserve
 * is answered 503 and closed at once, before reading a request. */
static void
test_fd_reserve (void)
{
  Server s = { 0 };
  Exchange ex = { 0 };
  int devnull = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  /* Low, but above every descriptor open now (some may be inherited). */
  const int limit = highest_open_fd () + 1 + 128;

  g_assert_cmpint (devnull, >=, 0);
  g_assert_cmpint (limit, <, 1024);
  reset_counts ();
  /* Before the listener, which reads the limit when it is made. */
  rlim_t old = set_soft_fd_limit ((rlim_t) limit);
  server_start (&s, 0);
  guint reserve = rc_http_listener_get_fd_reserve (s.listener);
  g_assert_cmpuint (reserve, ==, MAX (limit / 16, 32)); /* a sixteenth, at least 32 */
  int first_reserved = limit - (int) reserve;
  g_test_message ("soft limit %d, reserve %u: descriptors from %d are refused", limit, reserve,
                  first_reserved);

  /* The client's own descriptor first, then every one up to
   * first_reserved - 2: the connection is accepted on the last descriptor
   * before the reserve. */
  ex.sock = client_socket ();
  ex.to = s.address;
  ex.request = GET_HEALTH;
  GArray *fds = fill_fds (devnull, first_reserved - 2);
  g_assert_cmpint (next_fd (devnull), ==, first_reserved - 1);
  exchange_run (&ex);
  assert_health_ok (&ex);
  exchange_clear (&ex);
  g_assert_true (rc_test_wait_until (5000, no_connections, s.listener));
  g_assert_cmpuint (metric ("roomcast_http_connections_refused_total", "reason=\"fd_reserve\""),
                    ==, 0);

  /* One more taken: the next connection gets the reserve's first. */
  ex.sock = client_socket ();
  ex.request = NULL; /* a refused client is answered before it speaks */
  GArray *more = fill_fds (devnull, first_reserved - 1);
  g_assert_cmpint (next_fd (devnull), ==, first_reserved);
  exchange_run (&ex);
  assert_refused (&ex);
  exchange_clear (&ex);
  g_assert_cmpuint (metric ("roomcast_http_connections_refused_total", "reason=\"fd_reserve\""),
                    ==, 1);
  g_assert_cmpuint (metric ("roomcast_http_connections_total", NULL), ==, 1);
  g_assert_cmpuint (warned_refusing, ==, 1);
  g_assert_cmpuint (rc_http_listener_get_n_connections (s.listener), ==, 0);
  g_assert_true (rc_http_listener_is_accepting (s.listener));

  close_fds (more, 0);
  close_fds (fds, 0);
  g_array_unref (more);
  g_array_unref (fds);
  server_stop (&s);
  set_soft_fd_limit (old);
  close (devnull);
}

static gboolean
one_connection (gpointer data)
{
  return rc_http_listener_get_n_connections (data) == 1;
}

/* max_connections: one client connected and silent (libsoup waits for its
 * request) fills a cap of one; the next is refused until it leaves. */
static void
test_connection_cap (void)
{
  Server s = { 0 };
  Exchange ex = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) idle = client_socket ();

  reset_counts ();
  server_start (&s, 1);
  g_assert_true (g_socket_connect (idle, s.address, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (rc_test_wait_until (5000, one_connection, s.listener));

  ex.sock = client_socket ();
  ex.to = s.address;
  exchange_run (&ex);
  assert_refused (&ex);
  exchange_clear (&ex);
  g_assert_cmpuint (metric ("roomcast_http_connections_refused_total", "reason=\"connection_cap\""),
                    ==, 1);
  g_assert_cmpuint (warned_refusing, ==, 1);

  /* The silent client leaves: its connection goes, the next is served. */
  g_socket_close (idle, NULL);
  g_assert_true (rc_test_wait_until (5000, no_connections, s.listener));
  ex.sock = client_socket ();
  ex.request = GET_HEALTH;
  exchange_run (&ex);
  assert_health_ok (&ex);
  exchange_clear (&ex);
  server_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (writer, NULL, NULL);

  g_test_add_func ("/http-listener/basic", test_basic);
  g_test_add_func ("/http-listener/emfile", test_emfile);
  g_test_add_func ("/http-listener/fd-reserve", test_fd_reserve);
  g_test_add_func ("/http-listener/connection-cap", test_connection_cap);
  return g_test_run ();
}
