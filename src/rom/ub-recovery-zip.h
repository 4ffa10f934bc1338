/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-progress.h"

G_BEGIN_DECLS

/*
 * Whether the file at @path can be a recovery ROM: a whole ZIP archive (its
 * central directory read by libarchive). Checked before the file is hashed,
 * sent for approval or sideloaded, so that a fastboot ROM, another file or a
 * cut-off download is named as such. UB_ROM_ERROR_NOT_A_ROM: not a ZIP (a
 * fastboot .tgz says so); UB_ROM_ERROR_ARCHIVE: a ZIP that is incomplete or
 * damaged; or the file's own I/O error.
 */
gboolean ub_recovery_zip_check (const char    *path,
                                GCancellable  *cancellable,
                                GError       **error);

/* ub_recovery_zip_check(), then the file's MD5 (ub_file_hash() with
 * @progress): what the firmware page, unbrick-cli and UbRecoveryJob compute
 * before asking for or checking an approval. Blocking. */
char    *ub_recovery_zip_md5   (const char    *path,
                                UbProgress    *progress,
                                GCancellable  *cancellable,
                                GError       **error);

G_END_DECLS
