/* roomcast: unit tests of HTTPS on the listener (src/http/http-listener.c
 * with src/http/tls-handshake.c) and of the certificate loader
 * (src/config-tls.c): a request over TLS, the certificate replaced for new
 * connections, a plain HTTP request answered 400, handshakes cut by their
 * deadline, the watchdog's self-check with TLS on, and the listener closed
 * while a handshake waits.
 *
 * Certificates come from the openssl CLI, made in a temporary directory at
 * start. Clients run blocking in a thread of their own (glib-networking's
 * client side) while the main loop (the listener's, libsoup's, and where
 * the server's handshakes report) is iterated until they are done. */
#include "config-tls.h"
#include "config.h"
#include "http/http-listener.h"
#include "core/metrics.h"

#include "../lib/rc-test-util.h"

#include <string.h>

static char *dir; /* the certificates */

static char *
file_in_dir (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static void
openssl (const char *args)
{
  g_autofree char *command = g_strdup_printf ("openssl %s", args);
  g_auto (GStrv) argv = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_true (g_shell_parse_argv (command, NULL, &argv, NULL));
  g_assert_true (g_spawn_sync (dir, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, NULL));
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s: %s", command, err);
}

/* A self-signed certificate for 127.0.0.1 in NAME.crt and NAME.key: the
 * clients trust it as their own CA. */
static void
make_certificate (const char *name)
{
  g_autofree char *args = g_strdup_printf (
    "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=%s "
    "-addext subjectAltName=IP:127.0.0.1 -keyout %s.key -out %s.crt",
    name, name, name);
  openssl (args);
}

static GTlsCertificate *
load (const char *name)
{
  g_autofree char *crt = g_strdup_printf ("%s/%s.crt", dir, name);
  g_autofree char *key = g_strdup_printf ("%s/%s.key", dir, name);
  g_autoptr (GError) error = NULL;
  GTlsCertificate *certificate = rc_config_load_tls_certificate (crt, key, &error);

  g_assert_no_error (error);
  return certificate;
}

static guint64
metric (const char *name, const char *labels)
{
  g_autofree char *text = rc_metrics_render ();
  g_autofree char *prefix = labels ? g_strdup_printf ("\n%s{%s} ", name, labels)
                                   : g_strdup_printf ("\n%s ", name);
  const char *p = strstr (text, prefix);

  return p ? g_ascii_strtoull (p + strlen (prefix), NULL, 10) : 0;
}

/* The listener warns when it refuses a connection (test_connection_cap),
 * and warnings are fatal in a GTest program: count that one instead. */
static guint warned_refusing;

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        (level & G_LOG_LEVEL_WARNING) &&
        strstr (fields[i].value, "http: refusing new connections")) {
      warned_refusing++;
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, data);
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
  GSocket *socket;
  GSocketAddress *address;
  RcHttpListener *listener;
} Server;

static void
server_start_capped (Server *s, GTlsCertificate *certificate, guint timeout_ms,
                     guint max_connections)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (lo, 0);

  rc_metrics_reset ();
  s->soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (s->soup, "/health", on_health, NULL, NULL);
  s->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                            &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (s->socket, any_port, TRUE, &error));
  g_assert_true (g_socket_listen (s->socket, &error));
  s->address = g_socket_get_local_address (s->socket, &error);
  g_assert_no_error (error);
  s->listener = rc_http_listener_new (s->soup, s->socket, max_connections);
  rc_http_listener_set_tls (s->listener, certificate, timeout_ms);
  g_assert_true (rc_http_listener_get_tls_certificate (s->listener) == certificate);
}

static void
server_start (Server *s, GTlsCertificate *certificate, guint timeout_ms)
{
  server_start_capped (s, certificate, timeout_ms, 0);
}

static gboolean
no_connections (gpointer data)
{
  return rc_http_listener_get_n_connections (data) == 0;
}

static void
server_stop (Server *s)
{
  g_assert_true (rc_test_wait_until (5000, no_connections, s->listener));
  rc_http_listener_close (s->listener);
  g_clear_object (&s->listener);
  g_clear_object (&s->address);
  g_clear_object (&s->socket);
  g_clear_object (&s->soup);
}

