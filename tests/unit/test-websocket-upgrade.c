/* roomcast: unit tests of the checks every WebSocket endpoint makes before
 * the upgrade (src/http/websocket-upgrade.c): a refused Origin (counted and
 * logged), draining, a request that is not an upgrade, and upgrades that
 * go through.
 *
 * A SoupServer on 127.0.0.1 calls the check from its pre-handler as
 * /socket.io/ and /app/{key} do; each client runs blocking in a thread of
 * its own while the main loop is iterated until it is done. */
#include "http/http-listener.h"
#include "http/websocket-upgrade.h"
#include "core/metrics.h"

#include "../lib/rc-test-util.h"

#include <string.h>

#define REFUSED "roomcast_test_refused_total"

static guint logged_refusals;

/* Count the refusal log lines; anything else goes to the default writer. */
static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        g_str_has_prefix (fields[i].value, "refused WebSocket from 127.0.0.1:") &&
        strstr (fields[i].value, ": origin https://evil.example.com is not in CORS_ORIGINS")) {
      logged_refusals++;
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

static guint64
refused (void)
{
  g_autofree char *text = rc_metrics_render ();
  const char *prefix = "\n" REFUSED "{reason=\"origin\"} ";
  const char *p = strstr (text, prefix);
  return p ? g_ascii_strtoull (p + strlen (prefix), NULL, 10) : 0;
}

typedef struct {
  RcConfig *config;
  gboolean draining;
  SoupServer *soup;
  GSocket *socket;
  RcHttpListener *listener;
  guint port;
  guint upgraded;
} Fixture;

static void
on_http (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer data)
{
  Fixture *f = data;
  rc_websocket_upgrade_check (msg, f->config, REFUSED, "Refused test upgrades", f->draining);
}

static void
on_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
              SoupWebsocketConnection *ws, gpointer data)
{
  ((Fixture *) data)->upgraded++;
  soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->config = rc_config_new ();
  f->config->cors_origins = g_strsplit ("https://app.example.com", ",", -1);
  f->soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->soup, "/ws", on_http, f, NULL);
  soup_server_add_websocket_handler (f->soup, "/ws", NULL, NULL, on_websocket, f, NULL);
  /* roomcastd's own listener: libsoup 3.2's leaks each accepted socket
   * (http-listener.h), which valgrind reports. */
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (lo, 0);
  f->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                            &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (f->socket, any_port, TRUE, &error));
  g_assert_true (g_socket_listen (f->socket, &error));
  g_assert_no_error (error);
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (f->socket, &error);
  g_assert_no_error (error);
  f->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  f->listener = rc_http_listener_new (f->soup, f->socket, 0);
  rc_metrics_reset ();
  logged_refusals = 0;
}

static void
teardown (Fixture *f, gconstpointer data)
{
  rc_http_listener_close (f->listener);
  g_clear_object (&f->listener);
  g_clear_object (&f->socket);
  soup_server_disconnect (f->soup);
  g_clear_object (&f->soup);
  rc_config_free (f->config);
}

/* --- a client in a thread ------------------------------------------------ */

typedef struct {
  guint port;
  char *request;
  GString *response; /* up to the end of the head, or of the body */
  gint done;
} Exchange;

static gpointer
exchange_thread (gpointer data)
{
  Exchange *ex = data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  char buf[4096];
  gssize n;

  g_socket_client_set_timeout (client, 10 * rc_test_time_scale ());
  g_autoptr (GSocketConnection) conn = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                                        ex->port, NULL, &error);
  if (conn) {
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
    GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
    g_output_stream_write_all (out, ex->request, strlen (ex->request), NULL, NULL, NULL);
    /* A refusal ends with its JSON body; a 101 with its head (the
     * WebSocket is then closed by the server). */
    while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL)) > 0) {
      g_string_append_len (ex->response, buf, n);
      if (g_str_has_prefix (ex->response->str, "HTTP/1.1 101") &&
          strstr (ex->response->str, "\r\n\r\n"))
        break;
      if (g_str_has_suffix (ex->response->str, "}}"))
        break;
    }
  }
  g_atomic_int_set (&ex->done, TRUE);
  return NULL;
}

