/* roomcast: unit tests of the configuration's key files: errors, a sample
 * file, the Node audio server's .env, and the shipped data/roomcast.conf. */
#include "config.h"
#include "config-test-util.h"
#include "roomcast-build-config.h"

#include <string.h>

#include <glib/gstdio.h>

static void
test_file_errors (void)
{
  g_autofree char *typo = write_conf ("[roomcast]\nprot=3030\nPORT=3030\n[server]\nport=1\n");
  g_autofree char *escape = write_conf ("[roomcast]\nredis_password=" SECRET "\\q\n");
  g_autofree char *no_group = write_conf ("port=3030\n");
  g_autofree char *dir = g_dir_make_tmp ("roomcast-test-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "absent.conf", NULL);
  g_autofree char *typo_msg = load_error (TRUE, typo, NULL, NULL);
  g_autofree char *escape_msg = load_error (TRUE, escape, NULL, NULL);
  g_autoptr(RcConfig) config = rc_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf (
    "%s: unknown key 'prot' in [roomcast]\n%s: unknown key 'PORT' in [roomcast]\n"
    "%s: unknown group [server] (settings belong in [roomcast])", typo, typo, typo);

  g_assert_cmpstr (typo_msg, ==, expected);
  g_assert_null (strstr (escape_msg, SECRET));
  g_assert_nonnull (strstr (escape_msg, "'redis_password' has an invalid escape sequence"));

  g_assert_false (rc_config_load (config, missing, NULL, NULL, &error));
  g_assert_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_FILE);
  g_assert_true (g_str_has_prefix (error->message, missing));
  g_clear_error (&error);

  g_assert_false (rc_config_load (config, no_group, NULL, NULL, &error));
  g_assert_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_FILE);

  g_unlink (typo);
  g_unlink (escape);
  g_unlink (no_group);
  g_rmdir (dir);
}

static void
test_file_sample (void)
{
  g_autofree char *path = write_conf (
    "# production sample\n"
    "[roomcast]\n"
    "listen_addr = 0.0.0.0\n"
    "port=8080\n"
    "log_level=warning\n"
    "cors_origins=https://app.flylive.app,https://www.flylive.app\n"
    "node_env=production\n"
    "auth_provider=laravel\n"
    "redis_host=redis.internal\n"
    "redis_db=3\n"
    "redis_password=" SECRET "\n"
    "laravel_api_url=https://api.flylive.app/\n"
    "laravel_internal_key=" SECRET "\n"
    "max_clients_per_room=200\n"
    "sio_max_payload=65536\n"
    "rtc_announced_ip=203.0.113.7\n"
    "rtc_min_port=40000\n"
    "rtc_max_port=40100\n");
  g_autoptr(RcConfig) config = load_ok (FALSE, path, NULL, NULL);

  g_assert_cmpstr (config->listen_addr, ==, "0.0.0.0");
  g_assert_cmpuint (config->port, ==, 8080);
  g_assert_cmpstr (config->log_level_name, ==, "warn");
  g_assert_cmpuint (g_strv_length (config->cors_origins), ==, 2);
  g_assert_cmpint (config->auth_provider, ==, RC_AUTH_LARAVEL);
  g_assert_cmpstr (config->redis_host, ==, "redis.internal");
  g_assert_cmpuint (config->redis_db, ==, 3);
  g_assert_cmpstr (config->redis_password, ==, SECRET);
  g_assert_cmpstr (config->laravel_api_url, ==, "https://api.flylive.app");
  g_assert_cmpstr (config->laravel_internal_key, ==, SECRET);
  g_assert_cmpuint (config->max_clients_per_room, ==, 200);
  g_assert_cmpuint (config->max_payload, ==, 65536);
  g_assert_cmpstr (config->rtc_announced_ip, ==, "203.0.113.7");
  g_assert_cmpuint (config->rtc_min_port, ==, 40000);
  g_assert_cmpuint (config->rtc_max_port, ==, 40100);
  g_unlink (path);
}

/* The Node audio server's .env (docs/laravel.md#the-node-audio-servers-env),
 * placeholders filled in, loads as is. */
