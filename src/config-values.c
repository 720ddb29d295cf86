/* roomcast: reading one setting's value, kind by kind (config-private.h);
 * config.c gathers the raw values and checks the rules between settings.
 */
#include "config-private.h"

#include <string.h>

#include <gio/gio.h>

/* "error" maps to CRITICAL, not ERROR: in GLib G_LOG_LEVEL_ERROR aborts the
 * process, so g_critical() is how a recoverable error is reported. */
static const struct {
  const char *name;
  const char *canonical;
  GLogLevelFlags level;
} log_levels[] = {
  { "error", "error", G_LOG_LEVEL_CRITICAL }, { "warn", "warn", G_LOG_LEVEL_WARNING },
  { "warning", "warn", G_LOG_LEVEL_WARNING }, { "info", "info", G_LOG_LEVEL_INFO },
  { "debug", "debug", G_LOG_LEVEL_DEBUG },
};

void
rc_config_add_line (GPtrArray *errors, const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  g_ptr_array_add (errors, g_strdup_vprintf (fmt, args));
  va_end (args);
}

void
rc_config_add_error (GPtrArray *errors, const Setting *s, const char *value, const char *fmt,
                     ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, fmt);
  why = g_strdup_vprintf (fmt, args);
  va_end (args);
  if (s->secret)
    rc_config_add_line (errors, "%s: <redacted> %s", s->name, why);
  else
    rc_config_add_line (errors, "%s: '%s' %s", s->name, value ? value : "", why);
}

void
rc_config_set_string (char **field, const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* g_ascii_string_to_unsigned() refuses empty strings, signs, blanks,
 * trailing garbage and overflow, which is exactly what a count or a port
 * must refuse. */
static gboolean
parse_uint (const char *value, guint min, guint max, guint *out)
{
  guint64 v;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, min, max, &v, NULL))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
uri_has_extras (GUri *uri)
{
  return g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL ||
         g_uri_get_fragment (uri) != NULL;
}

static gboolean
parse_url (const Setting *s, const char *value, char **field, GPtrArray *errors)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme, *host;
  gsize len;

  if (value == NULL) {
    rc_config_set_string (field, NULL);
    return TRUE;
  }
  uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  host = uri ? g_uri_get_host (uri) : NULL;
  /* Credentials in the URL would be printed by the dump and in logs; the
   * internal key travels in a header instead. */
  if (uri == NULL || host == NULL || *host == '\0' || uri_has_extras (uri) ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)) {
    rc_config_add_error (errors, s, value,
                         "is not an absolute http(s) URL (no credentials, query or fragment)");
    return FALSE;
  }
  /* Callers append endpoint paths ("/api/..."); a trailing '/' would double it. */
  len = strlen (value);
  while (len > 0 && value[len - 1] == '/')
    len--;
  g_free (*field);
  *field = g_strndup (value, len);
  return TRUE;
}

/* One ICE server URL as webrtcbin takes it: stun://host[:port] (@turn FALSE)
 * or turn(s)://user:password@host[:port][?transport=udp|tcp] (@turn TRUE). */
static gboolean
is_ice_url (const char *item, gboolean turn)
{
  g_autoptr (GUri) uri = g_uri_parse (item, G_URI_FLAGS_NONE, NULL);
  const char *scheme, *host, *user, *query;

  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  user = g_uri_get_userinfo (uri);
  query = g_uri_get_query (uri);
  if (host == NULL || *host == '\0' || *g_uri_get_path (uri) != '\0' ||
      g_uri_get_fragment (uri) != NULL)
    return FALSE;
  if (!turn)
    return g_ascii_strcasecmp (scheme, "stun") == 0 && user == NULL && query == NULL;
  return (g_ascii_strcasecmp (scheme, "turn") == 0 ||
          g_ascii_strcasecmp (scheme, "turns") == 0) &&
         user != NULL && strchr (user, ':') != NULL && user[0] != ':' &&
         (query == NULL || strcmp (query, "transport=udp") == 0 ||
          strcmp (query, "transport=tcp") == 0);
}

