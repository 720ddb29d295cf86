/* roomcast: the media pipeline of one room; see room-media.h. */
#include "media/room-media-private.h"

#include "media/media-sdp.h"
#include "media/pipeline-dump.h"
#include "media/room-fanout.h"

GST_DEBUG_CATEGORY_STATIC (rc_room_media_debug);
#define GST_CAT_DEFAULT rc_room_media_debug

/* The mixer's level messages (the speaking events, room-media-bus.c) come
 * every LEVEL_INTERVAL_MS. */
#define LEVEL_INTERVAL_MS 100

static void
ensure_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (rc_room_media_debug, "rc-room-media", 0, "roomcast room media");
    g_once_init_leave (&once, 1);
  }
}

/* --- dynamic chains ------------------------------------------------------- */

/* Takes a bin out of the running pipeline: locked so the room cannot
 * restart it, NULL (its pads flush, so threads pushing into it return),
 * removed. Its external links must already be undone or released. */
static void
drop_element (RcRoomMedia *media, GstElement **element)
{
  if (*element == NULL)
    return;
  gst_element_set_locked_state (*element, TRUE);
  gst_element_set_state (*element, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (media->pipeline), *element);
  *element = NULL;
}

/* A bin of @desc, named @name, in the pipeline (still stopped). */
static GstElement *
make_bin (RcRoomMedia *media, const char *desc, const char *name, GError **error)
{
  GstElement *bin = gst_parse_bin_from_description (desc, TRUE, error);

  if (bin == NULL)
    return NULL;
  gst_object_set_name (GST_OBJECT (bin), name);
  if (!rc_media_bin_add (GST_BIN (media->pipeline), bin, error))
    return NULL;
  return bin;
}

/* Unlink the peer first (it then drops what it receives, undecoded), stop
 * the chain (a push in flight completes or flushes), then release the seat
 * pad: mixminus wants what feeds a seat stopped before the seat goes. Also
 * undoes a start_inbound() that failed half-way. */
static void
stop_inbound (Peer *p)
{
  RcRoomMedia *media = p->media;
  g_autoptr (GstPad) bin_sink = NULL;
  g_autoptr (GstPad) bin_src = NULL;

  if (p->in_bin == NULL)
    return;
  bin_sink = gst_element_get_static_pad (p->in_bin, "sink");
  bin_src = gst_element_get_static_pad (p->in_bin, "src");
  if (p->voice != NULL)
    gst_pad_unlink (p->voice, bin_sink);
  p->voice = NULL;
  gst_element_set_locked_state (p->in_bin, TRUE);
  gst_element_set_state (p->in_bin, GST_STATE_NULL);
  if (p->mm_sink != NULL) {
    gst_pad_unlink (bin_src, p->mm_sink);
    gst_element_release_request_pad (media->mixer, p->mm_sink);
    g_clear_object (&p->mm_sink);
  }
  drop_element (media, &p->in_bin);
}

/* The transport that carries the peer's voice: its send transport, else
 * (webrtcbin) its one peer; NULL while a room with send transports has
 * none for it (it has not published). */
static GstPad *
voice_of (Peer *p)
{
  if (p->sender != NULL)
    return rc_media_peer_get_src_pad (p->sender);
  if (p->media->sender_factory.new_peer != NULL)
    return NULL;
  return rc_media_peer_get_src_pad (p->peer);
}

/* A speaker's Opus RTP to the mixer's format; the %s is the decoder.
 * opusmonodec (plugins/opus/) decodes through libopus's one-stream API and
 * conceals a lost packet (PLC) at once: opusdec's multistream calls cost
 * 70 us a packet on a VM against 11 (libopus's CPU detection traps there).
 * With OPUS_DECODE_FEC opusdec decodes with in-band FEC, every packet only
 * once the next one arrived, so that a lost one can be rebuilt from it:
 * 20 ms on every packet. */
#define INBOUND_DESC \
  "rtpopusdepay ! %s ! audioconvert ! audioresample ! " \
  "capsfilter caps=\"audio/x-raw,rate=48000,channels=1\""
#define DECODER_PLC "opusmonodec plc=true"
#define DECODER_FEC "opusdec use-inband-fec=true plc=true"

