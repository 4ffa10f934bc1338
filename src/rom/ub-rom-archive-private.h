/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What ub-rom-archive.c, ub-rom-unpack.c and ub-rom-cache.c share. Not installed. */

#include <gio/gio.h>

#include "ub-rom-archive.h"

G_BEGIN_DECLS

#define READ_BLOCK_SIZE   (1024 * 1024)
#define PROGRESS_INTERVAL_USEC (50 * 1000)
#define ENTRY_SPACE_MARGIN (1024 * 1024)
#define MARKER_VERSION    1
#define MARKER_GROUP      "unpack"
#define FILES_GROUP       "files"

/* For tests: replaces statvfs() when checking free space in @dir. */
typedef guint64 (*UbRomArchiveFreeSpaceFunc) (const char *dir,
                                              gpointer    user_data);
void ub_rom_archive_set_free_space_func (UbRomArchive              *self,
                                         UbRomArchiveFreeSpaceFunc  func,
                                         gpointer                   user_data);

struct _UbRomArchive
{
  GObject parent_instance;

  char *path;
  char *cache_dir;
  UbRomArchiveFreeSpaceFunc free_space_func;
  gpointer free_space_data;
  int hold_fd;             /* ub_rom_cache_hold() of the last unpack, or -1 */
};

/* A UbRomArchiveProgressFunc for ub_rom_archive_unpack() that sets the bytes
 * of the UbProgress in @progress (from any thread): ub_rom_open() and the
 * async unpack report through it. */
void          ub_rom_archive_report_progress  (guint64                   done,
                                               guint64                   total,
                                               const char               *entry,
                                               gpointer                  progress);

/* ub-rom-archive.c */
guint64   ub_rom_archive_free_space          (UbRomArchive *self,
                                              const char   *dir);
void      ub_rom_archive_set_no_space_error  (GError      **error,
                                              const char   *cache_dir,
                                              guint64       needed,
                                              guint64       available);

/* ub-rom-unpack.c: reads the archive (from the current position of @fd) into
 * @partial_dir, validating every entry, and writes the marker last. */
gboolean  ub_rom_unpack_into                 (UbRomArchive             *self,
                                              int                       fd,
                                              guint64                   size,
                                              gint64                    mtime_usec,
                                              const char               *partial_dir,
                                              UbRomArchiveProgressFunc  progress,
                                              gpointer                  user_data,
                                              GCancellable             *cancellable,
                                              GError                  **error);

/* ub-rom-cache.c */
char     *ub_rom_cache_default_dir           (void);
/* "<stem>-<size>", restricted to a portable character set. */
char     *ub_rom_cache_unpack_key            (const char   *path,
                                              guint64       size);
char     *ub_rom_cache_read_boot_id          (void);
/* -1 with @error set, -2 when !@wait and someone holds it, else the lock fd. */
int       ub_rom_cache_lock_key              (const char   *lock_path,
                                              gboolean      wait,
                                              GCancellable *cancellable,
                                              GError      **error);
void      ub_rom_cache_unlock_key            (int           fd,
                                              const char   *lock_path);
/* Marks @unpack_dir in use (a shared lock on it) until the returned fd is
 * closed; -1 if that failed. Call it holding the key's lock. */
int       ub_rom_cache_hold                  (const char   *unpack_dir);
/* An earlier complete unpack of this very file, or NULL (*error set only on
 * cancellation). */
char     *ub_rom_cache_try_reuse             (UbRomArchive             *self,
                                              const char               *final_dir,
                                              guint64                   size,
                                              gint64                    mtime_usec,
                                              UbRomArchiveProgressFunc  progress,
                                              gpointer                  user_data,
                                              GCancellable             *cancellable,
                                              GError                  **error);

G_END_DECLS