/* Stored as given (comma separated, blanks removed); webrtcbin parses the
 * URLs again. Errors name the position, never the URL: TURN URLs hold a
 * password. */
static gboolean
parse_ice_urls (const Setting *s, const char *value, char **field, GPtrArray *errors)
{
  g_auto (GStrv) parts = NULL;
  g_autoptr (GPtrArray) list = NULL;
  gboolean turn = s->min == 1;

  rc_config_set_string (field, NULL);
  if (value == NULL)
    return TRUE;
  parts = g_strsplit (value, ",", -1);
  list = g_ptr_array_new ();
  for (char **p = parts; *p != NULL; p++) {
    const char *item = g_strstrip (*p);

    if (*item == '\0')
      continue;
    if (!is_ice_url (item, turn)) {
      rc_config_add_error (errors, s, value, "item %u is not a %s URL", list->len + 1,
                           turn ? "turn(s)://user:password@host[:port][?transport=udp|tcp]"
                                : "stun://host[:port]");
      return FALSE;
    }
    g_ptr_array_add (list, (gpointer) item);
  }
  if (list->len > s->max) {
    rc_config_add_error (errors, s, value, "has more than %u URL%s", s->max,
                         s->max == 1 ? "" : "s");
    return FALSE;
  }
  if (list->len > 0) {
    g_ptr_array_add (list, NULL);
    *field = g_strjoinv (",", (char **) list->pdata);
  }
  return TRUE;
}

static gboolean
parse_ip (const Setting *s, const char *value, char **field, GPtrArray *errors)
{
  g_autoptr (GInetAddress) addr = NULL;

  if (value != NULL && (addr = g_inet_address_new_from_string (value)) == NULL) {
    rc_config_add_error (errors, s, value, "is not an IP address");
    return FALSE;
  }
  rc_config_set_string (field, value);
  return TRUE;
}

/* An Origin header is exactly scheme://host[:port]; anything with a path
 * (even a trailing '/') could never match one, so it is refused here. */
