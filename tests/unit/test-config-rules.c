/* roomcast: unit tests of the rules between settings (src/config.c):
 * which auth providers, room ownership, candidate policy, hub settings,
 * TLS files and listen address follow from --dev and the other settings,
 * and what they refuse. */
#include "config.h"
#include "config-test-util.h"

#include <string.h>

/* JWT_SECRET adds JWTs to Sanctum tokens and never turns Laravel off;
 * JWTs alone take AUTH_PROVIDER=jwt. */
static void
test_auth_default (void)
{
  g_auto(GStrv) jwt_env = env_of ("JWT_SECRET", SECRET, NULL);
  g_auto(GStrv) laravel_env = env_of ("LARAVEL_API_URL", API_URL, "LARAVEL_INTERNAL_KEY", SECRET, NULL);
  g_auto(GStrv) both_env = env_of ("JWT_SECRET", SECRET, "LARAVEL_API_URL", API_URL,
                                   "LARAVEL_INTERNAL_KEY", SECRET, NULL);
  g_auto(GStrv) explicit_env = env_of ("AUTH_PROVIDER", "JWT", "JWT_SECRET", SECRET,
                                      "LARAVEL_API_URL", API_URL, "LARAVEL_INTERNAL_KEY", SECRET, NULL);
  g_auto(GStrv) list_env = env_of ("AUTH_PROVIDER", " jwt , Laravel", "JWT_SECRET", SECRET,
                                   "LARAVEL_API_URL", API_URL, "LARAVEL_INTERNAL_KEY", SECRET, NULL);
  g_autofree char *jwt_only_msg = load_error (FALSE, NULL, jwt_env, NULL);
  g_autoptr(RcConfig) laravel = load_ok (FALSE, NULL, laravel_env, NULL);
  g_autoptr(RcConfig) both = load_ok (FALSE, NULL, both_env, NULL);
  g_autoptr(RcConfig) dev = load_ok (TRUE, NULL, jwt_env, NULL);
  g_autoptr(RcConfig) explicit_jwt = load_ok (FALSE, NULL, explicit_env, NULL);
  g_autoptr(RcConfig) list = load_ok (FALSE, NULL, list_env, NULL);
  g_autofree char *both_dump = rc_config_dump (both);
  g_autofree char *list_dump = rc_config_dump (list);

  g_assert_cmpstr (jwt_only_msg, ==,
                   "LARAVEL_API_URL: required when AUTH_PROVIDER is laravel (or AUTH_PROVIDER=jwt to accept JWTs only)\n"
                   "LARAVEL_INTERNAL_KEY: required when AUTH_PROVIDER is laravel (or AUTH_PROVIDER=jwt to accept JWTs only)");
  g_assert_cmpint (laravel->auth_provider, ==, RC_AUTH_LARAVEL);
  g_assert_cmpint (both->auth_provider, ==, RC_AUTH_LARAVEL | RC_AUTH_JWT);
  g_assert_cmpstr (both->jwt_secret, ==, SECRET);
  g_assert_nonnull (strstr (both_dump, "\nAUTH_PROVIDER=laravel,jwt\n"));
  g_assert_cmpint (dev->auth_provider, ==, RC_AUTH_DEV);
  g_assert_cmpint (explicit_jwt->auth_provider, ==, RC_AUTH_JWT);
  g_assert_cmpint (list->auth_provider, ==, RC_AUTH_LARAVEL | RC_AUTH_JWT);
  g_assert_nonnull (strstr (list_dump, "\nAUTH_PROVIDER=laravel,jwt\n"));
}

/* RTC_ALLOW_*_CANDIDATES: false by default, true with --dev, and whatever
 * is set explicitly either way ("KEY=" is unset). */