/* The peer's voice into mixminus.sink_<seat>. The decoder chain is linked to
 * the mixer and running before the voice's src pad is linked to it, so the
 * first packet finds a playing chain. */
static gboolean
start_inbound (Peer *p, GError **error)
{
  RcRoomMedia *media = p->media;
  g_autofree char *name = g_strdup_printf ("%s-in", p->name);
  g_autofree char *seat_pad = g_strdup_printf ("sink_%d", p->seat);
  g_autoptr (GstPad) bin_src = NULL;
  g_autoptr (GstPad) bin_sink = NULL;

  g_autofree char *desc = g_strdup_printf (INBOUND_DESC, media->config->opus_decode_fec
                                                           ? DECODER_FEC
                                                           : DECODER_PLC);

  p->in_bin = make_bin (media, desc, name, error);
  if (p->in_bin == NULL)
    return FALSE;
  bin_src = gst_element_get_static_pad (p->in_bin, "src");
  bin_sink = gst_element_get_static_pad (p->in_bin, "sink");
  p->mm_sink = rc_media_request_pad (media->mixer, seat_pad, error);
  if (p->mm_sink == NULL || !rc_media_link_pads (bin_src, p->mm_sink, error) ||
      !rc_media_sync_state (p->in_bin, error) ||
      !rc_media_link_pads (voice_of (p), bin_sink, error)) {
    stop_inbound (p);
    return FALSE;
  }
  p->voice = voice_of (p);
  return TRUE;
}

/* Back to the shared mix first (so the payloader never waits on a stopping
 * branch), then release the mixer output, then stop the encoder. Also
 * undoes a start_own_mix() that failed half-way. */
static void
stop_own_mix (Peer *p)
{
  RcRoomMedia *media = p->media;
  g_autoptr (GError) error = NULL;

  if (p->own_bin == NULL)
    return;
  if (p->selector != NULL)
    g_object_set (p->selector, "active-pad", p->sel_shared, NULL);
  else if (!rc_media_peer_set_source (p->peer, media->mix_stream, &error))
    g_warning ("room %s: %s is not back on the full mix: %s", media->room_id, p->id,
               error->message);
  if (p->mm_src != NULL) {
    gst_element_release_request_pad (media->mixer, p->mm_src);
    g_clear_object (&p->mm_src);
  }
  gst_element_set_locked_state (p->own_bin, TRUE);
  gst_element_set_state (p->own_bin, GST_STATE_NULL);
  if (p->sel_own != NULL) {
    gst_element_release_request_pad (p->selector, p->sel_own);
    g_clear_object (&p->sel_own);
  }
  if (p->own_stream != NULL) {
    g_autoptr (GstPad) bin_src = gst_element_get_static_pad (p->own_bin, "src");

    gst_pad_unlink (bin_src, p->own_stream);
    media->peer_factory.release_stream_pad (GST_BIN (media->pipeline), p->own_stream,
                                            media->peer_factory.data);
    g_clear_object (&p->own_stream);
  }
  drop_element (media, &p->own_bin);
}

/* The peer's own mix-minus: mixminus.src_<seat> → queue → opusmonoenc → its
 * selector, which then switches to it; or, for a transport that carries
 * the room's streams, → rtpopuspay → a stream pad of the transport, which
 * the peer is then switched to. The queue is leaky: a starved encoder
 * thread must never block the seat threads that push the mix (its size:
 * see room-media-encoders.c). */
