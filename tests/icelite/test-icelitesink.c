/* roomcast tests: icelitesink through GstHarness and a real client on
 * 127.0.0.1 (ICE checks, DTLS, SRTP)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gst/check/gstharness.h>
#include <gst/gst.h>

#include "icelite-dtls.h"
#include "icelite-test-client.h"

#define RTP_CAPS "application/x-rtp, media=(string)audio, " \
  "encoding-name=(string)OPUS, clock-rate=(int)48000, payload=(int)96"
#define SERVER_PWD "serverPassword0123456789"

static guint time_scale = 1;

static guint
scaled_ms (guint ms)
{
  return ms * time_scale;
}

typedef struct {
  GstElement *sink;
  GstHarness *h[2];
  GstPad *pad[2];
  GAsyncQueue *events;          /* "peer|state|reason" from the network thread */
  GPtrArray *seen;              /* events popped but not waited for yet */
  guint port;
  char *fingerprint;
} Fixture;

static void
on_peer_state (GstElement * sink, const char *peer, const char *state,
    const char *reason, gpointer user_data)
{
  g_async_queue_push (user_data, g_strdup_printf ("%s|%s|%s", peer, state,
          reason));
}

static void
fixture_setup (Fixture * f, gconstpointer data)
{
  guint consent_ms = GPOINTER_TO_UINT (data);

  memset (f, 0, sizeof *f);
  f->sink = gst_element_factory_make ("icelitesink", NULL);
  g_assert_nonnull (f->sink);
  if (consent_ms != 0)
    g_object_set (f->sink, "consent-timeout-ms", scaled_ms (consent_ms), NULL);
  f->events = g_async_queue_new_full (g_free);
  f->seen = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (f->sink, "peer-state-changed", G_CALLBACK (on_peer_state),
      f->events);
  for (int i = 0; i < 2; i++) {
    char name[16];
    g_snprintf (name, sizeof name, "sink_%d", i);
    f->h[i] = gst_harness_new_with_element (f->sink, name, NULL);
    gst_harness_set_src_caps_str (f->h[i], RTP_CAPS);
    f->pad[i] = gst_element_get_static_pad (f->sink, name);
    g_assert_nonnull (f->pad[i]);
  }
  gst_harness_play (f->h[0]);
  g_object_get (f->sink, "port", &f->port, "certificate-fingerprint",
      &f->fingerprint, NULL);
  g_assert_cmpuint (f->port, >, 0);
}

static void
fixture_teardown (Fixture * f, gconstpointer data)
{
  for (int i = 0; i < 2; i++) {
    g_clear_object (&f->pad[i]);
    g_clear_pointer (&f->h[i], gst_harness_teardown);
  }
  g_async_queue_unref (f->events);
  g_ptr_array_unref (f->seen);
  g_free (f->fingerprint);
}

/* Waits for "peer|state|reason" among the element's events. */
static gboolean
wait_event (Fixture * f, const char *expected, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + scaled_ms (timeout_ms) * 1000;

  for (guint i = 0; i < f->seen->len; i++)
    if (strcmp (g_ptr_array_index (f->seen, i), expected) == 0) {
      g_ptr_array_remove_index (f->seen, i);
      return TRUE;
    }
  for (;;) {
    gint64 left = deadline - g_get_monotonic_time ();
    char *ev;
    if (left <= 0)
      return FALSE;
    ev = g_async_queue_timeout_pop (f->events, left);
    if (ev == NULL)
      return FALSE;
    g_test_message ("event %s", ev);
    if (strcmp (ev, expected) == 0) {
      g_free (ev);
      return TRUE;
    }
    g_ptr_array_add (f->seen, ev);
  }
}

static gboolean
add_peer (Fixture * f, const char *id, const char *ufrag, guint pt,
    guint ssrc, GstPad * pad)
{
  gboolean ok = FALSE;
  g_signal_emit_by_name (f->sink, "add-peer", id, ufrag, SERVER_PWD, pt, ssrc,
      pad, &ok);
  return ok;
}

