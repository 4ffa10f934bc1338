/* SPDX-License-Identifier: GPL-3.0-or-later */
/* unbrick-cli inspect and flash-rom: Xiaomi fastboot ROMs from a terminal. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ub-cli-json.h"
#include "ub-cli-rom.h"
#include "ub-enum-nick.h"
#include "ub-fastboot-client.h"
#include "ub-fastboot-error.h"
#include "ub-flash-job.h"
#include "ub-flash-enums.h"
#include "ub-online-util.h"
#include "ub-preflight.h"
#include "ub-resume-point.h"
#include "ub-rom.h"
#include "ub-rom-archive.h"
#include "ub-rom-error.h"

/* ---- ROMs ----------------------------------------------------------------- */

typedef struct {
  UbCliProgress *progress;
  gboolean       json;
  GAsyncResult  *result;
} Unpack;

static void
on_unpack_progress (UbProgress *progress,
                    Unpack     *u)
{
  guint64 done = ub_progress_get_bytes_done (progress);
  guint64 total = ub_progress_get_bytes_total (progress);

  if (total == 0)
    return;   /* a folder, or nothing read yet */
  if (u->json)
    {
      JsonBuilder *b = ub_cli_json_event ("unpack");
      ub_cli_json_add_int (b, "done", done);
      ub_cli_json_add_int (b, "total", total);
      ub_cli_json_event_end (b);
    }
  else if (u->progress != NULL)
    {
      /* TRANSLATORS: a progress label */
      ub_cli_progress_show (u->progress, _("Unpacking the ROM"), progress);
    }
}

static void
on_rom_opened (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Unpack *u = user_data;

  u->result = g_object_ref (result);
}

/* The app's "rom-cache-limit" (GB) bounds the cache for the CLI too, when
 * the settings schema is installed. */
static void
apply_cache_limit (void)
{
  g_autoptr(GSettings) settings = ub_online_settings_new ();

  if (settings != NULL)
    ub_rom_archive_set_cache_limit ((guint64) g_settings_get_uint (settings, "rom-cache-limit") *
                                    1000 * 1000 * 1000);
}

/* A folder, or an archive unpacked (or found unpacked) in the cache; the
 * unpacking's progress delivered to this thread. */
static UbRom *
open_rom (const char    *path,
          UbCliProgress *progress,
          gboolean       json,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(UbProgress) unpack = NULL;
  Unpack u = { progress, json, NULL };
  UbRom *rom;

  apply_cache_limit ();
  g_main_context_push_thread_default (context);
  unpack = ub_progress_new ();
  g_signal_connect (unpack, "changed", G_CALLBACK (on_unpack_progress), &u);
  ub_rom_open_async (path, NULL, unpack, cancellable, on_rom_opened, &u);
  while (u.result == NULL)
    g_main_context_iteration (context, TRUE);
  rom = ub_rom_open_finish (u.result, error);
  g_clear_object (&u.result);
  /* the final ::changed, queued before the result */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_signal_handlers_disconnect_by_data (unpack, &u);
  g_main_context_pop_thread_default (context);
  if (progress != NULL)
    ub_cli_progress_finish (progress);
  return rom;
}

static guint64
file_size (UbRom      *rom,
           const char *relative,
           gboolean   *present)
{
  g_autofree char *path = ub_rom_resolve (rom, relative, NULL);
  GStatBuf st;

  *present = path != NULL && g_stat (path, &st) == 0 && S_ISREG (st.st_mode);
  return *present ? (guint64) st.st_size : 0;
}

static char *
conditions_text (const UbFlashStep *step)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint c = 0; c < step->conditions->len; c++)
    {
      UbCondition *cond = g_ptr_array_index (step->conditions, c);

      if (out->len > 0)
        {
          /* TRANSLATORS: joins conditions: “if misc.txt exists and if the phone's anti matches /1/”
           */
          g_string_append (out, _(" and "));
        }
      if (cond->kind == UB_CONDITION_FILE)
        {
          /* TRANSLATORS: a condition of a script step; %s: a file of the ROM (e.g.
           * images/super.img) */
          g_string_append_printf (out, cond->negate ? _("if %s is missing") : _("if %s exists"),
                                  cond->name);
        }
      else if (cond->kind == UB_CONDITION_FOLDER)
        {
          /* TRANSLATORS: a condition of a script step; /%s/: the pattern the name of the ROM's
           * folder is compared with */
          g_string_append_printf (out, cond->negate ? _("unless the ROM folder's name matches /%s/")
                                                    : _("if the ROM folder's name matches /%s/"),
                                  cond->pattern);
        }
      else
        {
          /* TRANSLATORS: a condition of a script step; %s: a variable the phone reports (e.g.
           * “product”), /%s/: the pattern it is compared with */
          g_string_append_printf (out, cond->negate ? _("unless the phone's %s matches /%s/")
                                                    : _("if the phone's %s matches /%s/"),
                                  cond->name, cond->pattern);
        }
    }
  return out->len ? g_strdup (out->str) : NULL;
}

