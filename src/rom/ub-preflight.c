/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ub-digest-cache.h"
#include "ub-fastboot-error.h"
#include "ub-fastboot-protocol.h"
#include "ub-file.h"
#include "ub-flash-plan-private.h"
#include "ub-preflight.h"
#include "ub-rom-error.h"
#include "ub-script-builder.h"
#include "ub-vbmeta.h"

struct _UbPreflight
{
  GObject                  parent_instance;
  UbRom                   *rom;
  UbRomMode                mode;
  GPtrArray               *checks;
  UbFlashPlan             *plan;

  /* while running */
  UbFastbootClient        *client;
  GCancellable            *cancellable;
  UbPhoneInfo             *info;      /* the phone's facts, probed once per run */
  UbProgress              *progress;  /* may be NULL */
};

G_DEFINE_FINAL_TYPE (UbPreflight, ub_preflight, G_TYPE_OBJECT)

static void
ub_preflight_finalize (GObject *object)
{
  UbPreflight *self = UB_PREFLIGHT (object);

  g_clear_object (&self->rom);
  g_clear_pointer (&self->checks, g_ptr_array_unref);
  g_clear_object (&self->plan);
  g_clear_object (&self->info);
  G_OBJECT_CLASS (ub_preflight_parent_class)->finalize (object);
}

static void
ub_preflight_class_init (UbPreflightClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_preflight_finalize;
}

static void
ub_preflight_init (UbPreflight *self)
{
  self->checks = g_ptr_array_new_with_free_func ((GDestroyNotify) ub_check_free);
}

UbPreflight *
ub_preflight_new (UbRom     *rom,
                  UbRomMode  mode)
{
  UbPreflight *self;

  g_return_val_if_fail (UB_IS_ROM (rom), NULL);
  self = g_object_new (UB_TYPE_PREFLIGHT, NULL);
  self->rom = g_object_ref (rom);
  self->mode = mode;
  return self;
}

static void
add_check (UbPreflight   *self,
           const char    *id,
           UbCheckStatus  status,
           const char    *title,
           const char    *detail,
           const char    *next_step)
{
  g_ptr_array_add (self->checks, ub_check_new (id, status, title, detail, next_step));
}

/* The running step of the checks is complete (see ub_preflight_run). */
static void
step_done (UbPreflight *self)
{
  if (self->progress != NULL)
    ub_progress_step_done (self->progress);
}

/* A getvar value from the phone's facts (asked once). FALSE only when the
 * phone could not be asked. *value is NULL when the phone does not know the
 * variable. */
static gboolean
fact (UbPreflight  *self,
      const char   *name,
      const char  **value,
      GError      **error)
{
  /* probed at the first question, so that a ROM refused before asking anything sends nothing */
  if (self->info == NULL &&
      (self->info = ub_phone_info_probe_client (self->client, self->cancellable, error)) == NULL)
    return FALSE;
  return ub_phone_info_ask_var (self->info, self->client, name, value, self->cancellable, error);
}

/* ---- conditions ------------------------------------------------------- */

/* Whether the script's grep would match what the phone said about @name (@value NULL:
 * FAILED); FALSE only for a pattern that does not compile (an internal error). */
static gboolean
var_matches (const char *name,
             const char *value,
             const char *pattern,
             gboolean   *matches,
             GError    **error)
{
  /* what the script's grep saw: AOSP prints "name: value" (or a FAILED line) */
  g_autofree char *line = value ? g_strdup_printf ("%s: %s", name, value)
                                : g_strdup_printf ("getvar:%s FAILED", name);

  return ub_pattern_matches (pattern, line, matches, error);
}

/* The ROM folder's name, as cmd's %cd% gives it. */
static char *
folder_name (UbPreflight *self)
{
  return g_path_get_basename (ub_rom_get_path (self->rom));
}

/* Whether the script looks at the ROM folder's name (a folder check or condition). */
static gboolean
uses_folder_name (GPtrArray *steps)
{
  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);

      if (step->kind == UB_STEP_CHECK_FOLDER)
        return TRUE;
      for (guint c = 0; c < step->conditions->len; c++)
        if (((UbCondition *) g_ptr_array_index (step->conditions, c))->kind == UB_CONDITION_FOLDER)
          return TRUE;
    }
  return FALSE;
}

/* cmd pastes %folder% into the line it runs: a name with & | < > ^ ( ) % ! " makes
 * it run something else than the check. */
static void
check_folder_name (UbPreflight *self,
                   UbScript    *script)
{
  g_autofree char *name = folder_name (self);

  if (!uses_folder_name (ub_script_get_steps (script)) || ub_folder_name_is_plain (name))
    return;
  {
    /* TRANSLATORS: %s: the name of the ROM's folder */
    g_autofree char *title = g_strdup_printf (_("The ROM folder's name (%s) holds characters its "
                                                "script cannot handle."), name);
    add_check (self, "folder", UB_CHECK_FAILED, title,
               /* xgettext:no-c-format */
               _("The ROM's script reads the name of its folder; with one of & | < > ^ ( ) % ! \" "
                 "in it, Windows would run something else than the script's check."),
               _("Give the folder the name it had in Xiaomi's .tgz file, or download the ROM "
                 "again."));
  }
}

static gboolean
condition_holds (UbPreflight       *self,
                 const UbCondition *c,
                 gboolean          *holds,
                 GError           **error)
{
  gboolean result;

  if (c->kind == UB_CONDITION_FILE)
    {
      g_autofree char *path = ub_rom_resolve (self->rom, c->name, NULL);
      result = path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR);
    }
  else if (c->kind == UB_CONDITION_FOLDER)
    {
      g_autofree char *name = folder_name (self);

      /* a name cmd does not expand as it is fails its own check (check_folder_name) */
      if (!ub_folder_name_matches (c->pattern, name, &result, error))
        return FALSE;
    }
  else
    {
      const char *value;

      if (!fact (self, c->name, &value, error) ||
          !var_matches (c->name, value, c->pattern, &result, error))
        return FALSE;
    }
  *holds = c->negate ? !result : result;
  return TRUE;
}

/* The steps that apply to this phone, up to an exit. */
static GPtrArray *
resolve_steps (UbPreflight *self,
               UbScript    *script,
               GError     **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) ub_flash_step_unref);
  GPtrArray *steps = ub_script_get_steps (script);

  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);
      gboolean holds = TRUE;

      for (guint c = 0; c < step->conditions->len && holds; c++)
        if (!condition_holds (self, g_ptr_array_index (step->conditions, c), &holds, error))
          return NULL;
      if (!holds)
        continue;
      if (step->kind == UB_STEP_EXIT)
        break;
      g_ptr_array_add (out, ub_flash_step_ref (step));
    }
  return g_steal_pointer (&out);
}

/* ---- the phone -------------------------------------------------------- */

static char *
join_names (GStrv names)
{
  /* TRANSLATORS: joins phone codenames: "karna or surya" */
  const char *sep = _(" or ");
  return g_strjoinv (sep, names);
}

static gboolean
check_connection (UbPreflight *self,
                  char       **serial,
                  GError     **error)
{
  const char *serialno, *userspace;

  if (!fact (self, "serialno", &serialno, error) || !fact (self, "is-userspace", &userspace, error))
    return FALSE;
  *serial = g_strdup (serialno ? serialno : ub_transport_describe (ub_fastboot_client_get_transport (self->client)));
  if (g_strcmp0 (userspace, "yes") == 0)
    {
      add_check (self, "connection", UB_CHECK_FAILED,
                 _("The phone is in fastbootd, not in its bootloader."),
                 /* TRANSLATORS: keep “is-userspace: yes”: it is what the phone answers */
                 _("It reports is-userspace: yes. Xiaomi ROMs are flashed from the bootloader."),
                 _("Restart the phone into the bootloader (hold Volume Down and Power until FASTBOOT "
                   "appears), then check again."));
      return TRUE;
    }
  {
    g_autofree char *title = g_strdup_printf (_("Connected to the phone in fastboot mode (serial %s)."),
                                              *serial);
    add_check (self, "connection", UB_CHECK_PASSED, title, NULL, NULL);
  }
  return TRUE;
}

