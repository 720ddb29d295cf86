/* roomcast: the start-up check that room pipelines can be built. */
#include "media/media-probe.h"

#include <gst/gst.h>

#include "media/media-error.h"

typedef struct {
  const char *element;
  const char *provider; /* what to install or build to get it */
} Needed;

#define BAD "the Debian package gstreamer1.0-plugins-bad"
#define GOOD "the Debian package gstreamer1.0-plugins-good"
#define BASE "the Debian package gstreamer1.0-plugins-base"
#define CORE "the Debian package libgstreamer1.0-0"

/* What room-media.c, media-peer-webrtc.c and room-fanout.c create, plus
 * what webrtcbin creates inside itself (ICE, DTLS, SRTP, RTP session). */
static const Needed room_elements[] = {
  { "webrtcbin", BAD },
  { "dtlssrtpenc", BAD },
  { "dtlssrtpdec", BAD },
  { "srtpenc", BAD },
  { "srtpdec", BAD },
  { "nicesrc", "the Debian package gstreamer1.0-nice" },
  { "nicesink", "the Debian package gstreamer1.0-nice" },
  { "rtpbin", GOOD },
  { "rtpopuspay", GOOD },
  { "rtpopusdepay", GOOD },
  { "level", GOOD },
  { "opusdec", BASE },
  { "audioconvert", BASE },
  { "audioresample", BASE },
  { "appsrc", BASE },
  { "appsink", BASE },
  { "queue", CORE },
  { "tee", CORE },
  { "capsfilter", CORE },
  { "clocksync", CORE },
  { "input-selector", CORE },
};

static const Needed record_elements[] = {
  { "oggmux", BASE },
  { "filesink", CORE },
};

static gboolean
has_element (const char *name)
{
  g_autoptr (GstElementFactory) factory = gst_element_factory_find (name);
  return factory != NULL;
}

static void
check (const Needed *needed, gsize n, GString *missing)
{
  for (gsize i = 0; i < n; i++)
    if (!has_element (needed[i].element))
      g_string_append_printf (missing, "\n  %s: install %s", needed[i].element,
                              needed[i].provider);
}

gboolean
rc_media_probe (const char *plugin_dir, gboolean recording, gboolean lite, GError **error)
{
  g_return_val_if_fail (plugin_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!has_element ("mixminus"))
    gst_registry_scan_path (gst_registry_get (), plugin_dir);

  g_autoptr (GString) missing = g_string_new (NULL);
  if (!has_element ("mixminus"))
    g_string_append_printf (missing,
                            "\n  mixminus: roomcast's own plugin is neither in %s nor in "
                            "GST_PLUGIN_PATH; run roomcastd from its build tree "
                            "(./scripts/run), install it with `meson install -C build`, "
                            "or set GST_PLUGIN_PATH to the directory holding "
                            "libgstroomcast.so",
                            plugin_dir);
  check (room_elements, G_N_ELEMENTS (room_elements), missing);
  /* In the same plugin as mixminus: missing only from a build without it. */
  if (lite && has_element ("mixminus") && !has_element ("icelitesink"))
    g_string_append (missing, "\n  icelitesink: roomcast's plugin was built without it "
                              "(or set MEDIA_RECV_TRANSPORT=webrtcbin)");
  if (recording)
    check (record_elements, G_N_ELEMENTS (record_elements), missing);
  if (missing->len == 0)
    return TRUE;
  g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE,
               "rooms cannot have audio: GStreamer elements are missing:%s\n"
               "(or set MEDIA_ENABLED=false to run without audio)",
               missing->str);
  return FALSE;
}
