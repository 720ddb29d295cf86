/* roomcast: unit tests of the DTLS fingerprint checks
 * (src/media/dtls-fingerprint.c). The certificate and its fingerprints
 * were made by openssl (req -x509 -newkey ec; x509 -fingerprint -sha1,
 * -sha256, -sha384, -sha512): an implementation of its own as the oracle.
 */
#include "media/dtls-fingerprint.h"
#include "media/media-sdp.h"

#include <string.h>

static const char pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBiDCCAS2gAwIBAgIUCTvjTr9wWpVBWvYTziG2TbJdoo8wCgYIKoZIzj0EAwIw\n"
  "GDEWMBQGA1UEAwwNcm9vbWNhc3QtdGVzdDAgFw0yNjEyMDcyMTUwMzVaGA8yMTI2\n"
  "MTExMzIxNTAzNVowGDEWMBQGA1UEAwwNcm9vbWNhc3QtdGVzdDBZMBMGByqGSM49\n"
  "AgEGCCqGSM49AwEHA0IABLNs0oIEmx0WRox7r9Hb4WK2sQlCyLf6PDhIFYbP03KY\n"
  "TVLByhSUqMz0s+Urhvi3pMG2cHQTSsXMe2ZPOJ3Lp0ajUzBRMB0GA1UdDgQWBBRy\n"
  "X5sSYcoIbvM7BaPfxVklpVud9TAfBgNVHSMEGDAWgBRyX5sSYcoIbvM7BaPfxVkl\n"
  "pVud9TAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQCJMf1zdxVC\n"
  "mO1RuibfyJx7xB0xv0klYwwyOdoSqY8/bAIhAKVPWJEVlxZ0DT7O/5QHfSywN0jN\n"
  "g/JoAvuiwIY5Frjw\n"
  "-----END CERTIFICATE-----\n";

#define SHA1 "sha-1 D7:04:88:7E:36:2A:72:AD:DA:4A:71:71:15:22:57:09:3A:B9:8D:11"
#define SHA256 \
  "sha-256 05:0C:7B:02:1D:9F:09:A1:00:48:5A:D2:B4:B4:F5:E7:96:60:C0:85:34:EF:8B:20:2F:04:A2:" \
  "C6:ED:13:88:56"
#define SHA384 \
  "sha-384 D5:90:34:62:A7:F1:BC:C7:FE:88:D2:FE:A0:FB:35:4B:8D:1A:97:52:FD:10:16:43:D1:42:" \
  "99:AF:DE:7E:5E:16:C8:D3:AF:03:65:91:0E:5A:F5:C9:59:51:3E:BE:14:F7"
#define SHA512 \
  "sha-512 78:F7:AF:EC:22:89:60:49:78:8A:97:FE:02:B7:7B:4D:11:01:B9:C0:EF:8C:B6:73:E5:6D:" \
  "F7:1C:04:CD:4D:42:70:6D:08:23:94:B1:83:4A:5B:B9:1C:12:33:6E:C3:14:8D:3F:38:CA:D1:14:FE:" \
  "36:D3:80:42:67:E1:FB:09:DD"
/* The SHA-256 one with its last byte changed. */
#define SHA256_OTHER \
  "sha-256 05:0C:7B:02:1D:9F:09:A1:00:48:5A:D2:B4:B4:F5:E7:96:60:C0:85:34:EF:8B:20:2F:04:A2:" \
  "C6:ED:13:88:57"

static gboolean
matches (const char *certificate, const char *a, const char *b)
{
  const char *const fingerprints[] = { a, b, NULL };

  return rc_dtls_certificate_matches (certificate, fingerprints);
}

static void
test_matches (void)
{
  g_autofree char *lower = g_ascii_strdown (SHA256, -1);
  g_autofree char *upper_name = g_strdup (SHA256);

  memcpy (upper_name, "SHA-256", 7);
  g_assert_true (matches (pem, SHA1, NULL));
  g_assert_true (matches (pem, SHA256, NULL));
  g_assert_true (matches (pem, SHA384, NULL));
  g_assert_true (matches (pem, SHA512, NULL));
  g_assert_true (matches (pem, lower, NULL));
  g_assert_true (matches (pem, upper_name, NULL));
  g_assert_false (matches (pem, SHA256_OTHER, NULL));
  g_assert_false (matches (pem, NULL, NULL));
  /* Several of one hash function: one of them must be the certificate's. */
  g_assert_true (matches (pem, SHA256_OTHER, SHA256));
  /* Several hash functions: the strongest decides (RFC 8122 §5), so a
   * matching weaker one does not save a wrong stronger one... */
  g_assert_false (matches (pem, SHA1, SHA256_OTHER));
  g_assert_true (matches (pem, SHA1, SHA512));
  /* ...and one that cannot be checked is left out. */
  g_assert_true (matches (pem, "md5 00:11", SHA256));
  g_assert_false (matches (pem, "md5 00:11", NULL));
}