static void
test_candidate_defaults (void)
{
  g_auto(GStrv) off = env_of ("RTC_ALLOW_LOOPBACK_CANDIDATES", "false",
                              "RTC_ALLOW_PRIVATE_CANDIDATES", "no", NULL);
  g_auto(GStrv) on = env_of ("RTC_ALLOW_LOOPBACK_CANDIDATES", "true",
                             "RTC_ALLOW_PRIVATE_CANDIDATES", "1", "AUTH_PROVIDER", "jwt",
                             "JWT_SECRET", SECRET, NULL);
  g_auto(GStrv) empty = env_of ("RTC_ALLOW_LOOPBACK_CANDIDATES", "",
                                "RTC_ALLOW_PRIVATE_CANDIDATES", "", NULL);
  g_autoptr(RcConfig) dev_off = load_ok (TRUE, NULL, off, NULL);
  g_autoptr(RcConfig) dev_empty = load_ok (TRUE, NULL, empty, NULL);
  g_autoptr(RcConfig) prod_on = load_ok (FALSE, NULL, on, NULL);

  g_assert_false (dev_off->rtc_allow_loopback_candidates);
  g_assert_false (dev_off->rtc_allow_private_candidates);
  g_assert_true (dev_empty->rtc_allow_loopback_candidates);
  g_assert_true (dev_empty->rtc_allow_private_candidates);
  g_assert_true (prod_on->rtc_allow_loopback_candidates);
  g_assert_true (prod_on->rtc_allow_private_candidates);
}

/* ROOM_OWNERSHIP: open only as --dev's default; laravel needs Laravel. */
static void
test_room_ownership (void)
{
  g_auto(GStrv) laravel_env = env_of ("LARAVEL_API_URL", API_URL, "LARAVEL_INTERNAL_KEY", SECRET, NULL);
  g_auto(GStrv) jwt_env = env_of ("AUTH_PROVIDER", "jwt", "JWT_SECRET", SECRET, NULL);
  g_auto(GStrv) jwt_laravel_env = env_of ("AUTH_PROVIDER", "jwt", "JWT_SECRET", SECRET,
                                          "ROOM_OWNERSHIP", "laravel", NULL);
  g_auto(GStrv) jwt_url_only_env = env_of ("AUTH_PROVIDER", "jwt", "JWT_SECRET", SECRET,
                                           "LARAVEL_API_URL", API_URL, NULL);
  g_auto(GStrv) explicit_env = env_of ("LARAVEL_API_URL", API_URL, "LARAVEL_INTERNAL_KEY", SECRET,
                                      "ROOM_OWNERSHIP", "Open", NULL);
  g_auto(GStrv) unknown_env = env_of ("ROOM_OWNERSHIP", "anyone", NULL);
  g_autoptr(RcConfig) laravel = load_ok (FALSE, NULL, laravel_env, NULL);
  g_autoptr(RcConfig) jwt = load_ok (FALSE, NULL, jwt_env, NULL);
  g_autoptr(RcConfig) dev_laravel = load_ok (TRUE, NULL, laravel_env, NULL);
  g_autoptr(RcConfig) explicit_open = load_ok (FALSE, NULL, explicit_env, NULL);
  g_autofree char *jwt_laravel_msg = load_error (FALSE, NULL, jwt_laravel_env, NULL);
  g_autofree char *jwt_url_only_msg = load_error (FALSE, NULL, jwt_url_only_env, NULL);
  g_autofree char *unknown_msg = load_error (TRUE, NULL, unknown_env, NULL);

  g_assert_cmpint (laravel->room_ownership, ==, RC_ROOM_OWNERSHIP_LARAVEL);
  g_assert_cmpint (jwt->room_ownership, ==, RC_ROOM_OWNERSHIP_PINNED);
  g_assert_cmpint (dev_laravel->room_ownership, ==, RC_ROOM_OWNERSHIP_OPEN);
  g_assert_cmpint (explicit_open->room_ownership, ==, RC_ROOM_OWNERSHIP_OPEN);
  g_assert_cmpstr (jwt_laravel_msg, ==,
                   "LARAVEL_API_URL: required when ROOM_OWNERSHIP is laravel\n"
                   "LARAVEL_INTERNAL_KEY: required when ROOM_OWNERSHIP is laravel");
  /* LARAVEL_API_URL alone makes laravel the default, which needs the key. */
  g_assert_cmpstr (jwt_url_only_msg, ==,
                   "LARAVEL_INTERNAL_KEY: required when ROOM_OWNERSHIP is laravel");
  g_assert_cmpstr (unknown_msg, ==,
                   "ROOM_OWNERSHIP: 'anyone' is not one of pinned, laravel, open");
}

