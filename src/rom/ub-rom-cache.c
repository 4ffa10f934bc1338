/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE  /* nftw () */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ub-file.h"
#include "ub-rom-archive-private.h"
#include "ub-rom-error.h"
#include "ub-rom-name.h"

/*
 * The ROM cache: one folder per unpack, "<key>" (complete, with its marker),
 * "<key>.partial" (being written or left by a crash) and "<key>.lock" (held
 * while someone unpacks or prunes <key>). Reuse of a complete unpack and pruning.
 */

char *
ub_rom_cache_default_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "unbrick", "roms", NULL);
}

/* "<stem>-<size>", restricted to a portable character set. */
char *
ub_rom_cache_unpack_key (const char *path,
                         guint64     size)
{
  g_autofree char *stem = ub_rom_name_dup_stem (path);
  GString *key = g_string_new (NULL);

  for (const char *p = stem; *p && key->len < 180; p++)
    {
      char c = *p;

      if (!(g_ascii_isalnum (c) || c == '.' || c == '_' || c == '-' || c == '+'))
        c = '_';
      if (key->len == 0 && c == '.')
        c = '_';
      g_string_append_c (key, c);
    }
  if (key->len == 0)
    g_string_append (key, "archive");
  g_string_append_printf (key, "-%" G_GUINT64_FORMAT, size);
  return g_string_free (key, FALSE);
}

/* ------------------------------------------------------------------------ */
/* Files */

char *
ub_rom_cache_read_boot_id (void)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents ("/proc/sys/kernel/random/boot_id", &contents, NULL, NULL))
    return g_strdup ("");
  return g_strdup (g_strstrip (contents));
}

/*
 * One lock file per key serialises unpacks of the same archive (threads or
 * processes) and lets prune skip unpacks in progress. The lock file exists
 * only while held: it is unlinked before being closed, so a waiter that
 * locked an unlinked file notices it (other inode) and retries.
 */
int
ub_rom_cache_lock_key (const char   *lock_path,
                       gboolean      wait,
                       GCancellable *cancellable,
                       GError      **error)
{
  for (;;)
    {
      struct stat fst, pst;
      int fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

      if (fd < 0)
        {
          int saved = errno;

          g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                       /* TRANSLATORS: %s: a folder, then the reason */
                       _("Could not use the ROM cache folder (%s): %s"), lock_path, g_strerror (saved));
          return -1;
        }
      if (flock (fd, LOCK_EX | LOCK_NB) == 0)
        {
          if (fstat (fd, &fst) == 0 && stat (lock_path, &pst) == 0 &&
              fst.st_dev == pst.st_dev && fst.st_ino == pst.st_ino)
            return fd;
          close (fd);
          continue;
        }
      if (errno != EWOULDBLOCK && errno != EINTR)
        return fd;  /* a file system without locks: go on unlocked */
      close (fd);
      if (!wait)
        return -2;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return -1;
      g_usleep (50 * 1000);
    }
}

void
ub_rom_cache_unlock_key (int         fd,
                         const char *lock_path)
{
  if (fd < 0)
    return;
  unlink (lock_path);
  close (fd);
}

/* ------------------------------------------------------------------------ */
/* The marker */

/* The marker of a complete unpack, or NULL. */
static GKeyFile *
ub_rom_cache_load_marker (const char *unpack_dir)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = g_build_filename (unpack_dir, UB_ROM_ARCHIVE_MARKER, NULL);
  g_auto(GStrv) paths = NULL;
  g_auto(GStrv) md5s = NULL;
  gsize n_paths = 0, n_md5s = 0;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  if (g_key_file_get_integer (kf, MARKER_GROUP, "version", NULL) != MARKER_VERSION ||
      !g_key_file_get_boolean (kf, MARKER_GROUP, "complete", NULL))
    return NULL;
  paths = g_key_file_get_string_list (kf, FILES_GROUP, "paths", &n_paths, NULL);
  md5s = g_key_file_get_string_list (kf, FILES_GROUP, "md5", &n_md5s, NULL);
  if (n_paths != n_md5s)
    return NULL;
  for (gsize i = 0; i < n_md5s; i++)
    if (strlen (md5s[i]) != 32)
      return NULL;
  return g_steal_pointer (&kf);
}

