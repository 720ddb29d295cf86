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

typedef struct {
  double own_hz;
  gboolean on[LOADGEN_MAX_TONES];
  GArray *onsets[LOADGEN_MAX_TONES]; /* GstClockTime ear */
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
    g_hash_table_insert (L.receivers, receiver, r);
  }
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

typedef struct {
  GArray *ms;
  guint64 expected, heard;
  guint receivers;
} Kind;

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
      for (guint k = 0; k < sent->len; k++) {
        GstClockTimeDiff d = GST_CLOCK_DIFF (g_array_index (sent, GstClockTime, k), e) - lag;
        if (ABS (d) < ABS (best))
          best = d;
      }
      if (ABS (best) <= MATCH_NS) {
        double ms = (lag + best) / 1e6;
        g_array_append_val (kind->ms, ms);
        kind->heard++;
      }
    }
  }
}

void
loadgen_latency_report (JsonBuilder *b, const char *label)
{
  Kind kinds[2] = { { g_array_new (FALSE, FALSE, sizeof (double)) },
                    { g_array_new (FALSE, FALSE, sizeof (double)) } };
  const char *names[2] = { "speaker", "listener" };
  GHashTableIter it;
  gpointer value;

  if (!L.enabled)
    return;
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

    g_array_sort (kind->ms, cmp_double);
    json_builder_set_member_name (b, names[k]);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "receivers");
    json_builder_add_int_value (b, kind->receivers);
    json_builder_set_member_name (b, "keys");
    json_builder_add_int_value (b, kind->ms->len);
    json_builder_set_member_name (b, "audible_pct");
    json_builder_add_double_value (b, isnan (audible) ? 0 : audible);
    json_builder_set_member_name (b, "p50_ms");
    json_builder_add_double_value (b, kind->ms->len ? pct (kind->ms, 50) : 0);
    json_builder_set_member_name (b, "p95_ms");
    json_builder_add_double_value (b, kind->ms->len ? pct (kind->ms, 95) : 0);
    json_builder_set_member_name (b, "max_ms");
    json_builder_add_double_value (b, kind->ms->len ? pct (kind->ms, 100) : 0);
    json_builder_end_object (b);
    if (kind->receivers)
      g_printerr ("roomcast-loadgen: %s latency, %s hearing speakers: p50 %.1f p95 %.1f max "
                  "%.1f ms over %u keys (%.1f %% of keys heard), %u receivers\n",
                  label, names[k], pct (kind->ms, 50), pct (kind->ms, 95), pct (kind->ms, 100),
                  kind->ms->len, audible, kind->receivers);
    g_array_unref (kind->ms);
  }
  json_builder_end_object (b);
}
