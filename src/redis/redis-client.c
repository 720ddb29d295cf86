/* roomcast: one Redis connection on the main loop; see redis-client.h.
 *
 * Life of a connection: (resolve the host with GResolver) -> redisAsyncConnect
 * to the address, its socket watched by hiredis's GLib adapter -> AUTH,
 * SELECT and PING queued at once (hiredis sends them when the socket
 * connects) -> the PING reply makes the client "connected". Any failure on
 * the way, a dropped connection, a silent server or the connect timeout
 * tears the context down and schedules the next attempt with exponential
 * backoff.
 *
 * Subscribe mode (redis-client-subscribe.c) adds SUBSCRIBE/PSUBSCRIBE to
 * the handshake, and the last confirmation, not the PING reply, makes the
 * client "connected"; a probe replaces the command watchdog.
 *
 * Exactly-once callbacks: every accepted command is a Pending in
 * `inflight`; hiredis calls its reply callback once, with NULL when the
 * context is freed. Commands refused before reaching hiredis are answered
 * from an idle source. On dispose the client answers its pendings itself
 * and orphans them, so nothing depends on when hiredis frees the context.
 *
 * Two traps of hiredis 0.14's GLib adapter are handled here: it dispatches
 * the read handler after the write handler even when the write freed the
 * context (we clear the poll results whenever a context dies), and it
 * leaves its GSource attached when the context is freed (we destroy it from
 * an idle, once hiredis is done with it).
 */
#include "redis/redis-client-private.h"

#include <string.h>

#include <hiredis/adapters/glib.h>
#include <gio/gio.h>

#include "core/backoff.h"
#include "core/metrics.h"
#include "redis/redis-late.h"

GQuark
rc_redis_error_quark (void)
{
  return g_quark_from_static_string ("rc-redis-error-quark");
}

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT_MS 3000
#define WATCHDOG_INTERVAL_MS 500

typedef struct {
  GList link;          /* in RcRedisClient.inflight; data = this */
  RcRedisClient *self; /* NULL once orphaned by dispose */
  RcRedisReplyFunc callback;
  gpointer user_data;
  gint64 sent_at;
} Pending;

enum { PROP_0, PROP_CONNECTED, N_PROPS };
static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (RcRedisClient, rc_redis_client, G_TYPE_OBJECT)

static void start_attempt (RcRedisClient *self);

/* The roomcast_redis_* metrics describe the command connection only. */
static void
count (RcRedisClient *self, const char *name, const char *help, const char *labels)
{
  if (!self->message_func)
    rc_metrics_counter_inc (name, help, labels);
}

/* --- replies -------------------------------------------------------------- */

static const char *
error_label (int code)
{
  switch (code) {
  case RC_REDIS_ERROR_DISCONNECTED:
    return "reason=\"disconnected\"";
  case RC_REDIS_ERROR_CONNECTION_LOST:
    return "reason=\"connection_lost\"";
  case RC_REDIS_ERROR_REPLY:
    return "reason=\"reply\"";
  default:
    return "reason=\"closed\"";
  }
}

static void
count_error (RcRedisClient *self, const GError *error)
{
  count (self, "roomcast_redis_command_errors_total",
         "Redis commands answered with an error, by reason", error_label (error->code));
}

static void
pending_finish (Pending *p, redisReply *reply, const GError *error)
{
  if (error)
    count_error (p->self, error);
  if (p->callback)
    p->callback (p->self, error ? NULL : reply, error, p->user_data);
  g_free (p);
}

/* hiredis's reply callback: a reply, or NULL when the context is being
 * freed (connection lost, connect failed, dropped by us). */
