/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The resume point of an unfinished flash, per phone serial, across runs. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>

#include "ub-resume-point.h"
#include "ub-rom-error.h"

#define GROUP "resume"

static char *
point_path (const char *serial)
{
  g_autofree char *safe = g_strdup (serial != NULL && serial[0] != '\0' ? serial : "unknown");

  g_strdelimit (safe, "/\\:. ", '_');
  return g_build_filename (g_get_user_state_dir (), "unbrick", "resume", safe, NULL);
}

gboolean
ub_resume_point_save (UbFlashPlan  *plan,
                      guint         step,
                      GError      **error)
{
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_return_val_if_fail (UB_IS_FLASH_PLAN (plan), FALSE);

  path = point_path (ub_flash_plan_get_serial (plan));
  dir = g_path_get_dirname (path);
  fingerprint = ub_flash_plan_dup_fingerprint (plan);
  g_key_file_set_string (kf, GROUP, "rom", ub_flash_plan_get_rom_path (plan));
  g_key_file_set_string (kf, GROUP, "mode", ub_rom_mode_to_string (ub_flash_plan_get_mode (plan)));
  if (ub_flash_plan_get_product (plan) != NULL)
    g_key_file_set_string (kf, GROUP, "product", ub_flash_plan_get_product (plan));
  g_key_file_set_string (kf, GROUP, "fingerprint", fingerprint);
  g_key_file_set_integer (kf, GROUP, "step", step);
  g_key_file_set_integer (kf, GROUP, "n-steps", ub_flash_plan_get_n_steps (plan));
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s: %s", dir,
                   g_strerror (saved_errno));
      return FALSE;
    }
  return g_key_file_save_to_file (kf, path, error);
}

gboolean
ub_resume_point_load (UbFlashPlan  *plan,
                      guint        *step,
                      GError      **error)
{
  g_autofree char *path = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *saved = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  gint value;

  g_return_val_if_fail (UB_IS_FLASH_PLAN (plan), FALSE);

  path = point_path (ub_flash_plan_get_serial (plan));
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH,
                   _("There is no unfinished flash of this phone (serial %s) to resume."),
                   ub_flash_plan_get_serial (plan));
      return FALSE;
    }
  fingerprint = ub_flash_plan_dup_fingerprint (plan);
  saved = g_key_file_get_string (kf, GROUP, "fingerprint", NULL);
  value = g_key_file_get_integer (kf, GROUP, "step", NULL);
  if (g_strcmp0 (saved, fingerprint) != 0 || value < 0 ||
      (guint) value >= ub_flash_plan_get_n_steps (plan))
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH,
                   _("The unfinished flash of this phone used another ROM or mode; flash it again "
                     "from the start (without --resume)."));
      return FALSE;
    }
  *step = value;
  return TRUE;
}

gboolean
ub_resume_point_peek (const char  *serial,
                      char       **rom_path,
                      UbRomMode   *mode,
                      guint       *step)
{
  g_autofree char *path = point_path (serial);
  g_autofree char *rom = NULL;
  g_autofree char *mode_text = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  UbRomMode m;
  gint value;

  if (serial == NULL || !g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  rom = g_key_file_get_string (kf, GROUP, "rom", NULL);
  mode_text = g_key_file_get_string (kf, GROUP, "mode", NULL);
  value = g_key_file_get_integer (kf, GROUP, "step", NULL);
  if (rom == NULL || mode_text == NULL || !ub_rom_mode_from_string (mode_text, &m) || value < 0)
    return FALSE;
  if (rom_path != NULL)
    *rom_path = g_steal_pointer (&rom);
  if (mode != NULL)
    *mode = m;
  if (step != NULL)
    *step = value;
  return TRUE;
}

void
ub_resume_point_clear (const char *serial)
{
  g_autofree char *path = point_path (serial);

  g_unlink (path);
}
