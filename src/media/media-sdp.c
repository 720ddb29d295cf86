/* roomcast: media signalling payloads; see media-sdp.h.
 *
 * gst_sdp_message_parse_buffer() accepts nearly anything (unknown lines are
 * skipped, a missing "v=" is fine), and libnice parses candidates loosely, so
 * the shape of what a client sends is checked here first: line by line for
 * the SDP, token by token for candidates. Only then is the parsed answer
 * compared with the offer it answers.
 */
#include "media/media-sdp.h"
#include "media/dtls-fingerprint.h"

#include <string.h>

#include <gio/gio.h>

GQuark
rc_media_sdp_error_quark (void)
{
  return g_quark_from_static_string ("rc-media-sdp-error-quark");
}

#define ICE_UFRAG_MIN 4
#define ICE_PWD_MIN 22
#define ICE_CRED_MAX 256

static gboolean G_GNUC_PRINTF (2, 3) fail (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (RC_MEDIA_SDP_ERROR, RC_MEDIA_SDP_ERROR_INVALID,
                                                format, args));
  va_end (args);
  return FALSE;
}

/* Sets @error and returns NULL from the calling function. */
#define FAIL_NULL(...) \
  do { \
    fail (__VA_ARGS__); \
    return NULL; \
  } while (0)

/* --- SDP text ---------------------------------------------------------- */

/* RFC 8866 allows any byte but NUL, CR and LF in values; we also refuse the
 * other control characters (except tab): no browser sends them and they only
 * ever appear in garbage or injection attempts. */
static gboolean
check_sdp_lines (const char *text, gsize len, GError **error)
{
  gsize pos = 0;
  guint line_no = 0;

  if (!g_utf8_validate_len (text, len, NULL))
    return fail (error, "sdp: not valid UTF-8");
  while (pos < len) {
    const char *line = text + pos;
    const char *nl = memchr (line, '\n', len - pos);
    gsize line_len = nl ? (gsize) (nl - line) : len - pos;

    line_no++;
    pos += line_len + (nl ? 1 : 0);
    if (line_len > 0 && line[line_len - 1] == '\r')
      line_len--;
    if (line_len == 0)
      return fail (error, "sdp: line %u is empty", line_no);
    if (line_len < 2 || line[0] < 'a' || line[0] > 'z' || line[1] != '=')
      return fail (error, "sdp: line %u is not of the form x=value", line_no);
    if (line_no == 1 && !(line_len == 3 && memcmp (line, "v=0", 3) == 0))
      return fail (error, "sdp: the first line must be v=0");
    for (gsize i = 2; i < line_len; i++) {
      guchar c = (guchar) line[i];
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        return fail (error, "sdp: line %u holds a control character", line_no);
    }
  }
  return TRUE;
}

/* Media-level value of @key, else the session-level one. */
static const char *
get_attr (const GstSDPMessage *msg, const GstSDPMedia *media, const char *key)
{
  const char *v = gst_sdp_media_get_attribute_val (media, key);
  return v ? v : gst_sdp_message_get_attribute_val (msg, key);
}

static gboolean
has_attr (const GstSDPMessage *msg, const GstSDPMedia *media, const char *key)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    if (g_strcmp0 (gst_sdp_media_get_attribute (media, i)->key, key) == 0)
      return TRUE;
  for (guint i = 0; i < gst_sdp_message_attributes_len (msg); i++)
    if (g_strcmp0 (gst_sdp_message_get_attribute (msg, i)->key, key) == 0)
      return TRUE;
  return FALSE;
}

gint
rc_media_sdp_find_opus_pt (const GstSDPMedia *media)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, i);
    char *end = NULL;
    guint64 pt;

    if (g_strcmp0 (a->key, "rtpmap") != 0 || a->value == NULL)
      continue;
    pt = g_ascii_strtoull (a->value, &end, 10);
    if (end == a->value || *end != ' ' || pt > 127)
      continue;
    if (g_ascii_strcasecmp (end + 1, "opus/48000/2") != 0)
      continue;
    for (guint f = 0; f < gst_sdp_media_formats_len (media); f++) {
      const char *fmt = gst_sdp_media_get_format (media, f);
      if (fmt && g_ascii_strtoull (fmt, NULL, 10) == pt && g_ascii_isdigit (fmt[0]))
        return (gint) pt;
    }
  }
  return -1;
}

