/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-flash-step.h"
#include "ub-rom.h"
#include "ub-sparse-image.h"

G_BEGIN_DECLS

#define UB_TYPE_FLASH_PLAN (ub_flash_plan_get_type ())
G_DECLARE_FINAL_TYPE (UbFlashPlan, ub_flash_plan, UB, FLASH_PLAN, GObject)

/*
 * What will be done to one phone: the steps of a ROM's script with every
 * condition decided for that phone (crc gate, partition types, files that
 * exist) and every check done, in order. Flash steps carry their image,
 * opened and split for the phone's max-download-size, and the bytes they
 * send. Made by UbPreflight (ub-flash-plan-private.h: only the checks build
 * and approve a plan); run by UbFlashJob.
 */

guint          ub_flash_plan_get_n_steps    (UbFlashPlan   *self);
UbFlashStep   *ub_flash_plan_get_step       (UbFlashPlan   *self,
                                             guint          index);
/* FLASH steps only, else NULL. */
UbSparseImage *ub_flash_plan_get_image      (UbFlashPlan   *self,
                                             guint          index);
/* Bytes a step sends over the cable (0 for steps without data). */
guint64        ub_flash_plan_get_step_bytes (UbFlashPlan   *self,
                                             guint          index);
guint64        ub_flash_plan_get_total_bytes (UbFlashPlan  *self);
/* Bytes of the steps before @index. */
guint64        ub_flash_plan_get_bytes_before (UbFlashPlan *self,
                                               guint        index);

const char    *ub_flash_plan_get_rom_path   (UbFlashPlan   *self);
UbRomMode      ub_flash_plan_get_mode       (UbFlashPlan   *self);
const char    *ub_flash_plan_get_serial     (UbFlashPlan   *self);
const char    *ub_flash_plan_get_product    (UbFlashPlan   *self);
/* TRUE when a step locks the bootloader (needs an extra confirmation). */
gboolean       ub_flash_plan_locks          (UbFlashPlan   *self);
/* TRUE when some step erases or overwrites the user's data (userdata, metadata). */
gboolean       ub_flash_plan_erases_data    (UbFlashPlan   *self);

/* Set by UbPreflight when every check passed (ub-flash-plan-private.h); a job runs
 * only checked plans. */
gboolean       ub_flash_plan_get_checked    (UbFlashPlan   *self);

/* SHA-256 over the steps and image sizes: the same ROM, mode and phone give the same value. */
char          *ub_flash_plan_dup_fingerprint (UbFlashPlan  *self);

G_END_DECLS
