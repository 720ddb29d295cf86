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
#include "config-tls.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <gio/gio.h>

#include "roomcast-build-config.h"

#define RC_GROUP "roomcast"

GQuark
rc_config_error_quark (void)
{
  return g_quark_from_static_string ("rc-config-error-quark");
}

#define settings rc_config_settings
#define N_SETTINGS RC_CONFIG_N_SETTINGS

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
  const char *ownership = raw[find_setting ("ROOM_OWNERSHIP")];

  int bdb = find_setting ("BROADCAST_REDIS_DB");
  int bprefix = find_setting ("BROADCAST_REDIS_PREFIX");

  for (guint i = 0; i < N_SETTINGS; i++)
    ok[i] = ((int) i == bdb || (int) i == bprefix) && raw[i] == NULL
              ? TRUE /* unset: follows REDIS_DB or LARAVEL_REDIS_PREFIX, below */
              : rc_config_parse_setting (&settings[i],
                                         raw[i] ? raw[i] : settings[i].default_value, config,
                                         errors);
  if (raw[bdb] == NULL)
    config->broadcast_redis_db = config->redis_db;
  if (raw[bprefix] == NULL)
    rc_config_set_string (&config->broadcast_redis_prefix, config->laravel_redis_prefix);

  /* --dev runs the hub with credentials of its own unless a key is given. */
  config->dev_pusher_app = config->dev && config->pusher_app_key == NULL;
  if (config->dev_pusher_app) {
    const char *key, *secret;
    dev_pusher_credentials (&key, &secret);
    rc_config_set_string (&config->pusher_app_id, "dev");
    rc_config_set_string (&config->pusher_app_key, key);
    rc_config_set_string (&config->pusher_app_secret, secret);
  }

  /* --dev runs on one machine: its clients' candidates are loopback or
   * private addresses. "KEY=" is unset, as for the other enums. */
  const char *loopback = raw[find_setting ("RTC_ALLOW_LOOPBACK_CANDIDATES")];
  const char *private = raw[find_setting ("RTC_ALLOW_PRIVATE_CANDIDATES")];
  if (loopback == NULL || *loopback == '\0')
    config->rtc_allow_loopback_candidates = config->dev;
  if (private == NULL || *private == '\0')
    config->rtc_allow_private_candidates = config->dev;

  /* JWT_SECRET adds JWTs to Sanctum tokens; it never turns Laravel off
   * (that takes AUTH_PROVIDER=jwt). */
  if (auth == NULL || *auth == '\0')
    config->auth_provider = config->dev
                              ? RC_AUTH_DEV
                              : RC_AUTH_LARAVEL | (config->jwt_secret ? RC_AUTH_JWT : 0);

  /* Rooms belong to the app; only the demo lets any room id be opened. */
  if (ownership == NULL || *ownership == '\0')
    config->room_ownership = config->dev               ? RC_ROOM_OWNERSHIP_OPEN
                             : config->laravel_api_url ? RC_ROOM_OWNERSHIP_LARAVEL
                                                       : RC_ROOM_OWNERSHIP_PINNED;
}

static gboolean
is_loopback (const char *ip)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (ip);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* The hub publishes on private-<@pattern> with {id} replaced by a user id:
 * one {id}, and otherwise the characters of a channel name (hub/hub-auth.h). */