static void
on_reply (redisAsyncContext *ac, void *r, void *privdata)
{
  Pending *p = privdata;
  RcRedisClient *self = p->self;
  redisReply *reply = r;
  g_autoptr (GError) error = NULL;

  if (!self) { /* orphaned by dispose, already answered */
    g_free (p);
    return;
  }
  g_queue_unlink (&self->inflight, &p->link);
  if (!reply)
    error = g_error_new (RC_REDIS_ERROR, RC_REDIS_ERROR_CONNECTION_LOST,
                         "Redis connection lost before the reply (%s)",
                         ac->errstr[0] ? ac->errstr : "closed");
  else if (reply->type == REDIS_REPLY_ERROR)
    error = g_error_new (RC_REDIS_ERROR, RC_REDIS_ERROR_REPLY, "Redis: %s",
                         reply->str ? reply->str : "error");
  /* The callback may drop the last reference; dispose must not run while
   * hiredis is still inside this context's callback loop. */
  g_object_ref (self);
  pending_finish (p, reply, error);
  g_object_unref (self);
}

typedef struct {
  RcRedisClient *self;
  RcRedisReplyFunc callback;
  gpointer user_data;
  GError *error;
} Refusal;

static gboolean
deliver_refusal (gpointer data)
{
  Refusal *r = data;
  count_error (r->self, r->error);
  if (r->callback)
    r->callback (r->self, NULL, r->error, r->user_data);
  g_error_free (r->error);
  g_object_unref (r->self);
  g_free (r);
  return G_SOURCE_REMOVE;
}

/* Answers a command that never reached hiredis, from an idle so that the
 * caller never sees its callback run inside its own call. */
static void
refuse (RcRedisClient *self, RcRedisReplyFunc callback, gpointer user_data, int code,
        const char *message)
{
  Refusal *r = g_new0 (Refusal, 1);
  r->self = g_object_ref (self);
  r->callback = callback;
  r->user_data = user_data;
  r->error = g_error_new_literal (RC_REDIS_ERROR, code, message);
  g_idle_add (deliver_refusal, r);
}

/* Queue a command on the current context; FALSE if hiredis refused it. */
static gboolean
send_command (RcRedisClient *self, int argc, const char *const *argv, const size_t *argvlen,
              RcRedisReplyFunc callback, gpointer user_data)
{
  Pending *p = g_new0 (Pending, 1);
  p->link.data = p;
  p->self = self;
  p->callback = callback;
  p->user_data = user_data;
  p->sent_at = g_get_monotonic_time ();
  if (redisAsyncCommandArgv (self->ac, on_reply, p, argc, (const char **) argv, argvlen) !=
      REDIS_OK) {
    g_free (p);
    return FALSE;
  }
  g_queue_push_tail_link (&self->inflight, &p->link);
  count (self, "roomcast_redis_commands_total", "Commands sent to Redis", NULL);
  return TRUE;
}

/* --- connection ----------------------------------------------------------- */

static gboolean
destroy_source_idle (gpointer data)
{
  g_source_destroy (data);
  return G_SOURCE_REMOVE;
}

/* The adapter runs the read handler after the write handler in one
 * dispatch; once a context is freed its poll results must not be used. */
static void
forget_poll_results (const redisAsyncContext *ac)
{
  RedisSource *source = ac->ev.data;
  if (source)
    source->poll_fd.revents = 0;
}

static gboolean
on_retry (gpointer data)
{
  RcRedisClient *self = data;
  self->retry_id = 0;
  start_attempt (self);
  return G_SOURCE_REMOVE;
}

/* A failed attempt or a lost connection: plan the next attempt (backoff
 * with jitter, so that several servers do not hammer a Redis that comes
 * back all at the same instant), and log the first failure of an outage
 * loudly and the rest quietly, so a Redis that is down for an hour does
 * not fill the journal. */
static void
retry_later (RcRedisClient *self, const char *why)
{
  if (self->state == STATE_CLOSED || self->retry_id) {
    g_debug ("Redis %s: %s", self->endpoint, why);
    return;
  }
  self->state = STATE_BACKOFF;
  guint delay = rc_backoff_next (&self->backoff);
  if (rc_backoff_is_first (&self->backoff))
    g_warning ("Redis %s: %s; retrying with backoff (up to %u ms)", self->endpoint, why,
               BACKOFF_MAX_MS);
  else
    g_debug ("Redis %s: attempt %u failed: %s", self->endpoint,
             rc_backoff_get_failures (&self->backoff), why);
  self->retry_id = g_timeout_add (delay, on_retry, self);
}

