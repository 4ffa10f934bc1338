/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-rom-catalog.h"
#include "ub-rom-release.h"

G_BEGIN_DECLS

#define UB_TYPE_ROM_FINDER (ub_rom_finder_get_type ())
G_DECLARE_FINAL_TYPE (UbRomFinder, ub_rom_finder, UB, ROM_FINDER, GtkBox)

/*
 * Part of the firmware page, one per phone model: "Find Firmware for <market
 * name>" brings the catalog up to date (ub_rom_catalog_update_async, never
 * blocking) and lists the model's official fastboot ROMs as they arrive, by
 * region in plain words, the phone's remembered region (GSettings
 * "rom-regions", serial → region key) first and chosen, else Global.
 * "Download and Use" emits ::download (UbRomRelease *) and remembers the region
 * for the phones' serials; the page downloads it and opens it.
 *
 * ::finding (returns gboolean) is emitted before the catalog is updated: a
 * handler that returns TRUE prepares the catalog first (the demo's server)
 * and then calls ub_rom_finder_continue_find().
 */
UbRomFinder  *ub_rom_finder_new           (UbRomCatalog       *catalog,
                                           const char         *product,
                                           const char * const *serials);
const char   *ub_rom_finder_get_product   (UbRomFinder        *self);
/* TRUE (the default) for the page's first finder: its buttons have Alt+letters
 * and it says where the list comes from; the others do neither. */
void          ub_rom_finder_set_primary   (UbRomFinder        *self,
                                           gboolean            primary);
/* The serials of the phones of this model (their region is remembered). */
void          ub_rom_finder_set_serials   (UbRomFinder        *self,
                                           const char * const *serials);
/* What the Find button does. */
void          ub_rom_finder_find          (UbRomFinder        *self);
/* After ::finding returned TRUE: the update now, or @error as the reason there is no list. */
void          ub_rom_finder_continue_find (UbRomFinder        *self,
                                           const GError       *error);
/* TRUE while the catalog is being brought up to date. */
gboolean      ub_rom_finder_get_busy      (UbRomFinder        *self);
/* The releases listed, newest first within each region (UbRomRelease). */
GPtrArray    *ub_rom_finder_get_releases  (UbRomFinder        *self);
/* The release chosen in the list, or NULL. */
UbRomRelease *ub_rom_finder_get_selected  (UbRomFinder        *self);
void          ub_rom_finder_select        (UbRomFinder        *self,
                                           UbRomRelease       *release);
/* The one sentence about the list (offline, not loaded, empty), or NULL. */
const char   *ub_rom_finder_get_message   (UbRomFinder        *self);
/* Whether Download and Use can be used (something chosen, no download running). */
void          ub_rom_finder_set_downloading (UbRomFinder      *self,
                                             gboolean          downloading);

G_END_DECLS
