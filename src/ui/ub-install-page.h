/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-recovery-job.h"

G_BEGIN_DECLS

#define UB_TYPE_INSTALL_PAGE (ub_install_page_get_type ())
G_DECLARE_FINAL_TYPE (UbInstallPage, ub_install_page, UB, INSTALL_PAGE, GtkBox)

/*
 * Step 4 for a phone in Mi Assistant mode: one UbRecoveryJob (install or
 * factory reset) with its stage ("Checking the file", "Connecting", "The
 * phone is checking the package", "Installing", "Restarting"), a progress
 * bar with bytes, speed and time left, the log, and Cancel (asks first; the
 * job stops between blocks and the phone stays in recovery). ::finished
 * when the job has ended.
 */
/* Starts @job (not started yet) for the phone named @phone_title. */
gboolean       ub_install_page_start          (UbInstallPage *self,
                                               UbRecoveryJob *job,
                                               const char    *phone_title,
                                               GError       **error);
UbRecoveryJob *ub_install_page_get_job        (UbInstallPage *self);
gboolean       ub_install_page_get_running    (UbInstallPage *self);
/* The fraction the progress bar shows. */
double         ub_install_page_get_fraction   (UbInstallPage *self);
/* Every log line of the job, one per line. */
const char    *ub_install_page_get_log        (UbInstallPage *self);
/* Asks the job to stop between blocks (no question asked). */
void           ub_install_page_cancel         (UbInstallPage *self);
/* As if Cancel was pressed: asks first. */
void           ub_install_page_request_cancel (UbInstallPage *self);

G_END_DECLS
