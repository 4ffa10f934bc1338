/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE  /* unshare (CLONE_FS) */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

#include "ub-rom-archive.h"
#include "ub-rom-error.h"

/*
 * Unpacking runs on two threads (2 cores are the floor):
 *  - the caller's thread reads the archive file in READ_BLOCK_SIZE blocks
 *    (our own libarchive read callback); gzip is inflated here with zlib,
 *    which checks every member's CRC-32 and length unless the name's MD5
 *    covers that (libarchive's gzip filter ignores the trailer, so a damaged
 *    stored block would pass); libarchive
 *    parses the rest, every entry is validated and file data is copied into
 *    DATA_BLOCK_SIZE blocks;
 *  - a writer thread hashes the file data (per-file MD5) and writes it
 *    through archive_write_disk.
 * The archive MD5 is done by whichever thread would otherwise wait (see
 * Hasher), which keeps both cores busy whether the data compresses well
 * (inflating dominates) or not (hashing and copying dominate).
 * The threads talk through one ordered queue; blocks come from small fixed
 * pools, so memory stays bounded whatever the archive size.
 * archive_write_disk resolves paths against the current directory, which
 * is process-wide: the writer thread unshares its filesystem attributes
 * (CLONE_FS) and chdir()s into the partial unpack directory, so neither the
 * rest of the process nor a second unpack is affected. Where unshare() is
 * forbidden (Flatpak's seccomp filter), the writer enters the directory
 * around each path-using libarchive call only, under a process-wide lock
 * (see enter_dir()).
 */

#define READ_BLOCK_SIZE   (1024 * 1024)
#define N_READ_BLOCKS     3        /* one held by libarchive, the rest queued */
#define DATA_BLOCK_SIZE   (512 * 1024)
#define N_DATA_BLOCKS     4
#define TAR_BLOCK_SIZE    (512 * 1024)   /* inflated gzip */
#define N_TAR_BLOCKS      2
#define PROGRESS_INTERVAL_USEC (50 * 1000)
#define ENTRY_SPACE_MARGIN (1024 * 1024)
#define MAX_ENTRIES       100000
#define MAX_PATH_BYTES    1024
#define MARKER_VERSION    1
#define MARKER_GROUP      "unpack"
#define FILES_GROUP       "files"

#define WRITE_DISK_FLAGS (ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS | \
                          ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_TIME)

struct _UbRomArchive
{
  GObject parent_instance;

  char *path;
  char *cache_dir;
  UbRomArchiveFreeSpaceFunc free_space_func;
  gpointer free_space_data;
};

G_DEFINE_FINAL_TYPE (UbRomArchive, ub_rom_archive, G_TYPE_OBJECT)

static void
ub_rom_archive_finalize (GObject *object)
{
  UbRomArchive *self = UB_ROM_ARCHIVE (object);

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
}

static char *
default_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "unbrick", "roms", NULL);
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
  cache = cache_dir ? g_strdup (cache_dir) : default_cache_dir ();
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

/* ------------------------------------------------------------------------ */
/* Names */

typedef struct {
  const char *ext;
  const char *(*available) (void);  /* NULL: always */
} ArchiveExt;

static const ArchiveExt archive_exts[] = {
  { ".tar.gz", NULL }, { ".tgz", NULL }, { ".tar", NULL }, { ".zip", NULL },
  { ".tar.xz", archive_liblzma_version }, { ".txz", archive_liblzma_version },
  { ".tar.bz2", archive_bzlib_version }, { ".tbz2", archive_bzlib_version },
  { ".tbz", archive_bzlib_version },
  { ".tar.zst", archive_libzstd_version }, { ".tzst", archive_libzstd_version },
};

/* Length of the archive extension @name ends with, 0 if none. */
static gsize
archive_ext_len (const char *name)
{
  gsize len = strlen (name);

  for (guint i = 0; i < G_N_ELEMENTS (archive_exts); i++)
    {
      gsize elen = strlen (archive_exts[i].ext);

      if (len > elen && g_ascii_strcasecmp (name + len - elen, archive_exts[i].ext) == 0)
        {
          if (archive_exts[i].available && archive_exts[i].available () == NULL)
            return 0;
          return elen;
        }
    }
  return 0;
}

gboolean
ub_rom_archive_is_archive_name (const char *path)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  base = g_path_get_basename (path);
  return archive_ext_len (base) > 0;
}

/* The base name without its archive extension. */
static char *
archive_stem (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  return g_strndup (base, strlen (base) - archive_ext_len (base));
}

static char *
name_md5_prefix (const char *path)
{
  g_autofree char *stem = archive_stem (path);
  gsize len = strlen (stem);

  /* a browser's duplicate download: "name_0a1b2c3d4e (1).tgz" */
  if (len > 0 && stem[len - 1] == ')')
    {
      gsize i = len - 1;

      while (i > 0 && g_ascii_isdigit (stem[i - 1]))
        i--;
      if (i > 0 && i < len - 1 && stem[i - 1] == '(')
        {
          len = i - 1;
          while (len > 0 && stem[len - 1] == ' ')
            len--;
        }
    }
  if (len < 11 || stem[len - 11] != '_')
    return NULL;
  for (gsize i = len - 10; i < len; i++)
    if (!g_ascii_isxdigit (stem[i]))
      return NULL;
  return g_ascii_strdown (stem + len - 10, 10);
}

char *
ub_rom_archive_dup_name_md5_prefix (UbRomArchive *self)
{
  g_return_val_if_fail (UB_IS_ROM_ARCHIVE (self), NULL);
  return name_md5_prefix (self->path);
}

