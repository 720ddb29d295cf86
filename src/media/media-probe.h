/* roomcast: can this process run room pipelines?
 *
 * A room needs our mixminus plugin and a dozen stock GStreamer elements
 * (webrtcbin, libnice, Opus, ...). roomcastd probes for all of them at
 * start-up, so a missing one stops the daemon with the fix named, instead
 * of rooms that silently have no audio.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* gst_init() must have run. Looks for mixminus in GST_PLUGIN_PATH and the
 * default registry, then in @plugin_dir; then checks every element a room
 * needs (icelitesink too when @lite: MEDIA_RECV_TRANSPORT=lite; and a
 * recording's when @recording). On failure the error lists
 * each missing element with the Debian package or build step that provides
 * it (RC_MEDIA_ERROR_UNAVAILABLE). */
gboolean rc_media_probe (const char *plugin_dir, gboolean recording, gboolean lite,
                         GError **error);

G_END_DECLS
