/* roomcast-loadgen: mouth-to-ear latency; see loadgen-latency.h. */
#include "loadgen-latency.h"

#include <math.h>
#include <string.h>

#include "loadgen.h"
#include "rc-test-media.h"

#define SLOT_NS (20 * GST_MSECOND)
#define BLOCK_SLOTS 16
#define ON_DB (-22.0)
#define OFF_DB (-30.0)
#define MAX_LAG_NS (1500 * GST_MSECOND)
#define BIN_NS (10 * GST_MSECOND)
#define MATCH_NS (40 * GST_MSECOND)
#define RATE 48000.0
/* Per-slot quality: 10 ms Goertzel windows every 5 ms (10 ms still tells
 * 1611 from 1689 Hz by ~12 dB); a slot is intact when every window inside it
 * carries the tone and their levels differ by at most INTACT_DB (no gap, no
 * dip; the level itself may differ from slot to slot as the mix changes). */
#define WIN 480
#define HOP 240
#define HOP_NS (5 * GST_MSECOND)
#define INTACT_DB 6.0
#define ALIGN_NS (60 * GST_MSECOND)
#define ALIGN_STEP_NS GST_MSECOND
#define FLOOR_DB (-60.0)
#define OFFS 50
#define EDGE_NS (10 * GST_SECOND)

typedef struct {
  GstClockTime t; /* ear of the window's first sample */
  float db[LOADGEN_MAX_TONES];
} Window;

typedef struct {
  double own_hz;
  gboolean on[LOADGEN_MAX_TONES];
  GArray *onsets[LOADGEN_MAX_TONES]; /* GstClockTime ear */
  GArray *windows;                   /* Window, ascending t */
  float tail[WIN];                   /* the samples not yet windowed */
  guint n_tail;
  guint64 pos;       /* samples received */
  gint64 offs[OFFS]; /* ear - pos of the last OFFS buffers */
  guint n_offs;
} Receiver;

static struct {
  gboolean enabled;
  GMutex lock;
  double tones[LOADGEN_MAX_TONES];
  guint n;
  gint open; /* atomic */
  gboolean only_heard;
  GstClockTime window_start, window_end;
  GArray *sent[LOADGEN_MAX_TONES];      /* GstClockTime mouth, ascending */
  guint64 last_slot[LOADGEN_MAX_TONES]; /* dedupe: several senders of one tone */
  GHashTable *receivers;                /* RcTestReceiver * -> Receiver * */
} L;