/* add-peer, the answer, checks and DTLS: a client hearing @pad. */
static IceliteTestClient *
connect_peer (Fixture * f, const char *id, const char *ufrag, guint pt,
    guint ssrc, GstPad * pad)
{
  IceliteTestClient *c = icelite_test_client_new (f->port, ufrag, SERVER_PWD);
  gboolean ok = FALSE;
  g_autofree char *connected = g_strdup_printf ("%s|connected|", id);

  g_assert_true (add_peer (f, id, ufrag, pt, ssrc, pad));
  g_signal_emit_by_name (f->sink, "set-peer-remote", id,
      icelite_test_client_get_ufrag (c), icelite_test_client_get_pwd (c),
      icelite_test_client_get_fingerprint (c), &ok);
  g_assert_true (ok);
  g_assert_true (icelite_test_client_connect (c, f->fingerprint,
          scaled_ms (5000)));
  g_assert_true (wait_event (f, connected, 5000));
  return c;
}

static void
push_rtp (GstHarness * h, guint8 pt, guint16 seq, guint32 ts, guint32 ssrc,
    const char *payload)
{
  gsize plen = strlen (payload);
  guint8 *data = g_malloc (12 + plen);

  data[0] = 0x80;
  data[1] = pt;
  data[2] = seq >> 8;
  data[3] = seq;
  data[4] = ts >> 24;
  data[5] = ts >> 16;
  data[6] = ts >> 8;
  data[7] = ts;
  data[8] = ssrc >> 24;
  data[9] = ssrc >> 16;
  data[10] = ssrc >> 8;
  data[11] = ssrc;
  memcpy (data + 12, payload, plen);
  g_assert_cmpint (gst_harness_push (h, gst_buffer_new_wrapped (data,
              12 + plen)), ==, GST_FLOW_OK);
}

static GstStructure *
peer_stats (Fixture * f, const char *id)
{
  GstStructure *s = NULL;
  g_signal_emit_by_name (f->sink, "get-peer-stats", id, &s);
  return s;
}

static guint64
peer_packets_sent (Fixture * f, const char *id)
{
  g_autoptr (GstStructure) s = peer_stats (f, id);
  guint64 n = 0;
  g_assert_nonnull (s);
  g_assert_true (gst_structure_get_uint64 (s, "packets-sent", &n));
  return n;
}

/* The peer's own PT, SSRC and sequence numbers; timestamps continue across
 * a switch of stream by the time elapsed, with no renegotiation. */
static void
test_rewrite_and_switch (Fixture * f, gconstpointer data)
{
  g_autoptr (IceliteTestClient) c =
      connect_peer (f, "p1", "ufrgA1", 111, 0x11111111, f->pad[0]);
  IceliteTestRtp rtp[8];
  gint64 a_before = 0, a_after = 0, b_before = 0, b_after = 0;
  gboolean ok = FALSE;
  guint32 dts;

  for (guint i = 0; i < 5; i++) {
    g_autofree char *payload = g_strdup_printf ("mix-%u", i);
    a_before = g_get_monotonic_time ();
    push_rtp (f->h[0], 96, (guint16) (1000 + i), 5000 + 960 * i, 0xaaaa,
        payload);
    a_after = g_get_monotonic_time ();
  }
  for (guint i = 0; i < 5; i++) {
    g_autofree char *payload = g_strdup_printf ("mix-%u", i);
    g_assert_true (icelite_test_client_recv_rtp (c, &rtp[i],
            scaled_ms (2000)));
    g_assert_cmpuint (rtp[i].payload_type, ==, 111);
    g_assert_cmpuint (rtp[i].ssrc, ==, 0x11111111);
    g_assert_cmpuint (rtp[i].seq, ==, (guint16) (rtp[0].seq + i));
    g_assert_cmpuint (rtp[i].timestamp, ==, rtp[0].timestamp + 960 * i);
    g_assert_cmpmem (rtp[i].payload, rtp[i].payload_len, payload,
        strlen (payload));
  }

  /* seat taken: the peer now hears stream 1, whose numbers differ */
  g_signal_emit_by_name (f->sink, "set-peer-source", "p1", f->pad[1], &ok);
  g_assert_true (ok);
  for (guint i = 0; i < 3; i++) {
    g_autofree char *payload = g_strdup_printf ("seat-%u", i);
    if (i == 0)
      b_before = g_get_monotonic_time ();
    push_rtp (f->h[1], 97, (guint16) (50000 + i), 123456789 + 960 * i,
        0xbbbb, payload);
    if (i == 0)
      b_after = g_get_monotonic_time ();
  }
  for (guint i = 5; i < 8; i++) {
    g_assert_true (icelite_test_client_recv_rtp (c, &rtp[i],
            scaled_ms (2000)));
    g_assert_cmpuint (rtp[i].payload_type, ==, 111);
    g_assert_cmpuint (rtp[i].ssrc, ==, 0x11111111);
    g_assert_cmpuint (rtp[i].seq, ==, (guint16) (rtp[4].seq + i - 4));
  }
  g_assert_cmpmem (rtp[5].payload, rtp[5].payload_len, "seat-0", 6);
  /* the first packet of the new stream is as far after the last of the
   * old one as the wall time between them */
  dts = rtp[5].timestamp - rtp[4].timestamp;
  g_assert_cmpuint (dts, >=, MAX ((b_before - a_after) * 48 / 1000, 1));
  g_assert_cmpuint (dts, <=, (b_after - a_before) * 48 / 1000 + 1);
  g_assert_cmpuint (rtp[6].timestamp, ==, rtp[5].timestamp + 960);
  g_assert_cmpuint (rtp[7].timestamp, ==, rtp[5].timestamp + 1920);

  {
    g_autoptr (GstStructure) s = peer_stats (f, "p1");
    g_autofree char *addr = NULL;
    g_assert_cmpstr (gst_structure_get_string (s, "state"), ==, "connected");
    g_assert_true (gst_structure_get (s, "remote-address", G_TYPE_STRING,
            &addr, NULL));
    g_assert_true (g_str_has_prefix (addr, "127.0.0.1:"));
    g_assert_cmpuint (peer_packets_sent (f, "p1"), ==, 8);
  }
}

