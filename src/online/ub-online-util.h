/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Small helpers the network-facing code shares. */

#include <gio/gio.h>

G_BEGIN_DECLS

/* json-glib recurses: TRUE when @data (JSON text, @size bytes) nests arrays
 * and objects at most @max_depth deep, so it may be parsed. Strings and
 * their escapes are skipped; the text is not otherwise checked. */
gboolean   ub_online_json_depth_ok (const char *data,
                                    gsize       size,
                                    guint       max_depth);

/* The application's settings, or NULL when its schema is not installed (the
 * CLI and tests run without it): callers fall back to their defaults. */
GSettings *ub_online_settings_new  (void);

/* TRUE for exactly 32 hex digits (either case). */
gboolean   ub_online_is_md5        (const char *text);

/* "<mirror>/<path>" for each of @mirrors (trailing slashes of a mirror
 * dropped, empty mirrors skipped), NULL-terminated. @path is used as given:
 * the caller escapes it. */
char     **ub_online_mirror_urls   (const char * const *mirrors,
                                    const char         *path);

G_END_DECLS
