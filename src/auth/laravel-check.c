/* roomcast: the Laravel auth set-up check; see laravel-check.h. */
#include "auth/laravel-check.h"

struct _RcLaravelCheck {
  GObject parent_instance;
  RcLaravelClient *laravel;
  GCancellable *cancellable;
  gboolean running;
  GArray *waiters;        /* Waiter, for the check running */
  const char *result;     /* static string; NULL before the first answer */
  char *message;          /* nullable */
  gint64 checked_at_us;   /* real time of the last answer */
  gint64 checked_mono_us; /* monotonic, for its age */
};

typedef struct {
  RcLaravelCheckDone done;
  gpointer data;
} Waiter;

G_DEFINE_FINAL_TYPE (RcLaravelCheck, rc_laravel_check, G_TYPE_OBJECT)

static void
set_answer (RcLaravelCheck *self, const char *result, char *message)
{
  self->result = result;
  g_free (self->message);
  self->message = message;
  self->checked_at_us = g_get_real_time ();
  self->checked_mono_us = g_get_monotonic_time ();
}

/* The verdict on Laravel's answer (@node) or its absence (@error). */
static void
judge (RcLaravelCheck *self, JsonNode *node, const GError *error)
{
  if (node) {
    set_answer (self, "token_accepted",
                g_strdup ("Laravel accepted a token that cannot be valid: the auth/validate "
                          "route is not behind auth:sanctum, so any token would log in"));
    return;
  }
  switch (error->domain == RC_LARAVEL_ERROR ? error->code : -1) {
  case RC_LARAVEL_ERROR_UNAUTHENTICATED:
    set_answer (self, "ok",
                g_strdup ("Laravel is reachable, accepts LARAVEL_INTERNAL_KEY and refuses an "
                          "invalid token (401)"));
    break;
  case RC_LARAVEL_ERROR_FORBIDDEN:
    set_answer (self, "invalid_internal_key",
                g_strdup ("Laravel refused our X-Internal-Key (403): LARAVEL_INTERNAL_KEY is "
                          "not the AUDIO_SERVER_INTERNAL_KEY of Laravel's .env"));
    break;
  case RC_LARAVEL_ERROR_TIMEOUT:
    set_answer (self, "timeout",
                g_strdup_printf ("Laravel did not answer in time (LARAVEL_CONNECT_TIMEOUT_MS, "
                                 "LARAVEL_TIMEOUT_MS): %s",
                                 error->message));
    break;
  case RC_LARAVEL_ERROR_UNREACHABLE:
    set_answer (self, "unreachable",
                g_strdup_printf ("Laravel is not reachable at LARAVEL_API_URL: %s",
                                 error->message));
    break;
  case RC_LARAVEL_ERROR_NOT_FOUND:
    set_answer (self, "unexpected",
                g_strdup_printf ("%s: no such route; is LARAVEL_API_URL the app's base URL, "
                                 "and "
                                 "POST api/v1/internal/auth/validate in its routes/api.php?",
                                 error->message));
    break;
  default:
    set_answer (self, "unexpected",
                g_strdup_printf ("%s, where a 401 was expected", error->message));
    break;
  }
}

/* @data is the check, unless the call was cancelled (the check is gone). */
static void
on_validated (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode)
    node = rc_laravel_client_validate_token_finish (RC_LARAVEL_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  RcLaravelCheck *self = data;
  judge (self, node, error);
  self->running = FALSE;
  if (g_str_equal (self->result, "ok"))
    g_info ("laravel check: %s", self->message);
  else
    g_warning ("laravel check: %s", self->message);
  g_autoptr (GArray) waiters = g_steal_pointer (&self->waiters);
  self->waiters = g_array_new (FALSE, FALSE, sizeof (Waiter));
  for (guint i = 0; i < waiters->len; i++) {
    Waiter *w = &g_array_index (waiters, Waiter, i);
    w->done (self, w->data);
  }
}

