/* roomcast: a seat's input ring on the mixer's output timeline
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mixminus-ring.h"

#include <string.h>

#define MIN_U64(a, b) ((a) < (b) ? (a) : (b))

void
mixminus_ring_init (MixMinusRing * ring, float *data, uint64_t capacity,
    uint64_t start)
{
  ring->data = data;
  ring->capacity = capacity;
  mixminus_ring_reset (ring, start);
}

void
mixminus_ring_reset (MixMinusRing * ring, uint64_t start)
{
  ring->filled = start;
  ring->real_from = start;
}

/* Copies (or zeroes, when src is NULL) n samples at timeline offset `at`,
 * splitting at the end of the storage. */
static void
ring_store (MixMinusRing * ring, uint64_t at, const float *src, uint64_t n)
{
  while (n > 0) {
    uint64_t pos = at % ring->capacity;
    uint64_t run = MIN_U64 (n, ring->capacity - pos);

    if (src) {
      memcpy (ring->data + pos, src, run * sizeof (float));
      src += run;
    } else {
      memset (ring->data + pos, 0, run * sizeof (float));
    }
    at += run;
    n -= run;
  }
}

void
mixminus_ring_place (const MixMinusRing * ring, uint64_t consumed,
    uint64_t at, uint64_t frames, MixMinusPlacement * p)
{
  const uint64_t end = consumed + ring->capacity;
  uint64_t start;

  p->skip = at < ring->filled ? MIN_U64 (frames, ring->filled - at) : 0;
  start = at + p->skip;
  p->silence = start > ring->filled ? start - ring->filled : 0;
  if (p->skip == frames) {
    p->count = 0;
    p->blocked = false;
  } else if (start >= end) {
    p->count = 0;
    p->blocked = true;
  } else {
    p->count = MIN_U64 (frames - p->skip, end - start);
    p->blocked = p->count < frames - p->skip;
  }
}

uint64_t
mixminus_ring_commit (MixMinusRing * ring, uint64_t consumed,
    const MixMinusPlacement * p, const float *src)
{
  const uint64_t end = consumed + ring->capacity;
  uint64_t silence = MIN_U64 (p->silence, end - ring->filled);

  if (silence > 0) {
    ring_store (ring, ring->filled, NULL, silence);
    ring->filled += silence;
    ring->real_from = ring->filled;
  }
  if (p->count > 0) {
    ring_store (ring, ring->filled, src, p->count);
    ring->filled += p->count;
  }
  return p->skip + p->count;
}

void
mixminus_ring_fill_silence (MixMinusRing * ring, uint64_t until)
{
  if (until <= ring->filled)
    return;
  ring_store (ring, ring->filled, NULL, until - ring->filled);
  ring->filled = until;
  ring->real_from = until;
}

const float *
mixminus_ring_period (const MixMinusRing * ring, uint64_t offset)
{
  return ring->data + offset % ring->capacity;
}

bool
mixminus_ring_has_input (const MixMinusRing * ring, uint64_t offset,
    uint64_t frames)
{
  uint64_t from = ring->real_from > offset ? ring->real_from : offset;
  uint64_t to = MIN_U64 (ring->filled, offset + frames);

  return from < to;
}