static gboolean
is_ice_chars (const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '+' && *s != '/')
      return FALSE;
  return TRUE;
}

static gboolean
check_ice_credentials (const GstSDPMessage *msg, const GstSDPMedia *media, GError **error)
{
  const char *ufrag = get_attr (msg, media, "ice-ufrag");
  const char *pwd = get_attr (msg, media, "ice-pwd");

  if (ufrag == NULL || pwd == NULL)
    return fail (error, "sdp: a=ice-ufrag and a=ice-pwd are required");
  if (strlen (ufrag) < ICE_UFRAG_MIN || strlen (ufrag) > ICE_CRED_MAX || !is_ice_chars (ufrag))
    return fail (error, "sdp: a=ice-ufrag must be %d-%d ICE characters", ICE_UFRAG_MIN,
                 ICE_CRED_MAX);
  if (strlen (pwd) < ICE_PWD_MIN || strlen (pwd) > ICE_CRED_MAX || !is_ice_chars (pwd))
    return fail (error, "sdp: a=ice-pwd must be %d-%d ICE characters", ICE_PWD_MIN,
                 ICE_CRED_MAX);
  return TRUE;
}

/* a=fingerprint:<hash> XX:XX:... (every one, of a hash function the peer's
 * certificate can be checked with: dtls-fingerprint.h) and
 * a=setup:active|passive. */
static gboolean
check_dtls (const GstSDPMessage *msg, const GstSDPMedia *media, GError **error)
{
  g_auto (GStrv) fingerprints = rc_dtls_fingerprints_of (msg, 0);
  const char *setup = get_attr (msg, media, "setup");

  if (fingerprints[0] == NULL)
    return fail (error, "sdp: a DTLS a=fingerprint is required");
  for (guint i = 0; fingerprints[i]; i++)
    if (!rc_dtls_fingerprint_check (fingerprints[i], error))
      return FALSE;
  if (g_strcmp0 (setup, "active") != 0 && g_strcmp0 (setup, "passive") != 0)
    return fail (error, "sdp: an answer needs a=setup:active or a=setup:passive");
  return TRUE;
}

/* The direction of @media: its own attribute, else the session's, else
 * sendrecv (RFC 3264). */
