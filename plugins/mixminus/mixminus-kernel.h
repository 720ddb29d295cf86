/* roomcast: mix-minus arithmetic kernel
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure functions, no GStreamer and no allocation: the element feeds them
 * plain arrays, the unit test checks them sample by sample, the benchmark
 * times them. One mixing period for a room of N seats is:
 *
 *   mixminus_load_*      each seat's input to mono float
 *   mixminus_measure     each seat's peak and energy (levels, limiter)
 *   mixminus_accumulate  total += seat, once per seat
 *   mixminus_render_*    for each output: total - own seat, limited
 *
 * Mixing is O(N): the total is summed once and each seat's output is
 * total - own, never a sum over the other N - 1 seats. All arrays are
 * planar (one contiguous run of samples per seat or output).
 */
#ifndef ROOMCAST_MIXMINUS_KERNEL_H
#define ROOMCAST_MIXMINUS_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Seats a room can have; the element has one output per seat (the mix
 * without that seat) and one more, the full mix. */
#define MIXMINUS_MAX_SEATS 64

/* Limiter knee: unity gain up to -3 dBFS (10^(-3/20)). */
#define MIXMINUS_LIMIT_KNEE 0.70794578438413791f

/* Float inputs are clamped to +-this (+60 dBFS) and NaN becomes 0, so one
 * broken decoder cannot poison the whole room's mix. */
#define MIXMINUS_INPUT_CLAMP 1000.0f

/* Per-seat level accumulator: sum of squares and absolute peak. */
typedef struct
{
  double sumsq;
  float peak;
} MixMinusLevel;

/* Converts `frames` frames of native-endian F32 audio with `channels`
 * (1 or 2, interleaved) to mono float in dst. Stereo is averaged. Values
 * beyond +-MIXMINUS_INPUT_CLAMP are clamped and NaN becomes 0; clean input
 * (the usual case) is only checked, not rewritten. */
void mixminus_load_f32 (float *dst, const float *src, size_t frames,
    unsigned channels);

/* Same for native-endian S16; full scale is 32768. */
void mixminus_load_s16 (float *dst, const int16_t *src, size_t frames,
    unsigned channels);

/* total[i] += x[i] for i < n. */
void mixminus_accumulate (float *total, const float *x, size_t n);

/* Accumulates sum of squares and peak of x[0..n) into *level. */
void mixminus_measure (const float *x, size_t n, MixMinusLevel * level);

/* The soft limiter's transfer curve for one sample: identity for
 * |x| <= knee, then knee + r*u/(1+u) with u = (|x| - knee)/r and
 * r = 1 - knee: continuous with slope 1 at the knee, monotonic, odd,
 * and never beyond full scale (|y| <= 1). */
float mixminus_limit_sample (float x);

/* Applies the limiter to x[0..n) in place. */
void mixminus_limit (float *x, size_t n);

/* Largest |x[i]| for i < n (finite inputs). */
float mixminus_peak (const float *x, size_t n);

/* Whether some output of the period may exceed the knee and so needs the
 * limiter: every output is total - own, and |total - own| <= peak(total) +
 * peak(own). When it returns false the limiter would be the identity. */
bool mixminus_needs_limit (float total_peak, float max_own_peak);

/* Renders one output: out[i] = total[i] - own[i] (own == NULL: the full
 * mix, out[i] = total[i]), through the limiter when `limit` is true. */
void mixminus_render_f32 (float *out, const float *total, const float *own,
    size_t n, bool limit);

/* Same with S16 output: the float result is scaled by 32768, rounded to
 * nearest and saturated, so it can never wrap around. */
void mixminus_render_s16 (int16_t *out, const float *total, const float *own,
    size_t n, bool limit);

/* Converts a linear amplitude or RMS to dBFS, floored at
 * MIXMINUS_LEVEL_FLOOR_DB for silence. */
#define MIXMINUS_LEVEL_FLOOR_DB (-200.0)
double mixminus_to_db (double amplitude);

#ifdef __cplusplus
}
#endif

#endif /* ROOMCAST_MIXMINUS_KERNEL_H */