/* Forget the current context (already freed or about to be) and plan the
 * next attempt. */
static void
connection_gone (RcRedisClient *self, const char *why)
{
  gboolean was_connected = self->state == STATE_CONNECTED;

  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  self->ac = NULL;
  if (self->source) {
    /* hiredis may still be inside this source's dispatch: destroy it later. */
    g_idle_add_full (G_PRIORITY_DEFAULT, destroy_source_idle, self->source,
                     (GDestroyNotify) g_source_unref);
    self->source = NULL;
  }
  if (self->state == STATE_CLOSED)
    return;
  self->state = STATE_BACKOFF;
  if (was_connected) {
    count (self, "roomcast_redis_disconnects_total", "Redis connections lost", NULL);
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
    rc_backoff_reset (&self->backoff);
  }
  retry_later (self, why);
}

static void
on_connect (const redisAsyncContext *ac, int status)
{
  RcRedisClient *self = ac->data;
  if (status == REDIS_OK) {
    /* Detects a peer that vanished without a FIN while we are idle
     * (TCP keepalive, 15 s in hiredis). */
    redisEnableKeepAlive ((redisContext *) &ac->c);
    return;
  }
  forget_poll_results (ac);
  if (self && self->ac == ac) {
    g_autofree char *why = g_strdup_printf ("cannot connect to %s (%s)",
                                            ac->c.tcp.host ? ac->c.tcp.host : "?",
                                            ac->errstr[0] ? ac->errstr : "error");
    connection_gone (self, why);
  }
}

static void
on_disconnect (const redisAsyncContext *ac, int status)
{
  RcRedisClient *self = ac->data;
  forget_poll_results (ac);
  if (self && self->ac == ac) {
    g_autofree char *why = g_strdup_printf ("connection lost (%s)",
                                            ac->errstr[0] ? ac->errstr : "closed");
    connection_gone (self, why);
  }
}

/* Our own decision to end the current connection (failed handshake, silent
 * server, connect timeout). hiredis answers its pending commands with NULL
 * (now, or right after the callback we may be in). */
void
rc_redis_client_drop_connection (RcRedisClient *self, const char *why)
{
  redisAsyncContext *ac = self->ac;
  if (!ac)
    return;
  connection_gone (self, why);
  ac->data = NULL;
  redisAsyncFree (ac);
}

static void
on_handshake_reply (RcRedisClient *self, redisReply *reply, const GError *error,
                    gpointer user_data)
{
  const char *step = user_data;
  if (error) {
    /* A lost connection is reported by on_disconnect; Redis refusing AUTH,
     * SELECT or PING (wrong password, LOADING) ends this attempt. */
    if (g_error_matches (error, RC_REDIS_ERROR, RC_REDIS_ERROR_REPLY)) {
      g_autofree char *why = g_strdup_printf ("%s refused: %s", step, error->message);
      rc_redis_client_drop_connection (self, why);
    }
    return;
  }
  /* In subscribe mode the last confirmation completes the handshake. */
  if (g_str_equal (step, "PING") && self->state == STATE_CONNECTING && !self->message_func)
    rc_redis_client_become_connected (self);
}

void
rc_redis_client_become_connected (RcRedisClient *self)
{
  guint failures = rc_backoff_get_failures (&self->backoff);

  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (self->message_func && failures > 0)
    g_info ("Redis %s: subscribed again to %s after %u failed attempt(s)", self->endpoint,
            self->subscriptions, failures);
  else if (self->message_func)
    g_info ("Redis %s: subscribed to %s", self->endpoint, self->subscriptions);
  else if (failures > 0)
    g_info ("Redis %s: connected again after %u failed attempt(s)", self->endpoint, failures);
  else
    g_info ("Redis %s: connected", self->endpoint);
  rc_backoff_reset (&self->backoff);
  g_queue_clear_full (&self->untried, g_free);
  count (self, "roomcast_redis_connects_total", "Successful Redis connects", NULL);
  self->last_rx_us = g_get_monotonic_time ();
  self->state = STATE_CONNECTED;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
}

