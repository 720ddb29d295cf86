/* roomcast: helpers shared by the codec and JSON unit tests; see
 * sio-test-util.h. */
#include "sio-test-util.h"

#include <string.h>

char *
show (const char *bytes, gsize len)
{
  GString *out = g_string_new ("\"");

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) bytes[i];

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c >= 0x20 && c < 0x7f)
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "\\x%02x", c);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

JsonNode *
json_parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_parser_steal_root (parser);
}

gboolean
json_equal0 (JsonNode *a, JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return json_node_equal (a, b);
}

gboolean
packets_equal (const RcSioPacket *a, const RcSioPacket *b)
{
  g_autofree char *frame_a = NULL;
  g_autofree char *frame_b = NULL;

  if (a->type != b->type || strcmp (a->nsp, b->nsp) != 0 || a->id != b->id ||
      !json_equal0 (a->data, b->data))
    return FALSE;
  frame_a = rc_sio_encode_frame (a);
  frame_b = rc_sio_encode_frame (b);
  return g_strcmp0 (frame_a, frame_b) == 0;
}

RcSioPacket *
decode_frame (const char *frame, GError **error)
{
  RcEioType type;
  const char *payload;
  gsize payload_len;

  if (!rc_eio_decode (frame, strlen (frame), &type, &payload, &payload_len,
                      error))
    return NULL;
  g_assert_cmpint (type, ==, RC_EIO_MESSAGE);
  return rc_sio_decode (payload, payload_len, error);
}
