/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What a phone in Mi Assistant mode says about itself (the `get…:` services),
 * like UbPhoneInfo for fastboot. Values are the phone's text with the final
 * newline removed; NULL when the phone did not answer that one.
 */

#include <glib-object.h>

G_BEGIN_DECLS

#define UB_TYPE_RECOVERY_INFO (ub_recovery_info_get_type ())
G_DECLARE_FINAL_TYPE (UbRecoveryInfo, ub_recovery_info, UB, RECOVERY_INFO, GObject)

UbRecoveryInfo *ub_recovery_info_new (void);

/* Keys are the service names without "get" and ":" (device, version, sn,
 * codebase, branch, language, region, romzone); unknown keys are kept too. */
void        ub_recovery_info_set          (UbRecoveryInfo *self,
                                           const char     *key,
                                           const char     *value);
const char *ub_recovery_info_get          (UbRecoveryInfo *self,
                                           const char     *key);

/* "getdevice:" the phone's device name as the update server expects it in
 * "d" (e.g. "sweet", "sweet_global"?: whatever the phone says, unchanged) */
const char *ub_recovery_info_get_device   (UbRecoveryInfo *self);
/* "getversion:", e.g. "V14.0.9.0.TKFMIXM" or "OS1.0.5.0.UMQMIXM" */
const char *ub_recovery_info_get_version  (UbRecoveryInfo *self);
/* "getsn:" the serial Xiaomi's server checks (also sent to Xiaomi) */
const char *ub_recovery_info_get_serial   (UbRecoveryInfo *self);
/* "getcodebase:" the Android version, e.g. "13.0" */
const char *ub_recovery_info_get_codebase (UbRecoveryInfo *self);
/* "getbranch:" e.g. "F" (stable) */
const char *ub_recovery_info_get_branch   (UbRecoveryInfo *self);
const char *ub_recovery_info_get_language (UbRecoveryInfo *self);
/* "getregion:" e.g. "GL", "CN", "EU", "IN" */
const char *ub_recovery_info_get_region   (UbRecoveryInfo *self);
/* "getromzone:" "1" = China, "2" = international (others kept as given) */
const char *ub_recovery_info_get_romzone  (UbRecoveryInfo *self);

/* TRUE when device, version, serial and romzone are known (what the update
 * server needs). */
gboolean    ub_recovery_info_is_complete  (UbRecoveryInfo *self);

/* All keys, sorted (for the CLI's JSON and tests). */
GStrv       ub_recovery_info_dup_keys     (UbRecoveryInfo *self);

G_END_DECLS
