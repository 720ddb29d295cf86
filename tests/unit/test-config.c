/* roomcast: unit tests of the configuration module (src/config.c). */
#include "config.h"
#include "config-test-util.h"
#include "roomcast-build-config.h"

#include <string.h>

#include <glib/gstdio.h>

static const char default_dump[] =
  "LISTEN_ADDR=127.0.0.1\n" "PORT=3030\n" "LOG_LEVEL=info\n" "CORS_ORIGINS=\n"
  "WEB_ROOT=\n" "TLS_CERT_FILE=\n" "TLS_KEY_FILE=\n" "SIO_PING_INTERVAL_MS=25000\n" "SIO_PING_TIMEOUT_MS=20000\n"
  "SIO_MAX_PAYLOAD=1000000\n" "HTTP_MAX_CONNECTIONS=50000\n" "HTTP_MAX_CONNECTIONS_PER_IP=1000\n" "TRUSTED_PROXIES=\n" "AUTH_ATTEMPTS_PER_IP_PER_MINUTE=120\n" "SIO_EVENTS_PER_SECOND=20\n" "SIO_EVENTS_BURST=60\n" "WS_MAX_UNSENT_BYTES=4194304\n" "WS_SEND_STALL_MS=30000\n" "HTTP_HEADER_TIMEOUT_MS=10000\n" "HTTP_BODY_TIMEOUT_MS=30000\n" "AUTH_PROVIDER=laravel\n" "JWT_SECRET=<unset>\n" "JWT_AUDIENCE=\n" "JWT_ISSUER=\n" "JWT_USER_MODEL=\n" "JWT_MAX_LIFETIME_S=86400\n" "JWT_TRUST_ROLE=false\n"
  "AUTH_CACHE_TTL_S=300\n"
  "REDIS_HOST=\n" "REDIS_PORT=6379\n" "REDIS_PASSWORD=<unset>\n" "REDIS_DB=3\n"
  "LARAVEL_REDIS_PREFIX=laravel_database_\n"
  "LARAVEL_API_URL=\n" "LARAVEL_INTERNAL_KEY=<unset>\n"
  "LARAVEL_CONNECT_TIMEOUT_MS=2000\n" "LARAVEL_TIMEOUT_MS=5000\n"
  "MAX_ROOMS_PER_WORKER=100\n" "MAX_CLIENTS_PER_ROOM=50\n"
  "RATE_LIMIT_MESSAGES_PER_MINUTE=60\n" "SEATS_PER_ROOM=10\n" "ROOM_GRACE_PERIOD_S=30\n"
  "ROOM_OWNERSHIP=pinned\n" "ROOM_CREATE_RATE_LIMIT_PER_MINUTE=10\n"
  "WORKER_ID=0\n" "PUBLIC_URL=\n" "CLUSTER_HEARTBEAT_MS=2000\n" "CLUSTER_NODE_TTL_MS=6000\n"
  "CLUSTER_MAX_ROOMS_PER_NODE=0\n" "GIFTS_FILE=" ROOMCAST_DATADIR "/gifts.json\n" "GIFT_RATE_LIMIT_PER_MINUTE=600\n"
  "GIFT_QUEUE_MAX_PENDING=100000\n"
  "RTC_LISTEN_IP=\n" "RTC_ANNOUNCED_IP=\n" "RTC_MIN_PORT=10000\n" "RTC_MAX_PORT=59999\n"
  "STUN_SERVER=\n" "TURN_SERVERS=<unset>\n" "RTC_CONNECT_TIMEOUT_MS=15000\n"
  "JITTER_LATENCY_MS=20\n" "OPUS_BITRATE=32000\n" "OPUS_COMPLEXITY=7\n" "OPUS_SPEAKER_AUDIO_TYPE=restricted-lowdelay\n" "OPUS_SPEAKER_FRAME_MS=10\n" "OPUS_MIX_AUDIO_TYPE=restricted-lowdelay\n" "OPUS_MIX_FRAME_MS=20\n" "OPUS_DECODE_FEC=false\n"
  "MEDIA_ENABLED=true\n" "MEDIA_FANOUT_PEERS=64\n" "MEDIA_RECV_TRANSPORT=lite\n"
  "RTC_ALLOW_LOOPBACK_CANDIDATES=false\n" "RTC_ALLOW_PRIVATE_CANDIDATES=false\n"
  "ADMIN_API_KEY=<unset>\n" "SHUTDOWN_TIMEOUT_MS=20000\n" "RECORD_DIR=\n"
  "PUSHER_APP_ID=\n" "PUSHER_APP_KEY=\n" "PUSHER_APP_SECRET=<unset>\n"
  "BROADCAST_REDIS_DB=3\n" "BROADCAST_REDIS_PREFIX=laravel_database_\n"
  "BROADCAST_AUTH_URL=\n" "WEBHOOK_URL=\n" "BROADCAST_API_KEY=<unset>\n"
  "BROADCAST_USER_CHANNEL=App.Models.User.{id}\n" "HUB_MAX_CONNECTIONS=20000\n" "HUB_MAX_CHANNELS_PER_CONNECTION=100\n" "PRESENCE_MAX_MEMBERS=10000\n"
  "USER_PRESENCE_EVENTS=true\n";

