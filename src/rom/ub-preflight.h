/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-check.h"
#include "ub-fastboot-client.h"
#include "ub-flash-plan.h"
#include "ub-phone-info.h"
#include "ub-progress.h"
#include "ub-rom.h"

G_BEGIN_DECLS

#define UB_TYPE_PREFLIGHT (ub_preflight_get_type ())
G_DECLARE_FINAL_TYPE (UbPreflight, ub_preflight, UB, PREFLIGHT, GObject)

/*
 * Everything checked before the first destructive command, with all
 * problems reported together: the phone (bootloader fastboot, unlocked,
 * the product the ROM is for, anti-rollback, security patch for keep-data,
 * battery, the script's own variable checks) and every image the plan uses
 * (exists, inside the ROM folder, MD5 from md5sum.xml, a valid sparse chunk
 * table, fits its partition). Only getvar is sent to the phone.
 */
UbPreflight *ub_preflight_new        (UbRom                   *rom,
                                      UbRomMode                mode);

/*
 * Blocking; run it on a worker thread. FALSE only when checking itself
 * could not go on (the phone stopped answering, cancelled); failed checks
 * are results, not errors.
 *
 * @progress (may be NULL) is reset and gets three steps: "Checking the
 * phone", "Verifying the images" (the bytes hashed, in its child and its
 * total in @progress's bytes, so the rate and the time left are the
 * hashing's) and "Reading the images"; finished when the checks ran to
 * the end.
 */
gboolean     ub_preflight_run        (UbPreflight             *self,
                                      UbFastbootClient        *client,
                                      UbProgress              *progress,
                                      GCancellable            *cancellable,
                                      GError                 **error);
/*
 * The same on a thread of its own, with a connection to the phone at
 * @address (as ub_fastboot_client_open: NULL for the one phone there is)
 * opened for it and closed after. @callback runs on the
 * caller's thread-default main context.
 */
void         ub_preflight_run_async  (UbPreflight             *self,
                                      const char              *address,
                                      UbProgress              *progress,
                                      GCancellable            *cancellable,
                                      GAsyncReadyCallback      callback,
                                      gpointer                 user_data);
gboolean     ub_preflight_run_finish (UbPreflight             *self,
                                      GAsyncResult            *result,
                                      GError                 **error);

/*
 * The same with the phone's facts from a probe already made on @client
 * (NULL: probed at the first question). Variables the checks need beyond
 * the probe are asked then and added to @info.
 */
gboolean     ub_preflight_run_with_info (UbPreflight             *self,
                                         UbFastbootClient        *client,
                                         UbPhoneInfo             *info,
                                         UbProgress              *progress,
                                         GCancellable            *cancellable,
                                         GError                 **error);

/*
 * Opens the phone at @address (see ub_transport_open()), runs the checks and
 * closes it again, for the flash job to open its own connection. Blocking.
 */
gboolean     ub_preflight_check_phone (UbPreflight             *self,
                                       const char              *address,
                                       UbProgress              *progress,
                                       GCancellable            *cancellable,
                                       GError                 **error);

/* What the last run learnt about the phone, or NULL before it asked anything. */
UbPhoneInfo *ub_preflight_get_phone_info (UbPreflight           *self);

/* Of UbCheck, in the order a person should read them. */
GPtrArray   *ub_preflight_get_checks (UbPreflight             *self);
/* TRUE when no check failed. */
gboolean     ub_preflight_get_passed (UbPreflight             *self);
/* The plan for this phone (also when checks failed, to show what it would do); NULL when the script is unusable. */
UbFlashPlan *ub_preflight_get_plan   (UbPreflight             *self);
/* UB_ROM_ERROR_PREFLIGHT naming every failed check, or NULL when all passed. */
GError      *ub_preflight_dup_error  (UbPreflight             *self);

G_END_DECLS