static gboolean
start_own_mix (Peer *p, GError **error)
{
  RcRoomMedia *media = p->media;
  gboolean streams = p->selector == NULL;
  g_autofree char *name = g_strdup_printf ("%s-own", p->name);
  g_autofree char *mm_pad = g_strdup_printf ("src_%d", p->seat);
  g_autofree char *encoder = rc_room_media_encoder_desc (media->config, TRUE);
  g_autofree char *desc =
    g_strdup_printf ("%s%s", encoder,
                     streams ? " ! rtpopuspay pt=" G_STRINGIFY (RC_MEDIA_OPUS_PT) : "");
  g_autoptr (GstPad) bin_src = NULL;
  g_autoptr (GstPad) bin_sink = NULL;

  p->own_bin = make_bin (media, desc, name, error);
  if (p->own_bin == NULL)
    return FALSE;
  bin_src = gst_element_get_static_pad (p->own_bin, "src");
  bin_sink = gst_element_get_static_pad (p->own_bin, "sink");
  if (streams)
    p->own_stream = media->peer_factory.request_stream_pad (GST_BIN (media->pipeline),
                                                            media->peer_factory.data, error);
  else
    p->sel_own = rc_media_request_pad (p->selector, "sink_%u", error);
  if ((streams ? p->own_stream : p->sel_own) == NULL ||
      !rc_media_link_pads (bin_src, streams ? p->own_stream : p->sel_own, error) ||
      !rc_media_sync_state (p->own_bin, error) ||
      (p->mm_src = rc_media_request_pad (media->mixer, mm_pad, error)) == NULL ||
      !rc_media_link_pads (p->mm_src, bin_sink, error)) {
    stop_own_mix (p);
    return FALSE;
  }
  rc_room_media_pace_clocksyncs (GST_BIN (p->own_bin));
  /* Switch now, not on the first own packet: at worst one frame is
   * missing, and the payloader (or the transport) keeps numbering without a
   * gap. */
  if (!streams)
    g_object_set (p->selector, "active-pad", p->sel_own, NULL);
  else if (!rc_media_peer_set_source (p->peer, p->own_stream, error)) {
    stop_own_mix (p);
    return FALSE;
  }
  return TRUE;
}

/* --- peers ---------------------------------------------------------------- */

/* Takes the peer and its per-peer elements out of the pipeline: the peer
 * unlinks itself, stops and leaves; then its tee pad goes (the tee sees
 * not-linked in between, which it allows). Also undoes a connect_peer()
 * that failed half-way. */
static void
disconnect_peer (Peer *p)
{
  RcRoomMedia *media = p->media;

  stop_inbound (p);
  stop_own_mix (p);
  if (p->sender != NULL)
    rc_media_peer_close (p->sender);
  rc_media_peer_close (p->peer);
  if (p->tee_pad != NULL) {
    rc_room_fanout_release_pad (media->fanout, p->tee_pad);
    g_clear_object (&p->tee_pad);
  }
  g_clear_object (&p->sel_shared);
  drop_element (media, &p->pay);
  drop_element (media, &p->selector);
}

static void
destroy_peer (Peer *p)
{
  disconnect_peer (p);
  g_clear_object (&p->sender);
  g_object_unref (p->peer);
  g_free (p->id);
  g_free (p->user_id);
  g_free (p->name);
  g_free (p);
}

static void
peer_free (gpointer data)
{
  Peer *p = data;
  RcRoomMedia *media = p->media;
  RcMediaPeerStats stats;

  stop_inbound (p);
  stop_own_mix (p);
  rc_media_peer_get_stats (p->peer, &stats);
  media->removed_in += stats.packets_in;
  media->removed_out += stats.packets_out;
  media->removed_offered += stats.packets_offered;
  if (p->sender != NULL) {
    RcMediaPeerStats sent;

    rc_media_peer_get_stats (p->sender, &sent);
    media->removed_in += sent.packets_in;
  }
  g_info ("room %s: peer %s removed: %" G_GUINT64_FORMAT " packets offered, %" G_GUINT64_FORMAT
          " sent, %" G_GUINT64_FORMAT " received",
          media->room_id, p->id, stats.packets_offered, stats.packets_out, stats.packets_in);
  GST_DEBUG ("room %s: peer %s removed", media->room_id, p->id);
  destroy_peer (p);
  rc_pipeline_dump_request (media->dump, "peer-removed");
}

/* "peer<N>", or "peer<N>-<user id>" with the user id cut to 40 characters
 * of [A-Za-z0-9_.] (others become '_'): the dot graph then names the room's
 * users, and the name stays valid for GStreamer, dot and file names. */
static char *
peer_name (guint number, const char *user_id)
{
  g_autofree char *user = NULL;

  if (user_id == NULL || *user_id == '\0')
    return g_strdup_printf ("peer%u", number);
  user = g_strndup (user_id, 40);
  g_strcanon (user, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "_.", '_');
  return g_strdup_printf ("peer%u-%s", number, user);
}

