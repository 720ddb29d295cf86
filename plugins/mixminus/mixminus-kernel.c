/* roomcast: mix-minus arithmetic kernel
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plain C11 loops written so GCC and Clang vectorise them at -O3 (the build
 * compiles this file at -O3): no calls in the inner loops, ternaries instead
 * of fminf/fmaxf (which must honour NaN and so do not vectorise without
 * -ffast-math), and reductions split over MIXMINUS_LANES partial sums.
 */
#include "mixminus-kernel.h"

#include <math.h>
#include <string.h>

#define MIXMINUS_LANES 8

/* Clamps a float input to a sane range and maps NaN to silence. */
static inline float
sanitize (float x)
{
  x = x > MIXMINUS_INPUT_CLAMP ? MIXMINUS_INPUT_CLAMP : x;
  x = x < -MIXMINUS_INPUT_CLAMP ? -MIXMINUS_INPUT_CLAMP : x;
  return x == x ? x : 0.0f;
}

/* The largest magnitude as float bits: for finite floats the bit patterns
 * order like the values, NaN and infinities sort above every finite value,
 * and an integer max reduction vectorises where a float one does not. */
static uint32_t
max_magnitude_bits (const float *restrict x, size_t n)
{
  uint32_t m[MIXMINUS_LANES] = { 0 };
  uint32_t r = 0;
  size_t i = 0;

  for (; i + MIXMINUS_LANES <= n; i += MIXMINUS_LANES) {
    for (size_t k = 0; k < MIXMINUS_LANES; k++) {
      uint32_t b;

      memcpy (&b, &x[i + k], sizeof (b));
      b &= 0x7fffffffu;
      m[k] = b > m[k] ? b : m[k];
    }
  }
  for (; i < n; i++) {
    uint32_t b;

    memcpy (&b, &x[i], sizeof (b));
    b &= 0x7fffffffu;
    r = b > r ? b : r;
  }
  for (size_t k = 0; k < MIXMINUS_LANES; k++)
    r = m[k] > r ? m[k] : r;
  return r;
}

void
mixminus_load_f32 (float *restrict dst, const float *restrict src,
    size_t frames, unsigned channels)
{
  const float clamp = MIXMINUS_INPUT_CLAMP;
  uint32_t clamp_bits;

  if (channels == 2) {
    for (size_t i = 0; i < frames; i++)
      dst[i] = 0.5f * (src[2 * i] + src[2 * i + 1]);
  } else {
    memcpy (dst, src, frames * sizeof (float));
  }
  memcpy (&clamp_bits, &clamp, sizeof (clamp_bits));
  if (max_magnitude_bits (dst, frames) > clamp_bits) {
    for (size_t i = 0; i < frames; i++)
      dst[i] = sanitize (dst[i]);
  }
}

float
mixminus_peak (const float *x, size_t n)
{
  uint32_t bits = max_magnitude_bits (x, n);
  float peak;

  memcpy (&peak, &bits, sizeof (peak));
  return peak;
}

void
mixminus_load_s16 (float *restrict dst, const int16_t *restrict src,
    size_t frames, unsigned channels)
{
  const float scale = 1.0f / 32768.0f;

  if (channels == 2) {
    for (size_t i = 0; i < frames; i++)
      dst[i] = (float) ((int32_t) src[2 * i] + src[2 * i + 1]) *
          (0.5f * scale);
  } else {
    for (size_t i = 0; i < frames; i++)
      dst[i] = (float) src[i] * scale;
  }
}

void
mixminus_accumulate (float *restrict total, const float *restrict x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    total[i] += x[i];
}

void
mixminus_measure (const float *restrict x, size_t n, MixMinusLevel * level)
{
  float sq[MIXMINUS_LANES] = { 0 };
  size_t i = 0;

  /* Sum of squares in fixed-width blocks of independent partial sums: the
   * compiler maps each block to vector registers without having to
   * reassociate one float sum (which it may not do without -ffast-math). */
  for (; i + MIXMINUS_LANES <= n; i += MIXMINUS_LANES)
    for (size_t k = 0; k < MIXMINUS_LANES; k++)
      sq[k] += x[i + k] * x[i + k];
  for (size_t k = 0; i < n; i++, k++)
    sq[k] += x[i] * x[i];

  double sum = 0.0;
  for (size_t k = 0; k < MIXMINUS_LANES; k++)
    sum += sq[k];
  float peak = mixminus_peak (x, n);
  level->sumsq += sum;
  level->peak = peak > level->peak ? peak : level->peak;
}