/* MEDIA_RECV_TRANSPORT: webrtcbin or lite, nothing else. */
static void
test_recv_transport (void)
{
  g_auto(GStrv) lite = env_of ("MEDIA_RECV_TRANSPORT", "lite", NULL);
  g_auto(GStrv) unknown = env_of ("MEDIA_RECV_TRANSPORT", "mediasoup", NULL);
  g_auto(GStrv) webrtcbin = env_of ("MEDIA_RECV_TRANSPORT", "webrtcbin", NULL);
  g_autoptr(RcConfig) defaults = load_ok (TRUE, NULL, NULL, NULL);
  g_autoptr(RcConfig) with_lite = load_ok (TRUE, NULL, lite, NULL);
  g_autoptr(RcConfig) with_webrtcbin = load_ok (TRUE, NULL, webrtcbin, NULL);
  g_autofree char *unknown_msg = load_error (TRUE, NULL, unknown, NULL);

  g_assert_cmpint (defaults->recv_transport, ==, RC_RECV_TRANSPORT_LITE);
  g_assert_cmpint (with_lite->recv_transport, ==, RC_RECV_TRANSPORT_LITE);
  g_assert_cmpint (with_webrtcbin->recv_transport, ==, RC_RECV_TRANSPORT_WEBRTCBIN);
  g_assert_cmpstr (unknown_msg, ==,
                   "MEDIA_RECV_TRANSPORT: 'mediasoup' is not one of webrtcbin, lite");
}

static void
test_auth_requirements (void)
{
  g_auto(GStrv) url_only = env_of ("LARAVEL_API_URL", API_URL, NULL);
  g_auto(GStrv) jwt = env_of ("AUTH_PROVIDER", "jwt", NULL);
  g_auto(GStrv) dev_auth = env_of ("AUTH_PROVIDER", "dev", "LARAVEL_API_URL", API_URL,
                                   "LARAVEL_INTERNAL_KEY", SECRET, NULL);
  g_auto(GStrv) laravel = env_of ("AUTH_PROVIDER", "laravel", NULL);
  g_auto(GStrv) unknown = env_of ("AUTH_PROVIDER", "oauth", NULL);
  g_auto(GStrv) dev_jwt = env_of ("AUTH_PROVIDER", "dev,jwt", "JWT_SECRET", SECRET, NULL);
  g_auto(GStrv) both = env_of ("AUTH_PROVIDER", "laravel,jwt", NULL);
  g_autofree char *nothing_msg = load_error (FALSE, NULL, NULL, NULL);
  g_autofree char *url_only_msg = load_error (FALSE, NULL, url_only, NULL);
  g_autofree char *jwt_msg = load_error (FALSE, NULL, jwt, NULL);
  g_autofree char *dev_msg = load_error (FALSE, NULL, dev_auth, NULL);
  g_autofree char *dev_laravel_msg = load_error (TRUE, NULL, laravel, NULL);
  g_autofree char *unknown_msg = load_error (TRUE, NULL, unknown, NULL);
  g_autofree char *dev_jwt_msg = load_error (TRUE, NULL, dev_jwt, NULL);
  g_autofree char *both_msg = load_error (FALSE, NULL, both, NULL);
  g_autoptr(RcConfig) dev = load_ok (TRUE, NULL, dev_auth, NULL);

  g_assert_cmpstr (nothing_msg, ==,
                   "LARAVEL_API_URL: required when AUTH_PROVIDER is laravel (or run with --dev)\n"
                   "LARAVEL_INTERNAL_KEY: required when AUTH_PROVIDER is laravel (or run with --dev)");
  g_assert_cmpstr (url_only_msg, ==,
                   "LARAVEL_INTERNAL_KEY: required when AUTH_PROVIDER is laravel (or run with --dev)");
  g_assert_cmpstr (jwt_msg, ==, "JWT_SECRET: required when AUTH_PROVIDER is jwt");
  g_assert_cmpstr (dev_msg, ==, "AUTH_PROVIDER: 'dev' is only allowed with --dev");
  /* An explicit laravel provider needs its back-end even with --dev. */
  g_assert_cmpstr (dev_laravel_msg, ==,
                   "LARAVEL_API_URL: required when AUTH_PROVIDER is laravel\n"
                   "LARAVEL_INTERNAL_KEY: required when AUTH_PROVIDER is laravel");
  g_assert_cmpstr (unknown_msg, ==,
                   "AUTH_PROVIDER: 'oauth' is not a comma separated list of dev, laravel, jwt");
  g_assert_cmpstr (dev_jwt_msg, ==, "AUTH_PROVIDER: 'dev,jwt' cannot combine dev with another provider");
  g_assert_cmpstr (both_msg, ==,
                   "LARAVEL_API_URL: required when AUTH_PROVIDER is laravel (or run with --dev)\n"
                   "LARAVEL_INTERNAL_KEY: required when AUTH_PROVIDER is laravel (or run with --dev)\n"
                   "JWT_SECRET: required when AUTH_PROVIDER is jwt");
  g_assert_cmpint (dev->auth_provider, ==, RC_AUTH_DEV);
}