static void
test_defaults (void)
{
  g_autoptr(RcConfig) config = rc_config_new ();
  g_autoptr(RcConfig) dev = load_ok (TRUE, NULL, NULL, NULL);
  g_autofree char *dump = rc_config_dump (config);
  g_autofree char *dev_dump = rc_config_dump (dev);
  g_autoptr(GString) expected_dev = NULL;

  g_assert_false (config->dev);
  g_assert_cmpstr (config->listen_addr, ==, "127.0.0.1");
  g_assert_cmpuint (config->port, ==, 3030);
  g_assert_cmpint (config->log_level, ==, G_LOG_LEVEL_INFO);
  g_assert_cmpstr (config->log_level_name, ==, "info");
  g_assert_null (config->cors_origins);
  g_assert_cmpstr (config->web_root, ==, "");
  g_assert_cmpuint (config->ping_interval_ms, ==, 25000);
  g_assert_cmpuint (config->ping_timeout_ms, ==, 20000);
  g_assert_cmpuint (config->max_payload, ==, 1000000);
  g_assert_cmpint (config->auth_provider, ==, RC_AUTH_LARAVEL);
  g_assert_null (config->jwt_secret);
  g_assert_cmpuint (config->auth_cache_ttl_s, ==, 300);
  g_assert_null (config->redis_host);
  g_assert_cmpuint (config->redis_port, ==, 6379);
  g_assert_null (config->redis_password);
  g_assert_cmpuint (config->redis_db, ==, 3);
  g_assert_null (config->laravel_api_url);
  g_assert_null (config->laravel_internal_key);
  g_assert_cmpuint (config->laravel_connect_timeout_ms, ==, 2000);
  g_assert_cmpuint (config->laravel_timeout_ms, ==, 5000);
  g_assert_cmpuint (config->max_rooms_per_worker, ==, 100);
  g_assert_cmpuint (config->max_clients_per_room, ==, 50);
  g_assert_cmpuint (config->rate_limit_per_minute, ==, 60);
  g_assert_cmpuint (config->seats_per_room, ==, 10);
  g_assert_cmpuint (config->room_grace_s, ==, 30);
  g_assert_cmpint (config->room_ownership, ==, RC_ROOM_OWNERSHIP_PINNED);
  g_assert_cmpuint (config->room_create_rate_limit, ==, 10);
  g_assert_cmpstr (config->worker_id, ==, "0");
  g_assert_cmpstr (config->gifts_file, ==, ROOMCAST_DATADIR "/gifts.json");
  g_assert_cmpuint (config->gift_rate_limit_per_minute, ==, 600);
  g_assert_null (config->rtc_listen_ip);
  g_assert_null (config->rtc_announced_ip);
  g_assert_cmpuint (config->rtc_min_port, ==, 10000);
  g_assert_cmpuint (config->rtc_max_port, ==, 59999);
  g_assert_null (config->stun_server);
  g_assert_null (config->turn_servers);
  g_assert_cmpuint (config->rtc_connect_timeout_ms, ==, 15000);
  g_assert_cmpuint (config->jitter_latency_ms, ==, 20);
  g_assert_cmpuint (config->opus_bitrate, ==, 32000);
  g_assert_cmpuint (config->fanout_peers, ==, 64);
  g_assert_cmpuint (config->opus_complexity, ==, 7);
  g_assert_cmpstr (dump, ==, default_dump);

  /* --dev changes only the auth and room ownership defaults, the hub's demo
   * credentials and the candidates allowed (its clients are on the same
   * machine). */
  g_assert_cmpint (dev->auth_provider, ==, RC_AUTH_DEV);
  g_assert_cmpint (dev->room_ownership, ==, RC_ROOM_OWNERSHIP_OPEN);
  g_assert_false (config->rtc_allow_loopback_candidates);
  g_assert_false (config->rtc_allow_private_candidates);
  g_assert_true (dev->rtc_allow_loopback_candidates);
  g_assert_true (dev->rtc_allow_private_candidates);
  expected_dev = g_string_new (default_dump);
  g_assert_cmpuint (g_string_replace (expected_dev, "AUTH_PROVIDER=laravel\n", "AUTH_PROVIDER=dev\n", 0), ==, 1);
  g_assert_cmpuint (g_string_replace (expected_dev, "ROOM_OWNERSHIP=pinned\n", "ROOM_OWNERSHIP=open\n", 0), ==, 1);
  g_assert_cmpuint (g_string_replace (expected_dev, "_CANDIDATES=false\n", "_CANDIDATES=true\n", 0), ==, 2);
  g_autofree char *dev_key_line = g_strdup_printf ("PUSHER_APP_KEY=%s\n", dev->pusher_app_key);
  g_autofree char *dev_app = g_strconcat ("PUSHER_APP_ID=dev\n", dev_key_line,
                                          "PUSHER_APP_SECRET=<redacted>\n", NULL);
  g_assert_cmpuint (g_string_replace (expected_dev, "PUSHER_APP_ID=\nPUSHER_APP_KEY=\nPUSHER_APP_SECRET=<unset>\n",
                                      dev_app, 0), ==, 1);
  g_assert_cmpstr (dev_dump, ==, expected_dev->str);
}

