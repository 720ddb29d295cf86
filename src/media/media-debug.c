/* roomcast: the room pipelines in the admin API; see media-debug.h. */
#include "media/media-debug.h"
#include "http/http-server.h"

static void
add_uint (JsonBuilder *b, const char *name, guint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, (gint64) MIN (value, (guint64) G_MAXINT64));
}

static void
add_string_or_null (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_boolean (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

static void
add_peer (const RcRoomMediaPeerInfo *info, gpointer data)
{
  JsonBuilder *b = data;
  RcMediaPeerStats stats;

  rc_media_peer_get_stats (info->peer, &stats);
  json_builder_begin_object (b);
  add_string_or_null (b, "userId", info->user_id);
  add_string_or_null (b, "element", info->name);
  add_string_or_null (b, "state",
                      rc_media_peer_state_to_string (rc_media_peer_get_state (info->peer)));
  add_string_or_null (b, "iceState", rc_media_peer_get_ice_state (info->peer));
  json_builder_set_member_name (b, "seat");
  if (info->seat >= 0)
    json_builder_add_int_value (b, info->seat);
  else
    json_builder_add_null_value (b);
  add_boolean (b, "mixed", info->mixed);
  add_boolean (b, "ownMix", info->own_mix);
  add_boolean (b, "speaking", info->speaking);
  add_uint (b, "packetsIn", stats.packets_in);
  add_uint (b, "packetsOut", stats.packets_out);
  add_uint (b, "packetsOffered", stats.packets_offered);
  add_uint (b, "packetsDropped",
            stats.packets_offered - MIN (stats.packets_out, stats.packets_offered));
  add_uint (b, "bytesIn", stats.bytes_in);
  add_uint (b, "bytesOut", stats.bytes_out);
  /* Two transports: its send transport while it publishes, else null. */
  json_builder_set_member_name (b, "send");
  if (info->sender != NULL) {
    RcMediaPeerStats sent;

    rc_media_peer_get_stats (info->sender, &sent);
    json_builder_begin_object (b);
    add_string_or_null (b, "state",
                        rc_media_peer_state_to_string (rc_media_peer_get_state (info->sender)));
    add_string_or_null (b, "iceState", rc_media_peer_get_ice_state (info->sender));
    add_uint (b, "packetsIn", sent.packets_in);
    add_uint (b, "bytesIn", sent.bytes_in);
    json_builder_end_object (b);
  } else {
    json_builder_add_null_value (b);
  }
  json_builder_end_object (b);
}

static const char *
pipeline_state (GstElement *pipeline)
{
  GstState state;

  GST_OBJECT_LOCK (pipeline);
  state = GST_STATE (pipeline);
  GST_OBJECT_UNLOCK (pipeline);
  return gst_element_state_get_name (state);
}

/* GET /admin/rooms/{id}: "media". */
static void
room_detail (JsonBuilder *b, const char *room_id, gpointer data)
{
  RcRoomMedia *media = rc_media_service_get_room_media (data, room_id);
  GstElement *pipeline = media ? rc_room_media_get_pipeline (media) : NULL;
  guint64 in = 0, out = 0, offered = 0;

  if (media != NULL)
    rc_room_media_get_packets (media, &in, &out, &offered);
  json_builder_set_member_name (b, "media");
  json_builder_begin_object (b);
  add_string_or_null (b, "pipeline", pipeline ? GST_OBJECT_NAME (pipeline) : NULL);
  add_string_or_null (b, "state", pipeline ? pipeline_state (pipeline) : NULL);
  add_uint (b, "peers", media ? rc_room_media_get_n_peers (media) : 0);
  add_uint (b, "speakers", media ? rc_room_media_get_n_speakers (media) : 0);
  add_uint (b, "encoders", media ? rc_room_media_get_n_encoders (media) : 0);
  add_uint (b, "fanoutGroups", media ? rc_room_media_get_n_fanout_groups (media) : 0);
  /* Dropped by a fan-out group's queue: that group's thread fell behind. */
  add_uint (b, "fanoutDropped", media ? rc_room_media_get_fanout_dropped (media) : 0);
  /* Since the pipeline started, peers already gone included. */
  add_uint (b, "packetsIn", in);
  add_uint (b, "packetsOut", out);
  add_uint (b, "packetsOffered", offered);
  add_uint (b, "packetsDropped", offered - MIN (out, offered));
  json_builder_set_member_name (b, "peerList");
  json_builder_begin_array (b);
  if (media != NULL)
    rc_room_media_foreach_peer (media, add_peer, b);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* GET /admin/rooms/{id}/pipeline.dot */
static guint
pipeline_dot (SoupServerMessage *msg, const char *room_id, gpointer data)
{
  RcRoomMedia *media = rc_media_service_get_room_media (data, room_id);
  char *dot;

  if (media == NULL) {
    rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found",
                         "the room has no media pipeline (nobody sent media:connect)");
    return SOUP_STATUS_NOT_FOUND;
  }
  dot = gst_debug_bin_to_dot_data (GST_BIN (rc_room_media_get_pipeline (media)),
                                   GST_DEBUG_GRAPH_SHOW_ALL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/vnd.graphviz", SOUP_MEMORY_TAKE, dot,
                                    strlen (dot));
  return SOUP_STATUS_OK;
}

void
rc_media_debug_attach (RcAdminApi *admin, RcMediaService *media)
{
  g_return_if_fail (RC_IS_ADMIN_API (admin) && RC_IS_MEDIA_SERVICE (media));
  rc_admin_api_add_room_detail (admin, room_detail, media);
  rc_admin_api_add_room_resource (admin, "pipeline.dot", pipeline_dot, media);
}
