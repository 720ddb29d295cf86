/* roomcast tests: tone levels with the Goertzel algorithm.
 *
 * Pure and single-threaded: feed mono float samples, and after every full
 * window the level of each watched frequency is available in dBFS (a
 * full-scale sine reads 0 dB). A Hann window keeps the leakage of a strong
 * tone at one frequency far below the level tested for at another, so a test
 * can assert "440 Hz present, 1000 Hz 30 dB lower". Used by the test client
 * on its decoded audio, and unit-tested with synthetic signals.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Levels below this are reported as this (silence has no logarithm). */
#define RC_GOERTZEL_FLOOR_DB (-200.0)

typedef struct _RcGoertzel RcGoertzel;

/* @window samples per analysis (e.g. 4800 = 100 ms at 48 kHz); @freqs are
 * copied. Frequencies need not fall on a DFT bin. */
RcGoertzel *rc_goertzel_new (double sample_rate, guint window, const double *freqs,
                             guint n_freqs);
void rc_goertzel_free (RcGoertzel *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RcGoertzel, rc_goertzel_free)

/* Feeds @n samples; returns how many windows this completed. */
guint rc_goertzel_feed (RcGoertzel *self, const float *samples, gsize n);
/* Level of freqs[@index] over the last complete window, in dBFS;
 * RC_GOERTZEL_FLOOR_DB before the first window. */
double rc_goertzel_level_db (const RcGoertzel *self, guint index);
/* Level of freqs[@index] as the mean power of the last
 * RC_GOERTZEL_MEAN_WINDOWS complete windows (fewer before that many), in
 * dBFS. Steadier than one window: a lossy codec coding steady tones now and
 * then puts a narrow burst between them that one 100 ms window reads as a
 * tone (docs/performance.md, "A speaker hearing its own tone"); over 20
 * windows it is noise again, while a tone present all along keeps its
 * level. */
#define RC_GOERTZEL_MEAN_WINDOWS 20
double rc_goertzel_mean_db (const RcGoertzel *self, guint index);
/* Number of complete windows so far. */
guint64 rc_goertzel_get_windows (const RcGoertzel *self);

G_END_DECLS
