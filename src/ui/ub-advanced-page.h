/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-phone.h"

G_BEGIN_DECLS

#define UB_TYPE_ADVANCED_PAGE (ub_advanced_page_get_type ())
G_DECLARE_FINAL_TYPE (UbAdvancedPage, ub_advanced_page, UB, ADVANCED_PAGE, GtkBox)

/*
 * Out of the main path: flash one image to one partition (after checking
 * the bootloader is unlocked, the partition exists and the image fits), and
 * restart the phone to system, bootloader or recovery.
 */
void        ub_advanced_page_set_phone   (UbAdvancedPage *self,
                                          UbPhone        *phone);
void        ub_advanced_page_set_image   (UbAdvancedPage *self,
                                          const char     *path);
void        ub_advanced_page_set_partition (UbAdvancedPage *self,
                                            const char     *partition);
/* Starts flashing the image (what the button does). */
void        ub_advanced_page_flash       (UbAdvancedPage *self);
/* Sends a reboot ("system", "bootloader", "recovery"). */
void        ub_advanced_page_reboot      (UbAdvancedPage *self,
                                          const char     *target);
gboolean    ub_advanced_page_get_busy    (UbAdvancedPage *self);
/* The last outcome shown, or "". */
const char *ub_advanced_page_get_status  (UbAdvancedPage *self);
/* What the progress bar shows, 0 … 1. */
double      ub_advanced_page_get_fraction (UbAdvancedPage *self);

G_END_DECLS