/* out = total - own (own may be NULL), no limiting. */
static void
subtract (float *restrict out, const float *restrict total,
    const float *restrict own, size_t n)
{
  if (own == NULL) {
    memcpy (out, total, n * sizeof (float));
  } else {
    for (size_t i = 0; i < n; i++)
      out[i] = total[i] - own[i];
  }
}

void
mixminus_render_f32 (float *restrict out, const float *restrict total,
    const float *restrict own, size_t n)
{
  subtract (out, total, own, n);
}

/* Scales to S16 full scale, rounds half away from zero and saturates. */
static inline int16_t
to_s16 (float y)
{
  float v = y * 32768.0f;
  v += v >= 0.0f ? 0.5f : -0.5f;
  v = v > 32767.0f ? 32767.0f : v;
  v = v < -32768.0f ? -32768.0f : v;
  return (int16_t) (int32_t) v;
}

void
mixminus_render_s16 (int16_t *restrict out, const float *restrict total,
    const float *restrict own, size_t n)
{
  float y[256];

  for (size_t done = 0; done < n; done += sizeof (y) / sizeof (y[0])) {
    size_t run = n - done < 256 ? n - done : 256;

    subtract (y, total + done, own ? own + done : NULL, run);
    for (size_t i = 0; i < run; i++)
      out[done + i] = to_s16 (y[i]);
  }
}

/* ------------------------------------------------------------ limiter */

void
mixminus_limiter_configure (MixMinusLimiterConfig * config, unsigned rate,
    float threshold)
{
  uint64_t lookahead = (uint64_t) rate * MIXMINUS_LIMITER_LOOKAHEAD_US /
      1000000u;
  double release = exp (-1e6 / ((double) rate * MIXMINUS_LIMITER_RELEASE_US));

  lookahead = lookahead < 1 ? 1 : lookahead;
  lookahead = lookahead > MIXMINUS_LIMITER_MAX_LOOKAHEAD ?
      MIXMINUS_LIMITER_MAX_LOOKAHEAD : lookahead;
  config->threshold = threshold > 1.0f ? 1.0f : threshold;
  config->threshold = config->threshold > 0.0f ? config->threshold : 1e-6f;
  config->lookahead = (uint32_t) lookahead;
  config->hold = (uint32_t) ((uint64_t) rate * MIXMINUS_LIMITER_HOLD_US /
      1000000u);
  config->release = (float) release;
  config->release_block = (float) pow (release, (double) lookahead);
}

void
mixminus_limiter_reset (MixMinusLimiter * limiter)
{
  memset (limiter, 0, sizeof (*limiter));
  limiter->gain = 1.0f;
}

/* y[i] = x[i] times the gain moving linearly from g0 (before x[0]) to g1
 * (at x[n - 1]), kept within full scale against rounding; y may be x. An
 * int index, not a running sum, so that the loop vectorises. */
static void
ramp_gain (float *y, const float *x, size_t n, float g0, float g1)
{
  const float step = (g1 - g0) / (float) n;

  for (int i = 0; i < (int) n; i++) {
    float v = x[i] * (g0 + step * (float) (i + 1));

    v = v > 1.0f ? 1.0f : v;
    v = v < -1.0f ? -1.0f : v;
    y[i] = v;
  }
}

/* The limiter on the delayed stream s[0 .. m + lookahead): writes the
 * output of s[0 .. m) to y[0 .. m) (y may be s) and only reads the
 * lookahead after it. Block by block of `lookahead` samples (the last may
 * be shorter): the envelope at a block's end covers that block and the
 * next one, so the gains at both ends of every block, and the line between
 * them, are at most threshold / that block's peak. */
static void
limiter_run (const MixMinusLimiterConfig * c, MixMinusLimiter * lim,
    const float *s, size_t m, float *y)
{
  const size_t ahead = c->lookahead;
  float g0 = lim->gain, env = lim->envelope;
  uint32_t hold = lim->hold;
  float peak = mixminus_peak (s, m < ahead ? m : ahead);

  for (size_t a = 0; a < m;) {
    const size_t len = m - a < ahead ? m - a : ahead;
    const float next = mixminus_peak (s + a + len, ahead);
    const float w = peak > next ? peak : next;
    float g1;

    if (w >= env) {             /* attack: at once, and hold it */
      env = w;
      hold = c->hold;
    } else if (hold >= len) {
      hold -= (uint32_t) len;
    } else {                    /* release */
      float decayed = env * (len == ahead ? c->release_block :
          powf (c->release, (float) len));

      hold = 0;
      env = w > decayed ? w : decayed;
    }
    g1 = env > c->threshold ? c->threshold / env : 1.0f;
    if (g0 != 1.0f || g1 != 1.0f)
      ramp_gain (y + a, s + a, len, g0, g1);
    else if (y != s)
      memcpy (y + a, s + a, len * sizeof (float));
    g0 = g1;
    peak = next;                /* covers the next block (it may be shorter) */
    a += len;
  }
  lim->gain = g0;
  lim->envelope = env;
  lim->hold = hold;
}

