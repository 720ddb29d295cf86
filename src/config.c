/* roomcast: daemon configuration, see config.h.
 *
 * One static table describes every setting. Loading gathers one raw string
 * per setting from the key file, then the environment, then the CLI
 * overrides (a later source replaces an earlier one), then parses and
 * validates all of them into a fresh RcConfig. Every problem is collected
 * before failing, so an operator fixes a broken .env in one pass rather than
 * one restart per typo. The caller's RcConfig is only replaced on success.
 */
#include "config-private.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <gio/gio.h>

#include "roomcast-build-config.h"

#define RC_GROUP "roomcast"

G_DEFINE_QUARK (rc - config - error - quark, rc_config_error)

#define settings rc_config_settings
#define N_SETTINGS RC_CONFIG_N_SETTINGS

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

static int
find_setting (const char *name)
{
  for (guint i = 0; i < N_SETTINGS; i++)
    if (strcmp (settings[i].name, name) == 0)
      return (int) i;
  return -1;
}

/* Key-file keys are the setting names in lower case; aliases are accepted
 * in the environment only, where the Node audio server's .env puts them. */
static int
find_key (const char *key)
{
  for (guint i = 0; i < N_SETTINGS; i++) {
    g_autofree char *lower = g_ascii_strdown (settings[i].name, -1);
    if (strcmp (lower, key) == 0)
      return (int) i;
  }
  return -1;
}

static void G_GNUC_PRINTF (2, 3) add_line (GPtrArray *errors, const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  g_ptr_array_add (errors, g_strdup_vprintf (fmt, args));
  va_end (args);
}

/* Records "NAME: 'value' <why>"; a secret's value is replaced so it can
 * never reach a log or a terminal through an error message. */
static void G_GNUC_PRINTF (4, 5)
  add_error (GPtrArray *errors, const Setting *s, const char *value, const char *fmt, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, fmt);
  why = g_strdup_vprintf (fmt, args);
  va_end (args);
  if (s->secret)
    add_line (errors, "%s: <redacted> %s", s->name, why);
  else
    add_line (errors, "%s: '%s' %s", s->name, value ? value : "", why);
}

static void
set_string (char **field, const char *value)
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
    set_string (field, NULL);
    return TRUE;
  }
  uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  host = uri ? g_uri_get_host (uri) : NULL;
  /* Credentials in the URL would be printed by the dump and in logs; the
   * internal key travels in a header instead. */
  if (uri == NULL || host == NULL || *host == '\0' || uri_has_extras (uri) ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)) {
    add_error (errors, s, value,
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

  set_string (field, NULL);
  if (value == NULL)
    return TRUE;
  parts = g_strsplit (value, ",", -1);
  list = g_ptr_array_new ();
  for (char **p = parts; *p != NULL; p++) {
    const char *item = g_strstrip (*p);

    if (*item == '\0')
      continue;
    if (!is_ice_url (item, turn)) {
      add_error (errors, s, value, "item %u is not a %s URL", list->len + 1,
                 turn ? "turn(s)://user:password@host[:port][?transport=udp|tcp]"
                      : "stun://host[:port]");
      return FALSE;
    }
    g_ptr_array_add (list, (gpointer) item);
  }
  if (list->len > s->max) {
    add_error (errors, s, value, "has more than %u URL%s", s->max, s->max == 1 ? "" : "s");
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
    add_error (errors, s, value, "is not an IP address");
    return FALSE;
  }
  set_string (field, value);
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
      add_error (errors, s, value,
                 "is not a list of origins: '%s' is neither \"*\" nor scheme://host[:port]",
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
      set_string (&config->log_level_name, log_levels[i].canonical);
      return TRUE;
    }
  add_error (errors, s, value, "is not a log level (error, warn, info, debug)");
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
  add_error (errors, s, value, "is not one of %s", names->str);
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
  add_error (errors, s, value, "is not a comma separated list of %s", names->str);
  return FALSE;
}

/* Parses @value (NULL = unset) into @config; FALSE after adding an error. */
static gboolean
parse_setting (const Setting *s, const char *value, RcConfig *config, GPtrArray *errors)
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
      add_error (errors, s, value, "is shorter than %u characters", s->min);
      return FALSE;
    }
    set_string (field, value);
    return TRUE;
  case KIND_UINT:
    if (parse_uint (value, s->min, s->max, field))
      return TRUE;
    add_error (errors, s, value, "is not a whole number in %u-%u", s->min, s->max);
    return FALSE;
  case KIND_PORT:
    if (parse_uint (value, 1, 65535, field))
      return TRUE;
    add_error (errors, s, value, "is not a port number (1-65535)");
    return FALSE;
  case KIND_LISTEN_PORT:
    if (parse_uint (value, 0, 65535, field))
      return TRUE;
    add_error (errors, s, value, "is not a port number (1-65535, or 0 for any free port)");
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

