/* roomcast: what a room operation did, as an ordered list of effects.
 *
 * Room logic never performs I/O. Each operation appends, in order, what the
 * outside world must do about it:
 *
 *   RC_EFFECT_EVENT    send `event` with `payload` to `recipients` (user ids,
 *                      resolved when the effect was produced: the socket layer
 *                      encodes the frame once and sends it to each). `target`
 *                      says how the list was made (the whole room, the room but
 *                      one user, one user) for logs and tests.
 *   RC_EFFECT_DETACH   `user_id` is no longer in room `room_id` (kicked, banned,
 *                      room closed, switched rooms): unbind their socket.
 *   RC_EFFECT_PERSIST  room `room_id` changed: `payload` is
 *                      {"state": <room:state JSON, docs/protocol.md#redis-keys-written>,
 *                       "seats": [userId or null, ...]} to write to the store.
 *                      A closed room has status "CLOSED" and no seats.
 *
 * Applying the effects in order is what makes "every state change is
 * broadcast once, in order" hold.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  RC_EFFECT_EVENT,
  RC_EFFECT_DETACH,
  RC_EFFECT_PERSIST,
} RcEffectKind;

typedef enum {
  RC_TARGET_ROOM,        /* every connected participant */
  RC_TARGET_ROOM_EXCEPT, /* every connected participant but `user_id` */
  RC_TARGET_USER,        /* only `user_id` */
  RC_TARGET_MANAGERS,    /* the connected host and admins (seat requests) */
} RcEffectTarget;

typedef struct {
  RcEffectKind kind;
  RcEffectTarget target;
  char *room_id;
  char *user_id;     /* ROOM_EXCEPT: the one left out; USER, DETACH: the user */
  char *event;       /* EVENT only */
  JsonNode *payload; /* EVENT and PERSIST */
  GStrv recipients;  /* EVENT only: user ids, never NULL for EVENT */
} RcEffect;

typedef struct _RcEffects RcEffects;

RcEffects *rc_effects_new (void);
void rc_effects_free (RcEffects *effects);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcEffects, rc_effects_free)

guint rc_effects_get_length (const RcEffects *effects);
const RcEffect *rc_effects_get (const RcEffects *effects, guint index);
/* Drop every effect (reuse the list for the next operation). */
void rc_effects_clear (RcEffects *effects);
/* Drop the effects from @length on: undo what a failed operation appended. */
void rc_effects_truncate (RcEffects *effects, guint length);

/* Append an event for @recipients (NULL-terminated, copied). @payload is
 * taken (transfer full). */
void rc_effects_add_event (RcEffects *effects, RcEffectTarget target, const char *room_id,
                           const char *user_id, const char *const *recipients,
                           const char *event, JsonNode *payload);
void rc_effects_add_detach (RcEffects *effects, const char *room_id, const char *user_id);
/* Append a persist effect for @room_id (@payload transfer full); if the list
 * already holds one for that room, its payload is replaced in place, so an
 * operation that changes a room several times writes the store once. */
void rc_effects_add_persist (RcEffects *effects, const char *room_id, JsonNode *payload);

/* Index of the first effect with @kind and (if non-NULL) @event at or after
 * @from, or -1: a helper for tests and the service. */
gint rc_effects_find (const RcEffects *effects, guint from, RcEffectKind kind,
                      const char *event);

G_END_DECLS
