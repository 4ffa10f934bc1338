/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ub-file.h"
#include "ub-progress.h"
#include "ub-rom-archive-private.h"
#include "ub-rom-error.h"
#include "ub-rom-name.h"

/*
 * The API and the steps of an unpack: open the archive, take the lock of its
 * key, reuse a complete unpack (ub-rom-cache.c) or unpack anew into
 * "<key>.partial" (ub-rom-unpack.c, every entry checked by ub-rom-entry.c)
 * and rename it once the marker is written.
 */

G_DEFINE_FINAL_TYPE (UbRomArchive, ub_rom_archive, G_TYPE_OBJECT)

static void
ub_rom_archive_finalize (GObject *object)
{
  UbRomArchive *self = UB_ROM_ARCHIVE (object);

  if (self->hold_fd >= 0)
    close (self->hold_fd);
  g_free (self->path);
  g_free (self->cache_dir);
  G_OBJECT_CLASS (ub_rom_archive_parent_class)->finalize (object);
}

static void
ub_rom_archive_class_init (UbRomArchiveClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_rom_archive_finalize;
}

static void
ub_rom_archive_init (UbRomArchive *self)
{
  self->hold_fd = -1;
}

static guint64 cache_limit = UB_ROM_ARCHIVE_DEFAULT_CACHE_LIMIT;
G_LOCK_DEFINE_STATIC (cache_limit);

void
ub_rom_archive_set_cache_limit (guint64 limit)
{
  G_LOCK (cache_limit);
  cache_limit = limit;
  G_UNLOCK (cache_limit);
}

guint64
ub_rom_archive_get_cache_limit (void)
{
  guint64 limit;

  G_LOCK (cache_limit);
  limit = cache_limit;
  G_UNLOCK (cache_limit);
  return limit;
}

UbRomArchive *
ub_rom_archive_new (const char *archive_path,
                    const char *cache_dir)
{
  UbRomArchive *self;
  g_autofree char *cache = NULL;

  g_return_val_if_fail (archive_path != NULL, NULL);

  self = g_object_new (UB_TYPE_ROM_ARCHIVE, NULL);
  self->path = g_canonicalize_filename (archive_path, NULL);
  cache = cache_dir ? g_strdup (cache_dir) : ub_rom_cache_default_dir ();
  self->cache_dir = g_canonicalize_filename (cache, NULL);
  return self;
}

const char *
ub_rom_archive_get_path (UbRomArchive *self)
{
  g_return_val_if_fail (UB_IS_ROM_ARCHIVE (self), NULL);
  return self->path;
}

const char *
ub_rom_archive_get_cache_dir (UbRomArchive *self)
{
  g_return_val_if_fail (UB_IS_ROM_ARCHIVE (self), NULL);
  return self->cache_dir;
}

void
ub_rom_archive_set_free_space_func (UbRomArchive              *self,
                                    UbRomArchiveFreeSpaceFunc  func,
                                    gpointer                   user_data)
{
  g_return_if_fail (UB_IS_ROM_ARCHIVE (self));
  self->free_space_func = func;
  self->free_space_data = user_data;
}

gboolean
ub_rom_archive_is_archive_name (const char *path)
{
  g_return_val_if_fail (path != NULL, FALSE);
  return ub_rom_name_is_archive (path);
}

char *
ub_rom_archive_dup_name_md5_prefix (UbRomArchive *self)
{
  g_return_val_if_fail (UB_IS_ROM_ARCHIVE (self), NULL);
  return ub_rom_name_dup_md5_prefix (self->path);
}

guint64
ub_rom_archive_free_space (UbRomArchive *self,
                           const char   *dir)
{
  struct statvfs sv;

  if (self->free_space_func)
    return self->free_space_func (dir, self->free_space_data);
  if (statvfs (dir, &sv) != 0)
    return G_MAXUINT64;  /* unknown: let the writes tell */
  return (guint64) sv.f_bavail * sv.f_frsize;
}

void
ub_rom_archive_set_no_space_error (GError    **error,
                                   const char *cache_dir,
                                   guint64     needed,
                                   guint64     available)
{
  g_autofree char *need_s = g_format_size (needed);
  g_autofree char *have_s = g_format_size (available);

  g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_NO_SPACE,
               /* TRANSLATORS: a size (e.g. “9.4 GB”), a folder, a size */
               _("Unpacking the ROM needs at least %s of free disk space in %s, but only %s is free. "
                 "Free up some space and try again."),
               need_s, cache_dir, have_s);
}