/* "<stem>-<size>", restricted to a portable character set. */
static char *
unpack_key (const char *path,
            guint64     size)
{
  g_autofree char *stem = archive_stem (path);
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

static int
rm_rf_one (const char        *path,
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

/* Deletes @path and everything below it, never following a link. */
static gboolean
rm_rf (const char *path,
       GError    **error)
{
  struct stat st;
  int saved;

  if (lstat (path, &st) != 0)
    return TRUE;
  if (S_ISDIR (st.st_mode))
    nftw (path, rm_rf_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  else
    unlink (path);
  if (lstat (path, &st) != 0)
    return TRUE;
  saved = errno;
  g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
               /* TRANSLATORS: %s: a file or folder, then the reason */
               _("Could not delete “%s”: %s"), path, g_strerror (saved ? saved : EBUSY));
  return FALSE;
}

static guint64
free_space (UbRomArchive *self,
            const char   *dir)
{
  struct statvfs sv;

  if (self->free_space_func)
    return self->free_space_func (dir, self->free_space_data);
  if (statvfs (dir, &sv) != 0)
    return G_MAXUINT64;  /* unknown: let the writes tell */
  return (guint64) sv.f_bavail * sv.f_frsize;
}

static void
set_no_space_error (GError    **error,
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

static char *
read_boot_id (void)
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
static int
lock_key (const char   *lock_path,
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

static void
unlock_key (int         fd,
            const char *lock_path)
{
  if (fd < 0)
    return;
  unlink (lock_path);
  close (fd);
}

/* ------------------------------------------------------------------------ */
/* The marker */

static GKeyFile *
load_marker (const char *unpack_dir)
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
  kf = load_marker (unpack_dir);
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
  kf = load_marker (unpack_dir);
  if (kf == NULL)
    return NULL;
  md5 = g_key_file_get_string (kf, MARKER_GROUP, "archive-md5", NULL);
  if (md5 == NULL || strlen (md5) != 32)
    return NULL;
  return g_steal_pointer (&md5);
}

/* ------------------------------------------------------------------------ */
/* Buffers shared by the two threads */

typedef struct _Pool Pool;

typedef struct {
  guint8 *data;
  gsize   len;
  gint    refs;
  Pool   *pool;
} Block;

struct _Pool {
  GAsyncQueue *free;
  Block       *blocks;
  guint        n;
  gsize        size;
};

static Pool *
pool_new (guint n,
          gsize size)
{
  Pool *pool = g_new0 (Pool, 1);

  pool->free = g_async_queue_new ();
  pool->blocks = g_new0 (Block, n);
  pool->n = n;
  pool->size = size;
  for (guint i = 0; i < n; i++)
    {
      pool->blocks[i].data = g_malloc (size);
      pool->blocks[i].pool = pool;
      g_async_queue_push (pool->free, &pool->blocks[i]);
    }
  return pool;
}

static void
pool_free (Pool *pool)
{
  if (g_async_queue_length (pool->free) != (gint) pool->n)
    {
      g_critical ("ub-rom-archive: %d blocks still in use",
                  (gint) pool->n - g_async_queue_length (pool->free));
      return;  /* leaked rather than freed under someone's feet */
    }
  for (guint i = 0; i < pool->n; i++)
    g_free (pool->blocks[i].data);
  g_free (pool->blocks);
  g_async_queue_unref (pool->free);
  g_free (pool);
}

/* Waits until a block is free (the writer always gives them back). */
static Block *
pool_get (Pool *pool)
{
  Block *block = g_async_queue_pop (pool->free);

  block->len = 0;
  block->refs = 1;
  return block;
}

static Block *
block_ref (Block *block)
{
  g_atomic_int_inc (&block->refs);
  return block;
}

static void
block_unref (Block *block)
{
  if (block && g_atomic_int_dec_and_test (&block->refs))
    g_async_queue_push (block->pool->free, block);
}

/*
 * The archive MD5 is work either thread can do: raw blocks wait in order in
 * @pending, and whichever thread would otherwise wait (the reader for a free
 * block, the writer for a message) hashes the oldest one. Popping and
 * hashing happen under @md5_lock, so the order is kept.
 */
typedef struct {
  GMutex     md5_lock;
  GMutex     pending_lock;
  GQueue     pending;       /* Block */
  GChecksum *md5;
} Hasher;

static void
hasher_init (Hasher *h)
{
  g_mutex_init (&h->md5_lock);
  g_mutex_init (&h->pending_lock);
  g_queue_init (&h->pending);
  h->md5 = g_checksum_new (G_CHECKSUM_MD5);
}

static void
hasher_clear (Hasher *h)
{
  Block *block;

  while ((block = g_queue_pop_head (&h->pending)))
    block_unref (block);
  g_checksum_free (h->md5);
  g_mutex_clear (&h->md5_lock);
  g_mutex_clear (&h->pending_lock);
}

static void
hasher_push (Hasher *h,
             Block  *block)
{
  g_mutex_lock (&h->pending_lock);
  g_queue_push_tail (&h->pending, block_ref (block));
  g_mutex_unlock (&h->pending_lock);
}

/* Hashes the oldest pending block; FALSE if there was none (or, unless
 * @wait, the other thread is hashing). */
static gboolean
hasher_work (Hasher  *h,
             gboolean wait)
{
  Block *block;

  if (wait)
    g_mutex_lock (&h->md5_lock);
  else if (!g_mutex_trylock (&h->md5_lock))
    return FALSE;
  g_mutex_lock (&h->pending_lock);
  block = g_queue_pop_head (&h->pending);
  g_mutex_unlock (&h->pending_lock);
  if (block)
    g_checksum_update (h->md5, block->data, (gssize) block->len);
  g_mutex_unlock (&h->md5_lock);
  block_unref (block);
  return block != NULL;
}

/* A free block; while there is none, helps with the archive MD5. */
static Block *
pool_get_helping (Pool   *pool,
                  Hasher *h)
{
  for (;;)
    {
      Block *block = g_async_queue_try_pop (pool->free);

      if (block == NULL && !hasher_work (h, FALSE))
        block = g_async_queue_pop (pool->free);
      if (block)
        {
          block->len = 0;
          block->refs = 1;
          return block;
        }
    }
}

typedef enum {
  MSG_ENTRY,   /* archive_write_header */
  MSG_DATA,    /* file data */
  MSG_END,     /* archive_write_finish_entry */
  MSG_FINISH,
} MsgType;

typedef struct {
  MsgType               type;
  Block                *block;
  struct archive_entry *entry;
} Msg;

/* ------------------------------------------------------------------------ */
/* One unpack */

typedef enum {
  NODE_DIR = 1,
  NODE_FILE,
  NODE_LINK,
} NodeType;

typedef struct {
  UbRomArchive *self;
  char         *partial_dir;
  GAsyncQueue  *queue;         /* Msg, to the writer */
  GThread      *writer;

  /* reader side (the caller's thread) */
  int           fd;
  guint64       size;
  guint64       done;
  Block        *held;          /* the block libarchive is reading */
  Pool         *read_pool;
  Pool         *data_pool;
  Pool         *tar_pool;
  Hasher        hasher;        /* the archive MD5 */
  gboolean      gzip;
  z_stream      zs;
  gboolean      zs_ready;
  gboolean      member_done;   /* at the end of a gzip member */
  gboolean      gzip_done;     /* no more gzip members (trailing bytes ignored) */
  Block        *in_block;      /* the raw block zlib is reading */
  GCancellable *cancellable;
  GError       *read_error;
  gint64        last_progress;
  char         *entry_name;
  UbRomArchiveProgressFunc progress;
  gpointer      progress_data;
  GHashTable   *nodes;         /* normalized path → NodeType */
  GHashTable   *link_paths;    /* every path a link target passes through */

  /* shared */
  gint          stop;          /* reader → writer: drop everything */
  gint          failed;        /* writer → reader: writer_error is set */

  /* writer side (valid to the reader once the writer is joined) */
  GError       *writer_error;
  GHashTable   *digests;       /* path → md5 hex */
  GPtrArray    *digest_order;  /* paths in archive order */
  guint64       written;
  guint64       entry_left;    /* bytes of the current entry not yet written */
} Unpack;

static void
push_msg (Unpack               *u,
          MsgType               type,
          Block                *block,
          struct archive_entry *entry)
{
  Msg *msg = g_new (Msg, 1);

  msg->type = type;
  msg->block = block;
  msg->entry = entry;
  g_async_queue_push (u->queue, msg);
}

static gboolean
should_stop (Unpack *u)
{
  return g_atomic_int_get (&u->failed) || g_atomic_int_get (&u->stop) ||
         g_cancellable_is_cancelled (u->cancellable);
}

static void
report_progress (Unpack  *u,
                 gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (u->progress == NULL || (!force && now - u->last_progress < PROGRESS_INTERVAL_USEC))
    return;
  u->last_progress = now;
  u->progress (u->done, u->size, u->entry_name, u->progress_data);
}

static void
set_archive_error (GError    **error,
                   const char *detail);

/* The next block of the archive file (hashed), or NULL at the end or on an
 * error (read_error set). */
static Block *
read_block (Unpack *u)
{
  Block *block = pool_get_helping (u->read_pool, &u->hasher);

  while (block->len < u->read_pool->size)
    {
      ssize_t r = read (u->fd, block->data + block->len, u->read_pool->size - block->len);

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int saved = errno;

          g_set_error (&u->read_error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE,
                       _("The file could not be read: %s."), g_strerror (saved));
          block_unref (block);
          return NULL;
        }
      if (r == 0)
        break;
      block->len += (gsize) r;
    }
  if (block->len == 0)
    {
      block_unref (block);
      return NULL;
    }
  u->done += block->len;
  hasher_push (&u->hasher, block);
  report_progress (u, FALSE);
  return block;
}

/* The next block of the tar stream inflated from gzip members, or NULL at
 * the end or on an error (read_error set). */
static Block *
inflate_block (Unpack *u)
{
  Block *out;

  if (u->gzip_done || u->read_error)
    return NULL;
  out = pool_get (u->tar_pool);
  u->zs.next_out = out->data;
  u->zs.avail_out = (uInt) u->tar_pool->size;
  while (u->zs.avail_out > 0)
    {
      int r;

      if (u->zs.avail_in == 0)
        {
          g_clear_pointer (&u->in_block, block_unref);
          u->in_block = read_block (u);
          if (u->in_block == NULL)
            {
              if (u->read_error == NULL && !u->member_done)
                set_archive_error (&u->read_error, "truncated gzip input");
              u->gzip_done = TRUE;
              break;
            }
          u->zs.next_in = u->in_block->data;
          u->zs.avail_in = (uInt) u->in_block->len;
        }
      if (u->member_done)
        {
          /* another member, or bytes after the end that are not one */
          if (u->zs.next_in[0] != 0x1f)
            {
              u->gzip_done = TRUE;
              break;
            }
          inflateReset (&u->zs);
          u->member_done = FALSE;
        }
      r = inflate (&u->zs, Z_NO_FLUSH);
      if (r == Z_STREAM_END)
        u->member_done = TRUE;
      else if (r != Z_OK)
        {
          set_archive_error (&u->read_error, u->zs.msg ? u->zs.msg : "gzip data error");
          u->gzip_done = TRUE;
          break;
        }
    }
  out->len = u->tar_pool->size - u->zs.avail_out;
  if (out->len == 0 || u->read_error)
    {
      block_unref (out);
      return NULL;
    }
  return out;
}

static Block *
stream_block (Unpack *u)
{
  return u->gzip ? inflate_block (u) : read_block (u);
}

static la_ssize_t
archive_read_cb (struct archive *a,
                 void           *data,
                 const void    **buffer)
{
  Unpack *u = data;

  g_clear_pointer (&u->held, block_unref);
  *buffer = NULL;
  if (should_stop (u))
    {
      archive_set_error (a, ECANCELED, "stopped");
      return -1;
    }
  u->held = stream_block (u);
  if (u->held == NULL)
    {
      if (u->read_error)
        {
          archive_set_error (a, EIO, "%s", u->read_error->message);
          return -1;
        }
      return 0;
    }
  *buffer = u->held->data;
  return (la_ssize_t) u->held->len;
}

/* ------------------------------------------------------------------------ */
/* The writer thread */

static void
writer_fail (Unpack *u,
             GError *error)
{
  if (u->writer_error == NULL)
    u->writer_error = error;
  else
    g_error_free (error);
  g_atomic_int_set (&u->failed, 1);
}

static char *
display_name (const char *name)
{
  g_autofree char *valid = NULL;
  GString *s;

  if (name == NULL)
    return g_strdup ("?");
  valid = g_utf8_make_valid (name, -1);
  s = g_string_new (NULL);
  for (const char *p = valid; *p && s->len < 200; p = g_utf8_next_char (p))
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_c (s, '?');
      else
        g_string_append_unichar (s, g_utf8_get_char (p));
    }
  return g_string_free (s, FALSE);
}

static void
set_unsafe_error (GError    **error,
                  const char *name,
                  const char *reason)
{
  g_autofree char *shown = display_name (name);

  g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSAFE_PATH,
               /* TRANSLATORS: the first %s is an entry of the archive, the second says
                * what is wrong with it, e.g. "has an absolute path" */
               _("The archive was refused because it is unsafe: the entry “%s” %s. Genuine ROM "
                 "archives never contain such entries; download the ROM again from the official source."),
               shown, reason);
}

