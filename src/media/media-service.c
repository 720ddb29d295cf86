/* roomcast: media:* events → room pipelines; see media-service.h. */
#include "media/media-service.h"

#include <gst/gst.h>

#include "core/metrics.h"
#include "media/media-peer-lite.h"
#include "media/media-peer-webrtc.h"
#include "media/media-session.h"
#include "media/recording-service.h"
#include "media/room-media.h"
#include "rooms/rate-limit.h"

/* One socket's media: its room, its user and its session. The peer lives in
 * the room's RcRoomMedia under the socket id. */
typedef struct {
  RcMediaService *self;
  RcSioSocket *socket; /* ref */
  char *socket_id;
  char *room_id;
  char *user_id;
  RcMediaSession *session; /* its receive transport's (webrtcbin: its only one) */
  gulong ended_id;
  RcMediaSession *send; /* its send transport's, while it publishes (lite) */
  gulong send_ended_id;
} Entry;

struct _RcMediaService {
  GObject parent_instance;
  RcRecordingService *recordings; /* room recordings (RECORD_DIR); follows medias */
  RcSioServer *sio;
  RcRoomService *rooms;
  const RcConfig *config;
  RcMediaPeerFactory peers;   /* every participant's receive transport */
  RcMediaPeerFactory senders; /* seated speakers' send transports; none with webrtcbin */
  GHashTable *entries;        /* socket id -> Entry* */
  GHashTable *medias;         /* room id -> RcRoomMedia* */
  GHashTable *dirty;          /* room ids to re-route on the next idle */
  guint reconcile_source;
  gulong changed_id, disconnected_id;
  guint64 closed_in, closed_out, closed_offered; /* packets of pipelines already freed */
  RcRateLimiter *connects; /* media:connect per socket id: each builds a webrtcbin */
  RcRateLimiter *ices;     /* media:ice per socket id */
};

/* Far above what a client that works needs (one media:connect per seat
 * change or reconnect, a handful of candidates per session), far below
 * what costs the server. */
#define MEDIA_CONNECTS_PER_MINUTE 20
#define MEDIA_ICE_PER_10S 100

G_DEFINE_FINAL_TYPE (RcMediaService, rc_media_service, G_TYPE_OBJECT)

/* --- entries -------------------------------------------------------------- */

/* The send transport's session closed (no more signalling; closes its
 * peer), then the sender out of the room. FALSE if there was none. */
static gboolean
entry_unpublish (Entry *e)
{
  RcRoomMedia *media = g_hash_table_lookup (e->self->medias, e->room_id);

  if (e->send == NULL)
    return FALSE;
  g_clear_signal_handler (&e->send_ended_id, e->send);
  rc_media_session_close (e->send);
  if (media != NULL)
    rc_room_media_remove_sender (media, e->socket_id);
  g_clear_object (&e->send);
  return TRUE;
}

/* Sessions first (no more signalling; closes the peers), then the room's
 * per-peer elements. Always on the main loop, whatever state the peer is in. */
static void
entry_free (gpointer data)
{
  Entry *e = data;
  RcRoomMedia *media = g_hash_table_lookup (e->self->medias, e->room_id);

  entry_unpublish (e);
  g_clear_signal_handler (&e->ended_id, e->session);
  rc_media_session_close (e->session);
  if (media != NULL)
    rc_room_media_remove_peer (media, e->socket_id);
  g_object_unref (e->session);
  g_object_unref (e->socket);
  g_free (e->socket_id);
  g_free (e->room_id);
  g_free (e->user_id);
  g_free (e);
}

static void
remove_entry (RcMediaService *self, const char *socket_id, const char *reason)
{
  g_autofree char *labels = g_strdup_printf ("reason=\"%s\"", reason);

  if (g_hash_table_remove (self->entries, socket_id))
    rc_metrics_counter_inc ("roomcast_media_peers_removed_total",
                            "Media peers removed, by reason", labels);
}

/* --- routing -------------------------------------------------------------- */

