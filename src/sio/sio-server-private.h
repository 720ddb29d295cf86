/* roomcast: what RcSioSocket needs of RcSioServer. */
#pragma once

#include "sio/sio-server.h"

G_BEGIN_DECLS

const RcConfig *rc_sio_server_get_config (RcSioServer *self);

G_END_DECLS
