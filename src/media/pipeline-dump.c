/* roomcast: dot files of a room's pipeline; see pipeline-dump.h. */
#include "media/pipeline-dump.h"

#define DUMP_DIR_ENV "GST_DEBUG_DUMP_DOT_DIR"
#define MAX_ROOM_ID_CHARS 64

struct _RcPipelineDump {
  GstElement *pipeline; /* ref */
  char *room_id;        /* made safe for a file name */
  GMainContext *context;
  GSource *idle;        /* pending dump, or NULL */
  GPtrArray *reasons;   /* distinct reasons of the pending dump (char *) */
  guint seq;
};

RcPipelineDump *
rc_pipeline_dump_new (GstElement *pipeline, const char *room_id)
{
  const char *dir = g_getenv (DUMP_DIR_ENV);
  RcPipelineDump *dump;

  g_return_val_if_fail (GST_IS_ELEMENT (pipeline) && room_id != NULL, NULL);
  if (dir == NULL || *dir == '\0')
    return NULL;
  dump = g_new0 (RcPipelineDump, 1);
  dump->pipeline = gst_object_ref (pipeline);
  dump->room_id = g_strndup (room_id, MAX_ROOM_ID_CHARS);
  g_strcanon (dump->room_id, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "_.-", '_');
  dump->context = g_main_context_ref_thread_default ();
  dump->reasons = g_ptr_array_new_with_free_func (g_free);
  return dump;
}

static void
add_reason (RcPipelineDump *dump, const char *reason)
{
  for (guint i = 0; i < dump->reasons->len; i++)
    if (g_str_equal (g_ptr_array_index (dump->reasons, i), reason))
      return;
  g_ptr_array_add (dump->reasons, g_strdup (reason));
}

static void
write_dump (RcPipelineDump *dump)
{
  g_autoptr (GString) file = g_string_new (NULL);

  if (dump->idle != NULL) {
    g_source_destroy (dump->idle);
    g_clear_pointer (&dump->idle, g_source_unref);
  }
  g_string_printf (file, "roomcast-%s-%04u-", dump->room_id, ++dump->seq);
  for (guint i = 0; i < dump->reasons->len; i++)
    g_string_append_printf (file, "%s%s", i ? "+" : "",
                            (const char *) g_ptr_array_index (dump->reasons, i));
  g_ptr_array_set_size (dump->reasons, 0);
  /* GStreamer writes <dir>/<file>.dot; it took <dir> at gst_init(). */
  GST_DEBUG_BIN_TO_DOT_FILE (GST_BIN (dump->pipeline), GST_DEBUG_GRAPH_SHOW_ALL, file->str);
  g_debug ("room %s: pipeline graph dumped to %s/%s.dot", dump->room_id,
           g_getenv (DUMP_DIR_ENV), file->str);
}

static gboolean
on_idle (gpointer data)
{
  write_dump (data);
  return G_SOURCE_REMOVE;
}

void
rc_pipeline_dump_request (RcPipelineDump *dump, const char *reason)
{
  if (dump == NULL)
    return;
  add_reason (dump, reason);
  if (dump->idle != NULL)
    return;
  dump->idle = g_idle_source_new ();
  g_source_set_callback (dump->idle, on_idle, dump, NULL);
  g_source_set_name (dump->idle, "roomcast pipeline dump");
  g_source_attach (dump->idle, dump->context);
}

void
rc_pipeline_dump_now (RcPipelineDump *dump, const char *reason)
{
  if (dump == NULL)
    return;
  add_reason (dump, reason);
  write_dump (dump);
}

void
rc_pipeline_dump_free (RcPipelineDump *dump)
{
  if (dump == NULL)
    return;
  if (dump->idle != NULL)
    write_dump (dump);
  gst_object_unref (dump->pipeline);
  g_ptr_array_unref (dump->reasons);
  g_main_context_unref (dump->context);
  g_free (dump->room_id);
  g_free (dump);
}
