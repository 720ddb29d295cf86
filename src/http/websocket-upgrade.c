/* roomcast: the checks before a WebSocket upgrade; see websocket-upgrade.h. */
#include "http/websocket-upgrade.h"
#include "http/http-server.h"
#include "core/metrics.h"

char *
rc_websocket_upgrade_peer (SoupServerMessage *msg)
{
  GSocketAddress *sa = soup_server_message_get_remote_address (msg);
  if (!G_IS_INET_SOCKET_ADDRESS (sa))
    return g_strdup ("?");
  g_autofree char *ip = g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa)));
  return g_strdup_printf ("%s:%u", ip,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa)));
}

gboolean
rc_websocket_upgrade_check_client (SoupServerMessage *msg, const RcConfig *config,
                                   const char *refused_metric, const char *refused_help,
                                   gboolean draining)
{
  const char *origin =
    soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Origin");

  if (origin && !rc_config_origin_allowed (config, origin)) {
    rc_metrics_counter_inc (refused_metric, refused_help, "reason=\"origin\"");
    g_autofree char *peer = rc_websocket_upgrade_peer (msg);
    g_info ("refused WebSocket from %s: origin %s is not in CORS_ORIGINS", peer, origin);
    rc_http_reply_error (msg, SOUP_STATUS_FORBIDDEN, "origin_not_allowed",
                         "this Origin is not allowed (CORS_ORIGINS)");
    return FALSE;
  }
  if (draining) {
    rc_http_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting_down",
                         "the server is shutting down; reconnect elsewhere");
    return FALSE;
  }
  return TRUE;
}

gboolean
rc_websocket_upgrade_check (SoupServerMessage *msg, const RcConfig *config,
                            const char *refused_metric, const char *refused_help,
                            gboolean draining)
{
  if (!rc_websocket_upgrade_check_client (msg, config, refused_metric, refused_help, draining))
    return FALSE;
  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, NULL)) {
    rc_http_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "not_websocket",
                         "expected a WebSocket upgrade request");
    return FALSE;
  }
  return TRUE;
}