/* Undoes ensure_mix_stream(), also half-way. */
static void
drop_mix_stream (RcRoomMedia *media)
{
  if (media->mix_tee_pad != NULL) {
    g_autoptr (GstPad) pay_sink = gst_element_get_static_pad (media->mix_pay, "sink");

    gst_pad_unlink (media->mix_tee_pad, pay_sink);
    gst_element_release_request_pad (media->tee, media->mix_tee_pad);
    g_clear_object (&media->mix_tee_pad);
  }
  drop_element (media, &media->mix_pay);
  if (media->mix_stream != NULL) {
    media->peer_factory.release_stream_pad (GST_BIN (media->pipeline), media->mix_stream,
                                            media->peer_factory.data);
    g_clear_object (&media->mix_stream);
  }
}

/* For a transport that carries the room's streams: the full mix, from a
 * pad of the encoder's tee, payloaded once into a stream pad of it (made on
 * the first such peer). */
static gboolean
ensure_mix_stream (RcRoomMedia *media, GError **error)
{
  g_autoptr (GstPad) pay_src = NULL;
  g_autoptr (GstPad) pay_sink = NULL;

  if (media->mix_stream != NULL)
    return TRUE;
  if (media->peer_factory.request_stream_pad == NULL) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE,
                 "a peer without a sink pad from a factory without streams");
    return FALSE;
  }
  media->mix_pay = rc_media_bin_add_new (GST_BIN (media->pipeline), "rtpopuspay", "mix-pay",
                                         error);
  if (media->mix_pay == NULL)
    return FALSE;
  g_object_set (media->mix_pay, "pt", RC_MEDIA_OPUS_PT, NULL);
  pay_src = gst_element_get_static_pad (media->mix_pay, "src");
  pay_sink = gst_element_get_static_pad (media->mix_pay, "sink");
  media->mix_stream = media->peer_factory.request_stream_pad (GST_BIN (media->pipeline),
                                                              media->peer_factory.data, error);
  if (media->mix_stream == NULL || !rc_media_link_pads (pay_src, media->mix_stream, error) ||
      !rc_media_sync_state (media->mix_pay, error) ||
      (media->mix_tee_pad = rc_media_request_pad (media->tee, "src_%u", error)) == NULL ||
      !rc_media_link_pads (media->mix_tee_pad, pay_sink, error)) {
    drop_mix_stream (media); /* the next peer tries again from scratch */
    return FALSE;
  }
  return TRUE;
}

/* The attached peer's path from the shared mix: a fan-out tee pad → its
 * input-selector → its payloader → its sink pad; or, for a transport that
 * carries the room's streams, the room's full-mix stream. */
static gboolean
connect_peer (Peer *p, GError **error)
{
  RcRoomMedia *media = p->media;
  g_autofree char *sel_name = g_strdup_printf ("%s-sel", p->name);
  g_autofree char *pay_name = g_strdup_printf ("%s-pay", p->name);
  g_autoptr (GstPad) pay_src = NULL;

  if (rc_media_peer_get_sink_pad (p->peer) == NULL)
    return ensure_mix_stream (media, error) &&
           rc_media_peer_set_source (p->peer, media->mix_stream, error);

  p->selector = rc_media_bin_add_new (GST_BIN (media->pipeline), "input-selector", sel_name,
                                      error);
  if (p->selector == NULL)
    return FALSE;
  p->pay = rc_media_bin_add_new (GST_BIN (media->pipeline), "rtpopuspay", pay_name, error);
  if (p->pay == NULL)
    return FALSE;
  /* sync-streams=false: the inactive branch is dropped at once instead of
   * waiting for the active one's running time (that would couple the
   * shared encoder's thread to every speaker's). */
  g_object_set (p->selector, "sync-streams", FALSE, NULL);
  g_object_set (p->pay, "pt", RC_MEDIA_OPUS_PT, "ssrc", g_random_int (), NULL);
  pay_src = gst_element_get_static_pad (p->pay, "src");
  if (!rc_media_link_elements (p->selector, p->pay, error) ||
      !rc_media_link_pads (pay_src, rc_media_peer_get_sink_pad (p->peer), error) ||
      !rc_media_sync_state (p->pay, error) || !rc_media_sync_state (p->selector, error))
    return FALSE;
  p->sel_shared = rc_media_request_pad (p->selector, "sink_%u", error);
  if (p->sel_shared == NULL)
    return FALSE;
  g_object_set (p->selector, "active-pad", p->sel_shared, NULL);
  p->tee_pad = rc_room_fanout_request_pad (media->fanout, error);
  return p->tee_pad != NULL && rc_media_link_pads (p->tee_pad, p->sel_shared, error);
}