static void
inspect_mode_text (UbRom     *rom,
                   UbRomMode  mode)
{
  g_autoptr(GError) error = NULL;
  UbScript *script = ub_rom_get_script (rom, mode, &error);
  GPtrArray *steps;
  guint64 total = 0;

  /* TRANSLATORS: %s: a mode (“Clean all”, “Keep my data”…), then its script file (e.g.
   * flash_all.sh) */
  if (ub_rom_get_script_name (rom, mode) != NULL)
    g_print (_("\nSteps of “%s” (%s):\n"), ub_rom_mode_get_title (mode),
             ub_rom_get_script_name (rom, mode));
  else
    {
      /* TRANSLATORS: %s: a mode (“Clean all”, “Keep my data”…) that has no script in this ROM */
      g_print (_("\nSteps of “%s”:\n"), ub_rom_mode_get_title (mode));
    }
  if (script == NULL)
    {
      g_print ("  %s\n", error->message);
      return;
    }
  steps = ub_script_get_steps (script);
  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);
      g_autofree char *desc = ub_flash_step_describe (step);
      g_autofree char *cond = conditions_text (step);
      g_autofree char *size = NULL;

      if (ub_flash_step_has_image (step))
        {
          gboolean present;
          guint64 bytes = file_size (rom, step->file, &present);
          /* TRANSLATORS: shown instead of an image's size when the file is not in the ROM */
          size = present ? g_format_size (bytes) : g_strdup (_("missing"));
          total += bytes;
        }
      {
        g_autofree char *line = g_strdup_printf ("  %3u  %-48s  %-10s  %s", step->line, desc,
                                                 size ? size : "", cond ? cond : "");
        g_print ("%s\n", g_strchomp (line));
      }
    }
  {
    g_autofree char *t = g_format_size (total);
    /* TRANSLATORS: %s: the images' total size, e.g. “6.1 GB” */
    g_print (ngettext ("  %u step, %s of images\n", "  %u steps, %s of images\n", steps->len),
             steps->len, t);
  }
}

