/* roomcastd: the roomcast daemon.
 *
 * Reads the configuration, builds the services on one GLib main loop and
 * runs until SIGINT/SIGTERM, then disconnects clients cleanly and exits 0.
 */
#include <glib-unix.h>
#include <gst/gst.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "roomcast-build-config.h"
#include "config.h"
#include "config-tls.h"
#include "log.h"
#include "auth/auth-provider.h"
#include "cluster/node-registry.h"
#include "cluster/room-claims.h"
#include "auth/auth-composite.h"
#include "auth/auth-jwt.h"
#include "auth/auth-laravel.h"
#include "auth/laravel-check.h"
#include "services/auth-revocation.h"
#include "http/http-server.h"
#include "core/metrics.h"
#include "http/static-files.h"
#include "gifts/gift-batcher.h"
#include "gifts/gift-ledger.h"
#include "gifts/gift-processor-laravel.h"
#include "gifts/gift-queue-memory.h"
#include "gifts/gift-queue-redis.h"
#include "gifts/gift-service.h"
#include "laravel/laravel-client.h"
#include "media/media-debug.h"
#include "media/media-probe.h"
#include "media/media-service.h"
#include "media/recording-service.h"
#include "services/room-status.h"
#include "redis/redis-client.h"
#include "sio/sio-server.h"
#include "hub/hub.h"
#include "daemon/drain.h"
#include "daemon/fd-limit.h"
#include "daemon/systemd-notify.h"
#include "services/admin-api.h"
#include "services/cluster-api.h"
#include "services/rate-gate.h"
#include "services/room-service.h"
#include "store/store-memory.h"
#include "store/store-redis.h"

typedef struct {
  GMainLoop *loop;
  RcConfig *config;
  const char *config_path; /* for SIGHUP */
  GHashTable *overrides;   /* CLI settings, for SIGHUP */
  RcHttpServer *http;
  RcSioServer *sio;
  RcRoomService *rooms;
  RcMediaService *media;
  RcRedisClient *redis;              /* NULL without REDIS_HOST */
  RcLaravelClient *laravel;          /* NULL without LARAVEL_API_URL */
  RcLaravelCheck *laravel_check;     /* "laravel_check" in /health, with laravel */
  RcRevocationWatcher *revocation;   /* laravel auth with Redis only */
  RcRoomStatusReporter *room_status; /* NULL without LARAVEL_API_URL */
  RcGiftService *gifts;
  RcAdminApi *admin;
  RcNodeRegistry *nodes; /* NULL without Redis: the node is alone */
  RcRoomClaims *claims;  /* likewise */
  RcClusterApi *cluster; /* GET /admin/nodes, GET /api/rooms/{id}/node */
  RcDrain *drain;        /* SIGTERM/SIGINT: see daemon/drain.h */
} Daemon;

static gboolean
on_stop_signal (gpointer data)
{
  Daemon *d = data;
  rc_drain_signal (d->drain);
  return G_SOURCE_CONTINUE;
}

/* SIGHUP: re-read the key file (and the environment, which only changes
 * across restarts) and apply what can change safely. */
static gboolean
on_reload_signal (gpointer data)
{
  Daemon *d = data;
  rc_systemd_reloading ();
  g_autoptr (RcConfig) fresh = rc_config_new ();
  fresh->dev = d->config->dev;
  fresh->dev_remote = d->config->dev_remote;
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (GError) error = NULL;
  if (!rc_config_load (fresh, d->config_path, (const char *const *) env, d->overrides,
                       &error)) {
    g_warning ("reload refused, keeping the running configuration:\n%s", error->message);
    rc_systemd_reloaded ();
    return G_SOURCE_CONTINUE;
  }
  g_autofree char *reloaded = NULL, *restart = NULL;
  rc_config_reload (d->config, fresh, &reloaded, &restart);
  rc_log_set_level (d->config->log_level);
  g_info ("reloaded configuration: %s", *reloaded ? reloaded : "nothing changed");
  /* A renewed certificate at the same paths (the paths need a restart). */
  rc_http_server_reload_tls (d->http);
  if (*restart)
    g_warning ("changed settings that need a restart to apply: %s", restart);
  rc_systemd_reloaded ();
  return G_SOURCE_CONTINUE;
}

