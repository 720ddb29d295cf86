/* roomcast: unit tests of the Engine.IO long-polling transport
 * (src/sio/eio-polling.c) behind the transport interface
 * (src/sio/eio-transport.h), without a Socket.IO session above it: a test
 * owner records what the transport reports, a SoupServer on 127.0.0.1
 * (accepting through RcHttpListener, as the daemon does: libsoup 3.2's own
 * listener leaks each accepted socket) hands it the requests of a
 * SoupSession client on the same main loop, and a fake transport stands for
 * the WebSocket of an upgrade.
 *
 * Covered: packets queued before a poll and batched into one answer, POST
 * bodies split into packets in order, a refused packet ending the POST, an
 * overlapping poll, the orderly close (last packets, then "1" alone), the
 * close timeout, the bound on queued bytes, the upgrade (2probe, 3probe,
 * the released poll, the queue moved to the probe in order, "5") and a poll
 * still held when the transport goes. Run under valgrind too (meson test
 * --setup valgrind): nothing may leak. */
#include "sio/eio-polling.h"
#include "http/http-listener.h"

#include "../lib/rc-test-util.h"

#include <string.h>

/* --- a fake transport: the probe WebSocket of an upgrade ----------------- */

#define TEST_TYPE_PROBE (test_probe_get_type ())
G_DECLARE_FINAL_TYPE (TestProbe, test_probe, TEST, PROBE, RcEioTransport)

struct _TestProbe {
  RcEioTransport parent_instance;
  GPtrArray *sent;
  gboolean closed;
};

G_DEFINE_FINAL_TYPE (TestProbe, test_probe, RC_TYPE_EIO_TRANSPORT)

static void
probe_send (RcEioTransport *transport, const char *packet)
{
  g_ptr_array_add (TEST_PROBE (transport)->sent, g_strdup (packet));
}

static void
probe_close (RcEioTransport *transport)
{
  TEST_PROBE (transport)->closed = TRUE;
  rc_eio_transport_report_closed (transport, NULL);
}

static void
test_probe_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_PROBE (object)->sent);
  G_OBJECT_CLASS (test_probe_parent_class)->finalize (object);
}

static void
test_probe_class_init (TestProbeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_probe_finalize;
  RC_EIO_TRANSPORT_CLASS (klass)->name = "websocket";
  RC_EIO_TRANSPORT_CLASS (klass)->send = probe_send;
  RC_EIO_TRANSPORT_CLASS (klass)->close = probe_close;
}

static void
test_probe_init (TestProbe *self)
{
  self->sent = g_ptr_array_new_with_free_func (g_free);
}

/* --- the owner: what the transport reports -------------------------------- */

typedef struct {
  GPtrArray *packets;    /* received, as strings */
  gboolean closed;
  char *closed_reason;
  RcEioTransport *upgraded_to; /* ref */
} Owner;

static gboolean
owner_packet (const char *data, gsize len, gpointer owner)
{
  Owner *o = owner;
  g_ptr_array_add (o->packets, g_strndup (data, len));
  return !(len > 0 && data[0] == 'x'); /* "x…": a packet the owner refuses */
}

static void
owner_closed (const char *reason, gpointer owner)
{
  Owner *o = owner;
  g_assert_false (o->closed);
  o->closed = TRUE;
  o->closed_reason = g_strdup (reason);
}

static void
owner_upgraded (RcEioTransport *to, gpointer owner)
{
  Owner *o = owner;
  o->upgraded_to = g_object_ref (to);
}

static const RcEioTransportHandlers owner_handlers = {
  owner_packet, owner_closed, owner_upgraded,
};

/* --- fixture: a server routing /eio to one polling transport -------------- */

typedef struct {
  SoupServer *server;
  GSocket *socket;
  RcHttpListener *listener;
  SoupSession *session;
  char *url;
  RcEioTransport *polling;
  Owner owner;
} Fixture;

static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer data)
{
  Fixture *f = data;
  rc_eio_polling_handle_request (RC_EIO_POLLING (f->polling), msg);
}

