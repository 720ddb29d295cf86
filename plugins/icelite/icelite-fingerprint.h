/* roomcast: certificate fingerprints as SDP writes them ("sha-256 AB:CD:…")
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The one parser of a=fingerprint values (RFC 8122 §5): icelite-dtls.c
 * checks the listeners' certificates with it (OpenSSL digests) and
 * roomcastd's src/media/dtls-fingerprint.c the webrtcbin peers' (GLib
 * checksums). Pure: GLib only, no OpenSSL, so roomcastd links it alone
 * (its own static library, icelite-fingerprint).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The hash functions a fingerprint may name, weakest first. */
typedef enum {
  RC_FINGERPRINT_SHA1,
  RC_FINGERPRINT_SHA224,
  RC_FINGERPRINT_SHA256,
  RC_FINGERPRINT_SHA384,
  RC_FINGERPRINT_SHA512,
  RC_FINGERPRINT_N_HASHES
} RcFingerprintHash;

#define RC_FINGERPRINT_MAX_DIGEST 64

typedef enum {
  RC_FINGERPRINT_OK,
  RC_FINGERPRINT_BAD_HASH,   /* the text before the first space names none */
  RC_FINGERPRINT_BAD_DIGEST, /* not exactly the hash's length of hex pairs joined by ':' */
} RcFingerprintResult;

/* The SDP name ("sha-256") and digest length in bytes of @hash. */
const char *rc_fingerprint_hash_name (RcFingerprintHash hash);
gsize rc_fingerprint_hash_len (RcFingerprintHash hash);

/* Parses @fingerprint (may be NULL): "<hash> XX:XX:…", the hash's name in
 * any case, the hex digits in any case. On RC_FINGERPRINT_OK, @hash and
 * @digest (rc_fingerprint_hash_len() bytes) are set; on
 * RC_FINGERPRINT_BAD_DIGEST, @hash is. */
RcFingerprintResult rc_fingerprint_parse (const char *fingerprint, RcFingerprintHash * hash,
    guint8 digest[RC_FINGERPRINT_MAX_DIGEST]);

G_END_DECLS
