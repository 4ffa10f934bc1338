/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

/* ub-progress.h (src/common), not included: not every user of this header links it */
typedef struct _UbProgress UbProgress;

G_BEGIN_DECLS

/* The marker written last into a complete unpack (a GKeyFile). */
#define UB_ROM_ARCHIVE_MARKER ".unbrick-unpack"

#define UB_TYPE_ROM_ARCHIVE (ub_rom_archive_get_type ())
G_DECLARE_FINAL_TYPE (UbRomArchive, ub_rom_archive, UB, ROM_ARCHIVE, GObject)

/*
 * A ROM archive (.tgz, .tar.gz, .tar, .zip …) and its unpack in a cache
 * directory. @cache_dir: where unpacks live; NULL = g_get_user_cache_dir()/unbrick/roms.
 * Nothing is ever written next to the archive.
 */
UbRomArchive *ub_rom_archive_new              (const char    *archive_path,
                                               const char    *cache_dir);

const char   *ub_rom_archive_get_path         (UbRomArchive  *self);
const char   *ub_rom_archive_get_cache_dir    (UbRomArchive  *self);

/* TRUE for names libarchive can unpack that look like archives (.tgz, .tar.gz, .tar, .zip…). */
gboolean      ub_rom_archive_is_archive_name  (const char    *path);

/* The 10 lower-case hex digits from the file name, or NULL when the name has none. */
char         *ub_rom_archive_dup_name_md5_prefix (UbRomArchive *self);

typedef void (*UbRomArchiveProgressFunc) (guint64     done,
                                          guint64     total,
                                          const char *entry,
                                          gpointer    user_data);

/*
 * Blocking (call from a worker thread). Returns the unpack directory (an
 * absolute path). Reuses an earlier complete unpack of the same archive
 * (same file name, size and mtime) without reading the archive again; after
 * a reboot the unpacked files are re-hashed against their recorded MD5s
 * first (data not yet on disk at a crash would otherwise pass as valid).
 * Every entry is validated before anything of it is written; an unsafe
 * archive is refused whole (UB_ROM_ERROR_UNSAFE_PATH). Other errors:
 * UB_ROM_ERROR_ARCHIVE (damaged), UB_ROM_ERROR_CHECKSUM (MD5 differs from the
 * name), UB_ROM_ERROR_NO_SPACE, G_IO_ERROR_CANCELLED. On any error nothing of
 * this unpack is left in the cache.
 * Progress: archive bytes consumed / archive size, at most ~20 calls per
 * second, on the calling thread; @entry is the entry being unpacked or NULL.
 * On success the unpack is in use while @self lives (no prune deletes it),
 * and the cache is pruned to ub_rom_archive_get_cache_limit().
 */
char         *ub_rom_archive_unpack           (UbRomArchive             *self,
                                               UbRomArchiveProgressFunc  progress,
                                               gpointer                  user_data,
                                               GCancellable             *cancellable,
                                               GError                  **error);

/*
 * The same in a GTask thread, reporting archive bytes consumed of its size
 * to @progress (may be NULL), whose ::changed comes on its owner's context.
 */
void          ub_rom_archive_unpack_async     (UbRomArchive             *self,
                                               UbProgress               *progress,
                                               GCancellable             *cancellable,
                                               GAsyncReadyCallback       callback,
                                               gpointer                  user_data);
char         *ub_rom_archive_unpack_finish    (UbRomArchive             *self,
                                               GAsyncResult             *result,
                                               GError                  **error);

/*
 * MD5 (32 lower-case hex) of every regular file, computed while unpacking,
 * keyed by the path relative to the unpack directory ("name/images/boot.img").
 * NULL when @unpack_dir is not a complete unpack.
 */
GHashTable   *ub_rom_archive_load_digests     (const char    *unpack_dir);

/* The archive's full MD5 as computed while unpacking (32 hex), or NULL. */
char         *ub_rom_archive_dup_archive_md5  (const char    *unpack_dir);

/*
 * Deletes all but the @keep most recently used complete unpacks in
 * @cache_dir (NULL: the default) and every partial leftover. Unpacks in
 * progress (in this or another process) and unpacks in use are left alone.
 */
gboolean      ub_rom_archive_prune_cache      (const char    *cache_dir,
                                               guint          keep,
                                               GError       **error);

/*
 * The same with a size budget: keeps the most recently used complete
 * unpacks that fit in @limit bytes on disk together (once one does not fit,
 * no older one is kept), and those in use whatever their size. An unpack is
 * in use while the UbRomArchive that unpacked or reused it lives (any
 * process): UbRom keeps its archive, so an open ROM is never deleted.
 * @limit 0 clears all that is not in use.
 */
gboolean      ub_rom_archive_prune_cache_to_size (const char *cache_dir,
                                                  guint64     limit,
                                                  GError    **error);

/* Bytes on disk that @cache_dir (NULL: the default) takes, leftovers included. */
guint64       ub_rom_archive_get_cache_size   (const char    *cache_dir);

/* The budget ub_rom_archive_unpack() prunes the cache to after each success
 * (process-wide; default UB_ROM_ARCHIVE_DEFAULT_CACHE_LIMIT; G_MAXUINT64: never). */
#define UB_ROM_ARCHIVE_DEFAULT_CACHE_LIMIT (G_GUINT64_CONSTANT (20) * 1000 * 1000 * 1000)
void          ub_rom_archive_set_cache_limit  (guint64        limit);
guint64       ub_rom_archive_get_cache_limit  (void);

G_END_DECLS