static GError *
write_disk_error (Unpack         *u,
                  struct archive *disk,
                  const char     *entry)
{
  GError *error = NULL;
  int err = archive_errno (disk);
  const char *text = archive_error_string (disk);

  if (err == ENOSPC || err == EDQUOT)
    {
      /* all written so far and the rest of this entry, at least */
      g_autofree char *size = g_format_size (u->written + u->entry_left);

      g_set_error (&error, UB_ROM_ERROR, UB_ROM_ERROR_NO_SPACE,
                   /* TRANSLATORS: a size, then a folder */
                   _("The disk became full while unpacking the ROM: it needs more than %s of free "
                     "disk space in %s. Free up some space and try again."),
                   size, u->self->cache_dir);
    }
  else if (err == -1)  /* ARCHIVE_ERRNO_MISC, libarchive-internal */
    {
      /* archive_write_disk's own security checks (a defence in depth) */
      /* TRANSLATORS: completes “the entry “%s” %s” (see “The archive was refused…”); %s:
       * libarchive's reason, in English */
      g_autofree char *reason = g_strdup_printf (_("was refused by the unpacker (%s)"),
                                                 text ? text : "?");
      set_unsafe_error (&error, entry, reason);
    }
  else
    {
      g_set_error (&error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                   /* TRANSLATORS: %s: a folder, then the reason */
                   _("The ROM could not be unpacked into %s: %s. Check the disk and try again."),
                   u->self->cache_dir, err > 0 ? g_strerror (err) : (text ? text : "?"));
    }
  return error;
}

