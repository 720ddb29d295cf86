/* roomcast: the dev auth provider, enabled only by --dev.
 *
 * Token "dev:<numeric id>:<name>[:<role>]" is the user; anything else is
 * refused. It lets the demo and the tests run without a Laravel app, and is
 * never available in production because main() installs it only with --dev.
 */
#include "auth/auth-provider.h"
#include "auth/token-keys.h"

#include <string.h>

struct _RcDevAuth {
  GObject parent_instance;
};

static void rc_dev_auth_iface_init (RcAuthProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RcDevAuth, rc_dev_auth, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (RC_TYPE_AUTH_PROVIDER,
                                                      rc_dev_auth_iface_init))

#define MAX_NAME 64

static gboolean
is_decimal_id (const char *s)
{
  gsize n = strlen (s);
  if (n == 0 || n > 18 || s[0] == '0')
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_role (const char *s)
{
  return g_str_equal (s, "user") || g_str_equal (s, "moderator") || g_str_equal (s, "admin");
}

RcUser *
rc_dev_auth_parse (const char *token, GError **error)
{
  if (!token || !g_str_has_prefix (token, "dev:") || !g_utf8_validate (token, -1, NULL)) {
    g_set_error_literal (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED,
                         "not a dev token (expected dev:<id>:<name>[:<role>])");
    return NULL;
  }
  g_auto (GStrv) parts = g_strsplit (token, ":", 5);
  guint n = g_strv_length (parts);
  if (n < 3 || n > 4 || !is_decimal_id (parts[1]) || parts[2][0] == '\0' ||
      g_utf8_strlen (parts[2], -1) > MAX_NAME || (n == 4 && !is_role (parts[3]))) {
    g_set_error_literal (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED,
                         "malformed dev token (expected "
                         "dev:<id>:<name>[:user|moderator|admin])");
    return NULL;
  }
  RcUser *user = rc_user_new (parts[1], parts[2], n == 4 ? parts[3] : "user");
  user->token_hashes = rc_token_hashes (token);
  return user;
}

static const char *
rc_dev_auth_get_name (RcAuthProvider *provider)
{
  return "dev";
}

static void
rc_dev_auth_authenticate_async (RcAuthProvider *provider, const char *token,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, rc_dev_auth_authenticate_async);
  GError *error = NULL;
  RcUser *user = rc_dev_auth_parse (token, &error);
  if (user)
    g_task_return_pointer (task, user, (GDestroyNotify) rc_user_unref);
  else
    g_task_return_error (task, error);
}

static RcUser *
rc_dev_auth_authenticate_finish (RcAuthProvider *provider, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
rc_dev_auth_iface_init (RcAuthProviderInterface *iface)
{
  iface->get_name = rc_dev_auth_get_name;
  iface->authenticate_async = rc_dev_auth_authenticate_async;
  iface->authenticate_finish = rc_dev_auth_authenticate_finish;
}

static void
rc_dev_auth_class_init (RcDevAuthClass *klass)
{
}

static void
rc_dev_auth_init (RcDevAuth *self)
{
}

RcAuthProvider *
rc_dev_auth_new (void)
{
  return g_object_new (RC_TYPE_DEV_AUTH, NULL);
}
