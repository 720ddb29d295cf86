/* roomcast: opusmonoenc, a mono Opus encoder on libopus's one-stream API
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/audio/gstaudioencoder.h>

G_BEGIN_DECLS

#define GST_TYPE_OPUS_MONO_ENC (gst_opus_mono_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstOpusMonoEnc, gst_opus_mono_enc, GST, OPUS_MONO_ENC,
    GstAudioEncoder)

GST_ELEMENT_REGISTER_DECLARE (opusmonoenc);

G_END_DECLS
