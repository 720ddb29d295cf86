/* roomcast: the certificate of TLS_CERT_FILE and TLS_KEY_FILE.
 *
 * One loader for every time the files are read: when the configuration is
 * loaded (so --check-config, a start and a SIGHUP with a bad file all say
 * so), when the listener starts serving HTTPS, and when SIGHUP brings a
 * renewed certificate. The files are PEM: the certificate (its chain may
 * follow it in the same file) and an unencrypted private key that must be
 * the certificate's.
 *
 * Errors are RC_CONFIG_ERROR_INVALID and read like the other configuration
 * errors, naming the setting and the file: "TLS_KEY_FILE: '/etc/…/key.pem'
 * cannot be read: Permission denied". They never quote the files' contents,
 * and the key is wiped from memory once checked.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GTlsCertificate *rc_config_load_tls_certificate (const char *cert_file, const char *key_file,
                                                 GError **error);

/* TLS 1.2 and 1.3 only, for every GIO TLS connection of the process
 * (glib-networking's GnuTLS would accept 1.0 and 1.1 too): sets
 * G_TLS_GNUTLS_PRIORITY to RC_TLS_PRIORITY unless the environment has it
 * (an operator's own choice wins). Call it first thing in main(), before
 * any thread starts and before any TLS connection: glib-networking reads
 * it once. */
#define RC_TLS_PRIORITY "NORMAL:%COMPAT:-VERS-TLS1.1:-VERS-TLS1.0"
void rc_config_tls_set_priority (void);

/* The SHA-256 fingerprint of @certificate (its DER form) as colon-separated
 * upper-case hex, as `openssl x509 -fingerprint -sha256` and browsers show it. */
char *rc_config_tls_fingerprint (GTlsCertificate *certificate);

G_END_DECLS
