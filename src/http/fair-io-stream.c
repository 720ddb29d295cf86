/* roomcast: a read budget per main-loop iteration; see fair-io-stream.h. */
#include "http/fair-io-stream.h"
#include "http/ws-frame-scan.h"
#include "core/metrics.h"

#include <sys/socket.h>

/* --- main-loop iterations ------------------------------------------------------
 *
 * A source of the highest priority whose prepare() runs at the start of
 * every iteration of the context it is attached to (sources are prepared
 * in priority order, and preparing stops only below a ready source). */

static gint iterations;
static GMainContext *counted_context;

static gboolean
counter_prepare (GSource *source, gint *timeout)
{
  g_atomic_int_inc (&iterations);
  *timeout = -1;
  return FALSE;
}

static gboolean
counter_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs counter_funcs = {
  counter_prepare, NULL, counter_dispatch, NULL, NULL, NULL
};

static void
ensure_counter (GMainContext *context)
{
  static GMutex lock;

  g_mutex_lock (&lock);
  if (counted_context == NULL) {
    GSource *source = g_source_new (&counter_funcs, sizeof (GSource));
    g_source_set_priority (source, G_PRIORITY_HIGH - 100);
    g_source_set_static_name (source, "rc-loop-iterations");
    g_source_attach (source, context);
    g_source_unref (source);
    counted_context = g_main_context_ref (context);
  }
  g_mutex_unlock (&lock);
}

/* --- the input stream ------------------------------------------------------- */

#define RC_TYPE_FAIR_INPUT_STREAM (rc_fair_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (RcFairInputStream, rc_fair_input_stream, RC, FAIR_INPUT_STREAM,
                      GFilterInputStream)

struct _RcFairInputStream {
  GFilterInputStream parent_instance;
  gboolean counted;   /* its context has the iteration counter */
  gint iteration;     /* when the budget was last refilled */
  gint64 refilled_us; /* the same, as a time */
  gsize left;
  /* After a WebSocket upgrade: the limit on one message (0 = none). */
  guint64 max_message;
  RcWsFrameScan scan;
};

static void fair_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcFairInputStream, rc_fair_input_stream,
                               G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      fair_pollable_init))

static GPollableInputStream *
base_of (RcFairInputStream *self)
{
  return G_POLLABLE_INPUT_STREAM (
    g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self)));
}

/* A new iteration (or, on a context without the counter, 10 ms) brings a
 * new budget; within one, the budget also runs out RC_FAIR_READ_TIME_US
 * after it was refilled. */
static void
refill (RcFairInputStream *self)
{
  gint64 now_us = g_get_monotonic_time ();

  if (self->counted) {
    gint now = g_atomic_int_get (&iterations);
    if (now != self->iteration) {
      self->iteration = now;
      self->refilled_us = now_us;
      self->left = RC_FAIR_READ_BUDGET;
      return;
    }
  } else if (now_us - self->refilled_us >= 10000) {
    self->refilled_us = now_us;
    self->left = RC_FAIR_READ_BUDGET;
    return;
  }
  if (now_us - self->refilled_us >= RC_FAIR_READ_TIME_US)
    self->left = 0;
}

static gboolean
fair_can_poll (GPollableInputStream *stream)
{
  return g_pollable_input_stream_can_poll (base_of (RC_FAIR_INPUT_STREAM (stream)));
}

static gboolean
fair_is_readable (GPollableInputStream *stream)
{
  RcFairInputStream *self = RC_FAIR_INPUT_STREAM (stream);

  refill (self);
  return self->left > 0 && g_pollable_input_stream_is_readable (base_of (self));
}

/* Ready when the socket is: by the next dispatch the budget is new. */
static GSource *
fair_create_source (GPollableInputStream *stream, GCancellable *cancellable)
{
  RcFairInputStream *self = RC_FAIR_INPUT_STREAM (stream);
  GSource *base = g_pollable_input_stream_create_source (base_of (self), NULL);
  GSource *source = g_pollable_source_new_full (stream, base, cancellable);

  g_source_unref (base);
  return source;
}

/* @n bytes were read into @buffer: FALSE (error set) if they take a
 * WebSocket message past its limit. */
static gboolean
check_messages (RcFairInputStream *self, const void *buffer, gssize n, GError **error)
{
  if (self->max_message == 0 || n <= 0 ||
      rc_ws_frame_scan_feed (&self->scan, buffer, (gsize) n, self->max_message))
    return TRUE;
  rc_metrics_counter_inc ("roomcast_ws_messages_refused_total",
                          "WebSocket connections closed for a message over the limit or bad "
                          "framing",
                          NULL);
  g_info ("http: closing a WebSocket: a message over %" G_GUINT64_FORMAT
          " bytes (or frames that are not WebSocket framing)",
          self->max_message);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
               "a WebSocket message over %" G_GUINT64_FORMAT " bytes", self->max_message);
  return FALSE;
}

