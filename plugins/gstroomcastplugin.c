/* roomcast: GStreamer plugin registering roomcast's elements
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "roomcast-build-config.h"
#endif

#include <gst/gst.h>

#include "icelite/gsticelitesink.h"
#include "mixminus/gstmixminus.h"
#include "opus/gstopusmonodec.h"
#include "opus/gstopusmonoenc.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = TRUE;

  ok &= GST_ELEMENT_REGISTER (mixminus, plugin);
  ok &= GST_ELEMENT_REGISTER (icelitesink, plugin);
  ok &= GST_ELEMENT_REGISTER (opusmonodec, plugin);
  ok &= GST_ELEMENT_REGISTER (opusmonoenc, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, roomcast,
    "roomcast audio-room elements: mixminus (O(N) mix-minus mixer), "
    "icelitesink (ICE-lite DTLS-SRTP fan-out to listeners), "
    "opusmonodec and opusmonoenc (mono Opus through libopus's one-stream API)",
    plugin_init, VERSION, "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
