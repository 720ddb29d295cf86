/* roomcast: a seat's input ring on the mixer's output timeline
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure bookkeeping, no GStreamer and no locking: the element holds its lock
 * around these calls. Positions are sample offsets on the output timeline
 * (offset 0 = first output sample); the ring holds `capacity` samples, a
 * whole number of output periods, so a period never wraps.
 *
 * Invariant kept by the element: consumed <= filled <= consumed + capacity,
 * where `consumed` is the start of the oldest period the output still reads.
 */
#ifndef ROOMCAST_MIXMINUS_RING_H
#define ROOMCAST_MIXMINUS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct
{
  float *data;                  /* capacity samples, owned by the caller */
  uint64_t capacity;
  uint64_t filled;              /* samples before this offset are written */
  uint64_t real_from;           /* start of the current run of real input
                                 * (after the last inserted silence) */
} MixMinusRing;

/* What writing an input chunk of `frames` samples that belongs at output
 * offset `at` amounts to, given the output has freed everything below
 * `consumed`. */
typedef struct
{
  uint64_t skip;                /* leading input samples to drop (late or
                                 * overlapping what is already written) */
  uint64_t silence;             /* samples of silence to insert first (a gap
                                 * in the input), possibly only partly now */
  uint64_t count;               /* input samples that fit now, after skip */
  bool blocked;                 /* the ring is full: wait for the output */
} MixMinusPlacement;

void mixminus_ring_init (MixMinusRing * ring, float *data, uint64_t capacity,
    uint64_t start);

/* Plans the write; does not modify the ring. */
void mixminus_ring_place (const MixMinusRing * ring, uint64_t consumed,
    uint64_t at, uint64_t frames, MixMinusPlacement * placement);

/* Inserts placement->silence samples (clamped to the free space) and then
 * copies placement->count samples from src (already past the skipped
 * ones). Returns the number of input samples consumed (skip + count). */
uint64_t mixminus_ring_commit (MixMinusRing * ring, uint64_t consumed,
    const MixMinusPlacement * placement, const float *src);

/* Pads with silence up to `until` (a seat that missed the deadline or left
 * the timeline); no-op if already filled that far. */
void mixminus_ring_fill_silence (MixMinusRing * ring, uint64_t until);

/* The contiguous samples of the period starting at `offset`. */
const float *mixminus_ring_period (const MixMinusRing * ring,
    uint64_t offset);

/* Whether real input (not inserted silence) covers part of
 * [offset, offset + frames). */
bool mixminus_ring_has_input (const MixMinusRing * ring, uint64_t offset,
    uint64_t frames);

/* Restarts the ring empty at `start` (flush, resync). */
void mixminus_ring_reset (MixMinusRing * ring, uint64_t start);

#ifdef __cplusplus
}
#endif

#endif /* ROOMCAST_MIXMINUS_RING_H */
