/* roomcast: the web root served at "/"; see static-files.h. */
#include "http/static-files.h"
#include "http/http-server.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Longer request paths are refused before decoding. */
#define MAX_PATH_BYTES 1024

/* Every file is revalidated (ETag) on each use: the names carry no
 * version, so an upgrade must show at once, and a 304 costs one stat. */
#define CACHE_CONTROL "no-cache"

/* The page and its scripts come from this server only; media streams are
 * attached as srcObject, which CSP does not govern. The page connects to
 * this server, and in a cluster to the other nodes (room_elsewhere), whose
 * origins are added to connect-src at each response. */
#define HTML_CSP_HEAD \
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
  "connect-src 'self'"
#define HTML_CSP_TAIL \
  "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* Characters a connect-src source built here may hold: nothing that could
 * end the source (space), the directive (';') or the policy (','). */
#define SOURCE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/.[]-"

struct _RcStaticFiles {
  GObject parent_instance;
  char *root;   /* resolved, no trailing '/' unless it is "/" */
  char *prefix; /* root + "/": what every served file starts with */
  RcStaticFilesUrlsFunc urls_func;
  gpointer urls_data;
};

G_DEFINE_FINAL_TYPE (RcStaticFiles, rc_static_files, G_TYPE_OBJECT)

static const struct {
  const char *extension;
  const char *type;
} content_types[] = {
  { ".html", "text/html; charset=utf-8" },
  { ".htm", "text/html; charset=utf-8" },
  { ".js", "text/javascript; charset=utf-8" },
  { ".mjs", "text/javascript; charset=utf-8" },
  { ".css", "text/css; charset=utf-8" },
  { ".json", "application/json" },
  { ".map", "application/json" },
  { ".txt", "text/plain; charset=utf-8" },
  { ".svg", "image/svg+xml" },
  { ".png", "image/png" },
  { ".jpg", "image/jpeg" },
  { ".jpeg", "image/jpeg" },
  { ".gif", "image/gif" },
  { ".webp", "image/webp" },
  { ".ico", "image/x-icon" },
  { ".woff2", "font/woff2" },
  { ".woff", "font/woff" },
  { ".wasm", "application/wasm" },
  { ".webmanifest", "application/manifest+json" },
  { ".mp3", "audio/mpeg" },
  { ".ogg", "audio/ogg" },
  { ".opus", "audio/ogg" },
  { ".wav", "audio/wav" },
};

static const char *
content_type_for (const char *name)
{
  const char *dot = strrchr (name, '.');
  if (dot && !strchr (dot, '/'))
    for (guint i = 0; i < G_N_ELEMENTS (content_types); i++)
      if (g_ascii_strcasecmp (dot, content_types[i].extension) == 0)
        return content_types[i].type;
  return "application/octet-stream";
}

/* A decoded segment we are willing to look up: no dotfiles (which covers
 * "." and ".."), no control characters, no backslash. */
static gboolean
segment_ok (const char *segment)
{
  if (segment[0] == '.')
    return FALSE;
  for (const char *c = segment; *c; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f || *c == '\\')
      return FALSE;
  return TRUE;
}

/* Decodes the percent-encoded request @path (as libsoup hands it over,
 * dot segments already resolved) into a path relative to the root, "" for
 * the root itself; NULL when it must not be served. @trailing_slash tells
 * whether the path ended with '/'. */
