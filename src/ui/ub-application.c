/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "ub-application.h"
#include "ub-emu-demo.h"
#include "ub-window.h"

struct _UbApplication
{
  AdwApplication  parent_instance;

  gboolean        demo_mode;
  UbEmuDemo      *demo;
};

G_DEFINE_FINAL_TYPE (UbApplication, ub_application, ADW_TYPE_APPLICATION)

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (app);
  const char *developers[] = { "The Unbrick developers", NULL };

  adw_show_about_window (window,
                         "application-name", _("Unbrick"),
                         "application-icon", "io.github.unbrick.Unbrick",
                         "version", PACKAGE_VERSION,
                         "comments", _("Bring a phone that does not start back to life with its official firmware"),
                         "website", "https://github.com/unbrick/unbrick",
                         "issue-url", "https://github.com/unbrick/unbrick/issues",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* closing asks first while a phone is being flashed */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = about_activated },
  { .name = "quit", .activate = quit_activated },
};

static void
ub_application_startup (GApplication *application)
{
  UbApplication *self = UB_APPLICATION (application);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *advanced_accels[] = { "<Control>period", NULL };

  G_APPLICATION_CLASS (ub_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.advanced", advanced_accels);
}

static void
ub_application_activate (GApplication *application)
{
  UbApplication *self = UB_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      if (self->demo_mode && self->demo == NULL)
        {
          g_autoptr(GError) error = NULL;
          const char *rate = g_getenv ("UNBRICK_DEMO_RATE");

          self->demo = ub_emu_demo_new (&error);
          if (self->demo == NULL)
            {
              g_printerr (_("The demo phone could not start: %s\n"), error->message);
              return;
            }
          ub_emu_demo_set_rate (self->demo, rate != NULL ? g_ascii_strtoull (rate, NULL, 10)
                                                         : UB_EMU_DEMO_DEFAULT_RATE);
        }
      window = GTK_WINDOW (ub_window_new (GTK_APPLICATION (self), self->demo));
      if (self->demo != NULL)
        ub_window_add_demo_locked_phone (UB_WINDOW (window));
    }
  gtk_window_present (window);
}

static int
ub_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  UbApplication *self = UB_APPLICATION (application);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("unbrick %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_contains (options, "demo"))
    {
      self->demo_mode = TRUE;
      /* a demo is its own instance: it must not hand over to a running Unbrick */
      g_application_set_flags (application, g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);
    }
  return -1;
}

static void
ub_application_shutdown (GApplication *application)
{
  UbApplication *self = UB_APPLICATION (application);

  G_APPLICATION_CLASS (ub_application_parent_class)->shutdown (application);
  g_clear_object (&self->demo);
}

static void
ub_application_class_init (UbApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = ub_application_startup;
  app_class->activate = ub_application_activate;
  app_class->handle_local_options = ub_application_handle_local_options;
  app_class->shutdown = ub_application_shutdown;
}

static void
ub_application_init (UbApplication *self)
{
  const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Try Unbrick with an emulated phone and a sample firmware (no phone needed)"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and quit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

UbApplication *
ub_application_new (void)
{
  return g_object_new (UB_TYPE_APPLICATION,
                       "application-id", "io.github.unbrick.Unbrick",
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/unbrick/Unbrick",
                       NULL);
}
