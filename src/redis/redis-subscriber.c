/* roomcast: Redis PSUBSCRIBE client; see redis-subscriber.h. */
#include "redis/redis-subscriber.h"

#include <string.h>

#include <gio/gio.h>

#include "core/backoff.h"
#include "core/metrics.h"
#include "redis/redis-late.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT_S 3
#define PING_INTERVAL_S 10
#define SILENCE_LIMIT_US (25 * G_USEC_PER_SEC)
#define MAX_BUFFER (64u * 1024u * 1024u)
#define MAX_ITEMS 8

struct _RcRedisSubscriber {
  GObject parent_instance;
  char *host, *password, *pattern, *endpoint;
  guint port, db;
  RcRedisMessageFunc func;
  gpointer user_data;

  GSocketClient *client;
  GCancellable *cancellable; /* of the current connection */
  GSocketConnection *conn;
  GByteArray *buf;
  gboolean writing, subscribed;
  RcBackoff backoff;
  guint retry_id, ping_id, connect_timeout_id;
  gint64 last_rx_us;
};

G_DEFINE_FINAL_TYPE (RcRedisSubscriber, rc_redis_subscriber, G_TYPE_OBJECT)

static void start (RcRedisSubscriber *self);

/* One RESP value of a reply: strings point into the buffer. */
typedef struct {
  char type;            /* + - : $ * */
  const char *str;      /* + - $ (NULL for a nil bulk) */
  gsize len;
  guint n_items;        /* * : items parsed into `items` (at most MAX_ITEMS) */
  struct { char type; const char *str; gsize len; } items[MAX_ITEMS];
} Reply;

/* Read a "\r\n"-terminated line at @p; returns the position after it or 0. */
static gsize
line_end (const guint8 *d, gsize len, gsize p)
{
  for (gsize i = p; i + 1 < len; i++)
    if (d[i] == '\r' && d[i + 1] == '\n')
      return i + 2;
  return 0;
}

static gboolean
parse_int (const guint8 *d, gsize from, gsize to, gint64 *out)
{
  g_autofree char *s = g_strndup ((const char *) d + from, to - from);
  return g_ascii_string_to_signed (s, 10, -1, G_MAXINT32, out, NULL);
}

/* A scalar at @p: 1 parsed (*@next set), 0 incomplete, -1 protocol error. */
static int
parse_scalar (const guint8 *d, gsize len, gsize p, char *type, const char **str, gsize *slen,
              gsize *next)
{
  if (p >= len)
    return 0;
  gsize e = line_end (d, len, p);
  if (!e)
    return len - p > 1024 * 1024 ? -1 : 0;
  *type = (char) d[p];
  switch (d[p]) {
  case '+': case '-': case ':':
    *str = (const char *) d + p + 1;
    *slen = e - 2 - (p + 1);
    *next = e;
    return 1;
  case '$': {
    gint64 n;
    if (!parse_int (d, p + 1, e - 2, &n))
      return -1;
    if (n < 0) {
      *str = NULL;
      *slen = 0;
      *next = e;
      return 1;
    }
    if (len - e < (gsize) n + 2)
      return 0;
    *str = (const char *) d + e;
    *slen = (gsize) n;
    *next = e + (gsize) n + 2;
    return 1;
  }
  default:
    return -1;
  }
}

static int
parse_reply (const guint8 *d, gsize len, Reply *r, gsize *next)
{
  memset (r, 0, sizeof *r);
  if (len == 0)
    return 0;
  if (d[0] != '*')
    return parse_scalar (d, len, 0, &r->type, &r->str, &r->len, next);
  gsize e = line_end (d, len, 0);
  gint64 n;
  if (!e)
    return len > 1024 ? -1 : 0;
  if (!parse_int (d, 1, e - 2, &n) || n < 0 || n > MAX_ITEMS)
    return -1;
  r->type = '*';
  gsize p = e;
  for (gint64 i = 0; i < n; i++) {
    int rc = parse_scalar (d, len, p, &r->items[i].type, &r->items[i].str, &r->items[i].len, &p);
    if (rc <= 0)
      return rc;
  }
  r->n_items = (guint) n;
  *next = p;
  return 1;
}

static gboolean
item_is (const Reply *r, guint i, const char *s)
{
  return i < r->n_items && r->items[i].str && r->items[i].len == strlen (s) &&
         g_ascii_strncasecmp (r->items[i].str, s, r->items[i].len) == 0;
}

/* --- connection life ----------------------------------------------------------- */

static gboolean
on_retry (gpointer data)
{
  RcRedisSubscriber *self = data;
  self->retry_id = 0;
  start (self);
  return G_SOURCE_REMOVE;
}

