/* roomcast: the Engine.IO transport base class; see eio-transport.h. */
#include "sio/eio-transport.h"

typedef struct {
  const RcEioTransportHandlers *handlers; /* NULL: nobody listens */
  gpointer owner;
  gboolean closed;
} RcEioTransportPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (RcEioTransport, rc_eio_transport, G_TYPE_OBJECT)

void
rc_eio_transport_set_handlers (RcEioTransport *self, const RcEioTransportHandlers *handlers,
                               gpointer owner)
{
  g_return_if_fail (RC_IS_EIO_TRANSPORT (self));
  RcEioTransportPrivate *priv = rc_eio_transport_get_instance_private (self);
  priv->handlers = handlers;
  priv->owner = handlers ? owner : NULL;
}

const char *
rc_eio_transport_get_name (RcEioTransport *self)
{
  g_return_val_if_fail (RC_IS_EIO_TRANSPORT (self), NULL);
  return RC_EIO_TRANSPORT_GET_CLASS (self)->name;
}

void
rc_eio_transport_send (RcEioTransport *self, const char *packet)
{
  RC_EIO_TRANSPORT_GET_CLASS (self)->send (self, packet);
}

void
rc_eio_transport_close (RcEioTransport *self)
{
  g_return_if_fail (RC_IS_EIO_TRANSPORT (self));
  RC_EIO_TRANSPORT_GET_CLASS (self)->close (self);
}

gboolean
rc_eio_transport_is_closed (RcEioTransport *self)
{
  RcEioTransportPrivate *priv = rc_eio_transport_get_instance_private (self);
  return priv->closed;
}

gboolean
rc_eio_transport_is_congested (RcEioTransport *self)
{
  g_return_val_if_fail (RC_IS_EIO_TRANSPORT (self), FALSE);
  RcEioTransportClass *klass = RC_EIO_TRANSPORT_GET_CLASS (self);
  return klass->congested != NULL && klass->congested (self);
}

gboolean
rc_eio_transport_upgrade (RcEioTransport *self, RcEioTransport *probe)
{
  g_return_val_if_fail (RC_IS_EIO_TRANSPORT (self) && RC_IS_EIO_TRANSPORT (probe), FALSE);
  RcEioTransportClass *klass = RC_EIO_TRANSPORT_GET_CLASS (self);
  RcEioTransportPrivate *priv = rc_eio_transport_get_instance_private (self);
  return klass->upgrade && !priv->closed && klass->upgrade (self, probe);
}

gboolean
rc_eio_transport_receive (RcEioTransport *self, const char *data, gsize len)
{
  RcEioTransportPrivate *priv = rc_eio_transport_get_instance_private (self);
  if (priv->closed || !priv->handlers)
    return TRUE;
  return priv->handlers->packet (data, len, priv->owner);
}

void
rc_eio_transport_report_closed (RcEioTransport *self, const char *reason)
{
  RcEioTransportPrivate *priv = rc_eio_transport_get_instance_private (self);
  if (priv->closed)
    return;
  priv->closed = TRUE;
  if (priv->handlers)
    priv->handlers->closed (reason, priv->owner);
}

void
rc_eio_transport_report_upgraded (RcEioTransport *self, RcEioTransport *to)
{
  RcEioTransportPrivate *priv = rc_eio_transport_get_instance_private (self);
  const RcEioTransportHandlers *handlers = priv->handlers;
  gpointer owner = priv->owner;

  /* Nothing more from this transport: its owner now listens to @to. */
  priv->closed = TRUE;
  priv->handlers = NULL;
  priv->owner = NULL;
  if (handlers)
    handlers->upgraded (to, owner);
}

static void
rc_eio_transport_class_init (RcEioTransportClass *klass)
{
}

static void
rc_eio_transport_init (RcEioTransport *self)
{
}