GHashTable *
ub_rom_archive_load_digests (const char *unpack_dir)
{
  g_autoptr(GKeyFile) kf = NULL;
  g_auto(GStrv) paths = NULL;
  g_auto(GStrv) md5s = NULL;
  GHashTable *digests;

  g_return_val_if_fail (unpack_dir != NULL, NULL);
  kf = ub_rom_cache_load_marker (unpack_dir);
  if (kf == NULL)
    return NULL;
  paths = g_key_file_get_string_list (kf, FILES_GROUP, "paths", NULL, NULL);
  md5s = g_key_file_get_string_list (kf, FILES_GROUP, "md5", NULL, NULL);
  digests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; paths && paths[i]; i++)
    g_hash_table_replace (digests, g_strdup (paths[i]), g_strdup (md5s[i]));
  return digests;
}

char *
ub_rom_archive_dup_archive_md5 (const char *unpack_dir)
{
  g_autoptr(GKeyFile) kf = NULL;
  g_autofree char *md5 = NULL;

  g_return_val_if_fail (unpack_dir != NULL, NULL);
  kf = ub_rom_cache_load_marker (unpack_dir);
  if (kf == NULL)
    return NULL;
  md5 = g_key_file_get_string (kf, MARKER_GROUP, "archive-md5", NULL);
  if (md5 == NULL || strlen (md5) != 32)
    return NULL;
  return g_steal_pointer (&md5);
}

/* Hashes every recorded file again (after a reboot, the page cache that
 * held them is gone: this reads what really reached the disk). */
static gboolean
verify_unpack (const char               *dir,
               GKeyFile                 *kf,
               guint64                   size,
               UbRomArchiveProgressFunc  progress,
               gpointer                  user_data,
               GCancellable             *cancellable,
               GError                  **error)
{
  g_auto(GStrv) paths = g_key_file_get_string_list (kf, FILES_GROUP, "paths", NULL, NULL);
  g_auto(GStrv) md5s = g_key_file_get_string_list (kf, FILES_GROUP, "md5", NULL, NULL);
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree guint8 *buf = g_malloc (READ_BLOCK_SIZE);
  guint64 total = 0, done = 0;
  gint64 last = 0;
  guint n = paths ? g_strv_length (paths) : 0;
  gboolean ok = TRUE;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *file = g_build_filename (dir, paths[i], NULL);
      struct stat st;

      if (lstat (file, &st) != 0 || !S_ISREG (st.st_mode))
        return FALSE;
      total += (guint64) st.st_size;
    }
  for (guint i = 0; ok && i < n; i++)
    {
      g_autofree char *file = g_build_filename (dir, paths[i], NULL);
      int fd = open (file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      ssize_t r;

      if (fd < 0)
        return FALSE;
      (void) posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      g_checksum_reset (md5);
      while ((r = read (fd, buf, READ_BLOCK_SIZE)) != 0)
        {
          gint64 now;

          if (r < 0 && errno == EINTR)
            continue;
          if (r < 0 || g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              ok = FALSE;
              break;
            }
          g_checksum_update (md5, buf, r);
          done += (guint64) r;
          now = g_get_monotonic_time ();
          if (progress && now - last >= PROGRESS_INTERVAL_USEC && total > 0)
            {
              last = now;
              progress ((guint64) ((double) done / (double) total * (double) size), size,
                        paths[i], user_data);
            }
        }
      close (fd);
      if (ok && strcmp (g_checksum_get_string (md5), md5s[i]) != 0)
        ok = FALSE;
    }
  return ok;
}

