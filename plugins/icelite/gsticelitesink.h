/* roomcast: icelitesink, a light receive transport (ICE-lite, DTLS-SRTP)
 * for many listeners of a room's encoded streams
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_ICE_LITE_SINK (gst_ice_lite_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstIceLiteSink, gst_ice_lite_sink, GST, ICE_LITE_SINK,
    GstElement)

#define GST_TYPE_ICE_LITE_SINK_PAD (gst_ice_lite_sink_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstIceLiteSinkPad, gst_ice_lite_sink_pad, GST,
    ICE_LITE_SINK_PAD, GstPad)

GST_ELEMENT_REGISTER_DECLARE (icelitesink);

G_END_DECLS
