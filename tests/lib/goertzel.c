/* roomcast tests: Goertzel tone levels; see goertzel.h.
 *
 * For each frequency f the recurrence s[n] = x[n]·w[n] + c·s[n-1] - s[n-2],
 * c = 2·cos(2πf/fs), gives after N samples |X(f)|² = s1² + s2² - c·s1·s2,
 * the power of the windowed DTFT at f. A sine of amplitude A has
 * |X| = A·Σw/2, so the level in dBFS is 20·log10(2·|X| / Σw).
 */
#include "goertzel.h"

#include <math.h>

struct _RcGoertzel {
  guint window;
  guint n_freqs;
  double *coeff;   /* 2·cos(ω) per frequency */
  double *s1, *s2; /* recurrence state per frequency */
  double *level;   /* dBFS of the last complete window */
  double *powers;  /* amplitude² of the last RC_GOERTZEL_MEAN_WINDOWS windows, per
                    * frequency: powers[slot * n_freqs + i] */
  float *hann;     /* window weights */
  double hann_sum;
  guint pos;       /* samples into the current window */
  guint64 windows;
};

RcGoertzel *
rc_goertzel_new (double sample_rate, guint window, const double *freqs, guint n_freqs)
{
  RcGoertzel *self;

  g_return_val_if_fail (sample_rate > 0 && window > 1 && (freqs || n_freqs == 0), NULL);
  self = g_new0 (RcGoertzel, 1);
  self->window = window;
  self->n_freqs = n_freqs;
  self->coeff = g_new (double, n_freqs);
  self->s1 = g_new0 (double, n_freqs);
  self->s2 = g_new0 (double, n_freqs);
  self->level = g_new (double, n_freqs);
  self->powers = g_new0 (double, (gsize) n_freqs * RC_GOERTZEL_MEAN_WINDOWS);
  for (guint i = 0; i < n_freqs; i++) {
    self->coeff[i] = 2.0 * cos (2.0 * G_PI * freqs[i] / sample_rate);
    self->level[i] = RC_GOERTZEL_FLOOR_DB;
  }
  self->hann = g_new (float, window);
  for (guint n = 0; n < window; n++) {
    self->hann[n] = (float) (0.5 - 0.5 * cos (2.0 * G_PI * n / (window - 1)));
    self->hann_sum += self->hann[n];
  }
  return self;
}

void
rc_goertzel_free (RcGoertzel *self)
{
  if (self == NULL)
    return;
  g_free (self->coeff);
  g_free (self->s1);
  g_free (self->s2);
  g_free (self->level);
  g_free (self->powers);
  g_free (self->hann);
  g_free (self);
}

static void
finish_window (RcGoertzel *self)
{
  for (guint i = 0; i < self->n_freqs; i++) {
    double s1 = self->s1[i], s2 = self->s2[i];
    double power = s1 * s1 + s2 * s2 - self->coeff[i] * s1 * s2;
    double amplitude = 2.0 * sqrt (MAX (power, 0.0)) / self->hann_sum;
    double db = amplitude > 0 ? 20.0 * log10 (amplitude) : RC_GOERTZEL_FLOOR_DB;

    self->level[i] = MAX (db, RC_GOERTZEL_FLOOR_DB);
    self->powers[(self->windows % RC_GOERTZEL_MEAN_WINDOWS) * self->n_freqs + i] =
      amplitude * amplitude;
    self->s1[i] = self->s2[i] = 0.0;
  }
  self->pos = 0;
  self->windows++;
}

guint
rc_goertzel_feed (RcGoertzel *self, const float *samples, gsize n)
{
  guint completed = 0;

  for (gsize k = 0; k < n; k++) {
    double x = (double) samples[k] * self->hann[self->pos];

    for (guint i = 0; i < self->n_freqs; i++) {
      double s0 = x + self->coeff[i] * self->s1[i] - self->s2[i];
      self->s2[i] = self->s1[i];
      self->s1[i] = s0;
    }
    if (++self->pos == self->window) {
      finish_window (self);
      completed++;
    }
  }
  return completed;
}

double
rc_goertzel_level_db (const RcGoertzel *self, guint index)
{
  g_return_val_if_fail (index < self->n_freqs, RC_GOERTZEL_FLOOR_DB);
  return self->level[index];
}

double
rc_goertzel_mean_db (const RcGoertzel *self, guint index)
{
  guint n = (guint) MIN (self->windows, RC_GOERTZEL_MEAN_WINDOWS);
  double sum = 0.0;

  g_return_val_if_fail (index < self->n_freqs, RC_GOERTZEL_FLOOR_DB);
  for (guint w = 0; w < n; w++)
    sum += self->powers[w * self->n_freqs + index];
  if (n == 0 || sum <= 0.0)
    return RC_GOERTZEL_FLOOR_DB;
  return MAX (10.0 * log10 (sum / n), RC_GOERTZEL_FLOOR_DB);
}

guint64
rc_goertzel_get_windows (const RcGoertzel *self)
{
  return self->windows;
}