static void
inspect_json (UbRom *rom)
{
  JsonBuilder *b = ub_cli_json_event ("rom");
  GStrv names = ub_rom_get_codenames (rom);

  ub_cli_json_add_string (b, "path", ub_rom_get_path (rom));
  json_builder_set_member_name (b, "codenames");
  json_builder_begin_array (b);
  for (guint i = 0; names[i] != NULL; i++)
    json_builder_add_string_value (b, names[i]);
  json_builder_end_array (b);
  ub_cli_json_add_string (b, "device", ub_rom_get_device (rom));
  ub_cli_json_add_string (b, "version", ub_rom_get_version (rom));
  ub_cli_json_add_string (b, "android", ub_rom_get_android_version (rom));
  ub_cli_json_add_string (b, "region", ub_rom_get_region (rom));
  json_builder_set_member_name (b, "modes");
  json_builder_begin_array (b);
  for (guint m = 0; m < UB_ROM_N_MODES; m++)
    {
      g_autoptr(GError) error = NULL;
      UbScript *script = ub_rom_get_script (rom, m, &error);

      json_builder_begin_object (b);
      ub_cli_json_add_string (b, "mode", ub_enum_nick (UB_TYPE_ROM_MODE, m));
      ub_cli_json_add_string (b, "script", ub_rom_get_script_name (rom, m));
      ub_cli_json_add_bool (b, "available", script != NULL);
      ub_cli_json_add_string (b, "reason", error ? error->message : NULL);
      if (script != NULL)
        {
          GPtrArray *steps = ub_script_get_steps (script);

          ub_cli_json_add_bool (b, "locks", ub_script_locks (script));
          json_builder_set_member_name (b, "steps");
          json_builder_begin_array (b);
          for (guint i = 0; i < steps->len; i++)
            {
              UbFlashStep *step = g_ptr_array_index (steps, i);
              g_autofree char *desc = ub_flash_step_describe (step);
              g_autofree char *cond = conditions_text (step);

              json_builder_begin_object (b);
              ub_cli_json_add_int (b, "line", step->line);
              ub_cli_json_add_string (b, "kind", ub_enum_nick (UB_TYPE_STEP_KIND, step->kind));
              ub_cli_json_add_string (b, "description", desc);
              ub_cli_json_add_string (b, "partition", step->partition);
              ub_cli_json_add_string (b, "file", ub_flash_step_has_image (step) ? step->file : NULL);
              if (ub_flash_step_has_image (step))
                {
                  gboolean present;
                  guint64 bytes = file_size (rom, step->file, &present);
                  ub_cli_json_add_bool (b, "present", present);
                  ub_cli_json_add_int (b, "size", bytes);
                }
              ub_cli_json_add_string (b, "condition", cond);
              ub_cli_json_add_bool (b, "stops_on_error", step->fatal);
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  ub_cli_json_event_end (b);
}

/* A check of the script in words. */
static char *
describe_check (const UbFlashStep *step)
{
  g_autofree char *names = NULL;

  switch (step->kind)
    {
    case UB_STEP_CHECK_PRODUCT:
      names = g_strjoinv (_(" or "), step->codenames);
      if (step->prefix_match)
        {
          /* TRANSLATORS: %s: phone codenames; the script's pattern only checks the start */
          return g_strdup_printf (_("the phone is %s (the script accepts any name starting so; "
                                    "Unbrick wants the exact name)"), names);
        }
      return g_strdup_printf (_("the phone is %s"), names);
    case UB_STEP_CHECK_ANTI:
      if (step->file != NULL)
        {
          /* TRANSLATORS: a check of the ROM's script; %s: the phone's variable name (e.g. “anti”),
           * then a file of the ROM */
          return g_strdup_printf (_("the phone's anti-rollback version (%s) is not above the ROM's (%s)"),
                                  step->var, step->file);
        }
      /* TRANSLATORS: a check of the ROM's script; %s: the phone's variable name (e.g. “anti”), then
       * a number */
      return g_strdup_printf (_("the phone's anti-rollback version (%s) is not above %" PRId64),
                              step->var, step->package_value);
    case UB_STEP_CHECK_SPL:
      /* TRANSLATORS: a check of the ROM's script; %s: a file of the ROM */
      return g_strdup_printf (_("the phone's security patch is not newer than the ROM's (%s)"),
                              step->file);
    case UB_STEP_CHECK_VAR:
      if (step->refuse_match)
        {
          /* TRANSLATORS: a check of the ROM's script; %s: a variable the phone reports, /%s/: a
           * pattern */
          return g_strdup_printf (_("the phone's “%s” does not match /%s/"), step->var, step->pattern);
        }
      /* TRANSLATORS: a check of the ROM's script; %s: a variable the phone reports, /%s/: a pattern
       */
      return g_strdup_printf (_("the phone's “%s” matches /%s/"), step->var, step->pattern);
    case UB_STEP_CHECK_FOLDER:
      /* TRANSLATORS: a check of the ROM's script; /%s/: a pattern */
      return g_strdup_printf (step->refuse_match ? _("the ROM folder's name does not match /%s/")
                                                 : _("the ROM folder's name matches /%s/"),
                              step->pattern);
    case UB_STEP_CHECK_NUMBER:
      {
        static const char *const ops[] = { "equ", "=", "neq", "≠", "lss", "<", "leq", "≤",
                                           "gtr", ">", "geq", "≥", NULL };
        const char *sign = step->arg;

        for (guint k = 0; ops[k] != NULL; k += 2)
          if (g_strcmp0 (step->arg, ops[k]) == 0)
            sign = ops[k + 1];
        /* TRANSLATORS: a check of the ROM's script; %s: a variable the phone reports, then a
         * comparison sign (≤, >…) and a number */
        return g_strdup_printf (_("not (the phone's “%s” %s %" PRId64 ")"), step->var, sign,
                                step->package_value);
      }
    default:
      return ub_flash_step_describe (step);
    }
}

gboolean
ub_cli_rom_inspect (const char    *path,
                    const char    *mode_name,
                    gboolean       json,
                    UbCliProgress *progress,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(UbRom) rom = open_rom (path, progress, json, cancellable, error);
  UbRomMode mode = UB_ROM_MODE_CLEAN_ALL;
  GStrv names;
  g_autofree char *joined = NULL;

  if (rom == NULL)
    return FALSE;
  if (mode_name != NULL && !ub_rom_mode_from_string (mode_name, &mode))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   /* TRANSLATORS: keep clean-all, keep-data and clean-all-lock: they are the words
                    * to type */
                   _("Unknown mode “%s” (use clean-all, keep-data or clean-all-lock)"), mode_name);
      return FALSE;
    }
  if (json)
    {
      inspect_json (rom);
      return TRUE;
    }
  /* without --mode: the first mode the ROM has (a lock-only ROM has no “Clean all”) */
  if (mode_name == NULL)
    for (guint m = 0; m < UB_ROM_N_MODES; m++)
      if (ub_rom_get_script_name (rom, m) != NULL)
        {
          mode = m;
          break;
        }

  names = ub_rom_get_codenames (rom);
  joined = g_strjoinv (", ", names);
  /* TRANSLATORS: labels of `unbrick-cli inspect`: ROM, From, For, Version and Checksums; pad them
   * with spaces so that the values line up */
  g_print (_("ROM:      %s\n"), ub_rom_get_path (rom));
  if (g_strcmp0 (ub_rom_get_source (rom), ub_rom_get_path (rom)) != 0)
    g_print (_("From:     %s\n"), ub_rom_get_source (rom));
  g_print (_("For:      %s\n"), joined[0] ? joined : _("unknown"));
  g_print (_("Version:  %s"), ub_rom_get_version (rom) ? ub_rom_get_version (rom) : _("unknown"));
  if (ub_rom_get_android_version (rom))
    {
      /* TRANSLATORS: after the version: “, Android 13” */
      g_print (_(", Android %s"), ub_rom_get_android_version (rom));
    }
  if (ub_rom_get_region (rom))
    g_print (", %s", ub_rom_get_region (rom));
  g_print ("\n");
  /* TRANSLATORS: “md5sum.xml” is a file name: keep it; “none”: the ROM has no checksum list */
  g_print (_("Checksums: %s\n"), ub_rom_get_md5sums (rom) ? _("md5sum.xml") : _("none"));
  g_print (_("Modes:\n"));
  for (guint m = 0; m < UB_ROM_N_MODES; m++)
    {
      g_autoptr(GError) local = NULL;
      UbScript *script = ub_rom_get_script (rom, m, &local);

      if (script != NULL)
        g_print ("  %-15s %s%s\n", ub_rom_mode_to_string (m), ub_rom_get_script_name (rom, m),
                 /* TRANSLATORS: after a mode's script name */
                 ub_script_locks (script) ? _(" (locks the bootloader)") : "");
      else
        {
          /* TRANSLATORS: %-15s: a mode as typed (clean-all…), padded to 15 columns; %s: why */
          g_print (_("  %-15s unavailable: %s\n"), ub_rom_mode_to_string (m), local->message);
        }
    }
  {
    g_autoptr(GError) local = NULL;
    UbScript *script = ub_rom_get_script (rom, mode, &local);
    GPtrArray *steps = script ? ub_script_get_steps (script) : NULL;

    if (steps != NULL)
      {
        g_print (_("Checks before anything is written:\n"));
        for (guint i = 0; i < steps->len; i++)
          {
            UbFlashStep *step = g_ptr_array_index (steps, i);
            g_autofree char *desc = NULL;

            if (step->kind > UB_STEP_CHECK_VAR)
              continue;
            desc = describe_check (step);
            g_print ("  %s\n", desc);
          }
        /* TRANSLATORS: the checks Unbrick adds to the script's own ones, listed just above */
        g_print (_("  plus: bootloader unlocked, battery, every image present, MD5, readable and "
                   "fitting its partition\n"));
      }
  }
  inspect_mode_text (rom, mode);
  return TRUE;
}

/* ---- flash-rom ------------------------------------------------------------ */

typedef struct {
  UbCliRomOptions *opt;
  UbFlashJob      *job;
  GMainLoop       *loop;
  char            *label;
  guint            n_steps;
} Flash;

static void
print_check (UbCliRomOptions *opt,
             const UbCheck   *check)
{
  static const char *const marks[] = {
    /* TRANSLATORS: the mark before a check that passed; one character */
    NC_("check passed", "✓"),
    /* TRANSLATORS: the mark before a warning; one character */
    NC_("check warning", "!"),
    /* TRANSLATORS: the mark before a check that failed; one character */
    NC_("check failed", "✗"),
    /* TRANSLATORS: the mark before a check that could not be made; one character */
    NC_("check skipped", "-"),
  };
  static const char *const contexts[] = {
    "check passed", "check warning", "check failed", "check skipped",
  };

  if (opt->json)
    {
      JsonBuilder *b = ub_cli_json_event ("check");
      ub_cli_json_add_string (b, "id", check->id);
      ub_cli_json_add_string (b, "status", ub_enum_nick (UB_TYPE_CHECK_STATUS, check->status));
      ub_cli_json_add_string (b, "title", check->title);
      ub_cli_json_add_string (b, "detail", check->detail);
      ub_cli_json_add_string (b, "next_step", check->next_step);
      ub_cli_json_event_end (b);
      return;
    }
  g_printerr ("%s %s\n", g_dpgettext2 (NULL, contexts[check->status], marks[check->status]),
              check->title);
  if (check->status == UB_CHECK_FAILED || check->status == UB_CHECK_WARNING)
    {
      if (check->detail != NULL)
        g_printerr ("    %s\n", check->detail);
      if (check->next_step != NULL)
        {
          /* TRANSLATORS: keep the four spaces at the start */
          g_printerr (_("    Next step: %s\n"), check->next_step);
        }
    }
}

/* the bar while the images are hashed */
static void
on_preflight_progress (UbProgress      *progress,
                       UbCliRomOptions *opt)
{
  g_autofree char *what = ub_progress_dup_step_name (progress);

  if (!opt->json && what != NULL && ub_progress_get_bytes_total (progress) > 0)
    ub_cli_progress_show (opt->progress, what, progress);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The checks on their own thread, their progress delivered to this one. */
static gboolean
run_checks (UbCliRomOptions *opt,
            UbPreflight     *preflight,
            GError         **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(UbProgress) progress = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  g_main_context_push_thread_default (context);
  progress = ub_progress_new ();
  g_signal_connect (progress, "changed", G_CALLBACK (on_preflight_progress), opt);
  ub_preflight_run_async (preflight, opt->address, progress, opt->abort, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  ok = ub_preflight_run_finish (preflight, result, error);
  g_signal_handlers_disconnect_by_data (progress, opt);
  g_main_context_pop_thread_default (context);
  return ok;
}

static gboolean
confirm (UbCliRomOptions *opt,
         UbFlashPlan     *plan,
         GError         **error)
{
  gboolean locks = ub_flash_plan_locks (plan);
  char answer[64];

  if (locks && !opt->allow_lock && (opt->yes || !isatty (STDIN_FILENO)))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("This mode locks the bootloader, which can leave a phone that only a "
                             "service centre can repair. Add --allow-lock to confirm."));
      return FALSE;
    }
  if (opt->yes)
    return TRUE;
  if (!isatty (STDIN_FILENO))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("Add --yes to flash without being asked."));
      return FALSE;
    }
  /* TRANSLATORS: %s: the phone's codename (e.g. “alioth”), its serial number, the mode
   * (“Clean all”…), then what happens to the data. Keep the word “yes”: it is what the
   * user must type */
  g_printerr (_("\nFlash %s (serial %s) with “%s”? %s\nType yes to continue: "),
              ub_flash_plan_get_product (plan), ub_flash_plan_get_serial (plan),
              ub_rom_mode_get_title (ub_flash_plan_get_mode (plan)),
              ub_flash_plan_erases_data (plan) ? _("Everything on the phone will be erased.")
                                                : _("Your files and apps are kept."));
  if (fgets (answer, sizeof answer, stdin) == NULL || !g_str_equal (g_strstrip (answer), "yes"))
    goto no;
  if (locks && !opt->allow_lock)
    {
      /* TRANSLATORS: keep the word “lock”: it is what the user must type */
      g_printerr (_("This also locks the bootloader. If anything on the phone is not Xiaomi's own "
                    "firmware, it may never start again.\nType lock to lock it: "));
      if (fgets (answer, sizeof answer, stdin) == NULL || !g_str_equal (g_strstrip (answer), "lock"))
        goto no;
    }
  return TRUE;
