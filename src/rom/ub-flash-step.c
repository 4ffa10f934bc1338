/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-rom-error.h"

#include "ub-enum-nick.h"
#include "ub-flash-step.h"
#include "ub-vbmeta.h"

G_DEFINE_BOXED_TYPE (UbFlashStep, ub_flash_step, ub_flash_step_ref, ub_flash_step_unref)

UbCondition *
ub_condition_new (UbConditionKind kind,
                  const char     *name,
                  const char     *pattern,
                  gboolean        negate)
{
  UbCondition *c = g_new0 (UbCondition, 1);

  c->kind = kind;
  c->name = g_strdup (name);
  c->pattern = g_strdup (pattern);
  c->negate = negate;
  return c;
}

UbCondition *
ub_condition_copy (const UbCondition *condition)
{
  return ub_condition_new (condition->kind, condition->name, condition->pattern,
                           condition->negate);
}

void
ub_condition_free (UbCondition *condition)
{
  if (condition == NULL)
    return;
  g_free (condition->name);
  g_free (condition->pattern);
  g_free (condition);
}

char *
ub_condition_describe (const UbCondition *c)
{
  if (c->kind == UB_CONDITION_FILE)
    return g_strdup_printf ("%s %s", c->name, c->negate ? "is missing" : "exists");
  if (c->kind == UB_CONDITION_FOLDER)
    return g_strdup_printf ("folder name %s /%s/", c->negate ? "does not match" : "matches",
                            c->pattern);
  return g_strdup_printf ("getvar %s %s /%s/", c->name, c->negate ? "does not match" : "matches",
                          c->pattern);
}

gboolean
ub_pattern_matches (const char *pcre,
                    const char *subject,
                    gboolean   *matches,
                    GError    **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GRegex) re = g_regex_new (pcre, 0, 0, &local);

  /* the readers only keep patterns that compile: this is a bug, never "no match" */
  if (re == NULL)
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                   /* TRANSLATORS: %s: a regular expression, then GLib's reason */
                   _("Internal error: the script's pattern /%s/ cannot be used (%s)"), pcre,
                   local->message);
      return FALSE;
    }
  *matches = g_regex_match (re, subject, 0, NULL);
  return TRUE;
}