static void
test_node_server_env (void)
{
  g_auto(GStrv) env = env_of (
    "NODE_ENV", "production", "PORT", "3030", "LOG_LEVEL", "info",
    "REDIS_HOST", "127.0.0.1", "REDIS_PORT", "6379", "REDIS_PASSWORD", SECRET, "REDIS_DB", "3",
    "LARAVEL_API_URL", "https://api.flylive.app",
    "LARAVEL_INTERNAL_KEY", "your_secure_32_character_secret_key",
    "MEDIASOUP_LISTEN_IP", "0.0.0.0", "MEDIASOUP_ANNOUNCED_IP", "203.0.113.7",
    "MEDIASOUP_RTC_MIN_PORT", "10000", "MEDIASOUP_RTC_MAX_PORT", "59999",
    "MAX_ROOMS_PER_WORKER", "100", "MAX_CLIENTS_PER_ROOM", "50",
    "RATE_LIMIT_MESSAGES_PER_MINUTE", "60",
    "CORS_ORIGINS", "https://app.flylive.app,https://www.flylive.app", NULL);
  g_autoptr(RcConfig) config = load_ok (FALSE, NULL, env, NULL);
  g_autofree char *dump = rc_config_dump (config);

  g_assert_cmpint (config->auth_provider, ==, RC_AUTH_LARAVEL);
  g_assert_cmpuint (config->redis_db, ==, 3);
  g_assert_cmpstr (config->rtc_listen_ip, ==, "0.0.0.0");
  g_assert_cmpstr (config->rtc_announced_ip, ==, "203.0.113.7");
  g_assert_true (rc_config_origin_allowed (config, "https://www.flylive.app"));
  /* NODE_ENV is accepted and has no effect. */
  g_assert_null (strstr (dump, "NODE_ENV"));
  g_assert_null (strstr (dump, "your_secure"));
}

/* data/roomcast.conf loads, changes nothing, and documents every setting. */
static void
test_shipped_conf (void)
{
  const char *root = g_getenv ("ROOMCAST_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(RcConfig) shipped = NULL;
  g_autoptr(RcConfig) defaults = load_ok (TRUE, NULL, NULL, NULL);
  g_autofree char *shipped_dump = NULL;
  g_autofree char *default_dump_text = rc_config_dump (defaults);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  if (root == NULL)
    {
      g_test_skip ("ROOMCAST_SOURCE_ROOT is not set");
      return;
    }
  path = g_build_filename (root, "data", "roomcast.conf", NULL);
  shipped = load_ok (TRUE, path, NULL, NULL);
  shipped_dump = rc_config_dump (shipped);
  g_assert_cmpstr (shipped_dump, ==, default_dump_text);

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (default_dump_text, "\n", -1);
  for (char **l = lines; *l != NULL && **l != '\0'; l++)
    {
      g_autofree char *name = g_strndup (*l, strchr (*l, '=') - *l);
      g_autofree char *lower = g_ascii_strdown (name, -1);
      g_autofree char *key = g_strdup_printf ("\n# %s=", lower);

      g_assert_nonnull (strstr (text, key));
    }
  g_assert_nonnull (strstr (text, "\n# node_env="));

  /* Uncommenting every "# key=value" line must give the same defaults. */
  {
    g_autoptr(GRegex) commented = g_regex_new ("^# ([a-z_]+=)", G_REGEX_MULTILINE, 0, NULL);
    g_autofree char *uncommented = g_regex_replace (commented, text, -1, 0, "\\1", 0, NULL);
    g_autofree char *tmp = write_conf (uncommented);
    g_autoptr(RcConfig) explicit = load_ok (TRUE, tmp, NULL, NULL);
    g_autofree char *explicit_dump = rc_config_dump (explicit);

    g_assert_nonnull (strstr (uncommented, "\nseats_per_room=10\n"));
    g_assert_cmpstr (explicit_dump, ==, default_dump_text);
    g_unlink (tmp);
  }
}

/* The realtime hub: dev credentials, REVERB_APP_* aliases, secrets
 * redacted, BROADCAST_REDIS_DB following REDIS_DB unless set. */
int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/file/errors", test_file_errors);
  g_test_add_func ("/config/file/sample", test_file_sample);
  g_test_add_func ("/config/node-server-env", test_node_server_env);
  g_test_add_func ("/config/file/shipped", test_shipped_conf);
  return g_test_run ();
}
