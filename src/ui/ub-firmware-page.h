/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-emu-demo.h"
#include "ub-rom-catalog.h"
#include "ub-rom.h"

G_BEGIN_DECLS

#define UB_TYPE_FIRMWARE_PAGE (ub_firmware_page_get_type ())
G_DECLARE_FINAL_TYPE (UbFirmwarePage, ub_firmware_page, UB, FIRMWARE_PAGE, GtkBox)

/*
 * Step 2: the person selects (or drops) a ROM folder or .tgz; it is
 * unpacked with progress, shown (codename, version, Android, region) and
 * compared with the phones. ::continue once it is for every phone. First on
 * the page, one UbRomFinder per phone model finds the official ROM, which the
 * download panel fetches and the page then opens as a selected file.
 */
void      ub_firmware_page_set_phones (UbFirmwarePage *self,
                                       GPtrArray      *phones);
void      ub_firmware_page_set_demo   (UbFirmwarePage *self,
                                       UbEmuDemo      *demo);
/* Opens @path (folder or .tgz) as if the person had selected it. */
void      ub_firmware_page_open       (UbFirmwarePage *self,
                                       const char     *path);
/* The download part of the page (shown by the Download… button). */
GtkWidget *ub_firmware_page_get_download_panel (UbFirmwarePage *self);
/*
 * The catalog the finders use and the download hosts (NULL: the default ones).
 * Without it: ub_rom_catalog_new() with the settings, or in demo mode the
 * demo's catalog server (ub_emu_demo_get_catalog_url()).
 */
void      ub_firmware_page_set_catalog (UbFirmwarePage     *self,
                                        UbRomCatalog       *catalog,
                                        const char * const *mirrors);
/* The UbRomFinder for the phones of @product, or NULL. */
GtkWidget *ub_firmware_page_get_finder (UbFirmwarePage     *self,
                                        const char         *product);
/* The opened ROM, or NULL. */
UbRom    *ub_firmware_page_get_rom    (UbFirmwarePage *self);
/* TRUE while a ROM is being opened or unpacked. */
gboolean  ub_firmware_page_get_busy   (UbFirmwarePage *self);
/* TRUE when the ROM is for every phone, so ::continue can be used. */
gboolean  ub_firmware_page_get_ready  (UbFirmwarePage *self);

G_END_DECLS
