/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* json-glib recurses: TRUE when @data (JSON text, @size bytes) nests arrays
 * and objects at most @max_depth deep, so it may be parsed. Strings and
 * their escapes are skipped; the text is not otherwise checked. */
gboolean ub_online_json_depth_ok (const char *data,
                                  gsize       size,
                                  guint       max_depth);

G_END_DECLS