/* --- a client in a thread ------------------------------------------------ */

typedef enum {
  CLIENT_HTTPS, /* handshake trusting @trust, GET /health, read to the end */
  CLIENT_PLAIN, /* GET /health without TLS, read to the end */
  CLIENT_BYTES, /* send @bytes, then read to the end (the server closes) */
} ClientKind;

typedef struct {
  ClientKind kind;
  GSocketAddress *to;
  GTlsCertificate *trust;
  const char *bytes;
  gsize n_bytes;
  /* results */
  GTlsCertificate *peer; /* CLIENT_HTTPS */
  GString *response;
  GError *error;
  gint done;
} Client;

static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autoptr (GSocketClient) connector = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GIOStream) tls = NULL;
  GIOStream *stream;
  const char *request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  char buf[4096];
  gssize n;

  g_socket_client_set_timeout (connector, 10 * rc_test_time_scale ());
  conn = g_socket_client_connect (connector, G_SOCKET_CONNECTABLE (c->to), NULL, &c->error);
  if (conn == NULL)
    goto out;
  stream = G_IO_STREAM (conn);
  if (c->kind == CLIENT_HTTPS) {
    g_autoptr (GTlsDatabase) db = NULL;
    g_autofree char *pem = NULL;
    g_object_get (c->trust, "certificate-pem", &pem, NULL);
    g_autofree char *ca = file_in_dir ("trust.pem");
    g_assert_true (g_file_set_contents (ca, pem, -1, NULL));
    db = g_tls_file_database_new (ca, &c->error);
    if (db == NULL)
      goto out;
    tls = g_tls_client_connection_new (stream, G_SOCKET_CONNECTABLE (c->to), &c->error);
    if (tls == NULL)
      goto out;
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), db);
    if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &c->error))
      goto out;
    c->peer = g_object_ref (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls)));
    stream = tls;
  }
  if (c->kind == CLIENT_BYTES) {
    request = c->bytes;
  }
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), request,
                                  c->kind == CLIENT_BYTES ? c->n_bytes : strlen (request), NULL,
                                  NULL, &c->error))
    goto out;
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (stream), buf, sizeof buf, NULL,
                                   &c->error)) > 0)
    g_string_append_len (c->response, buf, n);
out:
  g_atomic_int_set (&c->done, TRUE);
  return NULL;
}

static gboolean
client_done (gpointer data)
{
  return g_atomic_int_get (&((Client *) data)->done);
}

static void
client_run (Client *c, Server *s)
{
  c->to = s->address;
  c->response = g_string_new (NULL);
  GThread *thread = g_thread_new ("client", client_thread, c);
  g_assert_true (rc_test_wait_until (15000, client_done, c));
  g_thread_join (thread);
}

static void
client_clear (Client *c)
{
  g_clear_object (&c->peer);
  g_clear_error (&c->error);
  if (c->response)
    g_string_free (g_steal_pointer (&c->response), TRUE);
}

/* --- tests --------------------------------------------------------------- */

