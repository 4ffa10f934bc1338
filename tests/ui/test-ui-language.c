/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The app in Chinese: with LANGUAGE=zh_CN (LC_ALL=C.UTF-8) and the
 * catalogues of the build tree, the strings of the templates (the .ui files)
 * and of the code (src/ui) come out translated.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "ub-emu-demo.h"
#include "ub-ui-test.h"
#include "ub-window.h"

static gboolean
has_cjk (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c >= 0x4E00 && c <= 0x9FFF)
        return TRUE;
    }
  return FALSE;
}

static gboolean
phone_listed (gpointer data)
{
  return ub_ui_shows_text (data, "alioth");
}

static void
assert_chinese (const char *what, const char *english, const char *shown)
{
  g_test_message ("%s: “%s” → “%s”", what, english, shown);
  g_assert_cmpstr (shown, !=, english);
  g_assert_cmpstr (shown, ==, g_dgettext (GETTEXT_PACKAGE, english));
  g_assert_true (has_cjk (shown));
}

static void
test_chinese (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbEmuDemo) demo = ub_emu_demo_new (&error);
  UbWindow *window;
  GtkWidget *detect;
  GtkWidget *heading;

  g_assert_no_error (error);
  window = ub_window_new (NULL, demo);
  ub_ui_present (GTK_WINDOW (window));
  detect = ub_window_get_page (window, "detect");

  /* a template string */
  heading = ub_ui_find_by_label (detect, GTK_TYPE_LABEL, g_dgettext (GETTEXT_PACKAGE, "Connect Your Phone"));
  g_assert_nonnull (heading);
  assert_chinese ("heading", "Connect Your Phone", gtk_label_get_text (GTK_LABEL (heading)));
  g_assert_null (ub_ui_find_by_label (detect, GTK_TYPE_LABEL, "Connect Your Phone"));

  /* strings from the code: the button and the phone count, once the demo phone answered */
  g_assert_true (ub_ui_wait (phone_listed, detect, 10));
  g_assert_nonnull (ub_ui_find_by_label (detect, GTK_TYPE_BUTTON, g_dgettext (GETTEXT_PACKAGE, "_Continue")));
  assert_chinese ("button", "_Continue", g_dgettext (GETTEXT_PACKAGE, "_Continue"));
  {
    g_autofree char *ready = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u phone is ready.",
                                                           "%u phones are ready.", 1), 1u);
    g_assert_true (has_cjk (ready));
    g_assert_true (ub_ui_shows_text (detect, ready));
  }
  ub_ui_screenshot (GTK_WINDOW (window), "language-zh_CN-detect");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  const char *localedir = g_getenv ("UNBRICK_LOCALEDIR");

  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "");
  g_assert_nonnull (localedir);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/ui/language/zh_CN", test_chinese);
  return g_test_run ();
}