static void
drop (RcRedisSubscriber *self, const char *why)
{
  gboolean was = self->subscribed;
  if (self->cancellable) {
    g_cancellable_cancel (self->cancellable);
    g_clear_object (&self->cancellable);
  }
  if (self->conn) {
    g_io_stream_close (G_IO_STREAM (self->conn), NULL, NULL);
    g_clear_object (&self->conn);
  }
  g_clear_handle_id (&self->ping_id, g_source_remove);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_byte_array_set_size (self->buf, 0);
  self->writing = FALSE;
  self->subscribed = FALSE;
  if (was) {
    rc_backoff_reset (&self->backoff);
    rc_metrics_counter_inc ("roomcast_hub_redis_disconnects_total",
                            "Broadcast subscriber connections lost", NULL);
  }
  guint delay = rc_backoff_next (&self->backoff);
  if (rc_backoff_is_first (&self->backoff))
    g_warning ("Redis subscriber %s: %s; retrying with backoff", self->endpoint, why);
  else
    g_debug ("Redis subscriber %s: %s", self->endpoint, why);
  self->retry_id = g_timeout_add (delay, on_retry, self);
}

static void
on_written (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  RcRedisSubscriber *self = data;
  self->writing = FALSE;
  if (error)
    drop (self, error->message);
}

static void
append_command (GString *out, guint argc, const char * const *argv)
{
  g_string_append_printf (out, "*%u\r\n", argc);
  for (guint i = 0; i < argc; i++)
    g_string_append_printf (out, "$%zu\r\n%s\r\n", strlen (argv[i]), argv[i]);
}

static void
send_text (RcRedisSubscriber *self, GString *text)
{
  GBytes *bytes = g_string_free_to_bytes (text);
  gsize len;
  const void *d = g_bytes_get_data (bytes, &len);
  self->writing = TRUE;
  /* The bytes live until the write is done: hand them to the callback's
   * stream via qdata. */
  g_object_set_data_full (G_OBJECT (self->conn), "rc-pending-write", bytes,
                          (GDestroyNotify) g_bytes_unref);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (self->conn)),
                                   d, len, G_PRIORITY_DEFAULT, self->cancellable, on_written,
                                   self);
}

static gboolean
on_ping (gpointer data)
{
  RcRedisSubscriber *self = data;
  GSocket *socket = g_socket_connection_get_socket (self->conn);
  /* A reply waiting unread (or a write the socket would take) means the
   * main loop is behind, not that the server is silent. */
  if (g_get_monotonic_time () - self->last_rx_us > SILENCE_LIMIT_US &&
      !rc_redis_loop_is_behind (g_socket_get_fd (socket), self->writing)) {
    self->ping_id = 0;
    drop (self, "no reply from Redis (silent server)");
    return G_SOURCE_REMOVE;
  }
  if (!self->writing) {
    GString *cmd = g_string_new (NULL);
    const char *ping[] = { "PING" };
    append_command (cmd, 1, ping);
    send_text (self, cmd);
  }
  return G_SOURCE_CONTINUE;
}

/* Returns FALSE when the connection was dropped. */
static gboolean
handle_reply (RcRedisSubscriber *self, const Reply *r)
{
  if (r->type == '-') {
    g_autofree char *msg = g_strndup (r->str, MIN (r->len, 200));
    g_autofree char *why = g_strdup_printf ("Redis refused a command: %s", msg);
    drop (self, why);
    return FALSE;
  }
  if (r->type != '*')
    return TRUE; /* +OK of AUTH/SELECT */
  if (item_is (r, 0, "pmessage") && r->n_items == 4 && r->items[2].str && r->items[3].str) {
    g_autofree char *channel = g_strndup (r->items[2].str, r->items[2].len);
    self->func (channel, r->items[3].str, r->items[3].len, self->user_data);
  } else if (item_is (r, 0, "psubscribe")) {
    self->subscribed = TRUE;
    if (rc_backoff_get_failures (&self->backoff) > 0)
      g_info ("Redis subscriber %s: subscribed again after %u failure(s)", self->endpoint,
              rc_backoff_get_failures (&self->backoff));
    else
      g_info ("Redis subscriber %s: subscribed to %s", self->endpoint, self->pattern);
    rc_backoff_reset (&self->backoff);
  }
  return TRUE;
}

static void read_more (RcRedisSubscriber *self);

