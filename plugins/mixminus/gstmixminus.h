/* roomcast: mixminus, O(N) mix-minus audio mixer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_MIX_MINUS_H__
#define __GST_MIX_MINUS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_MIX_MINUS (gst_mix_minus_get_type ())
G_DECLARE_FINAL_TYPE (GstMixMinus, gst_mix_minus, GST, MIX_MINUS, GstElement)

GST_ELEMENT_REGISTER_DECLARE (mixminus);

G_END_DECLS

#endif /* __GST_MIX_MINUS_H__ */