no:
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Nothing was done."));
  return FALSE;
}

static void
on_step_started (UbFlashJob *job,
                 guint       index,
                 Flash      *f)
{
  UbFlashStep *step = ub_flash_plan_get_step (ub_flash_job_get_plan (job), index);
  g_autofree char *title = ub_flash_step_dup_title (step);

  if (f->opt->json)
    {
      JsonBuilder *b = ub_cli_json_event ("step");
      ub_cli_json_add_int (b, "index", index);
      ub_cli_json_add_int (b, "n_steps", f->n_steps);
      ub_cli_json_add_string (b, "kind", ub_enum_nick (UB_TYPE_STEP_KIND, step->kind));
      ub_cli_json_add_string (b, "partition", step->partition);
      ub_cli_json_add_string (b, "title", title);
      ub_cli_json_add_int (b, "bytes", ub_flash_plan_get_step_bytes (ub_flash_job_get_plan (job), index));
      ub_cli_json_event_end (b);
      return;
    }
  g_free (f->label);
  f->label = g_strdup_printf ("[%u/%u] %s", index + 1, f->n_steps, title);
  ub_cli_progress_clear (f->opt->progress);
  if (step->kind == UB_STEP_ECHO)
    g_printerr ("%s\n", step->arg ? step->arg : "");
  else if (!isatty (STDERR_FILENO))
    g_printerr ("%s\n", f->label);
}