static void
free_media (RcMediaService *self, const char *room_id)
{
  RcRoomMedia *media = g_hash_table_lookup (self->medias, room_id);
  guint64 in, out, offered;

  if (media == NULL)
    return;
  rc_room_media_get_packets (media, &in, &out, &offered);
  self->closed_in += in;
  self->closed_out += out;
  self->closed_offered += offered;
  /* Off the pipeline before it stops; the file is finished afterwards. */
  rc_recording_service_media_ending (self->recordings, room_id);
  g_hash_table_remove (self->medias, room_id);
}

/* The send transport closed by the server: the client is told
 * (media:unpublished {reason}) so that it closes its side. */
static void
unpublished (Entry *e, const char *reason)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  if (!entry_unpublish (e))
    return;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  rc_sio_socket_emit (e->socket, "media:unpublished", payload);
  g_info ("media: sid=%s: send transport closed: %s", e->socket_id, reason);
}

/* Route every peer of @room_id from the registry's current state: who is
 * seated where, who is muted, who is still bound to the room. */
static void
reconcile (RcMediaService *self, const char *room_id)
{
  RcRoomMedia *media = g_hash_table_lookup (self->medias, room_id);
  RcRoom *room = rc_room_service_lookup (self->rooms, room_id);
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  gboolean closed = room == NULL || rc_room_get_status (room) == RC_ROOM_STATUS_CLOSED;

  if (media == NULL)
    return;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Entry *e = value;
    const char *bound;
    gint seat;
    const RcSeat *s;

    if (!g_str_equal (e->room_id, room_id))
      continue;
    bound = rc_room_service_get_socket_room (self->rooms, e->socket);
    if (closed || g_strcmp0 (bound, room_id) != 0) {
      g_ptr_array_add (gone, e->socket_id);
      continue;
    }
    seat = rc_room_get_user_seat (room, e->user_id);
    s = seat >= 0 ? rc_room_get_seat (room, (guint) seat) : NULL;
    if (seat < 0 && e->send != NULL)
      unpublished (e, "seat_left");
    rc_room_media_set_route (media, e->socket_id, seat,
                             s != NULL && !s->muted && !s->mic_muted);
  }
  for (guint i = 0; i < gone->len; i++)
    remove_entry (self, g_ptr_array_index (gone, i), closed ? "room_closed" : "left_room");
  if (closed)
    free_media (self, room_id);
}

static gboolean
reconcile_dirty (gpointer data)
{
  RcMediaService *self = data;
  GHashTableIter iter;
  gpointer key;

  self->reconcile_source = 0;
  g_hash_table_iter_init (&iter, self->dirty);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    reconcile (self, key);
    g_hash_table_iter_remove (&iter);
  }
  return G_SOURCE_REMOVE;
}

/* Deferred to an idle: the change may come from inside a room operation
 * that our own reaction (closing the room) would re-enter. */
static void
mark_dirty (RcMediaService *self, const char *room_id)
{
  if (!g_hash_table_contains (self->medias, room_id))
    return;
  g_hash_table_add (self->dirty, g_strdup (room_id));
  if (self->reconcile_source == 0)
    self->reconcile_source = g_idle_add_full (G_PRIORITY_HIGH, reconcile_dirty, self, NULL);
}

static void
on_room_changed (RcRoomService *rooms, const char *room_id, gpointer data)
{
  mark_dirty (data, room_id);
}

/* --- room media callbacks -------------------------------------------------- */

typedef struct {
  RcMediaService *self;
  char *room_id;
} RoomError;

static gboolean
close_broken_room (gpointer data)
{
  RoomError *r = data;

  if (g_hash_table_contains (r->self->medias, r->room_id)) {
    g_warning ("room %s: closing it after a media error", r->room_id);
    rc_metrics_counter_inc ("roomcast_media_room_errors_total",
                            "Rooms closed because their pipeline failed", NULL);
    rc_room_service_close_room (r->self->rooms, r->room_id, "media_error");
    /* The room may already have been gone: free its pipeline anyway. */
    mark_dirty (r->self, r->room_id);
  }
  g_object_unref (r->self);
  g_free (r->room_id);
  g_free (r);
  return G_SOURCE_REMOVE;
}