static char *
service_status (gpointer data)
{
  Daemon *d = data;
  return g_strdup_printf ("%u connection(s)", rc_sio_server_get_n_connections (d->sio));
}

/* The watchdog's liveness: the main loop runs (this is called) and the
 * listener accepted the connection to itself made on the previous tick. */
static gboolean
listener_alive (gpointer data, const char **why)
{
  Daemon *d = data;
  RcHttpListener *listener = rc_http_server_get_listener (d->http);
  if (listener && !rc_http_listener_check_alive (listener)) {
    *why = "the HTTP listener did not accept a connection to itself";
    return FALSE;
  }
  return TRUE;
}

/* What this node reports at each heartbeat (cluster/node-registry.h). */
static void
node_load (RcNodeLoad *load, gpointer data)
{
  Daemon *d = data;
  if (d->rooms == NULL)
    return; /* still starting */
  load->rooms = rc_room_registry_get_n_rooms (rc_room_service_get_registry (d->rooms));
  load->participants = rc_room_service_get_n_participants (d->rooms);
  load->media_peers = d->media ? rc_media_service_get_n_peers (d->media) : 0;
}

/* Several nodes on one Redis: claim WORKER_ID, refusing to start when a
 * live node holds it. First of all, before anything uses the id (the gift
 * queue's gifts:inflight:{WORKER_ID}) or a client can connect. The heartbeat
 * takes over the in-flight gift batches of nodes that died. FALSE: do not
 * start. */
static gboolean
join_cluster (Daemon *d, const RcConfig *config, GError **error)
{
  d->nodes = rc_node_registry_new (d->redis, config, config->port);
  rc_node_registry_set_load_func (d->nodes, node_load, d);
  {
    g_autofree char *own = g_strconcat (RC_GIFT_INFLIGHT_PREFIX, config->worker_id, NULL);
    rc_node_registry_reclaim_lists (d->nodes, RC_GIFT_INFLIGHT_PREFIX, own);
  }
  if (!rc_node_registry_start (d->nodes, error))
    return FALSE;
  d->claims = rc_room_claims_new (d->nodes, config);
  return TRUE;
}

/* The live nodes' URLs, for the demo page's connect-src (http/static-files.h). */
static GStrv
cluster_node_urls (gpointer data)
{
  Daemon *d = data;
  if (!d->nodes) /* cleared at shutdown */
    return NULL;
  GPtrArray *nodes = rc_node_registry_get_nodes (d->nodes);
  g_autoptr (GStrvBuilder) urls = g_strv_builder_new ();
  for (guint i = 0; nodes && i < nodes->len; i++)
    g_strv_builder_add (urls, ((RcNodeInfo *) g_ptr_array_index (nodes, i))->url);
  return g_strv_builder_end (urls);
}

static gboolean
static_health (JsonBuilder *b, gpointer data)
{
  Daemon *d = data;
  /* Redis and Laravel report themselves when configured. */
  if (!d->redis) {
    json_builder_set_member_name (b, "redis");
    json_builder_add_string_value (b, "disabled");
  }
  if (!d->laravel) {
    json_builder_set_member_name (b, "laravel");
    json_builder_add_string_value (b, "disabled");
  }
  /* Answering at all means the listener accepted this request; "false"
   * here means it is backing off from an accept error right now. */
  RcHttpListener *listener = rc_http_server_get_listener (d->http);
  if (listener) {
    json_builder_set_member_name (b, "http");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "accepting");
    json_builder_add_boolean_value (b, rc_http_listener_is_accepting (listener));
    json_builder_set_member_name (b, "connections");
    json_builder_add_int_value (b, rc_http_listener_get_n_connections (listener));
    json_builder_end_object (b);
    return rc_http_listener_is_accepting (listener);
  }
  return TRUE;
}

