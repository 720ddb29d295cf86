/* roomcast: the graceful drain; see drain.h. */
#include "daemon/drain.h"
#include "daemon/systemd-notify.h"

/* Clients normally close within a round trip; a stuck one is not waited for. */
#define DRAIN_CLIENT_GRACE_MS 2000
#define DRAIN_POLL_MS 50

struct _RcDrain {
  RcDrainTargets t;
  gboolean draining;
  gboolean quit;
  gint64 started_us;
  gint64 deadline_us;
  gboolean clients_done, gifts_done, status_done, recordings_done;
  guint poll_source;
};

static gint64
elapsed_ms (RcDrain *drain)
{
  return (g_get_monotonic_time () - drain->started_us) / 1000;
}

/* One drain step as a structured journal entry. */
static void G_GNUC_PRINTF (5, 6) drain_log (GLogLevelFlags level, const char *step,
                                            gint64 count, gint64 ms, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_autofree char *count_text = g_strdup_printf ("%" G_GINT64_FORMAT, count);
  g_autofree char *ms_text = g_strdup_printf ("%" G_GINT64_FORMAT, ms);
  g_log_structured (G_LOG_DOMAIN, level, "ROOMCAST_EVENT", "drain", "ROOMCAST_STEP", step,
                    "ROOMCAST_COUNT", count_text, "ROOMCAST_DURATION_MS", ms_text, "MESSAGE",
                    "drain: %s", message);
}