/* From the room's bus watch: never tear the pipeline down inside it. */
static void
on_media_error (RcRoomMedia *media, const char *message, gpointer data)
{
  RoomError *r = g_new0 (RoomError, 1);

  r->self = g_object_ref (data);
  r->room_id = g_strdup (rc_room_media_get_room_id (media));
  g_idle_add (close_broken_room, r);
}

static void
on_speaking (RcRoomMedia *media, const char *peer_id, guint seat, gboolean speaking,
             double level_db, gpointer data)
{
  RcMediaService *self = data;
  Entry *e = g_hash_table_lookup (self->entries, peer_id);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  if (e == NULL)
    return;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "userId");
  json_builder_add_string_value (b, e->user_id);
  json_builder_set_member_name (b, "seat");
  json_builder_add_int_value (b, seat);
  json_builder_set_member_name (b, "speaking");
  json_builder_add_boolean_value (b, speaking);
  json_builder_set_member_name (b, "level");
  json_builder_add_double_value (b, (double) (gint) level_db); /* dBFS, whole */
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  /* Current state only: a client that stopped reading gets the next one. */
  rc_room_service_broadcast_volatile (self->rooms, e->room_id, "speaking", payload);
}

static const RcRoomMediaCallbacks media_callbacks = {
  .error = on_media_error,
  .speaking = on_speaking,
};

/* --- media:* --------------------------------------------------------------- */

typedef struct {
  RcMediaService *self; /* ref */
  char *socket_id;
  RcMediaSession *session; /* ref */
  char *reason;
} Ended;

/* Deferred: "ended" is emitted from inside the peer's own signal. */
static gboolean
remove_ended (gpointer data)
{
  Ended *x = data;
  Entry *e = g_hash_table_lookup (x->self->entries, x->socket_id);

  if (e != NULL && e->session == x->session)
    remove_entry (x->self, x->socket_id, x->reason);
  else if (e != NULL && e->send == x->session)
    entry_unpublish (e); /* media:failed {transport: "send"} told the client */
  g_object_unref (x->self);
  g_object_unref (x->session);
  g_free (x->socket_id);
  g_free (x->reason);
  g_free (x);
  return G_SOURCE_REMOVE;
}

static void
on_session_ended (RcMediaSession *session, const char *reason, gpointer data)
{
  Entry *e = data;
  Ended *x = g_new0 (Ended, 1);

  x->self = g_object_ref (e->self);
  x->socket_id = g_strdup (e->socket_id);
  x->session = g_object_ref (session);
  x->reason = g_strdup (reason ? reason : "failed");
  g_idle_add (remove_ended, x);
}

static RcRoomMedia *
ensure_media (RcMediaService *self, const char *room_id, GError **error)
{
  RcRoomMedia *media = g_hash_table_lookup (self->medias, room_id);
  RcRoom *room;

  if (media != NULL)
    return media;
  room = rc_room_service_lookup (self->rooms, room_id);
  g_return_val_if_fail (room != NULL, NULL);
  media = rc_room_media_new (self->config, room_id, rc_room_get_n_seats (room), &self->peers,
                             self->senders.new_peer ? &self->senders : NULL, &media_callbacks,
                             self, error);
  if (media != NULL) {
    g_hash_table_insert (self->medias, g_strdup (room_id), media);
    rc_recording_service_media_started (self->recordings, room_id, media);
  }
  return media;
}

/* FALSE (and the ack answered) when @socket sent too many of these. */
static gboolean
take_signal (RcRateLimiter *limiter, RcSioSocket *socket, RcSioAck *ack, const char *event)
{
  gint64 retry_after_ms = 0;

  if (rc_rate_limiter_hit (limiter, rc_sio_socket_get_id (socket),
                           g_get_monotonic_time () / 1000, &retry_after_ms))
    return TRUE;
  g_autofree char *labels = g_strdup_printf ("event=\"%s\"", event);
  rc_metrics_counter_inc ("roomcast_media_signals_refused_total",
                          "media:* events refused by their rate limit", labels);
  if (ack) {
    g_autofree char *message = g_strdup_printf ("Too many %s; retry in %" G_GINT64_FORMAT " ms",
                                                event, retry_after_ms);
    rc_sio_ack_rate_limited (ack, message, retry_after_ms);
  }
  return FALSE;
}