/* rc_config_load() has checked that the chosen providers' settings exist
 * and that dev is alone. laravel and jwt together: a JWT to jwt, any other
 * token to Laravel (auth/auth-composite.h). */
static RcAuthProvider *
make_auth_provider (const RcConfig *config, RcLaravelClient *laravel, RcRedisClient *redis)
{
  if (config->auth_provider == RC_AUTH_DEV) {
    g_warning ("dev mode: tokens dev:<id>:<name>[:<role>] are accepted without checks; "
               "never expose this server");
    return rc_dev_auth_new ();
  }
  g_autoptr (RcAuthProvider) sanctum = NULL, jwt = NULL;
  if (config->auth_provider & RC_AUTH_LARAVEL)
    sanctum = rc_laravel_auth_new (laravel, redis, config->auth_cache_ttl_s,
                                   config->laravel_redis_prefix);
  if (config->auth_provider & RC_AUTH_JWT) {
    RcJwtOptions options = {
      .audience = config->jwt_audience,
      .issuer = config->jwt_issuer,
      .user_model = config->jwt_user_model,
      .max_lifetime_s = config->jwt_max_lifetime_s,
      .trust_role = config->jwt_trust_role,
    };
    jwt = rc_jwt_auth_new (config->jwt_secret, &options, redis, config->laravel_redis_prefix);
  }
  if (sanctum && jwt)
    return rc_composite_auth_new (jwt, sanctum);
  return sanctum ? g_steal_pointer (&sanctum) : g_steal_pointer (&jwt);
}

static void
on_laravel_checked (RcLaravelCheck *check, gpointer data)
{
  g_main_loop_quit (data);
}

/* --check-laravel: one validate call with a token that cannot be valid,
 * the verdict on stdout (laravel-check.h). 0 when Laravel is reachable and
 * takes our key, 1 otherwise, 2 without Laravel settings. */
static int
check_laravel (const RcConfig *config)
{
  if (!config->laravel_api_url || !config->laravel_internal_key) {
    fprintf (stderr, "roomcastd --check-laravel: LARAVEL_API_URL and LARAVEL_INTERNAL_KEY "
                     "are not both set: there is no Laravel to check\n");
    return 2;
  }
  rc_log_init (config->log_level);
  g_autoptr (RcLaravelClient) laravel = rc_laravel_client_new_from_config (config);
  g_autoptr (RcLaravelCheck) check = rc_laravel_check_new (laravel);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  printf ("POST %s%s with a token that cannot be valid...\n", config->laravel_api_url,
          RC_LARAVEL_VALIDATE_PATH);
  fflush (stdout);
  rc_laravel_check_start (check, on_laravel_checked, loop);
  g_main_loop_run (loop);
  printf ("%s: %s\n", rc_laravel_check_get_result (check),
          rc_laravel_check_get_message (check));
  return g_str_equal (rc_laravel_check_get_result (check), "ok") ? 0 : 1;
}

/* The gift pipeline: queue (Redis or memory) -> batcher -> Laravel, or the
 * dev ledger with --dev and no LARAVEL_API_URL; off otherwise. FALSE if the
 * dev ledger's price list exists but is invalid. */
