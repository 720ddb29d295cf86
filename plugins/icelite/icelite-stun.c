/* roomcast: ICE-lite STUN binding requests on libnice's STUN library
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "icelite-stun.h"

#include <string.h>

#include <stun/stunagent.h>
#include <stun/usages/ice.h>

/* ICE attributes this agent understands; a request with another
 * comprehension-required attribute is dropped (RFC 5389 §7.3.1). */
static const uint16_t known_attributes[] = {
  STUN_ATTRIBUTE_USERNAME,
  STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
  STUN_ATTRIBUTE_ERROR_CODE,
  STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES,
  STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
  STUN_ATTRIBUTE_PRIORITY,
  STUN_ATTRIBUTE_USE_CANDIDATE,
  STUN_ATTRIBUTE_ICE_CONTROLLED,
  STUN_ATTRIBUTE_ICE_CONTROLLING,
  0
};

struct _RcIceliteStun {
  StunAgent agent;
};

/* What the validater found, for rc_icelite_stun_handle_request. */
typedef struct {
  RcIceliteStunLookup lookup;
  gpointer user_data;
  gpointer peer;
} Lookup;

#define UFRAG_MAX 256

RcIceliteStun *
rc_icelite_stun_new (void)
{
  RcIceliteStun *stun = g_new0 (RcIceliteStun, 1);

  stun_agent_init (&stun->agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
      STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
      STUN_AGENT_USAGE_USE_FINGERPRINT);
  return stun;
}

void
rc_icelite_stun_free (RcIceliteStun * stun)
{
  g_free (stun);
}

/* libnice asks for the password of USERNAME "local:remote". */
static bool
validate_username (StunAgent * agent, StunMessage * message,
    uint8_t * username, uint16_t username_len, uint8_t ** password,
    size_t *password_len, void *user_data)
{
  Lookup *lookup = user_data;
  char local[UFRAG_MAX + 1], remote[UFRAG_MAX + 1];
  const uint8_t *colon = memchr (username, ':', username_len);
  gsize local_len, remote_len;
  const char *pwd = NULL;

  if (colon == NULL)
    return false;
  local_len = (gsize) (colon - username);
  remote_len = username_len - local_len - 1;
  if (local_len == 0 || local_len > UFRAG_MAX || remote_len > UFRAG_MAX)
    return false;
  memcpy (local, username, local_len);
  local[local_len] = '\0';
  memcpy (remote, colon + 1, remote_len);
  remote[remote_len] = '\0';

  lookup->peer = lookup->lookup (local, remote, &pwd, lookup->user_data);
  if (lookup->peer == NULL || pwd == NULL)
    return false;
  *password = (uint8_t *) pwd;
  *password_len = strlen (pwd);
  return true;
}

RcIceliteStunResult
rc_icelite_stun_handle_request (RcIceliteStun * stun, const guint8 * buf,
    gsize len, const struct sockaddr *from, socklen_t from_len,
    RcIceliteStunLookup lookup_func, gpointer user_data, guint8 * reply,
    gsize * reply_len, gpointer * peer, gboolean * use_candidate)
{
  StunMessage req, msg;
  StunValidationStatus valid;
  StunUsageIceReturn ret;
  struct sockaddr_storage src;
  Lookup lookup = { lookup_func, user_data, NULL };
  size_t rlen = RC_ICELITE_STUN_REPLY_MAX;
  bool control = false;

  *reply_len = 0;
  *peer = NULL;
  *use_candidate = FALSE;
  if (len == 0 || !rc_icelite_stun_is_stun (buf[0])
      || from_len > sizeof src)
    return RC_ICELITE_STUN_INVALID;

  valid = stun_agent_validate (&stun->agent, &req, buf, len,
      validate_username, &lookup);
  if (valid == STUN_VALIDATION_UNAUTHORIZED
      || valid == STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST)
    return RC_ICELITE_STUN_UNAUTHORIZED;
  if (valid != STUN_VALIDATION_SUCCESS || lookup.peer == NULL
      || stun_message_get_class (&req) != STUN_REQUEST
      || stun_message_get_method (&req) != STUN_BINDING)
    return RC_ICELITE_STUN_INVALID;

  memset (&src, 0, sizeof src);
  memcpy (&src, from, from_len);
  /* tie-breaker 0: a lite agent never wins a role conflict */
  ret = stun_usage_ice_conncheck_create_reply (&stun->agent, &req, &msg,
      reply, &rlen, &src, from_len, &control, 0,
      STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  if (rlen == 0)
    return RC_ICELITE_STUN_INVALID;
  *reply_len = rlen;
  *peer = lookup.peer;
  if (ret == STUN_USAGE_ICE_RETURN_ROLE_CONFLICT && !control)
    return RC_ICELITE_STUN_ROLE_CONFLICT;
  if (ret != STUN_USAGE_ICE_RETURN_SUCCESS
      && ret != STUN_USAGE_ICE_RETURN_ROLE_CONFLICT)
    return RC_ICELITE_STUN_INVALID;
  *use_candidate = stun_usage_ice_conncheck_use_candidate (&req);
  return RC_ICELITE_STUN_BINDING;
}
