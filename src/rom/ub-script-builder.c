/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The builder the .sh and .bat readers fill: the step list under
 * construction with its enclosing conditions, notes, symbolic variable
 * values, and the statement forms both dialects share (fastboot lines,
 * version and match checks, paths, patterns). Calls run one way:
 * ub-script.c (facade) → ub-script-sh.c / ub-script-bat.c (readers) → here.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ub-fastboot-protocol.h"
#include "ub-rom-error.h"
#include "ub-script-builder.h"
#include "ub-vbmeta.h"

void
ub_script_builder_init (UbScriptBuilder *b,
                        const char      *name)
{
  b->name = name;
  b->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) ub_flash_step_unref);
  b->notes = g_ptr_array_new_with_free_func (g_free);
  b->guards = g_ptr_array_new_with_free_func ((GDestroyNotify) ub_condition_free);
}

void
ub_script_builder_clear (UbScriptBuilder *b)
{
  g_clear_pointer (&b->steps, g_ptr_array_unref);
  g_clear_pointer (&b->notes, g_ptr_array_unref);
  g_clear_pointer (&b->guards, g_ptr_array_unref);
}

UbFlashStep *
ub_script_builder_add (UbScriptBuilder *b,
                       UbStepKind       kind,
                       guint            line,
                       const char      *text)
{
  UbFlashStep *step = ub_flash_step_new (kind, line, text);

  for (guint i = 0; i < b->guards->len; i++)
    g_ptr_array_add (step->conditions, ub_condition_copy (g_ptr_array_index (b->guards, i)));
  g_ptr_array_add (b->steps, step);
  return step;
}

void
ub_script_builder_push_guard (UbScriptBuilder *b,
                              UbConditionKind  kind,
                              const char      *name,
                              const char      *pattern,
                              gboolean         negate)
{
  g_ptr_array_add (b->guards, ub_condition_new (kind, name, pattern, negate));
}

void
ub_script_builder_pop_guard (UbScriptBuilder *b)
{
  g_assert (b->guards->len > 0);
  g_ptr_array_remove_index (b->guards, b->guards->len - 1);
}

void
ub_script_builder_on_failure (UbScriptBuilder *b,
                              guint            first,
                              guint            n,
                              gboolean         fatal,
                              gboolean         set_message,
                              const char      *message)
{
  g_assert (first + n <= b->steps->len);
  for (guint i = first; i < first + n; i++)
    {
      UbFlashStep *step = g_ptr_array_index (b->steps, i);

      step->fatal = step->fatal || fatal;
      if (set_message)
        {
          g_free (step->error_message);
          step->error_message = g_strdup (message);
        }
    }
}

/* "fastboot -w": AOSP erases (then formats) userdata, cache and metadata, each
 * only when "getvar partition-type:NAME" answers. Erasing is what Xiaomi's own
 * clean-all scripts do; Android formats them when it starts. */
static UbFlashStep *
add_wipe (UbScriptBuilder *b,
          guint            line,
          const char      *text)
{
  static const char *const partitions[] = { "userdata", "cache", "metadata" };
  UbFlashStep *step = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (partitions); i++)
    {
      g_autofree char *var = g_strconcat ("partition-type:", partitions[i], NULL);
      g_autofree char *pattern = g_strdup_printf ("^%s: \\S", var);

      step = ub_script_builder_add (b, UB_STEP_ERASE, line, text);
      step->partition = g_strdup (partitions[i]);
      g_ptr_array_add (step->conditions, ub_condition_new (UB_CONDITION_VAR, var, pattern, FALSE));
    }
  b->line_steps = G_N_ELEMENTS (partitions);
  return step;
}

void
ub_script_builder_note (UbScriptBuilder *b,
                        guint            line,
                        const char      *format,
                        ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  /* TRANSLATORS: "flash_all.sh, line 12: <remark>" */
  g_ptr_array_add (b->notes, g_strdup_printf (_("%s, line %u: %s"), b->name, line, text));
}

