/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-phone.h"
#include "ub-window.h"

G_BEGIN_DECLS

/* Shared helpers of the in-process UI tests and the UI benchmark. */

/* Spins the main loop until @cond(@data) or @seconds pass; returns @cond's last value. */
gboolean          ub_ui_wait            (gboolean   (*cond) (gpointer data),
                                         gpointer     data,
                                         double       seconds);
void              ub_ui_spin            (double       seconds);
void              ub_ui_present         (GtkWindow   *window);
/* The visible AdwMessageDialog, or NULL. */
AdwMessageDialog *ub_ui_find_dialog     (void);
/* Waits (5 s at most) for a dialog to show. */
AdwMessageDialog *ub_ui_wait_for_dialog (void);
/* Waits for a dialog, answers @response and waits for it to go. */
void              ub_ui_answer_dialog   (const char  *response);
/* Renders @window to UB_BUILD_DIR/screenshots/@name.png (GSK, in process). */
void              ub_ui_screenshot      (GtkWindow   *window,
                                         const char  *name);
/* The first descendant of @root of @type whose label (button, label, row title) is @text. */
GtkWidget        *ub_ui_find_by_label   (GtkWidget   *root,
                                         GType        type,
                                         const char  *text);
/* Emits "clicked" on a sensitive, visible button labelled @label. */
void              ub_ui_click           (GtkWidget   *root,
                                         const char  *label);
/* Drops the file @path on @widget's drop target as a file manager would; TRUE when taken. */
gboolean          ub_ui_drop_file       (GtkWidget   *widget,
                                         const char  *path);
/* TRUE when a visible label or row under @root shows @text (substring). */
gboolean          ub_ui_shows_text      (GtkWidget   *root,
                                         const char  *text);

/* Conditions for ub_ui_wait() on a UbWindow (@window): a phone is ticked and
 * ready; the firmware page is not opening anything; the checks are not
 * running; the result page is shown. */
gboolean          ub_ui_phone_ready       (gpointer     window);
gboolean          ub_ui_firmware_settled  (gpointer     window);
gboolean          ub_ui_checks_done       (gpointer     window);
gboolean          ub_ui_on_result_page    (gpointer     window);

/* The first phone in @window's detect list that is locked (or, @recovery, in
 * Mi Assistant mode), or NULL; the list keeps the reference. */
UbPhone          *ub_ui_find_listed       (gpointer     window,
                                           gboolean     recovery);
/* Conditions for ub_ui_wait() on a UbWindow: a locked phone is listed; the
 * recovery-firmware page is shown; that page is not busy. */
gboolean          ub_ui_locked_listed             (gpointer window);
gboolean          ub_ui_on_recovery_firmware      (gpointer window);
gboolean          ub_ui_recovery_firmware_settled (gpointer window);

G_END_DECLS