static void
test_precedence (void)
{
  g_autofree char *path = write_conf ("[roomcast]\nport=1111\nlog_level=debug\n"
                                      "redis_host=file.example\nseats_per_room=5\n");
  g_auto(GStrv) env = env_of ("PORT", "2222", "LOG_LEVEL", "warn",
                              "REDIS_HOST", "env.example", NULL);
  g_autoptr(GHashTable) flags = overrides_of ("PORT", "3333", "LOG_LEVEL", "error", NULL);
  g_autoptr(RcConfig) all = load_ok (TRUE, path, env, flags);
  g_autoptr(RcConfig) env_file = load_ok (TRUE, path, env, NULL);
  g_autoptr(RcConfig) file = load_ok (TRUE, path, NULL, NULL);
  g_autoptr(RcConfig) flags_only = load_ok (TRUE, NULL, NULL, flags);

  g_assert_cmpuint (all->port, ==, 3333);
  g_assert_cmpstr (all->log_level_name, ==, "error");
  g_assert_cmpstr (all->redis_host, ==, "env.example");
  g_assert_cmpuint (all->seats_per_room, ==, 5);

  g_assert_cmpuint (env_file->port, ==, 2222);
  g_assert_cmpstr (env_file->log_level_name, ==, "warn");
  g_assert_cmpstr (env_file->redis_host, ==, "env.example");

  g_assert_cmpuint (file->port, ==, 1111);
  g_assert_cmpstr (file->log_level_name, ==, "debug");
  g_assert_cmpstr (file->redis_host, ==, "file.example");
  g_assert_cmpuint (file->seats_per_room, ==, 5);

  g_assert_cmpuint (flags_only->port, ==, 3333);
  g_assert_null (flags_only->redis_host);
  g_assert_cmpuint (flags_only->seats_per_room, ==, 10);
  g_unlink (path);
}

static void
test_empty_means_unset (void)
{
  g_autofree char *path = write_conf ("[roomcast]\nredis_host=file.example\nlisten_addr=0.0.0.0\n");
  g_auto(GStrv) env = env_of ("REDIS_HOST", "", "LISTEN_ADDR", "", "LOG_LEVEL", "", NULL);
  g_autoptr(RcConfig) config = load_ok (TRUE, path, env, NULL);

  g_assert_null (config->redis_host);
  g_assert_cmpstr (config->listen_addr, ==, "127.0.0.1");
  g_assert_cmpstr (config->log_level_name, ==, "info");
  g_unlink (path);
}

/* A prefix is a value even when empty; BROADCAST_REDIS_PREFIX follows
 * LARAVEL_REDIS_PREFIX unless set. */
static void
test_redis_prefixes (void)
{
  g_auto(GStrv) none = env_of ("LARAVEL_REDIS_PREFIX", "", NULL);
  g_auto(GStrv) custom = env_of ("LARAVEL_REDIS_PREFIX", "app-database-", NULL);
  g_auto(GStrv) both = env_of ("LARAVEL_REDIS_PREFIX", "app_", "BROADCAST_REDIS_PREFIX", "", NULL);
  g_autoptr(RcConfig) c_none = load_ok (TRUE, NULL, none, NULL);
  g_autoptr(RcConfig) c_custom = load_ok (TRUE, NULL, custom, NULL);
  g_autoptr(RcConfig) c_both = load_ok (TRUE, NULL, both, NULL);
  g_autofree char *dump = rc_config_dump (c_none);

  g_assert_cmpstr (c_none->laravel_redis_prefix, ==, "");
  g_assert_cmpstr (c_none->broadcast_redis_prefix, ==, "");
  g_assert_nonnull (strstr (dump, "\nLARAVEL_REDIS_PREFIX=\n"));
  g_assert_cmpstr (c_custom->laravel_redis_prefix, ==, "app-database-");
  g_assert_cmpstr (c_custom->broadcast_redis_prefix, ==, "app-database-");
  g_assert_cmpstr (c_both->laravel_redis_prefix, ==, "app_");
  g_assert_cmpstr (c_both->broadcast_redis_prefix, ==, "");
}

