/* roomcast: the error domain of the media code.
 *
 * Every GError the media code makes (room pipelines, peers, fan-out,
 * recordings' taps on a room) is in RC_MEDIA_ERROR; the message names what
 * failed. Clients never see these codes: the Socket.IO handlers answer a
 * failed media:connect with "internal" ("media is not available"), a failed
 * offer with "internal" and a refused answer with "invalid_payload" (or
 * "invalid_state" once the session is closed), whatever the code here.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RC_MEDIA_ERROR (rc_media_error_quark ())
GQuark rc_media_error_quark (void);

typedef enum {
  RC_MEDIA_ERROR_UNAVAILABLE, /* an element is missing, refused a setting, or does not start */
  RC_MEDIA_ERROR_LINK,        /* an element could not join the pipeline, a pad could not be
                               * requested or linked */
  RC_MEDIA_ERROR_NEGOTIATION, /* the transport refused a step of the offer/answer exchange */
  RC_MEDIA_ERROR_STATE,       /* not possible in the current state */
  RC_MEDIA_ERROR_CLOSED,      /* the peer was closed before the operation completed */
} RcMediaError;

G_END_DECLS