/* Without a private working directory: the process-wide one is switched
 * to the unpack directory only around calls that resolve paths. */
static GMutex shared_cwd_lock;

typedef struct {
  gboolean private_cwd;
  int      dir_fd;     /* shared mode: the partial directory */
  int      saved_fd;   /* shared mode: the process's directory meanwhile */
} WriterDir;

static void
enter_dir (WriterDir *d)
{
  if (d->private_cwd)
    return;
  g_mutex_lock (&shared_cwd_lock);
  d->saved_fd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fchdir (d->dir_fd) != 0)
    g_critical ("ub-rom-archive: cannot enter the unpack directory: %s", g_strerror (errno));
}

static void
leave_dir (WriterDir *d)
{
  if (d->private_cwd)
    return;
  if (d->saved_fd < 0 || fchdir (d->saved_fd) != 0)
    (void) chdir ("/");
  if (d->saved_fd >= 0)
    close (d->saved_fd);
  d->saved_fd = -1;
  g_mutex_unlock (&shared_cwd_lock);
}

static gboolean
writer_dir_init (WriterDir  *d,
                 const char *partial_dir,
                 GError    **error)
{
  int saved;

  d->saved_fd = -1;
  d->dir_fd = -1;
  d->private_cwd = unshare (CLONE_FS) == 0;
  if (d->private_cwd)
    {
      if (chdir (partial_dir) == 0)
        return TRUE;
    }
  else
    {
      g_debug ("ub-rom-archive: no private working directory (unshare: %s)", g_strerror (errno));
      d->dir_fd = open (partial_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (d->dir_fd >= 0)
        return TRUE;
    }
  saved = errno;
  g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
               _("The ROM could not be unpacked into %s: %s."), partial_dir, g_strerror (saved));
  return FALSE;
}

static gpointer
writer_main (gpointer data)
{
  Unpack *u = data;
  struct archive *disk = NULL;
  GChecksum *file_md5 = NULL;
  char *path = NULL;          /* the current entry */
  char *hardlink = NULL;
  gboolean writing = FALSE;
  WriterDir dir;
  GError *error = NULL;

  if (!writer_dir_init (&dir, u->partial_dir, &error))
    writer_fail (u, error);
  else
    {
      enter_dir (&dir);  /* archive_write_disk_new() reads the umask by setting it */
      disk = archive_write_disk_new ();
      leave_dir (&dir);
      archive_write_disk_set_options (disk, WRITE_DISK_FLAGS);
    }

  for (;;)
    {
      Msg *msg;
      MsgType type;

      /* idle: help with the archive MD5 */
      while ((msg = g_async_queue_try_pop (u->queue)) == NULL)
        if (!hasher_work (&u->hasher, FALSE))
          {
            msg = g_async_queue_pop (u->queue);
            break;
          }
      type = msg->type;
      gboolean live = !g_atomic_int_get (&u->failed) && !g_atomic_int_get (&u->stop);

      switch (type)
        {
        case MSG_ENTRY:
          if (live)
            {
              struct archive_entry *entry = msg->entry;
              guint64 size = archive_entry_size_is_set (entry) ? (guint64) archive_entry_size (entry) : 0;
              guint64 avail = free_space (u->self, u->partial_dir);

              g_clear_pointer (&path, g_free);
              g_clear_pointer (&hardlink, g_free);
              path = g_strdup (archive_entry_pathname (entry));
              u->entry_left = size;
              if (archive_entry_hardlink (entry))
                hardlink = g_strdup (archive_entry_hardlink (entry));
              writing = archive_entry_filetype (entry) == AE_IFREG || hardlink != NULL;
              if (avail < size + ENTRY_SPACE_MARGIN)
                {
                  GError *error = NULL;

                  set_no_space_error (&error, u->self->cache_dir,
                                      u->written + size + ENTRY_SPACE_MARGIN, u->written + avail);
                  writer_fail (u, error);
                }
              else
                {
                  int r;

                  enter_dir (&dir);
                  r = archive_write_header (disk, entry);
                  leave_dir (&dir);
                  if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
                    writer_fail (u, write_disk_error (u, disk, path));
                }
              if (!g_atomic_int_get (&u->failed) && writing)
                {
                  if (file_md5)
                    g_checksum_reset (file_md5);
                  else
                    file_md5 = g_checksum_new (G_CHECKSUM_MD5);
                }
            }
          break;

        case MSG_DATA:
          if (live && writing)
            {
              const guint8 *p = msg->block->data;
              gsize left = msg->block->len;

              g_checksum_update (file_md5, p, (gssize) left);
              while (left > 0)
                {
                  la_ssize_t w = archive_write_data (disk, p, left);

                  if (w < 0)
                    {
                      writer_fail (u, write_disk_error (u, disk, path));
                      break;
                    }
                  if (w == 0)
                    break;
                  p += w;
                  left -= (gsize) w;
                  u->written += (guint64) w;
                  u->entry_left -= MIN (u->entry_left, (guint64) w);
                }
            }
          break;

        case MSG_END:
          if (live)
            {
              int r;

              enter_dir (&dir);
              r = archive_write_finish_entry (disk);
              leave_dir (&dir);
              if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
                writer_fail (u, write_disk_error (u, disk, path));
              else if (writing)
                {
                  char *md5;

                  if (hardlink && archive_entry_size (msg->entry) <= 0 &&
                      g_hash_table_contains (u->digests, hardlink))
                    md5 = g_strdup (g_hash_table_lookup (u->digests, hardlink));
                  else
                    md5 = g_strdup (g_checksum_get_string (file_md5));
                  if (hardlink && g_hash_table_contains (u->digests, hardlink))
                    g_hash_table_replace (u->digests, g_strdup (hardlink), g_strdup (md5));
                  if (!g_hash_table_contains (u->digests, path))
                    g_ptr_array_add (u->digest_order, g_strdup (path));
                  g_hash_table_replace (u->digests, g_strdup (path), md5);
                }
            }
          break;

        case MSG_FINISH:
          if (live && disk)
            {
              int r;

              enter_dir (&dir);
              r = archive_write_close (disk);
              leave_dir (&dir);
              if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
                writer_fail (u, write_disk_error (u, disk, path));
            }
          break;
        }

      block_unref (msg->block);
      if (msg->entry)
        archive_entry_free (msg->entry);
      g_free (msg);
      if (type == MSG_FINISH)
        break;
    }

  if (disk)
    {
      enter_dir (&dir);
      archive_write_free (disk);
      leave_dir (&dir);
    }
  if (dir.dir_fd >= 0)
    close (dir.dir_fd);
  if (file_md5)
    g_checksum_free (file_md5);
  g_free (path);
  g_free (hardlink);
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Validation of entries (on the reader thread, before anything is written) */

static gboolean
has_control_chars (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s < 0x20 || *s == 0x7f)
      return TRUE;
  return FALSE;
}

