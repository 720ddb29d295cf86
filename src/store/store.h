/* roomcast: where room state lives between processes (Redis, or memory).
 *
 * One asynchronous interface, GIO style: every operation is a pair
 * *_async (..., callback, user_data) / *_finish (..., GError **). The
 * callback always runs later from the caller's main context, never from
 * inside the *_async call. A NULL callback makes the call fire-and-forget:
 * implementations then log failures themselves.
 *
 * Keys (docs/protocol.md#redis-keys-written; `{roomId}` is the room's UUID):
 *
 *   room:state:{roomId}  string, JSON {id,status,participantCount,createdAt,
 *                        lastActivityAt,speakers}; written with a TTL
 *                        (RC_STORE_ROOM_STATE_TTL_MS, 24 h) refreshed on
 *                        every write
 *   room:seats:{roomId}  hash, seat index ("0", "1", ...) -> userId, occupied
 *                        seats only, no TTL; replaced as a whole on each write,
 *                        deleted when no seat is occupied
 *   ratelimit:{key}      string counter: INCR, expiry set on the first hit
 *                        of a window (fixed window)
 *   room:owner:{roomId}  string userId, written by Laravel or by roomcast's
 *                        admin API (POST /admin/rooms, through
 *                        set_room_owner): the user who owns the room. When
 *                        the key exists as a room is created, that user is
 *                        its host; with ROOM_OWNERSHIP=pinned a room without
 *                        it cannot be opened at all. Laravel sets it when a
 *                        room is created in the app, e.g.
 *                        `Redis::set("room:owner:$room->uuid", $room->owner_id)`
 *                        (on the Redis DB roomcast uses, REDIS_DB).
 *
 * Errors are in RC_STORE_ERROR; a missing key is not an error (NULL / empty).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RC_STORE_ROOM_STATE_TTL_MS (G_GINT64_CONSTANT (24) * 3600 * 1000)

#define RC_STORE_ERROR (rc_store_error_quark ())
GQuark rc_store_error_quark (void);

typedef enum {
  RC_STORE_ERROR_UNAVAILABLE, /* back-end unreachable or failing */
  RC_STORE_ERROR_INVALID,     /* bad arguments (programmer error) or bad data */
} RcStoreError;

/* Key builders shared by every implementation. */
char *rc_store_key_room_state (const char *room_id);
char *rc_store_key_room_seats (const char *room_id);
char *rc_store_key_room_owner (const char *room_id);
char *rc_store_key_rate_limit (const char *key);

#define RC_TYPE_STORE (rc_store_get_type ())
G_DECLARE_INTERFACE (RcStore, rc_store, RC, STORE, GObject)

struct _RcStoreInterface {
  GTypeInterface parent_iface;

  const char *(*get_name) (RcStore *self);

  void (*save_room_state_async) (RcStore *self, const char *room_id, const char *state_json,
                                 gint64 ttl_ms, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*save_room_state_finish) (RcStore *self, GAsyncResult *result, GError **error);

  void (*get_room_state_async) (RcStore *self, const char *room_id, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
  char *(*get_room_state_finish) (RcStore *self, GAsyncResult *result, GError **error);

  void (*save_seats_async) (RcStore *self, const char *room_id, const char *const *seats,
                            guint n_seats, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*save_seats_finish) (RcStore *self, GAsyncResult *result, GError **error);

  void (*get_seats_async) (RcStore *self, const char *room_id, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
  GHashTable *(*get_seats_finish) (RcStore *self, GAsyncResult *result, GError **error);

  void (*delete_room_async) (RcStore *self, const char *room_id, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*delete_room_finish) (RcStore *self, GAsyncResult *result, GError **error);

  void (*rate_limit_hit_async) (RcStore *self, const char *key, gint64 window_ms,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
  gboolean (*rate_limit_hit_finish) (RcStore *self, GAsyncResult *result, gint64 *count,
                                     gint64 *reset_in_ms, GError **error);

  void (*get_room_owner_async) (RcStore *self, const char *room_id, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
  char *(*get_room_owner_finish) (RcStore *self, GAsyncResult *result, GError **error);

  void (*set_room_owner_async) (RcStore *self, const char *room_id, const char *user_id,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
  gboolean (*set_room_owner_finish) (RcStore *self, GAsyncResult *result, GError **error);
};

/* "memory", "redis": for logs and /health. */
const char *rc_store_get_name (RcStore *self);

/* SET room:state:{room_id} @state_json PX @ttl_ms (RC_STORE_ROOM_STATE_TTL_MS
 * in production). */
void rc_store_save_room_state_async (RcStore *self, const char *room_id, const char *state_json,
                                     gint64 ttl_ms, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean rc_store_save_room_state_finish (RcStore *self, GAsyncResult *result, GError **error);

/* The stored JSON text, or NULL (no error) if absent or expired. */
void rc_store_get_room_state_async (RcStore *self, const char *room_id,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
char *rc_store_get_room_state_finish (RcStore *self, GAsyncResult *result, GError **error);

/* Replace room:seats:{room_id} with @seats[i] (user id, or NULL for a free
 * seat) for i < @n_seats. No occupied seat deletes the hash. */
void rc_store_save_seats_async (RcStore *self, const char *room_id, const char *const *seats,
                                guint n_seats, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean rc_store_save_seats_finish (RcStore *self, GAsyncResult *result, GError **error);
/* Delete room:seats:{room_id}; finish with rc_store_save_seats_finish(). */
void rc_store_clear_seats_async (RcStore *self, const char *room_id, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);

/* The seats hash as a new table "index" -> "userId" (empty if absent). */
void rc_store_get_seats_async (RcStore *self, const char *room_id, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
GHashTable *rc_store_get_seats_finish (RcStore *self, GAsyncResult *result, GError **error);

/* Delete room:state and room:seats of @room_id. */
void rc_store_delete_room_async (RcStore *self, const char *room_id, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean rc_store_delete_room_finish (RcStore *self, GAsyncResult *result, GError **error);

/* Atomically count one hit on ratelimit:{key} in a fixed window of
 * @window_ms that starts with the first hit. *@count is the number of hits
 * in the current window including this one; *@reset_in_ms the time until the
 * window ends (the counter expires). */
void rc_store_rate_limit_hit_async (RcStore *self, const char *key, gint64 window_ms,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean rc_store_rate_limit_hit_finish (RcStore *self, GAsyncResult *result, gint64 *count,
                                         gint64 *reset_in_ms, GError **error);

/* The pinned owner of @room_id (room:owner:{roomId}) or NULL (no error). */
void rc_store_get_room_owner_async (RcStore *self, const char *room_id,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
char *rc_store_get_room_owner_finish (RcStore *self, GAsyncResult *result, GError **error);

/* Pin (@user_id) or unpin (NULL) the owner: Laravel writes the key itself,
 * the admin API (POST /admin/rooms) through this. */
void rc_store_set_room_owner_async (RcStore *self, const char *room_id, const char *user_id,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean rc_store_set_room_owner_finish (RcStore *self, GAsyncResult *result, GError **error);

G_END_DECLS
