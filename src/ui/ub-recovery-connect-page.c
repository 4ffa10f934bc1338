/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-recovery-connect-page.h"

struct _UbRecoveryConnectPage
{
  GtkBox        parent_instance;

  GtkSpinner   *spinner;
  GtkLabel     *status_label;
  GtkButton    *demo_button;

  UbDetectPage *detect_page;    /* not owned: the window keeps both */
  GListModel   *phones;         /* the Connect page's list */
  UbEmuDemo    *demo;
  char         *serial;         /* of the locked phone, when known */
  char         *locked_address; /* the locked phone's address on the list */
  GHashTable   *earlier;        /* addresses of phones in Mi Assistant mode before start() */
  gboolean      waiting;
};

G_DEFINE_FINAL_TYPE (UbRecoveryConnectPage, ub_recovery_connect_page, GTK_TYPE_BOX)

enum { FOUND, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_status (UbRecoveryConnectPage *self, const char *text, gboolean spinning)
{
  gtk_label_set_text (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), spinning);
  gtk_spinner_set_spinning (self->spinner, spinning && gtk_widget_get_mapped (GTK_WIDGET (self)));
}

/* The phone in Mi Assistant mode: the locked phone's serial when one
 * matches, else the only one (several phones and no match: wait). Whether
 * Mi Assistant's getsn: always equals fastboot's serialno is not known, so a
 * phone with another serial is taken too, but only one that came after the
 * page started: one that was already there is another phone. */
static UbPhone *
find_recovery_phone (UbRecoveryConnectPage *self, guint *n_found)
{
  UbPhone *only = NULL;

  *n_found = 0;
  for (guint i = 0; self->phones != NULL && i < g_list_model_get_n_items (self->phones); i++)
    {
      g_autoptr(UbPhone) phone = g_list_model_get_item (self->phones, i);

      if (ub_phone_get_recovery_info (phone) == NULL || !ub_phone_get_usable (phone))
        continue;
      if (self->serial != NULL && g_strcmp0 (ub_phone_get_serial (phone), self->serial) == 0)
        {
          *n_found = 1;
          return phone;
        }
      if (g_hash_table_contains (self->earlier, ub_phone_get_address (phone)))
        continue;
      (*n_found)++;
      only = phone;
    }
  return *n_found == 1 ? only : NULL;
}

static void
check_phones (UbRecoveryConnectPage *self)
{
  UbPhone *phone;
  guint n_found;

  if (!self->waiting)
    return;
  phone = find_recovery_phone (self, &n_found);
  if (phone == NULL)
    {
      set_status (self, n_found > 1 ? _("Several phones are in Mi Assistant mode: keep only this one connected.")
                                    : _("Waiting for the phone in Mi Assistant mode…"),
                  TRUE);
      return;
    }
  self->waiting = FALSE;
  set_status (self, _("The phone is in Mi Assistant mode."), FALSE);
  g_object_ref (phone);
  g_signal_emit (self, signals[FOUND], 0, phone);
  g_object_unref (phone);
}

static void
on_phone_notify (UbRecoveryConnectPage *self)
{
  check_phones (self);
}

static void
watch_items (UbRecoveryConnectPage *self, guint position, guint added)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(UbPhone) phone = g_list_model_get_item (self->phones, i);

      g_signal_connect_object (phone, "notify::recovery-info", G_CALLBACK (on_phone_notify), self,
                               G_CONNECT_SWAPPED);
    }
}

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added,
                  UbRecoveryConnectPage *self)
{
  watch_items (self, position, added);
  check_phones (self);
}

void
ub_recovery_connect_page_setup (UbRecoveryConnectPage *self, UbDetectPage *detect_page, UbEmuDemo *demo)
{
  g_return_if_fail (UB_IS_RECOVERY_CONNECT_PAGE (self));
  g_return_if_fail (self->phones == NULL);

  self->detect_page = detect_page;
  self->phones = g_object_ref (ub_detect_page_get_phones (detect_page));
  g_set_object (&self->demo, demo);
  watch_items (self, 0, g_list_model_get_n_items (self->phones));
  g_signal_connect_object (self->phones, "items-changed", G_CALLBACK (on_items_changed), self, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->demo_button), demo != NULL);
}

