/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-rom-release.h"

G_BEGIN_DECLS

/* What only the catalog (and its tests) may do: build a release. */
UbRomRelease *ub_rom_release_new            (const char   *codename,
                                             const char   *product,
                                             UbRomRegion   region,
                                             const char   *version,
                                             const char   *file_name);
void          ub_rom_release_set_android    (UbRomRelease *self,
                                             const char   *android);
void          ub_rom_release_set_date       (UbRomRelease *self,
                                             const char   *date);
void          ub_rom_release_set_branch     (UbRomRelease *self,
                                             UbRomBranch   branch);
void          ub_rom_release_set_edition    (UbRomRelease *self,
                                             UbRomEdition  edition);
void          ub_rom_release_set_package    (UbRomRelease *self,
                                             UbRomPackage  package);
void          ub_rom_release_set_model_name (UbRomRelease *self,
                                             const char   *model_name);
void          ub_rom_release_set_size       (UbRomRelease *self,
                                             guint64       size,
                                             gboolean      exact);
void          ub_rom_release_set_md5        (UbRomRelease *self,
                                             const char   *md5);
void          ub_rom_release_set_md5_prefix (UbRomRelease *self,
                                             const char   *md5_prefix);
void          ub_rom_release_set_link       (UbRomRelease *self,
                                             const char   *link);

G_END_DECLS