static gboolean
user_channel_valid (const char *pattern)
{
  const char *id = strstr (pattern, "{id}");
  if (!id || strstr (id + 4, "{id}"))
    return FALSE;
  g_autofree char *rest = g_strdup_printf ("%.*s%s", (int) (id - pattern), pattern, id + 4);
  gsize len = strlen (rest);
  return len >= 1 && len <= 60 &&
         strspn (rest,
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-=@,.;") ==
           len;
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
    rc_config_add_error (errors, &settings[find_setting ("WORKER_ID")], config->worker_id,
                         "is not 1-64 letters, digits, '_', '.' or '-'");

  /* Clients are sent there (room_elsewhere): an absolute URL of the node. */
  int public_url = find_setting ("PUBLIC_URL");
  if (ok[public_url] && config->public_url &&
      (!(g_str_has_prefix (config->public_url, "http://") ||
         g_str_has_prefix (config->public_url, "https://") ||
         g_str_has_prefix (config->public_url, "ws://") ||
         g_str_has_prefix (config->public_url, "wss://")) ||
       strpbrk (config->public_url, " \t\r\n\"") != NULL || strlen (config->public_url) > 512))
    rc_config_add_error (errors, &settings[public_url], config->public_url,
                         "is not an http://, https://, ws:// or wss:// URL");
  /* A claim must outlive at least two heartbeats, or one late renewal loses it. */
  int heartbeat = find_setting ("CLUSTER_HEARTBEAT_MS"),
      ttl = find_setting ("CLUSTER_NODE_TTL_MS");
  if (ok[heartbeat] && ok[ttl] &&
      config->cluster_node_ttl_ms < 2 * config->cluster_heartbeat_ms)
    rc_config_add_error (errors, &settings[ttl], raw[ttl] ? raw[ttl] : "6000",
                         "must be at least twice CLUSTER_HEARTBEAT_MS (%u)",
                         config->cluster_heartbeat_ms);

  /* Each entry an address or a CIDR range (src/http/client-ip.c uses them). */
  int proxies = find_setting ("TRUSTED_PROXIES");
  g_auto (GStrv)
    proxy_list = g_strsplit (config->trusted_proxies ? config->trusted_proxies : "", ",", -1);
  for (char **p = proxy_list; ok[proxies] && *p; p++) {
    g_autofree char *entry = g_strstrip (g_strdup (*p));
    g_autoptr (GInetAddressMask)
      mask = *entry ? g_inet_address_mask_new_from_string (entry, NULL) : NULL;
    if (*entry && mask == NULL) {
      rc_config_add_error (errors, &settings[proxies], config->trusted_proxies,
                           "has '%s', which is not an IP address or CIDR range", entry);
      break;
    }
  }

  /* --dev accepts unchecked dev tokens: anyone who reaches it is anyone. */
  int listen = find_setting ("LISTEN_ADDR");
  if (config->dev && !config->dev_remote && ok[listen] && !is_loopback (config->listen_addr))
    rc_config_add_error (
      errors, &settings[listen], config->listen_addr,
      "is not a loopback address, and --dev accepts anyone's dev token: listen on "
      "127.0.0.1 or ::1, or add --dev-remote if every machine that can reach this "
      "address may act as any user");

  int user_channel = find_setting ("BROADCAST_USER_CHANNEL");
  if (ok[user_channel] && !user_channel_valid (config->broadcast_user_channel))
    rc_config_add_error (errors, &settings[user_channel], config->broadcast_user_channel,
                         "is not a channel name with one {id} (and 1-60 of A-Za-z0-9_-=@,.; "
                         "around it), e.g. App.Models.User.{id} or user.{id}");

  /* HTTPS: both files or neither, and usable (config-tls.h). */
  const char *cert = config->tls_cert_file, *key = config->tls_key_file;
  if ((cert == NULL) != (key == NULL))
    rc_config_add_line (errors, "%s: required with %s (set both or neither)",
                        cert ? "TLS_KEY_FILE" : "TLS_CERT_FILE",
                        cert ? "TLS_CERT_FILE" : "TLS_KEY_FILE");
  else if (cert != NULL) {
    g_autoptr (GError) tls_error = NULL;
    g_autoptr (GTlsCertificate) usable = rc_config_load_tls_certificate (cert, key, &tls_error);
    if (usable == NULL)
      rc_config_add_line (errors, "%s", tls_error->message);
  }

  if (ok[min_port] && ok[max_port] && config->rtc_min_port > config->rtc_max_port)
    rc_config_add_error (errors, &settings[min_port],
                         raw[min_port] ? raw[min_port] : settings[min_port].default_value,
                         "is greater than RTC_MAX_PORT (%u)", config->rtc_max_port);

  /* The status call that decides whether a room exists needs Laravel (the
   * laravel auth provider's rule below already names the same settings). */
  int ownership = find_setting ("ROOM_OWNERSHIP");
  if (ok[ownership] && config->room_ownership == RC_ROOM_OWNERSHIP_LARAVEL &&
      !(ok[auth] && config->auth_provider == RC_AUTH_LARAVEL)) {
    if (ok[find_setting ("LARAVEL_API_URL")] && config->laravel_api_url == NULL)
      rc_config_add_line (errors, "LARAVEL_API_URL: required when ROOM_OWNERSHIP is laravel");
    if (ok[find_setting ("LARAVEL_INTERNAL_KEY")] && config->laravel_internal_key == NULL)
      rc_config_add_line (errors,
                          "LARAVEL_INTERNAL_KEY: required when ROOM_OWNERSHIP is laravel");
  }

  if (!ok[auth])
    return;
  if ((config->auth_provider & RC_AUTH_DEV) && config->auth_provider != RC_AUTH_DEV)
    rc_config_add_error (errors, &settings[auth], raw[auth],
                         "cannot combine dev with another provider");
  else if (config->auth_provider == RC_AUTH_DEV && !config->dev)
    rc_config_add_error (errors, &settings[auth], raw[auth], "is only allowed with --dev");
  if (config->auth_provider & RC_AUTH_LARAVEL) {
    /* Also with --dev: an explicit laravel provider cannot work without them;
     * JWT_SECRET alone does not turn Laravel off (parse_all): say how to. */
    const char *hint = (raw[auth] == NULL || *raw[auth] == '\0') && config->jwt_secret
                         ? " (or AUTH_PROVIDER=jwt to accept JWTs only)"
                         : dev_hint;
    if (ok[find_setting ("LARAVEL_API_URL")] && config->laravel_api_url == NULL)
      rc_config_add_line (errors, "LARAVEL_API_URL: required when AUTH_PROVIDER is laravel%s",
                          hint);
    if (ok[find_setting ("LARAVEL_INTERNAL_KEY")] && config->laravel_internal_key == NULL)
      rc_config_add_line (errors,
                          "LARAVEL_INTERNAL_KEY: required when AUTH_PROVIDER is laravel%s",
                          hint);
  }
  if ((config->auth_provider & RC_AUTH_JWT) && ok[find_setting ("JWT_SECRET")] &&
      config->jwt_secret == NULL)
    rc_config_add_line (errors, "JWT_SECRET: required when AUTH_PROVIDER is jwt");
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
      rc_config_add_line (errors, "%s: unknown group [%s] (settings belong in [" RC_GROUP "])",
                          path, *g);
      continue;
    }
    keys = g_key_file_get_keys (kf, *g, NULL, NULL);
    for (char **k = keys; *k != NULL; k++) {
      int i = find_key (*k);
      char *value;

      /* A typo would otherwise silently leave the default in place. */
      if (i < 0) {
        rc_config_add_line (errors, "%s: unknown key '%s' in [" RC_GROUP "]", path, *k);
        continue;
      }
      /* On a bad escape GLib returns a string *and* sets the error. */
      value = g_key_file_get_string (kf, RC_GROUP, *k, &local);
      if (local != NULL) {
        /* Our own words: GLib's could quote a secret value. */
        rc_config_add_line (errors, "%s: the value of '%s' has an invalid escape sequence",
                            path, *k);
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
      rc_config_add_line (errors, "%s: unknown setting", (const char *) key);
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
