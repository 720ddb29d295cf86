/* roomcast: mix-minus arithmetic kernel
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure functions, no GStreamer and no allocation: the element feeds them
 * plain arrays, the unit test checks them sample by sample, the benchmark
 * times them. One mixing period for a room of N seats is:
 *
 *   mixminus_load_*              each seat's input to mono float
 *   mixminus_measure             each seat's peak and energy (levels, and
 *                                the limiter's peak bound)
 *   mixminus_accumulate          total += seat, once per seat
 *   mixminus_render_limited_*    for each output: total - own, through
 *                                that output's limiter
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

/* Largest |x[i]| for i < n (finite inputs). */
float mixminus_peak (const float *x, size_t n);

/* Renders one output without a limiter: out[i] = total[i] - own[i]
 * (own == NULL: the full mix, out[i] = total[i]). */
void mixminus_render_f32 (float *out, const float *total, const float *own,
    size_t n);

/* Same with S16 output: the float result is scaled by 32768, rounded to
 * nearest and saturated, so it can never wrap around. */
void mixminus_render_s16 (int16_t *out, const float *total, const float *own,
    size_t n);

/* The limiter: a gain that rides each output's peaks, so a loud room gets
 * quieter instead of distorted. The output is the input delayed by the
 * lookahead and multiplied by a gain that is exactly 1 while the peaks stay
 * at or below the threshold (so quiet rooms are bit-exact) and otherwise
 * threshold / envelope, where the envelope is the peak level of the
 * samples about to come out and the next lookahead (attack: one lookahead
 * ahead), held for the hold time and then released exponentially. The
 * gain is set at the end of every block of `lookahead` samples and moves
 * linearly across the block, so no sample ever leaves above the threshold
 * and the waveform is scaled, not clipped: a steady loud tone comes out as
 * the same tone, quieter. */
#define MIXMINUS_LIMITER_LOOKAHEAD_US 1000     /* also the attack time */
#define MIXMINUS_LIMITER_HOLD_US 10000 /* a 50 Hz half-wave: no ripple */
#define MIXMINUS_LIMITER_RELEASE_US 100000     /* time constant */
/* Lookahead samples at most: 1 ms up to 192 kHz, less above. */
#define MIXMINUS_LIMITER_MAX_LOOKAHEAD 192

/* The limiter's settings for one sample rate and threshold, shared by all
 * the outputs of a mixer. */
typedef struct
{
  float threshold;              /* linear, in (0, 1] */
  uint32_t lookahead;           /* samples: the delay and the gain block */
  uint32_t hold;                /* samples the envelope holds a peak */
  float release;                /* envelope decay per sample */
  float release_block;          /* the same over `lookahead` samples */
} MixMinusLimiterConfig;

/* One output's limiter: its delay line and gain. Outputs have different
 * sums, so each has its own. */
typedef struct
{
  float gain;                   /* gain at the last sample output */
  float envelope;               /* held and released peak level */
  uint32_t hold;                /* samples the envelope still holds */
  float delay[MIXMINUS_LIMITER_MAX_LOOKAHEAD];  /* input not output yet */
} MixMinusLimiter;

/* Fills *config for `rate` Hz and a linear `threshold` (clamped to
 * (0, 1]). The lookahead is MIXMINUS_LIMITER_LOOKAHEAD_US rounded down to
 * whole samples (at least 1, at most MIXMINUS_LIMITER_MAX_LOOKAHEAD). */
void mixminus_limiter_configure (MixMinusLimiterConfig * config,
    unsigned rate, float threshold);

/* Back to rest: unity gain and a delay line of silence. */
void mixminus_limiter_reset (MixMinusLimiter * limiter);

/* Renders one output through its limiter: out[i] is total - own (own ==
 * NULL: total) delayed by config->lookahead samples, the first ones from
 * the delay line, times the limiter's gain. `peak_bound` is an upper bound
 * of |total - own| over the n samples (peak(total) + peak(own) will do, or
 * INFINITY): when it is below the threshold and the limiter is at rest,
 * the gain is known to stay 1 and only the delay is done. */
void mixminus_render_limited_f32 (float *out, const float *total,
    const float *own, size_t n, float peak_bound,
    const MixMinusLimiterConfig * config, MixMinusLimiter * limiter);

/* Same with S16 output, rounded and saturated as mixminus_render_s16. */
void mixminus_render_limited_s16 (int16_t *out, const float *total,
    const float *own, size_t n, float peak_bound,
    const MixMinusLimiterConfig * config, MixMinusLimiter * limiter);

/* Converts a linear amplitude or RMS to dBFS, floored at
 * MIXMINUS_LEVEL_FLOOR_DB for silence. */
#define MIXMINUS_LEVEL_FLOOR_DB (-200.0)
double mixminus_to_db (double amplitude);

#ifdef __cplusplus
}
#endif

#endif /* ROOMCAST_MIXMINUS_KERNEL_H */