#define MAX_PAYLOAD 1000
#define MAX_QUEUED 4000
#define CLOSE_TIMEOUT_MS 300

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (lo, 0);

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, "/eio", on_request, f, NULL);
  f->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                            &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (f->socket, any_port, TRUE, &error));
  g_assert_true (g_socket_listen (f->socket, &error));
  g_assert_no_error (error);
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (f->socket, &error);
  g_assert_no_error (error);
  f->listener = rc_http_listener_new (f->server, f->socket, 0);
  f->url = g_strdup_printf ("http://127.0.0.1:%u/eio",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  f->session = soup_session_new ();
  f->polling = rc_eio_polling_new (MAX_PAYLOAD, MAX_QUEUED, CLOSE_TIMEOUT_MS);
  f->owner.packets = g_ptr_array_new_with_free_func (g_free);
  rc_eio_transport_set_handlers (f->polling, &owner_handlers, &f->owner);
}

static gboolean
owner_closed_cond (gpointer data)
{
  return ((Owner *) data)->closed;
}

static gboolean
no_connections (gpointer data)
{
  return rc_http_listener_get_n_connections (data) == 0;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->polling);
  g_clear_object (&f->session);
  /* Every connection closed: nothing of one is left behind. */
  g_assert_true (rc_test_wait_until (5000, no_connections, f->listener));
  rc_http_listener_close (f->listener);
  g_clear_object (&f->listener);
  g_clear_object (&f->socket);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_free (f->url);
  g_ptr_array_unref (f->owner.packets);
  g_free (f->owner.closed_reason);
  g_clear_object (&f->owner.upgraded_to);
}

/* --- requests from the client ----------------------------------------------- */

typedef struct {
  guint status;
  char *body;
  gboolean done;
} Reply;

static void
on_reply (GObject *source, GAsyncResult *result, gpointer data)
{
  Reply *r = data;
  g_autoptr (GError) error = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr (GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                                &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  r->done = TRUE;
}

static Reply *
start (Fixture *f, const char *method, const char *body)
{
  Reply *r = g_new0 (Reply, 1);
  g_autoptr (SoupMessage) msg = soup_message_new (method, f->url);
  if (body) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));
    soup_message_set_request_body_from_bytes (msg, "text/plain;charset=UTF-8", bytes);
  }
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_reply, r);
  return r;
}

static gboolean
reply_done (gpointer data)
{
  return ((Reply *) data)->done;
}

