/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Validation of archive entries (ub-rom-entry.c): pure functions, no I/O.
 * Errors are UB_ROM_ERROR_UNSAFE_PATH, or UB_ROM_ERROR_ARCHIVE for too many entries.
 */

#include <archive_entry.h>
#include <glib.h>

G_BEGIN_DECLS

#define UB_ROM_ENTRY_MAX_ENTRIES    100000
#define UB_ROM_ENTRY_MAX_PATH_BYTES 1024

typedef enum {
  UB_ROM_ENTRY_WRITE,
  UB_ROM_ENTRY_SKIP,    /* the top folder itself ("./") */
  UB_ROM_ENTRY_REFUSE,
} UbRomEntryVerdict;

/* What the entries accepted so far made: paths and their kinds, and every
 * path a link target passes through. */
typedef struct _UbRomEntrySet UbRomEntrySet;

UbRomEntrySet    *ub_rom_entry_set_new          (void);
void              ub_rom_entry_set_free         (UbRomEntrySet        *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbRomEntrySet, ub_rom_entry_set_free)

/* @name made printable (invalid UTF-8 and control characters replaced), at most 200 characters. */
char             *ub_rom_entry_display_name     (const char           *name);
/* UB_ROM_ERROR_UNSAFE_PATH naming @entry; @reason completes “the entry “%s” %s”. */
void              ub_rom_entry_set_unsafe_error (GError              **error,
                                                 const char           *entry,
                                                 const char           *reason);
/* Checks the text of a path (valid UTF-8, no control characters, not too long);
 * @entry names the entry in errors. */
gboolean          ub_rom_entry_check_name       (const char           *name,
                                                 const char           *entry,
                                                 GError              **error);
/* "./a//b/" → "a/b"; NULL (and an error) for absolute paths and "..". */
char             *ub_rom_entry_normalize_path   (const char           *name,
                                                 const char           *entry,
                                                 GError              **error);

/*
 * Checks @entry against the rules and what @set holds: a file, folder,
 * symbolic link (staying inside, not through another link) or hard link (to
 * an earlier file); nothing written through a link; no kind changed. When it
 * is to be written, records it in @set, rewrites @entry to what
 * archive_write_disk gets (normalized names, plain permissions, no owner,
 * ACLs, extended attributes or file flags) and gives its normalized path in
 * @path (may be NULL).
 */
UbRomEntryVerdict ub_rom_entry_validate         (UbRomEntrySet        *set,
                                                 struct archive_entry *entry,
                                                 char                **path,
                                                 GError              **error);

G_END_DECLS
