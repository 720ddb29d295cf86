/* roomcast-loadgen: the light listeners' ICE agent; see light-ice.h. */
#include "light-ice.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "media/media-sdp.h"

#define CHECK_INTERVAL_US (50 * 1000)
/* RFC 7675 5.1: every 0.8 to 1.2 times 5 s, at random, so that checks of
 * many clients do not fall into the same instant of a server's cycle */
#define CONSENT_INTERVAL_US() ((gint64) g_random_int_range (4000, 6001) * 1000)
#define TIMEOUT_US (60 * G_USEC_PER_SEC) /* as the benchmark's RTC_CONNECT_TIMEOUT_MS */
#define MAX_REMOTES 8
#define MSG_MAX 1024
/* RFC 8445 5.1.2.1, type preference 126 (host), local preference 65535 */
#define HOST_PRIORITY ((126u << 24) | (65535u << 8) | 255u)
/* ... and 110 (peer reflexive), what PRIORITY in a check carries */
#define PRFLX_PRIORITY ((110u << 24) | (65535u << 8) | 255u)

static const uint16_t known_attributes[] = {
  STUN_ATTRIBUTE_USERNAME,           STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
  STUN_ATTRIBUTE_ERROR_CODE,         STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES,
  STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_PRIORITY,
  STUN_ATTRIBUTE_USE_CANDIDATE,      STUN_ATTRIBUTE_ICE_CONTROLLED,
  STUN_ATTRIBUTE_ICE_CONTROLLING,    0,
};

typedef struct {
  struct sockaddr_storage addr;
  socklen_t len;
} Remote;

struct _LightIce {
  int fd;
  struct sockaddr_storage local;
  socklen_t local_len;
  char ufrag[9], pwd[25];
  char *remote_ufrag, *remote_pwd;
  char *username; /* "remote:local", what our checks carry */
  gboolean controlling;
  guint64 tie;
  StunAgent agent;
  Remote remotes[MAX_REMOTES];
  guint n_remotes, next_remote;
  gint selected;    /* index into remotes, -1 none */
  gboolean pending; /* a check of ours awaits its answer */
  StunTransactionId pending_id;
  gint64 started_us, next_check_us;
  LightIceState state;
};

static void
random_string (char *out, gsize n)
{
  static const char alphabet[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

  for (gsize i = 0; i < n; i++)
    out[i] = alphabet[g_random_int_range (0, 64)];
  out[n] = '\0';
}

LightIce *
light_ice_new (const char *local_ip, gboolean controlling, const char *remote_ufrag,
               const char *remote_pwd, GError **error)
{
  g_autoptr (GInetAddress) ia = g_inet_address_new_from_string (local_ip);
  g_autoptr (GSocketAddress) sa = NULL;
  LightIce *self;

  if (ia == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad address %s", local_ip);
    return NULL;
  }
  self = g_new0 (LightIce, 1);
  sa = g_inet_socket_address_new (ia, 0);
  self->local_len = g_socket_address_get_native_size (sa);
  g_socket_address_to_native (sa, &self->local, sizeof self->local, NULL);
  self->fd = socket (self->local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (self->fd < 0 || bind (self->fd, (struct sockaddr *) &self->local, self->local_len) != 0 ||
      getsockname (self->fd, (struct sockaddr *) &self->local, &self->local_len) != 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "UDP socket on %s: %s",
                 local_ip, g_strerror (errno));
    light_ice_free (self);
    return NULL;
  }
  random_string (self->ufrag, 8);
  random_string (self->pwd, 24);
  self->remote_ufrag = g_strdup (remote_ufrag);
  self->remote_pwd = g_strdup (remote_pwd);
  self->username = g_strconcat (remote_ufrag, ":", self->ufrag, NULL);
  self->controlling = controlling;
  self->tie = (guint64) g_random_int () << 32 | g_random_int ();
  self->selected = -1;
  stun_agent_init (&self->agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
                   STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
  return self;
}

void
light_ice_free (LightIce *self)
{
  if (self == NULL)
    return;
  if (self->fd >= 0)
    close (self->fd);
  g_free (self->remote_ufrag);
  g_free (self->remote_pwd);
  g_free (self->username);
  g_free (self);
}

int
light_ice_get_fd (LightIce *self)
{
  return self->fd;
}

const char *
light_ice_get_ufrag (LightIce *self)
{
  return self->ufrag;
}

const char *
light_ice_get_pwd (LightIce *self)
{
  return self->pwd;
}

char *
light_ice_get_candidate (LightIce *self)
{
  char ip[INET6_ADDRSTRLEN] = "";
  guint port;

  if (self->local.ss_family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *) &self->local;
    inet_ntop (AF_INET6, &a->sin6_addr, ip, sizeof ip);
    port = ntohs (a->sin6_port);
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *) &self->local;
    inet_ntop (AF_INET, &a->sin_addr, ip, sizeof ip);
    port = ntohs (a->sin_port);
  }
  return g_strdup_printf ("candidate:1 1 udp %u %s %u typ host", HOST_PRIORITY, ip, port);
}

