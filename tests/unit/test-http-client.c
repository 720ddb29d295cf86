/* roomcast: unit tests of the curl-multi HTTP client (src/http/http-client.c).
 *
 * The server is a small HTTP/1.1 responder on 127.0.0.1 running in its own
 * threads (blocking GSocket calls, one thread per connection), so the test
 * controls exactly what goes on the wire and libsoup's own bookkeeping does
 * not get in the way of valgrind. The client under test runs on the main
 * loop, as in roomcastd. */
#include "http/http-client.h"

#include <string.h>

typedef struct {
  GSocket *listener;
  GCancellable *stop;
  GThread *acceptor;
  GPtrArray *threads;         /* connection threads, joined at tear-down */
  GMutex lock;
  GHashTable *peer_ports;     /* remote ports seen: connection reuse */
  char *base;
  GMainLoop *loop;
  RcHttpClient *client;
} Fixture;

typedef struct {
  Fixture *f;
  GSocket *sock;
} Conn;

static gboolean
send_all (Conn *c, const char *data, gsize len)
{
  while (len > 0) {
    gssize n = g_socket_send (c->sock, data, len, c->f->stop, NULL);
    if (n <= 0)
      return FALSE;
    data += n;
    len -= (gsize) n;
  }
  return TRUE;
}

static void
respond (Conn *c, guint status, const char *extra_headers, const char *body, gsize len)
{
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 %u X\r\nContent-Type: text/plain\r\n"
                                           "Content-Length: %" G_GSIZE_FORMAT "\r\n%s\r\n",
                                           status, len, extra_headers ? extra_headers : "");
  if (send_all (c, head, strlen (head)))
    send_all (c, body, len);
}

/* "Name: value" of @name in @headers (lower-case match), or "-". */
static char *
header_value (char **lines, const char *name)
{
  for (char **l = lines + 1; *l; l++) {
    char *colon = strchr (*l, ':');
    if (colon && (gsize) (colon - *l) == strlen (name) &&
        g_ascii_strncasecmp (*l, name, strlen (name)) == 0)
      return g_strstrip (g_strdup (colon + 1));
  }
  return g_strdup ("-");
}

/* Serve requests on one keep-alive connection until EOF or tear-down. */
static gpointer
connection_thread (gpointer data)
{
  Conn *c = data;
  GString *buf = g_string_new (NULL);
  char chunk[4096];

  for (;;) {
    char *end;
    while (!(end = strstr (buf->str, "\r\n\r\n"))) {
      gssize n = g_socket_receive (c->sock, chunk, sizeof chunk, c->f->stop, NULL);
      if (n <= 0)
        goto out;
      g_string_append_len (buf, chunk, n);
    }
    g_autofree char *head = g_strndup (buf->str, (gsize) (end - buf->str));
    g_string_erase (buf, 0, (end - buf->str) + 4);
    g_auto (GStrv) lines = g_strsplit (head, "\r\n", -1);
    g_auto (GStrv) request = g_strsplit (lines[0], " ", 3);
    g_autofree char *length = header_value (lines, "Content-Length");
    gsize body_len = g_str_equal (length, "-") ? 0 : (gsize) g_ascii_strtoull (length, NULL, 10);
    while (buf->len < body_len) {
      gssize n = g_socket_receive (c->sock, chunk, sizeof chunk, c->f->stop, NULL);
      if (n <= 0)
        goto out;
      g_string_append_len (buf, chunk, n);
    }
    g_autofree char *body = g_strndup (buf->str, body_len);
    g_string_erase (buf, 0, (gssize) body_len);
    const char *path = request[1] ? request[1] : "";

    if (g_str_equal (path, "/echo")) {
      /* The request as the server saw it, for the test to inspect. */
      g_autofree char *x = header_value (lines, "X-Test");
      g_autofree char *ctype = header_value (lines, "Content-Type");
      g_autofree char *text = g_strdup_printf ("%s|%s|%s|%s", request[0], x, ctype, body);
      respond (c, 201, NULL, text, strlen (text));
    } else if (g_str_equal (path, "/never")) {
      /* hold the connection, answer nothing: wait for tear-down */
      while (g_socket_receive (c->sock, chunk, sizeof chunk, c->f->stop, NULL) > 0)
        ;
      goto out;
    } else if (g_str_equal (path, "/big")) {
      gsize n = RC_HTTP_CLIENT_MAX_BODY + 1;
      g_autofree char *big = g_malloc (n);
      memset (big, 'x', n);
      respond (c, 200, NULL, big, n);
    } else if (g_str_equal (path, "/redirect")) {
      respond (c, 302, "Location: /echo\r\n", "", 0);
    } else {
      respond (c, 503, NULL, "", 0);
    }
  }
out:
  g_string_free (buf, TRUE);
  g_socket_close (c->sock, NULL);
  g_object_unref (c->sock);
  g_free (c);
  return NULL;
}

