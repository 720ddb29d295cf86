/* roomcast tests: icelitesink's STUN binding requests (RFC 5769 vectors)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <glib.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "icelite-stun.h"

/* RFC 5769 §2.1: sample request (ICE-CONTROLLED, username "evtj:h6vY"). */
static const guint8 rfc5769_request[] = {
  0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
  0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10,
  0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x63, 0x6c,
  0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
  0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
  0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
  0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c,
  0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
  0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 §2.2: sample IPv4 response (XOR-MAPPED-ADDRESS 192.0.2.1:32853). */
static const guint8 rfc5769_response[] = {
  0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
  0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
  0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
  0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
  0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
  0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
  0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

static const char rfc5769_password[] = "VOkJxbRl1RmTxUk/WvJxBt";

typedef struct {
  const char *ufrag;
  const char *pwd;
  const char *remote_ufrag;     /* NULL: any */
  char seen_local[64];
  char seen_remote[64];
} FakePeer;

static gpointer
lookup (const char *local_ufrag, const char *remote_ufrag,
    const char **local_pwd, gpointer user_data)
{
  FakePeer *peer = user_data;

  g_strlcpy (peer->seen_local, local_ufrag, sizeof peer->seen_local);
  g_strlcpy (peer->seen_remote, remote_ufrag, sizeof peer->seen_remote);
  if (strcmp (local_ufrag, peer->ufrag) != 0 || (peer->remote_ufrag != NULL
          && strcmp (remote_ufrag, peer->remote_ufrag) != 0))
    return NULL;
  *local_pwd = peer->pwd;
  return peer;
}

/* What a client agent understands in replies. */
static const uint16_t client_attributes[] = {
  STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
  STUN_ATTRIBUTE_ERROR_CODE, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, 0
};

static struct sockaddr_in
ipv4 (const char *ip, guint16 port)
{
  struct sockaddr_in sin = { 0 };
  sin.sin_family = AF_INET;
  sin.sin_port = htons (port);
  inet_pton (AF_INET, ip, &sin.sin_addr);
  return sin;
}

/* A client agent that "sent" the RFC 5769 request, so libnice validates
 * replies to it. */
static void
client_agent_for_vector (StunAgent * agent)
{
  stun_agent_init (agent, client_attributes, STUN_COMPATIBILITY_RFC5389,
      STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
      STUN_AGENT_USAGE_USE_FINGERPRINT);
  /* libnice's transaction id includes the magic cookie */
  memcpy (agent->sent_ids[0].id, rfc5769_request + 4, 16);
  agent->sent_ids[0].method = STUN_BINDING;
  agent->sent_ids[0].key = (uint8_t *) rfc5769_password;
  agent->sent_ids[0].key_len = strlen (rfc5769_password);
  agent->sent_ids[0].valid = true;
}

/* The RFC's request validates; it claims ICE-CONTROLLED, so a lite agent
 * answers 487 (role conflict), integrity-protected with the password. */
static void
test_rfc5769_request (void)
{
  g_autoptr (RcIceliteStun) stun = rc_icelite_stun_new ();
  FakePeer peer = { "evtj", rfc5769_password, "h6vY" };
  struct sockaddr_in from = ipv4 ("192.0.2.1", 32853);
  guint8 reply[RC_ICELITE_STUN_REPLY_MAX];
  gsize reply_len;
  gpointer found;
  gboolean use_candidate;
  StunAgent client;
  StunMessage msg;
  int code = 0;

  g_assert_cmpint (rc_icelite_stun_handle_request (stun, rfc5769_request,
          sizeof rfc5769_request, (struct sockaddr *) &from, sizeof from,
          lookup, &peer, reply, &reply_len, &found, &use_candidate), ==,
      RC_ICELITE_STUN_ROLE_CONFLICT);
  g_assert_cmpstr (peer.seen_local, ==, "evtj");
  g_assert_cmpstr (peer.seen_remote, ==, "h6vY");
  g_assert_true (found == &peer);

  client_agent_for_vector (&client);
  g_assert_cmpint (stun_agent_validate (&client, &msg, reply, reply_len,
          NULL, NULL), ==, STUN_VALIDATION_SUCCESS);
  g_assert_cmpint (stun_message_get_class (&msg), ==, STUN_ERROR);
  g_assert_cmpint (stun_message_find_error (&msg, &code), ==,
      STUN_MESSAGE_RETURN_SUCCESS);
  g_assert_cmpint (code, ==, STUN_ERROR_ROLE_CONFLICT);
}

/* The RFC's response validates with libnice (integrity with the password,
 * fingerprint) and maps to 192.0.2.1:32853. */
static void
test_rfc5769_response (void)
{
  StunAgent client;
  StunMessage msg;
  struct sockaddr_storage addr;
  socklen_t addr_len = sizeof addr;
  char ip[INET_ADDRSTRLEN];

  client_agent_for_vector (&client);
  g_assert_cmpint (stun_agent_validate (&client, &msg, rfc5769_response,
          sizeof rfc5769_response, NULL, NULL), ==, STUN_VALIDATION_SUCCESS);
  g_assert_cmpint (stun_message_find_xor_addr (&msg,
          STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &addr, &addr_len), ==,
      STUN_MESSAGE_RETURN_SUCCESS);
  inet_ntop (AF_INET, &((struct sockaddr_in *) &addr)->sin_addr, ip, sizeof ip);
  g_assert_cmpstr (ip, ==, "192.0.2.1");
  g_assert_cmpuint (ntohs (((struct sockaddr_in *) &addr)->sin_port), ==,
      32853);
}

/* A full agent's check (libnice building it, controlling, USE-CANDIDATE)
 * gets a success response the same agent accepts, with its address. */
static void
test_check_from_full_agent (void)
{
  g_autoptr (RcIceliteStun) stun = rc_icelite_stun_new ();
  FakePeer peer = { "srvU", "server-password-0123456789", NULL };
  struct sockaddr_in from = ipv4 ("127.0.0.1", 40123);
  StunAgent client;
  StunMessage req, msg;
  guint8 buf[512], reply[RC_ICELITE_STUN_REPLY_MAX];
  gsize len, reply_len;
  gpointer found;
  gboolean use_candidate;
  struct sockaddr_storage mapped;
  socklen_t mapped_len = sizeof mapped;
  const char *username = "srvU:clnT";

  stun_agent_init (&client, client_attributes, STUN_COMPATIBILITY_RFC5389,
      STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
      STUN_AGENT_USAGE_USE_FINGERPRINT);
  len = stun_usage_ice_conncheck_create (&client, &req, buf, sizeof buf,
      (const uint8_t *) username, strlen (username),
      (const uint8_t *) peer.pwd, strlen (peer.pwd), true, true, 12345,
      0x1122334455667788ull, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  g_assert_cmpuint (len, >, 0);

  g_assert_cmpint (rc_icelite_stun_handle_request (stun, buf, len,
          (struct sockaddr *) &from, sizeof from, lookup, &peer, reply,
          &reply_len, &found, &use_candidate), ==, RC_ICELITE_STUN_BINDING);
  g_assert_true (use_candidate);
  g_assert_cmpstr (peer.seen_remote, ==, "clnT");

  g_assert_cmpint (stun_agent_validate (&client, &msg, reply, reply_len,
          NULL, NULL), ==, STUN_VALIDATION_SUCCESS);
  g_assert_cmpint (stun_message_get_class (&msg), ==, STUN_RESPONSE);
  g_assert_cmpint (stun_message_find_xor_addr (&msg,
          STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &mapped, &mapped_len), ==,
      STUN_MESSAGE_RETURN_SUCCESS);
  g_assert_cmpmem (&((struct sockaddr_in *) &mapped)->sin_addr, 4,
      &from.sin_addr, 4);
  g_assert_cmpuint (((struct sockaddr_in *) &mapped)->sin_port, ==,
      from.sin_port);

  /* the same request without USE-CANDIDATE does not nominate */
  len = stun_usage_ice_conncheck_create (&client, &req, buf, sizeof buf,
      (const uint8_t *) username, strlen (username),
      (const uint8_t *) peer.pwd, strlen (peer.pwd), false, true, 12345,
      0x1122334455667788ull, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  g_assert_cmpint (rc_icelite_stun_handle_request (stun, buf, len,
          (struct sockaddr *) &from, sizeof from, lookup, &peer, reply,
          &reply_len, &found, &use_candidate), ==, RC_ICELITE_STUN_BINDING);
  g_assert_false (use_candidate);
}

/* Wrong password, unknown username, a garbled message: no reply. */
static void
test_refused (void)
{
  g_autoptr (RcIceliteStun) stun = rc_icelite_stun_new ();
  FakePeer right = { "evtj", rfc5769_password, "h6vY" };
  FakePeer wrong_pwd = { "evtj", "not-the-password-at-all", "h6vY" };
  FakePeer wrong_user = { "abcd", rfc5769_password, NULL };
  FakePeer wrong_remote = { "evtj", rfc5769_password, "zzzz" };
  struct sockaddr_in from = ipv4 ("192.0.2.1", 32853);
  guint8 reply[RC_ICELITE_STUN_REPLY_MAX], garbled[sizeof rfc5769_request];
  gsize reply_len = 1;
  gpointer found;
  gboolean use_candidate;
  FakePeer *refusers[] = { &wrong_pwd, &wrong_user, &wrong_remote };

  for (gsize i = 0; i < G_N_ELEMENTS (refusers); i++) {
    g_assert_cmpint (rc_icelite_stun_handle_request (stun, rfc5769_request,
            sizeof rfc5769_request, (struct sockaddr *) &from, sizeof from,
            lookup, refusers[i], reply, &reply_len, &found, &use_candidate),
        ==, RC_ICELITE_STUN_UNAUTHORIZED);
    g_assert_cmpuint (reply_len, ==, 0);
    g_assert_null (found);
  }
  memcpy (garbled, rfc5769_request, sizeof garbled);
  garbled[30] ^= 0x01;          /* inside SOFTWARE: integrity fails */
  g_assert_cmpint (rc_icelite_stun_handle_request (stun, garbled,
          sizeof garbled, (struct sockaddr *) &from, sizeof from, lookup,
          &right, reply, &reply_len, &found, &use_candidate), !=,
      RC_ICELITE_STUN_BINDING);
  g_assert_cmpuint (reply_len, ==, 0);
  /* not STUN at all (a DTLS record) */
  garbled[0] = 22;
  g_assert_cmpint (rc_icelite_stun_handle_request (stun, garbled,
          sizeof garbled, (struct sockaddr *) &from, sizeof from, lookup,
          &right, reply, &reply_len, &found, &use_candidate), ==,
      RC_ICELITE_STUN_INVALID);
  /* truncated */
  g_assert_cmpint (rc_icelite_stun_handle_request (stun, rfc5769_request, 30,
          (struct sockaddr *) &from, sizeof from, lookup, &right, reply,
          &reply_len, &found, &use_candidate), ==, RC_ICELITE_STUN_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/icelite/stun/rfc5769-request", test_rfc5769_request);
  g_test_add_func ("/icelite/stun/rfc5769-response", test_rfc5769_response);
  g_test_add_func ("/icelite/stun/check-from-full-agent",
      test_check_from_full_agent);
  g_test_add_func ("/icelite/stun/refused", test_refused);
  return g_test_run ();
}