static gboolean
check_unlocked (UbPreflight *self,
                GError     **error)
{
  const char *unlocked;

  if (!fact (self, "unlocked", &unlocked, error))
    return FALSE;
  if (g_strcmp0 (unlocked, "yes") == 0)
    add_check (self, "unlocked", UB_CHECK_PASSED, _("The bootloader is unlocked."), NULL, NULL);
  else if (unlocked == NULL)
    add_check (self, "unlocked", UB_CHECK_WARNING,
               _("The phone does not say whether its bootloader is unlocked."),
               /* TRANSLATORS: keep “getvar unlocked”: it is the question asked to the phone */
               _("getvar unlocked is not supported; if the bootloader is locked, the phone will "
                 "refuse the first write and nothing will change."), NULL);
  else
    {
      /* TRANSLATORS: %s: the phone's answer, e.g. “no”; keep “unlocked” */
      g_autofree char *detail = g_strdup_printf (_("The phone reports unlocked: %s. A locked "
                                                   "bootloader refuses every write."), unlocked);
      add_check (self, "unlocked", UB_CHECK_FAILED, _("The phone's bootloader is locked."), detail,
                 _("Unlock the bootloader first with Xiaomi's Mi Unlock tool (unlocking erases the "
                   "phone), then try again."));
    }
  return TRUE;
}

static gboolean
check_product (UbPreflight *self,
               GPtrArray   *steps,
               char       **product_out,
               GError     **error)
{
  const char *product;
  gboolean any = FALSE;

  if (!fact (self, "product", &product, error))
    return FALSE;
  *product_out = g_strdup (product);
  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);
      g_autofree char *names = NULL;
      const char *prefix_of = NULL;

      if (step->kind != UB_STEP_CHECK_PRODUCT)
        continue;
      any = TRUE;
      names = join_names (step->codenames);
      if (product == NULL)
        {
          add_check (self, "product", UB_CHECK_FAILED,
                     _("The phone does not say which model it is."),
                     /* TRANSLATORS: keep “getvar product” */
                     _("getvar product is not supported, so Unbrick cannot tell whether this ROM is "
                       "for this phone."),
                     _("Make sure the phone shows FASTBOOT (not another mode) and connect it again."));
          return TRUE;
        }
      if (g_strv_contains ((const char *const *) step->codenames, product))
        continue;
      for (guint k = 0; step->codenames[k] != NULL; k++)
        if (g_str_has_prefix (product, step->codenames[k]))
          prefix_of = step->codenames[k];
      {
        g_autofree char *title = NULL, *detail = NULL, *next = NULL;

        if (prefix_of != NULL && step->prefix_match)
          {
            /* TRANSLATORS: %s: phone codenames, e.g. “alioth” */
            title = g_strdup_printf (_("This ROM is for %s, but this phone is %s, a different model."),
                                     names, product);
            /* TRANSLATORS: %s: the start of a phone codename */
            detail = g_strdup_printf (_("The ROM's own script only checks that the name starts with "
                                        "“%s”, so it would have let this phone through. Flashing "
                                        "another model's firmware can leave a phone that does not start."),
                                      prefix_of);
          }
        else
          {
            title = g_strdup_printf (_("This ROM is for %s, but this phone is %s."), names, product);
            /* TRANSLATORS: %s: a phone codename; then the codenames the script accepts */
            detail = g_strdup_printf (_("The phone reports product “%s”; the ROM's script accepts %s."),
                                      product, names);
          }
        /* TRANSLATORS: %s: a phone codename, twice */
        next = g_strdup_printf (_("Download the fastboot ROM for %s (its file name starts with “%s_”)."),
                                product, product);
        add_check (self, "product", UB_CHECK_FAILED, title, detail, next);
        return TRUE;
      }
    }
  if (!any)
    {
      const char *device = ub_rom_get_device (self->rom);
      g_autofree char *title = NULL;

      if (device == NULL)
        {
          add_check (self, "product", UB_CHECK_FAILED,
                     _("Unbrick cannot tell which phone this ROM is for."),
                     /* TRANSLATORS: misc.txt is a file name: keep it */
                     _("Its script does not check the product and it has no misc.txt."),
                     _("Use an official Xiaomi fastboot ROM downloaded for your phone."));
          return TRUE;
        }
      if (g_strcmp0 (device, product) != 0)
        {
          g_autofree char *next = g_strdup_printf (_("Download the fastboot ROM for %s."), product);
          title = g_strdup_printf (_("This ROM is for %s, but this phone is %s."), device,
                                   product ? product : "?");
          add_check (self, "product", UB_CHECK_FAILED, title,
                     _("The ROM's misc.txt names the phone it is for."), next);
          return TRUE;
        }
    }
  {
    g_autofree char *title = g_strdup_printf (_("The ROM is made for this phone (%s)."), product);
    add_check (self, "product", UB_CHECK_PASSED, title, NULL, NULL);
  }
  return TRUE;
}

static gboolean
parse_index (const char *text,
             gint64     *out)
{
  char *end = NULL;

  if (text == NULL || text[0] == '\0')
    return FALSE;
  *out = g_ascii_strtoll (text, &end, 10);
  return end != NULL && *end == '\0' && *out >= 0;
}

static gboolean
check_anti (UbPreflight *self,
            GPtrArray   *steps,
            GError     **error)
{
  UbFlashStep *check = NULL;
  const char *var = "anti";
  const char *device_text;
  g_autofree char *package_text = NULL;
  g_autoptr(GError) local = NULL;
  gint64 device = 0, package = 0;
  gboolean package_known = TRUE;

  for (guint i = 0; i < steps->len && check == NULL; i++)
    if (((UbFlashStep *) g_ptr_array_index (steps, i))->kind == UB_STEP_CHECK_ANTI)
      check = g_ptr_array_index (steps, i);
  if (check != NULL)
    var = check->var;
  if (!fact (self, var, &device_text, error))
    return FALSE;
  if (device_text == NULL && check == NULL && !fact (self, "rollback_ver", &device_text, error))
    return FALSE;

  /* the package's index: the script's constant, its file, or anti_version.txt */
  if (check != NULL && check->file == NULL)
    package = check->package_value;
  else
    {
      const char *file = check != NULL ? check->file : "images/anti_version.txt";

      package_text = ub_rom_read_text (self->rom, file, &local);
      if (local != NULL)
        {
          add_check (self, "anti-rollback", UB_CHECK_FAILED,
                     _("The ROM's anti-rollback version cannot be read."), local->message,
                     _("Unpack or download the ROM again."));
          return TRUE;
        }
      if (package_text == NULL)
        package_known = check != NULL;  /* the script counts a missing file as 0 */
      else if (!parse_index (package_text, &package))
        {
          /* TRANSLATORS: %s: a file of the ROM, then its text */
          g_autofree char *detail = g_strdup_printf (_("%s holds “%s”, not a number."), file, package_text);
          add_check (self, "anti-rollback", UB_CHECK_FAILED,
                     _("The ROM's anti-rollback version cannot be read."), detail,
                     _("Unpack or download the ROM again."));
          return TRUE;
        }
    }

  /* the phone's: a missing value counts as 0, as in Xiaomi's scripts */
  if (device_text != NULL && device_text[0] != '\0' && !parse_index (device_text, &device))
    {
      /* TRANSLATORS: %s: a variable the phone reports (e.g. “anti”), then its value */
      g_autofree char *detail = g_strdup_printf (_("The phone reports %s: “%s”."), var, device_text);
      add_check (self, "anti-rollback", UB_CHECK_FAILED,
                 _("The phone's anti-rollback version is not a number Unbrick understands."), detail,
                 _("Do not flash this phone with Unbrick; ask for help in a support forum and "
                   "include this message."));
      return TRUE;
    }

  if (!package_known)
    {
      if (device > 0)
        {
          g_autofree char *title = g_strdup_printf (_("The ROM does not say its anti-rollback version, "
                                                      "and this phone's is %" PRId64 "."),
                                                    device);
          add_check (self, "anti-rollback", UB_CHECK_FAILED, title,
                     _("Without it Unbrick cannot make sure the ROM is not older than the phone "
                       "allows; flashing older firmware can leave a phone that never starts."),
                     _("Use a newer official ROM for this phone (one with images/anti_version.txt)."));
        }
      else
        add_check (self, "anti-rollback", UB_CHECK_PASSED,
                   _("This phone has no anti-rollback protection to check."), NULL, NULL);
      return TRUE;
    }
  if (device > package)
    {
      g_autofree char *title = g_strdup_printf (_("This ROM is too old for this phone: its anti-rollback "
                                                  "version is %" PRId64 ", the phone's is %"
                                                  PRId64 "."), package, device);
      g_autofree char *next = g_strdup_printf (_("Download a newer ROM for this phone, with "
                                                 "anti-rollback version %" PRId64 " or higher."),
                                               device);
      add_check (self, "anti-rollback", UB_CHECK_FAILED, title,
                 _("Phones refuse firmware with a lower anti-rollback version than their own; "
                   "forcing it can leave a phone that never starts again."), next);
      return TRUE;
    }
  {
    g_autofree char *title = g_strdup_printf (_("The ROM's anti-rollback version (%" PRId64
                                                ") is not lower than the phone's (%" PRId64 ")."),
                                              package, device);
    add_check (self, "anti-rollback", UB_CHECK_PASSED, title, NULL, NULL);
  }
  return TRUE;
}