static gssize
fair_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
           GError **error)
{
  RcFairInputStream *self = RC_FAIR_INPUT_STREAM (stream);
  gssize n = g_input_stream_read (G_INPUT_STREAM (base_of (self)), buffer, count, cancellable,
                                  error);
  return check_messages (self, buffer, n, error) ? n : -1;
}

static gssize
fair_read_nonblocking (GPollableInputStream *stream, void *buffer, gsize count, GError **error)
{
  RcFairInputStream *self = RC_FAIR_INPUT_STREAM (stream);
  gssize n;

  refill (self);
  if (self->left == 0) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                         "read budget of this main-loop iteration used");
    return -1;
  }
  n = g_pollable_input_stream_read_nonblocking (base_of (self), buffer, MIN (count, self->left),
                                                NULL, error);
  if (n > 0)
    self->left -= (gsize) n;
  return check_messages (self, buffer, n, error) ? n : -1;
}

static void
fair_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = fair_can_poll;
  iface->is_readable = fair_is_readable;
  iface->create_source = fair_create_source;
  iface->read_nonblocking = fair_read_nonblocking;
}

static void
rc_fair_input_stream_class_init (RcFairInputStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = fair_read;
}

static void
rc_fair_input_stream_init (RcFairInputStream *self)
{
  self->iteration = -1;
  self->left = RC_FAIR_READ_BUDGET;
}

/* --- the output stream: counts what reached the socket -------------------- */

#define RC_TYPE_COUNTING_OUTPUT_STREAM (rc_counting_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (RcCountingOutputStream, rc_counting_output_stream, RC,
                      COUNTING_OUTPUT_STREAM, GFilterOutputStream)

struct _RcCountingOutputStream {
  GFilterOutputStream parent_instance;
  guint64 written; /* main loop only, as every writer of a connection */
};

static void counting_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcCountingOutputStream, rc_counting_output_stream,
                               G_TYPE_FILTER_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      counting_pollable_init))

static GPollableOutputStream *
output_base_of (RcCountingOutputStream *self)
{
  return G_POLLABLE_OUTPUT_STREAM (
    g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (self)));
}

static gssize
counting_write (GOutputStream *stream, const void *buffer, gsize count,
                GCancellable *cancellable, GError **error)
{
  RcCountingOutputStream *self = RC_COUNTING_OUTPUT_STREAM (stream);
  gssize n = g_output_stream_write (G_OUTPUT_STREAM (output_base_of (self)), buffer, count,
                                    cancellable, error);
  if (n > 0)
    self->written += (guint64) n;
  return n;
}

static gboolean
counting_can_poll (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_can_poll (
    output_base_of (RC_COUNTING_OUTPUT_STREAM (stream)));
}

static gboolean
counting_is_writable (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_is_writable (
    output_base_of (RC_COUNTING_OUTPUT_STREAM (stream)));
}

static GSource *
counting_create_source (GPollableOutputStream *stream, GCancellable *cancellable)
{
  RcCountingOutputStream *self = RC_COUNTING_OUTPUT_STREAM (stream);
  GSource *base = g_pollable_output_stream_create_source (output_base_of (self), NULL);
  GSource *source = g_pollable_source_new_full (stream, base, cancellable);

  g_source_unref (base);
  return source;
}

static gssize
counting_write_nonblocking (GPollableOutputStream *stream, const void *buffer, gsize count,
                            GError **error)
{
  RcCountingOutputStream *self = RC_COUNTING_OUTPUT_STREAM (stream);
  gssize n = g_pollable_output_stream_write_nonblocking (output_base_of (self), buffer, count,
                                                         NULL, error);
  if (n > 0)
    self->written += (guint64) n;
  return n;
}

static void
counting_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = counting_can_poll;
  iface->is_writable = counting_is_writable;
  iface->create_source = counting_create_source;
  iface->write_nonblocking = counting_write_nonblocking;
}

static void
rc_counting_output_stream_class_init (RcCountingOutputStreamClass *klass)
{
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = counting_write;
}

static void
rc_counting_output_stream_init (RcCountingOutputStream *self)
{
}

/* --- the I/O stream --------------------------------------------------------- */

struct _RcFairIOStream {
  GIOStream parent_instance;
  GIOStream *base;
  GInputStream *input;
  GOutputStream *output;
};

G_DEFINE_FINAL_TYPE (RcFairIOStream, rc_fair_io_stream, G_TYPE_IO_STREAM)

static GInputStream *
get_input_stream (GIOStream *stream)
{
  return RC_FAIR_IO_STREAM (stream)->input;
}

static GOutputStream *
get_output_stream (GIOStream *stream)
{
  return RC_FAIR_IO_STREAM (stream)->output;
}