/* A peer on no stream hears nothing; one on the other stream neither. */
static void
test_only_own_stream (Fixture * f, gconstpointer data)
{
  g_autoptr (IceliteTestClient) a =
      connect_peer (f, "pa", "ufrgPA", 111, 1, f->pad[0]);
  g_autoptr (IceliteTestClient) b =
      connect_peer (f, "pb", "ufrgPB", 109, 2, f->pad[1]);
  IceliteTestRtp rtp;

  push_rtp (f->h[0], 96, 1, 1, 9, "for-a");
  push_rtp (f->h[1], 96, 1, 1, 9, "for-b");
  g_assert_true (icelite_test_client_recv_rtp (a, &rtp, scaled_ms (2000)));
  g_assert_cmpmem (rtp.payload, rtp.payload_len, "for-a", 5);
  g_assert_true (icelite_test_client_recv_rtp (b, &rtp, scaled_ms (2000)));
  g_assert_cmpmem (rtp.payload, rtp.payload_len, "for-b", 5);
  g_assert_cmpuint (rtp.payload_type, ==, 109);
  g_assert_false (icelite_test_client_recv_rtp (a, &rtp, 200));
}

/* The client's certificate is not the one in its answer. */
static void
test_fingerprint_mismatch (Fixture * f, gconstpointer data)
{
  g_autoptr (IceliteTestClient) c =
      icelite_test_client_new (f->port, "ufrgFM", SERVER_PWD);
  g_autoptr (RcDtlsCertificate) other = rc_dtls_certificate_new (NULL);
  IceliteTestRtp rtp;
  gboolean ok = FALSE;

  g_assert_true (add_peer (f, "fm", "ufrgFM", 111, 5, f->pad[0]));
  g_signal_emit_by_name (f->sink, "set-peer-remote", "fm",
      icelite_test_client_get_ufrag (c), icelite_test_client_get_pwd (c),
      rc_dtls_certificate_get_fingerprint (other), &ok);
  g_assert_true (ok);
  /* the client's own side may well finish its handshake */
  icelite_test_client_connect (c, f->fingerprint, scaled_ms (3000));
  g_assert_true (wait_event (f, "fm|failed|fingerprint_mismatch", 5000));
  push_rtp (f->h[0], 96, 1, 1, 9, "secret");
  g_assert_false (icelite_test_client_recv_rtp (c, &rtp, 300));
  g_assert_cmpuint (peer_packets_sent (f, "fm"), ==, 0);
}

