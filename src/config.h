/* roomcast: daemon configuration.
 *
 * Every setting has one name, the environment variable the Node audio
 * server's .env uses (PORT, REDIS_HOST, ...; docs/laravel.md#the-node-audio-servers-env).
 * The same name, lower-cased, is the key in the [roomcast] group of the
 * optional key file; CLI flags override by name too.
 * Precedence: CLI flag > environment > key file > built-in default.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RC_CONFIG_ERROR (rc_config_error_quark ())
GQuark rc_config_error_quark (void);

typedef enum {
  RC_CONFIG_ERROR_INVALID, /* one or more values are invalid; message lists all */
  RC_CONFIG_ERROR_FILE,    /* the key file could not be read or parsed */
} RcConfigError;

/* Bits of AUTH_PROVIDER, a comma separated list ("laravel,jwt"). */
typedef enum {
  RC_AUTH_DEV = 1 << 0,
  RC_AUTH_LARAVEL = 1 << 1,
  RC_AUTH_JWT = 1 << 2,
} RcAuthKind;

/* ROOM_OWNERSHIP: who may bring a room into existence, and who hosts it
 * (docs/security.md#rooms-and-their-owners). */
typedef enum {
  RC_ROOM_OWNERSHIP_PINNED,  /* only rooms pinned in room:owner:{id} (Redis, admin API) */
  RC_ROOM_OWNERSHIP_LARAVEL, /* only rooms Laravel's status call knows; its owner hosts */
  RC_ROOM_OWNERSHIP_OPEN,    /* any room id; the pin, else the first joiner, hosts */
} RcRoomOwnership;

/* MEDIA_RECV_TRANSPORT: what carries a room's audio to its clients. */
typedef enum {
  RC_RECV_TRANSPORT_WEBRTCBIN, /* one sendrecv webrtcbin per client, audio in and out */
  RC_RECV_TRANSPORT_LITE,      /* the room's icelitesink to everyone; a webrtcbin send
                                * transport (media:publish) for each seated speaker */
} RcRecvTransport;

/* OPUS_SPEAKER_AUDIO_TYPE, OPUS_MIX_AUDIO_TYPE: how a seated speaker's own
 * mix-minus and the shared mix are encoded (opusenc's audio-type). */
typedef enum {
  RC_OPUS_AUDIO_RESTRICTED_LOWDELAY, /* CELT only: 2.5 ms look-ahead, a third of the CPU */
  RC_OPUS_AUDIO_VOICE,               /* SILK/hybrid: 6.5 ms look-ahead, in-band FEC */
  RC_OPUS_AUDIO_GENERIC,
} RcOpusAudioType;

/* The setting's spelling of @type, which is also opusenc's and
 * opusmonoenc's audio-type nick (one table: config-settings.c). */
const char *rc_opus_audio_type_name (RcOpusAudioType type);