gboolean
light_ice_add_remote (LightIce *self, const char *line)
{
  g_auto (RcMediaCandidate) c = { 0 };
  g_autoptr (GInetAddress) ia = NULL;
  g_autoptr (GSocketAddress) sa = NULL;
  Remote *r;

  if (self->n_remotes == MAX_REMOTES || !rc_media_candidate_parse (line, &c, NULL) ||
      !g_str_equal (c.transport, "udp") || c.component != 1 || !c.address_is_ip)
    return FALSE;
  ia = g_inet_address_new_from_string (c.address);
  if (ia == NULL || (g_inet_address_get_family (ia) == G_SOCKET_FAMILY_IPV6) !=
                      (self->local.ss_family == AF_INET6))
    return FALSE;
  sa = g_inet_socket_address_new (ia, c.port);
  r = &self->remotes[self->n_remotes];
  r->len = g_socket_address_get_native_size (sa);
  if (!g_socket_address_to_native (sa, &r->addr, sizeof r->addr, NULL))
    return FALSE;
  self->n_remotes++;
  return TRUE;
}

static gboolean
same_addr (const struct sockaddr_storage *a, const struct sockaddr *b, socklen_t len)
{
  if (a->ss_family != b->sa_family)
    return FALSE;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *) a, *y = (const void *) b;
    return len >= sizeof *y && x->sin_port == y->sin_port &&
           x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  {
    const struct sockaddr_in6 *x = (const void *) a, *y = (const void *) b;
    return len >= sizeof *y && x->sin6_port == y->sin6_port &&
           memcmp (&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
}

/* The remote at @from; a new one (peer reflexive) if there is room. */
static gint
remote_index (LightIce *self, const struct sockaddr *from, socklen_t len)
{
  for (guint i = 0; i < self->n_remotes; i++)
    if (same_addr (&self->remotes[i].addr, from, len))
      return i;
  if (self->n_remotes == MAX_REMOTES || len > sizeof (struct sockaddr_storage))
    return -1;
  memcpy (&self->remotes[self->n_remotes].addr, from, len);
  self->remotes[self->n_remotes].len = len;
  return self->n_remotes++;
}

static void
send_to (LightIce *self, const Remote *r, const guint8 *buf, gsize len)
{
  (void) sendto (self->fd, buf, len, 0, (const struct sockaddr *) &r->addr, r->len);
}

/* One check of ours to @r: USE-CANDIDATE when controlling (aggressive
 * nomination). One at a time: the previous one is forgotten. */
static void
send_check (LightIce *self, const Remote *r)
{
  StunMessage msg;
  guint8 buf[MSG_MAX];
  size_t len;

  if (self->pending)
    stun_agent_forget_transaction (&self->agent, self->pending_id);
  len = stun_usage_ice_conncheck_create (&self->agent, &msg, buf, sizeof buf,
                                         (const uint8_t *) self->username,
                                         strlen (self->username),
                                         (const uint8_t *) self->remote_pwd,
                                         strlen (self->remote_pwd), self->controlling,
                                         self->controlling, PRFLX_PRIORITY, self->tie, NULL,
                                         STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  self->pending = len > 0;
  if (len == 0)
    return;
  stun_message_id (&msg, self->pending_id);
  send_to (self, r, buf, len);
}

LightIceState
light_ice_tick (LightIce *self, gint64 now_us)
{
  if (self->state == LIGHT_ICE_FAILED || now_us < self->next_check_us)
    return self->state;
  if (self->started_us == 0)
    self->started_us = now_us;
  if (self->state == LIGHT_ICE_CONNECTED) {
    send_check (self, &self->remotes[self->selected]); /* consent */
    self->next_check_us = now_us + CONSENT_INTERVAL_US ();
    return self->state;
  }
  if (now_us - self->started_us > TIMEOUT_US) {
    self->state = LIGHT_ICE_FAILED;
    return self->state;
  }
  if (self->n_remotes) {
    send_check (self, &self->remotes[self->next_remote++ % self->n_remotes]);
  }
  self->next_check_us = now_us + CHECK_INTERVAL_US;
  return self->state;
}

/* Requests: "our-ufrag:their-ufrag", keyed with our password. */
static bool
validate (StunAgent *agent, StunMessage *message, uint8_t *username, uint16_t username_len,
          uint8_t **password, size_t *password_len, void *user_data)
{
  LightIce *self = user_data;
  gsize n = strlen (self->ufrag);

  if (username == NULL || username_len <= n || memcmp (username, self->ufrag, n) != 0 ||
      username[n] != ':')
    return false;
  *password = (uint8_t *) self->pwd;
  *password_len = strlen (self->pwd);
  return true;
}

static void
select_remote (LightIce *self, gint index)
{
  if (index < 0 || self->state != LIGHT_ICE_CHECKING)
    return;
  self->selected = index;
  self->state = LIGHT_ICE_CONNECTED;
  self->next_check_us = g_get_monotonic_time () + CONSENT_INTERVAL_US ();
}

LightIceState
light_ice_receive (LightIce *self, const guint8 *buf, gsize len, const struct sockaddr *from,
                   socklen_t from_len, gint64 now_us)
{
  StunMessage msg, reply;
  guint8 out[MSG_MAX];
  size_t out_len = sizeof out;
  struct sockaddr_storage src = { 0 };
  socklen_t src_len = sizeof src;
  bool control = self->controlling;
  StunValidationStatus valid;
  gint index;

  if (from_len > sizeof src)
    return self->state;
  valid = stun_agent_validate (&self->agent, &msg, buf, len, validate, self);
  if (valid != STUN_VALIDATION_SUCCESS)
    return self->state;
  if (stun_message_get_method (&msg) != STUN_BINDING)
    return self->state;
  switch (stun_message_get_class (&msg)) {
  case STUN_REQUEST:
    memcpy (&src, from, from_len);
    stun_usage_ice_conncheck_create_reply (&self->agent, &msg, &reply, out, &out_len, &src,
                                           from_len, &control, self->tie,
                                           STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
    self->controlling = control; /* a role conflict we lost */
    index = remote_index (self, from, from_len);
    if (out_len > 0 && index >= 0)
      send_to (self, &self->remotes[index], out, out_len);
    /* controlled: the server's nomination selects the pair */
    if (!self->controlling && stun_usage_ice_conncheck_use_candidate (&msg))
      select_remote (self, index);
    break;
  case STUN_RESPONSE:
  case STUN_ERROR:
    self->pending = FALSE;
    switch (stun_usage_ice_conncheck_process (&msg, &src, &src_len,
                                              STUN_USAGE_ICE_COMPATIBILITY_RFC5245)) {
    case STUN_USAGE_ICE_RETURN_SUCCESS:
      /* controlling: our USE-CANDIDATE check succeeded */
      if (self->controlling)
        select_remote (self, remote_index (self, from, from_len));
      break;
    case STUN_USAGE_ICE_RETURN_ROLE_CONFLICT:
      self->controlling = !self->controlling;
      self->next_check_us = now_us;
      break;
    default:
      break;
    }
    break;
  default:
    break;
  }
  return self->state;
}

LightIceState
light_ice_get_state (LightIce *self)
{
  return self->state;
}

gboolean
light_ice_send (LightIce *self, const guint8 *buf, gsize len)
{
  const Remote *r;

  if (self->selected < 0)
    return FALSE;
  r = &self->remotes[self->selected];
  return sendto (self->fd, buf, len, 0, (const struct sockaddr *) &r->addr, r->len) ==
         (ssize_t) len;
}
