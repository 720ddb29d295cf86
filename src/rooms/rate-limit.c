/* roomcast: sliding-window rate limiter; see rate-limit.h. */
#include "rooms/rate-limit.h"

/* The accepted hits of one key: a ring of at most `limit` timestamps. */
typedef struct {
  guint head;    /* index of the oldest stored hit */
  guint count;   /* stored hits */
  gint64 hits[]; /* limit entries */
} HitRing;

struct _RcRateLimiter {
  guint limit;
  gint64 window_ms;
  GHashTable *rings; /* key -> HitRing* */
  gint64 last_prune_ms;
};

RcRateLimiter *
rc_rate_limiter_new (guint limit, gint64 window_ms)
{
  RcRateLimiter *limiter;

  g_return_val_if_fail (window_ms > 0, NULL);
  limiter = g_new0 (RcRateLimiter, 1);
  limiter->limit = limit;
  limiter->window_ms = window_ms;
  limiter->rings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  limiter->last_prune_ms = 0;
  return limiter;
}

void
rc_rate_limiter_free (RcRateLimiter *limiter)
{
  if (limiter == NULL)
    return;
  g_hash_table_unref (limiter->rings);
  g_free (limiter);
}

static gint64
ring_newest (const HitRing *ring, guint limit)
{
  return ring->hits[(ring->head + ring->count - 1) % limit];
}

/* Drop the hits that left the window (hits at or before now - window). */
static void
ring_expire (HitRing *ring, guint limit, gint64 window_start)
{
  while (ring->count > 0 && ring->hits[ring->head] <= window_start) {
    ring->head = (ring->head + 1) % limit;
    ring->count--;
  }
}

/* The ring of @key with the hits that left the window dropped; created
 * when @create. */
static HitRing *
live_ring (RcRateLimiter *limiter, const char *key, gint64 now_ms, gboolean create)
{
  HitRing *ring;

  /* Keep the table bounded by the number of recently active keys. */
  if (now_ms - limiter->last_prune_ms >= limiter->window_ms)
    rc_rate_limiter_prune (limiter, now_ms);
  ring = g_hash_table_lookup (limiter->rings, key);
  if (ring == NULL && create) {
    ring = g_malloc0 (sizeof (HitRing) + limiter->limit * sizeof (gint64));
    g_hash_table_insert (limiter->rings, g_strdup (key), ring);
  }
  if (ring != NULL)
    ring_expire (ring, limiter->limit, now_ms - limiter->window_ms);
  return ring;
}

gboolean
rc_rate_limiter_check (RcRateLimiter *limiter, const char *key, gint64 now_ms,
                       gint64 *retry_after_ms)
{
  HitRing *ring;

  g_return_val_if_fail (limiter != NULL && key != NULL, FALSE);
  if (limiter->limit == 0)
    return TRUE;
  ring = live_ring (limiter, key, now_ms, FALSE);
  if (ring == NULL || ring->count < limiter->limit)
    return TRUE;
  /* Allowed again once the oldest hit is out of the window. */
  if (retry_after_ms != NULL)
    *retry_after_ms = MAX (1, ring->hits[ring->head] + limiter->window_ms - now_ms);
  return FALSE;
}

void
rc_rate_limiter_record (RcRateLimiter *limiter, const char *key, gint64 now_ms)
{
  HitRing *ring;

  g_return_if_fail (limiter != NULL && key != NULL);
  if (limiter->limit == 0)
    return;
  ring = live_ring (limiter, key, now_ms, TRUE);
  if (ring->count >= limiter->limit) {
    /* Recorded without a check: the oldest hit makes room. */
    ring->head = (ring->head + 1) % limiter->limit;
    ring->count--;
  }
  ring->hits[(ring->head + ring->count) % limiter->limit] = now_ms;
  ring->count++;
}

gboolean
rc_rate_limiter_hit (RcRateLimiter *limiter, const char *key, gint64 now_ms,
                     gint64 *retry_after_ms)
{
  if (!rc_rate_limiter_check (limiter, key, now_ms, retry_after_ms))
    return FALSE;
  rc_rate_limiter_record (limiter, key, now_ms);
  return TRUE;
}

void
rc_rate_limiter_prune (RcRateLimiter *limiter, gint64 now_ms)
{
  GHashTableIter iter;
  gpointer value;

  limiter->last_prune_ms = now_ms;
  g_hash_table_iter_init (&iter, limiter->rings);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    HitRing *ring = value;
    if (ring->count == 0 || ring_newest (ring, limiter->limit) <= now_ms - limiter->window_ms)
      g_hash_table_iter_remove (&iter);
  }
}

guint
rc_rate_limiter_get_n_keys (RcRateLimiter *limiter)
{
  return g_hash_table_size (limiter->rings);
}
