/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-phone.h"
#include "ub-rom.h"

G_BEGIN_DECLS

#define UB_TYPE_CONFIRM_PAGE (ub_confirm_page_get_type ())
G_DECLARE_FINAL_TYPE (UbConfirmPage, ub_confirm_page, UB, CONFIRM_PAGE, GtkBox)

/*
 * Step 3: the mode (keep data / erase / erase and lock), every safety check
 * for every phone as a checklist, what will be erased, and a Flash button
 * that stays disabled, saying why, until all checks pass. Flash asks for a
 * confirmation naming the phone (twice for a lock), then emits ::flash; the
 * phones' preflights then hold the checked plans.
 */
void       ub_confirm_page_start            (UbConfirmPage *self,
                                             UbRom         *rom,
                                             GPtrArray     *phones);
/* Stops checking (leaving the page). */
void       ub_confirm_page_stop             (UbConfirmPage *self);
UbRomMode  ub_confirm_page_get_mode         (UbConfirmPage *self);
void       ub_confirm_page_set_mode         (UbConfirmPage *self,
                                             UbRomMode      mode);
gboolean   ub_confirm_page_get_checking     (UbConfirmPage *self);
/* TRUE when the checks are done and all passed. */
gboolean   ub_confirm_page_get_can_flash    (UbConfirmPage *self);
/* Why Flash is disabled, or NULL. */
const char *ub_confirm_page_get_reason      (UbConfirmPage *self);
/* The person confirmed locking the bootloader. */
gboolean   ub_confirm_page_get_lock_confirmed (UbConfirmPage *self);
/*
 * What the page shows of @phone's checks while they run (its own row with
 * several phones): the bar's fraction (-1 when not shown) and the text.
 */
double     ub_confirm_page_get_check_fraction (UbConfirmPage *self,
                                               UbPhone       *phone);
char      *ub_confirm_page_dup_check_text   (UbConfirmPage *self,
                                             UbPhone       *phone);
/* As if Flash was pressed: shows the confirmation dialog. */
void       ub_confirm_page_request_flash    (UbConfirmPage *self);
/*
 * The step an earlier run (of this program or another) left this flash at,
 * when the checks passed and the first phone has a resume point for this ROM
 * and mode (ub-resume-point.h); G_MAXUINT otherwise. Then a "Resume from
 * Step N" button shows, which emits ::resume (after the lock is confirmed
 * again, for a lock mode).
 */
guint      ub_confirm_page_get_saved_step   (UbConfirmPage *self);
/* As if Resume from Step N was pressed. */
void       ub_confirm_page_request_resume   (UbConfirmPage *self);

G_END_DECLS
