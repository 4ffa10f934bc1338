/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UbScript, the facade: normalizes the text and hands it to the .sh or .bat
 * reader (ub-script-sh.c, ub-script-bat.c), which fill a UbScriptBuilder. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-rom-error.h"
#include "ub-script.h"
#include "ub-script-readers.h"

struct _UbScript
{
  GObject          parent_instance;
  char            *name;
  UbScriptDialect  dialect;
  GPtrArray       *steps;
  GPtrArray       *notes;
};

G_DEFINE_FINAL_TYPE (UbScript, ub_script, G_TYPE_OBJECT)

static void
ub_script_finalize (GObject *object)
{
  UbScript *self = UB_SCRIPT (object);

  g_free (self->name);
  g_clear_pointer (&self->steps, g_ptr_array_unref);
  g_clear_pointer (&self->notes, g_ptr_array_unref);
  G_OBJECT_CLASS (ub_script_parent_class)->finalize (object);
}

static void
ub_script_class_init (UbScriptClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_script_finalize;
}

static void
ub_script_init (UbScript *self)
{
}

/* BOM, CRLF/CR → LF, trailing blanks of every line (unless @keep_blanks: cmd keeps
 * them in a set value; the .bat reader strips its lines itself). */
static char *
normalize_text (const char *data,
                gsize       length,
                gboolean    keep_blanks)
{
  GString *out = g_string_sized_new (length + 1);
  gsize i = 0;

  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    i = 3;
  for (; i < length; i++)
    {
      char c = data[i];

      if (c == '\r')
        {
          if (i + 1 < length && data[i + 1] == '\n')
            continue;
          c = '\n';
        }
      if (c == '\n' && !keep_blanks)
        {
          while (out->len > 0 && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '\t'))
            g_string_truncate (out, out->len - 1);
        }
      g_string_append_c (out, c);
    }
  while (!keep_blanks && out->len > 0 && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '\t'))
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

UbScript *
ub_script_new_from_data (const char      *name,
                         UbScriptDialect  dialect,
                         const char      *data,
                         gsize            length,
                         GError         **error)
{
  g_autoptr(UbScript) self = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) notes = NULL;
  GPtrArray *steps;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                   /* TRANSLATORS: %s: a script's file name */
                   _("%s is not a text file"), name);
      return NULL;
    }
  {
    /* comments in other encodings (GBK rem lines) must not break messages */
    g_autofree char *valid = g_utf8_make_valid (data, length);
    text = normalize_text (valid, strlen (valid), dialect == UB_SCRIPT_BAT);
  }
  if (dialect == UB_SCRIPT_SH)
    steps = ub_script_parse_sh (name, text, &notes, error);
  else
    steps = ub_script_parse_bat (name, text, &notes, error);
  if (steps == NULL)
    return NULL;

  self = g_object_new (UB_TYPE_SCRIPT, NULL);
  self->name = g_strdup (name);
  self->dialect = dialect;
  self->steps = steps;
  self->notes = g_steal_pointer (&notes);
  return g_steal_pointer (&self);
}

UbScript *
ub_script_new_from_file (const char *path,
                         GError    **error)
{
  g_autofree char *data = NULL;
  g_autofree char *name = g_path_get_basename (path);
  gsize length = 0;
  UbScriptDialect dialect;

  if (g_str_has_suffix (path, ".sh"))
    dialect = UB_SCRIPT_SH;
  else if (g_str_has_suffix (path, ".bat") || g_str_has_suffix (path, ".cmd"))
    dialect = UB_SCRIPT_BAT;
  else
    {
      g_set_error (error, UB_ROM_ERROR, UB_ROM_ERROR_UNSUPPORTED_SCRIPT,
                   _("%s is not a flash script (.sh or .bat)"), name);
      return NULL;
    }
  if (!g_file_get_contents (path, &data, &length, error))
    return NULL;
  return ub_script_new_from_data (name, dialect, data, length, error);
}

const char *
ub_script_get_name (UbScript *self)
{
  g_return_val_if_fail (UB_IS_SCRIPT (self), NULL);
  return self->name;
}

UbScriptDialect
ub_script_get_dialect (UbScript *self)
{
  g_return_val_if_fail (UB_IS_SCRIPT (self), UB_SCRIPT_SH);
  return self->dialect;
}

GPtrArray *
ub_script_get_steps (UbScript *self)
{
  g_return_val_if_fail (UB_IS_SCRIPT (self), NULL);
  return self->steps;
}

GPtrArray *
ub_script_get_notes (UbScript *self)
{
  g_return_val_if_fail (UB_IS_SCRIPT (self), NULL);
  return self->notes;
}

gboolean
ub_script_locks (UbScript *self)
{
  g_return_val_if_fail (UB_IS_SCRIPT (self), FALSE);
  for (guint i = 0; i < self->steps->len; i++)
    if (ub_flash_step_is_lock (g_ptr_array_index (self->steps, i)))
      return TRUE;
  return FALSE;
}
