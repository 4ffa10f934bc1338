/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-progress.h"

G_BEGIN_DECLS

/*
 * Deletes @path and everything below it (rm -rf): symbolic links are
 * deleted, never followed, and other file systems mounted below are not
 * entered. A missing @path is fine. Blocking.
 */
gboolean  ub_file_remove_tree (const char    *path,
                               GError       **error);

/*
 * The MD5 of a file as 32 lower-case hex digits. Adds the bytes it reads to
 * @progress (may be NULL; its total is the caller's, so one progress can
 * count several files hashed at once). Blocking; checks @cancellable
 * between reads. The error names no file: the caller knows which it is.
 */
char     *ub_file_hash        (const char    *path,
                               UbProgress    *progress,
                               GCancellable  *cancellable,
                               GError       **error);

G_END_DECLS