typedef struct {
  /* server */
  gboolean dev;             /* --dev (CLI only): dev auth, defaults for a demo */
  gboolean dev_remote;      /* --dev-remote (CLI only): let --dev listen beyond loopback */
  gboolean dev_pusher_app;  /* set by loading: the hub uses --dev's per-process app */
  char *listen_addr;        /* LISTEN_ADDR, default "127.0.0.1" */
  guint port;               /* PORT, default 3030 */
  GLogLevelFlags log_level; /* LOG_LEVEL: error|warn|info|debug (default info) */
  char *log_level_name;     /* as given, normalised */
  char **cors_origins;      /* CORS_ORIGINS, comma separated; NULL/empty or "*" = all */
  char *web_root;           /* WEB_ROOT, default "" (disabled) */
  char *tls_cert_file;      /* TLS_CERT_FILE: PEM certificate (chain); with TLS_KEY_FILE,
                                 * the port serves HTTPS/WSS (config-tls.h) */
  char *tls_key_file;       /* TLS_KEY_FILE: PEM private key, unencrypted */

  /* Socket.IO */
  guint ping_interval_ms; /* SIO_PING_INTERVAL_MS, default 25000 */
  guint ping_timeout_ms;  /* SIO_PING_TIMEOUT_MS, default 20000 */
  guint max_payload;      /* SIO_MAX_PAYLOAD bytes, default 1000000 */
  guint
    http_max_connections; /* HTTP_MAX_CONNECTIONS open at once (plain and WebSocket), default 50000 */
  guint
    http_max_connections_per_ip; /* HTTP_MAX_CONNECTIONS_PER_IP, default 1000; 0 = no limit */
  char *trusted_proxies; /* TRUSTED_PROXIES: addresses/CIDRs whose X-Forwarded-For counts */
  guint
    auth_attempts_per_ip_per_minute; /* AUTH_ATTEMPTS_PER_IP_PER_MINUTE, default 120; 0 = off */
  guint sio_events_per_second;  /* SIO_EVENTS_PER_SECOND, default 20: every event of a socket */
  guint sio_events_burst;       /* SIO_EVENTS_BURST, default 60 */
  guint ws_max_unsent_bytes;    /* WS_MAX_UNSENT_BYTES, default 4 MiB: a slow reader's cap */
  guint ws_send_stall_ms;       /* WS_SEND_STALL_MS, default 30000 */
  guint http_header_timeout_ms; /* HTTP_HEADER_TIMEOUT_MS, default 10000 */
  guint http_body_timeout_ms;   /* HTTP_BODY_TIMEOUT_MS, default 30000 */

  /* auth */
  RcAuthKind auth_provider; /* AUTH_PROVIDER: dev, or laravel and/or jwt; default dev
                                 * with --dev, else laravel, plus jwt if JWT_SECRET set */
  char *jwt_secret;         /* JWT_SECRET (secret) */
  char *jwt_audience;       /* JWT_AUDIENCE: aud must be (or hold) it; NULL = unchecked */
  char *jwt_issuer;         /* JWT_ISSUER: iss must equal it; NULL = unchecked */
  char *jwt_user_model;     /* JWT_USER_MODEL: prv must be its sha1 (tymon/jwt-auth) */
  guint jwt_max_lifetime_s; /* JWT_MAX_LIFETIME_S, default 86400; 0 = unbounded */
  gboolean jwt_trust_role;  /* JWT_TRUST_ROLE, default false: role claim ignored */
  guint auth_cache_ttl_s;   /* AUTH_CACHE_TTL_S, default 300: validated users cached */

  /* Redis */
  char *redis_host;           /* REDIS_HOST, default NULL = in-memory store */
  guint redis_port;           /* REDIS_PORT, default 6379 */
  char *redis_password;       /* REDIS_PASSWORD (secret) */
  guint redis_db;             /* REDIS_DB, default 3 */
  char *laravel_redis_prefix; /* LARAVEL_REDIS_PREFIX, default "laravel_database_"; "" = none */

  /* Laravel */
  char *laravel_api_url;            /* LARAVEL_API_URL, http(s) URL without trailing '/' */
  char *laravel_internal_key;       /* LARAVEL_INTERNAL_KEY (secret, >= 32 chars) */
  guint laravel_connect_timeout_ms; /* LARAVEL_CONNECT_TIMEOUT_MS, default 2000 */
  guint laravel_timeout_ms;         /* LARAVEL_TIMEOUT_MS, default 5000 */

  /* limits and rooms */
  guint max_rooms_per_worker;  /* MAX_ROOMS_PER_WORKER, default 100 */
  guint max_clients_per_room;  /* MAX_CLIENTS_PER_ROOM, default 50 */
  guint rate_limit_per_minute; /* RATE_LIMIT_MESSAGES_PER_MINUTE, default 60 */
  guint seats_per_room;        /* SEATS_PER_ROOM, default 10, 1..64 */
  guint room_grace_s;          /* ROOM_GRACE_PERIOD_S, default 30 */

  /* who opens rooms */
  RcRoomOwnership room_ownership; /* ROOM_OWNERSHIP: pinned|laravel|open; default open with
                                   * --dev, else laravel with LARAVEL_API_URL, else pinned */
  guint room_create_rate_limit;   /* ROOM_CREATE_RATE_LIMIT_PER_MINUTE, default 10: room:join
                                   * opening a room, per user; 0 = unlimited */

  /* gifts */
  char *worker_id;                  /* WORKER_ID, default "0": gifts:inflight:{id}; unique per
                                 * process sharing a Redis */
  char *public_url;                 /* PUBLIC_URL: http(s)/ws(s) URL of this node for clients;
                                      * NULL = http://LISTEN_ADDR:PORT */
  guint cluster_heartbeat_ms;       /* CLUSTER_HEARTBEAT_MS, default 2000 */
  guint cluster_node_ttl_ms;        /* CLUSTER_NODE_TTL_MS, default 6000: claims' lifetime */
  guint cluster_max_rooms_per_node; /* CLUSTER_MAX_ROOMS_PER_NODE, default 0 = no soft limit */
  char *gifts_file; /* GIFTS_FILE, default <datadir>/roomcast/gifts.json: dev ledger prices */
  guint gift_rate_limit_per_minute; /* GIFT_RATE_LIMIT_PER_MINUTE, default 600 */
  guint gift_queue_max_pending; /* GIFT_QUEUE_MAX_PENDING, default 100000: gifts:pending cap */

  /* RTC (MEDIASOUP_* names accepted as aliases) */
  char *rtc_listen_ip;          /* RTC_LISTEN_IP / MEDIASOUP_LISTEN_IP, default NULL = all */
  char *rtc_announced_ip;       /* RTC_ANNOUNCED_IP / MEDIASOUP_ANNOUNCED_IP */
  guint rtc_min_port;           /* RTC_MIN_PORT / MEDIASOUP_RTC_MIN_PORT, default 10000 */
  guint rtc_max_port;           /* RTC_MAX_PORT / MEDIASOUP_RTC_MAX_PORT, default 59999 */
  char *stun_server;            /* STUN_SERVER: stun://host[:port], default NULL = none */
  char *turn_servers;           /* TURN_SERVERS (secret): comma separated
                                 * turn(s)://user:password@host[:port][?transport=udp|tcp] */
  guint rtc_connect_timeout_ms; /* RTC_CONNECT_TIMEOUT_MS, default 15000: media:failed after */
  guint jitter_latency_ms;      /* JITTER_LATENCY_MS, default 20: receive jitterbuffer */
  guint opus_bitrate;           /* OPUS_BITRATE bit/s, default 32000 */
  guint opus_complexity;        /* OPUS_COMPLEXITY 0-10, default 7 */
  RcOpusAudioType opus_speaker_audio_type; /* OPUS_SPEAKER_AUDIO_TYPE, default
                                            * restricted-lowdelay */
  guint opus_speaker_frame_ms;             /* OPUS_SPEAKER_FRAME_MS 5|10|20|40|60, default 10 */
  RcOpusAudioType opus_mix_audio_type; /* OPUS_MIX_AUDIO_TYPE, default restricted-lowdelay */
  guint opus_mix_frame_ms;             /* OPUS_MIX_FRAME_MS, default 20 */
  gboolean opus_decode_fec;            /* OPUS_DECODE_FEC, default false: speakers
                                 * decoded with in-band FEC (+20 ms) */
  gboolean media_enabled;         /* MEDIA_ENABLED, default true: false = rooms without audio */
  guint fanout_peers;             /* MEDIA_FANOUT_PEERS, default 64: peers per fan-out thread */
  RcRecvTransport recv_transport; /* MEDIA_RECV_TRANSPORT: webrtcbin|lite, default lite */

  /* Remote ICE candidates the server may send to besides global unicast
   * ones (src/media/candidate-filter.h); default false, true with --dev. */
  gboolean rtc_allow_loopback_candidates; /* RTC_ALLOW_LOOPBACK_CANDIDATES: 127/8, ::1 */
  gboolean rtc_allow_private_candidates;  /* RTC_ALLOW_PRIVATE_CANDIDATES: RFC 1918,
                                           * 100.64/10, fc00::/7, link-local */

  /* operations */
  char *admin_api_key;       /* ADMIN_API_KEY (secret, >= 16 chars): also opens /admin */
  guint shutdown_timeout_ms; /* SHUTDOWN_TIMEOUT_MS, default 20000: SIGTERM drain bound */
  char *record_dir;          /* RECORD_DIR (--record DIR), default NULL = no recording:
                                 * every room's full mix to DIR/<roomId>-<UTC>.ogg + .json */

  /* realtime hub (Pusher protocol, Laravel broadcasting); REVERB_APP_* aliases.
   * With --dev and no key: id "dev", and a key ("dev-" + 16 hex digits) and
   * secret (32 hex digits) drawn at random once per process (dev_pusher_app).
   * The hub is off without a Pusher app (id, key and secret), a
   * BROADCAST_API_KEY and a BROADCAST_AUTH_URL (and without --dev). */
  char *pusher_app_id;          /* PUSHER_APP_ID */
  char *pusher_app_key;         /* PUSHER_APP_KEY */
  char *pusher_app_secret;      /* PUSHER_APP_SECRET (secret) */
  guint broadcast_redis_db;     /* BROADCAST_REDIS_DB, default REDIS_DB */
  char *broadcast_redis_prefix; /* BROADCAST_REDIS_PREFIX, default LARAVEL_REDIS_PREFIX */
  char *broadcast_auth_url;     /* BROADCAST_AUTH_URL: Laravel's /broadcasting/auth */
  char *webhook_url;            /* WEBHOOK_URL: Pusher-style webhooks */
  char *broadcast_api_key;      /* BROADCAST_API_KEY / LARAVEL_API_KEY (secret):
                                 * X-WebSocket-API-Key */
  char *broadcast_user_channel; /* BROADCAST_USER_CHANNEL, default "App.Models.User.{id}" */
  guint hub_max_connections;    /* HUB_MAX_CONNECTIONS, default 20000 */
  guint hub_max_channels_per_connection; /* HUB_MAX_CHANNELS_PER_CONNECTION, default 100 */
  guint presence_max_members;            /* PRESENCE_MAX_MEMBERS, default 10000 */
  gboolean user_presence_events;         /* USER_PRESENCE_EVENTS, default true */
} RcConfig;

