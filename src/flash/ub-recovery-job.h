/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * A job on a phone in Mi Assistant mode (Xiaomi recovery, "Connect with
 * MIAssistant"), on its own thread like UbFlashJob:
 *
 * INSTALL: check that the local file's MD5 is the one Xiaomi approved
 * (nothing is sent to the phone otherwise), open the phone and check its
 * serial is the one the approval was for, sideload the file with the
 * approval's token (two phases: the recovery reads the package to check it,
 * then again to install it), then restart the phone into the system.
 *
 * WIPE_DATA: "format-data:" (after set_confirmed()), then restart.
 *
 * Signals, on the main context of the thread that called start():
 *   ::progress ()      get_progress() changed (also its own ::changed)
 *   ::log (const char *) a line for the log
 *   ::finished ()      see get_state(), get_error()
 */

#include <gio/gio.h>

#include "ub-flash-job.h"
#include "ub-progress.h"
#include "ub-recovery-info.h"
#include "ub-update-server.h"

G_BEGIN_DECLS

typedef enum {
  UB_RECOVERY_JOB_INSTALL,
  UB_RECOVERY_JOB_WIPE_DATA,
} UbRecoveryJobKind;

/* The progress steps of an install (names of get_progress()'s steps). */
typedef enum {
  UB_RECOVERY_STAGE_VERIFY,       /* MD5 of the file against the approval */
  UB_RECOVERY_STAGE_CONNECT,      /* open the phone, check the serial */
  UB_RECOVERY_STAGE_CHECKING,     /* the recovery reads the package the first time */
  UB_RECOVERY_STAGE_INSTALLING,   /* … and the second time */
  UB_RECOVERY_STAGE_RESTART,
} UbRecoveryStage;

/* The query for the update server from what the phone said. */
UbUpdateQuery *ub_update_query_new_from_info (UbRecoveryInfo *info);

#define UB_TYPE_RECOVERY_JOB (ub_recovery_job_get_type ())
G_DECLARE_FINAL_TYPE (UbRecoveryJob, ub_recovery_job, UB, RECOVERY_JOB, GObject)

/* @address reopens the phone (usb:…, tcp:…, serial; NULL: the only one);
 * @serial is the one the approval was asked for (checked before sending). */
UbRecoveryJob   *ub_recovery_job_new_install   (const char     *address,
                                                const char     *serial,
                                                const char     *path,
                                                UbRomApproval  *approval);
UbRecoveryJob   *ub_recovery_job_new_wipe_data (const char     *address,
                                                const char     *serial);

UbRecoveryJobKind ub_recovery_job_get_kind     (UbRecoveryJob  *self);
const char      *ub_recovery_job_get_path      (UbRecoveryJob  *self);
UbRomApproval   *ub_recovery_job_get_approval  (UbRecoveryJob  *self);

/* Required before start() for WIPE_DATA, and for an INSTALL whose approval
 * says it erases the data (the person confirmed). */
void             ub_recovery_job_set_confirmed (UbRecoveryJob  *self,
                                                gboolean        confirmed);
/* Restart the phone into the system after success (default TRUE). */
void             ub_recovery_job_set_restart   (UbRecoveryJob  *self,
                                                gboolean        restart);
/* Silence allowed between two block requests (default 5 minutes; 0 keeps
 * it). The other answers have UbMiAssistant's own limits. */
void             ub_recovery_job_set_sideload_timeout (UbRecoveryJob *self,
                                                       guint          timeout_ms);

/* Fails for a job already started or not confirmed when it must be. */
gboolean         ub_recovery_job_start         (UbRecoveryJob  *self,
                                                GError        **error);
/* Stops between blocks (a sideload cut short leaves the phone in recovery:
 * get_next_step() says so). */
void             ub_recovery_job_cancel        (UbRecoveryJob  *self);

/* Runs on the calling thread (CLI); signals are emitted on it. */
gboolean         ub_recovery_job_run_sync      (UbRecoveryJob  *self,
                                                GError        **error);

UbFlashJobState  ub_recovery_job_get_state     (UbRecoveryJob  *self);
UbRecoveryStage  ub_recovery_job_get_stage     (UbRecoveryJob  *self);
const GError    *ub_recovery_job_get_error     (UbRecoveryJob  *self);
/* What to do next after a failure (one or two plain sentences), or NULL. */
const char      *ub_recovery_job_get_next_step (UbRecoveryJob  *self);
/* The recovery's own final text ("Installation complete", "FAILFAIL" …), or NULL. */
const char      *ub_recovery_job_get_phone_message (UbRecoveryJob *self);
/* Steps (verify, connect, checking, installing, restart) with bytes, rate,
 * time left. Never NULL. */
UbProgress      *ub_recovery_job_get_progress  (UbRecoveryJob  *self);
double           ub_recovery_job_get_elapsed   (UbRecoveryJob  *self);

G_END_DECLS
