/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-file-chooser.h"

typedef struct {
  UbChooseKind     kind;
  UbChooseCallback callback;
  gpointer         user_data;
} Choice;

#if GTK_CHECK_VERSION (4, 10, 0)
static void
dialog_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Choice *choice = user_data;
  g_autoptr(GFile) file = NULL;

  switch (choice->kind)
    {
    case UB_CHOOSE_OPEN_FILE:
      file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, NULL);
      break;
    case UB_CHOOSE_OPEN_FOLDER:
      file = gtk_file_dialog_select_folder_finish (GTK_FILE_DIALOG (source), result, NULL);
      break;
    case UB_CHOOSE_SAVE:
    default:
      file = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (source), result, NULL);
      break;
    }
  choice->callback (file, choice->user_data);
  g_free (choice);
}
#else
static void
native_response (GtkNativeDialog *native, int response, gpointer user_data)
{
  Choice *choice = user_data;
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  choice->callback (file, choice->user_data);
  g_free (choice);
  g_object_unref (native);
}
#endif

void
ub_choose_file (GtkWindow        *parent,
                UbChooseKind      kind,
                const char       *title,
                const char       *accept_label,
                const char       *initial_name,
                GtkFileFilter    *filter,
                UbChooseCallback  callback,
                gpointer          user_data)
{
  Choice *choice = g_new0 (Choice, 1);

  choice->kind = kind;
  choice->callback = callback;
  choice->user_data = user_data;

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, title);
    gtk_file_dialog_set_accept_label (dialog, accept_label);
    gtk_file_dialog_set_modal (dialog, TRUE);
    if (initial_name != NULL)
      gtk_file_dialog_set_initial_name (dialog, initial_name);
    if (filter != NULL)
      gtk_file_dialog_set_default_filter (dialog, filter);
    switch (kind)
      {
      case UB_CHOOSE_OPEN_FILE:
        gtk_file_dialog_open (dialog, parent, NULL, dialog_done, choice);
        break;
      case UB_CHOOSE_OPEN_FOLDER:
        gtk_file_dialog_select_folder (dialog, parent, NULL, dialog_done, choice);
        break;
      case UB_CHOOSE_SAVE:
      default:
        gtk_file_dialog_save (dialog, parent, NULL, dialog_done, choice);
        break;
      }
  }
#else
  {
    GtkFileChooserAction action = kind == UB_CHOOSE_OPEN_FILE ? GTK_FILE_CHOOSER_ACTION_OPEN
                                : kind == UB_CHOOSE_OPEN_FOLDER ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                : GTK_FILE_CHOOSER_ACTION_SAVE;
    GtkFileChooserNative *native = gtk_file_chooser_native_new (title, parent, action, accept_label, NULL);

    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
    if (initial_name != NULL)
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), initial_name);
    if (filter != NULL)
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
    g_signal_connect (native, "response", G_CALLBACK (native_response), choice);
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
  }
#endif
}

typedef struct {
  UbDropCallback callback;
  gpointer       user_data;
} Drop;

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, Drop *drop)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  return files != NULL && drop->callback (files->data, drop->user_data);
}

void
ub_file_drop_attach (GtkWidget      *widget,
                     UbDropCallback  callback,
                     gpointer        user_data)
{
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  Drop *drop = g_new0 (Drop, 1);

  drop->callback = callback;
  drop->user_data = user_data;
  g_signal_connect_data (target, "drop", G_CALLBACK (on_drop), drop, (GClosureNotify) g_free, 0);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (target));
}