static void
test_aliases (void)
{
  static const struct { const char *alias, *name, *value; } cases[] = {
    { "MEDIASOUP_LISTEN_IP", "RTC_LISTEN_IP", "0.0.0.0" },
    { "MEDIASOUP_ANNOUNCED_IP", "RTC_ANNOUNCED_IP", "203.0.113.7" },
    { "MEDIASOUP_RTC_MIN_PORT", "RTC_MIN_PORT", "20000" },
    { "MEDIASOUP_RTC_MAX_PORT", "RTC_MAX_PORT", "30000" },
  };
  g_autofree char *path = write_conf ("[roomcast]\nmediasoup_listen_ip=0.0.0.0\n");
  g_autofree char *message = load_error (TRUE, path, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) alias_env = env_of (cases[i].alias, cases[i].value, NULL);
      g_auto(GStrv) both_env = env_of (cases[i].alias, "1.2.3.4", cases[i].name, cases[i].value, NULL);
      g_autoptr(RcConfig) alias = load_ok (TRUE, NULL, alias_env, NULL);
      g_autoptr(RcConfig) both = NULL;
      g_autofree char *dump = rc_config_dump (alias);
      g_autofree char *line = g_strdup_printf ("\n%s=%s\n", cases[i].name, cases[i].value);

      g_assert_nonnull (strstr (dump, line));
      if (strstr (cases[i].name, "PORT") != NULL)
        continue; /* "1.2.3.4" is no port; the IP cases cover "canonical wins" */
      both = load_ok (TRUE, NULL, both_env, NULL);
      g_free (dump);
      dump = rc_config_dump (both);
      g_assert_nonnull (strstr (dump, line));
    }

  {
    g_auto(GStrv) env = env_of ("MEDIASOUP_RTC_MIN_PORT", "1", "RTC_MIN_PORT", "2",
                                "MEDIASOUP_RTC_MAX_PORT", "3", NULL);
    g_autoptr(RcConfig) config = load_ok (TRUE, NULL, env, NULL);

    g_assert_cmpuint (config->rtc_min_port, ==, 2);
    g_assert_cmpuint (config->rtc_max_port, ==, 3);
  }

  /* Aliases exist for the Node audio server's .env; the key file takes
   * canonical names only. */
  g_assert_nonnull (strstr (message, "unknown key 'mediasoup_listen_ip'"));
  g_unlink (path);
}

static void
test_invalid_uint (void)
{
  static const char *bad[] = { "", "-1", "+1", " 5", "5 ", "12abc", "0", "65", "0x10",
                               "4294967306", "99999999999999999999999" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *message = env_error ("SEATS_PER_ROOM", bad[i]);
      g_autofree char *expected = g_strdup_printf ("SEATS_PER_ROOM: '%s' is not a whole number in 1-64", bad[i]);

      g_assert_cmpstr (message, ==, expected);
    }

  {
    g_autofree char *message = env_error ("REDIS_DB", "4294967296");
    g_auto(GStrv) env = env_of ("SEATS_PER_ROOM", "64", "ROOM_GRACE_PERIOD_S", "0", "REDIS_DB", "4", NULL);
    g_autoptr(RcConfig) config = load_ok (TRUE, NULL, env, NULL);

    g_assert_true (g_str_has_prefix (message, "REDIS_DB: '4294967296' is not a whole number"));
    g_assert_cmpuint (config->seats_per_room, ==, 64);
    g_assert_cmpuint (config->room_grace_s, ==, 0);
    g_assert_cmpuint (config->redis_db, ==, 4);
  }
}

/* WORKER_ID names a Redis key: a plain token only. */
static void
test_worker_id (void)
{
  static const char *bad[] = { "a b", "w:1", "w{1}", "\xc3\xa9" };
  g_auto(GStrv) env = env_of ("WORKER_ID", "eu-1.b_2", "GIFTS_FILE", "/srv/gifts.json",
                              "GIFT_RATE_LIMIT_PER_MINUTE", "30", NULL);
  g_autoptr(RcConfig) config = load_ok (TRUE, NULL, env, NULL);

  g_assert_cmpstr (config->worker_id, ==, "eu-1.b_2");
  g_assert_cmpstr (config->gifts_file, ==, "/srv/gifts.json");
  g_assert_cmpuint (config->gift_rate_limit_per_minute, ==, 30);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *message = env_error ("WORKER_ID", bad[i]);
      g_autofree char *expected = g_strdup_printf ("WORKER_ID: '%s' is not 1-64 letters, digits, "
                                                   "'_', '.' or '-'", bad[i]);
      g_assert_cmpstr (message, ==, expected);
    }
  {
    g_autofree char *long_id = g_strnfill (65, 'w');
    g_autofree char *message = env_error ("WORKER_ID", long_id);
    g_assert_true (g_str_has_prefix (message, "WORKER_ID: "));
  }
}