static gpointer
accept_thread (gpointer data)
{
  Fixture *f = data;
  for (;;) {
    GSocket *sock = g_socket_accept (f->listener, f->stop, NULL);
    if (!sock)
      return NULL;
    g_autoptr (GSocketAddress) peer = g_socket_get_remote_address (sock, NULL);
    Conn *c = g_new0 (Conn, 1);
    c->f = f;
    c->sock = sock;
    g_mutex_lock (&f->lock);
    g_hash_table_add (f->peer_ports, GUINT_TO_POINTER (
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (peer))));
    g_ptr_array_add (f->threads, g_thread_new ("http-conn", connection_thread, c));
    g_mutex_unlock (&f->lock);
  }
}

static guint
n_connections (Fixture *f)
{
  g_mutex_lock (&f->lock);
  guint n = g_hash_table_size (f->peer_ports);
  g_mutex_unlock (&f->lock);
  return n;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_mutex_init (&f->lock);
  f->peer_ports = g_hash_table_new (NULL, NULL);
  f->threads = g_ptr_array_new ();
  f->stop = g_cancellable_new ();
  f->loop = g_main_loop_new (NULL, FALSE);
  f->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                              G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_assert_true (g_socket_bind (f->listener, any, TRUE, &error));
  g_socket_set_listen_backlog (f->listener, 128);
  g_assert_true (g_socket_listen (f->listener, &error));
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (f->listener, &error);
  f->base = g_strdup_printf ("http://127.0.0.1:%u",
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  f->acceptor = g_thread_new ("http-accept", accept_thread, f);
  f->client = rc_http_client_new (500, 800);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  g_cancellable_cancel (f->stop);
  g_thread_join (f->acceptor);
  for (guint i = 0; i < f->threads->len; i++)
    g_thread_join (g_ptr_array_index (f->threads, i));
  g_ptr_array_unref (f->threads);
  g_socket_close (f->listener, NULL);
  g_object_unref (f->listener);
  g_object_unref (f->stop);
  g_hash_table_unref (f->peer_ports);
  g_mutex_clear (&f->lock);
  g_main_loop_unref (f->loop);
  g_free (f->base);
}

typedef struct {
  Fixture *f;
  RcHttpResponse *response;
  GError *error;
  gboolean done;
} Result;

static void
on_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Result *r = data;
  g_assert_false (r->done); /* exactly once */
  r->response = rc_http_client_request_finish (RC_HTTP_CLIENT (source), res, &r->error);
  r->done = TRUE;
  g_main_loop_quit (r->f->loop);
}

static void
run_request (Fixture *f, const char *method, const char *url, const char * const *headers,
             GBytes *body, GCancellable *cancellable, Result *r)
{
  memset (r, 0, sizeof *r);
  r->f = f;
  rc_http_client_request_async (f->client, method, url, headers, body, cancellable, on_done, r);
  g_assert_false (r->done); /* never completes inside the call */
  while (!r->done)
    g_main_loop_run (f->loop);
}

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->response, rc_http_response_free);
  g_clear_error (&r->error);
}

static void
test_post_and_reuse (Fixture *f, gconstpointer data)
{
  g_autofree char *url = g_strconcat (f->base, "/echo", NULL);
  const char *headers[] = { "X-Test: yes", "Content-Type: application/json", NULL };
  g_autoptr (GBytes) body = g_bytes_new_static ("{\"a\":1}", 7);
  Result r;

  for (int i = 0; i < 3; i++) {
    run_request (f, "POST", url, headers, body, NULL, &r);
    g_assert_no_error (r.error);
    g_assert_cmpuint (r.response->status, ==, 201);
    g_assert_cmpstr (r.response->content_type, ==, "text/plain");
    gsize n;
    const char *text = g_bytes_get_data (r.response->body, &n);
    g_assert_cmpmem (text, n, "POST|yes|application/json|{\"a\":1}", 33);
    result_clear (&r);
  }
  /* one keep-alive connection served all three */
  g_assert_cmpuint (n_connections (f), ==, 1);

  run_request (f, "POST", url, NULL, NULL, NULL, &r);
  g_assert_no_error (r.error);
  gsize n;
  const char *text = g_bytes_get_data (r.response->body, &n);
  g_assert_cmpmem (text, n, "POST|-|application/x-www-form-urlencoded|", 41);
  result_clear (&r);

  run_request (f, "GET", url, NULL, NULL, NULL, &r);
  g_assert_no_error (r.error);
  text = g_bytes_get_data (r.response->body, &n);
  g_assert_cmpmem (text, n, "GET|-|-|", 8);
  result_clear (&r);
}

