/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-flash-plan.h"

G_BEGIN_DECLS

/*
 * Where an unfinished flash of a phone stopped, kept across runs of the app
 * and the CLI: one small key file per phone serial under
 * $XDG_STATE_HOME/unbrick/resume/ (the tests point XDG_STATE_HOME at a
 * folder of their own). It holds the ROM's path, the mode, the step to
 * resume at and the plan's fingerprint, so that a point is only used for
 * the same ROM and mode on the same phone.
 */

gboolean ub_resume_point_save  (UbFlashPlan  *plan,
                                guint         step,
                                GError      **error);
/* The step to resume @plan at; fails (UB_ROM_ERROR_MISMATCH) when none was
 * saved for this phone, or it was for another ROM or mode. */
gboolean ub_resume_point_load  (UbFlashPlan  *plan,
                                guint        *step,
                                GError      **error);
/* What is remembered for @serial, without a plan (to offer that ROM again);
 * FALSE when nothing is. Out arguments may be NULL. */
gboolean ub_resume_point_peek  (const char   *serial,
                                char        **rom_path,
                                UbRomMode    *mode,
                                guint        *step);
void     ub_resume_point_clear (const char   *serial);

G_END_DECLS
