/* roomcast: tests of a seat's ring on the mixer's output timeline
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>

#include "mixminus-ring.h"

#define CAP 16

static float storage[CAP];

static void
fill_counting (float *x, guint n, float first)
{
  for (guint i = 0; i < n; i++)
    x[i] = first + (float) i;
}

/* Checks offsets [from, to) of the timeline read back as expected. */
static void
assert_samples (const MixMinusRing * ring, guint64 from, guint64 to,
    float first, gboolean counting)
{
  for (guint64 o = from; o < to; o++) {
    float v = ring->data[o % ring->capacity];

    g_assert_cmpfloat (v, ==, counting ? first + (float) (o - from) : first);
  }
}

static void
test_contiguous (void)
{
  MixMinusRing ring;
  MixMinusPlacement p;
  float in[8];

  mixminus_ring_init (&ring, storage, CAP, 0);
  fill_counting (in, 8, 1.0f);
  mixminus_ring_place (&ring, 0, 0, 8, &p);
  g_assert_cmpuint (p.skip, ==, 0);
  g_assert_cmpuint (p.silence, ==, 0);
  g_assert_cmpuint (p.count, ==, 8);
  g_assert_false (p.blocked);
  g_assert_cmpuint (mixminus_ring_commit (&ring, 0, &p, in), ==, 8);
  g_assert_cmpuint (ring.filled, ==, 8);
  assert_samples (&ring, 0, 8, 1.0f, TRUE);
  g_assert_true (mixminus_ring_has_input (&ring, 4, 4));
  g_assert_true (mixminus_ring_period (&ring, 4) == storage + 4);
}

static void
test_late_and_overlap (void)
{
  MixMinusRing ring;
  MixMinusPlacement p;
  float in[8];

  mixminus_ring_init (&ring, storage, CAP, 8);
  fill_counting (in, 8, 100.0f);
  /* starts 3 samples before what is already written: those are dropped */
  mixminus_ring_place (&ring, 8, 5, 8, &p);
  g_assert_cmpuint (p.skip, ==, 3);
  g_assert_cmpuint (p.silence, ==, 0);
  g_assert_cmpuint (p.count, ==, 5);
  g_assert_cmpuint (mixminus_ring_commit (&ring, 8, &p, in + p.skip), ==, 8);
  g_assert_cmpuint (ring.filled, ==, 13);
  assert_samples (&ring, 8, 13, 103.0f, TRUE);

  /* entirely late */
  mixminus_ring_place (&ring, 8, 0, 4, &p);
  g_assert_cmpuint (p.skip, ==, 4);
  g_assert_cmpuint (p.count, ==, 0);
  g_assert_false (p.blocked);
}

static void
test_gap_and_wrap (void)
{
  MixMinusRing ring;
  MixMinusPlacement p;
  float in[6];

  mixminus_ring_init (&ring, storage, CAP, 0);
  for (guint i = 0; i < CAP; i++)
    storage[i] = -1.0f;
  ring.filled = ring.real_from = 10;
  /* consumed = 8: the ring may hold offsets up to 24; this write at 14
   * leaves a gap of 4 samples and wraps around the storage end */
  fill_counting (in, 6, 1.0f);
  mixminus_ring_place (&ring, 8, 14, 6, &p);
  g_assert_cmpuint (p.silence, ==, 4);
  g_assert_cmpuint (p.count, ==, 6);
  mixminus_ring_commit (&ring, 8, &p, in);
  g_assert_cmpuint (ring.filled, ==, 20);
  assert_samples (&ring, 10, 14, 0.0f, FALSE);
  assert_samples (&ring, 14, 20, 1.0f, TRUE);
  g_assert_false (mixminus_ring_has_input (&ring, 10, 4));
  g_assert_true (mixminus_ring_has_input (&ring, 12, 4));
}

static void
test_blocked (void)
{
  MixMinusRing ring;
  MixMinusPlacement p;
  float in[CAP];

  mixminus_ring_init (&ring, storage, CAP, 0);
  fill_counting (in, CAP, 0.0f);
  /* 12 fit before the output frees anything: the rest must wait */
  ring.filled = ring.real_from = 4;
  mixminus_ring_place (&ring, 0, 4, CAP, &p);
  g_assert_cmpuint (p.count, ==, 12);
  g_assert_true (p.blocked);
  g_assert_cmpuint (mixminus_ring_commit (&ring, 0, &p, in), ==, 12);
  mixminus_ring_place (&ring, 0, 16, 4, &p);
  g_assert_cmpuint (p.count, ==, 0);
  g_assert_true (p.blocked);
  /* the output freed 8 samples */
  mixminus_ring_place (&ring, 8, 16, 4, &p);
  g_assert_cmpuint (p.count, ==, 4);
  g_assert_false (p.blocked);

  /* a gap larger than the free space is inserted in part, then waits */
  mixminus_ring_place (&ring, 8, 40, 2, &p);
  g_assert_true (p.blocked);
  g_assert_cmpuint (p.silence, ==, 24);
  g_assert_cmpuint (mixminus_ring_commit (&ring, 8, &p, in), ==, 0);
  g_assert_cmpuint (ring.filled, ==, 24);
}

static void
test_fill_silence (void)
{
  MixMinusRing ring;

  mixminus_ring_init (&ring, storage, CAP, 0);
  for (guint i = 0; i < CAP; i++)
    storage[i] = 5.0f;
  ring.filled = 3;
  mixminus_ring_fill_silence (&ring, 8);
  g_assert_cmpuint (ring.filled, ==, 8);
  assert_samples (&ring, 3, 8, 0.0f, FALSE);
  g_assert_cmpfloat (storage[2], ==, 5.0f);
  mixminus_ring_fill_silence (&ring, 4);        /* never moves back */
  g_assert_cmpuint (ring.filled, ==, 8);
  g_assert_false (mixminus_ring_has_input (&ring, 4, 4));

  mixminus_ring_reset (&ring, 32);
  g_assert_cmpuint (ring.filled, ==, 32);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mixminus-ring/contiguous", test_contiguous);
  g_test_add_func ("/mixminus-ring/late-and-overlap", test_late_and_overlap);
  g_test_add_func ("/mixminus-ring/gap-and-wrap", test_gap_and_wrap);
  g_test_add_func ("/mixminus-ring/blocked", test_blocked);
  g_test_add_func ("/mixminus-ring/fill-silence", test_fill_silence);
  return g_test_run ();
}