static char *
relative_path (const char *path, gboolean *trailing_slash)
{
  if (!path || path[0] != '/' || strlen (path) > MAX_PATH_BYTES)
    return NULL;
  /* An encoded '/' (or NUL, always refused) would hide a separator from
   * the segment checks below. */
  g_autofree char *decoded = g_uri_unescape_string (path, "/");
  if (!decoded || !g_utf8_validate (decoded, -1, NULL))
    return NULL;
  g_auto (GStrv) segments = g_strsplit (decoded, "/", -1);
  g_autoptr (GString) out = g_string_new (NULL);
  for (char **s = segments; *s; s++) {
    if (**s == '\0')
      continue; /* leading, doubled or trailing '/' */
    if (!segment_ok (*s))
      return NULL;
    if (out->len)
      g_string_append_c (out, '/');
    g_string_append (out, *s);
  }
  if (trailing_slash)
    *trailing_slash = g_str_has_suffix (decoded, "/");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The real path of @relative under the root, or NULL when it does not
 * exist or resolves (through a symlink) outside the root. */
static char *
resolve_inside (RcStaticFiles *self, const char *relative)
{
  g_autofree char *joined = g_build_filename (self->root, relative, NULL);
  char *resolved = realpath (joined, NULL);
  if (!resolved)
    return NULL;
  if (strcmp (resolved, self->root) != 0 && !g_str_has_prefix (resolved, self->prefix)) {
    g_debug ("web root: %s resolves outside the root, refused", relative);
    free (resolved);
    return NULL;
  }
  char *copy = g_strdup (resolved);
  free (resolved);
  return copy;
}

static void
reply_not_found (SoupServerMessage *msg)
{
  rc_http_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such file");
}

/* A directory asked for without its trailing '/': send the browser to the
 * canonical URL so the index page's relative links resolve. Built from the
 * checked relative path, so it can never become "//host". */
static void
redirect_to_directory (SoupServerMessage *msg, const char *relative)
{
  g_autofree char *escaped = g_uri_escape_string (relative, "/", FALSE);
  g_autofree char *location = g_strdup_printf ("/%s/", escaped);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location",
                                location);
  rc_http_reply_error (msg, SOUP_STATUS_MOVED_PERMANENTLY, "moved", "see Location");
}

static gboolean
etag_matches (SoupServerMessage *msg, const char *etag)
{
  const char *inm = soup_message_headers_get_list (soup_server_message_get_request_headers (
                                                     msg),
                                                   "If-None-Match");
  return inm && (strcmp (inm, "*") == 0 || strstr (inm, etag) != NULL);
}

/* Appends " scheme://host[:port]" of @url to @csp, in both its HTTP and
 * its WebSocket form (a ws: URL needs a ws: source); nothing if @url is not
 * an absolute http(s) or ws(s) URL with a host (it comes from Redis). */
static void
append_origin_sources (GString *csp, const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (!uri || !g_uri_get_host (uri) || !*g_uri_get_host (uri))
    return;
  const char *scheme = g_uri_get_scheme (uri);
  gboolean tls;
  if (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "ws") == 0)
    tls = FALSE;
  else if (g_ascii_strcasecmp (scheme, "https") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0)
    tls = TRUE;
  else
    return;
  const char *forms[] = { tls ? "https" : "http", tls ? "wss" : "ws" };
  for (guint i = 0; i < G_N_ELEMENTS (forms); i++) {
    g_autofree char *source = g_uri_join (G_URI_FLAGS_NONE, forms[i], NULL,
                                          g_uri_get_host (uri), g_uri_get_port (uri), "", NULL,
                                          NULL);
    if (strspn (source, SOURCE_CHARS) != strlen (source))
      return;
    g_string_append_printf (csp, " %s", source);
  }
}

static char *
html_csp (RcStaticFiles *self)
{
  GString *csp = g_string_new (HTML_CSP_HEAD);
  if (self->urls_func) {
    g_auto (GStrv) urls = self->urls_func (self->urls_data);
    for (char **u = urls; u && *u; u++)
      append_origin_sources (csp, *u);
  }
  g_string_append (csp, HTML_CSP_TAIL);
  return g_string_free (csp, FALSE);
}

static void
set_headers (RcStaticFiles *self, SoupServerMessage *msg, const char *name,
             const struct stat *st, const char *etag)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  const char *type = content_type_for (name);
  soup_message_headers_replace (h, "Cache-Control", CACHE_CONTROL);
  soup_message_headers_replace (h, "ETag", etag);
  soup_message_headers_replace (h, "X-Content-Type-Options", "nosniff");
  g_autoptr (GDateTime) mtime = g_date_time_new_from_unix_utc (st->st_mtime);
  if (mtime) {
    g_autofree char *date = soup_date_time_to_string (mtime, SOUP_DATE_HTTP);
    soup_message_headers_replace (h, "Last-Modified", date);
  }
  if (g_str_has_prefix (type, "text/html")) {
    g_autofree char *csp = html_csp (self);
    soup_message_headers_replace (h, "Content-Security-Policy", csp);
    soup_message_headers_replace (h, "Referrer-Policy", "no-referrer");
  }
  soup_message_headers_set_content_type (h, type, NULL);
}