static void
test_status_and_redirect (Fixture *f, gconstpointer data)
{
  g_autofree char *url = g_strconcat (f->base, "/fail", NULL);
  g_autofree char *redirect = g_strconcat (f->base, "/redirect", NULL);
  Result r;
  run_request (f, "POST", url, NULL, NULL, NULL, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.response->status, ==, 503);
  result_clear (&r);
  run_request (f, "POST", redirect, NULL, NULL, NULL, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.response->status, ==, 302); /* not followed */
  result_clear (&r);
}

static void
test_timeout_and_unreachable (Fixture *f, gconstpointer data)
{
  g_autofree char *never = g_strconcat (f->base, "/never", NULL);
  Result r;
  gint64 t0 = g_get_monotonic_time ();
  run_request (f, "POST", never, NULL, NULL, NULL, &r);
  gint64 elapsed_ms = (g_get_monotonic_time () - t0) / 1000;
  g_assert_error (r.error, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (r.error->message, "800 ms"));
  g_assert_cmpint (elapsed_ms, >=, 700);
  g_assert_cmpint (elapsed_ms, <, 3000);
  result_clear (&r);

  /* a port with nobody listening: refused at once, not a timeout */
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_assert_true (g_socket_bind (sock, any, TRUE, NULL));
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (sock, NULL);
  g_autofree char *closed = g_strdup_printf ("http://127.0.0.1:%u/x",
    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  run_request (f, "POST", closed, NULL, NULL, NULL, &r);
  g_assert_error (r.error, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_UNREACHABLE);
  result_clear (&r);
}

static void
test_refusals (Fixture *f, gconstpointer data)
{
  g_autofree char *big = g_strconcat (f->base, "/big", NULL);
  g_autofree char *echo = g_strconcat (f->base, "/echo", NULL);
  Result r;
  run_request (f, "GET", big, NULL, NULL, NULL, &r);
  g_assert_error (r.error, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_TOO_LARGE);
  result_clear (&r);

  const char *injected[] = { "X-Test: a\r\nX-Evil: 1", NULL };
  run_request (f, "POST", echo, injected, NULL, NULL, &r);
  g_assert_error (r.error, RC_HTTP_CLIENT_ERROR, RC_HTTP_CLIENT_ERROR_INVALID);
  result_clear (&r);

  run_request (f, "GET", "ftp://127.0.0.1/x", NULL, NULL, NULL, &r);
  g_assert_nonnull (r.error);
  result_clear (&r);
}

static gboolean
cancel_soon (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *never = g_strconcat (f->base, "/never", NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_timeout_add (50, cancel_soon, cancellable);
  Result r;
  run_request (f, "POST", never, NULL, NULL, cancellable, &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);
  g_assert_cmpuint (rc_http_client_get_n_active (f->client), ==, 0);

  run_request (f, "POST", never, NULL, NULL, cancellable, &r); /* already cancelled */
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);
}

typedef struct {
  Fixture *f;
  guint left, ok;
} Many;

static void
on_many_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Many *m = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RcHttpResponse) response = rc_http_client_request_finish (RC_HTTP_CLIENT (source),
                                                                       res, &error);
  if (response && response->status == 201)
    m->ok++;
  else
    g_test_message ("request failed: %s", error ? error->message : "status");
  if (--m->left == 0)
    g_main_loop_quit (m->f->loop);
}

static void
test_concurrent (Fixture *f, gconstpointer data)
{
  g_autofree char *url = g_strconcat (f->base, "/echo", NULL);
  Many m = { f, 50, 0 };
  for (int i = 0; i < 50; i++)
    rc_http_client_request_async (f->client, "POST", url, NULL, NULL, NULL, on_many_done, &m);
  g_assert_cmpuint (rc_http_client_get_n_active (f->client), ==, 50);
  g_main_loop_run (f->loop);
  g_assert_cmpuint (m.ok, ==, 50);
  g_assert_cmpuint (rc_http_client_get_n_active (f->client), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/http-client/post-and-reuse", test_post_and_reuse);
  ADD ("/http-client/status-and-redirect", test_status_and_redirect);
  ADD ("/http-client/timeout-and-unreachable", test_timeout_and_unreachable);
  ADD ("/http-client/refusals", test_refusals);
  ADD ("/http-client/cancel", test_cancel);
  ADD ("/http-client/concurrent", test_concurrent);
  return g_test_run ();
}
