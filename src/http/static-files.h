/* roomcast: the web root (WEB_ROOT) served at "/".
 *
 * Serves the files of one directory (the demo page, its client module and
 * the vendored socket.io-client) to GET and HEAD on every path no other
 * handler claims; "/" and any "dir/" give that directory's index.html.
 * Request paths are decoded and checked before they touch the file system:
 * no "..", no dotfiles, no encoded '/' or NUL, and the resolved file must
 * lie inside the root (a symlink pointing out of it is refused). Anything
 * not served is a 404 JSON error like the rest of the server.
 *
 * Files are memory-mapped (stat + GMappedFile): meant for a root of small
 * local files, never a network file system.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define RC_TYPE_STATIC_FILES (rc_static_files_get_type ())
G_DECLARE_FINAL_TYPE (RcStaticFiles, rc_static_files, RC, STATIC_FILES, GObject)

/* @root must name an existing directory; it is resolved once, symlinks
 * included. Fails with a G_IO_ERROR otherwise. */
RcStaticFiles *rc_static_files_new (const char *root, GError **error);
/* The resolved root directory. */
const char *rc_static_files_get_root (RcStaticFiles *self);
/* The URLs (http(s) or ws(s), only their origin counts) that the pages may
 * connect to besides their own origin: the other nodes of a cluster, which
 * roomcast-client.js follows room_elsewhere to. Newly allocated; NULL for
 * none. Called for each HTML response; an invalid URL is left out. */
typedef GStrv (*RcStaticFilesUrlsFunc) (gpointer user_data);
/* Adds those origins to the pages' Content-Security-Policy connect-src
 * (otherwise 'self' only). @user_data must outlive @self's handler. */
void rc_static_files_set_connect_urls_func (RcStaticFiles *self, RcStaticFilesUrlsFunc func,
                                            gpointer user_data);
/* Serve the root at "/" on @soup (longer paths registered by other
 * handlers, /health or /socket.io, keep priority). */
void rc_static_files_attach (RcStaticFiles *self, SoupServer *soup);

G_END_DECLS