static void
on_progress (UbFlashJob            *job,
             const UbFlashProgress *p,
             Flash                 *f)
{
  if (f->opt->json)
    {
      JsonBuilder *b = ub_cli_json_event ("progress");
      ub_cli_json_add_int (b, "step", p->step);
      ub_cli_json_add_int (b, "step_done", p->step_done);
      ub_cli_json_add_int (b, "step_total", p->step_total);
      ub_cli_json_add_int (b, "done", p->done);
      ub_cli_json_add_int (b, "total", p->total);
      ub_cli_json_add_int (b, "piece", p->piece);
      ub_cli_json_add_int (b, "n_pieces", p->n_pieces);
      json_builder_set_member_name (b, "bytes_per_second");
      json_builder_add_double_value (b, p->bytes_per_second);
      ub_cli_json_add_int (b, "seconds_left", p->seconds_left);
      ub_cli_json_event_end (b);
    }
}

/* the bar: the job's bytes, speed and time left */
static void
on_progress_changed (UbProgress *progress,
                     Flash      *f)
{
  if (!f->opt->json && f->label != NULL && isatty (STDERR_FILENO))
    ub_cli_progress_show (f->opt->progress, f->label, progress);
}

static void
on_device_message (UbFlashJob *job,
                   const char *text,
                   Flash      *f)
{
  if (f->opt->json)
    {
      JsonBuilder *b = ub_cli_json_event ("device-message");
      ub_cli_json_add_string (b, "text", text);
      ub_cli_json_event_end (b);
      return;
    }
  ub_cli_progress_clear (f->opt->progress);
  g_printerr ("(bootloader) %s\n", text);
}

