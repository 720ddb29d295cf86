/* roomcast tests: icelitesink behind a line protocol on stdin/stdout, for
 * the Chromium interoperability test (chromium-icelite.test.mjs)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two live Opus streams (sink_0: 440 Hz, sink_1: 880 Hz) into one
 * icelitesink on 127.0.0.1. Commands, one per line:
 *   offer ID PT         -> "offer ID <base64 SDP>"
 *   answer ID <base64>  -> "answer ID ok|refused"
 *   switch ID N         -> "switch ID ok|refused" (to sink_N)
 *   stats ID            -> "stats ID <GstStructure>"
 * and, from the element's network thread, "state ID STATE REASON".
 * The SDP is written the way the brief of the room pipeline says.
 */
#include <stdio.h>
#include <string.h>

#include <gst/gst.h>

static GstElement *sink;
static GMutex out_lock;

static void
say (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *fmt, ...)
{
  va_list args;

  g_mutex_lock (&out_lock);
  va_start (args, fmt);
  vprintf (fmt, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
  g_mutex_unlock (&out_lock);
}

static void
on_peer_state (GstElement * element, const char *peer, const char *state,
    const char *reason, gpointer user_data)
{
  say ("state %s %s %s", peer, state, *reason ? reason : "-");
}

static char *
random_ice (guint n)
{
  static const char chars[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
  char *s = g_malloc (n + 1);
  for (guint i = 0; i < n; i++)
    s[i] = chars[g_random_int_range (0, 64)];
  s[n] = '\0';
  return s;
}

static void
do_offer (const char *id, guint pt)
{
  g_autofree char *ufrag = random_ice (8), *pwd = random_ice (24);
  g_autofree char *fingerprint = NULL, *address = NULL, *sdp = NULL,
      *b64 = NULL;
  GstPad *pad = gst_element_get_static_pad (sink, "sink_0");
  guint port = 0, ssrc = g_random_int ();
  gboolean ok = FALSE;

  g_object_get (sink, "port", &port, "certificate-fingerprint", &fingerprint,
      "announced-address", &address, NULL);
  g_signal_emit_by_name (sink, "add-peer", id, ufrag, pwd, pt, ssrc, pad,
      &ok);
  gst_object_unref (pad);
  if (!ok) {
    say ("offer %s refused", id);
    return;
  }
  sdp = g_strdup_printf ("v=0\r\n"
      "o=- %u 2 IN IP4 %s\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=ice-lite\r\n"
      "a=group:BUNDLE 0\r\n"
      "a=msid-semantic: WMS roomcast\r\n"
      "m=audio %u UDP/TLS/RTP/SAVPF %u\r\n"
      "c=IN IP4 %s\r\n"
      "a=ice-ufrag:%s\r\n"
      "a=ice-pwd:%s\r\n"
      "a=fingerprint:%s\r\n"
      "a=setup:actpass\r\n"
      "a=mid:0\r\n"
      "a=sendonly\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:%u opus/48000/2\r\n"
      "a=fmtp:%u minptime=10;useinbandfec=1\r\n"
      "a=ssrc:%u cname:roomcast\r\n"
      "a=ssrc:%u msid:roomcast room\r\n"
      "a=candidate:1 1 udp 2130706431 %s %u typ host\r\n"
      "a=end-of-candidates\r\n",
      g_random_int () & 0x7fffffff, address, port, pt, address, ufrag, pwd,
      fingerprint, pt, pt, ssrc, ssrc, address, port);
  b64 = g_base64_encode ((const guchar *) sdp, strlen (sdp));
  say ("offer %s %s", id, b64);
}

/* The value of the first "a=<name>:" line. */
static char *
sdp_attribute (const char *sdp, const char *name)
{
  g_autofree char *key = g_strdup_printf ("a=%s:", name);
  const char *p = strstr (sdp, key);
  if (p == NULL)
    return NULL;
  p += strlen (key);
  return g_strndup (p, strcspn (p, "\r\n"));
}

static void
do_answer (const char *id, const char *b64)
{
  gsize len;
  g_autofree guchar *raw = g_base64_decode (b64, &len);
  g_autofree char *sdp = g_strndup ((const char *) raw, len);
  g_autofree char *ufrag = sdp_attribute (sdp, "ice-ufrag");
  g_autofree char *pwd = sdp_attribute (sdp, "ice-pwd");
  g_autofree char *fingerprint = sdp_attribute (sdp, "fingerprint");
  g_autofree char *setup = sdp_attribute (sdp, "setup");
  gboolean ok = FALSE;

  if (g_strcmp0 (setup, "active") == 0)
    g_signal_emit_by_name (sink, "set-peer-remote", id, ufrag, pwd,
        fingerprint, &ok);
  say ("answer %s %s", id, ok ? "ok" : "refused");
}

static void
do_switch (const char *id, const char *n)
{
  g_autofree char *name = g_strdup_printf ("sink_%s", n);
  GstPad *pad = gst_element_get_static_pad (sink, name);
  gboolean ok = FALSE;

  if (pad != NULL) {
    g_signal_emit_by_name (sink, "set-peer-source", id, pad, &ok);
    gst_object_unref (pad);
  }
  say ("switch %s %s", id, ok ? "ok" : "refused");
}

static gboolean
on_stdin (GIOChannel * channel, GIOCondition cond, gpointer loop)
{
  g_autofree char *line = NULL;
  g_auto (GStrv) words = NULL;

  if (g_io_channel_read_line (channel, &line, NULL, NULL, NULL) !=
      G_IO_STATUS_NORMAL) {
    g_main_loop_quit (loop);
    return G_SOURCE_REMOVE;
  }
  g_strstrip (line);
  words = g_strsplit (line, " ", 3);
  if (g_strv_length (words) == 3 && strcmp (words[0], "offer") == 0)
    do_offer (words[1], (guint) atoi (words[2]));
  else if (g_strv_length (words) == 3 && strcmp (words[0], "answer") == 0)
    do_answer (words[1], words[2]);
  else if (g_strv_length (words) == 3 && strcmp (words[0], "switch") == 0)
    do_switch (words[1], words[2]);
  else if (g_strv_length (words) == 2 && strcmp (words[0], "stats") == 0) {
    GstStructure *s = NULL;
    g_autofree char *text = NULL;
    g_signal_emit_by_name (sink, "get-peer-stats", words[1], &s);
    text = s ? gst_structure_to_string (s) : g_strdup ("none");
    say ("stats %s %s", words[1], text);
    if (s)
      gst_structure_free (s);
  }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  GstElement *pipeline;
  GIOChannel *in;

  gst_init (&argc, &argv);
  pipeline = gst_parse_launch ("icelitesink name=s bind-address=127.0.0.1 "
      "audiotestsrc is-live=true freq=440 volume=0.5 ! opusenc ! "
      "rtpopuspay ! s.sink_0 "
      "audiotestsrc is-live=true freq=880 volume=0.5 ! opusenc ! "
      "rtpopuspay ! s.sink_1", &error);
  if (pipeline == NULL)
    g_error ("%s", error->message);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  g_signal_connect (sink, "peer-state-changed", G_CALLBACK (on_peer_state),
      NULL);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    g_error ("the pipeline does not start");
  loop = g_main_loop_new (NULL, FALSE);
  in = g_io_channel_unix_new (0);
  g_io_add_watch (in, G_IO_IN | G_IO_HUP, on_stdin, loop);
  say ("ready");
  g_main_loop_run (loop);
  g_io_channel_unref (in);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return 0;
}
