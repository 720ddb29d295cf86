/* roomcast: opusmonodec, a mono Opus decoder on libopus's one-stream API
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/audio/gstaudiodecoder.h>

G_BEGIN_DECLS

#define GST_TYPE_OPUS_MONO_DEC (gst_opus_mono_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstOpusMonoDec, gst_opus_mono_dec, GST, OPUS_MONO_DEC,
    GstAudioDecoder)

GST_ELEMENT_REGISTER_DECLARE (opusmonodec);

G_END_DECLS
