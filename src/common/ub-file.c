/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE  /* nftw, posix_fadvise */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib/gi18n.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ub-file.h"

#define HASH_BUFFER_SIZE (1024 * 1024)

static int
remove_one (const char        *path,
            const struct stat *st,
            int                flag,
            struct FTW        *ftw)
{
  if (flag == FTW_DP || flag == FTW_DNR)
    rmdir (path);
  else
    unlink (path);
  return 0;
}

gboolean
ub_file_remove_tree (const char  *path,
                     GError     **error)
{
  struct stat st;
  int saved;

  g_return_val_if_fail (path != NULL, FALSE);

  if (lstat (path, &st) != 0)
    return TRUE;
  errno = 0;
  if (S_ISDIR (st.st_mode))
    nftw (path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  else
    unlink (path);
  saved = errno;
  if (lstat (path, &st) != 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved ? saved : EBUSY),
               /* TRANSLATORS: %s: a file or folder, then the reason */
               _("Could not delete “%s”: %s"), path, g_strerror (saved ? saved : EBUSY));
  return FALSE;
}

char *
ub_file_hash (const char    *path,
              UbProgress    *progress,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree guint8 *buf = NULL;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (progress == NULL || UB_IS_PROGRESS (progress), NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved), g_strerror (saved));
      return NULL;
    }
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  buf = g_malloc (HASH_BUFFER_SIZE);
  for (;;)
    {
      gssize n = read (fd, buf, HASH_BUFFER_SIZE);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (fd);
          g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved), g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      g_checksum_update (sum, buf, n);
      if (progress != NULL)
        ub_progress_add_bytes (progress, (guint64) n);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          close (fd);
          return NULL;
        }
    }
  close (fd);
  return g_strdup (g_checksum_get_string (sum));
}