/* A binding request with the wrong password gets no answer and the peer
 * stays "new". */
static void
test_wrong_password (Fixture * f, gconstpointer data)
{
  g_autoptr (IceliteTestClient) c =
      icelite_test_client_new (f->port, "ufrgWP", "not-the-password-at-all-x");
  g_autoptr (GstStructure) s = NULL;

  g_assert_true (add_peer (f, "wp", "ufrgWP", 111, 5, f->pad[0]));
  g_assert_false (icelite_test_client_check (c, TRUE, 300));
  s = peer_stats (f, "wp");
  g_assert_cmpstr (gst_structure_get_string (s, "state"), ==, "new");
}

/* Consent freshness: a client that stops its checks is failed and no
 * longer sent to; a peer that never checks times out. */
static void
test_consent_expires (Fixture * f, gconstpointer data)
{
  g_autoptr (IceliteTestClient) c =
      connect_peer (f, "cx", "ufrgCX", 111, 7, f->pad[0]);
  IceliteTestRtp rtp;
  guint64 sent;

  g_assert_true (add_peer (f, "silent", "ufrgSI", 111, 8, f->pad[0]));
  push_rtp (f->h[0], 96, 1, 1, 9, "hello");
  g_assert_true (icelite_test_client_recv_rtp (c, &rtp, scaled_ms (2000)));
  g_assert_true (wait_event (f, "cx|failed|consent_expired", 5000));
  sent = peer_packets_sent (f, "cx");
  push_rtp (f->h[0], 96, 2, 961, 9, "gone");
  g_assert_false (icelite_test_client_recv_rtp (c, &rtp, 300));
  g_assert_cmpuint (peer_packets_sent (f, "cx"), ==, sent);
  /* its checks are not answered any more */
  g_assert_false (icelite_test_client_check (c, TRUE, 300));
  g_assert_true (wait_event (f, "silent|failed|ice_timeout", 5000));
}

/* Receiver reports in (into get-peer-stats; the first one releases the
 * DTLS state), sender reports out, and media still flows. */
static void
test_rtcp (Fixture * f, gconstpointer data)
{
  g_autoptr (IceliteTestClient) c =
      connect_peer (f, "rt", "ufrgRT", 111, 0x5151, f->pad[0]);
  gint64 deadline = g_get_monotonic_time () + scaled_ms (5000) * 1000;
  IceliteTestRtp rtp;
  gboolean have = FALSE;
  guint i = 0;

  icelite_test_client_send_rr (c, 0x5151, 64, 5, 480);
  while (!have && g_get_monotonic_time () < deadline) {
    g_autoptr (GstStructure) s = peer_stats (f, "rt");
    gst_structure_get_boolean (s, "have-report", &have);
    if (have) {
      gdouble fraction;
      gint lost;
      guint jitter;
      g_assert_true (gst_structure_get (s, "fraction-lost", G_TYPE_DOUBLE,
              &fraction, "packets-lost", G_TYPE_INT, &lost, "jitter",
              G_TYPE_UINT, &jitter, NULL));
      g_assert_cmpfloat (fraction, ==, 0.25);
      g_assert_cmpint (lost, ==, 5);
      g_assert_cmpuint (jitter, ==, 480);
    } else {
      g_usleep (10000);
    }
  }
  g_assert_true (have);
  {
    /* the client's SRTCP proved its handshake done: DTLS state released */
    g_autoptr (GstStructure) s = peer_stats (f, "rt");
    gboolean released = FALSE;
    g_assert_true (gst_structure_get_boolean (s, "dtls-released", &released));
    g_assert_true (released);
    g_assert_cmpstr (gst_structure_get_string (s, "state"), ==, "connected");
  }

  /* the element reports once a second about what it sent */
  while (icelite_test_client_get_sender_reports (c) == 0
      && g_get_monotonic_time () < deadline) {
    push_rtp (f->h[0], 96, (guint16) i, 960 * i, 9, "x");
    i++;
    icelite_test_client_recv_rtp (c, &rtp, 100);
  }
  g_assert_cmpuint (icelite_test_client_get_sender_reports (c), >, 0);
}

/* Releasing a pad leaves its peers with no stream until they get one;
 * pads come and go while PLAYING. */