/* Checks the text of a path; @what names the entry in errors. */
static gboolean
check_name (const char *name,
            const char *entry,
            GError    **error)
{
  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      /* TRANSLATORS: this and the next reasons complete “the entry “%s” %s” in “The archive was
       * refused because it is unsafe…” */
      set_unsafe_error (error, entry, _("has a name that is not valid text"));
      return FALSE;
    }
  if (has_control_chars (name))
    {
      set_unsafe_error (error, entry, _("has control characters in its name"));
      return FALSE;
    }
  if (strlen (name) > MAX_PATH_BYTES)
    {
      set_unsafe_error (error, entry, _("has a name that is too long"));
      return FALSE;
    }
  return TRUE;
}

/* "./a//b/" → "a/b"; NULL (and an error) for absolute paths and "..". */
static char *
normalize_path (const char *name,
                const char *entry,
                GError    **error)
{
  g_auto(GStrv) parts = NULL;
  GString *out;

  if (name[0] == '/')
    {
      set_unsafe_error (error, entry, _("has an absolute path"));
      return NULL;
    }
  parts = g_strsplit (name, "/", -1);
  out = g_string_new (NULL);
  for (guint i = 0; parts[i]; i++)
    {
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          set_unsafe_error (error, entry, _("leaves its folder (it contains “..”)"));
          g_string_free (out, TRUE);
          return NULL;
        }
      if (out->len)
        g_string_append_c (out, '/');
      g_string_append (out, parts[i]);
    }
  return g_string_free (out, FALSE);
}

/* TRUE if a proper prefix of @path is a link. */
static gboolean
under_link (Unpack     *u,
            const char *path)
{
  for (const char *p = strchr (path, '/'); p; p = strchr (p + 1, '/'))
    {
      g_autofree char *prefix = g_strndup (path, (gsize) (p - path));

      if (GPOINTER_TO_INT (g_hash_table_lookup (u->nodes, prefix)) == NODE_LINK)
        return TRUE;
    }
  return FALSE;
}

/* Resolves a link target lexically from the link's folder; every path it
 * passes through is remembered so that none of them can become a link later. */
static gboolean
check_link_target (Unpack     *u,
                   const char *path,
                   const char *target,
                   GError    **error)
{
  g_autofree char *shown = display_name (target);
  g_autofree char *reason = NULL;
  g_auto(GStrv) parts = NULL;
  GPtrArray *stack = g_ptr_array_new_with_free_func (g_free);
  const char *slash = strrchr (path, '/');
  gboolean ok = TRUE;

  if (slash)
    {
      g_auto(GStrv) dirs = NULL;
      g_autofree char *dir = g_strndup (path, (gsize) (slash - path));

      dirs = g_strsplit (dir, "/", -1);
      for (guint i = 0; dirs[i]; i++)
        g_ptr_array_add (stack, g_strdup (dirs[i]));
    }
  if (target[0] == '/')
    ok = FALSE;
  parts = g_strsplit (target, "/", -1);
  for (guint i = 0; ok && parts[i]; i++)
    {
      g_autofree char *visited = NULL;

      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          if (stack->len == 0)
            ok = FALSE;
          else
            g_ptr_array_remove_index (stack, stack->len - 1);
          continue;
        }
      g_ptr_array_add (stack, g_strdup (parts[i]));
      g_ptr_array_add (stack, NULL);
      visited = g_strjoinv ("/", (char **) stack->pdata);
      g_ptr_array_remove_index (stack, stack->len - 1);
      if (GPOINTER_TO_INT (g_hash_table_lookup (u->nodes, visited)) == NODE_LINK)
        {
          reason = g_strdup_printf (_("is a link that goes through another link (“%s”)"), shown);
          set_unsafe_error (error, path, reason);
          g_ptr_array_unref (stack);
          return FALSE;
        }
      g_hash_table_add (u->link_paths, g_steal_pointer (&visited));
    }
  g_ptr_array_unref (stack);
  if (!ok)
    {
      reason = g_strdup_printf (_("is a link pointing outside the archive (“%s”)"), shown);
      set_unsafe_error (error, path, reason);
    }
  return ok;
}

typedef enum {
  ENTRY_WRITE,
  ENTRY_SKIP,    /* the top folder itself ("./") */
  ENTRY_REFUSE,
} EntryVerdict;