gboolean
ub_folder_name_is_plain (const char *folder_name)
{
  for (const char *p = folder_name; *p; p++)
    if (strchr ("&|<>^()%!\"", *p) != NULL || (guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

gboolean
ub_folder_name_matches (const char *pcre,
                        const char *folder_name,
                        gboolean   *matches,
                        GError    **error)
{
  g_autofree char *line = g_strconcat (folder_name, " ", NULL);

  return ub_pattern_matches (pcre, line, matches, error);
}

static void
step_free (UbFlashStep *step)
{
  g_free (step->text);
  g_free (step->partition);
  g_free (step->file);
  g_free (step->arg);
  g_free (step->error_message);
  g_ptr_array_unref (step->conditions);
  g_strfreev (step->codenames);
  g_free (step->var);
  g_free (step->pattern);
}

UbFlashStep *
ub_flash_step_new (UbStepKind  kind,
                   guint       line,
                   const char *text)
{
  UbFlashStep *step = g_rc_box_new0 (UbFlashStep);

  step->kind = kind;
  step->line = line;
  step->text = g_strdup (text);
  step->package_value = -1;
  step->conditions = g_ptr_array_new_with_free_func ((GDestroyNotify) ub_condition_free);
  return step;
}

UbFlashStep *
ub_flash_step_ref (UbFlashStep *step)
{
  return g_rc_box_acquire (step);
}

void
ub_flash_step_unref (UbFlashStep *step)
{
  g_rc_box_release_full (step, (GDestroyNotify) step_free);
}

UbFlashStep *
ub_flash_step_copy_with_condition (const UbFlashStep *step,
                                   const UbCondition *extra)
{
  UbFlashStep *copy = ub_flash_step_new (step->kind, step->line, step->text);

  copy->partition = g_strdup (step->partition);
  copy->file = g_strdup (step->file);
  copy->arg = g_strdup (step->arg);
  copy->error_message = g_strdup (step->error_message);
  copy->fatal = step->fatal;
  copy->vbmeta_flags = step->vbmeta_flags;
  for (guint i = 0; i < step->conditions->len; i++)
    g_ptr_array_add (copy->conditions, ub_condition_copy (g_ptr_array_index (step->conditions, i)));
  if (extra != NULL)
    g_ptr_array_add (copy->conditions, ub_condition_copy (extra));
  copy->codenames = g_strdupv (step->codenames);
  copy->prefix_match = step->prefix_match;
  copy->var = g_strdup (step->var);
  copy->package_value = step->package_value;
  copy->pattern = g_strdup (step->pattern);
  copy->refuse_match = step->refuse_match;
  copy->empty_is_zero = step->empty_is_zero;
  return copy;
}

gboolean
ub_flash_step_is_destructive (const UbFlashStep *step)
{
  switch (step->kind)
    {
    case UB_STEP_FLASH:
    case UB_STEP_ERASE:
    case UB_STEP_FORMAT:
    case UB_STEP_SET_ACTIVE:
    case UB_STEP_OEM:
    case UB_STEP_FLASHING:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
ub_flash_step_uses_device (const UbFlashStep *step)
{
  switch (step->kind)
    {
    case UB_STEP_CHECK_FOLDER:
    case UB_STEP_ECHO:
    case UB_STEP_SLEEP:
    case UB_STEP_EXIT:
      return FALSE;
    default:
      return TRUE;
    }
}

gboolean
ub_flash_step_has_image (const UbFlashStep *step)
{
  return step->kind == UB_STEP_FLASH || step->kind == UB_STEP_BOOT;
}

gboolean
ub_flash_step_is_lock (const UbFlashStep *step)
{
  if (step->kind != UB_STEP_OEM && step->kind != UB_STEP_FLASHING)
    return FALSE;
  return g_strcmp0 (step->arg, "lock") == 0 || g_strcmp0 (step->arg, "lock_critical") == 0;
}

const char *
ub_step_kind_to_string (UbStepKind kind)
{
  const char *nick = ub_enum_nick (UB_TYPE_STEP_KIND, kind);

  return nick != NULL ? nick : "unknown";
}

char *
ub_flash_step_describe (const UbFlashStep *step)
{
  switch (step->kind)
    {
    case UB_STEP_CHECK_PRODUCT:
      {
        g_autofree char *names = g_strjoinv ("|", step->codenames);
        return g_strdup_printf ("check-product %s%s", names, step->prefix_match ? " (prefix)" : "");
      }
    case UB_STEP_CHECK_ANTI:
      if (step->file != NULL)
        return g_strdup_printf ("check-anti-rollback %s <= %s", step->var, step->file);
      return g_strdup_printf ("check-anti-rollback %s <= %" G_GINT64_FORMAT, step->var,
                              step->package_value);
    case UB_STEP_CHECK_SPL:
      return g_strdup_printf ("check-security-patch %s <= %s", step->var,
                              step->file ? step->file : "?");
    case UB_STEP_CHECK_FOLDER:
      return g_strdup_printf ("check-folder %s/%s/", step->refuse_match ? "!" : "", step->pattern);
    case UB_STEP_CHECK_NUMBER:
      return g_strdup_printf ("check-number refuse-if %s %s %" G_GINT64_FORMAT "%s", step->var,
                              step->arg, step->package_value,
                              step->empty_is_zero ? " (empty = 0)" : "");
    case UB_STEP_CHECK_VAR:
      return g_strdup_printf ("check-var %s %s/%s/", step->var, step->refuse_match ? "!" : "",
                              step->pattern);
    case UB_STEP_FLASH:
      if (step->vbmeta_flags != 0)
        return g_strdup_printf ("flash %s %s %s", step->partition, step->file,
                                ub_vbmeta_flags_to_options (step->vbmeta_flags));
      return g_strdup_printf ("flash %s %s", step->partition, step->file);
    case UB_STEP_ERASE:
      return g_strdup_printf ("erase %s", step->partition);
    case UB_STEP_FORMAT:
      return g_strdup_printf ("format %s", step->partition);
    case UB_STEP_SET_ACTIVE:
      return g_strdup_printf ("set_active %s", step->arg);
    case UB_STEP_OEM:
      return g_strdup_printf ("oem %s", step->arg);
    case UB_STEP_FLASHING:
      return g_strdup_printf ("flashing %s", step->arg);
    case UB_STEP_REBOOT:
      return step->arg ? g_strdup_printf ("reboot %s", step->arg) : g_strdup ("reboot");
    case UB_STEP_BOOT:
      return g_strdup_printf ("boot %s", step->file);
    case UB_STEP_GETVAR:
      return g_strdup_printf ("getvar %s", step->var);
    case UB_STEP_ECHO:
      return g_strdup_printf ("echo %s", step->arg);
    case UB_STEP_SLEEP:
      return g_strdup_printf ("sleep %s", step->arg);
    case UB_STEP_EXIT:
      return g_strdup ("exit");
    default:
      g_assert_not_reached ();
    }
}

char *
ub_flash_step_dup_title (const UbFlashStep *step)
{
  switch (step->kind)
    {
    case UB_STEP_CHECK_PRODUCT:
      return g_strdup (_("Checking that the ROM is for this phone"));
    case UB_STEP_CHECK_ANTI:
      return g_strdup (_("Checking the anti-rollback version"));
    case UB_STEP_CHECK_SPL:
      return g_strdup (_("Checking the security patch level"));
    case UB_STEP_CHECK_FOLDER:
      return g_strdup (_("Checking the ROM folder's name"));
    case UB_STEP_CHECK_NUMBER:
    case UB_STEP_CHECK_VAR:
      /* TRANSLATORS: %s is a technical variable name, e.g. "secure" */
      return g_strdup_printf (_("Checking “%s”"), step->var);
    case UB_STEP_FLASH:
      /* TRANSLATORS: %s is a partition name such as "boot_ab" or "super" */
      return g_strdup_printf (_("Writing “%s”"), step->partition);
    case UB_STEP_ERASE:
      /* TRANSLATORS: %s is a partition name such as "userdata" or "metadata" */
      return g_strdup_printf (_("Erasing “%s”"), step->partition);
    case UB_STEP_FORMAT:
      /* TRANSLATORS: %s is a partition name */
      return g_strdup_printf (_("Formatting “%s”"), step->partition);
    case UB_STEP_SET_ACTIVE:
      /* TRANSLATORS: %s is a slot letter, "a" or "b" */
      return g_strdup_printf (_("Making slot %s active"), step->arg);
    case UB_STEP_OEM:
    case UB_STEP_FLASHING:
      if (ub_flash_step_is_lock (step))
        return g_strdup (_("Locking the bootloader"));
      if (g_strcmp0 (step->arg, "unlock") == 0)
        return g_strdup (_("Unlocking the bootloader"));
      /* TRANSLATORS: %s is a fastboot command, e.g. "oem cdms" */
      return g_strdup_printf (_("Sending the command “%s”"), step->arg);
    case UB_STEP_REBOOT:
      if (g_strcmp0 (step->arg, "bootloader") == 0)
        return g_strdup (_("Restarting the phone into fastboot mode"));
      if (g_strcmp0 (step->arg, "recovery") == 0)
        return g_strdup (_("Restarting the phone into recovery"));
      if (g_strcmp0 (step->arg, "fastboot") == 0)
        {
          /* TRANSLATORS: fastbootd is the name of a mode of the phone: keep it */
          return g_strdup (_("Restarting the phone into fastbootd"));
        }
      return g_strdup (_("Restarting the phone"));
    case UB_STEP_BOOT:
      {
        g_autofree char *base = g_path_get_basename (step->file);
        /* TRANSLATORS: %s is an image file name, e.g. "recovery.img" */
        return g_strdup_printf (_("Starting the phone from “%s”"), base);
      }
    case UB_STEP_GETVAR:
      /* TRANSLATORS: %s is a technical variable name, e.g. "anti" */
      return g_strdup_printf (_("Reading “%s”"), step->var);
    case UB_STEP_ECHO:
      return g_strdup (step->arg);
    case UB_STEP_SLEEP:
      /* TRANSLATORS: a step of the script that waits a few seconds */
      return g_strdup (_("Waiting"));
    case UB_STEP_EXIT:
      /* TRANSLATORS: the last step of the script */
      return g_strdup (_("Finished"));
    default:
      g_assert_not_reached ();
    }
}