static guint64
mix64 (guint64 x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static gboolean
slot_on (double tone_hz, guint64 slot)
{
  guint64 h = mix64 ((slot / BLOCK_SLOTS) * 7919 + (guint64) tone_hz);
  guint64 start = h % 8, len = 3 + (h >> 8) % 3;
  guint64 off = slot % BLOCK_SLOTS;

  return off >= start && off < start + len;
}

static gint
tone_index (double hz)
{
  for (guint i = 0; i < L.n; i++)
    if (fabs (L.tones[i] - hz) < 0.5)
      return i;
  return -1;
}

static GstClockTime
clock_now (void)
{
  g_autoptr (GstClock) clock = gst_system_clock_obtain ();
  return gst_clock_get_time (clock);
}

static void
on_send (double tone_hz, GstClockTime mouth, float *samples, gsize n)
{
  guint64 slot = (mouth + SLOT_NS / 2) / SLOT_NS;
  gint t = tone_index (tone_hz);

  if (!slot_on (tone_hz, slot)) {
    memset (samples, 0, n * sizeof (float));
    return;
  }
  if (t < 0 || slot_on (tone_hz, slot - 1) || !g_atomic_int_get (&L.open))
    return;
  g_mutex_lock (&L.lock);
  if (L.last_slot[t] != slot) {
    L.last_slot[t] = slot;
    g_array_append_val (L.sent[t], mouth);
  }
  g_mutex_unlock (&L.lock);
}

static double
level_db (const float *x, gsize n, double hz)
{
  double w = 2 * G_PI * hz / RATE, c = 2 * cos (w), s1 = 0, s2 = 0, p;

  for (gsize i = 0; i < n; i++) {
    double s0 = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  p = s1 * s1 + s2 * s2 - c * s1 * s2;
  return 20 * log10 (MAX (2 * sqrt (MAX (p, 0)) / n, 1e-10));
}

/* Appends a Window per HOP samples of the receiver's stream while the
 * window is open. A window's time is its place in the stream (samples
 * received) plus the smallest (arrival - place) of the last OFFS buffers,
 * so that a buffer the scheduler delivered late does not move its windows
 * relative to the rest of a burst. */
static void
add_windows (Receiver *r, const float *samples, gsize n, GstClockTime ear)
{
  gint64 off = (gint64) ear - (gint64) gst_util_uint64_scale_int (r->pos, GST_SECOND, RATE);
  gsize used = 0;

  r->offs[r->n_offs++ % OFFS] = off;
  for (guint j = 0; j < MIN (r->n_offs, OFFS); j++)
    off = MIN (off, r->offs[j]);
  while (used < n) {
    gsize take = MIN (n - used, WIN - r->n_tail);

    memcpy (r->tail + r->n_tail, samples + used, take * sizeof (float));
    r->n_tail += take;
    used += take;
    if (r->n_tail < WIN)
      break;
    if (g_atomic_int_get (&L.open)) {
      Window w = { 0 };
      guint64 first = r->pos + used - WIN; /* the window's first sample in the stream */

      w.t = (GstClockTime) MAX (off +
                                  (gint64) gst_util_uint64_scale_int (first, GST_SECOND, RATE),
                                0);
      for (guint i = 0; i < L.n; i++)
        w.db[i] = (float) level_db (r->tail, WIN, L.tones[i]);
      g_array_append_val (r->windows, w);
    }
    memmove (r->tail, r->tail + HOP, (WIN - HOP) * sizeof (float));
    r->n_tail = WIN - HOP;
  }
  r->pos += n;
}

static void
on_receive (RcTestReceiver *receiver, double own_hz, const float *samples, gsize n,
            GstClockTime ear)
{
  Receiver *r;

  if (n < 240)
    return;
  g_mutex_lock (&L.lock);
  r = g_hash_table_lookup (L.receivers, receiver);
  if (r == NULL) {
    r = g_new0 (Receiver, 1);
    r->own_hz = own_hz;
    for (guint i = 0; i < L.n; i++)
      r->onsets[i] = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
    r->windows = g_array_new (FALSE, FALSE, sizeof (Window));
    g_hash_table_insert (L.receivers, receiver, r);
  }
  add_windows (r, samples, n, ear);
  for (guint i = 0; i < L.n; i++) {
    double db;

    if (fabs (L.tones[i] - own_hz) < 0.5)
      continue;
    db = level_db (samples, n, L.tones[i]);
    if (!r->on[i] && db > ON_DB) {
      r->on[i] = TRUE;
      if (g_atomic_int_get (&L.open))
        g_array_append_val (r->onsets[i], ear);
    } else if (r->on[i] && db < OFF_DB) {
      r->on[i] = FALSE;
    }
  }
  g_mutex_unlock (&L.lock);
}

static const RcTestMediaTaps taps = { .send = on_send, .receive = on_receive };

void
loadgen_latency_enable (const double *tones, guint n)
{
  L.enabled = TRUE;
  g_mutex_init (&L.lock);
  L.n = MIN (n, LOADGEN_MAX_TONES);
  memcpy (L.tones, tones, L.n * sizeof (double));
  for (guint i = 0; i < L.n; i++)
    L.sent[i] = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  L.receivers = g_hash_table_new (NULL, NULL);
  rc_test_media_set_taps (&taps);
}

void
loadgen_latency_only_heard (void)
{
  L.only_heard = TRUE;
}

gboolean
loadgen_latency_enabled (void)
{
  return L.enabled;
}

void
loadgen_latency_window (gboolean open)
{
  if (!L.enabled)
    return;
  g_mutex_lock (&L.lock);
  if (open)
    L.window_start = clock_now ();
  else
    L.window_end = clock_now ();
  g_atomic_int_set (&L.open, open);
  g_mutex_unlock (&L.lock);
}

/* The lag with the most (ear - mouth) pairs within MAX_LAG_NS. */
static GstClockTimeDiff
modal_lag (GArray *sent, GArray *got)
{
  guint bins[MAX_LAG_NS / BIN_NS] = { 0 }, best = 0;
  gsize lo = 0;

  for (guint j = 0; j < got->len; j++) {
    GstClockTime r = g_array_index (got, GstClockTime, j);
    while (lo < sent->len && g_array_index (sent, GstClockTime, lo) + MAX_LAG_NS < r)
      lo++;
    for (gsize k = lo; k < sent->len; k++) {
      GstClockTime s = g_array_index (sent, GstClockTime, k);
      if (s >= r)
        break;
      bins[(r - s) / BIN_NS]++;
    }
  }
  for (guint b = 1; b < G_N_ELEMENTS (bins); b++)
    if (bins[b] > bins[best])
      best = b;
  return best * BIN_NS + BIN_NS / 2;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
pct (GArray *v, double p)
{
  if (v->len == 0)
    return NAN;
  return g_array_index (v, double,
                        MIN (v->len - 1, (guint) ceil (p / 100.0 * v->len) - (p > 0)));
}

/* "name": percentile @p of the sorted @v, 0 when @v is empty (JSON has
 * no NaN). */
static void
add_percentile (JsonBuilder *b, const char *name, GArray *v, double p)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, v->len ? pct (v, p) : 0);
}

typedef struct {
  GArray *ms, *first, *last; /* all keys; those sent in the first / last EDGE_NS */
  guint64 expected, heard;
  guint64 slots, audible, intact;
  guint receivers;
} Kind;

static guint
first_window (GArray *windows, GstClockTime t)
{
  guint lo = 0, hi = windows->len;

  while (lo < hi) {
    guint mid = (lo + hi) / 2;
    if (g_array_index (windows, Window, mid).t < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The sum of tone @i's levels above FLOOR_DB over the windows starting in
 * [a, b) and, when @inside, ending by b. */
static double
sum_db (GArray *windows, guint i, GstClockTime a, GstClockTime b, gboolean inside)
{
  double sum = 0;

  for (guint j = first_window (windows, a); j < windows->len; j++) {
    const Window *w = &g_array_index (windows, Window, j);
    if (w->t >= b || (inside && w->t + WIN * GST_SECOND / (guint64) RATE > b))
      break;
    sum += MAX (w->db[i] - FLOOR_DB, 0);
  }
  return sum;
}

/* Each sent burst of tone @i, found at the receiver near @lag (the offset
 * within ±ALIGN_NS that best fits the burst's span: the loudest windows
 * inside, the quietest in the slot before and after), then judged slot by slot: audible
 * when at least half of the slot's windows carry the tone, intact when all
 * do, within INTACT_DB of each other. */
static void
judge_slots (Kind *kind, Receiver *r, guint i, GstClockTimeDiff lag)
{
  GArray *sent = L.sent[i];
  const GstClockTime pad = HOP_NS / 2;

  for (guint k = 0; k < sent->len; k++) {
    GstClockTime m = g_array_index (sent, GstClockTime, k);
    guint64 s0 = (m + SLOT_NS / 2) / SLOT_NS, len = 0;
    GstClockTimeDiff best_d = 0;
    double best = -G_MAXDOUBLE;

    while (len < BLOCK_SLOTS && slot_on (L.tones[i], s0 + len))
      len++;
    if ((GstClockTimeDiff) m + lag < ALIGN_NS + SLOT_NS ||
        m + lag + len * SLOT_NS + ALIGN_NS + SLOT_NS >= L.window_end)
      continue;
    for (gint step = 0; step <= 2 * (gint) (ALIGN_NS / ALIGN_STEP_NS); step++) {
      GstClockTimeDiff d = (step % 2 ? 1 : -1) * (GstClockTimeDiff) ((step + 1) / 2) *
                           ALIGN_STEP_NS;
      GstClockTime a = m + lag + d, b = a + len * SLOT_NS;
      double score = sum_db (r->windows, i, a - pad, b + pad, TRUE) -
                     sum_db (r->windows, i, a - SLOT_NS, a - WIN * GST_SECOND / (guint64) RATE,
                             FALSE) -
                     sum_db (r->windows, i, b, b + SLOT_NS, FALSE);
      if (score > best) {
        best = score;
        best_d = d;
      }
    }
    for (guint64 q = 0; q < len; q++) {
      GstClockTime a = m + lag + best_d + q * SLOT_NS, b = a + SLOT_NS + pad;
      guint n = 0, on = 0;
      float lo = G_MAXFLOAT, hi = -G_MAXFLOAT;

      for (guint j = first_window (r->windows, a - pad); j < r->windows->len; j++) {
        const Window *w = &g_array_index (r->windows, Window, j);
        if (w->t + WIN * GST_SECOND / (guint64) RATE > b)
          break;
        n++;
        on += w->db[i] > ON_DB;
        lo = MIN (lo, w->db[i]);
        hi = MAX (hi, w->db[i]);
      }
      kind->slots++;
      kind->audible += n > 0 && 2 * on >= n;
      kind->intact += n > 0 && on == n && hi - lo <= INTACT_DB;
    }
  }
}

static void
collect (Kind *kind, Receiver *r)
{
  kind->receivers++;
  for (guint i = 0; i < L.n; i++) {
    GArray *sent = L.sent[i], *got = r->onsets[i];
    GstClockTimeDiff lag;

    if (fabs (L.tones[i] - r->own_hz) < 0.5 || sent->len == 0 ||
        (L.only_heard && got->len == 0))
      continue;
    lag = modal_lag (sent, got);
    /* keys whose onset could have arrived within the window */
    for (guint k = 0; k < sent->len; k++)
      kind->expected += g_array_index (sent, GstClockTime, k) + lag + MATCH_NS < L.window_end;
    for (guint j = 0; j < got->len; j++) {
      GstClockTime e = g_array_index (got, GstClockTime, j);
      GstClockTimeDiff best = G_MAXINT64;
      GstClockTime mouth = 0;
      for (guint k = 0; k < sent->len; k++) {
        GstClockTimeDiff d = GST_CLOCK_DIFF (g_array_index (sent, GstClockTime, k), e) - lag;
        if (ABS (d) < ABS (best)) {
          best = d;
          mouth = g_array_index (sent, GstClockTime, k);
        }
      }
      if (ABS (best) <= MATCH_NS) {
        double ms = (lag + best) / 1e6;
        g_array_append_val (kind->ms, ms);
        if (mouth < L.window_start + EDGE_NS)
          g_array_append_val (kind->first, ms);
        if (mouth + EDGE_NS >= L.window_end)
          g_array_append_val (kind->last, ms);
        kind->heard++;
      }
    }
    judge_slots (kind, r, i, lag);
  }
}

void
loadgen_latency_report (JsonBuilder *b, const char *label)
{
  Kind kinds[2] = { { 0 } };
  const char *names[2] = { "speaker", "listener" };
  GHashTableIter it;
  gpointer value;

  if (!L.enabled)
    return;
  for (guint k = 0; k < 2; k++) {
    kinds[k].ms = g_array_new (FALSE, FALSE, sizeof (double));
    kinds[k].first = g_array_new (FALSE, FALSE, sizeof (double));
    kinds[k].last = g_array_new (FALSE, FALSE, sizeof (double));
  }
  g_mutex_lock (&L.lock);
  g_atomic_int_set (&L.open, FALSE);
  if (L.window_end == 0)
    L.window_end = clock_now ();
  g_hash_table_iter_init (&it, L.receivers);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Receiver *r = value;
    collect (&kinds[r->own_hz > 0 ? 0 : 1], r);
  }
  g_mutex_unlock (&L.lock);

  json_builder_set_member_name (b, "latency");
  json_builder_begin_object (b);
  for (guint k = 0; k < 2; k++) {
    Kind *kind = &kinds[k];
    double audible = kind->expected ? 100.0 * MIN (kind->heard, kind->expected) / kind->expected
                                    : NAN;

    double audible_slots = kind->slots ? 100.0 * kind->audible / kind->slots : 0;
    double intact_slots = kind->slots ? 100.0 * kind->intact / kind->slots : 0;

    g_array_sort (kind->ms, cmp_double);
    g_array_sort (kind->first, cmp_double);
    g_array_sort (kind->last, cmp_double);
    json_builder_set_member_name (b, names[k]);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "receivers");
    json_builder_add_int_value (b, kind->receivers);
    json_builder_set_member_name (b, "keys");
    json_builder_add_int_value (b, kind->ms->len);
    json_builder_set_member_name (b, "audible_pct");
    json_builder_add_double_value (b, isnan (audible) ? 0 : audible);
    add_percentile (b, "p50_ms", kind->ms, 50);
    add_percentile (b, "p95_ms", kind->ms, 95);
    add_percentile (b, "max_ms", kind->ms, 100);
    json_builder_set_member_name (b, "slots");
    json_builder_add_int_value (b, kind->slots);
    json_builder_set_member_name (b, "audible_slots_pct");
    json_builder_add_double_value (b, audible_slots);
    json_builder_set_member_name (b, "intact_slots_pct");
    json_builder_add_double_value (b, intact_slots);
    add_percentile (b, "first_p50_ms", kind->first, 50);
    add_percentile (b, "first_p95_ms", kind->first, 95);
    add_percentile (b, "last_p50_ms", kind->last, 50);
    add_percentile (b, "last_p95_ms", kind->last, 95);
    json_builder_end_object (b);
    if (kind->receivers)
      g_printerr ("roomcast-loadgen: %s, %s: %.1f %% of %" G_GUINT64_FORMAT " tone slots "
                  "audible, %.1f %% intact; p50 / p95 %.1f / %.1f ms in the first %u s, "
                  "%.1f / %.1f ms in the last\n",
                  label, names[k], audible_slots, kind->slots, intact_slots,
                  pct (kind->first, 50), pct (kind->first, 95), (guint) (EDGE_NS / GST_SECOND),
                  pct (kind->last, 50), pct (kind->last, 95));
    if (kind->receivers)
      g_printerr ("roomcast-loadgen: %s latency, %s hearing speakers: p50 %.1f p95 %.1f max "
                  "%.1f ms over %u keys (%.1f %% of keys heard), %u receivers\n",
                  label, names[k], pct (kind->ms, 50), pct (kind->ms, 95), pct (kind->ms, 100),
                  kind->ms->len, audible, kind->receivers);
    g_array_unref (kind->ms);
    g_array_unref (kind->first);
    g_array_unref (kind->last);
  }
  json_builder_end_object (b);
}