static EntryVerdict
validate_entry (Unpack               *u,
                struct archive_entry *entry,
                GError              **error)
{
  const char *raw = archive_entry_pathname (entry);
  const char *shown_raw = raw ? raw : archive_entry_pathname_utf8 (entry);
  const char *hardlink = archive_entry_hardlink (entry);
  g_autofree char *path = NULL;
  g_autofree char *link_path = NULL;
  NodeType type, existing;
  mode_t ftype = archive_entry_filetype (entry);

  if (!check_name (raw, shown_raw, error))
    return ENTRY_REFUSE;
  path = normalize_path (raw, raw, error);
  if (path == NULL)
    return ENTRY_REFUSE;

  if (hardlink)
    type = NODE_FILE;
  else if (ftype == AE_IFREG)
    type = NODE_FILE;
  else if (ftype == AE_IFDIR)
    type = NODE_DIR;
  else if (ftype == AE_IFLNK)
    type = NODE_LINK;
  else
    {
      set_unsafe_error (error, raw, _("is a device, pipe or socket"));
      return ENTRY_REFUSE;
    }
  if (hardlink && ftype != AE_IFREG && ftype != 0)
    {
      set_unsafe_error (error, raw, _("is a device, pipe or socket"));
      return ENTRY_REFUSE;
    }

  if (path[0] == '\0')
    {
      if (type == NODE_DIR)
        return ENTRY_SKIP;
      set_unsafe_error (error, raw, _("has no name"));
      return ENTRY_REFUSE;
    }
  if (strcmp (path, UB_ROM_ARCHIVE_MARKER) == 0)
    {
      set_unsafe_error (error, raw, _("uses a name reserved by Unbrick"));
      return ENTRY_REFUSE;
    }
  if (under_link (u, path))
    {
      set_unsafe_error (error, raw, _("would be written through a link"));
      return ENTRY_REFUSE;
    }
  existing = GPOINTER_TO_INT (g_hash_table_lookup (u->nodes, path));
  if (existing && (existing != type || type == NODE_LINK))
    {
      set_unsafe_error (error, raw, _("replaces an earlier entry of another kind"));
      return ENTRY_REFUSE;
    }
  if (type == NODE_LINK && g_hash_table_contains (u->link_paths, path))
    {
      set_unsafe_error (error, raw, _("is a link where an earlier link points through"));
      return ENTRY_REFUSE;
    }
  /* a file where an earlier entry needs a folder */
  for (const char *p = strchr (path, '/'); p; p = strchr (p + 1, '/'))
    {
      g_autofree char *prefix = g_strndup (path, (gsize) (p - path));

      if (GPOINTER_TO_INT (g_hash_table_lookup (u->nodes, prefix)) == NODE_FILE)
        {
          set_unsafe_error (error, raw, _("replaces an earlier entry of another kind"));
          return ENTRY_REFUSE;
        }
    }

  if (type == NODE_LINK)
    {
      const char *target = archive_entry_symlink (entry);

      if (target == NULL || target[0] == '\0')
        {
          set_unsafe_error (error, raw, _("is a link to nothing"));
          return ENTRY_REFUSE;
        }
      if (!check_name (target, raw, error) || !check_link_target (u, path, target, error))
        return ENTRY_REFUSE;
    }
  if (hardlink)
    {
      g_autofree char *shown = display_name (hardlink);
      g_autofree char *reason = g_strdup_printf (_("is a hard link to “%s”, which is outside the "
                                                   "archive or not unpacked before it"), shown);
      GError *local = NULL;

      if (!check_name (hardlink, raw, error))
        return ENTRY_REFUSE;
      link_path = normalize_path (hardlink, raw, &local);
      g_clear_error (&local);
      if (link_path == NULL || under_link (u, link_path) ||
          GPOINTER_TO_INT (g_hash_table_lookup (u->nodes, link_path)) != NODE_FILE)
        {
          set_unsafe_error (error, raw, reason);
          return ENTRY_REFUSE;
        }
    }

  if (g_hash_table_size (u->nodes) >= MAX_ENTRIES)
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE,
                   /* TRANSLATORS: %d: a number of files */
                   _("The file could not be unpacked: it holds more than %d entries, far more than a "
                     "ROM. Check that you chose the right file."), MAX_ENTRIES);
      return ENTRY_REFUSE;
    }
  g_hash_table_replace (u->nodes, g_strdup (path), GINT_TO_POINTER (type));

  /* What archive_write_disk gets: the validated names, plain permissions,
   * no owner, ACLs, extended attributes or file flags. */
  archive_entry_set_pathname (entry, path);
  if (link_path)
    archive_entry_set_hardlink (entry, link_path);
  if (type == NODE_DIR)
    archive_entry_set_perm (entry, 0755);
  else if (type == NODE_FILE)
    archive_entry_set_perm (entry, (archive_entry_perm (entry) & 0111) ? 0755 : 0644);
  archive_entry_acl_clear (entry);
  archive_entry_xattr_clear (entry);
  archive_entry_set_fflags (entry, 0, 0);
  archive_entry_set_uid (entry, 0);
  archive_entry_set_gid (entry, 0);
  archive_entry_set_uname (entry, NULL);
  archive_entry_set_gname (entry, NULL);

  g_free (u->entry_name);
  u->entry_name = g_steal_pointer (&path);
  return ENTRY_WRITE;
}

/* ------------------------------------------------------------------------ */
/* Unpacking */

static void
set_archive_error (GError    **error,
                   const char *detail)
{
  g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE,
               /* TRANSLATORS: %s: the unpacker's reason, in English */
               _("The file could not be unpacked: it is damaged or incomplete. Download it again. (%s)"),
               detail && *detail ? detail : _("unknown error"));
}

static struct archive *
new_reader (void)
{
  struct archive *a = archive_read_new ();

  /* Only what ROMs come in: no format that can refer to files on this
   * computer (mtree) or needs seeking (7z, seekable zip), no filter that
   * would run an external program. */
  archive_read_support_format_tar (a);
  archive_read_support_format_zip_streamable (a);
  archive_read_support_filter_gzip (a);
  if (archive_bzlib_version ())
    archive_read_support_filter_bzip2 (a);
  if (archive_liblzma_version ())
    archive_read_support_filter_xz (a);
  if (archive_libzstd_version ())
    archive_read_support_filter_zstd (a);
  return a;
}

static gboolean
write_marker (Unpack     *u,
              const char *source,
              gint64      mtime_usec,
              const char *archive_md5,
              GError    **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = g_build_filename (u->partial_dir, UB_ROM_ARCHIVE_MARKER, NULL);
  g_autofree char *base = g_path_get_basename (source);
  g_autofree char *boot = read_boot_id ();
  g_autoptr(GPtrArray) md5s = g_ptr_array_new ();
  g_autoptr(GError) local = NULL;

  for (guint i = 0; i < u->digest_order->len; i++)
    g_ptr_array_add (md5s, g_hash_table_lookup (u->digests, u->digest_order->pdata[i]));
  g_key_file_set_integer (kf, MARKER_GROUP, "version", MARKER_VERSION);
  g_key_file_set_string (kf, MARKER_GROUP, "source", source);
  g_key_file_set_string (kf, MARKER_GROUP, "name", base);
  g_key_file_set_uint64 (kf, MARKER_GROUP, "size", u->size);
  g_key_file_set_int64 (kf, MARKER_GROUP, "mtime-usec", mtime_usec);
  g_key_file_set_string (kf, MARKER_GROUP, "archive-md5", archive_md5);
  g_key_file_set_string (kf, MARKER_GROUP, "boot-id", boot);
  g_key_file_set_string_list (kf, FILES_GROUP, "paths",
                              (const char * const *) u->digest_order->pdata, u->digest_order->len);
  g_key_file_set_string_list (kf, FILES_GROUP, "md5", (const char * const *) md5s->pdata, md5s->len);
  /* last: a marker cut short by a crash has no complete=true */
  g_key_file_set_boolean (kf, MARKER_GROUP, "complete", TRUE);
  if (!g_key_file_save_to_file (kf, path, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOSPC))
        set_no_space_error (error, u->self->cache_dir, u->written + ENTRY_SPACE_MARGIN, u->written);
      else
        g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                     _("The ROM could not be unpacked: %s"), local->message);
      return FALSE;
    }
  return TRUE;
}

