/* roomcast tests: a minimal receive-only WebRTC client for icelitesink
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One UDP socket on 127.0.0.1; ICE connectivity checks as the controlling
 * agent (libnice's STUN usage), a DTLS client (the icelite DTLS module in
 * client mode, its own certificate) and SRTP unprotect. Blocking calls
 * with timeouts: it runs on the test's own thread.
 */
#pragma once

#include <glib.h>

#include "srtp-context.h"

G_BEGIN_DECLS

typedef struct _IceliteTestClient IceliteTestClient;

typedef struct {
  guint8 payload_type;
  gboolean marker;
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
  gsize payload_len;
  guint8 payload[1500];
} IceliteTestRtp;

IceliteTestClient *icelite_test_client_new (guint server_port,
    const char *server_ufrag, const char *server_pwd);
void icelite_test_client_free (IceliteTestClient * client);

const char *icelite_test_client_get_ufrag (IceliteTestClient * client);
const char *icelite_test_client_get_pwd (IceliteTestClient * client);
const char *icelite_test_client_get_fingerprint (IceliteTestClient * client);

/* One binding request (USE-CANDIDATE if @nominate); TRUE if a success
 * response came back within @timeout_ms. */
gboolean icelite_test_client_check (IceliteTestClient * client,
    gboolean nominate, guint timeout_ms);
/* Checks, then the DTLS handshake (the server's certificate must have
 * @server_fingerprint): TRUE once the client has SRTP keys. */
gboolean icelite_test_client_connect (IceliteTestClient * client,
    const char *server_fingerprint, guint timeout_ms);
/* Waits up to @timeout_ms for an SRTP packet and unprotects it (DTLS and
 * SRTCP in between are handled; SRs are counted). */
gboolean icelite_test_client_recv_rtp (IceliteTestClient * client,
    IceliteTestRtp * rtp, guint timeout_ms);
guint icelite_test_client_get_sender_reports (IceliteTestClient * client);
/* Sends an SRTCP receiver report about @media_ssrc. */
void icelite_test_client_send_rr (IceliteTestClient * client,
    guint32 media_ssrc, guint8 fraction_lost, gint32 packets_lost,
    guint32 jitter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IceliteTestClient, icelite_test_client_free)

G_END_DECLS
