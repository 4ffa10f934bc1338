/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-progress.h"
#include "ub-rom-archive.h"
#include "ub-script.h"
#include "ub-rom-enums.h"

G_BEGIN_DECLS

/* The three ways a Xiaomi fastboot ROM can be flashed (MiFlash's radio buttons). */
typedef enum {
  UB_ROM_MODE_CLEAN_ALL,       /* flash_all */
  UB_ROM_MODE_KEEP_DATA,       /* flash_all_except_storage (…_except_data_storage, …_except_data) */
  UB_ROM_MODE_CLEAN_ALL_LOCK,  /* flash_all_lock */
} UbRomMode;

#define UB_ROM_N_MODES 3

/* "clean-all", "keep-data", "clean-all-lock" */
const char *ub_rom_mode_to_string   (UbRomMode   mode);
gboolean    ub_rom_mode_from_string (const char *text,
                                     UbRomMode  *mode);
/* "Clean all", "Keep my data", "Clean all and lock" (translated) */
const char *ub_rom_mode_get_title   (UbRomMode   mode);

#define UB_TYPE_ROM (ub_rom_get_type ())
G_DECLARE_FINAL_TYPE (UbRom, ub_rom, UB, ROM, GObject)

/*
 * Opens a ROM folder: the folder holding flash_all*.sh/.bat and images/, or
 * a folder that holds it (the "double folder" of unpacked .tgz files, up to
 * two levels down). Reads the scripts and small text files only (misc.txt,
 * md5sum.xml); never writes anything. Fails with UB_ROM_ERROR_NOT_A_ROM,
 * UB_ROM_ERROR_AMBIGUOUS (several ROMs inside), or an I/O error.
 */
UbRom       *ub_rom_new_for_folder     (const char   *path,
                                        GError      **error);

/*
 * A ROM folder or archive (.tgz…). An archive is first unpacked into the
 * cache (UbRomArchive: checked against the MD5 in its name, reused when it
 * was unpacked before), and the MD5s computed while unpacking become known
 * digests, so the checks need not read the images again. Blocking; run it on
 * a worker thread. @cache_dir: NULL for the default. @progress (may be NULL)
 * counts the bytes unpacked of an archive, and is finished once the ROM is
 * open (its ::changed comes on its owner's context).
 */
UbRom       *ub_rom_open               (const char               *path,
                                        const char               *cache_dir,
                                        UbProgress               *progress,
                                        GCancellable             *cancellable,
                                        GError                  **error);
/*
 * ub_rom_open on a thread of its own; @callback runs on the caller's
 * thread-default main context.
 */
void         ub_rom_open_async         (const char               *path,
                                        const char               *cache_dir,
                                        UbProgress               *progress,
                                        GCancellable             *cancellable,
                                        GAsyncReadyCallback       callback,
                                        gpointer                  user_data);
UbRom       *ub_rom_open_finish        (GAsyncResult             *result,
                                        GError                  **error);
/* What the user picked: the archive, or the folder. */
const char  *ub_rom_get_source         (UbRom        *self);

/* The folder holding the scripts. */
const char  *ub_rom_get_path           (UbRom        *self);
/* misc.txt's device=, or NULL. */
const char  *ub_rom_get_device         (UbRom        *self);
/* The build (misc.txt mi_os_build_version or build_number, else from the folder name). */
const char  *ub_rom_get_version        (UbRom        *self);
/* "16.0" from the folder name, or NULL. */
const char  *ub_rom_get_android_version (UbRom       *self);
/* "Global", "China", "Europe (EEA)", … from the build code, or NULL. */
const char  *ub_rom_get_region         (UbRom        *self);
/* The codenames the scripts' product checks accept (the misc.txt device when they have none). */
GStrv        ub_rom_get_codenames      (UbRom        *self);
/* A misc.txt key, or NULL. */
const char  *ub_rom_get_misc           (UbRom        *self,
                                        const char   *key);

/* The mode's script, or NULL with UB_ROM_ERROR_MODE_UNAVAILABLE (no script) or
 * the reason the script was refused. */
UbScript    *ub_rom_get_script         (UbRom        *self,
                                        UbRomMode     mode,
                                        GError      **error);
/* The mode's script file name, or NULL when the ROM has none. */
const char  *ub_rom_get_script_name    (UbRom        *self,
                                        UbRomMode     mode);

/* md5sum.xml as "images/<name>" → 32 lower-case hex digits, or NULL when the ROM has none. */
GHashTable  *ub_rom_get_md5sums        (UbRom        *self);
/* MD5s already known (e.g. computed while unpacking), by path relative to the ROM folder. */
void         ub_rom_set_known_digests  (UbRom        *self,
                                        GHashTable   *digests);
const char  *ub_rom_lookup_known_digest (UbRom       *self,
                                         const char  *relative);

/*
 * The absolute path of a file named by a script (relative to the ROM
 * folder). NULL with UB_ROM_ERROR_UNSAFE_PATH when a symbolic link leads
 * outside the ROM folder, G_IO_ERROR_NOT_FOUND when it does not exist.
 */
char        *ub_rom_resolve            (UbRom        *self,
                                        const char   *relative,
                                        GError      **error);
/* Reads a small text file of the ROM (anti_version.txt…), trimmed; NULL when missing. */
char        *ub_rom_read_text          (UbRom        *self,
                                        const char   *relative,
                                        GError      **error);

G_END_DECLS