/* AUTH_CACHE_TTL_S: how long a Laravel-validated user stays cached. */
static void
test_auth_cache_ttl (void)
{
  g_auto(GStrv) env = env_of ("AUTH_CACHE_TTL_S", "60", NULL);
  g_autoptr(RcConfig) config = load_ok (TRUE, NULL, env, NULL);
  g_autofree char *zero = env_error ("AUTH_CACHE_TTL_S", "0");
  g_autofree char *big = env_error ("AUTH_CACHE_TTL_S", "86401");
  g_autofree char *empty = env_error ("AUTH_CACHE_TTL_S", "");

  g_assert_cmpuint (config->auth_cache_ttl_s, ==, 60);
  g_assert_cmpstr (zero, ==, "AUTH_CACHE_TTL_S: '0' is not a whole number in 1-86400");
  g_assert_cmpstr (big, ==, "AUTH_CACHE_TTL_S: '86401' is not a whole number in 1-86400");
  g_assert_cmpstr (empty, ==, "AUTH_CACHE_TTL_S: '' is not a whole number in 1-86400");
}

/* PORT=0 asks the kernel for a free port (the tests start servers this way). */
static void
test_listen_port_zero (void)
{
  g_auto(GStrv) env = env_of ("PORT", "0", NULL);
  g_autoptr(RcConfig) config = load_ok (TRUE, NULL, env, NULL);

  g_assert_cmpuint (config->port, ==, 0);
}

/* SIGHUP applies the safe settings and names the others. */
static void
test_reload (void)
{
  g_auto(GStrv) env1 = env_of ("LOG_LEVEL", "info", "PORT", "4000", "JWT_SECRET", "one", NULL);
  g_auto(GStrv) env2 = env_of ("LOG_LEVEL", "debug", "PORT", "4001", "JWT_SECRET", "two",
                               "CORS_ORIGINS", "https://a.example", "MAX_CLIENTS_PER_ROOM", "7",
                               NULL);
  g_autoptr(RcConfig) live = load_ok (TRUE, NULL, env1, NULL);
  g_autoptr(RcConfig) fresh = load_ok (TRUE, NULL, env2, NULL);
  g_autofree char *reloaded = NULL;
  g_autofree char *restart = NULL;

  g_assert_true (rc_config_reload (live, fresh, &reloaded, &restart));
  g_assert_cmpstr (reloaded, ==, "LOG_LEVEL=debug, CORS_ORIGINS=https://a.example, "
                   "MAX_CLIENTS_PER_ROOM=7");
  g_assert_cmpstr (restart, ==, "PORT, JWT_SECRET");
  g_assert_cmpuint (live->log_level, ==, G_LOG_LEVEL_DEBUG);
  g_assert_cmpstr (live->log_level_name, ==, "debug");
  g_assert_cmpstr (live->cors_origins[0], ==, "https://a.example");
  g_assert_cmpuint (live->max_clients_per_room, ==, 7);
  g_assert_cmpuint (live->port, ==, 4000); /* needs a restart: unchanged */
  g_assert_cmpstr (live->jwt_secret, ==, "one");
  g_assert_null (strstr (restart, "two"));

  /* Nothing changed: nothing applied, nothing pending. */
  g_clear_pointer (&reloaded, g_free);
  g_clear_pointer (&restart, g_free);
  g_assert_false (rc_config_reload (live, live, &reloaded, &restart));
  g_assert_cmpstr (reloaded, ==, "");
  g_assert_cmpstr (restart, ==, "");
}

static void
test_invalid_port (void)
{
  static const char *bad[] = { "abc", "0", "65536", "-80", " 80", "", "80x", "99999999999" };
  static const char *names[] = { "PORT", "REDIS_PORT", "RTC_MIN_PORT", "RTC_MAX_PORT" };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        gboolean listen_port = g_str_equal (names[n], "PORT");
        g_autofree char *message = NULL;
        g_autofree char *expected = NULL;

        if (listen_port && g_str_equal (bad[i], "0"))
          continue; /* PORT=0 asks for any free port: see test_listen_port_zero */
        message = env_error (names[n], bad[i]);
        expected = g_strdup_printf ("%s: '%s' is not a port number (1-65535%s)", names[n],
                                    bad[i], listen_port ? ", or 0 for any free port" : "");

        g_assert_cmpstr (message, ==, expected);
      }
}

/* Media: STUN/TURN URLs as webrtcbin takes them, TURN credentials never
 * printed, and the numeric media settings' ranges. */