/* "2025-11-01" → days since 1970, or -1 */
static gint64
parse_date (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;
  int y, m, d;

  if (text == NULL || sscanf (text, "%d-%d-%d", &y, &m, &d) != 3)
    return -1;
  dt = g_date_time_new_utc (y, m, d, 0, 0, 0);
  return dt ? g_date_time_to_unix (dt) / 86400 : -1;
}

static gboolean
check_spl (UbPreflight *self,
           GPtrArray   *steps,
           GError     **error)
{
  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *check = g_ptr_array_index (steps, i);
      const char *device_text;
      g_autofree char *package_text = NULL;
      g_autoptr(GError) local = NULL;
      gint64 device, package;

      if (check->kind != UB_STEP_CHECK_SPL)
        continue;
      if (!fact (self, check->var, &device_text, error))
        return FALSE;
      package_text = ub_rom_read_text (self->rom, check->file, &local);
      device = parse_date (device_text);
      package = parse_date (package_text);
      if (device < 0)
        {
          add_check (self, "security-patch", UB_CHECK_PASSED,
                     _("The phone does not report a security patch level to compare."), NULL, NULL);
        }
      else if (package < 0)
        {
          g_autofree char *detail = g_strdup_printf (_("%s is missing or unreadable."), check->file);
          add_check (self, "security-patch", UB_CHECK_FAILED,
                     _("The ROM's security patch level cannot be read, so keeping your data is not safe."),
                     detail, _("Choose “Clean all” instead (it erases the phone), or use another ROM."));
        }
      else if (device > package)
        {
          /* TRANSLATORS: %s: dates, e.g. “2024-05-01” */
          g_autofree char *title = g_strdup_printf (_("The phone has a newer security update (%s) than "
                                                      "this ROM (%s), so your data cannot be kept."),
                                                    device_text, package_text);
          add_check (self, "security-patch", UB_CHECK_FAILED, title,
                     _("Going back to older firmware while keeping data leaves a phone that cannot "
                       "read its own data."),
                     _("Choose “Clean all” (it erases the phone), or download a newer ROM."));
        }
      else
        {
          /* TRANSLATORS: %s: dates, e.g. “2024-05-01” */
          g_autofree char *title = g_strdup_printf (_("The ROM's security patch level (%s) is not older "
                                                      "than the phone's (%s)."),
                                                    package_text, device_text);
          add_check (self, "security-patch", UB_CHECK_PASSED, title, NULL, NULL);
        }
    }
  return TRUE;
}

/* "echo %folder% | findstr …": the ROM folder's name, as cmd's %cd% gives it. */
static gboolean
check_folder (UbPreflight       *self,
              const UbFlashStep *check,
              GError           **error)
{
  g_autofree char *name = folder_name (self);
  gboolean matches = FALSE;

  if (!ub_folder_name_matches (check->pattern, name, &matches, error))
    return FALSE;
  if (!ub_folder_name_is_plain (name))
    return TRUE;  /* check_folder_name failed already */
  if (matches != check->refuse_match)
    {
      /* TRANSLATORS: %s: the name of the ROM's folder */
      g_autofree char *title = g_strdup_printf (_("The ROM folder's name (%s) is what its script "
                                                  "expects."), name);
      add_check (self, "folder", UB_CHECK_PASSED, title, NULL, NULL);
    }
  else
    {
      /* TRANSLATORS: %s: the name of the ROM's folder */
      g_autofree char *title = g_strdup_printf (_("The ROM's script refuses the name of its folder "
                                                  "(%s)."), name);
      add_check (self, "folder", UB_CHECK_FAILED, title, check->error_message,
                 _("Give the folder the name it had in Xiaomi's .tgz file, or download the ROM "
                   "again."));
    }
  return TRUE;
}

/* The outcome of a script's check of the phone's variable: met, or not with the value
 * @shown (NULL: unknown) and @detail. */
static void
add_var_check (UbPreflight       *self,
               const UbFlashStep *check,
               gboolean           met,
               const char        *shown,
               const char        *detail)
{
  g_autofree char *id = g_strdup_printf ("var:%s", check->var);

  if (met)
    {
      /* TRANSLATORS: %s: a variable the phone reports */
      g_autofree char *title = g_strdup_printf (_("The phone meets the ROM's condition on “%s”."),
                                                check->var);
      add_check (self, id, UB_CHECK_PASSED, title, NULL, NULL);
    }
  else
    {
      /* TRANSLATORS: %s: a variable the phone reports, then its value */
      g_autofree char *title = g_strdup_printf (_("The phone does not meet a condition of this ROM: "
                                                  "“%s” is “%s”."), check->var,
                                                shown ? shown : _("unknown"));
      add_check (self, id, UB_CHECK_FAILED, title, detail,
                 _("This ROM is not meant for this phone in its current state; use the ROM "
                   "made for it."));
    }
}

static gboolean
check_number (UbPreflight       *self,
              const UbFlashStep *check,
              GError           **error)
{
  const char *value;
  g_autofree char *token = NULL;
  gint64 n = 0;
  gboolean refuse;

  if (!fact (self, check->var, &value, error))
    return FALSE;
  /* for /f "tokens=2 delims=: " on the line "NAME: VALUE": the second run of characters
   * other than ':' and ' ' (the reader refuses names with ':' or ' ') */
  if (value != NULL)
    {
      g_autofree char *line = g_strdup_printf ("%s: %s", check->var, value);
      g_auto(GStrv) words = g_strsplit_set (line, ": ", -1);
      guint seen = 0;

      for (guint k = 0; words[k] != NULL && token == NULL; k++)
        if (words[k][0] != '\0' && ++seen == 2)
          token = g_strdup (words[k]);
    }
  if (token == NULL && check->empty_is_zero)
    token = g_strdup ("0");
  if (token == NULL || !ub_script_cmd_number (token, &n))
    {
      /* an empty value breaks cmd's if (the script stops); text compares depend on the locale */
      add_var_check (self, check, FALSE, value,
                     _("The ROM's script compares it with a number, and it is not one."));
      return TRUE;
    }
  if (g_str_equal (check->arg, "equ"))
    refuse = n == check->package_value;
  else if (g_str_equal (check->arg, "neq"))
    refuse = n != check->package_value;
  else if (g_str_equal (check->arg, "lss"))
    refuse = n < check->package_value;
  else if (g_str_equal (check->arg, "leq"))
    refuse = n <= check->package_value;
  else if (g_str_equal (check->arg, "gtr"))
    refuse = n > check->package_value;
  else
    refuse = n >= check->package_value;
  add_var_check (self, check, !refuse, value ? value : "0", check->error_message);
  return TRUE;
}

