/* roomcast: the auth provider interface and the user record; see auth-provider.h. */
#include "auth/auth-provider.h"

GQuark
rc_auth_error_quark (void)
{
  return g_quark_from_static_string ("rc-auth-error-quark");
}

G_DEFINE_INTERFACE (RcAuthProvider, rc_auth_provider, G_TYPE_OBJECT)

static void
rc_auth_provider_default_init (RcAuthProviderInterface *iface)
{
}

const char *
rc_auth_provider_get_name (RcAuthProvider *self)
{
  g_return_val_if_fail (RC_IS_AUTH_PROVIDER (self), NULL);
  return RC_AUTH_PROVIDER_GET_IFACE (self)->get_name (self);
}

void
rc_auth_provider_authenticate_async (RcAuthProvider *self, const char *token,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_return_if_fail (RC_IS_AUTH_PROVIDER (self));
  RC_AUTH_PROVIDER_GET_IFACE (self)->authenticate_async (self, token, cancellable, callback,
                                                         user_data);
}

RcUser *
rc_auth_provider_authenticate_finish (RcAuthProvider *self, GAsyncResult *result,
                                      GError **error)
{
  g_return_val_if_fail (RC_IS_AUTH_PROVIDER (self), NULL);
  return RC_AUTH_PROVIDER_GET_IFACE (self)->authenticate_finish (self, result, error);
}

RcUser *
rc_user_new (const char *id, const char *name, const char *role)
{
  g_return_val_if_fail (id != NULL && name != NULL, NULL);
  RcUser *user = g_new0 (RcUser, 1);
  g_atomic_ref_count_init (&user->ref_count);
  user->id = g_strdup (id);
  user->name = g_strdup (name);
  user->role = g_strdup (role && *role ? role : "user");
  return user;
}

RcUser *
rc_user_ref (RcUser *user)
{
  g_return_val_if_fail (user != NULL, NULL);
  g_atomic_ref_count_inc (&user->ref_count);
  return user;
}

void
rc_user_unref (RcUser *user)
{
  if (!user || !g_atomic_ref_count_dec (&user->ref_count))
    return;
  g_free (user->id);
  g_free (user->name);
  g_free (user->email);
  g_free (user->role);
  g_free (user->avatar_url);
  g_clear_pointer (&user->extra, json_object_unref);
  g_strfreev (user->token_hashes);
  g_free (user);
}

JsonNode *
rc_user_to_public_json (const RcUser *user)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, user->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, user->name);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, user->role);
  if (user->avatar_url) {
    json_builder_set_member_name (b, "avatarUrl");
    json_builder_add_string_value (b, user->avatar_url);
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
rc_user_is_staff (const RcUser *user)
{
  return user &&
         (g_strcmp0 (user->role, "admin") == 0 || g_strcmp0 (user->role, "moderator") == 0);
}