/* @n_bytes of the kernel's randomness in hex: for --dev's Pusher app, whose
 * secret signs private-channel auth and HTTP API calls. */
static char *
random_hex (gsize n_bytes)
{
  guint8 bytes[32];
  GString *hex = g_string_new (NULL);

  g_assert (n_bytes <= sizeof bytes);
  if (getrandom (bytes, n_bytes, 0) != (gssize) n_bytes)
    g_error ("getrandom: %s", g_strerror (errno));
  for (gsize i = 0; i < n_bytes; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

/* --dev's Pusher app key and secret: drawn once per process, so a reload
 * (SIGHUP) keeps them, and never a published constant. */
static void
dev_pusher_credentials (const char **key, const char **secret)
{
  static char *dev_key, *dev_secret;

  /* Configuration is loaded on the main thread only. */
  if (dev_secret == NULL) {
    g_autofree char *k = random_hex (8);
    dev_key = g_strconcat ("dev-", k, NULL);
    dev_secret = random_hex (16);
  }
  *key = dev_key;
  *secret = dev_secret;
}

/* Parses every setting (raw value, else the table default) into @config,
 * recording in @ok which ones were valid. */
static void
parse_all (RcConfig *config, const char *const *raw, gboolean *ok, GPtrArray *errors)
{
  const char *auth = raw[find_setting ("AUTH_PROVIDER")];

  int bdb = find_setting ("BROADCAST_REDIS_DB");
  int bprefix = find_setting ("BROADCAST_REDIS_PREFIX");

  for (guint i = 0; i < N_SETTINGS; i++)
    ok[i] = ((int) i == bdb || (int) i == bprefix) && raw[i] == NULL
              ? TRUE /* unset: follows REDIS_DB or LARAVEL_REDIS_PREFIX, below */
              : parse_setting (&settings[i], raw[i] ? raw[i] : settings[i].default_value,
                               config, errors);
  if (raw[bdb] == NULL)
    config->broadcast_redis_db = config->redis_db;
  if (raw[bprefix] == NULL)
    set_string (&config->broadcast_redis_prefix, config->laravel_redis_prefix);

  /* --dev runs the hub with credentials of its own unless a key is given. */
  config->dev_pusher_app = config->dev && config->pusher_app_key == NULL;
  if (config->dev_pusher_app) {
    const char *key, *secret;
    dev_pusher_credentials (&key, &secret);
    set_string (&config->pusher_app_id, "dev");
    set_string (&config->pusher_app_key, key);
    set_string (&config->pusher_app_secret, secret);
  }

  /* JWT_SECRET adds JWTs to Sanctum tokens; it never turns Laravel off
   * (that takes AUTH_PROVIDER=jwt). */
  if (auth == NULL || *auth == '\0')
    config->auth_provider = config->dev
                              ? RC_AUTH_DEV
                              : RC_AUTH_LARAVEL | (config->jwt_secret ? RC_AUTH_JWT : 0);
}

static gboolean
is_loopback (const char *ip)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (ip);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* Rules between settings; a rule is skipped when a setting it reads was
 * itself invalid, since that is already reported. */
static void
cross_check (const RcConfig *config, const char *const *raw, const gboolean *ok,
             GPtrArray *errors)
{
  int min_port = find_setting ("RTC_MIN_PORT"), max_port = find_setting ("RTC_MAX_PORT");
  int auth = find_setting ("AUTH_PROVIDER");
  const char *dev_hint = config->dev ? "" : " (or run with --dev)";

  /* The worker id becomes part of a Redis key: keep it a plain token. */
  if (ok[find_setting ("WORKER_ID")] &&
      (strlen (config->worker_id) > 64 ||
       strspn (config->worker_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789_.-") != strlen (config->worker_id)))
    add_error (errors, &settings[find_setting ("WORKER_ID")], config->worker_id,
               "is not 1-64 letters, digits, '_', '.' or '-'");

  /* --dev accepts unchecked dev tokens: anyone who reaches it is anyone. */
  int listen = find_setting ("LISTEN_ADDR");
  if (config->dev && !config->dev_remote && ok[listen] && !is_loopback (config->listen_addr))
    add_error (errors, &settings[listen], config->listen_addr,
               "is not a loopback address, and --dev accepts anyone's dev token: listen on "
               "127.0.0.1 or ::1, or add --dev-remote if every machine that can reach this "
               "address may act as any user");

  if (ok[min_port] && ok[max_port] && config->rtc_min_port > config->rtc_max_port)
    add_error (errors, &settings[min_port],
               raw[min_port] ? raw[min_port] : settings[min_port].default_value,
               "is greater than RTC_MAX_PORT (%u)", config->rtc_max_port);

  if (!ok[auth])
    return;
  if ((config->auth_provider & RC_AUTH_DEV) && config->auth_provider != RC_AUTH_DEV)
    add_error (errors, &settings[auth], raw[auth], "cannot combine dev with another provider");
  else if (config->auth_provider == RC_AUTH_DEV && !config->dev)
    add_error (errors, &settings[auth], raw[auth], "is only allowed with --dev");
  if (config->auth_provider & RC_AUTH_LARAVEL) {
    /* Also with --dev: an explicit laravel provider cannot work without them;
     * JWT_SECRET alone does not turn Laravel off (parse_all): say how to. */
    const char *hint = (raw[auth] == NULL || *raw[auth] == '\0') && config->jwt_secret
                         ? " (or AUTH_PROVIDER=jwt to accept JWTs only)"
                         : dev_hint;
    if (ok[find_setting ("LARAVEL_API_URL")] && config->laravel_api_url == NULL)
      add_line (errors, "LARAVEL_API_URL: required when AUTH_PROVIDER is laravel%s", hint);
    if (ok[find_setting ("LARAVEL_INTERNAL_KEY")] && config->laravel_internal_key == NULL)
      add_line (errors, "LARAVEL_INTERNAL_KEY: required when AUTH_PROVIDER is laravel%s", hint);
  }
  if ((config->auth_provider & RC_AUTH_JWT) && ok[find_setting ("JWT_SECRET")] &&
      config->jwt_secret == NULL)
    add_line (errors, "JWT_SECRET: required when AUTH_PROVIDER is jwt");
}

static gboolean
read_key_file (const char *path, const char **raw, GPtrArray *owned, GPtrArray *errors,
               GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local)) {
    g_set_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_FILE, "%s: %s", path, local->message);
    return FALSE;
  }
  groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g != NULL; g++) {
    g_auto (GStrv) keys = NULL;

    if (strcmp (*g, RC_GROUP) != 0) {
      add_line (errors, "%s: unknown group [%s] (settings belong in [" RC_GROUP "])", path, *g);
      continue;
    }
    keys = g_key_file_get_keys (kf, *g, NULL, NULL);
    for (char **k = keys; *k != NULL; k++) {
      int i = find_key (*k);
      char *value;

      /* A typo would otherwise silently leave the default in place. */
      if (i < 0) {
        add_line (errors, "%s: unknown key '%s' in [" RC_GROUP "]", path, *k);
        continue;
      }
      /* On a bad escape GLib returns a string *and* sets the error. */
      value = g_key_file_get_string (kf, RC_GROUP, *k, &local);
      if (local != NULL) {
        /* Our own words: GLib's could quote a secret value. */
        add_line (errors, "%s: the value of '%s' has an invalid escape sequence", path, *k);
        g_clear_error (&local);
        g_free (value);
        continue;
      }
      g_ptr_array_add (owned, value);
      raw[i] = value;
    }
  }
  return TRUE;
}

static void
read_environment (const char *const *envp, const char **raw)
{
  if (envp == NULL)
    return;
  for (guint i = 0; i < N_SETTINGS; i++) {
    /* The canonical name wins: it is the one our own docs tell people to set. */
    const char *value = g_environ_getenv ((char **) envp, settings[i].name);

    if (value == NULL && settings[i].alias != NULL)
      value = g_environ_getenv ((char **) envp, settings[i].alias);
    if (value != NULL)
      raw[i] = value;
  }
}

static void
read_overrides (GHashTable *overrides, const char **raw, GPtrArray *errors)
{
  GHashTableIter iter;
  gpointer key, value;

  if (overrides == NULL)
    return;
  g_hash_table_iter_init (&iter, overrides);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    int i = find_setting (key);

    if (i < 0)
      add_line (errors, "%s: unknown setting", (const char *) key);
    else if (value != NULL)
      raw[i] = value;
  }
}