/* The loader's errors name the setting and the file. */
static void
test_loader (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *one_crt = file_in_dir ("one.crt"), *one_key = file_in_dir ("one.key");
  g_autofree char *two_key = file_in_dir ("two.key"), *missing = file_in_dir ("missing.pem");
  g_autoptr (GTlsCertificate) one = load ("one");

  g_assert_null (rc_config_load_tls_certificate (one_crt, two_key, &error));
  g_assert_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "TLS_KEY_FILE: "));
  g_assert_nonnull (strstr (error->message, "is not the private key of the certificate"));
  g_clear_error (&error);
  g_assert_null (rc_config_load_tls_certificate (missing, one_key, &error));
  g_assert_nonnull (strstr (error->message, "TLS_CERT_FILE: "));
  g_assert_nonnull (strstr (error->message, "cannot be read"));
  g_clear_error (&error);
  g_assert_null (rc_config_load_tls_certificate (one_key, one_key, &error));
  g_assert_true (g_str_has_prefix (error->message, "TLS_CERT_FILE: "));
  g_clear_error (&error);
  g_assert_null (rc_config_load_tls_certificate (one_crt, one_crt, &error));
  g_assert_true (g_str_has_prefix (error->message, "TLS_KEY_FILE: "));
  g_assert_null (strstr (error->message, "PRIVATE KEY"));
  g_clear_error (&error);

  /* The fingerprint is openssl's. */
  g_autofree char *out = NULL;
  g_autofree char *command = g_strdup_printf ("openssl x509 -noout -fingerprint -sha256 -in %s",
                                              one_crt);
  g_assert_true (g_spawn_command_line_sync (command, &out, NULL, NULL, NULL));
  g_autofree char *fingerprint = rc_config_tls_fingerprint (one);
  g_assert_nonnull (strstr (out, fingerprint));
  g_assert_cmpuint (strlen (fingerprint), ==, 32 * 3 - 1);
}

/* A request over TLS; then, with another certificate set, new connections
 * get that one. */
static void
test_https_and_new_certificate (void)
{
  g_autoptr (GTlsCertificate) one = load ("one"), two = load ("two");
  Server s = { 0 };
  Client c = { .kind = CLIENT_HTTPS, .trust = one };

  server_start (&s, one, 5000);
  client_run (&c, &s);
  g_assert_no_error (c.error);
  g_assert_true (g_str_has_prefix (c.response->str, "HTTP/1.1 200 "));
  g_assert_true (g_str_has_suffix (c.response->str, "\r\n\r\nok"));
  g_assert_true (g_tls_certificate_is_same (c.peer, one));
  client_clear (&c);

  rc_http_listener_set_tls (s.listener, two, 5000);
  c = (Client) { .kind = CLIENT_HTTPS, .trust = two };
  client_run (&c, &s);
  g_assert_no_error (c.error);
  g_assert_true (g_str_has_prefix (c.response->str, "HTTP/1.1 200 "));
  g_assert_true (g_tls_certificate_is_same (c.peer, two));
  client_clear (&c);
  g_assert_cmpuint (metric ("roomcast_http_connections_total", NULL), ==, 2);
  g_assert_cmpuint (metric ("roomcast_http_tls_handshake_failures_total", "reason=\"error\""),
                    ==, 0);
  server_stop (&s);
}

static void
test_plain_http (void)
{
  g_autoptr (GTlsCertificate) one = load ("one");
  Server s = { 0 };
  Client c = { .kind = CLIENT_PLAIN };

  server_start (&s, one, 5000);
  client_run (&c, &s);
  g_assert_no_error (c.error);
  g_assert_true (g_str_has_prefix (c.response->str, "HTTP/1.1 400 "));
  g_assert_nonnull (strstr (c.response->str, "\"tls_required\""));
  client_clear (&c);
  g_assert_cmpuint (
    metric ("roomcast_http_tls_handshake_failures_total", "reason=\"plain_http\""), ==, 1);
  server_stop (&s);
}

static gboolean
one_timeout (gpointer data)
{
  return metric ("roomcast_http_tls_handshake_failures_total", "reason=\"timeout\"") == 1;
}

/* The start of a ClientHello record and no more: the handshake waits on
 * its worker thread until the deadline cancels it, and the connection is
 * reset. */
static void
test_deadline (void)
{
  static const char partial[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 };
  g_autoptr (GTlsCertificate) one = load ("one");
  Server s = { 0 };
  Client c = { .kind = CLIENT_BYTES, .bytes = partial, .n_bytes = sizeof partial };
  gint64 start = g_get_monotonic_time ();

  server_start (&s, one, 300);
  client_run (&c, &s);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  g_assert_cmpuint (c.response->len, ==, 0);
  client_clear (&c);
  /* Counted when the worker thread gives the handshake back. */
  g_assert_true (rc_test_wait_until (5000, one_timeout, NULL));
  server_stop (&s);
}

