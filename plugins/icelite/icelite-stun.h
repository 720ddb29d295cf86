/* roomcast: ICE-lite STUN binding requests on libnice's STUN library
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The ICE-lite half of a connectivity check: validate a binding request
 * (short-term credentials: USERNAME "local_ufrag:remote_ufrag", MESSAGE-
 * INTEGRITY keyed with the local password, FINGERPRINT) and build the
 * success response with XOR-MAPPED-ADDRESS. The STUN encoding, integrity
 * and role-conflict rules are libnice's (stun/usages/ice.h); this module
 * only supplies the credentials and reports what the request asked for.
 *
 * A lite agent is always the controlled one: a request that claims
 * ICE-CONTROLLED gets a 487 (Role Conflict) error so a full agent takes
 * the controlling role.
 */
#pragma once

#include <sys/socket.h>

#include <glib.h>

G_BEGIN_DECLS

/* Room for any reply we build. */
#define RC_ICELITE_STUN_REPLY_MAX 576

typedef enum {
  RC_ICELITE_STUN_INVALID,      /* not STUN, malformed, or not a binding request: drop */
  RC_ICELITE_STUN_UNAUTHORIZED, /* unknown USERNAME or wrong integrity: drop */
  RC_ICELITE_STUN_ROLE_CONFLICT,        /* valid; the reply is a 487 error */
  RC_ICELITE_STUN_BINDING,      /* valid; the reply is the success response */
} RcIceliteStunResult;

/* Finds the credentials of the peer a request is for, from the two halves
 * of its USERNAME. Returns the peer (opaque here) and sets *local_pwd, which
 * must stay valid until rc_icelite_stun_handle_request returns; NULL
 * refuses the request. */
typedef gpointer (*RcIceliteStunLookup) (const char *local_ufrag,
    const char *remote_ufrag, const char **local_pwd, gpointer user_data);

typedef struct _RcIceliteStun RcIceliteStun;

RcIceliteStun *rc_icelite_stun_new (void);
void rc_icelite_stun_free (RcIceliteStun * stun);

/* RFC 7983 demultiplexing: does @first_byte start a STUN message? */
static inline gboolean
rc_icelite_stun_is_stun (guint8 first_byte)
{
  return first_byte < 4;
}

/* Validates the binding request in @buf received from @from and, if it
 * is one for a peer @lookup knows, writes the reply to @reply (at least
 * RC_ICELITE_STUN_REPLY_MAX bytes) and its length to *@reply_len. *@peer
 * is what @lookup returned; *@use_candidate tells whether the request
 * nominates the pair. */
RcIceliteStunResult rc_icelite_stun_handle_request (RcIceliteStun * stun,
    const guint8 * buf, gsize len, const struct sockaddr *from,
    socklen_t from_len, RcIceliteStunLookup lookup, gpointer user_data,
    guint8 * reply, gsize * reply_len, gpointer * peer,
    gboolean * use_candidate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcIceliteStun, rc_icelite_stun_free)

G_END_DECLS