RcMediaPeer *
rc_room_media_add_peer (RcRoomMedia *media, const char *peer_id, GError **error)
{
  return rc_room_media_add_user_peer (media, peer_id, NULL, error);
}

RcMediaPeer *
rc_room_media_add_user_peer (RcRoomMedia *media, const char *peer_id, const char *user_id,
                             GError **error)
{
  guint number = ++media->next_peer;
  g_autofree char *name = peer_name (number, user_id);
  RcMediaPeer *peer;
  Peer *p;

  g_hash_table_remove (media->peers, peer_id);
  peer = media->peer_factory.new_peer (name, media->peer_factory.data, error);
  if (peer == NULL)
    return NULL;
  if (!rc_media_peer_attach (peer, GST_BIN (media->pipeline), error)) {
    rc_media_peer_close (peer);
    g_object_unref (peer);
    return NULL;
  }
  p = g_new0 (Peer, 1);
  p->media = media;
  p->id = g_strdup (peer_id);
  p->user_id = g_strdup (user_id);
  p->name = g_steal_pointer (&name);
  p->number = number;
  p->peer = peer;
  p->seat = -1;
  if (!connect_peer (p, error)) {
    destroy_peer (p);
    return NULL;
  }
  g_hash_table_insert (media->peers, p->id, p);
  rc_room_media_gate_update (media);
  GST_INFO ("room %s: peer %s for %s", media->room_id, p->name, peer_id);
  rc_pipeline_dump_request (media->dump, "peer-added");
  return peer;
}

gboolean
rc_room_media_remove_peer (RcRoomMedia *media, const char *peer_id)
{
  gboolean removed = g_hash_table_remove (media->peers, peer_id);

  rc_room_media_gate_update (media);
  return removed;
}

/* Tears the peer's route down and builds it again from its seat, what the
 * room wants (wants_mix) and whether it has a voice to mix. A seat move is
 * leave + take. */
static void
reroute (Peer *p, gint seat, gboolean wants_mix)
{
  RcRoomMedia *media = p->media;
  g_autoptr (GError) error = NULL;

  stop_inbound (p);
  stop_own_mix (p);
  rc_room_media_gate_update (media);
  if (p->seat >= 0) {
    /* Clients showing a speaking ring for this seat must see it go out. */
    if (media->levels[p->seat].reported && media->callbacks.speaking)
      media->callbacks.speaking (media, p->id, (guint) p->seat, FALSE, -127.0,
                                 media->user_data);
    media->levels[p->seat] = (SeatLevel){ 0 };
  }
  p->seat = seat;
  p->wants_mix = wants_mix;
  p->mixed = wants_mix && voice_of (p) != NULL;
  rc_pipeline_dump_request (media->dump, "route");
  if (!p->mixed)
    return;
  if (!start_own_mix (p, &error) || !start_inbound (p, &error)) {
    g_warning ("room %s: %s cannot speak on seat %d: %s", media->room_id, p->id, seat,
               error->message);
    stop_own_mix (p);
    p->mixed = FALSE;
  }
  rc_room_media_gate_update (media);
  GST_INFO ("room %s: %s seat %d mixed %d", media->room_id, p->id, seat, p->mixed);
}

void
rc_room_media_set_route (RcRoomMedia *media, const char *peer_id, gint seat, gboolean mixed)
{
  Peer *p = g_hash_table_lookup (media->peers, peer_id);

  if (p == NULL)
    return;
  if (seat < 0 || (guint) seat >= media->n_seats)
    seat = -1, mixed = FALSE;
  if (p->seat == seat && p->wants_mix == mixed)
    return;
  reroute (p, seat, mixed);
}

