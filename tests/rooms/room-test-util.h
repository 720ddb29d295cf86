/* roomcast tests: a registry with a fake clock, users, and effect assertions. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "protocol/errors.h"
#include "rooms/room-registry.h"

#define ROOM_A "550e8400-e29b-41d4-a716-446655440000"
#define ROOM_B "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
#define T0 G_GINT64_CONSTANT (1700000000000)

typedef struct {
  RcRoomRegistry *registry;
  RcEffects *effects;
  gint64 now;           /* the fake clock, ms */
  GHashTable *users;    /* id -> RcRoomUser* */
} RoomFixture;

/* @settings nullable: defaults, with 4 seats and max 5 participants. */
void fixture_init (RoomFixture *fx, const RcRoomRegistrySettings *settings);
void fixture_clear (RoomFixture *fx);

/* The user @id, created on first use with auth role @role (NULL = "user"). */
const RcRoomUser *fx_user (RoomFixture *fx, const char *id, const char *role);
/* Join @room_id (effects cleared first). Returns the snapshot or NULL. */
JsonObject *fx_join (RoomFixture *fx, const char *room_id, const char *user_id, GError **error);
/* Join and assert success. */
void fx_join_ok (RoomFixture *fx, const char *room_id, const char *user_id);
/* room:leave, asserting success (effects cleared first). */
void fx_leave (RoomFixture *fx, const char *user_id);
/* Dispatch @event with the JSON text @payload_json (NULL = {}), effects
 * cleared first. *@reply (nullable) as rc_room_registry_dispatch(). */
gboolean fx_send (RoomFixture *fx, const char *user_id, const char *event,
                  const char *payload_json, JsonObject **reply, GError **error);
/* Dispatch and assert success / a given error code. */
void fx_send_ok (RoomFixture *fx, const char *user_id, const char *event, const char *json);
void fx_send_fails (RoomFixture *fx, const char *user_id, const char *event, const char *json,
                    RcErrorCode code);
RcRoom *fx_room (RoomFixture *fx, const char *room_id);

JsonObject *parse_object (const char *json);

/* The EVENT effects' names joined by ' ' ("seat:updated participant:left"). */
char *effects_event_names (const RcEffects *effects);
/* The recipients of effect @index joined by ','. */
char *effect_recipients (const RcEffects *effects, guint index);
/* The first EVENT effect named @event, or NULL. */
const RcEffect *find_event (const RcEffects *effects, const char *event);
/* The recipients of the first @event, joined by ',' ("" if none). */
char *event_recipients (const RcEffects *effects, const char *event);
/* Number of DETACH / PERSIST effects. */
guint count_kind (const RcEffects *effects, RcEffectKind kind);

#define assert_events(fx, expected) \
  G_STMT_START { \
    g_autofree char *names__ = effects_event_names ((fx)->effects); \
    g_assert_cmpstr (names__, ==, (expected)); \
  } G_STMT_END

#define assert_recipients(fx, event, expected) \
  G_STMT_START { \
    g_autofree char *who__ = event_recipients ((fx)->effects, (event)); \
    g_assert_cmpstr (who__, ==, (expected)); \
  } G_STMT_END