static gboolean
poll_drain (gpointer data)
{
  RcDrain *drain = data;
  gint64 now = g_get_monotonic_time ();
  gboolean late = now >= drain->deadline_us;

  if (!drain->clients_done) {
    guint n = rc_sio_server_get_n_connections (drain->t.sio);
    if (n == 0 || late || elapsed_ms (drain) >= DRAIN_CLIENT_GRACE_MS) {
      drain->clients_done = TRUE;
      drain_log (n ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO, "clients", n, elapsed_ms (drain),
                 "clients gone after %" G_GINT64_FORMAT " ms (%u still open)",
                 elapsed_ms (drain), n);
    }
  }
  if (!drain->gifts_done) {
    gint64 left = 0;
    gboolean flushed = drain->t.gifts == NULL ||
                       rc_gift_service_is_flushed (drain->t.gifts, &left);
    if (flushed || late) {
      drain->gifts_done = TRUE;
      if (drain->t.gifts)
        rc_gift_service_shutdown (drain->t.gifts);
      if (flushed)
        drain_log (G_LOG_LEVEL_INFO, "gifts", 0, elapsed_ms (drain),
                   "gift queue flushed after %" G_GINT64_FORMAT " ms", elapsed_ms (drain));
      else
        drain_log (G_LOG_LEVEL_WARNING, "gifts", left, elapsed_ms (drain),
                   "SHUTDOWN_TIMEOUT_MS reached with %" G_GINT64_FORMAT " gift(s) not yet "
                   "processed (-1: unknown); a durable queue sends them after the restart",
                   left);
    }
  }
  if (!drain->status_done) {
    guint n = drain->t.room_status
                ? rc_room_status_reporter_get_n_pending (drain->t.room_status)
                : 0;
    if (n == 0 || late) {
      drain->status_done = TRUE;
      drain_log (n ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO, "status", n, elapsed_ms (drain),
                 "room status posted after %" G_GINT64_FORMAT " ms (%u room(s) not confirmed)",
                 elapsed_ms (drain), n);
    }
  }
  if (!drain->recordings_done) {
    /* The rooms' recordings were detached in the rooms step; their files
     * get their end of stream in the background (bounded per file). */
    guint n = drain->t.media ? rc_recording_service_get_n_finishing (
                                 rc_media_service_get_recordings (drain->t.media))
                             : 0;
    if (n == 0 || late) {
      drain->recordings_done = TRUE;
      drain_log (n ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO, "recordings", n,
                 elapsed_ms (drain),
                 "recordings finished after %" G_GINT64_FORMAT " ms (%u not finished)",
                 elapsed_ms (drain), n);
    }
  }
  if (drain->clients_done && drain->gifts_done && drain->status_done &&
      drain->recordings_done) {
    drain->poll_source = 0;
    drain_log (G_LOG_LEVEL_INFO, "done", 0, elapsed_ms (drain),
               "done in %" G_GINT64_FORMAT " ms", elapsed_ms (drain));
    drain->quit = TRUE;
    g_main_loop_quit (drain->t.loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static void
start (RcDrain *drain)
{
  RcDrainTargets *t = &drain->t;
  drain->draining = TRUE;
  drain->started_us = g_get_monotonic_time ();
  drain->deadline_us = drain->started_us + (gint64) t->config->shutdown_timeout_ms * 1000;
  rc_systemd_stopping ("draining");

  rc_sio_server_stop_accepting (t->sio);
  if (t->hub)
    rc_hub_stop_accepting (t->hub);
  guint n_clients = rc_sio_server_get_n_connections (t->sio);
  drain_log (G_LOG_LEVEL_INFO, "accept", n_clients, 0,
             "started (SHUTDOWN_TIMEOUT_MS=%u): refusing new connections, %u open",
             t->config->shutdown_timeout_ms, n_clients);

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, "server_shutdown");
  json_builder_set_member_name (b, "reconnectInMs");
  json_builder_add_int_value (b, RC_DRAIN_RECONNECT_IN_MS);
  json_builder_end_object (b);
  g_autoptr (JsonNode) notice = json_builder_get_root (b);
  guint n_told = rc_sio_server_emit_all (t->sio, "server:shutdown", notice);
  drain_log (G_LOG_LEVEL_INFO, "notify", n_told, elapsed_ms (drain),
             "server:shutdown sent to %u client(s)", n_told);

  guint n_rooms = rc_room_registry_get_n_rooms (rc_room_service_get_registry (t->rooms));
  if (t->media)
    rc_media_service_shutdown (t->media);
  rc_room_service_shutdown (t->rooms);
  drain_log (G_LOG_LEVEL_INFO, "rooms", n_rooms, elapsed_ms (drain),
             "%u room(s) closed (server_shutdown)", n_rooms);
  /* The rooms' claims go with their CLOSED state, then the node's. */
  if (t->nodes)
    rc_node_registry_stop (t->nodes);

  rc_sio_server_shutdown (t->sio, "server shutdown");
  drain_log (G_LOG_LEVEL_INFO, "disconnect", n_clients, elapsed_ms (drain),
             "shutting down: disconnecting %u client(s); now flushing gifts and room status",
             n_clients);

  poll_drain (drain);
  if (!drain->quit)
    drain->poll_source = g_timeout_add (DRAIN_POLL_MS, poll_drain, drain);
}

void
rc_drain_signal (RcDrain *drain)
{
  if (drain->draining) {
    drain_log (G_LOG_LEVEL_WARNING, "abort", rc_sio_server_get_n_connections (drain->t.sio),
               elapsed_ms (drain), "second stop signal: exiting now");
    g_clear_handle_id (&drain->poll_source, g_source_remove);
    if (drain->t.gifts && !drain->gifts_done)
      rc_gift_service_shutdown (drain->t.gifts);
    drain->gifts_done = TRUE;
    drain->quit = TRUE;
    g_main_loop_quit (drain->t.loop);
    return;
  }
  start (drain);
}

RcDrain *
rc_drain_new (const RcDrainTargets *targets)
{
  RcDrain *drain = g_new0 (RcDrain, 1);
  drain->t = *targets;
  return drain;
}

void
rc_drain_free (RcDrain *drain)
{
  if (drain == NULL)
    return;
  g_clear_handle_id (&drain->poll_source, g_source_remove);
  g_free (drain);
}