static gboolean
close_fn (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  RcFairIOStream *self = RC_FAIR_IO_STREAM (stream);

  /* The input wrapper does not close its base; the base stream closes
   * both of its halves and the socket. */
  g_input_stream_close (self->input, NULL, NULL);
  g_output_stream_close (self->output, NULL, NULL);
  return g_io_stream_close (self->base, cancellable, error);
}

/* Closing a socket does not block: done at once on the caller's thread, as
 * GSocketConnection does, never on a worker thread (GIOStream's default). */
static void
close_async (GIOStream *stream, int io_priority, GCancellable *cancellable,
             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (stream, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, close_async);
  if (G_IO_STREAM_GET_CLASS (stream)->close_fn (stream, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
close_finish (GIOStream *stream, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

GIOStream *
rc_fair_io_stream_new (GIOStream *base)
{
  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (base)), NULL);
  RcFairIOStream *self = g_object_new (RC_TYPE_FAIR_IO_STREAM, NULL);
  GMainContext *context = g_main_context_ref_thread_default ();
  RcFairInputStream *input;

  ensure_counter (context);
  self->base = g_object_ref (base);
  input = g_object_new (RC_TYPE_FAIR_INPUT_STREAM, "base-stream",
                        g_io_stream_get_input_stream (base), "close-base-stream", FALSE, NULL);
  input->counted = counted_context == context;
  self->input = G_INPUT_STREAM (input);
  self->output = g_object_new (RC_TYPE_COUNTING_OUTPUT_STREAM, "base-stream",
                               g_io_stream_get_output_stream (base), "close-base-stream", FALSE,
                               NULL);
  g_main_context_unref (context);
  return G_IO_STREAM (self);
}

RcFairIOStream *
rc_fair_io_stream_find (GIOStream *stream)
{
  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  /* libsoup wraps the stream it was given in a SoupIOStream. */
  while (!RC_IS_FAIR_IO_STREAM (stream)) {
    GIOStream *base = NULL;
    if (!g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream"))
      return NULL;
    g_object_get (stream, "base-iostream", &base, NULL);
    if (base == NULL)
      return NULL;
    /* The wrapper holds its base: borrowing it is safe while @stream lives. */
    g_object_unref (base);
    stream = base;
  }
  return RC_FAIR_IO_STREAM (stream);
}

gboolean
rc_fair_io_stream_limit_ws_messages (GIOStream *stream, guint64 max_bytes)
{
  g_return_val_if_fail (G_IS_IO_STREAM (stream) && max_bytes > 0, FALSE);
  RcFairIOStream *fair = rc_fair_io_stream_find (stream);
  if (fair == NULL)
    return FALSE;
  RcFairInputStream *input = RC_FAIR_INPUT_STREAM (fair->input);
  input->max_message = max_bytes;
  input->scan = (RcWsFrameScan) RC_WS_FRAME_SCAN_INIT;
  return TRUE;
}

gboolean
rc_http_socket_abort (GSocket *socket)
{
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  if (g_socket_is_closed (socket))
    return FALSE;
  /* A zero linger: the close that follows sends a reset, and what is
   * queued for the peer is dropped instead of waiting for it. */
  struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };
  setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &abort_on_close,
              sizeof abort_on_close);
  return g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

gboolean
rc_fair_io_stream_abort (RcFairIOStream *self)
{
  g_return_val_if_fail (RC_IS_FAIR_IO_STREAM (self), FALSE);
  if (!G_IS_SOCKET_CONNECTION (self->base))
    return FALSE;
  return rc_http_socket_abort (
    g_socket_connection_get_socket (G_SOCKET_CONNECTION (self->base)));
}

guint64
rc_fair_io_stream_get_bytes_written (RcFairIOStream *self)
{
  g_return_val_if_fail (RC_IS_FAIR_IO_STREAM (self), 0);
  return RC_COUNTING_OUTPUT_STREAM (self->output)->written;
}

static void
rc_fair_io_stream_finalize (GObject *object)
{
  RcFairIOStream *self = RC_FAIR_IO_STREAM (object);

  g_object_unref (self->input);
  g_object_unref (self->output);
  g_object_unref (self->base);
  G_OBJECT_CLASS (rc_fair_io_stream_parent_class)->finalize (object);
}

static void
rc_fair_io_stream_class_init (RcFairIOStreamClass *klass)
{
  GIOStreamClass *io_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = rc_fair_io_stream_finalize;
  io_class->get_input_stream = get_input_stream;
  io_class->get_output_stream = get_output_stream;
  io_class->close_fn = close_fn;
  io_class->close_async = close_async;
  io_class->close_finish = close_finish;
}

static void
rc_fair_io_stream_init (RcFairIOStream *self)
{
}