void
rc_laravel_check_start (RcLaravelCheck *self, RcLaravelCheckDone done, gpointer user_data)
{
  g_return_if_fail (RC_IS_LARAVEL_CHECK (self));
  if (done) {
    Waiter w = { done, user_data };
    g_array_append_val (self->waiters, w);
  }
  if (self->running)
    return;
  self->running = TRUE;
  /* User 0 does not exist, and the secret is fresh: no app can know it. */
  guint8 bytes[16];
  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) g_random_int_range (0, 256);
  g_autofree char *secret = g_compute_checksum_for_data (G_CHECKSUM_MD5, bytes, sizeof bytes);
  g_autofree char *token = g_strconcat ("0|roomcast-check-", secret, NULL);
  rc_laravel_client_validate_token_async (self->laravel, token, self->cancellable, on_validated,
                                          self);
}

const char *
rc_laravel_check_get_result (RcLaravelCheck *self)
{
  g_return_val_if_fail (RC_IS_LARAVEL_CHECK (self), NULL);
  return self->result;
}

const char *
rc_laravel_check_get_message (RcLaravelCheck *self)
{
  g_return_val_if_fail (RC_IS_LARAVEL_CHECK (self), NULL);
  return self->message;
}

static gboolean
health_contributor (JsonBuilder *b, gpointer data)
{
  RcLaravelCheck *self = data;
  gint64 age_us = g_get_monotonic_time () - self->checked_mono_us;
  gboolean ok = self->result && g_str_equal (self->result, "ok");
  if (!self->result || (!ok && age_us > RC_LARAVEL_CHECK_MAX_AGE_S * G_USEC_PER_SEC))
    rc_laravel_check_start (self, NULL, NULL);
  json_builder_set_member_name (b, "laravel_check");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "result");
  json_builder_add_string_value (b, self->result ? self->result : "checking");
  if (self->result) {
    g_autoptr (GDateTime)
      at = g_date_time_new_from_unix_utc (self->checked_at_us / G_USEC_PER_SEC);
    g_autofree char *iso = g_date_time_format_iso8601 (at);
    json_builder_set_member_name (b, "message");
    json_builder_add_string_value (b, self->message);
    json_builder_set_member_name (b, "checkedAt");
    json_builder_add_string_value (b, iso);
  }
  json_builder_end_object (b);
  return !self->result || ok;
}

void
rc_laravel_check_add_health (RcLaravelCheck *self, RcHealth *health)
{
  rc_health_add (health, health_contributor, self);
}

RcLaravelCheck *
rc_laravel_check_new (RcLaravelClient *laravel)
{
  g_return_val_if_fail (RC_IS_LARAVEL_CLIENT (laravel), NULL);
  RcLaravelCheck *self = g_object_new (RC_TYPE_LARAVEL_CHECK, NULL);
  self->laravel = g_object_ref (laravel);
  return self;
}

static void
rc_laravel_check_dispose (GObject *object)
{
  RcLaravelCheck *self = RC_LARAVEL_CHECK (object);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->laravel);
  G_OBJECT_CLASS (rc_laravel_check_parent_class)->dispose (object);
}

static void
rc_laravel_check_finalize (GObject *object)
{
  RcLaravelCheck *self = RC_LARAVEL_CHECK (object);
  g_object_unref (self->cancellable);
  g_array_unref (self->waiters);
  g_free (self->message);
  G_OBJECT_CLASS (rc_laravel_check_parent_class)->finalize (object);
}

static void
rc_laravel_check_class_init (RcLaravelCheckClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rc_laravel_check_dispose;
  G_OBJECT_CLASS (klass)->finalize = rc_laravel_check_finalize;
}

static void
rc_laravel_check_init (RcLaravelCheck *self)
{
  self->cancellable = g_cancellable_new ();
  self->waiters = g_array_new (FALSE, FALSE, sizeof (Waiter));
}
