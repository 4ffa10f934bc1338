/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-emu-demo.h"
#include "ub-recovery-info.h"
#include "ub-update-server.h"

G_BEGIN_DECLS

#define UB_TYPE_RECOVERY_FIRMWARE_PAGE (ub_recovery_firmware_page_get_type ())
G_DECLARE_FINAL_TYPE (UbRecoveryFirmwarePage, ub_recovery_firmware_page, UB, RECOVERY_FIRMWARE_PAGE, GtkBox)

/*
 * Step 2 for a phone in Mi Assistant mode: the phone (model, version,
 * region), the recovery ROMs Xiaomi's update server offers for it (the one
 * installed now first) with Download and Use (the download panel, mirrors
 * and full MD5), or Select File for a recovery .zip. A file is then hashed
 * (MD5, with progress) and Xiaomi is asked to approve it for this phone.
 * ::continue once approved; ::factory-reset when the person chooses to
 * erase the data instead (after a refusal).
 */

/* Shows @info's phone at @address and asks Xiaomi for its ROMs. */
void            ub_recovery_firmware_page_set_phone   (UbRecoveryFirmwarePage *self,
                                                       const char             *address,
                                                       UbRecoveryInfo         *info);
/* Demo mode: the demo's update server and download mirror. */
void            ub_recovery_firmware_page_set_demo    (UbRecoveryFirmwarePage *self,
                                                       UbEmuDemo              *demo);
/* Asks Xiaomi for the ROM list again (what Retry does). */
void            ub_recovery_firmware_page_refresh     (UbRecoveryFirmwarePage *self);
/* Uses the local file @path as if it had been selected: MD5, then approval. */
void            ub_recovery_firmware_page_open        (UbRecoveryFirmwarePage *self,
                                                       const char             *path);
/* Downloads @rom (one of get_roms()) and uses it: what its button does. */
void            ub_recovery_firmware_page_download    (UbRecoveryFirmwarePage *self,
                                                       UbUpdateRom            *rom);

/* The ROMs listed (of UbUpdateRom, never NULL). */
GPtrArray      *ub_recovery_firmware_page_get_roms    (UbRecoveryFirmwarePage *self);
GtkWidget      *ub_recovery_firmware_page_get_download_panel (UbRecoveryFirmwarePage *self);
/* TRUE while the list is asked for, a file downloads, is hashed or approved. */
gboolean        ub_recovery_firmware_page_get_busy    (UbRecoveryFirmwarePage *self);
/* The phone shown. */
const char     *ub_recovery_firmware_page_get_address (UbRecoveryFirmwarePage *self);
UbRecoveryInfo *ub_recovery_firmware_page_get_info    (UbRecoveryFirmwarePage *self);
/* The file chosen and Xiaomi's approval of it, NULL until approved. */
const char     *ub_recovery_firmware_page_get_path    (UbRecoveryFirmwarePage *self);
UbRomApproval  *ub_recovery_firmware_page_get_approval (UbRecoveryFirmwarePage *self);
/* The message shown about the list or the file (error, refusal), or NULL. */
const char     *ub_recovery_firmware_page_get_message (UbRecoveryFirmwarePage *self);

G_END_DECLS
