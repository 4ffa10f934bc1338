/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-recovery-info.h"
#include "ub-update-server.h"

G_BEGIN_DECLS

#define UB_TYPE_RECOVERY_CONFIRM_PAGE (ub_recovery_confirm_page_get_type ())
G_DECLARE_FINAL_TYPE (UbRecoveryConfirmPage, ub_recovery_confirm_page, UB, RECOVERY_CONFIRM_PAGE, GtkBox)

/*
 * Step 3 for a phone in Mi Assistant mode: what the install does (which
 * system on which phone, whether the data is kept as Xiaomi's approval
 * says), the privacy line, Install (after a confirmation naming the phone
 * when it erases), and, on its own, Erase All Data (Factory Reset) with its
 * confirmation. ::install and ::wipe-data once confirmed.
 */

/* @approval NULL: only the factory reset is offered (no firmware approved). */
void           ub_recovery_confirm_page_set             (UbRecoveryConfirmPage *self,
                                                         UbRecoveryInfo        *info,
                                                         const char            *path,
                                                         UbRomApproval         *approval);
/* TRUE when the approved install erases the data. */
gboolean       ub_recovery_confirm_page_get_erase       (UbRecoveryConfirmPage *self);
/* What Install does: ::install at once, or after a confirmation when it erases. */
void           ub_recovery_confirm_page_request_install (UbRecoveryConfirmPage *self);
/* What Erase All Data does: a confirmation naming the phone, then ::wipe-data. */
void           ub_recovery_confirm_page_request_wipe    (UbRecoveryConfirmPage *self);
/* "Redmi Note 10 (mojito)": how the recovery pages and dialogs name the phone. */
char          *ub_recovery_confirm_page_dup_phone_title (UbRecoveryInfo        *info);

G_END_DECLS
