/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ub-rom-name.h"
#include "ub-rom-region.h"

G_BEGIN_DECLS

typedef enum {
  UB_ROM_BRANCH_STABLE,
  UB_ROM_BRANCH_BETA,      /* "Public Beta", "Stable Beta", DEV builds */
  UB_ROM_BRANCH_WEEKLY,    /* "Weekly", "_pre_" builds */
} UbRomBranch;

/* Builds a person should not get by default. */
typedef enum /*< flags >*/ {
  UB_ROM_EDITION_NONE       = 0,
  UB_ROM_EDITION_CARRIER    = 1 << 0,  /* "…_chinatelecom_…", JP carrier builds, build suffix not XM */
  UB_ROM_EDITION_DEMO       = 1 << 1,  /* "…_demo", build suffix "DM" (shop demo phones) */
  UB_ROM_EDITION_ENTERPRISE = 1 << 2,  /* enterprise builds ("ep" in HyperData, "…_ep_…") */
  UB_ROM_EDITION_DEBUG      = 1 << 3,  /* ".debug" */
} UbRomEdition;

#define UB_TYPE_ROM_RELEASE (ub_rom_release_get_type ())
G_DECLARE_FINAL_TYPE (UbRomRelease, ub_rom_release, UB, ROM_RELEASE, GObject)

/* One official ROM file from the catalog. Immutable once built by the catalog. */
const char   *ub_rom_release_get_codename    (UbRomRelease *self); /* "houji_eea_global" */
const char   *ub_rom_release_get_product     (UbRomRelease *self); /* "houji" (fastboot product it is for) */
UbRomRegion   ub_rom_release_get_region      (UbRomRelease *self);
const char   *ub_rom_release_get_version     (UbRomRelease *self); /* "OS3.0.303.0.WNCEUXM" */
const char   *ub_rom_release_get_android     (UbRomRelease *self); /* "16.0" or NULL */
const char   *ub_rom_release_get_date        (UbRomRelease *self); /* "2026-07-20" (build date) or NULL */
UbRomBranch   ub_rom_release_get_branch      (UbRomRelease *self);
UbRomEdition  ub_rom_release_get_edition     (UbRomRelease *self);
UbRomPackage  ub_rom_release_get_package     (UbRomRelease *self); /* FASTBOOT or RECOVERY */
const char   *ub_rom_release_get_file_name   (UbRomRelease *self); /* "houji_eea_global_images_….tgz" */
const char   *ub_rom_release_get_model_name  (UbRomRelease *self); /* catalog's "Xiaomi 14 EEA" or NULL */
/* Size in bytes; approximate (the catalog's "5.9 GB") unless get_size_exact. 0 = unknown. */
guint64       ub_rom_release_get_size        (UbRomRelease *self);
gboolean      ub_rom_release_get_size_exact  (UbRomRelease *self);
const char   *ub_rom_release_get_md5         (UbRomRelease *self); /* 32 hex digits, or NULL */
const char   *ub_rom_release_get_md5_prefix  (UbRomRelease *self); /* 10 hex digits from the name */
const char   *ub_rom_release_get_link        (UbRomRelease *self); /* the catalog's own link or NULL */
/*
 * The file's addresses on @mirrors (base URLs such as "https://cdnorg.d.miui.com"):
 * "<mirror>/<version>/<file name>", in the order of @mirrors. NULL-terminated.
 */
char        **ub_rom_release_dup_urls        (UbRomRelease       *self,
                                              const char * const *mirrors);

G_END_DECLS
