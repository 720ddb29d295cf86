/* roomcast: the media error domain and the checked GStreamer calls; see
 * media-error.h. */
#include "media/media-error.h"

GQuark
rc_media_error_quark (void)
{
  return g_quark_from_static_string ("rc-media-error-quark");
}

GstElement *
rc_media_make_element (const char *factory, const char *name, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL)
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE,
                 "the GStreamer element %s is not available", factory);
  return element;
}

gboolean
rc_media_bin_add (GstBin *bin, GstElement *element, GError **error)
{
  /* Named before the call: a refused floating element is gone after it. */
  g_autofree char *name = gst_element_get_name (element);

  if (gst_bin_add (bin, element))
    return TRUE;
  g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK, "%s refused the element %s",
               GST_OBJECT_NAME (bin), name);
  return FALSE;
}

GstElement *
rc_media_bin_add_new (GstBin *bin, const char *factory, const char *name, GError **error)
{
  GstElement *element = rc_media_make_element (factory, name, error);

  if (element == NULL || !rc_media_bin_add (bin, element, error))
    return NULL;
  return element;
}

gboolean
rc_media_link_pads (GstPad *src, GstPad *sink, GError **error)
{
  GstPadLinkReturn ret = gst_pad_link (src, sink);

  if (GST_PAD_LINK_SUCCESSFUL (ret))
    return TRUE;
  g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK, "cannot link %s:%s to %s:%s: %s",
               GST_DEBUG_PAD_NAME (src), GST_DEBUG_PAD_NAME (sink),
               gst_pad_link_get_name (ret));
  return FALSE;
}

gboolean
rc_media_link_elements (GstElement *src, GstElement *sink, GError **error)
{
  if (gst_element_link (src, sink))
    return TRUE;
  g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK, "cannot link %s to %s",
               GST_ELEMENT_NAME (src), GST_ELEMENT_NAME (sink));
  return FALSE;
}

GstPad *
rc_media_request_pad (GstElement *element, const char *name, GError **error)
{
  GstPad *pad = gst_element_request_pad_simple (element, name);

  if (pad == NULL)
    g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_LINK, "%s refused a pad %s",
                 GST_ELEMENT_NAME (element), name);
  return pad;
}

gboolean
rc_media_sync_state (GstElement *element, GError **error)
{
  if (gst_element_sync_state_with_parent (element))
    return TRUE;
  g_set_error (error, RC_MEDIA_ERROR, RC_MEDIA_ERROR_UNAVAILABLE, "%s does not start",
               GST_ELEMENT_NAME (element));
  return FALSE;
}
