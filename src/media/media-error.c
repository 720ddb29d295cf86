/* roomcast: the media error domain; see media-error.h. */
#include "media/media-error.h"

G_DEFINE_QUARK (rc-media-error-quark, rc_media_error)
