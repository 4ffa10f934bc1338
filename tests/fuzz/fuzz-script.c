/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A flash script from fuzzed text, the whole path from text to a step list
 * (ub_script_new_from_data), built twice: UB_FUZZ_DIALECT is UB_SCRIPT_SH
 * (fuzz-script-sh) or UB_SCRIPT_BAT (fuzz-script-bat). Checks what the
 * reader promises: an error or steps, and no step file outside the ROM.
 */
#include "config.h"

#include <string.h>

#include "ub-flash-step.h"
#include "ub-fuzz.h"
#include "ub-rom-error.h"
#include "ub-script.h"

static void
check_path (const char *file)
{
  g_auto(GStrv) parts = NULL;

  if (file == NULL)
    return;
  g_assert_false (g_path_is_absolute (file));
  g_assert_null (strchr (file, '\\'));
  parts = g_strsplit (file, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    g_assert_cmpstr (parts[i], !=, "..");
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ub_fuzz_quiet_logs ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbScript) script = NULL;
  GPtrArray *steps;

  ub_fuzz_quiet_logs ();
  script = ub_script_new_from_data (UB_FUZZ_DIALECT == UB_SCRIPT_SH ? "flash_all.sh"
                                                                   : "flash_all.bat",
                                    UB_FUZZ_DIALECT, (const char *) data, size, &error);
  if (script == NULL)
    {
      g_assert_nonnull (error);
      g_assert_cmpuint (strlen (error->message), >, 0);
      return 0;
    }
  g_assert_null (error);
  steps = ub_script_get_steps (script);
  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);

      check_path (step->file);
      if (step->conditions != NULL)
        for (guint j = 0; j < step->conditions->len; j++)
          {
            UbCondition *condition = g_ptr_array_index (step->conditions, j);

            if (condition->kind == UB_CONDITION_FILE)
              check_path (condition->name);
          }
      ub_flash_step_is_destructive (step);
      ub_flash_step_uses_device (step);
      ub_flash_step_has_image (step);
      ub_flash_step_is_lock (step);
    }
  ub_script_get_notes (script);
  ub_script_locks (script);
  return 0;
}
