/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define UB_TYPE_FLASH_PAGE (ub_flash_page_get_type ())
G_DECLARE_FINAL_TYPE (UbFlashPage, ub_flash_page, UB, FLASH_PAGE, GtkBox)

/*
 * Step 4: one UbFlashJob per phone (each on its own worker thread); the
 * overall progress by bytes, the running step, speed and time left, a
 * row per phone when there are several, and the log. Widgets are updated
 * at most 10 times a second whatever the jobs report. ::finished when
 * every job has ended.
 */
gboolean  ub_flash_page_start          (UbFlashPage *self,
                                        GPtrArray   *phones,
                                        gboolean     lock_confirmed,
                                        GError     **error);
/* The same, each phone from where an earlier run's job on it stopped (ub-resume-point.h). */
gboolean  ub_flash_page_start_from_saved (UbFlashPage *self,
                                          GPtrArray   *phones,
                                          gboolean     lock_confirmed,
                                          GError     **error);
/* Resumes the jobs that failed or were cancelled, from their resume step. */
gboolean  ub_flash_page_resume         (UbFlashPage *self,
                                        GError     **error);
gboolean  ub_flash_page_get_running    (UbFlashPage *self);
/* TRUE when every job of the last run succeeded. */
gboolean  ub_flash_page_get_succeeded  (UbFlashPage *self);
/* Asks every job to stop at the next safe point (no question asked). */
void      ub_flash_page_cancel         (UbFlashPage *self);
/* As if Cancel was pressed: asks first, saying what state the phone will be in. */
void      ub_flash_page_request_cancel (UbFlashPage *self);
/* The fraction the progress bar shows. */
double    ub_flash_page_get_fraction   (UbFlashPage *self);
/* How many times the widgets were updated from progress reports. */
guint     ub_flash_page_get_n_updates  (UbFlashPage *self);

G_END_DECLS