static void
on_log (UbFlashJob *job,
        const char *text,
        Flash      *f)
{
  if (f->opt->json)
    {
      JsonBuilder *b = ub_cli_json_event ("log");
      ub_cli_json_add_string (b, "text", text);
      ub_cli_json_event_end (b);
    }
}

static void
on_finished (UbFlashJob *job,
             Flash      *f)
{
  g_main_loop_quit (f->loop);
}

static gboolean
on_stop (GCancellable *cancellable,
         gpointer      user_data)
{
  Flash *f = user_data;

  if (ub_flash_job_get_state (f->job) == UB_FLASH_JOB_RUNNING)
    {
      ub_cli_progress_clear (f->opt->progress);
      if (!f->opt->json)
        g_printerr (_("Stopping after the current step… (press Ctrl+C again to stop at once)\n"));
    }
  ub_flash_job_cancel (f->job);
  return G_SOURCE_REMOVE;
}

static gboolean
on_abort (GCancellable *cancellable,
          gpointer      user_data)
{
  Flash *f = user_data;

  ub_flash_job_cancel (f->job);
  ub_flash_job_cancel (f->job);
  return G_SOURCE_REMOVE;
}

static void
watch_cancellable (GCancellable          *cancellable,
                   GMainContext          *context,
                   GCancellableSourceFunc func,
                   Flash                 *f)
{
  GSource *source = g_cancellable_source_new (cancellable);

  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) func, f, NULL);
  g_source_attach (source, context);
  g_source_unref (source);
}