static const char *
direction_of (const GstSDPMessage *msg, const GstSDPMedia *media)
{
  static const char *const all[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (gst_sdp_media_get_attribute_val (media, all[i]))
      return all[i];
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (gst_sdp_message_get_attribute_val (msg, all[i]))
      return all[i];
  return "sendrecv";
}

/* The answerer's direction: it must receive what we send and send what we
 * receive. To a sendrecv offer: sendrecv or recvonly (a listener); to a
 * recvonly offer (a send transport): sendonly or sendrecv; to a sendonly
 * offer (a receive transport): recvonly or sendrecv. */
static gboolean
check_direction (const GstSDPMessage *answer, const GstSDPMedia *media,
                 const GstSDPMessage *offer, const GstSDPMedia *offered, GError **error)
{
  const char *ours = direction_of (offer, offered);
  const char *theirs = direction_of (answer, media);
  gboolean ok;

  if (g_str_equal (ours, "recvonly"))
    ok = g_str_equal (theirs, "sendonly") || g_str_equal (theirs, "sendrecv");
  else if (g_str_equal (ours, "sendonly"))
    ok = g_str_equal (theirs, "recvonly") || g_str_equal (theirs, "sendrecv");
  else
    ok = g_str_equal (theirs, "sendrecv") || g_str_equal (theirs, "recvonly");
  if (!ok)
    return fail (error, "sdp: the answer is %s; to a %s offer it must be %s", theirs, ours,
                 g_str_equal (ours, "recvonly")   ? "sendonly or sendrecv"
                 : g_str_equal (ours, "sendonly") ? "recvonly or sendrecv"
                                                  : "sendrecv or recvonly");
  return TRUE;
}

/* The mids of a=group:BUNDLE, or NULL when there is no such group. */
static char **
bundle_mids (const GstSDPMessage *msg)
{
  for (guint i = 0; i < gst_sdp_message_attributes_len (msg); i++) {
    const GstSDPAttribute *a = gst_sdp_message_get_attribute (msg, i);
    if (g_strcmp0 (a->key, "group") != 0 || a->value == NULL ||
        !g_str_has_prefix (a->value, "BUNDLE"))
      continue;
    if (a->value[6] == '\0')
      return g_new0 (char *, 1);
    if (a->value[6] == ' ')
      return g_strsplit (a->value + 7, " ", -1);
  }
  return NULL;
}

static gboolean
check_bundle (const GstSDPMessage *answer, const GstSDPMessage *offer, const char *mid,
              GError **error)
{
  g_auto (GStrv) offered = bundle_mids (offer);
  g_auto (GStrv) answered = bundle_mids (answer);

  if (offered == NULL && answered == NULL)
    return TRUE;
  if (offered == NULL)
    return fail (error, "sdp: a=group:BUNDLE in the answer but not in the offer");
  if (answered == NULL)
    return fail (error, "sdp: the answer must keep a=group:BUNDLE %s", mid);
  if (g_strv_length (answered) != 1 || g_strcmp0 (answered[0], mid) != 0)
    return fail (error, "sdp: a=group:BUNDLE must name exactly the mid \"%s\"", mid);
  return TRUE;
}

static gboolean
check_media (const GstSDPMessage *answer, const GstSDPMessage *offer, GError **error)
{
  const GstSDPMedia *media = gst_sdp_message_get_media (answer, 0);
  const GstSDPMedia *offered = gst_sdp_message_get_media (offer, 0);
  const char *mid = offered ? gst_sdp_media_get_attribute_val (offered, "mid") : NULL;
  gint offer_pt = offered ? rc_media_sdp_find_opus_pt (offered) : -1;

  if (offered == NULL || mid == NULL || offer_pt < 0)
    return fail (error, "sdp: the offer has no Opus m-line with a mid");
  if (g_strcmp0 (gst_sdp_media_get_media (media), "audio") != 0)
    return fail (error, "sdp: the m-line must be audio");
  if (gst_sdp_media_get_port (media) == 0)
    return fail (error, "sdp: the audio m-line is rejected (port 0)");
  if (g_strcmp0 (gst_sdp_media_get_proto (media), "UDP/TLS/RTP/SAVPF") != 0)
    return fail (error, "sdp: the m-line protocol must be UDP/TLS/RTP/SAVPF");
  if (rc_media_sdp_find_opus_pt (media) != offer_pt)
    return fail (error, "sdp: the answer must accept Opus (opus/48000/2) as payload type %d",
                 offer_pt);
  if (g_strcmp0 (gst_sdp_media_get_attribute_val (media, "mid"), mid) != 0)
    return fail (error, "sdp: the m-line must keep the offer's mid \"%s\"", mid);
  if (!check_bundle (answer, offer, mid, error))
    return FALSE;
  if (!has_attr (answer, media, "rtcp-mux"))
    return fail (error, "sdp: a=rtcp-mux is required");
  return check_ice_credentials (answer, media, error) && check_dtls (answer, media, error) &&
         check_direction (answer, media, offer, offered, error);
}

GstSDPMessage *
rc_media_sdp_parse_answer (const char *text, gsize len, const GstSDPMessage *offer,
                           GError **error)
{
  g_autoptr (GstSDPMessage) msg = NULL;
  const GstSDPOrigin *origin;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (offer != NULL, NULL);

  if (len == 0)
    FAIL_NULL (error, "sdp: empty");
  if (len > RC_MEDIA_SDP_MAX_LEN)
    FAIL_NULL (error, "sdp: larger than %d bytes", RC_MEDIA_SDP_MAX_LEN);
  if (memchr (text, '\0', len) != NULL)
    FAIL_NULL (error, "sdp: holds a NUL byte");
  if (!check_sdp_lines (text, len, error))
    return NULL;
  if (gst_sdp_message_new (&msg) != GST_SDP_OK ||
      gst_sdp_message_parse_buffer ((const guint8 *) text, (guint) len, msg) != GST_SDP_OK)
    FAIL_NULL (error, "sdp: cannot be parsed");
  origin = gst_sdp_message_get_origin (msg);
  if (origin == NULL || origin->sess_id == NULL)
    FAIL_NULL (error, "sdp: an o= (origin) line is required");
  if (gst_sdp_message_medias_len (msg) != 1)
    FAIL_NULL (error, "sdp: exactly one m-line is required, found %u",
               gst_sdp_message_medias_len (msg));
  if (!check_media (msg, offer, error))
    return NULL;
  return g_steal_pointer (&msg);
}

/* --- ICE candidates ---------------------------------------------------- */

void
rc_media_candidate_clear (RcMediaCandidate *c)
{
  g_clear_pointer (&c->foundation, g_free);
  g_clear_pointer (&c->transport, g_free);
  g_clear_pointer (&c->address, g_free);
  g_clear_pointer (&c->type, g_free);
}

static gboolean
parse_decimal (const char *s, guint max_digits, guint64 max, guint64 *out)
{
  gsize n = strlen (s);

  if (n == 0 || n > max_digits)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  *out = g_ascii_strtoull (s, NULL, 10);
  return *out <= max;
}

/* A DNS name as used by mDNS candidates: letters, digits, '-', '.'. */
static gboolean
is_hostname (const char *s)
{
  gsize n = strlen (s);

  if (n == 0 || n > 253)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '-' && s[i] != '.')
      return FALSE;
  return TRUE;
}