static gboolean
on_connect_timeout (gpointer data)
{
  RcRedisClient *self = data;
  self->connect_timeout_id = 0;
  if (self->state == STATE_CONNECTING)
    rc_redis_client_drop_connection (self, "no answer within the connect timeout");
  return G_SOURCE_REMOVE;
}

/* Start a non-blocking connect to @ip (numeric) and queue the handshake:
 * hiredis keeps the commands until the socket is connected. */
static void
connect_to (RcRedisClient *self, const char *ip)
{
  redisAsyncContext *ac = redisAsyncConnect (ip, (int) self->port);
  if (!ac || ac->err) {
    g_autofree char *why = g_strdup_printf ("cannot connect to %s (%s)", ip,
                                            ac ? ac->errstr : "out of memory");
    if (ac)
      redisAsyncFree (ac);
    self->state = STATE_BACKOFF;
    retry_later (self, why);
    return;
  }
  ac->data = self;
  self->ac = ac;
  self->state = STATE_CONNECTING;
  self->source = redis_source_new (ac);
  g_source_attach (self->source, NULL);
  redisAsyncSetConnectCallback (ac, on_connect);
  redisAsyncSetDisconnectCallback (ac, on_disconnect);
  self->connect_timeout_id = g_timeout_add (CONNECT_TIMEOUT_MS, on_connect_timeout, self);

  if (self->password) {
    const char *argv[] = { "AUTH", self->password };
    send_command (self, 2, argv, NULL, on_handshake_reply, (gpointer) "AUTH");
  }
  if (self->db != 0) {
    g_autofree char *db = g_strdup_printf ("%u", self->db);
    const char *argv[] = { "SELECT", db };
    send_command (self, 2, argv, NULL, on_handshake_reply, (gpointer) "SELECT");
  }
  const char *ping[] = { "PING" };
  send_command (self, 1, ping, NULL, on_handshake_reply, (gpointer) "PING");
  if (self->message_func)
    rc_redis_client_queue_subscriptions (self);
}

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* disposed: `data` is gone */

  RcRedisClient *self = data;
  g_clear_object (&self->resolving);
  if (!addresses) {
    g_autofree char *why = g_strdup_printf ("cannot resolve the host (%s)", error->message);
    self->state = STATE_BACKOFF;
    retry_later (self, why);
    return;
  }
  for (GList *l = addresses; l; l = l->next)
    g_queue_push_tail (&self->untried, g_inet_address_to_string (l->data));
  g_resolver_free_addresses (addresses);
  g_autofree char *ip = g_queue_pop_head (&self->untried);
  connect_to (self, ip);
}

/* hiredis would resolve a host name with a blocking getaddrinfo(); only
 * numeric addresses reach it. A name with several addresses ("localhost":
 * ::1 and 127.0.0.1) has them tried in turn, one per attempt, and is
 * resolved again once all have failed. */
static void
start_attempt (RcRedisClient *self)
{
  if (self->state == STATE_CLOSED)
    return;
  if (g_hostname_is_ip_address (self->host)) {
    connect_to (self, self->host);
    return;
  }
  if (!g_queue_is_empty (&self->untried)) {
    g_autofree char *ip = g_queue_pop_head (&self->untried);
    connect_to (self, ip);
    return;
  }
  self->state = STATE_RESOLVING;
  self->resolving = g_cancellable_new ();
  g_autoptr (GResolver) resolver = g_resolver_get_default ();
  g_resolver_lookup_by_name_async (resolver, self->host, self->resolving, on_resolved, self);
}

/* See redis-late.h: the timer can run before the connection's handlers in
 * the same main-loop iteration. */
