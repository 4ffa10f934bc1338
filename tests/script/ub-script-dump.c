/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Prints the steps a flash script is read as (one per line), or the refusal. */
#include "config.h"

#include <locale.h>

#include "ub-script.h"

int
main (int argc, char **argv)
{
  int status = 0;

  setlocale (LC_ALL, "");
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(UbScript) script = ub_script_new_from_file (argv[i], &error);
      GPtrArray *steps, *notes;

      if (argc > 2)
        g_print ("== %s\n", argv[i]);
      if (script == NULL)
        {
          g_print ("refused: %s\n", error->message);
          status = 1;
          continue;
        }
      steps = ub_script_get_steps (script);
      for (guint k = 0; k < steps->len; k++)
        {
          UbFlashStep *step = g_ptr_array_index (steps, k);
          g_autofree char *desc = ub_flash_step_describe (step);
          g_autoptr(GString) line = g_string_new (NULL);

          g_string_append_printf (line, "%u: %s", step->line, desc);
          for (guint c = 0; c < step->conditions->len; c++)
            {
              g_autofree char *cond = ub_condition_describe (g_ptr_array_index (step->conditions, c));
              g_string_append_printf (line, " [if %s]", cond);
            }
          if (step->fatal)
            g_string_append (line, " !");
          if (step->error_message != NULL)
            g_string_append_printf (line, " msg=\"%s\"", step->error_message);
          g_print ("%s\n", line->str);
        }
      notes = ub_script_get_notes (script);
      for (guint k = 0; k < notes->len; k++)
        g_print ("note: %s\n", (char *) g_ptr_array_index (notes, k));
    }
  return status;
}
