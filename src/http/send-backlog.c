/* roomcast: a WebSocket's unsent bytes; see send-backlog.h. */
#include "http/send-backlog.h"

void
rc_send_backlog_init (RcSendBacklog *self, GIOStream *stream, guint64 max_unsent,
                      guint stall_ms)
{
  g_return_if_fail (self != NULL && G_IS_IO_STREAM (stream));
  *self = (RcSendBacklog){ 0 };
  self->stream = rc_fair_io_stream_find (stream);
  if (self->stream)
    self->handed = self->written_seen = rc_fair_io_stream_get_bytes_written (self->stream);
  self->progress_us = g_get_monotonic_time ();
  self->max_unsent = max_unsent;
  self->stall_us = (gint64) stall_ms * 1000;
}

guint64
rc_send_backlog_unsent (const RcSendBacklog *self)
{
  if (self->stream == NULL)
    return 0;
  guint64 written = rc_fair_io_stream_get_bytes_written (self->stream);
  return self->handed > written ? self->handed - written : 0;
}

gboolean
rc_send_backlog_congested (const RcSendBacklog *self)
{
  return rc_send_backlog_unsent (self) > RC_SEND_BACKLOG_CONGESTED_BYTES;
}

/* A server frame's header (RFC 6455 5.2, unmasked). */
static gsize
frame_overhead (gsize payload)
{
  return payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10;
}

gboolean
rc_send_backlog_add (RcSendBacklog *self, gsize bytes, char **reason)
{
  g_return_val_if_fail (self != NULL && reason != NULL, FALSE);
  if (self->stream == NULL)
    return TRUE;

  gint64 now = g_get_monotonic_time ();
  guint64 written = rc_fair_io_stream_get_bytes_written (self->stream);
  guint64 unsent;

  self->handed += bytes + frame_overhead (bytes);
  unsent = self->handed > written ? self->handed - written : 0;
  if (written != self->written_seen || unsent <= RC_SEND_BACKLOG_CONGESTED_BYTES) {
    self->written_seen = written;
    self->progress_us = now;
  }
  if (self->max_unsent > 0 && unsent > self->max_unsent) {
    *reason = g_strdup_printf ("slow consumer: %" G_GUINT64_FORMAT " bytes unsent", unsent);
    return FALSE;
  }
  if (self->stall_us > 0 && now - self->progress_us > self->stall_us) {
    *reason = g_strdup_printf ("slow consumer: nothing read for %" G_GINT64_FORMAT
                               " ms, %" G_GUINT64_FORMAT " bytes unsent",
                               (now - self->progress_us) / 1000, unsent);
    return FALSE;
  }
  return TRUE;
}

void
rc_send_backlog_abort (RcSendBacklog *self)
{
  if (self->stream)
    rc_fair_io_stream_abort (self->stream);
}