static void
test_media_settings (void)
{
  g_auto(GStrv) env = env_of ("STUN_SERVER", " stun://stun.example.test:3478 ",
                              "TURN_SERVERS", "turn://u:" SECRET "@turn.example.test:3478"
                              "?transport=udp, turns://u:p@[2001:db8::1]:5349",
                              "RTC_CONNECT_TIMEOUT_MS", "2000", "JITTER_LATENCY_MS", "0",
                              "OPUS_BITRATE", "64000", "MEDIA_FANOUT_PEERS", "8",
                              "OPUS_COMPLEXITY", "5", NULL);
  g_autoptr(RcConfig) config = load_ok (TRUE, NULL, env, NULL);
  g_autofree char *dump = rc_config_dump (config);
  static const struct { const char *name, *value, *message; } bad[] = {
    { "STUN_SERVER", "stun.example.test:3478", "item 1 is not a stun://host[:port] URL" },
    { "STUN_SERVER", "turn://u:p@h", "item 1 is not a stun://host[:port] URL" },
    { "STUN_SERVER", "stun://a, stun://b", "has more than 1 URL" },
    { "STUN_SERVER", "stun://u@h:3478", "item 1 is not a stun://host[:port] URL" },
    { "OPUS_BITRATE", "5999", "is not a whole number in 6000-510000" },
    { "MEDIA_FANOUT_PEERS", "0", "is not a whole number in 1-100000" },
    { "OPUS_COMPLEXITY", "11", "is not a whole number in 0-10" },
    { "JITTER_LATENCY_MS", "1001", "is not a whole number in 0-1000" },
    { "RTC_CONNECT_TIMEOUT_MS", "99", "is not a whole number in 100-600000" },
  };
  static const char *bad_turn[] = {
    "turn://h:3478", "turn://" SECRET "@h:3478", "stun://u:" SECRET "@h",
    "turn://u:" SECRET "@h/path", "turn://u:" SECRET "@h?transport=sctp", "turn://u:" SECRET "@",
  };

  g_assert_cmpstr (config->stun_server, ==, "stun://stun.example.test:3478");
  g_assert_cmpstr (config->turn_servers, ==, "turn://u:" SECRET "@turn.example.test:3478"
                                             "?transport=udp,turns://u:p@[2001:db8::1]:5349");
  g_assert_cmpuint (config->rtc_connect_timeout_ms, ==, 2000);
  g_assert_cmpuint (config->jitter_latency_ms, ==, 0);
  g_assert_cmpuint (config->opus_bitrate, ==, 64000);
  g_assert_cmpuint (config->fanout_peers, ==, 8);
  g_assert_cmpuint (config->opus_complexity, ==, 5);
  g_assert_nonnull (strstr (dump, "\nSTUN_SERVER=stun://stun.example.test:3478\n"));
  g_assert_nonnull (strstr (dump, "\nTURN_SERVERS=<redacted>\n"));
  g_assert_null (strstr (dump, SECRET));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *message = env_error (bad[i].name, bad[i].value);
      g_autofree char *expected = g_strdup_printf ("%s: '%s' %s", bad[i].name, bad[i].value,
                                                   bad[i].message);
      g_assert_cmpstr (message, ==, expected);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_turn); i++)
    {
      g_autofree char *message = env_error ("TURN_SERVERS", bad_turn[i]);
      g_assert_cmpstr (message, ==, "TURN_SERVERS: <redacted> item 1 is not a "
                       "turn(s)://user:password@host[:port][?transport=udp|tcp] URL");
    }
}

static void
test_rtc_range (void)
{
  g_autofree char *message = NULL;
  g_auto(GStrv) equal = env_of ("RTC_MIN_PORT", "40000", "RTC_MAX_PORT", "40000", NULL);
  g_autoptr(RcConfig) config = load_ok (TRUE, NULL, equal, NULL);

  g_assert_cmpuint (config->rtc_min_port, ==, 40000);
  message = env_error ("RTC_MIN_PORT", "60000");
  g_assert_cmpstr (message, ==, "RTC_MIN_PORT: '60000' is greater than RTC_MAX_PORT (59999)");
}

static void
test_internal_key_length (void)
{
  g_autofree char *message = env_error ("LARAVEL_INTERNAL_KEY", SHORT_SECRET);
  g_auto(GStrv) env = env_of ("LARAVEL_INTERNAL_KEY", "0123456789abcdef0123456789abcdef", NULL);
  g_autoptr(RcConfig) config = load_ok (TRUE, NULL, env, NULL);

  g_assert_cmpstr (message, ==, "LARAVEL_INTERNAL_KEY: <redacted> is shorter than 32 characters");
  g_assert_cmpstr (config->laravel_internal_key, ==, "0123456789abcdef0123456789abcdef");
}