gboolean
rc_media_candidate_parse (const char *line, RcMediaCandidate *out, GError **error)
{
  static const char *const types[] = { "host", "srflx", "prflx", "relay" };
  g_auto (GStrv) tok = NULL;
  guint n_tok;
  guint64 component, priority, port;
  gboolean known_type = FALSE;

  g_return_val_if_fail (line != NULL && out != NULL, FALSE);
  memset (out, 0, sizeof *out);

  if (strlen (line) > RC_MEDIA_CANDIDATE_MAX_LEN)
    return fail (error, "candidate: longer than %d bytes", RC_MEDIA_CANDIDATE_MAX_LEN);
  if (!g_str_has_prefix (line, "candidate:"))
    return fail (error, "candidate: must start with \"candidate:\"");
  for (const char *p = line; *p; p++)
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
      return fail (error, "candidate: only printable ASCII is allowed");
  tok = g_strsplit (line + strlen ("candidate:"), " ", -1);
  n_tok = g_strv_length (tok);
  for (guint i = 0; i < n_tok; i++)
    if (tok[i][0] == '\0')
      return fail (error, "candidate: empty field (double or trailing space)");
  if (n_tok < 8 || g_strcmp0 (tok[6], "typ") != 0)
    return fail (error, "candidate: expected \"<foundation> <component> <transport> "
                        "<priority> <address> <port> typ <type>\"");
  if ((n_tok - 8) % 2 != 0)
    return fail (error, "candidate: extensions must be name/value pairs");
  if (strlen (tok[0]) > 32 || !is_ice_chars (tok[0]))
    return fail (error, "candidate: bad foundation");
  if (!parse_decimal (tok[1], 3, 256, &component) || component == 0)
    return fail (error, "candidate: bad component id");
  if (g_ascii_strcasecmp (tok[2], "udp") != 0 && g_ascii_strcasecmp (tok[2], "tcp") != 0)
    return fail (error, "candidate: transport must be udp or tcp");
  if (!parse_decimal (tok[3], 10, G_MAXUINT32, &priority))
    return fail (error, "candidate: bad priority");
  if (!g_hostname_is_ip_address (tok[4]) && !is_hostname (tok[4]))
    return fail (error, "candidate: bad connection address");
  if (!parse_decimal (tok[5], 5, 65535, &port))
    return fail (error, "candidate: bad port");
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    known_type |= strcmp (tok[7], types[i]) == 0;
  if (!known_type)
    return fail (error, "candidate: type must be host, srflx, prflx or relay");

  out->foundation = g_strdup (tok[0]);
  out->component = (guint) component;
  out->transport = g_ascii_strdown (tok[2], -1);
  out->priority = (guint32) priority;
  out->address = g_strdup (tok[4]);
  out->address_is_ip = g_hostname_is_ip_address (tok[4]);
  out->port = (guint) port;
  out->type = g_strdup (tok[7]);
  return TRUE;
}

