/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-recovery-job.h"

G_BEGIN_DECLS

#define UB_TYPE_RESULT_PAGE (ub_result_page_get_type ())
G_DECLARE_FINAL_TYPE (UbResultPage, ub_result_page, UB, RESULT_PAGE, GtkBox)

/*
 * Step 5: what happened and what to do next. On success, that the phone is
 * restarting; on failure, the plain reason, the phone's state and the next
 * step, with Resume (from the failed step), Retry, and Save Log.
 * ::resume, ::retry, ::done.
 */
void        ub_result_page_show          (UbResultPage *self,
                                          GPtrArray    *phones);
/*
 * The outcome of a recovery job (Mi Assistant install or factory reset) on
 * the phone named @phone_title: success says the phone restarts into the new
 * system; failure gives the error, the phone's own message and the next
 * step, with Try Again (::retry). @log is what Save Log writes.
 */
void        ub_result_page_show_recovery (UbResultPage  *self,
                                          UbRecoveryJob *job,
                                          const char    *phone_title,
                                          const char    *log);
const char *ub_result_page_get_title     (UbResultPage *self);
const char *ub_result_page_get_description (UbResultPage *self);
gboolean    ub_result_page_get_can_resume (UbResultPage *self);
/* Writes every phone's log to @file (what Save Log does), off the main loop. */
void        ub_result_page_save_log_async  (UbResultPage        *self,
                                            GFile               *file,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean    ub_result_page_save_log_finish (GFile               *file,
                                            GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
