/* roomcast: logging.
 *
 * GLib structured logging everywhere (g_info, g_warning, g_log_structured).
 * This module installs the writer: it drops messages below LOG_LEVEL, sends
 * them to the journal with their fields when stderr is connected to it, and
 * otherwise writes one line per message to stderr with a UTC timestamp.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Install the writer with threshold @level (the most verbose level shown,
 * e.g. G_LOG_LEVEL_INFO). Safe to call again to change the level (SIGHUP). */
void rc_log_init (GLogLevelFlags level);
void rc_log_set_level (GLogLevelFlags level);

G_END_DECLS