char *
ub_rom_archive_unpack (UbRomArchive             *self,
                       UbRomArchiveProgressFunc  progress,
                       gpointer                  user_data,
                       GCancellable             *cancellable,
                       GError                  **error)
{
  g_autofree char *key = NULL;
  g_autofree char *final_dir = NULL;
  g_autofree char *partial_dir = NULL;
  g_autofree char *lock_path = NULL;
  char *result = NULL;
  GError *local = NULL;
  struct stat st;
  int fd, lock_fd;
  guint64 size, avail, needed;
  gint64 mtime_usec;

  g_return_val_if_fail (UB_IS_ROM_ARCHIVE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = open (self->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      int saved = fd < 0 ? errno : EINVAL;

      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE,
                   _("The file “%s” could not be opened: %s."), self->path, g_strerror (saved));
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  size = (guint64) st.st_size;
  mtime_usec = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;

  if (g_mkdir_with_parents (self->cache_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                   _("Could not create the ROM cache folder %s: %s."), self->cache_dir, g_strerror (saved));
      close (fd);
      return NULL;
    }
  key = ub_rom_cache_unpack_key (self->path, size);
  final_dir = g_build_filename (self->cache_dir, key, NULL);
  partial_dir = g_strconcat (final_dir, ".partial", NULL);
  lock_path = g_strconcat (final_dir, ".lock", NULL);

  lock_fd = ub_rom_cache_lock_key (lock_path, TRUE, cancellable, error);
  if (lock_fd < 0)
    {
      close (fd);
      return NULL;
    }

  result = ub_rom_cache_try_reuse (self, final_dir, size, mtime_usec, progress, user_data, cancellable, &local);
  if (result || local)
    {
      if (local)
        g_propagate_error (error, local);
      goto out;
    }

  if (!ub_file_remove_tree (final_dir, error) || !ub_file_remove_tree (partial_dir, error))
    goto out;

  avail = ub_rom_archive_free_space (self, self->cache_dir);
  needed = size + size / 32 + ENTRY_SPACE_MARGIN;
  if (avail < needed)
    {
      ub_rom_archive_set_no_space_error (error, self->cache_dir, needed, avail);
      goto out;
    }
  if (g_mkdir (partial_dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                   _("Could not create the folder %s: %s."), partial_dir, g_strerror (saved));
      goto out;
    }
  (void) posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (ub_rom_unpack_into (self, fd, size, mtime_usec, partial_dir, progress, user_data, cancellable, error))
    {
      if (g_rename (partial_dir, final_dir) == 0)
        result = g_strdup (final_dir);
      else
        {
          int saved = errno;

          g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                       _("Could not create the folder %s: %s."), final_dir, g_strerror (saved));
        }
    }
  if (result == NULL)
    ub_file_remove_tree (partial_dir, NULL);

out:
  if (result != NULL)
    {
      /* in use while this object lives; taken under the key's lock, so no prune slips in */
      if (self->hold_fd >= 0)
        close (self->hold_fd);
      self->hold_fd = ub_rom_cache_hold (result);
    }
  ub_rom_cache_unlock_key (lock_fd, lock_path);
  close (fd);
  if (result != NULL)
    {
      guint64 limit = ub_rom_archive_get_cache_limit ();
      g_autoptr(GError) prune_error = NULL;

      if (limit < G_MAXUINT64 &&
          !ub_rom_archive_prune_cache_to_size (self->cache_dir, limit, &prune_error))
        g_debug ("Pruning the ROM cache: %s", prune_error->message);
    }
  return result;
}

/* ------------------------------------------------------------------------ */
/* Async */

void
ub_rom_archive_report_progress (guint64     done,
                                guint64     total,
                                const char *entry,
                                gpointer    progress)
{
  ub_progress_set_bytes_total (progress, total);
  ub_progress_set_bytes_done (progress, done);
}

static void
unpack_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  UbProgress *progress = task_data;
  GError *error = NULL;
  char *dir;

  dir = ub_rom_archive_unpack (UB_ROM_ARCHIVE (source),
                               progress != NULL ? ub_rom_archive_report_progress : NULL,
                               progress, cancellable, &error);
  if (dir)
    g_task_return_pointer (task, dir, g_free);
  else
    g_task_return_error (task, error);
}

void
ub_rom_archive_unpack_async (UbRomArchive        *self,
                             UbProgress          *progress,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (UB_IS_ROM_ARCHIVE (self));
  g_return_if_fail (progress == NULL || UB_IS_PROGRESS (progress));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ub_rom_archive_unpack_async);
  if (progress != NULL)
    g_task_set_task_data (task, g_object_ref (progress), g_object_unref);
  g_task_run_in_thread (task, unpack_thread);
}

char *
ub_rom_archive_unpack_finish (UbRomArchive  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