static gboolean
check_vars (UbPreflight *self,
            GPtrArray   *steps,
            GError     **error)
{
  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *check = g_ptr_array_index (steps, i);
      const char *value;
      gboolean matches = FALSE;

      if (check->kind == UB_STEP_CHECK_FOLDER)
        {
          if (!check_folder (self, check, error))
            return FALSE;
          continue;
        }
      if (check->kind == UB_STEP_CHECK_NUMBER)
        {
          if (!check_number (self, check, error))
            return FALSE;
          continue;
        }
      if (check->kind != UB_STEP_CHECK_VAR)
        continue;
      if (!fact (self, check->var, &value, error) ||
          !var_matches (check->var, value, check->pattern, &matches, error))
        return FALSE;
      /* a refusing check: the script stops when it matches, and an unknown variable does
       * not match */
      if (check->refuse_match)
        add_var_check (self, check, !matches, value, check->error_message);
      else
        add_var_check (self, check, value != NULL && matches, value, check->error_message);
    }
  return TRUE;
}

static gboolean
check_battery (UbPreflight *self,
               GError     **error)
{
  const char *ok, *voltage;

  if (!fact (self, "battery-soc-ok", &ok, error) || !fact (self, "battery-voltage", &voltage, error))
    return FALSE;
  if (ok == NULL)
    return TRUE;
  if (g_strcmp0 (ok, "yes") == 0)
    add_check (self, "battery", UB_CHECK_PASSED, _("The battery is charged enough."), NULL, NULL);
  else
    {
      /* TRANSLATORS: mV: millivolts */
      g_autofree char *detail = voltage ? g_strdup_printf (_("Battery voltage: %s mV."), voltage) : NULL;
      add_check (self, "battery", UB_CHECK_FAILED, _("The battery is too low to flash safely."), detail,
                 _("Charge the phone for 30 minutes (it can stay in fastboot mode), then try again."));
    }
  return TRUE;
}

/* What may follow a lock: a locked phone takes nothing that changes it. */
static gboolean
allowed_after_lock (const UbFlashStep *step)
{
  switch (step->kind)
    {
    case UB_STEP_REBOOT:
      return step->arg == NULL || g_str_equal (step->arg, "bootloader");
    case UB_STEP_GETVAR:
    case UB_STEP_ECHO:
    case UB_STEP_SLEEP:
    case UB_STEP_EXIT:
      return TRUE;
    default:
      return !ub_flash_step_uses_device (step);
    }
}

/*
 * Steps Unbrick cannot run, device steps after the phone left fastboot, and
 * locks that would leave a phone unable to start or to take the rest.
 */
static void
check_steps (UbPreflight *self,
             GPtrArray   *steps)
{
  const UbFlashStep *left = NULL;
  const UbFlashStep *lock = NULL;
  const UbFlashStep *vbmeta = NULL;

  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);
      /* TRANSLATORS: a line number of the ROM's script, then the line */
      g_autofree char *detail = g_strdup_printf (_("Line %u: %s"), step->line, step->text);

      if (step->kind == UB_STEP_FORMAT)
        {
          /* TRANSLATORS: %s: a partition name */
          g_autofree char *title = g_strdup_printf (_("The script formats “%s”, which Unbrick cannot do."),
                                                    step->partition);
          add_check (self, "steps", UB_CHECK_FAILED, title, detail,
                     _("Use an official ROM whose script erases instead of formatting."));
          return;
        }
      if (lock != NULL && !allowed_after_lock (step))
        {
          /* TRANSLATORS: %u: a line number of the ROM's script */
          g_autofree char *title = g_strdup_printf (_("The script locks the bootloader (line %u) and "
                                                      "then writes to the phone."), lock->line);
          add_check (self, "steps", UB_CHECK_FAILED, title, detail,
                     _("A locked phone refuses the steps after the lock. Use the ROM's original "
                       "script, or choose “Clean all”, which does not lock."));
          return;
        }
      if (left != NULL && ub_flash_step_uses_device (step) && step->kind < UB_STEP_ECHO)
        {
          g_autofree char *title = g_strdup_printf (_("The script restarts the phone out of fastboot "
                                                      "mode (line %u) and then sends it more commands."),
                                                    left->line);
          add_check (self, "steps", UB_CHECK_FAILED, title, detail,
                     _("This script was changed by someone; use the ROM's original script."));
          return;
        }
      if ((step->kind == UB_STEP_REBOOT && (step->arg == NULL || g_str_equal (step->arg, "recovery"))) ||
          step->kind == UB_STEP_BOOT)
        left = step;
      if (ub_flash_step_is_lock (step) && lock == NULL)
        lock = step;
      if (step->kind == UB_STEP_FLASH && step->vbmeta_flags != 0 && vbmeta == NULL)
        vbmeta = step;
    }
  if (lock != NULL && vbmeta != NULL)
    {
      /* TRANSLATORS: a line number of the ROM's script, then the line */
      g_autofree char *detail = g_strdup_printf (_("Line %u: %s"), vbmeta->line, vbmeta->text);
      /* TRANSLATORS: %u: line numbers of the ROM's script */
      g_autofree char *title = g_strdup_printf (_("The script turns off verified boot checks (line %u) "
                                                  "and then locks the bootloader (line %u): a locked "
                                                  "phone does not start like that."),
                                                vbmeta->line, lock->line);
      add_check (self, "steps", UB_CHECK_FAILED, title, detail,
                 _("Choose “Clean all”, which does not lock, or use the ROM's original script."));
    }
}

/* ---- images ------------------------------------------------------------ */

/* ---- hashing the images, on every core -------------------------------- */

typedef struct {
  const char *rel;
  const char *path;
  guint64     size;
  char       *stamp;    /* the file as it was before hashing (UbDigestCache) */
  char       *md5;
  GError     *error;
} HashItem;

typedef struct {
  GCancellable  *cancellable;
  UbDigestCache *cache;
  UbProgress    *progress;    /* may be NULL */
} Hasher;

static void
hash_item_free (HashItem *item)
{
  g_free (item->stamp);
  g_free (item->md5);
  g_clear_error (&item->error);
  g_free (item);
}

/* a thread of the pool: one file */
static void
hash_one (gpointer data,
          gpointer user_data)
{
  HashItem *item = data;
  Hasher *h = user_data;
  g_autoptr(GError) local = NULL;

  if (g_cancellable_is_cancelled (h->cancellable))
    return;
  item->stamp = ub_digest_cache_stamp (item->path);
  item->md5 = ub_file_hash (item->path, h->progress, h->cancellable, &local);
  if (item->md5 != NULL)
    ub_digest_cache_store (h->cache, item->path, item->stamp, item->md5);
  else
    item->error = g_error_new (local->domain, local->code, "%s: %s", item->rel, local->message);
}