gboolean
rc_room_media_has_senders (RcRoomMedia *media)
{
  return media->sender_factory.new_peer != NULL;
}

RcMediaPeer *
rc_room_media_add_sender (RcRoomMedia *media, const char *peer_id, GError **error)
{
  Peer *p = g_hash_table_lookup (media->peers, peer_id);
  g_autofree char *name = NULL;
  RcMediaPeer *sender;

  if (p == NULL || media->sender_factory.new_peer == NULL) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_STATE,
                 p == NULL ? "no peer %s in this room" : "peer %s carries its own voice",
                 peer_id);
    return NULL;
  }
  rc_room_media_remove_sender (media, peer_id);
  /* Numbered: a closed sender's elements may still be on their way out. */
  name = g_strdup_printf ("%s-send%u", p->name, ++media->next_peer);
  sender = media->sender_factory.new_peer (name, media->sender_factory.data, error);
  if (sender == NULL)
    return NULL;
  if (!rc_media_peer_attach (sender, GST_BIN (media->pipeline), error)) {
    rc_media_peer_close (sender);
    g_object_unref (sender);
    return NULL;
  }
  p->sender = sender;
  reroute (p, p->seat, p->wants_mix);
  GST_INFO ("room %s: %s publishes through %s", media->room_id, peer_id, name);
  rc_pipeline_dump_request (media->dump, "sender-added");
  return sender;
}

gboolean
rc_room_media_remove_sender (RcRoomMedia *media, const char *peer_id)
{
  Peer *p = g_hash_table_lookup (media->peers, peer_id);
  RcMediaPeerStats stats;

  if (p == NULL || p->sender == NULL)
    return FALSE;
  /* Its voice out of the mixer first, then the transport. */
  stop_inbound (p);
  stop_own_mix (p);
  rc_media_peer_get_stats (p->sender, &stats);
  media->removed_in += stats.packets_in;
  rc_media_peer_close (p->sender);
  g_clear_object (&p->sender);
  reroute (p, p->seat, p->wants_mix);
  rc_pipeline_dump_request (media->dump, "sender-removed");
  return TRUE;
}

/* --- mix sinks (recordings) ------------------------------------------------ */

gboolean
rc_room_media_add_mix_sink (RcRoomMedia *media, GstElement *sink, GError **error)
{
  g_autoptr (GstPad) sink_pad = NULL;
  GstPad *tee_pad = NULL;

  gst_object_ref_sink (sink);
  if (!rc_media_bin_add (GST_BIN (media->pipeline), sink, error)) {
    gst_object_unref (sink);
    return FALSE;
  }
  sink_pad = gst_element_get_static_pad (sink, "sink");
  if (!rc_media_sync_state (sink, error) ||
      (tee_pad = rc_media_request_pad (media->tee, "src_%u", error)) == NULL ||
      !rc_media_link_pads (tee_pad, sink_pad, error)) {
    if (tee_pad != NULL) {
      gst_element_release_request_pad (media->tee, tee_pad);
      gst_object_unref (tee_pad);
    }
    gst_element_set_locked_state (sink, TRUE);
    gst_element_set_state (sink, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (media->pipeline), sink);
    gst_object_unref (sink);
    return FALSE;
  }
  g_hash_table_insert (media->mix_sinks, sink, tee_pad);
  rc_room_media_gate_update (media);
  GST_INFO ("room %s: mix sink %s added", media->room_id, GST_ELEMENT_NAME (sink));
  rc_pipeline_dump_request (media->dump, "mix-sink-added");
  return TRUE;
}

/* As for a peer: unlinked first (the tee sees not-linked, which it
 * allows), so stopping the sink never hands FLUSHING to the tee. */
void
rc_room_media_remove_mix_sink (RcRoomMedia *media, GstElement *sink)
{
  GstPad *tee_pad = g_hash_table_lookup (media->mix_sinks, sink);
  g_autoptr (GstPad) sink_pad = NULL;

  if (tee_pad == NULL)
    return;
  sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_unlink (tee_pad, sink_pad);
  gst_element_release_request_pad (media->tee, tee_pad);
  gst_element_set_locked_state (sink, TRUE);
  gst_element_set_state (sink, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (media->pipeline), sink);
  GST_INFO ("room %s: mix sink %s removed", media->room_id, GST_ELEMENT_NAME (sink));
  g_hash_table_remove (media->mix_sinks, sink);
  rc_room_media_gate_update (media);
  rc_pipeline_dump_request (media->dump, "mix-sink-removed");
}

