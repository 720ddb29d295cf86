/* roomcast: dot files of a room's pipeline; see pipeline-dump.h. */
#include "media/pipeline-dump.h"

#include <errno.h>

#include <glib/gstdio.h>

#define DUMP_DIR_ENV "GST_DEBUG_DUMP_DOT_DIR"
#define MAX_ROOM_ID_CHARS 64

struct _RcPipelineDump {
  GstElement *pipeline; /* ref */
  char *room_id;        /* made safe for a file name */
  GMainContext *context;
  GSource *idle;      /* pending dump, or NULL */
  GPtrArray *reasons; /* distinct reasons of the pending dump (char *) */
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

/* <dir>/<name>.dot, whole or not at all: written as a hidden temporary
 * file and renamed, so whoever watches the directory never reads half a
 * graph (GStreamer's own dot-file writer writes in place). */
static void
write_file (RcPipelineDump *dump, const char *name)
{
  const char *dir = g_getenv (DUMP_DIR_ENV);
  g_autofree char *base = g_strconcat (name, ".dot", NULL);
  g_autofree char *tmp_base = g_strconcat (".", base, ".tmp", NULL);
  g_autofree char *path = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *dot = NULL;
  g_autoptr (GError) error = NULL;

  if (dir == NULL || *dir == '\0')
    return;
  path = g_build_filename (dir, base, NULL);
  tmp = g_build_filename (dir, tmp_base, NULL);
  dot = gst_debug_bin_to_dot_data (GST_BIN (dump->pipeline), GST_DEBUG_GRAPH_SHOW_ALL);
  if (!g_file_set_contents_full (tmp, dot, -1, G_FILE_SET_CONTENTS_NONE, 0644, &error) ||
      g_rename (tmp, path) != 0) {
    g_warning ("room %s: pipeline graph not written to %s: %s", dump->room_id, path,
               error ? error->message : g_strerror (errno));
    g_unlink (tmp);
    return;
  }
  g_debug ("room %s: pipeline graph dumped to %s", dump->room_id, path);
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
  write_file (dump, file->str);
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
