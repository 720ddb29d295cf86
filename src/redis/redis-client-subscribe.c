/* roomcast: the subscribe mode of RcRedisClient; see redis-client.h.
 *
 * The connection, AUTH/SELECT, reconnection and backoff are the client's
 * (redis-client.c). This file adds what a subscription needs on top: on
 * every new connection SUBSCRIBE/PSUBSCRIBE of everything right after the
 * handshake (the last confirmation makes the client "connected"), every
 * message handed to the caller's function, and a probe in place of the
 * command deadlines.
 *
 * hiredis keeps a subscription's callback until the context is freed and
 * calls it for every confirmation and message, then once with NULL.
 */
#include "redis/redis-client-private.h"

#include <string.h>

static gboolean
is_string (const redisReply *r, const char *s)
{
  return r->type == REDIS_REPLY_STRING && r->len == strlen (s) &&
         g_ascii_strncasecmp (r->str, s, r->len) == 0;
}

static void
deliver (RcRedisClient *self, const redisReply *channel, const redisReply *payload)
{
  if (channel->type == REDIS_REPLY_STRING && payload->type == REDIS_REPLY_STRING)
    self->message_func (channel->str, payload->str, payload->len, self->message_data);
}

/* hiredis hands every reply to a SUBSCRIBE/PSUBSCRIBE here: the
 * confirmations, then the messages; and NULL when it frees the context.
 * The client comes from the context, which dispose and drop_connection
 * detach, never from privdata: hiredis may call this after dispose. */
static void
on_push (redisAsyncContext *ac, void *r, void *privdata)
{
  RcRedisClient *self = ac->data;
  redisReply *push = r;

  (void) privdata;
  if (!self || self->ac != ac || !push)
    return;
  self->last_rx_us = g_get_monotonic_time ();
  if (push->type != REDIS_REPLY_ARRAY || push->elements < 3)
    return;
  redisReply **e = push->element;
  if (is_string (e[0], "message") && push->elements == 3)
    deliver (self, e[1], e[2]);
  else if (is_string (e[0], "pmessage") && push->elements == 4)
    deliver (self, e[2], e[3]);
  else if ((is_string (e[0], "subscribe") || is_string (e[0], "psubscribe")) &&
           self->state == STATE_CONNECTING && self->unconfirmed > 0 && --self->unconfirmed == 0)
    rc_redis_client_become_connected (self);
}

/* Queue @command (SUBSCRIBE or PSUBSCRIBE) of @names, if any. */
static void
send_subscribe (RcRedisClient *self, const char *command, char **names)
{
  guint n = g_strv_length (names);
  if (n == 0)
    return;
  g_autofree const char **argv = g_new (const char *, n + 1);
  argv[0] = command;
  memcpy (argv + 1, names, n * sizeof *argv);
  /* A refusal leaves a subscription unconfirmed: the connect timeout. */
  (void) redisAsyncCommandArgv (self->ac, on_push, NULL, (int) n + 1, argv, NULL);
}

void
rc_redis_client_queue_subscriptions (RcRedisClient *self)
{
  /* Redis confirms every name on its own. */
  self->unconfirmed = g_strv_length (self->channels) + g_strv_length (self->patterns);
  send_subscribe (self, "SUBSCRIBE", self->channels);
  send_subscribe (self, "PSUBSCRIBE", self->patterns);
}

/* A subscription waits for messages for as long as there are none, so
 * instead of command deadlines the server is probed every interval, and a
 * connection that received nothing for 2.5 intervals is dropped. The probe subscribes to the first channel (or pattern) again:
 * Redis answers at once and nothing changes. PING cannot be the probe with
 * hiredis 0.14: in subscribe mode it keeps every PING's callback until the
 * connection ends, and hands the ["pong", ""] reply to whichever callback
 * ran before it in the same read. */
static gboolean
on_probe (gpointer data)
{
  RcRedisClient *self = data;
  if (self->state != STATE_CONNECTED || !self->ac)
    return G_SOURCE_CONTINUE;
  gint64 silent_ms = (g_get_monotonic_time () - self->last_rx_us) / 1000;
  if (silent_ms > (gint64) self->probe_ms * 5 / 2 && !rc_redis_client_loop_is_behind (self)) {
    g_autofree char *why = g_strdup_printf ("no reply for %" G_GINT64_FORMAT " ms", silent_ms);
    rc_redis_client_drop_connection (self, why);
    return G_SOURCE_CONTINUE;
  }
  gboolean pattern = self->patterns[0] != NULL;
  const char *argv[] = { pattern ? "PSUBSCRIBE" : "SUBSCRIBE",
                         pattern ? self->patterns[0] : self->channels[0] };
  (void) redisAsyncCommandArgv (self->ac, on_push, NULL, 2, argv, NULL);
  return G_SOURCE_CONTINUE;
}

RcRedisClient *
rc_redis_client_new_subscriber (const char *host, guint port, const char *password, guint db,
                                const char *const *channels, const char *const *patterns,
                                RcRedisMessageFunc func, gpointer user_data)
{
  static const char *const none[] = { NULL };
  g_return_val_if_fail (host != NULL && *host != '\0', NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail ((channels && channels[0]) || (patterns && patterns[0]), NULL);
  RcRedisClient *self = g_object_new (RC_TYPE_REDIS_CLIENT, NULL);
  self->message_func = func;
  self->message_data = user_data;
  self->channels = g_strdupv ((char **) (channels ? channels : none));
  self->patterns = g_strdupv ((char **) (patterns ? patterns : none));
  g_autofree char *c = g_strjoinv (", ", self->channels);
  g_autofree char *p = g_strjoinv (", ", self->patterns);
  self->subscriptions = g_strjoin (*c && *p ? ", " : "", c, p, NULL);
  self->probe_ms = RC_REDIS_PROBE_INTERVAL_MS;
  self->watchdog_id = g_timeout_add (self->probe_ms, on_probe, self);
  rc_redis_client_start (self, host, port, password, db);
  return self;
}

void
rc_redis_client_set_probe_interval (RcRedisClient *self, guint ms)
{
  g_return_if_fail (RC_IS_REDIS_CLIENT (self) && self->message_func && ms > 0);
  self->probe_ms = ms;
  if (self->watchdog_id) {
    g_source_remove (self->watchdog_id);
    self->watchdog_id = g_timeout_add (ms, on_probe, self);
  }
}