static void
test_url (void)
{
  static const char *bad[] = { "ftp://api.example.test", "api.example.test", "/internal",
                               "https://", "https:///x", "https://user:pw@api.example.test",
                               "https://api.example.test/?x=1", "https://api.example.test/#top",
                               "not a url" };
  static const struct { const char *given, *stored; } good[] = {
    { "https://api.example.test/", "https://api.example.test" },
    { "http://127.0.0.1:8000//", "http://127.0.0.1:8000" },
    { "HTTPS://api.example.test/v1/", "HTTPS://api.example.test/v1" },
    { "https://api.example.test", "https://api.example.test" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *message = env_error ("LARAVEL_API_URL", bad[i]);
      g_autofree char *prefix = g_strdup_printf ("LARAVEL_API_URL: '%s' is not an absolute http(s) URL", bad[i]);

      g_assert_true (g_str_has_prefix (message, prefix));
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_auto(GStrv) env = env_of ("LARAVEL_API_URL", good[i].given, NULL);
      g_autoptr(RcConfig) config = load_ok (TRUE, NULL, env, NULL);

      g_assert_cmpstr (config->laravel_api_url, ==, good[i].stored);
    }
}

static void
test_log_level (void)
{
  static const struct { const char *given, *name; GLogLevelFlags level; } cases[] = {
    { "error", "error", G_LOG_LEVEL_CRITICAL },
    { "ERROR", "error", G_LOG_LEVEL_CRITICAL },
    { "warn", "warn", G_LOG_LEVEL_WARNING },
    { "Warning", "warn", G_LOG_LEVEL_WARNING },
    { "info", "info", G_LOG_LEVEL_INFO },
    { "DeBuG", "debug", G_LOG_LEVEL_DEBUG },
  };
  g_autofree char *message = env_error ("LOG_LEVEL", "verbose");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) env = env_of ("LOG_LEVEL", cases[i].given, NULL);
      g_autoptr(RcConfig) config = load_ok (TRUE, NULL, env, NULL);

      g_assert_cmpstr (config->log_level_name, ==, cases[i].name);
      g_assert_cmpint (config->log_level, ==, cases[i].level);
    }
  g_assert_cmpstr (message, ==, "LOG_LEVEL: 'verbose' is not a log level (error, warn, info, debug)");
}

static void
test_ip (void)
{
  static const char *names[] = { "LISTEN_ADDR", "RTC_LISTEN_IP", "RTC_ANNOUNCED_IP" };
  static const char *good[] = { "0.0.0.0", "192.0.2.1", "::", "::1", "2001:db8::7" };
  static const char *bad[] = { "localhost", "256.0.0.1", "your.public.ip.address", "1.2.3.4:80" };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (good); i++)
        {
          /* --dev listens on loopback only: LISTEN_ADDR is tried with JWT auth. */
          g_auto(GStrv) env = env_of (names[n], good[i], "JWT_SECRET", n == 0 ? "jwt" : "",
                                      "AUTH_PROVIDER", n == 0 ? "jwt" : "", NULL);
          g_autoptr(RcConfig) config = load_ok (n != 0, NULL, env, NULL);
          g_autofree char *dump = rc_config_dump (config);
          g_autofree char *line = g_strdup_printf ("%s=%s\n", names[n], good[i]);

          g_assert_nonnull (strstr (dump, line));
        }
      for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
        {
          g_autofree char *message = env_error (names[n], bad[i]);
          g_autofree char *expected = g_strdup_printf ("%s: '%s' is not an IP address", names[n], bad[i]);

          g_assert_cmpstr (message, ==, expected);
        }
    }
}

static void
test_cors (void)
{
  g_auto(GStrv) list_env = env_of ("CORS_ORIGINS", " https://app.flylive.app , https://www.flylive.app:8443,", NULL);
  g_auto(GStrv) star_env = env_of ("CORS_ORIGINS", "https://app.flylive.app,*", NULL);
  g_autoptr(RcConfig) list = load_ok (TRUE, NULL, list_env, NULL);
  g_autoptr(RcConfig) star = load_ok (TRUE, NULL, star_env, NULL);
  g_autoptr(RcConfig) all = load_ok (TRUE, NULL, NULL, NULL);
  g_autofree char *dump = rc_config_dump (list);
  static const char *bad[] = { "https://app.flylive.app/", "app.flylive.app", "https://a.test/app",
                               "https://", "https://a.test?x=1" };

  g_assert_cmpuint (g_strv_length (list->cors_origins), ==, 2);
  g_assert_cmpstr (list->cors_origins[0], ==, "https://app.flylive.app");
  g_assert_cmpstr (list->cors_origins[1], ==, "https://www.flylive.app:8443");
  g_assert_nonnull (strstr (dump, "\nCORS_ORIGINS=https://app.flylive.app,https://www.flylive.app:8443\n"));

  g_assert_true (rc_config_origin_allowed (list, "https://app.flylive.app"));
  g_assert_true (rc_config_origin_allowed (list, "HTTPS://App.FlyLive.APP"));
  g_assert_true (rc_config_origin_allowed (list, "https://www.flylive.app:8443"));
  g_assert_false (rc_config_origin_allowed (list, "https://www.flylive.app"));
  g_assert_false (rc_config_origin_allowed (list, "http://app.flylive.app"));
  g_assert_false (rc_config_origin_allowed (list, "https://app.flylive.app.evil.test"));
  g_assert_false (rc_config_origin_allowed (list, NULL));

  g_assert_true (rc_config_origin_allowed (star, "https://anything.test"));
  g_assert_true (rc_config_origin_allowed (all, "https://anything.test"));
  g_assert_true (rc_config_origin_allowed (all, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *value = g_strdup_printf ("https://ok.test, %s", bad[i]);
      g_autofree char *message = env_error ("CORS_ORIGINS", value);
      g_autofree char *expected = g_strdup_printf (
        "CORS_ORIGINS: '%s' is not a list of origins: '%s' is neither \"*\" nor scheme://host[:port]",
        value, bad[i]);

      g_assert_cmpstr (message, ==, expected);
    }
}

/* Several mistakes come back together, one line each, secrets redacted. */
static void
test_many_errors (void)
{
  g_auto(GStrv) env = env_of ("PORT", "abc", "SEATS_PER_ROOM", "0", "LOG_LEVEL", "loud",
                              "LISTEN_ADDR", "nowhere", "LARAVEL_INTERNAL_KEY", SHORT_SECRET,
                              "REDIS_PASSWORD", SECRET, "JWT_SECRET", SECRET, NULL);
  g_autofree char *message = load_error (TRUE, NULL, env, NULL);
  g_auto(GStrv) lines = g_strsplit (message, "\n", -1);

  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[0], ==, "LISTEN_ADDR: 'nowhere' is not an IP address");
  g_assert_cmpstr (lines[1], ==, "PORT: 'abc' is not a port number (1-65535, or 0 for any free port)");
  g_assert_cmpstr (lines[2], ==, "LOG_LEVEL: 'loud' is not a log level (error, warn, info, debug)");
  g_assert_cmpstr (lines[3], ==, "LARAVEL_INTERNAL_KEY: <redacted> is shorter than 32 characters");
  g_assert_cmpstr (lines[4], ==, "SEATS_PER_ROOM: '0' is not a whole number in 1-64");
  g_assert_null (strstr (message, SHORT_SECRET));
  g_assert_null (strstr (message, SECRET));
}

