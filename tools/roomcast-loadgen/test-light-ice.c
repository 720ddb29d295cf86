/* roomcast-loadgen: the light listeners' ICE agent against libnice's full
 * NiceAgent on 127.0.0.1, in both roles: controlled (as against
 * webrtcbin, which the smoke test also covers) and controlling (as against
 * an ICE-lite server: the agent nominates with USE-CANDIDATE). Each side
 * then gets a datagram from the other over the selected pair, through
 * light-rx.c's receiver. */
#include <string.h>

#include <nice/agent.h>

#include "light-ice.h"
#include "light-rx.h"
#include "rc-test-util.h"

typedef struct {
  NiceAgent *nice;
  guint stream;
  gboolean gathered, nice_ready;
  char *nice_got; /* what the NiceAgent received */
  LightIce *ice;
  char *light_got; /* non-STUN datagram the light agent received */
} Pair;

static void
on_gathered (NiceAgent *agent, guint stream, gpointer data)
{
  ((Pair *) data)->gathered = TRUE;
}

static void
on_state (NiceAgent *agent, guint stream, guint component, guint state, gpointer data)
{
  if (state == NICE_COMPONENT_STATE_READY)
    ((Pair *) data)->nice_ready = TRUE;
}

static void
on_nice_recv (NiceAgent *agent, guint stream, guint component, guint len, gchar *buf,
              gpointer data)
{
  Pair *p = data;

  g_free (p->nice_got);
  p->nice_got = g_strndup (buf, len);
}

static void
on_datagram (guint8 *buf, gsize len, const struct sockaddr *from, socklen_t from_len,
             gint64 arrival_us, gpointer data)
{
  Pair *p = data;

  if (len > 0 && buf[0] <= 3) {
    light_ice_receive (p->ice, buf, len, from, from_len, arrival_us);
  } else {
    g_free (p->light_got);
    p->light_got = g_strndup ((const char *) buf, len);
  }
}

static void
on_tick (gint64 now_us, gpointer data)
{
  light_ice_tick (((Pair *) data)->ice, now_us);
}

static gboolean
gathered (gpointer data)
{
  return ((Pair *) data)->gathered;
}

static gboolean
both_connected (gpointer data)
{
  Pair *p = data;
  return p->nice_ready && light_ice_get_state (p->ice) == LIGHT_ICE_CONNECTED;
}

static gboolean
both_got (gpointer data)
{
  Pair *p = data;
  return g_strcmp0 (p->nice_got, "to nice") == 0 && g_strcmp0 (p->light_got, "to light") == 0;
}

static void
run_pair (gboolean light_controlling)
{
  Pair p = { 0 };
  NiceAddress addr;
  g_autofree char *ufrag = NULL, *pwd = NULL, *ours = NULL, *ours_sdp = NULL;
  GSList *locals, *remote = NULL;
  g_autoptr (GError) error = NULL;
  LightRxHandle *rx;
  NiceCandidate *c;

  p.nice = nice_agent_new (NULL, NICE_COMPATIBILITY_RFC5245);
  g_object_set (p.nice, "controlling-mode", !light_controlling, "ice-tcp", FALSE, "upnp", FALSE,
                NULL);
  g_assert_true (nice_address_set_from_string (&addr, "127.0.0.1"));
  g_assert_true (nice_agent_add_local_address (p.nice, &addr));
  p.stream = nice_agent_add_stream (p.nice, 1);
  g_signal_connect (p.nice, "candidate-gathering-done", G_CALLBACK (on_gathered), &p);
  g_signal_connect (p.nice, "component-state-changed", G_CALLBACK (on_state), &p);
  nice_agent_attach_recv (p.nice, p.stream, 1, NULL, on_nice_recv, &p);
  g_assert_true (nice_agent_gather_candidates (p.nice, p.stream));
  g_assert_true (rc_test_wait_until (5000, gathered, &p));
  g_assert_true (nice_agent_get_local_credentials (p.nice, p.stream, &ufrag, &pwd));

  p.ice = light_ice_new ("127.0.0.1", light_controlling, ufrag, pwd, &error);
  g_assert_no_error (error);
  rx = light_rx_add (light_ice_get_fd (p.ice), on_datagram, on_tick, &p, &error);
  g_assert_no_error (error);
  locals = nice_agent_get_local_candidates (p.nice, p.stream, 1);
  g_assert_nonnull (locals);
  for (GSList *l = locals; l; l = l->next) {
    g_autofree char *sdp = nice_agent_generate_local_candidate_sdp (p.nice, l->data);
    g_assert_true (g_str_has_prefix (sdp, "a="));
    light_ice_add_remote (p.ice, sdp + 2);
  }
  g_slist_free_full (locals, (GDestroyNotify) nice_candidate_free);

  ours = light_ice_get_candidate (p.ice);
  ours_sdp = g_strconcat ("a=", ours, NULL);
  c = nice_agent_parse_remote_candidate_sdp (p.nice, p.stream, ours_sdp);
  g_assert_nonnull (c);
  remote = g_slist_append (remote, c);
  g_assert_true (nice_agent_set_remote_credentials (p.nice, p.stream,
                                                    light_ice_get_ufrag (p.ice),
                                                    light_ice_get_pwd (p.ice)));
  g_assert_cmpint (nice_agent_set_remote_candidates (p.nice, p.stream, 1, remote), ==, 1);
  g_slist_free_full (remote, (GDestroyNotify) nice_candidate_free);

  g_assert_true (rc_test_wait_until (10000, both_connected, &p));
  g_assert_true (light_ice_send (p.ice, (const guint8 *) "to nice", 7));
  g_assert_cmpint (nice_agent_send (p.nice, p.stream, 1, 8, "to light"), ==, 8);
  g_assert_true (rc_test_wait_until (5000, both_got, &p));

  light_rx_remove (rx);
  light_ice_free (p.ice);
  g_object_unref (p.nice);
  g_free (p.nice_got);
  g_free (p.light_got);
}

static void
test_controlled (void)
{
  run_pair (FALSE);
}

static void
test_controlling (void)
{
  run_pair (TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/light-ice/controlled-by-nice", test_controlled);
  g_test_add_func ("/light-ice/controlling-nice", test_controlling);
  return g_test_run ();
}
