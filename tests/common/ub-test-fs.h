/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only file helpers, header-only (include with "../common/ub-test-fs.h"). */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

/* Removes @path and everything below it; symbolic links are removed, not followed.
 * GLib 2.74 has no such function. */
static inline void
ub_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        ub_test_rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}