char *
rc_media_candidate_rewrite_host (const char *line, const char *announced_ip)
{
  g_autoptr (GInetAddress) announced = NULL;
  g_autoptr (GInetAddress) current = NULL;
  g_auto (GStrv) tok = NULL;

  g_return_val_if_fail (line != NULL, NULL);
  if (announced_ip == NULL || !g_str_has_prefix (line, "candidate:"))
    return g_strdup (line);
  tok = g_strsplit (line, " ", -1);
  if (g_strv_length (tok) < 8 || g_strcmp0 (tok[6], "typ") != 0 ||
      g_strcmp0 (tok[7], "host") != 0)
    return g_strdup (line);
  announced = g_inet_address_new_from_string (announced_ip);
  current = g_inet_address_new_from_string (tok[4]);
  if (announced == NULL || current == NULL ||
      g_inet_address_get_family (announced) != g_inet_address_get_family (current))
    return g_strdup (line);
  g_free (tok[4]);
  tok[4] = g_strdup (announced_ip);
  return g_strjoinv (" ", tok);
}

void
rc_media_ice_candidate_free (RcMediaIceCandidate *c)
{
  if (c == NULL)
    return;
  g_free (c->candidate);
  g_free (c->mid);
  g_free (c);
}

/* A member that must be a string or null; *@out is NULL for null. */
static gboolean
optional_string (JsonObject *obj, const char *name, gsize max_len, const char **out,
                 GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, "%s: must be a string or null", name);
  *out = json_node_get_string (node);
  if (strlen (*out) > max_len)
    return fail (error, "%s: longer than %" G_GSIZE_FORMAT " bytes", name, max_len);
  return TRUE;
}

RcMediaIceCandidate *
rc_media_ice_candidate_from_json (JsonNode *payload, guint n_mlines, const char *mid,
                                  GError **error)
{
  g_autoptr (RcMediaIceCandidate) out = g_new0 (RcMediaIceCandidate, 1);
  g_auto (RcMediaCandidate) parsed = { 0 };
  JsonObject *obj;
  JsonNode *index;
  const char *line, *given_mid, *ufrag;

  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
    FAIL_NULL (error, "ice: the payload must be an object");
  obj = json_node_get_object (payload);
  if (!json_object_has_member (obj, "candidate"))
    FAIL_NULL (error, "candidate: required (null at the end of candidates)");
  if (!optional_string (obj, "candidate", RC_MEDIA_CANDIDATE_MAX_LEN, &line, error) ||
      !optional_string (obj, "sdpMid", RC_MEDIA_MID_MAX_LEN, &given_mid, error) ||
      !optional_string (obj, "usernameFragment", ICE_CRED_MAX, &ufrag, error))
    return NULL;
  if (mid != NULL && given_mid != NULL && strcmp (mid, given_mid) != 0)
    FAIL_NULL (error, "sdpMid: must be \"%s\"", mid);

  index = json_object_get_member (obj, "sdpMLineIndex");
  if (index != NULL && !JSON_NODE_HOLDS_NULL (index)) {
    gint64 v;
    if (!JSON_NODE_HOLDS_VALUE (index) || json_node_get_value_type (index) != G_TYPE_INT64)
      FAIL_NULL (error, "sdpMLineIndex: must be an integer");
    v = json_node_get_int (index);
    if (v < 0 || v >= (gint64) n_mlines)
      FAIL_NULL (error, "sdpMLineIndex: must be in 0..%u", n_mlines ? n_mlines - 1 : 0);
    out->mline_index = (guint) v;
  } else if (line != NULL && *line != '\0') {
    FAIL_NULL (error, "sdpMLineIndex: required with a candidate");
  }

  if (line != NULL && *line != '\0') {
    if (!rc_media_candidate_parse (line, &parsed, error))
      return NULL;
    out->candidate = g_strdup (line);
  }
  out->mid = g_strdup (given_mid);
  return g_steal_pointer (&out);
}

JsonNode *
rc_media_ice_candidate_to_json (guint mline_index, const char *mid, const char *candidate)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "candidate");
  if (candidate)
    json_builder_add_string_value (b, candidate);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "sdpMLineIndex");
  json_builder_add_int_value (b, mline_index);
  if (mid) {
    json_builder_set_member_name (b, "sdpMid");
    json_builder_add_string_value (b, mid);
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
