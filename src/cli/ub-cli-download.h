/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-cli-progress.h"

G_BEGIN_DECLS

/* `unbrick-cli download URL [--md5 HEX] [--dir DIR]` (@dir NULL: the
 * Downloads folder). Runs on the calling thread; prints the final path on
 * stdout on success. */
gboolean ub_cli_download (const char     *url,
                          const char     *md5,
                          const char     *dir,
                          UbCliProgress  *progress,
                          GCancellable   *cancellable,
                          GError        **error);

/* The same file at several addresses (ub_download_new_for_mirrors()), with a full
 * MD5 (or NULL) and an exact size (or 0) known in advance. The final path goes
 * into @out_path, or on stdout when @out_path is NULL. */
gboolean ub_cli_download_mirrors (const char * const *urls,
                                  const char         *md5,
                                  guint64             size,
                                  const char         *dir,
                                  UbCliProgress      *progress,
                                  GCancellable       *cancellable,
                                  char              **out_path,
                                  GError            **error);

G_END_DECLS