static void
test_not_a_certificate (void)
{
  g_autofree char *no_end = g_strndup (pem, strstr (pem, "-----END") - pem);
  g_autofree char *garbled = g_strdup (pem);

  garbled[strlen ("-----BEGIN CERTIFICATE-----\n") + 5] = '*';
  g_assert_false (matches ("", SHA256, NULL));
  g_assert_false (matches ("hello", SHA256, NULL));
  g_assert_false (matches (no_end, SHA256, NULL));
  g_assert_false (matches (garbled, SHA256, NULL));
  g_assert_false (matches ("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", SHA256,
                           NULL));
}

static void
test_check (void)
{
  static const struct {
    const char *value, *message;
  } refused[] = {
    { "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", "the hash function must be" },
    { "sha-224 00:11", "the hash function must be" },
    { "sha-256", "the hash function must be" },
    { "sha-256 ", "hex fingerprint of sha-256 (32 bytes" },
    { "sha-256 05:0C", "hex fingerprint of sha-256" },
    { "sha-1 D7:04:88:7E:36:2A:72:AD:DA:4A:71:71:15:22:57:09:3A:B9:8D:11:00", "hex fingerprint" },
    { "sha-1 D7:04:88:7E:36:2A:72:AD:DA:4A:71:71:15:22:57:09:3A:B9:8D:1", "hex fingerprint" },
    { "sha-1 D7-04:88:7E:36:2A:72:AD:DA:4A:71:71:15:22:57:09:3A:B9:8D:11", "hex fingerprint" },
    { "sha-1 ZZ:04:88:7E:36:2A:72:AD:DA:4A:71:71:15:22:57:09:3A:B9:8D:11", "hex fingerprint" },
    { "sha-1  D7:04:88:7E:36:2A:72:AD:DA:4A:71:71:15:22:57:09:3A:B9:8D:11", "hex fingerprint" },
  };

  g_assert_true (rc_dtls_fingerprint_check (SHA1, NULL));
  g_assert_true (rc_dtls_fingerprint_check (SHA256, NULL));
  g_assert_true (rc_dtls_fingerprint_check (SHA384, NULL));
  g_assert_true (rc_dtls_fingerprint_check (SHA512, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_autoptr (GError) error = NULL;

    if (rc_dtls_fingerprint_check (refused[i].value, &error))
      g_error ("\"%s\" accepted", refused[i].value);
    g_assert_error (error, RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID);
    g_assert_true (g_str_has_prefix (error->message, "sdp: a=fingerprint"));
    if (strstr (error->message, refused[i].message) == NULL)
      g_error ("\"%s\": %s", refused[i].value, error->message);
  }
}

static GStrv
fingerprints_of (const char *text)
{
  g_autoptr (GstSDPMessage) sdp = NULL;

  g_assert_cmpint (gst_sdp_message_new_from_text (text, &sdp), ==, GST_SDP_OK);
  return rc_dtls_fingerprints_of (sdp, 0);
}

static void
test_fingerprints_of (void)
{
  g_auto (GStrv) media = fingerprints_of ("v=0\r\na=fingerprint:sha-1 AA\r\n"
                                          "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                                          "a=fingerprint:sha-256 BB\r\n"
                                          "a=fingerprint:sha-512 CC\r\n");
  g_auto (GStrv) session = fingerprints_of ("v=0\r\na=fingerprint:sha-1 AA\r\n"
                                            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n");
  g_auto (GStrv) none = fingerprints_of ("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n");
  const char *const expect_media[] = { "sha-256 BB", "sha-512 CC", NULL };
  const char *const expect_session[] = { "sha-1 AA", NULL };

  g_assert_true (g_strv_equal ((const char *const *) media, expect_media));
  g_assert_true (g_strv_equal ((const char *const *) session, expect_session));
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dtls-fingerprint/matches", test_matches);
  g_test_add_func ("/dtls-fingerprint/not-a-certificate", test_not_a_certificate);
  g_test_add_func ("/dtls-fingerprint/check", test_check);
  g_test_add_func ("/dtls-fingerprint/fingerprints-of", test_fingerprints_of);
  return g_test_run ();
}