static void
unpack_clear (Unpack *u)
{
  g_free (u->partial_dir);
  if (u->queue)
    g_async_queue_unref (u->queue);
  hasher_clear (&u->hasher);  /* gives its blocks back: before the pools */
  g_clear_pointer (&u->read_pool, pool_free);
  g_clear_pointer (&u->data_pool, pool_free);
  g_clear_pointer (&u->tar_pool, pool_free);
  if (u->zs_ready)
    inflateEnd (&u->zs);
  g_clear_error (&u->read_error);
  g_clear_error (&u->writer_error);
  g_clear_pointer (&u->digests, g_hash_table_unref);
  g_clear_pointer (&u->digest_order, g_ptr_array_unref);
  g_clear_pointer (&u->nodes, g_hash_table_unref);
  g_clear_pointer (&u->link_paths, g_hash_table_unref);
  g_free (u->entry_name);
}

/* Reads the archive (from the current position of @fd) into @partial_dir. */
static gboolean
unpack_into (UbRomArchive             *self,
             int                       fd,
             guint64                   size,
             gint64                    mtime_usec,
             const char               *partial_dir,
             UbRomArchiveProgressFunc  progress,
             gpointer                  user_data,
             GCancellable             *cancellable,
             GError                  **error)
{
  Unpack u = { 0 };
  struct archive *a;
  GError *local = NULL;       /* the reader's own error */
  g_autofree char *want_md5 = name_md5_prefix (self->path);
  gboolean ok = FALSE;

  u.self = self;
  u.partial_dir = g_strdup (partial_dir);
  u.fd = fd;
  u.size = size;
  u.cancellable = cancellable;
  u.progress = progress;
  u.progress_data = user_data;
  u.queue = g_async_queue_new ();
  u.read_pool = pool_new (N_READ_BLOCKS, READ_BLOCK_SIZE);
  u.data_pool = pool_new (N_DATA_BLOCKS, DATA_BLOCK_SIZE);
  {
    guint8 magic[2];

    u.gzip = pread (fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  }
  if (u.gzip)
    {
      u.tar_pool = pool_new (N_TAR_BLOCKS, TAR_BLOCK_SIZE);
      u.zs_ready = inflateInit2 (&u.zs, 16 + MAX_WBITS) == Z_OK;
      if (!u.zs_ready)
        g_error ("zlib: out of memory");
      /* the name's MD5 checks every byte already: spare the CRC-32 */
      if (want_md5)
        inflateValidate (&u.zs, 0);
    }
  hasher_init (&u.hasher);
  u.digests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  u.digest_order = g_ptr_array_new_with_free_func (g_free);
  u.nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  u.link_paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  u.writer = g_thread_new ("ub-unpack-writer", writer_main, &u);

  report_progress (&u, TRUE);

  a = new_reader ();
  if (archive_read_open (a, &u, NULL, archive_read_cb, NULL) != ARCHIVE_OK)
    {
      if (u.read_error)
        local = g_steal_pointer (&u.read_error);
      else
        set_archive_error (&local, archive_error_string (a));
    }

  while (local == NULL)
    {
      struct archive_entry *entry;
      int r = archive_read_next_header (a, &entry);
      EntryVerdict verdict;

      if (r == ARCHIVE_EOF)
        break;
      if (should_stop (&u))
        break;
      /* ARCHIVE_RETRY too: a damaged tar header */
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
        {
          if (u.read_error)
            local = g_steal_pointer (&u.read_error);
          else
            set_archive_error (&local, archive_error_string (a));
          break;
        }
      verdict = validate_entry (&u, entry, &local);
      if (verdict == ENTRY_REFUSE)
        break;
      if (verdict == ENTRY_SKIP)
        continue;

      push_msg (&u, MSG_ENTRY, NULL, archive_entry_clone (entry));
      if (archive_entry_filetype (entry) == AE_IFREG || archive_entry_hardlink (entry))
        {
          for (;;)
            {
              Block *block;
              la_ssize_t n;

              if (should_stop (&u))
                break;
              block = pool_get_helping (u.data_pool, &u.hasher);
              n = archive_read_data (a, block->data, u.data_pool->size);
              if (n <= 0)
                {
                  block_unref (block);
                  if (n < 0 && u.read_error)
                    local = g_steal_pointer (&u.read_error);
                  else if (n < 0 && !should_stop (&u))
                    set_archive_error (&local, archive_error_string (a));
                  break;
                }
              block->len = (gsize) n;
              push_msg (&u, MSG_DATA, block, NULL);
            }
        }
      if (local || should_stop (&u))
        break;
      push_msg (&u, MSG_END, NULL, archive_entry_clone (entry));
    }

  archive_read_free (a);
  g_clear_pointer (&u.held, block_unref);

  /* the rest of the gzip stream (its CRC checked), then of the file: the
   * MD5 covers everything, also what follows the end of the archive */
  if (local == NULL && !should_stop (&u))
    {
      Block *block;

      while (!should_stop (&u) && (block = stream_block (&u)) != NULL)
        block_unref (block);
      g_clear_pointer (&u.in_block, block_unref);
      while (!should_stop (&u) && (block = read_block (&u)) != NULL)
        block_unref (block);
      if (u.read_error)
        local = g_steal_pointer (&u.read_error);
    }
  g_clear_pointer (&u.in_block, block_unref);

  if (local || should_stop (&u))
    g_atomic_int_set (&u.stop, 1);
  push_msg (&u, MSG_FINISH, NULL, NULL);
  g_thread_join (u.writer);

  /* the first cause wins: the writer's error, cancellation, then the reader's */
  if (u.writer_error)
    g_propagate_error (error, g_steal_pointer (&u.writer_error));
  else if (g_cancellable_set_error_if_cancelled (cancellable, error))
    ;
  else if (local)
    g_propagate_error (error, g_steal_pointer (&local));
  else if (u.done != size)
    set_archive_error (error, _("the file changed while it was being read"));
  else
    {
      const char *md5;

      while (hasher_work (&u.hasher, TRUE))
        ;
      md5 = g_checksum_get_string (u.hasher.md5);

      if (want_md5 && strncmp (md5, want_md5, 10) != 0)
        g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_CHECKSUM,
                             _("The file is damaged or incomplete (its checksum does not match its "
                               "name). Download it again."));
      else
        {
          report_progress (&u, TRUE);
          if (!g_cancellable_set_error_if_cancelled (cancellable, error))
            ok = write_marker (&u, self->path, mtime_usec, md5, error);
        }
    }
  g_clear_error (&local);
  unpack_clear (&u);
  return ok;
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

/* An earlier complete unpack of this very file, or NULL (*error set only on
 * cancellation). */
static char *
try_reuse (UbRomArchive             *self,
           const char               *final_dir,
           guint64                   size,
           gint64                    mtime_usec,
           UbRomArchiveProgressFunc  progress,
           gpointer                  user_data,
           GCancellable             *cancellable,
           GError                  **error)
{
  g_autoptr(GKeyFile) kf = load_marker (final_dir);
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

  boot = read_boot_id ();
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
  key = unpack_key (self->path, size);
  final_dir = g_build_filename (self->cache_dir, key, NULL);
  partial_dir = g_strconcat (final_dir, ".partial", NULL);
  lock_path = g_strconcat (final_dir, ".lock", NULL);

  lock_fd = lock_key (lock_path, TRUE, cancellable, error);
  if (lock_fd < 0)
    {
      close (fd);
      return NULL;
    }

  result = try_reuse (self, final_dir, size, mtime_usec, progress, user_data, cancellable, &local);
  if (result || local)
    {
      if (local)
        g_propagate_error (error, local);
      goto out;
    }

  if (!rm_rf (final_dir, error) || !rm_rf (partial_dir, error))
    goto out;

  avail = free_space (self, self->cache_dir);
  needed = size + size / 32 + ENTRY_SPACE_MARGIN;
  if (avail < needed)
    {
      set_no_space_error (error, self->cache_dir, needed, avail);
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
  if (unpack_into (self, fd, size, mtime_usec, partial_dir, progress, user_data, cancellable, error))
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
    rm_rf (partial_dir, NULL);

out:
  unlock_key (lock_fd, lock_path);
  close (fd);
  return result;
}

/* ------------------------------------------------------------------------ */
/* Async */

typedef struct {
  gint                     refs;
  GMainContext            *context;
  UbRomArchiveProgressFunc func;
  gpointer                 func_data;
  GAsyncReadyCallback      callback;
  gpointer                 user_data;
  GMutex                   lock;
  guint64                  done;
  guint64                  total;
  char                    *entry;
  gboolean                 pending;
  gboolean                 closed;    /* main context only */
} AsyncState;

static AsyncState *
async_state_ref (AsyncState *state)
{
  g_atomic_int_inc (&state->refs);
  return state;
}

static void
async_state_unref (gpointer data)
{
  AsyncState *state = data;

  if (!g_atomic_int_dec_and_test (&state->refs))
    return;
  g_main_context_unref (state->context);
  g_mutex_clear (&state->lock);
  g_free (state->entry);
  g_free (state);
}

static gboolean
async_deliver_progress (gpointer data)
{
  AsyncState *state = data;
  g_autofree char *entry = NULL;
  guint64 done, total;

  g_mutex_lock (&state->lock);
  done = state->done;
  total = state->total;
  entry = g_steal_pointer (&state->entry);
  state->pending = FALSE;
  g_mutex_unlock (&state->lock);
  if (!state->closed)
    state->func (done, total, entry, state->func_data);
  return G_SOURCE_REMOVE;
}

/* On the worker: keep the latest figures, one delivery queued at a time. */
static void
async_progress (guint64     done,
                guint64     total,
                const char *entry,
                gpointer    user_data)
{
  AsyncState *state = user_data;
  gboolean queue;

  g_mutex_lock (&state->lock);
  state->done = done;
  state->total = total;
  g_free (state->entry);
  state->entry = g_strdup (entry);
  queue = !state->pending;
  state->pending = TRUE;
  g_mutex_unlock (&state->lock);
  if (queue)
    g_main_context_invoke_full (state->context, G_PRIORITY_DEFAULT, async_deliver_progress,
                                async_state_ref (state), async_state_unref);
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  AsyncState *state = data;

  state->closed = TRUE;
  if (state->callback)
    state->callback (source, result, state->user_data);
  async_state_unref (state);
}

static void
unpack_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  AsyncState *state = task_data;
  GError *error = NULL;
  char *dir;

  dir = ub_rom_archive_unpack (UB_ROM_ARCHIVE (source), state->func ? async_progress : NULL,
                               state, cancellable, &error);
  if (dir)
    g_task_return_pointer (task, dir, g_free);
  else
    g_task_return_error (task, error);
}

void
ub_rom_archive_unpack_async (UbRomArchive             *self,
                             UbRomArchiveProgressFunc  progress,
                             gpointer                  progress_data,
                             GCancellable             *cancellable,
                             GAsyncReadyCallback       callback,
                             gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  AsyncState *state;

  g_return_if_fail (UB_IS_ROM_ARCHIVE (self));

  state = g_new0 (AsyncState, 1);
  state->refs = 2;  /* the task's data and async_done */
  state->context = g_main_context_ref_thread_default ();
  state->func = progress;
  state->func_data = progress_data;
  state->callback = callback;
  state->user_data = user_data;
  g_mutex_init (&state->lock);

  task = g_task_new (self, cancellable, async_done, state);
  g_task_set_source_tag (task, ub_rom_archive_unpack_async);
  g_task_set_task_data (task, state, async_state_unref);
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

/* Deletes cache/<key><suffix> if nobody is unpacking <key>. */
static gboolean
delete_unlocked (const char *cache_dir,
                 const char *key,
                 const char *suffix,
                 GError    **error)
{
  g_autofree char *lock_path = g_strdup_printf ("%s/%s.lock", cache_dir, key);
  g_autofree char *path = g_strdup_printf ("%s/%s%s", cache_dir, key, suffix);
  int fd = lock_key (lock_path, FALSE, NULL, error);
  gboolean ok;

  if (fd == -2)
    return TRUE;  /* in use */
  if (fd < 0)
    return FALSE;
  ok = rm_rf (path, error);
  unlock_key (fd, lock_path);
  return ok;
}

gboolean
ub_rom_archive_prune_cache (const char *cache_dir,
                            guint       keep,
                            GError    **error)
{
  g_autofree char *dir_path = cache_dir ? g_strdup (cache_dir) : default_cache_dir ();
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (CacheItem));
  g_autoptr(GPtrArray) locks = g_ptr_array_new_with_free_func (g_free);
  GError *first = NULL;
  const char *name;

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
          g_autoptr(GKeyFile) kf = load_marker (path);
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

      if (i >= keep)
        delete_unlocked (dir_path, item->key, "", first ? NULL : &first);
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