static void
config_clear (RcConfig *config)
{
  for (guint i = 0; i < N_SETTINGS; i++) {
    Kind kind = settings[i].kind;
    gpointer field = G_STRUCT_MEMBER_P (config, settings[i].offset);

    if (kind == KIND_STRING || kind == KIND_URL || kind == KIND_IP || kind == KIND_ICE_URLS)
      g_clear_pointer ((char **) field, g_free);
    else if (kind == KIND_ORIGINS)
      g_clear_pointer ((char ***) field, g_strfreev);
  }
  g_clear_pointer (&config->log_level_name, g_free);
}

RcConfig *
rc_config_new (void)
{
  RcConfig *config = g_new0 (RcConfig, 1);
  const char *raw[N_SETTINGS] = { NULL };
  gboolean ok[N_SETTINGS];
  g_autoptr (GPtrArray) errors = g_ptr_array_new_with_free_func (g_free);

  parse_all (config, raw, ok, errors);
  g_assert (errors->len == 0); /* the table's defaults must be valid */
  return config;
}

void
rc_config_free (RcConfig *config)
{
  if (config == NULL)
    return;
  config_clear (config);
  g_free (config);
}

gboolean
rc_config_load (RcConfig *config, const char *path, const char *const *envp,
                GHashTable *overrides, GError **error)
{
  const char *raw[N_SETTINGS] = { NULL };
  gboolean ok[N_SETTINGS];
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) errors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (RcConfig) next = NULL;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (path != NULL && !read_key_file (path, raw, owned, errors, error))
    return FALSE;
  read_environment (envp, raw);
  read_overrides (overrides, raw, errors);

  next = g_new0 (RcConfig, 1);
  next->dev = config->dev;
  next->dev_remote = config->dev_remote;
  parse_all (next, raw, ok, errors);
  cross_check (next, raw, ok, errors);

  if (errors->len > 0) {
    g_autofree char *message = NULL;

    g_ptr_array_add (errors, NULL);
    message = g_strjoinv ("\n", (char **) errors->pdata);
    g_set_error_literal (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_INVALID, message);
    return FALSE;
  }

  /* Swap the new values in; the old ones are freed with the shell. */
  config_clear (config);
  *config = *next;
  g_free (g_steal_pointer (&next));
  return TRUE;
}