gboolean
rc_redis_client_loop_is_behind (RcRedisClient *self)
{
  return rc_redis_loop_is_behind (self->ac->c.fd, sdslen (self->ac->c.obuf) > 0);
}

/* Redis answers in order, so the oldest pending command is the first: if
 * it waited too long the server (or the path to it) is stuck. */
static gboolean
on_watchdog (gpointer data)
{
  RcRedisClient *self = data;
  Pending *oldest = g_queue_peek_head (&self->inflight);
  if (self->ac && oldest &&
      g_get_monotonic_time () - oldest->sent_at > RC_REDIS_COMMAND_TIMEOUT_MS * 1000 &&
      !rc_redis_client_loop_is_behind (self)) {
    g_autofree char *why = g_strdup_printf ("no reply for %u ms", RC_REDIS_COMMAND_TIMEOUT_MS);
    rc_redis_client_drop_connection (self, why);
  }
  return G_SOURCE_CONTINUE;
}

/* --- public --------------------------------------------------------------- */

void
rc_redis_client_commandv (RcRedisClient *self, int argc, const char *const *argv,
                          const size_t *argvlen, RcRedisReplyFunc callback, gpointer user_data)
{
  g_return_if_fail (RC_IS_REDIS_CLIENT (self));
  g_return_if_fail (argc > 0 && argv != NULL);
  g_return_if_fail (self->message_func == NULL);

  if (self->state == STATE_CLOSED) {
    refuse (self, callback, user_data, RC_REDIS_ERROR_CLOSED, "the Redis client is closed");
    return;
  }
  if (self->state != STATE_CONNECTED || !self->ac) {
    refuse (self, callback, user_data, RC_REDIS_ERROR_DISCONNECTED, "Redis is not connected");
    return;
  }
  /* hiredis refuses commands on a context that is being torn down (e.g.
   * from a callback answering a lost connection). */
  if (!send_command (self, argc, argv, argvlen, callback, user_data))
    refuse (self, callback, user_data, RC_REDIS_ERROR_DISCONNECTED,
            "Redis connection is closing");
}

void
rc_redis_client_call (RcRedisClient *self, RcRedisReplyFunc callback, gpointer user_data,
                      const char *first_arg, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first_arg);
  for (const char *a = first_arg; a; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  rc_redis_client_commandv (self, (int) args->len, (const char *const *) args->pdata, NULL,
                            callback, user_data);
}

gboolean
rc_redis_client_is_connected (RcRedisClient *self)
{
  g_return_val_if_fail (RC_IS_REDIS_CLIENT (self), FALSE);
  return self->state == STATE_CONNECTED;
}

const char *
rc_redis_client_get_state (RcRedisClient *self)
{
  g_return_val_if_fail (RC_IS_REDIS_CLIENT (self), NULL);
  return self->state == STATE_CONNECTED ? "connected" : "connecting";
}

static gboolean
health_contributor (JsonBuilder *b, gpointer data)
{
  RcRedisClient *self = data;
  json_builder_set_member_name (b, "redis");
  json_builder_add_string_value (b, rc_redis_client_get_state (self));
  return rc_redis_client_is_connected (self);
}

void
rc_redis_client_add_health (RcRedisClient *self, RcHealth *health)
{
  rc_health_add (health, health_contributor, self);
}

static void
metrics_collector (GString *out, gpointer data)
{
  RcRedisClient *self = data;
  rc_metrics_append_gauge (out, "roomcast_redis_connected", "1 when the Redis connection is up",
                           self->state == STATE_CONNECTED);
  rc_metrics_append_gauge (out, "roomcast_redis_inflight", "Redis commands waiting for a reply",
                           self->inflight.length);
}

void
rc_redis_client_start (RcRedisClient *self, const char *host, guint port, const char *password,
                       guint db)
{
  self->host = g_strdup (host);
  self->port = port;
  self->password = g_strdup (password);
  self->db = db;
  self->endpoint = g_strdup_printf ("%s%s:%u db %u", self->message_func ? "subscriber " : "",
                                    host, port, db);
  start_attempt (self);
}

