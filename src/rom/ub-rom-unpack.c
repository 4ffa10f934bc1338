/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE  /* unshare (CLONE_FS) */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ub-rom-archive-private.h"
#include "ub-rom-entry-private.h"
#include "ub-rom-error.h"
#include "ub-rom-name.h"

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
 * pools (a block gets its memory when first needed), so memory stays bounded
 * whatever the archive size.
 * archive_write_disk resolves paths against the current directory, which
 * is process-wide: the writer thread unshares its filesystem attributes
 * (CLONE_FS) and chdir()s into the partial unpack directory, so neither the
 * rest of the process nor a second unpack is affected. Where unshare() is
 * forbidden (Flatpak's seccomp filter), the writer enters the directory
 * around each path-using libarchive call only, under a process-wide lock
 * (see enter_dir()).
 */

#define N_READ_BLOCKS     3        /* one held by libarchive, the rest queued */
#define DATA_BLOCK_SIZE   (512 * 1024)
#define N_DATA_BLOCKS     4
#define TAR_BLOCK_SIZE    (512 * 1024)   /* inflated gzip */
#define N_TAR_BLOCKS      2
#define WRITE_DISK_FLAGS (ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS | \
                          ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_TIME)

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
  gint         allocated;   /* blocks[0 .. allocated) have memory: given when first needed */
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
    pool->blocks[i].pool = pool;
  return pool;
}

static void
pool_free (Pool *pool)
{
  gint allocated = g_atomic_int_get (&pool->allocated);

  if (g_async_queue_length (pool->free) != allocated)
    {
      g_critical ("ub-rom-archive: %d blocks still in use",
                  allocated - g_async_queue_length (pool->free));
      return;  /* leaked rather than freed under someone's feet */
    }
  for (guint i = 0; i < pool->n; i++)
    g_free (pool->blocks[i].data);
  g_free (pool->blocks);
  g_async_queue_unref (pool->free);
  g_free (pool);
}

/* A free block, or a new one while fewer than n exist (a small archive needs
 * few); NULL when all n are in use. */
static Block *
pool_try_get (Pool *pool)
{
  Block *block = g_async_queue_try_pop (pool->free);
  gint i;

  /* the reader and the writer may both ask: one index each, never past n */
  while (block == NULL && (i = g_atomic_int_get (&pool->allocated)) < (gint) pool->n)
    if (g_atomic_int_compare_and_exchange (&pool->allocated, i, i + 1))
      {
        block = &pool->blocks[i];
        block->data = g_malloc (pool->size);
      }
  return block;
}

static Block *
block_ready (Block *block)
{
  block->len = 0;
  block->refs = 1;
  return block;
}

/* Waits until a block is free (the writer always gives them back). */
static Block *
pool_get (Pool *pool)
{
  Block *block = pool_try_get (pool);

  return block_ready (block != NULL ? block : g_async_queue_pop (pool->free));
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
      Block *block = pool_try_get (pool);

      if (block == NULL && !hasher_work (h, FALSE))
        block = g_async_queue_pop (pool->free);
      if (block)
        return block_ready (block);
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
  UbRomEntrySet *entries;      /* what the entries so far made */

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
      ub_rom_entry_set_unsafe_error (&error, entry, reason);
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
      gboolean live;

      /* idle: help with the archive MD5 */
      while ((msg = g_async_queue_try_pop (u->queue)) == NULL)
        if (!hasher_work (&u->hasher, FALSE))
          {
            msg = g_async_queue_pop (u->queue);
            break;
          }
      type = msg->type;
      live = !g_atomic_int_get (&u->failed) && !g_atomic_int_get (&u->stop);

      switch (type)
        {
        case MSG_ENTRY:
          if (live)
            {
              struct archive_entry *entry = msg->entry;
              guint64 size = archive_entry_size_is_set (entry) ? (guint64) archive_entry_size (entry) : 0;
              guint64 avail = ub_rom_archive_free_space (u->self, u->partial_dir);

              g_clear_pointer (&path, g_free);
              g_clear_pointer (&hardlink, g_free);
              path = g_strdup (archive_entry_pathname (entry));
              u->entry_left = size;
              if (archive_entry_hardlink (entry))
                hardlink = g_strdup (archive_entry_hardlink (entry));
              writing = archive_entry_filetype (entry) == AE_IFREG || hardlink != NULL;
              if (avail < size + ENTRY_SPACE_MARGIN)
                {
                  GError *no_space = NULL;

                  ub_rom_archive_set_no_space_error (&no_space, u->self->cache_dir,
                                      u->written + size + ENTRY_SPACE_MARGIN, u->written + avail);
                  writer_fail (u, no_space);
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

        default:
          g_assert_not_reached ();
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
  g_autofree char *boot = ub_rom_cache_read_boot_id ();
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
        ub_rom_archive_set_no_space_error (error, u->self->cache_dir, u->written + ENTRY_SPACE_MARGIN, u->written);
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
  g_clear_pointer (&u->entries, ub_rom_entry_set_free);
  g_free (u->entry_name);
}

gboolean
ub_rom_unpack_into (UbRomArchive             *self,
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
  g_autofree char *want_md5 = ub_rom_name_dup_md5_prefix (self->path);
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
  u.entries = ub_rom_entry_set_new ();
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
      UbRomEntryVerdict verdict;
      char *path = NULL;

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
      verdict = ub_rom_entry_validate (u.entries, entry, &path, &local);
      if (verdict == UB_ROM_ENTRY_REFUSE)
        break;
      if (verdict == UB_ROM_ENTRY_SKIP)
        continue;
      g_free (u.entry_name);
      u.entry_name = path;

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
