/* The hub's Pusher signatures against the worked examples of Pusher's
 * documentation (channel authorisation and the HTTP API), channel names
 * and the constant-time comparison. */
#include <string.h>

#include "hub/hub-auth.h"

#define KEY "278d425bdf160c739803"
#define SECRET "7ad3773142a6692b25b8"

static void
test_channel_auth (void)
{
  g_autofree char *auth = rc_hub_channel_auth (KEY, SECRET, "1234.1234", "private-foobar", NULL);
  /* Pusher docs, "Authenticating users": private-foobar, socket 1234.1234. */
  g_assert_cmpstr (auth, ==, KEY ":58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
  g_assert_true (rc_hub_channel_auth_valid (KEY, SECRET, "1234.1234", "private-foobar", NULL, auth));
  g_assert_false (rc_hub_channel_auth_valid (KEY, SECRET, "1234.1235", "private-foobar", NULL, auth));
  g_assert_false (rc_hub_channel_auth_valid (KEY, SECRET, "1234.1234", "private-foobaz", NULL, auth));
  g_assert_false (rc_hub_channel_auth_valid (KEY, SECRET, "1234.1234", "private-foobar", "{}", auth));
  g_assert_false (rc_hub_channel_auth_valid (KEY, SECRET, "1234.1234", "private-foobar", NULL, NULL));
  g_assert_false (rc_hub_channel_auth_valid (KEY, SECRET, "1234.1234", "private-foobar", NULL, ""));

  const char *data = "{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channel\"}}";
  g_autofree char *presence = rc_hub_channel_auth (KEY, SECRET, "1234.1234", "presence-foobar", data);
  g_autofree char *mac = rc_hub_hmac_hex (SECRET, "1234.1234:presence-foobar:{\"user_id\":10,"
                                          "\"user_info\":{\"name\":\"Mr. Channel\"}}", -1);
  g_assert_true (g_str_has_suffix (presence, mac));
  g_assert_true (rc_hub_channel_auth_valid (KEY, SECRET, "1234.1234", "presence-foobar", data,
                                            presence));
}

static GHashTable *
query_of (const char *first, ...)
{
  GHashTable *q = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  va_list ap;
  va_start (ap, first);
  for (const char *k = first; k; k = va_arg (ap, const char *))
    g_hash_table_insert (q, g_strdup (k), g_strdup (va_arg (ap, const char *)));
  va_end (ap);
  return q;
}

/* Pusher docs, "HTTP API reference / Worked authentication example". */
static void
test_api_signature (void)
{
  const char *body = "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}";
  const char *sig = "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c";
  g_autoptr (GHashTable) q = query_of ("auth_key", KEY, "auth_timestamp", "1353088179",
                                       "auth_version", "1.0",
                                       "body_md5", "ec365a775a4cd0599faeb73354201b6f",
                                       "auth_signature", sig, NULL);
  g_autofree char *to_sign = rc_hub_api_string_to_sign ("POST", "/apps/3/events", q);
  const char *why = NULL;

  g_assert_cmpstr (to_sign, ==, "POST\n/apps/3/events\nauth_key=" KEY
                   "&auth_timestamp=1353088179&auth_version=1.0"
                   "&body_md5=ec365a775a4cd0599faeb73354201b6f");
  g_assert_true (rc_hub_api_verify (KEY, SECRET, "POST", "/apps/3/events", q, body, strlen (body),
                                    1353088179 + 599, &why));
  /* stale or future timestamp */
  g_assert_false (rc_hub_api_verify (KEY, SECRET, "POST", "/apps/3/events", q, body,
                                     strlen (body), 1353088179 + 601, &why));
  g_assert_nonnull (strstr (why, "auth_timestamp"));
  g_assert_false (rc_hub_api_verify (KEY, SECRET, "POST", "/apps/3/events", q, body,
                                     strlen (body), 1353088179 - 601, &why));
  /* another body, path, method, key or secret */
  g_assert_false (rc_hub_api_verify (KEY, SECRET, "POST", "/apps/3/events", q, "{}", 2,
                                     1353088179, &why));
  g_assert_nonnull (strstr (why, "body_md5"));
  g_assert_false (rc_hub_api_verify (KEY, SECRET, "POST", "/apps/4/events", q, body,
                                     strlen (body), 1353088179, &why));
  g_assert_cmpstr (why, ==, "invalid auth_signature");
  g_assert_false (rc_hub_api_verify (KEY, SECRET, "GET", "/apps/3/events", q, body,
                                     strlen (body), 1353088179, &why));
  g_assert_false (rc_hub_api_verify ("other", SECRET, "POST", "/apps/3/events", q, body,
                                     strlen (body), 1353088179, &why));
  g_assert_cmpstr (why, ==, "unknown auth_key");
  g_assert_false (rc_hub_api_verify (KEY, "other", "POST", "/apps/3/events", q, body,
                                     strlen (body), 1353088179, &why));
  g_hash_table_insert (q, g_strdup ("auth_version"), g_strdup ("2.0"));
  g_assert_false (rc_hub_api_verify (KEY, SECRET, "POST", "/apps/3/events", q, body,
                                     strlen (body), 1353088179, &why));
  g_assert_cmpstr (why, ==, "auth_version must be 1.0");
  g_assert_false (rc_hub_api_verify (KEY, SECRET, "POST", "/apps/3/events", NULL, body,
                                     strlen (body), 1353088179, &why));
}

static void
test_channel_names (void)
{
  g_autofree char *long_ok = g_strnfill (200, 'a');
  g_autofree char *too_long = g_strnfill (201, 'a');

  g_assert_true (rc_hub_channel_name_valid ("private-App.Models.User.1"));
  g_assert_true (rc_hub_channel_name_valid ("presence-room.7"));
  g_assert_true (rc_hub_channel_name_valid ("a_b-c=d@e,f.g;h"));
  g_assert_true (rc_hub_channel_name_valid (long_ok));
  g_assert_false (rc_hub_channel_name_valid (too_long));
  g_assert_false (rc_hub_channel_name_valid (""));
  g_assert_false (rc_hub_channel_name_valid (NULL));
  g_assert_false (rc_hub_channel_name_valid ("a b"));
  g_assert_false (rc_hub_channel_name_valid ("a/b"));
  g_assert_false (rc_hub_channel_name_valid ("caf\xc3\xa9"));
  g_assert_cmpint (rc_hub_channel_kind ("presence-x"), ==, RC_HUB_CHANNEL_PRESENCE);
  g_assert_cmpint (rc_hub_channel_kind ("private-x"), ==, RC_HUB_CHANNEL_PRIVATE);
  g_assert_cmpint (rc_hub_channel_kind ("private-encrypted-x"), ==, RC_HUB_CHANNEL_PRIVATE);
  g_assert_cmpint (rc_hub_channel_kind ("news"), ==, RC_HUB_CHANNEL_PUBLIC);
  g_assert_cmpint (rc_hub_channel_kind ("privatex"), ==, RC_HUB_CHANNEL_PUBLIC);
}

static void
test_secure_equal (void)
{
  g_assert_true (rc_hub_secure_equal ("abc", "abc"));
  g_assert_true (rc_hub_secure_equal ("", ""));
  g_assert_false (rc_hub_secure_equal ("abc", "abd"));
  g_assert_false (rc_hub_secure_equal ("abc", "ab"));
  g_assert_false (rc_hub_secure_equal ("ab", "abc"));
  g_assert_false (rc_hub_secure_equal ("abc", ""));
  g_assert_false (rc_hub_secure_equal ("", "abc"));
  g_assert_false (rc_hub_secure_equal (NULL, "abc"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hub-auth/channel", test_channel_auth);
  g_test_add_func ("/hub-auth/api-signature", test_api_signature);
  g_test_add_func ("/hub-auth/channel-names", test_channel_names);
  g_test_add_func ("/hub-auth/secure-equal", test_secure_equal);
  return g_test_run ();
}
