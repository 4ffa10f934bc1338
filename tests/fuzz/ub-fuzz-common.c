/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ub-fuzz.h"

static char *tmp_dir;

void
ub_fuzz_remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      GDir *dir;
      const char *name;

      /* an entry may have taken away our own permissions */
      g_chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      if (dir != NULL)
        {
          while ((name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *child = g_build_filename (path, name, NULL);
              ub_fuzz_remove_tree (child);
            }
          g_dir_close (dir);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
remove_tmp_dir (void)
{
  if (tmp_dir != NULL)
    ub_fuzz_remove_tree (tmp_dir);
}

const char *
ub_fuzz_tmp_dir (void)
{
  if (tmp_dir == NULL)
    {
      g_autoptr(GError) error = NULL;

      tmp_dir = g_dir_make_tmp ("ub-fuzz-XXXXXX", &error);
      if (tmp_dir == NULL)
        g_error ("fuzz: %s", error->message);
      atexit (remove_tmp_dir);
      /* nothing the code under test caches (digests, unpacks) goes to the user's home */
      {
        g_autofree char *cache = g_build_filename (tmp_dir, "xdg-cache", NULL);
        g_setenv ("XDG_CACHE_HOME", cache, TRUE);
      }
    }
  return tmp_dir;
}

void
ub_fuzz_write_file (const char *path, const void *data, gsize len)
{
  g_autofree char *parent = g_path_get_dirname (path);
  const guint8 *p = data;
  int fd;

  g_mkdir_with_parents (parent, 0700);
  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    g_error ("fuzz: cannot write %s: %s", path, g_strerror (errno));
  while (len > 0)
    {
      gssize n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("fuzz: cannot write %s: %s", path, g_strerror (errno));
      p += n;
      len -= n;
    }
  close (fd);
}

static GLogWriterOutput
quiet_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  /* criticals and errors still abort (G_DEBUG=fatal-criticals in the tests) */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_default (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

void
ub_fuzz_quiet_logs (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      g_log_set_writer_func (quiet_writer, NULL, NULL);
      g_once_init_leave (&once, 1);
    }
}
