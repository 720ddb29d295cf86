/* roomcast: who is connecting.
 *
 * An auth provider turns the token a client presents on Socket.IO CONNECT
 * into a user, asynchronously (the Laravel provider makes an HTTP call and
 * Redis look-ups; the dev provider answers at once). Implementations: dev
 * (auth-dev.c), laravel and jwt (later work). Tokens never reach a log.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RC_AUTH_ERROR (rc_auth_error_quark ())
GQuark rc_auth_error_quark (void);

typedef enum {
  RC_AUTH_ERROR_UNAUTHENTICATED, /* token missing, malformed, unknown, revoked or expired */
  RC_AUTH_ERROR_UNAVAILABLE,     /* the backend could not answer: fail closed */
  RC_AUTH_ERROR_RATE_LIMITED, /* too many attempts from this address (AUTH_ATTEMPTS_PER_IP_PER_MINUTE) */
} RcAuthError;

/* The authenticated user, shared read-only by everything that needs it. */
typedef struct {
  gatomicrefcount ref_count;
  char *id; /* user id as a string ("12345"); numeric for dev and Laravel */
  char *name;
  char *email;       /* nullable */
  char *role;        /* "user" when not given; "admin"/"moderator" may moderate any room */
  char *avatar_url;  /* nullable */
  JsonObject *extra; /* every field the backend returned, nullable */
  /* The token's hex SHA-256 forms (never the token): [0] is sha256(token),
   * its identity; all of them name its Redis keys (auth/token-keys.h). */
  char **token_hashes;
} RcUser;

RcUser *rc_user_new (const char *id, const char *name, const char *role);
RcUser *rc_user_ref (RcUser *user);
void rc_user_unref (RcUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcUser, rc_user_unref)
/* {"id":…,"name":…,"role":…,"avatarUrl":…}: what other clients may see. */
JsonNode *rc_user_to_public_json (const RcUser *user);
/* TRUE for "admin" and "moderator". */
gboolean rc_user_is_staff (const RcUser *user);

#define RC_TYPE_AUTH_PROVIDER (rc_auth_provider_get_type ())
G_DECLARE_INTERFACE (RcAuthProvider, rc_auth_provider, RC, AUTH_PROVIDER, GObject)

struct _RcAuthProviderInterface {
  GTypeInterface parent_iface;

  const char *(*get_name) (RcAuthProvider *self);
  void (*authenticate_async) (RcAuthProvider *self, const char *token,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
  RcUser *(*authenticate_finish) (RcAuthProvider *self, GAsyncResult *result, GError **error);
};

const char *rc_auth_provider_get_name (RcAuthProvider *self);
void rc_auth_provider_authenticate_async (RcAuthProvider *self, const char *token,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
RcUser *rc_auth_provider_authenticate_finish (RcAuthProvider *self, GAsyncResult *result,
                                              GError **error);

/* The dev provider (only with --dev): "dev:<numeric id>:<name>[:<role>]". */
#define RC_TYPE_DEV_AUTH (rc_dev_auth_get_type ())
G_DECLARE_FINAL_TYPE (RcDevAuth, rc_dev_auth, RC, DEV_AUTH, GObject)
RcAuthProvider *rc_dev_auth_new (void);
/* Parse a dev token; NULL with RC_AUTH_ERROR_UNAUTHENTICATED if malformed. */
RcUser *rc_dev_auth_parse (const char *token, GError **error);

G_END_DECLS