static gint
by_size_desc (gconstpointer a,
              gconstpointer b)
{
  const HashItem *x = *(HashItem **) a, *y = *(HashItem **) b;
  return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

/* MD5 of every item, the files shared out over the cores (largest first), the
 * bytes read counted in @progress. */
static void
hash_all (UbPreflight *self,
          GPtrArray   *items,
          guint64      total,
          UbProgress  *progress)
{
  g_autoptr(UbDigestCache) cache = ub_digest_cache_new (NULL);
  Hasher h = { self->cancellable, cache, progress };
  guint n_threads = MAX (1, MIN ((guint) g_get_num_processors (), MIN (items->len, 4)));
  g_autoptr(GError) local = NULL;
  GThreadPool *pool;

  if (items->len == 0)
    return;
  /* files verified before and not changed since need not be read again */
  for (guint i = 0; i < items->len; i++)
    {
      HashItem *item = g_ptr_array_index (items, i);
      item->md5 = ub_digest_cache_lookup (cache, item->path);
      if (item->md5 != NULL)
        total -= MIN (total, item->size);
    }
  if (progress != NULL)
    ub_progress_set_bytes_total (progress, total);
  if (self->progress != NULL)
    ub_progress_set_bytes_total (self->progress, total);
  g_ptr_array_sort (items, by_size_desc);
  pool = g_thread_pool_new (hash_one, &h, (int) n_threads, FALSE, NULL);
  for (guint i = 0; i < items->len; i++)
    {
      HashItem *item = g_ptr_array_index (items, i);

      if (item->md5 == NULL && !g_thread_pool_push (pool, item, &local))
        {
          /* no thread to be had: this one */
          g_clear_error (&local);
          hash_one (item, &h);
        }
    }
  g_thread_pool_free (pool, FALSE, TRUE);
  for (guint i = 0; i < items->len; i++)
    {
      HashItem *item = g_ptr_array_index (items, i);
      if (item->error != NULL && !g_error_matches (item->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("could not hash %s", item->error->message);
    }
  if (!ub_digest_cache_save (cache, &local))
    g_debug ("could not save the digest cache: %s", local->message);
}

static void
list_append (GString    *list,
             const char *item)
{
  if (list->len > 0)
    g_string_append (list, ", ");
  g_string_append (list, item);
}

/* partition-size of one exact name; *size 0 when not reported */
static gboolean
partition_size (UbPreflight *self,
                const char  *name,
                guint64     *size,
                GError     **error)
{
  g_autofree char *var = g_strdup_printf ("partition-size:%s", name);
  const char *value;

  *size = 0;
  if (!fact (self, var, &value, error))
    return FALSE;
  if (value != NULL && !ub_fastboot_parse_number (value, TRUE, size, NULL))
    *size = 0;
  return TRUE;
}

/* The phone's download limit (cached by the client; 0 = not reported). */
static gboolean
max_download (UbPreflight *self,
              guint64     *limit,
              GError     **error)
{
  g_autoptr(GError) local = NULL;

  *limit = ub_fastboot_client_get_max_download_size (self->client, self->cancellable, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

/* The real partitions a script name writes: X_ab → X_a X_b, X → X_<slot> when it has slots. */
static GStrv
target_partitions (UbPreflight *self,
                   const char  *name,
                   GError     **error)
{
  g_autoptr(GStrvBuilder) out = g_strv_builder_new ();
  g_auto(GStrv) both = ub_fastboot_partition_split_ab (name);

  if (both != NULL)
    g_strv_builder_addv (out, (const char **) both);
  else if (ub_fastboot_partition_has_suffix (name))
    g_strv_builder_add (out, name);
  else
    {
      g_autofree char *query = g_strdup_printf ("has-slot:%s", name);
      const char *has_slot, *current;

      if (!fact (self, query, &has_slot, error))
        return NULL;
      if (g_strcmp0 (has_slot, "yes") == 0)
        {
          g_autofree char *slot = NULL;
          g_autofree char *full = NULL;

          if (!fact (self, "current-slot", &current, error))
            return NULL;
          slot = ub_fastboot_normalize_slot (current);
          full = g_strdup_printf ("%s_%s", name, slot ? slot : "a");
          g_strv_builder_add (out, full);
        }
      else
        g_strv_builder_add (out, name);
    }
  return g_strv_builder_end (out);
}

static gboolean
is_pseudo_partition (const char *name)
{
  return g_str_equal (name, "crclist") || g_str_equal (name, "sparsecrclist");
}

typedef struct {
  char          *path;       /* resolved inside the ROM folder */
  guint64        size;
  char          *md5;        /* known or computed, when md5sum.xml lists it */
  UbSparseImage *image;
  char          *problem;    /* why it cannot be flashed */
} ImageInfo;

static void
image_info_free (ImageInfo *info)
{
  g_clear_object (&info->image);
  g_free (info->path);
  g_free (info->md5);
  g_free (info->problem);
  g_free (info);
}

static gboolean
check_images (UbPreflight *self,
              GPtrArray   *steps,
              GHashTable  *images,   /* relative path → ImageInfo */
              GError     **error)
{
  GHashTable *md5sums = ub_rom_get_md5sums (self->rom);
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autoptr(GString) unsafe = g_string_new (NULL);
  g_autoptr(GString) damaged = g_string_new (NULL);
  g_autoptr(GString) damaged_detail = g_string_new (NULL);
  g_autoptr(GString) md5_bad = g_string_new (NULL);
  g_autoptr(GPtrArray) to_hash = g_ptr_array_new ();
  guint n_verified = 0, n_flash = 0;
  guint64 hash_total = 0;
  guint64 limit;
  g_autoptr(GError) local = NULL;

  if (!max_download (self, &limit, error))
    return FALSE;

  /* exists and inside the folder */
  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);
      ImageInfo *info;
      GStatBuf st;

      if (!ub_flash_step_has_image (step) ||
          g_hash_table_contains (images, step->file))
        continue;
      n_flash++;
      info = g_new0 (ImageInfo, 1);
      g_hash_table_insert (images, g_strdup (step->file), info);
      info->path = ub_rom_resolve (self->rom, step->file, &local);
      if (info->path == NULL || g_stat (info->path, &st) != 0 || !S_ISREG (st.st_mode))
        {
          if (g_error_matches (local, UB_ROM_ERROR, UB_ROM_ERROR_UNSAFE_PATH))
            list_append (unsafe, step->file);
          else
            list_append (missing, step->file);
          info->problem = g_strdup ("missing");
          g_clear_error (&local);
          continue;
        }
      info->size = st.st_size;
      if (md5sums != NULL && g_hash_table_contains (md5sums, step->file))
        {
          g_ptr_array_add (to_hash, step->file);
          info->md5 = g_strdup (ub_rom_lookup_known_digest (self->rom, step->file));
          if (info->md5 == NULL)
            hash_total += info->size;
        }
    }
  if (missing->len > 0)
    {
      /* TRANSLATORS: %s: file names */
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                             "A file the ROM needs is missing: %s.",
                                                             "Files the ROM needs are missing: %s.",
                                                             strchr (missing->str, ',') ? 2 : 1),
                                                missing->str);
      add_check (self, "images", UB_CHECK_FAILED, title,
                 _("The ROM folder is incomplete: unpacking or downloading it did not finish."),
                 _("Unpack the .tgz file again, or download the ROM again."));
    }
  if (unsafe->len > 0)
    {
      /* TRANSLATORS: %s: file names */
      g_autofree char *title = g_strdup_printf (_("Some files of the ROM are links to files outside "
                                                  "it: %s."), unsafe->str);
      add_check (self, "images", UB_CHECK_FAILED, title,
                 _("Unbrick only flashes files that are inside the ROM folder."),
                 _("Use the ROM folder exactly as unpacked from Xiaomi's .tgz file."));
    }
  if (missing->len == 0 && unsafe->len == 0)
    {
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                             "The %u image the ROM flashes is there.",
                                                             "All %u images the ROM flashes are there.",
                                                             n_flash), n_flash);
      add_check (self, "images", UB_CHECK_PASSED, title, NULL, NULL);
    }

  /* MD5 against md5sum.xml: what unpacking computed, else hashed now */
  {
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) hash_item_free);

    for (guint i = 0; i < to_hash->len; i++)
      {
        const char *rel = g_ptr_array_index (to_hash, i);
        ImageInfo *info = g_hash_table_lookup (images, rel);

        if (info->md5 == NULL)
          {
            HashItem *item = g_new0 (HashItem, 1);
            item->rel = rel;
            item->path = info->path;
            item->size = info->size;
            g_ptr_array_add (items, item);
          }
      }
    step_done (self);   /* the phone's checks */
    hash_all (self, items, hash_total,
              self->progress != NULL ? ub_progress_get_child (self->progress) : NULL);
    if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
      return FALSE;
    step_done (self);   /* verifying */
    for (guint k = 0; k < items->len; k++)
      {
        HashItem *item = g_ptr_array_index (items, k);
        ImageInfo *info = g_hash_table_lookup (images, item->rel);
        info->md5 = g_steal_pointer (&item->md5);  /* NULL when it could not be read */
      }
    for (guint i = 0; i < to_hash->len; i++)
      {
        const char *rel = g_ptr_array_index (to_hash, i);
        const char *expected = g_hash_table_lookup (md5sums, rel);
        ImageInfo *info = g_hash_table_lookup (images, rel);

        if (info->md5 == NULL || g_ascii_strcasecmp (info->md5, expected) != 0)
          {
            g_autofree char *base = g_path_get_basename (rel);
            list_append (md5_bad, base);
            g_free (info->problem);
            info->problem = g_strdup ("md5");
            continue;
          }
        n_verified++;
      }
  }
  if (md5sums == NULL)
    add_check (self, "md5", UB_CHECK_SKIPPED,
               _("The ROM has no checksum list (md5sum.xml), so its files cannot be verified."),
               NULL, NULL);
  else if (md5_bad->len > 0)
    {
      /* TRANSLATORS: %s: file names; keep md5sum.xml */
      g_autofree char *title = g_strdup_printf (_("Some files of the ROM are damaged (their checksums "
                                                  "do not match md5sum.xml): %s."), md5_bad->str);
      add_check (self, "md5", UB_CHECK_FAILED, title,
                 _("A file changed after Xiaomi made the ROM, or the download or unpacking was damaged."),
                 _("Download the ROM again and unpack it again."));
    }
  else
    {
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                             "%u file matches its checksum in md5sum.xml.",
                                                             "%u files match their checksums in md5sum.xml.",
                                                             n_verified), n_verified);
      add_check (self, "md5", UB_CHECK_PASSED, title, NULL, NULL);
    }

  /* every image parses and splits for this phone */
  {
    GHashTableIter iter;
    const char *rel;
    ImageInfo *info;

    g_hash_table_iter_init (&iter, images);
    while (g_hash_table_iter_next (&iter, (gpointer *) &rel, (gpointer *) &info))
      {
        g_autofree char *base = g_path_get_basename (rel);

        if (info->problem != NULL)
          continue;
        info->image = ub_sparse_image_new_from_path (info->path, &local);
        if (info->image != NULL &&
            !ub_sparse_image_split (info->image, limit, self->cancellable, &local))
          g_clear_object (&info->image);
        if (info->image == NULL)
          {
            if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
              {
                g_propagate_error (error, g_steal_pointer (&local));
                return FALSE;
              }
            list_append (damaged, base);
            g_string_append_printf (damaged_detail, "%s%s: %s", damaged_detail->len ? "\n" : "",
                                    base, local->message);
            info->problem = g_strdup ("invalid");
            g_clear_error (&local);
          }
      }
  }
  if (damaged->len > 0)
    {
      /* TRANSLATORS: %s: file names */
      g_autofree char *title = g_strdup_printf (_("Some images are damaged or incomplete: %s."),
                                                damaged->str);
      add_check (self, "image-format", UB_CHECK_FAILED, title, damaged_detail->str,
                 _("Download the ROM again and unpack it again."));
    }
  else if (missing->len == 0 && unsafe->len == 0)
    add_check (self, "image-format", UB_CHECK_PASSED, _("Every image can be read."), NULL, NULL);
  return TRUE;
}