static gboolean
run_job (UbCliRomOptions *opt,
         UbFlashPlan     *plan,
         const char      *address,
         guint            first_step,
         GError         **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(UbFlashJob) job = NULL;
  Flash f = { opt, NULL, NULL, NULL, ub_flash_plan_get_n_steps (plan) };
  const GError *failure;
  gboolean ok;

  g_main_context_push_thread_default (context);
  loop = g_main_loop_new (context, FALSE);
  job = ub_flash_job_new (plan, address);
  f.job = job;
  f.loop = loop;
  ub_flash_job_set_lock_confirmed (job, ub_flash_plan_locks (plan));
  ub_flash_job_set_first_step (job, first_step);
  if (opt->timeout_s > 0)
    {
      guint ms = opt->timeout_s * 1000;
      ub_flash_job_set_timeouts (job, MIN (ms, UB_FASTBOOT_TIMEOUT_SHORT), ms, ms);
    }
  g_signal_connect (job, "step-started", G_CALLBACK (on_step_started), &f);
  g_signal_connect (job, "progress", G_CALLBACK (on_progress), &f);
  g_signal_connect (ub_flash_job_get_progress (job), "changed", G_CALLBACK (on_progress_changed), &f);
  g_signal_connect (job, "device-message", G_CALLBACK (on_device_message), &f);
  g_signal_connect (job, "log", G_CALLBACK (on_log), &f);
  g_signal_connect (job, "finished", G_CALLBACK (on_finished), &f);
  watch_cancellable (opt->stop, context, on_stop, &f);
  watch_cancellable (opt->abort, context, on_abort, &f);

  if (!ub_flash_job_start (job, error))
    {
      g_main_context_pop_thread_default (context);
      return FALSE;
    }
  g_main_loop_run (loop);
  g_main_context_pop_thread_default (context);

  ub_cli_progress_finish (opt->progress);
  failure = ub_flash_job_get_error (job);
  ok = ub_flash_job_get_state (job) == UB_FLASH_JOB_SUCCEEDED;

  if (opt->json)
    {
      JsonBuilder *b = ub_cli_json_event ("result");
      UbFlashJobState state = ub_flash_job_get_state (job);

      if (state != UB_FLASH_JOB_SUCCEEDED && state != UB_FLASH_JOB_CANCELLED)
        state = UB_FLASH_JOB_FAILED;
      ub_cli_json_add_string (b, "status", ub_enum_nick (UB_TYPE_FLASH_JOB_STATE, state));
      ub_cli_json_add_string (b, "message", failure ? failure->message : NULL);
      ub_cli_json_add_string (b, "next_step", ub_flash_job_get_next_step (job));
      ub_cli_json_add_string (b, "phone_state", ub_flash_job_get_phone_state (job));
      if (ub_flash_job_get_failed_step (job) != G_MAXUINT)
        ub_cli_json_add_int (b, "failed_step", ub_flash_job_get_failed_step (job));
      ub_cli_json_add_int (b, "resume_step", ub_flash_job_get_resume_step (job));
      ub_cli_json_add_bool (b, "locked", ub_flash_job_get_locked (job));
      json_builder_set_member_name (b, "elapsed");
      json_builder_add_double_value (b, ub_flash_job_get_elapsed (job));
      ub_cli_json_event_end (b);
    }
  else if (ok)
    {
      /* TRANSLATORS: %.1f s: seconds; %s: what the phone does now */
      g_printerr (_("Done in %.1f s. %s\n"), ub_flash_job_get_elapsed (job),
                  ub_flash_job_get_phone_state (job));
    }
  else
    {
      if (ub_flash_job_get_failed_step (job) != G_MAXUINT)
        {
          UbFlashStep *step = ub_flash_plan_get_step (plan, ub_flash_job_get_failed_step (job));
          g_autofree char *title = ub_flash_step_dup_title (step);
          /* TRANSLATORS: %s: the step (e.g. “Writing “boot_ab””); the last number is a line of the
           * ROM's script */
          g_printerr (_("Stopped at step %u of %u: %s (script line %u)\n"),
                      ub_flash_job_get_failed_step (job) + 1, f.n_steps, title, step->line);
        }
      g_printerr ("%s\n", ub_flash_job_get_phone_state (job));
      if (ub_flash_job_get_next_step (job) != NULL)
        g_printerr (_("Next step: %s\n"), ub_flash_job_get_next_step (job));
      if (ub_flash_job_get_resume_step (job) < f.n_steps && ub_flash_job_get_resume_step (job) > 0)
        {
          /* TRANSLATORS: keep the command as it is: the user types it */
          g_printerr (_("To continue: unbrick-cli -s %s flash-rom %s --mode %s --resume\n"),
                      address, opt->rom, opt->mode);
        }
    }
  g_free (f.label);
  /* the advice was printed above: a plain ROM error keeps it from being repeated */
  if (!ok)
    g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                         failure ? failure->message : _("Flashing failed."));
  return ok;
}