static gboolean
start_gifts (Daemon *d, const RcConfig *config, RcRateGate *gate, GError **error)
{
  g_autoptr (RcGiftQueue) queue = d->redis ? rc_gift_queue_redis_new (d->redis, config)
                                           : rc_gift_queue_memory_new ();
  g_autoptr (RcGiftProcessor) processor = NULL;
  g_autoptr (RcGiftLedger) ledger = NULL;
  g_autoptr (RcGiftBatcher) batcher = NULL;

  if (d->laravel) {
    processor = rc_gift_processor_laravel_new (d->laravel);
  } else if (config->dev && !g_file_test (config->gifts_file, G_FILE_TEST_EXISTS)) {
    g_warning ("gifts: the dev ledger's price list GIFTS_FILE=%s does not exist; gifts are off "
               "(point GIFTS_FILE at data/gifts.json)",
               config->gifts_file);
  } else if (config->dev) {
    ledger = rc_gift_ledger_new_from_file (config->gifts_file, error);
    if (!ledger)
      return FALSE;
    processor = g_object_ref (RC_GIFT_PROCESSOR (ledger));
    g_warning ("gifts: dev ledger (no LARAVEL_API_URL): %u gifts from %s, every user starts "
               "with %" G_GINT64_FORMAT " coins; balances are not kept across restarts",
               rc_gift_ledger_get_n_gifts (ledger), config->gifts_file,
               rc_gift_ledger_get_balance (ledger, ""));
  } else {
    g_warning ("gifts: no LARAVEL_API_URL: gift:send is refused (gift_unavailable)");
  }
  if (processor)
    batcher = rc_gift_batcher_new (queue, processor);
  d->gifts = rc_gift_service_new (d->sio, d->rooms, gate, queue, batcher, ledger, config);
  rc_gift_service_add_health (d->gifts, rc_http_server_get_health (d->http));
  if (processor)
    g_info ("gifts: queued in %s (%s), batches of up to %u every %u ms to %s, in-flight "
            "list " RC_GIFT_INFLIGHT_PREFIX "%s",
            rc_gift_queue_get_name (queue),
            rc_gift_queue_is_durable (queue) ? "durable" : "NOT durable", RC_GIFT_BATCH_MAX,
            RC_GIFT_BATCH_INTERVAL_MS, rc_gift_processor_get_name (processor),
            config->worker_id);
  return TRUE;
}

/* Where our mixminus plugin is: the build tree's for the roomcastd of that
 * build tree (what ./scripts/run starts), else the installed one. */
static const char *
plugin_dir (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  return g_strcmp0 (exe, ROOMCAST_BUILD_DAEMON) == 0 ? ROOMCAST_BUILD_PLUGINDIR
                                                     : ROOMCAST_PLUGINDIR;
}

/* The room pipelines: GStreamer, our mixminus plugin (GST_PLUGIN_PATH, or
 * plugin_dir()) and media:*. FALSE when media is enabled but some element a
 * room needs is missing: better no daemon than rooms without audio. */
static gboolean
probe_media (const RcConfig *config, GError **error)
{
  if (!config->media_enabled)
    return TRUE;
  gst_init (NULL, NULL);
  return rc_media_probe (plugin_dir (), config->record_dir && *config->record_dir,
                         config->recv_transport == RC_RECV_TRANSPORT_LITE, error);
}

static void
media_disabled (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  if (ack)
    rc_sio_ack_error (ack, "media_unavailable",
                      "audio is disabled on this server (MEDIA_ENABLED=false)");
}

static void
start_media (Daemon *d, RcConfig *config)
{
  if (!config->media_enabled) {
    g_warning ("media: disabled (MEDIA_ENABLED=false): rooms have no audio, media:connect "
               "answers media_unavailable");
    rc_sio_server_on (d->sio, "media:connect", media_disabled, NULL);
    return;
  }
  d->media = rc_media_service_new (d->sio, d->rooms, config);
  rc_media_service_add_health (d->media, rc_http_server_get_health (d->http));
}