char *
ub_rom_cache_try_reuse (UbRomArchive             *self,
                        const char               *final_dir,
                        guint64                   size,
                        gint64                    mtime_usec,
                        UbRomArchiveProgressFunc  progress,
                        gpointer                  user_data,
                        GCancellable             *cancellable,
                        GError                  **error)
{
  g_autoptr(GKeyFile) kf = ub_rom_cache_load_marker (final_dir);
  g_autofree char *base = g_path_get_basename (self->path);
  g_autofree char *name = NULL;
  g_autofree char *boot = NULL;
  g_autofree char *marker_boot = NULL;
  g_autofree char *marker = g_build_filename (final_dir, UB_ROM_ARCHIVE_MARKER, NULL);

  if (kf == NULL)
    return NULL;
  name = g_key_file_get_string (kf, MARKER_GROUP, "name", NULL);
  if (g_strcmp0 (name, base) != 0 ||
      g_key_file_get_uint64 (kf, MARKER_GROUP, "size", NULL) != size ||
      g_key_file_get_int64 (kf, MARKER_GROUP, "mtime-usec", NULL) != mtime_usec)
    return NULL;

  boot = ub_rom_cache_read_boot_id ();
  marker_boot = g_key_file_get_string (kf, MARKER_GROUP, "boot-id", NULL);
  if (boot[0] == '\0' || g_strcmp0 (boot, marker_boot) != 0)
    {
      if (!verify_unpack (final_dir, kf, size, progress, user_data, cancellable, error))
        return NULL;
      g_key_file_set_string (kf, MARKER_GROUP, "boot-id", boot);
      if (!g_key_file_save_to_file (kf, marker, NULL))
        return NULL;
    }
  /* last use, for prune */
  utimensat (AT_FDCWD, marker, NULL, 0);
  if (progress)
    progress (size, size, NULL, user_data);
  return g_strdup (final_dir);
}


/* ------------------------------------------------------------------------ */
/* Prune */

typedef struct {
  char  *key;
  gint64 used;
} CacheItem;

static gint
cache_item_newer_first (gconstpointer a,
                        gconstpointer b)
{
  const CacheItem *x = a, *y = b;

  return x->used < y->used ? 1 : (x->used > y->used ? -1 : 0);
}