RcRedisClient *
rc_redis_client_new_full (const char *host, guint port, const char *password, guint db)
{
  g_return_val_if_fail (host != NULL && *host != '\0', NULL);
  RcRedisClient *self = g_object_new (RC_TYPE_REDIS_CLIENT, NULL);
  rc_metrics_register_collector (metrics_collector, self);
  self->watchdog_id = g_timeout_add (WATCHDOG_INTERVAL_MS, on_watchdog, self);
  rc_redis_client_start (self, host, port, password, db);
  return self;
}

RcRedisClient *
rc_redis_client_new (const RcConfig *config)
{
  g_return_val_if_fail (config != NULL && config->redis_host != NULL, NULL);
  return rc_redis_client_new_full (config->redis_host, config->redis_port,
                                   config->redis_password, config->redis_db);
}

static void
rc_redis_client_dispose (GObject *object)
{
  RcRedisClient *self = RC_REDIS_CLIENT (object);

  if (self->state != STATE_CLOSED) {
    gboolean was_connected = self->state == STATE_CONNECTED;
    self->state = STATE_CLOSED;
    if (self->resolving)
      g_cancellable_cancel (self->resolving);
    g_clear_object (&self->resolving);
    g_clear_handle_id (&self->retry_id, g_source_remove);
    g_clear_handle_id (&self->watchdog_id, g_source_remove);
    g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
    /* Answer every pending command now and orphan it: hiredis may free the
     * context later than this (when we are inside one of its callbacks). */
    Pending *p;
    while ((p = g_queue_peek_head (&self->inflight))) {
      g_queue_unlink (&self->inflight, &p->link);
      g_autoptr (GError) error = g_error_new_literal (RC_REDIS_ERROR, RC_REDIS_ERROR_CLOSED,
                                                      "the Redis client is closed");
      count_error (self, error);
      if (p->callback)
        p->callback (self, NULL, error, p->user_data);
      p->self = NULL;
      p->callback = NULL;
    }
    redisAsyncContext *ac = self->ac;
    GSource *source = self->source;
    self->ac = NULL;
    self->source = NULL;
    if (ac) {
      ac->data = NULL;
      redisAsyncFree (ac);
    }
    if (source) {
      g_idle_add_full (G_PRIORITY_DEFAULT, destroy_source_idle, source,
                       (GDestroyNotify) g_source_unref);
    }
    if (!self->message_func)
      rc_metrics_unregister_collector (metrics_collector, self);
    if (was_connected)
      g_debug ("Redis %s: closed", self->endpoint);
  }
  G_OBJECT_CLASS (rc_redis_client_parent_class)->dispose (object);
}

static void
rc_redis_client_finalize (GObject *object)
{
  RcRedisClient *self = RC_REDIS_CLIENT (object);
  g_free (self->host);
  if (self->password)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->endpoint);
  g_strfreev (self->channels);
  g_strfreev (self->patterns);
  g_free (self->subscriptions);
  g_queue_clear_full (&self->untried, g_free);
  G_OBJECT_CLASS (rc_redis_client_parent_class)->finalize (object);
}

static void
rc_redis_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  RcRedisClient *self = RC_REDIS_CLIENT (object);
  switch (prop_id) {
  case PROP_CONNECTED:
    g_value_set_boolean (value, self->state == STATE_CONNECTED);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
rc_redis_client_class_init (RcRedisClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = rc_redis_client_dispose;
  object_class->finalize = rc_redis_client_finalize;
  object_class->get_property = rc_redis_client_get_property;
  props[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", "Connected",
                          "Whether the connection is up, authenticated and on its database",
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
rc_redis_client_init (RcRedisClient *self)
{
  self->state = STATE_BACKOFF;
  rc_backoff_init (&self->backoff, BACKOFF_MIN_MS, BACKOFF_MAX_MS, 20);
  g_queue_init (&self->inflight);
  g_queue_init (&self->untried);
}
