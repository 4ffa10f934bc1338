/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-mnemonic.h"

void
ub_mnemonic_button_set_label (GtkButton *button, const char *label)
{
  GtkWidget *child;

  g_return_if_fail (GTK_IS_BUTTON (button));
  g_return_if_fail (label != NULL);

  child = gtk_button_get_child (button);
  /* gtk_button_get_label() is non-NULL only for the label GtkButton made itself */
  if (!GTK_IS_LABEL (child) || gtk_button_get_label (button) != NULL)
    {
      child = gtk_label_new (NULL);
      gtk_button_set_child (button, child);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL);
      /* the padding of a text button, as gtk_button_set_label() gives */
      gtk_widget_add_css_class (GTK_WIDGET (button), "text-button");
    }
  gtk_label_set_use_underline (GTK_LABEL (child), TRUE);
  gtk_label_set_label (GTK_LABEL (child), label);
  gtk_label_set_mnemonic_widget (GTK_LABEL (child), GTK_WIDGET (button));
}

const char *
ub_mnemonic_button_get_label (GtkButton *button)
{
  GtkWidget *child;

  g_return_val_if_fail (GTK_IS_BUTTON (button), NULL);

  if (gtk_button_get_label (button) != NULL)
    return gtk_button_get_label (button);
  child = gtk_button_get_child (button);
  return GTK_IS_LABEL (child) ? gtk_label_get_label (GTK_LABEL (child)) : NULL;
}

static void
fix_names (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child) && gtk_button_get_use_underline (GTK_BUTTON (child)) &&
          gtk_button_get_label (GTK_BUTTON (child)) != NULL)
        gtk_accessible_reset_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL);
      fix_names (child);
    }
}

void
ub_mnemonic_dialog_present (AdwMessageDialog *dialog)
{
  g_return_if_fail (ADW_IS_MESSAGE_DIALOG (dialog));

  /* Not the child-label form of our own buttons: the dialog owns these
   * (two per response in 1.2, one for each layout) and sets their label
   * itself; the stale property is all that doubles the name. */
  fix_names (GTK_WIDGET (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}
