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
 * ("…_0a1b2c3d4e.tgz", "…-eea-0a1b2c3d4e.tgz"; also a browser's duplicate "…_0a1b2c3d4e (1).tgz"),
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


typedef enum {
  UB_ROM_PACKAGE_UNKNOWN,
  UB_ROM_PACKAGE_FASTBOOT,   /* "…_images_…" / "…-images-…" (.tgz) */
  UB_ROM_PACKAGE_RECOVERY,   /* "…-ota_full-…zip", "miui_…zip" */
} UbRomPackage;

/*
 * Everything a Xiaomi ROM file name says. Both grammars:
 *  underscore: houji_global_images_OS3.0.303.0.WNCMIXM_20260720.0000.00_16.0_global_e67bb2459e.tgz
 *              alioth_pre_images_22.1.19_20220119.0000.00_12.0_cn_f640bad19f.tgz
 *              blue_global_images_V816.0.5.0.UGRMIXM_20240328.0000.00_14.0_90379c256c.tgz  (no region word)
 *              ares_images_…_13.0_cn_chinatelecom_eeef419b6c.tgz  (carrier word)
 *  hyphen:     arctic_eea_global-images-OS3.0.8.0.WBVEUXM-user-20260624.0000.00-16.0-eea-5b2771a432.tgz
 *  recovery:   houji-ota_full-OS3.0.303.0.WNCCNXM-user-16.0-c5d245a441.zip
 *              miui_HOUJITRGlobal_OS1.0.1.0.UNCTRXM_98f8e61a8f_14.0.zip
 * Accepts a bare name, a path or a URL (directories, "?t=…" query and "#…" are ignored);
 * a ".debug" before the extension (or a "debug" word) sets @debug.
 */
typedef struct {
  char         *file_name;   /* the base name without query: "houji_global_images_….tgz" */
  char         *codename;    /* "houji_global" ("houji" for "miui_HOUJI_…"; lower case); NULL if none */
  char         *region_word; /* the file name's own region word ("global", "eea", "cn"…): may lie; NULL if none */
  char         *carrier;     /* "chinatelecom"…, NULL for none */
  char         *version;     /* "OS3.0.303.0.WNCMIXM", "V14.0.23.1.30.DEV", "22.1.19" */
  char         *region_code; /* the build's 2 region letters ("MI"), NULL when the build has none (betas) */
  char         *date;        /* "2026-07-20" from "20260720.0000.00", NULL if none */
  char         *android;     /* "16.0", NULL if none */
  char         *md5_prefix;  /* 10 lower-case hex digits, NULL if none */
  UbRomPackage  package;
  gboolean      pre;         /* "_pre_images_" (weekly/beta) */
  gboolean      debug;
} UbRomNameInfo;

/* NULL when @name_or_url is not a Xiaomi ROM name (no build found). */
UbRomNameInfo *ub_rom_name_parse          (const char    *name_or_url);
void           ub_rom_name_info_free      (UbRomNameInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbRomNameInfo, ub_rom_name_info_free)

G_END_DECLS