static gboolean
is_origin (const char *item)
{
  g_autoptr (GUri) uri = NULL;
  const char *host;

  if (strcmp (item, "*") == 0)
    return TRUE;
  uri = g_uri_parse (item, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;
  host = g_uri_get_host (uri);
  return host != NULL && *host != '\0' && *g_uri_get_path (uri) == '\0' &&
         !uri_has_extras (uri);
}

static gboolean
parse_origins (const Setting *s, const char *value, char ***field, GPtrArray *errors)
{
  g_auto (GStrv) parts = NULL;
  g_autoptr (GPtrArray) list = NULL;

  g_clear_pointer (field, g_strfreev);
  if (value == NULL)
    return TRUE;
  parts = g_strsplit (value, ",", -1);
  list = g_ptr_array_new_with_free_func (g_free);
  for (char **p = parts; *p != NULL; p++) {
    const char *item = g_strstrip (*p);

    if (*item == '\0')
      continue; /* tolerate "a,,b" and a trailing comma */
    if (!is_origin (item)) {
      rc_config_add_error (errors, s, value,
                           "is not a list of origins: '%s' is neither \"*\" nor "
                           "scheme://host[:port]",
                           item);
      return FALSE;
    }
    g_ptr_array_add (list, g_strdup (item));
  }
  if (list->len > 0) {
    g_ptr_array_add (list, NULL);
    *field = (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
  }
  return TRUE;
}

static gboolean
parse_log_level (const Setting *s, const char *value, RcConfig *config, GPtrArray *errors)
{
  for (guint i = 0; i < G_N_ELEMENTS (log_levels); i++)
    if (g_ascii_strcasecmp (value, log_levels[i].name) == 0) {
      config->log_level = log_levels[i].level;
      rc_config_set_string (&config->log_level_name, log_levels[i].canonical);
      return TRUE;
    }
  rc_config_add_error (errors, s, value, "is not a log level (error, warn, info, debug)");
  return FALSE;
}

static gboolean
parse_enum (const Setting *s, const char *value, int *field, GPtrArray *errors)
{
  g_autoptr (GString) names = NULL;

  if (value == NULL)
    return TRUE; /* left for the caller to default */
  for (const Choice *c = s->choices; c->name != NULL; c++)
    if (g_ascii_strcasecmp (value, c->name) == 0) {
      *field = c->value;
      return TRUE;
    }
  names = g_string_new (NULL);
  for (const Choice *c = s->choices; c->name != NULL; c++)
    g_string_append_printf (names, "%s%s", names->len ? ", " : "", c->name);
  rc_config_add_error (errors, s, value, "is not one of %s", names->str);
  return FALSE;
}

/* "a,b": the OR of the named choices; blanks around names are allowed. */
static gboolean
parse_flags (const Setting *s, const char *value, int *field, GPtrArray *errors)
{
  g_auto (GStrv) parts = NULL;
  g_autoptr (GString) names = NULL;
  int flags = 0;

  if (value == NULL)
    return TRUE; /* left for the caller to default */
  parts = g_strsplit (value, ",", -1);
  for (char **p = parts; *p != NULL; p++) {
    const char *item = g_strstrip (*p);
    const Choice *c = s->choices;

    while (c->name != NULL && g_ascii_strcasecmp (item, c->name) != 0)
      c++;
    if (c->name == NULL)
      goto invalid;
    flags |= c->value;
  }
  *field = flags;
  return TRUE;

invalid:
  names = g_string_new (NULL);
  for (const Choice *c = s->choices; c->name != NULL; c++)
    g_string_append_printf (names, "%s%s", names->len ? ", " : "", c->name);
  rc_config_add_error (errors, s, value, "is not a comma separated list of %s", names->str);
  return FALSE;
}

gboolean
rc_config_parse_setting (const Setting *s, const char *value, RcConfig *config,
                         GPtrArray *errors)
{
  gpointer field = G_STRUCT_MEMBER_P (config, s->offset);

  /* As in a .env file, "KEY=" means "not set" for text-like settings (but
   * for a prefix, where empty is a value). A number has no such reading, so
   * an empty one is an error below. */
  if (value != NULL && *value == '\0' && !s->keep_empty && s->kind != KIND_UINT &&
      s->kind != KIND_PORT && s->kind != KIND_LISTEN_PORT)
    value = s->default_value;

  switch (s->kind) {
  case KIND_STRING:
    if (value != NULL && strlen (value) < s->min) {
      rc_config_add_error (errors, s, value, "is shorter than %u characters", s->min);
      return FALSE;
    }
    rc_config_set_string (field, value);
    return TRUE;
  case KIND_UINT:
    if (parse_uint (value, s->min, s->max, field))
      return TRUE;
    rc_config_add_error (errors, s, value, "is not a whole number in %u-%u", s->min, s->max);
    return FALSE;
  case KIND_PORT:
    if (parse_uint (value, 1, 65535, field))
      return TRUE;
    rc_config_add_error (errors, s, value, "is not a port number (1-65535)");
    return FALSE;
  case KIND_LISTEN_PORT:
    if (parse_uint (value, 0, 65535, field))
      return TRUE;
    rc_config_add_error (errors, s, value,
                         "is not a port number (1-65535, or 0 for any free port)");
    return FALSE;
  case KIND_URL:
    return parse_url (s, value, field, errors);
  case KIND_IP:
    return parse_ip (s, value, field, errors);
  case KIND_LOG_LEVEL:
    return parse_log_level (s, value, config, errors);
  case KIND_ORIGINS:
    return parse_origins (s, value, field, errors);
  case KIND_ENUM:
    return parse_enum (s, value, field, errors);
  case KIND_FLAGS:
    return parse_flags (s, value, field, errors);
  case KIND_IGNORED:
    return TRUE;
  case KIND_ICE_URLS:
    return parse_ice_urls (s, value, field, errors);
  }
  g_assert_not_reached ();
}
