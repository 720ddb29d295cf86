/* roomcast: helpers shared by the configuration tests. */
#include "config-test-util.h"

#include <glib/gstdio.h>

/* An environment from NAME, value pairs, NULL-terminated. */
char **
env_of (const char *first, ...)
{
  char **env = g_new0 (char *, 1);
  va_list args;

  va_start (args, first);
  for (const char *name = first; name != NULL; name = va_arg (args, const char *))
    env = g_environ_setenv (env, name, va_arg (args, const char *), TRUE);
  va_end (args);
  return env;
}

/* Overrides (CLI flags) from NAME, value pairs, NULL-terminated. */
GHashTable *
overrides_of (const char *first, ...)
{
  GHashTable *table = g_hash_table_new (g_str_hash, g_str_equal);
  va_list args;

  va_start (args, first);
  for (const char *name = first; name != NULL; name = va_arg (args, const char *))
    g_hash_table_insert (table, (gpointer) name, (gpointer) va_arg (args, const char *));
  va_end (args);
  return table;
}

/* A temporary key file holding @contents; g_unlink() and g_free() it. */
char *
write_conf (const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("roomcast-test-XXXXXX.conf", &path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  g_close (fd, NULL);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

RcConfig *
load_ok (gboolean dev, const char *path, char **env, GHashTable *overrides)
{
  g_autoptr(RcConfig) config = rc_config_new ();
  g_autoptr(GError) error = NULL;
  gboolean loaded;

  config->dev = dev;
  loaded = rc_config_load (config, path, (const char * const *) env, overrides, &error);

  g_assert_no_error (error); /* first, so a failure shows the message */
  g_assert_true (loaded);
  return g_steal_pointer (&config);
}

/* Loads expecting RC_CONFIG_ERROR_INVALID; returns the message. */
char *
load_error (gboolean dev, const char *path, char **env, GHashTable *overrides)
{
  g_autoptr(RcConfig) config = rc_config_new ();
  g_autoptr(GError) error = NULL;

  config->dev = dev;
  g_assert_false (rc_config_load (config, path, (const char * const *) env, overrides, &error));
  g_assert_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_INVALID);
  return g_strdup (error->message);
}

/* The single error line a dev-mode load of NAME=value produces. */
char *
env_error (const char *name, const char *value)
{
  g_auto(GStrv) env = env_of (name, value, NULL);
  g_autofree char *message = load_error (TRUE, NULL, env, NULL);

  g_assert_null (strchr (message, '\n'));
  return g_steal_pointer (&message);
}