/* Minimum size of an image AOSP fastboot 29 boots as it is (sizeof (boot_img_hdr_v2)). */
#define BOOT_HEADER_SIZE 1660

/*
 * "fastboot boot FILE": AOSP sends FILE as it is only when it is a boot image
 * (it starts with ANDROID!); anything else it would wrap as a kernel, which
 * Unbrick does not do. The image goes in one download.
 */
static void
check_boot_images (UbPreflight *self,
                   GPtrArray   *steps,
                   GHashTable  *images)
{
  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);
      ImageInfo *info;
      g_autofree char *base = NULL;
      char magic[8] = { 0 };
      FILE *f;
      gboolean is_boot = FALSE;

      if (step->kind != UB_STEP_BOOT)
        continue;
      info = g_hash_table_lookup (images, step->file);
      if (info == NULL || info->image == NULL)
        continue;  /* reported with the other images */
      base = g_path_get_basename (step->file);
      f = fopen (info->path, "rb");
      if (f != NULL)
        {
          is_boot = fread (magic, 1, sizeof magic, f) == sizeof magic &&
                    memcmp (magic, "ANDROID!", sizeof magic) == 0;
          fclose (f);
        }
      /* a sparse image fails here too: it starts with the sparse magic */
      if (!is_boot || info->size < BOOT_HEADER_SIZE)
        {
          /* TRANSLATORS: %s: an image file name, e.g. recovery.img */
          g_autofree char *title = g_strdup_printf (_("The script starts the phone from %s, which is "
                                                      "not a boot image."), base);
          add_check (self, "boot-image", UB_CHECK_FAILED, title, NULL,
                     _("Download the ROM again and unpack it again."));
          return;
        }
      if (ub_sparse_image_get_n_pieces (info->image) != 1)
        {
          /* TRANSLATORS: %s: an image file name, e.g. recovery.img */
          g_autofree char *title = g_strdup_printf (_("%s is too large for the phone to start it "
                                                      "from fastboot mode."), base);
          add_check (self, "boot-image", UB_CHECK_FAILED, title, NULL, NULL);
          return;
        }
    }
}

/* Why a vbmeta step's image cannot be made, each with its own check. */
enum { VBMETA_NOT_VBMETA, VBMETA_UNREADABLE, VBMETA_CHANGED, VBMETA_TOO_SMALL, N_VBMETA_PROBLEMS };

/* The failed check of one of these problems, for the files @names. */
static void
add_vbmeta_problem (UbPreflight *self,
                    guint        problem,
                    const char  *names,
                    const char  *details)
{
  g_autofree char *title = NULL;
  const char *next_step = NULL;

  switch (problem)
    {
    case VBMETA_NOT_VBMETA:
      /* TRANSLATORS: %s: file names; keep vbmeta */
      title = g_strdup_printf (_("The script turns off verified boot checks in %s, "
                                 "but it is not a vbmeta image."), names);
      next_step = _("Put back the vbmeta.img of the ROM, or download the ROM again.");
      break;
    case VBMETA_UNREADABLE:
      /* TRANSLATORS: %s: file names */
      title = g_strdup_printf (_("Unbrick cannot read %s."), names);
      next_step = _("Check that the ROM folder is still there and can be read, then check again.");
      break;
    case VBMETA_CHANGED:
      /* TRANSLATORS: %s: file names */
      title = g_strdup_printf (_("%s changed since it was checked."), names);
      next_step = _("Leave the ROM folder as it is while Unbrick works, then check again.");
      break;
    case VBMETA_TOO_SMALL:
      /* TRANSLATORS: %s: file names */
      title = g_strdup_printf (_("The phone takes too little data at once to "
                                 "receive %s in one piece."), names);
      next_step = _("Flash this ROM in a mode that does not turn off verified boot checks.");
      break;
    default:
      g_return_if_reached ();
    }
  add_check (self, "vbmeta", UB_CHECK_FAILED, title, details, next_step);
}

/*
 * Steps with --disable-verity / --disable-verification: the image must be a
 * vbmeta image (AOSP refuses the others only when it gets there, after the
 * writes before it). Each file with each set of flags is read into memory
 * once (at most UB_VBMETA_MAX_SIZE) and shared by the steps that send it
 * that way (the same file may be flashed elsewhere unchanged); the file on
 * disk is untouched. The bytes read must be the ones the MD5 check verified:
 * they are what is sent.
 */
