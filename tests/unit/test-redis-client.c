/* roomcast: tests of the hiredis-on-GLib client (src/redis/redis-client.c)
 * against a real redis-server started by the test on a free 127.0.0.1
 * port (skipped when redis-server is not installed). They check what the
 * callers rely on: every callback exactly once and never inside the call,
 * errors when disconnected or when the connection drops mid-command,
 * AUTH/SELECT, reconnection after a restart, and no password in the logs;
 * and in subscribe mode (with RcRedisSubscriber on top): messages, every
 * subscription again after the connection is killed or the server
 * restarts, and the probe that tells an idle server from a silent one. */
#include "redis/redis-client.h"
#include "redis/redis-subscriber.h"
#include "core/metrics.h"
#include "../lib/rc-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define PASSWORD "unit-test-redis-password-0123456789"

static GString *captured_logs;

/* Keep every message (to look for secrets) and show warnings; the client
 * warns on purpose when Redis goes away. */
static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0) {
      g_string_append_printf (captured_logs, "%s\n", (const char *) fields[i].value);
      if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
        g_printerr ("log: %s\n", (const char *) fields[i].value);
    }
  return G_LOG_WRITER_HANDLED;
}

typedef struct {
  GSubprocess *proc;
  guint port;
  char *dir;
} Server;

static guint
free_port (void)
{
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_assert_true (g_socket_bind (sock, any, TRUE, NULL));
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Start redis-server and block (test code may) until it is ready. */
static void
server_start (Server *s, const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("%u", s->port);
  s->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                              &error, "redis-server", "--port", port, "--bind", "127.0.0.1",
                              "--dir", s->dir, "--save", "", "--appendonly", "no",
                              "--logfile", "", password ? "--requirepass" : NULL, password,
                              NULL);
  g_assert_no_error (error);
  g_autoptr (GDataInputStream) out =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
  for (;;) {
    g_autofree char *line = g_data_input_stream_read_line (out, NULL, NULL, &error);
    g_assert_no_error (error);
    if (!line)
      g_error ("redis-server exited before it was ready");
    if (strstr (line, "Ready to accept connections"))
      break;
  }
}

static void
server_stop (Server *s)
{
  if (!s->proc)
    return;
  g_subprocess_send_signal (s->proc, SIGKILL);
  g_subprocess_wait (s->proc, NULL, NULL);
  g_clear_object (&s->proc);
}

static gboolean
setup_server (Server *s, const char *password)
{
  g_autofree char *path = g_find_program_in_path ("redis-server");
  if (!path) {
    g_test_skip ("redis-server is not installed");
    return FALSE;
  }
  s->dir = g_dir_make_tmp ("roomcast-redis-XXXXXX", NULL);
  s->port = free_port ();
  server_start (s, password);
  return TRUE;
}

static void
teardown_server (Server *s)
{
  server_stop (s);
  if (s->dir) {
    g_rmdir (s->dir);
    g_free (s->dir);
  }
}

/* --- helpers -------------------------------------------------------------- */

static gboolean
on_deadline (gpointer data)
{
  g_error ("timed out waiting: %s", (const char *) data);
  return G_SOURCE_REMOVE;
}

/* Iterate the main loop until @cond holds, failing after @ms. */
#define WAIT_FOR(cond, ms, what) G_STMT_START {                          \
    guint wait_id_ = g_timeout_add ((ms), on_deadline, (gpointer) (what)); \
    while (!(cond))                                                        \
      g_main_context_iteration (NULL, TRUE);                               \
    g_source_remove (wait_id_);                                            \
  } G_STMT_END

