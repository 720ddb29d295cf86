/* RcPipelineDump: dot files in GST_DEBUG_DUMP_DOT_DIR, coalesced per
 * main-loop pass, named roomcast-<roomId>-<seq>-<reasons>.dot. */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>

#include "media/pipeline-dump.h"

static char *dump_dir;

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The file names in dump_dir, sorted. */
static GPtrArray *
list_dumps (void)
{
  g_autoptr (GDir) dir = g_dir_open (dump_dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static guint
count_dumps (void)
{
  g_autoptr (GPtrArray) names = list_dumps ();

  return names->len;
}

static void
clear_dumps (void)
{
  g_autoptr (GPtrArray) names = list_dumps ();

  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename (dump_dir, g_ptr_array_index (names, i), NULL);
    g_assert_cmpint (g_unlink (path), ==, 0);
  }
}

static void
assert_dumps (const char *const *expected)
{
  g_autoptr (GPtrArray) names = list_dumps ();

  g_assert_cmpuint (names->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename (dump_dir, g_ptr_array_index (names, i), NULL);
    g_autofree char *text = NULL;

    g_assert_cmpstr (g_ptr_array_index (names, i), ==, expected[i]);
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_assert_true (g_str_has_prefix (text, "digraph pipeline {"));
    g_assert_nonnull (strstr (text, "room-test"));
  }
}

static void
run_pending (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static GstElement *
make_pipeline (void)
{
  GstElement *pipeline = gst_parse_launch ("fakesrc ! fakesink", NULL);

  g_assert_nonnull (pipeline);
  gst_object_set_name (GST_OBJECT (pipeline), "room-test");
  return pipeline;
}

static void
test_off (void)
{
  g_autoptr (GstElement) pipeline = make_pipeline ();

  g_unsetenv ("GST_DEBUG_DUMP_DOT_DIR");
  g_assert_null (rc_pipeline_dump_new (pipeline, "r1"));
  g_setenv ("GST_DEBUG_DUMP_DOT_DIR", "", TRUE);
  g_assert_null (rc_pipeline_dump_new (pipeline, "r1"));
  /* Every call is a no-op on NULL. */
  rc_pipeline_dump_request (NULL, "route");
  rc_pipeline_dump_now (NULL, "error");
  rc_pipeline_dump_free (NULL);
  g_setenv ("GST_DEBUG_DUMP_DOT_DIR", dump_dir, TRUE);
  run_pending ();
  assert_dumps ((const char *const[]) { NULL });
}

static void
test_coalesced (void)
{
  g_autoptr (GstElement) pipeline = make_pipeline ();
  /* The room id is kept to [A-Za-z0-9_.-]. */
  RcPipelineDump *dump = rc_pipeline_dump_new (pipeline, "a/b c");

  g_assert_nonnull (dump);
  clear_dumps ();
  /* One main-loop pass: one file, each reason once, in order. */
  rc_pipeline_dump_request (dump, "peer-added");
  rc_pipeline_dump_request (dump, "route");
  rc_pipeline_dump_request (dump, "peer-added");
  assert_dumps ((const char *const[]) { NULL });
  run_pending ();
  assert_dumps ((const char *const[]) { "roomcast-a_b_c-0001-peer-added+route.dot", NULL });
  /* Nothing pending: nothing more. */
  run_pending ();
  assert_dumps ((const char *const[]) { "roomcast-a_b_c-0001-peer-added+route.dot", NULL });
  /* An error is written at once, with what was pending. */
  rc_pipeline_dump_request (dump, "peer-removed");
  rc_pipeline_dump_now (dump, "error");
  assert_dumps ((const char *const[]) { "roomcast-a_b_c-0001-peer-added+route.dot",
                                        "roomcast-a_b_c-0002-peer-removed+error.dot", NULL });
  run_pending ();
  g_assert_cmpuint (count_dumps (), ==, 2);
  /* Freed with a dump pending: written then. */
  rc_pipeline_dump_request (dump, "peer-removed");
  rc_pipeline_dump_free (dump);
  assert_dumps ((const char *const[]) { "roomcast-a_b_c-0001-peer-added+route.dot",
                                        "roomcast-a_b_c-0002-peer-removed+error.dot",
                                        "roomcast-a_b_c-0003-peer-removed.dot", NULL });
  run_pending ();
  g_assert_cmpuint (count_dumps (), ==, 3);
  clear_dumps ();
}

int
main (int argc, char **argv)
{
  int status;

  dump_dir = g_dir_make_tmp ("roomcast-dump-XXXXXX", NULL);
  g_assert_nonnull (dump_dir);
  /* GStreamer reads it in gst_init(), like roomcastd's. */
  g_setenv ("GST_DEBUG_DUMP_DOT_DIR", dump_dir, TRUE);
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/pipeline-dump/off", test_off);
  g_test_add_func ("/pipeline-dump/coalesced", test_coalesced);
  status = g_test_run ();
  g_rmdir (dump_dir);
  g_free (dump_dir);
  return status;
}
