/* roomcast: every setting roomcastd knows, in dump order; see config.h for
 * the meaning of each and config.c for how they are loaded and checked. */
#include "config-private.h"
#include "roomcast-build-config.h"

/* KIND_ENUM and KIND_FLAGS write through an int pointer. */
G_STATIC_ASSERT (sizeof (RcAuthKind) == sizeof (int));
G_STATIC_ASSERT (sizeof (RcRoomOwnership) == sizeof (int));
G_STATIC_ASSERT (sizeof (RcRecvTransport) == sizeof (int));

static const Choice bool_choices[] = {
  { "true", TRUE }, { "false", FALSE }, { "yes", TRUE }, { "no", FALSE }, { "on", TRUE },
  { "off", FALSE }, { "1", TRUE },      { "0", FALSE },  { NULL, 0 },
};

static const Choice auth_choices[] = {
  { "dev", RC_AUTH_DEV },
  { "laravel", RC_AUTH_LARAVEL },
  { "jwt", RC_AUTH_JWT },
  { NULL, 0 },
};

static const Choice ownership_choices[] = {
  { "pinned", RC_ROOM_OWNERSHIP_PINNED },
  { "laravel", RC_ROOM_OWNERSHIP_LARAVEL },
  { "open", RC_ROOM_OWNERSHIP_OPEN },
  { NULL, 0 },
};

static const Choice recv_transport_choices[] = {
  { "webrtcbin", RC_RECV_TRANSPORT_WEBRTCBIN },
  { "lite", RC_RECV_TRANSPORT_LITE },
  { NULL, 0 },
};

static const Choice opus_audio_type_choices[] = {
  { "restricted-lowdelay", RC_OPUS_AUDIO_RESTRICTED_LOWDELAY },
  { "voice", RC_OPUS_AUDIO_VOICE },
  { "generic", RC_OPUS_AUDIO_GENERIC },
  { NULL, 0 },
};

const char *
rc_opus_audio_type_name (RcOpusAudioType type)
{
  for (const Choice *c = opus_audio_type_choices; c->name != NULL; c++)
    if (c->value == (int) type)
      return c->name;
  g_return_val_if_reached ("voice");
}

/* Opus frame durations opusenc takes in whole milliseconds. */
static const Choice opus_frame_ms_choices[] = {
  { "5", 5 }, { "10", 10 }, { "20", 20 }, { "40", 40 }, { "60", 60 }, { NULL, 0 },
};

#define OFF(field) G_STRUCT_OFFSET (RcConfig, field)

/* Table order is the dump order; it follows RcConfig. AUTH_PROVIDER,
 * ROOM_OWNERSHIP and the RTC_ALLOW_*_CANDIDATES have no table default because
 * they depend on --dev (and JWT_SECRET, LARAVEL_API_URL; see parse_all). */