static void
test_release_pad (Fixture * f, gconstpointer data)
{
  g_autoptr (IceliteTestClient) c =
      connect_peer (f, "rp", "ufrgRP", 111, 3, f->pad[1]);
  IceliteTestRtp rtp;
  gboolean ok = FALSE;

  g_clear_object (&f->pad[1]);
  g_clear_pointer (&f->h[1], gst_harness_teardown);
  g_assert_null (gst_element_get_static_pad (f->sink, "sink_1"));
  push_rtp (f->h[0], 96, 1, 1, 9, "elsewhere");
  g_assert_false (icelite_test_client_recv_rtp (c, &rtp, 200));
  g_signal_emit_by_name (f->sink, "set-peer-source", "rp", f->pad[0], &ok);
  g_assert_true (ok);
  push_rtp (f->h[0], 96, 2, 961, 9, "here");
  g_assert_true (icelite_test_client_recv_rtp (c, &rtp, scaled_ms (2000)));
  g_assert_cmpmem (rtp.payload, rtp.payload_len, "here", 4);

  /* a pad requested while PLAYING carries a stream at once */
  f->h[1] = gst_harness_new_with_element (f->sink, "sink_%u", NULL);
  gst_harness_set_src_caps_str (f->h[1], RTP_CAPS);
  f->pad[1] = gst_pad_get_peer (f->h[1]->srcpad);
  g_assert_cmpstr (GST_PAD_NAME (f->pad[1]), ==, "sink_2");
  g_signal_emit_by_name (f->sink, "set-peer-source", "rp", f->pad[1], &ok);
  g_assert_true (ok);
  push_rtp (f->h[1], 96, 3, 1, 9, "new-pad");
  g_assert_true (icelite_test_client_recv_rtp (c, &rtp, scaled_ms (2000)));
  g_assert_cmpmem (rtp.payload, rtp.payload_len, "new-pad", 7);
}

typedef struct {
  Fixture *f;
  guint index;
  gint heard;                   /* atomic */
} StormClient;

/* One client of the storm, on its own thread: connect, hear a packet. */
static gpointer
storm_client (gpointer data)
{
  StormClient *sc = data;
  g_autofree char *ufrag = g_strdup_printf ("ufrgST%u", sc->index);
  g_autofree char *id = g_strdup_printf ("st%u", sc->index);
  g_autoptr (IceliteTestClient) c =
      icelite_test_client_new (sc->f->port, ufrag, SERVER_PWD);
  gboolean ok = FALSE;
  IceliteTestRtp rtp;

  g_signal_emit_by_name (sc->f->sink, "set-peer-remote", id,
      icelite_test_client_get_ufrag (c), icelite_test_client_get_pwd (c),
      icelite_test_client_get_fingerprint (c), &ok);
  if (ok && icelite_test_client_connect (c, sc->f->fingerprint,
          scaled_ms (10000)))
    g_atomic_int_set (&sc->heard, icelite_test_client_recv_rtp (c, &rtp,
            scaled_ms (5000)));
  return NULL;
}

/* 30 listeners join at once while the stream flows (the handshakes run
 * outside the table lock, next to the streaming thread): every one hears
 * it. */
static void
test_join_storm (Fixture * f, gconstpointer data)
{
  StormClient clients[30];
  GThread *threads[30];
  gboolean all = FALSE;
  guint i = 0;

  for (guint n = 0; n < G_N_ELEMENTS (clients); n++) {
    g_autofree char *ufrag = g_strdup_printf ("ufrgST%u", n);
    g_autofree char *id = g_strdup_printf ("st%u", n);
    clients[n] = (StormClient) { f, n, 0 };
    g_assert_true (add_peer (f, id, ufrag, 111, 100 + n, f->pad[0]));
  }
  for (guint n = 0; n < G_N_ELEMENTS (clients); n++)
    threads[n] = g_thread_new ("storm", storm_client, &clients[n]);
  /* a packet every 5 ms until every thread is done */
  while (!all) {
    push_rtp (f->h[0], 96, (guint16) i, 960 * i, 9, "storm");
    i++;
    g_usleep (5000);
    all = TRUE;
    for (guint n = 0; n < G_N_ELEMENTS (clients); n++)
      all = all && (g_atomic_int_get (&clients[n].heard)
          || i > 4000 * time_scale);
  }
  for (guint n = 0; n < G_N_ELEMENTS (clients); n++) {
    g_thread_join (threads[n]);
    g_assert_true (clients[n].heard);
  }
}