void
ub_recovery_connect_page_start (UbRecoveryConnectPage *self, UbPhone *locked)
{
  g_return_if_fail (UB_IS_RECOVERY_CONNECT_PAGE (self));

  g_clear_pointer (&self->serial, g_free);
  g_clear_pointer (&self->locked_address, g_free);
  if (locked != NULL)
    {
      self->serial = g_strdup (ub_phone_get_serial (locked));
      self->locked_address = g_strdup (ub_phone_get_address (locked));
    }
  g_hash_table_remove_all (self->earlier);
  for (guint i = 0; locked != NULL && self->phones != NULL && i < g_list_model_get_n_items (self->phones); i++)
    {
      g_autoptr(UbPhone) phone = g_list_model_get_item (self->phones, i);

      if (ub_phone_get_recovery_info (phone) != NULL)
        g_hash_table_add (self->earlier, g_strdup (ub_phone_get_address (phone)));
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->demo_button), TRUE);
  self->waiting = TRUE;
  check_phones (self);
}

void
ub_recovery_connect_page_stop (UbRecoveryConnectPage *self)
{
  g_return_if_fail (UB_IS_RECOVERY_CONNECT_PAGE (self));
  self->waiting = FALSE;
  set_status (self, "", FALSE);
}

/* What the person would do with the keys, done by the demo: the locked
 * fastboot phone goes away, the recovery listens, and the Connect page lists
 * it (the page then finds it like a phone plugged in on USB). */
static void
on_demo_clicked (UbRecoveryConnectPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbPhone) phone = NULL;
  const char *address;

  if (self->demo == NULL || self->detect_page == NULL)
    return;
  if (!ub_emu_demo_enter_recovery (self->demo, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The demo phone did not start its recovery: %s"), error->message);
      set_status (self, text, FALSE);
      return;
    }
  address = ub_emu_demo_get_recovery_address (self->demo);
  if (self->locked_address != NULL)
    ub_detect_page_remove_phone (self->detect_page, self->locked_address);
  gtk_widget_set_sensitive (GTK_WIDGET (self->demo_button), FALSE);
  set_status (self, _("Waiting for the phone in Mi Assistant mode…"), TRUE);
  if (address == NULL)
    return;
  phone = ub_phone_new_for_adb_address (address);
  ub_detect_page_add_phone (self->detect_page, phone);
}

static void
on_map (UbRecoveryConnectPage *self)
{
  /* spin only while shown (see the Connect page's placeholder) */
  gtk_spinner_set_spinning (self->spinner, gtk_widget_get_visible (GTK_WIDGET (self->spinner)));
}

static void
on_unmap (UbRecoveryConnectPage *self)
{
  gtk_spinner_set_spinning (self->spinner, FALSE);
}

static void
ub_recovery_connect_page_dispose (GObject *object)
{
  UbRecoveryConnectPage *self = UB_RECOVERY_CONNECT_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), UB_TYPE_RECOVERY_CONNECT_PAGE);
  g_clear_object (&self->phones);
  g_clear_object (&self->demo);
  g_clear_pointer (&self->serial, g_free);
  g_clear_pointer (&self->locked_address, g_free);
  g_clear_pointer (&self->earlier, g_hash_table_unref);
  self->detect_page = NULL;
  G_OBJECT_CLASS (ub_recovery_connect_page_parent_class)->dispose (object);
}

static void
ub_recovery_connect_page_class_init (UbRecoveryConnectPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ub_recovery_connect_page_dispose;

  signals[FOUND] = g_signal_new ("found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, UB_TYPE_PHONE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/unbrick/Unbrick/ub-recovery-connect-page.ui");
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryConnectPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryConnectPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, UbRecoveryConnectPage, demo_button);
  gtk_widget_class_bind_template_callback (widget_class, on_demo_clicked);

  /* the picture is a symbolic icon in the resources; windows made without an
   * application (the UI tests) do not get the resource icon path by default */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/unbrick/Unbrick/icons");
}

static void
ub_recovery_connect_page_init (UbRecoveryConnectPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->earlier = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (on_unmap), NULL);
  set_status (self, "", FALSE);
}