static const Setting table[] = {
  { "LISTEN_ADDR", NULL, KIND_IP, FALSE, "127.0.0.1", OFF (listen_addr) },
  { "PORT", NULL, KIND_LISTEN_PORT, FALSE, "3030", OFF (port) },
  { "LOG_LEVEL", NULL, KIND_LOG_LEVEL, FALSE, "info", OFF (log_level), .reloadable = TRUE },
  { "CORS_ORIGINS", NULL, KIND_ORIGINS, FALSE, NULL, OFF (cors_origins), .reloadable = TRUE },
  { "WEB_ROOT", NULL, KIND_STRING, FALSE, "", OFF (web_root) },
  /* Both or neither; read and checked at load (config-tls.h), read again on
   * SIGHUP for a renewed certificate. Changing the paths needs a restart. */
  { "TLS_CERT_FILE", NULL, KIND_STRING, FALSE, NULL, OFF (tls_cert_file) },
  { "TLS_KEY_FILE", NULL, KIND_STRING, FALSE, NULL, OFF (tls_key_file) },
  { "SIO_PING_INTERVAL_MS", NULL, KIND_UINT, FALSE, "25000", OFF (ping_interval_ms), 1,
    DAY_MS },
  { "SIO_PING_TIMEOUT_MS", NULL, KIND_UINT, FALSE, "20000", OFF (ping_timeout_ms), 1, DAY_MS },
  { "SIO_MAX_PAYLOAD", NULL, KIND_UINT, FALSE, "1000000", OFF (max_payload), 1, G_MAXINT },
  /* Past it, or within the descriptor reserve, a connection gets a 503. */
  { "HTTP_MAX_CONNECTIONS", NULL, KIND_UINT, FALSE, "50000", OFF (http_max_connections), 1,
    G_MAXINT },
  /* A request's headers must be in this long after it starts, its body this
   * long after its headers (src/http/request-guard.h). */
  /* Connections one client address may hold (src/http/client-ip.h); the
   * client of a trusted proxy's connection is taken from X-Forwarded-For. */
  { "HTTP_MAX_CONNECTIONS_PER_IP", NULL, KIND_UINT, FALSE, "1000",
    OFF (http_max_connections_per_ip), 0, G_MAXINT },
  { "TRUSTED_PROXIES", NULL, KIND_STRING, FALSE, NULL, OFF (trusted_proxies) },
  /* Socket.IO authentications per client address (sio-server.c). */
  { "AUTH_ATTEMPTS_PER_IP_PER_MINUTE", NULL, KIND_UINT, FALSE, "120",
    OFF (auth_attempts_per_ip_per_minute), 0, 1000000, .reloadable = TRUE },
  /* Every event of one Socket.IO connection: a token bucket (sio-server.c). */
  { "SIO_EVENTS_PER_SECOND", NULL, KIND_UINT, FALSE, "20", OFF (sio_events_per_second), 1,
    1000000, .reloadable = TRUE },
  { "SIO_EVENTS_BURST", NULL, KIND_UINT, FALSE, "60", OFF (sio_events_burst), 1, 1000000,
    .reloadable = TRUE },
  /* A WebSocket client that stops reading is closed past this many unsent
   * bytes, or this long without progress (src/http/send-backlog.h). */
  { "WS_MAX_UNSENT_BYTES", NULL, KIND_UINT, FALSE, "4194304", OFF (ws_max_unsent_bytes), 65536,
    G_MAXINT },
  { "WS_SEND_STALL_MS", NULL, KIND_UINT, FALSE, "30000", OFF (ws_send_stall_ms), 1000, DAY_MS },
  { "HTTP_HEADER_TIMEOUT_MS", NULL, KIND_UINT, FALSE, "10000", OFF (http_header_timeout_ms),
    100, DAY_MS },
  { "HTTP_BODY_TIMEOUT_MS", NULL, KIND_UINT, FALSE, "30000", OFF (http_body_timeout_ms), 100,
    DAY_MS },
  /* "laravel,jwt": JWTs checked here, other tokens by Laravel (main.c). */
  { "AUTH_PROVIDER", NULL, KIND_FLAGS, FALSE, NULL, OFF (auth_provider),
    .choices = auth_choices },
  { "JWT_SECRET", NULL, KIND_STRING, TRUE, NULL, OFF (jwt_secret) },
  /* What a JWT must also carry (src/auth/auth-jwt.h); unset = not checked. */
  { "JWT_AUDIENCE", NULL, KIND_STRING, FALSE, NULL, OFF (jwt_audience) },
  { "JWT_ISSUER", NULL, KIND_STRING, FALSE, NULL, OFF (jwt_issuer) },
  { "JWT_USER_MODEL", NULL, KIND_STRING, FALSE, NULL, OFF (jwt_user_model) },
  { "JWT_MAX_LIFETIME_S", NULL, KIND_UINT, FALSE, "86400", OFF (jwt_max_lifetime_s), 0,
    G_MAXINT },
  { "JWT_TRUST_ROLE", NULL, KIND_ENUM, FALSE, "false", OFF (jwt_trust_role),
    .choices = bool_choices },
  /* Validated users stay cached for 5 minutes, as with the Node audio server. */
  { "AUTH_CACHE_TTL_S", NULL, KIND_UINT, FALSE, "300", OFF (auth_cache_ttl_s), 1, 86400 },
  { "REDIS_HOST", NULL, KIND_STRING, FALSE, NULL, OFF (redis_host) },
  { "REDIS_PORT", NULL, KIND_PORT, FALSE, "6379", OFF (redis_port) },
  { "REDIS_PASSWORD", NULL, KIND_STRING, TRUE, NULL, OFF (redis_password) },
  /* 3, as the Node audio server's .env (docs/laravel.md): apart from the
   * Laravel app's own databases (0 and 1 by default). */
  { "REDIS_DB", NULL, KIND_UINT, FALSE, "3", OFF (redis_db), 0, G_MAXINT },
  /* The key prefix of Laravel's Redis connection (its REDIS_PREFIX): auth
   * keys written through the Redis facade carry it (src/auth/token-keys.h);
   * empty = Laravel writes without one. */
  { "LARAVEL_REDIS_PREFIX", NULL, KIND_STRING, FALSE, "laravel_database_",
    OFF (laravel_redis_prefix), .keep_empty = TRUE },
  { "LARAVEL_API_URL", NULL, KIND_URL, FALSE, NULL, OFF (laravel_api_url) },
  { "LARAVEL_INTERNAL_KEY", NULL, KIND_STRING, TRUE, NULL, OFF (laravel_internal_key), 32 },
  { "LARAVEL_CONNECT_TIMEOUT_MS", NULL, KIND_UINT, FALSE, "2000",
    OFF (laravel_connect_timeout_ms), 1, DAY_MS },
  { "LARAVEL_TIMEOUT_MS", NULL, KIND_UINT, FALSE, "5000", OFF (laravel_timeout_ms), 1, DAY_MS },
  { "MAX_ROOMS_PER_WORKER", NULL, KIND_UINT, FALSE, "100", OFF (max_rooms_per_worker), 1,
    G_MAXINT, .reloadable = TRUE },
  { "MAX_CLIENTS_PER_ROOM", NULL, KIND_UINT, FALSE, "50", OFF (max_clients_per_room), 1,
    G_MAXINT, .reloadable = TRUE },
  { "RATE_LIMIT_MESSAGES_PER_MINUTE", NULL, KIND_UINT, FALSE, "60", OFF (rate_limit_per_minute),
    1, G_MAXINT, .reloadable = TRUE },
  { "SEATS_PER_ROOM", NULL, KIND_UINT, FALSE, "10", OFF (seats_per_room), 1, 64 },
  { "ROOM_GRACE_PERIOD_S", NULL, KIND_UINT, FALSE, "30", OFF (room_grace_s), 0, 86400 },
  /* Who may open a room and who hosts it (src/services/room-service.h). */
  { "ROOM_OWNERSHIP", NULL, KIND_ENUM, FALSE, NULL, OFF (room_ownership),
    .choices = ownership_choices },
  /* room:join calls that open a room, per user and minute: one user must
   * not fill MAX_ROOMS_PER_WORKER with fresh room ids. */
  { "ROOM_CREATE_RATE_LIMIT_PER_MINUTE", NULL, KIND_UINT, FALSE, "10",
    OFF (room_create_rate_limit), 0, G_MAXINT, .reloadable = TRUE },
  /* Gifts: names this worker's in-flight list (gifts:inflight:{id}), the
   * dev ledger's price list, gift:send per user and minute, and how many
   * accepted gifts may wait for Laravel before gift:send is refused. */
  { "WORKER_ID", NULL, KIND_STRING, FALSE, "0", OFF (worker_id), 1 },
  /* Several nodes on one Redis (src/cluster/, docs/operations.md#several-nodes):
   * the URL clients of this node use (unset: http://LISTEN_ADDR:PORT), the
   * heartbeat period and how long a node's and its rooms' claims outlive
   * its last heartbeat, and the rooms past which a new room is placed on
   * the least loaded node (0: always on the node the first joiner reached). */
  { "PUBLIC_URL", NULL, KIND_STRING, FALSE, NULL, OFF (public_url) },
  { "CLUSTER_HEARTBEAT_MS", NULL, KIND_UINT, FALSE, "2000", OFF (cluster_heartbeat_ms), 100,
    5000 },
  { "CLUSTER_NODE_TTL_MS", NULL, KIND_UINT, FALSE, "6000", OFF (cluster_node_ttl_ms), 300,
    10000 },
  { "CLUSTER_MAX_ROOMS_PER_NODE", NULL, KIND_UINT, FALSE, "0", OFF (cluster_max_rooms_per_node),
    0, G_MAXINT, .reloadable = TRUE },
  { "GIFTS_FILE", NULL, KIND_STRING, FALSE, ROOMCAST_DATADIR "/gifts.json", OFF (gifts_file),
    1 },
  { "GIFT_RATE_LIMIT_PER_MINUTE", NULL, KIND_UINT, FALSE, "600",
    OFF (gift_rate_limit_per_minute), 1, G_MAXINT, .reloadable = TRUE },
  { "GIFT_QUEUE_MAX_PENDING", NULL, KIND_UINT, FALSE, "100000", OFF (gift_queue_max_pending), 1,
    G_MAXINT, .reloadable = TRUE },
  { "RTC_LISTEN_IP", "MEDIASOUP_LISTEN_IP", KIND_IP, FALSE, NULL, OFF (rtc_listen_ip) },
  { "RTC_ANNOUNCED_IP", "MEDIASOUP_ANNOUNCED_IP", KIND_IP, FALSE, NULL,
    OFF (rtc_announced_ip) },
  { "RTC_MIN_PORT", "MEDIASOUP_RTC_MIN_PORT", KIND_PORT, FALSE, "10000", OFF (rtc_min_port) },
  { "RTC_MAX_PORT", "MEDIASOUP_RTC_MAX_PORT", KIND_PORT, FALSE, "59999", OFF (rtc_max_port) },
  /* min = 0: stun:// URLs, min = 1: turn(s):// URLs with credentials (secret). */
  { "STUN_SERVER", NULL, KIND_ICE_URLS, FALSE, NULL, OFF (stun_server), 0, 1 },
  { "TURN_SERVERS", NULL, KIND_ICE_URLS, TRUE, NULL, OFF (turn_servers), 1, 16 },
  /* A client not connected this long after media:connect gets media:failed. */
  { "RTC_CONNECT_TIMEOUT_MS", NULL, KIND_UINT, FALSE, "15000", OFF (rtc_connect_timeout_ms),
    100, 600000 },
  /* webrtcbin's own default is 200 ms: too much for conversation. In order
   * packets pass at once; this is how long a gap is waited for before the
   * decoder conceals it (the mixer absorbs each seat's jitter itself). */
  { "JITTER_LATENCY_MS", NULL, KIND_UINT, FALSE, "20", OFF (jitter_latency_ms), 0, 1000 },
  { "OPUS_BITRATE", NULL, KIND_UINT, FALSE, "32000", OFF (opus_bitrate), 6000, 510000 },
  /* Encoder effort: 7 sounds as 10 at a fifth less CPU per encoder; 5 and
   * below lose level and harmonics (docs/performance.md). */
  { "OPUS_COMPLEXITY", NULL, KIND_UINT, FALSE, "7", OFF (opus_complexity), 0, 10 },
  /* A seated speaker's own mix-minus (heard by that speaker only): CELT-only
   * at 10 ms frames by default, 4 ms less look-ahead, up to 10 ms less
   * framing and a third of the voice mode's encoder CPU at the same quality
   * (no in-band FEC: a lost packet is concealed). docs/performance.md. */
  { "OPUS_SPEAKER_AUDIO_TYPE", NULL, KIND_ENUM, FALSE, "restricted-lowdelay",
    OFF (opus_speaker_audio_type), .choices = opus_audio_type_choices },
  { "OPUS_SPEAKER_FRAME_MS", NULL, KIND_ENUM, FALSE, "10", OFF (opus_speaker_frame_ms),
    .choices = opus_frame_ms_choices },
  /* The shared mix (listeners, recordings): CELT-only as well (listeners
   * hear the room 20-30 ms sooner; at 10 % loss its PLC kept as much audio
   * as voice mode's FEC), in 20 ms frames (half the packets per listener
   * of 10 ms). voice brings in-band FEC and DTX back. */
  { "OPUS_MIX_AUDIO_TYPE", NULL, KIND_ENUM, FALSE, "restricted-lowdelay",
    OFF (opus_mix_audio_type), .choices = opus_audio_type_choices },
  { "OPUS_MIX_FRAME_MS", NULL, KIND_ENUM, FALSE, "20", OFF (opus_mix_frame_ms),
    .choices = opus_frame_ms_choices },
  /* Decoding a speaker with in-band FEC holds every packet until the next
   * one arrives (20 ms more latency); false conceals a lost one with PLC. */
  { "OPUS_DECODE_FEC", NULL, KIND_ENUM, FALSE, "false", OFF (opus_decode_fec),
    .choices = bool_choices },
  /* A room's shared mix is sent by one thread per this many peers. */
  /* false: no room pipelines (media:connect answers media_unavailable);
   * true: roomcastd refuses to start when an element is missing. */
  { "MEDIA_ENABLED", NULL, KIND_ENUM, FALSE, "true", OFF (media_enabled),
    .choices = bool_choices },
  { "MEDIA_FANOUT_PEERS", NULL, KIND_UINT, FALSE, "64", OFF (fanout_peers), 1, 100000 },
  /* lite: the room's icelitesink carries every client's audio, seated
   * speakers publish through a webrtcbin send transport; webrtcbin: one
   * sendrecv webrtcbin per client (docs/media.md). */
  { "MEDIA_RECV_TRANSPORT", NULL, KIND_ENUM, FALSE, "lite", OFF (recv_transport),
    .choices = recv_transport_choices },
  /* Which client candidates the server's ICE may send STUN to besides
   * global unicast addresses; unset: false, true with --dev (see parse_all). */
  { "RTC_ALLOW_LOOPBACK_CANDIDATES", NULL, KIND_ENUM, FALSE, NULL,
    OFF (rtc_allow_loopback_candidates), .choices = bool_choices },
  { "RTC_ALLOW_PRIVATE_CANDIDATES", NULL, KIND_ENUM, FALSE, NULL,
    OFF (rtc_allow_private_candidates), .choices = bool_choices },
  /* Admin HTTP API key (secret); unset: LARAVEL_INTERNAL_KEY guards /admin. */
  { "ADMIN_API_KEY", NULL, KIND_STRING, TRUE, NULL, OFF (admin_api_key), 16 },
  /* SIGTERM drain bound; below systemd's TimeoutStopSec=30s. */
  { "SHUTDOWN_TIMEOUT_MS", NULL, KIND_UINT, FALSE, "20000", OFF (shutdown_timeout_ms), 100,
    600000 },
  /* Room recordings; created if missing, checked writable at startup (main.c). */
  { "RECORD_DIR", NULL, KIND_STRING, FALSE, NULL, OFF (record_dir) },
  /* Realtime hub: Laravel's pusher/reverb driver and Redis broadcaster.
   * BROADCAST_REDIS_DB unset = REDIS_DB, BROADCAST_REDIS_PREFIX unset =
   * LARAVEL_REDIS_PREFIX (see parse_all). */
  { "PUSHER_APP_ID", "REVERB_APP_ID", KIND_STRING, FALSE, NULL, OFF (pusher_app_id), 1 },
  { "PUSHER_APP_KEY", "REVERB_APP_KEY", KIND_STRING, FALSE, NULL, OFF (pusher_app_key), 1 },
  { "PUSHER_APP_SECRET", "REVERB_APP_SECRET", KIND_STRING, TRUE, NULL, OFF (pusher_app_secret),
    1 },
  { "BROADCAST_REDIS_DB", NULL, KIND_UINT, FALSE, NULL, OFF (broadcast_redis_db), 0, G_MAXINT },
  { "BROADCAST_REDIS_PREFIX", NULL, KIND_STRING, FALSE, NULL, OFF (broadcast_redis_prefix),
    .keep_empty = TRUE },
  { "BROADCAST_AUTH_URL", NULL, KIND_URL, FALSE, NULL, OFF (broadcast_auth_url) },
  { "WEBHOOK_URL", NULL, KIND_URL, FALSE, NULL, OFF (webhook_url) },
  /* LARAVEL_API_KEY: the name the seed's realtime server .env gives it. */
  { "BROADCAST_API_KEY", "LARAVEL_API_KEY", KIND_STRING, TRUE, NULL, OFF (broadcast_api_key),
    16 },
  /* Laravel's name of a user's private channel, {id} the user id (checked
   * in config.c); /api/broadcast to "user" publishes on private-<it>. */
  { "BROADCAST_USER_CHANNEL", NULL, KIND_STRING, FALSE, "App.Models.User.{id}",
    OFF (broadcast_user_channel), 1 },
  /* The hub's own Pusher connections (also never above half the process's
   * descriptors), and the channels one connection may join (both paths). */
  { "HUB_MAX_CONNECTIONS", NULL, KIND_UINT, FALSE, "20000", OFF (hub_max_connections), 1,
    G_MAXINT },
  { "HUB_MAX_CHANNELS_PER_CONNECTION", NULL, KIND_UINT, FALSE, "100",
    OFF (hub_max_channels_per_connection), 0, 100000 },
  /* Members of one presence channel, the same for Pusher and Socket.IO:
   * enough for a global "online users" channel of one node. */
  { "PRESENCE_MAX_MEMBERS", NULL, KIND_UINT, FALSE, "10000", OFF (presence_max_members), 1,
    1000000 },
  /* user_online / user_offline to the Socket.IO clients (src/hub/hub-users.c). */
  { "USER_PRESENCE_EVENTS", NULL, KIND_ENUM, FALSE, "true", OFF (user_presence_events),
    .choices = bool_choices },
  /* The Node audio server's .env sets NODE_ENV; accept it so that file can
   * be reused unchanged (docs/laravel.md#the-node-audio-servers-env), but
   * nothing here depends on it. */
  { "NODE_ENV", NULL, KIND_IGNORED, FALSE, NULL, 0 },
};

/* config.c sizes its per-setting arrays with RC_CONFIG_N_SETTINGS. */
G_STATIC_ASSERT (G_N_ELEMENTS (table) == RC_CONFIG_N_SETTINGS);

const Setting *const rc_config_settings = table;
