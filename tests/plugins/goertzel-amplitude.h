/* roomcast: a sine's amplitude at one frequency (no GStreamer), shared by
 * the mixminus kernel and element tests
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ROOMCAST_GOERTZEL_AMPLITUDE_H
#define ROOMCAST_GOERTZEL_AMPLITUDE_H

#include <glib.h>
#include <math.h>

/* Goertzel power of frequency `freq` in x[0..n) at `rate`, normalised so a
 * sine of amplitude A gives A (the amplitude estimate). Exact, with no
 * leakage from other harmonics of a tone, when x[0..n) holds a whole
 * number of periods of both. */
static inline double
goertzel_amplitude (const float *x, gsize n, double freq, double rate)
{
  double w = 2.0 * G_PI * freq / rate;
  double coeff = 2.0 * cos (w);
  double s1 = 0.0, s2 = 0.0;

  for (gsize i = 0; i < n; i++) {
    double s0 = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0 * sqrt (MAX (power, 0.0)) / (double) n;
}

#endif /* ROOMCAST_GOERTZEL_AMPLITUDE_H */