int
main (int argc, char **argv)
{
  gboolean dev = FALSE, dev_remote = FALSE, check_config = FALSE, check_laravel_flag = FALSE,
           version = FALSE;
  g_autofree char *config_path = NULL, *listen = NULL, *log_level = NULL, *record_dir = NULL;
  gint port = -1;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      "Read settings from this key file ([roomcast] group)", "FILE" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Listen on this TCP port (PORT)", "PORT" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "Listen on this IP address (LISTEN_ADDR)",
      "ADDR" },
    { "log-level", 0, 0, G_OPTION_ARG_STRING, &log_level,
      "error, warn, info or debug (LOG_LEVEL)", "LEVEL" },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &record_dir,
      "Record every room's mix to files in this directory (RECORD_DIR)", "DIR" },
    { "dev", 0, 0, G_OPTION_ARG_NONE, &dev,
      "Development mode: dev tokens, no Laravel needed (loopback only)", NULL },
    { "dev-remote", 0, 0, G_OPTION_ARG_NONE, &dev_remote,
      "Let --dev listen on a non-loopback address (anyone reaching it can act as any user)",
      NULL },
    { "check-config", 0, 0, G_OPTION_ARG_NONE, &check_config,
      "Print the effective configuration (secrets redacted) and exit: 0 if valid, 2 if not",
      NULL },
    { "check-laravel", 0, 0, G_OPTION_ARG_NONE, &check_laravel_flag,
      "Call Laravel's auth/validate with a token that cannot be valid and say whether Laravel "
      "is reachable and takes LARAVEL_INTERNAL_KEY; exit 0 if so",
      NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  /* HTTPS (TLS_CERT_FILE) with TLS 1.2 and 1.3 only: before any thread. */
  rc_config_tls_set_priority ();
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- roomcast audio room server");
  g_option_context_set_summary (ctx, "Every setting can also come from the environment (PORT, "
                                     "REDIS_HOST, LARAVEL_API_URL, ...)\n"
                                     "or a key file; precedence: flag > environment > file > "
                                     "default.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    fprintf (stderr, "roomcastd: %s (try --help)\n", error->message);
    return 2;
  }
  if (version) {
    printf ("roomcastd %s\n", ROOMCAST_VERSION);
    return 0;
  }

  g_autoptr (RcConfig) config = rc_config_new ();
  config->dev = dev;
  config->dev_remote = dev_remote;
  g_autoptr (GHashTable)
    overrides = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  if (port >= 0)
    g_hash_table_insert (overrides, "PORT", g_strdup_printf ("%d", port));
  if (listen)
    g_hash_table_insert (overrides, "LISTEN_ADDR", g_strdup (listen));
  if (log_level)
    g_hash_table_insert (overrides, "LOG_LEVEL", g_strdup (log_level));
  if (record_dir)
    g_hash_table_insert (overrides, "RECORD_DIR", g_strdup (record_dir));
  g_auto (GStrv) env = g_get_environ ();
  if (!rc_config_load (config, config_path, (const char *const *) env, overrides, &error)) {
    fprintf (stderr, "roomcastd: invalid configuration:\n%s\n", error->message);
    return 2;
  }
  if (config->record_dir && *config->record_dir &&
      !rc_recording_check_dir (config->record_dir, &error)) {
    fprintf (stderr, "roomcastd: invalid configuration:\nRECORD_DIR: %s\n", error->message);
    return 2;
  }
  if (config->record_dir && *config->record_dir && !config->media_enabled) {
    fprintf (stderr, "roomcastd: invalid configuration:\nRECORD_DIR: recording needs "
                     "MEDIA_ENABLED=true\n");
    return 2;
  }
  if (check_config) {
    g_autofree char *dump = rc_config_dump (config);
    printf ("%s", dump);
    return 0;
  }
  if (check_laravel_flag)
    return check_laravel (config);

  rc_log_init (config->log_level);
  /* hiredis and OpenSSL write to sockets with write(2): a peer that has
   * just closed must give EPIPE, not kill the daemon. */
  signal (SIGPIPE, SIG_IGN);
  if (!probe_media (config, &error)) {
    g_critical ("cannot start: %s", error->message);
    return 2;
  }
  guint fd_limit = rc_fd_limit_raise ();
  g_info ("file descriptors: %u allowed", fd_limit);
  Daemon d = { 0 };
  if (config->redis_host)
    d.redis = rc_redis_client_new (config);
  if (d.redis && !join_cluster (&d, config, &error)) {
    g_critical ("cannot start: %s", error->message);
    return 1;
  }
  if (config->laravel_api_url && config->laravel_internal_key)
    d.laravel = rc_laravel_client_new_from_config (config);
  g_autoptr (RcAuthProvider) auth = make_auth_provider (config, d.laravel, d.redis);

  g_autoptr (RcStaticFiles) web = NULL;
  if (config->web_root && *config->web_root) {
    web = rc_static_files_new (config->web_root, &error);
    if (!web) {
      g_critical ("cannot serve the web root: %s", error->message);
      return 2;
    }
    if (d.nodes)
      rc_static_files_set_connect_urls_func (web, cluster_node_urls, &d);
  }

  d.loop = g_main_loop_new (NULL, FALSE);
  d.config = config;
  d.config_path = config_path;
  d.overrides = overrides;
  d.http = rc_http_server_new (config);
  if (web) {
    rc_static_files_attach (web, rc_http_server_get_soup (d.http));
    g_info ("serving the web root %s at /", rc_static_files_get_root (web));
  }
  d.sio = rc_sio_server_new (config, auth);
  rc_sio_server_attach (d.sio, rc_http_server_get_soup (d.http));
  /* The realtime hub (Laravel broadcasting): off without a Pusher app,
   * BROADCAST_API_KEY and BROADCAST_AUTH_URL (hub/hub.h). */
  g_autoptr (RcHub) hub = rc_hub_new (config);
  if (hub) {
    rc_hub_attach (hub, rc_http_server_get_soup (d.http));
    rc_hub_add_health (hub, rc_http_server_get_health (d.http));
    rc_hub_start_redis (hub, rc_http_server_get_health (d.http));
    /* Events and presence across the nodes on the same Redis. */
    if (d.redis)
      rc_hub_start_cluster (hub, d.redis, rc_http_server_get_health (d.http));
    rc_hub_attach_sio (hub, d.sio);
  }
  rc_sio_server_add_health (d.sio, rc_http_server_get_health (d.http));
  rc_health_add (rc_http_server_get_health (d.http), static_health, &d);
  g_autoptr (RcStore) store = d.redis ? rc_store_redis_new (d.redis) : rc_store_memory_new ();
  if (!d.redis)
    g_warning ("no REDIS_HOST: room state, seats and rate limits live in this process only, "
               "and the gift queue is NOT durable: acknowledged gifts that have not reached "
               "Laravel yet are lost if roomcastd stops or crashes");
  /* The one rate-limit path of chat, typing and gifts: Redis counters
   * shared by every worker, or (no Redis) the in-process limiter. */
  g_autoptr (RcRateGate) gate = rc_rate_gate_new (d.redis ? store : NULL);
  d.rooms = rc_room_service_new (d.sio, store, gate, config);
  if (d.claims)
    rc_room_service_set_claims (d.rooms, d.claims); /* rooms placed across the nodes */
  rc_room_service_add_health (d.rooms, rc_http_server_get_health (d.http));
  if (hub)
    rc_hub_attach_rooms (hub, d.rooms); /* presence-room.{roomId} */
  start_media (&d, config);
  if (d.laravel) {
    d.room_status = rc_room_status_reporter_new (d.rooms, d.laravel);
    /* ROOM_OWNERSHIP=laravel: a room opens when its first status call
     * answers that Laravel knows it. */
    if (config->room_ownership == RC_ROOM_OWNERSHIP_LARAVEL)
      rc_room_service_set_opener (d.rooms, RC_ROOM_OPENER (d.room_status));
  } else
    g_info ("room status: no LARAVEL_API_URL, room status is not posted anywhere");
  if (!start_gifts (&d, config, gate, &error)) {
    g_critical ("cannot start: GIFTS_FILE: %s", error->message);
    return 2;
  }
  if (d.redis)
    rc_redis_client_add_health (d.redis, rc_http_server_get_health (d.http));
  if (d.laravel) {
    rc_laravel_client_add_health (d.laravel, rc_http_server_get_health (d.http));
    d.laravel_check = rc_laravel_check_new (d.laravel);
    rc_laravel_check_add_health (d.laravel_check, rc_http_server_get_health (d.http));
  }
  if (d.redis && (config->auth_provider & (RC_AUTH_LARAVEL | RC_AUTH_JWT)))
    d.revocation = rc_revocation_watcher_new (d.sio, d.redis, config->laravel_redis_prefix,
                                              RC_REVOCATION_CHECK_MS);
  /* Modules add to GET /admin/rooms/{id} with rc_admin_api_add_room_detail(). */
  d.admin = rc_admin_api_new (config, d.sio, d.rooms);
  rc_admin_api_attach (d.admin, rc_http_server_get_soup (d.http));
  /* "media" in room details, and GET /admin/rooms/{id}/pipeline.dot. */
  if (d.media)
    rc_media_debug_attach (d.admin, d.media);
  if (!rc_http_server_listen (d.http, &error)) {
    g_critical ("cannot listen on %s:%u: %s", config->listen_addr, config->port,
                error->message);
    return 1;
  }
  {
    g_autofree char *url = rc_node_public_url (config, rc_http_server_get_port (d.http));
    if (d.nodes) { /* now that the port is known */
      rc_node_registry_set_url (d.nodes, url);
      rc_node_registry_add_health (d.nodes, rc_http_server_get_health (d.http));
    }
    d.cluster = rc_cluster_api_new (config, d.rooms, d.claims, url);
    rc_cluster_api_attach (d.cluster, rc_http_server_get_soup (d.http), d.admin);
  }
  RcDrainTargets drain_targets = { d.loop,  config,        d.sio, d.rooms, d.media,
                                   d.gifts, d.room_status, hub,   d.nodes };
  d.drain = rc_drain_new (&drain_targets);
  g_info ("roomcastd %s listening on %s://%s:%u (auth %s, log level %s)", ROOMCAST_VERSION,
          rc_http_server_is_tls (d.http) ? "https" : "http", config->listen_addr,
          rc_http_server_get_port (d.http), rc_auth_provider_get_name (auth),
          config->log_level_name);
  /* For the developer at the terminal, never through the logger (whose
   * sinks may be the journal or a file): the secret signs private-channel
   * auth. stderr, as stdout can be a test's TAP stream. */
  if (hub && config->dev_pusher_app)
    fprintf (stderr, "dev Pusher app for this run: id=%s key=%s secret=%s\n",
             config->pusher_app_id, config->pusher_app_key, config->pusher_app_secret);

  guint sigint = g_unix_signal_add (SIGINT, on_stop_signal, &d);
  guint sigterm = g_unix_signal_add (SIGTERM, on_stop_signal, &d);
  guint sighup = g_unix_signal_add (SIGHUP, on_reload_signal, &d);
  g_autofree char *status = g_strdup_printf ("listening on port %u",
                                             rc_http_server_get_port (d.http));
  rc_systemd_set_liveness (listener_alive, &d);
  rc_systemd_ready (status, service_status, &d);
  g_main_loop_run (d.loop);

  rc_systemd_shutdown ();
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_source_remove (sighup);
  rc_http_server_stop_listening (d.http);
  if (hub)
    rc_hub_shutdown (hub);
  g_clear_pointer (&d.drain, rc_drain_free);
  g_clear_object (&d.cluster);
  g_clear_object (&d.admin);
  if (d.nodes)
    rc_node_registry_stop (d.nodes); /* a second signal skipped the drain */
  g_clear_object (&d.revocation);
  g_clear_object (&d.gifts);
  g_clear_object (&d.room_status);
  g_clear_object (&d.media);
  g_clear_object (&d.rooms);
  g_clear_object (&d.claims);
  g_clear_object (&d.nodes);
  g_clear_object (&gate);
  g_clear_object (&store);
  g_clear_object (&d.sio);
  g_clear_object (&d.http);
  g_clear_object (&d.laravel_check);
  g_clear_object (&auth);
  g_clear_object (&d.laravel);
  g_clear_object (&d.redis);
  g_main_loop_unref (d.loop);
  rc_metrics_reset ();
  g_info ("stopped");
  return 0;
}
