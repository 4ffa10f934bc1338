/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What only the checks (UbPreflight) may do to a plan: build it and mark it
 * checked. Not for the front ends (src/ui, src/cli), which get finished
 * plans from UbPreflight. */

#include "ub-flash-plan.h"

G_BEGIN_DECLS

UbFlashPlan   *ub_flash_plan_new            (const char    *rom_path,
                                             UbRomMode      mode,
                                             const char    *serial,
                                             const char    *product);
void           ub_flash_plan_add_step       (UbFlashPlan   *self,
                                             UbFlashStep   *step,
                                             UbSparseImage *image,
                                             guint64        bytes);
/* TRUE when every check passed; a job runs only checked plans. */
void           ub_flash_plan_set_checked    (UbFlashPlan   *self,
                                             gboolean       checked);

G_END_DECLS