gboolean
ub_cli_rom_flash (UbCliRomOptions *opt,
                  GError         **error)
{
  g_autoptr(UbRom) rom = NULL;
  g_autoptr(UbPreflight) preflight = NULL;
  g_autofree char *address = NULL;
  UbFlashPlan *plan;
  UbRomMode mode;
  guint first_step = 0;

  if (opt->mode == NULL || !ub_rom_mode_from_string (opt->mode, &mode))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   /* TRANSLATORS: keep --mode, clean-all, keep-data and clean-all-lock: they are
                    * typed */
                   _("Choose a mode with --mode clean-all, keep-data or clean-all-lock"));
      return FALSE;
    }
  if ((rom = open_rom (opt->rom, opt->progress, opt->json, opt->abort, error)) == NULL)
    return FALSE;

  preflight = ub_preflight_new (rom, mode);
  if (!opt->json)
    g_printerr (_("Checking the phone and the ROM…\n"));
  /* the checks open a connection of their own, and the job another */
  if (!run_checks (opt, preflight, error))
    {
      ub_cli_progress_clear (opt->progress);
      return FALSE;
    }
  ub_cli_progress_clear (opt->progress);
  {
    GPtrArray *checks = ub_preflight_get_checks (preflight);
    for (guint i = 0; i < checks->len; i++)
      print_check (opt, g_ptr_array_index (checks, i));
  }
  if (!ub_preflight_get_passed (preflight))
    {
      g_autoptr(GError) full = ub_preflight_dup_error (preflight);
      if (opt->json)
        {
          JsonBuilder *b = ub_cli_json_event ("result");
          ub_cli_json_add_string (b, "status", "refused");
          ub_cli_json_add_string (b, "message", full->message);
          ub_cli_json_event_end (b);
        }
      g_set_error_literal (error, UB_ROM_ERROR, UB_ROM_ERROR_PREFLIGHT,
                           _("Nothing was written to the phone: a check failed (see above)."));
      return FALSE;
    }
  plan = ub_preflight_get_plan (preflight);
  {
    g_autofree char *size = g_format_size (ub_flash_plan_get_total_bytes (plan));
    if (opt->json)
      {
        JsonBuilder *b = ub_cli_json_event ("plan");
        ub_cli_json_add_string (b, "product", ub_flash_plan_get_product (plan));
        ub_cli_json_add_string (b, "serial", ub_flash_plan_get_serial (plan));
        ub_cli_json_add_string (b, "mode", ub_enum_nick (UB_TYPE_ROM_MODE, mode));
        ub_cli_json_add_int (b, "n_steps", ub_flash_plan_get_n_steps (plan));
        ub_cli_json_add_int (b, "bytes", ub_flash_plan_get_total_bytes (plan));
        ub_cli_json_event_end (b);
      }
    else
      {
        /* TRANSLATORS: %s: how much data will be sent to the phone, e.g. “6.1 GB” */
        g_printerr (ngettext ("Ready: %u step, %s to send.\n", "Ready: %u steps, %s to send.\n",
                              ub_flash_plan_get_n_steps (plan)),
                    ub_flash_plan_get_n_steps (plan), size);
      }
  }
  if (opt->resume && !ub_resume_point_load (plan, &first_step, error))
    return FALSE;
  /* a resume goes on with what was confirmed, except that a lock is confirmed again */
  if (opt->resume)
    {
      UbCliRomOptions again = *opt;
      again.yes = TRUE;
      if (!confirm (&again, plan, error))
        return FALSE;
    }
  else if (!confirm (opt, plan, error))
    return FALSE;
  if (opt->resume && !opt->json)
    {
      /* TRANSLATORS: %u: a step number */
      g_printerr (_("Resuming at step %u.\n"), first_step + 1);
    }

  /* USB phones are found again by serial; network ones by their address */
  address = g_strdup (opt->address != NULL ? opt->address : ub_flash_plan_get_serial (plan));
  return run_job (opt, plan, address, first_step, error);
}