/* A configuration holding the built-in defaults. */
RcConfig *rc_config_new (void);
void rc_config_free (RcConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcConfig, rc_config_free)

/* Apply, in increasing precedence, the key file at @path (nullable; a missing
 * file named explicitly is an error), the environment @envp (as from
 * g_get_environ(); nullable = none) and @overrides (setting name -> string
 * value, nullable; the CLI puts PORT, LISTEN_ADDR, LOG_LEVEL there). Set
 * config->dev before calling: it changes defaults and requirements.
 *
 * Every value is validated; on failure returns FALSE with RC_CONFIG_ERROR_INVALID
 * whose message names every invalid setting, one per line, e.g.
 *   "PORT: 'abc' is not a port number (1-65535)"
 * Secret values never appear in messages. Without dev and without
 * LARAVEL_API_URL (when the auth provider is laravel) that is an error naming
 * LARAVEL_API_URL. */
gboolean rc_config_load (RcConfig *config, const char *path, const char *const *envp,
                         GHashTable *overrides, GError **error);

/* The effective configuration as "NAME=value" lines, sorted as declared,
 * secrets shown as "<redacted>" (or "<unset>"). */
char *rc_config_dump (const RcConfig *config);

/* SIGHUP: apply to @live what may change safely in a running server
 * (LOG_LEVEL, CORS_ORIGINS, MAX_ROOMS_PER_WORKER, MAX_CLIENTS_PER_ROOM,
 * RATE_LIMIT_MESSAGES_PER_MINUTE, ROOM_CREATE_RATE_LIMIT_PER_MINUTE,
 * GIFT_RATE_LIMIT_PER_MINUTE, GIFT_QUEUE_MAX_PENDING) from @fresh, a newly
 * loaded configuration.
 * *@reloaded lists what changed as "NAME=value, ..." and *@needs_restart the
 * names of other settings that differ (values not shown: they may be
 * secret); both may be empty strings. Returns TRUE if anything was applied. */
gboolean rc_config_reload (RcConfig *live, const RcConfig *fresh, char **reloaded,
                           char **needs_restart);

/* TRUE if @origin is allowed by cors_origins. */
gboolean rc_config_origin_allowed (const RcConfig *config, const char *origin);

G_END_DECLS
