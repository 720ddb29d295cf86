/* roomcast tests: what the Socket.IO half (rc-test-client.c) and the media
 * half (rc-test-client-media.c) of RcTestClient share. */
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include "goertzel.h"
#include "rc-test-client.h"
#include "rc-test-media.h"

G_BEGIN_DECLS

typedef struct _RcTestMedia RcTestMedia; /* one media session: rc-test-client-media.c */

struct _RcTestClient {
  GObject parent_instance;
  GMainContext *context;

  /* options, copied */
  char *url, *token, *local_ip, *answer_fingerprint;
  double tone_hz;
  double *probe_hz;
  guint n_probe_hz;
  gboolean no_decode, no_answer;
  guint latency_ms;

  /* Socket.IO */
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GCancellable *cancellable;
  gboolean connected;
  char *error;
  gint64 next_ack_id;
  GHashTable *acks;     /* ack id -> PendingAck */
  GHashTable *handlers; /* event name -> Handler */
  guint n_acks, n_ack_errors;
  char *last_ack_error;

  /* media, main loop */
  RcTestMedia *media; /* the receive transport (or the only one) */
  RcTestMediaState media_state;
  gboolean publish_mode; /* the server wants a send transport when seated */
  RcTestMedia *send;     /* the send transport, while publishing */
  RcTestMediaState send_state;
  char *failed_reason;
  char *offer_sdp;
  GPtrArray *local_candidates, *remote_candidates; /* char * */
  RcTestTransportStats transport;
  gboolean transport_valid;

  /* media: RTP counters and the meter of the current (or last) session */
  RcTestReceiver *receiver;
  char *log_label; /* "test client TOKEN" */
};

/* media half */
void rc_test_client_media_init (RcTestClient *self);
void rc_test_client_media_teardown (RcTestClient *self);

G_END_DECLS