void
ub_script_error (GError    **error,
                 const char *name,
                 guint       line,
                 const char *text,
                 const char *why)
{
  g_autofree char *shown = NULL;

  /* keep long lines readable */
  if (g_utf8_strlen (text, -1) > 160)
    {
      g_autofree char *cut = g_utf8_substring (text, 0, 157);
      shown = g_strconcat (cut, "…", NULL);
    }
  else
    shown = g_strdup (text);
  /* TRANSLATORS: "flash_all.sh, line 12: <why>: “<script line>”" */
  g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSUPPORTED_SCRIPT, _("%s, line %u: %s: “%s”"),
               name, line, why, shown);
}

char *
ub_script_rom_path (const char  *raw,
                    const char **why)
{
  g_autoptr(GString) path = g_string_new (NULL);
  g_auto(GStrv) parts = NULL;
  const char *p = raw;

  if (g_str_has_prefix (p, UB_SCRIPT_ROOT))
    p += strlen (UB_SCRIPT_ROOT);
  else if (p[0] == '/' || p[0] == '\\' || (g_ascii_isalpha (p[0]) && p[1] == ':'))
    {
      *why = _("the path is outside the ROM folder");
      return NULL;
    }
  if (strchr (p, '\001') != NULL || strchr (p, '\002') != NULL || strchr (p, '$') != NULL ||
      strchr (p, '%') != NULL || strchr (p, '`') != NULL || strchr (p, '*') != NULL ||
      strchr (p, '?') != NULL)
    {
      *why = _("the path uses a variable or pattern Unbrick cannot resolve");
      return NULL;
    }
  parts = g_strsplit_set (p, "/\\", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || g_str_equal (parts[i], "."))
        continue;
      if (g_str_equal (parts[i], ".."))
        {
          *why = _("the path leaves the ROM folder");
          return NULL;
        }
      if (path->len > 0)
        g_string_append_c (path, '/');
      g_string_append (path, parts[i]);
    }
  if (path->len == 0)
    {
      *why = _("the path names no file");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&path), FALSE);
}

/* ub_script_rom_path, or NULL and UB_ROM_ERROR_UNSAFE_PATH naming the line and the path. */
static char *
rom_path_or_error (UbScriptBuilder *b,
                   guint            line,
                   const char      *text,
                   const char      *raw,
                   GError         **error)
{
  const char *why = NULL;
  char *path = ub_script_rom_path (raw, &why);
  g_autofree char *shown = NULL;
  g_autofree char *msg = NULL;

  if (path != NULL)
    return path;
  shown = g_strdelimit (g_strdup (raw), "\001\002", '$');
  msg = g_strdup_printf ("%s (%s)", why, shown);
  ub_script_error (error, b->name, line, text, msg);
  if (error != NULL && *error != NULL)
    (*error)->code = UB_ROM_ERROR_UNSAFE_PATH;
  return NULL;
}

char *
ub_script_getvar_name (char **argv)
{
  guint i = 0;

  if (argv[i] != NULL && g_str_equal (argv[i], UB_SCRIPT_ARGS))
    i++;
  if (argv[i] == NULL || !g_str_equal (argv[i], "getvar") || argv[i + 1] == NULL ||
      argv[i + 2] != NULL)
    return NULL;
  return g_strdup (argv[i + 1]);
}