static void
test_hub_settings (void)
{
  g_auto(GStrv) env = env_of ("AUTH_PROVIDER", "jwt", "JWT_SECRET", "jwt", "REVERB_APP_ID", "42", "REVERB_APP_KEY", "k3y",
                              "PUSHER_APP_SECRET", SECRET, "REDIS_DB", "4",
                              "BROADCAST_API_KEY", "0123456789abcdef" SECRET,
                              "WEBHOOK_URL", "http://127.0.0.1:9/hooks/", NULL);
  g_auto(GStrv) env_db = env_of ("REDIS_DB", "3", "BROADCAST_REDIS_DB", "5",
                                 "BROADCAST_REDIS_PREFIX", "laravel-database-", NULL);
  g_autoptr(RcConfig) config = load_ok (FALSE, NULL, env, NULL);
  g_autoptr(RcConfig) dev = load_ok (TRUE, NULL, NULL, NULL);
  g_autoptr(RcConfig) db = load_ok (TRUE, NULL, env_db, NULL);
  g_autoptr(RcConfig) plain = rc_config_new ();
  g_autofree char *dump = rc_config_dump (config);
  g_autofree char *short_key = env_error ("BROADCAST_API_KEY", "short");
  g_autofree char *bad_url = env_error ("BROADCAST_AUTH_URL", "ftp://x");

  g_assert_cmpstr (config->pusher_app_id, ==, "42");
  g_assert_cmpstr (config->pusher_app_key, ==, "k3y");
  g_assert_cmpstr (config->pusher_app_secret, ==, SECRET);
  g_assert_cmpuint (config->broadcast_redis_db, ==, 4);
  g_assert_cmpstr (config->webhook_url, ==, "http://127.0.0.1:9/hooks");
  g_assert_null (strstr (dump, SECRET));
  g_assert_nonnull (strstr (dump, "\nPUSHER_APP_SECRET=<redacted>\n"));
  g_assert_cmpstr (dev->pusher_app_id, ==, "dev");
  /* --dev's app: a random key and secret, the same for every load of this
   * process (a reload keeps them), never the old published constants. */
  g_assert_true (dev->dev_pusher_app);
  g_assert_true (g_str_has_prefix (dev->pusher_app_key, "dev-"));
  g_assert_cmpuint (strlen (dev->pusher_app_key), ==, 4 + 16);
  g_assert_cmpuint (strlen (dev->pusher_app_secret), ==, 32);
  g_assert_cmpstr (dev->pusher_app_key, !=, "dev-key");
  g_assert_cmpstr (dev->pusher_app_secret, !=, "dev-secret");
  g_assert_cmpstr (db->pusher_app_key, ==, dev->pusher_app_key);
  g_assert_cmpstr (db->pusher_app_secret, ==, dev->pusher_app_secret);
  g_assert_false (config->dev_pusher_app);
  g_assert_null (plain->pusher_app_key);
  g_assert_cmpuint (db->broadcast_redis_db, ==, 5);
  g_assert_cmpstr (db->broadcast_redis_prefix, ==, "laravel-database-");
  g_assert_cmpstr (short_key, ==, "BROADCAST_API_KEY: <redacted> is shorter than 16 characters");

  /* The seed realtime server's name for the key; the user channel pattern. */
  g_auto(GStrv) seed = env_of ("LARAVEL_API_KEY", "0123456789abcdef" SECRET,
                               "BROADCAST_USER_CHANNEL", "user.{id}", "PRESENCE_MAX_MEMBERS", "5",
                               "USER_PRESENCE_EVENTS", "false", NULL);
  g_autoptr(RcConfig) seeded = load_ok (TRUE, NULL, seed, NULL);
  g_assert_cmpstr (seeded->broadcast_api_key, ==, "0123456789abcdef" SECRET);
  g_assert_cmpstr (seeded->broadcast_user_channel, ==, "user.{id}");
  g_assert_cmpuint (seeded->presence_max_members, ==, 5);
  g_assert_false (seeded->user_presence_events);
  g_assert_true (plain->user_presence_events);
  static const char *bad_channels[] = { "user", "user.{id}.{id}", "private user.{id}", "{id}",
                                        "a-very-long-channel-name-that-goes-on-and-on-and-on-and-on-and-on.{id}" };
  for (guint i = 0; i < G_N_ELEMENTS (bad_channels); i++)
    {
      g_autofree char *message = env_error ("BROADCAST_USER_CHANNEL", bad_channels[i]);
      g_assert_true (g_str_has_prefix (message, "BROADCAST_USER_CHANNEL: "));
      g_assert_nonnull (strstr (message, "is not a channel name with one {id}"));
    }
  g_assert_nonnull (strstr (bad_url, "BROADCAST_AUTH_URL"));
}

