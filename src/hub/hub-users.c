/* roomcast: who is online, and since when they are not (the hub's users
 * part; hub-private.h).
 *
 * A user is online while they have a Socket.IO connection (hub-sio.c
 * counts them) or are a member of a presence channel. When their first
 * Socket.IO connection comes, every Socket.IO client gets "user_online";
 * when their last one goes, "user_offline" (USER_PRESENCE_EVENTS; the
 * names of the seed realtime server's config): {user_id, user_name, avatar,
 * is_online, last_seen}, the shape of Laravel's UserOnlineStatusChanged.
 * One frame, encoded once, per change; nothing while the server drains
 * (its disconnects are not users leaving).
 *
 * Last seen: the time a user stopped being online, as far as this process
 * knows, for the RC_HUB_LAST_SEEN_MAX users seen last (the oldest is
 * forgotten first): GET /api/users/{id}/online-status answers from it.
 */
#include "hub/hub-private.h"

#include "auth/auth-provider.h"

typedef struct {
  char *user_id;
  gint64 at_us; /* real time */
} Seen;

struct _RcHubUsers {
  GHashTable *seen; /* user id (Seen.user_id) -> GList link in order */
  GQueue order;     /* Seen, oldest first */
};

static void
seen_free (Seen *s)
{
  g_free (s->user_id);
  g_free (s);
}

void
rc_hub_users_start (RcHub *hub)
{
  g_return_if_fail (hub->users == NULL);
  RcHubUsers *u = g_new0 (RcHubUsers, 1);
  u->seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&u->order);
  hub->users = u;
}

void
rc_hub_users_free (RcHubUsers *u)
{
  g_hash_table_unref (u->seen);
  g_queue_clear_full (&u->order, (GDestroyNotify) seen_free);
  g_free (u);
}

void
rc_hub_user_seen (RcHub *hub, const char *user_id)
{
  RcHubUsers *u = hub->users;
  if (!u)
    return;
  GList *link = g_hash_table_lookup (u->seen, user_id);
  if (link) {
    g_queue_unlink (&u->order, link);
  } else {
    Seen *s = g_new0 (Seen, 1);
    s->user_id = g_strdup (user_id);
    link = g_list_alloc ();
    link->data = s;
    g_hash_table_insert (u->seen, s->user_id, link);
  }
  ((Seen *) link->data)->at_us = g_get_real_time ();
  g_queue_push_tail_link (&u->order, link);
  while (u->order.length > RC_HUB_LAST_SEEN_MAX) {
    Seen *oldest = g_queue_pop_head (&u->order);
    g_hash_table_remove (u->seen, oldest->user_id);
    seen_free (oldest);
  }
}

gint64
rc_hub_user_last_seen (RcHub *hub, const char *user_id)
{
  GList *link = hub->users ? g_hash_table_lookup (hub->users->seen, user_id) : NULL;
  return link ? ((Seen *) link->data)->at_us : 0;
}

gboolean
rc_hub_user_is_online (RcHub *hub, const char *user_id)
{
  if (rc_hub_sio_user_online (hub, user_id))
    return TRUE;
  GHashTableIter it;
  gpointer name;
  g_hash_table_iter_init (&it, rc_hub_get_channels (hub));
  while (g_hash_table_iter_next (&it, &name, NULL))
    if (rc_hub_channel_kind (name) == RC_HUB_CHANNEL_PRESENCE &&
        rc_hub_channel_has_member (hub, name, user_id))
      return TRUE;
  return FALSE;
}

JsonNode *
rc_hub_user_id_node (const char *user_id)
{
  /* A Laravel id is a number: give it back as one, as Laravel would. */
  char *end = NULL;
  gint64 n = g_ascii_strtoll (user_id, &end, 10);
  JsonNode *node = json_node_alloc ();
  if (*user_id && *end == '\0' && n > 0 && n < (G_GINT64_CONSTANT (1) << 53) &&
      user_id[0] != '0' && user_id[0] != '+')
    return json_node_init_int (node, n);
  return json_node_init_string (node, user_id);
}

char *
rc_hub_iso8601 (gint64 real_us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (real_us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) ms = g_date_time_add (t, real_us % G_USEC_PER_SEC);
  return g_date_time_format (ms, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/* user_online / user_offline to every Socket.IO client. */
static void
announce (RcHub *hub, const RcUser *user, gboolean online)
{
  if (!hub->config->user_presence_events || hub->stopping)
    return;
  g_autoptr (JsonObject) o = json_object_new ();
  json_object_set_member (o, "user_id", rc_hub_user_id_node (user->id));
  json_object_set_string_member (o, "user_name", user->name);
  if (user->avatar_url)
    json_object_set_string_member (o, "avatar", user->avatar_url);
  else
    json_object_set_null_member (o, "avatar");
  json_object_set_boolean_member (o, "is_online", online);
  g_autofree char *now = rc_hub_iso8601 (g_get_real_time ());
  json_object_set_string_member (o, "last_seen", now);
  g_autoptr (JsonNode) data = json_node_init_object (json_node_alloc (), o);
  rc_hub_sio_emit_all (hub, online ? "user_online" : "user_offline", data);
}

void
rc_hub_user_connected (RcHub *hub, const RcUser *user)
{
  rc_hub_cluster_sio_user (hub, user->id, TRUE);
  announce (hub, user, TRUE);
}

void
rc_hub_user_disconnected (RcHub *hub, const RcUser *user)
{
  rc_hub_cluster_sio_user (hub, user->id, FALSE);
  rc_hub_user_seen (hub, user->id);
  announce (hub, user, FALSE);
}