/* The value of one setting as the dump shows it (secrets redacted). */
static void
append_value (GString *out, const RcConfig *config, const Setting *s)
{
  gconstpointer field = G_STRUCT_MEMBER_P (config, s->offset);

  if (s->secret) {
    g_string_append (out, *(char *const *) field ? "<redacted>" : "<unset>");
    return;
  }
  switch (s->kind) {
  case KIND_STRING:
  case KIND_URL:
  case KIND_IP:
  case KIND_ICE_URLS:
    if (*(char *const *) field != NULL)
      g_string_append (out, *(char *const *) field);
    break;
  case KIND_UINT:
  case KIND_PORT:
  case KIND_LISTEN_PORT:
    g_string_append_printf (out, "%u", *(const guint *) field);
    break;
  case KIND_LOG_LEVEL:
    g_string_append (out, config->log_level_name);
    break;
  case KIND_ORIGINS:
    if (*(char **const *) field != NULL) {
      g_autofree char *joined = g_strjoinv (",", *(char **const *) field);
      g_string_append (out, joined);
    }
    break;
  case KIND_ENUM:
    /* The first name of a value is its canonical one (true, not yes). */
    for (const Choice *c = s->choices; c->name != NULL; c++)
      if (c->value == *(const int *) field) {
        g_string_append (out, c->name);
        break;
      }
    break;
  case KIND_FLAGS: {
    gsize start = out->len;
    for (const Choice *c = s->choices; c->name != NULL; c++)
      if (*(const int *) field & c->value)
        g_string_append_printf (out, "%s%s", out->len > start ? "," : "", c->name);
    break;
  }
  case KIND_IGNORED:
    break;
  }
}