/* TLS_CERT_FILE and TLS_KEY_FILE: both or neither, and read at load (what
 * is wrong with a file: test-tls-listener.c). */
static void
test_tls_files (void)
{
  g_autofree char *alone = env_error ("TLS_CERT_FILE", "/nonexistent/cert.pem");
  g_assert_cmpstr (alone, ==, "TLS_KEY_FILE: required with TLS_CERT_FILE (set both or neither)");
  g_autofree char *key_alone = env_error ("TLS_KEY_FILE", "/nonexistent/key.pem");
  g_assert_cmpstr (key_alone, ==, "TLS_CERT_FILE: required with TLS_KEY_FILE (set both or neither)");
  g_auto (GStrv) env = env_of ("TLS_CERT_FILE", "/nonexistent/cert.pem", "TLS_KEY_FILE",
                               "/nonexistent/key.pem", NULL);
  g_autofree char *missing = load_error (TRUE, NULL, env, NULL);
  g_assert_cmpstr (missing, ==,
                   "TLS_CERT_FILE: '/nonexistent/cert.pem' cannot be read: No such file or directory");
}

static void
test_dev_loopback_only (void)
{
  g_autoptr(GHashTable) any = overrides_of ("LISTEN_ADDR", "0.0.0.0", NULL);
  g_autoptr(GHashTable) any6 = overrides_of ("LISTEN_ADDR", "::", NULL);
  g_autoptr(GHashTable) lo6 = overrides_of ("LISTEN_ADDR", "::1", NULL);
  g_autofree char *message = load_error (TRUE, NULL, NULL, any);
  g_autofree char *message6 = load_error (TRUE, NULL, NULL, any6);
  g_autoptr(RcConfig) ok6 = load_ok (TRUE, NULL, NULL, lo6);
  g_auto(GStrv) jwt = env_of ("AUTH_PROVIDER", "jwt", "JWT_SECRET", "jwt", NULL);
  g_autoptr(RcConfig) production = load_ok (FALSE, NULL, jwt, any);
  g_autoptr(RcConfig) remote = rc_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (g_str_has_prefix (message, "LISTEN_ADDR: '0.0.0.0' is not a loopback address"));
  g_assert_nonnull (strstr (message, "--dev-remote"));
  g_assert_true (g_str_has_prefix (message6, "LISTEN_ADDR: '::' is not a loopback address"));
  g_assert_cmpstr (ok6->listen_addr, ==, "::1");
  g_assert_cmpstr (production->listen_addr, ==, "0.0.0.0");
  remote->dev = TRUE;
  remote->dev_remote = TRUE;
  g_assert_true (rc_config_load (remote, NULL, NULL, any, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (remote->listen_addr, ==, "0.0.0.0");
  g_assert_true (remote->dev_remote);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config-rules/auth-default", test_auth_default);
  g_test_add_func ("/config-rules/candidate-defaults", test_candidate_defaults);
  g_test_add_func ("/config-rules/room-ownership", test_room_ownership);
  g_test_add_func ("/config-rules/auth-requirements", test_auth_requirements);
  g_test_add_func ("/config-rules/recv-transport", test_recv_transport);
  g_test_add_func ("/config-rules/hub-settings", test_hub_settings);
  g_test_add_func ("/config-rules/tls-files", test_tls_files);
  g_test_add_func ("/config-rules/dev-loopback-only", test_dev_loopback_only);
  return g_test_run ();
}