/* What the media:connect ack says besides the offer: which transport
 * carries the room to the client, and whether a seated client must open a
 * send transport (media:publish) to be heard. */
static JsonObject *
connect_fields (RcMediaService *self)
{
  JsonObject *o = json_object_new ();
  gboolean lite = self->senders.new_peer != NULL;

  json_object_set_string_member (o, "recvTransport", lite ? "lite" : "webrtcbin");
  json_object_set_boolean_member (o, "publish", lite);
  return o;
}

static void
handle_connect (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcMediaService *self = data;
  const char *room_id = rc_room_service_get_socket_room (self->rooms, socket);
  const char *socket_id = rc_sio_socket_get_id (socket);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields = NULL;
  RcRoomMedia *media;
  RcMediaPeer *peer;
  Entry *e;

  if (room_id == NULL) {
    if (ack)
      rc_sio_ack_error (ack, "not_in_room", "Join a room (room:join) before media:connect");
    return;
  }
  if (!take_signal (self->connects, socket, ack, "media:connect"))
    return;
  remove_entry (self, socket_id, "reconnect"); /* a second media:connect starts over */
  media = ensure_media (self, room_id, &error);
  peer = media ? rc_room_media_add_user_peer (media, socket_id,
                                              rc_sio_socket_get_user (socket)->id, &error)
               : NULL;
  if (peer == NULL) {
    g_warning ("room %s: no media for %s: %s", room_id, socket_id,
               error ? error->message : "?");
    if (ack)
      rc_sio_ack_error (ack, "internal", "media is not available");
    return;
  }
  e = g_new0 (Entry, 1);
  e->self = self;
  e->socket = g_object_ref (socket);
  e->socket_id = g_strdup (socket_id);
  e->room_id = g_strdup (room_id);
  e->user_id = g_strdup (rc_sio_socket_get_user (socket)->id);
  e->session = rc_media_session_new (socket, peer, self->config->rtc_connect_timeout_ms,
                                     rc_candidate_allow_from_config (self->config));
  e->ended_id = g_signal_connect (e->session, "ended", G_CALLBACK (on_session_ended), e);
  fields = connect_fields (self);
  rc_media_session_set_transport (e->session, NULL, fields);
  g_hash_table_insert (self->entries, e->socket_id, e);
  reconcile (self, room_id); /* already seated: speak as soon as connected */
  rc_media_session_start (e->session, ack);
}

static Entry *
entry_of (RcMediaService *self, RcSioSocket *socket, RcSioAck *ack)
{
  Entry *e = g_hash_table_lookup (self->entries, rc_sio_socket_get_id (socket));

  if (e == NULL && ack)
    rc_sio_ack_error (ack, "invalid_state", "No media session: send media:connect first");
  return e;
}

/* The session a media:answer or media:ice is for: its "transport" member,
 * "send" (the send transport) or absent / "recv" (the receive transport,
 * or the only one); NULL with the ack answered. */
static RcMediaSession *
session_of (RcMediaService *self, RcSioSocket *socket, JsonArray *args, RcSioAck *ack)
{
  Entry *e = entry_of (self, socket, ack);
  JsonNode *first = json_array_get_length (args) ? json_array_get_element (args, 0) : NULL;
  JsonNode *transport = first && JSON_NODE_HOLDS_OBJECT (first)
                          ? json_object_get_member (json_node_get_object (first), "transport")
                          : NULL;
  const char *name;

  if (e == NULL)
    return NULL;
  if (transport == NULL)
    return e->session;
  name = JSON_NODE_HOLDS_VALUE (transport) &&
             json_node_get_value_type (transport) == G_TYPE_STRING
           ? json_node_get_string (transport)
           : NULL;
  if (g_strcmp0 (name, "recv") == 0)
    return e->session;
  if (g_strcmp0 (name, "send") != 0) {
    if (ack)
      rc_sio_ack_error (ack, "invalid_payload", "transport: must be \"send\" or \"recv\"");
    return NULL;
  }
  if (e->send == NULL && ack)
    rc_sio_ack_error (ack, "invalid_state", "No send transport: send media:publish first");
  return e->send;
}