static gboolean
check_vbmeta (UbPreflight *self,
              GPtrArray   *steps,
              GHashTable  *images,          /* relative path → ImageInfo */
              GHashTable  *vbmeta_images,   /* step → UbSparseImage */
              GError     **error)
{
  GString *names[N_VBMETA_PROBLEMS], *details[N_VBMETA_PROBLEMS];
  GHashTable *seen[N_VBMETA_PROBLEMS];
  g_autoptr(GString) good = g_string_new (NULL);
  g_autoptr(GHashTable) seen_good = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* "flags:file" → its UbSparseImage, or @made itself when it could not be made */
  g_autoptr(GHashTable) made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) local = NULL;
  gboolean failed = FALSE;
  guint flags_seen = 0;
  guint64 limit;

  if (!max_download (self, &limit, error))
    return FALSE;
  for (guint k = 0; k < N_VBMETA_PROBLEMS; k++)
    {
      names[k] = g_string_new (NULL);
      details[k] = g_string_new (NULL);
      seen[k] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);
      g_autofree char *key = NULL;
      g_autofree char *base = NULL;
      g_autoptr(UbSparseImage) image = NULL;
      ImageInfo *info;
      gpointer done;
      int problem = -1;

      if (step->kind != UB_STEP_FLASH || step->vbmeta_flags == 0)
        continue;
      info = g_hash_table_lookup (images, step->file);
      if (info == NULL || info->image == NULL)
        continue;  /* missing or damaged: reported already */
      key = g_strdup_printf ("%u:%s", step->vbmeta_flags, step->file);
      if ((done = g_hash_table_lookup (made, key)) != NULL)
        {
          if (done != made)
            g_hash_table_insert (vbmeta_images, step, g_object_ref (done));
          continue;
        }
      base = g_path_get_basename (step->file);
      image = ub_sparse_image_new_from_path (info->path, &local);
      if (image == NULL)
        problem = VBMETA_UNREADABLE;
      else if (!ub_sparse_image_set_vbmeta_flags (image, step->vbmeta_flags, &local))
        problem = g_error_matches (local, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE)
                    ? VBMETA_NOT_VBMETA : VBMETA_UNREADABLE;
      else if (info->md5 != NULL &&
               g_ascii_strcasecmp (info->md5, ub_sparse_image_get_vbmeta_source_md5 (image)) != 0)
        {
          problem = VBMETA_CHANGED;
          g_set_error (&local, UB_ROM_ERROR, UB_ROM_ERROR_FAILED,
                       /* TRANSLATORS: two MD5 checksums */
                       _("its checksum is %s now, %s when it was checked"),
                       ub_sparse_image_get_vbmeta_source_md5 (image), info->md5);
        }
      /* with the flags set, the split only compares sizes (nothing to cancel) */
      else if (!ub_sparse_image_split (image, limit, NULL, &local))
        problem = VBMETA_TOO_SMALL;
      if (problem >= 0)
        {
          g_hash_table_insert (made, g_steal_pointer (&key), made);
          if (g_hash_table_add (seen[problem], g_strdup (base)))
            {
              list_append (names[problem], base);
              g_string_append_printf (details[problem], "%s%s: %s", details[problem]->len ? "\n" : "",
                                      base, local->message);
            }
          g_clear_error (&local);
          failed = TRUE;
          continue;
        }
      flags_seen |= step->vbmeta_flags;
      if (g_hash_table_add (seen_good, g_strdup (base)))
        list_append (good, base);
      g_hash_table_insert (made, g_steal_pointer (&key), image);
      g_hash_table_insert (vbmeta_images, step, g_object_ref (image));
      g_ptr_array_add (keep, g_steal_pointer (&image));
    }
  for (guint k = 0; k < N_VBMETA_PROBLEMS; k++)
    {
      if (names[k]->len > 0)
        add_vbmeta_problem (self, k, names[k]->str, details[k]->str);
      g_string_free (names[k], TRUE);
      g_string_free (details[k], TRUE);
      g_hash_table_unref (seen[k]);
    }
  if (!failed && good->len > 0)
    {
      g_autofree char *title = NULL;

      if (flags_seen == UB_VBMETA_FLAG_DISABLE_VERITY)
        /* TRANSLATORS: %s: file names */
        title = g_strdup_printf (_("The script turns off verity checks in %s."), good->str);
      else
        /* TRANSLATORS: %s: file names */
        title = g_strdup_printf (_("The script turns off verified boot checks in %s."), good->str);
      add_check (self, "vbmeta", UB_CHECK_PASSED, title, NULL, NULL);
    }
  return TRUE;
}

/* Partitions exist and are large enough. */
static gboolean
check_partitions (UbPreflight *self,
                  GPtrArray   *steps,
                  GHashTable  *images,
                  GError     **error)
{
  g_autoptr(GString) absent = g_string_new (NULL);
  g_autoptr(GString) absent_soft = g_string_new (NULL);
  g_autoptr(GString) too_big = g_string_new (NULL);
  gboolean reported = FALSE;

  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);
      g_auto(GStrv) targets = NULL;
      ImageInfo *info = NULL;
      gboolean listed = FALSE;

      if ((step->kind != UB_STEP_FLASH && step->kind != UB_STEP_ERASE) ||
          is_pseudo_partition (step->partition))
        continue;
      if ((targets = target_partitions (self, step->partition, error)) == NULL)
        return FALSE;
      if (step->kind == UB_STEP_FLASH)
        info = g_hash_table_lookup (images, step->file);

      for (guint k = 0; targets[k] != NULL; k++)
        {
          guint64 size;

          if (!partition_size (self, targets[k], &size, error))
            return FALSE;
          if (size == 0)
            {
              GString *list = step->fatal ? absent : absent_soft;
              if (strstr (list->str, targets[k]) == NULL)
                list_append (list, targets[k]);
              continue;
            }
          reported = TRUE;
          if (info != NULL && info->image != NULL && !listed &&
              ub_sparse_image_get_expanded_size (info->image) > size)
            {
              g_autofree char *need = g_format_size (ub_sparse_image_get_expanded_size (info->image));
              g_autofree char *have = g_format_size (size);
              g_autofree char *base = g_path_get_basename (step->file);
              /* TRANSLATORS: "boot.img (716.8 kB) is larger than “boot_a” (524.3 kB)" */
              g_autofree char *item = g_strdup_printf (_("%s (%s) is larger than “%s” (%s)"), base,
                                                       need, targets[k], have);
              list_append (too_big, item);
              listed = TRUE;
            }
        }
    }
  if (!reported)
    {
      add_check (self, "partitions", UB_CHECK_SKIPPED,
                 _("The phone does not report its partition sizes; it will check them itself."),
                 NULL, NULL);
      return TRUE;
    }
  if (absent->len > 0)
    {
      /* TRANSLATORS: %s: a partition name */
      g_autofree char *title = g_strdup_printf (_("The phone has no partition named %s, which the ROM "
                                                  "writes to."), absent->str);
      add_check (self, "partitions", UB_CHECK_FAILED, title,
                 _("This usually means the ROM is for another model."),
                 _("Download the fastboot ROM made for this phone."));
    }
  if (too_big->len > 0)
    {
      /* TRANSLATORS: %s: e.g. “boot.img (716.8 kB) is larger than “boot_a” (524.3 kB)” */
      g_autofree char *title = g_strdup_printf (_("Some images do not fit their partitions: %s."),
                                                too_big->str);
      add_check (self, "partitions", UB_CHECK_FAILED, title,
                 _("Writing them would fail half-way."),
                 _("Download the fastboot ROM made for this phone."));
    }
  if (absent->len == 0 && too_big->len == 0)
    add_check (self, "partitions", UB_CHECK_PASSED,
               _("Every image fits its partition on the phone."), NULL, NULL);
  if (absent_soft->len > 0)
    {
      /* TRANSLATORS: %s: a partition name */
      g_autofree char *title = g_strdup_printf (_("The phone has no partition named %s; the script "
                                                  "goes on without it."), absent_soft->str);
      add_check (self, "partitions-optional", UB_CHECK_WARNING, title, NULL, NULL);
    }
  return TRUE;
}

gboolean
ub_preflight_run (UbPreflight       *self,
                  UbFastbootClient  *client,
                  UbProgress        *progress,
                  GCancellable      *cancellable,
                  GError           **error)
{
  return ub_preflight_run_with_info (self, client, NULL, progress, cancellable, error);
}

