/* roomcast tests: a throw-away redis-server; see redis-test-server.h. */
#include "redis-test-server.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

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

RcTestRedis *
rc_test_redis_start (void)
{
  g_autofree char *path = g_find_program_in_path ("redis-server");
  g_autoptr (GError) error = NULL;

  if (path == NULL)
    {
      g_printerr ("redis-server is not installed: skipping the Redis tests\n");
      return NULL;
    }
  RcTestRedis *redis = g_new0 (RcTestRedis, 1);
  redis->dir = g_dir_make_tmp ("roomcast-redis-XXXXXX", &error);
  g_assert_no_error (error);
  redis->port = free_port ();
  g_autofree char *port = g_strdup_printf ("%u", redis->port);
  redis->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                                  &error, path, "--port", port, "--bind", "127.0.0.1",
                                  "--dir", redis->dir, "--save", "", "--appendonly", "no",
                                  "--logfile", "", NULL);
  g_assert_no_error (error);
  g_autoptr (GDataInputStream) out =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (redis->proc));
  /* Bounded: redis-server either says it is ready or exits (EOF). */
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (out, NULL, NULL, &error);
      g_assert_no_error (error);
      if (line == NULL)
        g_error ("redis-server exited before it was ready");
      if (strstr (line, "Ready to accept connections"))
        break;
    }
  return redis;
}

void
rc_test_redis_stop (RcTestRedis *redis)
{
  if (redis == NULL)
    return;
  g_subprocess_send_signal (redis->proc, SIGKILL);
  g_subprocess_wait (redis->proc, NULL, NULL);
  g_clear_object (&redis->proc);
  g_rmdir (redis->dir);
  g_free (redis->dir);
  g_free (redis);
}

static gboolean
on_deadline (gpointer data)
{
  g_error ("timed out waiting for %s", (const char *) data);
  return G_SOURCE_REMOVE;
}

void
rc_test_wait_until (const gboolean *flag, guint ms, const char *what)
{
  guint id = g_timeout_add (ms, on_deadline, (gpointer) what);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static gboolean
on_elapsed (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
rc_test_run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_elapsed, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_connected (GObject *client, GParamSpec *pspec, gpointer data)
{
  *(gboolean *) data = rc_redis_client_is_connected (RC_REDIS_CLIENT (client));
}

RcRedisClient *
rc_test_redis_connect (RcTestRedis *redis)
{
  RcRedisClient *client = rc_redis_client_new_full ("127.0.0.1", redis->port, NULL, 0);
  gboolean connected = rc_redis_client_is_connected (client);
  gulong id = g_signal_connect (client, "notify::connected", G_CALLBACK (on_connected),
                                &connected);

  rc_test_wait_until (&connected, 5000, "the Redis connection");
  g_signal_handler_disconnect (client, id);
  return client;
}