/* --- lifecycle ------------------------------------------------------------ */

RcRoomMedia *
rc_room_media_new (const RcConfig *config, const char *room_id, guint n_seats,
                   const RcMediaPeerFactory *peers, const RcMediaPeerFactory *senders,
                   const RcRoomMediaCallbacks *callbacks, gpointer user_data, GError **error)
{
  g_autofree char *desc = NULL;
  g_autofree char *encoder = rc_room_media_encoder_desc (config, FALSE);
  g_autofree char *name = g_strdup_printf ("room-%s", room_id);
  RcRoomMedia *media;
  GstElement *pipeline;

  g_return_val_if_fail (peers != NULL && peers->new_peer != NULL, NULL);
  ensure_debug ();
  /* mixminus: live on its own clock so an empty room still streams
   * silence; each seat placed by when its audio arrives, so a period waits
   * for no seat whose timestamps run late (the assumed upstream latency,
   * jitterbuffer + slack, bounds how late a jittery seat may run). */
  desc =
    g_strdup_printf ("mixminus name=mixer seats=%u force-live=true ignore-inactive-pads=true "
                     "align-on-arrival=true "
                     "latency=20000000 min-upstream-latency=%" G_GUINT64_FORMAT " "
                     "level-interval=%" G_GUINT64_FORMAT " "
                     "mixer.mix ! %s ! tee name=tee allow-not-linked=true",
                     n_seats, rc_room_media_upstream_ns (config),
                     (guint64) LEVEL_INTERVAL_MS * GST_MSECOND, encoder);
  pipeline = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (pipeline == NULL)
    return NULL;
  gst_object_set_name (GST_OBJECT (pipeline), name);
  media = g_new0 (RcRoomMedia, 1);
  media->config = config;
  media->room_id = g_strdup (room_id);
  media->n_seats = n_seats;
  media->peer_factory = *peers;
  if (senders)
    media->sender_factory = *senders;
  if (callbacks)
    media->callbacks = *callbacks;
  media->user_data = user_data;
  media->pipeline = pipeline;
  media->mixer = gst_bin_get_by_name (GST_BIN (pipeline), "mixer");
  media->tee = gst_bin_get_by_name (GST_BIN (pipeline), "tee");
  rc_room_media_gate_install (media, media->mixer);
  media->fanout = rc_room_fanout_new (GST_BIN (pipeline), media->tee, config->fanout_peers,
                                      room_id);
  media->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, peer_free);
  media->mix_sinks = g_hash_table_new_full (NULL, NULL, gst_object_unref, gst_object_unref);
  media->levels = g_new0 (SeatLevel, n_seats);
  media->bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (media->bus, rc_room_media_on_bus, media);
  media->dump = rc_pipeline_dump_new (pipeline, room_id);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE,
                 "the room pipeline does not start");
    rc_room_media_free (media);
    return NULL;
  }
  GST_INFO ("room %s: pipeline with %u seats", room_id, n_seats);
  return media;
}

void
rc_room_media_free (RcRoomMedia *media)
{
  if (media == NULL)
    return;
  /* A dump still pending shows the room as it was last. */
  g_clear_pointer (&media->dump, rc_pipeline_dump_free);
  /* Peers first, each in its safe order, then the rest at once. */
  g_hash_table_remove_all (media->peers);
  drop_mix_stream (media);
  rc_room_fanout_free (media->fanout);
  gst_bus_remove_watch (media->bus);
  gst_element_set_state (media->pipeline, GST_STATE_NULL);
  gst_object_unref (media->bus);
  gst_object_unref (media->mixer);
  gst_object_unref (media->tee);
  gst_object_unref (media->pipeline);
  g_hash_table_unref (media->peers);
  g_hash_table_unref (media->mix_sinks);
  g_free (media->levels);
  g_free (media->room_id);
  g_free (media);
}