static gboolean
exchange_done (gpointer data)
{
  return g_atomic_int_get (&((Exchange *) data)->done);
}

/* The whole answer to a GET /ws with @origin (nullable), as an upgrade
 * request or a plain one. */
static char *
get (Fixture *f, const char *origin, gboolean upgrade)
{
  g_autofree char *origin_h = origin ? g_strdup_printf ("Origin: %s\r\n", origin) : g_strdup ("");
  Exchange ex = {
    .port = f->port,
    .request = g_strdup_printf ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s\r\n", origin_h,
                                upgrade ? "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                                          "Sec-WebSocket-Version: 13\r\n"
                                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                        : ""),
    .response = g_string_new (NULL),
  };
  GThread *thread = g_thread_new ("client", exchange_thread, &ex);

  g_assert_true (rc_test_wait_until (10000, exchange_done, &ex));
  g_thread_join (thread);
  g_free (ex.request);
  return g_string_free (ex.response, FALSE);
}

static void
assert_refused (const char *answer, const char *status_line, const char *code)
{
  g_autofree char *member = g_strdup_printf ("{\"error\":{\"code\":\"%s\",", code);
  if (!g_str_has_prefix (answer, status_line) || !strstr (answer, member))
    g_error ("expected %s with %s, got:\n%s", status_line, code, answer);
}

/* --- tests --------------------------------------------------------------- */

static void
test_origin (Fixture *f, gconstpointer data)
{
  g_autofree char *evil = get (f, "https://evil.example.com", TRUE);
  assert_refused (evil, "HTTP/1.1 403", "origin_not_allowed");
  g_assert_cmpuint (refused (), ==, 1);
  g_assert_cmpuint (logged_refusals, ==, 1);
  g_assert_cmpuint (f->upgraded, ==, 0);

  /* A listed Origin (any case), and none at all (not a browser), go on. */
  g_autofree char *listed = get (f, "https://APP.example.com", TRUE);
  g_assert_true (g_str_has_prefix (listed, "HTTP/1.1 101"));
  g_autofree char *none = get (f, NULL, TRUE);
  g_assert_true (g_str_has_prefix (none, "HTTP/1.1 101"));
  g_assert_cmpuint (f->upgraded, ==, 2);
  g_assert_cmpuint (refused (), ==, 1);
}

static void
test_draining (Fixture *f, gconstpointer data)
{
  f->draining = TRUE;
  g_autofree char *draining = get (f, "https://app.example.com", TRUE);
  assert_refused (draining, "HTTP/1.1 503", "shutting_down");
  /* A refused Origin is still told so (and counted) while draining. */
  g_autofree char *evil = get (f, "https://evil.example.com", TRUE);
  assert_refused (evil, "HTTP/1.1 403", "origin_not_allowed");
  g_assert_cmpuint (refused (), ==, 1);
  g_assert_cmpuint (f->upgraded, ==, 0);
}

static void
test_not_websocket (Fixture *f, gconstpointer data)
{
  g_autofree char *plain = get (f, NULL, FALSE);
  assert_refused (plain, "HTTP/1.1 400", "not_websocket");
  g_assert_cmpuint (refused (), ==, 0);
  g_assert_cmpuint (f->upgraded, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (writer, NULL, NULL);
  g_test_add ("/websocket-upgrade/origin", Fixture, NULL, setup, test_origin, teardown);
  g_test_add ("/websocket-upgrade/draining", Fixture, NULL, setup, test_draining, teardown);
  g_test_add ("/websocket-upgrade/not-websocket", Fixture, NULL, setup, test_not_websocket,
              teardown);
  return g_test_run ();
}
