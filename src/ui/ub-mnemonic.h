/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * Buttons with a mnemonic that screen readers name once.
 *
 * GTK 4.8 names a button over AT-SPI from its accessible label property and
 * again from the labels that label it: gtk_button_set_label() with
 * use-underline sets the property to the raw "_Continue" and makes its label
 * child the mnemonic label, so the button is heard as "_Continue Continue".
 * A button whose child is a GtkLabel with use-underline and the button as
 * its mnemonic-widget, and no label property of its own, is named by that
 * label only: "Continue". The templates build their buttons that way; these
 * keep it when the text changes at run time.
 */

/* Shows @label (with a mnemonic underscore) in a GtkLabel child of @button
 * that is @button's mnemonic label; replaces a label set with
 * gtk_button_set_label() and drops the accessible label it left behind. */
void        ub_mnemonic_button_set_label (GtkButton        *button,
                                          const char       *label);
/* The text of @button with its mnemonic underscore: gtk_button_get_label(),
 * or else the label of its GtkLabel child; NULL if it has neither. */
const char *ub_mnemonic_button_get_label (GtkButton        *button);
/* Presents @dialog, whose response buttons libadwaita 1.2 makes with
 * gtk_button_new_with_mnemonic(), after dropping their accessible label
 * property, so that they are named by their mnemonic label once ("Cancel",
 * not "_Cancel Cancel") and keep their Alt+letter. Every AdwMessageDialog of
 * the app is shown with it; responses relabelled later with
 * adw_message_dialog_set_response_label() would need the fix again. */
void        ub_mnemonic_dialog_present   (AdwMessageDialog *dialog);

G_END_DECLS
