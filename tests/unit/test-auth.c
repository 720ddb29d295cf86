/* roomcast: unit tests of the JWT verifier (src/auth/auth-jwt.c), of the
 * validation of Laravel's user JSON (src/auth/auth-laravel.c) and of a
 * token's Redis keys (src/auth/token-keys.c). Tokens are built here with
 * GLib's HMAC so every case is exact. */
#include "auth/auth-jwt.h"
#include "auth/auth-laravel.h"
#include "auth/token-keys.h"
#include "json/json-text.h"

#include <string.h>

#define SECRET "unit-test-secret-0123456789abcdef0123456789"
#define NOW G_GINT64_CONSTANT (1700000000)

static char *
b64url (const void *data, gsize len)
{
  char *s = g_base64_encode (data, len);
  g_strdelimit (s, "+", '-');
  g_strdelimit (s, "/", '_');
  char *eq = strchr (s, '=');
  if (eq)
    *eq = '\0';
  return s;
}

/* header and payload are JSON texts; @checksum G_CHECKSUM_SHA256 or 512,
 * or -1 for an empty signature. */
static char *
make_token_full (const char *header, const char *payload, int checksum, const char *secret)
{
  g_autofree char *h = b64url (header, strlen (header));
  g_autofree char *p = b64url (payload, strlen (payload));
  g_autofree char *input = g_strdup_printf ("%s.%s", h, p);
  if (checksum < 0)
    return g_strdup_printf ("%s.", input);
  g_autoptr (GHmac) hmac = g_hmac_new (checksum, (const guchar *) secret, strlen (secret));
  g_hmac_update (hmac, (const guchar *) input, -1);
  guint8 digest[64];
  gsize n = sizeof digest;
  g_hmac_get_digest (hmac, digest, &n);
  g_autofree char *sig = b64url (digest, n);
  return g_strdup_printf ("%s.%s", input, sig);
}

static char *
make_token (const char *payload)
{
  return make_token_full ("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, G_CHECKSUM_SHA256, SECRET);
}

/* The role claim trusted, nothing else required: what the tests below
 * check is the token itself. */
static const RcJwtOptions trusting = { .trust_role = TRUE };

static RcUser *
verify_with (const char *token, const RcJwtOptions *options, GError **error)
{
  return rc_jwt_auth_verify (token, (const guint8 *) SECRET, strlen (SECRET), options, NOW, error);
}

static RcUser *
verify (const char *token, GError **error)
{
  return verify_with (token, &trusting, error);
}

static void
assert_refused (const char *token, const char *why)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RcUser) user = verify (token, &error);
  g_assert_null (user);
  g_assert_error (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED);
  if (!strstr (error->message, why))
    g_error ("expected \"%s\" in \"%s\"", why, error->message);
  /* Messages never quote the token. */
  if (strlen (token) > 8)
    g_assert_null (strstr (error->message, token));
}

static void
test_jwt_valid (void)
{
  g_autofree char *token = make_token ("{\"sub\":\"42\",\"name\":\"Jay\",\"email\":\"j@x.io\","
                                       "\"role\":\"moderator\",\"avatar_url\":\"https://a/b\","
                                       "\"exp\":1700000600,\"nbf\":1699999000,\"plan\":\"gold\"}");
  g_autoptr (GError) error = NULL;
  g_autoptr (RcUser) user = verify (token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->id, ==, "42");
  g_assert_cmpstr (user->name, ==, "Jay");
  g_assert_cmpstr (user->email, ==, "j@x.io");
  g_assert_cmpstr (user->role, ==, "moderator");
  g_assert_cmpstr (user->avatar_url, ==, "https://a/b");
  g_assert_cmpstr (json_object_get_string_member (user->extra, "plan"), ==, "gold");
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
  g_assert_cmpstr (user->token_hashes[0], ==, hash);
  g_assert_null (user->token_hashes[1]); /* not a Sanctum token */
}