static gboolean
on_elapsed (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_for (guint ms)
{
  gboolean done = FALSE;
  g_timeout_add (ms, on_elapsed, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Iterate the main loop until *@flag, failing after @ms. */
static void
wait_until (const gboolean *flag, guint ms, const char *what)
{
  guint id = g_timeout_add (ms, on_deadline, (gpointer) what);
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static void
on_connected_changed (GObject *obj, GParamSpec *pspec, gpointer data)
{
  *(gboolean *) data = rc_redis_client_is_connected (RC_REDIS_CLIENT (obj));
}

static void
wait_connected (RcRedisClient *client, gboolean want, guint ms)
{
  gboolean state = rc_redis_client_is_connected (client);
  gulong id = g_signal_connect (client, "notify::connected", G_CALLBACK (on_connected_changed),
                                &state);
  guint deadline = g_timeout_add (ms, on_deadline, (gpointer) "connected state");
  while (state != want)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
  g_signal_handler_disconnect (client, id);
}

typedef struct {
  guint calls;
  gboolean done;
  GError *error;
  int type;
  char *str;
  char *bytes;
  size_t len;
  long long integer;
} Reply;

static void
on_reply (RcRedisClient *client, redisReply *reply, const GError *error, gpointer data)
{
  Reply *r = data;
  r->calls++;
  g_assert_cmpuint (r->calls, ==, 1); /* exactly once */
  g_assert_true ((reply == NULL) != (error == NULL));
  r->done = TRUE;
  if (error) {
    r->error = g_error_copy (error);
    return;
  }
  r->type = reply->type;
  r->integer = reply->integer;
  if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
    r->str = g_strndup (reply->str, reply->len); /* cut at a NUL: see bytes */
    r->bytes = g_memdup2 (reply->str, reply->len);
    r->len = reply->len;
  }
}

static void
reply_clear (Reply *r)
{
  g_clear_error (&r->error);
  g_clear_pointer (&r->str, g_free);
  g_clear_pointer (&r->bytes, g_free);
  memset (r, 0, sizeof *r);
}

/* --- tests ---------------------------------------------------------------- */

static void
test_commands (void)
{
  Server s = { 0 };
  if (!setup_server (&s, NULL))
    return;
  g_autoptr (RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", s.port, NULL, 0);
  g_assert_cmpstr (rc_redis_client_get_state (client), ==, "connecting");
  wait_connected (client, TRUE, 5000);
  g_assert_cmpstr (rc_redis_client_get_state (client), ==, "connected");

  /* argv is binary-safe and never a format string */
  const char value[] = "a\0%s %n\r\nb";
  const char *set[] = { "SET", "key %s", value };
  size_t set_len[] = { 3, 6, sizeof value - 1 };
  Reply r = { 0 };
  rc_redis_client_commandv (client, 3, set, set_len, on_reply, &r);
  g_assert_false (r.done);
  wait_until (&r.done, 2000, "SET");
  g_assert_no_error (r.error);
  g_assert_cmpstr (r.str, ==, "OK");
  reply_clear (&r);

  rc_redis_client_call (client, on_reply, &r, "GET", "key %s", NULL);
  wait_until (&r.done, 2000, "GET");
  g_assert_cmpint (r.type, ==, REDIS_REPLY_STRING);
  g_assert_cmpmem (r.bytes, r.len, value, sizeof value - 1);
  reply_clear (&r);

  /* an error reply is a GError, not a reply */
  rc_redis_client_call (client, on_reply, &r, "INCR", "key %s", NULL);
  wait_until (&r.done, 2000, "INCR");
  g_assert_error (r.error, RC_REDIS_ERROR, RC_REDIS_ERROR_REPLY);
  reply_clear (&r);

  /* a pipeline: replies in order, each callback once */
  Reply many[100] = { 0 };
  for (int i = 0; i < 100; i++)
    rc_redis_client_call (client, on_reply, &many[i], "INCR", "counter", NULL);
  wait_until (&many[99].done, 2000, "pipeline");
  for (int i = 0; i < 100; i++) {
    g_assert_true (many[i].done);
    g_assert_cmpint (many[i].integer, ==, i + 1);
  }
  teardown_server (&s);
}

static void
test_disconnected (void)
{
  /* nobody listens: every command fails, asynchronously */
  g_autoptr (RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", free_port (), NULL, 0);
  Reply r = { 0 };
  rc_redis_client_call (client, on_reply, &r, "PING", NULL);
  g_assert_false (r.done);
  wait_until (&r.done, 1000, "refusal");
  g_assert_error (r.error, RC_REDIS_ERROR, RC_REDIS_ERROR_DISCONNECTED);
  g_assert_false (rc_redis_client_is_connected (client));
  reply_clear (&r);
}

static void
test_drop_and_reconnect (void)
{
  Server s = { 0 };
  if (!setup_server (&s, NULL))
    return;
  g_autoptr (RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", s.port, NULL, 0);
  wait_connected (client, TRUE, 5000);

  /* in flight when the server dies: CONNECTION_LOST, once */
  Reply r = { 0 };
  rc_redis_client_call (client, on_reply, &r, "BLPOP", "nothing", "2", NULL);
  server_stop (&s);
  wait_until (&r.done, 2000, "lost reply");
  g_assert_error (r.error, RC_REDIS_ERROR, RC_REDIS_ERROR_CONNECTION_LOST);
  reply_clear (&r);
  wait_connected (client, FALSE, 1000);

  server_start (&s, NULL);
  wait_connected (client, TRUE, 8000);
  rc_redis_client_call (client, on_reply, &r, "PING", NULL);
  wait_until (&r.done, 2000, "PING after reconnect");
  g_assert_cmpstr (r.str, ==, "PONG");
  reply_clear (&r);
  teardown_server (&s);
}

/* A command Redis does not answer within RC_REDIS_COMMAND_TIMEOUT_MS ends
 * the connection (the server is taken as stuck) and the client reconnects. */
static void
test_command_timeout (void)
{
  Server s = { 0 };
  if (!setup_server (&s, NULL))
    return;
  g_autoptr (RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", s.port, NULL, 0);
  wait_connected (client, TRUE, 5000);
  Reply r = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  rc_redis_client_call (client, on_reply, &r, "BLPOP", "nothing", "10", NULL);
  wait_until (&r.done, 6000, "command timeout");
  gint64 ms = (g_get_monotonic_time () - t0) / 1000;
  g_assert_error (r.error, RC_REDIS_ERROR, RC_REDIS_ERROR_CONNECTION_LOST);
  g_assert_cmpint (ms, >=, RC_REDIS_COMMAND_TIMEOUT_MS);
  g_assert_cmpint (ms, <, RC_REDIS_COMMAND_TIMEOUT_MS + 2000);
  reply_clear (&r);
  wait_connected (client, TRUE, 5000);
  teardown_server (&s);
}

static void
test_auth_and_select (void)
{
  Server s = { 0 };
  if (!setup_server (&s, PASSWORD))
    return;
  g_autoptr (RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", s.port, PASSWORD, 2);
  wait_connected (client, TRUE, 5000);
  Reply r = { 0 };
  rc_redis_client_call (client, on_reply, &r, "CLIENT", "INFO", NULL);
  wait_until (&r.done, 2000, "CLIENT INFO");
  g_assert_no_error (r.error);
  g_assert_nonnull (strstr (r.str, " db=2 "));
  reply_clear (&r);

  /* a wrong password never connects, and is never logged */
  g_string_truncate (captured_logs, 0);
  g_autoptr (RcRedisClient) wrong = rc_redis_client_new_full ("localhost", s.port,
                                                              "wrong-" PASSWORD, 0);
  gint64 end = g_get_monotonic_time () + 1500 * 1000;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (rc_redis_client_is_connected (wrong));
  g_assert_nonnull (strstr (captured_logs->str, "AUTH refused"));
  g_assert_null (strstr (captured_logs->str, PASSWORD));
  teardown_server (&s);
}

static void
test_dispose_answers_pending (void)
{
  Server s = { 0 };
  if (!setup_server (&s, NULL))
    return;
  RcRedisClient *client = rc_redis_client_new_full ("127.0.0.1", s.port, NULL, 0);
  wait_connected (client, TRUE, 5000);
  Reply r = { 0 };
  rc_redis_client_call (client, on_reply, &r, "BLPOP", "nothing", "5", NULL);
  g_object_unref (client);
  g_assert_true (r.done);
  g_assert_error (r.error, RC_REDIS_ERROR, RC_REDIS_ERROR_CLOSED);
  reply_clear (&r);
  /* let the deferred clean-up run */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  teardown_server (&s);
}

/* --- subscribe mode -------------------------------------------------------- */

typedef struct {
  GPtrArray *channels; /* char * */
  GPtrArray *payloads; /* GBytes */
} Inbox;

static void
on_message (const char *channel, const char *payload, gsize len, gpointer data)
{
  Inbox *in = data;
  g_ptr_array_add (in->channels, g_strdup (channel));
  g_ptr_array_add (in->payloads, g_bytes_new (payload, len));
}

static void
inbox_init (Inbox *in)
{
  in->channels = g_ptr_array_new_with_free_func (g_free);
  in->payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

static void
inbox_clear (Inbox *in)
{
  g_clear_pointer (&in->channels, g_ptr_array_unref);
  g_clear_pointer (&in->payloads, g_ptr_array_unref);
}

/* Counts the ups and downs of a client's "connected". */
typedef struct {
  guint ups, downs;
} Flips;

static void
on_flip (GObject *obj, GParamSpec *pspec, gpointer data)
{
  Flips *f = data;
  if (rc_redis_client_is_connected (RC_REDIS_CLIENT (obj)))
    f->ups++;
  else
    f->downs++;
}

/* PUBLISH @len bytes of @payload on @channel; the number of receivers. */
static long long
publish (RcRedisClient *client, const char *channel, const char *payload, size_t len)
{
  const char *argv[] = { "PUBLISH", channel, payload };
  size_t argvlen[] = { 7, strlen (channel), len };
  Reply r = { 0 };
  rc_redis_client_commandv (client, 3, argv, argvlen, on_reply, &r);
  wait_until (&r.done, 2000, "PUBLISH");
  g_assert_no_error (r.error);
  long long n = r.integer;
  reply_clear (&r);
  return n;
}

/* A message arrives after PUBLISH: the subscription is up. */
static void
assert_delivers (RcRedisClient *client, Inbox *in, const char *channel)
{
  guint before = in->channels->len;
  g_assert_cmpint (publish (client, channel, "again", 5), ==, 1);
  WAIT_FOR (in->channels->len > before, 2000, "a message");
  g_assert_cmpstr (g_ptr_array_index (in->channels, before), ==, channel);
}

static void
test_subscribe (void)
{
  Server s = { 0 };
  if (!setup_server (&s, NULL))
    return;
  rc_metrics_reset ();
  const char *channels[] = { "news", NULL };
  const char *patterns[] = { "ev:*", "other:*", NULL };
  Inbox in = { 0 };
  inbox_init (&in);
  g_autoptr (RcRedisClient) sub = rc_redis_client_new_subscriber ("127.0.0.1", s.port, NULL, 0,
                                                                  channels, patterns,
                                                                  on_message, &in);
  g_assert_cmpstr (rc_redis_client_get_state (sub), ==, "connecting");
  wait_connected (sub, TRUE, 5000);
  g_assert_nonnull (strstr (captured_logs->str, "Redis subscriber 127.0.0.1:"));
  g_assert_nonnull (strstr (captured_logs->str, ": subscribed to news, ev:*, other:*\n"));
  /* the roomcast_redis_* metrics are the command connection's */
  g_autofree char *metrics = rc_metrics_render ();
  g_assert_null (strstr (metrics, "roomcast_redis_"));

  g_autoptr (RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", s.port, NULL, 0);
  wait_connected (client, TRUE, 5000);
  const char binary[] = "{\"a\":1}\0tail";
  g_assert_cmpint (publish (client, "news", binary, sizeof binary - 1), ==, 1);
  g_assert_cmpint (publish (client, "ev:1", "x", 1), ==, 1);
  g_assert_cmpint (publish (client, "nobody", "x", 1), ==, 0);
  WAIT_FOR (in.channels->len == 2, 2000, "two messages");
  g_assert_cmpstr (g_ptr_array_index (in.channels, 0), ==, "news");
  gsize len;
  const void *data = g_bytes_get_data (g_ptr_array_index (in.payloads, 0), &len);
  g_assert_cmpmem (data, len, binary, sizeof binary - 1);
  g_assert_cmpstr (g_ptr_array_index (in.channels, 1), ==, "ev:1");
  g_clear_object (&sub);
  inbox_clear (&in);
  teardown_server (&s);
}

/* CLIENT KILL TYPE pubsub, then a server restart: each time the client
 * connects again, subscribes to everything again, and messages flow. */
static void
test_subscribe_again (void)
{
  Server s = { 0 };
  if (!setup_server (&s, PASSWORD))
    return;
  const char *channels[] = { "news", NULL };
  const char *patterns[] = { "ev:*", NULL };
  Inbox in = { 0 };
  Flips f = { 0 };
  inbox_init (&in);
  g_autoptr (RcRedisClient) sub = rc_redis_client_new_subscriber ("127.0.0.1", s.port, PASSWORD,
                                                                  3, channels, patterns,
                                                                  on_message, &in);
  g_autoptr (RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", s.port, PASSWORD, 0);
  wait_connected (sub, TRUE, 5000);
  wait_connected (client, TRUE, 5000);
  g_signal_connect (sub, "notify::connected", G_CALLBACK (on_flip), &f);

  Reply r = { 0 };
  rc_redis_client_call (client, on_reply, &r, "CLIENT", "KILL", "TYPE", "pubsub", NULL);
  wait_until (&r.done, 2000, "CLIENT KILL");
  g_assert_no_error (r.error);
  g_assert_cmpint (r.integer, ==, 1);
  reply_clear (&r);
  WAIT_FOR (f.downs == 1 && f.ups == 1, 5000, "subscribed again after CLIENT KILL");
  g_assert_nonnull (strstr (captured_logs->str, "subscribed again to news, ev:*"));
  assert_delivers (client, &in, "news");
  assert_delivers (client, &in, "ev:2");
  /* on its database, authenticated */
  rc_redis_client_call (client, on_reply, &r, "CLIENT", "LIST", "TYPE", "pubsub", NULL);
  wait_until (&r.done, 2000, "CLIENT LIST");
  g_assert_nonnull (strstr (r.str, " db=3 "));
  g_assert_nonnull (strstr (r.str, " psub=1 "));
  g_assert_nonnull (strstr (r.str, " sub=1 "));
  reply_clear (&r);

  server_stop (&s);
  WAIT_FOR (f.downs == 2, 2000, "the subscription lost");
  g_assert_false (rc_redis_client_is_connected (sub));
  server_start (&s, PASSWORD);
  WAIT_FOR (f.ups == 2, 8000, "subscribed again after a restart");
  wait_connected (client, TRUE, 8000);
  assert_delivers (client, &in, "news");
  assert_delivers (client, &in, "ev:3");
  g_assert_null (strstr (captured_logs->str, PASSWORD));
  g_clear_object (&sub);
  inbox_clear (&in);
  teardown_server (&s);
}

/* An idle subscription stays up through many probes; a server that stops
 * answering (SIGSTOP) is dropped after 2.5 probe intervals, and the client
 * subscribes again once it answers. The interval grows with
 * ROOMCAST_TEST_TIME_SCALE: a loaded machine must not look silent. */
static void
test_subscribe_probe (void)
{
  Server s = { 0 };
  if (!setup_server (&s, NULL))
    return;
  const char *patterns[] = { "ev:*", NULL };
  Inbox in = { 0 };
  Flips f = { 0 };
  inbox_init (&in);
  g_autoptr (RcRedisClient) sub = rc_redis_client_new_subscriber ("127.0.0.1", s.port, NULL, 0,
                                                                  NULL, patterns,
                                                                  on_message, &in);
  guint probe_ms = 100 * rc_test_time_scale ();
  rc_redis_client_set_probe_interval (sub, probe_ms);
  g_autoptr (RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", s.port, NULL, 0);
  wait_connected (sub, TRUE, 5000);
  wait_connected (client, TRUE, 5000);
  g_signal_connect (sub, "notify::connected", G_CALLBACK (on_flip), &f);

  run_for (15 * probe_ms);
  g_assert_cmpuint (f.downs, ==, 0);
  assert_delivers (client, &in, "ev:1");

  g_string_truncate (captured_logs, 0);
  g_subprocess_send_signal (s.proc, SIGSTOP);
  WAIT_FOR (f.downs == 1, 30 * probe_ms, "the silent server dropped");
  g_assert_nonnull (strstr (captured_logs->str, "no reply for"));
  g_subprocess_send_signal (s.proc, SIGCONT);
  WAIT_FOR (f.ups == 1, 8000, "subscribed again");
  wait_connected (client, TRUE, 8000);
  assert_delivers (client, &in, "ev:2");
  g_clear_object (&sub);
  inbox_clear (&in);
  teardown_server (&s);
}

static void
on_message_unref (const char *channel, const char *payload, gsize len, gpointer data)
{
  g_clear_object ((RcRedisClient **) data);
}

/* The message function may drop the last reference: the client goes away
 * while hiredis is still inside its read, and hiredis's later calls (the
 * rest of the read, freeing the context) find no client. */
static void
test_subscribe_dispose_in_callback (void)
{
  Server s = { 0 };
  if (!setup_server (&s, NULL))
    return;
  const char *channels[] = { "news", NULL };
  RcRedisClient *sub = NULL;
  sub = rc_redis_client_new_subscriber ("127.0.0.1", s.port, NULL, 0, channels, NULL,
                                        on_message_unref, &sub);
  g_autoptr (RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", s.port, NULL, 0);
  wait_connected (sub, TRUE, 5000);
  wait_connected (client, TRUE, 5000);
  /* two messages in one read: the second arrives after the dispose */
  const char *multi[] = { "EVAL", "redis.call('PUBLISH', 'news', 'a');"
                          "return redis.call('PUBLISH', 'news', 'b')", "0" };
  Reply r = { 0 };
  rc_redis_client_commandv (client, 3, multi, NULL, on_reply, &r);
  wait_until (&r.done, 2000, "EVAL");
  g_assert_no_error (r.error);
  reply_clear (&r);
  WAIT_FOR (sub == NULL, 2000, "the subscriber gone");
  run_for (100);
  teardown_server (&s);
}

static guint64
counter (const char *line_prefix)
{
  g_autofree char *text = rc_metrics_render ();
  const char *p = strstr (text, line_prefix);
  return p ? g_ascii_strtoull (p + strlen (line_prefix), NULL, 10) : 0;
}

/* RcRedisSubscriber: subscribed or not, and each lost subscription
 * counted. */
static void
test_subscriber (void)
{
  Server s = { 0 };
  if (!setup_server (&s, NULL))
    return;
  rc_metrics_reset ();
  Inbox in = { 0 };
  inbox_init (&in);
  g_autoptr (RcRedisSubscriber) sub = rc_redis_subscriber_new ("127.0.0.1", s.port, NULL, 0,
                                                               "laravel_database_*",
                                                               on_message, &in);
  g_autoptr (RcRedisClient) client = rc_redis_client_new_full ("127.0.0.1", s.port, NULL, 0);
  g_assert_false (rc_redis_subscriber_is_subscribed (sub));
  WAIT_FOR (rc_redis_subscriber_is_subscribed (sub), 5000, "subscribed");
  wait_connected (client, TRUE, 5000);
  assert_delivers (client, &in, "laravel_database_news");

  Reply r = { 0 };
  rc_redis_client_call (client, on_reply, &r, "CLIENT", "KILL", "TYPE", "pubsub", NULL);
  wait_until (&r.done, 2000, "CLIENT KILL");
  reply_clear (&r);
  WAIT_FOR (counter ("\nroomcast_hub_redis_disconnects_total ") == 1, 2000, "counted");
  WAIT_FOR (rc_redis_subscriber_is_subscribed (sub), 5000, "subscribed again");
  assert_delivers (client, &in, "laravel_database_news");
  g_clear_object (&sub);
  inbox_clear (&in);
  teardown_server (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  captured_logs = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  /* as in roomcastd: a write to a closed socket must not kill the process */
  signal (SIGPIPE, SIG_IGN);
  g_test_add_func ("/redis-client/commands", test_commands);
  g_test_add_func ("/redis-client/disconnected", test_disconnected);
  g_test_add_func ("/redis-client/drop-and-reconnect", test_drop_and_reconnect);
  g_test_add_func ("/redis-client/command-timeout", test_command_timeout);
  g_test_add_func ("/redis-client/auth-and-select", test_auth_and_select);
  g_test_add_func ("/redis-client/dispose-answers-pending", test_dispose_answers_pending);
  g_test_add_func ("/redis-client/subscribe", test_subscribe);
  g_test_add_func ("/redis-client/subscribe-again", test_subscribe_again);
  g_test_add_func ("/redis-client/subscribe-probe", test_subscribe_probe);
  g_test_add_func ("/redis-client/subscribe-dispose-in-callback",
                   test_subscribe_dispose_in_callback);
  g_test_add_func ("/redis-subscriber/subscribed", test_subscriber);
  int ret = g_test_run ();
  g_string_free (captured_logs, TRUE);
  return ret;
}