/* Whether the gain is known to stay 1 for this render: at rest, and no
 * output sample can reach the threshold (the margin covers the rounding of
 * total - own and of the bound, far below 0.1 %). */
static bool
limiter_stays_at_rest (const MixMinusLimiterConfig * c,
    const MixMinusLimiter * lim, float peak_bound)
{
  return lim->gain == 1.0f && lim->envelope <= c->threshold &&
      peak_bound <= c->threshold * 0.999f;
}

#define LIMIT_CHUNK 512

/* Renders through the limiter chunk by chunk, in a buffer that holds the
 * delay line followed by the chunk's input; exactly one of out_f32 and
 * out_s16 is set. */
static void
render_limited (float *out_f32, int16_t * out_s16, const float *total,
    const float *own, size_t n, bool at_rest,
    const MixMinusLimiterConfig * c, MixMinusLimiter * lim)
{
  const size_t ahead = c->lookahead;
  const size_t chunk = LIMIT_CHUNK / ahead * ahead;
  float s[LIMIT_CHUNK + MIXMINUS_LIMITER_MAX_LOOKAHEAD];

  memcpy (s, lim->delay, ahead * sizeof (float));
  for (size_t done = 0; done < n;) {
    const size_t m = n - done < chunk ? n - done : chunk;

    subtract (s + ahead, total + done, own ? own + done : NULL, m);
    if (out_f32 && at_rest)
      memcpy (out_f32 + done, s, m * sizeof (float));
    else if (!at_rest)
      limiter_run (c, lim, s, m, out_f32 ? out_f32 + done : s);
    if (out_s16) {
      for (size_t i = 0; i < m; i++)
        out_s16[done + i] = to_s16 (s[i]);
    }
    memmove (s, s + m, ahead * sizeof (float));
    done += m;
  }
  memcpy (lim->delay, s, ahead * sizeof (float));
}

void
mixminus_render_limited_f32 (float *restrict out, const float *restrict total,
    const float *restrict own, size_t n, float peak_bound,
    const MixMinusLimiterConfig * config, MixMinusLimiter * limiter)
{
  const size_t ahead = config->lookahead;
  float *delay = limiter->delay;

  if (!limiter_stays_at_rest (config, limiter, peak_bound)) {
    render_limited (out, NULL, total, own, n, false, config, limiter);
    return;
  }
  /* At rest the limiter is a delay line: copy straight into out. */
  limiter->envelope = 0.0f;
  limiter->hold = 0;
  if (n >= ahead) {
    memcpy (out, delay, ahead * sizeof (float));
    subtract (out + ahead, total, own, n - ahead);
    subtract (delay, total + n - ahead, own ? own + n - ahead : NULL, ahead);
  } else {
    memcpy (out, delay, n * sizeof (float));
    memmove (delay, delay + n, (ahead - n) * sizeof (float));
    subtract (delay + ahead - n, total, own, n);
  }
}

void
mixminus_render_limited_s16 (int16_t *restrict out,
    const float *restrict total, const float *restrict own, size_t n,
    float peak_bound, const MixMinusLimiterConfig * config,
    MixMinusLimiter * limiter)
{
  const bool at_rest = limiter_stays_at_rest (config, limiter, peak_bound);

  if (at_rest) {
    limiter->envelope = 0.0f;
    limiter->hold = 0;
  }
  render_limited (NULL, out, total, own, n, at_rest, config, limiter);
}

double
mixminus_to_db (double amplitude)
{
  if (!(amplitude > 0.0))
    return MIXMINUS_LEVEL_FLOOR_DB;
  double db = 20.0 * log10 (amplitude);
  return db < MIXMINUS_LEVEL_FLOOR_DB ? MIXMINUS_LEVEL_FLOOR_DB : db;
}