gboolean
ub_preflight_check_phone (UbPreflight   *self,
                          const char    *address,
                          UbProgress    *progress,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(UbFastbootClient) client = NULL;
  gboolean ok;

  g_return_val_if_fail (UB_IS_PREFLIGHT (self), FALSE);

  client = ub_fastboot_client_open (address, cancellable, error);
  if (client == NULL)
    return FALSE;
  ok = ub_preflight_run (self, client, progress, cancellable, error);
  /* the flash job opens its own connection */
  ub_fastboot_client_close (client);
  return ok;
}

UbPhoneInfo *
ub_preflight_get_phone_info (UbPreflight *self)
{
  g_return_val_if_fail (UB_IS_PREFLIGHT (self), NULL);
  return self->info;
}

gboolean
ub_preflight_run_with_info (UbPreflight       *self,
                            UbFastbootClient  *client,
                            UbPhoneInfo       *info,
                            UbProgress        *progress,
                            GCancellable      *cancellable,
                            GError           **error)
{
  g_autoptr(GError) script_error = NULL;
  g_autoptr(GPtrArray) steps = NULL;
  g_autoptr(GHashTable) images = NULL;
  g_autoptr(GHashTable) vbmeta_images = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *product = NULL;
  UbScript *script;
  gboolean ok = FALSE;

  g_return_val_if_fail (UB_IS_PREFLIGHT (self), FALSE);
  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (client), FALSE);
  g_return_val_if_fail (progress == NULL || UB_IS_PROGRESS (progress), FALSE);

  g_ptr_array_set_size (self->checks, 0);
  g_clear_object (&self->plan);
  g_clear_object (&self->info);
  if (info != NULL)
    self->info = g_object_ref (info);
  self->client = client;
  self->cancellable = cancellable;
  self->progress = progress;
  if (progress != NULL)
    {
      ub_progress_reset (progress);
      ub_progress_add_step (progress, 1, _("Checking the phone"));
      ub_progress_add_step (progress, 8, _("Verifying the images"));
      ub_progress_add_step (progress, 1, _("Reading the images"));
    }
  images = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) image_info_free);
  vbmeta_images = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);

  script = ub_rom_get_script (self->rom, self->mode, &script_error);
  if (script == NULL)
    {
      add_check (self, "script", UB_CHECK_FAILED,
                 g_error_matches (script_error, UB_ROM_ERROR, UB_ROM_ERROR_MODE_UNAVAILABLE)
                   ? _("This ROM cannot be flashed in this mode.")
                   : _("Unbrick does not understand this ROM's flash script, so it will not use it."),
                 script_error->message,
                 _("Choose another mode, or use the ROM exactly as downloaded from Xiaomi."));
      ok = TRUE;
      goto out;
    }

  check_folder_name (self, script);
  if (!check_connection (self, &serial, error) ||
      (steps = resolve_steps (self, script, error)) == NULL ||
      !check_unlocked (self, error) ||
      !check_product (self, steps, &product, error) ||
      !check_anti (self, steps, error) ||
      !check_spl (self, steps, error) ||
      !check_vars (self, steps, error) ||
      !check_battery (self, error))
    goto out;
  check_steps (self, steps);
  if (!check_images (self, steps, images, error) ||
      !check_vbmeta (self, steps, images, vbmeta_images, error) ||
      !check_partitions (self, steps, images, error))
    goto out;
  check_boot_images (self, steps, images);

  self->plan = ub_flash_plan_new (ub_rom_get_path (self->rom), self->mode, serial, product);
  for (guint i = 0; i < steps->len; i++)
    {
      UbFlashStep *step = g_ptr_array_index (steps, i);
      UbSparseImage *image = NULL;
      guint64 bytes = 0;

      if (step->kind <= UB_STEP_CHECK_VAR || step->kind == UB_STEP_GETVAR)
        continue;
      if (ub_flash_step_has_image (step))
        {
          ImageInfo *image_info = g_hash_table_lookup (images, step->file);
          image = image_info ? image_info->image : NULL;
          if (step->vbmeta_flags != 0)
            image = g_hash_table_lookup (vbmeta_images, step);
          for (guint p = 0; image != NULL && p < ub_sparse_image_get_n_pieces (image); p++)
            bytes += ub_sparse_image_get_piece_size (image, p);
        }
      ub_flash_plan_add_step (self->plan, step, image, bytes);
    }

  if (ub_flash_plan_locks (self->plan))
    add_check (self, "lock", UB_CHECK_WARNING,
               _("This mode locks the bootloader at the end."),
               _("If anything on the phone is not Xiaomi's own firmware, a locked phone may not start "
                 "and only a service centre can repair it."),
               _("Choose “Clean all” unless you need a locked bootloader."));
  if (ub_flash_plan_erases_data (self->plan))
    add_check (self, "data", UB_CHECK_WARNING,
               _("Everything on the phone will be erased: photos, apps, accounts and settings."),
               NULL, NULL);
  else
    add_check (self, "data", UB_CHECK_PASSED, _("Your files and apps are kept."), NULL, NULL);

  ub_flash_plan_set_checked (self->plan, ub_preflight_get_passed (self));
  ok = TRUE;

out:
  if (ok && progress != NULL)
    ub_progress_finish (progress);
  self->client = NULL;
  self->cancellable = NULL;
  self->progress = NULL;
  return ok;
}

typedef struct {
  char       *address;
  UbProgress *progress;
} RunData;

static void
run_data_free (RunData *data)
{
  g_free (data->address);
  g_clear_object (&data->progress);
  g_free (data);
}

static void
run_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  RunData *data = task_data;
  GError *error = NULL;

  if (ub_preflight_check_phone (source, data->address, data->progress, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ub_preflight_run_async (UbPreflight         *self,
                        const char          *address,
                        UbProgress          *progress,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RunData *data;

  g_return_if_fail (UB_IS_PREFLIGHT (self));
  g_return_if_fail (progress == NULL || UB_IS_PROGRESS (progress));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ub_preflight_run_async);
  data = g_new0 (RunData, 1);
  data->address = g_strdup (address);
  data->progress = progress != NULL ? g_object_ref (progress) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);
  g_task_run_in_thread (task, run_thread);
}

gboolean
ub_preflight_run_finish (UbPreflight   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ub_preflight_run_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

GPtrArray *
ub_preflight_get_checks (UbPreflight *self)
{
  g_return_val_if_fail (UB_IS_PREFLIGHT (self), NULL);
  return self->checks;
}

gboolean
ub_preflight_get_passed (UbPreflight *self)
{
  g_return_val_if_fail (UB_IS_PREFLIGHT (self), FALSE);
  if (self->checks->len == 0)
    return FALSE;
  for (guint i = 0; i < self->checks->len; i++)
    if (((UbCheck *) g_ptr_array_index (self->checks, i))->status == UB_CHECK_FAILED)
      return FALSE;
  return TRUE;
}

UbFlashPlan *
ub_preflight_get_plan (UbPreflight *self)
{
  g_return_val_if_fail (UB_IS_PREFLIGHT (self), NULL);
  return self->plan;
}

GError *
ub_preflight_dup_error (UbPreflight *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (UB_IS_PREFLIGHT (self), NULL);
  if (ub_preflight_get_passed (self))
    return NULL;
  for (guint i = 0; i < self->checks->len; i++)
    {
      UbCheck *check = g_ptr_array_index (self->checks, i);

      if (check->status != UB_CHECK_FAILED)
        continue;
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, check->title);
      if (check->next_step != NULL)
        g_string_append_printf (text, " %s", check->next_step);
    }
  if (text->len == 0)
    g_string_append (text, _("The checks before flashing did not run."));
  /* TRANSLATORS: %s: why the checks did not run */
  return g_error_new (UB_ROM_ERROR, UB_ROM_ERROR_PREFLIGHT, _("Nothing was written to the phone. %s"),
                      text->str);
}
