/* roomcast: the error domain of the media code, and the GStreamer calls
 * whose failure it reports.
 *
 * Every GError the media code makes (room pipelines, peers, fan-out,
 * recordings' taps on a room) is in RC_MEDIA_ERROR; the message names what
 * failed. Clients never see these codes: the Socket.IO handlers answer a
 * failed media:connect with "internal" ("media is not available"), a failed
 * offer with "internal" and a refused answer with "invalid_payload" (or
 * "invalid_state" once the session is closed), whatever the code here.
 *
 * The rc_media_* calls below are GStreamer's, with the result checked: a
 * failure comes back as FALSE or NULL and an RC_MEDIA_ERROR naming the
 * element or pads, so that no link, element or pad the media code needs can
 * fail unnoticed. Main loop only, like the rest of the pipeline building.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define RC_MEDIA_ERROR (rc_media_error_quark ())
GQuark rc_media_error_quark (void);

typedef enum {
  RC_MEDIA_ERROR_UNAVAILABLE, /* an element is missing, refused a setting, or does not start */
  RC_MEDIA_ERROR_LINK,        /* an element could not join the pipeline, a pad could not be
                               * made, requested or linked */
  RC_MEDIA_ERROR_NEGOTIATION, /* the transport refused a step of the offer/answer exchange */
  RC_MEDIA_ERROR_STATE,       /* not possible in the current state */
  RC_MEDIA_ERROR_CLOSED,      /* the peer was closed before the operation completed */
} RcMediaError;

/* gst_element_factory_make() (floating ref); UNAVAILABLE when the factory
 * is missing. */
GstElement *rc_media_make_element (const char *factory, const char *name, GError **error);
/* gst_bin_add(); LINK when @bin refuses @element (a name taken). As with
 * gst_bin_add(), a floating @element is consumed even then. */
gboolean rc_media_bin_add (GstBin *bin, GstElement *element, GError **error);
/* Both of the above: the new element, owned by @bin (transfer none). */
GstElement *rc_media_bin_add_new (GstBin *bin, const char *factory, const char *name,
                                  GError **error);
/* gst_pad_link(); LINK with both pads and GStreamer's reason. */
gboolean rc_media_link_pads (GstPad *src, GstPad *sink, GError **error);
/* gst_element_link(); LINK with both elements. */
gboolean rc_media_link_elements (GstElement *src, GstElement *sink, GError **error);
/* gst_element_request_pad_simple() (transfer full); LINK when @element has
 * no such pad to give. */
GstPad *rc_media_request_pad (GstElement *element, const char *name, GError **error);
/* gst_element_sync_state_with_parent(); UNAVAILABLE when @element does not
 * start. */
gboolean rc_media_sync_state (GstElement *element, GError **error);

G_END_DECLS
