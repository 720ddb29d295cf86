/* roomcast: a JWT to the jwt provider, any other token to the other one;
 * see auth-composite.h. */
#include "auth/auth-composite.h"

#include "auth/auth-jwt.h"

struct _RcCompositeAuth {
  GObject parent_instance;
  RcAuthProvider *jwt;
  RcAuthProvider *other;
  char *name;
};

static void rc_composite_auth_iface_init (RcAuthProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcCompositeAuth, rc_composite_auth, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_AUTH_PROVIDER,
                                                      rc_composite_auth_iface_init))

static const char *
rc_composite_auth_get_name (RcAuthProvider *provider)
{
  return RC_COMPOSITE_AUTH (provider)->name;
}

/* The chosen provider's answer becomes ours. */
static void
on_authenticated (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  GError *error = NULL;
  RcUser *user = rc_auth_provider_authenticate_finish (RC_AUTH_PROVIDER (source), result,
                                                       &error);
  if (user)
    g_task_return_pointer (task, user, (GDestroyNotify) rc_user_unref);
  else
    g_task_return_error (task, error);
}

static void
rc_composite_auth_authenticate_async (RcAuthProvider *provider, const char *token,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  RcCompositeAuth *self = RC_COMPOSITE_AUTH (provider);
  GTask *task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, rc_composite_auth_authenticate_async);
  RcAuthProvider *chosen = token && rc_auth_token_is_jwt (token) ? self->jwt : self->other;
  rc_auth_provider_authenticate_async (chosen, token, cancellable, on_authenticated, task);
}

static RcUser *
rc_composite_auth_authenticate_finish (RcAuthProvider *provider, GAsyncResult *result,
                                       GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
rc_composite_auth_iface_init (RcAuthProviderInterface *iface)
{
  iface->get_name = rc_composite_auth_get_name;
  iface->authenticate_async = rc_composite_auth_authenticate_async;
  iface->authenticate_finish = rc_composite_auth_authenticate_finish;
}

RcAuthProvider *
rc_composite_auth_new (RcAuthProvider *jwt, RcAuthProvider *other)
{
  g_return_val_if_fail (RC_IS_AUTH_PROVIDER (jwt) && RC_IS_AUTH_PROVIDER (other), NULL);
  RcCompositeAuth *self = g_object_new (RC_TYPE_COMPOSITE_AUTH, NULL);
  self->jwt = g_object_ref (jwt);
  self->other = g_object_ref (other);
  self->name = g_strconcat (rc_auth_provider_get_name (other), ",",
                            rc_auth_provider_get_name (jwt), NULL);
  g_info ("auth: %s (JWTs checked here, every other token by %s)", self->name,
          rc_auth_provider_get_name (other));
  return RC_AUTH_PROVIDER (self);
}

static void
rc_composite_auth_finalize (GObject *object)
{
  RcCompositeAuth *self = RC_COMPOSITE_AUTH (object);
  g_clear_object (&self->jwt);
  g_clear_object (&self->other);
  g_free (self->name);
  G_OBJECT_CLASS (rc_composite_auth_parent_class)->finalize (object);
}

static void
rc_composite_auth_class_init (RcCompositeAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_composite_auth_finalize;
}

static void
rc_composite_auth_init (RcCompositeAuth *self)
{
}