static gboolean
one_connection (gpointer data)
{
  return rc_http_listener_get_n_connections (data) == 1;
}

/* The watchdog's self-check connects over plain TCP: with TLS on it is
 * still recognised before any handshake, neither served nor counted as a
 * failure. */
static void
test_self_check (void)
{
  g_autoptr (GTlsCertificate) one = load ("one");
  Server s = { 0 };

  server_start (&s, one, 5000);
  for (guint i = 0; i < 3; i++) {
    g_assert_true (rc_http_listener_check_alive (s.listener));
    rc_test_run_for (200 * rc_test_time_scale ());
  }
  g_assert_cmpuint (rc_http_listener_get_n_connections (s.listener), ==, 0);
  g_assert_cmpuint (metric ("roomcast_http_connections_total", NULL), ==, 0);
  g_autofree char *text = rc_metrics_render ();
  g_assert_null (strstr (text, "roomcast_http_tls_handshake_failures_total{"));
  server_stop (&s);
}

/* Closing the listener resets connections still waiting for a handshake
 * (here: a client that says nothing), and frees them. */
static void
test_close_during_handshake (void)
{
  g_autoptr (GTlsCertificate) one = load ("one");
  g_autoptr (GError) error = NULL;
  Server s = { 0 };

  server_start (&s, one, 60000);
  g_autoptr (GSocket) quiet = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_true (g_socket_connect (quiet, s.address, NULL, &error));
  g_assert_true (rc_test_wait_until (5000, one_connection, s.listener));
  rc_http_listener_close (s.listener);
  g_assert_true (rc_test_wait_until (5000, no_connections, s.listener));
  char byte;
  g_socket_set_timeout (quiet, 5 * rc_test_time_scale ());
  g_assert_cmpint (g_socket_receive (quiet, &byte, 1, NULL, NULL), <=, 0);
  server_stop (&s);
}

/* Past HTTP_MAX_CONNECTIONS a TLS client is closed without a word: a 503
 * in plain text would read as a broken handshake. */
static void
test_connection_cap (void)
{
  static const char hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 };
  g_autoptr (GTlsCertificate) one = load ("one");
  g_autoptr (GError) error = NULL;
  Server s = { 0 };
  Client c = { .kind = CLIENT_BYTES, .bytes = hello, .n_bytes = sizeof hello };

  server_start_capped (&s, one, 60000, 1);
  g_autoptr (GSocket) quiet = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_true (g_socket_connect (quiet, s.address, NULL, &error));
  g_assert_true (rc_test_wait_until (5000, one_connection, s.listener));
  client_run (&c, &s);
  g_assert_cmpuint (c.response->len, ==, 0);
  client_clear (&c);
  g_assert_cmpuint (
    metric ("roomcast_http_connections_refused_total", "reason=\"connection_cap\""), ==, 1);
  g_assert_cmpuint (warned_refusing, ==, 1);
  g_socket_close (quiet, NULL);
  server_stop (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (writer, NULL, NULL);
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ())) {
    g_test_skip ("no TLS backend (glib-networking)");
    return g_test_run ();
  }
  g_autoptr (GError) error = NULL;
  dir = g_dir_make_tmp ("roomcast-tls-XXXXXX", &error);
  g_assert_no_error (error);
  make_certificate ("one");
  make_certificate ("two");

  g_test_add_func ("/tls-listener/loader", test_loader);
  g_test_add_func ("/tls-listener/https-and-new-certificate", test_https_and_new_certificate);
  g_test_add_func ("/tls-listener/plain-http", test_plain_http);
  g_test_add_func ("/tls-listener/deadline", test_deadline);
  g_test_add_func ("/tls-listener/self-check", test_self_check);
  g_test_add_func ("/tls-listener/close-during-handshake", test_close_during_handshake);
  g_test_add_func ("/tls-listener/connection-cap", test_connection_cap);
  int status = g_test_run ();

  g_autofree char *rm = g_strdup_printf ("rm -rf %s", dir);
  g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
  g_free (dir);
  return status;
}