UbFlashStep *
ub_script_fastboot_step (UbScriptBuilder *b,
                         guint            line,
                         const char      *text,
                         char           **argv,
                         GError         **error)
{
  guint n, i = 0;
  const char *cmd;
  UbFlashStep *step;
  gboolean with_args = FALSE;
  gboolean wipe = FALSE;
  guint vbmeta_flags = 0;
  g_autofree char **kept = g_new0 (char *, g_strv_length (argv) + 1);

  b->line_steps = 1;
  /* --disable-verity / --disable-verification and -w: anywhere, as AOSP's
   * getopt permutes; the first two only matter for flash (see ub-vbmeta.h) */
  for (guint k = 0, m = 0; argv[k] != NULL; k++)
    {
      guint flag = ub_vbmeta_flag_from_option (argv[k]);

      vbmeta_flags |= flag;
      if (g_str_equal (argv[k], "-w"))
        wipe = TRUE;
      else if (flag == 0)
        kept[m++] = argv[k];
    }
  argv = kept;

  if (argv[0] != NULL && g_str_equal (argv[0], UB_SCRIPT_ARGS))
    {
      with_args = TRUE;
      i++;
    }
  n = g_strv_length (argv + i);
  cmd = argv[i];
  if (wipe)
    {
      /* AOSP would run a command given with it first, then wipe: not seen in
       * any script, so not guessed at */
      if (cmd != NULL || vbmeta_flags != 0)
        {
          ub_script_error (error, b->name, line, text,
                           _("Unbrick understands “fastboot -w” only on a line of its own"));
          return NULL;
        }
      return add_wipe (b, line, text);
    }
  if (cmd == NULL)
    {
      ub_script_error (error, b->name, line, text, _("fastboot without a command"));
      return NULL;
    }
  for (guint k = i; argv[k] != NULL; k++)
    if (strchr (argv[k], '\002') != NULL)
      {
        ub_script_error (error, b->name, line, text,
                         _("the script's arguments are passed in an unusual place"));
        return NULL;
      }
  if (cmd[0] == '-' && !g_str_has_prefix (cmd, "--set-active"))
    {
      ub_script_error (error, b->name, line, text, _("Unbrick does not support this fastboot option"));
      return NULL;
    }

  if (g_str_equal (cmd, "flash") && n == 3)
    {
      g_autofree char *file = NULL;

      if (!ub_fastboot_partition_name_is_valid (argv[i + 1]))
        {
          ub_script_error (error, b->name, line, text, _("not a partition name"));
          return NULL;
        }
      if ((file = rom_path_or_error (b, line, text, argv[i + 2], error)) == NULL)
        return NULL;
      if (vbmeta_flags != 0 && ub_vbmeta_partition_is_boot (argv[i + 1]))
        {
          ub_script_error (error, b->name, line, text,
                           _("Unbrick does not turn off verity inside a boot image"));
          return NULL;
        }
      step = ub_script_builder_add (b, UB_STEP_FLASH, line, text);
      step->partition = g_strdup (argv[i + 1]);
      step->file = g_steal_pointer (&file);
      if (ub_vbmeta_partition_takes_flags (step->partition))
        step->vbmeta_flags = vbmeta_flags;
      else if (vbmeta_flags != 0)
        ub_script_builder_note (b, line,
                                _("fastboot applies --disable-verity and --disable-verification "
                                  "only to vbmeta, vbmeta_a and vbmeta_b; like fastboot, Unbrick "
                                  "writes this image unchanged"));
    }
  else if (vbmeta_flags != 0 && !g_str_equal (cmd, "flash"))
    {
      ub_script_error (error, b->name, line, text,
                       _("--disable-verity and --disable-verification go only with flash"));
      return NULL;
    }
  else if ((g_str_equal (cmd, "erase") || g_str_equal (cmd, "format") ||
            g_str_has_prefix (cmd, "format:")) && n == 2)
    {
      if (!ub_fastboot_partition_name_is_valid (argv[i + 1]))
        {
          ub_script_error (error, b->name, line, text, _("not a partition name"));
          return NULL;
        }
      step = ub_script_builder_add (b, cmd[0] == 'e' ? UB_STEP_ERASE : UB_STEP_FORMAT, line, text);
      step->partition = g_strdup (argv[i + 1]);
      if (g_str_has_prefix (cmd, "format:"))
        step->arg = g_strdup (cmd + strlen ("format:"));
    }
  else if ((g_str_equal (cmd, "set_active") && n == 2) ||
           (g_str_has_prefix (cmd, "--set-active=") && n == 1))
    {
      const char *slot = n == 2 ? argv[i + 1] : cmd + strlen ("--set-active=");
      if (slot[0] == '_')
        slot++;
      if (!g_str_equal (slot, "a") && !g_str_equal (slot, "b"))
        {
          ub_script_error (error, b->name, line, text, _("not a slot name"));
          return NULL;
        }
      step = ub_script_builder_add (b, UB_STEP_SET_ACTIVE, line, text);
      step->arg = g_strdup (slot);
    }
  else if (g_str_equal (cmd, "oem") && n >= 2)
    {
      step = ub_script_builder_add (b, UB_STEP_OEM, line, text);
      step->arg = g_strjoinv (" ", argv + i + 1);
    }
  else if (g_str_equal (cmd, "flashing") && n == 2 &&
           (g_str_equal (argv[i + 1], "lock") || g_str_equal (argv[i + 1], "unlock") ||
            g_str_equal (argv[i + 1], "lock_critical") ||
            g_str_equal (argv[i + 1], "unlock_critical")))
    {
      step = ub_script_builder_add (b, UB_STEP_FLASHING, line, text);
      step->arg = g_strdup (argv[i + 1]);
    }
  else if (g_str_equal (cmd, "reboot") && n <= 2)
    {
      const char *target = n == 2 ? argv[i + 1] : NULL;

      if (target != NULL && g_str_equal (target, "system"))
        target = NULL;
      if (target != NULL && !g_str_equal (target, "bootloader") &&
          !g_str_equal (target, "recovery") && !g_str_equal (target, "fastboot"))
        {
          ub_script_error (error, b->name, line, text, _("unknown reboot target"));
          return NULL;
        }
      step = ub_script_builder_add (b, UB_STEP_REBOOT, line, text);
      step->arg = g_strdup (target);
    }
  else if ((g_str_equal (cmd, "reboot-bootloader") || g_str_equal (cmd, "reboot-recovery") ||
            g_str_equal (cmd, "reboot-fastboot")) && n == 1)
    {
      step = ub_script_builder_add (b, UB_STEP_REBOOT, line, text);
      step->arg = g_strdup (cmd + strlen ("reboot-"));
    }
  else if (g_str_equal (cmd, "boot") && n == 2)
    {
      g_autofree char *file = rom_path_or_error (b, line, text, argv[i + 1], error);

      if (file == NULL)
        return NULL;
      step = ub_script_builder_add (b, UB_STEP_BOOT, line, text);
      step->file = g_steal_pointer (&file);
    }
  else if (g_str_equal (cmd, "getvar") && n == 2)
    {
      step = ub_script_builder_add (b, UB_STEP_GETVAR, line, text);
      step->var = g_strdup (argv[i + 1]);
    }
  else
    {
      ub_script_error (error, b->name, line, text, _("this fastboot command is not one Unbrick runs"));
      return NULL;
    }

  if (!with_args && step->kind != UB_STEP_GETVAR)
    ub_script_builder_note (b, line,
                            _("this command does not name a phone; Unbrick sends it to the "
                              "phone you picked"));
  return step;
}

