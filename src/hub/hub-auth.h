/* roomcast: the Pusher protocol's pure parts: channel names and kinds,
 * channel authorisation signatures and the HTTP API's request signatures.
 * No I/O, no state; every comparison of a signature is constant-time.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RC_HUB_MAX_CHANNEL_NAME 200
/* Requests whose auth_timestamp is further than this from now are refused. */
#define RC_HUB_API_MAX_SKEW_S 600

typedef enum {
  RC_HUB_CHANNEL_PUBLIC,
  RC_HUB_CHANNEL_PRIVATE,  /* private-... (private-encrypted- included) */
  RC_HUB_CHANNEL_PRESENCE, /* presence-... */
} RcHubChannelKind;

/* 1..200 characters of [A-Za-z0-9_\-=@,.;]. */
gboolean rc_hub_channel_name_valid (const char *name);
RcHubChannelKind rc_hub_channel_kind (const char *name);

/* Lower-case hex of HMAC-SHA256(@secret, @data). */
char *rc_hub_hmac_hex (const char *secret, const char *data, gssize len);
/* Constant-time comparison of two NUL-terminated strings (the time depends
 * on the lengths only). */
gboolean rc_hub_secure_equal (const char *a, const char *b);

/* "key:hex(HMAC-SHA256(secret, socket_id:channel[:channel_data]))". */
char *rc_hub_channel_auth (const char *key, const char *secret, const char *socket_id,
                           const char *channel, const char *channel_data);
/* TRUE if @auth is the signature above (@channel_data NULL for private). */
gboolean rc_hub_channel_auth_valid (const char *key, const char *secret, const char *socket_id,
                                    const char *channel, const char *channel_data,
                                    const char *auth);

/* Pusher user authentication (pusher:signin): the connection's own channel
 * for server-to-user events is "#server-to-user-{user id}". */
#define RC_HUB_USER_CHANNEL_PREFIX "#server-to-user-"
#define RC_HUB_MAX_USER_ID 128
/* 1..128 characters of the channel-name set. */
gboolean rc_hub_user_id_valid (const char *user_id);
/* "#server-to-user-{id}" with a valid id. */
gboolean rc_hub_user_channel_valid (const char *name);
/* "key:hex(HMAC-SHA256(secret, socket_id::user::user_data))". */
char *rc_hub_user_auth (const char *key, const char *secret, const char *socket_id,
                        const char *user_data);
gboolean rc_hub_user_auth_valid (const char *key, const char *secret, const char *socket_id,
                                 const char *user_data, const char *auth);

/* The HTTP API's string to sign: "METHOD\nPATH\nk=v&k=v" with the query's
 * keys (except auth_signature) lower-cased and sorted, values as decoded. */
char *rc_hub_api_string_to_sign (const char *method, const char *path, GHashTable *query);

/* Verify a Pusher HTTP API request: auth_key, auth_version=1.0,
 * auth_timestamp within RC_HUB_API_MAX_SKEW_S of @now_s, body_md5 (when there is
 * a body), auth_signature. On failure *@why (nullable) says which check failed
 * (never a secret). */
gboolean rc_hub_api_verify (const char *key, const char *secret, const char *method,
                            const char *path, GHashTable *query, const char *body,
                            gsize body_len, gint64 now_s, const char **why);

G_END_DECLS