static guint
count_fds (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;
  g_assert_nonnull (dir);
  while (g_dir_read_name (dir))
    n++;
  g_dir_close (dir);
  return n;
}

/* 100 peers come, connect, hear a packet and go: nothing is left. */
static void
test_cycles_leave_nothing (Fixture * f, gconstpointer data)
{
  guint fds_before = count_fds ();
  g_autoptr (GstStructure) stats = NULL;
  guint peers = 1;

  for (guint i = 0; i < 100; i++) {
    g_autofree char *id = g_strdup_printf ("cy%u", i);
    g_autofree char *ufrag = g_strdup_printf ("ufrgCY%u", i);
    g_autoptr (IceliteTestClient) c =
        connect_peer (f, id, ufrag, 111, i, f->pad[0]);
    IceliteTestRtp rtp;
    gboolean removed = FALSE;

    push_rtp (f->h[0], 96, (guint16) i, 960 * i, 9, "cycle");
    g_assert_true (icelite_test_client_recv_rtp (c, &rtp, scaled_ms (2000)));
    g_signal_emit_by_name (f->sink, "remove-peer", id, &removed);
    g_assert_true (removed);
  }
  g_object_get (f->sink, "stats", &stats, NULL);
  g_assert_true (gst_structure_get_uint (stats, "peers", &peers));
  g_assert_cmpuint (peers, ==, 0);
  g_assert_cmpuint (count_fds (), ==, fds_before);
}

/* Invalid calls are refused, not crashed on. */
static void
test_refusals (Fixture * f, gconstpointer data)
{
  GstElement *other = gst_element_factory_make ("icelitesink", NULL);
  GstPad *foreign = gst_element_request_pad_simple (other, "sink_%u");
  GstStructure *s = NULL;
  gboolean ok = TRUE;

  g_assert_true (add_peer (f, "ok", "ufrgOK", 111, 1, f->pad[0]));
  g_assert_false (add_peer (f, "ok", "ufrgO2", 111, 1, f->pad[0]));
  g_assert_false (add_peer (f, "o2", "ufrgOK", 111, 1, f->pad[0]));
  g_assert_false (add_peer (f, "o3", "abc", 111, 1, f->pad[0]));
  g_assert_false (add_peer (f, "o4", "ufrgO4", 128, 1, f->pad[0]));
  g_assert_false (add_peer (f, "o5", "ufrgO5", 111, 1, foreign));
  g_signal_emit_by_name (f->sink, "add-peer", "o6", "ufrgO6", "short", 111,
      1, f->pad[0], &ok);
  g_assert_false (ok);
  g_signal_emit_by_name (f->sink, "set-peer-remote", "ok", "rmtU",
      "remotePassword0123456789", "sha-256 AB:CD", &ok);
  g_assert_false (ok);
  g_signal_emit_by_name (f->sink, "set-peer-remote", "nobody", "rmtU",
      "remotePassword0123456789", f->fingerprint, &ok);
  g_assert_false (ok);
  g_signal_emit_by_name (f->sink, "set-peer-source", "ok", foreign, &ok);
  g_assert_false (ok);
  g_signal_emit_by_name (f->sink, "remove-peer", "nobody", &ok);
  g_assert_false (ok);
  g_signal_emit_by_name (f->sink, "get-peer-stats", "nobody", &s);
  g_assert_null (s);
  gst_element_release_request_pad (other, foreign);
  gst_object_unref (foreign);
  gst_object_unref (other);
}