gboolean
ub_script_pcre_compiles (const char *pcre)
{
  g_autoptr(GRegex) re = g_regex_new (pcre, 0, 0, NULL);

  return re != NULL;
}

/* "[…]" at @p (just after the '[') of a grep (POSIX) or findstr class → PCRE in @out;
 * the position of the closing ']' or NULL (and @why). */
static const char *
class_to_pcre (const char      *p,
               UbPatternSyntax  syntax,
               GString         *out,
               const char     **why)
{
  const char *start;

  g_string_append_c (out, '[');
  if (*p == '^')
    g_string_append_c (out, *p++);
  start = p;
  for (; *p != '\0'; p++)
    {
      if (*p == ']' && p != start)
        {
          g_string_append_c (out, ']');
          return p;
        }
      if (*p == ']')
        {
          /* first in the class: a literal ] */
          g_string_append (out, "\\]");
          continue;
        }
      if (syntax == UB_PATTERN_FINDSTR)
        {
          /* findstr's ranges follow the collation order ([a-z] takes capitals too):
           * only digit ranges mean what they say; a backslash is undocumented */
          if (p[1] == '-' && p[2] != ']' && p[2] != '\0' &&
              !(g_ascii_isdigit (p[0]) && g_ascii_isdigit (p[2])))
            {
              *why = _("findstr reads this range of characters differently");
              return NULL;
            }
          if (*p == '\\' || *p == '[')
            {
              *why = _("Unbrick cannot tell how findstr reads this pattern");
              return NULL;
            }
        }
      else if (p[0] == '[' && (p[1] == '=' || p[1] == '.'))
        {
          *why = _("Unbrick cannot tell how grep reads this pattern");
          return NULL;
        }
      else if (p[0] == '[' && p[1] == ':')
        {
          /* [:digit:] and friends, as PCRE spells them */
          const char *close = strstr (p + 2, ":]");

          if (close == NULL)
            break;
          g_string_append_len (out, p, close + 2 - p);
          p = close + 1;
          continue;
        }
      /* a backslash is literal in a POSIX class; PCRE would escape with it */
      if (*p == '\\' || *p == '[')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  *why = _("a “[” in the pattern is never closed");
  return NULL;
}

char *
ub_script_pattern_to_pcre (const char      *pattern,
                           UbPatternSyntax  syntax,
                           const char     **why)
{
  g_autoptr(GString) out = g_string_new (NULL);
  /* where a * or another repetition has nothing to repeat */
  gboolean at_start = TRUE;

  if (strchr (pattern, '\n') != NULL)
    {
      *why = _("Unbrick cannot tell how grep reads this pattern");
      return NULL;
    }
  if (syntax == UB_PATTERN_PCRE)
    {
      if (!ub_script_pcre_compiles (pattern))
        {
          *why = _("the pattern is not one Unbrick can read");
          return NULL;
        }
      return g_strdup (pattern);
    }

  for (const char *p = pattern; *p; p++)
    {
      gboolean was_start = at_start;

      at_start = FALSE;
      if (p[0] == '[')
        {
          if ((p = class_to_pcre (p + 1, syntax, out, why)) == NULL)
            return NULL;
          continue;
        }
      if (syntax == UB_PATTERN_FINDSTR)
        {
          /* findstr /r: . * ^ $ [] and \ before one of them; everything else literal */
          if (p[0] == '\\')
            {
              if (p[1] != '\0' && strchr (".*^$[]\\", p[1]) != NULL)
                {
                  g_string_append_c (out, '\\');
                  g_string_append_c (out, *++p);
                  continue;
                }
              /* \< \> (findstr's idea of a word is not documented), \d, … */
              *why = _("Unbrick cannot tell how findstr reads this pattern");
              return NULL;
            }
          if ((p[0] == '^' && p != pattern) || (p[0] == '$' && p[1] != '\0') ||
              (p[0] == '*' && (was_start || p[-1] == '*')))
            {
              *why = _("Unbrick cannot tell how findstr reads this pattern");
              return NULL;
            }
          if (strchr ("|(){}+?", p[0]) != NULL)
            g_string_append_c (out, '\\');
          g_string_append_c (out, p[0]);
          at_start = p[0] == '^';
          continue;
        }

      /* grep: BRE or ERE (GNU) */
      if (p[0] == '\\')
        {
          char c = p[1];

          if (c == '\0')
            {
              *why = _("Unbrick cannot tell how grep reads this pattern");
              return NULL;
            }
          p++;
          if (c == '<')
            g_string_append (out, "\\b(?=\\w)");
          else if (c == '>')
            g_string_append (out, "\\b(?<=\\w)");
          else if (syntax == UB_PATTERN_BRE && strchr ("|(){}+?", c) != NULL)
            {
              /* BRE: \| \( \) \{ \} \+ \? are the operators */
              if ((c == '+' || c == '?' || c == '{') && was_start)
                {
                  *why = _("Unbrick cannot tell how grep reads this pattern");
                  return NULL;
                }
              g_string_append_c (out, c);
              at_start = c == '(' || c == '|';
            }
          else if ((syntax == UB_PATTERN_BRE && c == '{' && p[1] == ',') ||
                   (syntax == UB_PATTERN_ERE && strchr ("|{}", c) != NULL))
            {
              /* {,N} is GNU's; \| in an ERE is GNU's business */
              *why = _("Unbrick cannot tell how grep reads this pattern");
              return NULL;
            }
          else if (strchr ("bBwWsS", c) != NULL || (c >= '1' && c <= '9'))
            {
              g_string_append_c (out, '\\');
              g_string_append_c (out, c);
            }
          else if (g_ascii_isalnum (c))
            {
              /* \d, \n, \t…: GNU grep and PCRE differ */
              *why = _("Unbrick cannot tell how grep reads this pattern");
              return NULL;
            }
          else
            {
              g_string_append_c (out, '\\');
              g_string_append_c (out, c);
            }
          continue;
        }
      if (syntax == UB_PATTERN_BRE)
        {
          /* a * with nothing before it, ^ not at the start and $ not at the end are literal */
          gboolean end = p[1] == '\0' || (p[1] == '\\' && (p[2] == ')' || p[2] == '|'));

          if ((p[0] == '*' && was_start) || (p[0] == '^' && !was_start) ||
              (p[0] == '$' && !end) || strchr ("|(){}+?", p[0]) != NULL)
            g_string_append_c (out, '\\');
          g_string_append_c (out, p[0]);
          at_start = p[0] == '^' && was_start;
          continue;
        }
      /* ERE: a repetition with nothing to repeat is GNU's business */
      if ((strchr ("*+?{", p[0]) != NULL && was_start) || (p[0] == '{' && p[1] == ','))
        {
          *why = _("Unbrick cannot tell how grep reads this pattern");
          return NULL;
        }
      g_string_append_c (out, p[0]);
      at_start = p[0] == '(' || p[0] == '|' || p[0] == '^';
    }
  if (!ub_script_pcre_compiles (out->str))
    {
      *why = _("the pattern is not one Unbrick can read");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
ub_script_product_codenames (const char      *pcre,
                             GStrv           *codenames,
                             gboolean        *prefix_match)
{
  g_auto(GStrv) alternatives = g_strsplit (pcre, "|", -1);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_autoptr(GRegex) form = NULL;
  gboolean prefix = FALSE;

  /* ^product: *NAME with an optional $ (and an optional extra space) */
  form = g_regex_new ("^(?:\\^?product:(?: \\*|  \\*| )?)?([A-Za-z0-9_-]+)(\\$?)$", 0, 0, NULL);
  for (guint i = 0; alternatives[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *name = NULL;
      g_autofree char *anchor = NULL;

      if (!g_regex_match (form, alternatives[i], 0, &match))
        return FALSE;
      name = g_match_info_fetch (match, 1);
      anchor = g_match_info_fetch (match, 2);
      if (anchor[0] == '\0')
        prefix = TRUE;
      g_strv_builder_add (names, name);
    }
  *codenames = g_strv_builder_end (names);
  *prefix_match = prefix;
  return TRUE;
}

/*
 * cmd's number: decimal, 0x hex or 0 octal, with an optional sign, the whole
 * word (else cmd compares the words as text, which depends on the locale).
 * Beyond 32 bits cmd saturates: not a number Unbrick compares.
 */
gboolean
ub_script_cmd_number (const char *text,
                      gint64     *out)
{
  const char *p = text;
  gboolean negative = FALSE;
  char *end = NULL;
  guint base = 10;
  guint64 magnitude;

  if (text == NULL || *p == '\0')
    return FALSE;
  if (*p == '+' || *p == '-')
    negative = *p++ == '-';
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    {
      base = 16;
      p += 2;
    }
  else if (p[0] == '0' && p[1] != '\0')
    base = 8;
  if (*p == '\0' || !g_ascii_isxdigit (*p))
    return FALSE;
  errno = 0;
  magnitude = g_ascii_strtoull (p, &end, base);
  if (errno != 0 || end == NULL || *end != '\0' || magnitude > G_MAXINT32)
    return FALSE;
  *out = negative ? -(gint64) magnitude : (gint64) magnitude;
  return TRUE;
}

UbScriptVal *
ub_script_val_new (UbValKind   kind,
                   const char *s)
{
  UbScriptVal *val = g_new0 (UbScriptVal, 1);

  val->kind = kind;
  val->s = g_strdup (s);
  return val;
}

void
ub_script_val_free (UbScriptVal *val)
{
  if (val == NULL)
    return;
  g_free (val->s);
  g_free (val->raw);
  g_free (val->other);
  g_free (val->pattern);
  g_free (val);
}

UbFlashStep *
ub_script_version_check (UbScriptBuilder   *b,
                         guint              line,
                         const char        *text,
                         const UbScriptVal *device,
                         const UbScriptVal *package,
                         const char        *message,
                         GError           **error)
{
  UbFlashStep *check;

  if (device == NULL || device->kind != UB_VAL_DEVVAR || package == NULL)
    {
      ub_script_error (error, b->name, line, text, _("Unbrick cannot tell what this comparison checks"));
      return NULL;
    }
  if (!device->date &&
      (package->kind == UB_VAL_INT || (package->kind == UB_VAL_PKGFILE && !package->date)))
    {
      check = ub_script_builder_add (b, UB_STEP_CHECK_ANTI, line, text);
      check->var = g_strdup (device->s);
      if (package->kind == UB_VAL_INT)
        check->package_value = package->n;
      else
        check->file = g_strdup (package->s);
    }
  else if (device->date && package->kind == UB_VAL_PKGFILE && package->date)
    {
      check = ub_script_builder_add (b, UB_STEP_CHECK_SPL, line, text);
      check->var = g_strdup (device->s);
      check->file = g_strdup (package->s);
    }
  else
    {
      ub_script_error (error, b->name, line, text, _("Unbrick cannot tell what this comparison checks"));
      return NULL;
    }
  check->fatal = TRUE;
  check->error_message = g_strdup (message);
  return check;
}

UbFlashStep *
ub_script_match_check (UbScriptBuilder *b,
                       guint            line,
                       const char      *text,
                       const char      *var,
                       const char      *pcre,
                       gboolean         refuse_match,
                       const char      *message,
                       GError         **error)
{
  UbFlashStep *check;

  if (g_str_equal (var, "product") && !refuse_match)
    {
      GStrv names = NULL;
      gboolean prefix = FALSE;

      if (!ub_script_product_codenames (pcre, &names, &prefix))
        {
          ub_script_error (error, b->name, line, text,
                           _("Unbrick cannot read which phones this product check accepts"));
          return NULL;
        }
      check = ub_script_builder_add (b, UB_STEP_CHECK_PRODUCT, line, text);
      check->codenames = names;
      check->prefix_match = prefix;
      check->var = g_strdup ("product");
    }
  else
    {
      check = ub_script_builder_add (b, UB_STEP_CHECK_VAR, line, text);
      check->var = g_strdup (var);
      check->pattern = g_strdup (pcre);
      check->refuse_match = refuse_match;
    }
  check->fatal = TRUE;
  check->error_message = g_strdup (message);
  return check;
}