static void
reply_free (Reply *r)
{
  g_free (r->body);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static Reply *
finish (Reply *r)
{
  g_assert_true (rc_test_wait_until (5000, reply_done, r));
  return r;
}

/* A request, to its answer. */
static Reply *
exchange (Fixture *f, const char *method, const char *body)
{
  return finish (start (f, method, body));
}

/* Lets the main loop run a little: a held poll stays held. */
static void
settle (void)
{
  rc_test_run_for (50);
}

/* --- tests ------------------------------------------------------------------ */

static void
test_queue_and_batch (Fixture *f, gconstpointer data)
{
  /* Queued before any poll: the poll takes all of it at once. */
  rc_eio_transport_send (f->polling, "2");
  rc_eio_transport_send (f->polling, "42[\"a\"]");
  g_autoptr (Reply) first = exchange (f, "GET", NULL);
  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpstr (first->body, ==, "2\x1e" "42[\"a\"]");

  /* Nothing queued: held until something is, and what is queued in one
   * main-loop iteration goes in one answer. */
  g_autoptr (Reply) held = start (f, "GET", NULL);
  settle ();
  g_assert_false (held->done);
  rc_eio_transport_send (f->polling, "42[\"b\"]");
  rc_eio_transport_send (f->polling, "42[\"c\"]");
  finish (held);
  g_assert_cmpstr (held->body, ==, "42[\"b\"]\x1e" "42[\"c\"]");
  g_assert_false (f->owner.closed);
}

static void
test_post_packets (Fixture *f, gconstpointer data)
{
  g_autoptr (Reply) ok = exchange (f, "POST", "3\x1e" "42[\"a\"]\x1e" "40");
  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpstr (ok->body, ==, "ok");
  g_assert_cmpuint (f->owner.packets->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (f->owner.packets, 0), ==, "3");
  g_assert_cmpstr (g_ptr_array_index (f->owner.packets, 1), ==, "42[\"a\"]");
  g_assert_cmpstr (g_ptr_array_index (f->owner.packets, 2), ==, "40");

  /* A packet the owner refuses stops the POST there: 400. */
  g_autoptr (Reply) refused = exchange (f, "POST", "x1\x1e" "42[\"never\"]");
  g_assert_cmpuint (refused->status, ==, 400);
  g_assert_cmpstr (refused->body, ==, "{\"code\":3,\"message\":\"Bad request\"}");
  g_assert_cmpuint (f->owner.packets->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (f->owner.packets, 3), ==, "x1");

  /* Over maxPayload (a body that no Content-Length check stopped): 413 and
   * the session ends. */
  g_autofree char *big = g_strnfill (MAX_PAYLOAD + 1, 'a');
  g_autoptr (Reply) too_big = exchange (f, "POST", big);
  g_assert_cmpuint (too_big->status, ==, 413);
  g_assert_true (rc_test_wait_until (5000, owner_closed_cond, &f->owner));
  g_assert_nonnull (strstr (f->owner.closed_reason, "exceeds maxPayload"));
}

static void
test_overlapping_poll (Fixture *f, gconstpointer data)
{
  g_autoptr (Reply) held = start (f, "GET", NULL);
  settle ();
  g_autoptr (Reply) second = exchange (f, "GET", NULL);
  g_assert_cmpuint (second->status, ==, 400);
  finish (held);
  g_assert_cmpstr (held->body, ==, "1");
  g_assert_true (rc_test_wait_until (5000, owner_closed_cond, &f->owner));
  g_assert_cmpstr (f->owner.closed_reason, ==, "protocol error: a second poll while one is held");
  g_autoptr (Reply) after = exchange (f, "GET", NULL);
  g_assert_cmpuint (after->status, ==, 400);
}

static void
test_orderly_close (Fixture *f, gconstpointer data)
{
  g_autoptr (Reply) held = start (f, "GET", NULL);
  settle ();
  /* What was sent before the close comes first, alone; then "1". */
  rc_eio_transport_send (f->polling, "41");
  rc_eio_transport_close (f->polling);
  rc_eio_transport_send (f->polling, "42[\"dropped\"]");
  finish (held);
  g_assert_cmpstr (held->body, ==, "41");
  settle ();
  g_assert_false (f->owner.closed);
  g_autoptr (Reply) last = exchange (f, "GET", NULL);
  g_assert_cmpstr (last->body, ==, "1");
  g_assert_true (rc_test_wait_until (5000, owner_closed_cond, &f->owner));
  g_assert_null (f->owner.closed_reason);
}

static void
test_close_without_poll (Fixture *f, gconstpointer data)
{
  /* Nobody polls: closed after the close timeout. */
  gint64 start_us = g_get_monotonic_time ();
  rc_eio_transport_close (f->polling);
  g_assert_false (f->owner.closed);
  g_assert_true (rc_test_wait_until (5000, owner_closed_cond, &f->owner));
  g_assert_cmpint (g_get_monotonic_time () - start_us, >=, CLOSE_TIMEOUT_MS * 1000);

  /* A client that sent "1" polls no more: closed at once. */
  g_clear_object (&f->polling);
  f->owner.closed = FALSE;
  f->polling = rc_eio_polling_new (MAX_PAYLOAD, MAX_QUEUED, 60000);
  rc_eio_transport_set_handlers (f->polling, &owner_handlers, &f->owner);
  g_autoptr (Reply) bye = exchange (f, "POST", "1");
  g_assert_cmpstr (bye->body, ==, "ok");
  rc_eio_transport_close (f->polling); /* what the owner does on "1" */
  g_assert_true (rc_test_wait_until (1000, owner_closed_cond, &f->owner));
}

static void
test_queue_bound (Fixture *f, gconstpointer data)
{
  g_autofree char *chunk = g_strnfill (999, 'q');
  for (guint i = 0; i < 5; i++)
    rc_eio_transport_send (f->polling, chunk);
  /* Reported from the main loop, never inside send(). */
  g_assert_false (f->owner.closed);
  g_assert_true (rc_test_wait_until (5000, owner_closed_cond, &f->owner));
  g_assert_nonnull (strstr (f->owner.closed_reason, "bytes queued for a client that does not poll"));
}

static void
test_upgrade (Fixture *f, gconstpointer data)
{
  g_autoptr (RcEioTransport) probe = g_object_new (TEST_TYPE_PROBE, NULL);
  TestProbe *ws = TEST_PROBE (probe);
  g_autoptr (Reply) held = start (f, "GET", NULL);
  settle ();

  g_assert_true (rc_eio_transport_upgrade (f->polling, probe));
  /* One upgrade at a time. */
  g_autoptr (RcEioTransport) other = g_object_new (TEST_TYPE_PROBE, NULL);
  g_assert_false (rc_eio_transport_upgrade (f->polling, other));

  g_assert_true (rc_eio_transport_receive (probe, "2probe", 6));
  g_assert_cmpuint (ws->sent->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (ws->sent, 0), ==, "3probe");
  /* The poll the client waits on is released, so that it can pause. */
  finish (held);
  g_assert_cmpstr (held->body, ==, "6");

  /* Queued while the client pauses: moved to the probe, in order, at "5". */
  rc_eio_transport_send (f->polling, "42[\"one\"]");
  rc_eio_transport_send (f->polling, "2");
  g_assert_true (rc_eio_transport_receive (probe, "5", 1));
  g_assert_true (f->owner.upgraded_to == probe);
  g_assert_cmpuint (ws->sent->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (ws->sent, 1), ==, "42[\"one\"]");
  g_assert_cmpstr (g_ptr_array_index (ws->sent, 2), ==, "2");
  /* The polling transport reports nothing more. */
  settle ();
  g_assert_false (f->owner.closed);
  g_assert_false (ws->closed);
}

static void
test_upgrade_abandoned (Fixture *f, gconstpointer data)
{
  g_autoptr (RcEioTransport) probe = g_object_new (TEST_TYPE_PROBE, NULL);
  g_assert_true (rc_eio_transport_upgrade (f->polling, probe));
  /* Anything but the probe sequence drops the probe; polling goes on. */
  g_assert_true (rc_eio_transport_receive (probe, "42[\"early\"]", 11));
  g_assert_true (TEST_PROBE (probe)->closed);
  g_assert_null (f->owner.upgraded_to);
  rc_eio_transport_send (f->polling, "42[\"still\"]");
  g_autoptr (Reply) r = exchange (f, "GET", NULL);
  g_assert_cmpstr (r->body, ==, "42[\"still\"]");
  /* And a new upgrade may start. */
  g_autoptr (RcEioTransport) again = g_object_new (TEST_TYPE_PROBE, NULL);
  g_assert_true (rc_eio_transport_upgrade (f->polling, again));
}

static void
test_dispose_releases_poll (Fixture *f, gconstpointer data)
{
  g_autoptr (Reply) held = start (f, "GET", NULL);
  settle ();
  g_clear_object (&f->polling);
  finish (held);
  g_assert_cmpstr (held->body, ==, "1");
  g_assert_false (f->owner.closed);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/eio-polling/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("queue-and-batch", test_queue_and_batch);
  ADD ("post-packets", test_post_packets);
  ADD ("overlapping-poll", test_overlapping_poll);
  ADD ("orderly-close", test_orderly_close);
  ADD ("close-without-poll", test_close_without_poll);
  ADD ("queue-bound", test_queue_bound);
  ADD ("upgrade", test_upgrade);
  ADD ("upgrade-abandoned", test_upgrade_abandoned);
  ADD ("dispose-releases-poll", test_dispose_releases_poll);
  return g_test_run ();
}
