/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  UB_CHOOSE_OPEN_FILE,
  UB_CHOOSE_OPEN_FOLDER,
  UB_CHOOSE_SAVE,
} UbChooseKind;

/*
 * The system file chooser (through the portal inside Flatpak): GtkFileDialog
 * where GTK has it, GtkFileChooserNative on GTK 4.8. @callback gets the
 * chosen GFile, or NULL when the person cancelled.
 */
typedef void (*UbChooseCallback) (GFile *file, gpointer user_data);

void ub_choose_file (GtkWindow        *parent,
                     UbChooseKind      kind,
                     const char       *title,
                     const char       *accept_label,
                     const char       *initial_name,
                     GtkFileFilter    *filter,
                     UbChooseCallback  callback,
                     gpointer          user_data);

/*
 * Files dragged onto @widget (from Files, a browser's downloads…): @callback
 * gets the first one and says whether it took it. @user_data is not owned:
 * @widget keeps the drop target.
 */
typedef gboolean (*UbDropCallback) (GFile *file, gpointer user_data);

void ub_file_drop_attach (GtkWidget      *widget,
                          UbDropCallback  callback,
                          gpointer        user_data);

G_END_DECLS