static void
handle_answer (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcMediaSession *session = session_of (data, socket, args, ack);

  if (session)
    rc_media_session_handle_answer (session, args, ack);
}

static void
handle_ice (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcMediaService *self = data;
  RcMediaSession *session = session_of (self, socket, args, ack);

  if (session && take_signal (self->ices, socket, ack, "media:ice"))
    rc_media_session_handle_ice (session, args, ack);
}

/* media:publish: a seated client's send transport (MEDIA_RECV_TRANSPORT=lite):
 * a new receive-only webrtcbin peer whose voice feeds its seat; the ack
 * carries its offer, and its events "transport": "send". A second one
 * replaces the first. */
static void
handle_publish (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  RcMediaService *self = data;
  Entry *e = entry_of (self, socket, ack);
  RcRoomMedia *media = e ? g_hash_table_lookup (self->medias, e->room_id) : NULL;
  RcRoom *room = e ? rc_room_service_lookup (self->rooms, e->room_id) : NULL;
  g_autoptr (GError) error = NULL;
  RcMediaPeer *sender;

  if (e == NULL)
    return;
  if (media == NULL || !rc_room_media_has_senders (media)) {
    if (ack)
      rc_sio_ack_error (ack, "invalid_state",
                        "This server takes your voice on the media:connect transport "
                        "(its ack said publish: false)");
    return;
  }
  if (room == NULL || rc_room_get_user_seat (room, e->user_id) < 0) {
    if (ack)
      rc_sio_ack_error (ack, "not_seated", "Take a seat (seat:take) before media:publish");
    return;
  }
  if (!take_signal (self->connects, socket, ack, "media:publish"))
    return;
  entry_unpublish (e);
  sender = rc_room_media_add_sender (media, e->socket_id, &error);
  if (sender == NULL) {
    g_warning ("room %s: no send transport for %s: %s", e->room_id, e->socket_id,
               error->message);
    if (ack)
      rc_sio_ack_error (ack, "internal", "media is not available");
    return;
  }
  e->send = rc_media_session_new (socket, sender, self->config->rtc_connect_timeout_ms,
                                  rc_candidate_allow_from_config (self->config));
  e->send_ended_id = g_signal_connect (e->send, "ended", G_CALLBACK (on_session_ended), e);
  rc_media_session_set_transport (e->send, "send", NULL);
  reconcile (self, e->room_id);
  rc_media_session_start (e->send, ack);
}

static void
handle_unpublish (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  Entry *e = g_hash_table_lookup (((RcMediaService *) data)->entries,
                                  rc_sio_socket_get_id (socket));

  if (e != NULL)
    entry_unpublish (e);
  if (ack)
    rc_sio_ack_ok (ack, NULL);
}

static void
handle_disconnect (RcSioSocket *socket, JsonArray *args, RcSioAck *ack, gpointer data)
{
  remove_entry (data, rc_sio_socket_get_id (socket), "client_disconnect");
  if (ack)
    rc_sio_ack_ok (ack, NULL);
}

static void
on_disconnected (RcSioServer *sio, RcSioSocket *socket, const char *reason, gpointer data)
{
  remove_entry (data, rc_sio_socket_get_id (socket), "socket_closed");
}

/* --- health and metrics ----------------------------------------------------- */

static guint
count_peers (RcMediaService *self)
{
  return g_hash_table_size (self->entries);
}

guint
rc_media_service_get_n_peers (RcMediaService *self)
{
  g_return_val_if_fail (RC_IS_MEDIA_SERVICE (self), 0);
  return count_peers (self);
}

static gboolean
health_contributor (JsonBuilder *builder, gpointer data)
{
  RcMediaService *self = data;

  json_builder_set_member_name (builder, "mediaRooms");
  json_builder_add_int_value (builder, g_hash_table_size (self->medias));
  json_builder_set_member_name (builder, "mediaPeers");
  json_builder_add_int_value (builder, count_peers (self));
  return TRUE;
}

