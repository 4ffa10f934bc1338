/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ub-file.h"
#include "ub-recovery-zip.h"
#include "ub-rom-error.h"

gboolean
ub_recovery_zip_check (const char    *path,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  guint8 magic[4] = { 0 };
  gsize got = 0;
  struct archive *a;
  struct archive_entry *entry;
  int r;

  g_return_val_if_fail (path != NULL, FALSE);

  file = g_file_new_for_path (path);
  stream = g_file_read (file, cancellable, error);
  if (stream == NULL ||
      !g_input_stream_read_all (G_INPUT_STREAM (stream), magic, sizeof magic, &got, cancellable,
                                error))
    return FALSE;
  if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    {
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM,
                           _("This is a fastboot ROM (a .tgz file), for phones whose bootloader is "
                             "unlocked. The phone’s recovery installs only a recovery ROM, a .zip "
                             "file: choose one from Xiaomi’s list."));
      return FALSE;
    }
  if (got < 4 || memcmp (magic, "PK\003\004", 4) != 0)
    {
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_NOT_A_ROM,
                           _("This is not a recovery ROM: a recovery ROM is a .zip file. Choose one "
                             "from Xiaomi’s list, or select the .zip you downloaded."));
      return FALSE;
    }

  /* the seekable reader starts from the central directory at the end: a cut-off
   * download has none */
  a = archive_read_new ();
  archive_read_support_format_zip_seekable (a);
  r = archive_read_open_filename (a, path, 64 * 1024);
  if (r == ARCHIVE_OK)
    r = archive_read_next_header (a, &entry);
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
    {
      const char *why = archive_error_string (a);

      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE,
                   /* TRANSLATORS: %s: libarchive's reason, in English */
                   _("This .zip file is incomplete or damaged (%s). Download it again."),
                   why != NULL ? why : "no central directory");
      archive_read_free (a);
      return FALSE;
    }
  archive_read_free (a);
  return TRUE;
}

char *
ub_recovery_zip_md5 (const char    *path,
                     UbProgress    *progress,
                     GCancellable  *cancellable,
                     GError       **error)
{
  if (!ub_recovery_zip_check (path, cancellable, error))
    return NULL;
  return ub_file_hash (path, progress, cancellable, error);
}