char *
rc_config_dump (const RcConfig *config)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (config != NULL, NULL);

  for (guint i = 0; i < N_SETTINGS; i++) {
    if (settings[i].kind == KIND_IGNORED)
      continue;
    g_string_append_printf (out, "%s=", settings[i].name);
    append_value (out, config, &settings[i]);
    g_string_append_c (out, '\n');
  }
  return g_string_free (out, FALSE);
}

/* Copy one reloadable setting's field from @from into @to. */
static void
copy_field (RcConfig *to, const RcConfig *from, const Setting *s)
{
  gpointer dst = G_STRUCT_MEMBER_P (to, s->offset);
  gconstpointer src = G_STRUCT_MEMBER_P (from, s->offset);

  switch (s->kind) {
  case KIND_ORIGINS:
    g_strfreev (*(char ***) dst);
    *(char ***) dst = g_strdupv (*(char **const *) src);
    break;
  case KIND_LOG_LEVEL:
    to->log_level = from->log_level;
    g_free (to->log_level_name);
    to->log_level_name = g_strdup (from->log_level_name);
    break;
  case KIND_UINT:
    *(guint *) dst = *(const guint *) src;
    break;
  default:
    g_assert_not_reached (); /* only the kinds above are marked reloadable */
  }
}

gboolean
rc_config_reload (RcConfig *live, const RcConfig *fresh, char **reloaded, char **needs_restart)
{
  g_autoptr (GPtrArray) applied = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (live != NULL && fresh != NULL, FALSE);

  for (guint i = 0; i < N_SETTINGS; i++) {
    const Setting *s = &settings[i];
    g_autoptr (GString) before = g_string_new (NULL);
    g_autoptr (GString) after = g_string_new (NULL);

    if (s->kind == KIND_IGNORED)
      continue;
    append_value (before, live, s);
    append_value (after, fresh, s);
    /* Secrets compare equal when both are set; compare them for real. */
    if (s->secret) {
      const char *a = G_STRUCT_MEMBER (const char *, live, s->offset);
      const char *b = G_STRUCT_MEMBER (const char *, fresh, s->offset);
      if (g_strcmp0 (a, b) != 0)
        g_ptr_array_add (pending, g_strdup (s->name));
      continue;
    }
    if (g_str_equal (before->str, after->str))
      continue;
    if (s->reloadable) {
      copy_field (live, fresh, s);
      g_ptr_array_add (applied, g_strdup_printf ("%s=%s", s->name, after->str));
    } else
      g_ptr_array_add (pending, g_strdup (s->name));
  }
  g_ptr_array_add (applied, NULL);
  g_ptr_array_add (pending, NULL);
  if (reloaded)
    *reloaded = g_strjoinv (", ", (char **) applied->pdata);
  if (needs_restart)
    *needs_restart = g_strjoinv (", ", (char **) pending->pdata);
  return applied->len > 1;
}

gboolean
rc_config_origin_allowed (const RcConfig *config, const char *origin)
{
  g_return_val_if_fail (config != NULL, FALSE);

  if (config->cors_origins == NULL || config->cors_origins[0] == NULL)
    return TRUE;
  /* Entries are validated as scheme://host[:port]; every part of that is
   * case-insensitive (the port is digits), so comparing the whole string
   * ignoring ASCII case is the same as comparing scheme and host so. */
  for (char **p = config->cors_origins; *p != NULL; p++)
    if (strcmp (*p, "*") == 0 || (origin != NULL && g_ascii_strcasecmp (*p, origin) == 0))
      return TRUE;
  return FALSE;
}