/* The rooms' media figures: on /metrics summed over the rooms (no room ids
 * for everyone to read), per room on /admin/metrics. */
static const struct {
  const char *name; /* on /metrics; per room with "room_" after "media_" */
  const char *help;
  guint (*get) (RcRoomMedia *);
} room_families[] = {
  { "peers", "Media peers", rc_room_media_get_n_peers },
  { "speakers", "Peers mixed into a room (seated, unmuted)", rc_room_media_get_n_speakers },
  { "encoders", "Opus encoders (speakers + 1 per room)", rc_room_media_get_n_encoders },
  { "fanout_groups", "Threads sending a room's shared mix to its peers",
    rc_room_media_get_n_fanout_groups },
};

static void
append_room_totals (GString *out, RcMediaService *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (room_families); i++) {
    g_autofree char *name = g_strconcat ("roomcast_media_", room_families[i].name, NULL);
    g_autofree char *help = g_strconcat (room_families[i].help, ", all rooms", NULL);
    GHashTableIter iter;
    gpointer value;
    guint total = 0;

    g_hash_table_iter_init (&iter, self->medias);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      total += room_families[i].get (value);
    rc_metrics_append_gauge (out, name, help, total);
  }
}

static void
admin_metrics_collector (GString *out, gpointer data)
{
  RcMediaService *self = data;

  for (guint i = 0; i < G_N_ELEMENTS (room_families); i++) {
    g_autofree char *name = g_strconcat ("roomcast_media_room_", room_families[i].name, NULL);
    GHashTableIter iter;
    gpointer key, value;

    g_string_append_printf (out, "# HELP %s %s, per room\n# TYPE %s gauge\n", name,
                            room_families[i].help, name);
    g_hash_table_iter_init (&iter, self->medias);
    while (g_hash_table_iter_next (&iter, &key, &value)) {
      g_autofree char *escaped = g_strescape (key, NULL);
      g_string_append_printf (out, "%s{room=\"%s\"} %u\n", name, escaped,
                              room_families[i].get (value));
    }
  }
}

static void
metrics_collector (GString *out, gpointer data)
{
  RcMediaService *self = data;
  guint64 in = self->closed_in, out_packets = self->closed_out, offered = self->closed_offered;
  GHashTableIter iter;
  gpointer value;

  rc_metrics_append_gauge (out, "roomcast_media_rooms", "Rooms with a media pipeline",
                           g_hash_table_size (self->medias));
  append_room_totals (out, self);
  g_hash_table_iter_init (&iter, self->medias);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    guint64 i, o, f;
    rc_room_media_get_packets (value, &i, &o, &f);
    in += i;
    out_packets += o;
    offered += f;
  }
  g_string_append_printf (out,
                          "# HELP roomcast_media_packets_in_total RTP packets from clients\n"
                          "# TYPE roomcast_media_packets_in_total counter\n"
                          "roomcast_media_packets_in_total %" G_GUINT64_FORMAT "\n"
                          "# HELP roomcast_media_packets_out_total RTP packets to clients\n"
                          "# TYPE roomcast_media_packets_out_total counter\n"
                          "roomcast_media_packets_out_total %" G_GUINT64_FORMAT "\n"
                          "# HELP roomcast_media_packets_offered_total RTP packets the room "
                          "offered to peers (offered - out: dropped in a peer)\n"
                          "# TYPE roomcast_media_packets_offered_total counter\n"
                          "roomcast_media_packets_offered_total %" G_GUINT64_FORMAT "\n",
                          in, out_packets, offered);
}

void
rc_media_service_add_health (RcMediaService *self, RcHealth *health)
{
  g_return_if_fail (RC_IS_MEDIA_SERVICE (self));
  rc_health_add (health, health_contributor, self);
}

RcRecordingService *
rc_media_service_get_recordings (RcMediaService *self)
{
  g_return_val_if_fail (RC_IS_MEDIA_SERVICE (self), NULL);
  return self->recordings;
}

RcRoomMedia *
rc_media_service_get_room_media (RcMediaService *self, const char *room_id)
{
  g_return_val_if_fail (RC_IS_MEDIA_SERVICE (self) && room_id != NULL, NULL);
  return g_hash_table_lookup (self->medias, room_id);
}