/* The port range is full: READY fails with a clear element error. */
static void
test_port_range_full (void)
{
  int fd = socket (AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sin = { 0 };
  socklen_t len = sizeof sin;
  GstElement *sink = gst_element_factory_make ("icelitesink", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  g_autoptr (GError) error = NULL;

  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  getsockname (fd, (struct sockaddr *) &sin, &len);
  g_object_set (sink, "min-port", ntohs (sin.sin_port), "max-port",
      ntohs (sin.sin_port), NULL);
  gst_element_set_bus (sink, bus);
  g_assert_cmpint (gst_element_set_state (sink, GST_STATE_READY), ==,
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &error, NULL);
  g_assert_nonnull (strstr (error->message, "no free UDP port"));
  gst_message_unref (msg);
  gst_element_set_bus (sink, NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  close (fd);
}

/* bind-address: IPv6 binds too; what is not an address fails READY. */
static void
test_bind_address (void)
{
  GstElement *sink = gst_element_factory_make ("icelitesink", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  g_autoptr (GError) error = NULL;
  g_autofree char *announced = NULL;
  guint port = 0;

  gst_element_set_bus (sink, bus);
  g_object_set (sink, "bind-address", "::1", NULL);
  g_object_get (sink, "announced-address", &announced, NULL);
  g_assert_cmpstr (announced, ==, "::1");
  g_assert_cmpint (gst_element_set_state (sink, GST_STATE_READY), ==,
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (sink, "port", &port, NULL);
  g_assert_cmpuint (port, >, 0);
  g_assert_cmpint (gst_element_set_state (sink, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (sink, "port", &port, NULL);
  g_assert_cmpuint (port, ==, 0);

  g_object_set (sink, "bind-address", "example.org", NULL);
  g_assert_cmpint (gst_element_set_state (sink, GST_STATE_READY), ==,
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &error, NULL);
  g_assert_nonnull (strstr (error->message, "not an IP address"));
  gst_message_unref (msg);
  gst_element_set_bus (sink, NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
}

/* The launch line of the element's documentation (read from its source, so
 * the two cannot drift) runs to EOS without an error, with num-buffers. */
static void
test_launch_line (void)
{
  const char *root = g_getenv ("ROOMCAST_SOURCE_ROOT");
  g_autofree char *path = NULL, *source = NULL, *line = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) parts = NULL;
  GstElement *pipeline;
  GstBus *bus;
  GstMessage *msg;
  const char *start;

  if (root == NULL) {
    g_test_skip ("ROOMCAST_SOURCE_ROOT is not set");
    return;
  }
  path = g_build_filename (root, "plugins", "icelite", "gsticelitesink.c",
      NULL);
  g_assert_true (g_file_get_contents (path, &source, NULL, NULL));
  start = strstr (source, " * gst-launch-1.0 ");
  g_assert_nonnull (start);
  line = g_strndup (start + strlen (" * gst-launch-1.0 "),
      strcspn (start + strlen (" * gst-launch-1.0 "), "\n"));
  parts = g_strsplit (line, "audiotestsrc ", 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_free (line);
  line = g_strconcat (parts[0], "audiotestsrc num-buffers=25 ", parts[1], NULL);
  g_test_message ("%s", line);

  pipeline = gst_parse_launch (line, &error);
  g_assert_no_error (error);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND * time_scale,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

int
main (int argc, char **argv)
{
  const char *scale = g_getenv ("ROOMCAST_TEST_TIME_SCALE");

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  if (scale != NULL && atoi (scale) > 0)
    time_scale = (guint) atoi (scale);
#define ADD(path, fn, consent) g_test_add ("/icelite/sink/" path, Fixture, \
      GUINT_TO_POINTER (consent), fixture_setup, fn, fixture_teardown)
  ADD ("rewrite-and-switch", test_rewrite_and_switch, 0);
  ADD ("only-own-stream", test_only_own_stream, 0);
  ADD ("fingerprint-mismatch", test_fingerprint_mismatch, 0);
  ADD ("wrong-password", test_wrong_password, 0);
  ADD ("consent-expires", test_consent_expires, 600);
  ADD ("rtcp", test_rtcp, 0);
  ADD ("release-pad", test_release_pad, 0);
  ADD ("cycles-leave-nothing", test_cycles_leave_nothing, 0);
  ADD ("join-storm", test_join_storm, 0);
  ADD ("refusals", test_refusals, 0);
  g_test_add_func ("/icelite/sink/port-range-full", test_port_range_full);
  g_test_add_func ("/icelite/sink/bind-address", test_bind_address);
  g_test_add_func ("/icelite/sink/launch-line", test_launch_line);
  return g_test_run ();
}