static void
test_jwt_claims (void)
{
  /* integer sub, defaults for name and role, fractional exp */
  g_autofree char *t1 = make_token ("{\"sub\":7,\"exp\":1700000000.5e0}");
  g_autoptr (GError) error = NULL;
  g_autoptr (RcUser) user = verify (t1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->id, ==, "7");
  g_assert_cmpstr (user->name, ==, "7");
  g_assert_cmpstr (user->role, ==, "user");
  g_assert_null (user->email);

  static const struct { const char *payload; const char *why; } bad[] = {
    { "{\"exp\":1700000600}", "sub" },
    { "{\"sub\":\"\",\"exp\":1700000600}", "sub must be" },
    { "{\"sub\":1.5,\"exp\":1700000600}", "sub" },
    { "{\"sub\":true,\"exp\":1700000600}", "sub" },
    { "{\"sub\":\"a\\u0001b\",\"exp\":1700000600}", "control" },
    { "{\"sub\":\"1\",\"exp\":1700000600,\"role\":5}", "role must be a string" },
    { "{\"sub\":\"1\",\"exp\":1700000600,\"name\":[]}", "name must be a string" },
    { "{\"sub\":\"1\"}", "exp is required" },
    { "{\"sub\":\"1\",\"exp\":\"1700000600\"}", "exp must be a number" },
    { "{\"sub\":\"1\",\"exp\":1700000600,\"nbf\":null}", "nbf must be a number" },
    { "[1,2]", "malformed payload" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree char *t = make_token (bad[i].payload);
    assert_refused (t, bad[i].why);
  }
}

/* exp and nbf with RC_JWT_LEEWAY_S (30 s) either side. */
static void
test_jwt_dates (void)
{
  static const struct { const char *payload; gboolean ok; } cases[] = {
    { "{\"sub\":\"1\",\"exp\":1700000031}", TRUE },
    { "{\"sub\":\"1\",\"exp\":1699999971}", TRUE },   /* expired 29 s ago: leeway */
    { "{\"sub\":\"1\",\"exp\":1699999970}", FALSE },  /* 30 s ago: expired */
    { "{\"sub\":\"1\",\"exp\":1600000000}", FALSE },
    { "{\"sub\":\"1\",\"exp\":1700000600,\"nbf\":1700000030}", TRUE },
    { "{\"sub\":\"1\",\"exp\":1700000600,\"nbf\":1700000031}", FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *t = make_token (cases[i].payload);
    g_autoptr (GError) error = NULL;
    g_autoptr (RcUser) user = verify (t, &error);
    if (cases[i].ok)
      g_assert_no_error (error);
    else
      g_assert_error (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED);
  }
}

/* What RcJwtOptions add: role, aud, iss, prv and the lifetime bound. */
static void
test_jwt_options (void)
{
  /* Without JWT_TRUST_ROLE a role claim is ignored. */
  g_autofree char *admin = make_token ("{\"sub\":\"1\",\"role\":\"admin\",\"exp\":1700000600}");
  g_autoptr (GError) error = NULL;
  g_autoptr (RcUser) plain = verify_with (admin, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plain->role, ==, "user");
  g_assert_false (rc_user_is_staff (plain));

  /* sha1("App\\Models\\User"), as tymon/jwt-auth puts it in prv. */
  g_autofree char *prv = g_compute_checksum_for_string (G_CHECKSUM_SHA1, "App\\Models\\User", -1);
  const RcJwtOptions strict = {
    .audience = "roomcast", .issuer = "https://app.example", .user_model = "App\\Models\\User",
    .max_lifetime_s = 3600,
  };
  static const struct { const char *claims; const char *why; } cases[] = {
    { "\"aud\":\"roomcast\",\"iss\":\"https://app.example\",\"exp\":1700003600", NULL },
    { "\"aud\":[\"x\",\"roomcast\"],\"iss\":\"https://app.example\",\"exp\":1700000600", NULL },
    { "\"iss\":\"https://app.example\",\"exp\":1700000600", "aud is required" },
    { "\"aud\":\"other\",\"iss\":\"https://app.example\",\"exp\":1700000600", "wrong audience" },
    { "\"aud\":[\"x\"],\"iss\":\"https://app.example\",\"exp\":1700000600", "wrong audience" },
    { "\"aud\":\"roomcast\",\"exp\":1700000600", "iss is required" },
    { "\"aud\":\"roomcast\",\"iss\":\"https://evil\",\"exp\":1700000600", "wrong iss" },
    /* an hour and a half ahead: over the bound (plus the 30 s leeway) */
    { "\"aud\":\"roomcast\",\"iss\":\"https://app.example\",\"exp\":1700005400", "lifetime" },
    /* issued two hours before it expires, though it expires soon */
    { "\"aud\":\"roomcast\",\"iss\":\"https://app.example\",\"iat\":1699993400,\"exp\":1700000600", "lifetime" },
    { "\"aud\":\"roomcast\",\"iss\":\"https://app.example\",\"iat\":\"x\",\"exp\":1700000600", "iat must be a number" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    for (int with_prv = 0; with_prv < 2; with_prv++) {
      g_autofree char *payload = with_prv
        ? g_strdup_printf ("{\"sub\":\"1\",\"prv\":\"%s\",%s}", prv, cases[i].claims)
        : g_strdup_printf ("{\"sub\":\"1\",%s}", cases[i].claims);
      g_autofree char *t = make_token (payload);
      g_autoptr (GError) e = NULL;
      g_autoptr (RcUser) u = verify_with (t, &strict, &e);
      const char *why = cases[i].why ? cases[i].why : with_prv ? NULL : "prv is required";
      if (why == NULL) {
        g_assert_no_error (e);
        continue;
      }
      g_assert_error (e, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED);
      if (!strstr (e->message, why))
        g_error ("case %u (prv %d): expected \"%s\" in \"%s\"", i, with_prv, why, e->message);
    }
  }
  g_autofree char *other = make_token ("{\"sub\":\"1\",\"prv\":\"0123\",\"aud\":\"roomcast\","
                                       "\"iss\":\"https://app.example\",\"exp\":1700000600}");
  g_autoptr (GError) e2 = NULL;
  g_autoptr (RcUser) u2 = verify_with (other, &strict, &e2);
  g_assert_error (e2, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED);
  g_assert_nonnull (strstr (e2->message, "wrong prv"));
}

static void
test_jwt_algorithms (void)
{
  const char *payload = "{\"sub\":\"1\",\"exp\":1700000600}";
  g_autofree char *none = make_token_full ("{\"alg\":\"none\"}", payload, -1, SECRET);
  g_autofree char *none_signed = make_token_full ("{\"alg\":\"none\"}", payload, G_CHECKSUM_SHA256, SECRET);
  g_autofree char *hs512 = make_token_full ("{\"alg\":\"HS512\"}", payload, G_CHECKSUM_SHA512, SECRET);
  g_autofree char *rs256 = make_token_full ("{\"alg\":\"RS256\"}", payload, G_CHECKSUM_SHA256, SECRET);
  g_autofree char *lower = make_token_full ("{\"alg\":\"hs256\"}", payload, G_CHECKSUM_SHA256, SECRET);
  g_autofree char *no_alg = make_token_full ("{\"typ\":\"JWT\"}", payload, G_CHECKSUM_SHA256, SECRET);
  g_autofree char *crit = make_token_full ("{\"alg\":\"HS256\",\"crit\":[\"x\"]}", payload, G_CHECKSUM_SHA256, SECRET);
  g_autofree char *typ = make_token_full ("{\"alg\":\"HS256\",\"typ\":\"JWE\"}", payload, G_CHECKSUM_SHA256, SECRET);
  g_autofree char *no_typ = make_token_full ("{\"alg\":\"HS256\"}", payload, G_CHECKSUM_SHA256, SECRET);

  assert_refused (none, "malformed");
  assert_refused (none_signed, "alg must be HS256");
  assert_refused (hs512, "alg must be HS256");
  assert_refused (rs256, "alg must be HS256");
  assert_refused (lower, "alg must be HS256");
  assert_refused (no_alg, "alg must be HS256");
  assert_refused (crit, "crit");
  assert_refused (typ, "typ");
  g_autoptr (RcUser) user = verify (no_typ, NULL);
  g_assert_nonnull (user);
}

static void
test_jwt_signature (void)
{
  const char *payload = "{\"sub\":\"1\",\"exp\":1700000600}";
  g_autofree char *other = make_token_full ("{\"alg\":\"HS256\"}", payload, G_CHECKSUM_SHA256,
                                            "some-other-secret-0123456789abcdef");
  assert_refused (other, "bad signature");

  g_autofree char *good = make_token (payload);
  g_autofree char *flipped = g_strdup (good);
  char *last = flipped + strlen (flipped) - 2;
  *last = *last == 'A' ? 'B' : 'A';
  assert_refused (flipped, "bad signature");

  /* a payload swapped under a valid signature */
  g_autofree char *admin = make_token ("{\"sub\":\"1\",\"exp\":1700000600,\"role\":\"admin\"}");
  g_auto (GStrv) a = g_strsplit (good, ".", 3);
  g_auto (GStrv) b = g_strsplit (admin, ".", 3);
  g_autofree char *swapped = g_strdup_printf ("%s.%s.%s", a[0], b[1], a[2]);
  assert_refused (swapped, "bad signature");

  /* the signature in a non-canonical spelling (last char's spare bits set) */
  g_autofree char *noncanon = g_strdup (good);
  char *end = noncanon + strlen (noncanon) - 1;
  const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int v = (int) (strchr (alphabet, *end) - alphabet);
  *end = alphabet[v | 1];
  if (*end != good[strlen (good) - 1])
    assert_refused (noncanon, "bad signature");
}

static void
test_jwt_malformed (void)
{
  g_autofree char *good = make_token ("{\"sub\":\"1\",\"exp\":1700000600}");
  g_auto (GStrv) part = g_strsplit (good, ".", 3);
  g_autofree char *padded = g_strdup_printf ("%s=.%s.%s", part[0], part[1], part[2]);
  g_autofree char *four = g_strdup_printf ("%s.x", good);
  g_autofree char *two = g_strdup_printf ("%s.%s", part[0], part[1]);
  g_autofree char *empty_payload = g_strdup_printf ("%s..%s", part[0], part[2]);
  g_autofree char *bad_char = g_strdup_printf ("%s.%s.%s*", part[0], part[1], part[2]);
  g_autofree char *std_b64 = g_strdup_printf ("%s+.%s.%s", part[0], part[1], part[2]);
  g_autofree char *not_json = g_strdup_printf ("bm90IGpzb24.%s.%s", part[1], part[2]);
  g_autofree char *huge = g_strnfill (RC_AUTH_MAX_TOKEN_LEN + 1, 'a');
  const char *bad[] = { "", ".", "..", "a.b", "a.b.c.d", padded, four, two, empty_payload,
                        bad_char, std_b64, not_json, huge, "a b.c.d", "x\n.y.z" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (RcUser) user = verify (bad[i], &error);
    g_assert_null (user);
    g_assert_error (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAUTHENTICATED);
  }
  g_assert_null (verify (NULL, NULL));
}

/* --- Laravel's user JSON -------------------------------------------------- */

static RcUser *
user_from (const char *json, GError **error)
{
  g_autoptr (JsonNode) node = rc_json_parse_strict (json, strlen (json), NULL, NULL);
  g_assert_nonnull (node);
  return rc_laravel_auth_user_from_json (node, error);
}

static void
test_user_json_valid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RcUser) user = user_from (
    "{\"id\":12345,\"name\":\"John Doe\",\"email\":\"john@example.com\","
    "\"avatar_url\":\"https://cdn.flylive.app/avatars/12345.jpg\",\"role\":\"admin\","
    "\"is_vip\":true,\"coin_balance\":500}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->id, ==, "12345");
  g_assert_cmpstr (user->name, ==, "John Doe");
  g_assert_cmpstr (user->email, ==, "john@example.com");
  g_assert_cmpstr (user->avatar_url, ==, "https://cdn.flylive.app/avatars/12345.jpg");
  g_assert_cmpstr (user->role, ==, "admin");
  g_assert_true (rc_user_is_staff (user));
  g_assert_true (json_object_get_boolean_member (user->extra, "is_vip"));
  g_assert_cmpint (json_object_get_int_member (user->extra, "coin_balance"), ==, 500);
  g_assert_cmpuint (json_object_get_size (user->extra), ==, 7);

  /* a controller returns null for missing optional columns */
  g_autoptr (RcUser) minimal = user_from ("{\"id\":1,\"name\":\"\",\"email\":\"a@b\","
                                          "\"avatar_url\":null,\"role\":null}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (minimal->role, ==, "user");
  g_assert_null (minimal->avatar_url);
  g_autoptr (RcUser) big = user_from ("{\"id\":9007199254740993,\"name\":\"n\",\"email\":\"e\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (big->id, ==, "9007199254740993");
}

static void
test_user_json_invalid (void)
{
  static const struct { const char *json; const char *why; } bad[] = {
    { "[]", "not a JSON object" },
    { "null", "not a JSON object" },
    { "{\"name\":\"n\",\"email\":\"e\"}", "\"id\"" },
    { "{\"id\":\"12\",\"name\":\"n\",\"email\":\"e\"}", "\"id\"" },
    { "{\"id\":12.0,\"name\":\"n\",\"email\":\"e\"}", "\"id\"" },
    { "{\"id\":1.5,\"name\":\"n\",\"email\":\"e\"}", "\"id\"" },
    { "{\"id\":0,\"name\":\"n\",\"email\":\"e\"}", "\"id\"" },
    { "{\"id\":-3,\"name\":\"n\",\"email\":\"e\"}", "\"id\"" },
    { "{\"id\":true,\"name\":\"n\",\"email\":\"e\"}", "\"id\"" },
    { "{\"id\":1,\"email\":\"e\"}", "\"name\"" },
    { "{\"id\":1,\"name\":null,\"email\":\"e\"}", "\"name\"" },
    { "{\"id\":1,\"name\":7,\"email\":\"e\"}", "\"name\"" },
    { "{\"id\":1,\"name\":\"n\"}", "\"email\"" },
    { "{\"id\":1,\"name\":\"n\",\"email\":null}", "\"email\"" },
    { "{\"id\":1,\"name\":\"n\",\"email\":\"e\",\"role\":1}", "\"role\"" },
    { "{\"id\":1,\"name\":\"n\",\"email\":\"e\",\"avatar_url\":{}}", "\"avatar_url\"" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (RcUser) user = user_from (bad[i].json, &error);
    g_assert_null (user);
    g_assert_error (error, RC_AUTH_ERROR, RC_AUTH_ERROR_UNAVAILABLE);
    if (!strstr (error->message, bad[i].why))
      g_error ("%s: expected \"%s\" in \"%s\"", bad[i].json, bad[i].why, error->message);
  }
  g_assert_null (rc_laravel_auth_user_from_json (NULL, NULL));
}

static void
test_token_is_jwt (void)
{
  g_autofree char *jwt = make_token ("{\"sub\":\"1\",\"exp\":1}");
  g_assert_true (rc_auth_token_is_jwt (jwt));
  /* eyJ9 is base64url of "{}": a header, however empty. */
  g_assert_true (rc_auth_token_is_jwt ("e30.e30.x"));
  const char *not_jwt[] = { "5|abcdef0123456789", "dev:1:Alice", "a.b", "a.b.c.d", ".e30.x",
                            "e30..x", "e30.e30.", "e30.e30.x|y", "YWJj.e30.x" /* "abc" */ };
  for (guint i = 0; i < G_N_ELEMENTS (not_jwt); i++)
    if (rc_auth_token_is_jwt (not_jwt[i]))
      g_error ("%s taken for a JWT", not_jwt[i]);
}

static void
test_token_shape (void)
{
  g_assert_true (rc_auth_token_is_well_formed ("1|abcDEF123"));
  g_assert_true (rc_auth_token_is_well_formed ("eyJ.eyJ.sig-_~"));
  g_autofree char *max = g_strnfill (RC_AUTH_MAX_TOKEN_LEN, 'a');
  g_autofree char *over = g_strnfill (RC_AUTH_MAX_TOKEN_LEN + 1, 'a');
  g_assert_true (rc_auth_token_is_well_formed (max));
  g_assert_false (rc_auth_token_is_well_formed (over));
  const char *bad[] = { NULL, "", "a b", "a\r\nX-Evil: 1", "tab\there", "caf\xc3\xa9", "\x7f" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (rc_auth_token_is_well_formed (bad[i]));
}

/* Expected values computed independently (Python's hashlib). */
#define SANCTUM_TOKEN "5|abcdef"
#define H_TOKEN "c07cb69ccf3b65c5a09cc68911d994f6ec1938e6a2fca88f6b03f115f4dfee03"
/* sha256(hex(sha256("abcdef"))): the hash of what Sanctum stores. */
#define H_STORED "1c3951fc51112a02ae7a82720fbed831a07bcde22bdaffefdea17392b6687620"

static void
test_token_keys (void)
{
  g_auto (GStrv) sanctum = rc_token_hashes (SANCTUM_TOKEN);
  g_assert_cmpuint (g_strv_length (sanctum), ==, 2);
  g_assert_cmpstr (sanctum[0], ==, H_TOKEN);
  g_assert_cmpstr (sanctum[1], ==, H_STORED);

  /* Only "<digits>|<secret>" has a Sanctum form. */
  const char *plain[] = { "eyJ.eyJ.sig", "abc|def", "|abc", "5|", "nobar" };
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++) {
    g_auto (GStrv) h = rc_token_hashes (plain[i]);
    g_assert_cmpuint (g_strv_length (h), ==, 1);
  }

  const char *const *hashes = (const char *const *) sanctum;
  g_auto (GStrv) revoked = rc_token_keys (hashes, RC_AUTH_REVOKED_KEY_PREFIX, "laravel_database_");
  const char *const expected[] = {
    "auth:revoked:" H_TOKEN,
    "auth:revoked:" H_STORED,
    "laravel_database_auth:revoked:" H_TOKEN,
    "laravel_database_auth:revoked:" H_STORED,
    NULL,
  };
  g_assert_cmpstrv (revoked, expected);

  /* No prefix: the unprefixed forms only. */
  g_auto (GStrv) cache = rc_token_keys (hashes, RC_AUTH_TOKEN_KEY_PREFIX, "");
  const char *const expected_cache[] = { "auth:token:" H_TOKEN, "auth:token:" H_STORED, NULL };
  g_assert_cmpstrv (cache, expected_cache);
  g_auto (GStrv) none = rc_token_keys (hashes, RC_AUTH_TOKEN_KEY_PREFIX, NULL);
  g_assert_cmpstrv (none, expected_cache);

  g_auto (GStrv) jwt = rc_token_hashes ("eyJ.eyJ.sig");
  g_auto (GStrv) jwt_keys = rc_token_keys ((const char *const *) jwt, RC_AUTH_REVOKED_KEY_PREFIX,
                                           "app-database-");
  g_assert_cmpuint (g_strv_length (jwt_keys), ==, 2);
  g_assert_true (g_str_has_prefix (jwt_keys[1], "app-database-auth:revoked:"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/auth/jwt/valid", test_jwt_valid);
  g_test_add_func ("/auth/jwt/claims", test_jwt_claims);
  g_test_add_func ("/auth/jwt/dates", test_jwt_dates);
  g_test_add_func ("/auth/jwt/options", test_jwt_options);
  g_test_add_func ("/auth/jwt/algorithms", test_jwt_algorithms);
  g_test_add_func ("/auth/jwt/signature", test_jwt_signature);
  g_test_add_func ("/auth/jwt/malformed", test_jwt_malformed);
  g_test_add_func ("/auth/laravel/user-json/valid", test_user_json_valid);
  g_test_add_func ("/auth/laravel/user-json/invalid", test_user_json_invalid);
  g_test_add_func ("/auth/laravel/token-shape", test_token_shape);
  g_test_add_func ("/auth/jwt/shape", test_token_is_jwt);
  g_test_add_func ("/auth/token-keys", test_token_keys);
  return g_test_run ();
}