static void
serve_file (RcStaticFiles *self, SoupServerMessage *msg, const char *real,
            const struct stat *st)
{
  g_autofree char *etag = g_strdup_printf ("\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER
                                           "x\"",
                                           (gint64) st->st_size,
                                           (gint64) st->st_mtim.tv_sec *
                                               G_GINT64_CONSTANT (1000000000) +
                                             st->st_mtim.tv_nsec);
  if (etag_matches (msg, etag)) {
    set_headers (self, msg, real, st, etag);
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
    return;
  }
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) mapped = g_mapped_file_new (real, FALSE, &error);
  if (!mapped) {
    g_warning ("web root: cannot read %s: %s", real, error->message);
    reply_not_found (msg);
    return;
  }
  g_autoptr (GBytes) bytes = g_mapped_file_get_bytes (mapped);
  set_headers (self, msg, real, st, etag);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
}

static void
handle_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer data)
{
  RcStaticFiles *self = data;
  const char *method = soup_server_message_get_method (msg);
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                  "GET, HEAD");
    rc_http_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                         "use GET or HEAD");
    return;
  }
  gboolean trailing_slash = FALSE;
  g_autofree char *relative = relative_path (path, &trailing_slash);
  if (!relative) {
    reply_not_found (msg);
    return;
  }
  g_autofree char *real = resolve_inside (self, relative);
  struct stat st;
  if (!real || stat (real, &st) != 0) {
    reply_not_found (msg);
    return;
  }
  if (S_ISDIR (st.st_mode)) {
    if (!trailing_slash && *relative) {
      redirect_to_directory (msg, relative);
      return;
    }
    g_autofree char *index = g_build_filename (relative, "index.html", NULL);
    g_free (real);
    real = resolve_inside (self, index);
    if (!real || stat (real, &st) != 0) {
      reply_not_found (msg);
      return;
    }
  }
  if (!S_ISREG (st.st_mode)) {
    reply_not_found (msg);
    return;
  }
  serve_file (self, msg, real, &st);
}

RcStaticFiles *
rc_static_files_new (const char *root, GError **error)
{
  g_return_val_if_fail (root != NULL, NULL);
  char *resolved = realpath (root, NULL);
  if (!resolved) {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "WEB_ROOT '%s': %s", root,
                 g_strerror (saved));
    return NULL;
  }
  struct stat st;
  if (stat (resolved, &st) != 0 || !S_ISDIR (st.st_mode)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                 "WEB_ROOT '%s' is not a directory", root);
    free (resolved);
    return NULL;
  }
  RcStaticFiles *self = g_object_new (RC_TYPE_STATIC_FILES, NULL);
  self->root = g_strdup (resolved);
  self->prefix = strcmp (resolved, "/") == 0 ? g_strdup ("/")
                                             : g_strconcat (resolved, "/", NULL);
  free (resolved);
  return self;
}

const char *
rc_static_files_get_root (RcStaticFiles *self)
{
  return self->root;
}

void
rc_static_files_set_connect_urls_func (RcStaticFiles *self, RcStaticFilesUrlsFunc func,
                                       gpointer user_data)
{
  g_return_if_fail (RC_IS_STATIC_FILES (self));
  self->urls_func = func;
  self->urls_data = user_data;
}

void
rc_static_files_attach (RcStaticFiles *self, SoupServer *soup)
{
  soup_server_add_handler (soup, "/", handle_request, g_object_ref (self), g_object_unref);
}

static void
rc_static_files_finalize (GObject *object)
{
  RcStaticFiles *self = RC_STATIC_FILES (object);
  g_free (self->root);
  g_free (self->prefix);
  G_OBJECT_CLASS (rc_static_files_parent_class)->finalize (object);
}

static void
rc_static_files_class_init (RcStaticFilesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rc_static_files_finalize;
}

static void
rc_static_files_init (RcStaticFiles *self)
{
}