void
rc_media_service_shutdown (RcMediaService *self)
{
  g_autoptr (GList) rooms = NULL;

  g_return_if_fail (RC_IS_MEDIA_SERVICE (self));
  g_hash_table_remove_all (self->entries);
  rooms = g_hash_table_get_keys (self->medias);
  for (GList *l = rooms; l; l = l->next)
    free_media (self, l->data);
}

/* --- construction ----------------------------------------------------------- */

RcMediaService *
rc_media_service_new (RcSioServer *sio, RcRoomService *rooms, const RcConfig *config)
{
  RcMediaService *self;

  g_return_val_if_fail (RC_IS_SIO_SERVER (sio) && RC_IS_ROOM_SERVICE (rooms), NULL);
  self = g_object_new (RC_TYPE_MEDIA_SERVICE, NULL);
  self->sio = g_object_ref (sio);
  self->rooms = g_object_ref (rooms);
  self->config = config;
  if (config->recv_transport == RC_RECV_TRANSPORT_LITE) {
    self->peers = rc_media_peer_lite_factory (config);
    self->senders = rc_media_peer_webrtc_send_factory (config);
  } else {
    self->peers = rc_media_peer_webrtc_factory (config);
  }
  self->recordings = rc_recording_service_new (sio, rooms, config);
  rc_sio_server_on (sio, "media:connect", handle_connect, self);
  rc_sio_server_on (sio, "media:answer", handle_answer, self);
  rc_sio_server_on (sio, "media:ice", handle_ice, self);
  rc_sio_server_on (sio, "media:disconnect", handle_disconnect, self);
  rc_sio_server_on (sio, "media:publish", handle_publish, self);
  rc_sio_server_on (sio, "media:unpublish", handle_unpublish, self);
  self->disconnected_id = g_signal_connect (sio, "disconnected", G_CALLBACK (on_disconnected),
                                            self);
  self->changed_id = g_signal_connect (rooms, "room-changed", G_CALLBACK (on_room_changed),
                                       self);
  rc_metrics_register_collector (metrics_collector, self);
  rc_metrics_register_admin_collector (admin_metrics_collector, self);
  return self;
}

static void
rc_media_service_dispose (GObject *object)
{
  RcMediaService *self = RC_MEDIA_SERVICE (object);

  if (self->sio != NULL) {
    rc_sio_server_off_by_data (self->sio, self, "internal", "media is not available");
    g_clear_signal_handler (&self->disconnected_id, self->sio);
    g_clear_signal_handler (&self->changed_id, self->rooms);
    rc_metrics_unregister_collector (metrics_collector, self);
    rc_metrics_unregister_collector (admin_metrics_collector, self);
    rc_media_service_shutdown (self);
    /* The closed peers' webrtcbins stop on a teardown thread: done before
     * the process goes on to exit. */
    rc_media_peer_webrtc_wait_torn_down ();
  }
  g_clear_handle_id (&self->reconcile_source, g_source_remove);
  g_clear_object (&self->recordings); /* after the pipelines: finishes their files */
  g_clear_object (&self->sio);
  g_clear_object (&self->rooms);
  G_OBJECT_CLASS (rc_media_service_parent_class)->dispose (object);
}

static void
rc_media_service_finalize (GObject *object)
{
  RcMediaService *self = RC_MEDIA_SERVICE (object);

  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->medias);
  g_hash_table_unref (self->dirty);
  rc_rate_limiter_free (self->connects);
  rc_rate_limiter_free (self->ices);
  G_OBJECT_CLASS (rc_media_service_parent_class)->finalize (object);
}

static void
rc_media_service_class_init (RcMediaServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_media_service_dispose;
  G_OBJECT_CLASS (klass)->finalize = rc_media_service_finalize;
}

static void
rc_media_service_init (RcMediaService *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  self->medias = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) rc_room_media_free);
  self->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->connects = rc_rate_limiter_new (MEDIA_CONNECTS_PER_MINUTE, 60000);
  self->ices = rc_rate_limiter_new (MEDIA_ICE_PER_10S, 10000);
}
