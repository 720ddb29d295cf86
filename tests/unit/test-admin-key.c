/* rc_admin_key_equal(): the admin API's key comparison. Equality only; the
 * constant time comes from comparing SHA-256 digests with an OR of XORs
 * (src/services/admin-api.c), which a timing test on this machine could not
 * show reliably. */
#include "services/admin-api.h"

static void
test_equal (void)
{
  g_assert_true (rc_admin_key_equal ("admin-key-0123456789", "admin-key-0123456789"));
  g_assert_true (rc_admin_key_equal ("", ""));
}

static void
test_different (void)
{
  const char *key = "admin-key-0123456789";
  g_assert_false (rc_admin_key_equal ("admin-key-012345678", key));   /* prefix */
  g_assert_false (rc_admin_key_equal ("admin-key-01234567890", key)); /* longer */
  g_assert_false (rc_admin_key_equal ("Admin-key-0123456789", key));  /* first byte */
  g_assert_false (rc_admin_key_equal ("admin-key-012345678X", key));  /* last byte */
  g_assert_false (rc_admin_key_equal ("", key));
}

static void
test_null (void)
{
  g_assert_false (rc_admin_key_equal (NULL, "admin-key-0123456789"));
  g_assert_false (rc_admin_key_equal ("admin-key-0123456789", NULL));
  g_assert_false (rc_admin_key_equal (NULL, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/admin-key/equal", test_equal);
  g_test_add_func ("/admin-key/different", test_different);
  g_test_add_func ("/admin-key/null", test_null);
  return g_test_run ();
}
