/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Xiaomi's ROM file-name rules, in one place for downloads and archives:
 * "alioth_global_images_V14.0.9.0.TKHMIXM_20240101.0000.00_13.0_global_0a1b2c3d4e.tgz"
 * = <codename>_<region>_images_<build>_<date>_<android>_<region>_<MD5 prefix>.<ext>
 * Names are taken from the base name of @path (a path or a bare file name).
 */

/* TRUE for names libarchive can unpack that look like archives (.tgz, .tar.gz, .tar, .zip…). */
gboolean    ub_rom_name_is_archive         (const char  *path);

/* The base name without its archive extension (the whole base name when it has none). */
char       *ub_rom_name_dup_stem           (const char  *path);

/*
 * The 10 lower-case hex digits of the MD5 at the end of the stem
 * ("…_0a1b2c3d4e.tgz"; also a browser's duplicate "…_0a1b2c3d4e (1).tgz"),
 * or NULL when the name has none.
 */
char       *ub_rom_name_dup_md5_prefix     (const char  *path);

/*
 * The build in @text ("V14.0.9.0.TKHMIXM", "OS3.0.9.0.WPYCNXM") as a word of
 * a name ("_"-separated) or the whole text. @version: the build, @region_code:
 * its 2 region letters ("MI", "EU"…). FALSE when there is none.
 */
gboolean    ub_rom_name_parse_build        (const char  *text,
                                            char       **version,
                                            char       **region_code);

/* The Android version in a name ("…_13.0_…"), or NULL. */
char       *ub_rom_name_dup_android        (const char  *path);

/* The translated name of a region code from a build ("MI" → "Global"), or NULL. */
const char *ub_rom_name_region_name        (const char  *region_code);

G_END_DECLS