static void
on_read (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res,
                                                               &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  RcRedisSubscriber *self = data;
  if (!bytes || g_bytes_get_size (bytes) == 0) {
    drop (self, error ? error->message : "connection closed by Redis");
    return;
  }
  self->last_rx_us = g_get_monotonic_time ();
  gsize n;
  const guint8 *d = g_bytes_get_data (bytes, &n);
  g_byte_array_append (self->buf, d, (guint) n);

  gsize pos = 0;
  for (;;) {
    Reply r;
    gsize next = 0;
    int rc = parse_reply (self->buf->data + pos, self->buf->len - pos, &r, &next);
    if (rc < 0 || self->buf->len > MAX_BUFFER) {
      drop (self, "protocol error in Redis reply");
      return;
    }
    if (rc == 0)
      break;
    GCancellable *current = self->cancellable;
    if (!handle_reply (self, &r) || self->cancellable != current)
      return;
    pos += next;
  }
  g_byte_array_remove_range (self->buf, 0, (guint) pos);
  read_more (self);
}

static void
read_more (RcRedisSubscriber *self)
{
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (G_IO_STREAM (self->conn)),
                                   65536, G_PRIORITY_DEFAULT, self->cancellable, on_read, self);
}

static void
on_connected (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source),
                                                                    res, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  RcRedisSubscriber *self = data;
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (!conn) {
    drop (self, error->message);
    return;
  }
  self->conn = conn;
  g_socket_set_keepalive (g_socket_connection_get_socket (conn), TRUE);
  self->last_rx_us = g_get_monotonic_time ();

  GString *cmd = g_string_new (NULL);
  if (self->password) {
    const char *auth[] = { "AUTH", self->password };
    append_command (cmd, 2, auth);
  }
  g_autofree char *db = g_strdup_printf ("%u", self->db);
  const char *select[] = { "SELECT", db };
  const char *psub[] = { "PSUBSCRIBE", self->pattern };
  append_command (cmd, 2, select);
  append_command (cmd, 2, psub);
  send_text (self, cmd);
  read_more (self);
  self->ping_id = g_timeout_add_seconds (PING_INTERVAL_S, on_ping, self);
}

static gboolean
on_connect_timeout (gpointer data)
{
  RcRedisSubscriber *self = data;
  self->connect_timeout_id = 0;
  drop (self, "connect timed out");
  return G_SOURCE_REMOVE;
}

static void
start (RcRedisSubscriber *self)
{
  self->cancellable = g_cancellable_new ();
  self->connect_timeout_id = g_timeout_add_seconds (CONNECT_TIMEOUT_S, on_connect_timeout, self);
  g_socket_client_connect_to_host_async (self->client, self->host, (guint16) self->port,
                                         self->cancellable, on_connected, self);
}

gboolean
rc_redis_subscriber_is_subscribed (RcRedisSubscriber *self)
{
  return self->subscribed;
}

static void
rc_redis_subscriber_dispose (GObject *object)
{
  RcRedisSubscriber *self = RC_REDIS_SUBSCRIBER (object);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->ping_id, g_source_remove);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->conn)
    g_io_stream_close (G_IO_STREAM (self->conn), NULL, NULL);
  g_clear_object (&self->conn);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (rc_redis_subscriber_parent_class)->dispose (object);
}

static void
rc_redis_subscriber_finalize (GObject *object)
{
  RcRedisSubscriber *self = RC_REDIS_SUBSCRIBER (object);
  g_free (self->host);
  g_free (self->password);
  g_free (self->pattern);
  g_free (self->endpoint);
  g_byte_array_unref (self->buf);
  G_OBJECT_CLASS (rc_redis_subscriber_parent_class)->finalize (object);
}

static void
rc_redis_subscriber_class_init (RcRedisSubscriberClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_redis_subscriber_dispose;
  G_OBJECT_CLASS (klass)->finalize = rc_redis_subscriber_finalize;
}

static void
rc_redis_subscriber_init (RcRedisSubscriber *self)
{
  self->buf = g_byte_array_new ();
  rc_backoff_init (&self->backoff, BACKOFF_MIN_MS, BACKOFF_MAX_MS, 20);
  self->client = g_socket_client_new ();
}

RcRedisSubscriber *
rc_redis_subscriber_new (const char *host, guint port, const char *password, guint db,
                         const char *pattern, RcRedisMessageFunc func, gpointer user_data)
{
  RcRedisSubscriber *self = g_object_new (RC_TYPE_REDIS_SUBSCRIBER, NULL);
  self->host = g_strdup (host);
  self->port = port;
  self->password = g_strdup (password);
  self->db = db;
  self->pattern = g_strdup (pattern);
  self->endpoint = g_strdup_printf ("%s:%u", host, port);
  self->func = func;
  self->user_data = user_data;
  start (self);
  return self;
}