/* "<stem>-<digits>": a name unpack_key() can produce. */
static gboolean
looks_like_key (const char *name)
{
  const char *dash = strrchr (name, '-');

  if (dash == NULL || dash == name || dash[1] == '\0')
    return FALSE;
  for (const char *p = dash + 1; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

int
ub_rom_cache_hold (const char *unpack_dir)
{
  int fd = open (unpack_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd >= 0 && flock (fd, LOCK_SH) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* TRUE when someone holds @path (ub_rom_cache_hold()). */
static gboolean
in_use (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  gboolean used = FALSE;

  if (fd < 0)
    return FALSE;
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    used = errno == EWOULDBLOCK;
  close (fd);
  return used;
}

typedef enum { DELETED, BUSY, FAILED } DeleteResult;

/* Deletes cache/<key><suffix> if nobody is unpacking <key> or using it. */
static DeleteResult
delete_unlocked (const char *cache_dir,
                 const char *key,
                 const char *suffix,
                 GError    **error)
{
  g_autofree char *lock_path = g_strdup_printf ("%s/%s.lock", cache_dir, key);
  g_autofree char *path = g_strdup_printf ("%s/%s%s", cache_dir, key, suffix);
  int fd = ub_rom_cache_lock_key (lock_path, FALSE, NULL, error);
  DeleteResult result;

  if (fd == -2)
    return BUSY;  /* being unpacked */
  if (fd < 0)
    return FAILED;
  /* under the key's lock: nobody can start using it meanwhile */
  if (in_use (path))
    result = BUSY;
  else
    result = ub_file_remove_tree (path, error) ? DELETED : FAILED;
  ub_rom_cache_unlock_key (fd, lock_path);
  return result;
}

static guint64 usage_sum;
G_LOCK_DEFINE_STATIC (usage_sum);

static int
add_disk_usage (const char        *path,
                const struct stat *st,
                int                flag,
                struct FTW        *ftw)
{
  if (flag != FTW_NS)
    usage_sum += (guint64) st->st_blocks * 512;
  return 0;
}

/* Bytes on disk of @path and everything below it (links not followed). */
static guint64
disk_usage (const char *path)
{
  guint64 sum;

  G_LOCK (usage_sum);
  usage_sum = 0;
  nftw (path, add_disk_usage, 16, FTW_PHYS | FTW_MOUNT);
  sum = usage_sum;
  G_UNLOCK (usage_sum);
  return sum;
}

guint64
ub_rom_archive_get_cache_size (const char *cache_dir)
{
  g_autofree char *dir_path = cache_dir ? g_strdup (cache_dir) : ub_rom_cache_default_dir ();

  struct stat st;
  guint64 all;

  if (lstat (dir_path, &st) != 0 || !S_ISDIR (st.st_mode))
    return 0;
  /* what is in it: an empty cache takes nothing */
  all = disk_usage (dir_path);
  return all - MIN ((guint64) st.st_blocks * 512, all);
}

/*
 * Keeps the @keep most recently used complete unpacks that fit in @limit
 * bytes together (the newest first; once one does not fit, none older is
 * kept) and those in use; deletes the rest, and partial leftovers and stale
 * locks, except what is being unpacked.
 */
static gboolean
prune (const char *cache_dir,
       guint       keep,
       guint64     limit,
       GError    **error)
{
  g_autofree char *dir_path = cache_dir ? g_strdup (cache_dir) : ub_rom_cache_default_dir ();
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (CacheItem));
  g_autoptr(GPtrArray) locks = g_ptr_array_new_with_free_func (g_free);
  GError *first = NULL;
  const char *name;
  guint64 used = 0;         /* bytes of the unpacks kept */
  gboolean full = FALSE;    /* one did not fit: none older is kept */

  dir = g_dir_open (dir_path, 0, NULL);
  if (dir == NULL)
    return TRUE;  /* no cache yet */

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      GError *local = NULL;
      struct stat st;

      if (lstat (path, &st) != 0)
        continue;
      if (g_str_has_suffix (name, ".lock") && S_ISREG (st.st_mode))
        {
          g_ptr_array_add (locks, g_strndup (name, strlen (name) - 5));
          continue;
        }
      if (!S_ISDIR (st.st_mode))
        continue;
      if (g_str_has_suffix (name, ".partial"))
        {
          g_autofree char *key = g_strndup (name, strlen (name) - 8);

          delete_unlocked (dir_path, key, ".partial", first ? NULL : &local);
        }
      else if (looks_like_key (name))
        {
          g_autoptr(GKeyFile) kf = ub_rom_cache_load_marker (path);
          g_autofree char *marker = g_build_filename (path, UB_ROM_ARCHIVE_MARKER, NULL);

          if (kf && stat (marker, &st) == 0)
            {
              CacheItem item = { g_strdup (name),
                                 (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000 };
              g_array_append_val (items, item);
            }
          else
            delete_unlocked (dir_path, name, "", first ? NULL : &local);
        }
      if (local && first == NULL)
        first = local;
    }

  g_array_sort (items, cache_item_newer_first);
  for (guint i = 0; i < items->len; i++)
    {
      CacheItem *item = &g_array_index (items, CacheItem, i);
      g_autofree char *path = g_build_filename (dir_path, item->key, NULL);
      guint64 size = limit < G_MAXUINT64 ? disk_usage (path) : 0;

      if (i < keep && !full && size <= limit - MIN (used, limit))
        used += size;
      else
        {
          full = TRUE;
          if (delete_unlocked (dir_path, item->key, "", first ? NULL : &first) == BUSY)
            used += size;
        }
      g_free (item->key);
    }
  /* lock files left by a crash: taking and releasing the lock deletes them */
  for (guint i = 0; i < locks->len; i++)
    delete_unlocked (dir_path, locks->pdata[i], ".partial", first ? NULL : &first);

  if (first)
    {
      g_propagate_error (error, first);
      return FALSE;
    }
  return TRUE;
}

gboolean
ub_rom_archive_prune_cache (const char *cache_dir,
                            guint       keep,
                            GError    **error)
{
  return prune (cache_dir, keep, G_MAXUINT64, error);
}

gboolean
ub_rom_archive_prune_cache_to_size (const char *cache_dir,
                                    guint64     limit,
                                    GError    **error)
{
  return prune (cache_dir, G_MAXUINT, limit, error);
}
