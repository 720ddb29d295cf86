/* roomcast: what the RcRoomMedia unit tests share (test-room-media-unit.c,
 * test-room-media-lite.c): a room on webrtcbin peers with an error
 * counter, and a main-loop pump, a peer's offer. */
#pragma once

#include <gst/gst.h>

#include "config.h"
#include "media/media-peer.h"
#include "media/media-peer-webrtc.h"
#include "media/room-media.h"

typedef struct {
  guint errors;
} Seen;

static inline void
on_error (RcRoomMedia *media, const char *message, gpointer data)
{
  ((Seen *) data)->errors++;
}

static const RcRoomMediaCallbacks callbacks = { .error = on_error };

static inline gboolean
has_error (gpointer data)
{
  return ((Seen *) data)->errors > 0;
}

static inline void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

static inline RcRoomMedia *
room (const RcConfig *config, const char *id, Seen *seen)
{
  g_autoptr (GError) error = NULL;
  RcMediaPeerFactory peers = rc_media_peer_webrtc_factory (config);
  RcRoomMedia *media = rc_room_media_new (config, id, 4, &peers, NULL, &callbacks, seen, &error);

  g_assert_no_error (error);
  return media;
}

/* rc_media_peer_create_offer_async's callback: the offer into *(char **) data. */
static inline void
on_offer (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  char **offer = data;

  *offer = rc_media_peer_create_offer_finish (RC_MEDIA_PEER (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*offer);
}

static inline gboolean
has_offer (gpointer data)
{
  return *(char **) data != NULL;
}