static void
test_secrets_in_dump (void)
{
  g_auto(GStrv) env = env_of ("JWT_SECRET", SECRET "-jwt", "REDIS_PASSWORD", SECRET "-redis",
                              "LARAVEL_API_URL", API_URL, "LARAVEL_INTERNAL_KEY", SECRET, NULL);
  g_autoptr(RcConfig) config = load_ok (FALSE, NULL, env, NULL);
  g_autofree char *dump = rc_config_dump (config);

  g_assert_cmpstr (config->redis_password, ==, SECRET "-redis");
  g_assert_null (strstr (dump, SECRET));
  g_assert_nonnull (strstr (dump, "\nJWT_SECRET=<redacted>\n"));
  g_assert_nonnull (strstr (dump, "\nREDIS_PASSWORD=<redacted>\n"));
  g_assert_nonnull (strstr (dump, "\nLARAVEL_INTERNAL_KEY=<redacted>\n"));
}

/* --dev accepts anyone's dev token: it listens on loopback unless told. */

static void
test_overrides (void)
{
  g_autoptr(GHashTable) typo = overrides_of ("PROT", "1", NULL);
  g_autoptr(GHashTable) good = overrides_of ("LISTEN_ADDR", "::1", "PORT", "4000", NULL);
  g_autoptr(GHashTable) bad = overrides_of ("PORT", "x", NULL);
  g_autofree char *message = load_error (TRUE, NULL, NULL, typo);
  g_autoptr(RcConfig) config = load_ok (TRUE, NULL, NULL, good);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (message, ==, "PROT: unknown setting");
  g_assert_cmpstr (config->listen_addr, ==, "::1");

  /* A failed load leaves the previous configuration in place. */
  g_assert_false (rc_config_load (config, NULL, NULL, bad, &error));
  g_assert_error (error, RC_CONFIG_ERROR, RC_CONFIG_ERROR_INVALID);
  g_assert_cmpuint (config->port, ==, 4000);
  g_assert_cmpstr (config->listen_addr, ==, "::1");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/precedence", test_precedence);
  g_test_add_func ("/config/empty-means-unset", test_empty_means_unset);
  g_test_add_func ("/config/redis-prefixes", test_redis_prefixes);
  g_test_add_func ("/config/aliases", test_aliases);
  g_test_add_func ("/config/invalid/uint", test_invalid_uint);
  g_test_add_func ("/config/invalid/port", test_invalid_port);
  g_test_add_func ("/config/auth-cache-ttl", test_auth_cache_ttl);
  g_test_add_func ("/config/worker-id", test_worker_id);
  g_test_add_func ("/config/listen-port-zero", test_listen_port_zero);
  g_test_add_func ("/config/reload", test_reload);
  g_test_add_func ("/config/invalid/rtc-range", test_rtc_range);
  g_test_add_func ("/config/media", test_media_settings);
  g_test_add_func ("/config/invalid/internal-key-length", test_internal_key_length);
  g_test_add_func ("/config/invalid/url", test_url);
  g_test_add_func ("/config/log-level", test_log_level);
  g_test_add_func ("/config/ip", test_ip);
  g_test_add_func ("/config/cors", test_cors);
  g_test_add_func ("/config/many-errors", test_many_errors);
  g_test_add_func ("/config/secrets-in-dump", test_secrets_in_dump);
  g_test_add_func ("/config/overrides", test_overrides);

  return g_test_run ();
}
